"""What the continuous-mode tests share: waiting for a corpus's clusters to settle, reading its
leaves, and the one-batch reference its incremental updates must equal."""

from __future__ import annotations

import time
from typing import Any

import redis

from api.actors.clusters import LOCK_KEY, PENDING_KEY
from api.pipeline.clustering import params_from_settings, run_clustering
from api.pipeline.similarity import build_edges
from api.resources import make_vector_store
from api.settings import Settings
from graph.clusters import latest_run_id
from graph.db import GraphDB
from graph.descriptors import DescriptorModelRecord


def settle(
    db: GraphDB, settings: Settings, corpus: str, expected: int, timeout_s: float = 300
) -> None:
    """Wait until `expected` illustrations have edges and no cluster update of the corpus is
    pending or running."""
    client = redis.Redis.from_url(settings.broker.broker_url)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        records, _, _ = db.execute_query(
            "MATCH (i:Illustration) WHERE i.edge_set IS NOT NULL RETURN count(i) AS n"
        )
        busy = client.exists(PENDING_KEY.format(corpus=corpus), LOCK_KEY.format(corpus=corpus))
        if records[0]["n"] == expected and not busy and latest_run_id(db, corpus):
            return
        time.sleep(0.5)
    raise TimeoutError(f"the clusters of {corpus!r} did not settle on {expected} illustrations")


def leaves(db: GraphDB, run_id: str) -> list[dict[str, Any]]:
    records, _, _ = db.execute_query(
        "MATCH (c:Cluster {run_id: $run, leaf: true})<-[:IN_CLUSTER]-(i) WITH c, i ORDER BY i.id "
        "RETURN c.key AS key, c.size AS size, collect(i.id) AS members ORDER BY key",
        run=run_id,
    )
    return [r.data() for r in records]


def one_batch_run(
    db: GraphDB, settings: Settings, model: DescriptorModelRecord, corpus: str
) -> tuple[int, str]:
    """The reference: the same vectors in one batch, edges rebuilt from scratch, then a full
    run. Returns how many illustrations were queried and the run's id."""
    db.execute_query("MATCH ()-[r:SIMILAR]->() DELETE r")
    db.execute_query("MATCH (i:Illustration) REMOVE i.edge_set")
    store = make_vector_store(settings)
    store.ensure_collection(model.collection, model.dim)
    build = build_edges(
        db,
        store=store,
        model=model,
        k=settings.similarity.k,
        min_score=settings.similarity.min_score,
        corpus=corpus,
    )
    params = params_from_settings(
        db, similarity=settings.similarity, edge_set=build.edge_set, threshold=None
    )
    run = run_clustering(db, edge_set=build.edge_set, params=params)
    return build.queried, run.run_id

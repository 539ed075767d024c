"""Continuous mode through the real broker and a real worker: vectors arriving in batches end
in the clusters a single batch gives, with no command in between."""

import json
import time
import uuid

import pytest
import redis
from PIL import Image, ImageOps
from skimage import data

from api.actors.clusters import LOCK_KEY, PENDING_KEY
from api.actors.gpu import enqueue_descriptors
from api.pipeline.clustering import params_from_settings, run_clustering
from api.pipeline.similarity import build_edges
from api.resources import make_vector_store
from graph.clusters import latest_run_id
from tests.support.press import fit_small_model, ingest_pictures, loopback_fetcher

CORPUS = "living"


@pytest.fixture
def reprinted_corpus(clean_graph, clean_broker, static_server, iiif_image_server, tmp_path):
    """Four pictures, each printed twice (the second a mirrored, darker reprint)."""
    pictures = []
    for n, name in enumerate(("astronaut", "coffee", "chelsea", "rocket") * 2):
        image = Image.fromarray(getattr(data, name)()).convert("RGB")
        if n >= 4:
            image = ImageOps.autocontrast(image.resize((image.width - 8, image.height - 8)))
        pictures.append((f"live-{name}-{n}-{uuid.uuid4().hex[:6]}", image))
    with loopback_fetcher(static_server, iiif_image_server) as fetcher:
        ids = ingest_pictures(
            clean_graph,
            corpus=CORPUS,
            pictures=pictures,
            static_server=static_server,
            iiif_image_server=iiif_image_server,
            fetcher=fetcher,
        )
        record = fit_small_model(
            clean_graph, ids, fetcher=fetcher, artifact_dir=tmp_path / "models"
        )
    return ids, record


def leaves(db, run_id):
    records, _, _ = db.execute_query(
        "MATCH (c:Cluster {run_id: $run, leaf: true})<-[:IN_CLUSTER]-(i) WITH c, i ORDER BY i.id "
        "RETURN c.key AS key, c.size AS size, collect(i.id) AS members ORDER BY key",
        run=run_id,
    )
    return [r.data() for r in records]


def settle(db, settings, ids, timeout_s=300):
    """Wait until these illustrations have edges and no cluster update is pending or running."""
    client = redis.Redis.from_url(settings.broker.broker_url)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        records, _, _ = db.execute_query(
            "UNWIND $ids AS id MATCH (i:Illustration {id: id}) WHERE i.edge_set IS NOT NULL "
            "RETURN count(i) AS n",
            ids=ids,
        )
        busy = client.exists(PENDING_KEY.format(corpus=CORPUS), LOCK_KEY.format(corpus=CORPUS))
        if records[0]["n"] == len(ids) and not busy and latest_run_id(db, CORPUS):
            return
        time.sleep(0.5)
    raise TimeoutError(f"clusters did not settle on {len(ids)} illustrations")


@pytest.mark.slow
def test_batches_flow_to_the_clusters_of_one_batch(
    reprinted_corpus, settings, clean_graph, start_worker, static_server, iiif_image_server
):
    ids, record = reprinted_corpus
    env = {
        "CONTAGIONS_MODEL__BACKBONE": "efficientnet_lite0",
        "CONTAGIONS_HTTP__ALLOWED_PRIVATE_HOSTS": json.dumps(
            [static_server.endpoint, iiif_image_server.endpoint]
        ),
        "CONTAGIONS_CONTINUOUS__DEBOUNCE_SECONDS": "1",
    }
    start_worker("gpu", "clusters", env=env, threads=2)
    batches = [ids[:3], ids[3:6], ids[6:]]
    done: list[str] = []
    for batch in batches:
        enqueue_descriptors(batch)
        done += batch
        settle(clean_graph, settings, done)
    run_id = latest_run_id(clean_graph, CORPUS)
    runs, _, _ = clean_graph.execute_query("MATCH (r:ClusteringRun) RETURN count(r) AS n")
    assert runs[0]["n"] == 1  # one run, updated in place
    continuous = leaves(clean_graph, run_id)
    assert continuous and max(c["size"] for c in continuous) >= 2

    # The same vectors in one batch: edges rebuilt from scratch, then a full run.
    clean_graph.execute_query("MATCH ()-[r:SIMILAR]->() DELETE r")
    clean_graph.execute_query("MATCH (i:Illustration) REMOVE i.edge_set")
    store = make_vector_store(settings)
    store.ensure_collection(record.collection, record.dim)
    build = build_edges(
        clean_graph,
        store=store,
        model=record,
        k=settings.similarity.k,
        min_score=settings.similarity.min_score,
        corpus=CORPUS,
    )
    assert build.queried == len(ids)
    params = params_from_settings(
        clean_graph, similarity=settings.similarity, edge_set=build.edge_set, threshold=None
    )
    one_batch = run_clustering(clean_graph, edge_set=build.edge_set, params=params)
    assert leaves(clean_graph, one_batch.run_id) == continuous

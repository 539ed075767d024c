"""Repository for similarity edges."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby

import numpy as np
from neo4j import ManagedTransaction, RoutingControl

from graph.db import GraphDB
from graph.queries import similarity as q

EDGE_BATCH = 20_000


@dataclass(frozen=True)
class EdgeSet:
    id: str
    model_id: str
    k: int
    min_score: float
    corpus: str | None


def create_edge_set(db: GraphDB, edge_set: EdgeSet) -> None:
    db.execute_query(
        q.MERGE_EDGE_SET,
        id=edge_set.id,
        model_id=edge_set.model_id,
        k=edge_set.k,
        min_score=edge_set.min_score,
        corpus=edge_set.corpus,
    )


def write_edges(
    db: GraphDB,
    edge_set: str,
    a: Sequence[str],
    b: Sequence[str],
    score: np.ndarray,
    batch: int = EDGE_BATCH,
) -> int:
    """Write edges (a[i], b[i], score[i]) in batches of about `batch` edges grouped by source;
    an edge already in the set is left as it is. Returns the edge set's size.

    One writer: two writers of one edge set could both find an edge missing and create it
    twice (parallel writers on disjoint ranges deadlocked and lost batches when measured).
    """
    scores = np.round(np.asarray(score, dtype=np.float64), 5).tolist()
    # In id order a batch touches neighbouring index pages and locks each source node once:
    # about 20 % more edges per second than in query order (bench/similarity.py --only-neo4j).
    # A pair given twice is written once (the last score wins), as MERGE would.
    rows_all = sorted({(x, y): s for x, y, s in zip(a, b, scores, strict=True)}.items())
    groups = [
        [source, [[target, s] for (_, target), s in rows]]
        for source, rows in groupby(rows_all, key=lambda row: row[0][0])
    ]

    with db.session() as session:
        start = 0
        while start < len(groups):
            stop, edges = start, 0
            while stop < len(groups) and (edges < batch or stop == start):
                edges += len(groups[stop][1])
                stop += 1
            session.execute_write(_write_edge_groups, groups[start:stop], edge_set)
            start = stop
    records, _, _ = db.execute_query(q.COUNT_EDGES, edge_set=edge_set)
    return records[0]["n"]


def _write_edge_groups(tx: ManagedTransaction, groups: list[list[object]], edge_set: str) -> None:
    tx.run(q.WRITE_EDGES, groups=groups, edge_set=edge_set).consume()


def edges_above(
    db: GraphDB, edge_set: str, min_score: float
) -> tuple[list[str], list[str], np.ndarray]:
    a: list[str] = []
    b: list[str] = []
    scores: list[float] = []
    with db.session(default_access_mode="READ") as session:
        result = session.run(q.EDGES_ABOVE, edge_set=edge_set, min_score=min_score)
        for record in result:
            a.append(record["a"])
            b.append(record["b"])
            scores.append(record["score"])
    return a, b, np.asarray(scores, dtype=np.float32)


def latest_edge_set(db: GraphDB, corpus: str | None = None) -> EdgeSet | None:
    records, _, _ = db.execute_query(q.LATEST_EDGE_SET, corpus=corpus, routing_=RoutingControl.READ)
    return EdgeSet(**records[0].data()) if records else None


def neighbours(
    db: GraphDB, illustration_id: str, edge_set: str, limit: int = 20
) -> list[tuple[str, float]]:
    records, _, _ = db.execute_query(
        q.NEIGHBOURS,
        id=illustration_id,
        edge_set=edge_set,
        limit=limit,
        routing_=RoutingControl.READ,
    )
    return [(r["id"], r["score"]) for r in records]


def mark_edges_done(db: GraphDB, ids: Sequence[str], edge_set: str) -> None:
    for start in range(0, len(ids), EDGE_BATCH):
        db.execute_query(
            q.MARK_EDGES_DONE,
            ids=list(ids[start : start + EDGE_BATCH]),
            edge_set=edge_set,
        )


def edges_pending(db: GraphDB, ids: Sequence[str], edge_set: str) -> list[str]:
    """The ids whose neighbours were not computed yet for this edge set."""
    records, _, _ = db.execute_query(
        q.EDGES_PENDING,
        ids=list(ids),
        edge_set=edge_set,
        routing_=RoutingControl.READ,
    )
    return [r["id"] for r in records]


def edges_touching(
    db: GraphDB, edge_set: str, ids: Sequence[str], min_score: float
) -> tuple[list[str], list[str], np.ndarray]:
    """Edges with at least one end in ``ids`` (an edge joining two of them comes twice)."""
    return _edge_rows(db, q.EDGES_TOUCHING, edge_set, ids, min_score, keep=None)


def edges_within(
    db: GraphDB, edge_set: str, ids: Sequence[str], min_score: float
) -> tuple[list[str], list[str], np.ndarray]:
    """Edges with both ends in ``ids``, each once."""
    return _edge_rows(db, q.EDGES_FROM, edge_set, ids, min_score, keep=set(ids))


def _edge_rows(
    db: GraphDB,
    query: str,
    edge_set: str,
    ids: Sequence[str],
    min_score: float,
    keep: set[str] | None,
) -> tuple[list[str], list[str], np.ndarray]:
    a: list[str] = []
    b: list[str] = []
    scores: list[float] = []
    ids = list(ids)
    with db.session(default_access_mode="READ") as session:
        for start in range(0, len(ids), EDGE_BATCH):
            batch = ids[start : start + EDGE_BATCH]
            for record in session.run(query, ids=batch, edge_set=edge_set, min_score=min_score):
                if keep is None or record["b"] in keep:
                    a.append(record["a"])
                    b.append(record["b"])
                    scores.append(record["score"])
    return a, b, np.asarray(scores, dtype=np.float32)

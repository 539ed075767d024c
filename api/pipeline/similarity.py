"""Similarity edges: each illustration's top-k neighbours above a minimum score, in the graph.

Neighbours come from an exact blocked matrix product when the corpus fits (numpy on CPU, torch
on GPU), else from batched queries to the vector index (`ml.knn.choose_method` decides).
Incremental: only illustrations without edges in this edge set are queried, against everything.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from graph.db import GraphDB
from graph.descriptors import DescriptorModelRecord, indexed_illustrations
from graph.similarity import (
    EdgeSet,
    create_edge_set,
    edges_pending,
    mark_edges_done,
    write_edges,
)
from ml.knn import (
    KnnGraph,
    choose_method,
    edge_set_id,
    exact_knn,
    knn_from_index,
    knn_query,
    unique_pairs,
)
from ml.vectors import VectorStore

RETRIEVE_BATCH = 2_000


@dataclass(frozen=True)
class EdgeBuild:
    edge_set: EdgeSet
    method: str
    queried: int
    edges_written: int
    total_edges: int
    queried_ids: tuple[str, ...] = ()  # the illustrations whose neighbours were computed
    # Wall seconds per step (vectors read, pending ids, neighbours, writes, marks): where a
    # build of a large corpus spends its time (bench/scale.py prints them).
    seconds: dict[str, float] = field(default_factory=dict)


def retrieve_all(store: VectorStore, ids: list[str]) -> tuple[list[str], np.ndarray]:
    found: dict[str, np.ndarray] = {}
    for start in range(0, len(ids), RETRIEVE_BATCH):
        found |= store.retrieve(ids[start : start + RETRIEVE_BATCH])
    kept = [i for i in ids if i in found]
    if not kept:
        return [], np.zeros((0, 1), np.float32)
    return kept, np.stack([found[i] for i in kept]).astype(np.float32)


def build_edges(
    db: GraphDB,
    *,
    store: VectorStore,
    model: DescriptorModelRecord,
    k: int,
    min_score: float,
    corpus: str | None = None,
    has_gpu: bool = False,
    memory_budget: int = 8 << 30,
    method: str | None = None,
    search_workers: int = 1,
) -> EdgeBuild:
    edge_set = EdgeSet(edge_set_id(model.id, k, min_score), model.id, k, min_score, corpus)
    create_edge_set(db, edge_set)
    seconds: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(step: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[step] = round(now - clock, 2)
        clock = now

    ids, vectors = retrieve_all(store, indexed_illustrations(db, model.id, corpus))
    lap("vectors")
    pending = set(edges_pending(db, ids, edge_set.id))
    lap("pending")
    if not pending:
        return EdgeBuild(edge_set, "none", 0, 0, write_edges(db, edge_set.id, [], [], np.zeros(0)))
    positions = np.array([n for n, i in enumerate(ids) if i in pending], dtype=np.int64)
    chosen = method or choose_method(len(ids), vectors.shape[1], has_gpu, memory_budget)
    device = "cuda" if has_gpu else "cpu"
    graph: KnnGraph
    if chosen == "exact" and len(positions) == len(ids):
        graph = exact_knn(vectors, k, min_score, device=device)
    elif chosen == "exact":
        graph = knn_query(vectors[positions], vectors, k, min_score, positions, device=device)
    else:

        def search(
            batch: np.ndarray, limit: int, threshold: float
        ) -> list[list[tuple[str, float]]]:
            return [
                [(h.id, h.score) for h in hits]
                for hits in store.search_batch(batch, limit, threshold, with_payload=False)
            ]

        graph = knn_from_index(
            search,
            ids,
            vectors[positions],
            k,
            min_score,
            query_positions=positions,
            workers=search_workers,
        )
    pairs = unique_pairs(graph)
    lap("neighbours")
    a = [ids[n] for n in pairs.i]
    b = [ids[n] for n in pairs.j]
    total = write_edges(db, edge_set.id, a, b, pairs.score)
    lap("writes")
    mark_edges_done(db, [ids[n] for n in positions], edge_set.id)
    lap("marks")
    queried = tuple(ids[n] for n in positions)
    return EdgeBuild(edge_set, chosen, len(positions), len(a), total, queried, seconds)

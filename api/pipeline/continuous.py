"""Continuous mode: illustrations that got their vectors flow on to edges and clusters.

`update_corpus` is what the `clusters` queue runs after a burst of vector batches: the edges
of the illustrations that have none yet (`build_edges` is incremental), then the corpus'
latest clustering run updated in place with them (`update_clustering`), or a first full run
when the corpus has none for this edge set (a first model, or a new one after a re-index).
`fit_first_model` makes the first descriptor model on its own once there are enough
illustrations; later fits stay explicit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from api.pipeline.clustering import params_from_settings, run_clustering, update_clustering
from api.pipeline.index import CropSource, fit_pca
from api.pipeline.similarity import build_edges
from api.settings import ContinuousSettings, ModelSettings, SimilaritySettings
from graph import clusters as cluster_repo
from graph.db import GraphDB
from graph.descriptors import (
    DescriptorModelRecord,
    active_model,
    illustrations_to_index,
    sample_illustrations,
)
from graph.illustrations import count_illustrations
from ml.descriptors import DescriptorExtractor
from ml.vectors import VectorStore


@dataclass(frozen=True)
class CorpusUpdate:
    corpus: str | None
    edge_set: str
    queried: int
    run_id: str | None
    mode: str  # "none" (nothing new) | "update" | "full"


def update_corpus(
    db: GraphDB,
    *,
    corpus: str | None,
    store: VectorStore,
    model: DescriptorModelRecord,
    similarity: SimilaritySettings,
    has_gpu: bool = False,
) -> CorpusUpdate:
    """Edges of the corpus' new illustrations, then its clusters, updated incrementally."""
    build = build_edges(
        db,
        store=store,
        model=model,
        k=similarity.k,
        min_score=similarity.min_score,
        corpus=corpus,
        has_gpu=has_gpu,
        search_workers=similarity.search_workers,
    )
    run_id = cluster_repo.latest_run_id(db, corpus)
    current = run_id is not None and cluster_repo.get_run(db, run_id).edge_set == build.edge_set.id
    if current and not build.queried_ids:
        return CorpusUpdate(corpus, build.edge_set.id, 0, run_id, "none")
    if current and run_id is not None:
        updated = update_clustering(db, run_id=run_id, illustration_ids=build.queried_ids)
        mode = "full" if updated.full_run else "update"
        return CorpusUpdate(corpus, build.edge_set.id, build.queried, updated.run_id, mode)
    # A first run even without edges: later batches then update it in place.
    params = params_from_settings(
        db, similarity=similarity, edge_set=build.edge_set, threshold=None
    )
    result = run_clustering(db, edge_set=build.edge_set, params=params)
    return CorpusUpdate(corpus, build.edge_set.id, build.queried, result.run_id, "full")


def fit_first_model(
    db: GraphDB,
    *,
    source: CropSource,
    extractor: DescriptorExtractor,
    model: ModelSettings,
    continuous: ContinuousSettings,
    artifact_dir: str,
    enqueue: Callable[[Sequence[str]], None],
) -> DescriptorModelRecord | None:
    """Fit the first descriptor model once the graph holds enough illustrations, then queue
    every illustration for embedding. None when a model exists or there are too few."""
    from pathlib import Path

    if active_model(db) is not None:
        return None
    if count_illustrations(db) < continuous.first_fit_min_illustrations:
        return None
    ids = sample_illustrations(db, continuous.first_fit_sample)
    _, record = fit_pca(
        ids,
        source=source,
        extractor=extractor,
        dim=model.dim,
        power=model.whitening_power,
        artifact_dir=Path(artifact_dir),
    )
    enqueue(illustrations_to_index(db, record.id))
    return record

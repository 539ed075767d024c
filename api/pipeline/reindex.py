"""A new descriptor model means re-indexing: every illustration embedded again with it.

The first model is fitted on its own (continuous mode, `api.pipeline.continuous`); a later
fit is explicit (`contagions pca fit`, the `fitDescriptorModel` mutation) because it changes
every vector: the new model becomes active, every illustration is queued on the gpu workers,
and the re-index is followed like a job, as the share of illustrations that carry the new
model's vector (`reindex_progress`). Continuous mode then makes the new model's edges and a
first full clustering run for its edge set (a new edge set is never updated in place).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from graph.db import GraphDB
from graph.descriptors import illustrations_to_index, index_progress


@dataclass(frozen=True)
class ReindexProgress:
    model_id: str
    total: int
    indexed: int
    failed: int

    @property
    def pending(self) -> int:
        return max(0, self.total - self.indexed - self.failed)

    @property
    def finished(self) -> bool:
        return self.pending == 0


def start_reindex(db: GraphDB, *, model_id: str, enqueue: Callable[[Sequence[str]], None]) -> int:
    """Queue every illustration without this model's vector; returns how many."""
    ids = illustrations_to_index(db, model_id)
    enqueue(ids)
    return len(ids)


def reindex_progress(db: GraphDB, model_id: str, corpus: str | None = None) -> ReindexProgress:
    total, indexed, failed = index_progress(db, corpus, model_id)
    return ReindexProgress(model_id, total, indexed, failed)

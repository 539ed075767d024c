"""The active descriptor model, loaded once and reloaded when another one becomes active.

Workers (indexing) and the API (search) both embed with it; the vector collection of a model
is ensured the first time the model is loaded by a process.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from api.pipeline.index import NoDescriptorModelError
from api.settings import VectorSettings
from graph.db import GraphDB
from graph.descriptors import DescriptorModelRecord, active_model
from ml.pca import PCAWhitening
from ml.vectors import VectorStore


class ActiveModel:
    """Looks the active model up again at most every `refresh_s` seconds (0: every call)."""

    def __init__(
        self, db: GraphDB, *, store: VectorStore, vectors: VectorSettings, refresh_s: float = 0.0
    ) -> None:
        self.db = db
        self.store = store
        self.vectors = vectors
        self.refresh_s = refresh_s
        self._lock = threading.Lock()
        self._active: DescriptorModelRecord | None = None
        self._loaded: tuple[PCAWhitening, DescriptorModelRecord] | None = None
        self._checked = 0.0

    def record(self) -> DescriptorModelRecord:
        """The active model with its collection ensured; an imported model (no embedder) too:
        searches by a stored vector need only the collection."""
        with self._lock:
            return self._record()

    def get(self) -> tuple[PCAWhitening, DescriptorModelRecord]:
        """The active model and its embedder (the PCA its vectors were whitened with)."""
        with self._lock:
            record = self._record()
            if not record.artifact:
                raise NoDescriptorModelError(
                    f"the active descriptor model {record.id} was imported from "
                    f"{record.source or 'a file'}: there is no local embedder for it; fit a PCA "
                    "(`contagions pca fit`) to embed new images here"
                )
            if self._loaded is None or self._loaded[1].id != record.id:
                self._loaded = (PCAWhitening.load(Path(record.artifact)), record)
            return self._loaded

    def _record(self) -> DescriptorModelRecord:
        if self._active is not None and time.monotonic() - self._checked <= self.refresh_s:
            return self._active
        record = active_model(self.db)
        if record is None:
            raise NoDescriptorModelError(
                "no descriptor model yet: run `contagions pca fit` on an ingested corpus"
            )
        if self._active is None or self._active.id != record.id:
            self.store.ensure_collection(
                record.collection,
                record.dim,
                self.vectors.hnsw_m,
                self.vectors.hnsw_ef_construct,
                self.vectors.quantization,
            )
        self._active, self._checked = record, time.monotonic()
        return record

"""Bring your own vectors: descriptors embedded elsewhere, loaded into the vector store.

The model that made them is recorded as a `DescriptorModel` (backbone, weights hash, recipe,
dim) whose id is a hash of that identity, so that several files of one model land in one
collection. Each chunk is upserted, then marked in the graph: a crash between the two leaves
the chunk unmarked and the next run redoes it (upserts by id are idempotent), and a chunk whose
illustrations already carry the model's vector is skipped, so re-importing a file is a no-op.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from graph import descriptors as repo
from graph.db import GraphDB
from graph.descriptors import DescriptorModelRecord, ImportTarget
from ml.vectors import VectorStore, collection_name, illustration_payload
from ml.vectors.bundle import VectorBundle, validate_vectors

IMPORT_CHUNK = 20_000


class ImportMismatchError(ValueError):
    """The file's vectors do not fit the model they are said to come from."""


@dataclass(frozen=True)
class ImportedModel:
    """What made the vectors; the id is a hash of these fields."""

    backbone: str
    weights_sha256: str
    recipe: str  # preprocessing, pooling, projection: whatever makes two exports comparable
    dim: int

    @property
    def id(self) -> str:
        identity = f"{self.backbone}\n{self.weights_sha256}\n{self.recipe}\n{self.dim}"
        return "imp-" + hashlib.sha256(identity.encode()).hexdigest()[:12]

    def record(self, source: str) -> DescriptorModelRecord:
        # No PCA artifact: this process cannot embed new images with an imported model.
        return DescriptorModelRecord(
            id=self.id,
            backbone=self.backbone,
            weights_sha256=self.weights_sha256,
            dim=self.dim,
            power=0.0,
            sample_size=0,
            artifact="",
            collection=collection_name(self.id),
            preprocessing=self.recipe,
            source=source,
        )


@dataclass
class ImportReport:
    model_id: str
    rows: int
    imported: int = 0
    already: int = 0  # carried this model's vector before: skipped
    unknown: list[str] = field(default_factory=list)  # not in the graph: not imported
    rejected: dict[str, str] = field(default_factory=dict)  # id -> why (non-finite, zero)
    not_unit: int = 0  # usable rows whose norm was off 1 (stored normalized)
    norm_range: tuple[float, float] = (0.0, 0.0)
    # Seconds the import waited on each stage (file checks, graph look-ups, engine upserts,
    # graph marks); look-ups and marks overlap the upserts, so only their waits count.
    seconds: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def clock(self, stage: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[stage] = self.seconds.get(stage, 0.0) + time.perf_counter() - started


def _payload(target: ImportTarget) -> dict:
    return illustration_payload(
        target.id,
        corpus=target.corpus,
        periodical_id=target.periodical_id,
        place_id=target.place_id,
        country_code=target.country_code,
        issue_date=date.fromisoformat(target.date) if target.date else None,
        year=target.year,
    )


def import_vectors(
    db: GraphDB,
    bundle: VectorBundle,
    *,
    model: ImportedModel,
    store: VectorStore,
    activate: bool = True,
    chunk: int = IMPORT_CHUNK,
    progress: Callable[[int], None] = lambda rows: None,
) -> ImportReport:
    """Validate, record the model, upsert what the graph knows; `store` holds its collection."""
    if bundle.dim != model.dim:
        raise ImportMismatchError(
            f"the file holds {bundle.dim}-d vectors, the model says {model.dim}"
        )
    report = ImportReport(model_id=model.id, rows=len(bundle.ids))
    with report.clock("validate"):
        validation = validate_vectors(bundle)
        rows = np.flatnonzero(validation.usable(bundle))
        norms = np.linalg.norm(bundle.vectors[rows], axis=1) if rows.size else np.zeros(0)
    repo.record_model(db, model.record(str(bundle.source)), activate=activate)
    report.rejected = validation.rejected
    report.norm_range = (validation.norm_min, validation.norm_max)
    report.not_unit = validation.not_unit

    def targets(part: np.ndarray) -> dict[str, ImportTarget]:
        return repo.import_targets(db, [bundle.ids[n] for n in part], model.id)

    parts = [rows[start : start + chunk] for start in range(0, len(rows), chunk)]
    # The graph look-up of the next chunk and the graph mark of the last one overlap the
    # upsert of this one (Neo4j and the engine are separate processes). A chunk is marked only
    # after its upsert returned, so a crash never leaves a mark without its vectors.
    with ThreadPoolExecutor(2, thread_name_prefix="import-graph") as graph:
        pending = [graph.submit(targets, parts[0])] if parts else []
        marking: Future[None] | None = None
        for n, part in enumerate(parts):
            with report.clock("lookup"):
                found = pending.pop().result()
            if n + 1 < len(parts):
                pending.append(graph.submit(targets, parts[n + 1]))
            keep = [m for m, row in enumerate(part) if bundle.ids[row] in found]
            report.unknown += [bundle.ids[row] for row in part if bundle.ids[row] not in found]
            todo = [m for m in keep if not found[bundle.ids[part[m]]].done]
            report.already += len(keep) - len(todo)
            if todo:
                picked = part[todo]
                ids = [bundle.ids[row] for row in picked]
                offset = np.searchsorted(rows, picked)
                vectors = bundle.vectors[picked] / norms[offset][:, None]
                with report.clock("upsert"):
                    store.upsert(ids, vectors, [_payload(found[i]) for i in ids])
                with report.clock("mark"):
                    if marking is not None:
                        marking.result()
                marking = graph.submit(repo.mark_indexed, db, ids, model.id)
                report.imported += len(ids)
            progress(len(part))
        with report.clock("mark"):
            if marking is not None:
                marking.result()
    return report

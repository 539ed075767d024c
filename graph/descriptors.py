"""Repository for descriptor models and the indexing state of illustrations."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from neo4j import RoutingControl

from graph.db import GraphDB
from graph.illustrations import page_from_row
from graph.queries import descriptors as q
from graph.records import PageRecord


@dataclass(frozen=True)
class DescriptorModelRecord:
    id: str
    backbone: str
    weights_sha256: str
    dim: int
    power: float
    sample_size: int
    artifact: str
    collection: str
    preprocessing: str = ""  # ml.printed.PrintNormalization.key (an imported model's recipe)
    source: str = ""  # the file an imported model's vectors came from; "" when fitted here


@dataclass(frozen=True)
class IllustrationSource:
    """An illustration's region on its page, and the payload filed with its vector."""

    id: str
    box: tuple[int, int, int, int]
    region_url: str | None
    page: PageRecord
    corpus: str | None
    periodical_id: str | None
    place_id: str | None
    country_code: str | None
    date: str | None
    year: int | None


def record_model(db: GraphDB, model: DescriptorModelRecord, activate: bool = True) -> None:
    """Record the model; active, it is the only one new vectors are made with."""
    db.execute_query(
        q.RECORD_MODEL if activate else q.RECORD_INACTIVE_MODEL,
        id=model.id,
        backbone=model.backbone,
        weights_sha256=model.weights_sha256,
        dim=model.dim,
        power=model.power,
        sample_size=model.sample_size,
        artifact=model.artifact,
        collection=model.collection,
        preprocessing=model.preprocessing,
        source=model.source,
    )


def active_model(db: GraphDB) -> DescriptorModelRecord | None:
    records, _, _ = db.execute_query(q.ACTIVE_MODEL, routing_=RoutingControl.READ)
    return DescriptorModelRecord(**records[0].data()) if records else None


@dataclass(frozen=True)
class StoredMatchThresholds:
    """The active model's calibrated match thresholds (None where never stored)."""

    model_id: str
    backbone: str | None
    exact: float | None
    reprint: float | None
    similar: float | None
    measured_by: str | None = None  # how they were measured (the quality bench's command)


def set_match_thresholds(
    db: GraphDB,
    model_id: str,
    *,
    exact: float,
    reprint: float,
    similar: float,
    measured_by: str | None = None,
) -> bool:
    """Store a model's calibrated match thresholds; False when there is no such model."""
    records, _, _ = db.execute_query(
        q.SET_MATCH_THRESHOLDS,
        id=model_id,
        exact=exact,
        reprint=reprint,
        similar=similar,
        measured_by=measured_by,
    )
    return bool(records)


def active_match_thresholds(db: GraphDB) -> StoredMatchThresholds | None:
    records, _, _ = db.execute_query(q.ACTIVE_MATCH_THRESHOLDS, routing_=RoutingControl.READ)
    return StoredMatchThresholds(**records[0].data()) if records else None


def model_by_id(db: GraphDB, model_id: str) -> DescriptorModelRecord | None:
    records, _, _ = db.execute_query(q.MODEL_BY_ID, id=model_id, routing_=RoutingControl.READ)
    return DescriptorModelRecord(**records[0].data()) if records else None


def illustration_sources(db: GraphDB, ids: Sequence[str]) -> list[IllustrationSource | None]:
    """In the order of `ids`; None for unknown ids."""
    records, _, _ = db.execute_query(
        q.ILLUSTRATION_SOURCES, ids=list(ids), routing_=RoutingControl.READ
    )
    found = {
        r["id"]: IllustrationSource(
            id=r["id"],
            box=(r["x"], r["y"], r["w"], r["h"]),
            region_url=r["region_url"],
            page=page_from_row(r["page"]),
            corpus=r["corpus"],
            periodical_id=r["periodical_id"],
            place_id=r["place_id"],
            country_code=r["country_code"],
            date=r["date"],
            year=r["year"],
        )
        for r in records
    }
    return [found.get(i) for i in ids]


@dataclass(frozen=True)
class ImportTarget:
    """An illustration that imported vectors are filed under, and its payload fields."""

    id: str
    done: bool  # already carries a vector of the model being imported
    corpus: str | None
    periodical_id: str | None
    place_id: str | None
    country_code: str | None
    date: str | None
    year: int | None


def import_targets(db: GraphDB, ids: Sequence[str], model_id: str) -> dict[str, ImportTarget]:
    """The known ones of `ids` (unknown ids are absent)."""
    records, _, _ = db.execute_query(
        q.IMPORT_TARGETS, ids=list(ids), model_id=model_id, routing_=RoutingControl.READ
    )
    found = {}
    for r in records:
        context = {key: r[key] for key in _CONTEXT}
        for illustration_id, done in r["illustrations"]:
            found[illustration_id] = ImportTarget(illustration_id, done, **context)
    return found


_CONTEXT = ("corpus", "periodical_id", "place_id", "country_code", "date", "year")


def mark_indexed(db: GraphDB, ids: Sequence[str], model_id: str) -> None:
    db.execute_query(q.MARK_INDEXED, ids=list(ids), model_id=model_id)


def mark_index_failed(db: GraphDB, failures: dict[str, str]) -> None:
    rows = [{"id": k, "reason": v[:2000]} for k, v in failures.items()]
    db.execute_query(q.MARK_INDEX_FAILED, rows=rows)


def sample_illustrations(db: GraphDB, limit: int, corpus: str | None = None) -> list[str]:
    records, _, _ = db.execute_query(
        q.SAMPLE_ILLUSTRATIONS,
        limit=limit,
        corpus=corpus,
        routing_=RoutingControl.READ,
    )
    return [r["id"] for r in records]


def illustrations_to_index(
    db: GraphDB,
    model_id: str,
    corpus: str | None = None,
    everything: bool = False,
) -> list[str]:
    records, _, _ = db.execute_query(
        q.ILLUSTRATIONS_TO_INDEX,
        model_id=model_id,
        corpus=corpus,
        all=everything,
        routing_=RoutingControl.READ,
    )
    return [r["id"] for r in records]


def indexed_illustrations(db: GraphDB, model_id: str, corpus: str | None = None) -> list[str]:
    records, _, _ = db.execute_query(
        q.ILLUSTRATION_IDS_OF_CORPUS,
        model_id=model_id,
        corpus=corpus,
        routing_=RoutingControl.READ,
    )
    return [r["id"] for r in records]


def index_progress(db: GraphDB, corpus: str | None, model_id: str) -> tuple[int, int, int]:
    """(total, indexed with this model, failed) illustrations of a corpus (None: of all)."""
    records, _, _ = db.execute_query(
        q.INDEX_PROGRESS,
        corpus=corpus,
        model_id=model_id,
        routing_=RoutingControl.READ,
    )
    row = records[0]
    return row["total"], row["indexed"], row["failed"]

"""Repository for human corrections of metadata."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from neo4j import RoutingControl

from graph.db import GraphDB
from graph.errors import NotFoundError
from graph.queries import corrections as q
from graph.records import PlaceRecord


def correct_issue_date(
    db: GraphDB,
    issue_id: str,
    date: str,
    precision: str,
    raw: str,
    by: str,
) -> None:
    records, _, _ = db.execute_query(
        q.CORRECT_ISSUE_DATE,
        issue_id=issue_id,
        date=date,
        precision=precision,
        raw=raw,
        by=by,
    )
    if not records:
        raise NotFoundError(f"no issue {issue_id!r}")


def correct_issue_place(db: GraphDB, issue_id: str, place: PlaceRecord, raw: str, by: str) -> None:
    records, _, _ = db.execute_query(
        q.CORRECT_ISSUE_PLACE,
        issue_id=issue_id,
        place={
            "id": place.id,
            "name": place.name,
            "latitude": place.latitude,
            "longitude": place.longitude,
            "geonames_id": place.geonames_id,
        },
        country=dataclasses.asdict(place.country) if place.country else None,
        raw=raw,
        by=by,
    )
    if not records:
        raise NotFoundError(f"no issue {issue_id!r}")


def correct_periodical_title(db: GraphDB, periodical_id: str, title: str, by: str) -> None:
    records, _, _ = db.execute_query(
        q.CORRECT_PERIODICAL_TITLE,
        periodical_id=periodical_id,
        title=title,
        by=by,
    )
    if not records:
        raise NotFoundError(f"no periodical {periodical_id!r}")


def issues_of_periodical(db: GraphDB, periodical_id: str) -> list[str]:
    records, _, _ = db.execute_query(
        q.ISSUES_OF_PERIODICAL,
        periodical_id=periodical_id,
        routing_=RoutingControl.READ,
    )
    return [r["id"] for r in records]


EXPORT_COLUMNS = (
    "issue_id",
    "manifest_uri",
    "periodical_id",
    "periodical_title",
    "label",
    "date",
    "date_precision",
    "date_raw",
    "place",
    "country",
    "place_raw",
    "corrected",
)


def export_metadata(db: GraphDB, corpus: str | None = None) -> Iterator[dict[str, object]]:
    records, _, _ = db.execute_query(q.EXPORT_METADATA, corpus=corpus, routing_=RoutingControl.READ)
    for record in records:
        yield record.data()

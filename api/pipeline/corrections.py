"""Correcting issue and periodical metadata by hand, one by one or as a CSV round-trip.

Inputs are free text ("15 juin 1920", "Buenos Aires"), normalized with the same code as ingest;
text that does not normalize is refused with the reason, never stored as a guess. A corrected
date or place refreshes every cluster value derived from it (`api/pipeline/freshness.py`).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO, cast

from api.pipeline.freshness import refresh_issues
from graph import corrections as repo
from graph.db import GraphDB
from graph.records import PlaceRecord
from ingest.normalize.dates import normalize_date
from ingest.normalize.places import normalize_place
from ingest.records import place_record


class CorrectionError(ValueError):
    """The corrected value cannot be understood."""


@dataclass(frozen=True)
class ImportReport:
    rows: int = 0
    dates_corrected: int = 0
    places_corrected: int = 0
    titles_corrected: int = 0
    errors: tuple[str, ...] = field(default_factory=tuple)


def parse_date(text: str) -> tuple[str, str]:
    found = normalize_date(text)
    if found is None:
        raise CorrectionError(f"not a date this system can read: {text!r}")
    return found.value.isoformat(), found.precision


def parse_place(text: str) -> PlaceRecord:
    record = place_record(normalize_place(text))
    if record is None:
        raise CorrectionError(f"no gazetteer place matches {text!r}")
    return record


def correct_issue(
    db: GraphDB,
    issue_id: str,
    *,
    date: str | None = None,
    place: str | None = None,
    by: str = "curator",
) -> None:
    """Raises CorrectionError (bad value) or graph.errors.NotFoundError (unknown issue)."""
    parsed_date = parse_date(date) if date else None
    parsed_place = parse_place(place) if place else None
    if date and parsed_date:
        repo.correct_issue_date(db, issue_id, *parsed_date, raw=date, by=by)
    if place and parsed_place:
        repo.correct_issue_place(db, issue_id, parsed_place, raw=place, by=by)
    if parsed_date or parsed_place:
        refresh_issues(db, [issue_id])


def correct_periodical(
    db: GraphDB,
    periodical_id: str,
    *,
    title: str | None = None,
    place: str | None = None,
    by: str = "curator",
) -> int:
    """Correct a periodical's title, and/or the place of all its issues. Returns issues touched."""
    if title is not None:
        if not title.strip():
            raise CorrectionError("a title cannot be empty")
        repo.correct_periodical_title(db, periodical_id, title.strip(), by)
    touched = 0
    if place:
        parsed = parse_place(place)
        issue_ids = repo.issues_of_periodical(db, periodical_id)
        for issue_id in issue_ids:
            repo.correct_issue_place(db, issue_id, parsed, raw=place, by=by)
            touched += 1
        refresh_issues(db, issue_ids)
    return touched


def export_csv(db: GraphDB, out: TextIO, *, corpus: str | None = None) -> int:
    writer = csv.DictWriter(out, fieldnames=repo.EXPORT_COLUMNS)
    writer.writeheader()
    count = 0
    for row in repo.export_metadata(db, corpus):
        writer.writerow(row)
        count += 1
    return count


def _changed(row: dict[str, str], key: str, current: dict[str, object]) -> str | None:
    value = (row.get(key) or "").strip()
    if not value or value == str(current.get(key) or ""):
        return None
    return value


def import_csv(db: GraphDB, path: Path, *, by: str = "csv-import") -> ImportReport:
    """Apply the rows whose date, place or periodical title differ from the graph."""
    current = {row["issue_id"]: row for row in repo.export_metadata(db)}
    rows = dates = places = titles = 0
    errors: list[str] = []
    titled: set[str] = set()
    with path.open(newline="", encoding="utf-8-sig") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            rows += 1
            known = current.get(row.get("issue_id", ""))
            if known is None:
                errors.append(f"line {line}: unknown issue_id {row.get('issue_id')!r}")
                continue
            # Node ids: the export query returns them for every row.
            issue_id = cast(str, known["issue_id"])
            periodical_id = cast(str, known["periodical_id"])
            try:
                if date := _changed(row, "date", known):
                    correct_issue(db, issue_id, date=date, by=by)
                    dates += 1
                if (place := _changed(row, "place", known)) is not None:
                    correct_issue(db, issue_id, place=place, by=by)
                    places += 1
                title = _changed(row, "periodical_title", known)
                if title and periodical_id not in titled:
                    correct_periodical(db, periodical_id, title=title, by=by)
                    titled.add(periodical_id)
                    titles += 1
            except CorrectionError as exc:
                errors.append(f"line {line}: {exc}")
    return ImportReport(rows, dates, places, titles, tuple(errors))

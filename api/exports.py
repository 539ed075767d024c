"""CSV and GeoJSON exports: a cluster, or any selection of illustrations with full metadata.

    GET      /export/cluster/{id}.csv
    GET      /export/cluster/{id}.geojson
    GET|POST /export/illustrations.csv   filter in the query string, or a JSON body
             {"ids": [...], "scores": {"id": score}, "run": ..., "place": ..., ...}

Rows are streamed from the graph as they come; reads follow `api.auth.may_read`.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from api.auth import may_read
from api.resources import Resources
from graph import clusters as cluster_repo
from graph import explore
from graph.errors import NotFoundError

CSV_COLUMNS = (
    "illustration_id", "cluster_id", "cluster_name", "score", "date", "date_precision",
    "place_id", "place_name", "country_code", "country_name", "latitude", "longitude",
    "periodical_id", "periodical_title", "publication_type", "issue_id", "issue_label",
    "page_number", "manifest_id", "canvas_id", "xywh", "iiif_region_url", "thumbnail_url",
    "flagged",
)  # fmt: skip
MAX_IDS = 100_000
FILTER_FIELDS = ("run", "cluster", "place", "country", "periodical", "date_from", "date_to")


class ExportInputError(ValueError):
    """A filter the export cannot use."""


def cluster_geojson(appearances: Iterable[explore.AppearanceDetail]) -> dict[str, Any]:
    """One point feature per located place, with its printing count and first/last dates."""
    places: dict[str, dict[str, Any]] = {}
    for a in appearances:
        if a.place_id is None or a.latitude is None or a.longitude is None:
            continue
        entry = places.setdefault(
            a.place_id,
            {"place_id": a.place_id, "name": a.place_name, "country_code": a.country_code,
             "count": 0, "first_date": None, "last_date": None,
             "coordinates": [a.longitude, a.latitude]},
        )  # fmt: skip
        entry["count"] += 1
        if a.date is not None:
            entry["first_date"] = min(filter(None, (entry["first_date"], a.date)))
            entry["last_date"] = max(filter(None, (entry["last_date"], a.date)))
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": entry.pop("coordinates")},
            "properties": entry,
        }
        for entry in sorted(places.values(), key=lambda e: (-e["count"], e["place_id"]))
    ]
    return {"type": "FeatureCollection", "features": features}


def time_series(appearances: Iterable[explore.AppearanceDetail]) -> list[tuple[int, int]]:
    """(year, printings) for every year with a dated printing, in order."""
    years = Counter(int(a.date[:4]) for a in appearances if a.date)
    return sorted(years.items())


def csv_row(row: Mapping[str, Any], scores: Mapping[str, float]) -> list[Any]:
    score = scores.get(row["id"])
    values = {
        "illustration_id": row["id"],
        "cluster_id": row.get("cluster_id"),
        "cluster_name": row.get("cluster_name"),
        "score": "" if score is None else f"{score:.5f}",
        "manifest_id": row.get("manifest_uri"),
        "flagged": "true" if row.get("flagged") else "false",
    }
    return [values[c] if c in values else row.get(c) for c in CSV_COLUMNS]


def csv_lines(rows: Iterable[Mapping[str, Any]], scores: Mapping[str, float]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    yield _drain(buffer)
    for row in rows:
        writer.writerow(["" if v is None else v for v in csv_row(row, scores)])
        yield _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def _iso(value: str | None, field: str) -> str | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except (TypeError, ValueError) as exc:
        raise ExportInputError(f"{field} must be an ISO date (YYYY-MM-DD)") from exc


def selection_from(params: Mapping[str, Any]) -> tuple[explore.ExportSelection, dict[str, float]]:
    """The selection (and scores by id) a query string or a JSON body asks for."""
    unknown = set(params) - {*FILTER_FIELDS, "ids", "scores"}
    if unknown:
        raise ExportInputError(f"unknown parameter(s): {', '.join(sorted(unknown))}")
    ids = params.get("ids")
    if isinstance(ids, str):
        ids = [i for i in ids.split(",") if i]
    if ids is not None:
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise ExportInputError("ids must be a list of illustration ids")
        if not 0 < len(ids) <= MAX_IDS:
            raise ExportInputError(f"give 1 to {MAX_IDS} ids")
    scores = params.get("scores") or {}
    if not isinstance(scores, dict) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in scores.values()
    ):
        raise ExportInputError("scores must map illustration ids to numbers")
    text = {}
    for name in FILTER_FIELDS:
        value = params.get(name)
        if value is not None and not isinstance(value, str):
            raise ExportInputError(f"{name} must be a string")
        text[name] = value or None
    selection = explore.ExportSelection(
        within_run=text["run"],
        ids=tuple(ids) if ids is not None else None,
        cluster=text["cluster"],
        date_from=_iso(text["date_from"], "date_from"),
        date_to=_iso(text["date_to"], "date_to"),
        place=text["place"],
        country=text["country"].upper() if text["country"] else None,
        periodical=text["periodical"],
    )
    return selection, {str(k): float(v) for k, v in scores.items()}


class Exports:
    """The export endpoints over one set of resources."""

    def __init__(self, resources: Resources) -> None:
        self.resources = resources

    def _forbidden(self, request: Request) -> Response | None:
        if may_read(request, self.resources.settings.api):
            return None
        return JSONResponse({"error": "a token is required to read"}, status_code=403)

    def _stream(
        self, selection: explore.ExportSelection, run_id: str | None, scores: Mapping[str, float],
        filename: str,
    ) -> StreamingResponse:  # fmt: skip
        rows = explore.export_rows(self.resources.db, selection, run_id)
        return StreamingResponse(
            csv_lines(rows, scores),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )

    async def cluster_csv(self, request: Request) -> Response:
        if (denied := self._forbidden(request)) is not None:
            return denied
        cluster_id = request.path_params["id"]
        try:
            run_id, _ = await run_in_threadpool(
                cluster_repo.cluster_members, self.resources.db, cluster_id
            )
        except NotFoundError:
            return JSONResponse({"error": f"no cluster {cluster_id!r}"}, status_code=404)
        selection = explore.ExportSelection(cluster=cluster_id)
        return self._stream(selection, run_id, {}, _filename(cluster_id, "csv"))

    async def cluster_geojson(self, request: Request) -> Response:
        if (denied := self._forbidden(request)) is not None:
            return denied
        cluster_id = request.path_params["id"]
        found = await run_in_threadpool(explore.appearances_of, self.resources.db, [cluster_id])
        if not found[cluster_id]:
            return JSONResponse({"error": f"no cluster {cluster_id!r}"}, status_code=404)
        return JSONResponse(
            cluster_geojson(found[cluster_id]),
            media_type="application/geo+json",
            headers={
                "Content-Disposition": f'attachment; filename="{_filename(cluster_id, "geojson")}"'
            },
        )

    async def illustrations_csv(self, request: Request) -> Response:
        if (denied := self._forbidden(request)) is not None:
            return denied
        try:
            if request.method == "POST":
                body = await request.json()
                if not isinstance(body, dict):
                    raise ExportInputError("the body must be a JSON object")
                params: dict[str, Any] = body
            else:
                params = dict(request.query_params)
            selection, scores = selection_from(params)
        except (ExportInputError, json.JSONDecodeError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        run_id = selection.within_run or await run_in_threadpool(
            cluster_repo.latest_run_id, self.resources.db, None
        )
        return self._stream(selection, run_id, scores, "illustrations.csv")


def _filename(cluster_id: str, extension: str) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in cluster_id)
    return f"cluster-{safe}.{extension}"

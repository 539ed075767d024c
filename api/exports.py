"""CSV and GeoJSON exports: a cluster, or any selection of illustrations with full metadata.

    GET      /export/cluster/{id}.csv        ?flavour=excel
    GET      /export/cluster/{id}.geojson
    GET|POST /export/illustrations.csv       filter in the query string, or a JSON body
             {"ids": [...], "scores": {"id": score}, "run": ..., "place": ..., "dateFrom": ...}

Parameters are named as in GraphQL (`dateFrom`, `dateTo`, `place`, `country`, `periodical`,
`run`, `cluster`) and checked with the same messages (`api.validation`). A refusal answers
`{"error": {"__typename": "InvalidInput", "message", "field"}, "validParameters": [...]}` (400)
or `{"error": {"__typename": "NotFound", "message", "value"}, ...}` (404): the shape of the
GraphQL result unions.

The CSV `score` column is the score the caller gave for that id (`scores`, e.g. from a search),
else the illustration's best similarity edge to another member of its cluster (the run's edge
set). `flavour=excel` starts the file with a UTF-8 byte order mark so that spreadsheet programs
read accents right. Rows are streamed from the graph as they come; reads follow
`api.auth.may_read`.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from api.auth import may_read
from api.resources import Resources
from api.validation import (
    InvalidInputError,
    References,
    UnknownValueError,
    country_code,
    date_range,
    refuse_unknown,
)
from graph import clusters as cluster_repo
from graph import explore
from graph.errors import NotFoundError

CSV_COLUMNS = (
    "illustration_id",
    "cluster_id",
    "cluster_name",
    "score",
    "date",
    "date_precision",
    "place_id",
    "place_name",
    "country_code",
    "country_name",
    "latitude",
    "longitude",
    "periodical_id",
    "periodical_title",
    "publication_type",
    "issue_id",
    "issue_label",
    "page_number",
    "manifest_id",
    "canvas_id",
    "xywh",
    "iiif_region_url",
    "thumbnail_url",
    "flagged",
)
MAX_IDS = 100_000
FILTER_FIELDS = ("run", "cluster", "place", "country", "periodical", "dateFrom", "dateTo")
SELECTION_PARAMETERS = (*FILTER_FIELDS, "ids", "scores", "flavour")
CLUSTER_CSV_PARAMETERS = ("flavour",)
FLAVOURS = ("plain", "excel")
BOM = "\ufeff"


def invalid(error: InvalidInputError, valid: Iterable[str] = ()) -> JSONResponse:
    body = {"__typename": "InvalidInput", "message": error.message, "field": error.field}
    return JSONResponse({"error": body, "validParameters": sorted(valid)}, status_code=400)


def not_found(message: str, value: str, valid: Iterable[str] = ()) -> JSONResponse:
    body = {"__typename": "NotFound", "message": message, "value": value}
    return JSONResponse({"error": body, "validParameters": sorted(valid)}, status_code=404)


def refuse_unknown_parameters(params: Mapping[str, Any], valid: Iterable[str]) -> None:
    unknown = sorted(set(params) - set(valid))
    if unknown:
        raise InvalidInputError(
            f"unknown parameter(s): {', '.join(unknown)}; valid: {', '.join(sorted(valid))}",
            unknown[0],
        )


def flavour_of(params: Mapping[str, Any]) -> str:
    flavour = params.get("flavour") or "plain"
    if flavour not in FLAVOURS:
        raise InvalidInputError(f"flavour must be one of {', '.join(FLAVOURS)}", "flavour")
    return flavour


def cluster_geojson(
    appearances: Iterable[explore.AppearanceDetail], hops: Iterable[explore.HopDetail] = ()
) -> dict[str, Any]:
    """A FeatureCollection: one Point per located place (id: the place id), in order of first
    printing, then one LineString per hop (id: `hop:<n>`), in order of arrival.

    Place properties: kind "place", order (1 = where it started), placeId, name, countryCode,
    count, firstDate, lastDate. Hop properties: kind "hop", order, originId, originName,
    destinationId, destinationName, fromDate, toDate, lagDays, lagFromFirstDays, datePrecision.
    """
    places: dict[str, dict[str, Any]] = {}
    coordinates: dict[str, list[float]] = {}
    for a in appearances:
        if a.place_id is None or a.latitude is None or a.longitude is None:
            continue
        coordinates[a.place_id] = [a.longitude, a.latitude]
        entry = places.setdefault(
            a.place_id,
            {
                "kind": "place",
                "order": 0,
                "placeId": a.place_id,
                "name": a.place_name,
                "countryCode": a.country_code,
                "count": 0,
                "firstDate": None,
                "lastDate": None,
            },
        )
        entry["count"] += 1
        if a.date is not None:
            entry["firstDate"] = min(filter(None, (entry["firstDate"], a.date)))
            entry["lastDate"] = max(filter(None, (entry["lastDate"], a.date)))
    ordered = sorted(
        places.values(), key=lambda e: (e["firstDate"] is None, e["firstDate"] or "", e["placeId"])
    )
    features = []
    for n, entry in enumerate(ordered, start=1):
        entry["order"] = n
        features.append(
            {
                "type": "Feature",
                "id": entry["placeId"],
                "geometry": {"type": "Point", "coordinates": coordinates[entry["placeId"]]},
                "properties": entry,
            }
        )
    located = [h for h in hops if h.origin_id in coordinates and h.destination_id in coordinates]
    located.sort(key=lambda h: (h.to_date, h.destination_id, h.from_date, h.origin_id))
    for n, h in enumerate(located, start=1):
        features.append(
            {
                "type": "Feature",
                "id": f"hop:{n}",
                "geometry": {
                    "type": "LineString",
                    "coordinates": [coordinates[h.origin_id], coordinates[h.destination_id]],
                },
                "properties": {
                    "kind": "hop",
                    "order": n,
                    "originId": h.origin_id,
                    "originName": h.origin_name,
                    "destinationId": h.destination_id,
                    "destinationName": h.destination_name,
                    "fromDate": h.from_date,
                    "toDate": h.to_date,
                    "lagDays": h.lag_days,
                    "lagFromFirstDays": h.lag_from_first_days,
                    "datePrecision": h.precision,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def time_series(appearances: Iterable[explore.AppearanceDetail]) -> list[tuple[int, int]]:
    """(year, printings) for every year from the first dated printing to the last, zeros
    included, so that a chart's x axis needs no gap filling."""
    years = Counter(int(a.date[:4]) for a in appearances if a.date)
    if not years:
        return []
    return [(y, years.get(y, 0)) for y in range(min(years), max(years) + 1)]


def csv_row(row: Mapping[str, Any], scores: Mapping[str, float]) -> list[Any]:
    score = scores.get(row["id"], row.get("cluster_score"))
    values = {
        "illustration_id": row["id"],
        "cluster_id": row.get("cluster_id"),
        "cluster_name": row.get("cluster_name"),
        "score": "" if score is None else f"{score:.5f}",
        "manifest_id": row.get("manifest_uri"),
        "flagged": "true" if row.get("flagged") else "false",
    }
    return [values[c] if c in values else row.get(c) for c in CSV_COLUMNS]


def csv_lines(
    rows: Iterable[Mapping[str, Any]], scores: Mapping[str, float], flavour: str = "plain"
) -> Iterator[str]:
    buffer = io.StringIO()
    if flavour == "excel":
        buffer.write(BOM)
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


def selection_from(
    params: Mapping[str, Any],
) -> tuple[explore.ExportSelection, dict[str, float], References]:
    """The selection, the scores by id, and the ids and codes to check, from a query string or a
    JSON body (InvalidInputError for anything malformed)."""
    refuse_unknown_parameters(params, SELECTION_PARAMETERS)
    ids = params.get("ids")
    if isinstance(ids, str):
        ids = [i for i in ids.split(",") if i]
    if ids is not None:
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise InvalidInputError("ids must be a list of illustration ids", "ids")
        if not 0 < len(ids) <= MAX_IDS:
            raise InvalidInputError(f"ids must hold 1 to {MAX_IDS} illustration ids", "ids")
    scores = params.get("scores") or {}
    if not isinstance(scores, dict) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in scores.values()
    ):
        raise InvalidInputError("scores must map illustration ids to numbers", "scores")
    text = {}
    for name in FILTER_FIELDS:
        value = params.get(name)
        if value is not None and not isinstance(value, str):
            raise InvalidInputError(f"{name} must be a string", name)
        text[name] = value or None
    date_from, date_to = date_range(text["dateFrom"], text["dateTo"])
    selection = explore.ExportSelection(
        within_run=text["run"],
        ids=tuple(ids) if ids is not None else None,
        cluster=text["cluster"],
        date_from=date_from,
        date_to=date_to,
        place=text["place"],
        country=country_code(text["country"], "country"),
        periodical=text["periodical"],
    )
    references = References(
        places={"place": selection.place} if selection.place else {},
        countries={"country": selection.country} if selection.country else {},
        periodicals={"periodical": selection.periodical} if selection.periodical else {},
    )
    return selection, {str(k): float(v) for k, v in scores.items()}, references


class Exports:
    """The export endpoints over one set of resources."""

    def __init__(self, resources: Resources) -> None:
        self.resources = resources

    def _forbidden(self, request: Request) -> Response | None:
        if may_read(request, self.resources.settings.api):
            return None
        return JSONResponse({"error": "a token is required to read"}, status_code=403)

    def _stream(
        self,
        selection: explore.ExportSelection,
        run_id: str | None,
        scores: Mapping[str, float],
        filename: str,
        flavour: str,
    ) -> StreamingResponse:
        rows = explore.export_rows(self.resources.db, selection, run_id)
        return StreamingResponse(
            csv_lines(rows, scores, flavour),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )

    async def cluster_csv(self, request: Request) -> Response:
        if (denied := self._forbidden(request)) is not None:
            return denied
        cluster_id = request.path_params["id"]
        params = dict(request.query_params)
        try:
            refuse_unknown_parameters(params, CLUSTER_CSV_PARAMETERS)
            flavour = flavour_of(params)
        except InvalidInputError as exc:
            return invalid(exc, CLUSTER_CSV_PARAMETERS)
        try:
            run_id, _ = await run_in_threadpool(
                cluster_repo.cluster_members, self.resources.db, cluster_id
            )
        except NotFoundError:
            return not_found(f"no cluster {cluster_id!r}", cluster_id, CLUSTER_CSV_PARAMETERS)
        selection = explore.ExportSelection(cluster=cluster_id)
        return self._stream(selection, run_id, {}, _filename(cluster_id, "csv"), flavour)

    async def cluster_geojson(self, request: Request) -> Response:
        if (denied := self._forbidden(request)) is not None:
            return denied
        cluster_id = request.path_params["id"]
        params = dict(request.query_params)
        try:
            refuse_unknown_parameters(params, ())
        except InvalidInputError as exc:
            return invalid(exc)
        db = self.resources.db
        found = await run_in_threadpool(explore.appearances_of, db, [cluster_id])
        if not found[cluster_id]:
            return not_found(f"no cluster {cluster_id!r}", cluster_id)
        hops = await run_in_threadpool(explore.hops_of, db, [cluster_id])
        return JSONResponse(
            cluster_geojson(found[cluster_id], hops[cluster_id]),
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
                try:
                    body = await request.json()
                except json.JSONDecodeError as exc:
                    raise InvalidInputError("the body must be JSON") from exc
                if not isinstance(body, dict):
                    raise InvalidInputError("the body must be a JSON object")
                params: dict[str, Any] = body
            else:
                params = dict(request.query_params)
            selection, scores, references = selection_from(params)
            flavour = flavour_of(params)
            places, countries, periodicals, corpora = references.all_values()
            missing = await run_in_threadpool(
                explore.missing_references,
                self.resources.db,
                places,
                countries,
                periodicals,
                corpora,
            )
            refuse_unknown(references, missing)
        except InvalidInputError as exc:
            return invalid(exc, SELECTION_PARAMETERS)
        except UnknownValueError as exc:
            return not_found(exc.message, exc.value, SELECTION_PARAMETERS)
        run_id = selection.within_run or await run_in_threadpool(
            cluster_repo.latest_run_id, self.resources.db, None
        )
        return self._stream(selection, run_id, scores, "illustrations.csv", flavour)


def _filename(cluster_id: str, extension: str) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in cluster_id)
    return f"cluster-{safe}.{extension}"

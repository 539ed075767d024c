"""The cluster list (filter, sort, paginate), one cluster, and clustering runs."""

from __future__ import annotations

import json
from enum import Enum
from typing import Annotated, cast

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from api.graphql.access import require_read, run_or_latest
from api.graphql.checks import refuse_unknown_references
from api.graphql.errors import InvalidInput, NotFound, QueryInputError
from api.graphql.pagination import Connection, connection, decode_cursor, encode_cursor, page_size
from api.graphql.types import Cluster
from api.validation import (
    InvalidInputError,
    References,
    UnknownValueError,
    country_code,
    date_range,
)
from graph import explore
from graph.clusters import cluster_by_stable_id


@strawberry.enum
class ClusterSortField(Enum):
    SIZE = "size"
    PLACES = "n_places"
    COUNTRIES = "n_countries"
    PERIODICALS = "n_periodicals"
    SPAN = "span_days"
    FIRST_DATE = "first_date"


@strawberry.enum
class SortDirection(Enum):
    ASC = "asc"
    DESC = "desc"


@strawberry.input
class ClusterSort:
    by: ClusterSortField = ClusterSortField.SIZE
    direction: SortDirection = SortDirection.DESC


@strawberry.enum(description="How a date window applies to a cluster.")
class WindowMode(Enum):
    PRESENT_IN = strawberry.enum_value(
        "present_in",
        description="Clusters with a printing in the window (meeting the place, country and"
        " periodical conditions too); counts, sorts and dates stay the whole cluster's.",
    )
    WITHIN = strawberry.enum_value(
        "within",
        description="The same clusters, but size, placeCount, countryCount, periodicalCount,"
        " firstDate, lastDate, spanDays and the sorts on them count only the printings inside"
        " the window: 'most international in 1920-1930'. firstAppearance, appearances and hops"
        " stay the whole cluster's.",
    )


@strawberry.input(description="A date window (ISO dates, inclusive; either end may be open).")
class DateWindow:
    date_from: str | None = None
    date_to: str | None = None
    mode: WindowMode = WindowMode.PRESENT_IN


@strawberry.input(description="All conditions must hold; dates are ISO (YYYY-MM-DD).")
class ClusterWhere:
    min_size: int | None = None
    date_from: str | None = strawberry.field(
        default=None,
        description="Shorthand for window: {dateFrom, mode: PRESENT_IN}: a printing on or"
        " after this date (with the conditions below).",
    )
    date_to: str | None = strawberry.field(
        default=None, description="Shorthand for window: {dateTo, mode: PRESENT_IN}."
    )
    window: DateWindow | None = strawberry.field(
        default=None, description="A date window and how it applies (see WindowMode)."
    )
    country: str | None = strawberry.field(default=None, description="ISO 3166-1 alpha-2 code.")
    place: strawberry.ID | None = None
    periodical: strawberry.ID | None = None
    corpus: strawberry.ID | None = strawberry.field(
        default=None,
        description="A corpus (its name): a printing in one of the corpus' periodicals"
        " (with the conditions above).",
    )
    curated: bool | None = strawberry.field(
        default=None, description="Named, described or validated by a curator."
    )
    flagged: bool | None = None
    leaf: bool | None = strawberry.field(
        default=True, description="Leaf clusters only (default); null for every level."
    )


@strawberry.type
class ClusteringRun:
    id: strawberry.ID
    threshold: float | None
    params: strawberry.scalars.JSON | None
    edge_set: str | None
    corpus: str | None
    model_id: str | None
    created: str | None

    @classmethod
    def from_summary(cls, run: explore.RunSummary) -> ClusteringRun:
        return cls(
            id=strawberry.ID(run.id),
            threshold=run.threshold,
            params=json.loads(run.params) if run.params else None,
            edge_set=run.edge_set,
            corpus=run.corpus,
            model_id=run.model_id,
            created=run.created,
        )


def cluster_filter(where: ClusterWhere | None) -> tuple[explore.ClusterFilter, References]:
    """The graph filter, and the ids and codes it names (to be checked for existence)."""
    where = where or ClusterWhere()
    window = where.window
    mode: explore.ClusterWindow
    if window is not None and (where.date_from or where.date_to):
        raise InvalidInputError(
            "give the dates in window or in dateFrom/dateTo, not both", "window"
        )
    if window is not None:
        date_from, date_to = date_range(
            window.date_from, window.date_to, ("window.dateFrom", "window.dateTo")
        )
        if window.mode is WindowMode.WITHIN and not (date_from or date_to):
            raise InvalidInputError("a WITHIN window needs dateFrom or dateTo", "window")
        # strawberry.enum_value() types the value as its definition; at run time it is the str.
        mode = cast(explore.ClusterWindow, window.mode.value)
    else:
        date_from, date_to = date_range(where.date_from, where.date_to)
        mode = "present_in"
    if where.min_size is not None and where.min_size < 0:
        raise InvalidInputError("minSize must be 0 or more", "minSize")
    conditions = explore.ClusterFilter(
        leaf=where.leaf,
        min_size=where.min_size,
        flagged=where.flagged,
        curated=where.curated,
        date_from=date_from,
        date_to=date_to,
        place=str(where.place) if where.place else None,
        country=country_code(where.country, "country"),
        periodical=str(where.periodical) if where.periodical else None,
        corpus=str(where.corpus) if where.corpus else None,
        window=mode,
    )
    references = References(
        places={"place": conditions.place} if conditions.place else {},
        countries={"country": conditions.country} if conditions.country else {},
        periodicals={"periodical": conditions.periodical} if conditions.periodical else {},
        corpora={"corpus": conditions.corpus} if conditions.corpus else {},
    )
    return conditions, references


@strawberry.type
class ClusterConnection(Connection[Cluster]):
    pass


ClustersResult = Annotated[
    ClusterConnection | InvalidInput | NotFound, strawberry.union("ClustersResult")
]


@strawberry.type
class ClusterQuery:
    @strawberry.field(
        description="Clusters of a run (default: the latest), filtered and sorted; refusals"
        " come back as InvalidInput or NotFound."
    )
    async def clusters(
        self,
        info: Info,
        run: strawberry.ID | None = None,
        where: ClusterWhere | None = None,
        sort: ClusterSort | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> ClustersResult:
        require_read(info)
        try:
            first = page_size(first)
            start = decode_cursor(after)
            conditions, references = cluster_filter(where)
            await refuse_unknown_references(info, references)
        except InvalidInputError as exc:
            return InvalidInput.from_error(exc)
        except UnknownValueError as exc:
            return NotFound.from_error(exc)
        sort = sort or ClusterSort()
        run_id = await run_or_latest(info, run)
        db = info.context.resources.db

        if run_id is None:

            async def nothing() -> int:
                return 0

            return connection([], False, nothing, ClusterConnection)
        page = await run_in_threadpool(
            explore.cluster_page,
            db,
            run_id,
            conditions,
            sort.by.value,
            sort.direction is SortDirection.DESC,
            first,
            start,
        )

        async def count() -> int:
            if page.total is not None:  # counted by the page's own query
                return page.total
            return await run_in_threadpool(explore.cluster_count, db, run_id, conditions)

        rows = [(encode_cursor(value, c.id), Cluster(summary=c)) for value, c in page.rows]
        return connection(rows, page.has_next, count, ClusterConnection)

    @strawberry.field(
        description="A cluster by its run-scoped `id`, or the latest version "
        "of the cluster with this `stableId`."
    )
    async def cluster(
        self, info: Info, id: strawberry.ID | None = None, stable_id: strawberry.ID | None = None
    ) -> Cluster | None:
        require_read(info)
        if (id is None) == (stable_id is None):
            raise QueryInputError("give either id or stableId")
        wanted = str(id)
        if stable_id is not None:
            latest = await run_in_threadpool(
                cluster_by_stable_id, info.context.resources.db, str(stable_id)
            )
            if latest is None:
                return None
            wanted = latest
        return await Cluster.load(info, wanted)

    @strawberry.field(description="Clustering runs, latest first.")
    async def clustering_runs(self, info: Info, limit: int = 20) -> list[ClusteringRun]:
        require_read(info)
        runs = await run_in_threadpool(
            explore.runs,
            info.context.resources.db,
            min(max(limit, 1), 500),
        )
        return [ClusteringRun.from_summary(r) for r in runs]

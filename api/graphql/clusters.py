"""The cluster list (filter, sort, paginate), one cluster, and clustering runs."""

from __future__ import annotations

import json
from datetime import date
from enum import Enum

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from api.graphql.access import require_read, run_or_latest
from api.graphql.errors import QueryInputError
from api.graphql.pagination import Connection, connection, decode_cursor, encode_cursor, page_size
from api.graphql.types import Cluster
from graph import explore


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


@strawberry.input(description="All conditions must hold; dates are ISO (YYYY-MM-DD).")
class ClusterWhere:
    min_size: int | None = None
    date_from: str | None = strawberry.field(
        default=None, description="A printing on or after this date (with the conditions below)."
    )
    date_to: str | None = None
    country: str | None = strawberry.field(default=None, description="ISO 3166-1 alpha-2 code.")
    place: strawberry.ID | None = None
    periodical: strawberry.ID | None = None
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
        return cls(id=strawberry.ID(run.id), threshold=run.threshold,
                   params=json.loads(run.params) if run.params else None,
                   edge_set=run.edge_set, corpus=run.corpus, model_id=run.model_id,
                   created=run.created)  # fmt: skip


def iso_date(value: str | None, field: str) -> str | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError as exc:
        raise QueryInputError(f"{field} must be an ISO date (YYYY-MM-DD)") from exc


def cluster_filter(where: ClusterWhere | None) -> explore.ClusterFilter:
    where = where or ClusterWhere()
    return explore.ClusterFilter(
        leaf=where.leaf,
        min_size=where.min_size,
        flagged=where.flagged,
        curated=where.curated,
        date_from=iso_date(where.date_from, "dateFrom"),
        date_to=iso_date(where.date_to, "dateTo"),
        place=str(where.place) if where.place else None,
        country=where.country.upper() if where.country else None,
        periodical=str(where.periodical) if where.periodical else None,
    )


@strawberry.type
class ClusterQuery:
    @strawberry.field(description="Clusters of a run (default: the latest), filtered and sorted.")
    async def clusters(
        self,
        info: Info,
        run: strawberry.ID | None = None,
        where: ClusterWhere | None = None,
        sort: ClusterSort | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> Connection[Cluster]:
        require_read(info)
        first = page_size(first)
        start = decode_cursor(after)
        sort = sort or ClusterSort()
        conditions = cluster_filter(where)
        run_id = await run_or_latest(info, run)
        db = info.context.resources.db

        async def count() -> int:
            if run_id is None:
                return 0
            return await run_in_threadpool(explore.cluster_count, db, run_id, conditions)

        if run_id is None:
            return connection([], False, count)
        page = await run_in_threadpool(
            explore.cluster_page, db, run_id, conditions, sort.by.value,
            sort.direction is SortDirection.DESC, first, start,
        )  # fmt: skip
        rows = [(encode_cursor(value, c.id), Cluster(summary=c)) for value, c in page.rows]
        return connection(rows, page.has_next, count)

    @strawberry.field
    async def cluster(self, info: Info, id: strawberry.ID) -> Cluster | None:
        require_read(info)
        return await Cluster.load(info, str(id))

    @strawberry.field(description="Clustering runs, latest first.")
    async def clustering_runs(self, info: Info, limit: int = 20) -> list[ClusteringRun]:
        require_read(info)
        runs = await run_in_threadpool(
            explore.runs, info.context.resources.db, min(max(limit, 1), 500),
        )  # fmt: skip
        return [ClusteringRun.from_summary(r) for r in runs]

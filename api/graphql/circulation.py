"""Circulation: origin → destination flows, and which images reached B from A within N years."""

from __future__ import annotations

from typing import Annotated

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from api.graphql.access import require_read, run_or_latest
from api.graphql.clusters import iso_date
from api.graphql.errors import QueryInputError
from api.graphql.types import Cluster, Place
from graph import explore

MAX_FLOWS = 5_000


@strawberry.input(description="Hops arriving between dateFrom and dateTo (ISO dates).")
class FlowWhere:
    run: strawberry.ID | None = None
    date_from: str | None = None
    date_to: str | None = None
    from_country: str | None = None
    to_country: str | None = None
    from_place: strawberry.ID | None = None
    to_place: strawberry.ID | None = None
    max_lag_days: int | None = None


@strawberry.type
class Flow:
    origin: Place
    destination: Place
    count: int = strawberry.field(description="Hops from origin to destination.")
    clusters: int = strawberry.field(description="Distinct clusters making these hops.")
    mean_lag_days: float

    @classmethod
    def from_aggregate(cls, f: explore.FlowAggregate) -> Flow:
        return cls(
            origin=Place(id=strawberry.ID(f.origin_id), name=f.origin_name,
                         latitude=f.origin_latitude, longitude=f.origin_longitude,
                         country_code=f.origin_country),
            destination=Place(id=strawberry.ID(f.destination_id), name=f.destination_name,
                              latitude=f.destination_latitude,
                              longitude=f.destination_longitude,
                              country_code=f.destination_country),
            count=f.hops, clusters=f.clusters, mean_lag_days=f.mean_lag_days,
        )  # fmt: skip


@strawberry.input(description="A place id or a country code (exactly one).")
class Location:
    place: strawberry.ID | None = None
    country: str | None = None


@strawberry.type
class Reach:
    origin_date: str
    arrival_date: str
    lag_days: int
    cluster_id: strawberry.Private[str]

    @strawberry.field
    async def cluster(self, info: Info) -> Cluster | None:
        return await Cluster.load(info, self.cluster_id)


def _level(location: Location) -> tuple[str, str]:
    if (location.place is None) == (location.country is None):
        raise QueryInputError("give either a place or a country")
    if location.place is not None:
        return "place", str(location.place)
    return "country", str(location.country).upper()


@strawberry.type
class CirculationQuery:
    @strawberry.field(description="FLOW hops aggregated origin → destination, busiest first.")
    async def flows(
        self, info: Info, where: FlowWhere | None = None, limit: int = 500
    ) -> list[Flow]:
        require_read(info)
        where = where or FlowWhere()
        run_id = await run_or_latest(info, where.run)
        if run_id is None:
            return []
        conditions = explore.FlowFilter(
            date_from=iso_date(where.date_from, "dateFrom"),
            date_to=iso_date(where.date_to, "dateTo"),
            from_place=str(where.from_place) if where.from_place else None,
            to_place=str(where.to_place) if where.to_place else None,
            from_country=where.from_country.upper() if where.from_country else None,
            to_country=where.to_country.upper() if where.to_country else None,
            max_lag_days=where.max_lag_days,
        )
        rows = await run_in_threadpool(
            explore.flows, info.context.resources.db, run_id, conditions,
            min(max(limit, 1), MAX_FLOWS),
        )  # fmt: skip
        return [Flow.from_aggregate(f) for f in rows]

    @strawberry.field(
        description="Clusters first printed in `from` that reached `to` within `years` years."
    )
    async def reached_within(
        self,
        info: Info,
        from_: Annotated[Location, strawberry.argument(name="from")],
        to: Location,
        years: int = 5,
        run: strawberry.ID | None = None,
    ) -> list[Reach]:
        require_read(info)
        origin_level, origin = _level(from_)
        destination_level, destination = _level(to)
        if origin_level != destination_level:
            raise QueryInputError("from and to must both be places or both be countries")
        if not 0 < years <= 200:
            raise QueryInputError("years must be between 1 and 200")
        run_id = await run_or_latest(info, run)
        if run_id is None:
            return []
        rows = await run_in_threadpool(
            explore.reached_within, info.context.resources.db, run_id, origin, destination,
            years, origin_level, 1000,
        )  # fmt: skip
        return [Reach(origin_date=r.origin_date, arrival_date=r.arrival_date,
                      lag_days=r.lag_days, cluster_id=r.cluster_id) for r in rows]  # fmt: skip

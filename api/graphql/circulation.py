"""Circulation: origin → destination flows (places or countries, per period), and which images
reached B from A within N years, at any mix of levels."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from api.graphql.access import require_read, run_or_latest
from api.graphql.checks import refuse_unknown_references
from api.graphql.errors import InvalidInput, NotFound
from api.graphql.types import Cluster, Country, Illustration, Place
from api.validation import (
    InvalidInputError,
    References,
    UnknownValueError,
    country_code,
    date_range,
    int_between,
)
from graph import explore

MAX_FLOWS = 5_000
MAX_YEARS = 200


@strawberry.enum(description="What the ends of a flow are.")
class FlowGroupBy(Enum):
    PLACE = "place"
    COUNTRY = "country"


@strawberry.enum(description="Periods of a flow matrix, by the year a hop arrived.")
class FlowPeriod(Enum):
    YEAR = "year"
    DECADE = "decade"


@strawberry.input(description="Conditions on hops; dates are the arrival's (ISO, inclusive).")
class FlowWhere:
    run: strawberry.ID | None = None
    date_from: str | None = None
    date_to: str | None = None
    from_country: str | None = None
    to_country: str | None = None
    from_place: strawberry.ID | None = None
    to_place: strawberry.ID | None = None
    max_lag_days: int | None = None
    international: bool | None = strawberry.field(
        default=None,
        description="Only hops between two countries (true) or within one (false); null: all.",
    )


@strawberry.type(
    description="Hops from one origin to one destination. Grouped by PLACE, `origin` and"
    " `destination` are places (with their countries); grouped by COUNTRY they are null and"
    " only the countries are given. Lags are over all hops, so a country pair's mean is the"
    " count-weighted mean of its place pairs."
)
class Flow:
    origin: Place | None
    destination: Place | None
    origin_country: Country | None
    destination_country: Country | None
    period: int | None = strawberry.field(
        description="First year of the period (flowMatrix only), e.g. 1930 for the 1930s."
    )
    count: int = strawberry.field(description="Hops from origin to destination.")
    clusters: int = strawberry.field(description="Distinct clusters making these hops.")
    mean_lag_days: float
    median_lag_days: float

    @classmethod
    def from_aggregate(cls, f: explore.FlowAggregate) -> Flow:
        def country(code: str | None, name: str | None) -> Country | None:
            return Country(code=code, name=name) if code else None

        origin = destination = None
        if f.origin_id is not None:
            origin = Place(
                id=strawberry.ID(f.origin_id),
                name=f.origin_name,
                latitude=f.origin_latitude,
                longitude=f.origin_longitude,
                country_code=f.origin_country,
            )
        if f.destination_id is not None:
            destination = Place(
                id=strawberry.ID(f.destination_id),
                name=f.destination_name,
                latitude=f.destination_latitude,
                longitude=f.destination_longitude,
                country_code=f.destination_country,
            )
        return cls(
            origin=origin,
            destination=destination,
            origin_country=country(f.origin_country, f.origin_country_name),
            destination_country=country(f.destination_country, f.destination_country_name),
            period=f.period,
            count=f.hops,
            clusters=f.clusters,
            mean_lag_days=f.mean_lag_days,
            median_lag_days=f.median_lag_days,
        )


@strawberry.type
class Flows:
    group_by: FlowGroupBy
    flows: list[Flow]


@strawberry.type(
    description="The matrix' cells as columns: entry n of every list is cell n of `cells`"
    " (same order). `origin` and `destination` are country codes (groupBy COUNTRY) or place"
    " ids (PLACE), named once in `FlowMatrix.countries` / `places`. A chart reads a matrix of"
    " thousands of cells this way at a fraction of the size and time of `cells`."
)
class FlowColumns:
    period: list[int]
    origin: list[str]
    destination: list[str]
    count: list[int]
    clusters: list[int]
    mean_lag_days: list[float]
    median_lag_days: list[float]


@strawberry.type(description="Origin–destination cells per period, for charts.")
class FlowMatrix:
    group_by: FlowGroupBy
    period: FlowPeriod
    periods: list[int] = strawberry.field(
        description="Every period from the first to the last with a hop, empty ones included."
    )
    rows: strawberry.Private[list[explore.FlowAggregate]]

    @strawberry.field(description="By period, then busiest first.")
    def cells(self) -> list[Flow]:
        return [Flow.from_aggregate(f) for f in self.rows]

    @strawberry.field(description="The cells as columns (see FlowColumns).")
    def columns(self) -> FlowColumns:
        by_place = self.group_by is FlowGroupBy.PLACE
        return FlowColumns(
            period=[f.period or 0 for f in self.rows],
            origin=[(f.origin_id if by_place else f.origin_country) or "" for f in self.rows],
            destination=[
                (f.destination_id if by_place else f.destination_country) or "" for f in self.rows
            ],
            count=[f.hops for f in self.rows],
            clusters=[f.clusters for f in self.rows],
            mean_lag_days=[f.mean_lag_days for f in self.rows],
            median_lag_days=[f.median_lag_days for f in self.rows],
        )

    @strawberry.field(description="Every country at an end of a cell, once, by code.")
    def countries(self) -> list[Country]:
        named: dict[str, str | None] = {}
        for f in self.rows:
            for code, name in (
                (f.origin_country, f.origin_country_name),
                (f.destination_country, f.destination_country_name),
            ):
                if code:
                    named.setdefault(code, name)
        return [Country(code=code, name=named[code]) for code in sorted(named)]

    @strawberry.field(description="Every place at an end of a cell (groupBy PLACE), once, by id.")
    def places(self) -> list[Place]:
        found: dict[str, Place] = {}
        for f in self.rows:
            ends = (
                (
                    f.origin_id,
                    f.origin_name,
                    f.origin_latitude,
                    f.origin_longitude,
                    f.origin_country,
                ),
                (
                    f.destination_id,
                    f.destination_name,
                    f.destination_latitude,
                    f.destination_longitude,
                    f.destination_country,
                ),
            )
            for place_id, name, latitude, longitude, country in ends:
                if place_id and place_id not in found:
                    found[place_id] = Place(
                        id=strawberry.ID(place_id),
                        name=name,
                        latitude=latitude,
                        longitude=longitude,
                        country_code=country,
                    )
        return [found[k] for k in sorted(found)]


@strawberry.input(
    description="Exactly one of: a place id, a country code (ISO 3166-1 alpha-2), or"
    " `otherCountry: true` (destination only: any country other than the origin's)."
)
class Location:
    place: strawberry.ID | None = None
    country: str | None = None
    other_country: bool | None = None


@strawberry.type(description="Where a printing was: the place and its country.")
class ReachEnd:
    date: str
    place: Place | None
    country: Country | None
    illustration_id: strawberry.ID | None

    @strawberry.field
    async def illustration(self, info: Info) -> Illustration | None:
        if self.illustration_id is None:
            return None
        return await Illustration.load(info, str(self.illustration_id))


@strawberry.type
class Reach:
    origin_date: str
    arrival_date: str
    lag_days: int
    origin: ReachEnd = strawberry.field(description="The cluster's first printing there.")
    destination: ReachEnd = strawberry.field(description="Its first printing at the destination.")
    cluster_id: strawberry.Private[str]

    @strawberry.field
    async def cluster(self, info: Info) -> Cluster | None:
        return await Cluster.load(info, self.cluster_id)

    @classmethod
    def from_row(cls, r: explore.Reach) -> Reach:
        def end(day, place, place_name, code, illustration) -> ReachEnd:
            return ReachEnd(
                date=day,
                place=Place(
                    id=strawberry.ID(place),
                    name=place_name,
                    latitude=None,
                    longitude=None,
                    country_code=code,
                )
                if place
                else None,
                country=Country(code=code, name=None) if code else None,
                illustration_id=strawberry.ID(illustration) if illustration else None,
            )

        return cls(
            origin_date=r.origin_date,
            arrival_date=r.arrival_date,
            lag_days=r.lag_days,
            origin=end(
                r.origin_date,
                r.origin_place,
                r.origin_place_name,
                r.origin_country,
                r.origin_illustration,
            ),
            destination=end(
                r.arrival_date,
                r.destination_place,
                r.destination_place_name,
                r.destination_country,
                r.arrival_illustration,
            ),
            cluster_id=r.cluster_id,
        )


@strawberry.type
class Reaches:
    reaches: list[Reach]


FlowsResult = Annotated[Flows | InvalidInput | NotFound, strawberry.union("FlowsResult")]
FlowMatrixResult = Annotated[
    FlowMatrix | InvalidInput | NotFound, strawberry.union("FlowMatrixResult")
]
ReachedWithinResult = Annotated[
    Reaches | InvalidInput | NotFound, strawberry.union("ReachedWithinResult")
]


def flow_filter(where: FlowWhere) -> tuple[explore.FlowFilter, References]:
    date_from, date_to = date_range(where.date_from, where.date_to)
    conditions = explore.FlowFilter(
        date_from=date_from,
        date_to=date_to,
        from_place=str(where.from_place) if where.from_place else None,
        to_place=str(where.to_place) if where.to_place else None,
        from_country=country_code(where.from_country, "fromCountry"),
        to_country=country_code(where.to_country, "toCountry"),
        max_lag_days=int_between(where.max_lag_days, 0, 366 * MAX_YEARS, "maxLagDays"),
        international=where.international,
    )
    references = References(
        places={
            k: v
            for k, v in (("fromPlace", conditions.from_place), ("toPlace", conditions.to_place))
            if v
        },
        countries={
            k: v
            for k, v in (
                ("fromCountry", conditions.from_country),
                ("toCountry", conditions.to_country),
            )
            if v
        },
    )
    return conditions, references


def location(value: Location, field: str, origin: bool) -> explore.Location:
    given = [v for v in (value.place, value.country, value.other_country or None) if v]
    if len(given) != 1:
        raise InvalidInputError(f"{field} takes exactly one of place, country, otherCountry", field)
    if value.other_country:
        if origin:
            raise InvalidInputError("otherCountry is for the destination only", field)
        return explore.Location("other_country")
    if value.place is not None:
        return explore.Location("place", str(value.place))
    return explore.Location("country", country_code(value.country, f"{field}.country"))


async def _flows(
    info: Info,
    where: FlowWhere | None,
    group_by: FlowGroupBy,
    period: FlowPeriod | None,
    limit: int,
) -> list[explore.FlowAggregate]:
    where = where or FlowWhere()
    conditions, references = flow_filter(where)
    int_between(limit, 1, MAX_FLOWS, "limit")
    await refuse_unknown_references(info, references)
    run_id = await run_or_latest(info, where.run)
    if run_id is None:
        return []
    return await run_in_threadpool(
        lambda: explore.flows(
            info.context.resources.db,
            run_id,
            conditions,
            limit,
            group_by=group_by.value,
            period=period.value if period else None,
        )
    )


@strawberry.type
class CirculationQuery:
    @strawberry.field(
        description="FLOW hops aggregated origin → destination (places or countries), busiest"
        " first."
    )
    async def flows(
        self,
        info: Info,
        where: FlowWhere | None = None,
        group_by: FlowGroupBy = FlowGroupBy.PLACE,
        limit: int = 500,
    ) -> FlowsResult:
        require_read(info)
        try:
            rows = await _flows(info, where, group_by, None, limit)
        except InvalidInputError as exc:
            return InvalidInput.from_error(exc)
        except UnknownValueError as exc:
            return NotFound.from_error(exc)
        return Flows(group_by=group_by, flows=[Flow.from_aggregate(f) for f in rows])

    @strawberry.field(description="Origin–destination hop counts and lags per year or decade.")
    async def flow_matrix(
        self,
        info: Info,
        where: FlowWhere | None = None,
        group_by: FlowGroupBy = FlowGroupBy.COUNTRY,
        period: FlowPeriod = FlowPeriod.DECADE,
        limit: int = MAX_FLOWS,
    ) -> FlowMatrixResult:
        require_read(info)
        try:
            rows = await _flows(info, where, group_by, period, limit)
        except InvalidInputError as exc:
            return InvalidInput.from_error(exc)
        except UnknownValueError as exc:
            return NotFound.from_error(exc)
        step = 10 if period is FlowPeriod.DECADE else 1
        found = [r.period for r in rows if r.period is not None]
        periods = list(range(min(found), max(found) + 1, step)) if found else []
        return FlowMatrix(group_by=group_by, period=period, periods=periods, rows=rows)

    @strawberry.field(
        description="Leaf clusters first printed in `from` whose first printing in `to` came"
        " later, within `years` years; ends may mix places and countries, and `to` may be"
        " `otherCountry: true`."
    )
    async def reached_within(
        self,
        info: Info,
        from_: Annotated[Location, strawberry.argument(name="from")],
        to: Location,
        years: int = 5,
        run: strawberry.ID | None = None,
        limit: int = 1000,
    ) -> ReachedWithinResult:
        require_read(info)
        try:
            origin = location(from_, "from", origin=True)
            destination = location(to, "to", origin=False)
            int_between(years, 1, MAX_YEARS, "years")
            int_between(limit, 1, MAX_FLOWS, "limit")
            # A place or country end always names its value (see location()).
            ends = [
                (f, e.level, e.value)
                for f, e in (("from", origin), ("to", destination))
                if e.value is not None
            ]
            await refuse_unknown_references(
                info,
                References(
                    places={f: value for f, level, value in ends if level == "place"},
                    countries={f: value for f, level, value in ends if level == "country"},
                ),
            )
        except InvalidInputError as exc:
            return InvalidInput.from_error(exc)
        except UnknownValueError as exc:
            return NotFound.from_error(exc)
        run_id = await run_or_latest(info, run)
        if run_id is None:
            return Reaches(reaches=[])
        rows = await run_in_threadpool(
            explore.reached_within,
            info.context.resources.db,
            run_id,
            origin,
            destination,
            years,
            limit,
        )
        return Reaches(reaches=[Reach.from_row(r) for r in rows])

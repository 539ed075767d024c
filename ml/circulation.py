"""How one image travelled: first appearance per place and the hops between places.

Rule (chained first appearances). Undated appearances, and those with no place (or country,
at country level), are left out and counted. For each place, its first appearance is its
earliest dated one (ties broken by illustration id). Places are ordered by first-appearance
date; a place first seen on date ``d`` receives a hop from every place whose first appearance
is the latest date before ``d`` (usually one place; several when they tie on that date). Places
first seen on the same date are not hops of each other, and the place(s) of the earliest date
receive none. The lag of a hop is the number of days between the two first appearances.

Dates are the start of the interval their precision names (``1894-03-01`` for "March 1894");
a hop keeps the coarser precision of its two ends so that month- or year-level lags can be
told apart from day-level ones.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import groupby
from typing import Literal

Level = Literal["place", "country"]

# Coarser precision has the larger rank.
_PRECISION_RANK = {"day": 0, "month": 1, "year": 2}


@dataclass(frozen=True)
class Appearance:
    """One printing of an illustration: where and when (any field may be unknown)."""

    illustration_id: Hashable
    date: date | None
    date_precision: str | None  # "day", "month" or "year"
    place_id: str | None
    country_code: str | None
    periodical_id: str | None
    issue_id: str | None


@dataclass(frozen=True)
class FirstAppearance:
    place: str
    date: date
    date_precision: str | None
    illustration_id: Hashable


@dataclass(frozen=True)
class Hop:
    """The image reached ``destination`` ``lag_days`` after it reached ``origin``."""

    origin: str
    destination: str
    from_date: date
    to_date: date
    lag_days: int
    date_precision: str | None
    from_illustration_id: Hashable
    to_illustration_id: Hashable


@dataclass(frozen=True)
class Circulation:
    """Ordered appearances and hops of one cluster, with what had to be left out."""

    appearances: tuple[Appearance, ...]  # dated and located, by date
    first_appearances: tuple[FirstAppearance, ...]  # by date, then place
    hops: tuple[Hop, ...]  # by arrival date, destination, origin
    n_undated: int
    n_unlocated: int


@dataclass(frozen=True)
class OdCount:
    """Hops from ``origin`` to ``destination`` arriving in ``[period_start, +period_years)``."""

    period_start: int
    origin: str
    destination: str
    count: int


@dataclass(frozen=True)
class Reach:
    """A cluster first printed in the origin that reached the destination, and when."""

    cluster_key: str
    origin_date: date
    arrival_date: date
    lag_days: int


def circulation(appearances: Iterable[Appearance], level: Level = "place") -> Circulation:
    """First appearance per place (or country) and the hops between them (see module doc)."""
    usable: list[Appearance] = []
    n_undated = n_unlocated = 0
    for item in appearances:
        if item.date is None:
            n_undated += 1
        elif _where(item, level) is None:
            n_unlocated += 1
        else:
            usable.append(item)
    usable.sort(key=_chronological)
    firsts: dict[str, FirstAppearance] = {}
    for item in usable:
        place = _where(item, level)
        # `usable` holds only the dated and located appearances (filtered above).
        assert place is not None and item.date is not None
        if place not in firsts:
            firsts[place] = FirstAppearance(
                place, item.date, item.date_precision, item.illustration_id
            )
    ordered = sorted(firsts.values(), key=lambda f: (f.date, f.place))
    return Circulation(
        appearances=tuple(usable),
        first_appearances=tuple(ordered),
        hops=tuple(_hops(ordered)),
        n_undated=n_undated,
        n_unlocated=n_unlocated,
    )


def od_matrix(hops: Iterable[Hop], period_years: int = 10) -> list[OdCount]:
    """Origin–destination hop counts per period of arrival (periods start at multiples)."""
    if period_years < 1:
        raise ValueError("period_years must be >= 1")
    counts = Counter(
        ((hop.to_date.year // period_years) * period_years, hop.origin, hop.destination)
        for hop in hops
    )
    return [OdCount(p, o, d, c) for (p, o, d), c in sorted(counts.items())]


def reached_within(
    clusters: Mapping[str, Sequence[Appearance]],
    origin: str,
    destination: str,
    years: int,
    level: Level = "place",
) -> list[Reach]:
    """Clusters first printed in ``origin`` that reached ``destination`` within ``years``.

    "First printed in" means an appearance in the origin on the cluster's earliest date;
    "reached" means a first appearance in the destination strictly after that date and no
    later than the same calendar day ``years`` later (29 February counts as 28 February).
    """
    found: list[Reach] = []
    for key in sorted(clusters):
        flow = circulation(clusters[key], level)
        if not flow.first_appearances:
            continue
        start = flow.first_appearances[0].date
        by_place = {f.place: f.date for f in flow.first_appearances}
        arrival = by_place.get(destination)
        if by_place.get(origin) != start or arrival is None or arrival <= start:
            continue
        if arrival <= _add_years(start, years):
            found.append(Reach(key, start, arrival, (arrival - start).days))
    return found


def _where(item: Appearance, level: Level) -> str | None:
    return item.place_id if level == "place" else item.country_code


def _chronological(item: Appearance) -> tuple:
    return (item.date, str(item.illustration_id))


def _hops(ordered: Sequence[FirstAppearance]) -> list[Hop]:
    hops: list[Hop] = []
    previous: list[FirstAppearance] = []
    for _, group in groupby(ordered, key=lambda f: f.date):
        same_day = list(group)
        for arrival in same_day:
            for source in previous:
                hops.append(
                    Hop(
                        origin=source.place,
                        destination=arrival.place,
                        from_date=source.date,
                        to_date=arrival.date,
                        lag_days=(arrival.date - source.date).days,
                        date_precision=_coarser(source.date_precision, arrival.date_precision),
                        from_illustration_id=source.illustration_id,
                        to_illustration_id=arrival.illustration_id,
                    )
                )
        previous = same_day
    return hops


def _coarser(a: str | None, b: str | None) -> str | None:
    if a is None or b is None:
        return a or b
    return a if _PRECISION_RANK.get(a, 0) >= _PRECISION_RANK.get(b, 0) else b


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a non-leap year
        return day.replace(year=day.year + years, day=28)

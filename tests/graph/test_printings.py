"""The printings that cluster memberships carry (graph.clusters.refresh_stats) answer the WITHIN
window list and `reached_within` exactly as walking every printing's issue does, and stay so
through corrections, flags, incremental clustering and a schema upgrade."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from api.pipeline.clustering import update_clustering
from api.pipeline.corrections import correct_issue
from api.pipeline.freshness import flag_illustration
from graph import explore
from graph.clusters import delete_flows
from graph.illustrations import replace_illustrations
from graph.ingest import write_issues
from graph.records import IllustrationRecord
from graph.schema import SCHEMA_VERSION, ensure_schema, schema_version
from graph.similarity import write_edges
from tests.support.explore_graph import (
    BA,
    EDGE_SET,
    LYON,
    PARIS,
    build_explore_graph,
    by_first_member,
    issue_record,
)

WINDOWS = [
    explore.ClusterFilter(date_from="1900-01-01", date_to="1901-12-31", window="within"),
    explore.ClusterFilter(date_from="1905-01-01", date_to="1910-12-31", window="within"),
    explore.ClusterFilter(
        date_from="1905-01-01", date_to="1910-12-31", country="FR", window="within"
    ),
    explore.ClusterFilter(date_from="1899-01-01", date_to="1909-12-31", place=BA, window="within"),
    explore.ClusterFilter(
        date_from="1890-01-01", date_to="1920-12-31", periodical="per_lyon", window="within"
    ),
    explore.ClusterFilter(leaf=None, min_size=2, window="within"),
    explore.ClusterFilter(date_to="1902-06-30", window="within"),
    # Whole years and decades: read from the statistics stored per period.
    explore.ClusterFilter(date_from="1900-01-01", date_to="1909-12-31", window="within"),
    explore.ClusterFilter(date_from="1890-01-01", date_to="1899-12-31", window="within"),
    explore.ClusterFilter(date_from="1901-01-01", date_to="1901-12-31", window="within"),
    explore.ClusterFilter(
        date_from="1900-01-01", date_to="1909-12-31", leaf=None, min_size=2, window="within"
    ),
]
DECADE = WINDOWS[7]
SORTS = ["size", "n_places", "n_countries", "n_periodicals", "span_days", "first_date"]


@pytest.fixture
def graph_run(clean_graph):
    return clean_graph, build_explore_graph(clean_graph)


def walked_window(db, run_id: str, where: explore.ClusterFilter) -> list[tuple]:
    """The WITHIN list computed here from every printing's issue (`appearances_of` walks
    Cluster <- Illustration <- Page <- Issue), as (id, size, places, countries, periodicals,
    first, last, span) in id order."""
    everything = explore.cluster_page(db, run_id, explore.ClusterFilter(leaf=None), first=1000)
    clusters = {c.id: c for _, c in everything.rows}
    low, high = where.date_from or "0000-01-01", where.date_to or "9999-12-31"
    found = []
    for cid, printings in explore.appearances_of(db, list(clusters)).items():
        c = clusters[cid]
        if (
            (where.leaf is not None and c.leaf != where.leaf)
            or (where.min_size is not None and c.size < where.min_size)
            or (where.flagged is not None and c.flagged != where.flagged)
        ):
            continue
        inside = [p for p in printings if p.date is not None and low <= p.date <= high]
        hits = [
            p
            for p in inside
            if (where.place is None or p.place_id == where.place)
            and (where.country is None or p.country_code == where.country)
            and (where.periodical is None or p.periodical_id == where.periodical)
        ]
        if not hits:
            continue
        first, last = min(p.date for p in inside), max(p.date for p in inside)

        def distinct(values) -> int:
            return len({v for v in values if v is not None})

        found.append(
            (
                cid,
                distinct(p.illustration_id for p in inside),
                distinct(p.place_id for p in inside),
                distinct(p.country_code for p in inside),
                distinct(p.periodical_id for p in inside),
                first,
                last,
                (date.fromisoformat(last) - date.fromisoformat(first)).days,
            )
        )
    return sorted(found)


def listed_window(db, run_id: str, where: explore.ClusterFilter) -> list[tuple]:
    page = explore.cluster_page(db, run_id, where, first=1000)
    # A page with rows says the list's total; an empty one says nothing.
    assert (page.total if page.rows else 0) == len(page.rows)
    assert len(page.rows) == explore.cluster_count(db, run_id, where)
    return sorted(
        (
            c.id,
            c.size,
            c.n_places,
            c.n_countries,
            c.n_periodicals,
            c.first_date,
            c.last_date,
            c.span_days,
        )
        for _, c in page.rows
    )


def assert_windows_match(db, run_id: str) -> None:
    for where in WINDOWS:
        assert listed_window(db, run_id, where) == walked_window(db, run_id, where), where


def walked_reaches(db, run_id: str, origin: str, years: int) -> list[tuple]:
    """Leaves first printed at `origin` that reached any other country within `years`: the
    rule of `reached_within`, applied here to the walked printings (dated, placed, in a
    country, in (date, illustration) order)."""
    leaves = explore.cluster_page(db, run_id, explore.ClusterFilter(), first=1000)
    found = []
    for cid, printings in explore.appearances_of(db, [c.id for _, c in leaves.rows]).items():
        located = sorted(
            (p for p in printings if p.date and p.place_id and p.country_code),
            key=lambda p: (p.date, p.illustration_id),
        )
        if not located:
            continue
        start = located[0].date
        at_origin = [p for p in located if p.date == start and p.place_id == origin]
        if not at_origin:
            continue
        home = at_origin[0].country_code
        abroad = [p for p in located if p.date > start and p.country_code != home]
        if not abroad:
            continue
        begun, arrived = date.fromisoformat(start), date.fromisoformat(abroad[0].date)
        try:
            limit = begun.replace(year=begun.year + years)
        except ValueError:  # 29 February
            limit = begun.replace(year=begun.year + years, day=28)
        if arrived <= limit:
            found.append((cid, start, abroad[0].date, (arrived - begun).days, abroad[0].place_id))
    return sorted(found)


def listed_reaches(db, run_id: str, origin: str, years: int) -> list[tuple]:
    got = explore.reached_within(
        db, run_id, explore.Location("place", origin), explore.Location("other_country"), years
    )
    return sorted(
        (r.cluster_id, r.origin_date, r.arrival_date, r.lag_days, r.destination_place) for r in got
    )


FLOW_FILTERS = [
    {},
    {"international": True},
    {"international": False},
    {"from_country": "FR"},
    {"to_country": "AR", "international": True},
]


def assert_flow_cells_match(db, run_id: str) -> None:
    """The flow matrix from the run's cells equals aggregating every hop (a date condition
    that every hop meets makes explore.flows aggregate the hops)."""
    for period in (None, "year", "decade"):
        for conditions in FLOW_FILTERS:
            cells = explore.flows(
                db, run_id, explore.FlowFilter(**conditions), group_by="country", period=period
            )
            hops = explore.flows(
                db,
                run_id,
                explore.FlowFilter(**conditions, date_from="0000-01-01"),
                group_by="country",
                period=period,
            )
            assert cells == hops, (period, conditions)


def test_the_window_list_equals_walking_the_printings(graph_run):
    db, run_id = graph_run
    assert_windows_match(db, run_id)
    # Every sort and both directions page through the same list, in the same order whether
    # the statistics are stored per period or aggregated on the request.
    for where in (WINDOWS[6], DECADE):
        walked = walked_window(db, run_id, where)
        for sort in SORTS:
            for descending in (True, False):
                rows, after = [], None
                while True:
                    page = explore.cluster_page(db, run_id, where, sort, descending, 2, after)
                    rows += [c.id for _, c in page.rows]
                    if not page.has_next:
                        break
                    after = (page.rows[-1][0], page.rows[-1][1].id)
                assert sorted(rows) == [w[0] for w in walked], (sort, descending)
                assert rows == aggregated_order(db, run_id, where, sort, descending)


def aggregated_order(db, run_id: str, where, sort: str, descending: bool) -> list[str]:
    """The ids in list order from the query that aggregates the window's printings."""
    from graph.queries import explore as queries

    params = where.params() | {"after_value": None, "after_id": None, "limit": 1000}
    records, _, _ = db.execute_query(
        queries.window_page_query(sort, descending), params, run_id=run_id
    )
    return [r["id"] for r in records]


def test_a_whole_year_or_decade_is_read_from_the_period_statistics():
    whole = explore.whole_period
    assert whole("1920-01-01", "1929-12-31") == ("decade", 1920)
    assert whole("1923-01-01", "1923-12-31") == ("year", 1923)
    for date_from, date_to in [
        ("1921-01-01", "1930-12-31"),  # ten years, not a decade
        ("1920-01-01", "1921-12-31"),
        ("1920-01-02", "1929-12-31"),
        ("1920-01-01", "1929-12-30"),
        (None, "1929-12-31"),
        ("1920-01-01", None),
    ]:
        assert whole(date_from, date_to) is None, (date_from, date_to)
    decade = {"date_from": "1920-01-01", "date_to": "1929-12-31"}
    assert explore.ClusterFilter(**decade, window="within").whole_period == ("decade", 1920)
    # Conditions on printings, or the present-in window, are aggregated on the request.
    assert explore.ClusterFilter(**decade, window="within", country="FR").whole_period is None
    assert explore.ClusterFilter(**decade).whole_period is None


def test_reached_within_equals_the_reference_on_walked_printings(graph_run):
    db, run_id = graph_run
    for origin in (PARIS, LYON, BA):
        for years in (1, 5, 10):
            assert listed_reaches(db, run_id, origin, years) == walked_reaches(
                db, run_id, origin, years
            ), (origin, years)


def test_flow_cells_equal_aggregating_the_hops(graph_run):
    db, run_id = graph_run
    assert country_flows(db, run_id)
    assert_flow_cells_match(db, run_id)
    # Hops deleted and not written again: the cells are stale, the hops are aggregated.
    travelled = by_first_member(db, run_id)["a1"].id  # Paris -> Berlin, Lyon, Buenos Aires
    before = country_flows(db, run_id)
    delete_flows(db, [travelled])
    assert_flow_cells_match(db, run_id)
    assert country_flows(db, run_id) != before


def test_printings_follow_corrections_flags_and_incremental_clustering(graph_run):
    db, run_id = graph_run
    # A corrected date moves a printing into another window and changes who reached abroad.
    correct_issue(db, "iss_a2", date="1908-03-01")
    correct_issue(db, "iss_b2", date="1899-01-01")
    assert_windows_match(db, run_id)
    assert_flow_cells_match(db, run_id)
    for origin in (PARIS, LYON):
        assert listed_reaches(db, run_id, origin, 10) == walked_reaches(db, run_id, origin, 10)

    # A flag changes the statistics, not the printings the window counts.
    assert flag_illustration(db, "a3", reason="not a reprint")
    assert_windows_match(db, run_id)

    # A new illustration joins a cluster through an incremental update.
    write_issues(db, "presse", [issue_record("f1", "berlin", "1901-07-01")])
    region = "https://images.example/iiif/f1/1,2,3,4/max/0/default.jpg"
    replace_illustrations(
        db,
        "pg_f1",
        "whole",
        [IllustrationRecord("f1", "pg_f1", 1, 2, 3, 4, 0.02, 0.9, "whole", "1", region, None)],
    )
    write_edges(db, EDGE_SET.id, ["c1"], ["f1"], np.array([0.9]))
    result = update_clustering(db, run_id=run_id, illustration_ids=["f1"])
    assert result.written >= 1 and not result.full_run
    assert_windows_match(db, run_id)
    assert_flow_cells_match(db, run_id)
    assert listed_reaches(db, run_id, PARIS, 5) == walked_reaches(db, run_id, PARIS, 5)
    joined = explore.ClusterFilter(date_from="1901-07-01", date_to="1901-07-01", window="within")
    assert [c.size for _, c in explore.cluster_page(db, run_id, joined).rows] == [1]


def country_flows(db, run_id: str) -> list:
    return explore.flows(
        db, run_id, explore.FlowFilter(international=True), group_by="country", period="decade"
    )


def test_an_upgrade_carries_printings_on_older_memberships_and_flows(graph_run):
    db, run_id = graph_run
    expected = {repr(w): listed_window(db, run_id, w) for w in WINDOWS}
    reaches = listed_reaches(db, run_id, PARIS, 10)
    flows = country_flows(db, run_id)
    assert reaches and flows
    # A graph written before memberships carried printings and hops countries (version 3).
    db.execute_query(
        "MATCH ()-[r:IN_CLUSTER]->() REMOVE r.run_id, r.leaf, r.date, r.place, r.country, "
        "r.periodical, r.starts, r.starts_in_country"
    )
    db.execute_query("MATCH ()-[f:FLOW]->() REMOVE f.from_country, f.to_country")
    db.execute_query("MATCH (cell:FlowCell) DETACH DELETE cell")
    db.execute_query("MATCH (r:ClusteringRun) REMOVE r.flow_cells")
    db.execute_query("MATCH (p:ClusterPeriod) DETACH DELETE p")
    db.execute_query("MATCH (v:SchemaVersion {name: 'contagions'}) SET v.version = 3")
    assert explore.cluster_count(db, run_id, WINDOWS[0]) == 0
    assert country_flows(db, run_id) == []
    ensure_schema(db)
    assert schema_version(db) == SCHEMA_VERSION
    assert {repr(w): listed_window(db, run_id, w) for w in WINDOWS} == expected
    assert_windows_match(db, run_id)
    assert listed_reaches(db, run_id, PARIS, 10) == reaches
    assert country_flows(db, run_id) == flows


def test_an_upgrade_writes_the_period_statistics_of_older_clusters(graph_run):
    db, run_id = graph_run
    expected = {repr(w): listed_window(db, run_id, w) for w in WINDOWS}
    # A graph of schema version 4: printings on memberships, no statistics per period.
    db.execute_query("MATCH (p:ClusterPeriod) DETACH DELETE p")
    db.execute_query("MATCH (v:SchemaVersion {name: 'contagions'}) SET v.version = 4")
    assert explore.cluster_count(db, run_id, DECADE) == 0  # the decade reads the periods
    ensure_schema(db)
    assert schema_version(db) == SCHEMA_VERSION
    assert {repr(w): listed_window(db, run_id, w) for w in WINDOWS} == expected
    assert explore.cluster_count(db, run_id, DECADE) > 0

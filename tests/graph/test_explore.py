"""Read-side graph queries on a small graph with known answers; `reached_within` is checked
against `ml.circulation.reached_within`, its reference."""

from __future__ import annotations

from datetime import date

import pytest

from graph import explore
from ml.circulation import Appearance
from ml.circulation import reached_within as reference_reached_within
from tests.support.explore_graph import (
    BA,
    BERLIN,
    LYON,
    PARIS,
    build_explore_graph,
    by_first_member,
)


@pytest.fixture
def graph_run(clean_graph):
    return clean_graph, build_explore_graph(clean_graph)


def test_cluster_page_sorts_filters_and_paginates(graph_run):
    db, run_id = graph_run
    everything = explore.ClusterFilter()
    first = explore.cluster_page(db, run_id, everything, "size", True, first=2)
    assert [(v, c.size) for v, c in first.rows] == [(4, 4), (3, 3)]
    assert first.has_next is True
    end_value, end = first.rows[-1]
    rest = explore.cluster_page(db, run_id, everything, "size", True, 2, (end_value, end.id))
    assert [c.size for _, c in rest.rows] == [2, 2] and rest.has_next is False
    ids = [c.id for _, c in first.rows + rest.rows]
    assert len(set(ids)) == 4 and explore.cluster_count(db, run_id, everything) == 4

    by_date = explore.cluster_page(db, run_id, everything, "first_date", False, first=10)
    assert [v for v, _ in by_date.rows] == ["1900-01-01", "1901-03-01", "1903-01-01", "1904-02-29"]
    by_countries = explore.cluster_page(db, run_id, everything, "n_countries", True, first=10)
    assert [v for v, _ in by_countries.rows] == [3, 3, 2, 2]

    in_lyon = explore.ClusterFilter(place=LYON)
    assert [c.size for _, c in explore.cluster_page(db, run_id, in_lyon).rows] == [4]
    german_1901 = explore.ClusterFilter(country="DE", date_from="1901-01-01", date_to="1901-12-31")
    assert [c.first_date for _, c in explore.cluster_page(db, run_id, german_1901).rows] == [
        "1901-03-01"
    ]
    assert explore.cluster_count(db, run_id, explore.ClusterFilter(min_size=3)) == 2
    assert explore.cluster_count(db, run_id, explore.ClusterFilter(flagged=True)) == 0


def test_a_within_window_counts_only_its_printings(graph_run):
    db, run_id = graph_run
    clusters = by_first_member(db, run_id)
    early = dict(date_from="1900-01-01", date_to="1901-12-31")
    present = explore.cluster_page(db, run_id, explore.ClusterFilter(**early), "n_countries", True)
    assert [(c.id, c.n_countries, c.size) for _, c in present.rows] == [
        (clusters["a1"].id, 3, 4),
        (clusters["b1"].id, 3, 3),
    ]
    within = explore.ClusterFilter(**early, window="within")
    page = explore.cluster_page(db, run_id, within, "n_countries", True)
    assert [
        (v, c.id, c.size, c.n_places, c.first_date, c.last_date, c.span_days) for v, c in page.rows
    ] == [
        (2, clusters["a1"].id, 3, 3, "1900-01-01", "1900-06-01", 151),
        (1, clusters["b1"].id, 1, 1, "1901-03-01", "1901-03-01", 0),
    ]
    assert explore.cluster_count(db, run_id, within) == 2

    late = explore.ClusterFilter(date_from="1905-01-01", date_to="1910-12-31", window="within")
    first = explore.cluster_page(db, run_id, late, "n_countries", True, first=2)
    assert [(v, c.id) for v, c in first.rows] == [
        (2, clusters["b1"].id),
        *sorted([(1, clusters["c1"].id), (1, clusters["e1"].id)])[:1],
    ]
    end_value, end = first.rows[-1]
    rest = explore.cluster_page(db, run_id, late, "n_countries", True, 2, (end_value, end.id))
    assert len(rest.rows) == 1 and rest.has_next is False
    # Conditions pick the clusters; the statistics stay those of the whole window.
    french = explore.ClusterFilter(
        date_from="1905-01-01", date_to="1910-12-31", country="FR", window="within"
    )
    assert [
        (c.id, c.size, c.n_countries) for _, c in explore.cluster_page(db, run_id, french).rows
    ] == [(clusters["b1"].id, 2, 2)]
    assert explore.cluster_count(db, run_id, french) == 1


def test_members_appearances_hops(graph_run):
    db, run_id = graph_run
    clusters = by_first_member(db, run_id)
    a = clusters["a1"]
    assert (a.size, a.n_places, a.n_countries, a.first_date, a.last_date, a.span_days) == (
        4,
        4,
        3,
        "1900-01-01",
        "1902-01-01",
        730,
    )
    pages = explore.member_pages(db, [(a.id, None, 2), (a.id, "a2", 2)])
    assert pages == [(["a1", "a2"], True), (["a3", "a4"], False)]
    appearances = explore.appearances_of(db, [a.id])[a.id]
    assert [(x.illustration_id, x.date, x.place_name) for x in appearances] == [
        ("a1", "1900-01-01", "Paris"),
        ("a2", "1900-06-01", "Berlin"),
        ("a4", "1900-06-01", "Lyon"),
        ("a3", "1902-01-01", "Buenos Aires"),
    ]
    hops = explore.hops_of(db, [a.id])[a.id]
    assert [
        (h.origin_name, h.destination_name, h.lag_days, h.lag_from_first_days) for h in hops
    ] == [
        ("Paris", "Berlin", 151, 151),
        ("Paris", "Lyon", 151, 151),
        ("Berlin", "Buenos Aires", 579, 730),
        ("Lyon", "Buenos Aires", 579, 730),
    ]


def test_first_appearance_and_appearance_pages(graph_run):
    db, run_id = graph_run
    clusters = by_first_member(db, run_id)
    a, b = clusters["a1"], clusters["b1"]
    firsts = explore.first_appearances_of(db, [a.id, b.id, "nope"])
    assert set(firsts) == {a.id, b.id}
    assert (
        firsts[a.id].illustration_id,
        firsts[a.id].date,
        firsts[a.id].place_name,
        firsts[a.id].country_code,
        firsts[a.id].periodical_title,
    ) == (
        "a1",
        "1900-01-01",
        "Paris",
        "FR",
        "Journal de Paris",
    )
    assert (firsts[b.id].illustration_id, firsts[b.id].place_name) == ("b1", "Berlin")

    first_pages = explore.appearance_pages(db, [(a.id, None, 2), (b.id, None, 5)])
    assert [x.illustration_id for _, x in first_pages[0].rows] == ["a1", "a2"]
    assert first_pages[0].has_next is True
    assert [x.illustration_id for _, x in first_pages[1].rows] == ["b1", "b2", "b3"]
    assert first_pages[1].has_next is False
    end_value, end = first_pages[0].rows[-1]
    (rest,) = explore.appearance_pages(db, [(a.id, (end_value, end.illustration_id), 2)])
    # a2 and a4 share 1900-06-01: the page boundary falls between them, by illustration id.
    assert [(v, x.illustration_id) for v, x in rest.rows] == [
        ("1900-06-01", "a4"),
        ("1902-01-01", "a3"),
    ]
    assert rest.has_next is False


def test_illustrations_in_context_and_neighbours(graph_run):
    db, run_id = graph_run
    found = explore.illustrations_by_ids(db, ["a2", "nope"])
    assert list(found) == ["a2"]
    a2 = found["a2"]
    assert (a2.place_name, a2.country_code, a2.periodical_title, a2.issue_label) == (
        "Berlin",
        "DE",
        "Journal de Berlin",
        "No a2",
    )
    assert (a2.page_number, a2.canvas_id, a2.manifest_uri, a2.xywh) == (
        3,
        "https://iiif.example/a2/canvas/1",
        "https://iiif.example/a2/manifest",
        "100,200,300,400",
    )
    assert explore.neighbours_of(db, ["a1", "d1"], limit=5) == {
        "a1": [("a2", 0.9), ("a4", 0.85)],
        "d1": [],
    }
    leaves = explore.leaf_clusters_of(db, ["a1", "a4", "d1"], run_id)
    assert set(leaves) == {"a1", "a4"} and leaves["a1"] == leaves["a4"]
    assert explore.flag_illustration(db, "d1", "masthead") is True
    assert explore.flag_illustration(db, "zz", "masthead") is False
    assert explore.flagged_among(db, ["a1", "d1"]) == {"d1"}


def test_flows_aggregate(graph_run):
    db, run_id = graph_run
    rows = explore.flows(db, run_id, explore.FlowFilter())
    assert [(f.origin_name, f.destination_name, f.hops, f.clusters) for f in rows] == [
        ("Paris", "Buenos Aires", 3, 3),
        ("Berlin", "Paris", 1, 1),
        ("Berlin", "Buenos Aires", 1, 1),
        ("Paris", "Berlin", 1, 1),
        ("Paris", "Lyon", 1, 1),
        ("Lyon", "Buenos Aires", 1, 1),
    ]
    # b2 -> b3: 1036 days, c1 -> c2: 2708, e1 -> e2: 1826.
    assert rows[0].mean_lag_days == pytest.approx((1036 + 2708 + 1826) / 3)
    assert (rows[0].origin_country, rows[0].destination_latitude) == ("FR", -34.61)
    french = explore.flows(db, run_id, explore.FlowFilter(from_country="FR", max_lag_days=200))
    assert [(f.origin_name, f.destination_name) for f in french] == [
        ("Paris", "Berlin"),
        ("Paris", "Lyon"),
    ]
    assert rows[0].median_lag_days == pytest.approx(1826)


def test_country_flows_weight_lags_by_hops(graph_run):
    db, run_id = graph_run
    rows = explore.flows(db, run_id, explore.FlowFilter(), group_by="country")
    assert [(f.origin_country, f.destination_country, f.hops, f.clusters) for f in rows] == [
        ("FR", "AR", 4, 4),
        ("DE", "AR", 1, 1),
        ("DE", "FR", 1, 1),
        ("FR", "DE", 1, 1),
        ("FR", "FR", 1, 1),
    ]
    # Paris -> BA (1036, 2708, 1826) and Lyon -> BA (579), each hop counting once.
    assert rows[0].mean_lag_days == pytest.approx((1036 + 2708 + 1826 + 579) / 4)
    assert rows[0].median_lag_days == pytest.approx((1036 + 1826) / 2)
    assert (rows[0].origin_id, rows[0].origin_country_name) == (None, "France")
    abroad = explore.flows(db, run_id, explore.FlowFilter(international=True), group_by="country")
    assert ("FR", "FR") not in {(f.origin_country, f.destination_country) for f in abroad}
    assert len(abroad) == 4


def test_flow_matrix_by_decade_and_year(graph_run):
    db, run_id = graph_run
    rows = explore.flows(db, run_id, explore.FlowFilter(), group_by="country", period="decade")
    assert [(f.period, f.origin_country, f.destination_country, f.hops) for f in rows] == [
        (1900, "FR", "AR", 3),
        (1900, "DE", "AR", 1),
        (1900, "DE", "FR", 1),
        (1900, "FR", "DE", 1),
        (1900, "FR", "FR", 1),
        (1910, "FR", "AR", 1),
    ]
    yearly = explore.flows(
        db, run_id, explore.FlowFilter(to_country="AR"), group_by="place", period="year"
    )
    assert [(f.period, f.origin_name, f.hops) for f in yearly] == [
        (1902, "Berlin", 1),
        (1902, "Lyon", 1),
        (1908, "Paris", 1),
        (1909, "Paris", 1),
        (1910, "Paris", 1),
    ]


def test_missing_references(graph_run):
    db, _ = graph_run
    assert explore.missing_references(
        db,
        places=[PARIS, "Paris"],
        countries=["FR", "XX"],
        periodicals=["per_paris", "x"],
        corpora=["presse", "nope"],
    ) == ({"Paris"}, {"XX"}, {"x"}, {"nope"})
    assert explore.missing_references(db) == (set(), set(), set(), set())


def _reference_clusters(db, run_id):
    clusters = by_first_member(db, run_id)
    appearances = explore.appearances_of(db, [c.id for c in clusters.values()])
    return {
        cid: [
            Appearance(
                x.illustration_id,
                date.fromisoformat(x.date),
                x.date_precision,
                x.place_id,
                x.country_code,
                x.periodical_id,
                x.issue_id,
            )
            for x in rows
        ]
        for cid, rows in appearances.items()
    }


@pytest.mark.parametrize(
    ("origin", "destination", "years", "level"),
    [
        (PARIS, BA, 5, "place"),
        (PARIS, BA, 10, "place"),
        (PARIS, BERLIN, 1, "place"),
        (BERLIN, PARIS, 4, "place"),
        (BERLIN, PARIS, 3, "place"),
        ("FR", "AR", 5, "country"),
        ("DE", "AR", 7, "country"),
        (LYON, BA, 5, "place"),
    ],
)
def test_reached_within_matches_the_reference(graph_run, origin, destination, years, level):
    db, run_id = graph_run
    reference = reference_reached_within(
        _reference_clusters(db, run_id), origin, destination, years, level
    )
    ends = explore.Location(level, origin), explore.Location(level, destination)
    got = explore.reached_within(db, run_id, *ends, years)
    expected = sorted(
        (r.cluster_key, r.origin_date.isoformat(), r.arrival_date.isoformat(), r.lag_days)
        for r in reference
    )
    assert (
        sorted((r.cluster_id, r.origin_date, r.arrival_date, r.lag_days) for r in got) == expected
    )


def test_reached_within_known_answer(graph_run):
    db, run_id = graph_run
    clusters = by_first_member(db, run_id)
    paris, ba = explore.Location("place", PARIS), explore.Location("place", BA)
    got = explore.reached_within(db, run_id, paris, ba, 5)
    # c1 -> c2 takes more than five years; e1 (29 February 1904) -> e2 (28 February 1909) does not.
    assert [(r.cluster_id, r.lag_days) for r in got] == [
        (clusters["a1"].id, 730),
        (clusters["e1"].id, 1826),
    ]


def test_reached_within_mixes_levels_and_names_both_ends(graph_run):
    db, run_id = graph_run
    clusters = by_first_member(db, run_id)
    paris = explore.Location("place", PARIS)
    to_argentina = explore.reached_within(db, run_id, paris, explore.Location("country", "AR"), 5)
    assert [
        (r.cluster_id, r.lag_days, r.destination_place_name, r.arrival_illustration)
        for r in to_argentina
    ] == [
        (clusters["a1"].id, 730, "Buenos Aires", "a3"),
        (clusters["e1"].id, 1826, "Buenos Aires", "e2"),
    ]
    assert (
        to_argentina[0].origin_place_name,
        to_argentina[0].origin_country,
        to_argentina[0].origin_illustration,
    ) == ("Paris", "FR", "a1")
    abroad = explore.Location("other_country")
    within_a_year = explore.reached_within(db, run_id, paris, abroad, 1)
    assert [
        (r.cluster_id, r.lag_days, r.destination_place_name, r.destination_country)
        for r in within_a_year
    ] == [(clusters["a1"].id, 151, "Berlin", "DE")]
    from_germany = explore.reached_within(db, run_id, explore.Location("country", "DE"), abroad, 5)
    assert [(r.cluster_id, r.lag_days, r.destination_place_name) for r in from_germany] == [
        (clusters["b1"].id, 1461, "Paris"),
    ]
    from_argentina = explore.reached_within(
        db, run_id, explore.Location("country", "AR"), abroad, 50
    )
    assert from_argentina == []


def test_catalogue(graph_run):
    db, _ = graph_run
    titles = [(p.title, p.issues) for p in explore.periodicals(db, corpus="presse")]
    assert titles == [
        ("Journal de Berlin", 2),
        ("Journal de Buenos Aires", 4),
        ("Journal de Lyon", 2),
        ("Journal de Paris", 4),
    ]
    first = explore.issue_page(db, "per_paris", first=3)
    assert [i.date for _, i in first.rows] == ["1900-01-01", "1903-01-01", "1904-02-29"]
    last_value, last = first.rows[-1]
    rest = explore.issue_page(db, "per_paris", first=3, after=(last_value, last.id))
    assert [i.date for _, i in rest.rows] == ["1905-03-01"] and rest.has_next is False
    assert explore.issue_count(db, "per_paris") == 4
    assert [(p.name, p.issues) for p in explore.places(db, country="FR")] == [
        ("Paris", 4),
        ("Lyon", 2),
    ]
    assert [(c.code, c.places, c.issues) for c in explore.countries(db)] == [
        ("FR", 2, 6),
        ("AR", 1, 4),
        ("DE", 1, 2),
    ]


def test_export_rows_stream_a_selection(graph_run):
    db, run_id = graph_run
    clusters = by_first_member(db, run_id)
    by_ids = list(explore.export_rows(db, explore.ExportSelection(ids=("c2", "d1", "a1")), run_id))
    assert [(r["id"], r["cluster_id"]) for r in by_ids] == [
        ("c2", clusters["c1"].id),
        ("d1", None),
        ("a1", clusters["a1"].id),
    ]
    in_cluster = explore.export_rows(db, explore.ExportSelection(cluster=clusters["b1"].id), run_id)
    assert [r["id"] for r in in_cluster] == ["b1", "b2", "b3"]
    french = explore.ExportSelection(within_run=run_id, country="FR", date_to="1903-12-31")
    assert [r["id"] for r in explore.export_rows(db, french, run_id)] == ["a1", "a4", "c1"]
    everything = explore.export_rows(db, explore.ExportSelection(place=LYON), None)
    assert [(r["id"], r["cluster_id"]) for r in everything] == [("d1", None), ("a4", None)]

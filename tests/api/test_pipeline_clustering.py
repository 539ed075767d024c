"""Clustering runs on a small graph with known answers: components, giants, stats, flows,
curation that survives a new run."""

import numpy as np
import pytest

from api.pipeline.clustering import ClusterParams, run_clustering
from api.pipeline.curation import apply_decision
from graph.errors import ValidationError
from graph.illustrations import replace_illustrations
from graph.ingest import write_issues
from graph.records import (
    CountryRecord,
    IllustrationRecord,
    IssueRecord,
    PageRecord,
    PeriodicalRecord,
    PlaceRecord,
)
from graph.similarity import EdgeSet, create_edge_set, write_edges
from ml.curation import FlagCluster, NameCluster

PLACES = {
    "paris": PlaceRecord("geonames:2988507", "Paris", CountryRecord("FR", "France"), 48.85, 2.35),
    "berlin": PlaceRecord("geonames:2950159", "Berlin", CountryRecord("DE", "Germany"), 52.5, 13.4),
    "ba": PlaceRecord(
        "geonames:3435910", "Buenos Aires", CountryRecord("AR", "Argentina"), -34.6, -58.4
    ),
}
# illustration -> (place, date)
PRINTS = {
    "a1": ("paris", "1900-01-01"),
    "a2": ("berlin", "1900-06-01"),
    "a3": ("ba", "1902-01-01"),
    "b1": ("berlin", "1901-03-01"),
    "b2": ("paris", "1905-03-01"),
    "c1": ("ba", "1903-01-01"),
}
EDGES = [("a1", "a2", 0.9), ("a2", "a3", 0.8), ("b1", "b2", 0.7), ("a3", "b1", 0.55)]
EDGE_SET = EdgeSet("es_test", "model_test", k=8, min_score=0.5, corpus="c")


def issue(name, place, when):
    page = PageRecord(f"pg_{name}", f"canvas/{name}", 1, None, 1000, 1000, None, None, None, None)
    return IssueRecord(
        id=f"iss_{name}",
        manifest_uri=f"https://x/{name}",
        label=name,
        date=when,
        date_precision="day",
        date_raw=when,
        date_source="navDate",
        language=None,
        place=PLACES[place],
        place_raw=place,
        periodical=PeriodicalRecord(f"per_{place}", f"Journal de {place}", "self"),
        presentation_version=3,
        pages=(page,),
    )


@pytest.fixture
def small_graph(clean_graph):
    write_issues(clean_graph, "c", [issue(n, p, d) for n, (p, d) in PRINTS.items()])
    for name in PRINTS:
        ill = IllustrationRecord(
            name, f"pg_{name}", 0, 0, 100, 100, 0.01, 1.0, "whole", "1", None, None
        )
        replace_illustrations(clean_graph, f"pg_{name}", "whole", [ill])
    create_edge_set(clean_graph, EDGE_SET)
    a, b, s = zip(*EDGES, strict=True)
    assert write_edges(clean_graph, EDGE_SET.id, a, b, np.array(s)) == 4
    return clean_graph


def leaves(db, run_id):
    records, _, _ = db.execute_query(
        "MATCH (c:Cluster {run_id: $run, leaf: true})<-[:IN_CLUSTER]-(i) "
        "WITH c, collect(i.id) AS m RETURN c, m ORDER BY c.size DESC",
        run=run_id,
    )
    return [(sorted(r["m"]), dict(r["c"])) for r in records]


def test_components_stats_and_flows(small_graph):
    result = run_clustering(small_graph, edge_set=EDGE_SET, params=ClusterParams(threshold=0.6))
    assert (result.leaves, result.clustered_illustrations) == (2, 5)
    (a_members, a), (b_members, _) = leaves(small_graph, result.run_id)
    assert a_members == ["a1", "a2", "a3"] and b_members == ["b1", "b2"]
    assert (a["size"], a["n_places"], a["n_countries"], a["n_periodicals"]) == (3, 3, 3, 3)
    assert (a["first_date"], a["last_date"], a["span_days"]) == ("1900-01-01", "1902-01-01", 730)
    records, _, _ = small_graph.execute_query(
        "MATCH (o:Place)-[f:FLOW {run: $run}]->(d:Place) "
        "RETURN o.name AS o, d.name AS d, f.lag_days AS lag ORDER BY f.to_date",
        run=result.run_id,
    )
    assert [tuple(r.values()) for r in records] == [
        ("Paris", "Berlin", 151),
        ("Berlin", "Buenos Aires", 579),
        ("Berlin", "Paris", 1461),
    ]
    assert result.flows == 3


def test_giant_components_are_split_with_parent_links(small_graph):
    result = run_clustering(
        small_graph,
        edge_set=EDGE_SET,
        params=ClusterParams(threshold=0.5, giant_size=4, threshold_step=0.05),
    )
    records, _, _ = small_graph.execute_query(
        "MATCH (p:Cluster {run_id: $run})-[:HAS_CHILD]->(c:Cluster) "
        "RETURN p.size AS parent, p.leaf AS parent_leaf, collect(c.size) AS children",
        run=result.run_id,
    )
    assert len(records) == 1
    assert records[0]["parent"] == 5 and records[0]["parent_leaf"] is False
    assert sorted(records[0]["children"]) == [2, 3]


def test_threshold_below_the_edge_set_is_refused(small_graph):
    with pytest.raises(ValidationError, match="below the edge set"):
        run_clustering(small_graph, edge_set=EDGE_SET, params=ClusterParams(threshold=0.3))


def test_curation_survives_a_new_run(small_graph):
    first = run_clustering(small_graph, edge_set=EDGE_SET, params=ClusterParams(threshold=0.6))
    applied = apply_decision(
        small_graph,
        run_id=first.run_id,
        decision=NameCluster(frozenset({"a1", "a2", "a3"}), "Le Rêve"),
        by="me",
    )
    assert applied.status == "applied"
    apply_decision(
        small_graph,
        run_id=first.run_id,
        decision=FlagCluster(frozenset({"b1", "b2"}), "barcode"),
        by="me",
    )
    (_, a), (_, b) = leaves(small_graph, first.run_id)
    assert (a["name"], b["flagged"], b["flag_reason"]) == ("Le Rêve", True, "barcode")

    second = run_clustering(small_graph, edge_set=EDGE_SET, params=ClusterParams(threshold=0.6))
    assert [o.status for o in second.outcomes] == ["applied", "applied"]
    (_, a2), (_, b2) = leaves(small_graph, second.run_id)
    assert (a2["name"], b2["flag_reason"]) == ("Le Rêve", "barcode")
    # At 0.85 a1-a2 still hold the majority of the named snapshot; b1-b2 fall apart.
    third = run_clustering(small_graph, edge_set=EDGE_SET, params=ClusterParams(threshold=0.85))
    assert [o.status for o in third.outcomes] == ["applied", "orphaned"]
    assert [(m, c["name"]) for m, c in leaves(small_graph, third.run_id)] == [
        (["a1", "a2"], "Le Rêve")
    ]


def snapshot(db, run_id):
    """Leaves as a full run and an update must agree on them (ids aside), and the flows."""
    records, _, _ = db.execute_query(
        "MATCH (c:Cluster {run_id: $run})<-[:IN_CLUSTER]-(i) WITH c, i ORDER BY i.id "
        "WITH c, collect(i.id) AS m "
        "RETURN c.key AS key, c.leaf AS leaf, c.stable_id AS stable, c.name AS name, "
        "c.size AS size, c.n_places AS places, c.n_countries AS countries, "
        "c.first_date AS first, c.span_days AS span, m ORDER BY key",
        run=run_id,
    )
    flows, _, _ = db.execute_query(
        "MATCH (o:Place)-[f:FLOW {run: $run}]->(d:Place) "
        "RETURN o.id AS o, d.id AS d, f.lag_days AS lag ORDER BY o, d, lag",
        run=run_id,
    )
    return [r.data() for r in records], [r.data() for r in flows]


def test_an_update_adds_new_edges_in_place_and_equals_a_full_run(small_graph):
    from api.pipeline.clustering import update_clustering
    from graph.clusters import cluster_by_stable_id

    params = ClusterParams(threshold=0.6)
    first = run_clustering(small_graph, edge_set=EDGE_SET, params=params)
    apply_decision(
        small_graph,
        run_id=first.run_id,
        decision=NameCluster(frozenset({"a1", "a2", "a3"}), "Le Rêve"),
        by="me",
    )
    before = {r["key"]: r for r in snapshot(small_graph, first.run_id)[0]}
    (a_before,) = [r for r in before.values() if r["name"] == "Le Rêve"]
    (b_before,) = [r for r in before.values() if r["m"] == ["b1", "b2"]]

    # c1 gets its neighbours: it joins the named cluster.
    write_edges(small_graph, EDGE_SET.id, ["a3"], ["c1"], np.array([0.75]))
    result = update_clustering(small_graph, run_id=first.run_id, illustration_ids=["c1"])
    assert (result.written, result.removed, result.kept, result.full_run) == (1, 1, 1, False)

    updated, updated_flows = snapshot(small_graph, first.run_id)
    (a_after,) = [r for r in updated if r["name"] == "Le Rêve"]
    assert a_after["m"] == ["a1", "a2", "a3", "c1"] and a_after["size"] == 4
    assert a_after["stable"] == a_before["stable"]  # the bookmark survives the update
    assert b_before in updated  # untouched: same key, same stats

    second = run_clustering(small_graph, edge_set=EDGE_SET, params=params)
    again, again_flows = snapshot(small_graph, second.run_id)
    assert again == updated and again_flows == updated_flows
    # The stable id now resolves to the new run's version of the cluster.
    (a_again,) = [r for r in again if r["name"] == "Le Rêve"]
    assert cluster_by_stable_id(small_graph, a_before["stable"]) == (
        f"{second.run_id}:{a_again['key']}"
    )


def test_an_update_of_a_giant_resplits_it_like_a_full_run(small_graph):
    from api.pipeline.clustering import update_clustering

    params = ClusterParams(threshold=0.5, giant_size=4, threshold_step=0.05)
    first = run_clustering(small_graph, edge_set=EDGE_SET, params=params)
    write_edges(small_graph, EDGE_SET.id, ["b2"], ["c1"], np.array([0.72]))
    result = update_clustering(small_graph, run_id=first.run_id, illustration_ids=["c1"])
    assert not result.full_run
    second = run_clustering(small_graph, edge_set=EDGE_SET, params=params)
    updated, again = snapshot(small_graph, first.run_id), snapshot(small_graph, second.run_id)
    assert updated == again
    assert any(r["m"] == ["b1", "b2", "c1"] for r in updated[0])


def test_an_update_recurates_what_a_decision_links_to_a_changed_cluster(small_graph):
    """A merge decision ties the untouched b cluster to the a cluster that grows: the update
    re-applies it to both (``ml.curation.reach``) and ends where a full run does."""
    from api.pipeline.clustering import update_clustering
    from ml.curation import MergeClusters

    params = ClusterParams(threshold=0.6)
    first = run_clustering(small_graph, edge_set=EDGE_SET, params=params)
    merge = MergeClusters((frozenset({"a1", "a2", "a3"}), frozenset({"b1", "b2"})))
    apply_decision(small_graph, run_id=first.run_id, decision=merge, by="me")
    name = NameCluster(frozenset({"a1", "a2", "a3", "b1", "b2"}), "Le Rêve et la Vie")
    apply_decision(small_graph, run_id=first.run_id, decision=name, by="me")

    write_edges(small_graph, EDGE_SET.id, ["a3"], ["c1"], np.array([0.75]))
    result = update_clustering(small_graph, run_id=first.run_id, illustration_ids=["c1"])
    assert not result.full_run and result.written == 1 and result.removed == 1
    updated = snapshot(small_graph, first.run_id)
    (merged,) = [r for r in updated[0] if r["leaf"]]
    assert merged["m"] == ["a1", "a2", "a3", "b1", "b2", "c1"]
    assert merged["name"] == "Le Rêve et la Vie" and merged["size"] == 6

    second = run_clustering(small_graph, edge_set=EDGE_SET, params=params)
    assert snapshot(small_graph, second.run_id) == updated


def cluster_of_a1(db, run_id):
    records, _, _ = db.execute_query(
        "MATCH (:Illustration {id: 'a1'})-[:IN_CLUSTER]->(c:Cluster {run_id: $run, leaf: true}) "
        "RETURN c.id AS id, c.n_places AS places, c.n_countries AS countries, "
        "c.first_date AS first, c.last_date AS last, c.span_days AS span",
        run=run_id,
    )
    return records[0].data()


def flows_of(db, cluster_id):
    records, _, _ = db.execute_query(
        "MATCH (o:Place)-[f:FLOW {cluster: $c}]->(d:Place) "
        "RETURN o.name AS o, d.name AS d, f.lag_days AS lag ORDER BY f.to_date",
        c=cluster_id,
    )
    return [tuple(r.values()) for r in records]


def test_a_place_correction_changes_counts_hops_and_flows_at_once(small_graph):
    from api.pipeline.corrections import correct_issue
    from graph.explore import FlowFilter, flows, hops_of

    run = run_clustering(small_graph, edge_set=EDGE_SET, params=ClusterParams(threshold=0.6))
    before = cluster_of_a1(small_graph, run.run_id)
    assert (before["places"], before["countries"]) == (3, 3)
    correct_issue(small_graph, "iss_a2", place="Lyon")
    after = cluster_of_a1(small_graph, run.run_id)
    assert (after["places"], after["countries"]) == (3, 2)  # Paris, Lyon, Buenos Aires
    assert flows_of(small_graph, after["id"]) == [
        ("Paris", "Lyon", 151),
        ("Lyon", "Buenos Aires", 579),
    ]
    hops = hops_of(small_graph, [after["id"]])[after["id"]]
    expected = [("Paris", "Lyon"), ("Lyon", "Buenos Aires")]
    assert [(h.origin_name, h.destination_name) for h in hops] == expected
    aggregated = {
        (f.origin_name, f.destination_name) for f in flows(small_graph, run.run_id, FlowFilter())
    }
    assert ("Paris", "Berlin") not in aggregated and ("Paris", "Lyon") in aggregated

    correct_issue(small_graph, "iss_a3", date="1899")
    dated = cluster_of_a1(small_graph, run.run_id)
    assert (dated["first"], dated["last"], dated["span"]) == ("1899-01-01", "1900-06-01", 516)
    assert flows_of(small_graph, after["id"])[0][:2] == ("Buenos Aires", "Paris")


def test_a_flagged_illustration_leaves_counts_and_flows(small_graph):
    from api.pipeline.freshness import flag_illustration

    run = run_clustering(small_graph, edge_set=EDGE_SET, params=ClusterParams(threshold=0.6))
    assert flag_illustration(small_graph, "a3", reason="masthead")
    after = cluster_of_a1(small_graph, run.run_id)
    assert (after["places"], after["last"]) == (2, "1900-06-01")
    assert flows_of(small_graph, after["id"]) == [("Paris", "Berlin", 151)]
    assert flag_illustration(small_graph, "a3", reason=None, flagged=False)
    assert cluster_of_a1(small_graph, run.run_id)["places"] == 3
    assert not flag_illustration(small_graph, "zz", reason="x")

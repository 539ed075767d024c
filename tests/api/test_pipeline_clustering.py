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
    "ba": PlaceRecord("geonames:3435910", "Buenos Aires", CountryRecord("AR", "Argentina"),
                      -34.6, -58.4),
}  # fmt: skip
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
        id=f"iss_{name}", manifest_uri=f"https://x/{name}", label=name, date=when,
        date_precision="day", date_raw=when, date_source="navDate", language=None,
        place=PLACES[place], place_raw=place,
        periodical=PeriodicalRecord(f"per_{place}", f"Journal de {place}", "self"),
        presentation_version=3, pages=(page,),
    )  # fmt: skip


@pytest.fixture
def small_graph(clean_graph):
    write_issues(clean_graph, "c", [issue(n, p, d) for n, (p, d) in PRINTS.items()])
    for name in PRINTS:
        ill = IllustrationRecord(name, f"pg_{name}", 0, 0, 100, 100, 0.01, 1.0, "whole", "1",
                                 None, None)  # fmt: skip
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
        ("Paris", "Berlin", 151), ("Berlin", "Buenos Aires", 579), ("Berlin", "Paris", 1461),
    ]  # fmt: skip
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

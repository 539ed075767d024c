"""The explore graph: a small graph with known answers, shared by graph and API tests.

Four places (Paris, Lyon, Berlin, Buenos Aires), twelve printings with dates, one edge set and
a clustering run at 0.6; `tests/graph/test_explore.py` checks the reads against it,
`ml.circulation` being the reference for `reached_within`.
"""

from __future__ import annotations

import numpy as np

from api.pipeline.clustering import ClusterParams, run_clustering
from graph import explore
from graph.db import GraphDB
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

PARIS, LYON, BERLIN, BA = (
    "geonames:2988507",
    "geonames:2996944",
    "geonames:2950159",
    "geonames:3435910",
)
PLACES = {
    "paris": PlaceRecord(PARIS, "Paris", CountryRecord("FR", "France"), 48.85, 2.35),
    "lyon": PlaceRecord(LYON, "Lyon", CountryRecord("FR", "France"), 45.75, 4.85),
    "berlin": PlaceRecord(BERLIN, "Berlin", CountryRecord("DE", "Germany"), 52.52, 13.41),
    "ba": PlaceRecord(BA, "Buenos Aires", CountryRecord("AR", "Argentina"), -34.61, -58.38),
}
# illustration -> (place, date); one issue and one page per illustration.
PRINTS = {
    "a1": ("paris", "1900-01-01"),
    "a2": ("berlin", "1900-06-01"),
    "a3": ("ba", "1902-01-01"),
    "a4": ("lyon", "1900-06-01"),
    "b1": ("berlin", "1901-03-01"),
    "b2": ("paris", "1905-03-01"),
    "b3": ("ba", "1908-01-01"),
    "c1": ("paris", "1903-01-01"),
    "c2": ("ba", "1910-06-01"),
    "d1": ("lyon", "1899-05-01"),
    "e1": ("paris", "1904-02-29"),
    "e2": ("ba", "1909-02-28"),
}
EDGES = [
    ("a1", "a2", 0.9),
    ("a2", "a3", 0.8),
    ("a1", "a4", 0.85),
    ("b1", "b2", 0.7),
    ("b2", "b3", 0.75),
    ("c1", "c2", 0.65),
    ("e1", "e2", 0.95),
    ("a3", "b1", 0.55),
]
EDGE_SET = EdgeSet("es_explore", "model_test", k=8, min_score=0.5, corpus="presse")


def issue_record(name: str, place: str, when: str) -> IssueRecord:
    page = PageRecord(
        f"pg_{name}",
        f"https://iiif.example/{name}/canvas/1",
        3,
        None,
        2000,
        3000,
        None,
        f"https://images.example/iiif/{name}",
        "3",
        2,
    )
    return IssueRecord(
        id=f"iss_{name}",
        manifest_uri=f"https://iiif.example/{name}/manifest",
        label=f"No {name}",
        date=when,
        date_precision="day",
        date_raw=when,
        date_source="navDate",
        language="fr",
        place=PLACES[place],
        place_raw=place,
        periodical=PeriodicalRecord(f"per_{place}", f"Journal de {PLACES[place].name}", "self"),
        presentation_version=3,
        pages=(page,),
        publication_type="newspaper",
    )


def build_explore_graph(db: GraphDB) -> str:
    """Write the graph above, cluster it at 0.6 and return the run id."""
    write_issues(db, "presse", [issue_record(n, p, d) for n, (p, d) in PRINTS.items()])
    for name in PRINTS:
        region = f"https://images.example/iiif/{name}/100,200,300,400/max/0/default.jpg"
        thumb = f"https://images.example/iiif/{name}/100,200,300,400/!256,256/0/default.jpg"
        ill = IllustrationRecord(
            name, f"pg_{name}", 100, 200, 300, 400, 0.02, 0.9, "whole", "1", region, thumb
        )
        replace_illustrations(db, f"pg_{name}", "whole", [ill])
    create_edge_set(db, EDGE_SET)
    a, b, s = zip(*EDGES, strict=True)
    write_edges(db, EDGE_SET.id, a, b, np.array(s))
    return run_clustering(db, edge_set=EDGE_SET, params=ClusterParams(threshold=0.6)).run_id


def by_first_member(db: GraphDB, run_id: str) -> dict[str, explore.ClusterSummary]:
    """Leaf clusters keyed by their smallest member id ('a1', 'b1', 'c1', 'e1')."""
    page = explore.cluster_page(db, run_id, explore.ClusterFilter(), first=100)
    clusters = [c for _, c in page.rows]
    members = explore.member_pages(db, [(c.id, None, 100) for c in clusters])
    return {ids[0]: c for c, (ids, _) in zip(clusters, members, strict=True)}

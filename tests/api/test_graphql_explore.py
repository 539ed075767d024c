"""GraphQL against the app with the real Neo4j on a small graph with known answers."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from api.app import create_app
from api.graphql.viewers import decode_content_state
from api.resources import Resources


def _load_graph_module():
    # The small graph lives with the graph tests; the test tree is not a package.
    path = Path(__file__).resolve().parents[1] / "graph" / "test_explore.py"
    spec = importlib.util.spec_from_file_location("explore_graph", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


G = _load_graph_module()


class CountingDriver:
    """The real db, counting the queries sent through it."""

    def __init__(self, db) -> None:
        self.db = db
        self.queries: list[str] = []

    def execute_query(self, query, *args, **kwargs):
        self.queries.append(query)
        return self.db.execute_query(query, *args, **kwargs)

    def session(self, *args, **kwargs):
        self.queries.append("session")
        return self.db.session(*args, **kwargs)

    def close(self) -> None:  # the suite's db outlives the app
        pass


@pytest.fixture
def explored(clean_graph, settings):
    run_id = G.build_explore_graph(clean_graph)
    counting = CountingDriver(clean_graph)
    with TestClient(create_app(settings, Resources(settings, counting))) as client:
        yield client, clean_graph, run_id, counting


def gql(client, query, **variables):
    response = client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


LIST = """
query($where: ClusterWhere, $sort: ClusterSort, $first: Int!, $after: String) {
  clusters(where: $where, sort: $sort, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { size placeCount countryCount firstDate spanDays }
  }
}
"""


def test_cluster_list_sorts_filters_and_paginates(explored):
    client, _, _, _ = explored
    first = gql(client, LIST, first=3, sort={"by": "SIZE", "direction": "DESC"})["clusters"]
    assert [n["size"] for n in first["nodes"]] == [4, 3, 2]
    assert first["totalCount"] == 4 and first["pageInfo"]["hasNextPage"] is True
    rest = gql(client, LIST, first=3, after=first["pageInfo"]["endCursor"])["clusters"]
    assert rest["nodes"] == [{"size": 2, "placeCount": 2, "countryCount": 2,
                              "firstDate": "1904-02-29", "spanDays": 1826}]  # fmt: skip
    assert rest["pageInfo"]["hasNextPage"] is False

    by_date = gql(client, LIST, first=10, sort={"by": "FIRST_DATE", "direction": "ASC"})
    assert [n["firstDate"] for n in by_date["clusters"]["nodes"]] == [
        "1900-01-01", "1901-03-01", "1903-01-01", "1904-02-29",
    ]  # fmt: skip
    by_span = gql(client, LIST, first=10, sort={"by": "SPAN", "direction": "DESC"})
    assert [n["spanDays"] for n in by_span["clusters"]["nodes"]] == [2708, 2497, 1826, 730]
    german = gql(client, LIST, first=10, where={"country": "de", "dateTo": "1900-12-31"})
    assert german["clusters"]["nodes"] == [
        {"size": 4, "placeCount": 4, "countryCount": 3, "firstDate": "1900-01-01", "spanDays": 730}
    ]
    assert german["clusters"]["totalCount"] == 1
    in_lyon = gql(client, LIST, first=10, where={"place": G.LYON, "minSize": 4})
    assert [n["size"] for n in in_lyon["clusters"]["nodes"]] == [4]


DETAIL = """
query($id: ID!) {
  cluster(id: $id) {
    size name parent { id } children { id }
    members(first: 2) { totalCount pageInfo { hasNextPage } edges { node { id flagged
      illustration { place { name } } } } }
    appearances { illustrationId date place { name } country { code } periodical { title } }
    hops { origin { name } destination { name } lagDays fromDate toDate }
    timeSeries { year count }
    geojson
  }
}
"""


def test_cluster_detail(explored):
    client, db, run_id, _ = explored
    a = G.by_first_member(db, run_id)["a1"]
    got = gql(client, DETAIL, id=a.id)["cluster"]
    assert got["members"] == {
        "totalCount": 4, "pageInfo": {"hasNextPage": True},
        "edges": [
            {"node": {"id": "a1", "flagged": False, "illustration": {"place": {"name": "Paris"}}}},
            {"node": {"id": "a2", "flagged": False, "illustration": {"place": {"name": "Berlin"}}}},
        ],
    }  # fmt: skip
    assert [(x["illustrationId"], x["date"], x["country"]["code"]) for x in got["appearances"]] == [
        ("a1", "1900-01-01", "FR"), ("a2", "1900-06-01", "DE"), ("a4", "1900-06-01", "FR"),
        ("a3", "1902-01-01", "AR"),
    ]  # fmt: skip
    assert got["appearances"][0]["periodical"] == {"title": "Journal de Paris"}
    assert got["hops"][0] == {
        "origin": {"name": "Paris"}, "destination": {"name": "Berlin"}, "lagDays": 151,
        "fromDate": "1900-01-01", "toDate": "1900-06-01",
    }  # fmt: skip
    assert got["timeSeries"] == [{"year": 1900, "count": 3}, {"year": 1902, "count": 1}]
    assert got["geojson"]["features"][0] == {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [13.41, 52.52]},
        "properties": {"place_id": G.BERLIN, "name": "Berlin", "country_code": "DE",
                       "count": 1, "first_date": "1900-06-01", "last_date": "1900-06-01"},
    }  # fmt: skip
    assert len(got["geojson"]["features"]) == 4
    assert (got["size"], got["name"], got["parent"], got["children"]) == (4, None, None, [])


ILLUSTRATION = """
query($id: ID!) {
  illustration(id: $id) {
    id date datePrecision pageNumber publicationType xywh iiifRegionUrl
    place { id name latitude } country { code name } periodical { title } issue { label }
    viewInContext { manifestId canvasId contentState miradorUrl universalViewerUrl }
    neighbours(k: 1) { score illustration { id } }
    cluster { size }
  }
}
"""


def test_illustration_in_context(explored):
    client, _, _, _ = explored
    got = gql(client, ILLUSTRATION, id="a1")["illustration"]
    view = got.pop("viewInContext")
    assert got == {
        "id": "a1", "date": "1900-01-01", "datePrecision": "day", "pageNumber": 3,
        "publicationType": "newspaper", "xywh": "100,200,300,400",
        "iiifRegionUrl": "https://images.example/iiif/a1/100,200,300,400/max/0/default.jpg",
        "place": {"id": G.PARIS, "name": "Paris", "latitude": 48.85},
        "country": {"code": "FR", "name": "France"}, "periodical": {"title": "Journal de Paris"},
        "issue": {"label": "No a1"}, "neighbours": [{"score": 0.9, "illustration": {"id": "a2"}}],
        "cluster": {"size": 4},
    }  # fmt: skip
    state = decode_content_state(view["contentState"])
    assert state["target"] == {
        "id": "https://iiif.example/a1/canvas/1#xywh=100,200,300,400", "type": "Canvas",
        "partOf": [{"id": "https://iiif.example/a1/manifest", "type": "Manifest"}],
    }  # fmt: skip
    assert state["motivation"] == ["contentState"] and state["type"] == "Annotation"
    assert view["miradorUrl"].endswith("?iiif-content=" + view["contentState"])
    assert "=" not in view["contentState"] and "+" not in view["contentState"]
    assert gql(client, ILLUSTRATION, id="nope")["illustration"] is None


def test_a_list_of_clusters_costs_a_constant_number_of_queries(explored):
    client, _, _, counting = explored
    query = """{ clusters(first: 20) { nodes { id members(first: 5) { nodes { illustration {
        periodical { title } place { name } } } } appearances { date } hops { lagDays } } } }"""
    counting.queries.clear()
    gql(client, query)
    # latest run, the page, member pages, illustrations, appearances, hops.
    assert len(counting.queries) == 6, counting.queries


def test_flows_and_reached_within(explored):
    client, _, _, _ = explored
    flows = gql(
        client,
        """{ flows(where: {fromCountry: "fr", maxLagDays: 2000}) {
        origin { name } destination { name countryCode } count clusters meanLagDays } }""",
    )
    assert flows["flows"] == [
        {"origin": {"name": "Paris"}, "destination": {"name": "Buenos Aires", "countryCode": "AR"},
         "count": 2, "clusters": 2, "meanLagDays": (1036 + 1826) / 2},
        {"origin": {"name": "Paris"}, "destination": {"name": "Berlin", "countryCode": "DE"},
         "count": 1, "clusters": 1, "meanLagDays": 151.0},
        {"origin": {"name": "Paris"}, "destination": {"name": "Lyon", "countryCode": "FR"},
         "count": 1, "clusters": 1, "meanLagDays": 151.0},
        {"origin": {"name": "Lyon"}, "destination": {"name": "Buenos Aires", "countryCode": "AR"},
         "count": 1, "clusters": 1, "meanLagDays": 579.0},
    ]  # fmt: skip
    query = """query($from: Location!, $to: Location!, $years: Int!) {
        reachedWithin(from: $from, to: $to, years: $years) {
          originDate arrivalDate lagDays cluster { size } } }"""
    reach = gql(client, query, years=5, **{"from": {"place": G.PARIS}, "to": {"place": G.BA}})
    assert reach["reachedWithin"] == [
        {"originDate": "1900-01-01", "arrivalDate": "1902-01-01", "lagDays": 730,
         "cluster": {"size": 4}},
        {"originDate": "1904-02-29", "arrivalDate": "1909-02-28", "lagDays": 1826,
         "cluster": {"size": 2}},
    ]  # fmt: skip
    by_country = gql(
        client, query, years=10, **{"from": {"country": "FR"}, "to": {"country": "AR"}}
    )
    assert [r["lagDays"] for r in by_country["reachedWithin"]] == [730, 1826, 2708]
    mixed = client.post("/graphql", json={"query": query, "variables": {
        "years": 5, "from": {"place": G.PARIS}, "to": {"country": "AR"}}}).json()  # fmt: skip
    assert mixed["errors"][0]["message"] == "from and to must both be places or both be countries"


def test_catalogue(explored):
    client, _, _, _ = explored
    got = gql(
        client,
        """{ periodical(id: "per_paris") { title issueCount firstDate
        issues(first: 2) { totalCount pageInfo { hasNextPage endCursor } nodes { date label
        place { name } } } }
      countries { code name placeCount issueCount }
      places(country: "FR") { name issueCount } }""",
    )
    issues = got["periodical"].pop("issues")
    assert got["periodical"] == {"title": "Journal de Paris", "issueCount": 4,
                                 "firstDate": "1900-01-01"}  # fmt: skip
    assert issues["nodes"] == [
        {"date": "1900-01-01", "label": "No a1", "place": {"name": "Paris"}},
        {"date": "1903-01-01", "label": "No c1", "place": {"name": "Paris"}},
    ]  # fmt: skip
    assert (issues["totalCount"], issues["pageInfo"]["hasNextPage"]) == (4, True)
    assert got["countries"] == [
        {"code": "FR", "name": "France", "placeCount": 2, "issueCount": 6},
        {"code": "AR", "name": "Argentina", "placeCount": 1, "issueCount": 4},
        {"code": "DE", "name": "Germany", "placeCount": 1, "issueCount": 2},
    ]  # fmt: skip
    assert got["places"] == [{"name": "Paris", "issueCount": 4}, {"name": "Lyon", "issueCount": 2}]

"""GraphQL against the app with the real Neo4j on a small graph with known answers."""

from __future__ import annotations

import dataclasses

import pytest
from starlette.testclient import TestClient

from api.app import create_app
from api.graphql.viewers import decode_content_state
from api.resources import Resources
from graph.ingest import write_issues
from tests.support import explore_graph as G
from tests.support.graphql import CountingGraph, gql


@pytest.fixture
def explored(clean_graph, settings):
    run_id = G.build_explore_graph(clean_graph)
    counting = CountingGraph(clean_graph.driver, clean_graph.database)
    with TestClient(create_app(settings, Resources(settings, counting))) as client:
        yield client, clean_graph, run_id, counting


LIST = """
query($where: ClusterWhere, $sort: ClusterSort, $first: Int!, $after: String) {
  clusters(where: $where, sort: $sort, first: $first, after: $after) {
    ... on ClusterConnection {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { size placeCount countryCount firstDate spanDays }
    }
    ... on InvalidInput { message field }
    ... on NotFound { message value }
  }
}
"""


def test_cluster_list_sorts_filters_and_paginates(explored):
    client, _, _, _ = explored
    first = gql(client, LIST, first=3, sort={"by": "SIZE", "direction": "DESC"})["clusters"]
    assert [n["size"] for n in first["nodes"]] == [4, 3, 2]
    assert first["totalCount"] == 4 and first["pageInfo"]["hasNextPage"] is True
    rest = gql(client, LIST, first=3, after=first["pageInfo"]["endCursor"])["clusters"]
    assert rest["nodes"] == [
        {"size": 2, "placeCount": 2, "countryCount": 2, "firstDate": "1904-02-29", "spanDays": 1826}
    ]
    assert rest["pageInfo"]["hasNextPage"] is False

    by_date = gql(client, LIST, first=10, sort={"by": "FIRST_DATE", "direction": "ASC"})
    assert [n["firstDate"] for n in by_date["clusters"]["nodes"]] == [
        "1900-01-01",
        "1901-03-01",
        "1903-01-01",
        "1904-02-29",
    ]
    by_span = gql(client, LIST, first=10, sort={"by": "SPAN", "direction": "DESC"})
    assert [n["spanDays"] for n in by_span["clusters"]["nodes"]] == [2708, 2497, 1826, 730]
    german = gql(client, LIST, first=10, where={"country": "de", "dateTo": "1900-12-31"})
    assert german["clusters"]["nodes"] == [
        {"size": 4, "placeCount": 4, "countryCount": 3, "firstDate": "1900-01-01", "spanDays": 730}
    ]
    assert german["clusters"]["totalCount"] == 1
    in_lyon = gql(client, LIST, first=10, where={"place": G.LYON, "minSize": 4})
    assert [n["size"] for n in in_lyon["clusters"]["nodes"]] == [4]


def test_cluster_windows_present_in_and_within(explored):
    client, _, _, _ = explored
    sort = {"by": "COUNTRIES", "direction": "DESC"}
    window = {"dateFrom": "1900-01-01", "dateTo": "1901-12-31"}
    present = gql(client, LIST, first=10, sort=sort, where={"window": window})["clusters"]
    assert [(n["size"], n["countryCount"]) for n in present["nodes"]] == [(4, 3), (3, 3)]
    within = gql(client, LIST, first=10, sort=sort, where={"window": {**window, "mode": "WITHIN"}})[
        "clusters"
    ]
    assert within["totalCount"] == 2
    assert within["nodes"] == [
        {"size": 3, "placeCount": 3, "countryCount": 2, "firstDate": "1900-01-01", "spanDays": 151},
        {"size": 1, "placeCount": 1, "countryCount": 1, "firstDate": "1901-03-01", "spanDays": 0},
    ]


def test_cluster_list_by_corpus(explored):
    client, db, _, _ = explored
    # The Berlin paper joins a second corpus: its issues a2 and b1 print clusters a and b.
    write_issues(db, "berliner", [G.issue_record("b1", "berlin", "1901-03-01")])
    sort = {"by": "SIZE", "direction": "DESC"}
    berliner = gql(client, LIST, first=10, sort=sort, where={"corpus": "berliner"})["clusters"]
    assert [n["size"] for n in berliner["nodes"]] == [4, 3] and berliner["totalCount"] == 2
    everything = gql(client, LIST, first=10, where={"corpus": "presse"})["clusters"]
    assert everything["totalCount"] == 4
    with_date = gql(client, LIST, first=10, where={"corpus": "berliner", "dateTo": "1900-12-31"})
    assert [n["size"] for n in with_date["clusters"]["nodes"]] == [4]
    # Within 1901-: cluster a's only Berlin printing (1900) is outside; b counts all three of
    # its printings in the window, not only the corpus' one.
    window = {"dateFrom": "1901-01-01", "mode": "WITHIN"}
    within = gql(client, LIST, first=10, where={"corpus": "berliner", "window": window})
    assert [n["size"] for n in within["clusters"]["nodes"]] == [3]


@pytest.mark.parametrize(
    ("where", "first", "after", "refusal"),
    [
        (
            {"dateFrom": "1900"},
            10,
            None,
            {"message": "dateFrom must be an ISO date (YYYY-MM-DD)", "field": "dateFrom"},
        ),
        (
            {"country": "France"},
            10,
            None,
            {
                "message": "country must be an ISO 3166-1 alpha-2 country code such as FR",
                "field": "country",
            },
        ),
        ({"country": "XX"}, 10, None, {"message": "no country 'XX'", "value": "XX"}),
        ({"place": "Paris"}, 10, None, {"message": "no place 'Paris'", "value": "Paris"}),
        ({"periodical": "nope"}, 10, None, {"message": "no periodical 'nope'", "value": "nope"}),
        ({"corpus": "nope"}, 10, None, {"message": "no corpus 'nope'", "value": "nope"}),
        (
            {"window": {"mode": "WITHIN"}},
            10,
            None,
            {"message": "a WITHIN window needs dateFrom or dateTo", "field": "window"},
        ),
        (
            {"dateTo": "1900-01-01", "window": {"dateFrom": "1900-01-01"}},
            10,
            None,
            {
                "message": "give the dates in window or in dateFrom/dateTo, not both",
                "field": "window",
            },
        ),
        (None, 0, None, {"message": "first must be between 1 and 500", "field": "first"}),
        (None, 10, "%%%", {"message": "invalid cursor", "field": "after"}),
    ],
)
def test_cluster_list_refusals_are_typed(explored, where, first, after, refusal):
    client, _, _, _ = explored
    got = gql(client, LIST, first=first, where=where, after=after)["clusters"]
    assert got == refusal


DETAIL = """
query($id: ID!) {
  cluster(id: $id) {
    size name parent { id } children { id }
    members(first: 2) { totalCount pageInfo { hasNextPage } edges { node { id flagged
      illustration { place { name } } } } }
    firstAppearance { illustrationId date datePrecision place { name } country { code }
      periodical { title } illustration { id } }
    appearances { totalCount nodes { illustrationId date place { name } country { code }
      periodical { title } } }
    page: appearances(first: 2) { pageInfo { hasNextPage endCursor } nodes { illustrationId } }
    hops { origin { name } destination { name } lagDays lagFromFirstDays fromDate toDate }
    timeSeries { year count }
    geojson
    exports { csv excelCsv geojson }
  }
}
"""


def test_cluster_detail(explored):
    client, db, run_id, _ = explored
    a = G.by_first_member(db, run_id)["a1"]
    got = gql(client, DETAIL, id=a.id)["cluster"]
    assert got["members"] == {
        "totalCount": 4,
        "pageInfo": {"hasNextPage": True},
        "edges": [
            {"node": {"id": "a1", "flagged": False, "illustration": {"place": {"name": "Paris"}}}},
            {"node": {"id": "a2", "flagged": False, "illustration": {"place": {"name": "Berlin"}}}},
        ],
    }
    printings = got["appearances"]["nodes"]
    assert [(x["illustrationId"], x["date"], x["country"]["code"]) for x in printings] == [
        ("a1", "1900-01-01", "FR"),
        ("a2", "1900-06-01", "DE"),
        ("a4", "1900-06-01", "FR"),
        ("a3", "1902-01-01", "AR"),
    ]
    assert got["appearances"]["totalCount"] == 4
    assert printings[0]["periodical"] == {"title": "Journal de Paris"}
    assert got["firstAppearance"] == {
        "illustrationId": "a1",
        "date": "1900-01-01",
        "datePrecision": "day",
        "place": {"name": "Paris"},
        "country": {"code": "FR"},
        "periodical": {"title": "Journal de Paris"},
        "illustration": {"id": "a1"},
    }
    page = got["page"]
    assert [x["illustrationId"] for x in page["nodes"]] == ["a1", "a2"]
    assert page["pageInfo"]["hasNextPage"] is True
    rest = gql(
        client,
        """query($id: ID!, $after: String) { cluster(id: $id) {
        appearances(first: 2, after: $after) { pageInfo { hasNextPage }
        nodes { illustrationId } } } }""",
        id=a.id,
        after=page["pageInfo"]["endCursor"],
    )
    assert rest["cluster"]["appearances"] == {
        "pageInfo": {"hasNextPage": False},
        "nodes": [{"illustrationId": "a4"}, {"illustrationId": "a3"}],
    }
    assert got["hops"][0] == {
        "origin": {"name": "Paris"},
        "destination": {"name": "Berlin"},
        "lagDays": 151,
        "lagFromFirstDays": 151,
        "fromDate": "1900-01-01",
        "toDate": "1900-06-01",
    }
    # Berlin -> Buenos Aires: 579 days after Berlin, 730 after the first printing in Paris.
    assert [(h["lagDays"], h["lagFromFirstDays"]) for h in got["hops"][2:]] == [
        (579, 730),
        (579, 730),
    ]
    assert got["timeSeries"] == [
        {"year": 1900, "count": 3},
        {"year": 1901, "count": 0},
        {"year": 1902, "count": 1},
    ]
    features = got["geojson"]["features"]
    assert features[1] == {
        "type": "Feature",
        "id": G.BERLIN,
        "geometry": {"type": "Point", "coordinates": [13.41, 52.52]},
        "properties": {
            "kind": "place",
            "order": 2,
            "placeId": G.BERLIN,
            "name": "Berlin",
            "countryCode": "DE",
            "count": 1,
            "firstDate": "1900-06-01",
            "lastDate": "1900-06-01",
        },
    }
    # Places in order of first printing (ties by id), then hops in order of arrival.
    assert [(f["id"], f["properties"]["order"]) for f in features] == [
        (G.PARIS, 1),
        (G.BERLIN, 2),
        (G.LYON, 3),
        (G.BA, 4),
        ("hop:1", 1),
        ("hop:2", 2),
        ("hop:3", 3),
        ("hop:4", 4),
    ]
    assert [
        (
            f["properties"]["originName"],
            f["properties"]["destinationName"],
            f["properties"]["lagDays"],
            f["properties"]["lagFromFirstDays"],
        )
        for f in features[4:]
    ] == [
        ("Paris", "Berlin", 151, 151),
        ("Paris", "Lyon", 151, 151),
        ("Berlin", "Buenos Aires", 579, 730),
        ("Lyon", "Buenos Aires", 579, 730),
    ]
    assert (got["size"], got["name"], got["parent"], got["children"]) == (4, None, None, [])
    links = got["exports"]
    assert client.get(links["geojson"]).json()["features"] == got["geojson"]["features"]
    assert client.get(links["csv"]).text.count("\n") == 5  # the header and four rows
    assert client.get(links["excelCsv"]).content.startswith(b"\xef\xbb\xbf")


ILLUSTRATION = """
query($id: ID!) {
  illustration(id: $id) {
    id date datePrecision pageNumber publicationType xywh iiifRegionUrl
    place { id name latitude } country { code name } periodical { title } issue { label }
    viewInContext { manifestId canvasId contentState contentStateJson miradorUrl }
    neighbours(k: 1) { score match illustration { id } }
    cluster { size }
  }
}
"""


def test_illustration_in_context(explored):
    client, _, _, _ = explored
    got = gql(client, ILLUSTRATION, id="a1")["illustration"]
    view = got.pop("viewInContext")
    assert got == {
        "id": "a1",
        "date": "1900-01-01",
        "datePrecision": "day",
        "pageNumber": 3,
        "publicationType": "newspaper",
        "xywh": "100,200,300,400",
        "iiifRegionUrl": "https://images.example/iiif/a1/100,200,300,400/max/0/default.jpg",
        "place": {"id": G.PARIS, "name": "Paris", "latitude": 48.85},
        "country": {"code": "FR", "name": "France"},
        "periodical": {"title": "Journal de Paris"},
        "issue": {"label": "No a1"},
        "neighbours": [{"score": 0.9, "match": "REPRINT", "illustration": {"id": "a2"}}],
        "cluster": {"size": 4},
    }
    state = decode_content_state(view["contentState"])
    assert state["target"] == {
        "id": "https://iiif.example/a1/canvas/1#xywh=100,200,300,400",
        "type": "Canvas",
        "partOf": [{"id": "https://iiif.example/a1/manifest", "type": "Manifest"}],
    }
    assert state["motivation"] == ["contentState"] and state["type"] == "Annotation"
    assert state == view["contentStateJson"]
    assert state["id"] == "https://iiif.example/a1/canvas/1/content-state/100,200,300,400"
    assert state["id"].count("#") == 0 and state["target"]["id"].count("#") == 1
    # No link to a public viewer: it could not load a researcher's local manifests.
    assert view["miradorUrl"] is None
    assert "=" not in view["contentState"] and "+" not in view["contentState"]
    assert gql(client, ILLUSTRATION, id="nope")["illustration"] is None


def test_the_first_hops_of_a_cluster(explored):
    client, _, _, _ = explored
    query = """query($first: Int) { clusters(first: 1) { ... on ClusterConnection { nodes {
      all: hops { toDate destination { name } } start: hops(first: $first) { toDate } } } } }"""
    got = gql(client, query, first=2)["clusters"]["nodes"][0]
    assert [h["toDate"] for h in got["all"]] == sorted(h["toDate"] for h in got["all"])
    assert len(got["all"]) > 2
    assert got["start"] == [{"toDate": h["toDate"]} for h in got["all"][:2]]
    assert gql(client, query, first=None)["clusters"]["nodes"][0]["start"] == [
        {"toDate": h["toDate"]} for h in got["all"]
    ]


def test_rights_of_an_illustration_and_its_issue(explored):
    client, db, _, _ = explored
    licensed = dataclasses.replace(
        G.issue_record("a1", "paris", "1900-01-01"),
        rights="http://creativecommons.org/publicdomain/mark/1.0/",
        attribution="Provided by: Bibliothèque de test",
    )
    write_issues(db, "presse", [licensed])
    got = gql(
        client,
        """query($id: ID!) { illustration(id: $id) { issue { rights attribution } } }""",
        id="a1",
    )["illustration"]["issue"]
    assert got == {
        "rights": "http://creativecommons.org/publicdomain/mark/1.0/",
        "attribution": "Provided by: Bibliothèque de test",
    }
    issues = gql(
        client,
        """{ periodical(id: "per_paris") { issues(first: 10) { nodes { id rights } } } }""",
    )["periodical"]["issues"]["nodes"]
    rights = {i["id"]: i["rights"] for i in issues}
    assert rights["iss_a1"] == "http://creativecommons.org/publicdomain/mark/1.0/"
    assert rights["iss_b2"] is None
    unlicensed = gql(
        client, """query { illustration(id: "b2") { issue { rights attribution } } }"""
    )["illustration"]["issue"]
    assert unlicensed == {"rights": None, "attribution": None}


def test_a_list_of_clusters_costs_a_constant_number_of_queries(explored):
    client, _, _, counting = explored
    query = """{ clusters(first: 20) { ... on ClusterConnection { nodes { id
        members(first: 5) { nodes { illustration {
        periodical { title } place { name } } } } appearances { nodes { date } }
        firstAppearance { date } hops { lagDays } } } } }"""
    counting.queries.clear()
    gql(client, query)
    # latest run, the page, member pages, illustrations, appearances, first appearances, hops.
    assert len(counting.queries) == 7, counting.queries


def test_flows_and_reached_within(explored):
    client, _, _, _ = explored
    flows = gql(
        client,
        """{ flows(where: {fromCountry: "fr", maxLagDays: 2000}) { ... on Flows { flows {
        origin { name } destination { name countryCode } count clusters meanLagDays } } } }""",
    )
    assert flows["flows"]["flows"] == [
        {
            "origin": {"name": "Paris"},
            "destination": {"name": "Buenos Aires", "countryCode": "AR"},
            "count": 2,
            "clusters": 2,
            "meanLagDays": (1036 + 1826) / 2,
        },
        {
            "origin": {"name": "Paris"},
            "destination": {"name": "Berlin", "countryCode": "DE"},
            "count": 1,
            "clusters": 1,
            "meanLagDays": 151.0,
        },
        {
            "origin": {"name": "Paris"},
            "destination": {"name": "Lyon", "countryCode": "FR"},
            "count": 1,
            "clusters": 1,
            "meanLagDays": 151.0,
        },
        {
            "origin": {"name": "Lyon"},
            "destination": {"name": "Buenos Aires", "countryCode": "AR"},
            "count": 1,
            "clusters": 1,
            "meanLagDays": 579.0,
        },
    ]
    query = """query($from: Location!, $to: Location!, $years: Int!) {
        reachedWithin(from: $from, to: $to, years: $years) { __typename
          ... on Reaches { reaches { originDate arrivalDate lagDays cluster { size }
            origin { place { name } country { code } illustration { id } }
            destination { date place { name } country { code } } } }
          ... on InvalidInput { message field } ... on NotFound { message value } } }"""

    def reach(years, origin, destination):
        return gql(client, query, years=years, **{"from": origin, "to": destination})[
            "reachedWithin"
        ]

    got = reach(5, {"place": G.PARIS}, {"place": G.BA})["reaches"]
    assert [
        (r["originDate"], r["arrivalDate"], r["lagDays"], r["cluster"]["size"]) for r in got
    ] == [("1900-01-01", "1902-01-01", 730, 4), ("1904-02-29", "1909-02-28", 1826, 2)]
    assert got[0]["origin"] == {
        "place": {"name": "Paris"},
        "country": {"code": "FR"},
        "illustration": {"id": "a1"},
    }
    by_country = reach(10, {"country": "FR"}, {"country": "AR"})["reaches"]
    assert [r["lagDays"] for r in by_country] == [730, 1826, 2708]
    mixed = reach(5, {"place": G.PARIS}, {"country": "AR"})["reaches"]
    assert [r["destination"]["place"]["name"] for r in mixed] == ["Buenos Aires"] * 2
    abroad = reach(1, {"place": G.PARIS}, {"otherCountry": True})["reaches"]
    assert [(r["lagDays"], r["destination"]) for r in abroad] == [
        (151, {"date": "1900-06-01", "place": {"name": "Berlin"}, "country": {"code": "DE"}})
    ]


def test_country_flows_and_flow_matrix(explored):
    client, _, _, _ = explored
    got = gql(
        client,
        """{ flows(groupBy: COUNTRY, where: {international: true}) { ... on Flows { groupBy
          flows { origin { id } originCountry { code name } destinationCountry { code }
                  count meanLagDays medianLagDays } } }
        flowMatrix(groupBy: COUNTRY, period: DECADE) { ... on FlowMatrix { periods
          cells { period originCountry { code } destinationCountry { code } count clusters
                  meanLagDays medianLagDays }
          columns { period origin destination count clusters meanLagDays medianLagDays }
          countries { code name } places { id } } }
        places: flowMatrix(groupBy: PLACE, period: YEAR) { ... on FlowMatrix {
          cells { origin { id name } destination { id } count }
          columns { origin destination count } places { id name countryCode } } } }""",
    )
    flows = got["flows"]
    assert flows["groupBy"] == "COUNTRY"
    assert flows["flows"][0] == {
        "origin": None,
        "originCountry": {"code": "FR", "name": "France"},
        "destinationCountry": {"code": "AR"},
        "count": 4,
        "meanLagDays": (1036 + 2708 + 1826 + 579) / 4,
        "medianLagDays": (1036 + 1826) / 2,
    }
    assert len(flows["flows"]) == 4
    matrix = got["flowMatrix"]
    assert matrix["periods"] == [1900, 1910]
    assert [
        (c["period"], c["originCountry"]["code"], c["destinationCountry"]["code"], c["count"])
        for c in matrix["cells"]
    ] == [
        (1900, "FR", "AR", 3),
        (1900, "DE", "AR", 1),
        (1900, "DE", "FR", 1),
        (1900, "FR", "DE", 1),
        (1900, "FR", "FR", 1),
        (1910, "FR", "AR", 1),
    ]
    # The same cells as columns, each country named once.
    columns = matrix["columns"]
    assert list(zip(*columns.values(), strict=True)) == [
        (
            c["period"],
            c["originCountry"]["code"],
            c["destinationCountry"]["code"],
            c["count"],
            c["clusters"],
            c["meanLagDays"],
            c["medianLagDays"],
        )
        for c in matrix["cells"]
    ]
    assert matrix["countries"] == [
        {"code": "AR", "name": "Argentina"},
        {"code": "DE", "name": "Germany"},
        {"code": "FR", "name": "France"},
    ]
    assert matrix["places"] == []  # grouped by country: no place ends
    by_place = got["places"]
    assert by_place["columns"]["origin"] == [c["origin"]["id"] for c in by_place["cells"]]
    assert by_place["columns"]["destination"] == [c["destination"]["id"] for c in by_place["cells"]]
    assert by_place["columns"]["count"] == [c["count"] for c in by_place["cells"]]
    named = {p["id"]: p["name"] for p in by_place["places"]}
    assert {c["origin"]["id"]: c["origin"]["name"] for c in by_place["cells"]}.items() <= (
        named.items()
    )
    assert set(named) == {c["origin"]["id"] for c in by_place["cells"]} | {
        c["destination"]["id"] for c in by_place["cells"]
    }


ERRORS = """query($from: Location!, $to: Location!, $where: FlowWhere) {
  reachedWithin(from: $from, to: $to) { __typename
    ... on InvalidInput { message field } ... on NotFound { message value } }
  flows(where: $where) { __typename
    ... on InvalidInput { message field } ... on NotFound { message value } } }"""


@pytest.mark.parametrize(
    ("origin", "destination", "where", "reach", "flows"),
    [
        (
            {"place": "Paris"},
            {"country": "XX"},
            {"fromCountry": "XX"},
            {"__typename": "NotFound", "message": "no place 'Paris'", "value": "Paris"},
            {"__typename": "NotFound", "message": "no country 'XX'", "value": "XX"},
        ),
        (
            {"country": "France"},
            {"place": G.BA},
            {"dateFrom": "June 1900"},
            {
                "__typename": "InvalidInput",
                "field": "from.country",
                "message": "from.country must be an ISO 3166-1 alpha-2 country code such as FR",
            },
            {
                "__typename": "InvalidInput",
                "field": "dateFrom",
                "message": "dateFrom must be an ISO date (YYYY-MM-DD)",
            },
        ),
        (
            {"otherCountry": True},
            {"place": G.BA},
            {"toPlace": "nope"},
            {
                "__typename": "InvalidInput",
                "field": "from",
                "message": "otherCountry is for the destination only",
            },
            {"__typename": "NotFound", "message": "no place 'nope'", "value": "nope"},
        ),
        (
            {"place": G.PARIS, "country": "FR"},
            {"country": "de"},
            {"dateFrom": "1910-01-01", "dateTo": "1900-01-01"},
            {
                "__typename": "InvalidInput",
                "field": "from",
                "message": "from takes exactly one of place, country, otherCountry",
            },
            {
                "__typename": "InvalidInput",
                "field": "dateFrom",
                "message": "dateFrom must not be after dateTo",
            },
        ),
    ],
)
def test_circulation_refusals_are_typed(explored, origin, destination, where, reach, flows):
    client, _, _, _ = explored
    got = gql(client, ERRORS, where=where, **{"from": origin, "to": destination})
    assert (got["reachedWithin"], got["flows"]) == (reach, flows)


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
    assert got["periodical"] == {
        "title": "Journal de Paris",
        "issueCount": 4,
        "firstDate": "1900-01-01",
    }
    assert issues["nodes"] == [
        {"date": "1900-01-01", "label": "No a1", "place": {"name": "Paris"}},
        {"date": "1903-01-01", "label": "No c1", "place": {"name": "Paris"}},
    ]
    assert (issues["totalCount"], issues["pageInfo"]["hasNextPage"]) == (4, True)
    assert got["countries"] == [
        {"code": "FR", "name": "France", "placeCount": 2, "issueCount": 6},
        {"code": "AR", "name": "Argentina", "placeCount": 1, "issueCount": 4},
        {"code": "DE", "name": "Germany", "placeCount": 1, "issueCount": 2},
    ]
    assert got["places"] == [{"name": "Paris", "issueCount": 4}, {"name": "Lyon", "issueCount": 2}]

"""CSV and GeoJSON exports against the real Neo4j on the small explore graph."""

from __future__ import annotations

import csv
import io

import pytest
from pydantic import SecretStr
from starlette.testclient import TestClient

from api.app import create_app
from api.exports import CSV_COLUMNS
from api.resources import Resources
from tests.support import explore_graph as G
from tests.support.graphql import shared


@pytest.fixture
def exported(clean_graph, settings):
    run_id = G.build_explore_graph(clean_graph)
    with TestClient(create_app(settings, Resources(settings, shared(clean_graph)))) as client:
        yield client, G.by_first_member(clean_graph, run_id)


def rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    reader = csv.DictReader(io.StringIO(response.text))
    assert tuple(reader.fieldnames) == CSV_COLUMNS
    return list(reader)


def test_cluster_csv(exported):
    client, clusters = exported
    b = clusters["b1"]
    got = rows(client.get(f"/export/cluster/{b.id}.csv"))
    assert [r["illustration_id"] for r in got] == ["b1", "b2", "b3"]
    # Each member's best edge inside the cluster (b1's 0.55 edge to a3 is outside it).
    assert [r["score"] for r in got] == ["0.70000", "0.75000", "0.75000"]
    assert got[0] == {
        "illustration_id": "b1",
        "cluster_id": b.id,
        "cluster_name": "",
        "score": "0.70000",
        "date": "1901-03-01",
        "date_precision": "day",
        "place_id": G.BERLIN,
        "place_name": "Berlin",
        "country_code": "DE",
        "country_name": "Germany",
        "latitude": "52.52",
        "longitude": "13.41",
        "periodical_id": "per_berlin",
        "periodical_title": "Journal de Berlin",
        "publication_type": "newspaper",
        "issue_id": "iss_b1",
        "issue_label": "No b1",
        "page_number": "3",
        "manifest_id": "https://iiif.example/b1/manifest",
        "canvas_id": "https://iiif.example/b1/canvas/1",
        "xywh": "100,200,300,400",
        "iiif_region_url": "https://images.example/iiif/b1/100,200,300,400/max/0/default.jpg",
        "thumbnail_url": "https://images.example/iiif/b1/100,200,300,400/!256,256/0/default.jpg",
        "flagged": "false",
    }
    missing = client.get("/export/cluster/run_x:nope.csv")
    assert (missing.status_code, missing.json()) == (
        404,
        {
            "error": {
                "__typename": "NotFound",
                "message": "no cluster 'run_x:nope'",
                "value": "run_x:nope",
            },
            "validParameters": ["flavour"],
        },
    )


def test_excel_flavour_starts_with_a_byte_order_mark(exported):
    client, clusters = exported
    b = clusters["b1"]
    excel = client.get(f"/export/cluster/{b.id}.csv", params={"flavour": "excel"})
    assert excel.content.startswith(b"\xef\xbb\xbfillustration_id,")
    assert excel.text.lstrip("\ufeff") == client.get(f"/export/cluster/{b.id}.csv").text
    plain = client.get("/export/illustrations.csv", params={"ids": "a1"})
    assert plain.content.startswith(b"illustration_id,")
    bad = client.get(f"/export/cluster/{b.id}.csv", params={"flavour": "xls"})
    assert (bad.status_code, bad.json()["error"]) == (
        400,
        {
            "__typename": "InvalidInput",
            "message": "flavour must be one of plain, excel",
            "field": "flavour",
        },
    )


def test_cluster_geojson(exported):
    client, clusters = exported
    response = client.get(f"/export/cluster/{clusters['c1'].id}.geojson")
    assert response.headers["content-type"].startswith("application/geo+json")
    features = response.json()["features"]
    assert [(f["id"], f["geometry"]["type"], f["geometry"]["coordinates"]) for f in features] == [
        (G.PARIS, "Point", [2.35, 48.85]),
        (G.BA, "Point", [-58.38, -34.61]),
        ("hop:1", "LineString", [[2.35, 48.85], [-58.38, -34.61]]),
    ]
    assert features[0]["properties"] == {
        "kind": "place",
        "order": 1,
        "placeId": G.PARIS,
        "name": "Paris",
        "countryCode": "FR",
        "count": 1,
        "firstDate": "1903-01-01",
        "lastDate": "1903-01-01",
    }
    assert features[2]["properties"] == {
        "kind": "hop",
        "order": 1,
        "originId": G.PARIS,
        "originName": "Paris",
        "destinationId": G.BA,
        "destinationName": "Buenos Aires",
        "fromDate": "1903-01-01",
        "toDate": "1910-06-01",
        "lagDays": 2708,
        "lagFromFirstDays": 2708,
        "datePrecision": "day",
    }
    assert client.get("/export/cluster/nope.geojson").json()["error"]["__typename"] == "NotFound"


def test_selection_by_filter_and_by_ids_with_scores(exported):
    client, clusters = exported
    french = rows(
        client.get("/export/illustrations.csv", params={"country": "fr", "dateTo": "1903-12-31"})
    )
    assert [(r["illustration_id"], r["cluster_id"]) for r in french] == [
        ("d1", ""),
        ("a1", clusters["a1"].id),
        ("a4", clusters["a1"].id),
        ("c1", clusters["c1"].id),
    ]
    body = {"ids": ["e2", "a3"], "scores": {"e2": 0.91234567}}
    posted = rows(client.post("/export/illustrations.csv", json=body))
    # A given score wins; without one, the best edge inside its cluster (a3: 0.8 to a2).
    assert [(r["illustration_id"], r["score"], r["place_name"]) for r in posted] == [
        ("e2", "0.91235", "Buenos Aires"),
        ("a3", "0.80000", "Buenos Aires"),
    ]


VALID = [
    "cluster",
    "country",
    "dateFrom",
    "dateTo",
    "flavour",
    "ids",
    "periodical",
    "place",
    "run",
    "scores",
]


@pytest.mark.parametrize(
    ("params", "status", "error"),
    [
        (
            {"dateFrom": "June 1900"},
            400,
            {
                "__typename": "InvalidInput",
                "message": "dateFrom must be an ISO date (YYYY-MM-DD)",
                "field": "dateFrom",
            },
        ),
        (
            {"date_to": "1900-01-01"},
            400,
            {
                "__typename": "InvalidInput",
                "field": "date_to",
                "message": "unknown parameter(s): date_to; valid: " + ", ".join(VALID),
            },
        ),
        (
            {"country": "France"},
            400,
            {
                "__typename": "InvalidInput",
                "field": "country",
                "message": "country must be an ISO 3166-1 alpha-2 country code such as FR",
            },
        ),
        (
            {"dateFrom": "1901-01-01", "dateTo": "1900-01-01"},
            400,
            {
                "__typename": "InvalidInput",
                "message": "dateFrom must not be after dateTo",
                "field": "dateFrom",
            },
        ),
        (
            {"country": "XX"},
            404,
            {"__typename": "NotFound", "message": "no country 'XX'", "value": "XX"},
        ),
        (
            {"place": "Paris"},
            404,
            {"__typename": "NotFound", "message": "no place 'Paris'", "value": "Paris"},
        ),
        (
            {"periodical": "nope"},
            404,
            {"__typename": "NotFound", "message": "no periodical 'nope'", "value": "nope"},
        ),
    ],
)
def test_refusals_have_the_graphql_shape_and_list_the_parameters(exported, params, status, error):
    client, _ = exported
    for response in (
        client.get("/export/illustrations.csv", params=params),
        client.post("/export/illustrations.csv", json=params),
    ):
        assert (response.status_code, response.json()) == (
            status,
            {"error": error, "validParameters": VALID},
        )


def test_the_same_refusal_reads_the_same_in_graphql(exported):
    client, _ = exported
    query = """query($where: ClusterWhere) { clusters(where: $where) {
        ... on InvalidInput { __typename message field }
        ... on NotFound { __typename message value } } }"""
    for params in ({"dateFrom": "June 1900"}, {"country": "XX"}, {"country": "France"}):
        graphql = client.post("/graphql", json={"query": query, "variables": {"where": params}})
        export = client.get("/export/illustrations.csv", params=params)
        assert graphql.json()["data"]["clusters"] == export.json()["error"]


def test_reads_can_require_a_token(clean_graph, settings):
    private = settings.model_copy(deep=True)
    private.api.public_reads = False
    private.api.curator_tokens = [SecretStr("s3cret-token")]
    app = create_app(private, Resources(private, shared(clean_graph)))
    with TestClient(app) as client:
        assert client.get("/export/illustrations.csv").status_code == 403
        ok = client.get(
            "/export/illustrations.csv", headers={"Authorization": "Bearer s3cret-token"}
        )
        assert rows(ok) == []
        body = client.post("/graphql", json={"query": "{ countries { code } }"}).json()
        assert body["errors"][0]["message"] == "a token is required to read"

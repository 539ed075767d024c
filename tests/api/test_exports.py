"""CSV and GeoJSON exports against the real Neo4j on the small explore graph."""

from __future__ import annotations

import csv
import importlib.util
import io
from pathlib import Path

import pytest
from pydantic import SecretStr
from starlette.testclient import TestClient

from api.app import create_app
from api.exports import CSV_COLUMNS
from api.resources import Resources


def _load_graph_module():
    path = Path(__file__).resolve().parents[1] / "graph" / "test_explore.py"
    spec = importlib.util.spec_from_file_location("explore_graph", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


G = _load_graph_module()


class SuiteDriver:
    def __init__(self, db) -> None:
        self.db = db

    def __getattr__(self, name):
        return getattr(self.db, name)

    def close(self) -> None:
        pass


@pytest.fixture
def exported(clean_graph, settings):
    run_id = G.build_explore_graph(clean_graph)
    with TestClient(create_app(settings, Resources(settings, SuiteDriver(clean_graph)))) as client:
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
    assert got[0] == {
        "illustration_id": "b1", "cluster_id": b.id, "cluster_name": "", "score": "",
        "date": "1901-03-01", "date_precision": "day", "place_id": G.BERLIN,
        "place_name": "Berlin", "country_code": "DE", "country_name": "Germany",
        "latitude": "52.52", "longitude": "13.41", "periodical_id": "per_berlin",
        "periodical_title": "Journal de Berlin", "publication_type": "newspaper",
        "issue_id": "iss_b1", "issue_label": "No b1", "page_number": "3",
        "manifest_id": "https://iiif.example/b1/manifest",
        "canvas_id": "https://iiif.example/b1/canvas/1", "xywh": "100,200,300,400",
        "iiif_region_url": "https://images.example/iiif/b1/100,200,300,400/max/0/default.jpg",
        "thumbnail_url": "https://images.example/iiif/b1/100,200,300,400/!256,256/0/default.jpg",
        "flagged": "false",
    }  # fmt: skip
    assert client.get("/export/cluster/run_x:nope.csv").status_code == 404


def test_cluster_geojson(exported):
    client, clusters = exported
    response = client.get(f"/export/cluster/{clusters['c1'].id}.geojson")
    assert response.headers["content-type"].startswith("application/geo+json")
    assert [(f["properties"]["name"], f["properties"]["count"], f["geometry"]["coordinates"])
            for f in response.json()["features"]] == [
        ("Paris", 1, [2.35, 48.85]), ("Buenos Aires", 1, [-58.38, -34.61]),
    ]  # fmt: skip


def test_selection_by_filter_and_by_ids_with_scores(exported):
    client, clusters = exported
    french = rows(client.get("/export/illustrations.csv",
                             params={"country": "fr", "date_to": "1903-12-31"}))  # fmt: skip
    assert [(r["illustration_id"], r["cluster_id"]) for r in french] == [
        ("d1", ""), ("a1", clusters["a1"].id), ("a4", clusters["a1"].id), ("c1", clusters["c1"].id),
    ]  # fmt: skip
    body = {"ids": ["e2", "a3"], "scores": {"e2": 0.91234567}}
    posted = rows(client.post("/export/illustrations.csv", json=body))
    assert [(r["illustration_id"], r["score"], r["place_name"]) for r in posted] == [
        ("e2", "0.91235", "Buenos Aires"), ("a3", "", "Buenos Aires"),
    ]  # fmt: skip
    bad = client.get("/export/illustrations.csv", params={"date_from": "June 1900"})
    assert (bad.status_code, bad.json()) == (
        400,
        {"error": "date_from must be an ISO date (YYYY-MM-DD)"},
    )
    unknown = client.post("/export/illustrations.csv", json={"idz": ["a1"]})
    assert unknown.status_code == 400


def test_reads_can_require_a_token(clean_graph, settings):
    private = settings.model_copy(deep=True)
    private.api.public_reads = False
    private.api.curator_tokens = [SecretStr("s3cret-token")]
    app = create_app(private, Resources(private, SuiteDriver(clean_graph)))
    with TestClient(app) as client:
        assert client.get("/export/illustrations.csv").status_code == 403
        ok = client.get("/export/illustrations.csv",
                        headers={"Authorization": "Bearer s3cret-token"})  # fmt: skip
        assert rows(ok) == []
        body = client.post("/graphql", json={"query": "{ countries { code } }"}).json()
        assert body["errors"][0]["message"] == "a token is required to read"

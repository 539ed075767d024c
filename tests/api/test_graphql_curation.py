"""Curation mutations end to end, similarity search and the job-progress subscription."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pydantic import SecretStr
from starlette.testclient import TestClient

from api.app import create_app
from api.graphql.search import StoreSimilarity
from api.resources import Resources
from graph.descriptors import DescriptorModelRecord, record_model, set_match_thresholds
from graph.ingest import create_job
from ml.vectors import EdgeStore, illustration_payload
from tests.support import explore_graph as G
from tests.support.graphql import gql, shared


def vectors_store(root: Path) -> EdgeStore:
    """A real vector store: a1..a4 close together, the others spread out."""
    store = EdgeStore(root)
    store.ensure_collection("test", 4)
    ids = list(G.PRINTS)
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(len(ids), 4)).astype(np.float32)
    base = np.array([1, 0, 0, 0], np.float32)
    for n, name in enumerate(["a1", "a2", "a3", "a4"]):
        vectors[ids.index(name)] = base + np.float32(0.1 * n) * np.array([0, 1, 0, 0], np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    payloads = []
    for name in ids:
        place, when = G.PRINTS[name]
        payloads.append(
            illustration_payload(
                name,
                "presse",
                f"per_{place}",
                G.PLACES[place].id,
                G.PLACES[place].country.code,
                date.fromisoformat(when),
            )
        )
    store.upsert(ids, vectors, payloads)
    return store


@pytest.fixture
def app_client(clean_graph, settings, tmp_path):
    run_id = G.build_explore_graph(clean_graph)
    resources = Resources(settings, shared(clean_graph))
    store = vectors_store(tmp_path / "vectors")
    resources.similarity = StoreSimilarity(store)
    with TestClient(create_app(settings, resources)) as client:
        yield client, clean_graph, run_id
    store.close()


RESULT = """__typename ... on CurationApplied { status clusters { size name validated flagged
    flagReason description } } ... on InvalidInput { message field } ... on NotFound { message }"""


def curate(client, field: str, **args) -> dict:
    """Run one curation mutation with literal arguments (JSON literals are GraphQL literals)."""
    literal = ", ".join(f"{name}: {json.dumps(value)}" for name, value in args.items())
    return gql(client, f"mutation {{ {field}({literal}) {{ {RESULT} }} }}")[field]


def test_name_describe_validate_flag(app_client):
    client, db, run_id = app_client
    a = G.by_first_member(db, run_id)["a1"]
    named = curate(client, "nameCluster", id=a.id, name="Le Rêve")
    assert named == {
        "__typename": "CurationApplied",
        "status": "applied",
        "clusters": [
            {
                "size": 4,
                "name": "Le Rêve",
                "validated": False,
                "flagged": False,
                "flagReason": None,
                "description": None,
            }
        ],
    }
    again = curate(client, "nameCluster", id=a.id, name="Le Rêve")
    assert [x["name"] for x in again["clusters"]] == ["Le Rêve"]
    curate(client, "validateCluster", id=a.id)
    flagged = curate(client, "flagCluster", id=a.id, reason="masthead")
    assert flagged["clusters"] == [
        {
            "size": 4,
            "name": "Le Rêve",
            "validated": True,
            "flagged": True,
            "flagReason": "masthead",
            "description": None,
        }
    ]
    listed = gql(
        client,
        "{ clusters(where: {flagged: true}) { ... on ClusterConnection { nodes { name } } } }",
    )
    assert listed["clusters"]["nodes"] == [{"name": "Le Rêve"}]
    blank = curate(client, "describeCluster", id=a.id, description=" ")
    assert blank == {
        "__typename": "InvalidInput",
        "message": blank["message"],
        "field": "description",
    }
    missing = curate(client, "validateCluster", id="run_x:nope")
    assert missing == {"__typename": "NotFound", "message": "no cluster 'run_x:nope'"}


def test_membership_edits(app_client):
    client, db, run_id = app_client
    clusters = G.by_first_member(db, run_id)
    a, b, c = clusters["a1"].id, clusters["b1"].id, clusters["c1"].id
    merged = curate(client, "mergeClusters", ids=[b, c])
    assert [x["size"] for x in merged["clusters"]] == [5]
    split = curate(client, "splitCluster", id=a, groups=[["a1", "a4"]])
    assert sorted(x["size"] for x in split["clusters"]) == [2, 2]
    after = G.by_first_member(db, run_id)
    assert sorted(after) == ["a1", "a2", "b1", "e1"]
    added = curate(client, "addMember", cluster=after["e1"].id, illustration="d1")
    assert [x["size"] for x in added["clusters"]] == [3]
    removed = curate(client, "removeMember", cluster=after["a1"].id, illustration="a2")
    assert removed == {
        "__typename": "InvalidInput",
        "message": "not a member of that cluster",
        "field": "illustration",
    }
    stranger = curate(client, "splitCluster", id=after["a1"].id, groups=[["zz"]])
    assert stranger == {
        "__typename": "InvalidInput",
        "message": "not members: zz",
        "field": "groups",
    }
    unknown = curate(client, "addMember", cluster=after["a1"].id, illustration="zz")
    assert unknown["__typename"] == "NotFound"


def test_mutations_need_the_curator_role(clean_graph, settings):
    secured = settings.model_copy(deep=True)
    secured.api.curator_tokens = [SecretStr("s3cret-token")]
    with TestClient(create_app(secured, Resources(secured, shared(clean_graph)))) as client:
        denied = gql(client, 'mutation { flagIllustration(id: "a1", reason: "x") { __typename } }')
        assert denied["flagIllustration"]["__typename"] == "Forbidden"
        denied = gql(client, "mutation { startClustering(threshold: 0.6) { __typename } }")
        assert denied["startClustering"]["__typename"] == "Forbidden"


def test_start_clustering(app_client):
    client, _, _ = app_client
    query = """mutation($t: Float!) { startClustering(threshold: $t) { __typename
        ... on ClusteringStarted { leaves clusteredIllustrations flows run { threshold edgeSet } }
        ... on InvalidInput { field } } }"""
    started = gql(client, query, t=0.8)["startClustering"]
    # At 0.8 only {a1..a4} (four hops) and {e1, e2} (one hop) hold together.
    assert started == {
        "__typename": "ClusteringStarted",
        "leaves": 2,
        "clusteredIllustrations": 6,
        "flows": 5,
        "run": {"threshold": 0.8, "edgeSet": "es_explore"},
    }
    assert gql(client, query, t=0.3)["startClustering"] == {
        "__typename": "InvalidInput",
        "field": "threshold",
    }
    # The new run is now the latest: clusters default to it.
    sizes = gql(client, "{ clusters { ... on ClusterConnection { nodes { size } } } }")["clusters"][
        "nodes"
    ]
    assert sizes == [{"size": 4}, {"size": 2}]


def test_a_bookmark_by_stable_id_survives_a_re_clustering(app_client):
    client, db, run_id = app_client
    a = G.by_first_member(db, run_id)["a1"]
    curate(client, "nameCluster", id=a.id, name="Le Rêve")
    query = "query($s: ID) { cluster(stableId: $s) { id runId stableId name size } }"
    first = gql(client, "query($id: ID) { cluster(id: $id) { stableId } }", id=a.id)
    stable = first["cluster"]["stableId"]
    assert stable
    before = gql(client, query, s=stable)["cluster"]
    assert before["id"] == a.id and before["name"] == "Le Rêve"

    started = gql(
        client,
        "mutation { startClustering(threshold: 0.6) { __typename "
        "... on ClusteringStarted { run { id } } } }",
    )
    new_run = started["startClustering"]["run"]["id"]
    after = gql(client, query, s=stable)["cluster"]
    assert (after["runId"], after["stableId"], after["name"]) == (new_run, stable, "Le Rêve")
    assert after["size"] == before["size"]
    # The run-scoped id still names the old version, for history.
    old = gql(client, "query($id: ID) { cluster(id: $id) { runId } }", id=a.id)
    assert old["cluster"]["runId"] == run_id
    assert gql(client, query, s="nope")["cluster"] is None


SEARCH = """query($id: ID, $where: SearchWhere, $k: Int!) {
  searchSimilar(illustrationId: $id, k: $k, where: $where) { __typename
    ... on SimilarResults { hits { illustration { id } } }
    ... on NotFound { message } ... on InvalidInput { message field } } }"""


def test_search_similar_by_id_filters_and_skips_flagged(app_client):
    client, _, _ = app_client
    hits = gql(client, SEARCH, id="a1", k=3)["searchSimilar"]["hits"]
    assert [h["illustration"]["id"] for h in hits] == ["a2", "a3", "a4"]
    french = gql(client, SEARCH, id="a1", k=3, where={"country": "FR"})["searchSimilar"]["hits"]
    assert [h["illustration"]["id"] for h in french][:1] == ["a4"]
    flag = gql(
        client,
        'mutation { flagIllustration(id: "a2", reason: "duplicate scan") {'
        " __typename ... on Illustration { flagged flagReason } } }",
    )
    assert flag["flagIllustration"] == {
        "__typename": "Illustration",
        "flagged": True,
        "flagReason": "duplicate scan",
    }
    hits = gql(client, SEARCH, id="a1", k=2)["searchSimilar"]["hits"]
    assert [h["illustration"]["id"] for h in hits] == ["a3", "a4"]
    missing = gql(client, SEARCH, id="zz", k=2)["searchSimilar"]
    assert missing["__typename"] == "NotFound"
    bad_k = gql(client, SEARCH, id="a1", k=0)["searchSimilar"]
    assert bad_k == {
        "__typename": "InvalidInput",
        "message": "k must be between 1 and 200",
        "field": "k",
    }


MATCHES = """query($k: Int!, $all: Boolean!) {
  searchSimilar(illustrationId: "a1", k: $k, includeNone: $all) { __typename
    ... on SimilarResults { hits { score match illustration { id } }
      thresholds { exact reprint similar modelId source } } } }"""


def _matches(client, k=20, include_none=False):
    got = gql(client, MATCHES, k=k, all=include_none)["searchSimilar"]
    return [(h["illustration"]["id"], h["match"]) for h in got["hits"]], got["thresholds"]


def test_search_hits_carry_the_models_calibrated_match(app_client):
    client, driver, _ = app_client
    # Scores to a1: a2 0.995, a3 0.981, a4 0.958, b3 0.605, e2 0.107, the rest below 0.
    hits, thresholds = _matches(client)
    assert thresholds == {
        "exact": 0.95,
        "reprint": 0.6,
        "similar": 0.4,
        "modelId": None,
        "source": "default",
    }
    assert hits == [("a2", "EXACT"), ("a3", "EXACT"), ("a4", "EXACT"), ("b3", "REPRINT")]

    record_model(
        driver,
        DescriptorModelRecord(
            "model_eff", "efficientnet_lite0", "sha", 4, 0.5, 12, "/nowhere", "test"
        ),
    )
    hits, thresholds = _matches(client)
    assert (thresholds["source"], thresholds["modelId"]) == ("calibrated", "model_eff")
    assert hits == [("a2", "EXACT"), ("a3", "REPRINT"), ("a4", "REPRINT"), ("b3", "SIMILAR")]

    assert set_match_thresholds(driver, "model_eff", exact=0.99, reprint=0.97, similar=0.5)
    hits, thresholds = _matches(client)
    assert thresholds == {
        "exact": 0.99,
        "reprint": 0.97,
        "similar": 0.5,
        "modelId": "model_eff",
        "source": "model",
    }
    assert hits == [("a2", "EXACT"), ("a3", "REPRINT"), ("a4", "SIMILAR"), ("b3", "SIMILAR")]
    everything, _ = _matches(client, include_none=True)
    assert len(everything) == 11 and everything[4] == ("e2", "NONE")
    assert {m for _, m in everything[4:]} == {"NONE"}


def _upload(client, data: bytes, content_type: str):
    operations = {
        "query": "query($f: Upload!) { searchSimilar(upload: $f) { __typename "
        "... on InvalidInput { message field } ... on SearchUnavailable { message } } }",
        "variables": {"f": None},
    }
    response = client.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.f"]})},
        files={"0": ("image", data, content_type)},
        # Uploads are multipart, a "simple" request: the CSRF guard wants this header.
        headers={"Apollo-Require-Preflight": "true"},
    )
    assert response.status_code == 200, response.text
    return response.json()["data"]["searchSimilar"]


def test_uploads_are_checked_before_searching(app_client, settings):
    client, _, _ = app_client
    html = _upload(client, b"<html>not found</html>", "image/jpeg")
    assert (html["__typename"], html["field"]) == ("InvalidInput", "upload")
    png = io.BytesIO()
    Image.new("RGB", (8, 8)).save(png, format="PNG")
    # The test store has no descriptor model: the image passes the checks, then search says so.
    assert _upload(client, png.getvalue(), "image/png") == {
        "__typename": "SearchUnavailable",
        "message": "image search needs the descriptor model",
    }
    big = b"\0" * (settings.api.max_upload_bytes + 1)
    assert _upload(client, big, "image/png")["message"].startswith("upload over")


def test_job_progress_subscription(app_client):
    client, db, _ = app_client
    create_job(db, "presse", "job_sub")
    with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init"})
        assert ws.receive_json()["type"] == "connection_ack"
        ws.send_json(
            {
                "id": "1",
                "type": "subscribe",
                "payload": {
                    "query": 'subscription { ingestJobProgress(id: "job_sub") '
                    "{ id total finished } }"
                },
            }
        )
        first = ws.receive_json()
        assert first == {
            "id": "1",
            "type": "next",
            "payload": {
                "data": {"ingestJobProgress": {"id": "job_sub", "total": 0, "finished": False}}
            },
        }
        ws.send_json({"id": "1", "type": "complete"})

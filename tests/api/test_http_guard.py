"""The HTTP surface as a browser and an attacker see it, over a real uvicorn server on loopback.

CSRF (multipart and text/plain from a foreign Origin), CORS preflight from an allowed and a
refused origin, body size limits, coded errors with their HTTP status, a store outage, and the
public image search that never fetches from loopback whatever the harvest allow-list says.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn
from neo4j import GraphDatabase
from pydantic import SecretStr

from api.app import create_app
from api.resources import Resources
from api.settings import Settings
from graph.db import GraphDB

ALLOWED = "http://localhost:5173"
EVIL = "http://evil.example"
CREATE = 'mutation { createCorpus(name: "csrf") { __typename } }'
CORPORA = "{ corpora { name } }"


@contextmanager
def serve(settings: Settings, resources: Resources | None = None):
    """The app on a free loopback port, in a thread of this process."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app(settings, resources)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def guarded_settings(settings: Settings, **api) -> Settings:
    local = settings.model_copy(deep=True)
    local.api.cors_origins = [ALLOWED]
    for key, value in api.items():
        setattr(local.api, key, value)
    return local


@pytest.fixture
def api_url(services, settings, clean_graph):
    with serve(guarded_settings(settings)) as url:
        yield url


def corpus_names(driver) -> list[str]:
    records, _, _ = driver.execute_query("MATCH (c:Corpus) RETURN c.name AS name")
    return [r["name"] for r in records]


def assert_forbidden(response: httpx.Response) -> None:
    assert response.status_code == 403, response.text
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "FORBIDDEN" and error["message"]


def multipart(query: str) -> dict:
    return {"operations": (None, json.dumps({"query": query})), "map": (None, "{}")}


def test_multipart_mutation_from_a_foreign_origin_is_refused(api_url, clean_graph):
    refused = httpx.post(f"{api_url}/graphql", files=multipart(CREATE), headers={"Origin": EVIL})
    assert_forbidden(refused)
    # Even with the preflight header (a browser would have been stopped by CORS first).
    refused = httpx.post(
        f"{api_url}/graphql",
        files=multipart(CREATE),
        headers={"Origin": EVIL, "Apollo-Require-Preflight": "1"},
    )
    assert_forbidden(refused)
    assert corpus_names(clean_graph) == []


def test_text_plain_json_from_a_foreign_origin_is_refused(api_url, clean_graph):
    body = json.dumps({"query": CREATE})
    for origin in (EVIL, None):  # a simple request is refused, Origin or not
        headers = {"Content-Type": "text/plain"} | ({"Origin": origin} if origin else {})
        assert_forbidden(httpx.post(f"{api_url}/graphql", content=body, headers=headers))
    assert corpus_names(clean_graph) == []


def test_json_from_a_foreign_origin_or_a_cross_site_fetch_is_refused(api_url, clean_graph):
    query = {"query": CREATE}
    assert_forbidden(httpx.post(f"{api_url}/graphql", json=query, headers={"Origin": EVIL}))
    assert_forbidden(
        httpx.post(f"{api_url}/graphql", json=query, headers={"Sec-Fetch-Site": "cross-site"})
    )
    assert_forbidden(httpx.post(f"{api_url}/graphql", json=query, headers={"Origin": "null"}))
    assert corpus_names(clean_graph) == []


def test_allowed_origin_same_origin_and_scripts_may_mutate(api_url, clean_graph):
    allowed = httpx.post(f"{api_url}/graphql", json={"query": CREATE}, headers={"Origin": ALLOWED})
    assert allowed.status_code == 200, allowed.text
    assert allowed.headers["access-control-allow-origin"] == ALLOWED
    assert allowed.headers["access-control-allow-credentials"] == "true"
    same_origin = {"Origin": api_url, "X-Requested-With": "XMLHttpRequest"}
    same = httpx.post(
        f"{api_url}/graphql", files=multipart(CREATE.replace("csrf", "same")), headers=same_origin
    )
    assert same.status_code == 200, same.text
    script = httpx.post(f"{api_url}/graphql", json={"query": CREATE.replace("csrf", "curl")})
    assert script.json()["data"]["createCorpus"]["__typename"] == "Corpus"
    assert sorted(corpus_names(clean_graph)) == ["csrf", "curl", "same"]


def test_mutations_over_get_never_run(api_url, clean_graph):
    response = httpx.get(f"{api_url}/graphql", params={"query": CREATE})
    assert response.status_code in (400, 405)
    assert corpus_names(clean_graph) == []
    reads = httpx.get(f"{api_url}/graphql", params={"query": CORPORA})
    assert reads.status_code == 200 and reads.json() == {"data": {"corpora": []}}


def test_cors_preflight_from_an_allowed_and_a_refused_origin(api_url):
    ask = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, apollo-require-preflight",
    }
    allowed = httpx.options(f"{api_url}/graphql", headers={"Origin": ALLOWED} | ask)
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == ALLOWED
    assert allowed.headers["access-control-allow-credentials"] == "true"
    assert "apollo-require-preflight" in allowed.headers["access-control-allow-headers"].lower()
    refused = httpx.options(f"{api_url}/graphql", headers={"Origin": EVIL} | ask)
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers
    read = httpx.get(
        f"{api_url}/graphql", params={"query": "{ __typename }"}, headers={"Origin": EVIL}
    )
    assert "access-control-allow-origin" not in read.headers


def test_bodies_over_the_limit_are_refused_declared_or_streamed(services, settings):
    with serve(guarded_settings(settings, max_body_bytes=10_000)) as url:
        big = {"query": "{ __typename }", "variables": {"pad": "x" * 20_000}}
        declared = httpx.post(f"{url}/graphql", json=big)
        assert declared.status_code == 413
        assert declared.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"

        def chunks():
            body = json.dumps(big).encode()
            for n in range(0, len(body), 1000):
                yield body[n : n + 1000]

        streamed = httpx.post(
            f"{url}/graphql", content=chunks(), headers={"Content-Type": "application/json"}
        )
        assert streamed.status_code == 413
        export = httpx.post(f"{url}/export/illustrations.csv", json={"ids": ["x" * 20_000]})
        assert export.status_code == 413
        small = httpx.post(f"{url}/graphql", json={"query": "{ __typename }"})
        assert small.status_code == 200


def test_limit_violations_carry_a_code_and_http_400(api_url):
    deep = '{ cluster(id: "x") { ' + "parent { " * 14 + "id" + " }" * 14 + " } }"
    aliases = "{ " + " ".join(f"a{n}: __typename" for n in range(40)) + " }"
    tokens = "{ " + " ".join("__typename" for _ in range(6000)) + " }"
    for query, code in (
        (deep, "QUERY_TOO_DEEP"),
        (aliases, "TOO_MANY_ALIASES"),
        (tokens, "TOO_MANY_TOKENS"),
    ):
        response = httpx.post(f"{api_url}/graphql", json={"query": query})
        assert response.status_code == 400, (code, response.text[:300])
        assert response.json()["errors"][0]["extensions"]["code"] == code


def test_reads_without_a_token_are_forbidden_with_403(services, settings, clean_graph):
    token = SecretStr("s3cret-token")
    closed = guarded_settings(settings, public_reads=False, curator_tokens=[token])
    countries = "{ countries { code } }"
    with serve(closed) as url:
        refused = httpx.post(f"{url}/graphql", json={"query": countries})
        assert_forbidden(refused)
        allowed = httpx.post(
            f"{url}/graphql",
            json={"query": countries},
            headers={"Authorization": "Bearer s3cret-token"},
        )
        assert allowed.status_code == 200 and "errors" not in allowed.json()


def test_a_store_outage_is_service_unavailable_with_503(settings, listener):
    listener.close()  # a port nothing listens on any more: Neo4j is down
    # No transaction retries: the answer comes at once instead of after the driver's 30 s.
    driver = GraphDatabase.driver(
        f"bolt://127.0.0.1:{listener.port}",
        auth=("neo4j", "x" * 8),
        connection_timeout=2,
        max_transaction_retry_time=0,
    )
    with serve(settings, Resources(settings, GraphDB(driver, settings.neo4j.database))) as url:
        response = httpx.post(f"{url}/graphql", json={"query": CORPORA})
    assert response.status_code == 503, response.text
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert "Unexpected error" not in error["message"] and "bolt" not in error["message"]


SEARCH_URL = "query($u: String!) { searchSimilar(imageUrl: $u) { __typename } }"


def test_public_image_search_never_reaches_loopback(services, settings, listener, hostile_server):
    # The harvester may fetch from these endpoints; the anonymous search may not.
    local = guarded_settings(settings)
    local.http.allowed_private_hosts = [f"127.0.0.1:{listener.port}", hostile_server.endpoint]
    with serve(local) as url:
        answers = []
        for target in (
            f"http://127.0.0.1:{listener.port}/db/neo4j/tx/commit",
            f"http://localhost:{listener.port}/",
            f"{hostile_server.url}/small.png",
            "http://" + "a" * 64 + ".example/x.jpg",
        ):
            body = {"query": SEARCH_URL, "variables": {"u": target}}
            response = httpx.post(f"{url}/graphql", json=body)
            answers.append(response.json()["errors"][0])
    # One answer for a refused address and for a name that does not resolve: no port scanner.
    assert {a["message"] for a in answers} == {"could not fetch the image"}
    assert {a["extensions"]["code"] for a in answers} == {"IMAGE_FETCH_FAILED"}
    assert listener.accepted == 0 and hostile_server.connections == 0


def _peak_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


def _upload(url: str, data: bytes) -> dict:
    query = (
        "query($f: Upload!) { searchSimilar(upload: $f) { __typename "
        "... on InvalidInput { message field } } }"
    )
    response = httpx.post(
        f"{url}/graphql",
        files={
            "operations": (None, json.dumps({"query": query, "variables": {"f": None}})),
            "map": (None, '{"0": ["variables.f"]}'),
            "0": ("page.png", data, "image/png"),
        },
        headers={"Apollo-Require-Preflight": "true"},
        timeout=120,
    )
    return response.json()["data"]["searchSimilar"]


def test_bombs_and_oversized_pngs_are_refused_before_decoding(settings, tmp_path):
    """In a server process of its own, so that its peak memory is the upload's doing."""
    import os
    import subprocess
    import sys

    from tests.conftest import REPO_ROOT, solid_png

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "api.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=os.environ | {"PYTHONPATH": str(REPO_ROOT)},
        cwd=tmp_path,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                httpx.get(f"{url}/graphql", params={"query": "{ __typename }"}, timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the API did not start"
                time.sleep(0.3)
        before = _peak_kib(server.pid)
        oversized = _upload(url, solid_png(13000, 13000))
        bomb = _upload(url, solid_png(100_000, 100_000, rows=1))  # the header says 10^10 pixels
        after = _peak_kib(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert oversized["field"] == "upload" and "13000x13000" in oversized["message"]
    assert bomb["field"] == "upload" and "10000000000 pixels" in bomb["message"]
    # Decoding the 13000x13000 page took 1.3 GB before the budget was checked on the header.
    assert after - before < 100 * 1024, f"peak grew by {(after - before) / 1024:.0f} MiB"

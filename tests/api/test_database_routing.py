"""Every surface writes to the database the settings name, never to a default (issue 12).

A second local Neo4j is started whose only user database is `research` (the managed Neo4j makes
the configured database its default). A surface that routed a query to `neo4j` would get
"database does not exist" there, so the CLI, a worker's actor and a GraphQL mutation can only
pass by using the setting; the graph is then read back from `research`.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from api.app import create_app
from api.resources import neo4j_connection
from api.services.manager import local_neo4j
from api.services.neo4j import LocalNeo4j
from api.settings import Settings
from graph.db import GraphDB, open_graph

DATABASE = "research"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def routed(settings: Settings, services, tmp_path_factory):
    """Settings pointing at a fresh Neo4j whose one user database is `research`."""
    root = tmp_path_factory.mktemp("routing")
    neo4j = settings.neo4j.model_copy(
        update={"database": DATABASE, "bolt_port": _free_port(), "http_port": _free_port()}
    )
    server = LocalNeo4j(neo4j, root / "neo4j")
    server.root.mkdir()
    # The jars the suite's Neo4j already resolved; no second Maven run.
    (server.root / "lib").symlink_to(local_neo4j(settings).root / "lib")
    server.start()
    try:
        yield settings.model_copy(update={"neo4j": neo4j, "data_dir": root})
    finally:
        server.stop()


@pytest.fixture(scope="module")
def research(routed: Settings):
    db = open_graph(neo4j_connection(routed))
    yield db
    db.close()


def _env(routed: Settings, static_server) -> dict[str, str]:
    return {
        "CONTAGIONS_NEO4J__DATABASE": DATABASE,
        "CONTAGIONS_NEO4J__BOLT_PORT": str(routed.neo4j.bolt_port),
        "CONTAGIONS_NEO4J__HTTP_PORT": str(routed.neo4j.http_port),
        "CONTAGIONS_DATA_DIR": str(routed.data_dir),
        "CONTAGIONS_HTTP__ALLOWED_PRIVATE_HOSTS": json.dumps([static_server.endpoint]),
    }


def _count(db: GraphDB, query: str) -> int:
    records, _, _ = db.execute_query(query)
    return records[0]["n"]


def test_the_managed_neo4j_holds_only_the_configured_database(research: GraphDB):
    records, _, _ = research.driver.execute_query("SHOW DATABASES", database_="system")
    assert {r["name"] for r in records} == {"system", DATABASE}


def test_cli_and_actor_write_where_settings_say(
    routed: Settings,
    research: GraphDB,
    clean_broker,
    static_server,
    shared_dir,
    tmp_path: Path,
    start_worker,
):
    book = json.loads((shared_dir / "fixtures/iiif/cookbook-0009-book-1-v3.json").read_text())
    url = static_server.write_json("routed.json", book | {"id": f"{static_server.url}/routed.json"})
    corpus_file = tmp_path / "corpus.txt"
    corpus_file.write_text(url + "\n")
    env = _env(routed, static_server)
    cli = [sys.executable, "-m", "api.cli"]
    subprocess.run(
        [*cli, "schema"], env=os.environ | env, check=True, capture_output=True, timeout=120
    )
    # `ingest` waits for the whole chain: the pages are segmented too.
    worker = start_worker("ingest", "pages", env=env)
    done = subprocess.run(
        [*cli, "ingest", str(corpus_file), "--corpus", "routed", "--segmenter", "whole"],
        env=os.environ | env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    worker.stop()
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    assert _count(research, "MATCH (c:Corpus {name: 'routed'}) RETURN count(c) AS n") == 1
    assert _count(research, "MATCH (i:Issue) RETURN count(i) AS n") == 1
    assert _count(research, "MATCH (p:Page) RETURN count(p) AS n") == 5


def test_graphql_mutation_writes_where_settings_say(routed: Settings, research: GraphDB):
    mutation = (
        'mutation { createCorpus(name: "from-graphql") { __typename ... on Corpus { name } } }'
    )
    with TestClient(create_app(routed)) as client:
        answer = client.post("/graphql", json={"query": mutation}).json()
        assert answer == {
            "data": {"createCorpus": {"__typename": "Corpus", "name": "from-graphql"}}
        }
        listed = client.post("/graphql", json={"query": "{ corpora { name } }"}).json()
    assert "from-graphql" in {c["name"] for c in listed["data"]["corpora"]}
    assert _count(research, "MATCH (c:Corpus {name: 'from-graphql'}) RETURN count(c) AS n") == 1

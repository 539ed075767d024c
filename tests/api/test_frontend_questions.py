"""The seven front-end questions of docs/frontend-questions.md: each is one valid request, and
each answers on the small explore graph without errors."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
from graphql import build_schema as parse_sdl
from graphql import parse, validate
from starlette.testclient import TestClient

from api.app import create_app
from api.graphql.schema import schema
from api.resources import Resources
from tests.support import explore_graph as G
from tests.support.graphql import shared

ROOT = Path(__file__).resolve().parents[2]


def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


Q = _load(ROOT / "scripts" / "frontend_questions.py", "frontend_questions")
QUESTIONS = [Q.Q1, Q.Q2, Q.Q3, Q.Q4, Q.Q5, Q.Q6, Q.Q7]


def test_the_doc_shows_seven_questions_each_one_valid_request():
    text = (ROOT / "docs" / "frontend-questions.md").read_text()
    blocks = re.findall(r"```graphql\n(.*?)```", text, flags=re.S)
    assert [b.strip() for b in blocks] == [q.strip() for q in QUESTIONS]
    sdl = parse_sdl(schema.as_str())
    for query in blocks:
        document = parse(query)
        assert len(document.definitions) == 1  # one operation per question
        assert validate(sdl, document) == [], query


@pytest.fixture
def client(clean_graph, settings):
    G.build_explore_graph(clean_graph)
    with TestClient(create_app(settings, Resources(settings, shared(clean_graph)))) as c:
        yield c


def ask(client, query, **variables):
    body = client.post("/graphql", json={"query": query, "variables": variables}).json()
    assert "errors" not in body, body
    return body["data"]


def test_the_questions_answer_on_the_explore_graph(client):
    top = ask(client, Q.Q1, **{"from": "1900-01-01", "to": "1909-12-31"})["clusters"]
    assert top["__typename"] == "ClusterConnection" and top["totalCount"] == 4
    # Inside the 1900s: a1's cluster and b1's reach 3 countries, e1's 2, c1's only France.
    assert [n["countryCount"] for n in top["nodes"]] == [3, 3, 2, 1]
    (first,) = [
        n
        for n in top["nodes"]
        if n["firstAppearance"]["illustration"] is not None
        and n["firstAppearance"]["place"]["name"] == "Paris"
        and n["size"] == 4
    ]
    path = ask(client, Q.Q2, id=first["id"])["cluster"]
    assert path["geojson"]["features"][0]["properties"]["order"] == 1 and path["hops"]
    in_context = ask(client, Q.Q4, id="a1")["illustration"]
    assert in_context["viewInContext"]["canvasId"] == "https://iiif.example/a1/canvas/1"
    links = ask(client, Q.Q5, id=first["id"])["cluster"]["exports"]
    assert client.get(links["csv"]).status_code == 200
    abroad = ask(client, Q.Q6, paris=G.PARIS)["reachedWithin"]["reaches"]
    assert [(r["lagDays"], r["destination"]["country"]["code"]) for r in abroad] == [
        (151, "DE"),
        (1826, "AR"),
    ]
    matrix = ask(client, Q.Q7)["flowMatrix"]
    assert matrix["periods"] == [1900, 1910] and matrix["columns"]["count"][0] == 3
    assert {"code": "AR", "name": "Argentina"} in matrix["countries"]

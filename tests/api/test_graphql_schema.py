"""The committed SDL matches the code; limits and error masking hold; fuzzed queries never 500."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import build_schema as parse_sdl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from api.app import create_app
from api.graphql.schema import schema

SDL = Path(__file__).resolve().parents[2] / "api" / "schema.graphql"
REGENERATE = ".venv/bin/python -m api.graphql.schema > api/schema.graphql"


def test_committed_sdl_matches_the_code():
    assert SDL.read_text() == schema.as_str() + "\n", f"api/schema.graphql drifted: {REGENERATE}"


@pytest.fixture(scope="module")
def client(services, settings):
    with TestClient(create_app(settings)) as c:
        yield c


def test_depth_tokens_and_aliases_are_limited(client, settings):
    deep = '{ cluster(id: "x") { ' + "parent { " * 14 + "id" + " }" * 14 + " } }"
    body = client.post("/graphql", json={"query": deep}).json()
    assert "exceeds maximum operation depth" in body["errors"][0]["message"]
    aliases = "{ " + " ".join(f"a{n}: about {{ version }}" for n in range(40)) + " }"
    body = client.post("/graphql", json={"query": aliases}).json()
    assert "aliases found" in body["errors"][0]["message"]


def test_errors_are_masked_but_client_errors_are_told(client):
    bad_cursor = client.post(
        "/graphql",
        json={"query": '{ clusters(after: "%%%") { ... on InvalidInput { message field } } }'},
    )
    assert bad_cursor.status_code == 200
    assert bad_cursor.json()["data"]["clusters"] == {"message": "invalid cursor", "field": "after"}
    unknown = client.post("/graphql", json={"query": "{ nope }"}).json()
    assert "Cannot query field 'nope'" in unknown["errors"][0]["message"]


# -- fuzzing: queries generated from the schema's own fields and arguments -----------------

SCHEMA = parse_sdl(schema.as_str())
SCALARS = {
    "Int": st.integers(-(2**31), 2**31 - 1).map(str),
    "Float": st.floats(-1e6, 1e6, allow_nan=False).map(lambda f: repr(float(f))),
    "Boolean": st.sampled_from(["true", "false"]),
    "String": st.text(max_size=12).map(lambda s: '"' + s.replace("\\", "").replace('"', "") + '"'),
    "ID": st.sampled_from(['"x"', '"ill_1"', '"run_1:abc"', '""']),
}


def _value(type_) -> st.SearchStrategy[str]:
    from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLList, GraphQLNonNull

    if isinstance(type_, GraphQLNonNull):
        return _value(type_.of_type)
    if isinstance(type_, GraphQLList):
        return st.lists(_value(type_.of_type), max_size=3).map(lambda v: "[" + ", ".join(v) + "]")
    if isinstance(type_, GraphQLEnumType):
        return st.sampled_from(list(type_.values))
    if isinstance(type_, GraphQLInputObjectType):
        fields = list(type_.fields.items())
        return st.lists(st.sampled_from(fields), max_size=3, unique_by=lambda f: f[0]).flatmap(
            lambda chosen: st.tuples(
                *[_value(f.type).map(lambda v, n=n: f"{n}: {v}") for n, f in chosen]
            ).map(lambda parts: "{" + ", ".join(parts) + "}")
        )
    return SCALARS.get(type_.name, st.just('"x"'))


def _selection(type_, depth: int) -> st.SearchStrategy[str]:
    from graphql import GraphQLList, GraphQLNonNull, GraphQLObjectType, GraphQLUnionType

    while isinstance(type_, GraphQLNonNull | GraphQLList):
        type_ = type_.of_type
    if isinstance(type_, GraphQLUnionType):
        members = [
            _selection(m, depth).map(lambda s, m=m: f"... on {m.name} {s}") for m in type_.types
        ]
        return st.lists(st.one_of(members), min_size=1, max_size=2).map(
            lambda parts: "{ __typename " + " ".join(parts) + " }"
        )
    if not isinstance(type_, GraphQLObjectType):
        return st.just("")
    fields = [
        (name, field)
        for name, field in type_.fields.items()
        if depth > 0 or not isinstance(_named(field.type), GraphQLObjectType | GraphQLUnionType)
    ]
    chosen_fields = st.lists(
        st.sampled_from(fields), min_size=1, max_size=4, unique_by=lambda f: f[0]
    )
    return chosen_fields.flatmap(
        lambda chosen: st.tuples(*[_field(n, f, depth) for n, f in chosen]).map(
            lambda parts: "{ " + " ".join(parts) + " }"
        )
    )


def _named(type_):
    while hasattr(type_, "of_type"):
        type_ = type_.of_type
    return type_


def _field(name: str, field, depth: int) -> st.SearchStrategy[str]:
    from graphql import GraphQLNonNull

    required = [
        (n, a)
        for n, a in field.args.items()
        if isinstance(a.type, GraphQLNonNull) and a.default_value is None
    ]
    optional = [(n, a) for n, a in field.args.items() if (n, a) not in required]
    args = (
        st.lists(st.sampled_from(optional), max_size=2, unique_by=lambda a: a[0])
        if optional
        else st.just([])
    )
    return args.flatmap(
        lambda chosen: st.tuples(
            *[_value(a.type).map(lambda v, n=n: f"{n}: {v}") for n, a in required + chosen],
            _selection(field.type, depth - 1),
        ).map(lambda parts: name + (f"({', '.join(parts[:-1])})" if parts[:-1] else "") + parts[-1])
    )


QUERIES = _selection(SCHEMA.query_type, depth=3)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(query=QUERIES)
def test_fuzzed_queries_never_fail_the_server(client, query):
    response = client.post("/graphql", json={"query": query})
    assert response.status_code in (200, 400), (query, response.text)
    assert "Traceback" not in response.text and 'File "' not in response.text, query
    for error in response.json().get("errors", []):
        assert "neo4j" not in error["message"].lower(), (query, error)

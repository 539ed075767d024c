import uuid

import pytest
from neo4j import GraphDatabase
from neo4j.exceptions import AuthError

from graph.queries.schema import UNIQUE_KEYS
from graph.schema import (
    SCHEMA_VERSION,
    constraint_name,
    ensure_schema,
    existing_names,
    schema_statements,
    schema_version,
)


def test_schema_creation_twice_is_a_no_op(db):
    ensure_schema(db)
    before = existing_names(db)
    assert ensure_schema(db) == SCHEMA_VERSION
    assert existing_names(db) == before
    for label, prop in UNIQUE_KEYS:
        assert constraint_name(label, prop) in before
    assert schema_version(db) == SCHEMA_VERSION


def test_every_statement_is_idempotent_ddl():
    assert all("IF NOT EXISTS" in s or "IF EXISTS" in s for s in schema_statements())


def test_uniqueness_is_enforced(db):
    corpus = f"test-{uuid.uuid4()}"
    db.execute_query("CREATE (:Corpus {name: $name})", name=corpus)
    with pytest.raises(Exception, match="already exists"):
        db.execute_query("CREATE (:Corpus {name: $name})", name=corpus)
    db.execute_query("MATCH (c:Corpus {name: $name}) DELETE c", name=corpus)


def test_write_read_round_trip_over_bolt_with_auth(db):
    name = f"round-trip-{uuid.uuid4()}"
    db.execute_query("MERGE (c:Corpus {name: $name}) SET c.note = 'é ✓'", name=name)
    records, _, _ = db.execute_query(
        "MATCH (c:Corpus {name: $name}) RETURN c.note AS note", name=name
    )
    assert [r["note"] for r in records] == ["é ✓"]
    db.execute_query("MATCH (c:Corpus {name: $name}) DELETE c", name=name)


def test_wrong_password_is_refused(services, settings):
    with (
        GraphDatabase.driver(settings.neo4j.bolt_uri, auth=("neo4j", "neo4j")) as bad,
        pytest.raises(AuthError),
    ):
        bad.verify_connectivity()

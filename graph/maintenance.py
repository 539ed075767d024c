"""Whole-graph operations for test and benchmark databases."""

from __future__ import annotations

from graph.db import GraphDB

# Batched so that a large graph is not deleted in one huge transaction.
WIPE = """
MATCH (n) WHERE NOT n:SchemaVersion
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS
"""


def wipe_graph(db: GraphDB) -> None:
    """Delete every node but the schema version (constraints and indexes stay)."""
    # CALL ... IN TRANSACTIONS needs an auto-commit transaction, hence session.run.
    with db.session() as session:
        session.run(WIPE).consume()

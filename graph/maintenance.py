"""Whole-graph operations for test and benchmark databases."""

from __future__ import annotations

from graph.db import GraphDB

# Batched so that a large graph is not deleted in one huge transaction; relationships first,
# because 10,000 nodes of a dense similarity graph carry more than a small heap's memory pool.
WIPE_RELATIONSHIPS = """
MATCH ()-[r]->()
CALL (r) { DELETE r } IN TRANSACTIONS OF 50000 ROWS
"""
WIPE = """
MATCH (n) WHERE NOT n:SchemaVersion
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS
"""


def wipe_graph(db: GraphDB) -> None:
    """Delete every node but the schema version (constraints and indexes stay)."""
    # CALL ... IN TRANSACTIONS needs an auto-commit transaction, hence session.run.
    with db.session() as session:
        session.run(WIPE_RELATIONSHIPS).consume()
        session.run(WIPE).consume()

"""Creating the graph schema idempotently at start-up."""

from __future__ import annotations

from neo4j import RoutingControl

from graph.clusters import carry_flow_countries, refresh_missing_periods, refresh_missing_printings
from graph.db import GraphDB
from graph.queries import schema as q

SCHEMA_VERSION = 5
# From this version on, cluster memberships carry their printing (graph.clusters.refresh_stats)
# and FLOW hops their ends' countries.
PRINTINGS_SINCE = 4
# From this version on, clusters carry their statistics per year and decade (ClusterPeriod).
PERIODS_SINCE = 5


def constraint_name(label: str, prop: str) -> str:
    return f"{label.lower()}_{prop}_unique"


def index_name(label: str, prop: str) -> str:
    return f"{label.lower()}_{prop}_index"


def schema_statements() -> list[str]:
    statements = [
        q.CONSTRAINT_TEMPLATE.format(name=constraint_name(label, prop), label=label, prop=prop)
        for label, prop in q.UNIQUE_KEYS
    ]
    statements += [
        q.INDEX_TEMPLATE.format(name=index_name(label, prop), label=label, prop=prop)
        for label, prop in q.INDEXED_PROPERTIES
    ]
    statements += [
        q.RELATIONSHIP_INDEX_TEMPLATE.format(name=index_name(rel, prop), label=rel, prop=prop)
        for rel, prop in q.INDEXED_RELATIONSHIP_PROPERTIES
    ]
    statements += [
        q.COMPOSITE_INDEX_TEMPLATE.format(
            name=index_name(label, "_".join(props)),
            label=label,
            props=", ".join(f"n.{prop}" for prop in props),
        )
        for label, props in q.INDEXED_NODE_KEYS
    ]
    statements += [
        q.COMPOSITE_RELATIONSHIP_INDEX_TEMPLATE.format(
            name=index_name(rel, "_".join(props)),
            label=rel,
            props=", ".join(f"r.{prop}" for prop in props),
        )
        for rel, props in q.INDEXED_RELATIONSHIP_KEYS
    ]
    statements += [q.DROP_INDEX_TEMPLATE.format(name=name) for name in q.OBSOLETE_INDEXES]
    return statements


def ensure_schema(db: GraphDB) -> int:
    """Create constraints and indexes if missing, bring older data up to this version, record
    the version. Safe to repeat."""
    previous = schema_version(db)
    for statement in schema_statements():
        db.execute_query(statement)
    if previous is not None and previous < PRINTINGS_SINCE:
        refresh_missing_printings(db)
        carry_flow_countries(db)
    if previous is not None and previous < PERIODS_SINCE:
        refresh_missing_periods(db)
    records, _, _ = db.execute_query(q.SET_SCHEMA_VERSION, version=SCHEMA_VERSION)
    return records[0]["version"]


def schema_version(db: GraphDB) -> int | None:
    records, _, _ = db.execute_query(q.GET_SCHEMA_VERSION, routing_=RoutingControl.READ)
    return records[0]["version"] if records else None


def existing_names(db: GraphDB) -> set[str]:
    names: set[str] = set()
    for query in (q.LIST_CONSTRAINTS, q.LIST_INDEXES):
        records, _, _ = db.execute_query(query, routing_=RoutingControl.READ)
        names.update(records[0]["names"])
    return names

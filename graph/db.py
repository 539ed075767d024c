"""Opening the Neo4j driver, checking it answers, and the context every repository takes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import neo4j
from neo4j import Driver, GraphDatabase, ManagedTransaction, RoutingControl, Session

from graph.errors import GraphUnavailableError


@dataclass(frozen=True)
class Neo4jConnection:
    uri: str
    user: str
    password: str
    database: str


@dataclass(frozen=True)
class GraphDB:
    """The driver and the one database that every query of a process runs against.

    Built once by the composition root and passed to every repository function, so that no
    function can fall back to a database its caller did not choose.
    """

    driver: Driver
    database: str

    def execute_query(
        self,
        query: str,
        parameters: dict[str, Any] | None = None,
        /,
        *,
        routing_: RoutingControl = RoutingControl.WRITE,
        **kwargs: Any,
    ) -> Any:
        return self.driver.execute_query(
            query,
            parameters,
            routing_=routing_,
            database_=self.database,
            **kwargs,
        )

    def session(self, **config: Any) -> Session:
        return self.driver.session(database=self.database, **config)

    def write_batches(self, query: str, rows: Sequence[Any], *, size: int, **params: Any) -> None:
        """Run `query` with `$rows` bound to consecutive slices of `rows`, one transaction each."""
        with self.session() as session:
            for start in range(0, len(rows), size):
                session.execute_write(_consume, query, rows=rows[start : start + size], **params)

    def close(self) -> None:
        self.driver.close()


def _consume(tx: ManagedTransaction, query: str, **params: Any) -> None:
    tx.run(query, params).consume()


def open_driver(connection: Neo4jConnection) -> Driver:
    return GraphDatabase.driver(
        connection.uri,
        auth=(connection.user, connection.password),
        connection_timeout=5.0,
        max_connection_lifetime=3600,
        # Notifications about unknown labels/properties are expected on a young graph.
        notifications_min_severity="OFF",
    )


def open_graph(connection: Neo4jConnection) -> GraphDB:
    return GraphDB(open_driver(connection), connection.database)


def check_connectivity(db: GraphDB) -> None:
    try:
        db.driver.verify_connectivity()
    except (neo4j.exceptions.DriverError, neo4j.exceptions.Neo4jError, OSError) as exc:
        raise GraphUnavailableError(f"Neo4j unavailable: {exc}") from exc

"""Talking to the app's GraphQL in tests: the suite's graph handed to an app, `gql`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.testclient import TestClient

from graph.db import GraphDB


class SharedGraph(GraphDB):
    """The suite's graph handed to an app, which closes what it is given at shutdown: the
    suite's driver must outlive each app."""

    def close(self) -> None:
        pass


@dataclass(frozen=True)
class CountingGraph(GraphDB):
    """The suite's graph, counting the queries and sessions an app sends through it."""

    queries: list[str] = field(default_factory=list)

    def execute_query(self, query: str, *args: Any, **kwargs: Any) -> Any:
        self.queries.append(query)
        return super().execute_query(query, *args, **kwargs)

    def session(self, **config: Any) -> Any:
        self.queries.append("session")
        return super().session(**config)

    def close(self) -> None:
        pass


def shared(db: GraphDB) -> SharedGraph:
    return SharedGraph(db.driver, db.database)


def gql(
    client: TestClient, query: str, headers: dict[str, str] | None = None, **variables: Any
) -> dict[str, Any]:
    """POST a query; its `data`, after checking that the answer has no errors."""
    response = client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers or {}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"]

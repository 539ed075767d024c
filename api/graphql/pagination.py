"""Relay-style connections with opaque cursors (base64 of the sort key and the id)."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar, overload

import strawberry

from api.graphql.errors import QueryInputError

Node = TypeVar("Node")

MAX_PAGE = 500


def encode_cursor(sort_value: Any, id: str) -> str:
    text = json.dumps([sort_value, id], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[Any, str] | None:
    """The (sort value, id) a cursor holds; QueryInputError for anything we did not issue."""
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, id = json.loads(raw)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise QueryInputError("invalid cursor", "after") from exc
    if not isinstance(id, str) or not isinstance(value, str | int | float | None):
        raise QueryInputError("invalid cursor", "after")
    return value, id


def page_size(first: int) -> int:
    if not 0 < first <= MAX_PAGE:
        raise QueryInputError(f"first must be between 1 and {MAX_PAGE}", "first")
    return first


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Edge(Generic[Node]):
    cursor: str
    node: Node


@strawberry.type
class Connection(Generic[Node]):
    edges: list[Edge[Node]]
    page_info: PageInfo
    # Counting costs a query of its own: run only when the client asks for it.
    count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field
    def nodes(self) -> list[Node]:
        return [edge.node for edge in self.edges]

    @strawberry.field
    async def total_count(self) -> int:
        return await self.count()


# A concrete subclass of Connection, for connections that are members of a result union.
SomeConnection = TypeVar("SomeConnection", bound=Connection[Any])


@overload
def connection(
    rows: list[tuple[str, Node]], has_next: bool, count: Callable[[], Awaitable[int]]
) -> Connection[Node]: ...


@overload
def connection(
    rows: list[tuple[str, Any]],
    has_next: bool,
    count: Callable[[], Awaitable[int]],
    kind: type[SomeConnection],
) -> SomeConnection: ...


def connection(
    rows: list[tuple[str, Any]],
    has_next: bool,
    count: Callable[[], Awaitable[int]],
    kind: type[Connection[Any]] = Connection,
) -> Connection[Any]:
    """A connection from (cursor, node) pairs; `kind` is a concrete subclass when the
    connection is a member of a result union (GraphQL must tell union members apart)."""
    edges = [Edge(cursor=cursor, node=node) for cursor, node in rows]
    end = edges[-1].cursor if edges else None
    return kind(
        edges=edges, page_info=PageInfo(has_next_page=has_next, end_cursor=end), count=count
    )

"""Expected failures come back as data (a member of the mutation's result union)."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError

from api.validation import InvalidInputError, UnknownValueError


@strawberry.type
class Forbidden:
    message: str = "curator role required"


@strawberry.type(description="The request cannot be answered as sent; `field` names the argument.")
class InvalidInput:
    message: str
    field: str | None = None

    @classmethod
    def from_error(cls, error: InvalidInputError) -> InvalidInput:
        return cls(message=error.message, field=error.field)


@strawberry.type(description="An id or code that names nothing; `value` is what was sent.")
class NotFound:
    message: str
    value: str | None = None

    @strawberry.field(deprecation_reason="Use `value`.")
    def id(self) -> str | None:
        return self.value

    @classmethod
    def from_error(cls, error: UnknownValueError) -> NotFound:
        return cls(message=error.message, value=error.value)


class QueryInputError(InvalidInputError):
    """An argument refused inside a field that has no result union (a nested page's cursor or
    size): shown as is in the top-level errors."""


class ReadForbidden(PermissionError):
    """Reads need a token here (`api.public_reads` is off): shown as is."""


# Machine-readable codes in `errors[].extensions.code`, and the HTTP status each one sets when
# it is among a response's errors (the most severe wins).
FORBIDDEN = "FORBIDDEN"
PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
QUERY_TOO_DEEP = "QUERY_TOO_DEEP"
TOO_MANY_ALIASES = "TOO_MANY_ALIASES"
TOO_MANY_TOKENS = "TOO_MANY_TOKENS"
SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
BAD_USER_INPUT = "BAD_USER_INPUT"

HTTP_STATUS = {
    SERVICE_UNAVAILABLE: 503,
    PAYLOAD_TOO_LARGE: 413,
    FORBIDDEN: 403,
    QUERY_TOO_DEEP: 400,
    TOO_MANY_ALIASES: 400,
    TOO_MANY_TOKENS: 400,
}


class CodedError(GraphQLError):
    """An error for the caller, with its code: `{"message": ..., "extensions": {"code": ...}}`."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message, extensions={"code": code})


def error_body(message: str, code: str) -> dict:
    """A GraphQL-shaped body for refusals made before GraphQL runs (CSRF, body size)."""
    return {"errors": [{"message": message, "extensions": {"code": code}}]}


def http_status(codes: list[str]) -> int | None:
    statuses = [HTTP_STATUS[c] for c in codes if c in HTTP_STATUS]
    # 503 before 413 before 403 before 400: the caller should first know to come back later.
    return max(statuses, key=lambda s: (s == 503, s == 413, s == 403, s)) if statuses else None

"""Expected failures come back as data (a member of the mutation's result union)."""

from __future__ import annotations

import strawberry

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

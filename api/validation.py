"""Checks on what clients send, shared by GraphQL and the export endpoints.

Both surfaces name parameters the same way (GraphQL's camelCase: `dateFrom`, `place`, ...) and
word every refusal the same way; GraphQL answers them as `InvalidInput` / `NotFound` results,
the exports as `{"error": {"type": ..., "message": ..., "field"|"value": ...}}`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

_COUNTRY_CODE = re.compile(r"^[A-Za-z]{2}$")


class InvalidInputError(ValueError):
    """A value the API refuses whatever the data: wrong format, out of range, contradictory."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class UnknownValueError(LookupError):
    """A well-formed id or code that names nothing in the graph."""

    def __init__(self, message: str, value: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.value = value
        self.field = field


def iso_date(value: str | None, field: str) -> str | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"{field} must be an ISO date (YYYY-MM-DD)", field) from exc


def date_range(
    date_from: str | None, date_to: str | None, fields: tuple[str, str] = ("dateFrom", "dateTo")
) -> tuple[str | None, str | None]:
    start, end = iso_date(date_from, fields[0]), iso_date(date_to, fields[1])
    if start and end and start > end:
        raise InvalidInputError(f"{fields[0]} must not be after {fields[1]}", fields[0])
    return start, end


def country_code(value: str | None, field: str) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not _COUNTRY_CODE.match(value):
        raise InvalidInputError(
            f"{field} must be an ISO 3166-1 alpha-2 country code such as FR", field
        )
    return value.upper()


def int_between(value: int | None, low: int, high: int, field: str) -> int | None:
    if value is not None and not low <= value <= high:
        raise InvalidInputError(f"{field} must be between {low} and {high}", field)
    return value


@dataclass(frozen=True)
class References:
    """Ids and codes a request names, by the parameter that named them."""

    places: Mapping[str, str] = field(default_factory=dict)
    countries: Mapping[str, str] = field(default_factory=dict)
    periodicals: Mapping[str, str] = field(default_factory=dict)
    corpora: Mapping[str, str] = field(default_factory=dict)

    def all_values(self) -> tuple[list[str], list[str], list[str], list[str]]:
        return (
            list(self.places.values()),
            list(self.countries.values()),
            list(self.periodicals.values()),
            list(self.corpora.values()),
        )


def refuse_unknown(
    references: References, missing: tuple[set[str], set[str], set[str], set[str]]
) -> None:
    """UnknownValueError for the first reference the graph does not hold."""
    kinds = (
        ("place", references.places),
        ("country", references.countries),
        ("periodical", references.periodicals),
        ("corpus", references.corpora),
    )
    for (kind, named), absent in zip(kinds, missing, strict=True):
        for name, value in named.items():
            if value in absent:
                raise UnknownValueError(f"no {kind} {value!r}", value, name)

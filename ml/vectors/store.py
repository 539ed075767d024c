"""The vector-store interface and the value types both backends share."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, Protocol

import numpy as np

__all__ = [
    "ACORN_MAX_SELECTIVITY",
    "INDEXED_FIELDS",
    "PAYLOAD_M",
    "CollectionMismatchError",
    "Hit",
    "NoCollectionError",
    "Quantization",
    "SearchFilter",
    "VectorStore",
    "collection_name",
    "illustration_payload",
    "point_id",
]

Quantization = Literal["none", "int8"]

# Payload field → index kind; both backends create exactly these indexes.
INDEXED_FIELDS: dict[str, Literal["keyword", "integer"]] = {
    "illustration_id": "keyword",
    "corpus": "keyword",
    "periodical_id": "keyword",
    "place_id": "keyword",
    "country_code": "keyword",
    "year": "integer",
    "date_ordinal": "integer",
}

# No extra HNSW links per payload value. By default Qdrant adds, for every indexed field, a
# sub-graph over each block of points sharing a value (or a range of integer values) larger
# than the full-scan threshold: with our fields (one corpus, 100 years, 36k dates) that is
# several more graphs over the whole collection, and the build took 2.3-3.4x longer at
# 100k vectors (`bench/hnsw_build.py`, BENCHMARKS.md). A filtered search on the main graph alone
# loses the points its filter cuts off (recall 0.07 for one decade of a century at 100k), so
# filtered searches use ACORN instead: the graph walk also looks two hops away when the
# filter keeps under ACORN_MAX_SELECTIVITY of the points. Selective filters still get an exact
# scan of the points the payload index selects (under the full-scan threshold).
PAYLOAD_M = 0
ACORN_MAX_SELECTIVITY = 0.4
PAYLOAD_M = 0

# Fixed namespace so an illustration id maps to the same point id on every machine.
_POINT_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/contagions/illustration")


class NoCollectionError(RuntimeError):
    """A store method was called before ``ensure_collection``."""


class CollectionMismatchError(ValueError):
    """An existing collection has another vector size than the one asked for."""


@dataclass(frozen=True)
class Hit:
    id: str
    score: float
    payload: dict[str, Any]


@dataclass(frozen=True)
class SearchFilter:
    """Conditions that all must hold; a tuple means any of its values.

    ``date_from``/``date_to`` are inclusive and compare the issue date (``date_ordinal``);
    ``year_from``/``year_to`` compare ``year`` for illustrations dated only to the year.
    """

    date_from: date | None = None
    date_to: date | None = None
    year_from: int | None = None
    year_to: int | None = None
    country: str | tuple[str, ...] | None = None
    place: str | tuple[str, ...] | None = None
    periodical: str | tuple[str, ...] | None = None
    corpus: str | tuple[str, ...] | None = None

    def matches(self) -> dict[str, tuple[str, ...]]:
        """Keyword field → accepted values, for the fields that are set."""
        fields = {
            "country_code": self.country,
            "place_id": self.place,
            "periodical_id": self.periodical,
            "corpus": self.corpus,
        }
        return {
            key: (value,) if isinstance(value, str) else tuple(value)
            for key, value in fields.items()
            if value is not None
        }

    def ranges(self) -> dict[str, tuple[int | None, int | None]]:
        """Integer field → inclusive (low, high), for the bounds that are set."""
        out: dict[str, tuple[int | None, int | None]] = {}
        if self.date_from is not None or self.date_to is not None:
            out["date_ordinal"] = (
                self.date_from.toordinal() if self.date_from else None,
                self.date_to.toordinal() if self.date_to else None,
            )
        if self.year_from is not None or self.year_to is not None:
            out["year"] = (self.year_from, self.year_to)
        return out


def point_id(illustration_id: str) -> str:
    """Deterministic Qdrant point id (a UUID string) for an illustration id."""
    return str(uuid.uuid5(_POINT_NAMESPACE, illustration_id))


def collection_name(model_id: str) -> str:
    """One collection per descriptor model, so vectors of different models never mix."""
    return f"illustrations_{model_id}"


def illustration_payload(
    illustration_id: str,
    corpus: str | None = None,
    periodical_id: str | None = None,
    place_id: str | None = None,
    country_code: str | None = None,
    issue_date: date | None = None,
    year: int | None = None,
) -> dict[str, Any]:
    """The payload stored with a vector; ``year`` defaults to the issue date's year."""
    payload: dict[str, Any] = {"illustration_id": illustration_id}
    if issue_date is not None:
        payload["issue_date"] = issue_date.isoformat()
        payload["date_ordinal"] = issue_date.toordinal()
        year = issue_date.year if year is None else year
    optional = {
        "corpus": corpus,
        "periodical_id": periodical_id,
        "place_id": place_id,
        "country_code": country_code,
        "year": year,
    }
    payload |= {key: value for key, value in optional.items() if value is not None}
    return payload


class VectorStore(Protocol):
    """Cosine-distance vectors keyed by illustration id, with filterable payloads."""

    def ensure_collection(
        self,
        name: str,
        dim: int,
        hnsw_m: int = 16,
        ef_construct: int = 100,
        quantization: Quantization = "none",
    ) -> None:
        """Create the collection (or open it if it exists) and make it the current one."""

    def upsert(
        self, ids: Sequence[str], vectors: np.ndarray, payloads: Sequence[dict[str, Any]]
    ) -> None: ...

    def search(
        self,
        vector: np.ndarray,
        k: int,
        score_threshold: float | None = None,
        filter: SearchFilter | None = None,
    ) -> list[Hit]: ...

    def search_batch(
        self,
        vectors: np.ndarray,
        k: int,
        score_threshold: float | None = None,
        filter: SearchFilter | None = None,
        with_payload: bool = True,
    ) -> list[list[Hit]]:
        """One list of hits per row, best first. ``with_payload=False``: each hit's payload
        holds its illustration id only (the similarity edges need no more)."""

    def retrieve(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """Stored (unit-norm) vectors of the ids that exist."""

    def count(self) -> int: ...

    def delete(self, ids: Sequence[str]) -> None: ...

    def optimize(self) -> None:
        """Build pending indexes now (HNSW) rather than lazily."""

    def close(self) -> None: ...


def check_upsert(ids: Sequence[str], vectors: np.ndarray, payloads: Sequence[dict]) -> None:
    if not (len(ids) == len(vectors) == len(payloads)):
        raise ValueError(
            f"ids, vectors and payloads differ in length: {len(ids)}, {len(vectors)}, "
            f"{len(payloads)}"
        )

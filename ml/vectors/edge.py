"""Vector store on the embedded Qdrant engine (``qdrant-edge-py``): one shard per collection.

Each collection is a directory ``root/NAME`` holding a Qdrant shard with real HNSW indexes and
a write-ahead log, so it survives process restarts without a server.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import numpy as np
from qdrant_edge import (
    AcornSearchParams,
    CountRequest,
    Distance,
    EdgeConfig,
    EdgeOptimizersConfig,
    EdgeShard,
    EdgeVectorParams,
    FieldCondition,
    Filter,
    HnswIndexConfig,
    MatchAny,
    PayloadSchemaType,
    Point,
    Query,
    QueryBatchRequest,
    QueryRequest,
    RangeFloat,
    ScalarQuantizationConfig,
    ScalarType,
    SearchParams,
    UpdateOperation,
)

from ml.vectors.store import (
    ACORN_MAX_SELECTIVITY,
    INDEXED_FIELDS,
    PAYLOAD_M,
    CollectionMismatchError,
    Hit,
    NoCollectionError,
    Quantization,
    SearchFilter,
    check_upsert,
    point_id,
)

__all__ = ["EdgeStore"]

VECTOR = "v"
_SCHEMA = {"keyword": PayloadSchemaType.Keyword, "integer": PayloadSchemaType.Integer}


def edge_filter(search_filter: SearchFilter | None) -> Filter | None:
    if search_filter is None:
        return None
    must: list[Any] = [
        FieldCondition(key, match=MatchAny(list(values)))
        for key, values in search_filter.matches().items()
    ]
    must += [
        FieldCondition(key, range=RangeFloat(gte=low, lte=high))
        for key, (low, high) in search_filter.ranges().items()
    ]
    return Filter(must=must) if must else None


class EdgeStore:
    """The single-machine default backend; ``hnsw_ef`` tunes search recall against speed."""

    def __init__(
        self,
        root: Path,
        hnsw_ef: int | None = None,
        upsert_batch: int = 1024,
        payload_m: int | None = PAYLOAD_M,
        acorn: bool = True,
        full_scan_threshold_kb: int = 10_000,
        indexing_threshold_kb: int | None = None,
    ) -> None:
        self.root = Path(root)
        self.hnsw_ef = hnsw_ef
        # Both are ours unless a benchmark compares Qdrant's defaults (payload_m None: its
        # sub-graphs per payload value; no ACORN).
        self.payload_m = payload_m
        self.acorn = acorn
        # Filters selecting less vector data than this are searched exactly (no graph).
        self.full_scan_threshold_kb = full_scan_threshold_kb
        # Segments smaller than this get no graph (None: the engine's default, 10 MB).
        self.indexing_threshold_kb = indexing_threshold_kb
        self.upsert_batch = upsert_batch
        self._shard: EdgeShard | None = None
        self.collection: str | None = None

    def ensure_collection(
        self,
        name: str,
        dim: int,
        hnsw_m: int = 16,
        ef_construct: int = 100,
        quantization: Quantization = "none",
    ) -> None:
        self.close()
        path = self.root / name
        if path.is_dir() and any(path.iterdir()):
            # Passing only the vector params makes the engine check them against the segments.
            vectors = {VECTOR: EdgeVectorParams(size=dim, distance=Distance.Cosine)}
            try:
                shard = EdgeShard.load(str(path), EdgeConfig(vectors=vectors))
            except Exception as exc:  # the binding raises a bare Exception
                raise CollectionMismatchError(f"{path}: {exc}") from exc
        else:
            path.mkdir(parents=True, exist_ok=True)
            quantization_config = (
                ScalarQuantizationConfig(type=ScalarType.Int8, quantile=0.99, always_ram=True)
                if quantization == "int8"
                else None
            )
            config = EdgeConfig(
                vectors={VECTOR: EdgeVectorParams(size=dim, distance=Distance.Cosine)},
                hnsw_config=HnswIndexConfig(
                    m=hnsw_m,
                    ef_construct=ef_construct,
                    full_scan_threshold=self.full_scan_threshold_kb,
                    payload_m=self.payload_m,
                ),
                quantization_config=quantization_config,
                optimizers=EdgeOptimizersConfig(indexing_threshold=self.indexing_threshold_kb),
            )
            shard = EdgeShard.create(str(path), config)
            for field, kind in INDEXED_FIELDS.items():
                shard.update(UpdateOperation.create_field_index(field, _SCHEMA[kind]))
        self._shard = shard
        self.collection = name

    def upsert(
        self, ids: Sequence[str], vectors: np.ndarray, payloads: Sequence[dict[str, Any]]
    ) -> None:
        check_upsert(ids, vectors, payloads)
        shard = self._current()
        vectors = np.asarray(vectors, dtype=np.float32)
        for start in range(0, len(ids), self.upsert_batch):
            stop = start + self.upsert_batch
            points = [
                Point(point_id(i), {VECTOR: v}, {**p, "illustration_id": i})
                for i, v, p in zip(
                    ids[start:stop], vectors[start:stop].tolist(), payloads[start:stop], strict=True
                )
            ]
            shard.update(UpdateOperation.upsert_points(points))

    def search(
        self,
        vector: np.ndarray,
        k: int,
        score_threshold: float | None = None,
        filter: SearchFilter | None = None,
    ) -> list[Hit]:
        request = self._request(vector, k, score_threshold, edge_filter(filter))
        return [_hit(p) for p in self._current().query(request)]

    def search_batch(
        self,
        vectors: np.ndarray,
        k: int,
        score_threshold: float | None = None,
        filter: SearchFilter | None = None,
        with_payload: bool = True,
    ) -> list[list[Hit]]:
        condition = edge_filter(filter)
        requests = [self._request(v, k, score_threshold, condition, with_payload) for v in vectors]
        results = self._current().query_batch(QueryBatchRequest(requests))
        return [[_hit(p) for p in points] for points in results]

    def retrieve(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        records = self._current().retrieve(
            [point_id(i) for i in ids], with_payload=["illustration_id"], with_vector=True
        )
        found: dict[str, np.ndarray] = {}
        for record in records:
            # Asked for with payload and vectors: the engine's optional fields are there.
            payload = cast(dict[str, Any], record.payload)
            vector = cast(dict[str, list[float]], record.vector)
            found[payload["illustration_id"]] = np.asarray(vector[VECTOR], dtype=np.float32)
        return found

    def count(self) -> int:
        return self._current().count(CountRequest(exact=True))

    def delete(self, ids: Sequence[str]) -> None:
        self._current().update(UpdateOperation.delete_points([point_id(i) for i in ids]))

    def optimize(self) -> None:
        self._current().optimize()

    def close(self) -> None:
        if self._shard is not None:
            self._shard.flush()
            self._shard.close()
            self._shard = None

    def _current(self) -> EdgeShard:
        if self._shard is None:
            raise NoCollectionError("call ensure_collection() first")
        return self._shard

    def _request(
        self,
        vector: np.ndarray,
        k: int,
        score_threshold: float | None,
        condition: Filter | None,
        with_payload: bool = True,
    ) -> QueryRequest:
        return QueryRequest(
            limit=k,
            query=Query.Nearest(np.asarray(vector, dtype=np.float32).tolist(), using=VECTOR),
            filter=condition,
            score_threshold=score_threshold,
            with_payload=True if with_payload else ["illustration_id"],
            params=self._params(filtered=condition is not None and self.acorn),
        )

    def _params(self, filtered: bool) -> SearchParams | None:
        if not filtered and not self.hnsw_ef:
            return None
        acorn = AcornSearchParams(enable=True, max_selectivity=ACORN_MAX_SELECTIVITY)
        return SearchParams(hnsw_ef=self.hnsw_ef, acorn=acorn if filtered else None)


def _hit(point: Any) -> Hit:
    payload = dict(point.payload or {})
    return Hit(id=payload["illustration_id"], score=float(point.score), payload=payload)

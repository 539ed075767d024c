"""Vector store on ``qdrant-client``: a Qdrant server by URL, or the client's local mode.

Local mode (``QdrantClient(path=...)`` or ``":memory:"``) is a brute-force Python
implementation meant for small tests; the server is what ``docker-compose.yml`` runs.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import numpy as np
from qdrant_client import QdrantClient, models

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

__all__ = ["QdrantClientStore"]

_SCHEMA = {"keyword": models.PayloadSchemaType.KEYWORD, "integer": models.PayloadSchemaType.INTEGER}


def client_filter(search_filter: SearchFilter | None) -> models.Filter | None:
    if search_filter is None:
        return None
    must: list[Any] = [
        models.FieldCondition(key=key, match=models.MatchAny(any=list(values)))
        for key, values in search_filter.matches().items()
    ]
    must += [
        models.FieldCondition(key=key, range=models.Range(gte=low, lte=high))
        for key, (low, high) in search_filter.ranges().items()
    ]
    return models.Filter(must=must) if must else None


class QdrantClientStore:
    """Build with :meth:`connect` (server URL) or :meth:`local` (path or ``":memory:"``)."""

    def __init__(
        self, client: QdrantClient, hnsw_ef: int | None = None, upsert_batch: int = 1024
    ) -> None:
        self.client = client
        self.hnsw_ef = hnsw_ef
        self.upsert_batch = upsert_batch
        self.collection: str | None = None

    @classmethod
    def connect(
        cls, url: str, api_key: str | None = None, hnsw_ef: int | None = None
    ) -> QdrantClientStore:
        return cls(QdrantClient(url=url, api_key=api_key), hnsw_ef=hnsw_ef)

    @classmethod
    def local(cls, path: str | Path) -> QdrantClientStore:
        path = str(path)
        client = QdrantClient(location=path) if path == ":memory:" else QdrantClient(path=path)
        return cls(client)

    def ensure_collection(
        self,
        name: str,
        dim: int,
        hnsw_m: int = 16,
        ef_construct: int = 100,
        quantization: Quantization = "none",
    ) -> None:
        if self.client.collection_exists(name):
            vectors = self.client.get_collection(name).config.params.vectors
            # Our collections have one unnamed vector: the params are a VectorParams.
            if not isinstance(vectors, models.VectorParams) or vectors.size != dim:
                raise CollectionMismatchError(
                    f"collection {name} holds {getattr(vectors, 'size', vectors)} vectors, "
                    f"not {dim}-d"
                )
        else:
            quantization_config = (
                models.ScalarQuantization(
                    scalar=models.ScalarQuantizationConfig(
                        type=models.ScalarType.INT8, quantile=0.99, always_ram=True
                    )
                )
                if quantization == "int8"
                else None
            )
            self.client.create_collection(
                name,
                vectors_config=models.VectorParams(size=dim, distance=models.Distance.COSINE),
                hnsw_config=models.HnswConfigDiff(
                    m=hnsw_m, ef_construct=ef_construct, payload_m=PAYLOAD_M
                ),
                quantization_config=quantization_config,
            )
            with warnings.catch_warnings():
                # Local mode ignores payload indexes and says so; the server builds them.
                warnings.filterwarnings("ignore", "Payload indexes have no effect")
                for field, kind in INDEXED_FIELDS.items():
                    self.client.create_payload_index(name, field, field_schema=_SCHEMA[kind])
        self.collection = name

    def upsert(
        self, ids: Sequence[str], vectors: np.ndarray, payloads: Sequence[dict[str, Any]]
    ) -> None:
        check_upsert(ids, vectors, payloads)
        name = self._current()
        vectors = np.asarray(vectors, dtype=np.float32)
        for start in range(0, len(ids), self.upsert_batch):
            stop = start + self.upsert_batch
            points = [
                models.PointStruct(id=point_id(i), vector=v, payload={**p, "illustration_id": i})
                for i, v, p in zip(
                    ids[start:stop], vectors[start:stop].tolist(), payloads[start:stop], strict=True
                )
            ]
            self.client.upsert(name, points=points, wait=True)

    def search(
        self,
        vector: np.ndarray,
        k: int,
        score_threshold: float | None = None,
        filter: SearchFilter | None = None,
    ) -> list[Hit]:
        response = self.client.query_points(
            self._current(),
            query=np.asarray(vector, dtype=np.float32).tolist(),
            limit=k,
            score_threshold=score_threshold,
            query_filter=client_filter(filter),
            search_params=self._params(filter is not None),
            with_payload=True,
        )
        return [_hit(p) for p in response.points]

    def search_batch(
        self,
        vectors: np.ndarray,
        k: int,
        score_threshold: float | None = None,
        filter: SearchFilter | None = None,
        with_payload: bool = True,
    ) -> list[list[Hit]]:
        condition = client_filter(filter)
        requests = [
            models.QueryRequest(
                query=np.asarray(v, dtype=np.float32).tolist(),
                limit=k,
                score_threshold=score_threshold,
                filter=condition,
                params=self._params(condition is not None),
                with_payload=True if with_payload else ["illustration_id"],
            )
            for v in vectors
        ]
        responses = self.client.query_batch_points(self._current(), requests=requests)
        return [[_hit(p) for p in r.points] for r in responses]

    def retrieve(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        records = self.client.retrieve(
            self._current(),
            ids=[point_id(i) for i in ids],
            with_payload=["illustration_id"],
            with_vectors=True,
        )
        found: dict[str, np.ndarray] = {}
        for record in records:
            payload = cast(dict[str, Any], record.payload)  # asked for with payload
            found[payload["illustration_id"]] = np.asarray(record.vector, dtype=np.float32)
        return found

    def count(self) -> int:
        return self.client.count(self._current(), exact=True).count

    def delete(self, ids: Sequence[str]) -> None:
        self.client.delete(
            self._current(),
            points_selector=models.PointIdsList(points=[point_id(i) for i in ids]),
            wait=True,
        )

    def optimize(self) -> None:
        # The server indexes in the background; local mode has no index to build.
        return None

    def close(self) -> None:
        self.client.close()

    def _current(self) -> str:
        if self.collection is None:
            raise NoCollectionError("call ensure_collection() first")
        return self.collection

    def _params(self, filtered: bool) -> models.SearchParams | None:
        if not filtered and not self.hnsw_ef:
            return None
        acorn = models.AcornSearchParams(enable=True, max_selectivity=ACORN_MAX_SELECTIVITY)
        return models.SearchParams(hnsw_ef=self.hnsw_ef, acorn=acorn if filtered else None)


def _hit(point: models.ScoredPoint) -> Hit:
    payload = dict(point.payload or {})
    return Hit(id=payload["illustration_id"], score=float(point.score), payload=payload)

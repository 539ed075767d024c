"""`VectorStore` over HTTP: the client of `ml.vectors.service` (the embedded engine's owner)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import httpx
import numpy as np

from ml.vectors.store import (
    CollectionMismatchError,
    Hit,
    NoCollectionError,
    Quantization,
    SearchFilter,
    check_upsert,
)
from ml.vectors.wire import decode_hits, decode_vectors, encode_filter, encode_vectors

OPTIMIZE_TIMEOUT = httpx.Timeout(10.0, read=None)


class VectorServiceError(RuntimeError):
    """The vector service is unreachable or failed."""


class RemoteStore:
    """Survives a restart of the service: a collection the service no longer has open is opened
    again with the parameters it was ensured with, and a service that is coming back up is
    waited for during `reconnect_s`."""

    def __init__(
        self,
        url: str,
        timeout_s: float = 60.0,
        upsert_batch: int = 2048,
        reconnect_s: float = 20.0,
    ) -> None:
        self.url = url.rstrip("/")
        self.upsert_batch = upsert_batch
        self.reconnect_s = reconnect_s
        self.collection: str | None = None
        self._spec: dict[str, Any] | None = None
        self._client = httpx.Client(base_url=self.url, timeout=timeout_s)

    def _request(
        self,
        method: str,
        path: str,
        json: dict[str, Any] | None,
        timeout: httpx.Timeout | None = None,
    ) -> httpx.Response:
        deadline = time.monotonic() + self.reconnect_s
        delay = 0.2
        while True:
            try:
                if timeout is None:
                    return self._client.request(method, path, json=json)
                return self._client.request(method, path, json=json, timeout=timeout)
            except (httpx.ConnectError, httpx.RemoteProtocolError) as exc:
                # Refused or cut: the service is (re)starting. Other errors are not retried.
                if time.monotonic() + delay > deadline:
                    raise VectorServiceError(
                        f"vector service at {self.url} unreachable: {exc}"
                    ) from exc
                time.sleep(delay)
                delay = min(delay * 2, 2.0)
            except httpx.HTTPError as exc:
                raise VectorServiceError(
                    f"vector service at {self.url} unreachable: {exc}"
                ) from exc

    def _call(
        self,
        method: str,
        path: str,
        json: dict[str, Any] | None = None,
        timeout: httpx.Timeout | None = None,
    ) -> dict:
        response = self._request(method, path, json, timeout)
        if response.status_code == 404 and self._reopens(path):
            response = self._request(method, path, json, timeout)
        return self._answer(response, path)

    def _reopens(self, path: str) -> bool:
        """A data call on our collection got 404: the service restarted and forgot it."""
        if self._spec is None or self.collection is None:
            return False
        if not path.startswith(f"/collections/{self.collection}/"):
            return False
        self._answer(
            self._request("PUT", f"/collections/{self.collection}", self._spec),
            f"/collections/{self.collection}",
        )
        return True

    def _answer(self, response: httpx.Response, path: str) -> dict:
        if response.status_code == 404:
            raise NoCollectionError(response.json().get("detail", path))
        if response.status_code == 409:
            raise CollectionMismatchError(response.json().get("detail", path))
        if response.status_code == 400:
            raise ValueError(response.json().get("detail", path))
        if response.status_code != 200:
            raise VectorServiceError(f"{path}: HTTP {response.status_code} {response.text[:300]}")
        return response.json()

    def _path(self, action: str) -> str:
        if self.collection is None:
            raise NoCollectionError("call ensure_collection first")
        return f"/collections/{self.collection}/{action}"

    def ensure_collection(
        self,
        name: str,
        dim: int,
        hnsw_m: int = 16,
        ef_construct: int = 100,
        quantization: Quantization = "none",
    ) -> None:
        spec = {
            "dim": dim,
            "hnsw_m": hnsw_m,
            "ef_construct": ef_construct,
            "quantization": quantization,
        }
        self._call("PUT", f"/collections/{name}", spec)
        self.collection, self._spec = name, spec

    def upsert(
        self, ids: Sequence[str], vectors: np.ndarray, payloads: Sequence[dict[str, Any]]
    ) -> None:
        check_upsert(ids, vectors, payloads)
        for start in range(0, len(ids), self.upsert_batch):
            stop = start + self.upsert_batch
            self._call(
                "POST",
                self._path("upsert"),
                {
                    "ids": list(ids[start:stop]),
                    "vectors": encode_vectors(np.asarray(vectors[start:stop])),
                    "payloads": list(payloads[start:stop]),
                },
            )

    def search(
        self,
        vector: np.ndarray,
        k: int,
        score_threshold: float | None = None,
        filter: SearchFilter | None = None,
    ) -> list[Hit]:
        body = {
            "vector": encode_vectors(np.asarray(vector)),
            "k": k,
            "score_threshold": score_threshold,
            "filter": encode_filter(filter),
        }
        return decode_hits(self._call("POST", self._path("search"), body)["hits"])

    def search_batch(
        self,
        vectors: np.ndarray,
        k: int,
        score_threshold: float | None = None,
        filter: SearchFilter | None = None,
        with_payload: bool = True,
    ) -> list[list[Hit]]:
        body = {
            "vectors": encode_vectors(np.asarray(vectors)),
            "k": k,
            "score_threshold": score_threshold,
            "filter": encode_filter(filter),
            "with_payload": with_payload,
        }
        results = self._call("POST", self._path("search_batch"), body)["results"]
        return [decode_hits(hits) for hits in results]

    def retrieve(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        body = self._call("POST", self._path("retrieve"), {"ids": list(ids)})
        if not body["ids"]:
            return {}
        vectors = decode_vectors(body["vectors"])
        return dict(zip(body["ids"], vectors, strict=True))

    def count(self) -> int:
        return int(self._call("GET", self._path("count"))["count"])

    def delete(self, ids: Sequence[str]) -> None:
        self._call("POST", self._path("delete"), {"ids": list(ids)})

    def optimize(self) -> None:
        # The HNSW build takes as long as it takes (about a minute per 100k vectors on two idle
        # cores, several under load): the answer is waited for without a read timeout.
        self._call("POST", self._path("optimize"), timeout=OPTIMIZE_TIMEOUT)

    def close(self) -> None:
        self._client.close()

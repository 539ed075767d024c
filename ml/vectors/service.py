"""A small HTTP service that owns the embedded Qdrant engine for every other process.

The embedded engine (qdrant-edge) locks its files: one process only may open a shard. The API
server and each worker are separate processes, so the one owner is this service, and the
others use `RemoteStore`, which speaks the same `VectorStore` protocol over HTTP on loopback.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import numpy as np
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ml.vectors.edge import EdgeStore
from ml.vectors.store import CollectionMismatchError, NoCollectionError, Quantization, VectorStore
from ml.vectors.wire import (
    decode_filter,
    decode_vectors,
    encode_hits,
    encode_vectors,
)

StoreFactory = Callable[[Path], VectorStore]


class Collections:
    """One open store per collection; writes to a collection are serialized.

    An open collection holds its vectors and links in memory. A collection nobody has used for
    `idle_close_s` is closed (a model replaced by a re-fit, an earlier benchmark size): its
    clients reopen it on the 404 they get next (`RemoteStore._reopens`).
    """

    def __init__(
        self,
        root: Path,
        factory: StoreFactory = EdgeStore,
        idle_close_s: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.root = root
        self.factory = factory
        self.idle_close_s = idle_close_s
        self.clock = clock
        self._stores: dict[str, VectorStore] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._dims: dict[str, int] = {}
        self._last_used: dict[str, float] = {}
        self._in_use: dict[str, int] = {}
        self._lock = threading.Lock()

    def ensure(
        self, name: str, dim: int, hnsw_m: int, ef_construct: int, quantization: Quantization
    ) -> VectorStore:
        with self._lock:
            if name not in self._stores:
                store = self.factory(self.root)
                store.ensure_collection(name, dim, hnsw_m, ef_construct, quantization)
                self._stores[name] = store
                self._locks[name] = threading.Lock()
                self._dims[name] = dim
                self._in_use[name] = 0
            elif self._dims[name] != dim:
                raise CollectionMismatchError(
                    f"collection {name} holds {self._dims[name]}-d vectors, not {dim}-d"
                )
            self._last_used[name] = self.clock()
        return self._stores[name]

    @contextlib.contextmanager
    def use(self, name: str) -> Iterator[tuple[VectorStore, threading.Lock]]:
        """The open store and its write lock; not closed as idle while the block runs."""
        with self._lock:
            if name not in self._stores:
                if not (self.root / name).is_dir():
                    raise NoCollectionError(f"no collection {name!r}")
                raise NoCollectionError(f"collection {name!r} is not open: ensure it first")
            self._in_use[name] += 1
            self._last_used[name] = self.clock()
        try:
            yield self._stores[name], self._locks[name]
        finally:
            with self._lock:
                self._in_use[name] -= 1
                self._last_used[name] = self.clock()

    def open_names(self) -> list[str]:
        with self._lock:
            return sorted(self._stores)

    def close_idle(self) -> list[str]:
        """Close the collections unused for `idle_close_s`; returns their names."""
        if self.idle_close_s is None:
            return []
        closed = []
        with self._lock:
            now = self.clock()
            for name in list(self._stores):
                if self._in_use[name] or now - self._last_used[name] < self.idle_close_s:
                    continue
                self._stores.pop(name).close()
                for table in (self._locks, self._dims, self._last_used, self._in_use):
                    table.pop(name)
                closed.append(name)
        return closed

    def close(self) -> None:
        with self._lock:
            for store in self._stores.values():
                store.close()
            self._stores.clear()


def create_service(
    root: Path, factory: StoreFactory = EdgeStore, idle_close_s: float | None = None
) -> Starlette:
    collections = Collections(root, factory, idle_close_s)

    def _error(exc: Exception, status: int) -> JSONResponse:
        return JSONResponse({"error": type(exc).__name__, "detail": str(exc)}, status_code=status)

    async def ensure(request: Request) -> JSONResponse:
        body = await request.json()
        try:
            await run_in_threadpool(
                collections.ensure,
                request.path_params["name"],
                int(body["dim"]),
                int(body.get("hnsw_m", 16)),
                int(body.get("ef_construct", 100)),
                body.get("quantization", "none"),
            )
        except CollectionMismatchError as exc:
            return _error(exc, 409)
        return JSONResponse({"ok": True})

    def _with_store(handler):
        async def endpoint(request: Request) -> JSONResponse:
            # `optimize` is a POST without a body.
            body = await request.json() if await request.body() else {}
            try:
                with collections.use(request.path_params["name"]) as (store, lock):
                    result = await run_in_threadpool(handler, store, lock, body)
            except NoCollectionError as exc:
                return _error(exc, 404)
            except (ValueError, KeyError) as exc:
                return _error(exc, 400)
            return JSONResponse(result)

        return endpoint

    def upsert(store, lock, body):
        vectors = decode_vectors(body["vectors"])
        with lock:
            store.upsert(body["ids"], vectors, body["payloads"])
        return {"ok": True}

    def search(store, lock, body):
        hits = store.search(
            decode_vectors(body["vector"])[0],
            int(body["k"]),
            body.get("score_threshold"),
            decode_filter(body.get("filter")),
        )
        return {"hits": encode_hits(hits)}

    def search_batch(store, lock, body):
        results = store.search_batch(
            decode_vectors(body["vectors"]),
            int(body["k"]),
            body.get("score_threshold"),
            decode_filter(body.get("filter")),
            with_payload=bool(body.get("with_payload", True)),
        )
        return {"results": [encode_hits(hits) for hits in results]}

    def retrieve(store, lock, body):
        found = store.retrieve(body["ids"])
        ids = list(found)
        vectors = encode_vectors(np.stack([found[i] for i in ids]) if ids else np.zeros((0, 1)))
        return {"ids": ids, "vectors": vectors}

    def count(store, lock, body):
        return {"count": store.count()}

    def delete(store, lock, body):
        with lock:
            store.delete(body["ids"])
        return {"ok": True}

    def optimize(store, lock, body):
        with lock:
            store.optimize()
        return {"ok": True}

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"ok": True, "root": str(root), "open": collections.open_names()})

    routes = [
        Route("/healthz", health),
        Route("/collections/{name}", ensure, methods=["PUT"]),
        Route("/collections/{name}/upsert", _with_store(upsert), methods=["POST"]),
        Route("/collections/{name}/search", _with_store(search), methods=["POST"]),
        Route("/collections/{name}/search_batch", _with_store(search_batch), methods=["POST"]),
        Route("/collections/{name}/retrieve", _with_store(retrieve), methods=["POST"]),
        Route("/collections/{name}/count", _with_store(count), methods=["GET"]),
        Route("/collections/{name}/delete", _with_store(delete), methods=["POST"]),
        Route("/collections/{name}/optimize", _with_store(optimize), methods=["POST"]),
    ]

    async def close_idle_collections() -> None:
        assert idle_close_s is not None
        while True:
            await asyncio.sleep(min(idle_close_s / 4, 30.0))
            await run_in_threadpool(collections.close_idle)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        closer = asyncio.create_task(close_idle_collections()) if idle_close_s else None
        yield
        if closer is not None:
            closer.cancel()
        collections.close()  # flush the write-ahead logs

    return Starlette(routes=routes, lifespan=lifespan)


def serve(
    root: Path, host: str = "127.0.0.1", port: int = 6335, idle_close_s: float | None = None
) -> None:
    """Run the service in the foreground (one process: the engine's single owner)."""
    import uvicorn

    app = create_service(root, idle_close_s=idle_close_s)
    uvicorn.run(app, host=host, port=port, log_level="warning")

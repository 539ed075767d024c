"""Truthful health checks of the three stores the system depends on."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import httpx
import numpy as np
import redis
from neo4j.exceptions import DriverError, Neo4jError

from api.resources import make_vector_store
from api.settings import Settings
from graph.db import GraphDB, check_connectivity
from graph.descriptors import active_model
from graph.errors import GraphUnavailableError
from ml.vectors import VectorStore
from ml.vectors.remote import RemoteStore


@dataclass(frozen=True)
class ComponentHealth:
    name: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class Health:
    components: tuple[ComponentHealth, ...]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.components)

    def as_dict(self) -> dict[str, object]:
        return {
            "status": "ok" if self.ok else "unavailable",
            "components": {c.name: {"ok": c.ok, "detail": c.detail} for c in self.components},
        }


def check_neo4j(db: GraphDB) -> ComponentHealth:
    try:
        check_connectivity(db)
    except GraphUnavailableError as exc:
        return ComponentHealth("neo4j", False, str(exc))
    return ComponentHealth("neo4j", True, "bolt answers")


def check_broker(settings: Settings) -> ComponentHealth:
    url = settings.broker.broker_url
    if url.startswith(("amqp://", "amqps://")):
        return _check_amqp(url)
    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        return ComponentHealth("broker", False, f"redis unavailable: {exc}")
    finally:
        client.close()
    return ComponentHealth("broker", True, "redis answers")


def _check_amqp(url: str) -> ComponentHealth:
    import pika  # only needed with a RabbitMQ broker

    try:
        pika.BlockingConnection(pika.URLParameters(url)).close()
    except Exception as exc:  # pika raises many unrelated types
        return ComponentHealth("broker", False, f"rabbitmq unavailable: {exc}")
    return ComponentHealth("broker", True, "rabbitmq answers")


def check_vectors(settings: Settings, db: GraphDB) -> ComponentHealth:
    """The store answers, and a search on the active model's collection makes the round trip
    that `searchSimilar` and the workers make (a restarted service must reopen it)."""
    alive = _vectors_alive(settings)
    if not alive.ok:
        return alive
    try:
        record = active_model(db)
    except (GraphUnavailableError, Neo4jError, DriverError):
        return alive  # Neo4j's own check reports it; the store itself answered
    if record is None:
        return ComponentHealth("vectors", True, f"{alive.detail}; no descriptor model yet")
    vectors = settings.vectors
    store = _probe_store(settings)
    if store is None:
        return alive
    try:
        store.ensure_collection(
            record.collection,
            record.dim,
            vectors.hnsw_m,
            vectors.hnsw_ef_construct,
            vectors.quantization,
        )
        store.search(np.full(record.dim, record.dim**-0.5, dtype=np.float32), 1)
    except Exception as exc:  # any failure of the round trip means the search path is down
        return ComponentHealth(
            "vectors", False, f"search on {record.collection} failed: {type(exc).__name__}: {exc}"
        )
    finally:
        store.close()
    return ComponentHealth("vectors", True, f"search round-trip on {record.collection}")


def _probe_store(settings: Settings) -> VectorStore | None:
    if settings.vectors.backend == "edge":
        # No reconnect wait: a health check answers now.
        url = f"http://127.0.0.1:{settings.vectors.service_port}"
        return RemoteStore(url, timeout_s=5.0, reconnect_s=0.0)
    if settings.vectors.url:
        return make_vector_store(settings)
    return None  # qdrant-client's local mode locks its folder to the process that opened it


def _vectors_alive(settings: Settings) -> ComponentHealth:
    vectors = settings.vectors
    if vectors.backend == "edge":
        url = f"http://{vectors.service_host}:{vectors.service_port}/healthz"
        try:
            response = httpx.get(url, timeout=2.0)
        except httpx.HTTPError as exc:
            return ComponentHealth("vectors", False, f"vector service unavailable: {exc}")
        ok = response.status_code == 200
        return ComponentHealth(
            "vectors", ok, f"embedded engine service answered {response.status_code}"
        )
    if vectors.url:
        try:
            response = httpx.get(f"{vectors.url.rstrip('/')}/readyz", timeout=2.0)
        except httpx.HTTPError as exc:
            return ComponentHealth("vectors", False, f"qdrant unavailable: {exc}")
        ok = response.status_code == 200
        return ComponentHealth("vectors", ok, f"qdrant server answered {response.status_code}")
    path = settings.vector_path
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".health"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        return ComponentHealth("vectors", False, f"{vectors.backend} store not writable: {exc}")
    return ComponentHealth("vectors", True, f"embedded {vectors.backend} store at {path}")


def check_all(settings: Settings, db: GraphDB) -> Health:
    return Health((check_neo4j(db), check_broker(settings), check_vectors(settings, db)))


__all__ = ["ComponentHealth", "Health", "asdict", "check_all"]

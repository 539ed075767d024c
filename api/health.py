"""Truthful health checks of the three stores the system depends on."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import httpx
import redis

from api.settings import Settings
from graph.db import GraphDB, check_connectivity
from graph.errors import GraphUnavailableError


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


def check_vectors(settings: Settings) -> ComponentHealth:
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
    return Health((check_neo4j(db), check_broker(settings), check_vectors(settings)))


__all__ = ["ComponentHealth", "Health", "asdict", "check_all"]

"""Bringing the whole local system up and down, in dependency order."""

from __future__ import annotations

import sys
from dataclasses import dataclass

from api.services.background import BackgroundProcess
from api.services.neo4j import LocalNeo4j
from api.services.process import port_open
from api.services.redis import LocalRedis
from api.settings import Settings


@dataclass(frozen=True)
class ServiceStatus:
    name: str
    managed: bool  # started by us (False: an external service is configured)
    running: bool
    address: str


def local_neo4j(settings: Settings) -> LocalNeo4j:
    return LocalNeo4j(settings.neo4j, settings.data_dir.resolve() / "neo4j")


def local_redis(settings: Settings) -> LocalRedis:
    broker = settings.broker
    password = broker.redis_password.get_secret_value() if broker.redis_password else None
    return LocalRedis(
        broker.redis_port, settings.data_dir.resolve() / "redis", broker.redis_host, password
    )


def api_process(settings: Settings) -> BackgroundProcess:
    return BackgroundProcess(
        "api",
        [sys.executable, "-m", "api.cli", "serve"],
        settings.run_dir,
    )


def worker_process(settings: Settings) -> BackgroundProcess:
    return BackgroundProcess(
        "worker",
        [sys.executable, "-m", "api.cli", "worker"],
        settings.run_dir,
    )


def vector_service(settings: Settings) -> BackgroundProcess:
    return BackgroundProcess(
        "vectors",
        [sys.executable, "-m", "api.cli", "vectors", "serve"],
        settings.run_dir,
    )


def services_up(settings: Settings) -> list[ServiceStatus]:
    """Start the local databases that are not configured externally. Idempotent."""
    if settings.neo4j.is_local:
        local_neo4j(settings).start()
    if settings.broker.is_local:
        local_redis(settings).start()
    if settings.vectors.backend == "edge":
        host, port = settings.vectors.service_host, settings.vectors.service_port
        vector_service(settings).start(ready=lambda: port_open(host, port), timeout_s=60)
    return services_status(settings)


def services_down(settings: Settings) -> None:
    if settings.vectors.backend == "edge":
        vector_service(settings).stop()
    if settings.broker.is_local:
        local_redis(settings).stop()
    if settings.neo4j.is_local:
        local_neo4j(settings).stop()


def services_status(settings: Settings) -> list[ServiceStatus]:
    neo4j = local_neo4j(settings)
    redis = local_redis(settings)
    return [
        ServiceStatus(
            "neo4j",
            settings.neo4j.is_local,
            neo4j.is_running() if settings.neo4j.is_local else True,
            settings.neo4j.bolt_uri,
        ),
        ServiceStatus(
            "redis",
            settings.broker.is_local,
            redis.is_running() if settings.broker.is_local else True,
            # Never the URL itself: it may carry the password.
            f"redis://{settings.broker.redis_host}:{settings.broker.redis_port}/0"
            if settings.broker.is_local
            else settings.broker.broker_url,
        ),
        ServiceStatus(
            "vectors",
            settings.vectors.backend == "edge",
            vector_service(settings).is_running() if settings.vectors.backend == "edge" else True,
            vector_url(settings),
        ),
    ]


def vector_url(settings: Settings) -> str:
    if settings.vectors.backend == "edge":
        return f"http://{settings.vectors.service_host}:{settings.vectors.service_port}"
    return settings.vectors.url or f"local:{settings.vector_path}"


def system_up(settings: Settings) -> None:
    """Databases, then the API server and the workers, all detached."""
    services_up(settings)
    api_process(settings).start(
        ready=lambda: port_open(settings.api.host, settings.api.port), timeout_s=120
    )
    worker_process(settings).start()


# Started by `contagions demo run` and left serving the sample press while it is explored.
DEMO_SITE, DEMO_IIIF = "demo-site", "demo-iiif"


def demo_servers_down(settings: Settings) -> None:
    for name in (DEMO_SITE, DEMO_IIIF):
        BackgroundProcess(name, (), settings.run_dir).stop()


def system_down(settings: Settings) -> None:
    demo_servers_down(settings)
    worker_process(settings).stop()
    api_process(settings).stop()
    services_down(settings)

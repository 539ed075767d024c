"""Benchmarks that need Neo4j/Redis run them on ports and a data dir of their own."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH_ENV = {
    "CONTAGIONS_DATA_DIR": str(ROOT / "var" / "bench"),
    "CONTAGIONS_NEO4J__BOLT_PORT": "27687",
    "CONTAGIONS_NEO4J__HTTP_PORT": "27474",
    "CONTAGIONS_NEO4J__PASSWORD": "contagions-bench",
    "CONTAGIONS_NEO4J__HEAP_SIZE": "2g",
    "CONTAGIONS_NEO4J__PAGECACHE_SIZE": "1g",
    "CONTAGIONS_BROKER__REDIS_PORT": "26379",
    "CONTAGIONS_VECTORS__SERVICE_PORT": "26335",
}


def bench_environment() -> None:
    """Call before importing `api.settings`."""
    for key, value in BENCH_ENV.items():
        os.environ.setdefault(key, value)


def start_services():
    """Start the bench Neo4j + Redis (idempotent); returns (settings, db)."""
    from api.resources import neo4j_connection
    from api.services.manager import services_up
    from api.settings import get_settings
    from graph.db import open_graph
    from graph.schema import ensure_schema

    settings = get_settings()
    services_up(settings)
    db = open_graph(neo4j_connection(settings))
    ensure_schema(db)
    return settings, db


def stop_services() -> None:
    from api.services.manager import services_down
    from api.settings import get_settings

    services_down(get_settings())

"""The `clusters` queue: continuous mode, from new vectors to updated clusters.

The gpu actor calls `request_update(corpus)` after each batch it embeds (the first descriptor
model, which the gpu queue fits, is in `api.actors.gpu`). Requests are
coalesced: the first one of a burst sets a Redis flag and sends `update_clusters` with a
delay (`continuous.debounce_seconds`); later ones find the flag and send nothing. The update
clears the flag before it starts, so batches that land during an update schedule one more;
a per-corpus lock keeps two updates of a corpus from running at once.
"""

from __future__ import annotations

import logging

import dramatiq
import redis
import torch

import api.broker  # noqa: F401  (the broker must be set before actors are declared)
from api.pipeline.continuous import update_corpus
from api.pipeline.index import NoDescriptorModelError
from api.runtime import Runtime, get_runtime
from api.settings import get_settings

log = logging.getLogger(__name__)

PENDING_KEY = "contagions:clusters:pending:{corpus}"
LOCK_KEY = "contagions:clusters:lock:{corpus}"
ALL = ""  # the name given to "no corpus" (every illustration)


def redis_client() -> redis.Redis | None:
    """The broker's Redis, where continuous mode coalesces its requests (None on RabbitMQ)."""
    url = get_settings().broker.broker_url
    return redis.Redis.from_url(url) if url.startswith(("redis://", "rediss://")) else None


def request_update(corpus: str | None) -> bool:
    """Schedule one update of the corpus' clusters unless one is already pending."""
    settings = get_settings().continuous
    if not settings.enabled:
        return False
    name = corpus or ALL
    client = redis_client()
    delay_ms = int(settings.debounce_seconds * 1000)
    if client is not None:
        expiry = max(60, int(settings.debounce_seconds * 10))
        if not client.set(PENDING_KEY.format(corpus=name), "1", nx=True, ex=expiry):
            return False
    update_clusters.send_with_options(args=(name,), delay=delay_ms)
    return True


@dramatiq.actor(queue_name="clusters", max_retries=3, min_backoff=10_000, time_limit=6 * 3600_000)
def update_clusters(corpus: str) -> None:
    runtime = get_runtime()
    client = redis_client()
    if client is not None:
        client.delete(PENDING_KEY.format(corpus=corpus))
        lock = client.lock(LOCK_KEY.format(corpus=corpus), timeout=6 * 3600)
        with lock:
            _update(runtime, corpus)
    else:
        _update(runtime, corpus)


def _update(runtime: Runtime, corpus: str) -> None:
    try:
        _, record = runtime.embedder()
    except NoDescriptorModelError as exc:
        log.info("no clusters to update yet: %s", exc)
        return
    outcome = update_corpus(
        runtime.db,
        corpus=corpus or None,
        store=runtime.vector_store,
        model=record,
        similarity=runtime.settings.similarity,
        has_gpu=torch.cuda.is_available(),
    )
    log.info("clusters of %r: %s", corpus or "all corpora", outcome)

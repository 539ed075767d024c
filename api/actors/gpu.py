"""The `gpu` queue: batches of illustration ids, embedded and upserted to the vector store.

The model is loaded once per worker process (on first message); it runs on CUDA when the
machine has it, else on the CPU.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import dramatiq

import api.broker  # noqa: F401  (the broker must be set before actors are declared)
from api.actors.clusters import redis_client, request_update
from api.actors.failures import (
    OUTAGE_MAX_BACKOFF_MS,
    process_or_record,
    retry_policy,
    send_or_leave_pending,
)
from api.pipeline.continuous import fit_first_model
from api.pipeline.index import IndexOutcome, NoDescriptorModelError, index_illustrations
from api.runtime import get_runtime
from api.settings import get_settings
from graph.corpora import corpora_of_illustrations
from graph.descriptors import mark_index_failed

log = logging.getLogger(__name__)

BATCH = 64


def enqueue_descriptors(illustration_ids: list[str], removed: list[str] | None = None) -> None:
    for start in range(0, len(illustration_ids), BATCH):
        embed_batch.send(illustration_ids[start : start + BATCH])
    if removed:
        forget_vectors.send(removed)


@dramatiq.actor(
    queue_name="gpu",
    max_retries=3,
    retry_when=retry_policy(3),
    min_backoff=10_000,
    max_backoff=OUTAGE_MAX_BACKOFF_MS,
    time_limit=60 * 60_000,
)
def embed_batch(illustration_ids: list[str]) -> None:
    runtime = get_runtime()
    try:
        pca, _ = runtime.embedder()
    except NoDescriptorModelError as exc:
        # Not an error of these illustrations: the first fit (continuous mode) or
        # `contagions index` picks them up later.
        log.info("%d illustrations wait for a descriptor model: %s", len(illustration_ids), exc)
        request_first_fit()
        return
    source = runtime.crop_source(runtime.crop_limits_for(pca))

    def process(ids: Sequence[str]) -> list[IndexOutcome]:
        outcome = index_illustrations(
            ids, source=source, extractor=runtime.extractor, pca=pca, store=runtime.vector_store
        )
        return [outcome]

    def record_failure(illustration_id: str, reason: str) -> None:
        mark_index_failed(runtime.db, {illustration_id: reason})

    for outcome in process_or_record(illustration_ids, process, record_failure):
        if outcome.failed:
            log.warning("%d illustrations failed: %s", len(outcome.failed), outcome.failed)
    # Continuous mode: the corpora of these illustrations get their edges and clusters updated.
    for corpus in corpora_of_illustrations(runtime.db, illustration_ids):
        send_or_leave_pending(lambda: request_update(corpus), f"edges of {corpus!r}")  # noqa: B023


@dramatiq.actor(
    queue_name="gpu",
    max_retries=3,
    retry_when=retry_policy(3),
    max_backoff=OUTAGE_MAX_BACKOFF_MS,
)
def forget_vectors(illustration_ids: list[str]) -> None:
    runtime = get_runtime()
    try:
        runtime.embedder()
    except NoDescriptorModelError:
        return
    runtime.vector_store.delete(illustration_ids)


# Continuous mode's first descriptor model: fitting runs the backbone, so it is gpu work.
FIRST_FIT_KEY = "contagions:clusters:first-fit"


def request_first_fit() -> bool:
    settings = get_settings().continuous
    if not settings.enabled:
        return False
    client = redis_client()
    if client is not None and not client.set(FIRST_FIT_KEY, "1", nx=True, ex=600):
        return False
    fit_first.send_with_options(delay=int(settings.debounce_seconds * 1000))
    return True


@dramatiq.actor(queue_name="gpu", max_retries=1, time_limit=6 * 3600_000)
def fit_first() -> None:
    runtime = get_runtime()
    settings = runtime.settings
    try:
        record = fit_first_model(
            runtime.db,
            source=runtime.crop_source(runtime.crop_limits),
            extractor=runtime.extractor,
            model=settings.model,
            continuous=settings.continuous,
            artifact_dir=str(settings.data_dir.resolve() / "models"),
            enqueue=lambda ids: enqueue_descriptors(list(ids)),
        )
    finally:
        client = redis_client()
        if client is not None:
            client.delete(FIRST_FIT_KEY)
    if record is not None:
        log.info("first descriptor model %s fitted on %d images", record.id, record.sample_size)

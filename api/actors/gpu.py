"""The `gpu` queue: batches of illustration ids, embedded and upserted to the vector store.

The model is loaded once per worker process (on first message); it runs on CUDA when the
machine has it, else on the CPU.
"""

from __future__ import annotations

import logging

import dramatiq

import api.broker  # noqa: F401  (the broker must be set before actors are declared)
from api.pipeline.index import NoDescriptorModelError, index_illustrations
from api.runtime import get_runtime

log = logging.getLogger(__name__)

BATCH = 64


def enqueue_descriptors(illustration_ids: list[str], removed: list[str] | None = None) -> None:
    for start in range(0, len(illustration_ids), BATCH):
        embed_batch.send(illustration_ids[start : start + BATCH])
    if removed:
        forget_vectors.send(removed)


@dramatiq.actor(queue_name="gpu", max_retries=3, min_backoff=10_000, time_limit=60 * 60_000)
def embed_batch(illustration_ids: list[str]) -> None:
    runtime = get_runtime()
    try:
        pca, _ = runtime.embedder()
    except NoDescriptorModelError as exc:
        # Not an error of these illustrations: `contagions index` picks them up later.
        log.info("%d illustrations wait for a descriptor model: %s", len(illustration_ids), exc)
        return
    outcome = index_illustrations(
        illustration_ids,
        source=runtime.crop_source(runtime.crop_limits_for(pca)),
        extractor=runtime.extractor,
        pca=pca,
        store=runtime.vector_store,
    )
    if outcome.failed:
        log.warning("%d illustrations failed: %s", len(outcome.failed), outcome.failed)


@dramatiq.actor(queue_name="gpu", max_retries=3)
def forget_vectors(illustration_ids: list[str]) -> None:
    runtime = get_runtime()
    try:
        runtime.embedder()
    except NoDescriptorModelError:
        return
    runtime.vector_store.delete(illustration_ids)

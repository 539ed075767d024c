"""The `pages` queue: batches of page ids, segmented into illustrations."""

from __future__ import annotations

import dramatiq

import api.broker  # noqa: F401  (the broker must be set before actors are declared)
from api.pipeline.pages import segment_pages
from api.runtime import get_runtime


def enqueue_pages(page_ids: list[str], segmenter: str, batch_size: int) -> None:
    for start in range(0, len(page_ids), batch_size):
        segment_page_batch.send(page_ids[start : start + batch_size], segmenter)


@dramatiq.actor(queue_name="pages", max_retries=3, min_backoff=5_000, time_limit=30 * 60_000)
def segment_page_batch(page_ids: list[str], segmenter: str) -> None:
    runtime = get_runtime()
    outcomes = segment_pages(
        runtime.db,
        page_ids,
        fetcher=runtime.fetcher,
        segmenter=runtime.segmenter(segmenter),
        limits=runtime.page_limits,
        cache=runtime.image_cache,
    )
    illustration_ids = [i for outcome in outcomes for i in outcome.illustration_ids]
    removed = [i for outcome in outcomes for i in outcome.removed_ids]
    if illustration_ids or removed:
        from api.actors.gpu import enqueue_descriptors

        enqueue_descriptors(illustration_ids, removed)

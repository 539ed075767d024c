"""The `pages` queue: batches of page ids, segmented into illustrations."""

from __future__ import annotations

from collections.abc import Sequence

import dramatiq

import api.broker  # noqa: F401  (the broker must be set before actors are declared)
from api.actors.failures import (
    OUTAGE_MAX_BACKOFF_MS,
    process_or_record,
    retry_policy,
    send_or_leave_pending,
)
from api.actors.gpu import enqueue_descriptors
from api.pipeline.pages import PageOutcome, segment_pages
from api.runtime import get_runtime
from graph.illustrations import mark_page_failed


def enqueue_pages(page_ids: list[str], segmenter: str, batch_size: int) -> None:
    for start in range(0, len(page_ids), batch_size):
        segment_page_batch.send(page_ids[start : start + batch_size], segmenter)


@dramatiq.actor(
    queue_name="pages",
    max_retries=3,
    retry_when=retry_policy(3),
    min_backoff=5_000,
    max_backoff=OUTAGE_MAX_BACKOFF_MS,
    time_limit=30 * 60_000,
)
def segment_page_batch(page_ids: list[str], segmenter: str) -> None:
    runtime = get_runtime()

    def process(ids: Sequence[str]) -> list[PageOutcome]:
        return segment_pages(
            runtime.db,
            ids,
            fetcher=runtime.fetcher,
            segmenter=runtime.segmenter(segmenter),
            limits=runtime.page_limits,
            cache=runtime.image_cache,
        )

    def record_failure(page_id: str, reason: str) -> None:
        mark_page_failed(runtime.db, page_id, reason)

    outcomes = process_or_record(page_ids, process, record_failure)
    illustration_ids = [i for outcome in outcomes for i in outcome.illustration_ids]
    removed = [i for outcome in outcomes for i in outcome.removed_ids]
    if illustration_ids or removed:
        send_or_leave_pending(
            lambda: enqueue_descriptors(illustration_ids, removed),
            f"{len(illustration_ids)} illustrations",
        )

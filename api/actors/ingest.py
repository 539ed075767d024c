"""The `ingest` queue: messages of a few IIIF URIs (task ids), harvested into the graph."""

from __future__ import annotations

import dramatiq

import api.broker  # noqa: F401  (the broker must be set before actors are declared)
from api.pipeline.ingest import process_tasks
from api.runtime import get_runtime


def enqueue_tasks(task_ids: list[str]) -> None:
    size = get_runtime().settings.ingest.task_batch_size
    for start in range(0, len(task_ids), size):
        harvest_tasks.send(task_ids[start : start + size])


@dramatiq.actor(queue_name="ingest", max_retries=5, min_backoff=2_000, max_backoff=120_000)
def harvest_tasks(task_ids: list[str]) -> None:
    """A redelivered or retried message redoes only its tasks that are not finished."""
    runtime = get_runtime()
    outcomes = process_tasks(
        runtime.db,
        task_ids,
        fetcher=runtime.fetcher,
        enqueue=enqueue_tasks,
        max_depth=runtime.settings.ingest.max_collection_depth,
    )
    page_ids = [page for outcome in outcomes for page in outcome.page_ids]
    if not page_ids:
        return
    from api.actors.pages import enqueue_pages

    by_segmenter: dict[str, list[str]] = {}
    for outcome in outcomes:
        segmenter = outcome.segmenter or runtime.settings.segmenter.default
        by_segmenter.setdefault(segmenter, []).extend(outcome.page_ids)
    for segmenter, ids in by_segmenter.items():
        if ids:
            enqueue_pages(ids, segmenter, runtime.settings.ingest.page_batch_size)


@dramatiq.actor(queue_name="ingest", max_retries=5, min_backoff=2_000, max_backoff=120_000)
def harvest_task(task_id: str) -> None:
    """Messages of one task, as earlier versions sent them (still in queues after an upgrade)."""
    harvest_tasks(task_ids=[task_id])

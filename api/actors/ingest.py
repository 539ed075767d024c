"""The `ingest` queue: one message per IIIF URI (a task id), harvested into the graph."""

from __future__ import annotations

import dramatiq

import api.broker  # noqa: F401  (the broker must be set before actors are declared)
from api.pipeline.ingest import process_task
from api.runtime import get_runtime


def enqueue_tasks(task_ids: list[str]) -> None:
    for task_id in task_ids:
        harvest_task.send(task_id)


@dramatiq.actor(queue_name="ingest", max_retries=5, min_backoff=2_000, max_backoff=120_000)
def harvest_task(task_id: str) -> None:
    runtime = get_runtime()
    outcome = process_task(
        runtime.db,
        task_id,
        fetcher=runtime.fetcher,
        enqueue=enqueue_tasks,
        max_depth=runtime.settings.ingest.max_collection_depth,
    )
    if outcome.page_ids:
        from api.actors.pages import enqueue_pages

        enqueue_pages(
            list(outcome.page_ids),
            outcome.segmenter or runtime.settings.segmenter.default,
            runtime.settings.ingest.page_batch_size,
        )

"""The `ingest` queue: one message per IIIF URI (a task id), harvested into the graph."""

from __future__ import annotations

from collections.abc import Sequence

import dramatiq

import api.broker  # noqa: F401  (the broker must be set before actors are declared)
from api.actors.failures import process_or_record
from api.pipeline.ingest import TaskOutcome, process_task
from api.runtime import get_runtime
from graph.ingest import mark_task_failed


def enqueue_tasks(task_ids: list[str]) -> None:
    for task_id in task_ids:
        harvest_task.send(task_id)


@dramatiq.actor(queue_name="ingest", max_retries=5, min_backoff=2_000, max_backoff=120_000)
def harvest_task(task_id: str) -> None:
    runtime = get_runtime()
    settings = runtime.settings.ingest

    def process(task_ids: Sequence[str]) -> list[TaskOutcome]:
        return [
            process_task(
                runtime.db,
                task_ids[0],
                fetcher=runtime.fetcher,
                enqueue=enqueue_tasks,
                max_depth=settings.max_collection_depth,
                max_pages=settings.max_collection_pages,
                pages_per_transaction=settings.pages_per_transaction,
            )
        ]

    def record_failure(failed_task: str, reason: str) -> None:
        mark_task_failed(runtime.db, failed_task, reason)

    outcomes = process_or_record([task_id], process, record_failure)
    if not outcomes:
        return
    outcome = outcomes[0]
    if outcome.page_ids:
        from api.actors.pages import enqueue_pages

        enqueue_pages(
            list(outcome.page_ids),
            outcome.segmenter or runtime.settings.segmenter.default,
            runtime.settings.ingest.page_batch_size,
        )

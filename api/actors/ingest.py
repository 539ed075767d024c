"""The `ingest` queue: messages of a few IIIF URIs (task ids), harvested into the graph."""

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
from api.actors.pages import enqueue_pages
from api.pipeline.ingest import HarvestLimits, TaskOutcome, process_tasks
from api.pipeline.reharvest import reharvest_due, scheduled
from api.runtime import get_runtime
from api.schedule import Every
from api.settings import get_settings
from graph.ingest import mark_task_failed


def enqueue_tasks(task_ids: list[str]) -> None:
    size = get_runtime().settings.ingest.task_batch_size
    for start in range(0, len(task_ids), size):
        harvest_tasks.send(task_ids[start : start + size])


def send_new_tasks(task_ids: list[str]) -> None:
    """A new job's tasks, already in the graph: with the broker down they stay queued there
    and the reconciler sends them once it is back, so the caller's job is not refused (the
    broker's state is for `contagions status` and `/healthz` to tell)."""
    send_or_leave_pending(lambda: enqueue_tasks(task_ids), f"{len(task_ids)} tasks")


@dramatiq.actor(
    queue_name="ingest",
    max_retries=5,
    retry_when=retry_policy(5),
    min_backoff=2_000,
    max_backoff=OUTAGE_MAX_BACKOFF_MS,
)
def harvest_tasks(task_ids: list[str]) -> None:
    """A redelivered or retried message redoes only its tasks that are not finished."""
    runtime = get_runtime()
    settings = runtime.settings.ingest
    limits = HarvestLimits(
        max_depth=settings.max_collection_depth,
        max_pages=settings.max_collection_pages,
        pages_per_transaction=settings.pages_per_transaction,
    )

    def process(units: Sequence[str]) -> list[TaskOutcome]:
        return process_tasks(
            runtime.db, units, fetcher=runtime.fetcher, enqueue=enqueue_tasks, limits=limits
        )

    def record_failure(failed_task: str, reason: str) -> None:
        mark_task_failed(runtime.db, failed_task, reason)

    outcomes = process_or_record(task_ids, process, record_failure)
    by_segmenter: dict[str, list[str]] = {}
    for outcome in outcomes:
        if outcome.page_ids:
            segmenter = outcome.segmenter or runtime.settings.segmenter.default
            by_segmenter.setdefault(segmenter, []).extend(outcome.page_ids)
    if not by_segmenter:
        return

    for segmenter, ids in by_segmenter.items():
        send_or_leave_pending(
            lambda: enqueue_pages(ids, segmenter, settings.page_batch_size),  # noqa: B023
            f"{len(ids)} pages",
        )


@dramatiq.actor(
    queue_name="ingest",
    max_retries=5,
    retry_when=retry_policy(5),
    min_backoff=2_000,
    max_backoff=OUTAGE_MAX_BACKOFF_MS,
)
def harvest_task(task_id: str) -> None:
    """Messages of one task, as earlier versions sent them (still in queues after an upgrade)."""
    harvest_tasks(task_ids=[task_id])


def start_due_reharvests() -> None:
    """Start the scheduled re-harvests that are due (the ingest workers' clock calls it)."""
    runtime = get_runtime()
    reharvest_due(runtime.db, settings=runtime.settings.ingest, enqueue=enqueue_tasks)


# One worker of the fleet looks each period (api/schedule.py); the claim in the graph makes
# a corpus start once even when two periods overlap.
_ingest = get_settings().ingest
if scheduled(_ingest):
    dramatiq.get_broker().add_middleware(
        Every("reharvest", _ingest.reharvest_check_s, start_due_reharvests)
    )

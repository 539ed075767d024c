"""The reconciler on a clock: every worker runs it, one at a time (api/schedule.py).

`outbox()` is what it sends with: the actors' own enqueue functions, so that a unit sent
again travels exactly as it did the first time.
"""

from __future__ import annotations

import logging

import api.broker
from api.actors.clusters import request_update
from api.actors.gpu import enqueue_descriptors
from api.actors.ingest import enqueue_tasks
from api.actors.pages import enqueue_pages
from api.pipeline.reconcile import Outbox, Resent, reconcile
from api.runtime import get_runtime
from api.schedule import Every
from api.settings import get_settings
from graph.corpora import corpora_of_illustrations
from graph.db import GraphDB

log = logging.getLogger(__name__)


def outbox(db: GraphDB, *, check_queues: bool = True) -> Outbox:
    """Sending with the actors; `check_queues=False` sends even while queues hold messages
    (an explicit `contagions job --resume`)."""
    settings = get_settings()

    def pages(ids: list[str], segmenter: str | None) -> None:
        enqueue_pages(ids, segmenter or settings.segmenter.default, settings.ingest.page_batch_size)

    def edges(ids: list[str]) -> None:
        for corpus in corpora_of_illustrations(db, ids):
            request_update(corpus)

    return Outbox(
        tasks=enqueue_tasks,
        pages=pages,
        illustrations=lambda ids: enqueue_descriptors(ids),
        edges=edges if settings.continuous.enabled else None,
        idle=api.broker.queue_idle if check_queues else None,
    )


def reconcile_now() -> Resent:
    """One round over every job, as the clock runs it."""
    settings = get_settings().reconcile
    db = get_runtime().db
    return reconcile(
        db,
        enqueue=outbox(db),
        deadline_s=settings.deadline_s,
        limit=settings.batch_limit,
    )


if get_settings().reconcile.enabled:
    api.broker.broker.add_middleware(
        Every("reconcile", get_settings().reconcile.interval_s, reconcile_now)
    )

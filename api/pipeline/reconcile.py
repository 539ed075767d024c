"""The reconciler: units pending in a stage past a deadline are sent again.

Every stage writes its units as pending in the transaction of the work that makes them (the
outbox, `graph.outbox`), then enqueues them. When the enqueue fails (the broker is down) or a
message is lost (a broker restarted without its data), the unit stays pending; this finds it
and sends it again. Resending is safe: every stage's write is idempotent (tasks skip once done,
pages replace their illustrations, vectors are upserted, edges are built once per edge set).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from graph import outbox as repo
from graph.db import GraphDB
from graph.descriptors import active_model

log = logging.getLogger(__name__)

# The queue each stage's messages travel on.
STAGE_QUEUES = {"tasks": "ingest", "pages": "pages", "illustrations": "gpu", "edges": "clusters"}


@dataclass(frozen=True)
class Outbox:
    """Where pending units are sent: the actors' enqueue functions."""

    tasks: Callable[[list[str]], None]
    pages: Callable[[list[str], str | None], None]  # page ids, segmenter (None: the default)
    illustrations: Callable[[list[str]], None]
    # Illustrations whose corpora get their edges; None where edges are not built continuously.
    edges: Callable[[list[str]], None] | None = None
    # Whether a queue holds no message (ready, delayed or in flight); None: do not ask.
    idle: Callable[[str], bool] | None = None


@dataclass(frozen=True)
class Resent:
    tasks: int = 0
    pages: int = 0
    illustrations: int = 0
    edges: int = 0

    @property
    def total(self) -> int:
        return self.tasks + self.pages + self.illustrations + self.edges


def reconcile(
    db: GraphDB,
    *,
    enqueue: Outbox,
    deadline_s: float,
    job_id: str | None = None,
    limit: int = 5_000,
) -> Resent:
    """Send again the units pending for longer than `deadline_s` (in one job, or all).

    A stage whose queue still holds messages is left alone (when `enqueue.idle` can tell):
    its units may still be on their way. Illustrations wait for a descriptor model, so they
    are sent only when one is active."""

    def may_send(stage: str) -> bool:
        return enqueue.idle is None or enqueue.idle(STAGE_QUEUES[stage])

    counts = dict.fromkeys(STAGE_QUEUES, 0)
    if may_send("tasks"):
        tasks = repo.stuck_tasks(db, deadline_s, job_id=job_id, limit=limit)
        if tasks:
            enqueue.tasks(tasks)
            repo.mark_tasks_sent(db, tasks)
            counts["tasks"] = len(tasks)
    if may_send("pages"):
        pages = repo.stuck_pages(db, deadline_s, job_id=job_id, limit=limit)
        by_segmenter: dict[str | None, list[str]] = {}
        for page in pages:
            by_segmenter.setdefault(page.segmenter, []).append(page.id)
        for segmenter, ids in by_segmenter.items():
            enqueue.pages(ids, segmenter)
            repo.mark_pages_sent(db, ids)
        counts["pages"] = len(pages)
    has_model = active_model(db) is not None
    if has_model and may_send("illustrations"):
        ids = repo.stuck_illustrations(db, deadline_s, job_id=job_id, limit=limit)
        if ids:
            enqueue.illustrations(ids)
            repo.mark_illustrations_sent(db, ids)
            counts["illustrations"] = len(ids)
    if has_model and enqueue.edges is not None and may_send("edges"):
        ids = repo.stuck_edges(db, deadline_s, job_id=job_id, limit=limit)
        if ids:
            enqueue.edges(ids)
            repo.mark_edges_sent(db, ids)
            counts["edges"] = len(ids)
    resent = Resent(**counts)
    if resent.total:
        log.warning("reconciler sent again %s", resent)
    return resent

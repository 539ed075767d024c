"""Repository for the outbox: units pending in a stage past a deadline, and their resending.

Which units are pending is part of the graph, written with the work that made them (see
`graph/queries/outbox.py`); a message lost between a write and its enqueue is therefore a
unit still pending, found here by the reconciler (`api.pipeline.reconcile`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from neo4j import RoutingControl

from graph.db import GraphDB
from graph.queries import outbox as q


@dataclass(frozen=True)
class StuckPage:
    id: str
    segmenter: str | None  # the corpus' segmenter; None: the settings' default


def stuck_tasks(db: GraphDB, age_s: float, *, job_id: str | None = None, limit: int) -> list[str]:
    """Tasks still queued `age_s` seconds after they were last sent."""
    query, params = _scoped(q.STUCK_TASKS, q.JOB_STUCK_TASKS, job_id)
    records, _, _ = db.execute_query(
        query, age_s=age_s, limit=limit, routing_=RoutingControl.READ, **params
    )
    return [r["id"] for r in records]


def stuck_pages(
    db: GraphDB, age_s: float, *, job_id: str | None = None, limit: int
) -> list[StuckPage]:
    """Pages still waiting for segmentation `age_s` seconds after they were last sent."""
    query, params = _scoped(q.STUCK_PAGES, q.JOB_STUCK_PAGES, job_id)
    records, _, _ = db.execute_query(
        query, age_s=age_s, limit=limit, routing_=RoutingControl.READ, **params
    )
    return [StuckPage(r["id"], r["segmenter"]) for r in records]


def stuck_illustrations(
    db: GraphDB, age_s: float, *, job_id: str | None = None, limit: int
) -> list[str]:
    """Illustrations still waiting for their vector `age_s` seconds after they were sent."""
    query, params = _scoped(q.STUCK_ILLUSTRATIONS, q.JOB_STUCK_ILLUSTRATIONS, job_id)
    records, _, _ = db.execute_query(
        query, age_s=age_s, limit=limit, routing_=RoutingControl.READ, **params
    )
    return [r["id"] for r in records]


def stuck_edges(db: GraphDB, age_s: float, *, job_id: str | None = None, limit: int) -> list[str]:
    """Illustrations with a vector still waiting for their edges `age_s` seconds later."""
    query, params = _scoped(q.STUCK_EDGES, q.JOB_STUCK_EDGES, job_id)
    records, _, _ = db.execute_query(
        query, age_s=age_s, limit=limit, routing_=RoutingControl.READ, **params
    )
    return [r["id"] for r in records]


def mark_tasks_sent(db: GraphDB, ids: Sequence[str]) -> None:
    db.execute_query(q.TOUCH_TASKS, ids=list(ids))


def mark_pages_sent(db: GraphDB, ids: Sequence[str]) -> None:
    db.execute_query(q.TOUCH_PAGES, ids=list(ids))


def mark_illustrations_sent(db: GraphDB, ids: Sequence[str]) -> None:
    db.execute_query(q.TOUCH_ILLUSTRATIONS, ids=list(ids))


def mark_edges_sent(db: GraphDB, ids: Sequence[str]) -> None:
    db.execute_query(q.TOUCH_EDGES, ids=list(ids))


def _scoped(everywhere: str, in_job: str, job_id: str | None) -> tuple[str, dict[str, object]]:
    return (everywhere, {}) if job_id is None else (in_job, {"job_id": job_id})

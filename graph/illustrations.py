"""Repository for pages-as-image-sources and the illustrations found on them."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from neo4j import ManagedTransaction, RoutingControl

from graph.db import GraphDB
from graph.queries import illustrations as q
from graph.records import IllustrationRecord, PageRecord

_PAGE_FIELDS = {f.name for f in dataclasses.fields(PageRecord)}


def page_from_row(data: dict) -> PageRecord:
    values = {k: v for k, v in data.items() if k in _PAGE_FIELDS}
    values["service_sizes"] = tuple(values.get("service_sizes") or ())
    values["regions"] = tuple(values.get("regions") or ())
    for name in _PAGE_FIELDS - set(values):
        values[name] = None
    return PageRecord(**values)


def pages_by_ids(db: GraphDB, ids: Sequence[str]) -> list[PageRecord | None]:
    """Pages in the order of `ids`, None for unknown ids."""
    records, _, _ = db.execute_query(q.PAGES_BY_IDS, ids=list(ids), routing_=RoutingControl.READ)
    found = {r["page"]["id"]: page_from_row(r["page"]) for r in records}
    return [found.get(i) for i in ids]


def page_ids_of_issues(db: GraphDB, issue_ids: Sequence[str]) -> list[str]:
    records, _, _ = db.execute_query(
        q.PAGE_IDS_OF_ISSUES,
        issue_ids=list(issue_ids),
        routing_=RoutingControl.READ,
    )
    return [r["id"] for r in records]


def page_ids_of_corpus(db: GraphDB, corpus: str, only_pending: bool = False) -> list[str]:
    records, _, _ = db.execute_query(
        q.PAGE_IDS_OF_CORPUS,
        corpus=corpus,
        only_pending=only_pending,
        routing_=RoutingControl.READ,
    )
    return [r["id"] for r in records]


def replace_illustrations(
    db: GraphDB,
    page_id: str,
    segmenter: str,
    illustrations: Sequence[IllustrationRecord],
) -> list[str]:
    """Make the page's illustrations from `segmenter` exactly these (curated ones are kept).

    Returns the ids of the illustrations removed, whose vectors must go too.
    """
    rows = [
        {k: v for k, v in dataclasses.asdict(ill).items() if k != "page_id"} | {"xywh": ill.xywh}
        for ill in illustrations
    ]

    def work(tx: ManagedTransaction) -> list[str]:
        stale = tx.run(
            q.STALE_ILLUSTRATIONS,
            page_id=page_id,
            segmenter=segmenter,
            keep_ids=[row["id"] for row in rows],
        ).single()
        gone = list(stale["ids"]) if stale else []
        if gone:
            tx.run(q.DELETE_ILLUSTRATIONS, ids=gone).consume()
        tx.run(
            q.UPSERT_ILLUSTRATIONS, page_id=page_id, segmenter=segmenter, illustrations=rows
        ).consume()
        return gone

    with db.session() as session:
        return session.execute_write(work)


def mark_page_failed(db: GraphDB, page_id: str, reason: str) -> None:
    db.execute_query(q.MARK_PAGE_FAILED, page_id=page_id, reason=reason[:2000])


def job_page_progress(
    db: GraphDB, job_id: str, *, model_id: str | None = None, edge_set: str | None = None
) -> dict[str, int]:
    records, _, _ = db.execute_query(
        q.JOB_PAGE_PROGRESS,
        job_id=job_id,
        model_id=model_id,
        edge_set=edge_set,
        routing_=RoutingControl.READ,
    )
    row = records[0].data() if records else {}
    return {k: int(v or 0) for k, v in row.items()}


def upsert_illustrations(
    db: GraphDB,
    illustrations: Sequence[IllustrationRecord],
    batch: int = 10_000,
) -> None:
    """Write illustrations of many pages at once (no stale-illustration clean-up)."""
    rows = [
        {
            "page_id": ill.page_id,
            "props": {k: v for k, v in dataclasses.asdict(ill).items() if k != "page_id"}
            | {"xywh": ill.xywh},
        }
        for ill in illustrations
    ]
    db.write_batches(q.UPSERT_ILLUSTRATIONS_BULK, rows, size=batch)


def count_illustrations(db: GraphDB) -> int:
    records, _, _ = db.execute_query(q.COUNT_ILLUSTRATIONS, routing_=RoutingControl.READ)
    return int(records[0]["n"])

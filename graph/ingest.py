"""Repository for harvested issues and ingest jobs.

One manifest is written in one transaction (issue, periodical, place, pages, and the task's
status), so a manifest is never half-written and a redelivered message rewrites the same nodes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from neo4j import ManagedTransaction, RoutingControl

from graph.db import GraphDB
from graph.illustrations import job_page_progress
from graph.queries import ingest as q
from graph.records import IssueRecord, PageRecord


@dataclass(frozen=True)
class TaskSpec:
    """One URI to harvest within a job."""

    job_id: str
    uri: str
    depth: int = 0
    parent: str | None = None  # the collection that listed it
    parent_label: str | None = None

    @property
    def id(self) -> str:
        return task_id(self.job_id, self.uri)


@dataclass(frozen=True)
class TaskState:
    job_id: str
    corpus: str
    status: str
    uri: str
    depth: int
    parent: str | None
    parent_label: str | None
    segmenter: str | None = None


@dataclass(frozen=True)
class JobProgress:
    id: str
    corpus: str | None
    kind: str | None
    total: int
    done: int
    failed: int
    manifests: int
    collections: int
    pages: int
    pages_segmented: int = 0
    illustrations_found: int = 0
    pages_failed: int = 0
    illustrations_indexed: int = 0

    @property
    def pending(self) -> int:
        return self.total - self.done - self.failed

    @property
    def finished(self) -> bool:
        return self.total > 0 and self.pending == 0


@dataclass(frozen=True)
class Failure:
    uri: str
    reason: str


def task_id(job_id: str, uri: str) -> str:
    return f"{job_id}|{uri}"


def _page_props(page: PageRecord) -> dict[str, object]:
    props = dataclasses.asdict(page)
    props["service_sizes"] = list(page.service_sizes)
    props["regions"] = list(page.regions)
    return props


def _issue_props(issue: IssueRecord) -> dict[str, object]:
    return {
        "manifest_uri": issue.manifest_uri,
        "label": issue.label,
        "date_raw": issue.date_raw,
        "date_source": issue.date_source,
        "language": issue.language,
        "place_raw": issue.place_raw,
        "place_matched": issue.place is not None,
        "presentation_version": issue.presentation_version,
        "summary": issue.summary,
        "attribution": issue.attribution,
        "rights": issue.rights,
        "thumbnail": issue.thumbnail,
        "homepage": issue.homepage,
        "publication_type": issue.publication_type,
        "etag": issue.etag,
        "last_modified": issue.last_modified,
        "page_count": len(issue.pages),
    }


def _issue_row(issue: IssueRecord) -> dict[str, object]:
    return {
        "periodical": dataclasses.asdict(issue.periodical),
        "issue": {
            "id": issue.id,
            "date": issue.date,
            "date_precision": issue.date_precision,
            "publication_type": issue.publication_type,
        },
        "props": _issue_props(issue),
    }


def _place_row(issue: IssueRecord) -> dict[str, object]:
    place = issue.place
    return {
        "issue_id": issue.id,
        "place": None
        if place is None
        else {
            "id": place.id,
            "name": place.name,
            "latitude": place.latitude,
            "longitude": place.longitude,
            "geonames_id": place.geonames_id,
        },
        "country": None
        if place is None or place.country is None
        else dataclasses.asdict(place.country),
    }


def _write_issues(tx: ManagedTransaction, corpus: str, issues: Sequence[IssueRecord]) -> None:
    tx.run(q.MERGE_ISSUES, corpus=corpus, issues=[_issue_row(i) for i in issues]).consume()
    tx.run(q.SET_ISSUE_PLACES, issues=[_place_row(i) for i in issues]).consume()
    pages = [
        {
            "issue_id": i.id,
            "pages": [_page_props(p) for p in i.pages],
            "page_ids": [p.id for p in i.pages],
        }
        for i in issues
    ]
    tx.run(q.UPSERT_PAGES, issues=pages).consume()
    stale = tx.run(q.STALE_PAGE_IDS, issues=pages).single()
    if stale and stale["ids"]:
        tx.run(q.DELETE_PAGES, ids=stale["ids"]).consume()


def write_issue(
    db: GraphDB,
    corpus: str,
    issue: IssueRecord,
    task: str | None = None,
) -> None:
    """Write one harvested manifest and, in the same transaction, mark its task done."""

    def work(tx: ManagedTransaction) -> None:
        _write_issues(tx, corpus, [issue])
        if task is not None:
            tx.run(
                q.MARK_TASK_DONE,
                task_id=task,
                kind="manifest",
                pages=len(issue.pages),
                members=0,
                issue_id=issue.id,
            ).consume()

    with db.session() as session:
        session.execute_write(work)


def write_issues(
    db: GraphDB, corpus: str, issues: Sequence[IssueRecord], tasks: Sequence[str] = ()
) -> None:
    """Bulk path: several manifests in one transaction (all or none), a few queries in all.

    With `tasks` (one per issue, the worker's batched path) they are marked done in the same
    transaction, so that a manifest is never written without its task accounted for.
    """
    if tasks and len(tasks) != len(issues):
        raise ValueError(f"{len(issues)} issues but {len(tasks)} tasks")
    marks = [
        {"id": task, "pages": len(issue.pages), "issue_id": issue.id}
        for task, issue in zip(tasks, issues, strict=False)
    ]

    def work(tx: ManagedTransaction) -> None:
        _write_issues(tx, corpus, issues)
        if marks:
            tx.run(q.MARK_MANIFEST_TASKS_DONE, tasks=marks).consume()

    with db.session() as session:
        session.execute_write(work)


def create_job(
    db: GraphDB,
    corpus: str,
    job_id: str,
    kind: str = "ingest",
    segmenter: str | None = None,
) -> str:
    """Create the job (and the corpus); `segmenter` becomes the corpus's choice when given."""
    records, _, _ = db.execute_query(
        q.CREATE_JOB,
        corpus=corpus,
        job_id=job_id,
        kind=kind,
        segmenter=segmenter,
    )
    return records[0]["id"]


def add_tasks(db: GraphDB, tasks: Iterable[TaskSpec]) -> list[TaskSpec]:
    """Register tasks; returns only those the job did not know (to be enqueued)."""
    by_job: dict[str, list[TaskSpec]] = {}
    for task in tasks:
        by_job.setdefault(task.job_id, []).append(task)
    created: list[TaskSpec] = []
    for job_id, specs in by_job.items():
        by_id = {spec.id: spec for spec in specs}
        records, _, _ = db.execute_query(
            q.ADD_TASKS,
            job_id=job_id,
            tasks=[
                {
                    "id": spec.id,
                    "uri": spec.uri,
                    "depth": spec.depth,
                    "parent": spec.parent,
                    "parent_label": spec.parent_label,
                }
                for spec in by_id.values()
            ],
        )
        created += [by_id[record["id"]] for record in records]
    return created


def get_task(db: GraphDB, task: str) -> TaskState | None:
    records, _, _ = db.execute_query(q.GET_TASK, task_id=task, routing_=RoutingControl.READ)
    if not records:
        return None
    return TaskState(**records[0].data())


def mark_collection_done(db: GraphDB, task: str, members: int) -> None:
    db.execute_query(
        q.MARK_TASK_DONE,
        task_id=task,
        kind="collection",
        pages=0,
        members=members,
        issue_id=None,
    )


def mark_task_failed(db: GraphDB, task: str, reason: str) -> None:
    db.execute_query(q.MARK_TASK_FAILED, task_id=task, reason=reason[:2000])


def issue_validators(db: GraphDB, manifest_uri: str) -> tuple[str | None, str | None]:
    """The ETag and Last-Modified seen at the last harvest of that manifest."""
    records, _, _ = db.execute_query(
        q.ISSUE_VALIDATORS, uri=manifest_uri, routing_=RoutingControl.READ
    )
    if not records:
        return None, None
    return records[0]["etag"], records[0]["last_modified"]


def job_progress(db: GraphDB, job_id: str) -> JobProgress | None:
    records, _, _ = db.execute_query(q.JOB_PROGRESS, job_id=job_id, routing_=RoutingControl.READ)
    if not records:
        return None
    data = records[0].data()
    data.pop("created")
    # Page counts are derived from the pages themselves, so redelivered messages can't inflate them.
    data.update(job_page_progress(db, job_id))
    return JobProgress(**data)


def job_failures(db: GraphDB, job_id: str, limit: int = 100) -> list[Failure]:
    records, _, _ = db.execute_query(
        q.JOB_FAILURES, job_id=job_id, limit=limit, routing_=RoutingControl.READ
    )
    return [Failure(uri=r["uri"], reason=r["reason"]) for r in records]

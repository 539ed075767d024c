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
from graph.records import CollectionPeriodicalRecord, IssueRecord, PageRecord


@dataclass(frozen=True)
class TaskSpec:
    """One URI to harvest within a job."""

    job_id: str
    uri: str
    depth: int = 0
    parent: str | None = None  # the collection that listed it
    parent_label: str | None = None
    page: int = 0  # how many `next` pages of a paged collection led here

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
    refresh: bool = False  # the job ignores ETag / Last-Modified: every document is re-read
    page: int = 0


@dataclass(frozen=True)
class StageCount:
    """One stage of a job: its units done, pending and failed. A stage that is not `tracked`
    (no descriptor model yet; edges not built continuously) holds nothing up."""

    name: str
    done: int
    pending: int
    failed: int
    tracked: bool = True

    @property
    def total(self) -> int:
        return self.done + self.pending + self.failed


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
    pages_written: int = 0
    illustrations_embedded: int = 0
    illustrations_embed_failed: int = 0
    illustrations_linked: int = 0
    model_id: str | None = None  # embedding is counted against it; None: not tracked yet
    edge_set: str | None = None  # edges are counted against it; None: not tracked

    @property
    def pending(self) -> int:
        return self.total - self.done - self.failed

    @property
    def harvested(self) -> bool:
        """Every URI of the job harvested or failed (the later stages may still run)."""
        return self.total > 0 and self.pending == 0

    @property
    def pages_pending(self) -> int:
        return max(0, self.pages_written - self.pages_segmented - self.pages_failed)

    @property
    def illustrations_pending(self) -> int:
        if self.model_id is None:
            return 0
        done = self.illustrations_embedded + self.illustrations_embed_failed
        return max(0, self.illustrations_found - done)

    @property
    def edges_pending(self) -> int:
        if self.model_id is None or self.edge_set is None:
            return 0
        return max(0, self.illustrations_embedded - self.illustrations_linked)

    @property
    def stages(self) -> tuple[StageCount, ...]:
        """manifests → pages → segmented → illustrations → embedded → edges."""
        embedding = self.model_id is not None
        return (
            StageCount("manifests", self.done, self.pending, self.failed),
            StageCount("pages", self.pages_written, 0, 0),
            StageCount("segmented", self.pages_segmented, self.pages_pending, self.pages_failed),
            StageCount("illustrations", self.illustrations_found, 0, 0),
            StageCount(
                "embedded",
                self.illustrations_embedded,
                self.illustrations_pending,
                self.illustrations_embed_failed if embedding else 0,
                tracked=embedding,
            ),
            StageCount(
                "edges",
                self.illustrations_linked,
                self.edges_pending,
                0,
                tracked=embedding and self.edge_set is not None,
            ),
        )

    @property
    def finished(self) -> bool:
        """Nothing pending in any stage (failures included: see `has_failures`)."""
        return self.harvested and all(stage.pending == 0 for stage in self.stages)

    @property
    def has_failures(self) -> bool:
        return any(stage.failed for stage in self.stages)


@dataclass(frozen=True)
class FailureReason:
    """Units of one stage that failed for one reason."""

    stage: str
    reason: str
    count: int
    examples: tuple[str, ...]


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
        "source_uri": issue.source_uri or issue.manifest_uri,
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
    pages = [{"issue_id": i.id, "pages": [_page_props(p) for p in i.pages]} for i in issues]
    tx.run(q.UPSERT_PAGES, issues=pages).consume()
    # Ids only: sending the page properties again made this read cost as much as the write
    # (2.8 s against 0.4 s for 20k pages; /tmp scratch, issue 18, BENCHMARKS.md).
    listed = [{"issue_id": i.id, "page_ids": [p.id for p in i.pages]} for i in issues]
    stale = tx.run(q.STALE_PAGE_IDS, issues=listed).single()
    if stale and stale["ids"]:
        tx.run(q.DELETE_PAGES, ids=stale["ids"]).consume()


def _mark_manifest_done(tx: ManagedTransaction, task: str | None, issue: IssueRecord) -> None:
    if task is not None:
        tx.run(
            q.MARK_TASK_DONE,
            task_id=task,
            kind="manifest",
            pages=len(issue.pages),
            members=0,
            issue_id=issue.id,
        ).consume()


def write_issue(
    db: GraphDB,
    corpus: str,
    issue: IssueRecord,
    task: str | None = None,
    *,
    pages_per_transaction: int = 2_000,
) -> None:
    """Write one harvested manifest and, in the same transaction, mark its task done.

    A manifest with more pages than `pages_per_transaction` is written in several: the issue
    first, then its pages in chunks, then stale pages are removed and the task is marked
    done. Every step MERGEs, so a crash halfway leaves a task still queued whose redelivery
    converges on the same graph."""
    if len(issue.pages) <= pages_per_transaction:

        def work(tx: ManagedTransaction) -> None:
            _write_issues(tx, corpus, [issue])
            _mark_manifest_done(tx, task, issue)

        with db.session() as session:
            session.execute_write(work)
        return
    _write_issue_in_chunks(db, corpus, issue, task, pages_per_transaction)


def _write_issue_in_chunks(
    db: GraphDB, corpus: str, issue: IssueRecord, task: str | None, chunk: int
) -> None:
    head = dataclasses.replace(issue, pages=())
    pages = [_page_props(p) for p in issue.pages]

    def write_head(tx: ManagedTransaction) -> None:
        tx.run(q.MERGE_ISSUES, corpus=corpus, issues=[_issue_row(issue)]).consume()
        tx.run(q.SET_ISSUE_PLACES, issues=[_place_row(head)]).consume()

    def write_pages(tx: ManagedTransaction, batch: list[dict[str, object]]) -> None:
        tx.run(q.UPSERT_PAGE_CHUNK, issue_id=issue.id, pages=batch).consume()

    def stale_ids(tx: ManagedTransaction) -> list[str]:
        record = tx.run(
            q.STALE_PAGES_OF_ISSUE, issue_id=issue.id, page_ids=[p.id for p in issue.pages]
        ).single()
        return list(record["ids"]) if record else []

    def delete_pages(tx: ManagedTransaction, ids: list[str]) -> None:
        tx.run(q.DELETE_PAGES, ids=ids).consume()

    with db.session() as session:
        session.execute_write(write_head)
        for start in range(0, len(pages), chunk):
            session.execute_write(write_pages, pages[start : start + chunk])
        stale = session.execute_read(stale_ids)
        for start in range(0, len(stale), chunk):
            session.execute_write(delete_pages, stale[start : start + chunk])
        session.execute_write(_mark_manifest_done, task, issue)


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
    *,
    refresh: bool = False,
) -> str:
    """Create the job (and the corpus); `segmenter` becomes the corpus's choice when given.
    A `refresh` job re-reads every document, ignoring the validators of earlier harvests."""
    records, _, _ = db.execute_query(
        q.CREATE_JOB,
        corpus=corpus,
        job_id=job_id,
        kind=kind,
        segmenter=segmenter,
        refresh=refresh,
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
                    "page": spec.page,
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


def write_collection(
    db: GraphDB,
    corpus: str,
    task: str,
    members: int,
    periodical: CollectionPeriodicalRecord | None,
) -> None:
    """Write the periodical a collection describes and mark its task done, in one transaction:
    the periodical exists even when none of its member issues can be fetched."""

    def work(tx: ManagedTransaction) -> None:
        if periodical is not None:
            place = periodical.place
            tx.run(
                q.MERGE_COLLECTION_PERIODICAL,
                corpus=corpus,
                periodical=dataclasses.asdict(periodical.periodical),
                place=None
                if place is None
                else {
                    "id": place.id,
                    "name": place.name,
                    "latitude": place.latitude,
                    "longitude": place.longitude,
                    "geonames_id": place.geonames_id,
                },
                country=None
                if place is None or place.country is None
                else dataclasses.asdict(place.country),
                place_raw=periodical.place_raw,
                date=periodical.date,
                date_precision=periodical.date_precision,
                date_raw=periodical.date_raw,
            ).consume()
        tx.run(
            q.MARK_TASK_DONE,
            task_id=task,
            kind="collection",
            pages=0,
            members=members,
            issue_id=None,
        ).consume()

    with db.session() as session:
        session.execute_write(work)


def link_unchanged_issue(
    db: GraphDB, corpus: str, task: str, manifest_uri: str
) -> tuple[str, tuple[str, ...]] | None:
    """For a manifest the server says is unchanged (304): put its stored issue in `corpus` and
    mark the task done, in one transaction. Returns (issue id, ids of its pages still to
    segment), or None when no issue is stored for that URI (the caller harvests it in full)."""

    def work(tx: ManagedTransaction) -> tuple[str, tuple[str, ...]] | None:
        record = tx.run(
            q.LINK_UNCHANGED_ISSUE, task_id=task, uri=manifest_uri, corpus=corpus
        ).single()
        return None if record is None else (record["issue_id"], tuple(record["page_ids"]))

    with db.session() as session:
        return session.execute_write(work)


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


def job_progress(
    db: GraphDB, job_id: str, *, edges_k: int | None = None, edges_min_score: float = 0.0
) -> JobProgress | None:
    """The job's counts in every stage. Edges are counted when `edges_k` is given (the
    similarity settings of continuous mode), against the edge set of the active model."""
    records, _, _ = db.execute_query(q.JOB_PROGRESS, job_id=job_id, routing_=RoutingControl.READ)
    if not records:
        return None
    data = records[0].data()
    data.pop("created")
    context, _, _ = db.execute_query(
        q.STAGE_CONTEXT, k=edges_k, min_score=edges_min_score, routing_=RoutingControl.READ
    )
    model_id = context[0]["model_id"]
    edge_set = context[0]["edge_set"] if edges_k is not None and model_id is not None else None
    # Page counts are derived from the pages themselves, so redelivered messages can't inflate them.
    data.update(job_page_progress(db, job_id, model_id=model_id, edge_set=edge_set))
    return JobProgress(**data, model_id=model_id, edge_set=edge_set)


def job_failure_reasons(
    db: GraphDB, job_id: str, *, model_id: str | None, limit: int = 100
) -> list[FailureReason]:
    """Failures of every stage, by exact reason, most frequent first."""
    records, _, _ = db.execute_query(
        q.JOB_FAILURE_REASONS,
        job_id=job_id,
        model_id=model_id,
        limit=limit,
        routing_=RoutingControl.READ,
    )
    return [
        FailureReason(r["stage"], r["reason"], r["count"], tuple(r["examples"])) for r in records
    ]


def job_failures(db: GraphDB, job_id: str, limit: int = 100) -> list[Failure]:
    records, _, _ = db.execute_query(
        q.JOB_FAILURES, job_id=job_id, limit=limit, routing_=RoutingControl.READ
    )
    return [Failure(uri=r["uri"], reason=r["reason"]) for r in records]

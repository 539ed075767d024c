"""Ingest: a corpus is a list of IIIF URIs; each becomes a task in an ingest job.

`start_ingest` registers the tasks and enqueues them; `process_task` is what the `ingest` actor
runs for one task. Tasks are keyed by (job, URI), so a collection listed twice, a cycle between
collections or a redelivered message never produces a second harvest.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from neo4j.exceptions import Neo4jError

from graph import ingest as repo
from graph.db import GraphDB
from graph.ingest import TaskSpec
from ingest.errors import FetchError
from ingest.fetch import Fetcher
from ingest.harvest import HarvestedCollection, HarvestedManifest, NotModified, Parent, harvest
from ingest.iiif.errors import ManifestParseError

log = logging.getLogger(__name__)

Enqueue = Callable[[list[str]], None]


class CorpusFileError(ValueError):
    """The corpus file cannot be read as a list of URIs."""


@dataclass(frozen=True)
class TaskOutcome:
    task_id: str
    status: str  # done | failed | skipped
    kind: str | None = None
    segmenter: str | None = None
    issue_id: str | None = None
    page_ids: tuple[str, ...] = ()
    detail: str | None = None


def read_corpus_file(path: Path) -> list[str]:
    """One URI per line; blank lines and `#` comments ignored; duplicates kept once."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CorpusFileError(f"cannot read {path}: {exc}") from exc
    uris = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if not line.startswith(("http://", "https://")):
            raise CorpusFileError(f"{path}:{number}: not an http(s) URI: {line!r}")
        uris.append(line)
    return list(dict.fromkeys(uris))


def start_ingest(
    db: GraphDB,
    *,
    corpus: str,
    uris: Iterable[str],
    enqueue: Enqueue,
    job_id: str | None = None,
    segmenter: str | None = None,
    refresh: bool = False,
) -> str:
    """Create (or extend) an ingest job and enqueue its new tasks. Returns the job id.

    A `refresh` job ignores the ETag / Last-Modified of earlier harvests, so a catalogue that
    changed without its server saying so is read again in full."""
    job_id = job_id or f"job_{uuid.uuid4().hex[:12]}"
    repo.create_job(db, corpus, job_id, segmenter=segmenter, refresh=refresh)
    created = repo.add_tasks(db, [TaskSpec(job_id, uri) for uri in uris])
    enqueue([task.id for task in created])
    return job_id


def process_task(
    db: GraphDB,
    task_id: str,
    *,
    fetcher: Fetcher,
    enqueue: Enqueue,
    max_depth: int = 8,
    max_pages: int = 10_000,
    pages_per_transaction: int = 2_000,
) -> TaskOutcome:
    """Harvest one task's URI and write the result. Safe to run twice for the same task.

    `max_pages` bounds the `next` chain of a paged collection (each page counts, so an
    endless chain ends in a failure that says so); a manifest with more pages than
    `pages_per_transaction` is written in several transactions."""
    limits = HarvestLimits(max_depth, max_pages, pages_per_transaction)
    return process_tasks(db, [task_id], fetcher=fetcher, enqueue=enqueue, limits=limits)[0]


@dataclass(frozen=True)
class HarvestLimits:
    max_depth: int = 8
    max_pages: int = 10_000
    pages_per_transaction: int = 2_000


def process_tasks(
    db: GraphDB,
    task_ids: Sequence[str],
    *,
    fetcher: Fetcher,
    enqueue: Enqueue,
    limits: HarvestLimits = HarvestLimits(),
) -> list[TaskOutcome]:
    """Harvest several tasks; their manifests are written together, a transaction holding up
    to `pages_per_transaction` pages (larger manifests are written on their own, in chunks).

    Fewer, larger transactions are what make the worker path fast. Failures stay per task: a
    fetch or parse error fails its task only, and when a shared write fails its manifests are
    written one by one, so that one bad manifest cannot fail the others.
    """
    outcomes: dict[str, TaskOutcome] = {}
    harvested: dict[str, list[tuple[str, HarvestedManifest]]] = {}
    for task_id in task_ids:
        step = _harvest(db, task_id, fetcher, enqueue, limits)
        if isinstance(step, TaskOutcome):
            outcomes[task_id] = step
            continue
        state, manifest = step
        outcomes[task_id] = TaskOutcome(
            task_id,
            "done",
            kind="manifest",
            segmenter=state.segmenter,
            issue_id=manifest.issue.id,
            page_ids=tuple(page.id for page in manifest.issue.pages),
        )
        if len(manifest.issue.pages) > limits.pages_per_transaction:
            outcomes[task_id] = _write_one(
                db, state.corpus, task_id, manifest, outcomes[task_id], limits
            )
        else:
            harvested.setdefault(state.corpus, []).append((task_id, manifest))
    for corpus, items in harvested.items():
        for group in _by_pages(items, limits.pages_per_transaction):
            try:
                repo.write_issues(db, corpus, [m.issue for _, m in group], [t for t, _ in group])
            except Neo4jError as exc:
                if len(group) == 1:
                    raise
                log.warning(
                    "batched write of %d manifests failed (%s); one by one", len(group), exc
                )
                for task_id, manifest in group:
                    outcomes[task_id] = _write_one(
                        db, corpus, task_id, manifest, outcomes[task_id], limits
                    )
    return [outcomes[task_id] for task_id in task_ids]


def _by_pages(
    items: list[tuple[str, HarvestedManifest]], pages: int
) -> list[list[tuple[str, HarvestedManifest]]]:
    groups: list[list[tuple[str, HarvestedManifest]]] = [[]]
    held = 0
    for item in items:
        size = len(item[1].issue.pages)
        if groups[-1] and held + size > pages:
            groups.append([])
            held = 0
        groups[-1].append(item)
        held += size
    return [group for group in groups if group]


def _write_one(
    db: GraphDB,
    corpus: str,
    task_id: str,
    manifest: HarvestedManifest,
    done: TaskOutcome,
    limits: HarvestLimits,
) -> TaskOutcome:
    try:
        repo.write_issue(
            db,
            corpus,
            manifest.issue,
            task=task_id,
            pages_per_transaction=limits.pages_per_transaction,
        )
    except Neo4jError as exc:
        reason = f"{type(exc).__name__}: {exc}"
        repo.mark_task_failed(db, task_id, reason)
        return TaskOutcome(task_id, "failed", detail=reason)
    return done


def _harvest(
    db: GraphDB, task_id: str, fetcher: Fetcher, enqueue: Enqueue, limits: HarvestLimits
) -> TaskOutcome | tuple[repo.TaskState, HarvestedManifest]:
    """A task's outcome, or its harvested manifest still to be written."""
    state = repo.get_task(db, task_id)
    if state is None:
        return TaskOutcome(task_id, "skipped", detail="unknown task")
    if state.status in ("done", "failed"):
        return TaskOutcome(task_id, "skipped", detail=f"already {state.status}")
    if state.page > limits.max_pages:
        reason = f"collection paging longer than {limits.max_pages} pages (paging guard)"
        repo.mark_task_failed(db, task_id, reason)
        return TaskOutcome(task_id, "failed", detail=reason)
    etag, last_modified = (None, None) if state.refresh else repo.issue_validators(db, state.uri)
    parent = Parent(state.parent, state.parent_label) if state.parent else None
    try:
        result = harvest(state.uri, fetcher, parent, etag=etag, last_modified=last_modified)
        if isinstance(result, NotModified):
            linked = repo.link_unchanged_issue(db, state.corpus, task_id, state.uri)
            if linked is not None:
                issue, pending_pages = linked
                return TaskOutcome(
                    task_id,
                    "done",
                    kind="not-modified",
                    segmenter=state.segmenter,
                    issue_id=issue,
                    page_ids=pending_pages,
                )
            # The stored issue went away between the two reads: harvest it in full.
            result = harvest(state.uri, fetcher, parent)
    except (FetchError, ManifestParseError) as exc:
        reason = f"{type(exc).__name__}: {exc}"
        repo.mark_task_failed(db, task_id, reason)
        return TaskOutcome(task_id, "failed", detail=reason)

    if isinstance(result, NotModified):
        reason = "the server answered 304 Not Modified to a request without validators"
        repo.mark_task_failed(db, task_id, reason)
        return TaskOutcome(task_id, "failed", detail=reason)
    if isinstance(result, HarvestedManifest):
        return state, result
    return _expand_collection(db, state, task_id, result, enqueue, limits.max_depth)


def _expand_collection(
    db: GraphDB,
    state: repo.TaskState,
    task_id: str,
    collection: HarvestedCollection,
    enqueue: Enqueue,
    max_depth: int,
) -> TaskOutcome:
    if state.depth >= max_depth:
        reason = f"collection nested deeper than {max_depth} levels (depth guard)"
        repo.mark_task_failed(db, task_id, reason)
        return TaskOutcome(task_id, "failed", detail=reason)
    children = []
    for member in collection.members:
        # A page of a paged collection belongs to the same parent as the collection itself.
        is_page = member.kind == "Page"
        children.append(
            TaskSpec(
                state.job_id,
                member.uri,
                depth=state.depth + (0 if is_page else 1),
                parent=state.parent if is_page else collection.id,
                parent_label=state.parent_label if is_page else collection.label,
                # Pages count towards the paging guard; a member collection starts afresh.
                page=state.page + 1 if is_page else 0,
            )
        )
    created = repo.add_tasks(db, children)
    enqueue([task.id for task in created])
    repo.write_collection(
        db,
        state.corpus,
        task_id,
        members=len(collection.members),
        periodical=collection.periodical,
    )
    return TaskOutcome(task_id, "done", kind="collection", detail=f"{len(created)} new members")

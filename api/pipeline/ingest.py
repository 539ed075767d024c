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
) -> str:
    """Create (or extend) an ingest job and enqueue its new tasks. Returns the job id."""
    job_id = job_id or f"job_{uuid.uuid4().hex[:12]}"
    repo.create_job(db, corpus, job_id, segmenter=segmenter)
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
) -> TaskOutcome:
    """Harvest one task's URI and write the result. Safe to run twice for the same task."""
    return process_tasks(db, [task_id], fetcher=fetcher, enqueue=enqueue, max_depth=max_depth)[0]


def process_tasks(
    db: GraphDB,
    task_ids: Sequence[str],
    *,
    fetcher: Fetcher,
    enqueue: Enqueue,
    max_depth: int = 8,
) -> list[TaskOutcome]:
    """Harvest several tasks; their manifests are written in one transaction per corpus.

    One write instead of one per manifest is what makes the worker path fast. Failures stay
    per task: a fetch or parse error fails its task only, and when the shared write fails the
    manifests are written one by one, so that one bad manifest cannot fail the others.
    """
    outcomes: dict[str, TaskOutcome] = {}
    harvested: dict[str, list[tuple[str, HarvestedManifest]]] = {}
    for task_id in task_ids:
        step = _harvest(db, task_id, fetcher, enqueue, max_depth)
        if isinstance(step, TaskOutcome):
            outcomes[task_id] = step
        else:
            state, manifest = step
            harvested.setdefault(state.corpus, []).append((task_id, manifest))
            outcomes[task_id] = TaskOutcome(
                task_id,
                "done",
                kind="manifest",
                segmenter=state.segmenter,
                issue_id=manifest.issue.id,
                page_ids=tuple(page.id for page in manifest.issue.pages),
            )
    for corpus, items in harvested.items():
        try:
            repo.write_issues(db, corpus, [m.issue for _, m in items], [t for t, _ in items])
        except Neo4jError as exc:
            if len(items) == 1:
                raise
            log.warning("batched write of %d manifests failed (%s); one by one", len(items), exc)
            for task_id, manifest in items:
                outcomes[task_id] = _write_one(db, corpus, task_id, manifest, outcomes[task_id])
    return [outcomes[task_id] for task_id in task_ids]


def _write_one(
    db: GraphDB, corpus: str, task_id: str, manifest: HarvestedManifest, done: TaskOutcome
) -> TaskOutcome:
    try:
        repo.write_issue(db, corpus, manifest.issue, task=task_id)
    except Neo4jError as exc:
        reason = f"{type(exc).__name__}: {exc}"
        repo.mark_task_failed(db, task_id, reason)
        return TaskOutcome(task_id, "failed", detail=reason)
    return done


def _harvest(
    db: GraphDB, task_id: str, fetcher: Fetcher, enqueue: Enqueue, max_depth: int
) -> TaskOutcome | tuple[repo.TaskState, HarvestedManifest]:
    """A task's outcome, or its harvested manifest still to be written."""
    state = repo.get_task(db, task_id)
    if state is None:
        return TaskOutcome(task_id, "skipped", detail="unknown task")
    if state.status in ("done", "failed"):
        return TaskOutcome(task_id, "skipped", detail=f"already {state.status}")
    etag, last_modified = repo.issue_validators(db, state.uri)
    parent = Parent(state.parent, state.parent_label) if state.parent else None
    try:
        result = harvest(state.uri, fetcher, parent, etag=etag, last_modified=last_modified)
    except (FetchError, ManifestParseError) as exc:
        reason = f"{type(exc).__name__}: {exc}"
        repo.mark_task_failed(db, task_id, reason)
        return TaskOutcome(task_id, "failed", detail=reason)

    if isinstance(result, NotModified):
        repo.mark_collection_done(db, task_id, members=0)
        return TaskOutcome(task_id, "done", kind="not-modified")
    if isinstance(result, HarvestedManifest):
        return state, result
    return _expand_collection(db, state, task_id, result, enqueue, max_depth)


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
            )
        )
    created = repo.add_tasks(db, children)
    enqueue([task.id for task in created])
    repo.mark_collection_done(db, task_id, members=len(collection.members))
    return TaskOutcome(task_id, "done", kind="collection", detail=f"{len(created)} new members")

"""Corpora and ingest jobs: create a corpus, add IIIF URIs, follow the job's progress."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING, Annotated

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from api.auth import is_curator
from api.graphql.errors import Forbidden, InvalidInput, NotFound
from api.pipeline.jobs import StagePace, failure_groups, job_stages, overall_eta
from graph import corpora, ingest
from ingest.iiif.values import valid_uri
from ml.segment.registry import SEGMENTER_NAMES

if TYPE_CHECKING:
    from api.resources import Resources

MAX_URIS_PER_CALL = 10_000


@strawberry.type
class Corpus:
    name: str
    segmenter: str | None
    created: str | None
    periodical_count: int

    @classmethod
    def from_record(cls, record: corpora.Corpus) -> Corpus:
        return cls(
            name=record.name,
            segmenter=record.segmenter,
            created=record.created,
            periodical_count=record.periodicals,
        )


@strawberry.type
class IngestFailure:
    uri: str
    reason: str


@strawberry.type(
    description="One stage of a job: manifests, pages, segmented, illustrations, embedded, edges."
)
class JobStage:
    name: str
    done: int
    pending: int
    failed: int
    tracked: bool = strawberry.field(
        description="False while the stage cannot run yet (no descriptor model) or is not "
        "built continuously (edges): its pending units do not hold the job up."
    )
    per_second: float | None = strawberry.field(
        default=None, description="Units a second over the last minute (subscription only)."
    )
    eta_seconds: float | None = strawberry.field(
        default=None, description="Seconds until nothing is pending at that pace."
    )


@strawberry.type(description="Units of one stage that failed for one reason.")
class JobFailureGroup:
    stage: str
    reason: str = strawberry.field(description="URLs shown as <url>, numbers as <n>.")
    count: int
    examples: list[str]


@strawberry.type
class IngestJob:
    id: strawberry.ID
    corpus: str | None
    total: int = strawberry.field(description="URIs known to the job (collections expand it).")
    done: int
    failed: int
    pending: int
    harvested: bool = strawberry.field(description="Every URI harvested or failed.")
    finished: bool = strawberry.field(description="Nothing pending in any stage.")
    has_failures: bool = strawberry.field(description="Some unit failed in some stage.")
    manifests: int
    collections: int
    pages: int
    pages_segmented: int
    pages_failed: int
    illustrations_found: int
    illustrations_indexed: int
    stages: list[JobStage]
    eta_seconds: float | None = strawberry.field(
        default=None, description="Until the slowest stage is done (subscription only)."
    )

    @strawberry.field
    def failures(self, info: Info, limit: int = 100) -> list[IngestFailure]:
        db = info.context.resources.db
        return [
            IngestFailure(uri=f.uri, reason=f.reason)
            for f in ingest.job_failures(db, str(self.id), limit=min(limit, 1000))
        ]

    @strawberry.field(description="Failures of every stage, grouped by reason, most first.")
    async def failure_groups(self, info: Info) -> list[JobFailureGroup]:
        resources = info.context.resources
        progress = await run_in_threadpool(job_progress_of, resources, str(self.id))
        if progress is None:
            return []
        groups = await run_in_threadpool(failure_groups, resources.db, progress)
        return [
            JobFailureGroup(
                stage=g.stage, reason=g.reason, count=g.count, examples=list(g.examples)
            )
            for g in groups
        ]

    @classmethod
    def from_progress(cls, p: ingest.JobProgress, paces: Sequence[StagePace] = ()) -> IngestJob:
        by_name = {pace.name: pace for pace in paces}
        return cls(
            id=strawberry.ID(p.id),
            corpus=p.corpus,
            total=p.total,
            done=p.done,
            failed=p.failed,
            pending=p.pending,
            harvested=p.harvested,
            finished=p.finished,
            has_failures=p.has_failures,
            manifests=p.manifests,
            collections=p.collections,
            pages=p.pages,
            pages_segmented=p.pages_segmented,
            pages_failed=p.pages_failed,
            illustrations_found=p.illustrations_found,
            illustrations_indexed=p.illustrations_indexed,
            stages=[
                JobStage(
                    name=s.name,
                    done=s.done,
                    pending=s.pending,
                    failed=s.failed,
                    tracked=s.tracked,
                    per_second=by_name[s.name].per_s if s.name in by_name else None,
                    eta_seconds=by_name[s.name].eta_s if s.name in by_name else None,
                )
                for s in p.stages
            ],
            eta_seconds=overall_eta(paces) if paces else None,
        )


def job_progress_of(resources: Resources, job_id: str) -> ingest.JobProgress | None:
    """The job's counts with the stages the settings track (edges in continuous mode)."""
    settings = resources.settings
    return job_stages(
        resources.db, job_id, similarity=settings.similarity, continuous=settings.continuous
    )


CreateCorpusResult = Annotated[
    Corpus | Forbidden | InvalidInput, strawberry.union("CreateCorpusResult")
]
AddManifestsResult = Annotated[
    IngestJob | Forbidden | InvalidInput | NotFound, strawberry.union("AddManifestsResult")
]


@strawberry.type
class IngestQuery:
    @strawberry.field
    async def corpora(self, info: Info) -> list[Corpus]:
        records = await run_in_threadpool(corpora.list_corpora, info.context.resources.db)
        return [Corpus.from_record(r) for r in records]

    @strawberry.field
    async def ingest_job(self, info: Info, id: strawberry.ID) -> IngestJob | None:
        progress = await run_in_threadpool(job_progress_of, info.context.resources, str(id))
        return IngestJob.from_progress(progress) if progress else None


def _harvestable(uri: str) -> bool:
    """An http(s) URI that parses and that the graph can store (no lone surrogate)."""
    if not uri.startswith(("http://", "https://")) or not valid_uri(uri):
        return False
    try:
        uri.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _validate_name(name: str) -> InvalidInput | None:
    if not name.strip() or len(name) > 200:
        return InvalidInput(message="corpus name must be 1 to 200 characters", field="name")
    return None


@strawberry.type
class IngestMutation:
    @strawberry.mutation(description="Create a corpus (idempotent).")
    async def create_corpus(
        self, info: Info, name: str, segmenter: str | None = None
    ) -> CreateCorpusResult:
        settings = info.context.resources.settings
        if not is_curator(info.context.request, settings.api):
            return Forbidden()
        if (problem := _validate_name(name)) is not None:
            return problem
        if segmenter is not None and segmenter not in SEGMENTER_NAMES:
            known = ", ".join(SEGMENTER_NAMES)
            return InvalidInput(message=f"unknown segmenter; known: {known}", field="segmenter")
        record = await run_in_threadpool(
            corpora.create_corpus, info.context.resources.db, name.strip(), segmenter
        )
        return Corpus.from_record(record)

    @strawberry.mutation(description="Queue IIIF manifest or collection URIs for a corpus.")
    async def add_manifests(
        self,
        info: Info,
        corpus: str,
        uris: list[str],
        refresh: Annotated[
            bool,
            strawberry.argument(
                description="Re-read every document, ignoring the ETag / Last-Modified of "
                "earlier harvests (a catalogue that changed without its server saying so)."
            ),
        ] = False,
    ) -> AddManifestsResult:
        from api.actors.ingest import send_new_tasks
        from api.pipeline.ingest import start_ingest

        resources = info.context.resources
        if not is_curator(info.context.request, resources.settings.api):
            return Forbidden()
        if (problem := _validate_name(corpus)) is not None:
            return problem
        clean = list(dict.fromkeys(u.strip() for u in uris if u.strip()))
        if not clean or len(clean) > MAX_URIS_PER_CALL:
            return InvalidInput(message=f"give 1 to {MAX_URIS_PER_CALL} URIs", field="uris")
        bad = [u for u in clean if not _harvestable(u)]
        if bad:
            return InvalidInput(message=f"not a valid http(s) URI: {bad[0][:200]!a}", field="uris")
        job_id = await run_in_threadpool(
            partial(
                start_ingest,
                resources.db,
                corpus=corpus.strip(),
                uris=clean,
                enqueue=send_new_tasks,
                refresh=refresh,
            )
        )
        progress = await run_in_threadpool(job_progress_of, resources, job_id)
        if progress is None:
            return NotFound(message="job vanished", value=job_id)
        return IngestJob.from_progress(progress)

"""Ingest job progress as a subscription (graphql-transport-ws), one update a second."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from api.graphql.access import require_read
from api.graphql.ingest import IngestJob, job_progress_of
from api.pipeline.jobs import PaceClock, pause_after

INTERVAL_S = 1.0


@strawberry.type
class JobSubscription:
    @strawberry.subscription(
        description="The job every second until nothing is pending in any stage, with each "
        "stage's pace and ETA."
    )
    async def ingest_job_progress(
        self, info: Info, id: strawberry.ID
    ) -> AsyncGenerator[IngestJob | None, None]:
        require_read(info)
        resources = info.context.resources
        clock = PaceClock()
        while True:
            started = time.monotonic()
            progress = await run_in_threadpool(job_progress_of, resources, str(id))
            if progress is None:
                yield None
                return
            paces = clock.observe(progress, time.monotonic())
            yield IngestJob.from_progress(progress, paces)
            if progress.finished:
                return
            await asyncio.sleep(pause_after(INTERVAL_S, time.monotonic() - started))

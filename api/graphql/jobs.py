"""Ingest job progress as a subscription (graphql-transport-ws), one update a second."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from api.graphql.access import require_read
from api.graphql.ingest import IngestJob
from graph import ingest

INTERVAL_S = 1.0


@strawberry.type
class JobSubscription:
    @strawberry.subscription(description="The job every second until it is finished.")
    async def ingest_job_progress(
        self, info: Info, id: strawberry.ID
    ) -> AsyncGenerator[IngestJob | None, None]:
        require_read(info)
        resources = info.context.resources
        while True:
            progress = await run_in_threadpool(ingest.job_progress, resources.db, str(id))
            yield IngestJob.from_progress(progress) if progress else None
            if progress is None or progress.finished:
                return
            await asyncio.sleep(INTERVAL_S)

"""Correcting an issue's or a periodical's date, place and title (stored as corrections)."""

from __future__ import annotations

from typing import Annotated

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from api.auth import is_curator
from api.graphql.errors import Forbidden, InvalidInput, NotFound
from api.pipeline.corrections import CorrectionError, correct_issue, correct_periodical
from graph.errors import NotFoundError


@strawberry.type
class CorrectionApplied:
    id: strawberry.ID
    issues_touched: int


CorrectionResult = Annotated[
    CorrectionApplied | Forbidden | InvalidInput | NotFound, strawberry.union("CorrectionResult")
]


@strawberry.type
class CorrectionMutation:
    @strawberry.mutation(description="Set an issue's date and/or place; wins over re-ingest.")
    async def correct_issue(
        self, info: Info, id: strawberry.ID, date: str | None = None, place: str | None = None
    ) -> CorrectionResult:
        resources = info.context.resources
        if not is_curator(info.context.request, resources.settings.api):
            return Forbidden()
        if not date and not place:
            return InvalidInput(message="give a date, a place or both")
        try:
            await run_in_threadpool(correct_issue, resources.db, str(id), date=date, place=place)
        except CorrectionError as exc:
            return InvalidInput(message=str(exc), field="date" if "date" in str(exc) else "place")
        except NotFoundError as exc:
            return NotFound(message=str(exc), value=str(id))
        return CorrectionApplied(id=id, issues_touched=1)

    @strawberry.mutation(description="Set a periodical's title and/or the place of its issues.")
    async def correct_periodical(
        self, info: Info, id: strawberry.ID, title: str | None = None, place: str | None = None
    ) -> CorrectionResult:
        resources = info.context.resources
        if not is_curator(info.context.request, resources.settings.api):
            return Forbidden()
        if title is None and not place:
            return InvalidInput(message="give a title, a place or both")
        try:
            touched = await run_in_threadpool(
                correct_periodical, resources.db, str(id), title=title, place=place
            )
        except CorrectionError as exc:
            return InvalidInput(message=str(exc))
        except NotFoundError as exc:
            return NotFound(message=str(exc), value=str(id))
        return CorrectionApplied(id=id, issues_touched=touched)

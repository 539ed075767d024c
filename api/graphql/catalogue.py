"""The catalogue: periodicals and their issues, places and countries, with counts."""

from __future__ import annotations

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from api.graphql.access import require_read
from api.graphql.pagination import Connection, connection, decode_cursor, encode_cursor, page_size
from api.graphql.types import Country, Place
from graph import explore


@strawberry.type
class Issue:
    id: strawberry.ID
    label: str | None
    date: str | None
    date_precision: str | None
    manifest_id: str | None
    page_count: int
    rights: str | None = strawberry.field(
        description="The manifest's IIIF `rights`: a licence or rights statement URI."
    )
    attribution: str | None = strawberry.field(
        description="The manifest's `requiredStatement` (or v2 `attribution`), as text."
    )
    place_id: strawberry.Private[str | None]

    @strawberry.field
    async def place(self, info: Info) -> Place | None:
        if self.place_id is None:
            return None
        found = await info.context.loaders.place.load(self.place_id)
        return Place.from_summary(found) if found else None

    @classmethod
    def from_summary(cls, i: explore.IssueSummary) -> Issue:
        return cls(
            id=strawberry.ID(i.id),
            label=i.label,
            date=i.date,
            date_precision=i.date_precision,
            manifest_id=i.manifest_uri,
            page_count=i.pages,
            rights=i.rights,
            attribution=i.attribution,
            place_id=i.place_id,
        )


@strawberry.type
class Periodical:
    id: strawberry.ID
    title: str | None
    publication_type: str | None
    rule: str | None = strawberry.field(description="How the periodical was recognized.")
    issue_count: int
    first_date: str | None
    last_date: str | None

    @strawberry.field(description="Issues by date (undated last).")
    async def issues(
        self, info: Info, first: int = 50, after: str | None = None
    ) -> Connection[Issue]:
        first = page_size(first)
        start = decode_cursor(after)
        page = await run_in_threadpool(
            explore.issue_page,
            info.context.resources.db,
            str(self.id),
            first,
            start,
        )
        total = self.issue_count

        async def count() -> int:
            return total

        rows = [(encode_cursor(v, i.id), Issue.from_summary(i)) for v, i in page.rows]
        return connection(rows, page.has_next, count)

    @classmethod
    def from_summary(cls, p: explore.PeriodicalSummary) -> Periodical:
        return cls(
            id=strawberry.ID(p.id),
            title=p.title,
            publication_type=p.publication_type,
            rule=p.rule,
            issue_count=p.issues,
            first_date=p.first_date,
            last_date=p.last_date,
        )


def _limit(limit: int) -> int:
    return min(max(limit, 1), 10_000)


@strawberry.type
class CatalogueQuery:
    @strawberry.field(description="Periodicals by title (of one corpus when given).")
    async def periodicals(
        self, info: Info, corpus: str | None = None, limit: int = 1000
    ) -> list[Periodical]:
        require_read(info)
        rows = await run_in_threadpool(
            explore.periodicals,
            info.context.resources.db,
            corpus,
            _limit(limit),
            None,
        )
        return [Periodical.from_summary(p) for p in rows]

    @strawberry.field
    async def periodical(self, info: Info, id: strawberry.ID) -> Periodical | None:
        require_read(info)
        rows = await run_in_threadpool(
            explore.periodicals,
            info.context.resources.db,
            None,
            1,
            str(id),
        )
        return Periodical.from_summary(rows[0]) if rows else None

    @strawberry.field(description="Places with their issue counts, busiest first.")
    async def places(
        self, info: Info, country: str | None = None, limit: int = 1000
    ) -> list[Place]:
        require_read(info)
        rows = await run_in_threadpool(
            explore.places,
            info.context.resources.db,
            country.upper() if country else None,
            _limit(limit),
        )
        return [Place.from_summary(p) for p in rows]

    @strawberry.field(description="Countries with their place and issue counts.")
    async def countries(self, info: Info) -> list[Country]:
        require_read(info)
        rows = await run_in_threadpool(
            explore.countries,
            info.context.resources.db,
        )
        return [
            Country(code=c.code, name=c.name, place_count=c.places, issue_count=c.issues)
            for c in rows
        ]

"""The object types researchers explore: clusters, illustrations, places, periodicals."""

from __future__ import annotations

from urllib.parse import quote

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from api.exports import cluster_geojson, time_series
from api.graphql import viewers
from api.graphql.errors import QueryInputError
from api.graphql.matching import MatchLevel, match_thresholds
from api.graphql.pagination import Connection, connection, decode_cursor, encode_cursor, page_size
from graph import explore


@strawberry.type
class Country:
    code: str
    name: str | None
    place_count: int | None = None
    issue_count: int | None = None


@strawberry.type
class Place:
    id: strawberry.ID
    name: str | None
    latitude: float | None
    longitude: float | None
    country_code: str | None
    issue_count: int | None = None

    @classmethod
    def from_summary(cls, p: explore.PlaceSummary) -> Place:
        return cls(
            id=strawberry.ID(p.id),
            name=p.name,
            latitude=p.latitude,
            longitude=p.longitude,
            country_code=p.country_code,
            issue_count=p.issues,
        )


@strawberry.type
class PeriodicalRef:
    id: strawberry.ID
    title: str | None
    publication_type: str | None


@strawberry.type
class IssueRef:
    id: strawberry.ID
    label: str | None
    manifest_id: str | None
    date: str | None
    date_precision: str | None
    rights: str | None = strawberry.field(
        description="The manifest's IIIF `rights`: a licence or rights statement URI."
    )
    attribution: str | None = strawberry.field(
        description="The manifest's `requiredStatement` (or v2 `attribution`), as text."
    )


@strawberry.type
class ViewInContext:
    manifest_id: str
    canvas_id: str
    content_state: str = strawberry.field(description="IIIF Content State, base64url-encoded.")
    content_state_json: JSON
    mirador_url: str | None = strawberry.field(
        default=None,
        deprecation_reason="Public viewer sites cannot load manifests served from a"
        " researcher's machine: open contentState (or manifestId and canvasId) in a viewer"
        " served with the application. Always null.",
    )
    universal_viewer_url: str | None = strawberry.field(
        default=None, deprecation_reason="See miradorUrl. Always null."
    )


@strawberry.type
class Neighbour:
    score: float
    illustration_id: strawberry.Private[str]

    @strawberry.field(description="The score's level by the active model's calibrated thresholds.")
    async def match(self, info: Info) -> MatchLevel:
        return (await match_thresholds(info)).classify(self.score)

    @strawberry.field
    async def illustration(self, info: Info) -> Illustration | None:
        return await Illustration.load(info, self.illustration_id)


@strawberry.type
class Illustration:
    detail: strawberry.Private[explore.IllustrationDetail]

    @classmethod
    async def load(cls, info: Info, illustration_id: str) -> Illustration | None:
        detail = await info.context.loaders.illustration.load(illustration_id)
        return cls(detail=detail) if detail else None

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.detail.id)

    @strawberry.field(description="Region on the canvas, as IIIF x,y,w,h.")
    def xywh(self) -> str | None:
        return self.detail.xywh

    @strawberry.field
    def iiif_region_url(self) -> str | None:
        return self.detail.iiif_region_url

    @strawberry.field
    def thumbnail_url(self) -> str | None:
        return self.detail.thumbnail_url

    @strawberry.field
    def segmenter(self) -> str | None:
        return self.detail.segmenter

    @strawberry.field
    def flagged(self) -> bool:
        return self.detail.flagged

    @strawberry.field
    def flag_reason(self) -> str | None:
        return self.detail.flag_reason

    @strawberry.field(description="The issue's date: the first day of the period it names.")
    def date(self) -> str | None:
        return self.detail.date

    @strawberry.field(description="day, month, year or decade.")
    def date_precision(self) -> str | None:
        return self.detail.date_precision

    @strawberry.field
    def page_number(self) -> int | None:
        return self.detail.page_number

    @strawberry.field
    def publication_type(self) -> str | None:
        return self.detail.publication_type

    @strawberry.field
    def place(self) -> Place | None:
        d = self.detail
        if d.place_id is None:
            return None
        return Place(
            id=strawberry.ID(d.place_id),
            name=d.place_name,
            latitude=d.latitude,
            longitude=d.longitude,
            country_code=d.country_code,
        )

    @strawberry.field
    def country(self) -> Country | None:
        d = self.detail
        return Country(code=d.country_code, name=d.country_name) if d.country_code else None

    @strawberry.field
    def periodical(self) -> PeriodicalRef | None:
        d = self.detail
        if d.periodical_id is None:
            return None
        return PeriodicalRef(
            id=strawberry.ID(d.periodical_id),
            title=d.periodical_title,
            publication_type=d.publication_type,
        )

    @strawberry.field
    def issue(self) -> IssueRef | None:
        d = self.detail
        if d.issue_id is None:
            return None
        return IssueRef(
            id=strawberry.ID(d.issue_id),
            label=d.issue_label,
            manifest_id=d.manifest_uri,
            date=d.date,
            date_precision=d.date_precision,
            rights=d.rights,
            attribution=d.attribution,
        )

    @strawberry.field(description="Manifest, canvas and links opening the page at the region.")
    def view_in_context(self) -> ViewInContext | None:
        d = self.detail
        if not d.manifest_uri or not d.canvas_id:
            return None
        state = viewers.content_state(d.manifest_uri, d.canvas_id, d.xywh)
        encoded = viewers.encode_content_state(state)
        return ViewInContext(
            manifest_id=d.manifest_uri,
            canvas_id=d.canvas_id,
            content_state=encoded,
            content_state_json=JSON(state),
        )

    @strawberry.field(description="Nearest illustrations by stored similarity edges.")
    async def neighbours(self, info: Info, k: int = 10) -> list[Neighbour]:
        hits = await info.context.loaders.neighbours.load((self.detail.id, min(max(k, 0), 100)))
        return [Neighbour(illustration_id=i, score=s) for i, s in hits]

    @strawberry.field(description="Its leaf cluster in a run (default: the latest run).")
    async def cluster(self, info: Info, run: strawberry.ID | None = None) -> Cluster | None:
        run_id = str(run) if run else await info.context.loaders.latest_run()
        if run_id is None:
            return None
        cluster_id = await info.context.loaders.leaf_cluster.load((self.detail.id, run_id))
        return await Cluster.load(info, cluster_id) if cluster_id else None


@strawberry.type
class ClusterMember:
    id: strawberry.ID

    @strawberry.field
    async def illustration(self, info: Info) -> Illustration | None:
        return await Illustration.load(info, str(self.id))

    @strawberry.field(description="Flagged by a curator as not relevant.")
    async def flagged(self, info: Info) -> bool:
        detail = await info.context.loaders.illustration.load(str(self.id))
        return bool(detail and detail.flagged)


@strawberry.type
class Appearance:
    illustration_id: strawberry.ID
    date: str | None
    date_precision: str | None
    place: Place | None
    country: Country | None
    periodical: PeriodicalRef | None
    issue: IssueRef | None

    @strawberry.field
    async def illustration(self, info: Info) -> Illustration | None:
        return await Illustration.load(info, str(self.illustration_id))

    @classmethod
    def from_detail(cls, a: explore.AppearanceDetail) -> Appearance:
        place = None
        if a.place_id:
            place = Place(
                id=strawberry.ID(a.place_id),
                name=a.place_name,
                latitude=a.latitude,
                longitude=a.longitude,
                country_code=a.country_code,
            )
        return cls(
            illustration_id=strawberry.ID(a.illustration_id),
            date=a.date,
            date_precision=a.date_precision,
            place=place,
            country=Country(code=a.country_code, name=a.country_name) if a.country_code else None,
            periodical=PeriodicalRef(
                id=strawberry.ID(a.periodical_id), title=a.periodical_title, publication_type=None
            )
            if a.periodical_id
            else None,
            issue=IssueRef(
                id=strawberry.ID(a.issue_id),
                label=a.issue_label,
                # An appearance carries the issue's id and label only (open the illustration
                # for its manifest and rights).
                manifest_id=None,
                date=a.date,
                date_precision=a.date_precision,
                rights=None,
                attribution=None,
            )
            if a.issue_id
            else None,
        )


@strawberry.type
class Hop:
    origin: Place
    destination: Place
    from_date: str
    to_date: str
    lag_days: int = strawberry.field(description="Days since the origin's first printing.")
    lag_from_first_days: int | None = strawberry.field(
        description="Days since the cluster's first dated printing (its firstAppearance)."
    )
    date_precision: str | None
    from_illustration_id: strawberry.ID | None
    to_illustration_id: strawberry.ID | None

    @classmethod
    def from_detail(cls, h: explore.HopDetail) -> Hop:
        def place(id: str, name: str | None) -> Place:
            return Place(
                id=strawberry.ID(id), name=name, latitude=None, longitude=None, country_code=None
            )

        return cls(
            origin=place(h.origin_id, h.origin_name),
            destination=place(h.destination_id, h.destination_name),
            from_date=h.from_date,
            to_date=h.to_date,
            lag_days=h.lag_days,
            lag_from_first_days=h.lag_from_first_days,
            date_precision=h.precision,
            from_illustration_id=strawberry.ID(h.from_illustration)
            if h.from_illustration
            else None,
            to_illustration_id=strawberry.ID(h.to_illustration) if h.to_illustration else None,
        )


def _id_or_none(value: str | None) -> strawberry.ID | None:
    return strawberry.ID(value) if value else None


@strawberry.type
class YearCount:
    year: int
    count: int


@strawberry.type(description="Download links of a cluster's exports, relative to the API.")
class ClusterExports:
    csv: str
    excel_csv: str = strawberry.field(description="CSV with a byte order mark, for spreadsheets.")
    geojson: str


@strawberry.type
class Cluster:
    summary: strawberry.Private[explore.ClusterSummary]

    @classmethod
    async def load(cls, info: Info, cluster_id: str) -> Cluster | None:
        summary = await info.context.loaders.cluster.load(cluster_id)
        return cls(summary=summary) if summary else None

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.summary.id)

    @strawberry.field
    def run_id(self) -> strawberry.ID | None:
        return strawberry.ID(self.summary.run_id) if self.summary.run_id else None

    @strawberry.field(
        description="Survives re-clustering and incremental updates (lineage by member "
        "overlap); `cluster(stableId:)` resolves it to the latest version. `id` names this "
        "version within its run."
    )
    def stable_id(self) -> strawberry.ID | None:
        return strawberry.ID(self.summary.stable_id) if self.summary.stable_id else None

    @strawberry.field(description="Leaf clusters are the ones researchers work with.")
    def leaf(self) -> bool:
        return self.summary.leaf

    @strawberry.field
    def level(self) -> int:
        return self.summary.level

    @strawberry.field
    def threshold(self) -> float | None:
        return self.summary.threshold

    @strawberry.field
    def size(self) -> int:
        return self.summary.size

    @strawberry.field
    def place_count(self) -> int:
        return self.summary.n_places

    @strawberry.field
    def country_count(self) -> int:
        return self.summary.n_countries

    @strawberry.field
    def periodical_count(self) -> int:
        return self.summary.n_periodicals

    @strawberry.field
    def first_date(self) -> str | None:
        return self.summary.first_date

    @strawberry.field
    def last_date(self) -> str | None:
        return self.summary.last_date

    @strawberry.field
    def span_days(self) -> int | None:
        return self.summary.span_days

    @strawberry.field
    def name(self) -> str | None:
        return self.summary.name

    @strawberry.field
    def description(self) -> str | None:
        return self.summary.description

    @strawberry.field
    def validated(self) -> bool:
        return self.summary.validated

    @strawberry.field
    def flagged(self) -> bool:
        return self.summary.flagged

    @strawberry.field
    def flag_reason(self) -> str | None:
        return self.summary.flag_reason

    @strawberry.field(description="Members ordered by illustration id.")
    async def members(
        self, info: Info, first: int = 50, after: str | None = None
    ) -> Connection[ClusterMember]:
        first = page_size(first)
        start = decode_cursor(after)
        after_id = start[1] if start else None
        ids, has_next = await info.context.loaders.members.load((self.summary.id, after_id, first))
        size = self.summary.size

        async def count() -> int:
            return size

        rows = [(encode_cursor(None, i), ClusterMember(id=strawberry.ID(i))) for i in ids]
        return connection(rows, has_next, count)

    @strawberry.field
    async def parent(self, info: Info) -> Cluster | None:
        if self.summary.parent_id is None:
            return None
        return await Cluster.load(info, self.summary.parent_id)

    @strawberry.field
    async def children(self, info: Info) -> list[Cluster]:
        ids = await info.context.loaders.children.load(self.summary.id)
        summaries = await info.context.loaders.cluster.load_many(ids)
        return [Cluster(summary=s) for s in summaries if s]

    @strawberry.field(
        description="The earliest dated printing (ties by illustration id): where and when the"
        " image was first seen. Null when no printing is dated."
    )
    async def first_appearance(self, info: Info) -> Appearance | None:
        found = await info.context.loaders.first_appearance.load(self.summary.id)
        return Appearance.from_detail(found) if found else None

    @strawberry.field(
        description="Printings in time order: dated ones by date, undated ones last, ties by"
        " illustration id."
    )
    async def appearances(
        self, info: Info, first: int = 100, after: str | None = None
    ) -> Connection[Appearance]:
        first = page_size(first)
        start = decode_cursor(after)
        page = await info.context.loaders.appearance_page.load((self.summary.id, start, first))
        size = self.summary.size

        async def count() -> int:
            return size

        rows = [
            (encode_cursor(value, a.illustration_id), Appearance.from_detail(a))
            for value, a in page.rows
        ]
        return connection(rows, page.has_next, count)

    @strawberry.field(
        description="Hops between places (first appearance to first appearance), in order of"
        " arrival; `first`: only the first hops (where the path starts, as on a card)."
    )
    async def hops(self, info: Info, first: int | None = None) -> list[Hop]:
        if first is not None and first < 0:
            raise QueryInputError("first must be 0 or more")
        hops = await info.context.loaders.hops.load(self.summary.id)
        return [Hop.from_detail(h) for h in hops[:first]]

    @strawberry.field(
        description="GeoJSON FeatureCollection: a Point per place (id: the place id) in order of"
        " first printing, then a LineString per hop (id: hop:<order>) in order of arrival, with"
        " camelCase properties (kind, order, dates, counts, lags)."
    )
    async def geojson(self, info: Info) -> JSON:
        appearances = await info.context.loaders.appearances.load(self.summary.id)
        hops = await info.context.loaders.hops.load(self.summary.id)
        return JSON(cluster_geojson(appearances, hops))

    @strawberry.field
    def exports(self) -> ClusterExports:
        base = f"/export/cluster/{quote(self.summary.id, safe='')}"
        return ClusterExports(
            csv=f"{base}.csv", excel_csv=f"{base}.csv?flavour=excel", geojson=f"{base}.geojson"
        )

    @strawberry.field(description="Printings per year, from the first to the last, zeros included.")
    async def time_series(self, info: Info) -> list[YearCount]:
        rows = await info.context.loaders.appearances.load(self.summary.id)
        return [YearCount(year=y, count=n) for y, n in time_series(rows)]

"""What the graph stores, as plain frozen dataclasses: the boundary between producers and Cypher.

`ingest/` builds these from IIIF; `graph/` writes and reads them. Dates travel as ISO strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class CountryRecord:
    code: str  # ISO 3166-1 alpha-2
    name: str


@dataclass(frozen=True, slots=True)
class PlaceRecord:
    id: str  # "geonames:<id>", or "country:<code>" when only the country is known
    name: str
    country: CountryRecord | None
    latitude: float | None = None
    longitude: float | None = None
    geonames_id: int | None = None


@dataclass(frozen=True, slots=True)
class PeriodicalRecord:
    id: str
    title: str
    rule: str  # which recognition rule produced it (see ingest/iiif/periodical.py)
    source_uri: str | None = None


@dataclass(frozen=True, slots=True)
class CollectionPeriodicalRecord:
    """A periodical as its collection describes it (title, place, dates), written when the
    collection is harvested, whether or not its member issues can be fetched."""

    periodical: PeriodicalRecord
    place: PlaceRecord | None = None
    place_raw: str | None = None
    date: str | None = None  # ISO, first day of the period
    date_precision: str | None = None
    date_raw: str | None = None


@dataclass(frozen=True, slots=True)
class PageRecord:
    id: str
    canvas_id: str
    order: int
    label: str | None
    width: int | None
    height: int | None
    image_url: str | None
    service_url: str | None
    service_version: str | None
    service_level: int | None
    # Level-0 services list the sizes they can serve, as "w,h" strings.
    service_sizes: tuple[str, ...] = ()
    # IIIF annotation regions on the canvas, as "x,y,w,h" strings (for the `annotations` segmenter).
    regions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class IssueRecord:
    id: str
    manifest_uri: str
    label: str | None
    date: str | None  # ISO date of the first day of the period
    date_precision: str | None  # day | month | year | decade
    date_raw: str | None
    date_source: str | None
    language: str | None
    place: PlaceRecord | None
    place_raw: str | None
    periodical: PeriodicalRecord
    presentation_version: int
    pages: tuple[PageRecord, ...]
    summary: str | None = None
    attribution: str | None = None
    rights: str | None = None
    thumbnail: str | None = None
    homepage: str | None = None
    publication_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    # The URI it was harvested from, when the manifest's own id differs (validators are kept
    # per fetched URI).
    source_uri: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class IllustrationRecord:
    id: str
    page_id: str
    x: int
    y: int
    w: int
    h: int
    area_ratio: float
    confidence: float
    segmenter: str
    segmenter_version: str
    iiif_region_url: str | None
    thumbnail_url: str | None

    @property
    def xywh(self) -> str:
        return f"{self.x},{self.y},{self.w},{self.h}"


@dataclass(frozen=True, slots=True)
class ClusterRow:
    """A cluster as written: `members` are all its illustrations (descendants' included)."""

    id: str
    key: str
    threshold: float
    leaf: bool
    level: int
    parent_id: str | None
    members: tuple[str, ...]
    name: str | None = None
    description: str | None = None
    validated: bool = False
    flag_reason: str | None = None
    stable_id: str | None = None  # survives re-clustering (see graph/README.md)


@dataclass(frozen=True, slots=True)
class AppearanceRow:
    cluster_id: str
    illustration_id: str
    date: str | None
    date_precision: str | None
    place_id: str | None
    country_code: str | None
    periodical_id: str | None
    issue_id: str | None


@dataclass(frozen=True, slots=True)
class ClusterStatsRow:
    """What `REFRESH_STATS` derives for a cluster, computed from its members' appearances."""

    size: int
    n_places: int
    n_countries: int
    n_periodicals: int
    first_date: str | None
    last_date: str | None
    span_days: int | None


@dataclass(frozen=True, slots=True)
class FlowRow:
    cluster: str
    origin: str
    destination: str
    from_date: str
    to_date: str
    lag_days: int
    precision: str | None
    from_illustration: str
    to_illustration: str


@dataclass(frozen=True, slots=True)
class DecisionRow:
    id: str
    kind: str
    members: tuple[str, ...]
    payload: str  # JSON
    by: str | None

"""Typed, immutable views of IIIF documents, as the rest of the system sees them.

Only what the harvester needs is kept; every text value is already reduced to one plain
display string (see `ingest.iiif.text`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

ImageApiVersion = Literal["1.1", "2", "3"]
PresentationVersion = Literal[2, 3]
MemberType = Literal["Manifest", "Collection"]


@dataclass(frozen=True, slots=True)
class ImageService:
    """An IIIF Image API endpoint (the base URI, without `/info.json`)."""

    id: str
    version: ImageApiVersion
    profile_level: int | None = None
    width: int | None = None
    height: int | None = None
    sizes: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True, slots=True)
class PageImage:
    """The image painted on a canvas."""

    id: str
    format: str | None = None
    width: int | None = None
    height: int | None = None
    service: ImageService | None = None


@dataclass(frozen=True, slots=True)
class Region:
    """A rectangle annotated on a canvas (`#xywh=` target), in canvas coordinates."""

    x: int
    y: int
    w: int
    h: int
    annotation_id: str | None = None
    text: str | None = None


@dataclass(frozen=True, slots=True)
class Canvas:
    id: str
    order: int
    label: str | None = None
    width: int | None = None
    height: int | None = None
    image: PageImage | None = None
    choice_alternatives: int = 0
    regions: tuple[Region, ...] = ()


@dataclass(frozen=True, slots=True)
class MetadataEntry:
    """One metadata pair as display strings; `labels` and `values` keep every string of every
    language (for matching labels, and for values the display choice left out)."""

    label: str
    value: str
    labels: tuple[str, ...] = ()
    values: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Link:
    """A reference to another resource (partOf, seeAlso, homepage, thumbnail, member)."""

    id: str
    label: str | None = None
    type: str | None = None
    format: str | None = None


@dataclass(frozen=True, slots=True)
class Manifest:
    id: str
    presentation_version: PresentationVersion
    label: str | None = None
    summary: str | None = None
    metadata: tuple[MetadataEntry, ...] = ()
    nav_date: str | None = None
    nav_place: dict[str, Any] | None = None
    part_of: tuple[Link, ...] = ()
    required_statement: str | None = None
    rights: str | None = None
    thumbnail: tuple[Link, ...] = ()
    see_also: tuple[Link, ...] = ()
    homepage: tuple[Link, ...] = ()
    language: tuple[str, ...] = ()
    canvases: tuple[Canvas, ...] = ()


@dataclass(frozen=True, slots=True)
class CollectionMember:
    """A manifest or collection listed in a collection, with what the listing says of it."""

    id: str
    type: MemberType
    label: str | None = None
    nav_date: str | None = None
    nav_place: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Collection:
    id: str
    presentation_version: PresentationVersion
    label: str | None = None
    summary: str | None = None
    metadata: tuple[MetadataEntry, ...] = ()
    nav_date: str | None = None
    nav_place: dict[str, Any] | None = None
    part_of: tuple[Link, ...] = ()
    manifests: tuple[CollectionMember, ...] = ()
    collections: tuple[CollectionMember, ...] = ()
    first: str | None = None
    next: str | None = None
    total: int | None = None


ParsedDocument = Manifest | Collection

"""Turning a parsed manifest into the records the graph stores (pure: no I/O)."""

from __future__ import annotations

from graph.records import (
    CollectionPeriodicalRecord,
    CountryRecord,
    IssueRecord,
    PageRecord,
    PeriodicalRecord,
    PlaceRecord,
)
from ingest.ids import issue_id, page_id
from ingest.iiif.models import Canvas, Collection, Manifest
from ingest.iiif.periodical import collection_periodical, recognize_periodical
from ingest.normalize.dates import pick_issue_date
from ingest.normalize.fields import entries_named
from ingest.normalize.places import NormalizedPlace, pick_issue_place

PUBLICATION_TYPE_FIELDS = ("type", "genre", "publication type", "type de document", "dokumenttyp")


def page_records(manifest: Manifest) -> tuple[PageRecord, ...]:
    pages: list[PageRecord] = []
    seen: set[str] = set()
    for canvas in manifest.canvases:
        # The same canvas listed twice is one page; keep its first position.
        if canvas.id in seen:
            continue
        seen.add(canvas.id)
        pages.append(_page(manifest.id, canvas))
    return tuple(pages)


def _page(manifest_uri: str, canvas: Canvas) -> PageRecord:
    image = canvas.image
    service = image.service if image else None
    return PageRecord(
        id=page_id(manifest_uri, canvas.id),
        canvas_id=canvas.id,
        order=canvas.order,
        label=canvas.label,
        width=canvas.width or (image.width if image else None),
        height=canvas.height or (image.height if image else None),
        image_url=image.id if image else None,
        service_url=service.id if service else None,
        service_version=service.version if service else None,
        service_level=service.profile_level if service else None,
        service_sizes=tuple(f"{w},{h}" for w, h in service.sizes) if service else (),
        regions=tuple(f"{r.x},{r.y},{r.w},{r.h}" for r in canvas.regions),
    )


def place_record(place: NormalizedPlace | None) -> PlaceRecord | None:
    if place is None or not place.matched:
        return None
    country = (
        CountryRecord(code=place.country_code, name=place.country_name or place.country_code)
        if place.country_code
        else None
    )
    if place.geonames_id is not None:
        place_key = f"geonames:{place.geonames_id}"
    elif country is not None:
        place_key = f"country:{country.code}"
    else:
        return None
    return PlaceRecord(
        id=place_key,
        name=place.name or place.country_name or place.raw,
        country=country,
        latitude=place.latitude,
        longitude=place.longitude,
        geonames_id=place.geonames_id,
    )


def _first_value(manifest: Manifest, names: tuple[str, ...]) -> str | None:
    for _, entry in entries_named(manifest.metadata, names):
        if entry.value:
            return entry.value
    return None


def collection_periodical_record(collection: Collection) -> CollectionPeriodicalRecord | None:
    """The periodical a collection of issues stands for, from the collection's own label,
    metadata and navDate/navPlace; None for a collection that lists no manifests (a
    container of collections) or has no title."""
    key = collection_periodical(collection)
    if key is None or not collection.manifests:
        return None
    when = pick_issue_date(collection.nav_date, collection.metadata, collection.label)
    where = pick_issue_place(collection.nav_place, collection.metadata, collection.label)
    if key.place and (where is None or not where.matched):
        where = key.place
    return CollectionPeriodicalRecord(
        periodical=PeriodicalRecord(
            id=key.id, title=key.title, rule=key.rule, source_uri=collection.id
        ),
        place=place_record(where),
        place_raw=where.raw if where else None,
        date=when.value.isoformat() if when else None,
        date_precision=when.precision if when else None,
        date_raw=when.raw if when else None,
    )


def issue_record(
    manifest: Manifest,
    parent: Collection | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
    source_uri: str | None = None,
) -> IssueRecord:
    when = pick_issue_date(manifest.nav_date, manifest.metadata, manifest.label)
    where = pick_issue_place(manifest.nav_place, manifest.metadata, manifest.label)
    periodical = recognize_periodical(manifest, parent)
    if periodical.place and (where is None or not where.matched):
        # "Dada (Zurich, Switzerland)": the title's qualifier is where the periodical appeared.
        where = periodical.place
    return IssueRecord(
        id=issue_id(manifest.id),
        manifest_uri=manifest.id,
        label=manifest.label,
        date=when.value.isoformat() if when else None,
        date_precision=when.precision if when else None,
        date_raw=when.raw if when else None,
        date_source=getattr(when, "source", None) if when else None,
        language=manifest.language[0] if manifest.language else None,
        place=place_record(where),
        place_raw=where.raw if where else None,
        periodical=PeriodicalRecord(
            id=periodical.id,
            title=periodical.title,
            rule=periodical.rule,
            source_uri=parent.id if parent else None,
        ),
        presentation_version=manifest.presentation_version,
        pages=page_records(manifest),
        summary=manifest.summary,
        attribution=manifest.required_statement,
        rights=manifest.rights,
        thumbnail=manifest.thumbnail[0].id if manifest.thumbnail else None,
        homepage=manifest.homepage[0].id if manifest.homepage else None,
        publication_type=_first_value(manifest, PUBLICATION_TYPE_FIELDS),
        etag=etag,
        last_modified=last_modified,
        source_uri=source_uri,
    )

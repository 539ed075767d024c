"""Pages → illustrations: fetch each page image, segment it, write its illustrations.

Failures are per page (recorded on the page with the reason), never per batch.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from graph.db import GraphDB
from graph.illustrations import mark_page_failed, pages_by_ids, replace_illustrations
from graph.records import IllustrationRecord, PageRecord
from ingest.cache import ImageCache
from ingest.errors import FetchError
from ingest.fetch import Fetcher
from ingest.ids import stable_id
from ingest.page_images import fetch_image, region_urls
from ml.images import ImageDecodeError, decode_image
from ml.segment.base import Region, SegmentationError, Segmenter

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PageLimits:
    working_size: int = 1280  # longest side of the image the segmenter sees
    max_bytes: int = 80_000_000
    max_pixels: int = 180_000_000
    thumbnail_size: int = 256


@dataclass(frozen=True)
class PageOutcome:
    page_id: str
    ok: bool
    illustration_ids: tuple[str, ...] = ()
    removed_ids: tuple[str, ...] = ()
    reason: str | None = None


def illustration_id(page_id: str, segmenter: str, region: Region) -> str:
    return stable_id("ill", page_id, segmenter, region.xywh)


def illustration_records(
    page: PageRecord, segmenter: Segmenter, regions: Sequence[Region], thumbnail_size: int
) -> list[IllustrationRecord]:
    if not page.width or not page.height:
        raise SegmentationError(f"canvas {page.canvas_id} has no usable size")
    width, height = page.width, page.height
    records = []
    for region in regions:
        full, thumb = region_urls(page, (region.x, region.y, region.w, region.h), thumbnail_size)
        records.append(
            IllustrationRecord(
                id=illustration_id(page.id, segmenter.name, region),
                page_id=page.id,
                x=region.x,
                y=region.y,
                w=region.w,
                h=region.h,
                area_ratio=round(region.area_ratio(width, height), 6),
                confidence=round(float(region.confidence), 4),
                segmenter=segmenter.name,
                segmenter_version=segmenter.version,
                iiif_region_url=full,
                thumbnail_url=thumb,
            )
        )
    return records


def segment_page(
    page: PageRecord,
    fetcher: Fetcher,
    segmenter: Segmenter,
    limits: PageLimits,
    cache: ImageCache | None = None,
) -> list[IllustrationRecord]:
    """Raises FetchError, ImageDecodeError or SegmentationError with a clear reason."""
    if not page.width or not page.height:
        raise SegmentationError(f"canvas {page.canvas_id} has no usable size")
    if segmenter.name == "annotations":
        # Regions come from the manifest; no pixels are needed.
        fragments = [f"#xywh={region}" for region in page.regions]
        regions = segmenter.segment(None, page.width, page.height, annotations=fragments)
        return illustration_records(page, segmenter, regions, limits.thumbnail_size)
    if not segmenter.needs_pixels:
        regions = segmenter.segment(None, page.width, page.height)
        return illustration_records(page, segmenter, regions, limits.thumbnail_size)
    fetched = fetch_image(page, fetcher, limits.working_size, limits.max_bytes, cache)
    image = decode_image(fetched.content, fetched.content_type, limits.max_pixels)
    regions = segmenter.segment(image, page.width, page.height)
    return illustration_records(page, segmenter, regions, limits.thumbnail_size)


def segment_pages(
    db: GraphDB,
    page_ids: Sequence[str],
    *,
    fetcher: Fetcher,
    segmenter: Segmenter,
    limits: PageLimits,
    cache: ImageCache | None = None,
) -> list[PageOutcome]:
    outcomes = []
    for page_id, page in zip(page_ids, pages_by_ids(db, page_ids), strict=True):
        if page is None:
            outcomes.append(PageOutcome(page_id, False, reason="unknown page"))
            continue
        try:
            records = segment_page(page, fetcher, segmenter, limits, cache)
        except (FetchError, ImageDecodeError, SegmentationError) as exc:
            reason = f"{type(exc).__name__}: {exc}"
            mark_page_failed(db, page_id, reason)
            outcomes.append(PageOutcome(page_id, False, reason=reason))
            continue
        removed = replace_illustrations(db, page_id, segmenter.name, records)
        outcomes.append(PageOutcome(page_id, True, tuple(r.id for r in records), tuple(removed)))
    return outcomes

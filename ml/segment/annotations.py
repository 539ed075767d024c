"""Regions given by the manifest itself: IIIF annotations targeting `#xywh=` fragments."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PIL import Image

from ingest.iiif.xywh import FragmentError, parse_xywh
from ml.segment.base import Annotation, Region, SegmentationError, check_canvas

__all__ = ["AnnotationSegmenter", "FragmentParseError", "parse_xywh_fragment"]


class FragmentParseError(SegmentationError):
    """An annotation target has no usable `xywh` fragment."""


def parse_xywh_fragment(
    target: str, canvas_width: int, canvas_height: int
) -> tuple[int, int, int, int]:
    """The `(x, y, w, h)` canvas box of a target such as `…/canvas/1#xywh=percent:10,10,50,50`.

    Read by `ingest.iiif.xywh`, the parser manifests are read with. The box is clipped to the
    canvas; a box wholly outside it or empty is an error.
    """
    try:
        return parse_xywh(target, canvas_width, canvas_height)
    except FragmentError as exc:
        raise FragmentParseError(str(exc)) from exc


def _target_fragment(annotation: Annotation) -> str:
    """The fragment string of a URI target or of a W3C target with a FragmentSelector."""
    if isinstance(annotation, str):
        return annotation
    selector = annotation.get("selector")
    if isinstance(selector, Mapping) and isinstance(selector.get("value"), str):
        return selector["value"]
    for key in ("id", "@id", "on", "target"):
        value = annotation.get(key)
        if isinstance(value, str):
            return value
        if isinstance(value, Mapping):
            return _target_fragment(value)
    raise FragmentParseError(f"annotation target has no fragment: {dict(annotation)!r}")


class AnnotationSegmenter:
    name = "annotations"
    version = "1"
    needs_pixels = False

    def segment(
        self,
        image: Image.Image | None,
        canvas_width: int,
        canvas_height: int,
        annotations: Sequence[Annotation] = (),
    ) -> list[Region]:
        """One region per annotation target, deduplicated, in the manifest's order.

        A malformed target raises `FragmentParseError`: silently dropping it would hide a
        curated region from the researcher.
        """
        check_canvas(canvas_width, canvas_height)
        regions: list[Region] = []
        seen: set[tuple[int, int, int, int]] = set()
        for annotation in annotations:
            box = parse_xywh_fragment(_target_fragment(annotation), canvas_width, canvas_height)
            if box not in seen:
                seen.add(box)
                regions.append(Region(*box, confidence=1.0))
        return regions

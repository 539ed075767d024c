"""Regions given by the manifest itself: IIIF annotations targeting `#xywh=` fragments."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from PIL import Image

from ml.segment.base import Annotation, Region, SegmentationError, check_canvas

__all__ = ["AnnotationSegmenter", "FragmentParseError", "parse_xywh_fragment"]

# Media Fragments URI 1.0, spatial dimension: xywh=[pixel:|percent:]x,y,w,h
_XYWH = re.compile(
    r"(?:^|[#&?])xywh=(?:(?P<unit>pixel|percent):)?"
    r"(?P<x>\d+(?:\.\d+)?),(?P<y>\d+(?:\.\d+)?),(?P<w>\d+(?:\.\d+)?),(?P<h>\d+(?:\.\d+)?)"
    r"(?:$|&)"
)


class FragmentParseError(SegmentationError):
    """An annotation target has no usable `xywh` fragment."""


def parse_xywh_fragment(
    target: str, canvas_width: int, canvas_height: int
) -> tuple[int, int, int, int]:
    """The `(x, y, w, h)` canvas box of a target such as `…/canvas/1#xywh=percent:10,10,50,50`.

    The box is clipped to the canvas; a box wholly outside it or empty is an error.
    """
    match = _XYWH.search(target)
    if match is None:
        raise FragmentParseError(f"no xywh fragment in {target!r}")
    x, y, w, h = (float(match[name]) for name in ("x", "y", "w", "h"))
    if match["unit"] == "percent":
        x, w = x * canvas_width / 100.0, w * canvas_width / 100.0
        y, h = y * canvas_height / 100.0, h * canvas_height / 100.0
    left, top = max(0, round(x)), max(0, round(y))
    right, bottom = min(canvas_width, round(x + w)), min(canvas_height, round(y + h))
    if right <= left or bottom <= top:
        raise FragmentParseError(
            f"fragment of {target!r} is empty on a {canvas_width}x{canvas_height} canvas"
        )
    return left, top, right - left, bottom - top


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

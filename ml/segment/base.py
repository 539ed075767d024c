"""What every segmenter returns and the interface it implements."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from PIL import Image

__all__ = ["Annotation", "Region", "SegmentationError", "Segmenter", "scale_box"]

# An IIIF annotation target as the manifest gives it: a URI string with a media fragment
# ("…/canvas/1#xywh=10,20,30,40") or a W3C target object with a FragmentSelector.
Annotation = str | Mapping[str, Any]


_EPSILON = 1e-6


class SegmentationError(ValueError):
    """A page could not be segmented (bad canvas size, unusable model output)."""


@dataclass(frozen=True, slots=True)
class Region:
    """An illustration's box in canvas coordinates (integers, inside the canvas)."""

    x: int
    y: int
    w: int
    h: int
    confidence: float
    label: str = "illustration"

    @property
    def xywh(self) -> str:
        """The IIIF region parameter for this box, e.g. `"10,20,300,400"`."""
        return f"{self.x},{self.y},{self.w},{self.h}"

    def area_ratio(self, canvas_width: int, canvas_height: int) -> float:
        return (self.w * self.h) / float(canvas_width * canvas_height)


@runtime_checkable
class Segmenter(Protocol):
    name: str
    version: str
    # False: regions come from the canvas or the manifest alone, and `segment` gets no image.
    needs_pixels: bool

    def segment(
        self,
        image: Image.Image | None,
        canvas_width: int,
        canvas_height: int,
        annotations: Sequence[Annotation] = (),
    ) -> list[Region]:
        """Regions of `image` (any size) in the coordinates of a canvas of the given size."""
        ...


def require_pixels(image: Image.Image | None, name: str) -> Image.Image:
    if image is None:
        raise SegmentationError(f"the {name} segmenter needs the page image")
    return image


def check_canvas(canvas_width: int, canvas_height: int) -> None:
    if canvas_width <= 0 or canvas_height <= 0:
        raise SegmentationError(
            f"canvas must have a positive size, got {canvas_width}x{canvas_height}"
        )


def scale_box(
    box: tuple[float, float, float, float],
    image_size: tuple[int, int],
    canvas_size: tuple[int, int],
) -> tuple[int, int, int, int] | None:
    """Map an `(x, y, w, h)` box in image pixels to integer canvas coordinates.

    Edges are rounded outwards so a crop never loses the picture's border, then clipped to the
    canvas; a box that ends up empty gives None.
    """
    image_width, image_height = image_size
    canvas_width, canvas_height = canvas_size
    sx, sy = canvas_width / image_width, canvas_height / image_height
    x, y, w, h = box
    # The epsilon keeps exact integer products (10 * 2.0) from rounding a whole pixel outwards.
    left = max(0, math.floor(x * sx + _EPSILON))
    top = max(0, math.floor(y * sy + _EPSILON))
    right = min(canvas_width, math.ceil((x + w) * sx - _EPSILON))
    bottom = min(canvas_height, math.ceil((y + h) * sy - _EPSILON))
    if right <= left or bottom <= top:
        return None
    return left, top, right - left, bottom - top

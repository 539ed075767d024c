"""The one parser of Media Fragments `xywh=` regions (`#xywh=[pixel:|percent:]x,y,w,h`).

Manifest parsing (regions annotated on a canvas) and the `annotations` segmenter both read
fragments here, so a region one of them accepts the other accepts too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ingest.iiif.errors import ManifestParseError
from ingest.iiif.values import MAX_PIXELS

Unit = Literal["pixel", "percent"]

_NUMBER = r"[0-9]+(?:\.[0-9]+)?"
_XYWH = re.compile(
    rf"(?:^|[#&?])xywh=(?:(?P<unit>pixel|percent):)?"
    rf"(?P<x>{_NUMBER}),(?P<y>{_NUMBER}),(?P<w>{_NUMBER}),(?P<h>{_NUMBER})(?=$|&)"
)
# Digits beyond these are no coordinate anyone meant (and 5000 of them overflow a float).
_MAX_DIGITS = 12


class FragmentError(ManifestParseError):
    """An `xywh` fragment that cannot be a region: bad numbers, empty, or off the canvas."""


@dataclass(frozen=True, slots=True)
class XywhFragment:
    unit: Unit
    x: float
    y: float
    w: float
    h: float

    def box(self, canvas_width: int, canvas_height: int) -> tuple[int, int, int, int]:
        """The `(x, y, w, h)` pixel box on a canvas of that size, clipped to the canvas."""
        x, y, w, h = self.x, self.y, self.w, self.h
        if self.unit == "percent":
            x, w = x * canvas_width / 100.0, w * canvas_width / 100.0
            y, h = y * canvas_height / 100.0, h * canvas_height / 100.0
        left, top = max(0, round(x)), max(0, round(y))
        right, bottom = min(canvas_width, round(x + w)), min(canvas_height, round(y + h))
        if right <= left or bottom <= top:
            raise FragmentError(f"xywh={self} is empty on a {canvas_width}x{canvas_height} canvas")
        return left, top, right - left, bottom - top

    def pixel_box(self) -> tuple[int, int, int, int] | None:
        """The box in pixels when the fragment is in pixels (no canvas size needed)."""
        if self.unit != "pixel":
            return None
        return round(self.x), round(self.y), round(self.w), round(self.h)

    def __str__(self) -> str:
        values = ",".join(f"{v:g}" for v in (self.x, self.y, self.w, self.h))
        return f"percent:{values}" if self.unit == "percent" else values


def _number(text: str, name: str, fragment: str) -> float:
    whole = text.split(".", 1)[0]
    if len(whole) > _MAX_DIGITS:
        raise FragmentError(f"{name} of {fragment!r} has {len(whole)} digits")
    return float(text)


def find_xywh(target: str) -> XywhFragment | None:
    """The `xywh` fragment in `target` (a URI or a selector value), None when there is none.

    Raises `FragmentError` when there is one but its numbers cannot be a region: negative
    values do not match at all; a zero width or height, more than 100 percent, or more than
    `MAX_PIXELS` are refused.
    """
    match = _XYWH.search(target)
    if match is None:
        return None
    fragment = match.group(0).lstrip("#&?")[:80]
    unit: Unit = "percent" if match["unit"] == "percent" else "pixel"
    x, y, w, h = (_number(match[name], name, fragment) for name in ("x", "y", "w", "h"))
    if w <= 0 or h <= 0:
        raise FragmentError(f"{fragment!r} has no area")
    limit = 100.0 if unit == "percent" else float(MAX_PIXELS)
    if max(x, y, w, h) > limit:
        raise FragmentError(f"{fragment!r} is outside any canvas ({unit} values above {limit:g})")
    return XywhFragment(unit, x, y, w, h)


def parse_xywh(target: str, canvas_width: int, canvas_height: int) -> tuple[int, int, int, int]:
    """The clipped pixel box of the fragment in `target`; `FragmentError` when there is none."""
    fragment = find_xywh(target)
    if fragment is None:
        raise FragmentError(f"no xywh fragment in {target[:200]!r}")
    return fragment.box(canvas_width, canvas_height)

"""The whole canvas is the illustration: prints, photographs, posters, postcards."""

from __future__ import annotations

from collections.abc import Sequence

from PIL import Image

from ml.segment.base import Annotation, Region, check_canvas

__all__ = ["WholeCanvasSegmenter"]


class WholeCanvasSegmenter:
    name = "whole"
    version = "1"
    needs_pixels = False

    def segment(
        self,
        image: Image.Image | None,
        canvas_width: int,
        canvas_height: int,
        annotations: Sequence[Annotation] = (),
    ) -> list[Region]:
        check_canvas(canvas_width, canvas_height)
        return [Region(0, 0, canvas_width, canvas_height, confidence=1.0)]

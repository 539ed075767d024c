"""Printed pictures → what the backbone should see.

The press printed one picture in colour, grey or sepia ink, through a halftone screen, on
grainy paper. None of that says which picture it is, and all of it moves a descriptor: grey
conversion removes the ink, a Gaussian blur at the backbone's input scale removes the screen
and the grain (measured in `bench/quality.py`). The recipe is part of a descriptor model's
identity: vectors made with two recipes do not compare.
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image, ImageFilter, ImageOps

__all__ = ["PrintNormalization"]


@dataclass(frozen=True)
class PrintNormalization:
    """Scale to `size` px on the longest side, blur by `descreen_radius` px, then grey."""

    size: int = 320
    descreen_radius: float = 0.0
    grayscale: bool = False

    @property
    def key(self) -> str:
        """A stable text form, hashed into the descriptor model's id."""
        return f"size={self.size};descreen={self.descreen_radius:g};grey={int(self.grayscale)}"

    def apply(self, image: Image.Image) -> Image.Image:
        image = image.convert("RGB")
        scale = self.size / max(image.size)
        if scale < 1:
            # The radius is in pixels at the backbone's scale, so shrink first.
            target = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
            image = image.resize(target, Image.Resampling.LANCZOS)
        if self.descreen_radius > 0:
            image = image.filter(ImageFilter.GaussianBlur(self.descreen_radius))
        if self.grayscale:
            image = ImageOps.grayscale(image).convert("RGB")
        return image

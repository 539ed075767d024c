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

__all__ = ["CALIBRATED_RECIPES", "PrintNormalization", "calibrated_recipe"]

# (descreen radius, grey) each backbone is calibrated with (bench/recipes.py). dino_vits16 keeps
# the seed's own recipe (colour, no blur) until it is measured with its weights here;
# efficientnet_lite0 was measured: blur 4 + grey lifts pooled reprint recall at precision 0.95
# from 0.21 (plain) to 1.00 on the sample press.
CALIBRATED_RECIPES = {"dino_vits16": (0.0, False), "efficientnet_lite0": (4.0, True)}


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


def calibrated_recipe(
    backbone: str, size: int, descreen_radius: float | None = None, grayscale: bool | None = None
) -> PrintNormalization:
    """The configured choices, else the backbone's calibrated ones."""
    radius, grey = CALIBRATED_RECIPES.get(backbone, (0.0, False))
    return PrintNormalization(
        size=size,
        descreen_radius=radius if descreen_radius is None else descreen_radius,
        grayscale=grey if grayscale is None else grayscale,
    )

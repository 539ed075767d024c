"""Printing a picture the way the illustrated press did: each reprint looks a bit different.

Grey or sepia inks, a halftone screen, contrast and gamma, a 5-20 % crop, a small rotation,
another scale, JPEG loss and paper texture. Pure functions of (image, random generator).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter, ImageOps


@dataclass(frozen=True)
class PrintStyle:
    ink: str  # colour | grey | sepia
    halftone: bool
    contrast: float
    gamma: float
    crop: float  # fraction removed in total
    rotation: float  # degrees
    jpeg_quality: int
    paper: float  # strength of the paper texture

    def describe(self) -> str:
        parts = [self.ink]
        if self.halftone:
            parts.append("halftone")
        parts.append(f"crop {self.crop:.0%}")
        if abs(self.rotation) > 0.05:
            parts.append(f"rot {self.rotation:+.1f}°")
        parts.append(f"q{self.jpeg_quality}")
        return ", ".join(parts)


def random_style(rng: np.random.Generator, original: bool = False) -> PrintStyle:
    """An original printing is clean; reprints vary."""
    if original:
        return PrintStyle(
            "colour" if rng.random() < 0.5 else "grey", False, 1.0, 1.0, 0.0, 0.0, 92, 0.02
        )
    return PrintStyle(
        ink=str(rng.choice(["grey", "sepia", "colour"], p=[0.5, 0.3, 0.2])),
        halftone=bool(rng.random() < 0.4),
        contrast=float(rng.uniform(0.75, 1.35)),
        gamma=float(rng.uniform(0.75, 1.3)),
        crop=float(rng.uniform(0.05, 0.20)),
        rotation=float(rng.uniform(-2.5, 2.5)),
        jpeg_quality=int(rng.integers(35, 85)),
        paper=float(rng.uniform(0.01, 0.04)),
    )


def _ink(image: Image.Image, ink: str) -> Image.Image:
    if ink == "grey":
        return ImageOps.grayscale(image).convert("RGB")
    if ink == "sepia":
        return ImageOps.colorize(ImageOps.grayscale(image), (40, 26, 13), (250, 238, 215))
    return image


def _tone(image: Image.Image, contrast: float, gamma: float) -> Image.Image:
    x = np.asarray(image, dtype=np.float32) / 255.0
    x = np.clip((x - 0.5) * contrast + 0.5, 0.0, 1.0) ** gamma
    return Image.fromarray((x * 255).astype(np.uint8))


def _crop(image: Image.Image, fraction: float, rng: np.random.Generator) -> Image.Image:
    w, h = image.size
    keep = np.sqrt(1.0 - fraction)
    cw, ch = max(8, int(w * keep)), max(8, int(h * keep))
    x = int(rng.integers(0, w - cw + 1))
    y = int(rng.integers(0, h - ch + 1))
    return image.crop((x, y, x + cw, y + ch))


def _halftone(image: Image.Image, cell: int = 4, oversample: int = 3) -> Image.Image:
    """An amplitude-modulated dot screen: each cell's dot covers as much as the tone is dark.

    Drawn at `oversample` times the size and scaled back down, so that the average tone of a
    cell survives (a screen thresholded at the final size would turn light areas white).
    """
    w, h = image.size
    big = image.resize((w * oversample, h * oversample), Image.Resampling.BICUBIC)
    grey_image = ImageOps.grayscale(big)
    pitch = cell * oversample
    tone = np.asarray(grey_image.filter(ImageFilter.BoxBlur(pitch / 2)), dtype=np.float32) / 255
    yy, xx = np.mgrid[0 : big.height, 0 : big.width]
    distance = np.hypot((xx % pitch) - (pitch - 1) / 2, (yy % pitch) - (pitch - 1) / 2)
    # A dot of area darkness * pitch², i.e. radius pitch * sqrt(darkness / pi).
    ink = distance < pitch * np.sqrt(np.clip(1.0 - tone, 0.0, 1.0) / np.pi)
    screened = np.where(ink, 0.08, 0.96).astype(np.float32)
    colour = np.asarray(big, dtype=np.float32) / 255.0
    grey = np.asarray(grey_image, dtype=np.float32)[..., None] / 255.0
    # Keep the ink's hue: the picture's own colours, at the screened tone.
    mixed = colour / np.maximum(grey, 0.05) * screened[..., None]
    out = Image.fromarray((np.clip(mixed, 0, 1) * 255).astype(np.uint8))
    return out.resize((w, h), Image.Resampling.BOX)


def _paper(image: Image.Image, strength: float, rng: np.random.Generator) -> Image.Image:
    x = np.asarray(image, dtype=np.float32)
    noise = rng.normal(0.0, 255 * strength, x.shape[:2])[..., None]
    tint = np.array([242, 236, 222], dtype=np.float32) / 255.0
    x = np.clip(x * (0.9 + 0.1 * tint) + noise, 0, 255)
    return Image.fromarray(x.astype(np.uint8))


def _jpeg(image: Image.Image, quality: int) -> Image.Image:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")


def print_picture(
    image: Image.Image, style: PrintStyle, size: tuple[int, int], rng: np.random.Generator
) -> Image.Image:
    """`image` printed in `style`, covering a slot of `size` (w, h) pixels."""
    out = _crop(image.convert("RGB"), style.crop, rng) if style.crop else image.convert("RGB")
    out = _ink(out, style.ink)
    out = _tone(out, style.contrast, style.gamma)
    if style.rotation:
        out = out.rotate(
            style.rotation,
            resample=Image.Resampling.BICUBIC,
            expand=False,
            fillcolor=(242, 236, 222),
        )
    # Cover the slot, cropping the centre, as a layout editor would.
    w, h = size
    scale = max(w / out.width, h / out.height)
    out = out.resize(
        (max(w, round(out.width * scale)), max(h, round(out.height * scale))),
        Image.Resampling.LANCZOS,
    )
    left, top = (out.width - w) // 2, (out.height - h) // 2
    out = out.crop((left, top, left + w, top + h))
    if style.halftone:
        out = _halftone(out)
    out = _paper(out, style.paper, rng)
    return _jpeg(out, style.jpeg_quality)

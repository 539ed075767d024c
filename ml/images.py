"""Safe decoding of page images fetched from IIIF servers.

Every failure is an `ImageDecodeError` subclass whose message says what was wrong, so the
pages actor can record it against the page instead of crashing.
"""

from __future__ import annotations

import io
import warnings
from typing import cast

import numpy as np
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

__all__ = [
    "ImageDecodeError",
    "ImageTooLargeError",
    "NotAnImageError",
    "TruncatedImageError",
    "decode_image",
    "image_size",
]

# Paper is white: transparent pixels become paper, not the black that `convert("RGB")` leaves.
_PAPER = (255, 255, 255)
_SRGB = ImageCms.createProfile("sRGB")


class ImageDecodeError(ValueError):
    """The bytes could not be turned into an RGB page image."""


class ImageTooLargeError(ImageDecodeError):
    """The image declares more pixels than allowed (a decompression bomb or a wrong size)."""


class TruncatedImageError(ImageDecodeError):
    """The image header was read but its pixel data is cut short or corrupt."""


class NotAnImageError(ImageDecodeError):
    """The bytes are not an image Pillow can identify (an HTML error page, JSON, empty body)."""


# Modes `Image.reduce` handles (palette and bilevel images are converted first, and are small).
_REDUCIBLE = frozenset({"L", "LA", "RGB", "RGBA", "CMYK", "I", "F", "I;16"})


def image_size(data: bytes, content_type: str | None, max_pixels: int) -> tuple[int, int]:
    """Width and height from the header alone; `ImageTooLargeError` over `max_pixels`."""
    image = _checked_open(data, content_type, max_pixels)
    size = image.size
    image.close()
    return size


def decode_image(
    data: bytes, content_type: str | None, max_pixels: int, max_side: int | None = None
) -> Image.Image:
    """Decode `data` into an upright RGB image of at most `max_pixels` pixels.

    The pixel budget is checked from the header, before any pixel is decoded. With `max_side`
    the image may come back smaller, but never below `max_side` on its longer side: JPEGs are
    decoded at a reduced scale (`draft`), other formats are reduced right after decoding, so
    that the conversions that follow work on the small image.

    `content_type` is only used to explain failures: servers often label error pages
    `image/jpeg`, so the bytes decide what the file is.
    """
    image = _checked_open(data, content_type, max_pixels)
    if max_side is not None and image.format == "JPEG":
        image.draft(image.mode, (max_side, max_side))
    try:
        image.load()
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise TruncatedImageError(f"{image.format} data is truncated or corrupt: {exc}") from exc
    if max_side is not None:
        factor = max(image.size) // max_side
        if factor >= 2 and image.mode in _REDUCIBLE:
            image = image.reduce(factor)

    image = _to_srgb(image)
    image = ImageOps.exif_transpose(image)
    return _to_rgb(image)


def _checked_open(data: bytes, content_type: str | None, max_pixels: int) -> Image.Image:
    if max_pixels <= 0:
        raise ValueError(f"max_pixels must be positive, got {max_pixels}")
    if not data:
        raise NotAnImageError(f"empty body (content type {content_type!r})")
    image = _open(data, content_type)
    width, height = image.size
    # The header is parsed but no pixel is decoded yet: refuse bombs before allocating them.
    if width * height > max_pixels:
        raise ImageTooLargeError(
            f"image is {width}x{height} = {width * height} pixels, limit is {max_pixels}"
        )
    return image


def _open(data: bytes, content_type: str | None) -> Image.Image:
    with warnings.catch_warnings():
        # Our own max_pixels check replaces Pillow's global warning threshold; Pillow's hard
        # error (twice Image.MAX_IMAGE_PIXELS) still applies and is reported as too large.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
        except Image.DecompressionBombError as exc:
            raise ImageTooLargeError(f"image exceeds Pillow's hard pixel limit: {exc}") from exc
        except UnidentifiedImageError as exc:
            raise NotAnImageError(_describe_non_image(data, content_type)) from exc
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise TruncatedImageError(f"image header is truncated or corrupt: {exc}") from exc
    if getattr(image, "n_frames", 1) > 1:
        image.seek(0)  # animated GIF/WebP or multi-page TIFF: the first frame is the page
    return image


def _describe_non_image(data: bytes, content_type: str | None) -> str:
    head = data[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
        kind = "an HTML page"
    elif head.startswith((b"{", b"[")):
        kind = "JSON"
    elif head.startswith(b"<"):
        kind = "XML"
    else:
        kind = f"{len(data)} bytes Pillow cannot identify"
    return f"body is {kind}, not an image (content type {content_type!r})"


def _to_srgb(image: Image.Image) -> Image.Image:
    """Apply an embedded ICC profile (CMYK scans, Adobe RGB) so colours come out as sRGB."""
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "RGBA", "CMYK"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        # Without inPlace=True Pillow returns the converted image, never None.
        return cast(Image.Image, ImageCms.profileToProfile(image, source, _SRGB, outputMode="RGB"))
    except (ImageCms.PyCMSError, OSError, ValueError):
        # A broken profile is common in old scans; Pillow's plain conversion is still usable.
        return image


def _to_rgb(image: Image.Image) -> Image.Image:
    mode = image.mode
    if mode == "RGB":
        return image
    if mode.startswith("I;16") or mode == "I":
        samples = np.asarray(image)
        return Image.fromarray(_integer_to_8bit(samples, mode != "I")).convert("RGB")
    if mode == "F":
        return Image.fromarray(_float_to_8bit(np.asarray(image))).convert("RGB")
    if mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    elif mode in ("PA", "La", "RGBa"):
        image = image.convert("RGBA")
    elif mode == "L" and "transparency" in image.info:
        image = image.convert("LA")
    if image.mode in ("RGBA", "LA"):
        rgba = image.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (*_PAPER, 255))
        return Image.alpha_composite(paper, rgba).convert("RGB")
    # 1, L, CMYK (no profile), YCbCr, LAB, HSV: Pillow's conversions are correct for these.
    return image.convert("RGB")


def _integer_to_8bit(values: np.ndarray, sixteen_bit: bool) -> np.ndarray:
    """Scale 16-bit (or 32-bit integer) samples to 8 bits instead of clipping them at 255."""
    values = values.astype(np.float64)
    low = float(values.min()) if values.size else 0.0
    top = float(values.max()) if values.size else 0.0
    if low < 0 or top > 65535:
        scaled = (values - low) * (255.0 / max(top - low, 1.0))
    elif sixteen_bit or top > 255:
        scaled = values / 257.0  # 65535 -> 255 exactly
    else:
        # "I" holding only 0..255: 8-bit samples in a 32-bit container (some TIFF writers).
        scaled = values
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)


def _float_to_8bit(values: np.ndarray) -> np.ndarray:
    values = np.nan_to_num(values.astype(np.float64))
    if values.size and values.min() >= 0.0 and values.max() <= 1.0:
        values = values * 255.0
    return np.clip(np.rint(values), 0, 255).astype(np.uint8)

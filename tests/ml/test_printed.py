"""Preparing printed pictures for the backbone: scale, descreen, grey."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageOps
from skimage import data

from ml.printed import PrintNormalization, calibrated_recipe


def halftone(grey: Image.Image, pitch: int = 4) -> Image.Image:
    """A crude amplitude-modulated screen: square dots whose size follows the darkness."""
    tone = np.asarray(grey, dtype=np.float32) / 255.0
    yy, xx = np.mgrid[0 : grey.height, 0 : grey.width]
    distance = np.maximum(abs((xx % pitch) - (pitch - 1) / 2), abs((yy % pitch) - (pitch - 1) / 2))
    ink = distance < pitch / 2 * np.sqrt(1.0 - tone)
    return Image.fromarray(np.where(ink, 20, 245).astype(np.uint8)).convert("RGB")


def test_scales_the_longest_side_down_and_never_up():
    wide = Image.new("RGB", (1200, 600), "white")
    assert PrintNormalization(size=320).apply(wide).size == (320, 160)
    small = Image.new("RGB", (100, 50), "white")
    assert PrintNormalization(size=320).apply(small).size == (100, 50)


def test_grey_removes_the_ink():
    colour = Image.fromarray(data.astronaut())
    grey_print = ImageOps.grayscale(colour).convert("RGB")
    sepia = ImageOps.colorize(ImageOps.grayscale(colour), (40, 26, 13), (250, 238, 215))
    grey = PrintNormalization(grayscale=True)
    out = np.asarray(grey.apply(sepia), dtype=np.int16)
    assert (out[..., 0] == out[..., 1]).all() and (out[..., 1] == out[..., 2]).all()

    def gap(a: Image.Image, b: Image.Image) -> float:
        return float(np.abs(np.asarray(a, np.float32) - np.asarray(b, np.float32)).mean())

    # A colour and a grey printing of one picture become the same picture.
    assert gap(colour, grey_print) > 10
    assert gap(grey.apply(colour), grey.apply(grey_print)) < 1


def test_descreening_brings_a_halftone_back_to_its_tones():
    grey = ImageOps.grayscale(Image.fromarray(data.camera())).resize((320, 320))
    screened = halftone(grey)
    plain = np.asarray(grey, dtype=np.float32)

    def error(image: Image.Image) -> float:
        return float(np.abs(np.asarray(ImageOps.grayscale(image), np.float32) - plain).mean())

    blurred_original = PrintNormalization(descreen_radius=4.0).apply(grey)
    descreened = PrintNormalization(descreen_radius=4.0).apply(screened)
    # The screen is far from the picture pixel by pixel; descreened, it is close to the
    # picture seen through the same blur.
    assert error(screened) > 60
    remaining = np.abs(
        np.asarray(ImageOps.grayscale(descreened), np.float32)
        - np.asarray(ImageOps.grayscale(blurred_original), np.float32)
    ).mean()
    assert remaining < error(screened) / 3


def test_key_names_every_choice():
    keys = {
        PrintNormalization().key,
        PrintNormalization(size=224).key,
        PrintNormalization(descreen_radius=2.0).key,
        PrintNormalization(grayscale=True).key,
    }
    assert len(keys) == 4
    assert PrintNormalization(320, 4.0, True).key == "size=320;descreen=4;grey=1"


def test_recipe_is_configured_else_calibrated_per_backbone():
    assert calibrated_recipe("efficientnet_lite0", 320) == PrintNormalization(320, 4.0, True)
    assert calibrated_recipe("dino_vits16", 320) == PrintNormalization(320)  # the seed's recipe
    assert calibrated_recipe("efficientnet_lite0", 320, 0.0, False) == PrintNormalization(320)
    assert calibrated_recipe("dino_vits16", 224, 2.0) == PrintNormalization(224, 2.0, False)

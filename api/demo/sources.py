"""Source pictures: real photographs shipped inside scikit-image and scikit-learn.

Large images are also cut into quadrants: four different pictures that share a style, which
makes realistic hard negatives (same photographer, same paper, different image).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

# Bundled with scikit-image's wheel (no download). Grey ones are fine: the press was grey.
# Small pictures are used whole; large ones are cut into quadrants, four different pictures
# that share a style (realistic hard negatives: same photographer, same paper).
# (`cat` is `chelsea` again. Texture photographs - cells, stars, the moon - are used whole:
# their quadrants look alike to any descriptor, which no editor would call the same picture.)
WHOLE = (
    "chelsea",
    "coffee",
    "horse",
    "rocket",
    "coins",
    "clock",
    "retina",
    "moon",
    "hubble_deep_field",
    "immunohistochemistry",
    "cell",
)
QUARTERED = ("astronaut", "camera")
QUARTERED_SKLEARN = ("china", "flower")


@dataclass(frozen=True)
class Source:
    id: str
    image: Image.Image


def _skimage(name: str) -> Image.Image:
    from skimage import data

    return Image.fromarray(np.asarray(getattr(data, name)())).convert("RGB")


def _sklearn() -> list[tuple[str, Image.Image]]:
    from sklearn.datasets import load_sample_images

    bunch = load_sample_images()
    names = [path.rsplit("/", 1)[-1].split(".")[0] for path in bunch.filenames]
    return [(name, Image.fromarray(image)) for name, image in zip(names, bunch.images, strict=True)]


def load_sources() -> list[Source]:
    """Every picture, in a fixed order (so a seed always builds the same corpus)."""
    sources = [Source(name, _skimage(name)) for name in WHOLE]
    pictures = [(name, _skimage(name)) for name in QUARTERED]
    pictures += [(name, image) for name, image in _sklearn() if name in QUARTERED_SKLEARN]
    for name, image in pictures:
        w, h = image.size
        for qx in range(2):
            for qy in range(2):
                box = (qx * w // 2, qy * h // 2, (qx + 1) * w // 2, (qy + 1) * h // 2)
                sources.append(Source(f"{name}-q{qx}{qy}", image.crop(box)))
    return sources


def overlapping(a: str, b: str) -> bool:  # a whole picture and its quadrant share pixels
    """A whole picture and one of its quadrants show the same pixels."""
    return a.split("-q")[0] == b.split("-q")[0] and ("-q" in a) != ("-q" in b)


# Images that are not sources: the PCA sample's "other images" (the seed added paintings and
# photographs to its corpus sample so that the whitening does not specialize on print).
OTHER_IMAGES = ("page", "text", "brick", "grass", "gravel", "logo", "microaneurysms")


def pca_extra_images(n: int, seed: int = 0) -> list[Image.Image]:
    """`n` random crops of images that are not sources."""
    rng = np.random.default_rng(seed)
    pool = [_skimage(name) for name in OTHER_IMAGES]
    crops = []
    for _ in range(n):
        image = pool[int(rng.integers(len(pool)))]
        w, h = image.size
        cw, ch = int(w * rng.uniform(0.25, 0.9)), int(h * rng.uniform(0.25, 0.9))
        x, y = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
        crops.append(image.crop((x, y, x + cw, y + ch)))
    return crops

"""Synthetic newspaper pages with known picture boxes, for tests, benchmarks and docs.

Everything drawn here is ours or scikit-image's sample data, so rendered pages may be published.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from skimage import data

__all__ = ["SyntheticPage", "newspaper_page"]

_WORDS = (
    "la le les de des une un et en du au sur par pour dans avec qui que nous vous ils",
    "guerre paix ministre conseil ville front armee journal depeche samedi matin soir",
    "president chambre seance nouvelles theatre marche recolte port navire",
)
_VOCABULARY = tuple(word for line in _WORDS for word in line.split())

_PICTURES = {
    "camera": data.camera,
    "astronaut": data.astronaut,
    "coffee": data.coffee,
    "chelsea": data.chelsea,
    "rocket": data.rocket,
}


@dataclass(frozen=True, slots=True)
class SyntheticPage:
    image: Image.Image
    pictures: tuple[tuple[int, int, int, int], ...]  # (x, y, w, h) of each pasted picture
    text_blocks: tuple[tuple[int, int, int, int], ...]  # columns of text lines


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def _text_lines(
    draw: ImageDraw.ImageDraw,
    box: tuple[int, int, int, int],
    rng: np.random.Generator,
    size: int,
) -> None:
    x, y, w, h = box
    font = _font(size)
    line_height = int(size * 1.35)
    for top in range(y, y + h - line_height + 1, line_height):
        words: list[str] = []
        width = 0.0
        while True:
            word = str(rng.choice(_VOCABULARY))
            advance = draw.textlength(word + " ", font=font)
            if width + advance > w:
                break
            words.append(word)
            width += advance
        draw.text((x, top), " ".join(words), fill=(25, 25, 25), font=font)


def newspaper_page(
    pictures: tuple[str, ...] = ("camera", "astronaut"),
    width: int = 1200,
    height: int = 1700,
    seed: int = 0,
) -> SyntheticPage:
    """A three-column page: title band, rules, text columns, and pictures with captions.

    Pictures go in order: the first spans two columns at the top, the next ones fill the left
    column then the right one, each followed by a caption line.
    """
    if not 1 <= len(pictures) <= 3:
        raise ValueError("a synthetic page holds one to three pictures")
    rng = np.random.default_rng(seed)
    page = Image.new("RGB", (width, height), (242, 236, 222))  # newsprint
    draw = ImageDraw.Draw(page)
    margin, gutter = int(0.05 * width), int(0.02 * width)
    column = (width - 2 * margin - 2 * gutter) // 3
    columns = [margin + k * (column + gutter) for k in range(3)]

    # Title band and the rule under it.
    draw.text((margin, margin), "LE PETIT ILLUSTRE", fill=(10, 10, 10), font=_font(90))
    rule_y = margin + 120
    draw.line((margin, rule_y, width - margin, rule_y), fill=(20, 20, 20), width=4)
    body_top = rule_y + 25
    body_bottom = height - margin

    slots = [
        (columns[0], body_top, 2 * column + gutter, int(0.28 * height)),
        (columns[0], body_top + int(0.28 * height) + 90, column, int(0.22 * height)),
        (columns[2], body_top + int(0.28 * height) + 90, column, int(0.25 * height)),
    ]
    boxes, occupied = [], []
    for name, (x, y, w, h) in zip(pictures, slots, strict=False):
        source = Image.fromarray(_PICTURES[name]()).convert("RGB")
        # Cover the slot, cropping the centre, as a layout editor would.
        scale = max(w / source.width, h / source.height)
        resized = source.resize((round(source.width * scale), round(source.height * scale)))
        left, top = (resized.width - w) // 2, (resized.height - h) // 2
        page.paste(resized.crop((left, top, left + w, top + h)), (x, y))
        caption = f"Notre photographie : {name}."
        draw.text((x, y + h + 12), caption, fill=(30, 30, 30), font=_font(20))
        boxes.append((x, y, w, h))
        occupied.append((x, y, w, h + 50))

    # Text fills every column span not taken by a picture and its caption.
    text_blocks = []
    for x in columns:
        spans = sorted((oy, oy + oh) for ox, oy, ow, oh in occupied if ox <= x < ox + ow)
        top = body_top
        for start, stop in [*spans, (body_bottom, body_bottom)]:
            if start - top > 60:
                block = (x, top, column, start - top - 20)
                _text_lines(draw, block, rng, size=18)
                text_blocks.append(block)
            top = max(top, stop + 20)
    # Column rules between the text columns.
    for x in columns[1:]:
        rule_x = x - gutter // 2
        draw.line((rule_x, body_top, rule_x, body_bottom), fill=(60, 60, 60), width=1)
    return SyntheticPage(page, tuple(boxes), tuple(text_blocks))

"""Laying out a printed page: masthead or running head, columns of text, pictures, captions."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont

PAPER = (242, 236, 222)
INK = (28, 26, 24)
_WORD_TEXT = (
    "la le les de des une un et en du au sur par pour dans avec qui que nous ils der die und "
    "mit von zu the of and in to a is that el los las con por para guerra paix ministre "
    "conseil ville front journal samedi matin soir president chambre seance nouvelles theatre "
    "marche port navire exposition congres course aviation automobile mode saison concert"
)
WORDS = tuple(_WORD_TEXT.split(" "))

Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class ComposedPage:
    image: Image.Image
    pictures: tuple[Box, ...]  # (x, y, w, h) of each picture, in page pixels


def _printable(text: str) -> str:
    """The bundled default font has no accents or dashes: fold them for drawing."""
    folded = unicodedata.normalize("NFKD", text.replace("—", "-").replace("°", "o"))
    return folded.encode("ascii", "ignore").decode()


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def _text(draw: ImageDraw.ImageDraw, box: Box, rng: np.random.Generator, size: int) -> None:
    x, y, w, h = box
    font = _font(size)
    line_height = int(size * 1.35)
    for top in range(y, y + h - line_height, line_height):
        words, width = [], 0
        while True:
            word = str(rng.choice(WORDS))
            advance = int(draw.textlength(word + " ", font=font))
            if width + advance > w:
                break
            words.append(word)
            width += advance
        draw.text((x, top), " ".join(words), fill=INK, font=font)


def _slots(
    aspects: Sequence[float],
    rng: np.random.Generator,
    columns: Sequence[int],
    column: int,
    gutter: int,
    top: int,
    bottom: int,
) -> list[tuple[int, Box]]:
    """A slot per picture (in order, while they fit) as (first column, box), none overlapping.

    A slot keeps its picture's proportions, as a layout editor would (within limits).
    """
    free_from = [top] * len(columns)
    slots: list[tuple[int, Box]] = []
    for aspect in aspects:
        span = 2 if rng.random() < 0.4 else 1
        start = int(rng.integers(0, len(columns) - span + 1))
        y = max(free_from[start : start + span]) + int(rng.integers(0, 120))
        width = span * column + (span - 1) * gutter
        height = int(np.clip(width / aspect, 0.12 * (bottom - top), 0.45 * (bottom - top)))
        if y + height + 60 > bottom:
            break
        slots.append((start, (columns[start], y, width, height)))
        for c in range(start, start + span):
            free_from[c] = y + height + 60
    return slots


def compose_page(
    title: str,
    running_head: str,
    aspects: Sequence[float],
    print_picture: Callable[[int, tuple[int, int]], Image.Image],
    caption: Callable[[int], str],
    rng: np.random.Generator,
    front: bool,
    size: tuple[int, int] = (1000, 1400),
) -> ComposedPage:
    """`print_picture(k, (w, h))` returns the k-th picture printed at that size; `aspects`
    are the pictures' width/height ratios (pictures that do not fit are left out)."""
    width, height = size
    page = Image.new("RGB", size, PAPER)
    draw = ImageDraw.Draw(page)
    margin, gutter = int(0.055 * width), int(0.022 * width)
    column = (width - 2 * margin - 2 * gutter) // 3
    columns = [margin + k * (column + gutter) for k in range(3)]
    if front:
        draw.text((margin, margin - 10), _printable(title.upper()), fill=INK, font=_font(58))
        draw.text((margin, margin + 70), _printable(running_head), fill=INK, font=_font(20))
        rule = margin + 105
    else:
        head = _printable(f"{title} - {running_head}")
        draw.text((margin, margin - 20), head, fill=INK, font=_font(18))
        rule = margin + 8
    draw.line((margin, rule, width - margin, rule), fill=INK, width=3)
    top, bottom = rule + 20, height - margin

    boxes: list[Box] = []
    taken: list[Box] = []
    for k, (_, (x, y, w, h)) in enumerate(
        _slots(aspects, rng, columns, column, gutter, top, bottom)
    ):
        page.paste(print_picture(k, (w, h)), (x, y))
        draw.text((x, y + h + 10), _printable(caption(k)), fill=INK, font=_font(16))
        boxes.append((x, y, w, h))
        taken.append((x, y, w, h + 45))

    for x in columns:
        spans = sorted((ty, ty + th) for tx, ty, tw, th in taken if tx <= x < tx + tw)
        cursor = top
        for start, stop in [*spans, (bottom, bottom)]:
            if start - cursor > 50:
                _text(draw, (x, cursor, column, start - cursor - 15), rng, size=15)
            cursor = max(cursor, stop + 15)
    for x in columns[1:]:
        rule_x = x - gutter // 2
        # A column rule stops where a picture spans the gutter (no press ruled across one).
        crossing = sorted((ty, ty + th) for tx, ty, tw, th in taken if tx < rule_x < tx + tw)
        cursor = top
        for start, stop in [*crossing, (bottom, bottom)]:
            if start - 10 > cursor:
                draw.line((rule_x, cursor, rule_x, start - 10), fill=(90, 90, 90), width=1)
            cursor = max(cursor, stop + 10)
    return ComposedPage(page, tuple(boxes))

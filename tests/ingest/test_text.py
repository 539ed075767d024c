"""HTML in IIIF text values: reduced to text in linear time, whatever the markup."""

from __future__ import annotations

import time

import pytest

from ingest.iiif.text import MAX_TEXT_CHARS, display_text, strip_html


@pytest.mark.parametrize(
    ("html", "text"),
    [("<p>Le <b>Petit</b> Journal</p><p>1894</p>", "Le Petit Journal 1894"),
     ("Caf&eacute; &amp; <i>Cie</i>", "Café & Cie"),
     ("a<br/>b<script>alert(1)</script><style>p{}</style>", "a b"),
     ("5 < 6 and 7 > 6", "5 < 6 and 7 > 6"),
     ("<a href='x'>link</a> <!-- note --> end", "link end")],
)  # fmt: skip
def test_html_becomes_text(html, text):
    assert strip_html(html) == text


def _seconds(text: str) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        strip_html(text)
        best = min(best, time.perf_counter() - started)
    return best


@pytest.mark.parametrize("unit", ["<a ", "<b>x</b>&amp;", "<!--", "<script>", "<a href='", "</"])
def test_time_grows_linearly_with_hostile_markup(unit):
    # Under the size cap (which would flatten any curve), 4x the input must cost ~4x, not 16x.
    small = unit * (MAX_TEXT_CHARS // len(unit) // 4)
    large = unit * (MAX_TEXT_CHARS // len(unit))
    ratio = _seconds(large) / max(_seconds(small), 1e-5)
    assert ratio < 8, f"{unit!r}: 4x the input took {ratio:.1f}x the time"


def test_long_values_are_cut_before_parsing():
    started = time.perf_counter()
    text = display_text({"en": ["<a " * 30000 + "tail"]})  # the 90 KB label of the report
    assert time.perf_counter() - started < 1.0
    assert text is None or "tail" not in text
    assert len(strip_html("word " * 10_000)) <= MAX_TEXT_CHARS

"""Reduce IIIF text values (strings, `@value` lists, language maps) to plain display strings.

IIIF in the wild mixes Presentation 2 forms (`"x"`, `[{"@value": "x", "@language": "en"}]`),
Presentation 3 language maps (`{"en": ["x"], "none": ["y"]}`), the draft key `@none` and
invalid tags (`jp`, `true`). The rule is the same for all: prefer English, then the
no-language value, then the first language in document order; several values of the chosen
language are joined with "; ". HTML is reduced to its text and entities are decoded.
"""

from __future__ import annotations

import html
import re
import unicodedata
from typing import Any

from lxml import etree

from ingest.iiif.values import without_lone_surrogates

_NO_LANGUAGE = ("none", "@none", "")
_BLOCK_TAGS = frozenset({"br", "p", "div", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "ul"})
_HIDDEN_TAGS = frozenset({"script", "style"})
_SPACES = re.compile(r"\s+")
# Longer text values are cut before parsing (a 90 KB label is an attack or an export bug).
MAX_TEXT_CHARS = 20_000
VALUE_SEPARATOR = "; "


class _TextTarget:
    """lxml parser target collecting text nodes; tags vanish, block tags become spaces, scripts
    and styles are dropped. libxml2's HTML parser is linear in its input, malformed or not."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self._skip = 0

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        if tag in _HIDDEN_TAGS:
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def end(self, tag: str) -> None:
        if tag in _HIDDEN_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)

    def comment(self, text: str) -> None:
        pass

    def close(self) -> str:
        return "".join(self.parts)


def strip_html(text: str) -> str:
    """Plain text of an HTML fragment: entities decoded, whitespace collapsed, NFC.

    Values longer than `MAX_TEXT_CHARS` are cut first: a label is not a book.
    """
    text = without_lone_surrogates(text[:MAX_TEXT_CHARS])
    if "<" in text:
        parser = etree.HTMLParser(target=_TextTarget(), recover=True, no_network=True)
        parser.feed(text)
        text = parser.close()
    elif "&" in text:
        text = html.unescape(text)
    # NFC so that decomposed accents (as some exporters write them) compare equal.
    return unicodedata.normalize("NFC", _SPACES.sub(" ", text).strip())


def _scalar(value: Any) -> str | None:
    # Booleans appear where broken exporters wrote `true` for a string; they carry no text.
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, dict) and "@value" in value:
        return _scalar(value["@value"])
    return None


def _language_groups(value: Any) -> list[tuple[str, list[str]]]:
    """(language, strings) groups in document order; untagged strings get language ''."""
    groups: dict[str, list[str]] = {}
    if isinstance(value, dict) and "@value" not in value:
        for lang, items in value.items():
            items = items if isinstance(items, list) else [items]
            texts = [t for t in (_scalar(i) for i in items) if t is not None]
            if texts:
                groups.setdefault(str(lang), []).extend(texts)
        return list(groups.items())
    items = value if isinstance(value, list) else [value]
    for item in items:
        text = _scalar(item)
        if text is None:
            continue
        lang = item.get("@language", "") if isinstance(item, dict) else ""
        groups.setdefault(str(lang or ""), []).append(text)
    return list(groups.items())


def _choose(groups: list[tuple[str, list[str]]]) -> list[str] | None:
    if not groups:
        return None
    for lang, texts in groups:
        if lang.lower() == "en" or lang.lower().startswith("en-"):
            return texts
    for lang, texts in groups:
        if lang.lower() in _NO_LANGUAGE:
            return texts
    return groups[0][1]


def display_text(value: Any) -> str | None:
    """One plain string for any IIIF text value, or None when there is no text."""
    texts = _choose(_language_groups(value))
    if texts is None:
        return None
    cleaned = [t for t in (strip_html(t) for t in texts) if t]
    return VALUE_SEPARATOR.join(cleaned) if cleaned else None


def all_texts(value: Any) -> tuple[str, ...]:
    """Every string of a text value in every language, cleaned, without duplicates."""
    seen: dict[str, None] = {}
    for _, texts in _language_groups(value):
        for text in texts:
            cleaned = strip_html(text)
            if cleaned:
                seen.setdefault(cleaned, None)
    return tuple(seen)

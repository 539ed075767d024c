"""Which periodical an issue belongs to.

The rule, first that applies:

1. `partOf` / `within` with a label: that label (rule `partOf`).
2. The collection the manifest was reached through: its label (rule `collection`); if that
   collection is itself labelled as part of another, that one's label.
3. A title in the metadata (Title, Titre, Titel, Periodical, Journal title, ...) (rule `metadata`).
4. The label of the manifest with its date and issue numbering removed, for labels such as
   "Title (1912-07-08)", "Title - 1925-02-16", "Title 1920/07/08 (Année 10, Numéro 342)",
   "Title, juin 1920", "Title, nr: 274A - 1909-11-26" (rule `label`).
5. Otherwise the manifest is its own periodical (rule `self`), e.g. a monograph.

Titles found by rules 1-4 are cleaned the same way (dates, issue numbers and enumerations
such as "1830, 1, 1 ##" dropped), so a year collection "Vogue 1920" and an issue
"Vogue, juin 1920" both give "Vogue". A place qualifier that closes a title ("Dada (Zurich,
Switzerland)") leaves the title and becomes the issue's place when it has no better one. A
`partOf` label that names a contributor ("Contributor: Bolle, Fritz.", or an Author value of
the metadata) is no periodical and is skipped.
The id is a short hash of the normalised title (case, accents, punctuation ignored) for rules
1-4, so one periodical reached by different routes (partOf, the collection above, the label)
gets one id and re-ingest MERGEs onto it; for rule 5 it is a hash of the manifest URI, so
two monographs that share a title stay apart.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Literal

from ingest.iiif.models import Collection, Manifest, MetadataEntry
from ingest.normalize.dates import find_date_span
from ingest.normalize.fields import entries_named
from ingest.normalize.places import NormalizedPlace, split_place_qualifier
from ingest.normalize.text import fold

Rule = Literal["partOf", "collection", "metadata", "label", "self"]

TITLE_FIELDS = (
    "periodical",
    "periodical title",
    "journal title",
    "newspaper title",
    "serial title",
    "titre du périodique",
    "title",
    "titre",
    "titel",
    "titolo",
    "título",
    "titulo",
    "teitl",
)

_NUMBERING = re.compile(
    r"[\s,;:(\-]*\b(?:nr|no|n°|num[ée]ro|number|numb|heft|cyf|vol|volume|tome|t|année|"
    r"jahrgang|jg|bd|band|rhif|issue|anno|año|livraison)\b\.?\s*[:.]?\s*[\w.]*\s*$",
    re.IGNORECASE,
)
_EMPTY_PARENS = re.compile(r"\(\s*[\s,;:.\-]*\)|\[\s*\]")
_TRAILING_JUNK = re.compile(r"[\s,;:\-–—/(]+$")
_LEADING_JUNK = re.compile(r"^[\s,;:\-–—/)]+")
_PAREN_NUMBERING = re.compile(r"\(([^()]*\d[^()]*)\)")
_PARENS = re.compile(r"\([^()]*\)")
_TRIMMINGS = re.compile(r"[\s().,;:\-–—/]+")
_PAREN_RUN = re.compile(r"\(\s*\d{4}\s*[-–]\s*(?:\d{2,4})?\s*\)")
# Catalogue marks some exporters append ("… 1830, 1, 1 ##").
_TRAILING_MARKS = re.compile(r"[\s#*]+$")
# A year followed by its enumeration: "1830, 1, 1", "1913, 4, 150/151", "1905. 12".
_YEAR_ENUMERATION = re.compile(
    r"[\s,.;:]+(?:1[4-9]\d\d|20\d\d)(?:\s*[,.;]\s*\d{1,4}(?:\s*[/-]\s*\d{1,4})?)+[\s.,;]*$"
)
_TRAILING_YEAR = re.compile(r"[\s,.;:]+(?:1[4-9]\d\d|20\d\d)[\s.,;]*$")
_CONTRIBUTOR_ROLE = re.compile(
    r"^\s*(?:contributors?|authors?|creators?|editors?|publishers?|illustrators?|photographers?|"
    r"printers?|translators?|verfasser(?:in)?|herausgeber(?:in)?|beiträger|mitwirkende|"
    r"auteurs?|éditeurs?|collaborateurs?|illustrateurs?|autore|autor(?:es)?|editor(?:es)?)\s*:",
    re.IGNORECASE,
)
CONTRIBUTOR_FIELDS = (
    "author",
    "authors",
    "contributor",
    "contributors",
    "creator",
    "editor",
    "verfasser",
    "auteur",
    "autor",
    "autore",
)


@dataclass(frozen=True, slots=True)
class PeriodicalKey:
    id: str
    title: str
    rule: Rule
    place: NormalizedPlace | None = None  # a place qualifier the title was written with


def periodical_id(key: str) -> str:
    """A 16-hex-digit id from a normalised key."""
    return hashlib.sha1(key.encode()).hexdigest()[:16]


def _normalized_title(title: str) -> str:
    return re.sub(r"[\W_]+", " ", fold(title)).strip()


def _strip_numbering(text: str) -> str:
    previous = None
    while previous != text:
        previous = text
        text = _NUMBERING.sub("", text)
        text = _TRAILING_JUNK.sub("", text)
    return text


def _only_trimmings(tail: str) -> bool:
    """Whether what follows a date is only punctuation and parenthesised additions."""
    return not _TRIMMINGS.sub("", _PARENS.sub(" ", tail))


def title_without_date(text: str) -> tuple[str, bool]:
    """(`text` with its date and issue numbering removed, whether a date was found)."""
    text = _TRAILING_MARKS.sub("", text)
    enumeration = _YEAR_ENUMERATION.search(text)
    if enumeration and enumeration.start() > 0:
        cleaned, _ = title_without_date(text[: enumeration.start()])
        return cleaned, True
    span = find_date_span(text)
    # Only a date that opens or closes the title (before numbering) marks an issue label;
    # "Picture taken during the 2019 conference" is no "Title 2019".
    if span and span[0] > 0 and not _only_trimmings(text[span[1] :]):
        span = None
    had_date = span is not None
    if span:
        text = text[: span[0]] + " " + text[span[1] :]
    # Parentheses holding numbering ("(Année 10, Numéro 342)") go with the date.
    if had_date:
        text = _PAREN_NUMBERING.sub(" ", text)
    # The run of a serial, "(1920-1940)", is not part of its title either.
    text = _EMPTY_PARENS.sub(" ", _PAREN_RUN.sub(" ", text))
    head, sep, _ = text.partition(" - ")
    if sep and head.strip():
        text = head
    text = _strip_numbering(_LEADING_JUNK.sub("", text))
    # "Le Figaro, 1905, no 12": the year the numbering followed goes with it.
    year = _TRAILING_YEAR.search(text)
    if year and year.start() > 0:
        text, had_date = text[: year.start()], True
    text = re.sub(r"\s+", " ", text).strip(" ,;:-–—(")
    return text, had_date


def _clean_title(title: str | None) -> str | None:
    if not title:
        return None
    cleaned, _ = title_without_date(title)
    return cleaned or title.strip() or None


def _key(title: str, rule: Rule) -> PeriodicalKey:
    title, place = split_place_qualifier(title)
    return PeriodicalKey(
        id=periodical_id("title:" + _normalized_title(title)), title=title, rule=rule, place=place
    )


def _metadata_title(metadata: tuple[MetadataEntry, ...]) -> str | None:
    for _, entry in entries_named(metadata, TITLE_FIELDS):
        cleaned = _clean_title(entry.value)
        if cleaned:
            return cleaned
    return None


def _names_a_contributor(label: str, metadata: tuple[MetadataEntry, ...]) -> bool:
    if _CONTRIBUTOR_ROLE.match(label):
        return True
    folded = _normalized_title(label)
    return any(
        _normalized_title(value) == folded
        for _, entry in entries_named(metadata, CONTRIBUTOR_FIELDS)
        for value in (entry.value, *entry.values)
    )


def collection_periodical(collection: Collection) -> PeriodicalKey | None:
    """The periodical a collection stands for (rule `collection`), as its members get it."""
    labelled_parent = next((p for p in collection.part_of if p.label), None)
    title = _clean_title(labelled_parent.label if labelled_parent else collection.label)
    return _key(title, "collection") if title else None


def recognize_periodical(
    manifest: Manifest, parent_collection: Collection | None = None
) -> PeriodicalKey:
    """The periodical `manifest` is an issue of, by the rule in this module's docstring."""
    for link in manifest.part_of:
        if link.label and _names_a_contributor(link.label, manifest.metadata):
            continue
        title = _clean_title(link.label)
        if title:
            return _key(title, "partOf")
    if parent_collection is not None:
        key = collection_periodical(parent_collection)
        if key:
            return key
    title = _metadata_title(manifest.metadata)
    if title:
        return _key(title, "metadata")
    if manifest.label:
        title, had_date = title_without_date(manifest.label)
        if had_date and title:
            return _key(title, "label")
    return PeriodicalKey(
        id=periodical_id("manifest:" + manifest.id),
        title=manifest.label or manifest.id,
        rule="self",
    )

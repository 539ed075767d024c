"""Dates from navDate, metadata and labels, as a day, month, year or decade, with the raw text.

Fast regular expressions do the work; month names come from dateparser's locale data (so no
hand-written month tables), and dateparser itself is only a fallback for short texts the
expressions did not read, because it is slow.

Precision: `day`, `month`, `year`, or `decade`, which here means "somewhere in the ten years
starting at `value`". A range such as "1917-1919" (the run of a serial, not an issue date) is
read as its first year with `decade` precision when it spans at most ten years; a wider range
says too little and gives None. An open range "1968-" is the year 1968. A date with a time
zone keeps its local calendar day ("1902-01-01T00:00:00+01:00" is 1 January 1902).
Years outside 1400-2100 are rejected.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from functools import cache
from typing import Literal

from ingest.iiif.models import MetadataEntry
from ingest.normalize.fields import entries_named

Precision = Literal["day", "month", "year", "decade"]
PRECISION_RANK: dict[str, int] = {"decade": 0, "year": 1, "month": 2, "day": 3}
MIN_YEAR, MAX_YEAR = 1400, 2100

# Metadata labels that may hold an issue date, most specific first (this order is the priority
# among metadata values of equal precision). Compared case-insensitively.
DATE_FIELDS = (
    "issue date",
    "date of issue",
    "publication date",
    "date of publication",
    "date published",
    "date de publication",
    "date d'édition",
    "erscheinungsdatum",
    "data di pubblicazione",
    "fecha de publicación",
    "date",
    "dates",
    "datum",
    "data",
    "fecha",
    "display-date",
    "date statement",
    "issued",
    "erscheinungsjahr",
    "jahr",
    "année",
    "anno",
    "año",
    "publication/creation",
    "created date",
    "creation date",
    "created",
    "entstehungsjahr",
    "period",
    "created published",
    "publication",
)

_LANGUAGES = ("en", "fr", "de", "it", "es", "nl", "pt", "ca", "cy", "fi", "sv", "da", "nb", "pl")
_MONTH_KEYS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)


@dataclass(frozen=True, slots=True)
class NormalizedDate:
    value: date
    precision: Precision
    raw: str
    source: str | None = None


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _fold_in_place(text: str) -> str:
    """Lower-case, accent-free `text` of the same length, so match positions stay valid."""
    out = []
    for char in text:
        folded = _fold(char)
        out.append(folded if len(folded) == 1 else char)
    return "".join(out)


@cache
def _month_names() -> dict[str, int]:
    """Accent-folded month names and abbreviations (three letters or more) -> month number."""
    from dateparser.languages.loader import default_loader

    names: dict[str, int] = {}
    for language in _LANGUAGES:
        info = default_loader.get_locale(language).info
        for number, key in enumerate(_MONTH_KEYS, start=1):
            for name in info.get(key, []):
                folded = _fold(name).rstrip(".")
                if len(folded) >= 3 and folded.isalpha():
                    names.setdefault(folded, number)
    return names


@cache
def _patterns() -> list[tuple[str, re.Pattern[str]]]:
    month = "(?P<mon>" + "|".join(sorted(map(re.escape, _month_names()), key=len, reverse=True))
    month += r")\.?"
    year = r"(?P<y>\d{4})(?!\d)"
    day = r"(?P<d>\d{1,2})"
    return [
        ("ymd", re.compile(rf"(?<!\d)(?P<y>\d{{4}})[-/.](?P<m>\d{{1,2}})[-/.]{day}(?!\d)")),
        ("dmy", re.compile(rf"(?<!\d){day}[./-](?P<m>\d{{1,2}})[./-]{year}")),
        (
            "d_mon_y",
            re.compile(
                rf"(?<![\w]){day}(?:er|st|nd|rd|th|º|\.)?\s+(?:de\s+)?{month},?\s+(?:de\s+)?{year}"
            ),
        ),
        ("mon_d_y", re.compile(rf"(?<![\w]){month}\s+{day}(?:st|nd|rd|th)?,?\s+{year}")),
        ("mon_y", re.compile(rf"(?<![\w]){month},?\s+(?:de\s+)?{year}")),
        ("y_mon", re.compile(rf"(?<!\d)(?P<y>\d{{4}})\s*:\s*{month}(?!\w)")),
        ("ym", re.compile(r"(?<!\d)(?P<y>\d{4})-(?P<m>\d{1,2})(?![-/.\d])")),
        ("range", re.compile(r"(?<!\d)(?P<y>\d{4})\s*[-/]\s*(?P<y2>\d{4}|\d{2})(?![\d/.-])")),
        (
            "decade",
            re.compile(
                r"(?:(?<!\d)(?P<y>\d{3}0)(?:s|'s|er)\b|(?:années|anni|años)\s+(?P<y3>\d{3}0))"
            ),
        ),
        ("year", re.compile(r"(?<!\d)(?P<y>\d{4})(?!\d)")),
    ]


@dataclass(frozen=True, slots=True)
class _Found:
    value: date
    precision: Precision
    start: int
    end: int


def _valid(year: int, month: int = 1, day: int = 1) -> date | None:
    if not MIN_YEAR <= year <= MAX_YEAR or not 1 <= month <= 12:
        return None
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        return None
    return date(year, month, day)


def _read(kind: str, match: re.Match[str]) -> tuple[date | None, Precision]:
    groups = match.groupdict()
    if kind == "decade":
        return _valid(int(groups["y"] or groups["y3"])), "decade"
    year = int(groups["y"])
    if kind == "range":
        end = groups["y2"]
        end_year = int(end) if len(end) == 4 else year // 100 * 100 + int(end)
        span = end_year - year
        if span < 0 or span > 9:
            return None, "decade"
        return _valid(year), "year" if span == 0 else "decade"
    if kind == "year":
        return _valid(year), "year"
    month = _month_names()[_fold(groups["mon"]).rstrip(".")] if groups.get("mon") else None
    if month is None:
        month = int(groups["m"])
    if kind in ("ym", "mon_y", "y_mon"):
        return _valid(year, month), "month"
    day, month = int(groups["d"]), month
    if kind == "dmy" and day <= 12 < month:
        day, month = month, day  # US order, only when day-first is impossible
    return _valid(year, month, day), "day"


def _find(text: str) -> _Found | None:
    """The first date of the most precise kind found in `text`."""
    masked = _fold_in_place(text)
    for kind, pattern in _patterns():
        for match in pattern.finditer(masked):
            value, precision = _read(kind, match)
            if value is not None:
                return _Found(value, precision, match.start(), match.end())
            if kind == "range":
                # A wide range must not be read again as a single year by the next pattern.
                masked = masked[: match.start()] + " " * len(match.group()) + masked[match.end() :]
    return None


@cache
def _fallback_parser():
    from dateparser.date import DateDataParser

    settings = {
        "PREFER_DAY_OF_MONTH": "first",
        "REQUIRE_PARTS": ["year"],
        "PARSERS": ["absolute-time"],
    }
    return DateDataParser(languages=list(_LANGUAGES), settings=settings)


def _dateparser_fallback(text: str) -> _Found | None:
    """dateparser on short texts with a word and a year; only a day or month it finds counts,
    and only if its year is written in the text (it fills gaps from today otherwise)."""
    years = re.findall(r"(?<!\d)\d{4}(?!\d)", text)
    if not years or len(text) > 40 or not re.search(r"[^\W\d_]{3}", text):
        return None
    data = _fallback_parser().get_date_data(text)
    found = data.date_obj
    if found is None or str(found.year) not in years or data.period not in ("day", "month"):
        return None
    precision: Precision = "day" if data.period == "day" else "month"
    value = _valid(found.year, found.month, found.day if precision == "day" else 1)
    return _Found(value, precision, 0, len(text)) if value else None


def normalize_date(text: str) -> NormalizedDate | None:
    """The date written in `text` (a navDate, a metadata value or a label), or None."""
    if not isinstance(text, str):
        return None
    raw = text.strip()
    if not raw:
        return None
    cleaned = raw.replace("–", "-").replace("—", "-")
    found = _find(cleaned)
    if found is None or found.precision in ("year", "decade"):
        better = _dateparser_fallback(cleaned)
        found = (
            better if better and (found is None or better.value.year == found.value.year) else found
        )
    if found is None:
        return None
    return NormalizedDate(found.value, found.precision, raw)


def find_date_span(text: str) -> tuple[int, int] | None:
    """Where the date read by `normalize_date` sits in `text` (for stripping it from titles)."""
    found = _find(text.replace("–", "-").replace("—", "-"))
    return (found.start, found.end) if found else None


# Choosing an issue date ------------------------------------------------------------------


def _interval(d: NormalizedDate) -> tuple[date, date]:
    v = d.value
    if d.precision == "day":
        return v, v
    if d.precision == "month":
        return v, date(v.year, v.month, calendar.monthrange(v.year, v.month)[1])
    if d.precision == "year":
        return v, date(v.year, 12, 31)
    return v, date(min(v.year + 9, MAX_YEAR), 12, 31)


def _overlap(a: NormalizedDate, b: NormalizedDate) -> bool:
    (a0, a1), (b0, b1) = _interval(a), _interval(b)
    return a0 <= b1 and b0 <= a1


def _nav_candidate(nav_date: str | None) -> NormalizedDate | None:
    found = normalize_date(nav_date) if nav_date else None
    if found is None:
        return None
    found = replace(found, source="navDate")
    if found.precision != "day" or found.value.day != 1:
        return found
    # Exporters pad partial dates: 1 January usually means "that year", the 1st "that month".
    return replace(found, precision="year" if found.value.month == 1 else "month")


def pick_issue_date(
    nav_date: str | None, metadata: Iterable[MetadataEntry], label: str | None
) -> NormalizedDate | None:
    """The most precise plausible date of an issue.

    Candidates, in order of precedence for equal precision: navDate, metadata values under
    `DATE_FIELDS` (in that order), the label. The most precise candidate wins. A navDate on
    1 January counts as a year, and on the 1st of another month as a month, unless another
    candidate confirms that very day; so a padded navDate loses to a more precise metadata or
    label date. When there is a navDate, candidates that contradict it (no overlap) are dropped.
    """
    candidates: list[NormalizedDate] = []
    nav = _nav_candidate(nav_date)
    for _, entry in entries_named(metadata, DATE_FIELDS):
        found = normalize_date(entry.value)
        if found:
            candidates.append(replace(found, source=f"metadata:{entry.label}"))
    found = normalize_date(label) if label else None
    if found:
        candidates.append(replace(found, source="label"))
    if nav is not None:
        if any(c.precision == "day" and c.value == nav.value for c in candidates):
            nav = replace(nav, precision="day")
        candidates = [nav, *(c for c in candidates if _overlap(c, nav))]
    if not candidates:
        return None
    best_rank = max(PRECISION_RANK[c.precision] for c in candidates)
    return next(c for c in candidates if PRECISION_RANK[c.precision] == best_rank)

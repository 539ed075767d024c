"""Dates from navDate, metadata and labels; property tests for the supported formats."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.iiif.models import MetadataEntry
from ingest.normalize.dates import NormalizedDate, normalize_date, pick_issue_date


@pytest.mark.parametrize(
    ("text", "value", "precision"),
    [
        ("15 juin 1920", date(1920, 6, 15), "day"),
        ("1920/06/15.", date(1920, 6, 15), "day"),
        ("Décembre 1918", date(1918, 12, 1), "month"),
        ("01.01.1830", date(1830, 1, 1), "day"),
        ("[1951]", date(1951, 1, 1), "year"),
        ("ca. 1925", date(1925, 1, 1), "year"),
        ("by 1838", date(1838, 1, 1), "year"),
        ("1917-1919", date(1917, 1, 1), "decade"),
        ("1968-", date(1968, 1, 1), "year"),
        ("1917:Jun.", date(1917, 6, 1), "month"),
        ("1949-01-01:T00:00:00Z", date(1949, 1, 1), "day"),
        ("1902-01-01T00:00:00+01:00", date(1902, 1, 1), "day"),
        ("Miroir du sport 1920/07/08 (Année 10, Numéro 342)", date(1920, 7, 8), "day"),
        ("Berliner Tageblatt - 1925-02-16", date(1925, 2, 16), "day"),
        ("Vogue, juin 1920", date(1920, 6, 1), "month"),
        ("Journal de la Jeune fille ( juillet 1912)", date(1912, 7, 1), "month"),
        ("Cambrian (1804-01-28)", date(1804, 1, 28), "day"),
        ("Nubian Message, November 30, 1992", date(1992, 11, 30), "day"),
        ("Anzac bulletin Number 24(1917:Jun.)", date(1917, 6, 1), "month"),
        ("Cyf. I rhif. 1 - Awst 15 1863", date(1863, 8, 15), "day"),  # Welsh month name
        ("15. März 1921", date(1921, 3, 15), "day"),
        ("3 de mayo de 1930", date(1930, 5, 3), "day"),
        ("12 settembre 1943", date(1943, 9, 12), "day"),
        ("1er juillet 1912", date(1912, 7, 1), "day"),
        ("MAI 1920", date(1920, 5, 1), "month"),
        ("12/31/1920", date(1920, 12, 31), "day"),  # day-first impossible: US order
        ("1911-12", date(1911, 12, 1), "month"),
        ("the 1920s", date(1920, 1, 1), "decade"),
        ("1920er Jahre", date(1920, 1, 1), "decade"),
        ("2019-06-17T15:37:01Z", date(2019, 6, 17), "day"),
        ("1920-13-01", date(1920, 1, 1), "year"),  # no month 13: only the year is sure
    ],
)
def test_normalize_date(text, value, precision):
    assert normalize_date(text) == NormalizedDate(value, precision, text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "foo",
        "1300",
        "2150",
        "Vogue, édition française (1920-1940)",
        "Numéro 342",
        "LP 44",
    ],
)
def test_no_date(text):
    assert normalize_date(text) is None


def test_raw_is_kept_stripped():
    assert normalize_date("  [1951] ").raw == "[1951]"


def entry(label: str, value: str) -> MetadataEntry:
    return MetadataEntry(label=label, value=value, labels=(label,))


def test_navdate_day_precision_wins():
    found = pick_issue_date("1925-02-16T00:00:00Z", (), "Berliner Tageblatt - 1925-02-16")
    assert (found.value, found.precision, found.source) == (date(1925, 2, 16), "day", "navDate")


def test_padded_navdate_loses_to_precise_metadata():
    metadata = (entry("Date", "15 juin 1920"), entry("Date", "1920/06/15."))
    found = pick_issue_date("1920-06-01T00:00:00Z", metadata, "Vogue, juin 1920")
    assert found == NormalizedDate(date(1920, 6, 15), "day", "15 juin 1920", "metadata:Date")


def test_padded_navdate_on_january_first_is_a_year():
    found = pick_issue_date("1902-01-01T00:00:00+01:00", (entry("Jahr", "1902"),), "Algebra")
    assert found == NormalizedDate(date(1902, 1, 1), "year", "1902-01-01T00:00:00+01:00", "navDate")


def test_navdate_on_first_confirmed_by_label_keeps_its_day():
    found = pick_issue_date("1925-01-01", (), "Berliner Tageblatt - 1925-01-01")
    assert (found.precision, found.source) == ("day", "navDate")


def test_label_month_beats_serial_run_in_metadata():
    metadata = (entry("Date", "1917-1919"), entry("Place", "London"))
    found = pick_issue_date(None, metadata, "Anzac bulletin Number 24(1917:Jun.)")
    assert (found.value, found.precision, found.source) == (date(1917, 6, 1), "month", "label")


def test_malformed_navdate_is_repaired():
    metadata = (entry("Created Published", "[Cairo?] : Maṭbaʻat Fāḍil, [1949]"),)
    found = pick_issue_date("1949-01-01:T00:00:00Z", metadata, "al-Jāmiʻah")
    assert (found.value, found.precision, found.source) == (date(1949, 1, 1), "year", "navDate")


def test_unusable_navdate_is_ignored():
    found = pick_issue_date("not a date", (entry("Date", "[1951]"),), None)
    assert (found.value, found.precision, found.source) == (
        date(1951, 1, 1),
        "year",
        "metadata:Date",
    )


def test_candidates_contradicting_navdate_are_dropped():
    found = pick_issue_date("1909-11-26T00:00:00Z", (entry("Date", "3 mars 1950"),), None)
    assert found.value == date(1909, 11, 26)


def test_metadata_field_names_are_multilingual_and_case_insensitive():
    for label in ("DATE DE PUBLICATION", "Erscheinungsjahr", "display-date", "Date Statement"):
        found = pick_issue_date(None, (entry(label, "Décembre 1918"),), None)
        assert (found.value, found.source) == (date(1918, 12, 1), f"metadata:{label}")
    # Digitisation dates are not issue dates.
    assert pick_issue_date(None, (entry("Digitalisierungsdatum", "2016"),), None) is None


def test_date_only_in_label():
    found = pick_issue_date(None, (), "Miroir du sport 1920/07/08 (Année 10, Numéro 342)")
    assert (found.value, found.precision, found.source) == (date(1920, 7, 8), "day", "label")
    assert pick_issue_date(None, (), None) is None


# Property tests ---------------------------------------------------------------------------

FRENCH = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]
GERMAN = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
]
ENGLISH = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]

days = st.dates(min_value=date(1400, 1, 1), max_value=date(2100, 12, 31))
DAY_FORMATS = [
    lambda d: d.isoformat(),
    lambda d: f"{d.isoformat()}T00:00:00Z",
    lambda d: f"{d.year}/{d.month:02d}/{d.day:02d}.",
    lambda d: f"{d.day:02d}.{d.month:02d}.{d.year}",
    lambda d: f"{d.day} {FRENCH[d.month - 1]} {d.year}",
    lambda d: f"{d.day}. {GERMAN[d.month - 1]} {d.year}",
    lambda d: f"{ENGLISH[d.month - 1]} {d.day}, {d.year}",
    lambda d: f"Le Petit Journal {d.year}/{d.month:02d}/{d.day:02d} (Numéro 12)",
]
MONTH_FORMATS = [
    lambda d: f"{FRENCH[d.month - 1].capitalize()} {d.year}",
    lambda d: f"Vogue, {GERMAN[d.month - 1]} {d.year}",
    lambda d: f"{d.year}:{ENGLISH[d.month - 1][:3]}.",
    lambda d: f"{d.year}-{d.month:02d}",
]
YEAR_FORMATS = [
    lambda d: str(d.year),
    lambda d: f"[{d.year}]",
    lambda d: f"ca. {d.year}",
    lambda d: f"{d.year}-",
]


@settings(max_examples=300, deadline=None)
@given(days, st.sampled_from(DAY_FORMATS))
def test_day_formats_round_trip(day, render):
    found = normalize_date(render(day))
    assert (found.value, found.precision) == (day, "day")


@settings(max_examples=200, deadline=None)
@given(days, st.sampled_from(MONTH_FORMATS))
def test_month_formats_round_trip(day, render):
    found = normalize_date(render(day))
    assert (found.value, found.precision) == (day.replace(day=1), "month")


@settings(max_examples=100, deadline=None)
@given(days, st.sampled_from(YEAR_FORMATS))
def test_year_formats_round_trip(day, render):
    found = normalize_date(render(day))
    assert (found.value, found.precision) == (date(day.year, 1, 1), "year")


@settings(max_examples=100, deadline=None)
@given(st.integers(1400, 2091), st.integers(1, 9))
def test_short_ranges_are_decades(start, span):
    found = normalize_date(f"{start}-{start + span}")
    assert (found.value, found.precision) == (date(start, 1, 1), "decade")


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=80))
def test_arbitrary_text_never_raises(text):
    found = normalize_date(text)
    assert found is None or 1400 <= found.value.year <= 2100
    chosen = pick_issue_date(text, (entry("Date", text),), text)
    assert chosen is None or chosen.precision in ("day", "month", "year", "decade")

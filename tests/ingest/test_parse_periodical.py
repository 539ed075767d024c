"""Which periodical an issue belongs to, by the documented rule."""

from __future__ import annotations

import os
from pathlib import Path

from ingest.iiif import Collection, Link, Manifest, MetadataEntry, parse_document
from ingest.iiif.periodical import periodical_id, recognize_periodical, title_without_date

SHARED = Path(
    os.environ.get("CONTAGIONS_SHARED", Path(__file__).resolve().parents[2] / ".." / "shared")
)
FIXTURES = SHARED / "fixtures" / "iiif"


def parse(name: str):
    return parse_document((FIXTURES / name).read_bytes())


def manifest(label: str | None, **kwargs) -> Manifest:
    return Manifest(id="https://example.org/m1", presentation_version=3, label=label, **kwargs)


def test_title_without_date():
    cases = {
        "Berliner Tageblatt - 1925-02-16": "Berliner Tageblatt",
        "Miroir du sport 1920/07/08 (Année 10, Numéro 342)": "Miroir du sport",
        "Vogue, juin 1920": "Vogue",
        "Uusi Aura, nr: 274A - 1909-11-26": "Uusi Aura",
        "Journal de la Jeune fille ( juillet 1912)": "Journal de la Jeune fille",
        "Anzac bulletin Number 24(1917:Jun.)": "Anzac bulletin",
        "Title (1912-07-08)": "Title",
        "Vogue 1920": "Vogue",
    }
    assert {text: title_without_date(text)[0] for text in cases} == cases
    assert title_without_date("Vogue, édition française (1920-1940)") == (
        "Vogue, édition française",
        False,
    )


def test_part_of_with_label():
    ucd = parse("ucd-dublin-ucdlib-33064-v2.json")
    key = recognize_periodical(ucd)
    assert (key.title, key.rule) == ("Dublin Town Planning Competition", "partOf")


def test_collection_above_when_part_of_has_no_label():
    issue = parse("cookbook-0068-newspaper-issue_1-manifest-v3.json")
    title = parse("cookbook-0068-newspaper-title-collection-v3.json")
    with_parent = recognize_periodical(issue, title)
    without = recognize_periodical(issue)
    assert (with_parent.title, with_parent.rule) == ("Berliner Tageblatt", "collection")
    assert (without.title, without.rule) == ("Berliner Tageblatt", "label")
    # One periodical whichever way it was reached.
    assert with_parent.id == without.id == periodical_id("title:berliner tageblatt")


def test_year_collection_gives_the_title():
    year = parse("gallica-cb343833568-vogue-1920-collection-v2.json")
    key = recognize_periodical(manifest("bpt6k9604118j"), year)
    assert (key.title, key.rule) == ("Vogue", "collection")
    assert key.id == recognize_periodical(manifest("Vogue, juin 1920")).id


def test_metadata_title():
    anzac = parse("bl-vdc_100022545251-anzac-bulletin-1917-v2.json")
    key = recognize_periodical(anzac)
    assert (key.title, key.rule) == ("Anzac bulletin", "metadata")
    nlw = parse("nlw-2373814-yr-ardd-journal-issue-v2.json")
    assert (recognize_periodical(nlw).title, recognize_periodical(nlw).rule) == (
        "Yr ardd",
        "metadata",
    )


def test_label_pattern():
    uusi = parse("europeana-9200301-BibliographicResource_3000126341277-uusi-aura-1909-v2.json")
    key = recognize_periodical(uusi)
    assert (key.title, key.rule) == ("Uusi Aura", "label")


def test_own_periodical_when_nothing_else():
    book = parse("cookbook-0009-book-1-v3.json")
    key = recognize_periodical(book)
    assert (key.title, key.rule) == ("Simple Manifest - Book", "self")
    assert key.id == periodical_id("manifest:" + book.id)
    assert len(key.id) == 16


def test_labelled_part_of_beats_parent_and_metadata():
    issue = manifest(
        "Le Petit Journal 1895-03-10",
        part_of=(Link("https://example.org/pj", label="Le Petit journal. Supplément du dimanche"),),
        metadata=(MetadataEntry("Title", "Le Petit Journal"),),
    )
    parent = Collection(id="https://example.org/c", presentation_version=3, label="1895")
    key = recognize_periodical(issue, parent)
    assert (key.title, key.rule) == ("Le Petit journal. Supplément du dimanche", "partOf")


def test_enumerations_and_trailing_dates_leave_the_title():
    cases = {
        "Abendblatt 1830, 1, 1 ##": "Abendblatt",
        "Abendblatt zur Neuen Münchener Zeitung. 1830, 1, 2 ##": (
            "Abendblatt zur Neuen Münchener Zeitung"
        ),
        "Der Sturm 1913, 4, 150/151": "Der Sturm",
        "Le Figaro, 1905, no 12": "Le Figaro",
    }
    assert {text: title_without_date(text)[0] for text in cases} == cases
    # A year inside a title is no enumeration.
    assert title_without_date("Picture taken during the 2019 IIIF Conference")[1] is False


def test_issues_of_one_enumerated_title_meet_in_one_periodical():
    keys = {
        recognize_periodical(manifest(f"Abendblatt 1830, {month}, {day} ##"))
        for month, day in ((1, 1), (1, 2), (2, 17))
    }
    assert {(k.title, k.rule) for k in keys} == {("Abendblatt", "label")}


def test_a_contributor_is_no_periodical():
    author = MetadataEntry(label="Author", value="Bolle, Fritz.")
    role = manifest(
        "Wunder der Vererbung", part_of=(Link(id="x", label="Contributor: Bolle, Fritz."),)
    )
    named = manifest(
        "Wunder der Vererbung", part_of=(Link(id="y", label="Bolle, Fritz."),), metadata=(author,)
    )
    for found in (recognize_periodical(role), recognize_periodical(named)):
        assert (found.title, found.rule) == ("Wunder der Vererbung", "self")
    # A real partOf after the contributor one still counts.
    both = manifest(
        "Heft 3",
        part_of=(Link(id="x", label="Contributor: Bolle, Fritz."), Link(id="z", label="Kosmos")),
    )
    assert (recognize_periodical(both).title, recognize_periodical(both).rule) == (
        "Kosmos",
        "partOf",
    )


def test_a_place_qualifier_moves_from_the_title_to_the_place():
    from ingest.records import issue_record

    issue = manifest("Dada 1, 1917", part_of=(Link(id="x", label="Dada (Zurich, Switzerland)"),))
    found = recognize_periodical(issue)
    assert (found.title, found.rule) == ("Dada", "partOf")
    assert found.id == recognize_periodical(manifest("Dada, juillet 1917")).id
    record = issue_record(issue)
    assert (record.place.name, record.place.country.code) == ("Zürich", "CH")
    # Not a place: the parentheses stay.
    assert recognize_periodical(manifest("Journal (illustré), mai 1920")).title == (
        "Journal (illustré)"
    )


def test_the_first_place_of_an_isbd_imprint():
    from ingest.normalize.places import pick_issue_place

    metadata = (
        MetadataEntry(label="Place", value="gw"),
        MetadataEntry(
            label="Publication/creation", value="Murnau ; München : Sebastian Lux, [1951]"
        ),
    )
    place = pick_issue_place(None, metadata, "Wunder der Vererbung")
    assert (place.name, place.country_code, place.source) == (
        "Murnau am Staffelsee",
        "DE",
        "metadata:Publication/creation",
    )

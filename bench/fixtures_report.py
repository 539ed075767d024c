"""Print the normalization results for every shared IIIF fixture as a Markdown table.

    .venv/bin/python bench/fixtures_report.py [--before OLD.md] > docs/fixtures-normalization.md

Each manifest gives one row; each collection gives one row for the periodical it describes
itself (its label, metadata, navDate, navPlace) and one row per listed manifest (the first
three, then a count), read from what the listing says (label, navDate, navPlace) with the
collection as the periodical's parent; refused documents give their reason.

The summary counts, per fixture, the fields matched over its issue rows (manifests and
listed members): a date, a place found in the gazetteer, and a periodical recognised by a
rule other than `self`; the collection rows are counted apart. With `--before`, a report made
by an earlier version is read for the same counts, side by side.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingest.iiif import Collection, Manifest, ManifestParseError, parse_document
from ingest.iiif.periodical import recognize_periodical
from ingest.normalize.dates import pick_issue_date
from ingest.normalize.places import pick_issue_place
from ingest.records import collection_periodical_record

SHARED = Path(
    os.environ.get("CONTAGIONS_SHARED", Path(__file__).resolve().parents[1] / ".." / "shared")
)
FIXTURES = SHARED / "fixtures" / "iiif"
MEMBERS_SHOWN = 3

RULES = """## Rules

**Date** (`pick_issue_date`): candidates are the navDate, metadata values under their many
names (Date, Datum, Jahr, Erscheinungsjahr, display-date, Date Statement, created, Period,
Publication/creation, date de publication, ...; case-insensitive, any language of the label)
and the label. The most precise candidate wins (day > month > year > decade); on a tie the
order is navDate, metadata (in the order of `DATE_FIELDS`), label. A navDate on 1 January
counts as a year and on the 1st of another month as a month (exporters pad partial dates)
unless another candidate confirms that very day. With a navDate, candidates that contradict
it are dropped. A malformed navDate (`1949-01-01:T00:00:00Z`) is read for its date part; an
unreadable one is ignored. Ranges of at most ten years (`1917-1919`) are their first year
with `decade` precision; wider ranges give nothing; `1968-` is 1968. Years outside
1400-2100 are rejected.

**Place** (`pick_issue_place`): navPlace (the largest town within 15 km of its point, else
the point), then metadata under place names (Place of publication, PlaceOfPublication,
Erscheinungsort, Lieu de publication, Place, Ort, published, Created Published, ...; a town
beats a country-only value), then "Published in ..." prose in any metadata value, then the
first place of an ISBD imprint in any metadata value ("Murnau ; München : Sebastian Lux,
[1951]" gives Murnau), then a confident place in parentheses in the label or closing the
periodical's title ("Dada (Zurich, Switzerland)"). An ISBD imprint keeps what precedes its
colon; of several places the first found wins; among towns of one
name the most populous, within the country or US state a qualifier names. A bare MARC
country code (`gw`) or a country name gives the country alone. A place value that matches
nothing is returned with `matched=False` and its raw text, for review.

**Periodical** (`recognize_periodical`): (1) a `partOf`/`within` with a label, (2) the
collection the manifest was reached through, (3) a metadata title (Title, Titre, Titel, ...),
(4) the label with a leading or trailing date and issue numbering removed ("Title -
1925-02-16", "Title 1920/07/08 (Année 10, Numéro 342)", "Title, juin 1920"), (5) the
manifest itself. A `partOf` naming a contributor ("Contributor: Bolle, Fritz.", or an Author
value) is skipped. Titles are cleaned of dates, numbering and enumerations ("Abendblatt 1830,
1, 1 ##" gives "Abendblatt") and of a closing place qualifier, in all cases; the id is a hash
of the normalised title (rules 1-4) or of the manifest URI (rule 5). A collection that lists
manifests is itself a periodical (its `collection` row), with the place and dates of its own
metadata, written even when its members cannot be fetched.

Known limits seen here: a collection label can be a poor title (NLW's truncated `ardd`, BSB's
top-level collection, GallicaPix's `Miroir`) and rule 2 takes it before the metadata title;
collection-level metadata (Wellcome's `Publication date: 1968-`) describes the collection's
periodical but is not inherited by its members;
members of collections are read only from what the listing says (label, navDate, navPlace).
"""

HEADER = (
    "| fixture | item | date | precision | date from | place | country | place from "
    "| periodical | rule |\n|---|---|---|---|---|---|---|---|---|---|"
)


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ") if text is not None else ""


def _row(fixture: str, item: str, manifest: Manifest, parent: Collection | None) -> str:
    found = pick_issue_date(manifest.nav_date, manifest.metadata, manifest.label)
    place = pick_issue_place(manifest.nav_place, manifest.metadata, manifest.label)
    key = recognize_periodical(manifest, parent)
    if found:
        date_cells = [found.value.isoformat(), found.precision, f"{found.source}: `{found.raw}`"]
    else:
        date_cells = ["—", "", "none: no navDate, no date field, no date in the label"]
    if place is None:
        place_cells = ["—", "", "none: no navPlace, no place field, no place in the label"]
    elif not place.matched:
        place_cells = ["unmatched", "", f"{place.source}: `{place.raw}` (kept for review)"]
    else:
        name = place.name or f"{place.latitude:.4f},{place.longitude:.4f}"
        if place.geonames_id and place.kind == "city":
            name = f"{name} (geonames {place.geonames_id})"
        place_cells = [name, place.country_code or "", f"{place.source}: `{place.raw}`"]
    cells = [fixture, item, *date_cells, *place_cells, key.title, key.rule]
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def _collection_row(fixture: str, collection: Collection) -> str | None:
    record = collection_periodical_record(collection)
    if record is None:
        return None
    if record.date:
        date_cells = [record.date, record.date_precision, f"collection: `{record.date_raw}`"]
    else:
        date_cells = ["—", "", "none in the collection's own metadata"]
    place = record.place
    if place is None:
        raw = record.place_raw
        place_cells = (
            ["unmatched", "", f"collection: `{raw}` (kept for review)"]
            if raw
            else ["—", "", "none in the collection's own metadata"]
        )
    else:
        name = f"{place.name} (geonames {place.geonames_id})" if place.geonames_id else place.name
        code = place.country.code if place.country else ""
        place_cells = [name, code, f"collection: `{record.place_raw}`"]
    periodical = record.periodical
    cells = [fixture, "collection", *date_cells, *place_cells, periodical.title, periodical.rule]
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def rows() -> list[str]:
    out = []
    for path in sorted(FIXTURES.glob("*.json")):
        try:
            document = parse_document(path.read_bytes())
        except ManifestParseError as refused:
            out.append(f"| {path.name} | — | refused: {_cell(refused)} |||||||| ")
            continue
        if isinstance(document, Manifest):
            out.append(_row(path.name, "manifest", document, None))
            continue
        members = document.manifests
        if not members:
            kinds = f"{len(document.collections)} sub-collections" if document.collections else ""
            paged = f"paged (first page, total {document.total})" if document.first else ""
            what = kinds or paged or "no members"
            out.append(f"| {path.name} | collection: {_cell(what)} | — |||||||| ")
            continue
        own = _collection_row(path.name, document)
        if own:
            out.append(own)
        for member in members[:MEMBERS_SHOWN]:
            as_manifest = Manifest(
                id=member.id,
                presentation_version=document.presentation_version,
                label=member.label,
                nav_date=member.nav_date,
                nav_place=member.nav_place,
            )
            out.append(_row(path.name, f"member `{member.label}`", as_manifest, document))
        if len(members) > MEMBERS_SHOWN:
            out.append(f"| {path.name} | … {len(members) - MEMBERS_SHOWN} more members |||||||||")
    return out


def matched_fields(table: list[str], collections: bool = False) -> Counter[str]:
    """Per fixture, the fields matched over its issue rows (or its `collections` rows): a date,
    a gazetteer place, a periodical rule other than `self`. Read back from the Markdown rows,
    so that a report made by an earlier version counts alike."""
    counts: Counter[str] = Counter()
    for line in table:
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        if len(cells) < 10 or not cells[0].endswith(".json"):
            continue
        if (cells[1] == "collection") != collections:
            continue
        fixture, date, place, rule = cells[0], cells[2], cells[5], cells[9]
        counts[fixture] += 0
        counts[fixture] += date not in ("—", "")
        counts[fixture] += place not in ("—", "unmatched", "")
        counts[fixture] += rule not in ("self", "")
    return counts


def summary(table: list[str], before_table: list[str] | None) -> list[str]:
    after, own = matched_fields(table), matched_fields(table, collections=True)
    before = matched_fields(before_table) if before_table is not None else Counter()
    before_own = matched_fields(before_table, True) if before_table is not None else Counter()
    fixtures = sorted(set(after) | set(own) | set(before))
    if before_table is None:
        lines = ["| fixture | issue rows | collection row |", "|---|---|---|"]
        lines += [f"| {f} | {after[f]} | {own[f]} |" for f in fixtures if after[f] or own[f]]
        lines.append(f"| **all** | **{sum(after.values())}** | **{sum(own.values())}** |")
        return lines
    lines = [
        "| fixture | issue rows before | issue rows after | collection row before "
        "| collection row after |",
        "|---|---|---|---|---|",
    ]
    for f in fixtures:
        if after[f] or before[f] or own[f]:
            lines.append(f"| {f} | {before[f]} | {after[f]} | {before_own[f]} | {own[f]} |")
    lines.append(
        f"| **all** | **{sum(before.values())}** | **{sum(after.values())}** "
        f"| **{sum(before_own.values())}** | **{sum(own.values())}** |"
    )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, help="an earlier report, for a before column")
    args = parser.parse_args()
    table = rows()
    before = args.before.read_text().splitlines() if args.before else None
    print("# Normalization of the shared IIIF fixtures\n")
    print(
        "Generated by `.venv/bin/python bench/fixtures_report.py`; the rules are in "
        "`ingest/normalize/dates.py`, `ingest/normalize/places.py` and "
        "`ingest/iiif/periodical.py` (summarised below).\n"
    )
    print(RULES)
    print("## Results\n")
    print(HEADER)
    for row in table:
        print(row)
    print("\n## Fields matched per fixture\n")
    print(
        "A date, a place found in the gazetteer, a periodical recognised by a rule other "
        "than `self`, counted over the fixture's issue rows above, and apart over the row of "
        "the periodical a collection describes itself"
        + (" (before: the report made before this version)." if before else ".")
        + "\n"
    )
    for line in summary(table, before):
        print(line)


if __name__ == "__main__":
    main()

"""Every shared IIIF fixture is parsed (with concrete facts checked) or refused with a reason."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ingest.iiif import Collection, Manifest, ManifestParseError, parse_document

SHARED = Path(
    os.environ.get("CONTAGIONS_SHARED", Path(__file__).resolve().parents[2] / ".." / "shared")
)
FIXTURES = SHARED / "fixtures" / "iiif"


def load(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def parse(name: str, source_uri: str | None = None):
    return parse_document(load(name), source_uri)


# name: (canvases, first canvas (w, h), first service (version, level) or None, label, navDate)
MANIFESTS = {
    "bl-horriblemurders-1889-v2.json": (
        20,
        (2506, 3099),
        ("2", 1),
        "Two more horrible murders in the East-End.",
        None,
    ),
    "bl-vdc_100022545251-anzac-bulletin-1917-v2.json": (
        20,
        (2503, 3375),
        ("2", 2),
        "Anzac bulletin Number 24(1917:Jun.)",
        None,
    ),
    "bodleian-33c2e37e-v3.json": (
        1,
        (1920, 2326),
        ("3", 1),
        "Bodleian Library LP 44",
        "1838-01-01T00:00:00Z",
    ),
    "cookbook-0005-image-service-v3.json": (
        1,
        (4032, 3024),
        ("3", 1),
        "Picture of Göttingen taken during the 2019 IIIF Conference",
        None,
    ),
    "cookbook-0006-text-language-v3.json": (1, (1114, 991), ("3", 1), "Whistler's Mother", None),
    "cookbook-0007-string-formats-v3.json": (
        1,
        (4032, 3024),
        ("3", 1),
        "Picture of Göttingen taken during the 2019 IIIF Conference",
        None,
    ),
    "cookbook-0009-book-1-v3.json": (5, (3204, 4613), ("3", 1), "Simple Manifest - Book", None),
    "cookbook-0011-book-3-behavior-individuals-v3.json": (4, (3375, 2250), ("3", 1), None, None),
    "cookbook-0030-multi-volume-manifest_v1-v3.json": (
        5,
        (4301, 5730),
        ("3", 1),
        "Seirō ehon nenjū gyōji : kan 1 | 青楼絵本年中行事 : 巻 1",
        None,
    ),
    "cookbook-0031-bound-multivolume-v3.json": (
        6,
        (5428, 7230),
        ("3", 1),
        "Gottesdienstliche Ceremonien, Oder H. Kirchen-Gebräuche Und Religions-Pflichten Der "
        "Christen",
        None,
    ),
    "cookbook-0033-choice-v3.json": (
        1,
        (2000, 1271),
        ("3", 1),
        "John Dee performing an experiment before Queen Elizabeth I.",
        None,
    ),
    "cookbook-0057-publishing-v2-and-v3-manifest-v2.json": (
        1,
        (1200, 1800),
        None,
        "IIIF Presentation Version 3 Minimum Viable Manifest",
        None,
    ),
    "cookbook-0057-publishing-v2-and-v3-manifest-v3.json": (
        1,
        (1200, 1800),
        None,
        "IIIF Presentation Version 3 Minimum Viable Manifest",
        None,
    ),
    "cookbook-0068-newspaper-issue_1-manifest-v3.json": (
        2,
        (3602, 5000),
        ("3", 1),
        "Berliner Tageblatt - 1925-02-16",
        "1925-02-16T00:00:00Z",
    ),
    "cookbook-0118-multivalue-v3.json": (
        1,
        (1114, 991),
        None,
        "Arrangement en gris et noir no 1",
        None,
    ),
    "cookbook-0283-missing-image-v3.json": (4, (1768, 2504), ("3", 1), "Ethiopic Ms 10", None),
    "europeana-9200301-BibliographicResource_3000126341277-uusi-aura-1909-v2.json": (
        2,
        (1890, 2594),
        ("2", 1),
        "Uusi Aura, nr: 274A - 1909-11-26",
        "1909-11-26T00:00:00Z",
    ),
    "goettingen-DE-611-HS-3216958-v2.json": (
        69,
        (300, 400),
        ("2", 1),
        "Algebra : Vorlesungsmanuskript",
        "1902-01-01T00:00:00+01:00",
    ),
    "loc-2017498721-v2.json": (
        0,
        None,
        None,
        "1. al-Jāmiʻah al-ʻArabīyah wa-aḥdāth Filasṭīn ; 2. al-Qaḍīyah al-Filasṭīnīyah amāma "
        "Lajnat al-tawfīq",
        "1949-01-01:T00:00:00Z",
    ),
    "manifesto-default-label-at-none-v3draft.json": (8, (None, None), None, "Cats", None),
    "mirador-v2-zeroWidthCanvas-bodleian-v2.json": (1, (None, None), ("2", 1), None, None),
    "mirador-v3-hamilton-lang-true-v3.json": (
        1,
        (3912, 4648),
        ("2", 2),
        "Letter from Alexander Hamilton Papers (September 6, 1780)",
        None,
    ),
    "nlw-2373814-yr-ardd-journal-issue-v2.json": (
        12,
        (1677, 2717),
        ("2", 2),
        "Yr ardd",
        "1864-01-01T00:00:00Z",
    ),
    "parser-malformed-image-annotation-v2.json": (
        1,
        (1000, 800),
        ("2", 1),
        "Test manifest with malformed annotation @type",
        None,
    ),
    "parser-thumbnails-relative-id-v2.json": (7, (2231, 3626), ("2", 1), "Thumbnail tests", None),
    "sbb-840973497-v2.json": (
        17,
        (1226, 1998),
        ("2", 1),
        "Kurtze Nachricht von dem freyen Unterricht, welchen arme Kinder in den "
        "Friedrichsstädtischen teutschen Schulen geniessen",
        None,
    ),
    "ucd-dublin-ucdlib-33064-v2.json": (
        1,
        (14451, 14214),
        ("2", 2),
        "Housing Plans for Greater Dublin",
        None,
    ),
    "validator-3-old_format_label-v3.json": (
        1,
        (5426, 3820),
        ("2", 2),
        "Old table label which doesn't have a language",
        None,
    ),
    "validator-3-version2image-v3.json": (1, (750, 1000), ("2", 2), "Book 1", None),
    "wellcome-b18035723-wunder-der-vererbung-v2.json": (
        36,
        (2569, 3543),
        ("2", 1),
        "Wunder der Vererbung",
        None,
    ),
}

# name: (manifest members, collection members, first, next, total, label)
COLLECTIONS = {
    "bsb-top-collection-page-initial-v2.json": (
        250,
        0,
        None,
        "https://api.digitale-sammlungen.de/iiif/presentation/v2/collection/top"
        "?cursor=AoIIP4AAACtic2IxMjAxODY5NA==",
        3074231,
        "Top Level Collection for BSB Digital Collections",
    ),
    "bsb-top-paged-collection-v2.json": (
        0,
        0,
        "https://api.digitale-sammlungen.de/iiif/presentation/v2/collection/top?cursor=initial",
        None,
        3074231,
        "Top Level Collection for BSB Digital Collections",
    ),
    "cookbook-0030-multi-volume-collection-v3.json": (
        2,
        0,
        None,
        None,
        None,
        "青楼絵本年中行事 [Seirō ehon nenjū gyōji]",
    ),
    "cookbook-0068-newspaper-title-collection-v3.json": (
        2,
        0,
        None,
        None,
        None,
        "Berliner Tageblatt",
    ),
    "cookbook-0230-navdate-collection-v3.json": (
        2,
        0,
        None,
        None,
        None,
        "Chesapeake and Ohio Canal map and guide pamphlets",
    ),
    "cookbook-0318-navPlace-navDate-collection-v3.json": (
        5,
        0,
        None,
        None,
        None,
        "NavPlace and NavDate Collection",
    ),
    "gallica-cb327980804-journal-jeune-fille-title-collection-v3-nonconformant.json": (
        0,
        36,
        None,
        None,
        None,
        "Journal de la Jeune fille",
    ),
    "gallica-cb343833568-vogue-1920-collection-v2.json": (1, 0, None, None, None, "Vogue 1920"),
    "gallica-cb343833568-vogue-title-collection-v2.json": (
        0,
        6,
        None,
        None,
        None,
        "Vogue, édition française (1920-1940)",
    ),
    "gallica-gallicapix-miroir-du-sport-collection-v3-nonconformant.json": (
        1043,
        0,
        None,
        None,
        None,
        "Miroir",
    ),
    "harvard-duplicate-member-collection-v2.json": (
        0,
        1,
        None,
        None,
        None,
        "Harvard Art Museums Collections",
    ),
    "nlw-2373813-yr-ardd-journal-collection-v2.json": (65, 0, None, None, None, "ardd"),
    "validator-3-broken_collection-no-label-v3.json": (2, 0, None, None, None, None),
    "wellcome-b18031511-multipart-collection-v2.json": (
        2,
        2,
        None,
        None,
        None,
        "The biological basis of medicine",
    ),
}

REFUSED = {
    "mirador-v2-broken-not-iiif.json": "not a IIIF document: no @context/@type/@id",
    **{
        name: "an Image API info.json, not a Presentation manifest or collection"
        for name in (
            "imageapi-v1.1-openseadragon-iiif_1_1_tiled-info.json",
            "imageapi-v2-openseadragon-iiif_2_0_tiled-info.json",
            "imageapi-v2-zimeon-demo-static-starfish-level0-info.json",
            "imageapi-v2.1-zimeon-spec-5_6-info.json",
            "imageapi-v3-openseadragon-iiif_3_0_sizes-level0-info.json",
            "imageapi-v3-zimeon-spec-5_8-info.json",
        )
    },
}


def test_every_fixture_is_accounted_for():
    names = {p.name for p in FIXTURES.glob("*.json")}
    assert names == set(MANIFESTS) | set(COLLECTIONS) | set(REFUSED)
    assert len(names) == 51


@pytest.mark.parametrize("name", sorted(MANIFESTS))
def test_manifest_facts(name):
    count, first_size, service, label, nav_date = MANIFESTS[name]
    manifest = parse(name)
    assert isinstance(manifest, Manifest)
    assert len(manifest.canvases) == count
    assert [c.order for c in manifest.canvases] == list(range(1, count + 1))
    if name != "cookbook-0011-book-3-behavior-individuals-v3.json":
        assert manifest.label == label
    assert manifest.nav_date == nav_date
    if count:
        first = manifest.canvases[0]
        assert (first.width, first.height) == first_size
        got = first.image.service if first.image else None
        assert ((got.version, got.profile_level) if got else None) == service


@pytest.mark.parametrize("name", sorted(COLLECTIONS))
def test_collection_facts(name):
    manifests, collections, first, next_, total, label = COLLECTIONS[name]
    collection = parse(name)
    assert isinstance(collection, Collection)
    assert len(collection.manifests) == manifests
    assert len(collection.collections) == collections
    assert (collection.first, collection.next, collection.total) == (first, next_, total)
    assert collection.label == label


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused_with_reason(name):
    with pytest.raises(ManifestParseError) as refused:
        parse(name)
    assert str(refused.value) == REFUSED[name]


def test_presentation_versions_follow_context_or_keys():
    assert parse("manifesto-default-label-at-none-v3draft.json").presentation_version == 3
    assert parse("mirador-v2-zeroWidthCanvas-bodleian-v2.json").presentation_version == 2
    assert parse("validator-3-old_format_label-v3.json").presentation_version == 3


def test_v3_newspaper_issue_links():
    issue = parse("cookbook-0068-newspaper-issue_1-manifest-v3.json")
    assert [link.id for link in issue.part_of] == [
        "https://iiif.io/api/cookbook/recipe/0068-newspaper/newspaper_title-collection.json"
    ]
    assert issue.part_of[0].type == "Collection"
    assert issue.rights == "http://creativecommons.org/publicdomain/mark/1.0/"
    assert issue.required_statement == (
        "Berliner Tageblatt - Staatsbibliothek zu Berlin - Preußischer Kulturbesitz. "
        "Public Domain Mark - http://creativecommons.org/publicdomain/mark/1.0/"
    )
    assert issue.see_also[0].format == "application/ld+json"
    assert issue.thumbnail[0].type == "Image"
    assert issue.language == ("German",)
    page = issue.canvases[0]
    assert page.label == "p. 1"
    assert page.image.service.id == (
        "https://iiif.io/api/image/3.0/example/reference/4ce82cef49fb16798f4c2440307c3d6f-newspaper-p1"
    )
    assert (page.image.width, page.image.height) == (None, None)


def test_v2_keys_in_v2_manifest():
    issue = parse("europeana-9200301-BibliographicResource_3000126341277-uusi-aura-1909-v2.json")
    assert issue.part_of[0].id == "http://data.theeuropeanlibrary.org/Collection/a0611"
    assert issue.part_of[0].label is None
    assert issue.rights == "http://creativecommons.org/publicdomain/mark/1.0/"
    assert issue.language == ("fin",)
    assert [e.label for e in issue.metadata] == ["type", "language", "source"]
    assert issue.metadata[0].value == ("Analytic serial; Newspaper; Newspaper Issue")
    assert issue.metadata[0].values == (
        "http://schema.org/PublicationIssue",
        "Analytic serial",
        "Newspaper",
        "Newspaper Issue",
    )


def test_within_object_with_label_and_related_homepage():
    manifest = parse("ucd-dublin-ucdlib-33064-v2.json")
    assert [(p.id, p.label) for p in manifest.part_of] == [
        (
            "https://data.ucd.ie/api/img/collection/ucdlib:33058",
            "Dublin Town Planning Competition 1914",
        )
    ]
    assert manifest.thumbnail[0].id == "https://digital.ucd.ie/get/ucdlib:33064/thumbnail"


def test_missing_image_canvas_has_no_image():
    manifest = parse("cookbook-0283-missing-image-v3.json")
    assert [c.image is not None for c in manifest.canvases] == [True, False, True, True]
    assert manifest.canvases[1].label == "f. 1v — MISSING"
    assert (manifest.canvases[1].width, manifest.canvases[1].height) == (1768, 2504)


def test_choice_takes_first_item_and_counts_alternatives():
    canvas = parse("cookbook-0033-choice-v3.json").canvases[0]
    assert canvas.choice_alternatives == 2
    assert canvas.image.id.endswith("-dee-natural/full/max/0/default.jpg")
    hamilton = parse("mirador-v3-hamilton-lang-true-v3.json").canvases[0]
    assert hamilton.choice_alternatives > 1
    assert hamilton.image.service.id == "https://images.prtd.app/iiif/2/hamilton%2fHL_524_1r_00_PSC"


def test_service_array_prefers_image_api_3():
    canvas = parse("bodleian-33c2e37e-v3.json").canvases[0]
    assert canvas.image.service.version == "3"
    assert canvas.image.service.id == (
        "https://iiif.bodleian.ox.ac.uk/iiif/image/012b1e0f-8c9e-48e7-83d6-5e51a70253b4"
    )


def test_malformed_annotation_type_still_gives_image():
    canvas = parse("parser-malformed-image-annotation-v2.json").canvases[0]
    assert canvas.image.id == "https://example.org/image/1/full/full/0/default.jpg"
    assert canvas.image.service.id == "https://example.org/image/1"


def test_relative_ids_resolve_against_source_uri():
    source = "https://example.org/iiif/book/manifest.json"
    manifest = parse("parser-thumbnails-relative-id-v2.json", source)
    assert manifest.id == source
    assert parse("parser-thumbnails-relative-id-v2.json").id == "manifest.json"
    levels = [(c.image.service.version, c.image.service.profile_level) for c in manifest.canvases]
    # Canvas 5 writes the misspelled `image/2/profiles/level2.json`; canvas 6 is a v2 context
    # with an Image API 1.1 compliance profile.
    assert levels == [("2", 1)] * 4 + [("2", 2), ("2", 1), ("2", 2)]


def test_metadata_language_maps_and_html():
    manifest = parse("cookbook-0006-text-language-v3.json")
    assert [(e.label, e.value) for e in manifest.metadata] == [
        ("Creator", "Whistler, James Abbott McNeill"),
        ("Subject", "McNeill Anna Matilda, mother of Whistler (1804-1881)"),
    ]
    assert manifest.metadata[0].labels == ("Creator", "Auteur")
    assert manifest.summary.startswith("Arrangement in Grey and Black No. 1")
    formats = parse("cookbook-0007-string-formats-v3.json")
    assert formats.summary == "Picture taken by the IIIF Technical Coordinator"
    assert formats.metadata[0].value == "Glen Robson"
    multi = parse("cookbook-0118-multivalue-v3.json")
    assert multi.metadata[0].value == "Whistler's Mother; Arrangement in Grey and Black No. 1"
    assert multi.label == "Arrangement en gris et noir no 1"


def test_invalid_language_tags():
    hamilton = parse("mirador-v3-hamilton-lang-true-v3.json")
    assert hamilton.metadata[3].value == "- Catalog record"
    # `requiredStatement.label` is `{"true": [true]}`: a boolean is no text, the value stays.
    assert hamilton.required_statement == (
        "Preservation Research and Testing Division, Library of Congress."
    )
    cats = parse("manifesto-default-label-at-none-v3draft.json")
    assert cats.metadata[0].label == "Description"
    assert cats.canvases[0].label == "Abyssinian"


def test_html_entities_in_nonconformant_collection():
    collection = parse(
        "gallica-cb327980804-journal-jeune-fille-title-collection-v3-nonconformant.json"
    )
    assert collection.summary == (
        "This collection gathers all the issues of the title Journal de la Jeune fille (36 years)"
    )
    french = json.loads(
        load("gallica-cb327980804-journal-jeune-fille-title-collection-v3-nonconformant.json")
    )["description"]["fr"]
    summary = parse_document({"id": "x:1", "type": "Collection", "summary": {"fr": french}}).summary
    assert summary == (
        "Cette collection regroupe tous les fascicules du titre Journal de la Jeune fille "
        "(36 années)"
    )
    assert collection.collections[0].nav_date == "1893"
    assert collection.collections[0].label == "Journal de la Jeune fille (1893)"


def test_collection_members_carry_nav_date_and_place():
    nav = parse("cookbook-0318-navPlace-navDate-collection-v3.json")
    first = nav.manifests[0]
    assert (first.label, first.nav_date) == ("Castel Sant'Angelo, Rome", "1776-01-01T00:00:00Z")
    assert first.nav_place["features"][0]["geometry"]["coordinates"] == [12.4663, 41.9031]
    miroir = parse("gallica-gallicapix-miroir-du-sport-collection-v3-nonconformant.json")
    assert miroir.manifests[0].label == "Miroir du sport 1920/07/08 (Année 10, Numéro 342)"
    assert miroir.manifests[0].nav_date == "1920-07-08"


def test_duplicate_members_are_listed_once():
    harvard = parse("harvard-duplicate-member-collection-v2.json")
    assert [m.id for m in harvard.collections] == [
        "https://iiif.harvardartmuseums.org/collections/object"
    ]
    nlw = parse("nlw-2373813-yr-ardd-journal-collection-v2.json")
    assert nlw.manifests[1].label == "Cyf. I rhif. 1 - Awst 15 1863"
    assert len({m.id for m in nlw.manifests}) == 65


def test_non_utf8_documents_are_decoded():
    text = load("gallica-cb343833568-vogue-title-collection-v2.json").decode("utf-8")
    expected = parse("gallica-cb343833568-vogue-title-collection-v2.json")
    for raw in (
        text.encode("latin-1"),
        text.encode("cp1252"),
        text.encode("utf-16"),  # with BOM
        text.encode("utf-16-le"),  # without BOM
        "\ufeff".encode() + text.encode("utf-8"),
    ):
        assert parse_document(raw) == expected
    assert expected.label == "Vogue, édition française (1920-1940)"


def test_decode_uses_header_charset_for_non_utf8_bytes():
    from ingest.iiif import decode_document

    raw = '{"@id": "x:1", "@type": "sc:Manifest", "label": "Ōsaka"}'.encode("iso-8859-13")
    assert decode_document(raw, "application/json; charset=ISO-8859-13")["label"] == "Ōsaka"
    assert decode_document(raw, None)["label"] != "Ōsaka"  # cp1252 guess, no header


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty document"),
        (b"<html><body>Not found</body></html>", "not JSON: Expecting value at line 1 column 1"),
        (b"[1, 2]", "not a IIIF document: top-level JSON is a list, not an object"),
        (b'{"test": "Broken"}', "not a IIIF document: no @context/@type/@id"),
        (
            b'{"@id": "x:1", "@type": "sc:Canvas"}',
            "unsupported IIIF type 'Canvas': expected a Manifest or Collection",
        ),
        (b'{"@type": "sc:Manifest"}', "Manifest has no id and no source URI to stand in for it"),
    ],
)
def test_refusals(raw, reason):
    with pytest.raises(ManifestParseError) as refused:
        parse_document(raw)
    assert str(refused.value) == reason


def test_regions_from_inline_annotations():
    manifest = parse_document(
        {
            "@context": "http://iiif.io/api/presentation/3/context.json",
            "id": "https://example.org/m",
            "type": "Manifest",
            "items": [
                {
                    "id": "https://example.org/c1",
                    "type": "Canvas",
                    "width": 1000,
                    "height": 1500,
                    "annotations": [
                        {
                            "type": "AnnotationPage",
                            "items": [
                                {
                                    "id": "https://example.org/a1",
                                    "type": "Annotation",
                                    "motivation": "tagging",
                                    "body": {"type": "TextualBody", "value": "<b>gravure</b>"},
                                    "target": "https://example.org/c1#xywh=10,20,300,400",
                                },
                                {
                                    "type": "Annotation",
                                    "motivation": "commenting",
                                    "target": {
                                        "source": "https://example.org/c1",
                                        "selector": {
                                            "type": "FragmentSelector",
                                            "value": "xywh=pixel:1.5,2,30,40",
                                        },
                                    },
                                },
                                {
                                    "type": "Annotation",
                                    "motivation": "tagging",
                                    "target": "https://example.org/c1#xywh=percent:10,20,50,50",
                                },
                            ],
                        }
                    ],
                }
            ],
        }
    )
    canvas = manifest.canvases[0]
    assert canvas.image is None
    assert [(r.x, r.y, r.w, r.h, r.annotation_id, r.text) for r in canvas.regions] == [
        (10, 20, 300, 400, "https://example.org/a1", "gravure"),
        # Half pixels round as the `annotations` segmenter rounds them (one parser for both).
        (2, 2, 30, 40, None, None),
        # Percent regions, once dropped, are read in canvas pixels.
        (100, 300, 500, 750, None, None),
    ]


def test_v2_choice_and_first_sequence_only():
    manifest = parse_document(
        {
            "@context": "http://iiif.io/api/presentation/2/context.json",
            "@id": "https://example.org/m",
            "@type": "sc:Manifest",
            "sequences": [
                {
                    "canvases": [
                        {
                            "@id": "https://example.org/c1",
                            "width": "800",
                            "height": 600.0,
                            "images": [
                                {
                                    "motivation": "sc:painting",
                                    "resource": {
                                        "@type": "oa:Choice",
                                        "default": {"@id": "https://example.org/a.jpg"},
                                        "item": [{"@id": "https://example.org/b.jpg"}],
                                    },
                                }
                            ],
                        }
                    ]
                },
                {"canvases": [{"@id": "https://example.org/other"}]},
            ],
        }
    )
    assert len(manifest.canvases) == 1
    canvas = manifest.canvases[0]
    assert (canvas.width, canvas.height) == (800, 600)
    assert (canvas.image.id, canvas.choice_alternatives) == ("https://example.org/a.jpg", 2)

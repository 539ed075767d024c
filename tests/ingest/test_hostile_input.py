"""Hostile manifests: every value a fuzzer found that crashed the parser is refused with the
project's own error type or cleaned, and a fuzzer over the shared fixtures keeps it so."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.harvest import _collection_members
from ingest.iiif import Collection, Manifest, ManifestParseError, parse_document
from ingest.iiif.decode import MAX_NESTING
from ingest.iiif.values import MAX_PIXELS, coordinate, pixel_size, resolve_uri
from ingest.iiif.xywh import FragmentError, find_xywh, parse_xywh
from ingest.records import issue_record
from ml.segment.annotations import FragmentParseError, parse_xywh_fragment

BIG = "9" * 5000
MANIFEST_URI = "https://example.org/iiif/m1/manifest"


def manifest(**canvas: Any) -> dict[str, Any]:
    """A small v3 manifest whose one canvas takes `canvas`'s keys."""
    body = {
        "id": "https://example.org/iiif/m1/p1.jpg",
        "type": "Image",
        "format": "image/jpeg",
        "width": 1000,
        "height": 1500,
        "service": [{"id": "https://example.org/iiif/m1/p1", "type": "ImageService3"}],
    }
    return {
        "@context": "http://iiif.io/api/presentation/3/context.json",
        "id": MANIFEST_URI,
        "type": "Manifest",
        "label": {"en": ["Le Petit Journal, 12 mars 1905"]},
        "items": [
            {
                "id": "https://example.org/iiif/m1/canvas/1",
                "type": "Canvas",
                "width": 1000,
                "height": 1500,
                "items": [
                    {
                        "type": "AnnotationPage",
                        "items": [{"type": "Annotation", "motivation": "painting", "body": body}],
                    }
                ],
            }
            | canvas
        ],
    }


def region_annotation(target: str) -> dict[str, Any]:
    return {
        "annotations": [
            {
                "type": "AnnotationPage",
                "items": [{"type": "Annotation", "motivation": "tagging", "target": target}],
            }
        ]
    }


def as_bytes(document: dict[str, Any], **raw_numbers: str) -> bytes:
    """JSON text of `document` with `"@NAME@"` strings replaced by raw number text."""
    text = json.dumps(document)
    for name, number in raw_numbers.items():
        text = text.replace(f'"@{name}@"', number)
    return text.encode()


def stored_strings(value: Any) -> list[str]:
    if dataclasses.is_dataclass(value):
        value = dataclasses.asdict(value)
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*stored_strings(k), *stored_strings(v))]
    if isinstance(value, list | tuple):
        return [s for v in value for s in stored_strings(v)]
    return []


def assert_storable(document: Manifest) -> None:
    """What reaches Neo4j must be encodable as UTF-8 (a lone surrogate is not)."""
    for text in stored_strings(issue_record(document)):
        text.encode("utf-8")


# Numbers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw", ["NaN", "Infinity", "-Infinity", BIG, f"{BIG}.5", "1e999", '"²"', '"٣"', "-5", "0"]
)
def test_unusable_sizes_are_cleaned_to_missing(raw):
    document = manifest(width="@W@", height="@W@")
    parsed = parse_document(as_bytes(document, W=raw))
    canvas = parsed.canvases[0]
    assert (canvas.width, canvas.height) == (None, None)
    # The page keeps the size its image declares.
    page = issue_record(parsed).pages[0]
    assert (page.width, page.height) == (1000, 1500)


def test_unusable_sizes_in_a_document_given_as_an_object():
    for value in (float("nan"), float("inf"), "²", 10**5000, -3, True, MAX_PIXELS + 1):
        canvas = parse_document(manifest(width=value, height=value)).canvases[0]
        assert (canvas.width, canvas.height) == (None, None)


def test_unusable_image_service_sizes_are_dropped():
    document = manifest()
    body = document["items"][0]["items"][0]["items"][0]["body"]
    body["service"][0] |= {
        "width": "@BIG@",
        "sizes": [
            {"width": "@NAN@", "height": 10},
            {"width": "²", "height": 5},
            {"width": 100, "height": 150},
        ],
    }
    image = parse_document(as_bytes(document, BIG=BIG, NAN="NaN")).canvases[0].image
    assert image.service.width is None
    assert image.service.sizes == ((100, 150),)


def test_pixel_size_rules():
    assert [pixel_size(v) for v in (1200, 1200.7, " 800 ", "12", "1.5e3")] == [
        1200,
        1200,
        800,
        12,
        None,
    ]
    assert [pixel_size(v) for v in (0, -1, None, "", "²", "١٢", float("nan"), 10**400)] == [
        None
    ] * 8


# xywh fragments -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        f"https://example.org/iiif/m1/canvas/1#xywh={BIG},0,10,10",
        f"https://example.org/iiif/m1/canvas/1#xywh=0,0,{BIG}.0,10",
        "https://example.org/iiif/m1/canvas/1#xywh=percent:10,10,500,10",
        "https://example.org/iiif/m1/canvas/1#xywh=0,0,0,10",
        "https://example.org/iiif/m1/canvas/1#xywh=5000,5000,10,10",
    ],
)
def test_unusable_regions_are_dropped_and_the_page_kept(target):
    parsed = parse_document(manifest(**region_annotation(target)))
    assert parsed.canvases[0].regions == ()
    assert len(issue_record(parsed).pages) == 1


def test_one_xywh_parser_for_manifests_and_the_annotations_segmenter():
    target = "https://example.org/iiif/m1/canvas/1#xywh=percent:10,20,50,50"
    parsed = parse_document(manifest(**region_annotation(target)))
    region = parsed.canvases[0].regions[0]
    assert (region.x, region.y, region.w, region.h) == (100, 300, 500, 750)
    assert parse_xywh_fragment(target, 1000, 1500) == (100, 300, 500, 750)
    assert parse_xywh(target, 1000, 1500) == (100, 300, 500, 750)


def test_percent_regions_need_a_canvas_size():
    document = manifest(**region_annotation("c#xywh=percent:10,20,50,50"))
    del document["items"][0]["width"]
    document["items"][0]["items"][0]["items"][0]["body"].pop("width")
    assert parse_document(document).canvases[0].regions == ()


@pytest.mark.parametrize("target", [f"c#xywh={BIG},0,1,1", "c#xywh=percent:0,0,101,5"])
def test_fragment_errors_are_the_project_types(target):
    with pytest.raises(FragmentError):
        find_xywh(target)
    with pytest.raises(FragmentParseError):
        parse_xywh_fragment(target, 1000, 1000)


# Ids ------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["http://[::1", "http://example.org:99999/x", "http://[::1]:0x/"])
def test_unparseable_ids_are_refused_or_dropped(bad):
    with pytest.raises(ManifestParseError, match="not a valid URI"):
        parse_document(manifest() | {"id": bad})
    # As a canvas, image or service id: the canvas keeps a stand-in id, the image is dropped.
    document = manifest(id=bad)
    body = document["items"][0]["items"][0]["items"][0]["body"]
    body["service"][0]["id"] = bad
    parsed = parse_document(document, source_uri=MANIFEST_URI)
    assert parsed.canvases[0].id == "#canvas-1"
    assert parsed.canvases[0].image.service is None
    body["id"] = bad
    assert parse_document(document).canvases[0].image is None
    # A bad source URI is no document location either.
    with pytest.raises(ManifestParseError, match="not a valid URI"):
        parse_document(manifest(), source_uri=bad)


def test_collection_members_with_bad_ids_are_skipped():
    collection = {
        "@context": "http://iiif.io/api/presentation/3/context.json",
        "id": "https://example.org/c",
        "type": "Collection",
        "items": [
            {"id": "http://[::1", "type": "Manifest"},
            {"id": "https://example.org/m2", "type": "Manifest"},
        ],
        "next": "http://[::1/page2",
    }
    members = _collection_members(parse_document(collection)).members
    assert [m.uri for m in members] == ["https://example.org/m2"]


def test_resolve_uri():
    assert resolve_uri("https://example.org/a/b", "c") == "https://example.org/a/c"
    assert resolve_uri("http://[::1", "c") is None
    assert resolve_uri(None, "http://[::1") is None


# Strings --------------------------------------------------------------------------------


def test_lone_surrogates_never_reach_the_graph():
    raw = (
        b'{"@context": "http://iiif.io/api/presentation/3/context.json",'
        b' "id": "https://example.org/m\\ud800", "type": "Manifest",'
        b' "label": {"en": ["Titre \\udfff du journal"]},'
        b' "metadata": [{"label": {"en": ["Place\\ud800"]}, "value": {"en": ["Paris\\udc00"]}}],'
        b' "items": [{"id": "https://example.org/c\\ud800", "type": "Canvas"}]}'
    )
    parsed = parse_document(raw)
    assert parsed.label == "Titre \ufffd du journal"
    assert_storable(parsed)
    # A valid surrogate pair is a real character and stays.
    emoji = parse_document(raw.replace(b"\\udfff", b"\\ud83d\\ude00"))
    assert emoji.label == "Titre \U0001f600 du journal"


def test_lone_surrogates_in_objects_are_cleaned_too():
    document = manifest() | {"label": {"en": ["a\ud800b"]}, "summary": {"\udc00": ["x"]}}
    parsed = parse_document(document)
    assert parsed.label == "a\ufffdb"
    assert_storable(parsed)


# Nesting --------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [MAX_NESTING + 1, 10_000, 200_000])
def test_deeply_nested_json_is_refused(depth):
    label = '{"@value": ' * depth + '"x"' + "}" * depth
    raw = as_bytes(manifest() | {"label": "@L@"}, L=label)
    with pytest.raises(ManifestParseError, match=f"nested deeper than {MAX_NESTING} levels"):
        parse_document(raw)


def test_deeply_nested_objects_are_refused():
    label: Any = "x"
    for _ in range(10_000):
        label = {"@value": label}
    with pytest.raises(ManifestParseError, match="nested deeper"):
        parse_document(manifest() | {"label": label})


# navPlace -------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["[NaN, NaN]", "[Infinity, 48.85]", "[2.35, 900]", f"[{BIG}, 1]"])
def test_nav_place_without_a_real_position_gives_no_place(raw):
    nav_place = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "geometry": {"type": "Point", "coordinates": "@C@"}}],
    }
    parsed = parse_document(as_bytes(manifest() | {"navPlace": nav_place}, C=raw))
    record = issue_record(parsed)
    assert record.place is None


def test_coordinate_rules():
    assert coordinate(2.35, 48.85) == (2.35, 48.85)
    assert coordinate(float("nan"), 1) is None
    assert coordinate(181, 0) is None
    assert coordinate("2.35", True) is None


# The fuzzer -----------------------------------------------------------------------------

HOSTILE = st.one_of(
    st.sampled_from(
        [
            float("nan"),
            float("inf"),
            float("-inf"),
            "²",
            10**5000,
            -(10**400),
            "http://[::1",
            "http://example.org:99999/",
            "\ud800",
            "a\udfffb",
            "xywh=" + BIG + ",0,1,1",
            "#xywh=percent:1e5,0,1,1",
            True,
            None,
            [],
            {},
            {"@value": None},
            {"type": "Manifest"},
            {"id": "http://[::1", "type": "Collection"},
        ]
    ),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.lists(st.one_of(st.integers(), st.floats(), st.text(max_size=5)), max_size=4),
    st.dictionaries(st.text(max_size=8), st.one_of(st.integers(), st.text(max_size=8)), max_size=3),
)


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    paths = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            paths += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value[:20]):
            paths += _paths(item, (*prefix, index))
    return paths


def _replaced(document: Any, path: tuple, value: Any) -> Any:
    """`document` with `value` at `path`, copying only the containers along the path; the
    document itself is unchanged (an earlier mutation may have removed the path: then as is)."""
    if not path:
        return value
    step, rest = path[0], path[1:]
    if isinstance(document, dict) and step in document:
        return document | {step: _replaced(document[step], rest, value)}
    if isinstance(document, list) and isinstance(step, int) and step < len(document):
        copy = list(document)
        copy[step] = _replaced(document[step], rest, value)
        return copy
    return document


@st.composite
def mutated_fixtures(draw, documents):
    name = draw(st.sampled_from(sorted(documents)))
    document, paths = documents[name]
    for _ in range(draw(st.integers(1, 4))):
        document = _replaced(document, draw(st.sampled_from(paths)), draw(HOSTILE))
    return name, document


def _exercise(document: Any) -> None:
    """What a harvest does with a document, short of the network and the graph."""
    parsed = parse_document(document, source_uri="https://example.org/fuzz/doc.json")
    if isinstance(parsed, Manifest):
        assert_storable(parsed)
    else:
        assert isinstance(parsed, Collection)
        _collection_members(parsed)


@pytest.fixture(scope="module")
def fixture_documents(shared_dir):
    found = {}
    for path in (shared_dir / "fixtures/iiif").glob("*.json"):
        document = json.loads(path.read_bytes())
        found[path.name] = (document, _paths(document))
    assert len(found) >= 50
    return found


def test_fuzzed_fixtures_raise_only_project_errors(fixture_documents):
    @settings(
        max_examples=300,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(mutated_fixtures(fixture_documents))
    def run(case):
        _, document = case
        for form in ("object", "bytes"):
            try:
                if form == "object":
                    _exercise(document)
                else:
                    # Through JSON text: big ints, NaN and surrogates as a server sends them.
                    text = json.dumps(document, default=str).encode()
                    _exercise(text)
            except ManifestParseError:
                pass
            except ValueError as exc:
                if "Exceeds the limit" in str(exc) and form == "bytes":
                    continue  # json.dumps itself cannot write 5000-digit ints
                raise

    run()


def test_html_text_with_a_lone_surrogate_is_cleaned_too():
    from ingest.iiif.text import strip_html

    assert strip_html("<b>Le Rire\ud800</b>") == "Le Rire\ufffd"
    assert strip_html("Le Rire \udfff") == "Le Rire \ufffd"

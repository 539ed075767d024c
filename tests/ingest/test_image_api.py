"""Image API URLs for each version and level, and info.json parsing on real samples."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ingest.iiif.image_api import (
    UnsupportedImageRequest,
    image_request,
    image_url,
    parse_info_json,
)
from ingest.iiif.models import ImageService

SHARED = Path(
    os.environ.get("CONTAGIONS_SHARED", Path(__file__).resolve().parents[2] / ".." / "shared")
)
FIXTURES = SHARED / "fixtures" / "iiif"


def info(name: str, source_uri: str | None = None) -> ImageService:
    return parse_info_json((FIXTURES / name).read_bytes(), source_uri)


def test_info_json_v1_1():
    service = info("imageapi-v1.1-openseadragon-iiif_1_1_tiled-info.json")
    assert service == ImageService(
        id="http://localhost:8000/test/data/iiif_1_1_tiled",
        version="1.1",
        profile_level=2,
        width=775,
        height=1024,
    )


def test_info_json_v2_level1_with_v1_qualities():
    service = info("imageapi-v2-openseadragon-iiif_2_0_tiled-info.json")
    assert (service.version, service.profile_level, service.width, service.height) == (
        "2",
        1,
        775,
        1024,
    )


def test_info_json_v2_static_level0_relative_id():
    source = "https://static.example/tiles/starfish/info.json"
    service = info("imageapi-v2-zimeon-demo-static-starfish-level0-info.json", source)
    assert service.id == "https://static.example/tiles/starfish/starfish"
    assert (service.version, service.profile_level) == ("2", 0)
    assert len(service.sizes) == 11
    assert max(service.sizes, key=max) == (750, 1000)


def test_info_json_v2_1_spec():
    service = info("imageapi-v2.1-zimeon-spec-5_6-info.json")
    assert (service.version, service.profile_level) == ("2", 2)
    assert service.sizes == ((150, 100), (600, 400), (3000, 2000))


def test_info_json_v3():
    level0 = info("imageapi-v3-openseadragon-iiif_3_0_sizes-level0-info.json")
    assert (level0.version, level0.profile_level, level0.width, level0.height) == (
        "3",
        0,
        6976,
        5074,
    )
    assert level0.sizes[0] == (400, 291)
    spec = info("imageapi-v3-zimeon-spec-5_8-info.json")
    assert (
        spec.id == "https://example.org/image-service/abcd1234/1E34750D-38DB-4825-A38A-B60A345E591C"
    )
    assert (spec.version, spec.profile_level) == ("3", 1)


def test_info_json_refuses_non_service():
    from ingest.iiif import ManifestParseError

    with pytest.raises(ManifestParseError, match=r"not an Image API info\.json"):
        parse_info_json({"@id": "https://x.example/m", "@type": "sc:Manifest"})


V11 = ImageService("https://g.example/iiif/ark:/1/f1", "1.1", 1, 2000, 3000)
V2 = ImageService("https://i.example/iiif/2/p1/", "2", 2, 2000, 3000)
V2_L1 = ImageService("https://i.example/iiif/2/p1", "2", 1, 2000, 3000)
V3 = ImageService("https://i.example/iiif/3/p1", "3", 2, 2000, 3000)
V3_L1_UNKNOWN = ImageService("https://i.example/iiif/3/p1", "3", 1)


@pytest.mark.parametrize(
    ("service", "region", "max_size", "url"),
    [
        (V11, None, None, "https://g.example/iiif/ark:/1/f1/full/full/0/native.jpg"),
        (V11, None, 1024, "https://g.example/iiif/ark:/1/f1/full/,1024/0/native.jpg"),
        (
            V11,
            (0, 0, 1500, 500),
            600,
            "https://g.example/iiif/ark:/1/f1/0,0,1500,500/600,/0/native.jpg",
        ),
        (V2, None, None, "https://i.example/iiif/2/p1/full/full/0/default.jpg"),
        (V2, None, 1024, "https://i.example/iiif/2/p1/full/!1024,1024/0/default.jpg"),
        (
            V2,
            (10, 20, 300, 400),
            1024,
            "https://i.example/iiif/2/p1/10,20,300,400/full/0/default.jpg",
        ),
        (
            V2_L1,
            (10, 20, 3000, 400),
            1024,
            "https://i.example/iiif/2/p1/10,20,3000,400/1024,/0/default.jpg",
        ),
        (V3, None, None, "https://i.example/iiif/3/p1/full/max/0/default.jpg"),
        (
            V3,
            (10, 20, 300, 400),
            200,
            "https://i.example/iiif/3/p1/10,20,300,400/!200,200/0/default.jpg",
        ),
        (V3_L1_UNKNOWN, None, 512, "https://i.example/iiif/3/p1/full/512,/0/default.jpg"),
    ],
)
def test_image_url_per_version(service, region, max_size, url):
    assert image_url(service, region, max_size) == url


def test_png_format_and_expected_size():
    request = image_request(V2, None, 1024, fmt="png")
    assert request.url == "https://i.example/iiif/2/p1/full/!1024,1024/0/default.png"
    assert request.size == (683, 1024)


def test_level0_picks_smallest_listed_size_covering_the_request():
    v3 = info("imageapi-v3-openseadragon-iiif_3_0_sizes-level0-info.json")
    assert (
        image_url(v3, None, 700)
        == "http://localhost:8000/test/data/iiif_3_0_sizes/full/800,582/0/default.jpg"
    )
    assert (
        image_url(v3, None, 100)
        == "http://localhost:8000/test/data/iiif_3_0_sizes/full/400,291/0/default.jpg"
    )
    # The largest listed size is the full image: `max`.
    assert (
        image_url(v3, None, 9000)
        == "http://localhost:8000/test/data/iiif_3_0_sizes/full/max/0/default.jpg"
    )
    v2 = info(
        "imageapi-v2-zimeon-demo-static-starfish-level0-info.json", "https://s.example/x/info.json"
    )
    assert image_url(v2, None, 400) == "https://s.example/x/starfish/full/375,/0/default.jpg"
    # Nothing listed is large enough: the largest listed.
    assert image_url(v2, None, 2000) == "https://s.example/x/starfish/full/750,/0/default.jpg"
    assert image_url(v2) == "https://s.example/x/starfish/full/750,/0/default.jpg"


def test_level0_region_is_refused_or_falls_back_to_full_image():
    v3 = info("imageapi-v3-openseadragon-iiif_3_0_sizes-level0-info.json")
    with pytest.raises(UnsupportedImageRequest):
        image_url(v3, (0, 0, 1000, 1000), 500)
    request = image_request(v3, (0, 0, 1000, 1000), 500)
    assert request.region is None
    assert request.note == "level 0 service: full image requested, crop the region locally"
    # A 1000 px region at 500 px needs the whole image at half size: 3488 -> 6976 listed.
    assert request.url == "http://localhost:8000/test/data/iiif_3_0_sizes/full/max/0/default.jpg"


def test_services_from_manifests_build_urls():
    from ingest.iiif import parse_document

    manifest = parse_document((FIXTURES / "cookbook-0009-book-1-v3.json").read_bytes())
    service = manifest.canvases[0].image.service
    assert image_url(service, (0, 0, 3204, 4613), 1024) == (
        "https://iiif.io/api/image/3.0/example/reference/"
        "59d09e6773341f28ea166e9f3c1e674f-gallica_ark_12148_bpt6k1526005v_f18"
        "/0,0,3204,4613/,1024/0/default.jpg"
    )

"""Pages served by a real IIIF Image API server become illustrations with exact region URLs."""

import io
import uuid
from collections import deque

import httpx
import pytest
from PIL import Image

from api.pipeline.ingest import process_task, start_ingest
from api.pipeline.pages import PageLimits, segment_pages
from graph.illustrations import page_ids_of_corpus
from graph.ingest import job_progress
from ingest.fetch import FetchConfig, Fetcher
from ingest.urls import UrlPolicy
from ml.segment import get_segmenter
from ml.segment.synthetic import newspaper_page

CTX = "http://iiif.io/api/presentation/3/context.json"


@pytest.fixture
def fetcher(static_server, iiif_image_server):
    with Fetcher(
        FetchConfig(user_agent="contagions-test", retries=1, backoff_base_s=0.01),
        UrlPolicy.allowing([static_server.endpoint, iiif_image_server.endpoint]),
    ) as f:
        yield f


def canvas(base, n, service, width, height):
    return {
        "id": f"{base}/canvas/{n}",
        "type": "Canvas",
        "width": width,
        "height": height,
        "items": [
            {
                "id": f"{base}/canvas/{n}/p",
                "type": "AnnotationPage",
                "items": [
                    {
                        "id": f"{base}/canvas/{n}/a",
                        "type": "Annotation",
                        "motivation": "painting",
                        "target": f"{base}/canvas/{n}",
                        "body": {
                            "id": f"{service}/full/max/0/default.jpg",
                            "type": "Image",
                            "width": width,
                            "height": height,
                            "service": [
                                {"id": service, "type": "ImageService3", "profile": "level1"}
                            ],
                        },
                    }
                ],
            }
        ],
    }


@pytest.fixture
def served_issue(static_server, iiif_image_server):
    """A two-page issue whose pages are synthetic newspaper pages on the IIIF server."""
    pages = [newspaper_page(("camera", "astronaut"), seed=1), newspaper_page(("coffee",), seed=2)]
    services = []
    for page in pages:
        name = f"page-{uuid.uuid4().hex[:8]}"
        page.image.save(iiif_image_server.image_dir / f"{name}.jpg", quality=92)
        services.append(iiif_image_server.service(name))
    url = f"{static_server.url}/issue.json"
    static_server.write_json(
        "issue.json",
        {
            "@context": CTX,
            "id": url,
            "type": "Manifest",
            "label": {"fr": ["Le Petit Illustré - 12 juin 1912"]},
            "items": [
                canvas(url, n, s, p.image.width, p.image.height)
                for n, (s, p) in enumerate(zip(services, pages, strict=True))
            ],
        },
    )
    return url, pages


def ingest(db, fetcher, url, segmenter):
    queue = deque()
    job_id = start_ingest(db, corpus="pages", uris=[url], enqueue=queue.extend, segmenter=segmenter)
    while queue:
        process_task(db, queue.popleft(), fetcher=fetcher, enqueue=queue.extend)
    return job_id


def fetch_png(url):
    response = httpx.get(url, timeout=30)
    assert response.status_code == 200, url
    return Image.open(io.BytesIO(response.content))


def test_layout_pages_become_illustrations_with_exact_regions(clean_graph, fetcher, served_issue):
    url, _ = served_issue
    job_id = ingest(clean_graph, fetcher, url, "layout")
    page_ids = page_ids_of_corpus(clean_graph, "pages")
    outcomes = segment_pages(
        clean_graph,
        page_ids,
        fetcher=fetcher,
        segmenter=get_segmenter("layout"),
        limits=PageLimits(working_size=1000),
    )
    assert sorted(len(o.illustration_ids) for o in outcomes) == [1, 2]
    progress = job_progress(clean_graph, job_id)
    assert (progress.pages_segmented, progress.illustrations_found) == (2, 3)

    records, _, _ = clean_graph.execute_query(
        "MATCH (:Page)-[:HAS_ILLUSTRATION]->(i:Illustration) RETURN i ORDER BY i.y"
    )
    for record in records:
        ill = record["i"]
        assert ill["segmenter"] == "layout" and 0 < ill["area_ratio"] < 1
        crop = fetch_png(ill["iiif_region_url"])
        assert crop.size == (ill["w"], ill["h"])  # the region URL is exactly that crop
        thumb = fetch_png(ill["thumbnail_url"])
        assert max(thumb.size) <= 256

    # Re-segmenting replaces, it does not add.
    segment_pages(
        clean_graph,
        page_ids,
        fetcher=fetcher,
        segmenter=get_segmenter("layout"),
        limits=PageLimits(1000),
    )
    records, _, _ = clean_graph.execute_query("MATCH (i:Illustration) RETURN count(i) AS n")
    assert records[0]["n"] == 3


def test_whole_segmenter_needs_no_pixels(clean_graph, fetcher, served_issue):
    url, pages = served_issue
    ingest(clean_graph, fetcher, url, "whole")
    page_ids = page_ids_of_corpus(clean_graph, "pages")
    outcomes = segment_pages(
        clean_graph,
        page_ids,
        fetcher=fetcher,
        segmenter=get_segmenter("whole"),
        limits=PageLimits(),
    )
    assert [len(o.illustration_ids) for o in outcomes] == [1, 1]
    records, _, _ = clean_graph.execute_query(
        "MATCH (i:Illustration) RETURN i.xywh AS xywh ORDER BY xywh"
    )
    sizes = sorted(f"0,0,{p.image.width},{p.image.height}" for p in pages)
    assert [r["xywh"] for r in records] == sizes


def test_bad_images_fail_per_page_with_reasons(
    clean_graph, fetcher, served_issue, iiif_image_server
):
    url, _ = served_issue
    ingest(clean_graph, fetcher, url, "layout")
    page_ids = page_ids_of_corpus(clean_graph, "pages")
    # A decompression-bomb limit below the page size: recorded failure, no crash, no writes.
    outcomes = segment_pages(
        clean_graph,
        page_ids,
        fetcher=fetcher,
        segmenter=get_segmenter("layout"),
        limits=PageLimits(working_size=1000, max_pixels=10_000),
    )
    assert all(not o.ok and "ImageTooLargeError" in o.reason for o in outcomes)
    records, _, _ = clean_graph.execute_query(
        "MATCH (p:Page) RETURN p.segment_status AS s, p.segment_error AS e"
    )
    assert all(r["s"] == "failed" and "pixels" in r["e"] for r in records)

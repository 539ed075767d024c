"""The gpu actor through the real Redis broker, a real worker process and the vector service."""

import json
import time
import uuid

import numpy as np
import pytest
from PIL import Image
from skimage import data

from api.actors.gpu import enqueue_descriptors
from api.pipeline.index import CropLimits, CropSource, fit_pca
from api.pipeline.ingest import process_task, start_ingest
from api.pipeline.pages import PageLimits, segment_pages
from api.resources import make_vector_store
from graph.illustrations import page_ids_of_corpus
from ingest.fetch import FetchConfig, Fetcher
from ingest.urls import UrlPolicy
from ml.backbones import load_backbone
from ml.descriptors import DescriptorExtractor
from ml.printed import PrintNormalization
from ml.segment import get_segmenter

CTX = "http://iiif.io/api/presentation/3/context.json"


def canvas(base, n, service, image):
    return {
        "id": f"{base}/c/{n}",
        "type": "Canvas",
        "width": image.width,
        "height": image.height,
        "items": [
            {
                "id": f"{base}/c/{n}/p",
                "type": "AnnotationPage",
                "items": [
                    {
                        "id": f"{base}/c/{n}/a",
                        "type": "Annotation",
                        "motivation": "painting",
                        "target": f"{base}/c/{n}",
                        "body": {
                            "id": f"{service}/full/max/0/default.jpg",
                            "type": "Image",
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
def indexed_corpus(clean_graph, clean_broker, static_server, iiif_image_server, tmp_path):
    fetcher = Fetcher(
        FetchConfig(user_agent="t", retries=1),
        UrlPolicy.allowing([static_server.endpoint, iiif_image_server.endpoint]),
    )
    canvases = []
    for n, name in enumerate(("astronaut", "coffee", "chelsea", "rocket")):
        image = Image.fromarray(getattr(data, name)()).convert("RGB")
        file = f"gpu-{name}-{uuid.uuid4().hex[:6]}"
        image.save(iiif_image_server.image_dir / f"{file}.jpg")
        canvases.append(canvas(static_server.url, n, iiif_image_server.service(file), image))
    url = static_server.write_json(
        "gpu.json",
        {
            "@context": CTX,
            "id": f"{static_server.url}/gpu.json",
            "type": "Manifest",
            "label": {"en": ["GPU"]},
            "items": canvases,
        },
    )
    queue = []
    start_ingest(clean_graph, corpus="gpu", uris=[url], enqueue=queue.extend, segmenter="whole")
    while queue:
        process_task(clean_graph, queue.pop(), fetcher=fetcher, enqueue=queue.extend)
    segment_pages(
        clean_graph,
        page_ids_of_corpus(clean_graph, "gpu"),
        fetcher=fetcher,
        segmenter=get_segmenter("whole"),
        limits=PageLimits(),
    )
    records, _, _ = clean_graph.execute_query("MATCH (i:Illustration) RETURN i.id AS id")
    ids = [r["id"] for r in records]
    rng = np.random.default_rng(1)
    extra = [Image.fromarray(rng.integers(0, 255, (64, 64, 3), dtype=np.uint8)) for _ in range(40)]
    extractor = DescriptorExtractor(load_backbone("efficientnet_lite0"))
    _, record = fit_pca(
        ids,
        source=CropSource(clean_graph, fetcher, None, CropLimits(PrintNormalization(224))),
        extractor=extractor,
        extra=extra,
        dim=8,
        power=0.5,
        artifact_dir=tmp_path / "models",
    )
    fetcher.close()
    return ids, record


def test_embed_batch_runs_in_a_worker(
    indexed_corpus, settings, clean_graph, start_worker, static_server, iiif_image_server
):
    ids, record = indexed_corpus
    env = {
        "CONTAGIONS_MODEL__BACKBONE": "efficientnet_lite0",
        "CONTAGIONS_HTTP__ALLOWED_PRIVATE_HOSTS": json.dumps(
            [static_server.endpoint, iiif_image_server.endpoint]
        ),
    }
    worker = start_worker("gpu", env=env)
    enqueue_descriptors(ids)
    deadline = time.monotonic() + 240
    indexed = 0
    while time.monotonic() < deadline and indexed < len(ids):
        records, _, _ = clean_graph.execute_query(
            "MATCH (i:Illustration {vector_model: $m}) RETURN count(i) AS n", m=record.id
        )
        indexed = records[0]["n"]
        time.sleep(0.5)
    worker.stop()
    assert indexed == len(ids)
    store = make_vector_store(settings)
    store.ensure_collection(record.collection, record.dim)
    assert store.count() == len(ids)
    found = store.retrieve(ids)
    assert set(found) == set(ids)
    hits = store.search(found[ids[0]], 1)
    assert hits[0].id == ids[0] and hits[0].payload["corpus"] == "gpu"

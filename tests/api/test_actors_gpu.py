"""The gpu actor through the real Redis broker, a real worker process and the vector service."""

import json
import time
import uuid

import pytest
from PIL import Image
from skimage import data

from api.actors.gpu import enqueue_descriptors
from api.resources import make_vector_store
from tests.support.press import fit_small_model, ingest_pictures, loopback_fetcher


@pytest.fixture
def indexed_corpus(clean_graph, clean_broker, static_server, iiif_image_server, tmp_path):
    pictures = [
        (
            f"gpu-{name}-{uuid.uuid4().hex[:6]}",
            Image.fromarray(getattr(data, name)()).convert("RGB"),
        )
        for name in ("astronaut", "coffee", "chelsea", "rocket")
    ]
    with loopback_fetcher(static_server, iiif_image_server) as fetcher:
        ids = ingest_pictures(
            clean_graph,
            corpus="gpu",
            pictures=pictures,
            static_server=static_server,
            iiif_image_server=iiif_image_server,
            fetcher=fetcher,
        )
        record = fit_small_model(
            clean_graph, ids, fetcher=fetcher, artifact_dir=tmp_path / "models"
        )
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

"""The gpu actor through the real Redis broker, a real worker process and the vector service."""

import json
import os
import subprocess
import sys
import time
import uuid

import pytest
from PIL import Image
from skimage import data

from api.actors.gpu import enqueue_descriptors
from api.pipeline.reindex import reindex_progress
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


@pytest.mark.slow
def test_the_first_model_is_fitted_on_its_own(
    clean_graph, clean_broker, settings, static_server, iiif_image_server, start_worker, tmp_path
):
    from api.pipeline.continuous import fit_first_model
    from graph.descriptors import active_model

    pictures = [
        (f"first-{name}-{n}-{uuid.uuid4().hex[:6]}", Image.fromarray(getattr(data, name)()))
        for n, name in enumerate(("astronaut", "coffee", "chelsea", "rocket") * 3)
    ]
    pictures = [(f, image.convert("RGB").rotate(7 * n)) for n, (f, image) in enumerate(pictures)]
    with loopback_fetcher(static_server, iiif_image_server) as fetcher:
        ids = ingest_pictures(
            clean_graph,
            corpus="first",
            pictures=pictures,
            static_server=static_server,
            iiif_image_server=iiif_image_server,
            fetcher=fetcher,
        )
    # Too few illustrations: no fit (nothing else is touched before the count).
    too_few = settings.continuous.model_copy(update={"first_fit_min_illustrations": len(ids) + 1})
    assert (
        fit_first_model(
            clean_graph,
            source=None,  # type: ignore[arg-type]
            extractor=None,  # type: ignore[arg-type]
            model=settings.model,
            continuous=too_few,
            artifact_dir=str(tmp_path),
            enqueue=lambda _: None,
        )
        is None
    )
    assert active_model(clean_graph) is None

    env = {
        "CONTAGIONS_MODEL__BACKBONE": "efficientnet_lite0",
        "CONTAGIONS_HTTP__ALLOWED_PRIVATE_HOSTS": json.dumps(
            [static_server.endpoint, iiif_image_server.endpoint]
        ),
        "CONTAGIONS_CONTINUOUS__FIRST_FIT_MIN_ILLUSTRATIONS": str(len(ids)),
        "CONTAGIONS_CONTINUOUS__DEBOUNCE_SECONDS": "1",
    }
    start_worker("gpu", env=env)
    # What the pages workers send after segmentation; no model exists, no command follows.
    enqueue_descriptors(ids)
    deadline = time.monotonic() + 300
    indexed = 0
    while time.monotonic() < deadline and indexed < len(ids):
        model = active_model(clean_graph)
        if model is not None:
            records, _, _ = clean_graph.execute_query(
                "MATCH (i:Illustration {vector_model: $m}) RETURN count(i) AS n", m=model.id
            )
            indexed = records[0]["n"]
        time.sleep(0.5)
    model = active_model(clean_graph)
    assert model is not None and model.backbone == "efficientnet_lite0"
    assert model.sample_size == len(ids)
    assert indexed == len(ids)

    # A later fit is explicit; the new model means a re-index, followed like a job.
    fit = subprocess.run(
        [sys.executable, "-m", "api.cli", "pca", "fit", "--sample", "8", "--wait"],
        env=os.environ | env,
        capture_output=True,
        text=True,
        timeout=400,
    )
    assert fit.returncode == 0, fit.stderr
    second = active_model(clean_graph)
    assert second is not None and second.id != model.id and second.sample_size == 8
    assert f"re-index of {len(ids)} illustrations queued" in fit.stdout
    assert f"{len(ids)} re-indexed, 0 failed" in fit.stdout
    progress = reindex_progress(clean_graph, second.id)
    assert (progress.total, progress.indexed, progress.pending) == (len(ids), len(ids), 0)

"""Continuous mode through the real broker and a real worker: vectors arriving in batches end
in the clusters a single batch gives, with no command in between."""

import json
import uuid

import pytest
from PIL import Image, ImageOps
from skimage import data

from api.actors.gpu import enqueue_descriptors
from graph.clusters import latest_run_id
from tests.support.continuous import leaves, one_batch_run, settle
from tests.support.press import fit_small_model, ingest_pictures, loopback_fetcher

CORPUS = "living"


@pytest.fixture
def reprinted_corpus(clean_graph, clean_broker, static_server, iiif_image_server, tmp_path):
    """Four pictures, each printed twice (the second a mirrored, darker reprint)."""
    pictures = []
    for n, name in enumerate(("astronaut", "coffee", "chelsea", "rocket") * 2):
        image = Image.fromarray(getattr(data, name)()).convert("RGB")
        if n >= 4:
            image = ImageOps.autocontrast(image.resize((image.width - 8, image.height - 8)))
        pictures.append((f"live-{name}-{n}-{uuid.uuid4().hex[:6]}", image))
    with loopback_fetcher(static_server, iiif_image_server) as fetcher:
        ids = ingest_pictures(
            clean_graph,
            corpus=CORPUS,
            pictures=pictures,
            static_server=static_server,
            iiif_image_server=iiif_image_server,
            fetcher=fetcher,
        )
        record = fit_small_model(
            clean_graph, ids, fetcher=fetcher, artifact_dir=tmp_path / "models"
        )
    return ids, record


@pytest.mark.slow
def test_batches_flow_to_the_clusters_of_one_batch(
    reprinted_corpus, settings, clean_graph, start_worker, static_server, iiif_image_server
):
    ids, record = reprinted_corpus
    env = {
        "CONTAGIONS_MODEL__BACKBONE": "efficientnet_lite0",
        "CONTAGIONS_HTTP__ALLOWED_PRIVATE_HOSTS": json.dumps(
            [static_server.endpoint, iiif_image_server.endpoint]
        ),
        "CONTAGIONS_CONTINUOUS__DEBOUNCE_SECONDS": "1",
    }
    start_worker("gpu", "clusters", env=env, threads=2)
    batches = [ids[:3], ids[3:6], ids[6:]]
    done: list[str] = []
    for batch in batches:
        enqueue_descriptors(batch)
        done += batch
        settle(clean_graph, settings, CORPUS, len(done))
    run_id = latest_run_id(clean_graph, CORPUS)
    runs, _, _ = clean_graph.execute_query("MATCH (r:ClusteringRun) RETURN count(r) AS n")
    assert runs[0]["n"] == 1  # one run, updated in place
    continuous = leaves(clean_graph, run_id)
    assert continuous and max(c["size"] for c in continuous) >= 2

    # The same vectors in one batch: edges rebuilt from scratch, then a full run.
    queried, one_batch = one_batch_run(clean_graph, settings, record, CORPUS)
    assert queried == len(ids)
    assert leaves(clean_graph, one_batch) == continuous

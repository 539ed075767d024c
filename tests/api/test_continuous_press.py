"""Done when: with the system up, a press ingested in three batches (one periodical at a time)
ends with the clusters one batch gives, with no command typed after `contagions ingest`.

Real workers on every queue (ingest, pages, gpu, clusters), pictures from the real IIIF image
server, manifests from the loopback static server, and the real `contagions ingest` command.
The first descriptor model is fitted on its own on the first periodical (continuous mode);
the peer is a full run on edges rebuilt from scratch with that same model.
"""

import json
import os
import subprocess
import sys
import time
import uuid

import pytest
import redis
from PIL import Image, ImageOps
from skimage import data

from api.actors.clusters import LOCK_KEY, PENDING_KEY
from api.pipeline.clustering import params_from_settings, run_clustering
from api.pipeline.similarity import build_edges
from api.resources import make_vector_store
from graph.clusters import latest_run_id
from graph.descriptors import active_model
from tests.support.press import CTX, canvas

CORPUS = "press"


def picture(name: str, reprint: bool) -> Image.Image:
    image = Image.fromarray(getattr(data, name)()).convert("RGB")
    if reprint:  # a later printing: re-cut and with more contrast
        image = ImageOps.autocontrast(image.resize((image.width - 8, image.height - 8)))
    return image


# Three periodicals; the second and third reprint pictures of the ones before them.
PERIODICALS = {
    "le-petit-journal": [
        ("astronaut", False),
        ("coffee", False),
        ("camera", False),
        ("moon", False),
    ],
    "die-woche": [("astronaut", True), ("chelsea", False), ("rocket", False)],
    "the-graphic": [("coffee", True), ("chelsea", True), ("rocket", True)],
}


def write_periodical(static_server, iiif_image_server, name: str, tmp_path) -> str:
    """The periodical's manifest on the static server; returns a corpus file listing it."""
    canvases = []
    for n, (picture_name, reprint) in enumerate(PERIODICALS[name]):
        file = f"{name}-{picture_name}-{uuid.uuid4().hex[:6]}"
        image = picture(picture_name, reprint)
        image.save(iiif_image_server.image_dir / f"{file}.jpg")
        canvases.append(
            canvas(f"{static_server.url}/{name}", n, iiif_image_server.service(file), image)
        )
    manifest = {
        "@context": CTX,
        "id": f"{static_server.url}/{name}.json",
        "type": "Manifest",
        "label": {"en": [name]},
        "items": canvases,
    }
    url = static_server.write_json(f"{name}.json", manifest)
    corpus_file = tmp_path / f"{name}.txt"
    corpus_file.write_text(url + "\n")
    return str(corpus_file)


def contagions_ingest(corpus_file: str) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "api.cli",
            "ingest",
            corpus_file,
            "--corpus",
            CORPUS,
            "--segmenter",
            "whole",
            "--no-wait",
        ],
        env=os.environ,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr


def settle(db, settings, expected: int, timeout_s: float = 600) -> None:
    """Wait until `expected` illustrations have edges and no cluster update is pending."""
    client = redis.Redis.from_url(settings.broker.broker_url)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        records, _, _ = db.execute_query(
            "MATCH (i:Illustration) WHERE i.edge_set IS NOT NULL RETURN count(i) AS n"
        )
        busy = client.exists(PENDING_KEY.format(corpus=CORPUS), LOCK_KEY.format(corpus=CORPUS))
        if records[0]["n"] == expected and not busy and latest_run_id(db, CORPUS):
            return
        time.sleep(1)
    raise TimeoutError(f"the press did not settle on {expected} illustrations")


def leaves(db, run_id):
    records, _, _ = db.execute_query(
        "MATCH (c:Cluster {run_id: $run, leaf: true})<-[:IN_CLUSTER]-(i) WITH c, i ORDER BY i.id "
        "RETURN c.key AS key, c.size AS size, collect(i.id) AS members ORDER BY key",
        run=run_id,
    )
    return [r.data() for r in records]


@pytest.mark.slow
def test_a_press_in_three_batches_ends_in_the_clusters_of_one(
    clean_graph, clean_broker, settings, static_server, iiif_image_server, start_worker, tmp_path
):
    env = {
        "CONTAGIONS_MODEL__BACKBONE": "efficientnet_lite0",
        "CONTAGIONS_HTTP__ALLOWED_PRIVATE_HOSTS": json.dumps(
            [static_server.endpoint, iiif_image_server.endpoint]
        ),
        "CONTAGIONS_CONTINUOUS__DEBOUNCE_SECONDS": "1",
        "CONTAGIONS_CONTINUOUS__FIRST_FIT_MIN_ILLUSTRATIONS": str(
            len(PERIODICALS["le-petit-journal"])
        ),
    }
    start_worker("ingest", "pages", "gpu", "clusters", env=env, threads=2)
    expected = 0
    for name in PERIODICALS:
        contagions_ingest(write_periodical(static_server, iiif_image_server, name, tmp_path))
        expected += len(PERIODICALS[name])
        settle(clean_graph, settings, expected)

    runs, _, _ = clean_graph.execute_query("MATCH (r:ClusteringRun) RETURN count(r) AS n")
    assert runs[0]["n"] == 1  # one run, updated in place by the later periodicals
    run_id = latest_run_id(clean_graph, CORPUS)
    continuous = leaves(clean_graph, run_id)
    assert continuous and max(c["size"] for c in continuous) >= 2

    # One batch: the same vectors, edges rebuilt from scratch, then a full run.
    record = active_model(clean_graph)
    assert record is not None and record.sample_size == len(PERIODICALS["le-petit-journal"])
    clean_graph.execute_query("MATCH ()-[r:SIMILAR]->() DELETE r")
    clean_graph.execute_query("MATCH (i:Illustration) REMOVE i.edge_set")
    store = make_vector_store(settings)
    store.ensure_collection(record.collection, record.dim)
    build = build_edges(
        clean_graph,
        store=store,
        model=record,
        k=settings.similarity.k,
        min_score=settings.similarity.min_score,
        corpus=CORPUS,
    )
    assert build.queried == expected
    params = params_from_settings(
        clean_graph, similarity=settings.similarity, edge_set=build.edge_set, threshold=None
    )
    one_batch = run_clustering(clean_graph, edge_set=build.edge_set, params=params)
    assert leaves(clean_graph, one_batch.run_id) == continuous

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
import uuid

import pytest
from PIL import Image, ImageOps
from skimage import data

from graph.clusters import latest_run_id
from graph.descriptors import active_model
from tests.support.continuous import leaves, one_batch_run, settle
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
        settle(clean_graph, settings, CORPUS, expected, timeout_s=600)

    runs, _, _ = clean_graph.execute_query("MATCH (r:ClusteringRun) RETURN count(r) AS n")
    assert runs[0]["n"] == 1  # one run, updated in place by the later periodicals
    run_id = latest_run_id(clean_graph, CORPUS)
    continuous = leaves(clean_graph, run_id)
    assert continuous and max(c["size"] for c in continuous) >= 2

    # One batch: the same vectors, edges rebuilt from scratch, then a full run.
    record = active_model(clean_graph)
    assert record is not None and record.sample_size == len(PERIODICALS["le-petit-journal"])
    queried, one_batch = one_batch_run(clean_graph, settings, record, CORPUS)
    assert queried == expected
    assert leaves(clean_graph, one_batch) == continuous

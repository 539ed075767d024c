"""The ingest actors through the real Redis broker and real worker processes, SIGKILL included."""

import json
import signal
import time

import pytest

from api.actors.ingest import enqueue_tasks
from api.pipeline.ingest import start_ingest
from graph.ingest import job_progress

N_MANIFESTS = 24
PAGES_EACH = 5


WORKER_ENV = {
    "CONTAGIONS_HTTP__ALLOWED_PRIVATE_HOSTS": '["127.0.0.1"]',
    # A killed worker's unacknowledged messages come back after 3 s, not a minute.
    "CONTAGIONS_BROKER__HEARTBEAT_TIMEOUT_MS": "3000",
    "CONTAGIONS_BROKER__MAINTENANCE_CHANCE": "200000",
}


def wait_for(db, job_id, condition, timeout_s):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        progress = job_progress(db, job_id)
        if condition(progress):
            return progress
        time.sleep(0.2)
    pytest.fail(f"job did not get there in {timeout_s}s: {job_progress(db, job_id)}")


@pytest.fixture
def corpus_uris(static_server, shared_dir):
    book = json.loads((shared_dir / "fixtures/iiif/cookbook-0009-book-1-v3.json").read_text())
    uris = []
    for n in range(N_MANIFESTS):
        url = f"{static_server.url}/book-{n}.json"
        static_server.write_json(f"book-{n}.json", book | {"id": url, "label": {"en": [f"B {n}"]}})
        uris.append(url)
    static_server.delay_s = 0.25  # slow enough to kill the worker halfway
    return uris


def test_sigkill_mid_corpus_loses_and_duplicates_nothing(
    clean_graph, clean_broker, corpus_uris, start_worker
):
    worker = start_worker("ingest", env=WORKER_ENV, threads=2)
    job_id = start_ingest(clean_graph, corpus="killed", uris=corpus_uris, enqueue=enqueue_tasks)
    wait_for(clean_graph, job_id, lambda p: p.done >= 4, 120)
    worker.stop(signal.SIGKILL)
    halfway = job_progress(clean_graph, job_id)
    assert halfway.done < N_MANIFESTS

    start_worker("ingest", env=WORKER_ENV, threads=2)
    final = wait_for(clean_graph, job_id, lambda p: p.finished, 180)
    assert (final.done, final.failed, final.manifests) == (N_MANIFESTS, 0, N_MANIFESTS)
    assert final.pages == N_MANIFESTS * PAGES_EACH
    records, _, _ = clean_graph.execute_query(
        "MATCH (i:Issue) OPTIONAL MATCH (i)-[:HAS_PAGE]->(p:Page) "
        "RETURN count(DISTINCT i) AS issues, count(p) AS pages, "
        "       count(DISTINCT p) AS distinct_pages"
    )
    assert records[0].data() == {
        "issues": N_MANIFESTS,
        "pages": N_MANIFESTS * PAGES_EACH,
        "distinct_pages": N_MANIFESTS * PAGES_EACH,
    }

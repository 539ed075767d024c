"""The ingest actors through the real Redis broker and real worker processes, SIGKILL included."""

import json
import signal
import time

import pytest

from api.actors.ingest import enqueue_tasks
from api.pipeline.ingest import start_ingest
from graph.ingest import job_failures, job_progress

N_MANIFESTS = 24
PAGES_EACH = 5


# The broker's default heartbeat and maintenance: recovery is measured as users get it.
def worker_env(*servers) -> dict[str, str]:
    """Workers may harvest these loopback servers (exact endpoints, as settings require)."""
    return {"CONTAGIONS_HTTP__ALLOWED_PRIVATE_HOSTS": json.dumps([s.endpoint for s in servers])}


RECOVERY_BOUND_S = 60


def wait_ready(worker, timeout_s=120):
    deadline = time.monotonic() + timeout_s
    while "ready for action" not in worker.tail(100_000):
        if time.monotonic() > deadline:
            pytest.fail(f"worker not ready in {timeout_s}s:\n{worker.tail()}")
        time.sleep(0.2)


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
    clean_graph, clean_broker, corpus_uris, static_server, start_worker
):
    # Both workers are up before one dies, so that what is timed is the broker giving the
    # killed worker's prefetched messages back, not a process start.
    worker = start_worker("ingest", env=worker_env(static_server), threads=2)
    survivor = start_worker("ingest", env=worker_env(static_server), threads=1)
    wait_ready(worker)
    wait_ready(survivor)
    static_server.delay_s = 1.0  # the corpus takes ~10 s: the kill lands halfway
    job_id = start_ingest(clean_graph, corpus="killed", uris=corpus_uris, enqueue=enqueue_tasks)
    wait_for(clean_graph, job_id, lambda p: p.done >= 4, 120)
    worker.stop(signal.SIGKILL)
    killed_at = time.monotonic()
    halfway = job_progress(clean_graph, job_id)
    assert halfway.done < N_MANIFESTS
    # They must come back on their own within a minute (~7.5 min with Dramatiq's default
    # maintenance chance and no heartbeat thread).
    final = wait_for(clean_graph, job_id, lambda p: p.harvested, RECOVERY_BOUND_S + 30)
    recovered_s = time.monotonic() - killed_at
    print(f"recovered {N_MANIFESTS - halfway.done} manifests {recovered_s:.1f} s after kill -9")
    assert recovered_s < RECOVERY_BOUND_S
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


@pytest.mark.parametrize("batched", [False, True], ids=["one-task-messages", "one-message"])
def test_a_hostile_manifest_fails_alone_with_its_reason(
    clean_graph, clean_broker, static_server, start_worker, batched
):
    """An exception the pipeline does not expect (here Neo4j refusing to index a 10,000-char
    manifest id) is retried, then recorded on its task on the last attempt: the job finishes
    with exactly that task failed and the exception's type and message as its reason. In one
    message with the good manifests, the shared write fails and they are written one by one."""
    from api.actors.ingest import harvest_task, harvest_tasks

    book = json.loads((static_server.root / "fixtures/cookbook-0009-book-1-v3.json").read_text())
    uris = [
        static_server.write_json(f"good-{n}.json", book | {"id": f"{static_server.url}/good-{n}"})
        for n in range(3)
    ]
    hostile = static_server.write_json(
        "hostile.json", book | {"id": "https://example.org/" + "a" * 10_000}
    )

    def enqueue_quickly(task_ids):
        # Retries as the actor declares them, without minutes of backoff.
        quick = {"max_retries": 2, "min_backoff": 100, "max_backoff": 300}
        if batched:
            harvest_tasks.send_with_options(args=(list(task_ids),), **quick)
            return
        for task_id in task_ids:
            harvest_task.send_with_options(args=(task_id,), **quick)

    start_worker("ingest", env=worker_env(static_server), threads=2)
    job_id = start_ingest(
        clean_graph, corpus="hostile", uris=[*uris, hostile], enqueue=enqueue_quickly
    )
    final = wait_for(clean_graph, job_id, lambda p: p.harvested, 120)
    assert (final.done, final.failed, final.manifests) == (3, 1, 3)
    [failure] = job_failures(clean_graph, job_id)
    assert failure.uri == hostile
    assert failure.reason.startswith("DatabaseError: ")
    assert "too large to index" in failure.reason

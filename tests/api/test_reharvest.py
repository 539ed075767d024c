"""Re-harvest on a schedule: a corpus is read again with conditional requests, from a real
static IIIF server whose manifest changes between two harvests."""

import json
import os
import time
from collections import deque

import pytest

from api.actors.ingest import enqueue_tasks
from api.pipeline.ingest import process_task, start_ingest
from api.pipeline.reharvest import reharvest_corpus, reharvest_due
from api.settings import IngestSettings
from graph.corpora import claim_reharvest, root_uris
from graph.ingest import job_progress
from ingest.fetch import FetchConfig, Fetcher
from ingest.urls import UrlPolicy

BOOK = "fixtures/iiif/cookbook-0009-book-1-v3.json"  # 5 canvases


@pytest.fixture
def two_books(static_server, shared_dir):
    """Two manifests; returns (uris, a function that drops canvases from the second)."""
    source = json.loads((shared_dir / BOOK).read_text())
    uris = []
    for n in range(2):
        url = f"{static_server.url}/book-{n}.json"
        static_server.write_json(f"book-{n}.json", source | {"id": url})
        uris.append(url)

    def shorten_second(keep: int) -> None:
        path = static_server.root / "book-1.json"
        later = path.stat().st_mtime + 60  # Last-Modified has a one-second resolution
        static_server.write_json(
            "book-1.json", source | {"id": uris[1]} | {"items": source["items"][:keep]}
        )
        os.utime(path, (later, later))

    return uris, shorten_second


def pages_of(db, uri):
    records, _, _ = db.execute_query(
        "MATCH (i:Issue {manifest_uri: $uri})-[:HAS_PAGE]->(p:Page) RETURN count(p) AS n", uri=uri
    )
    return records[0]["n"]


def drain(db, fetcher, queue):
    while queue:
        process_task(db, queue.popleft(), fetcher=fetcher, enqueue=queue.extend)


def test_a_reharvest_reads_changed_manifests_and_gets_304_for_the_others(
    clean_graph, static_server, two_books
):
    uris, shorten_second = two_books
    policy = UrlPolicy.allowing([static_server.endpoint])
    with Fetcher(FetchConfig(user_agent="t", retries=1, backoff_base_s=0.01), policy) as fetcher:
        queue: deque[str] = deque()
        start_ingest(clean_graph, corpus="books", uris=uris, enqueue=queue.extend)
        drain(clean_graph, fetcher, queue)
        assert [pages_of(clean_graph, u) for u in uris] == [5, 5]
        assert root_uris(clean_graph, "books") == uris

        shorten_second(3)
        static_server.answers.clear()
        started = reharvest_corpus(clean_graph, corpus="books", enqueue=queue.extend)
        drain(clean_graph, fetcher, queue)

    assert started.job_id is not None and started.uris == 2
    assert sorted(static_server.answers) == [("/book-0.json", 304), ("/book-1.json", 200)]
    assert [pages_of(clean_graph, u) for u in uris] == [5, 3]
    progress = job_progress(clean_graph, started.job_id)
    assert (progress.done, progress.failed, progress.pages) == (2, 0, 8)
    assert reharvest_corpus(clean_graph, corpus="nobody", enqueue=queue.extend).job_id is None


def test_a_corpus_is_due_once_per_interval(clean_graph, static_server, two_books):
    uris, _ = two_books
    start_ingest(clean_graph, corpus="books", uris=uris, enqueue=lambda ids: None)
    # The job was just created: not due within an hour, due after a few milliseconds.
    assert not claim_reharvest(clean_graph, "books", 3600)
    time.sleep(0.05)
    assert claim_reharvest(clean_graph, "books", 0.01)
    # The claim counts as a harvest: a second worker asking at once gets nothing.
    assert not claim_reharvest(clean_graph, "books", 1)

    sent: list[str] = []
    hourly = IngestSettings(reharvest_interval_s=3600)
    assert reharvest_due(clean_graph, settings=hourly, enqueue=sent.extend) == []
    time.sleep(0.05)
    often = IngestSettings(reharvest_interval_s_by_corpus={"books": 0.01})
    started = reharvest_due(clean_graph, settings=often, enqueue=sent.extend)
    assert [s.corpus for s in started] == ["books"] and len(sent) == 2
    never = IngestSettings(reharvest_interval_s=0.01, reharvest_interval_s_by_corpus={"books": 0})
    time.sleep(0.05)
    assert reharvest_due(clean_graph, settings=never, enqueue=sent.extend) == []


@pytest.mark.slow
def test_workers_reharvest_on_their_own(
    clean_graph, clean_broker, static_server, two_books, start_worker
):
    uris, shorten_second = two_books
    env = {
        "CONTAGIONS_HTTP__ALLOWED_PRIVATE_HOSTS": json.dumps([static_server.endpoint]),
        "CONTAGIONS_INGEST__REHARVEST_INTERVAL_S": "3",
        "CONTAGIONS_INGEST__REHARVEST_CHECK_S": "0.5",
    }
    start_worker("ingest", env=env)
    start_ingest(clean_graph, corpus="books", uris=uris, enqueue=enqueue_tasks)
    deadline = time.monotonic() + 300  # generous: the box is shared
    while [pages_of(clean_graph, u) for u in uris] != [5, 5]:
        assert time.monotonic() < deadline, "the first harvest did not finish"
        time.sleep(0.3)
    shorten_second(2)
    static_server.answers.clear()

    # No command: the workers' clock starts a re-harvest once the interval has passed.
    while pages_of(clean_graph, uris[1]) != 2:
        assert time.monotonic() < deadline, f"no re-harvest came: {static_server.answers}"
        time.sleep(0.3)
    assert pages_of(clean_graph, uris[0]) == 5
    assert ("/book-0.json", 304) in static_server.answers
    jobs, _, _ = clean_graph.execute_query(
        "MATCH (:Corpus {name: 'books'})-[:HAS_JOB]->(j) RETURN count(j) AS n"
    )
    assert jobs[0]["n"] >= 2


def test_contagions_reharvest_starts_a_job_per_corpus(clean_graph, clean_broker, two_books):
    import subprocess
    import sys

    uris, _ = two_books
    start_ingest(clean_graph, corpus="books", uris=uris, enqueue=lambda ids: None)
    done = subprocess.run(
        [sys.executable, "-m", "api.cli", "reharvest", "books", "nobody"],
        env=os.environ,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    assert "books: ingest job job_" in done.stdout and "2 URIs queued" in done.stdout
    assert "nobody: nothing to re-harvest" in done.stdout
    jobs, _, _ = clean_graph.execute_query(
        "MATCH (:Corpus {name: 'books'})-[:HAS_JOB]->(j) RETURN count(j) AS n"
    )
    assert jobs[0]["n"] == 2
    due = subprocess.run(
        [sys.executable, "-m", "api.cli", "reharvest", "--due"],
        env=os.environ,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert due.returncode == 0 and "no corpus is due" in due.stdout

"""Stage accounting and the reconciler through the real Redis broker and real workers: a job
whose messages were lost finishes on its own with the same counts, a unit that fails is
reported with its reason, and `contagions job --wait` exits non-zero for it."""

import json
import os
import subprocess
import sys
import time
import uuid

import pytest
import redis
from PIL import Image
from skimage import data

from api.pipeline.ingest import start_ingest
from api.pipeline.jobs import job_stages
from tests.support.press import fit_small_model, ingest_pictures, loopback_fetcher, write_manifest

GOOD_PAGES = 3


def pictures(prefix: str, n: int) -> list[tuple[str, Image.Image]]:
    colours = ["red", "green", "blue", "yellow", "white"]
    return [
        (f"{prefix}-{uuid.uuid4().hex[:8]}", Image.new("RGB", (90 + 10 * k, 120), colours[k]))
        for k in range(n)
    ]


def worker_env(*servers, **settings: str) -> dict[str, str]:
    endpoints = json.dumps([s.endpoint for s in servers])
    return {"CONTAGIONS_HTTP__ALLOWED_PRIVATE_HOSTS": endpoints} | {
        f"CONTAGIONS_{name.upper()}": value for name, value in settings.items()
    }


@pytest.fixture
def two_manifests(static_server, iiif_image_server):
    """A good manifest and one of whose two pages has no image (404): 5 pages, 1 failing."""
    good = write_manifest(
        f"good-{uuid.uuid4().hex[:6]}",
        pictures("good", GOOD_PAGES),
        static_server=static_server,
        iiif_image_server=iiif_image_server,
    )
    broken_pictures = pictures("broken", 2)
    broken = write_manifest(
        f"broken-{uuid.uuid4().hex[:6]}",
        broken_pictures,
        static_server=static_server,
        iiif_image_server=iiif_image_server,
    )
    (iiif_image_server.image_dir / f"{broken_pictures[1][0]}.jpg").unlink()
    return [good, broken]


def wait_finished(db, settings, job_id, timeout_s):
    deadline = time.monotonic() + timeout_s
    progress = None
    while time.monotonic() < deadline:
        progress = job_stages(
            db, job_id, similarity=settings.similarity, continuous=settings.continuous
        )
        if progress is not None and progress.finished:
            return progress
        time.sleep(0.3)
    pytest.fail(f"job not finished in {timeout_s}s: {progress}")


def stage_counts(progress):
    return {s.name: (s.done, s.pending, s.failed) for s in progress.stages if s.tracked}


def cli(*args, env):
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        env=os.environ | env,
        capture_output=True,
        text=True,
        timeout=240,
    )


def test_lost_messages_are_sent_again_and_the_job_ends_with_its_failure(
    clean_graph,
    clean_broker,
    settings,
    two_manifests,
    static_server,
    iiif_image_server,
    start_worker,
):
    env = worker_env(
        static_server, iiif_image_server, reconcile__interval_s="1", reconcile__deadline_s="1"
    )
    start_worker("ingest", "pages", env=env, threads=2)
    # The messages are lost: the tasks are in the graph, never in the broker.
    job_id = start_ingest(
        clean_graph,
        corpus="lost",
        uris=two_manifests,
        enqueue=lambda ids: None,
        segmenter="layout",
    )
    final = wait_finished(clean_graph, settings, job_id, 180)
    counts = stage_counts(final)
    assert counts["manifests"] == (2, 0, 0)
    assert counts["pages"] == (GOOD_PAGES + 2, 0, 0)
    assert counts["segmented"] == (GOOD_PAGES + 1, 0, 1)
    assert final.has_failures
    records, _, _ = clean_graph.execute_query(
        "MATCH (t:IngestTask) RETURN min(t.resent) AS resent, count(t) AS tasks"
    )
    assert records[0]["resent"] >= 1 and records[0]["tasks"] == 2

    waited = cli("job", job_id, "--wait", env=env)
    assert waited.returncode == 1, waited.stdout + waited.stderr
    assert "finished with failures" in waited.stdout
    assert "segmented" in waited.stdout and "HttpStatusError" in waited.stdout
    report = json.loads(cli("job", job_id, "--json", env=env).stdout)
    assert report["finished"] and report["has_failures"]
    [group] = report["failure_groups"]
    assert group["stage"] == "segmented" and group["count"] == 1
    assert group["reason"] == "HttpStatusError: <url> answered HTTP <n>"


def test_resume_sends_a_stuck_job_again(
    clean_graph, clean_broker, settings, static_server, iiif_image_server, start_worker
):
    url = write_manifest(
        f"stuck-{uuid.uuid4().hex[:6]}",
        pictures("stuck", GOOD_PAGES),
        static_server=static_server,
        iiif_image_server=iiif_image_server,
    )
    env = worker_env(static_server, iiif_image_server, reconcile__enabled="false")
    start_worker("ingest", "pages", env=env)
    job_id = start_ingest(
        clean_graph, corpus="stuck", uris=[url], enqueue=lambda ids: None, segmenter="whole"
    )
    time.sleep(3)  # no reconciler runs: the job stays where the lost message left it
    stuck = job_stages(
        clean_graph, job_id, similarity=settings.similarity, continuous=settings.continuous
    )
    assert stage_counts(stuck)["manifests"] == (0, 1, 0) and not stuck.finished

    resumed = cli("job", job_id, "--resume", "--wait", env=env)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "sent again: 1 manifests" in resumed.stdout
    assert "job " + job_id in resumed.stdout and ": finished" in resumed.stdout
    final = job_stages(
        clean_graph, job_id, similarity=settings.similarity, continuous=settings.continuous
    )
    assert stage_counts(final)["segmented"] == (GOOD_PAGES, 0, 0)
    assert final.finished and not final.has_failures


def test_messages_deleted_from_redis_are_sent_again(
    clean_graph, clean_broker, settings, static_server, iiif_image_server, start_worker
):
    """Page messages waiting in Redis are left alone (their queue is busy); deleted, as a
    broker restarted without its data would lose them, they are sent again."""
    from api.actors.ingest import enqueue_tasks

    url = write_manifest(
        f"deleted-{uuid.uuid4().hex[:6]}",
        pictures("deleted", GOOD_PAGES),
        static_server=static_server,
        iiif_image_server=iiif_image_server,
    )
    env = worker_env(
        static_server, iiif_image_server, reconcile__interval_s="1", reconcile__deadline_s="1"
    )
    start_worker("ingest", env=env)
    job_id = start_ingest(
        clean_graph, corpus="deleted", uris=[url], enqueue=enqueue_tasks, segmenter="whole"
    )
    client = redis.Redis.from_url(settings.broker.broker_url)
    deadline = time.monotonic() + 120
    while not client.hlen("dramatiq:pages.msgs") and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(3)  # three reconciler rounds past the deadline: the busy queue is left alone
    assert client.hlen("dramatiq:pages.msgs") == 1
    records, _, _ = clean_graph.execute_query(
        "MATCH (pg:Page) RETURN sum(coalesce(pg.segment_resent, 0)) AS resent"
    )
    assert records[0]["resent"] == 0
    client.delete("dramatiq:pages", "dramatiq:pages.msgs")

    start_worker("pages", env=env)
    final = wait_finished(clean_graph, settings, job_id, 180)
    assert stage_counts(final)["segmented"] == (GOOD_PAGES, 0, 0)
    records, _, _ = clean_graph.execute_query(
        "MATCH (pg:Page) RETURN min(pg.segment_resent) AS resent, count(pg) AS pages"
    )
    assert records[0]["resent"] >= 1 and records[0]["pages"] == GOOD_PAGES


@pytest.mark.slow
def test_the_whole_chain_is_accounted_to_the_edges(
    clean_graph, clean_broker, settings, static_server, iiif_image_server, start_worker, tmp_path
):
    """Illustrations segmented in-process, their "to embed" messages never sent: the reconciler
    of a gpu + clusters worker sends them, then continuous mode gives them edges, and the job
    counts every stage to the end."""
    pictures = [
        (f"chain-{name}-{uuid.uuid4().hex[:6]}", Image.fromarray(getattr(data, name)()))
        for name in ("astronaut", "coffee", "chelsea", "rocket")
    ]
    with loopback_fetcher(static_server, iiif_image_server) as fetcher:
        ids = ingest_pictures(
            clean_graph,
            corpus="chain",
            pictures=[(name, image.convert("RGB")) for name, image in pictures],
            static_server=static_server,
            iiif_image_server=iiif_image_server,
            fetcher=fetcher,
        )
        fit_small_model(clean_graph, ids, fetcher=fetcher, artifact_dir=tmp_path / "models")
    records, _, _ = clean_graph.execute_query("MATCH (j:IngestJob) RETURN j.id AS id")
    [job_id] = [r["id"] for r in records]
    before = job_stages(
        clean_graph, job_id, similarity=settings.similarity, continuous=settings.continuous
    )
    assert stage_counts(before)["embedded"] == (0, len(ids), 0)
    assert stage_counts(before)["edges"] == (0, 0, 0)

    env = worker_env(
        static_server,
        iiif_image_server,
        model__backbone="efficientnet_lite0",
        continuous__debounce_seconds="1",
        reconcile__interval_s="1",
        reconcile__deadline_s="1",
    )
    start_worker("gpu", "clusters", env=env, threads=2)
    final = wait_finished(clean_graph, settings, job_id, 300)
    counts = stage_counts(final)
    assert counts["embedded"] == (len(ids), 0, 0)
    assert counts["edges"] == (len(ids), 0, 0)
    assert counts["segmented"] == (len(ids), 0, 0) and not final.has_failures

"""Fault injection: the reduced press through real workers, with a fault mid-corpus.

Every test harvests the same small press (manifests of a few pages, each page one illustration
with the `whole` segmenter) through real `ingest`, `pages` and `gpu` workers, injects one fault
halfway, and must end, with no human step and within a bound, with the counts a clean run of
the module gets: issues, pages, segmented pages, illustrations, vectors in the store. What a
test injects is done to this session's own services only (the ports and data dir the settings
name), as a supervisor would: the killed or stopped process is started again by the test.

Run with `-s` to read the recovery times and counts.
"""

from __future__ import annotations

import json
import os
import signal
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import pytest
from PIL import Image
from skimage import data

from api.actors.ingest import harvest_tasks
from api.pipeline.ingest import start_ingest
from api.resources import make_vector_store
from api.services.manager import local_neo4j, local_redis, vector_service
from api.services.process import port_open, read_pid, wait_until
from graph.ingest import job_failures, job_progress
from graph.maintenance import wipe_graph
from tests.support.press import canvas, fit_small_model, ingest_pictures, loopback_fetcher
from tests.support.servers import StaticServer
from tests.support.workers import WorkerProcess

pytestmark = pytest.mark.faults

N_MANIFESTS = 6
PAGES_EACH = 2
PICTURES = ("astronaut", "coffee", "chelsea", "rocket", "camera", "cat")
# Slow enough manifests that a fault lands while most of the corpus is still to do.
MANIFEST_DELAY_S = 0.6
CONVERGE_S = 150  # a fault test must reach the clean counts this long after its fault
# Neo4j's own restart under load (two shared cores) was measured at 35-130 s before a query
# runs, and the workers' first attempts after it at up to ~2 min more.
NEO4J_CONVERGE_S = 240
QUEUES = ("ingest", "pages", "gpu")


@dataclass(frozen=True)
class Counts:
    manifests: int
    issues: int
    pages: int
    pages_segmented: int
    illustrations: int
    indexed: int
    vectors: int


class Fleet:
    """The module's workers; a test may kill one and start its replacement, as a supervisor."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = env
        self.logs = logs
        self.workers: list[WorkerProcess] = []

    def start(self, threads: int) -> WorkerProcess:
        log = self.logs / f"worker-{len(self.workers)}.log"
        worker = WorkerProcess(QUEUES, self.env, log, threads)
        self.workers.append(worker)
        return worker

    def wait_ready(self, timeout_s: float = 180) -> None:
        deadline = time.monotonic() + timeout_s
        for worker in self.alive():
            while "ready for action" not in worker.tail(1_000_000):
                if time.monotonic() > deadline or worker.process.poll() is not None:
                    pytest.fail(f"worker not ready:\n{worker.tail()}")
                time.sleep(0.2)

    def alive(self) -> list[WorkerProcess]:
        return [w for w in self.workers if w.process.poll() is None]

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()

    def tails(self) -> str:
        """What went wrong in each worker: its warnings and errors, then its last lines."""
        parts = []
        for n, worker in enumerate(self.workers):
            lines = worker.tail(10_000_000).splitlines()
            notable = [line for line in lines if "] [WARNING]" in line or "ERROR]" in line]
            parts.append(
                f"----- worker {n} ({worker.log}) -----\n"
                + "\n".join(line[:300] for line in notable[-40:])
                + "\n...\n"
                + "\n".join(lines[-15:])
            )
        return "\n".join(parts)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    server = StaticServer(tmp_path_factory.mktemp("press-site"))
    yield server
    server.close()


@pytest.fixture(scope="module")
def pictures(iiif_image_server) -> list[str]:
    """The press's pictures on the IIIF image server (small: the run is about recovery)."""
    names = []
    for name in PICTURES:
        image = Image.fromarray(getattr(data, name)()).convert("RGB")
        image.thumbnail((192, 192))
        file = f"faults-{name}"
        image.save(iiif_image_server.image_dir / f"{file}.jpg")
        names.append(file)
    return names


@pytest.fixture(scope="module")
def model(db, services, site, iiif_image_server, tmp_path_factory):
    """A fresh graph with one small descriptor model, so that workers embed what they segment."""
    wipe_graph(db)
    sample = []
    for name in PICTURES[:4]:
        image = Image.fromarray(getattr(data, name)()).convert("RGB")
        image.thumbnail((192, 192))
        sample.append((f"faults-model-{name}", image))
    with loopback_fetcher(site, iiif_image_server) as fetcher:
        ids = ingest_pictures(
            db,
            corpus="faults-model",
            pictures=sample,
            static_server=site,
            iiif_image_server=iiif_image_server,
            fetcher=fetcher,
        )
        return fit_small_model(
            db, ids, fetcher=fetcher, artifact_dir=tmp_path_factory.mktemp("models")
        )


@pytest.fixture(scope="module")
def store(settings, model):
    store = make_vector_store(settings)
    store.ensure_collection(model.collection, model.dim)
    yield store
    store.close()


@pytest.fixture(scope="module")
def fleet(settings, services, site, iiif_image_server, tmp_path_factory):
    """Two workers on the ingest, pages and gpu queues (they boot while the model is fitted)."""
    import redis

    client = redis.Redis.from_url(settings.broker.broker_url)
    client.flushdb()
    client.close()
    env = {
        "CONTAGIONS_HTTP__ALLOWED_PRIVATE_HOSTS": json.dumps(
            [site.endpoint, iiif_image_server.endpoint]
        ),
        "CONTAGIONS_MODEL__BACKBONE": "efficientnet_lite0",
        "CONTAGIONS_MODEL__ALLOW_DOWNLOAD": "false",
        "CONTAGIONS_CONTINUOUS__ENABLED": "false",
        "CONTAGIONS_INGEST__PAGE_BATCH_SIZE": "2",
    }
    fleet = Fleet(env, tmp_path_factory.mktemp("workers"))
    fleet.start(threads=2)
    fleet.start(threads=1)
    yield fleet
    fleet.stop()


@pytest.fixture
def show_workers_on_failure(request, fleet):
    yield
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        print(f"\n{fleet.tails()}")


class PressRun:
    """One harvest of the press under its own corpus and manifest URLs."""

    def __init__(self, db, store, site, iiif_image_server, pictures, tag: str) -> None:
        self.db = db
        self.store = store
        self.tag = tag
        self.uris = []
        for m in range(N_MANIFESTS):
            base = f"{site.url}/{tag}/{m}"
            canvases = [
                canvas(
                    base,
                    p,
                    iiif_image_server.service(pictures[(m + p) % len(pictures)]),
                    Image.new("RGB", (192, 160)),
                )
                for p in range(PAGES_EACH)
            ]
            manifest = {
                "@context": "http://iiif.io/api/presentation/3/context.json",
                "id": f"{base}.json",
                "type": "Manifest",
                "label": {"en": [f"Le Petit {tag} n° {m}"]},
                "items": canvases,
            }
            self.uris.append(site.write_json(f"{tag}-{m}.json", manifest))
        self.job_id: str | None = None

    def start(self, extra_uris: tuple[str, ...] = (), **options: int) -> str:
        def enqueue(task_ids: list[str]) -> None:
            # One task a message: the manifests spread over the workers.
            for task_id in task_ids:
                harvest_tasks.send_with_options(args=([task_id],), **options)

        self.job_id = start_ingest(
            self.db,
            corpus=self.tag,
            uris=[*self.uris, *extra_uris],
            enqueue=enqueue,
            segmenter="whole",
        )
        return self.job_id

    def progress(self):
        return job_progress(self.db, self.job_id)

    def counts(self) -> Counts:
        p = self.progress()
        records, _, _ = self.db.execute_query(
            "MATCH (:IngestJob {id: $job})-[:HAS_TASK]->(t:IngestTask) "
            "WHERE t.issue_id IS NOT NULL "
            "MATCH (s:Issue {id: t.issue_id}) "
            "OPTIONAL MATCH (s)-[:HAS_PAGE]->(:Page)-[:HAS_ILLUSTRATION]->(i:Illustration) "
            "RETURN count(DISTINCT s) AS issues, collect(DISTINCT i.id) AS ids",
            job=self.job_id,
        )
        ids = records[0]["ids"]
        return Counts(
            manifests=p.manifests,
            issues=records[0]["issues"],
            pages=p.pages,
            pages_segmented=p.pages_segmented,
            illustrations=p.illustrations_found,
            indexed=p.illustrations_indexed,
            vectors=len(self.store.retrieve(ids)) if ids else 0,
        )

    def wait(self, condition, timeout_s: float, what: str):
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                p = self.progress()
                if p is not None and condition(p):
                    return p
            except Exception as exc:  # the test's own reads during an outage
                print(f"  (reading progress: {type(exc).__name__})")
                time.sleep(1)
            if time.monotonic() > deadline:
                pytest.fail(f"{self.tag}: not {what} in {timeout_s:.0f}s: {self.progress()}")
            time.sleep(0.2)

    def settle(self, expected: Counts | None, timeout_s: float) -> Counts:
        """Until the job is finished and, with `expected`, the counts reached it."""
        deadline = time.monotonic() + timeout_s
        last = None
        while time.monotonic() < deadline:
            try:
                p = self.progress()
                if p.finished and p.pages_segmented + p.pages_failed == p.pages:
                    last = self.counts()
                    if expected is None and last.indexed == last.illustrations == last.vectors:
                        return last
                    if last == expected:
                        return last
            except Exception as exc:  # the test's own reads while a service restarts
                print(f"  (reading counts: {type(exc).__name__}: {str(exc)[:120]})")
                time.sleep(1)
            time.sleep(0.3)
        now = self.counts()
        pytest.fail(
            f"{self.tag}: counts {now} after {timeout_s:.0f}s, clean run {expected}; "
            f"{self.progress()}; failures {job_failures(self.db, self.job_id)}"
        )


@pytest.fixture
def press(fleet, db, store, site, iiif_image_server, pictures, show_workers_on_failure):
    site.delay_s = MANIFEST_DELAY_S
    runs = []

    def make(tag: str) -> PressRun:
        run = PressRun(db, store, site, iiif_image_server, pictures, tag)
        runs.append(run)
        return run

    yield make
    site.delay_s = 0.0


@pytest.fixture(scope="module")
def clean_counts(fleet, db, store, site, iiif_image_server, pictures) -> Counts:
    """The counts every fault test must reach: the press without a fault."""
    fleet.wait_ready()
    site.delay_s = MANIFEST_DELAY_S
    run = PressRun(db, store, site, iiif_image_server, pictures, "clean")
    started = time.monotonic()
    run.start()
    counts = run.settle(None, CONVERGE_S)
    site.delay_s = 0.0
    print(f"\nclean run: {asdict(counts)} in {time.monotonic() - started:.1f} s")
    assert counts.manifests == counts.issues == N_MANIFESTS
    assert counts.pages == counts.pages_segmented == N_MANIFESTS * PAGES_EACH
    assert counts.illustrations == counts.indexed == counts.vectors == N_MANIFESTS * PAGES_EACH
    return counts


def mid_corpus(run: PressRun) -> None:
    """Until some manifests are harvested and most are not."""
    run.wait(lambda p: p.done >= 2, 120, "started")
    assert run.progress().done < N_MANIFESTS, "the fault would not land mid-corpus"


def answers(db) -> bool:
    try:
        db.execute_query("RETURN 1")
    except Exception:
        return False
    return True


def report(name: str, counts: Counts, **times: float) -> None:
    figures = ", ".join(f"{k} {v:.1f} s" for k, v in times.items())
    print(f"\n{name}: {figures}; counts {asdict(counts)}")


def test_kill_9_of_a_worker_mid_corpus(press, clean_counts, fleet):
    run = press("killed")
    run.start()
    mid_corpus(run)
    victim = fleet.alive()[0]
    victim.stop(signal.SIGKILL)
    killed_at = time.monotonic()
    fleet.start(threads=2)  # the supervisor's restart; the other worker stays up
    counts = run.settle(clean_counts, CONVERGE_S)
    report("kill -9 of a worker", counts, recovered=time.monotonic() - killed_at)
    assert run.progress().failed == 0 and run.progress().pages_failed == 0


def test_redis_stopped_and_restarted_mid_corpus(press, clean_counts, settings):
    run = press("redis")
    run.start()
    mid_corpus(run)
    redis_server = local_redis(settings)
    stopped_at = time.monotonic()
    try:
        assert redis_server.stop()
        time.sleep(12)
    finally:  # never leave the session without its broker
        redis_server.start()
    back_at = time.monotonic()
    counts = run.settle(clean_counts, CONVERGE_S)
    report(
        "Redis stopped",
        counts,
        outage=back_at - stopped_at,
        recovered_after_restart=time.monotonic() - back_at,
    )
    assert run.progress().failed == 0 and run.progress().pages_failed == 0


def test_neo4j_stopped_and_restarted_mid_corpus(press, clean_counts, settings):
    run = press("neo4j")
    run.start()
    mid_corpus(run)
    neo4j_server = local_neo4j(settings)
    stopped_at = time.monotonic()
    try:
        assert neo4j_server.stop()
        time.sleep(3)
    finally:  # never leave the session without its graph
        neo4j_server.start()
    # Bolt answers before the database is available: the outage ends when a query runs.
    assert wait_until(lambda: answers(run.db), 120)
    back_at = time.monotonic()
    counts = run.settle(clean_counts, NEO4J_CONVERGE_S)
    report(
        "Neo4j stopped",
        counts,
        outage=back_at - stopped_at,
        recovered_after_restart=time.monotonic() - back_at,
    )
    assert run.progress().failed == 0 and run.progress().pages_failed == 0


def test_kill_9_of_the_vector_service_mid_corpus(press, clean_counts, settings):
    run = press("vectors")
    run.start()
    run.wait(lambda p: p.illustrations_indexed >= 2, 120, "indexing")
    service = vector_service(settings)
    host, port = settings.vectors.service_host, settings.vectors.service_port
    pid = read_pid(service.pid_file)
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    killed_at = time.monotonic()
    assert run.progress().illustrations_indexed < N_MANIFESTS * PAGES_EACH, "not mid-corpus"
    try:
        assert wait_until(lambda: not port_open(host, port), 10)
        time.sleep(2)
    finally:  # never leave the session without its vector service
        service.start(ready=lambda: port_open(host, port), timeout_s=60)
    back_at = time.monotonic()
    counts = run.settle(clean_counts, CONVERGE_S)
    report(
        "kill -9 of the vector service",
        counts,
        outage=back_at - killed_at,
        recovered_after_restart=time.monotonic() - back_at,
    )
    assert run.progress().failed == 0 and run.progress().pages_failed == 0


def test_a_hostile_manifest_in_the_corpus_fails_alone(press, clean_counts, site):
    """Neo4j refuses to index a 10,000-character id: an exception nobody expected, retried,
    then recorded on its task with its type and message; the rest of the corpus is whole."""
    run = press("hostile")
    book = json.loads(Path(site.root / run.uris[0].rsplit("/", 1)[1]).read_text())
    hostile = site.write_json("hostile.json", book | {"id": "https://example.org/" + "a" * 10_000})
    started = time.monotonic()
    # The actor's retries without minutes of backoff.
    run.start((hostile,), max_retries=2, min_backoff=100, max_backoff=300)
    counts = run.settle(clean_counts, CONVERGE_S)
    report("one hostile manifest", counts, finished=time.monotonic() - started)
    final = run.progress()
    assert (final.done, final.failed) == (N_MANIFESTS, 1)
    [failure] = job_failures(run.db, run.job_id)
    assert failure.uri == hostile
    assert failure.reason.startswith("DatabaseError: ") and "too large to index" in failure.reason

"""Workers on two hosts for real: two Linux network namespaces, each a host with its own
address, its own network stack and one ingest worker, reaching Redis, Neo4j, the vector service
and the IIIF server over veth links. The services of this test bind to the bridge address the
test assigns (10.231.K.1, never a loopback or another network), and the corpus must come out
whole, processed by both hosts.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

N_MANIFESTS = 24
PAGES_EACH = 5  # the shared cookbook book has 5 canvases


def _ip(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=False)


class TwoHosts:
    """A bridge in this namespace (10.231.K.1/24) and two namespaces on it (.11 and .12)."""

    def __init__(self) -> None:
        tag = f"{os.getpid() % 10000}{random.randrange(100)}"
        self.subnet = random.randrange(2, 250)
        self.service_address = f"10.231.{self.subnet}.1"
        self.bridge = f"c18br{tag}"[:15]
        self.namespaces = [f"c18h{n}_{tag}" for n in (1, 2)]
        self.addresses = [f"10.231.{self.subnet}.{10 + n}" for n in (1, 2)]
        self._links = [(f"c18v{n}{tag}"[:15], f"c18p{n}{tag}"[:15]) for n in (1, 2)]

    def up(self) -> None:
        steps = [
            ("link", "add", self.bridge, "type", "bridge"),
            ("addr", "add", f"{self.service_address}/24", "dev", self.bridge),
            ("link", "set", self.bridge, "up"),
        ]
        for ns, address, (outside, inside) in zip(
            self.namespaces, self.addresses, self._links, strict=True
        ):
            steps += [
                ("netns", "add", ns),
                ("link", "add", outside, "type", "veth", "peer", "name", inside),
                ("link", "set", outside, "master", self.bridge),
                ("link", "set", outside, "up"),
                ("link", "set", inside, "netns", ns),
                ("-n", ns, "addr", "add", f"{address}/24", "dev", inside),
                ("-n", ns, "link", "set", inside, "up"),
                ("-n", ns, "link", "set", "lo", "up"),
            ]
        for step in steps:
            done = _ip(*step)
            if done.returncode != 0:
                raise RuntimeError(f"ip {' '.join(step)}: {done.stderr.strip()}")

    def down(self) -> None:
        for ns in self.namespaces:
            _ip("netns", "del", ns)  # takes its veth ends, and so their peers, with it
        _ip("link", "del", self.bridge)


def netns_unavailable() -> str | None:
    if shutil.which("ip") is None:
        return "iproute2 (`ip`) is not installed"
    if os.geteuid() != 0:
        return "creating network namespaces needs root (CAP_NET_ADMIN)"
    probe = f"c18probe{os.getpid() % 100000}"
    done = _ip("netns", "add", probe)
    if done.returncode != 0:
        return f"`ip netns add` is not permitted here: {done.stderr.strip()}"
    _ip("netns", "del", probe)
    return None


class ManifestServer:
    """IIIF manifests on the bridge address; remembers which host asked for each one."""

    def __init__(self, address: str, documents: dict[str, bytes]) -> None:
        self.documents = documents
        self.clients: dict[str, set[str]] = {}
        lock = threading.Lock()
        clients = self.clients

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = documents.get(self.path.lstrip("/"))
                with lock:
                    clients.setdefault(self.client_address[0], set()).add(self.path)
                time.sleep(0.2)  # a real server's latency: the work spreads over both hosts
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer((address, 0), Handler)
        self.endpoint = f"{address}:{self.httpd.server_address[1]}"
        self.url = f"http://{self.endpoint}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def two_hosts():
    reason = netns_unavailable()
    if reason is not None:
        pytest.skip(f"two-host test needs Linux network namespaces: {reason}")
    hosts = TwoHosts()
    try:
        hosts.up()
        yield hosts
    finally:
        hosts.down()


@pytest.fixture
def manifest_server(two_hosts):
    """Serves what the test puts in `documents`."""
    server = ManifestServer(two_hosts.service_address, {})
    yield server
    server.close()


@pytest.fixture
def services_on_the_link(two_hosts, manifest_server, settings, tmp_path):
    """Redis, Neo4j and the vector service of this test only, bound to the bridge address."""
    address = two_hosts.service_address
    data_dir = tmp_path / "services"
    # The Neo4j jars the suite's own instance already resolved: no Maven run here.
    lib = settings.data_dir.resolve() / "neo4j" / "lib"
    (data_dir / "neo4j").mkdir(parents=True)
    (data_dir / "neo4j" / "lib").symlink_to(lib)
    env = {
        "CONTAGIONS_DATA_DIR": str(data_dir),
        "CONTAGIONS_NEO4J__HOST": address,
        "CONTAGIONS_NEO4J__PASSWORD": "contagions-test",
        "CONTAGIONS_NEO4J__HEAP_SIZE": "512m",
        "CONTAGIONS_NEO4J__PAGECACHE_SIZE": "128m",
        "CONTAGIONS_BROKER__REDIS_HOST": address,
        "CONTAGIONS_BROKER__REDIS_PASSWORD": f"two-hosts-{random.randrange(10**9)}",
        "CONTAGIONS_VECTORS__SERVICE_HOST": address,
        "CONTAGIONS_HTTP__ALLOWED_PRIVATE_HOSTS": json.dumps([manifest_server.endpoint]),
        # Small messages, so that both hosts get some.
        "CONTAGIONS_INGEST__TASK_BATCH_SIZE": "2",
    }
    cli = [sys.executable, "-m", "api.cli"]
    up = subprocess.run(
        [*cli, "services", "up"], env=os.environ | env, capture_output=True, text=True, timeout=300
    )
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        schema = subprocess.run(
            [*cli, "schema"], env=os.environ | env, capture_output=True, text=True, timeout=120
        )
        assert schema.returncode == 0, schema.stdout + schema.stderr
        yield env
    finally:
        subprocess.run(
            [*cli, "services", "down"], env=os.environ | env, capture_output=True, timeout=120
        )


def _ready(worker, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if "ready for action" in worker.tail():
            return
        if worker.process.poll() is not None:
            pytest.fail(f"worker exited early:\n{worker.tail()}")
        time.sleep(0.5)
    pytest.fail(f"worker not ready in {timeout_s}s:\n{worker.tail()}")


def test_a_corpus_is_harvested_by_workers_on_two_hosts_without_loss(
    two_hosts, manifest_server, services_on_the_link, start_worker, shared_dir, tmp_path
):
    from graph.db import Neo4jConnection, open_graph
    from graph.ingest import job_progress

    env = services_on_the_link
    book = json.loads((shared_dir / "fixtures/iiif/cookbook-0009-book-1-v3.json").read_text())
    server = manifest_server
    documents = server.documents
    uris = []
    for n in range(N_MANIFESTS):
        url = f"{server.url}/issue-{n}.json"
        documents[f"issue-{n}.json"] = json.dumps(
            book | {"id": url, "label": {"en": [f"Issue {n}"]}}
        ).encode()
        uris.append(url)
    corpus_file = tmp_path / "corpus.txt"
    corpus_file.write_text("\n".join(uris) + "\n")

    workers = [start_worker("ingest", env=env, threads=1, netns=ns) for ns in two_hosts.namespaces]
    for worker in workers:
        _ready(worker, timeout_s=240)
    queued = subprocess.run(
        [
            sys.executable,
            "-m",
            "api.cli",
            "ingest",
            str(corpus_file),
            "--corpus",
            "two-hosts",
            "--no-wait",
        ],
        env=os.environ | env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert queued.returncode == 0, queued.stdout + queued.stderr
    job_id = next(w.rstrip(":") for w in queued.stdout.split() if w.startswith("job_"))

    db = open_graph(
        Neo4jConnection(
            f"bolt://{two_hosts.service_address}:{os.environ['CONTAGIONS_NEO4J__BOLT_PORT']}",
            "neo4j",
            "contagions-test",
            "neo4j",
        )
    )
    try:
        deadline = time.monotonic() + 240
        progress = job_progress(db, job_id)
        while not (progress and progress.harvested) and time.monotonic() < deadline:
            time.sleep(0.5)
            progress = job_progress(db, job_id)
        assert progress is not None and progress.harvested, progress
        assert (progress.total, progress.done, progress.failed) == (N_MANIFESTS, N_MANIFESTS, 0)
        records, _, _ = db.execute_query(
            "MATCH (:Corpus {name: 'two-hosts'})-[:INCLUDES]->()-[:HAS_ISSUE]->(i:Issue)"
            "-[:HAS_PAGE]->(p:Page) RETURN count(DISTINCT i) AS issues, count(p) AS pages"
        )
        assert (records[0]["issues"], records[0]["pages"]) == (
            N_MANIFESTS,
            N_MANIFESTS * PAGES_EACH,
        )
    finally:
        db.close()

    # Both hosts harvested, from their own addresses, and between them every manifest.
    fetched = {host: server.clients.get(host, set()) for host in two_hosts.addresses}
    assert all(fetched.values()), f"a host did no work: {server.clients}"
    assert set().union(*fetched.values()) == {f"/issue-{n}.json" for n in range(N_MANIFESTS)}
    assert set(server.clients) <= set(two_hosts.addresses), server.clients

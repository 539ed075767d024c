"""Test-wide set-up: an isolated data dir and ports, and the real local services.

Tests talk to a real Neo4j and a real Redis started by the project's own service code, on
ports of their own so that a running development system is never touched. A service that
cannot start fails the run loudly.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = Path(os.environ.get("CONTAGIONS_SHARED", REPO_ROOT.parent / "shared"))


def _read_env_file(path: Path) -> dict[str, str]:
    pairs = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            pairs[key.strip()] = value.strip()
    return pairs


TEST_ENV = _read_env_file(Path(__file__).with_name("services.env"))
TEST_ENV["CONTAGIONS_DATA_DIR"] = str(REPO_ROOT / TEST_ENV["CONTAGIONS_DATA_DIR"])
# Before anything imports api.settings (the broker is configured at import).
for _key, _value in TEST_ENV.items():
    os.environ.setdefault(_key, _value)
# The vector service's port follows the Bolt port, so that a second test instance started with
# other ports (CONTAGIONS_NEO4J__BOLT_PORT=...) never collides with this one.
os.environ.setdefault(
    "CONTAGIONS_VECTORS__SERVICE_PORT", str(int(os.environ["CONTAGIONS_NEO4J__BOLT_PORT"]) - 1352)
)

import pytest  # noqa: E402

from api.services.manager import services_down, services_status, services_up  # noqa: E402
from api.settings import Settings, get_settings  # noqa: E402
from tests.support.servers import StaticServer  # noqa: E402
from tests.support.workers import WorkerProcess  # noqa: E402


@pytest.fixture(scope="session")
def settings() -> Settings:
    return get_settings()


@pytest.fixture(scope="session")
def services(settings: Settings):
    """Start the local Neo4j and Redis once for the session (idempotent)."""
    already_running = all(s.running for s in services_status(settings))
    services_up(settings)
    yield services_status(settings)
    # Leave services we did not start alone; CONTAGIONS_KEEP_SERVICES=1 keeps them for reruns.
    if not already_running and os.environ.get("CONTAGIONS_KEEP_SERVICES") != "1":
        services_down(settings)


@pytest.fixture(scope="session")
def db(services, settings: Settings):
    """The graph the suite's own Neo4j holds, in the database the settings name."""
    from api.resources import neo4j_connection
    from graph.db import open_graph
    from graph.schema import ensure_schema

    db = open_graph(neo4j_connection(settings))
    ensure_schema(db)
    yield db
    db.close()


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED_DIR.is_dir():
        pytest.fail(f"shared material not found at {SHARED_DIR} (set CONTAGIONS_SHARED)")
    return SHARED_DIR


@pytest.fixture
def clean_graph(db):
    """An empty graph (the test database is the suite's own)."""
    from graph.maintenance import wipe_graph

    wipe_graph(db)
    return db


@pytest.fixture
def clean_broker(services, settings):
    """Empty queues: the test Redis is the suite's own."""
    import redis

    client = redis.Redis.from_url(settings.broker.broker_url)
    client.flushdb()
    client.close()


@pytest.fixture
def static_server(tmp_path, shared_dir):
    """Serves the shared IIIF fixtures under /fixtures/ and whatever the test writes."""
    (tmp_path / "fixtures").symlink_to(shared_dir / "fixtures" / "iiif")
    server = StaticServer(tmp_path)
    yield server
    server.close()


class IiifImageServer:
    """The PyPI `iiif` package's real Image API test server, over a folder of images."""

    def __init__(self, image_dir: Path, workdir: Path) -> None:
        import shutil
        import socket
        import subprocess
        import sys

        from api.services.process import port_open, wait_until

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        script = shutil.which("iiif_testserver.py") or str(
            Path(sys.executable).parent / "iiif_testserver.py"
        )
        self.image_dir = image_dir
        self.process = subprocess.Popen(
            [
                sys.executable,
                script,
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--image-dir",
                str(image_dir),
                "--api-versions",
                "2.1,3.0",
                "--manipulators",
                "pil",
                "-q",
            ],
            cwd=workdir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if not wait_until(lambda: port_open("127.0.0.1", self.port), 30):
            self.process.kill()
            pytest.fail("the iiif test server did not start")
        self.url = f"http://127.0.0.1:{self.port}"
        self.endpoint = f"127.0.0.1:{self.port}"

    def service(self, name: str, version: str = "3.0") -> str:
        return f"{self.url}/{version}_pil/{name}"

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


@pytest.fixture(scope="session")
def iiif_image_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("iiif")
    (root / "images").mkdir()
    server = IiifImageServer(root / "images", root)
    yield server
    server.close()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    import struct
    import zlib

    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def solid_png(width: int, height: int, rows: int | None = None) -> bytes:
    """An RGB PNG of one colour, streamed row by row: a 13000x13000 page is ~0.5 MB of file and
    never held as pixels here. With `rows`, only that many rows follow the header: a bomb whose
    header declares far more pixels than the file carries."""
    import struct
    import zlib

    row = b"\x00" + b"\xf0" * (3 * width)
    packer = zlib.compressobj(9)
    count = height if rows is None else rows
    idat = b"".join(packer.compress(row) for _ in range(count)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


class HostileServer:
    """A real HTTP server on loopback that behaves as an attacker's would.

    /redirect?to=URL   302 to URL (another port, file://, gopher://...)
    /chain/N           N redirects, then /small.png
    /small.png         a 64x64 PNG
    /huge.png          a 13000x13000 PNG of ~0.5 MB
    /drip              headers, then one body byte every `drip_s`
    /drip-headers      the status line, then one header byte every `drip_s`
    Every request is counted per path in `hits`; `connections` counts accepted sockets.
    """

    def __init__(self) -> None:
        import contextlib
        import http.server
        import io
        import threading
        import time
        from collections import Counter
        from urllib.parse import parse_qs, urlsplit

        from PIL import Image

        self.hits: Counter[str] = Counter()
        self.connections = 0
        self.drip_s = 0.5
        small = io.BytesIO()
        Image.new("RGB", (64, 64), (200, 30, 30)).save(small, format="PNG")
        self.small_png = small.getvalue()
        self._huge: bytes | None = None
        server_self = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                server_self.connections += 1
                super().setup()

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                server_self.hits[parts.path] += 1
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self._answer(parts, parse_qs(parts.query))

            def _answer(self, parts, query) -> None:
                if parts.path == "/redirect":
                    return self._redirect(query["to"][0])
                if parts.path.startswith("/chain/"):
                    left = int(parts.path.rsplit("/", 1)[1])
                    return self._redirect(f"/chain/{left - 1}" if left > 1 else "/small.png")
                if parts.path == "/small.png":
                    return self._send(server_self.small_png, "image/png")
                if parts.path == "/huge.png":
                    return self._send(server_self.huge_png, "image/png")
                if parts.path == "/drip":
                    self.send_response(200)
                    self.send_header("Content-Type", "image/png")
                    self.send_header("Content-Length", "100000")
                    self.end_headers()
                    for _ in range(100000):
                        self.wfile.write(b"x")
                        self.wfile.flush()
                        time.sleep(server_self.drip_s)
                if parts.path == "/drip-headers":
                    self.wfile.write(b"HTTP/1.1 200 OK\r\n")
                    for byte in b"X-Slow: " + b"y" * 10000:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(server_self.drip_s)
                self.send_error(404)

            def _redirect(self, location: str) -> None:
                self.send_response(302)
                self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def _send(self, body: bytes, content_type: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.endpoint = f"127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def huge_png(self) -> bytes:
        if self._huge is None:
            self._huge = solid_png(13000, 13000)
        return self._huge

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def hostile_server():
    server = HostileServer()
    yield server
    server.close()


class Listener:
    """A bare loopback socket that counts the connections made to it (a stand-in for Neo4j,
    Redis or any internal service an attacker would aim a fetch at)."""

    def __init__(self) -> None:
        import socket
        import threading

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self._closed = False
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            conn.close()

    def close(self) -> None:
        import contextlib
        import socket

        self._closed = True
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    # Fixtures read the outcome at teardown (see `start_worker`).
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def start_worker(request, tmp_path):
    """Start real workers: `start_worker("ingest", env={...})`. Stopped after the test; when the
    test failed, their logs are printed so that a worker crash does not read as a time-out."""
    started: list[WorkerProcess] = []

    def start(
        *queues: str, env: dict[str, str] | None = None, threads: int = 1, netns: str | None = None
    ) -> WorkerProcess:
        log = tmp_path / f"worker-{len(started)}.log"
        worker = WorkerProcess(queues, env or {}, log, threads, netns)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        for n, worker in enumerate(started):
            print(f"\n----- worker {n} ({worker.log}) -----\n{worker.tail()}")


@pytest.fixture
def press_graph(clean_graph):
    """`press_graph(n)`: n illustrations (4 a page, 10 pages an issue) of two dated periodicals
    in Paris and Berlin, written through the bulk ingest code; returns their ids."""
    from graph.illustrations import upsert_illustrations
    from graph.ingest import write_issues
    from graph.records import (
        CountryRecord,
        IllustrationRecord,
        IssueRecord,
        PageRecord,
        PeriodicalRecord,
        PlaceRecord,
    )

    places = [
        PlaceRecord("geonames:2988507", "Paris", CountryRecord("FR", "France")),
        PlaceRecord("geonames:2950159", "Berlin", CountryRecord("DE", "Germany")),
    ]

    def build(n: int) -> list[str]:
        pages = [
            PageRecord(f"pg_{p}", f"c/{p}", p % 10, None, 1000, 1400, None, None, None, None)
            for p in range(-(-n // 4))
        ]
        issues = [
            IssueRecord(
                f"iss_{s}",
                f"http://127.0.0.1/m/{s}",
                None,
                f"{1900 + s % 50}-03-01",
                "day",
                None,
                None,
                None,
                places[s % 2],
                None,
                PeriodicalRecord(f"per_{s % 2}", f"Title {s % 2}", "test"),
                3,
                tuple(pages[s * 10 : s * 10 + 10]),
            )
            for s in range(-(-len(pages) // 10))
        ]
        write_issues(clean_graph, "press", issues)
        ids = [f"ill_{i:07d}" for i in range(n)]
        upsert_illustrations(
            clean_graph,
            [
                IllustrationRecord(
                    i, f"pg_{k // 4}", 0, 0, 10, 10, 0.1, 1.0, "whole", "1", None, None
                )
                for k, i in enumerate(ids)
            ],
        )
        return ids

    return build

"""The explorer web app in Debian's chromium (Playwright), against the real API serving it on
loopback, over a graph built by the real pipeline on a reduced sample press (`contagions demo`).

The press is built once for the module test_explorer.py; the app must have been built
(`scripts/setup.sh`).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from api.demo.corpus import DemoSize
from api.demo.run import corpus_dir, run
from api.demo.site import image_server_process, site_process
from api.explorer import DEFAULT_DIST
from api.runtime import Runtime

CHROMIUM = os.environ.get("CONTAGIONS_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
# Two reprinted pictures over three titles' issues: clusters that travel, a few singletons.
SIZE = DemoSize(issues=2, pages=2, reprinted_sources=4, single_sources=2)


@dataclass
class Press:
    runtime: Runtime
    run_id: str
    api: str
    iiif: str


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# Free ports, not fixed ones: two checkouts may run these tests on one machine at once.
SITE_PORT, IIIF_PORT = _free_port(), _free_port()
DEMO_ENDPOINTS = [f"127.0.0.1:{SITE_PORT}", f"127.0.0.1:{IIIF_PORT}"]


@pytest.fixture(scope="module")
def press(settings, services, db, tmp_path_factory):
    import redis
    import uvicorn

    from api.app import create_app
    from graph.maintenance import wipe_graph

    if not (DEFAULT_DIST / "index.html").is_file():
        pytest.fail("explorer/dist is not built: run `bash scripts/setup.sh`")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"chromium not found at {CHROMIUM} (apt-get install chromium)")
    wipe_graph(db)
    redis.Redis.from_url(settings.broker.broker_url).flushdb()
    env = {
        "CONTAGIONS_HTTP__ALLOWED_PRIVATE_HOSTS": json.dumps(DEMO_ENDPOINTS),
        "CONTAGIONS_MODEL__ALLOW_DOWNLOAD": "false",
        "CONTAGIONS_DEMO__SITE_PORT": str(SITE_PORT),
        "CONTAGIONS_DEMO__IIIF_PORT": str(IIIF_PORT),
    }
    log = tmp_path_factory.mktemp("explorer") / "worker.log"
    with log.open("ab") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "worker", "-p", "1", "-t", "2"],
            env=os.environ | env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    local = settings.model_copy(deep=True)
    local.http.allowed_private_hosts = DEMO_ENDPOINTS
    local.model.allow_download = False
    local.demo.site_port, local.demo.iiif_port = SITE_PORT, IIIF_PORT
    local.api.port = _free_port()
    runtime = Runtime(local)
    server = None
    try:
        try:
            result = run(runtime, SIZE, pca_extra=40)
        except Exception:
            print(f"----- worker log ({log}) -----\n{log.read_text(errors='replace')[-6000:]}")
            raise  # the full 400 cost minutes of CPU
        config = uvicorn.Config(
            create_app(local), host="127.0.0.1", port=local.api.port, log_level="warning", ws="auto"
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        yield Press(
            runtime,
            result.run_id,
            f"http://127.0.0.1:{local.api.port}",
            f"http://127.0.0.1:{IIIF_PORT}",
        )
    finally:
        if server is not None:
            server.should_exit = True
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=60)
        out = corpus_dir(runtime)
        site_process(out, SITE_PORT, local.run_dir).stop()
        image_server_process(out, IIIF_PORT, local.run_dir).stop()


@pytest.fixture(scope="module")
def browser(press):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


class ConsoleWatch:
    """Console errors, page errors, failed requests and GraphQL requests outside the security
    contract (POST, JSON or multipart, `X-Requested-With: contagions-explorer`) of one page."""

    def __init__(self, page) -> None:
        self.problems: list[str] = []
        self.graphql: list[dict[str, str]] = []
        page.on("request", self._check_request)
        page.on("console", lambda m: m.type == "error" and self.problems.append(m.text))
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        page.on(
            "response",
            lambda r: r.status >= 400 and self.problems.append(f"{r.status} {r.url}"),
        )

    def _check_request(self, request) -> None:
        if not request.url.split("?")[0].endswith("/graphql") or request.resource_type not in (
            "fetch",
            "xhr",
        ):
            return
        headers = request.headers
        self.graphql.append(headers)
        kind = headers.get("content-type", "")
        if (
            request.method != "POST"
            or headers.get("x-requested-with") != "contagions-explorer"
            or not kind.startswith(("application/json", "multipart/form-data"))
        ):
            self.problems.append(f"GraphQL request off contract: {request.method} {headers}")


@pytest.fixture
def page(browser, press):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=press.api)
    page = context.new_page()
    page.set_default_timeout(15_000)
    watch = ConsoleWatch(page)
    page.watch = watch
    yield page
    context.close()
    assert watch.problems == [], watch.problems

"""The explorer in a real browser on the API latency bench graph: time to the first cluster
card, time to a fully rendered cluster page, bytes and GraphQL requests per screen.

    .venv/bin/python bench/explorer.py            # 100,000 illustrations
    .venv/bin/python bench/explorer.py --small    # 10,000
    .venv/bin/python bench/explorer.py --reuse    # the graph and vectors of the last run

The graph is `bench/api_latency.py`'s (written to the bench Neo4j, served by the real app in a
child process, which serves the built `explorer/dist` at /). Debian's chromium (Playwright)
opens each screen cold, in a fresh context; times are the page's own `performance.now()` when
the screen's content is in the document (a MutationObserver installed before the page's own
scripts notes the first moment each selector matches, so Playwright's polling adds nothing).
Requests to anything but loopback are aborted in the browser (the bench thumbnails point at
bench.example). The first run of each screen also prints its waterfall (document, scripts,
GraphQL requests: start and end, ms from navigation start).

Peer: the same screen's GraphQL queries sent by httpx from this process over loopback, i.e. the
data alone, with no browser, parsing or rendering.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.services import bench_environment

bench_environment()

import httpx  # noqa: E402

from bench.api_latency import PORT, generate  # noqa: E402
from bench.report import Figure, print_figures  # noqa: E402

CHROMIUM = os.environ.get("CONTAGIONS_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
API = f"http://127.0.0.1:{PORT}"
ROUNDS = 5

# Installed before the page's scripts: the first performance.now() at which each selector of
# window.__wanted matches an element in the document.
WATCH = """
window.__seen = {};
window.__wanted = %s;
new MutationObserver(() => {
  for (const s of window.__wanted) {
    if (!(s in window.__seen) && document.querySelector(s)) window.__seen[s] = performance.now();
  }
}).observe(document, {childList: true, subtree: true, attributes: true});
"""

WATERFALL = """() => performance.getEntriesByType('resource')
  .filter((e) => /\\.(js|css)$|\\/graphql$/.test(e.name))
  .map((e) => ({name: e.name.replace(location.origin, ''), start: e.startTime,
                end: e.responseEnd, bytes: e.transferSize}))"""


def screen(browser, path: str, ready: list[str]) -> dict:
    """Open `path` cold: ms until the first selector of `ready` is in the document and until
    all are, first contentful paint, bytes, the GraphQL bodies, the waterfall."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=API)
    context.add_init_script(WATCH % json.dumps(ready))
    page = context.new_page()
    page.route(
        "**/*",
        lambda route: (
            route.continue_()
            if urlsplit(route.request.url).hostname in ("127.0.0.1", "localhost")
            else route.abort()
        ),
    )
    posts: list[str] = []
    page.on("request", lambda r: r.url.endswith("/graphql") and posts.append(r.post_data or ""))
    page.goto(path)
    for selector in ready:
        page.locator(selector).first.wait_for(state="visible", timeout=60_000)
    seen = page.evaluate("window.__seen")
    paint = page.evaluate(
        """() => (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime"""
    )
    transferred = page.evaluate(
        """() => performance.getEntriesByType('navigation').concat(
             performance.getEntriesByType('resource')).reduce((n, e) => n + e.transferSize, 0)"""
    )
    waterfall = page.evaluate(WATERFALL)
    context.close()
    return {
        "first_ms": seen[ready[0]],
        "ms": max(seen[s] for s in ready),
        "fcp_ms": paint,
        "bytes": transferred,
        "graphql": posts,
        "waterfall": waterfall,
    }


def replay(client: httpx.Client, bodies: list[str]) -> tuple[float, int]:
    """The screen's GraphQL requests, sequentially, from this process: ms, response bytes."""
    started = time.perf_counter()
    size = 0
    for body in bodies:
        response = client.post(
            "/graphql",
            content=body,
            headers={"Content-Type": "application/json", "X-Requested-With": "contagions-explorer"},
        )
        assert response.status_code == 200, response.text
        size += len(response.content)
    return (time.perf_counter() - started) * 1000, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true")
    parser.add_argument(
        "--reuse", action="store_true", help="keep the graph and vectors of the last run"
    )
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    from api.explorer import DEFAULT_DIST
    from bench.services import start_services

    if not (DEFAULT_DIST / "index.html").is_file():
        sys.exit("explorer/dist is not built: run `bash scripts/setup.sh`")
    settings, db = start_services()
    n_ills = 10_000 if args.small else 100_000
    vectors_dir = settings.data_dir.resolve() / "bench-api-vectors"
    # Written once a generation has finished, so that --reuse never picks up a partial one.
    generated = vectors_dir.with_name("bench-api-vectors.generated")
    if not (args.reuse and generated.is_file() and generated.read_text() == str(n_ills)):
        generated.unlink(missing_ok=True)
        shutil.rmtree(vectors_dir, ignore_errors=True)
        generate(db, n_ills, vectors_dir)
        generated.write_text(str(n_ills))
    latency = Path(__file__).with_name("api_latency.py")
    server = subprocess.Popen(
        [sys.executable, str(latency), "--serve", str(vectors_dir)], env=os.environ.copy()
    )
    client = httpx.Client(base_url=API, timeout=60)
    try:
        for _ in range(300):
            try:
                if client.get("/healthz").status_code in (200, 503):
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        listed = client.post(
            "/graphql",
            json={"query": "{ clusters(first: 1) { ... on ClusterConnection { nodes { id } } } }"},
            headers={"X-Requested-With": "contagions-explorer"},
        ).json()
        cluster = listed["data"]["clusters"]["nodes"][0]["id"]
        screens = {
            "clusters": ("/", ["article.card"]),
            "cluster": (
                f"/cluster/{quote(cluster, safe='')}",
                ["ul.members li", ".map circle", ".timeline rect"],
            ),
            "circulation": ("/circulation", ["table.matrix tbody tr"]),
        }
        figures: list[Figure] = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            for name, (path, ready) in screens.items():
                warm = screen(browser, path, ready)  # warm the API's caches and the page cache
                for step in warm["waterfall"]:
                    print(
                        f"  {name} {step['name'][:60]:60} {step['start']:7.0f} -> "
                        f"{step['end']:7.0f} ms  {step['bytes'] / 1024:6.1f} KiB"
                    )
                runs = [screen(browser, path, ready) for _ in range(ROUNDS)]
                ms = statistics.median(r["ms"] for r in runs)
                first_ms = statistics.median(r["first_ms"] for r in runs)
                fcp = statistics.median(r["fcp_ms"] or 0 for r in runs)
                replays = [replay(client, runs[0]["graphql"]) for _ in range(ROUNDS)]
                peer = statistics.median(t for t, _ in replays)
                data_bytes = replays[0][1]
                kib = runs[-1]["bytes"] / 1024
                calls = len(runs[-1]["graphql"])
                print(
                    f"{name}: first content {first_ms:.0f} ms, first paint {fcp:.0f} ms, "
                    f"rendered in {ms:.0f} ms (median of {ROUNDS}, cold page), "
                    f"{kib:.0f} KiB transferred, {calls} GraphQL requests | their data alone "
                    f"over httpx: {peer:.0f} ms, {data_bytes / 1024:.0f} KiB",
                    flush=True,
                )
                peer_name = "the screen's GraphQL requests alone (httpx, no browser)"
                figures += [
                    Figure(
                        f"explorer_{name}_first_content_{n_ills}",
                        round(first_ms, 1),
                        "ms",
                        peer_name,
                        round(peer, 1),
                    ),
                    Figure(
                        f"explorer_{name}_render_{n_ills}",
                        round(ms, 1),
                        "ms",
                        peer_name,
                        round(peer, 1),
                    ),
                    Figure(
                        f"explorer_{name}_bytes_{n_ills}",
                        runs[-1]["bytes"],
                        "bytes",
                        "the screen's GraphQL responses alone",
                        data_bytes,
                    ),
                    Figure(
                        f"explorer_{name}_graphql_requests_{n_ills}",
                        calls,
                        "requests",
                        "pages of data the screen needs",
                        1,
                    ),
                ]
            browser.close()
        print_figures(figures)
    finally:
        client.close()
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()

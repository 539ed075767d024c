"""Peak API memory for an image uploaded to the public `searchSimilar(upload:)`.

    .venv/bin/python bench/upload_memory.py

A real uvicorn server runs the app in a child process (no Neo4j needed: the image is decoded,
or refused, before the descriptor model is looked up). This process uploads a 1000x1000 PNG
(the peer) and then a 13000x13000 PNG of about 160 KB (a solid page: it compresses to almost
nothing), and reads the server's peak resident memory (VmHWM) after each.
"""

from __future__ import annotations

import json
import os
import socket
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.report import Figure, print_figures  # noqa: E402

QUERY = (
    "query($f: Upload!){ searchSimilar(upload: $f){ __typename ... on InvalidInput { message } } }"
)


def solid_png(width: int, height: int) -> bytes:
    """An RGB PNG of one colour, streamed row by row: never holds the pixels in memory."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + b"\xf0" * (3 * width)
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def peak_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM")


def upload(url: str, data: bytes) -> str:
    operations = json.dumps({"query": QUERY, "variables": {"f": None}})
    response = httpx.post(
        url,
        files={
            "operations": (None, operations),
            "map": (None, '{"0": ["variables.f"]}'),
            "0": ("page.png", data, "image/png"),
        },
        headers={"Apollo-Require-Preflight": "true"},
        timeout=300,
    )
    return f"HTTP {response.status_code} {response.text[:160]}"


def main() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = dict(
        os.environ,
        PYTHONPATH=str(ROOT),
        CONTAGIONS_NEO4J__BOLT_PORT="1",
        CONTAGIONS_VECTORS__SERVICE_PORT="2",
    )
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "api.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    url = f"http://127.0.0.1:{port}/graphql"
    try:
        deadline = time.monotonic() + 180  # start-up waits for Neo4j (down here) ~60 s
        while time.monotonic() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{port}/graphql", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise RuntimeError("the API did not start")
        start = peak_kib(server.pid)
        small, big = solid_png(1000, 1000), solid_png(13000, 13000)
        print(f"server started: peak {start / 1024:.0f} MiB")
        print("1000x1000:", len(small), "bytes ->", upload(url, small))
        after_small = peak_kib(server.pid)
        print(f"  peak {after_small / 1024:.0f} MiB")
        print("13000x13000:", len(big), "bytes ->", upload(url, big))
        after_big = peak_kib(server.pid)
        print(f"  peak {after_big / 1024:.0f} MiB")
    finally:
        server.terminate()
        server.wait(timeout=30)
    print_figures(
        [
            Figure(
                "api_peak_rss_13000x13000_png_upload",
                round(after_big / 1024, 1),
                "MiB",
                "api_peak_rss_1000x1000_png_upload",
                round(after_small / 1024, 1),
            ),
        ]
    )


if __name__ == "__main__":
    main()

"""The sample press's static IIIF site: files from a folder, with CORS headers.

    python -m api.demo.static_site PORT DIRECTORY

Manifests and collections must be readable from any origin: a viewer served elsewhere (a
local Mirador, the explorer) fetches them from the browser, which refuses a cross-origin
answer without `Access-Control-Allow-Origin`.
"""

from __future__ import annotations

import argparse
import functools
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer


class CorsHandler(SimpleHTTPRequestHandler):
    """Static files, readable from any origin (read-only: GET, HEAD and the preflight)."""

    def end_headers(self) -> None:
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
        self.send_header("Access-Control-Allow-Headers", "Accept, Content-Type, Range")
        super().end_headers()

    def do_OPTIONS(self) -> None:
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def serve(port: int, directory: str, host: str = "127.0.0.1") -> None:
    handler = functools.partial(CorsHandler, directory=directory)
    with ThreadingHTTPServer((host, port), handler) as server:
        server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("port", type=int)
    parser.add_argument("directory")
    parser.add_argument("--bind", default="127.0.0.1")
    args = parser.parse_args()
    serve(args.port, args.directory, args.bind)


if __name__ == "__main__":
    main()

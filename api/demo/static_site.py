"""The sample press's manifests over HTTP on loopback, with the CORS header IIIF viewers need
(Mirador and the explorer fetch manifests from another origin).

    python -m api.demo.static_site PORT DIRECTORY
"""

from __future__ import annotations

import sys
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer


class CorsHandler(SimpleHTTPRequestHandler):
    def end_headers(self) -> None:
        self.send_header("Access-Control-Allow-Origin", "*")
        super().end_headers()

    def log_message(self, *args: object) -> None:
        pass


def main(port: int, directory: str) -> None:
    handler = partial(CorsHandler, directory=directory)
    with ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
        server.serve_forever()


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])

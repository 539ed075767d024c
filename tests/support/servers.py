"""Real loopback servers that tests and module fixtures share."""

from __future__ import annotations

from pathlib import Path


class StaticServer:
    """A real HTTP server on loopback over a folder; `delay_s` slows every answer."""

    def __init__(self, root: Path) -> None:
        import http.server
        import threading
        import time
        from functools import partial

        self.root = root
        self.delay_s = 0.0
        # (path, status) of every answer, in order: a test can see a 304 go by.
        self.answers: list[tuple[str, int]] = []
        server_self = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def do_GET(self) -> None:
                if server_self.delay_s:
                    time.sleep(server_self.delay_s)
                super().do_GET()

            def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
                server_self.answers.append((self.path, int(code)))

            def log_message(self, *args: object) -> None:
                pass

        handler = partial(Handler, directory=str(root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        # What a fetch policy allows for this server (exact host:port, never the whole host).
        self.endpoint = self.url.removeprefix("http://")
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def write_json(self, name: str, document: dict) -> str:
        import json

        (self.root / name).write_text(json.dumps(document))
        return f"{self.url}/{name}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

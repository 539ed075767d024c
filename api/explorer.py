"""The researchers' web app (`explorer/`, built by `scripts/setup.sh`) served at `/`.

Paths that name no file get `index.html` (the app routes them itself, so shared links work);
hashed assets are cached for good, `index.html` never. Without a build, `/` says how to make one.
"""

from __future__ import annotations

import re
from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

# Where files live; any other path is a screen of the app (ids may contain dots).
FILE_DIRS = ("assets/", "vendor/")
SUFFIX = re.compile(r"[^/.]\.[A-Za-z0-9]+$")
DEFAULT_DIST = Path(__file__).resolve().parents[1] / "explorer" / "dist"
NOT_BUILT = """<!doctype html><html lang="en"><meta charset="utf-8"><title>contagions</title>
<h1>contagions</h1><p>The explorer app is not built here: run <code>bash scripts/setup.sh</code>
(needs Node 20 and npm). Meanwhile: <a href="/graphql">GraphiQL</a>.</p></html>"""


class SinglePageApp(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Response:
        try:
            response = await super().get_response(path, scope)
        except HTTPException as exc:
            if exc.status_code != 404:
                raise
            response = None
        if response is None or response.status_code == 404:
            if path.startswith(FILE_DIRS) or ("/" not in path and SUFFIX.search(path)):
                return Response("not found", status_code=404)
            response = await super().get_response("index.html", scope)
            path = "index.html"
        immutable = path.startswith("assets/")
        response.headers["Cache-Control"] = (
            "public, max-age=31536000, immutable" if immutable else "no-cache"
        )
        return response


def explorer_routes(dist: Path | None) -> list[BaseRoute]:
    """The route serving the app from `dist` (last in the table: it answers every path)."""
    dist = dist or DEFAULT_DIST
    if (dist / "index.html").is_file():
        # Compressed here rather than app-wide: the bundles are most of a first visit's bytes.
        app = GZipMiddleware(SinglePageApp(directory=dist, html=True), minimum_size=1024)
        return [Mount("/", app=app, name="explorer")]

    async def not_built(request: object) -> HTMLResponse:
        return HTMLResponse(NOT_BUILT)

    return [Route("/", not_built)]

"""The Starlette application: GraphQL at /graphql (GraphiQL on, subscriptions over WebSocket),
CSV/GeoJSON exports under /export, /healthz, and the explorer web app at /.

Around them: CORS for the origins in `api.cors_origins` (outermost, so that refusals reach a
browser app readably), then `api.guard.RequestGuard` (CSRF check, body size limit).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from strawberry.asgi import GraphQL

from api.explorer import explorer_routes
from api.exports import Exports
from api.graphql.context import Context
from api.graphql.errors import http_status
from api.graphql.schema import build_schema
from api.guard import PREFLIGHT_HEADERS, RequestGuard
from api.health import check_all
from api.resources import Resources
from api.settings import Settings, get_settings
from graph.errors import GraphUnavailableError
from graph.schema import ensure_schema

log = logging.getLogger(__name__)


class ContagionsGraphQL(GraphQL[Context, None]):
    def __init__(self, resources: Resources) -> None:
        super().__init__(
            build_schema(resources.settings.api.max_query_depth),
            graphql_ide="graphiql",
            multipart_uploads_enabled=True,
            # Subscriptions over WebSocket: browsers send no preflight for them.
            allowed_origins=resources.settings.api.cors_origins,
        )
        self.resources = resources

    async def get_context(self, request: HTTPConnection, response: object = None) -> Context:
        return Context.create(request, self.resources)

    def create_response(self, response_data, sub_response: Response) -> Response:
        """The HTTP status follows the errors' codes (403, 413, 400 for limits, 503)."""
        if not sub_response.status_code:
            results = response_data if isinstance(response_data, list) else [response_data]
            codes = [
                (e.get("extensions") or {}).get("code")
                for r in results
                for e in r.get("errors") or []
            ]
            status = http_status([c for c in codes if isinstance(c, str)])
            if status is not None:
                sub_response.status_code = status
        return super().create_response(response_data, sub_response)


def create_app(settings: Settings | None = None, resources: Resources | None = None) -> Starlette:
    """The app over `resources` (opened from `settings` when not given; closed at shutdown)."""
    settings = settings or (resources.settings if resources else get_settings())
    resources = resources or Resources.open(settings)

    async def healthz(request: Request) -> JSONResponse:
        health = await run_in_threadpool(check_all, settings, resources.db)
        return JSONResponse(health.as_dict(), status_code=200 if health.ok else 503)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            await run_in_threadpool(ensure_schema, resources.db)
        except Exception as exc:  # Neo4j may come up later; /healthz says so meanwhile.
            log.warning("graph schema not ensured at start-up: %s", GraphUnavailableError(exc))
        yield
        resources.close()

    graphql_app = ContagionsGraphQL(resources)
    exports = Exports(resources)
    routes = [
        Route("/healthz", healthz),
        Route("/graphql", graphql_app, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql_app),
        Route("/export/cluster/{id}.csv", exports.cluster_csv),
        Route("/export/cluster/{id}.geojson", exports.cluster_geojson),
        Route("/export/illustrations.csv", exports.illustrations_csv, methods=["GET", "POST"]),
        *explorer_routes(settings.api.explorer_dir),
    ]
    api = settings.api
    middleware = [
        Middleware(
            CORSMiddleware,
            allow_origins=api.cors_origins,
            allow_credentials=True,
            allow_methods=["GET", "POST"],
            allow_headers=["authorization", "content-type", *PREFLIGHT_HEADERS],
            max_age=600,
        ),
        Middleware(
            RequestGuard,
            allowed_origins=api.cors_origins,
            max_body_bytes=api.max_body_bytes,
            max_upload_bytes=api.max_upload_bytes,
        ),
    ]
    return Starlette(routes=routes, middleware=middleware, lifespan=lifespan)

"""What every request to /graphql and /export passes before the application sees it.

Cross-site request forgery: a browser sends "simple" requests (form posts, `text/plain`) to
any site without asking it first, with the user's cookies and from the user's network (the
API trusts loopback clients in single-user mode). A request that may change state -- any POST
to /graphql (mutations, uploads), any non-GET to /export -- is accepted only when

  (a) it is not simple: `Content-Type: application/json`, or an `Apollo-Require-Preflight` or
      `X-Requested-With` header (any value), which a browser sends cross-site only after a CORS
      preflight the API answers for its configured origins only; and
  (b) its `Origin` (else `Sec-Fetch-Site`) is the API's own origin or one of
      `api.cors_origins`. Requests with neither header (curl, scripts) pass (b).

Refusals are GraphQL-shaped, `{"errors": [{"message": ..., "extensions": {"code": ...}}]}`:
403 FORBIDDEN, and 413 PAYLOAD_TOO_LARGE for bodies over the limit (declared or streamed).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.graphql.errors import FORBIDDEN, PAYLOAD_TOO_LARGE, error_body

log = logging.getLogger(__name__)

GUARDED_PREFIXES = ("/graphql", "/export/")
PREFLIGHT_HEADERS = ("apollo-require-preflight", "x-requested-with")


class _BodyTooLarge(Exception):
    pass


def request_origin(scope: Scope, headers: Headers) -> str:
    """The origin the request was sent to, as a browser on that page would write it."""
    scheme = "https" if scope.get("scheme") in ("https", "wss") else "http"
    return f"{scheme}://{headers.get('host', '')}".lower()


def csrf_refusal(scope: Scope, headers: Headers, allowed_origins: frozenset[str]) -> str | None:
    """Why this state-changing request is refused, or None when it may go on."""
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json" and not any(h in headers for h in PREFLIGHT_HEADERS):
        return (
            "state-changing requests need Content-Type: application/json or an "
            "Apollo-Require-Preflight (or X-Requested-With) header"
        )
    origin = headers.get("origin")
    if origin is not None:
        origin = origin.rstrip("/").lower()
        if origin != request_origin(scope, headers) and origin not in allowed_origins:
            return f"origin {origin!r} may not change anything here"
        return None
    site = headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return f"a {site} request may not change anything here"
    return None


def _state_changing(scope: Scope) -> bool:
    method, path = scope["method"], scope["path"]
    if path.startswith("/graphql"):
        return method == "POST"
    return method not in ("GET", "HEAD", "OPTIONS")


class RequestGuard:
    """CSRF check and body size limit for /graphql and /export (pure ASGI middleware)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        allowed_origins: Iterable[str],
        max_body_bytes: int,
        max_upload_bytes: int,
    ) -> None:
        self.app = app
        self.allowed_origins = frozenset(o.rstrip("/").lower() for o in allowed_origins)
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(GUARDED_PREFIXES):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if _state_changing(scope):
            reason = csrf_refusal(scope, headers, self.allowed_origins)
            if reason is not None:
                log.info("refused %s %s: %s", scope["method"], scope["path"], reason)
                await _refuse(send, 403, reason, FORBIDDEN)
                return
        limit = self._limit(headers)
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _refuse(send, 413, f"request body over {limit} bytes", PAYLOAD_TOO_LARGE)
            return
        await self._run_limited(scope, receive, send, limit)

    def _limit(self, headers: Headers) -> int:
        if headers.get("content-type", "").lower().startswith("multipart/"):
            return self.max_upload_bytes + self.max_body_bytes
        return self.max_body_bytes

    async def _run_limited(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _BodyTooLarge:
            if started:
                raise
            await _refuse(send, 413, f"request body over {limit} bytes", PAYLOAD_TOO_LARGE)


async def _refuse(send: Send, status: int, message: str, code: str) -> None:
    body = json.dumps(error_body(message, code)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})

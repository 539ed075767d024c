import http.server
import threading
from functools import partial

import httpx
import pytest

from ingest.errors import (
    BlockedUrlError,
    DocumentTooLargeError,
    HttpStatusError,
    NetworkError,
    TooManyRedirectsError,
)
from ingest.fetch import FetchConfig, Fetcher, retry_after_seconds
from ingest.urls import UrlPolicy

PUBLIC = UrlPolicy(resolver=lambda host, port: ["93.184.216.34"])


def fetcher(handler, policy=PUBLIC, **config):
    sleeps = []
    f = Fetcher(
        FetchConfig(user_agent="contagions-test/1", **config),
        policy,
        transport=httpx.MockTransport(handler),
        sleep=sleeps.append,
    )
    return f, sleeps


def test_retries_429_honouring_retry_after():
    calls = []

    def handler(request):
        calls.append(request)
        if len(calls) < 3:
            return httpx.Response(429, headers={"Retry-After": "7"})
        return httpx.Response(200, json={"ok": True}, headers={"ETag": '"v1"'})

    f, sleeps = fetcher(handler)
    result = f.get("https://iiif.example/m.json")
    assert result.status_code == 200 and result.etag == '"v1"'
    assert sleeps == [7.0, 7.0]
    assert calls[0].headers["user-agent"] == "contagions-test/1"


def test_5xx_backs_off_then_gives_up():
    f, sleeps = fetcher(lambda r: httpx.Response(503), retries=3)
    with pytest.raises(HttpStatusError) as info:
        f.get("https://iiif.example/m.json")
    assert info.value.status_code == 503
    assert len(sleeps) == 3
    assert sleeps[0] < sleeps[2]


def test_404_is_not_retried():
    f, sleeps = fetcher(lambda r: httpx.Response(404))
    with pytest.raises(HttpStatusError, match="404"):
        f.get("https://iiif.example/missing.json")
    assert sleeps == []


def test_timeouts_are_retried_as_network_errors():
    def handler(request):
        raise httpx.ReadTimeout("slow", request=request)

    f, sleeps = fetcher(handler, retries=2)
    with pytest.raises(NetworkError, match="timeout"):
        f.get("https://iiif.example/m.json")
    assert len(sleeps) == 2


def test_oversize_body_is_refused_declared_or_streamed():
    f, _ = fetcher(lambda r: httpx.Response(200, content=b"x" * 2000), max_bytes=1000)
    with pytest.raises(DocumentTooLargeError):
        f.get("https://iiif.example/big.json")

    def chunked(request):
        return httpx.Response(200, content=iter([b"x" * 600, b"x" * 600]))

    f, _ = fetcher(chunked, max_bytes=1000)
    with pytest.raises(DocumentTooLargeError, match="exceeds 1000"):
        f.get("https://iiif.example/big.json")


def test_redirect_to_a_private_address_is_blocked():
    def resolver(host, port):
        return ["10.0.0.1"] if host == "internal.example" else ["93.184.216.34"]

    def handler(request):
        return httpx.Response(302, headers={"Location": "http://internal.example/admin"})

    f, _ = fetcher(handler, policy=UrlPolicy(resolver=resolver))
    with pytest.raises(BlockedUrlError, match=r"10\.0\.0\.1"):
        f.get("https://iiif.example/m.json")


def test_redirect_loops_stop():
    f, _ = fetcher(lambda r: httpx.Response(301, headers={"Location": "/a"}))
    with pytest.raises(TooManyRedirectsError):
        f.get("https://iiif.example/a")


def test_conditional_refetch_sends_validators():
    seen = {}

    def handler(request):
        seen.update(request.headers)
        return httpx.Response(304)

    f, _ = fetcher(handler)
    result = f.get("https://iiif.example/m.json", etag='"v1"', last_modified="Mon, 01 Jan 2024")
    assert result.not_modified
    assert seen["if-none-match"] == '"v1"'
    assert seen["if-modified-since"] == "Mon, 01 Jan 2024"


def test_retry_after_as_http_date():
    from datetime import UTC, datetime

    now = datetime(2024, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("Mon, 01 Jan 2024 12:00:30 GMT", now) == 30.0
    assert retry_after_seconds("soon") is None


@pytest.fixture
def fixture_server(shared_dir):
    handler = partial(
        http.server.SimpleHTTPRequestHandler, directory=str(shared_dir / "fixtures" / "iiif")
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_real_local_server_needs_an_allowed_host(fixture_server):
    url = f"{fixture_server}/cookbook-0009-book-1-v3.json"
    endpoint = fixture_server.removeprefix("http://")
    with Fetcher(FetchConfig(user_agent="t"), UrlPolicy.allowing([endpoint])) as f:
        result = f.get(url)
    assert result.status_code == 200
    assert b'"type": "Manifest"' in result.content
    with Fetcher(FetchConfig(user_agent="t"), UrlPolicy()) as f, pytest.raises(BlockedUrlError):
        f.get(url)

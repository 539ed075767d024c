"""Fetching IIIF documents and images politely and safely.

One `Fetcher` per process: per-host concurrency limits, timeouts, retries with exponential
backoff on network errors, 429 and 5xx (honouring Retry-After), a size cap enforced while
streaming, conditional re-fetch (ETag / Last-Modified), a clear User-Agent, and the SSRF policy
applied to the first URL and to every redirect, each connection pinned to the addresses the
policy judged (`ingest.pinning`).

Every fetch has an overall deadline covering connection, all reads, redirects, retries and the
waits between them, and a minimum transfer rate: a server that drips bytes is dropped.
"""

from __future__ import annotations

import email.utils
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

import httpx

from ingest.errors import (
    DeadlineExceededError,
    DocumentTooLargeError,
    FetchError,
    HttpStatusError,
    NetworkError,
    TooManyRedirectsError,
)
from ingest.pinning import Pin, PinnedTransport, pinned
from ingest.urls import UrlPolicy

REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True)
class FetchConfig:
    user_agent: str
    timeout_s: float = 30.0
    retries: int = 4
    per_host_concurrency: int = 4
    max_bytes: int = 50_000_000
    max_redirects: int = 5
    backoff_base_s: float = 0.5
    backoff_max_s: float = 60.0
    # Everything one `get` may take, retries included.
    deadline_s: float = 300.0
    # Below this many bytes per second (averaged after the grace period) a transfer is dropped.
    min_bytes_per_s: float = 1024.0
    rate_grace_s: float = 5.0


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    status_code: int
    content: bytes
    content_type: str | None
    etag: str | None
    last_modified: str | None

    @property
    def not_modified(self) -> bool:
        return self.status_code == 304


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After is either a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class Fetcher:
    def __init__(
        self,
        config: FetchConfig,
        policy: UrlPolicy,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """`transport` replaces the pinned one (tests of retry logic over `httpx.MockTransport`)."""
        self.config = config
        self.policy = policy
        self._sleep = sleep
        self._client = httpx.Client(
            transport=transport or PinnedTransport(),
            timeout=httpx.Timeout(config.timeout_s),
            headers={"User-Agent": config.user_agent},
            follow_redirects=False,
        )
        self._host_slots: dict[str, threading.BoundedSemaphore] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _slot(self, url: str) -> threading.BoundedSemaphore:
        host = urlsplit(url).netloc.lower()
        with self._lock:
            if host not in self._host_slots:
                self._host_slots[host] = threading.BoundedSemaphore(
                    self.config.per_host_concurrency
                )
            return self._host_slots[host]

    def get(
        self,
        url: str,
        *,
        max_bytes: int | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str | None = None,
    ) -> Fetched:
        """GET `url`, retrying transient failures. 304 comes back as `not_modified`."""
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        if accept:
            headers["Accept"] = accept
        limit = max_bytes or self.config.max_bytes
        deadline = time.monotonic() + self.config.deadline_s
        attempt = 0
        while True:
            try:
                return self._follow(url, headers, limit, deadline)
            except FetchError as exc:
                attempt += 1
                if not exc.transient or attempt > self.config.retries:
                    raise
                wait = self._backoff(attempt, getattr(exc, "retry_after", None))
                if time.monotonic() + wait >= deadline:
                    raise DeadlineExceededError(
                        f"{url}: no time left for attempt {attempt + 1} within "
                        f"{self.config.deadline_s:g} s ({exc})"
                    ) from exc
                self._sleep(wait)

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self.config.backoff_max_s)
        delay = self.config.backoff_base_s * 2 ** (attempt - 1)
        return min(delay, self.config.backoff_max_s) * (0.5 + random.random() / 2)

    def _follow(self, url: str, headers: dict[str, str], limit: int, deadline: float) -> Fetched:
        seen: set[str] = set()
        for _ in range(self.config.max_redirects + 1):
            if time.monotonic() >= deadline:
                raise DeadlineExceededError(f"{url}: deadline of {self.config.deadline_s:g} s")
            target = self.policy.check(url)
            seen.add(url)
            with self._slot(url), pinned(Pin(target, deadline)):
                result = self._get_once(url, headers, limit, deadline)
            if isinstance(result, Fetched):
                return result
            url = urljoin(url, result)
            if url in seen:
                raise TooManyRedirectsError(f"redirect loop at {url}")
        raise TooManyRedirectsError(f"more than {self.config.max_redirects} redirects from {url}")

    def _check_rate(self, url: str, size: int, elapsed: float) -> None:
        if elapsed > self.config.rate_grace_s and size / elapsed < self.config.min_bytes_per_s:
            raise DeadlineExceededError(
                f"{url} sends {size / elapsed:.0f} bytes/s, below the minimum of "
                f"{self.config.min_bytes_per_s:g}"
            )

    def _get_once(
        self, url: str, headers: dict[str, str], limit: int, deadline: float
    ) -> Fetched | str:
        """A response, or the Location to follow."""
        try:
            with self._client.stream("GET", url, headers=headers) as response:
                if response.status_code in REDIRECT_CODES and "location" in response.headers:
                    return response.headers["location"]
                if response.status_code >= 400:
                    error = HttpStatusError(url, response.status_code)
                    error.retry_after = retry_after_seconds(response.headers.get("retry-after"))
                    raise error
                declared = response.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > limit:
                    raise DocumentTooLargeError(f"{url} is {declared} bytes (limit {limit})")
                chunks, size, started = [], 0, time.monotonic()
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > limit:
                        raise DocumentTooLargeError(f"{url} exceeds {limit} bytes")
                    chunks.append(chunk)
                    self._check_rate(url, size, time.monotonic() - started)
                return Fetched(
                    url=str(response.url),
                    status_code=response.status_code,
                    content=b"".join(chunks),
                    content_type=response.headers.get("content-type"),
                    etag=response.headers.get("etag"),
                    last_modified=response.headers.get("last-modified"),
                )
        except httpx.TimeoutException as exc:
            if time.monotonic() >= deadline:
                raise DeadlineExceededError(
                    f"{url}: deadline of {self.config.deadline_s:g} s passed"
                ) from exc
            raise NetworkError(f"timeout fetching {url}: {exc}") from exc
        except httpx.TransportError as exc:
            raise NetworkError(f"network error fetching {url}: {exc}") from exc

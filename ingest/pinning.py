"""Connections pinned to the addresses the URL policy judged, under the fetch's deadline.

httpx would resolve the host name again when it connects: a DNS server answering a public
address to the policy check and 127.0.0.1 to the connection (rebinding) would walk past the
check. `PinnedTransport` is httpx's own transport over a network backend that never resolves:
it connects to the addresses of the current `Pin` (set by the fetcher around each request,
in a context variable) and refuses any other host. Every read and write of those connections
is also clamped to the pin's deadline, so a server that drips its headers or body one byte at
a time cannot hold a worker past it.
"""

from __future__ import annotations

import contextlib
import time
import typing
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass

import httpcore
import httpx

from ingest.urls import Target


@dataclass(frozen=True)
class Pin:
    target: Target
    deadline: float  # time.monotonic()


_current: ContextVar[Pin | None] = ContextVar("contagions_fetch_pin", default=None)


@contextlib.contextmanager
def pinned(pin: Pin) -> Iterator[None]:
    token = _current.set(pin)
    try:
        yield
    finally:
        _current.reset(token)


def _time_left(timeout: float | None) -> float:
    pin = _current.get()
    if pin is None:
        raise httpcore.ConnectError("connection used outside a pinned fetch")
    left = pin.deadline - time.monotonic()
    if left <= 0:
        raise httpcore.ReadTimeout("the fetch deadline has passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _time_left(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _time_left(timeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context, server_hostname=None, timeout=None):
        return _DeadlineStream(
            self._stream.start_tls(ssl_context, server_hostname, _time_left(timeout))
        )

    def get_extra_info(self, info: str) -> typing.Any:
        return self._stream.get_extra_info(info)


class PinnedBackend(httpcore.NetworkBackend):
    """Connects only to the current pin's addresses; `inner` does the actual socket work."""

    def __init__(self, inner: httpcore.NetworkBackend | None = None) -> None:
        self._inner = inner or httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[typing.Any] | None = None,
    ) -> httpcore.NetworkStream:
        pin = _current.get()
        if pin is None or (host.lower(), port) != (pin.target.host, pin.target.port):
            raise httpcore.ConnectError(f"{host}:{port} is not the checked endpoint of this fetch")
        failure: Exception = httpcore.ConnectError(f"no address for {host}")
        for address in pin.target.addresses:
            try:
                stream = self._inner.connect_tcp(
                    address, port, _time_left(timeout), local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
                continue
            return _DeadlineStream(stream)
        raise failure

    def connect_unix_socket(self, path, timeout=None, socket_options=None):
        raise httpcore.ConnectError("unix sockets are not fetched")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class PinnedTransport(httpx.HTTPTransport):
    """httpx's HTTP/1.1 transport over `PinnedBackend` (TLS verified against the URL's host)."""

    def __init__(self, inner: httpcore.NetworkBackend | None = None) -> None:
        super().__init__()
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(), network_backend=PinnedBackend(inner)
        )

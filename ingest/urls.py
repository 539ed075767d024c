"""Deciding whether a URL may be fetched, and at which address (server-side request forgery guard).

Researchers paste URLs; the server must not be turned into a client of its own network.
A URL is refused when its scheme is not http(s), when it carries credentials, or when any
address its host resolves to is not globally routable (`ipaddress`'s `is_global`: loopback,
private, shared 100.64/10, link-local, reserved, unspecified...) or is multicast. IPv4 addresses
carried inside IPv6 ones (mapped, NAT64, 6to4, Teredo) are judged as the IPv4 address.

The only exception is an allow-list of exact `host:port` endpoints (a local IIIF site of the
harvester's, an institution's intranet mirror): never a whole host, so that allowing a local
IIIF server on 127.0.0.1:8191 does not open the database on 127.0.0.1:7474.

`check` returns the addresses it judged; the fetcher connects to those and only those
(`ingest.pinning`), so a second DNS answer (rebinding) cannot change where the bytes go.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import SplitResult, urlsplit

from ingest.errors import BlockedUrlError, UnresolvableHostError

Resolver = Callable[[str, int], list[str]]
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def resolve_host(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        # Not a policy decision: the name does not resolve (now). Reported as a network error.
        raise UnresolvableHostError(f"cannot resolve host {host!r}: {exc}") from exc
    return sorted({str(info[4][0]) for info in infos})


def _embedded_ipv4(ip: IpAddress) -> ipaddress.IPv4Address | None:
    if not isinstance(ip, ipaddress.IPv6Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_public_address(address: str) -> bool:
    """Globally routable unicast (and so is any IPv4 address carried inside an IPv6 one)."""
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return False
    embedded = _embedded_ipv4(ip)
    if embedded is not None and not is_public_address(str(embedded)):
        return False
    return ip.is_global and not ip.is_multicast


def endpoint_of(parts: SplitResult) -> tuple[str, int]:
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return (parts.hostname or "").lower(), port


def parse_endpoint(entry: str) -> tuple[str, int]:
    """`host:port` (`[v6]:port` for IPv6) -> (host, port); a bare host is refused."""
    parts = urlsplit(f"//{entry.strip()}")
    try:
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"bad port in allowed endpoint {entry!r}") from exc
    if not parts.hostname or port is None or parts.path or parts.username:
        raise ValueError(
            f"allowed endpoints are exact host:port pairs (e.g. 127.0.0.1:8191), not {entry!r}"
        )
    return parts.hostname.lower(), port


@dataclass(frozen=True)
class Target:
    """Where a checked URL may be fetched from: its host and port, and the judged addresses."""

    host: str
    port: int
    addresses: tuple[str, ...]


@dataclass(frozen=True)
class UrlPolicy:
    # (host, port) pairs whose host may resolve to non-global addresses.
    allowed_endpoints: frozenset[tuple[str, int]] = frozenset()
    resolver: Resolver = field(default=resolve_host, compare=False)

    @classmethod
    def allowing(cls, endpoints: Iterable[str], resolver: Resolver = resolve_host) -> UrlPolicy:
        return cls(frozenset(parse_endpoint(e) for e in endpoints), resolver)

    def check(self, url: str) -> Target:
        """The target of `url`; `BlockedUrlError` unless it may be fetched.

        A name that does not resolve raises `UnresolvableHostError` (a network failure).
        """
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise BlockedUrlError(f"only http and https URLs are fetched, not {url!r}")
        if parts.username or parts.password:
            raise BlockedUrlError("URLs with credentials are not fetched")
        try:
            host, port = endpoint_of(parts)
        except ValueError as exc:
            raise BlockedUrlError(f"bad port in {url!r}") from exc
        if not host:
            raise BlockedUrlError(f"URL has no host: {url!r}")
        addresses = tuple(self.resolver(host, port))
        if not addresses:
            raise UnresolvableHostError(f"host {host!r} has no address")
        if (host, port) not in self.allowed_endpoints:
            for address in addresses:
                if not is_public_address(address):
                    raise BlockedUrlError(
                        f"{host} resolves to non-public address {address}; allow the exact "
                        f'endpoint with CONTAGIONS_HTTP__ALLOWED_PRIVATE_HOSTS=["{host}:{port}"]'
                    )
        return Target(host=host, port=port, addresses=addresses)

"""The fetch policy against a hostile server on loopback: probes, redirects, rebinding, drips.

Only loopback ever receives traffic. Private, shared and link-local addresses are only checked
for refusal before any connection: the fetchers here connect through `NoOutside`, which
records every connection asked for and refuses (without a socket) anything but loopback.
"""

from __future__ import annotations

import ipaddress
import time

import httpcore
import pytest

from ingest.errors import (
    BlockedUrlError,
    DeadlineExceededError,
    NetworkError,
    UnresolvableHostError,
)
from ingest.fetch import FetchConfig, Fetcher
from ingest.pinning import PinnedTransport
from ingest.urls import UrlPolicy, resolve_host


class NoOutside(httpcore.NetworkBackend):
    """Connects to loopback only; every other connection asked for is recorded and refused."""

    def __init__(self) -> None:
        self.real = httpcore.SyncBackend()
        self.asked: list[tuple[str, int]] = []

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        self.asked.append((host, port))
        if not ipaddress.ip_address(host).is_loopback:
            raise httpcore.ConnectError(f"test refuses to leave loopback ({host})")
        return self.real.connect_tcp(host, port, timeout, local_address, socket_options)

    def sleep(self, seconds):
        time.sleep(seconds)


def fetcher(policy: UrlPolicy, backend: NoOutside, **config) -> Fetcher:
    config = {"user_agent": "t", "retries": 0, **config}
    return Fetcher(FetchConfig(**config), policy, transport=PinnedTransport(backend))


LOOPBACK_SPELLINGS = [
    "localhost",
    "127.0.0.1",
    "[::1]",
    "0.0.0.0",
    "2130706433",
    "0x7f000001",
    "127.1",
    "[::ffff:127.0.0.1]",
    "[::ffff:7f00:1]",
    "127.0.0.2",
]


@pytest.mark.parametrize("host", LOOPBACK_SPELLINGS)
def test_every_loopback_spelling_is_refused_before_connecting(host, hostile_server):
    backend = NoOutside()
    with fetcher(UrlPolicy(), backend) as f, pytest.raises(BlockedUrlError):
        f.get(f"http://{host}:{hostile_server.port}/small.png")
    assert backend.asked == [] and hostile_server.connections == 0


# Each resolves (as the resolver says) to an address that is not globally routable.
NON_GLOBAL = {
    "link-local (cloud metadata)": "169.254.169.254",
    "shared address space": "100.64.0.1",
    "shared address space (metadata)": "100.100.100.200",
    "private 10/8": "10.0.0.1",
    "private 172.16/12": "172.16.0.1",
    "private 192.168/16": "192.168.1.1",
    "IPv6 unique local": "fd00::1",
    "IPv6 link-local": "fe80::1",
    "NAT64 of loopback": "64:ff9b::7f00:1",
    "6to4 of private": "2002:a00:1::1",
    "multicast": "224.0.0.1",
    "benchmarking 198.18/15": "198.18.0.1",
    "documentation": "192.0.2.1",
}


@pytest.mark.parametrize("address", NON_GLOBAL.values(), ids=NON_GLOBAL.keys())
def test_non_global_addresses_are_refused_before_connecting(address):
    backend = NoOutside()
    policy = UrlPolicy(resolver=lambda host, port: [address])
    with fetcher(policy, backend) as f, pytest.raises(BlockedUrlError, match="non-public"):
        f.get("http://images.example/page.jpg")
    assert backend.asked == []


def test_one_non_global_address_among_global_ones_refuses():
    backend = NoOutside()
    policy = UrlPolicy(resolver=lambda host, port: ["93.184.216.34", "10.0.0.1"])
    with fetcher(policy, backend) as f, pytest.raises(BlockedUrlError):
        f.get("http://images.example/page.jpg")
    assert backend.asked == []


def test_rebinding_cannot_move_the_connection(hostile_server):
    """Public at check time, loopback afterwards: the connection goes where the check said."""
    answers = iter([["93.184.216.34"]])

    def rebinding(host, port):
        return next(answers, ["127.0.0.1"])

    backend = NoOutside()
    with fetcher(UrlPolicy(resolver=rebinding), backend) as f, pytest.raises(NetworkError) as info:
        f.get(f"http://rebind.example:{hostile_server.port}/small.png")
    assert not isinstance(info.value, BlockedUrlError)
    # The socket layer was asked for the checked address only (and refused it: no traffic out).
    assert backend.asked == [("93.184.216.34", hostile_server.port)]
    assert hostile_server.connections == 0


def test_the_connection_uses_the_checked_address_not_a_new_lookup(hostile_server):
    # `.test` never resolves through the system: only the policy's answer can reach the server.
    policy = UrlPolicy.allowing(
        [f"iiif.test:{hostile_server.port}"], resolver=lambda host, port: ["127.0.0.1"]
    )
    with fetcher(policy, NoOutside()) as f:
        fetched = f.get(f"http://iiif.test:{hostile_server.port}/chain/3")
    assert fetched.content == hostile_server.small_png
    assert fetched.url == f"http://iiif.test:{hostile_server.port}/small.png"


def test_an_allowed_endpoint_opens_that_port_only(hostile_server, listener):
    policy = UrlPolicy.allowing([hostile_server.endpoint])
    with fetcher(policy, NoOutside()) as f:
        assert f.get(f"{hostile_server.url}/small.png").status_code == 200
        with pytest.raises(BlockedUrlError):
            f.get(f"http://127.0.0.1:{listener.port}/")
        with pytest.raises(BlockedUrlError):
            f.get(f"http://localhost:{hostile_server.port}/small.png")
    assert listener.accepted == 0


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1:{other}/db/neo4j/tx/commit",
        "http://localhost:{port}/small.png",
        "file:///etc/passwd",
        "gopher://127.0.0.1:{other}/_INFO",
        "http://user:pw@127.0.0.1:{port}/",
    ],
)
def test_every_redirect_is_checked_again(target, hostile_server, listener):
    location = target.format(other=listener.port, port=hostile_server.port)
    policy = UrlPolicy.allowing([hostile_server.endpoint])
    with fetcher(policy, NoOutside()) as f, pytest.raises(BlockedUrlError):
        f.get(f"{hostile_server.url}/redirect?to={location}")
    assert hostile_server.hits["/redirect"] == 1
    assert hostile_server.hits["/small.png"] == 0 and listener.accepted == 0


def test_an_unresolvable_name_is_a_network_failure_not_a_refusal():
    # A label over 63 characters fails in the IDNA codec: no DNS query leaves the machine.
    with pytest.raises(UnresolvableHostError) as info:
        resolve_host("a" * 64 + ".example", 80)
    assert isinstance(info.value, NetworkError) and not isinstance(info.value, BlockedUrlError)
    with fetcher(UrlPolicy(), NoOutside()) as f, pytest.raises(UnresolvableHostError):
        f.get("http://" + "a" * 64 + ".example/x.jpg")


@pytest.mark.parametrize("retries", [0, 5])
@pytest.mark.parametrize("path", ["/drip", "/drip-headers"])
def test_a_drip_is_stopped_by_the_deadline(path, retries, hostile_server):
    policy = UrlPolicy.allowing([hostile_server.endpoint])
    config = {"deadline_s": 2.0, "retries": retries, "backoff_base_s": 0.1, "timeout_s": 30.0}
    started = time.monotonic()
    with fetcher(policy, NoOutside(), **config) as f, pytest.raises(DeadlineExceededError):
        f.get(hostile_server.url + path)
    assert time.monotonic() - started < 4.0


def test_a_transfer_below_the_minimum_rate_is_dropped(hostile_server):
    hostile_server.drip_s = 0.05  # 20 bytes/s: alive, but never done
    policy = UrlPolicy.allowing([hostile_server.endpoint])
    config = {"deadline_s": 60.0, "min_bytes_per_s": 1000.0, "rate_grace_s": 1.0}
    started = time.monotonic()
    with (
        fetcher(policy, NoOutside(), **config) as f,
        pytest.raises(DeadlineExceededError, match="bytes/s"),
    ):
        f.get(hostile_server.url + "/drip")
    assert time.monotonic() - started < 3.0

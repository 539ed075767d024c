import pytest

from ingest.errors import BlockedUrlError
from ingest.urls import UrlPolicy, is_public_address


def fixed(addresses):
    return lambda host, port: addresses


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.9",
        "192.168.1.1",
        "169.254.169.254",
        "::1",
        "fe80::1",
        "0.0.0.0",
        "::ffff:127.0.0.1",
        "224.0.0.1",
        "fd00::1",
    ],
)
def test_non_public_addresses(address):
    assert not is_public_address(address)


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"])
def test_public_addresses(address):
    assert is_public_address(address)


def test_private_resolution_is_blocked_with_a_clear_reason():
    policy = UrlPolicy(resolver=fixed(["10.0.0.5"]))
    with pytest.raises(BlockedUrlError, match=r"non-public address 10\.0\.0\.5"):
        policy.check("https://intranet.example/manifest.json")


def test_any_private_address_among_several_blocks():
    policy = UrlPolicy(resolver=fixed(["93.184.216.34", "127.0.0.1"]))
    with pytest.raises(BlockedUrlError):
        policy.check("http://rebind.example/")


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "gopher://x/",
        "ftp://example.org/a",
        "http:///nohost",
        "http://user:pw@example.org/",
    ],
)
def test_bad_urls_are_blocked(url):
    with pytest.raises(BlockedUrlError):
        UrlPolicy(resolver=fixed(["93.184.216.34"])).check(url)


def test_allowed_endpoints_skip_the_address_check_for_that_port_only():
    policy = UrlPolicy.allowing(["LocalHost:8182"])
    target = policy.check("http://localhost:8182/iiif/manifest.json")
    assert (target.host, target.port) == ("localhost", 8182) and target.addresses
    with pytest.raises(BlockedUrlError):
        policy.check("http://localhost:7474/db/neo4j/tx/commit")
    with pytest.raises(BlockedUrlError):
        UrlPolicy().check("http://localhost:8182/iiif/manifest.json")


@pytest.mark.parametrize("entry", ["127.0.0.1", "localhost", "127.0.0.1:", "http://x:1/a"])
def test_a_whole_host_cannot_be_allowed(entry):
    with pytest.raises(ValueError, match="host:port"):
        UrlPolicy.allowing([entry])

"""The vector service owns the embedded engine; several client processes share it over HTTP."""

import socket
import subprocess
import sys
from datetime import date

import httpx
import numpy as np
import pytest

from api.services.process import port_open, wait_until
from ml.vectors import CollectionMismatchError, EdgeStore, NoCollectionError, SearchFilter
from ml.vectors.remote import RemoteStore, VectorServiceError
from ml.vectors.service import Collections
from ml.vectors.store import illustration_payload


def start_service(root, port: int) -> subprocess.Popen:
    code = (
        "from pathlib import Path; from ml.vectors.service import serve; "
        f"serve(Path({str(root)!r}), port={port})"
    )
    process = subprocess.Popen([sys.executable, "-c", code])
    assert wait_until(lambda: port_open("127.0.0.1", port), 30)
    return process


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    root = tmp_path_factory.mktemp("vectors")
    port = free_port()
    process = start_service(root, port)
    yield f"http://127.0.0.1:{port}", root
    process.terminate()
    process.wait(timeout=30)


def unit(rng, n, d=16):
    x = rng.standard_normal((n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_two_clients_share_one_engine(service):
    url, _ = service
    rng = np.random.default_rng(0)
    vectors = unit(rng, 50)
    ids = [f"ill_{n}" for n in range(50)]
    payloads = [
        illustration_payload(
            i,
            corpus="c",
            country_code="FR" if n % 2 else "DE",
            issue_date=date(1900 + n, 1, 1),
            year=1900 + n,
        )
        for n, i in enumerate(ids)
    ]
    writer, reader = RemoteStore(url), RemoteStore(url)
    writer.ensure_collection("shared", 16)
    writer.upsert(ids, vectors, payloads)
    reader.ensure_collection("shared", 16)
    assert reader.count() == 50
    hits = reader.search(vectors[7], 3)
    assert hits[0].id == "ill_7" and hits[0].score == pytest.approx(1.0, abs=1e-5)
    french = reader.search(vectors[8], 5, filter=SearchFilter(country="FR"))
    assert all(h.payload["country_code"] == "FR" for h in french) and "ill_8" not in {
        h.id for h in french
    }
    dated = reader.search(vectors[0], 50, filter=SearchFilter(date_from=date(1940, 1, 1)))
    assert {h.id for h in dated} == {f"ill_{n}" for n in range(40, 50)}
    found = reader.retrieve(["ill_3", "nope"])
    assert list(found) == ["ill_3"]
    np.testing.assert_allclose(found["ill_3"], vectors[3], atol=1e-6)
    batch = reader.search_batch(vectors[:4], 1)
    assert [b[0].id for b in batch] == ids[:4]
    writer.delete(["ill_3"])
    assert reader.count() == 49


def test_errors_keep_their_types(service):
    url, _ = service
    store = RemoteStore(url)
    store.ensure_collection("sized", 16)
    with pytest.raises(CollectionMismatchError):
        RemoteStore(url).ensure_collection("sized", 32)
    never_ensured = RemoteStore(url)
    never_ensured.collection = "never-made"
    with pytest.raises(NoCollectionError):
        never_ensured.count()
    with pytest.raises(VectorServiceError, match="unreachable"):
        RemoteStore("http://127.0.0.1:9", reconnect_s=0.5).ensure_collection("x", 4)


def test_the_engine_really_is_single_owner(service):
    _, root = service
    # A second process (this one) cannot open a shard the service holds: hence the service.
    with pytest.raises(CollectionMismatchError, match="WAL"):
        EdgeStore(root).ensure_collection("shared", 16)


def test_clients_survive_a_killed_and_restarted_service(tmp_path):
    """kill -9 of the service: its clients wait for it, reopen their collection, lose nothing."""
    port = free_port()
    processes = [start_service(tmp_path, port)]
    try:
        rng = np.random.default_rng(3)
        vectors = unit(rng, 20)
        ids = [f"ill_{n}" for n in range(20)]
        store = RemoteStore(f"http://127.0.0.1:{port}", reconnect_s=30)
        store.ensure_collection("durable", 16)
        store.upsert(ids[:10], vectors[:10], [{"illustration_id": i} for i in ids[:10]])
        store.optimize()
        processes[0].kill()
        processes[0].wait(timeout=30)
        processes.append(start_service(tmp_path, port))
        # The new service has no collection open: the client reopens it on the 404.
        assert store.count() == 10
        store.upsert(ids[10:], vectors[10:], [{"illustration_id": i} for i in ids[10:]])
        assert store.search(vectors[15], 1)[0].id == "ill_15"
        assert store.search(vectors[5], 1)[0].id == "ill_5"
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=30)


def test_an_idle_collection_is_closed_but_one_in_use_is_not(tmp_path):
    now = [0.0]
    collections = Collections(tmp_path, idle_close_s=60, clock=lambda: now[0])
    for name in ("old_model", "busy_model"):
        collections.ensure(name, 16, 16, 100, "none")
    vectors = unit(np.random.default_rng(4), 3)
    with collections.use("old_model") as (store, _):
        store.upsert(["a", "b", "c"], vectors, [{"illustration_id": i} for i in "abc"])
    now[0] = 30.0
    with collections.use("busy_model"):
        now[0] = 100.0
        # old_model was last used at 0, busy_model is in a call: only the first goes.
        assert collections.close_idle() == ["old_model"]
    assert collections.open_names() == ["busy_model"]
    assert collections.close_idle() == []  # just used, at 100
    now[0] = 161.0
    assert collections.close_idle() == ["busy_model"]
    with pytest.raises(NoCollectionError, match="not open"), collections.use("busy_model"):
        pass
    # Reopened from its files, with what it held.
    store = collections.ensure("old_model", 16, 16, 100, "none")
    assert store.count() == 3
    collections.close()


def test_a_client_reopens_a_collection_the_service_closed_as_idle(tmp_path):
    port = free_port()
    code = (
        "from pathlib import Path; from ml.vectors.service import serve; "
        f"serve(Path({str(tmp_path)!r}), port={port}, idle_close_s=0.4)"
    )
    process = subprocess.Popen([sys.executable, "-c", code])
    try:
        assert wait_until(lambda: port_open("127.0.0.1", port), 30)
        rng = np.random.default_rng(5)
        vectors = unit(rng, 10)
        ids = [f"ill_{n}" for n in range(10)]
        store = RemoteStore(f"http://127.0.0.1:{port}")
        store.ensure_collection("resting", 16)
        store.upsert(ids, vectors, [{"illustration_id": i} for i in ids])
        store.optimize()
        health = httpx.Client(base_url=f"http://127.0.0.1:{port}")
        assert health.get("/healthz").json()["open"] == ["resting"]
        assert wait_until(lambda: health.get("/healthz").json()["open"] == [], 10)
        assert store.search(vectors[7], 1)[0].id == "ill_7"
        assert health.get("/healthz").json()["open"] == ["resting"]
        health.close()
    finally:
        process.terminate()
        process.wait(timeout=30)

"""One suite, both backends: the embedded engine and qdrant-client's local mode."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from ml.vectors import (
    CollectionMismatchError,
    EdgeStore,
    NoCollectionError,
    QdrantClientStore,
    SearchFilter,
    VectorStore,
    collection_name,
    illustration_payload,
    point_id,
)

DIM = 8
COLLECTION = collection_name("a1b2c3d4e5f6")

# Eight illustrations around two directions (axis 0 and axis 1) with known metadata.
ROWS = [
    # id, direction, tilt, corpus, periodical, place, country, issue date
    ("ill-a", 0, 0.00, "gallica", "per-1", "paris", "FR", date(1891, 3, 1)),
    ("ill-b", 0, 0.10, "gallica", "per-1", "paris", "FR", date(1895, 6, 15)),
    ("ill-c", 0, 0.20, "gallica", "per-2", "lyon", "FR", date(1902, 1, 5)),
    ("ill-d", 0, 0.30, "lc", "per-3", "new-york", "US", date(1899, 12, 31)),
    ("ill-e", 0, 0.40, "lc", "per-3", "new-york", "US", date(1910, 7, 4)),
    ("ill-f", 1, 0.00, "lc", "per-4", "boston", "US", date(1891, 3, 2)),
    ("ill-g", 1, 0.10, "gallica", "per-1", "paris", "FR", date(1905, 5, 5)),
    ("ill-h", 1, 0.20, "kb", "per-5", "amsterdam", "NL", date(1920, 2, 29)),
]


def vector(direction: int, tilt: float) -> np.ndarray:
    v = np.zeros(DIM, dtype=np.float32)
    v[direction] = 1.0
    v[7] = tilt
    return v / np.linalg.norm(v)


IDS = [r[0] for r in ROWS]
VECTORS = np.stack([vector(r[1], r[2]) for r in ROWS])
PAYLOADS = [
    illustration_payload(
        r[0], corpus=r[3], periodical_id=r[4], place_id=r[5], country_code=r[6], issue_date=r[7]
    )
    for r in ROWS
]
AXIS_0 = vector(0, 0.0)


def open_edge(root: Path) -> VectorStore:
    return EdgeStore(root / "edge")


def open_local(root: Path) -> VectorStore:
    return QdrantClientStore.local(root / "qdrant-local")


OPENERS: dict[str, Callable[[Path], VectorStore]] = {"edge": open_edge, "client": open_local}


@pytest.fixture(params=sorted(OPENERS))
def opener(request) -> Callable[[Path], VectorStore]:
    return OPENERS[request.param]


@pytest.fixture
def store(opener, tmp_path: Path) -> Iterator[VectorStore]:
    store = opener(tmp_path)
    store.ensure_collection(COLLECTION, DIM, hnsw_m=16, ef_construct=100)
    store.upsert(IDS, VECTORS, PAYLOADS)
    yield store
    store.close()


def ids(hits) -> list[str]:
    return [h.id for h in hits]


def test_point_ids_are_deterministic_uuids():
    assert point_id("ill-a") == point_id("ill-a") != point_id("ill-b")
    assert point_id("ill-a") == "81a0ab44-9bc9-56b3-bd0b-38acff5801c4"


def test_payload_helper():
    assert illustration_payload("x", country_code="FR", issue_date=date(1900, 1, 2)) == {
        "illustration_id": "x",
        "country_code": "FR",
        "issue_date": "1900-01-02",
        "date_ordinal": date(1900, 1, 2).toordinal(),
        "year": 1900,
    }


def test_search_orders_by_cosine(store: VectorStore):
    hits = store.search(AXIS_0, k=3)
    assert ids(hits) == ["ill-a", "ill-b", "ill-c"]
    assert hits[0].score == pytest.approx(1.0, abs=1e-6)
    assert hits[1].score == pytest.approx(1 / np.sqrt(1.01), abs=1e-6)
    assert hits[0].payload["periodical_id"] == "per-1"
    assert hits[0].payload["issue_date"] == "1891-03-01"


def test_score_threshold(store: VectorStore):
    # cos for tilts 0, .1, .2, .3, .4: 1, .995, .981, .958, .928
    assert ids(store.search(AXIS_0, k=10, score_threshold=0.95)) == [
        "ill-a",
        "ill-b",
        "ill-c",
        "ill-d",
    ]


@pytest.mark.parametrize(
    ("search_filter", "expected"),
    [
        (SearchFilter(country="US"), ["ill-d", "ill-e", "ill-f"]),
        (SearchFilter(country=("NL", "US")), ["ill-d", "ill-e", "ill-f", "ill-h"]),
        (SearchFilter(place="paris"), ["ill-a", "ill-b", "ill-g"]),
        (SearchFilter(periodical="per-3"), ["ill-d", "ill-e"]),
        (SearchFilter(corpus="gallica"), ["ill-a", "ill-b", "ill-c", "ill-g"]),
        (
            SearchFilter(date_from=date(1891, 3, 2), date_to=date(1899, 12, 31)),
            ["ill-b", "ill-d", "ill-f"],
        ),
        (SearchFilter(date_from=date(1905, 5, 5)), ["ill-e", "ill-g", "ill-h"]),
        (SearchFilter(year_from=1899, year_to=1902), ["ill-c", "ill-d"]),
        (SearchFilter(country="FR", year_to=1900), ["ill-a", "ill-b"]),
        (SearchFilter(corpus="kb", country="FR"), []),
    ],
)
def test_filters(store: VectorStore, search_filter: SearchFilter, expected: list[str]):
    hits = store.search(AXIS_0, k=10, filter=search_filter)
    assert sorted(ids(hits)) == expected


def test_search_batch(store: VectorStore):
    results = store.search_batch(np.stack([AXIS_0, vector(1, 0.0)]), k=2)
    assert [ids(r) for r in results] == [["ill-a", "ill-b"], ["ill-f", "ill-g"]]
    filtered = store.search_batch(np.stack([AXIS_0]), k=5, filter=SearchFilter(country="NL"))
    assert [ids(r) for r in filtered] == [["ill-h"]]


def test_retrieve_count_delete(store: VectorStore):
    found = store.retrieve(["ill-c", "missing", "ill-h"])
    assert sorted(found) == ["ill-c", "ill-h"]
    np.testing.assert_allclose(found["ill-c"], VECTORS[2], atol=1e-6)
    assert store.count() == 8
    store.delete(["ill-a", "ill-b"])
    assert store.count() == 6
    assert ids(store.search(AXIS_0, k=1)) == ["ill-c"]


def test_reupsert_is_idempotent_and_updates(store: VectorStore):
    store.upsert(IDS, VECTORS, PAYLOADS)
    assert store.count() == 8
    moved = illustration_payload("ill-a", country_code="BE")
    store.upsert(["ill-a"], vector(1, 0.0)[None], [moved])
    assert store.count() == 8
    assert ids(store.search(vector(1, 0.0), k=1, filter=SearchFilter(country="BE"))) == ["ill-a"]
    assert ids(store.search(AXIS_0, k=1)) == ["ill-b"]


def test_persistence_after_reopen(opener, tmp_path: Path):
    first = opener(tmp_path)
    first.ensure_collection(COLLECTION, DIM)
    first.upsert(IDS, VECTORS, PAYLOADS)
    first.optimize()
    first.close()
    second = opener(tmp_path)
    second.ensure_collection(COLLECTION, DIM)
    assert second.count() == 8
    assert ids(second.search(AXIS_0, k=2, filter=SearchFilter(country="US"))) == ["ill-d", "ill-e"]
    with pytest.raises(CollectionMismatchError):
        second.ensure_collection(COLLECTION, DIM * 2)
    second.close()


def test_int8_quantization_still_finds_neighbours(opener, tmp_path: Path):
    store = opener(tmp_path)
    store.ensure_collection("quantized", DIM, quantization="int8")
    store.upsert(IDS, VECTORS, PAYLOADS)
    store.optimize()
    assert ids(store.search(AXIS_0, k=3)) == ["ill-a", "ill-b", "ill-c"]
    store.close()


def test_methods_need_a_collection(opener, tmp_path: Path):
    store = opener(tmp_path)
    with pytest.raises(NoCollectionError):
        store.count()
    store.close()


def test_mismatched_lengths_are_refused(store: VectorStore):
    with pytest.raises(ValueError, match="differ in length"):
        store.upsert(["x", "y"], VECTORS[:1], PAYLOADS[:1])


def test_hits_without_payload_carry_the_id_only(store: VectorStore):
    full = store.search_batch(np.stack([AXIS_0]), k=3)[0]
    bare = store.search_batch(np.stack([AXIS_0]), k=3, with_payload=False)[0]
    assert ids(bare) == ids(full) == ["ill-a", "ill-b", "ill-c"]
    assert [h.score for h in bare] == [h.score for h in full]
    assert all(h.payload == {"illustration_id": h.id} for h in bare)
    assert full[0].payload["periodical_id"] == "per-1"


def filtered_recall(store: EdgeStore, vectors: np.ndarray, years: np.ndarray) -> float:
    """Recall@10 of searches restricted to one decade of a century (1 point in 10)."""
    inside = (years >= 1920) & (years <= 1929)
    found = 0
    for q in range(0, len(vectors), 50):
        sims = np.where(inside, vectors @ vectors[q], -9.0)
        exact = {f"ill-{j}" for j in np.argsort(-sims)[:10]}
        hits = store.search(vectors[q], 10, None, SearchFilter(year_from=1920, year_to=1929))
        found += len(exact & set(ids(hits)))
    return found / (10 * len(range(0, len(vectors), 50)))


def test_filtered_searches_walk_the_graph_with_acorn(tmp_path: Path):
    """No sub-graphs per payload value (their build cost 2-3x the main graph's): a filter that
    keeps 1 point in 10 cuts the main graph apart, and ACORN's two-hop walk is what finds the
    filtered neighbours. Thresholds of 1 KB give the small collection its graph and make every
    filter walk it."""
    rng = np.random.default_rng(11)
    vectors = rng.standard_normal((6000, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    years = rng.integers(1890, 1990, len(vectors))
    point_ids = [f"ill-{n}" for n in range(len(vectors))]
    payloads = [illustration_payload(i, year=int(y)) for i, y in zip(point_ids, years, strict=True)]
    recall = {}
    for acorn in (True, False):
        store = EdgeStore(
            tmp_path / str(acorn), acorn=acorn, full_scan_threshold_kb=1, indexing_threshold_kb=1
        )
        store.ensure_collection("c", 32)
        store.upsert(point_ids, vectors, payloads)
        store.optimize()
        recall[acorn] = filtered_recall(store, vectors, years)
        store.close()
    assert recall[True] >= 0.9, recall
    assert recall[False] < 0.85, recall  # the graph alone found 0.71: the test can fail

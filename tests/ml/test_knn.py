import numpy as np
import pytest
from qdrant_edge import (
    Distance,
    EdgeConfig,
    EdgeShard,
    EdgeVectorParams,
    HnswIndexConfig,
    Point,
    Query,
    QueryBatchRequest,
    QueryRequest,
    UpdateOperation,
)

from ml.knn import (
    KnnError,
    KnnGraph,
    choose_method,
    edge_set_id,
    exact_knn,
    knn_from_index,
    knn_query,
    unique_pairs,
)


def unit_vectors(n: int, dim: int, seed: int) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def planted(n_background: int, groups: list[int], dim: int, noise: float, seed: int):
    """Random unit vectors plus groups of noisy copies of a base vector; returns vectors, group."""
    rng = np.random.default_rng(seed)
    parts = [rng.standard_normal((n_background, dim))]
    group = [-1] * n_background
    for g, size in enumerate(groups):
        base = rng.standard_normal(dim)
        base /= np.linalg.norm(base)
        parts.append(base + noise * rng.standard_normal((size, dim)) / np.sqrt(dim))
        group += [g] * size
    x = np.vstack(parts).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True), np.array(group)


def brute_force(queries, corpus, k, min_score, positions=None):
    """Reference: full score matrix, best first, ties by smaller corpus position."""
    scores = queries @ corpus.T
    sources = np.arange(len(queries)) if positions is None else np.asarray(positions)
    if positions is not None:
        scores[np.arange(len(queries)), sources] = -np.inf
    edges = []
    for row, source in enumerate(sources):
        order = np.lexsort((np.arange(corpus.shape[0]), -scores[row]))[:k]
        edges += [(int(source), int(c)) for c in order if scores[row, c] >= min_score]
    edges.sort(key=lambda e: (e[0], -scores[list(sources).index(e[0]), e[1]], e[1]))
    return edges


def as_edges(graph: KnnGraph) -> list[tuple[int, int]]:
    return list(zip(graph.src.tolist(), graph.dst.tolist(), strict=True))


@pytest.mark.parametrize(
    ("n", "k", "min_score", "block_size"),
    [
        (1000, 5, -1.0, 128),  # pure top-k, 8 tiles per side
        (777, 10, 0.1, 64),  # corpus not a multiple of the segment or the block
        (300, 32, 0.0, 4096),  # one tile
        (50, 100, -2.0, 32),  # k larger than the corpus
    ],
)
def test_exact_knn_equals_brute_force(n, k, min_score, block_size):
    x = unit_vectors(n, 16, seed=n)
    x[11] = x[10]  # an exact duplicate: a tie the order must settle by position
    graph = exact_knn(x, k, min_score, block_size=block_size)
    expected = brute_force(x, x, k, min_score, positions=np.arange(n))
    assert as_edges(graph) == expected
    np.testing.assert_allclose(graph.score, np.sum(x[graph.src] * x[graph.dst], axis=1), atol=1e-5)
    assert len(graph) == len(expected)


def test_exact_knn_finds_every_planted_pair_above_threshold():
    x, group = planted(3000, [2, 3, 5, 8, 40], dim=128, noise=0.5, seed=3)
    graph = exact_knn(x, k=32, min_score=0.6, block_size=512)
    pairs = unique_pairs(graph)
    same = group[pairs.i] == group[pairs.j]
    assert same.all() and (group[pairs.i] >= 0).all()
    # Groups below k are complete cliques; the 40-group keeps each member's 32 best.
    found = {g: int(np.sum(group[pairs.i] == g)) for g in range(5)}
    assert found[0] == 1 and found[1] == 3 and found[2] == 10 and found[3] == 28
    assert len(graph.src[group[graph.src] == 4]) == 40 * 32


def test_knn_query_matches_exact_rows_for_new_vectors():
    x = unit_vectors(900, 24, seed=7)
    new = np.array([0, 450, 899, 123])
    graph = knn_query(x[new], x, k=6, min_score=0.0, query_positions=new, block_size=256)
    full = exact_knn(x, k=6, min_score=0.0, block_size=256)
    expected = [e for e in as_edges(full) if e[0] in set(new.tolist())]
    assert sorted(as_edges(graph)) == sorted(expected)
    assert set(graph.src.tolist()) == {0, 123, 450, 899}


def test_knn_query_without_positions_uses_query_rows():
    x = unit_vectors(200, 8, seed=8)
    graph = knn_query(x[:3], x[3:], k=2, min_score=-1.0)
    assert as_edges(graph) == brute_force(x[:3], x[3:], 2, -1.0)


def test_torch_backend_matches_numpy():
    x = unit_vectors(700, 32, seed=9)
    cpu = exact_knn(x, k=8, min_score=0.05, block_size=256)
    on_torch = exact_knn(x, k=8, min_score=0.05, block_size=256, device="cpu:0")
    assert as_edges(on_torch) == as_edges(cpu)


def test_knn_from_index_with_qdrant_edge_equals_exact(tmp_path):
    x = unit_vectors(600, 16, seed=10)
    ids = [f"ill-{p}" for p in range(600)]
    shard = EdgeShard.create(
        str(tmp_path),
        EdgeConfig(
            vectors={"v": EdgeVectorParams(size=16, distance=Distance.Cosine)},
            hnsw_config=HnswIndexConfig(m=16, ef_construct=100, full_scan_threshold=10000),
        ),
    )
    shard.update(
        UpdateOperation.upsert_points(
            [Point(p, {"v": x[p].tolist()}, {"id": ids[p]}) for p in range(600)]
        )
    )

    def search_batch(batch, limit, score_threshold):
        requests = [
            QueryRequest(
                query=Query.Nearest(v.tolist(), using="v"),
                limit=limit,
                score_threshold=score_threshold,
            )
            for v in batch
        ]
        return [
            [(ids[hit.id], hit.score) for hit in hits]
            for hits in shard.query_batch(QueryBatchRequest(requests))
        ]

    try:
        graph = knn_from_index(search_batch, ids, x, k=5, min_score=0.3, batch_size=64)
        # Batches in flight at once (answered out of order) give the same graph.
        parallel = knn_from_index(
            search_batch, ids, x, k=5, min_score=0.3, batch_size=64, workers=3
        )
    finally:
        shard.close()
    expected = exact_knn(x, k=5, min_score=0.3)
    assert as_edges(graph) == as_edges(expected) == as_edges(parallel)
    np.testing.assert_allclose(graph.score, expected.score, atol=1e-5)
    np.testing.assert_array_equal(parallel.src, graph.src)
    np.testing.assert_array_equal(parallel.dst, graph.dst)


def test_unique_pairs_keeps_one_edge_per_pair_with_the_higher_score():
    graph = KnnGraph(
        src=np.array([0, 0, 1, 2, 3, 3]),
        dst=np.array([1, 2, 0, 0, 1, 3]),
        score=np.array([0.9, 0.7, 0.95, 0.7, 0.6, 1.0], dtype=np.float32),
        k=2,
        min_score=0.5,
    )
    pairs = unique_pairs(graph)
    assert pairs.i.tolist() == [0, 0, 1]
    assert pairs.j.tolist() == [1, 2, 3]
    assert pairs.score.tolist() == pytest.approx([0.95, 0.7, 0.6])


def test_edge_set_id_is_stable_and_parameter_sensitive():
    first = edge_set_id("dino_vits16+gem4/pca384", 32, 0.5)
    assert first == edge_set_id("dino_vits16+gem4/pca384", 32, 0.5000000001)
    assert len(first) == 12
    assert first != edge_set_id("dino_vits16+gem4/pca384", 16, 0.5)
    assert first != edge_set_id("dino_vits16+gem4/pca384", 32, 0.55)
    assert first != edge_set_id("other", 32, 0.5)


def test_choose_method_by_size_and_hardware():
    gib = 1 << 30
    assert choose_method(100_000, 384, has_gpu=False, memory_budget=8 * gib) == "exact"
    assert choose_method(1_000_000, 384, has_gpu=False, memory_budget=64 * gib) == "index"
    assert choose_method(1_000_000, 384, has_gpu=True, memory_budget=64 * gib) == "exact"
    assert choose_method(100_000, 384, has_gpu=False, memory_budget=100 * (1 << 20)) == "index"


def test_rejects_bad_input():
    with pytest.raises(KnnError):
        exact_knn(np.zeros(10, dtype=np.float32), 3, 0.5)
    with pytest.raises(KnnError):
        exact_knn(np.full((4, 2), np.nan, dtype=np.float32), 3, 0.5)
    with pytest.raises(KnnError):
        exact_knn(unit_vectors(5, 4, 0), 0, 0.5)
    with pytest.raises(KnnError):
        knn_query(unit_vectors(2, 4, 0), unit_vectors(5, 4, 1), 2, 0.0, query_positions=[0, 5])

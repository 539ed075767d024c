"""SIMILAR edges written grouped by source: idempotent, one edge per pair, any batch size."""

import numpy as np

from graph.similarity import EdgeSet, create_edge_set, neighbours, write_edges

EDGES = EdgeSet("es_writes", "model", 8, 0.5, "press")


def test_edges_are_written_once_whatever_the_batches_and_reruns(clean_graph, press_graph):
    ids = press_graph(40)
    create_edge_set(clean_graph, EDGES)
    rng = np.random.default_rng(0)
    pairs = {(int(x), int(y)) for x, y in rng.integers(0, 40, (200, 2)) if x < y}
    a = [ids[x] for x, _ in sorted(pairs)]
    b = [ids[y] for _, y in sorted(pairs)]
    scores = rng.uniform(0.5, 1.0, len(a))

    assert write_edges(clean_graph, EDGES.id, a, b, scores, batch=7) == len(pairs)
    # A re-run, in other batches, adds nothing; a pair given twice is one edge.
    assert write_edges(clean_graph, EDGES.id, a, b, scores, batch=1000) == len(pairs)
    assert write_edges(clean_graph, EDGES.id, a[:3] * 2, b[:3] * 2, np.ones(6)) == len(pairs)
    # Another edge set keeps its own edges.
    other = EdgeSet("es_other", "model", 8, 0.5, "press")
    create_edge_set(clean_graph, other)
    assert write_edges(clean_graph, other.id, a[:5], b[:5], scores[:5]) == 5

    first = dict(neighbours(clean_graph, a[0], EDGES.id, limit=100))
    expected = {y: s for x, y, s in zip(a, b, scores, strict=True) if x == a[0]}
    expected |= {x: s for x, y, s in zip(a, b, scores, strict=True) if y == a[0]}
    assert set(first) == set(expected)
    assert all(abs(first[k] - round(expected[k], 5)) < 1e-9 for k in expected)

from datetime import date

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components as scipy_components

from ml.circulation import Appearance
from ml.clustering import (
    CALIBRATED_THRESHOLDS,
    DEFAULT_THRESHOLD,
    ClusterParams,
    ClusterStats,
    calibrated_threshold,
    cluster,
    cluster_key,
    cluster_stats,
    connected_components,
)


def edges(*triples):
    i, j, s = zip(*triples, strict=True)
    return np.array(i), np.array(j), np.array(s, dtype=np.float32)


def test_components_known_answer_with_threshold_and_unsorted_edges():
    i, j, s = edges((5, 6, 0.9), (0, 1, 0.8), (3, 2, 0.61), (1, 2, 0.59), (7, 8, 0.6), (4, 4, 1.0))
    labels = connected_components(10, i, j, s, threshold=0.6)
    assert labels.dtype == np.int32
    assert labels.tolist() == [0, 0, 1, 1, 2, 3, 3, 4, 4, 5]
    assert connected_components(10, i, j, s, 0.5).tolist() == [0, 0, 0, 0, 1, 2, 2, 3, 3, 4]
    assert connected_components(3, *edges((0, 1, 0.1)), 0.5).tolist() == [0, 1, 2]


def test_components_agree_with_plain_scipy_on_a_random_graph():
    rng = np.random.default_rng(4)
    n, m = 5000, 8000
    i, j = rng.integers(0, n, m), rng.integers(0, n, m)
    s = rng.random(m).astype(np.float32)
    keep = s >= 0.3
    graph = sp.coo_matrix((s[keep], (i[keep], j[keep])), shape=(n, n)).tocsr()
    count, expected = scipy_components(graph, directed=False)
    labels = connected_components(n, i, j, s, 0.3)
    assert labels.tolist() == expected.tolist()
    assert labels.max() + 1 == count


def test_components_reject_out_of_range_endpoints():
    with pytest.raises(ValueError):
        connected_components(3, *edges((0, 3, 0.9)), 0.5)


# Two chains joined by a weak link (0.62) plus a tight pair:
#   a-b-c (0.9) --0.62-- d-e-f-g (0.8, 0.8, 0.7); h-i (0.95); j alone.
IDS = list("abcdefghij")
GRAPH = edges(
    (0, 1, 0.9),
    (1, 2, 0.9),
    (2, 3, 0.62),
    (3, 4, 0.8),
    (4, 5, 0.8),
    (5, 6, 0.7),
    (7, 8, 0.95),
)


def run(giant_size=4, giant_fraction=0.0, max_threshold=0.95, graph=GRAPH, ids=IDS):
    params = ClusterParams(
        threshold=0.6,
        giant_size=giant_size,
        giant_fraction=giant_fraction,
        threshold_step=0.05,
        max_threshold=max_threshold,
    )
    return cluster(ids, graph, params)


def test_giant_is_split_at_the_first_threshold_that_splits_it():
    nodes = run()
    summary = [(n.members, n.threshold, n.parent_key is None, len(n.children)) for n in nodes]
    assert summary == [
        (tuple("abcdefg"), 0.6, True, 2),
        (tuple("defg"), 0.65, False, 0),
        (tuple("abc"), 0.65, False, 0),
        (tuple("hi"), 0.6, True, 0),
    ]
    root, big, small, pair = nodes
    assert root.children == (big.key, small.key)
    assert big.parent_key == small.parent_key == root.key
    assert pair.children == ()


def test_giant_children_split_again_while_still_giant():
    nodes = run(giant_size=3)
    summary = [(n.members, n.threshold) for n in nodes]
    # d-e-f-g (4 > 3) loses g at 0.75: one child d-e-f; a-b-c (3) is not a giant.
    assert summary == [
        (tuple("abcdefg"), 0.6),
        (tuple("defg"), 0.65),
        (tuple("def"), 0.75),
        (tuple("abc"), 0.65),
        (tuple("hi"), 0.6),
    ]
    assert nodes[2].parent_key == nodes[1].key


def test_fraction_rule_needs_a_minimum_size():
    # 7 of 10 is 70 % of this tiny corpus, but fewer than MIN_FRACTION_GIANT members.
    assert len(run(giant_size=100, giant_fraction=0.5)) == 2


def test_giant_fraction_and_max_threshold(monkeypatch):
    monkeypatch.setattr("ml.clustering.MIN_FRACTION_GIANT", 1)
    # 7 of 10 members is above 50% of the corpus; no split is tried above 0.6.
    assert [n.members for n in run(giant_size=100, giant_fraction=0.5, max_threshold=0.6)] == [
        tuple("abcdefg"),
        tuple("hi"),
    ]
    assert len(run(giant_size=100, giant_fraction=0.5)) == 4


def test_keys_are_deterministic_and_independent_of_edge_order():
    first = run()
    i, j, s = GRAPH
    order = np.random.default_rng(0).permutation(i.size)
    swapped = run(graph=(j[order], i[order], s[order]))
    assert [n.key for n in first] == [n.key for n in swapped]
    assert first[0].key == cluster_key(tuple("abcdefg"), 0.6)
    assert cluster_key(("a", "b"), 0.6) != cluster_key(("a", "b"), 0.65)


def test_integer_ids_from_numpy():
    nodes = run(ids=np.arange(100, 110))
    assert nodes[-1].members == (107, 108)
    assert type(nodes[-1].members[0]) is int


def test_cluster_stats_counts_known_values_and_ignores_unknowns():
    def appearance(ident, day, place, country, periodical):
        return Appearance(ident, day, "day", place, country, periodical, f"issue-{ident}")

    meta = {
        "a": appearance("a", date(1895, 3, 2), "paris", "FR", "petit-journal"),
        "b": appearance("b", date(1894, 12, 30), "paris", "FR", "illustration"),
        "c": appearance("c", date(1896, 1, 1), "london", "GB", "graphic"),
        "d": appearance("d", None, None, None, "graphic"),
    }
    stats = cluster_stats(["a", "b", "c", "d", "e"], meta)
    assert stats == ClusterStats(
        size=5,
        n_places=2,
        n_countries=2,
        n_periodicals=3,
        first_date=date(1894, 12, 30),
        last_date=date(1896, 1, 1),
        span_days=367,
    )
    assert cluster_stats(["d"], meta).span_days is None


def test_threshold_is_configured_else_calibrated_per_backbone():
    assert calibrated_threshold(0.42, "efficientnet_lite0") == 0.42
    assert (
        calibrated_threshold(None, "efficientnet_lite0")
        == CALIBRATED_THRESHOLDS["efficientnet_lite0"]
    )
    assert calibrated_threshold(None, "dino_vits16") == 0.6  # the seed article's scale
    assert calibrated_threshold(None, "unknown") == DEFAULT_THRESHOLD

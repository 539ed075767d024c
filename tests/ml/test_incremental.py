"""Incremental clustering equals a full run on the same edges."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ml import curation as cur
from ml.clustering import ClusterParams, cluster
from ml.incremental import Forest, full, update


def by_id(edges):
    a = [e[0] for e in edges]
    b = [e[1] for e in edges]
    return a, b, np.array([e[2] for e in edges], dtype=np.float64)


def clustered_ids(edges, threshold):
    return sorted({x for a, b, s in edges if s >= threshold for x in (a, b)})


def within(all_edges):
    def edges_within(members):
        inside = set(members)
        return by_id([e for e in all_edges if e[0] in inside and e[1] in inside])

    return edges_within


def leaves(forest: Forest):
    return {node.key: node.members for node in forest.nodes if not node.children}


# Small graphs with dense corners so that giants appear at giant_size 3-6; scores on a grid
# of the threshold steps so that splits happen at every level.
score = st.sampled_from([0.55, 0.6, 0.62, 0.65, 0.7, 0.75, 0.8, 0.9, 0.97])
edge = st.tuples(st.integers(0, 40), st.integers(0, 40), score).filter(lambda e: e[0] != e[1])
params_st = st.builds(
    ClusterParams,
    threshold=st.just(0.6),
    giant_size=st.integers(3, 8),
    giant_fraction=st.sampled_from([0.0, 0.05, 0.3]),
    threshold_step=st.just(0.05),
    max_threshold=st.just(0.95),
    min_size=st.sampled_from([2, 3]),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    old=st.lists(edge, max_size=60),
    batches=st.lists(st.lists(edge, max_size=25), min_size=1, max_size=4),
    params=params_st,
)
def test_update_in_batches_equals_a_full_run(old, batches, params):
    forest = full(clustered_ids(old, params.threshold), by_id(old), params)
    seen = list(old)
    for batch in batches:
        seen += batch
        forest = update(forest, by_id(batch), within(seen), params).forest
    expected = full(clustered_ids(seen, params.threshold), by_id(seen), params)
    assert forest == expected


@settings(max_examples=150, deadline=None)
@given(edges=st.lists(edge, max_size=80), params=params_st)
def test_full_forest_holds_the_clusters_of_cluster(edges, params):
    ids = clustered_ids(edges, params.threshold)
    position = {x: n for n, x in enumerate(ids)}
    kept = [e for e in edges if e[0] in position and e[1] in position]
    i = np.array([position[e[0]] for e in kept], dtype=np.int64)
    j = np.array([position[e[1]] for e in kept], dtype=np.int64)
    s = np.array([e[2] for e in kept], dtype=np.float64)
    assert list(full(ids, by_id(edges), params).nodes) == cluster(ids, (i, j, s), params)


decision = st.one_of(
    st.builds(cur.NameCluster, st.frozensets(st.integers(0, 40), min_size=1), st.just("n")),
    st.builds(cur.FlagCluster, st.frozensets(st.integers(0, 40), min_size=1), st.just("r")),
    st.builds(cur.AddMember, st.frozensets(st.integers(0, 40), min_size=1), st.integers(0, 40)),
    st.builds(
        cur.MergeClusters,
        st.tuples(
            st.frozensets(st.integers(0, 40), min_size=1),
            st.frozensets(st.integers(0, 40), min_size=1),
        ),
    ),
)


@settings(max_examples=150, deadline=None)
@given(
    old=st.lists(edge, max_size=60),
    new=st.lists(edge, max_size=30),
    params=params_st,
    decisions=st.lists(decision, max_size=5),
)
def test_curation_reapplied_after_an_update_equals_curation_of_a_full_run(
    old, new, params, decisions
):
    forest = full(clustered_ids(old, params.threshold), by_id(old), params)
    updated = update(forest, by_id(new), within(old + new), params).forest
    expected = full(clustered_ids(old + new, params.threshold), by_id(old + new), params)
    assert cur.reapply(decisions, leaves(updated)) == cur.reapply(decisions, leaves(expected))


def test_update_reports_only_the_clusters_that_changed():
    params = ClusterParams(threshold=0.6, giant_size=500, giant_fraction=0.0)
    old = [("a", "b", 0.9), ("c", "d", 0.9), ("e", "f", 0.9)]
    forest = full(clustered_ids(old, 0.6), by_id(old), params)
    result = update(forest, by_id([("b", "c", 0.7), ("g", "h", 0.8)]), within(old), params)
    assert sorted(n.members for n in result.removed) == [("a", "b"), ("c", "d")]
    assert sorted(n.members for n in result.added) == [("a", "b", "c", "d"), ("g", "h")]
    assert ("e", "f") in result.forest.components
    assert result.recomputed_components == 2


def test_an_edge_below_the_threshold_changes_nothing():
    params = ClusterParams(threshold=0.6)
    old = [("a", "b", 0.9)]
    forest = full(["a", "b"], by_id(old), params)
    result = update(forest, by_id([("b", "c", 0.5)]), within(old), params)
    assert result.forest == forest and not result.added and not result.removed


any_decision = st.one_of(
    decision,
    st.builds(cur.RemoveMember, st.frozensets(st.integers(0, 40), min_size=1), st.integers(0, 40)),
    st.builds(
        cur.SplitCluster,
        st.frozensets(st.integers(0, 40), min_size=1),
        st.tuples(st.frozensets(st.integers(0, 40), min_size=1)),
    ),
)


def by_size(clusters):
    return sorted(clusters, key=lambda c: (-c.size, c.key))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    old=st.lists(edge, max_size=60),
    new=st.lists(edge, max_size=20),
    params=params_st,
    decisions=st.lists(any_decision, max_size=6),
)
def test_curation_reapplied_around_the_changed_leaves_equals_reapplying_everything(
    old, new, params, decisions
):
    forest = full(clustered_ids(old, params.threshold), by_id(old), params)
    result = update(forest, by_id(new), within(old + new), params)
    before, after = leaves(forest), leaves(result.forest)
    seeds = {m for n in (*result.removed, *result.added) if not n.children for m in n.members}

    def clusters_of(x):
        return [m for m in (*before.values(), *after.values()) if x in m]

    region, reaching = cur.reach(decisions, seeds, clusters_of)
    for members in (*before.values(), *after.values()):
        assert set(members) <= region or not set(members) & region
    all_before, _ = cur.reapply(decisions, before)
    all_after, _ = cur.reapply(decisions, after)
    outside = [c for c in all_before if not c.members & region]
    for side, everything in ((after, all_after), (before, all_before)):
        inside, _ = cur.reapply(reaching, {k: m for k, m in side.items() if set(m) <= region})
        assert by_size(outside + inside) == everything

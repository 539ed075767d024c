import pytest

from ml.curation import (
    AddMember,
    CuratedCluster,
    CurationError,
    DescribeCluster,
    FlagCluster,
    MergeClusters,
    NameCluster,
    RemoveMember,
    SplitCluster,
    ValidateCluster,
    curated_key,
    reapply,
)


def ids(text: str) -> frozenset:
    return frozenset(text.split())


ZOLA = ids("z1 z2 z3 z4")


def by_key(clusters) -> dict[str, CuratedCluster]:
    return {c.key: c for c in clusters}


def statuses(outcomes) -> list[str]:
    return [o.status for o in outcomes]


def test_name_follows_a_cluster_that_grew():
    clusters, outcomes = reapply(
        [NameCluster(ZOLA, "Zola"), ValidateCluster(ZOLA)],
        {"run2-a": ZOLA | ids("z5 z6 z7 z8 z9"), "run2-b": ids("x1 x2")},
    )
    assert statuses(outcomes) == ["applied", "applied"]
    assert outcomes[0].target_keys == ("run2-a",) and outcomes[0].shares == (1.0,)
    grown = by_key(clusters)["run2-a"]  # membership untouched: the run's key is kept
    assert (grown.name, grown.validated, grown.size) == ("Zola", True, 9)
    assert by_key(clusters)["run2-b"].name is None


def test_name_follows_a_cluster_that_shrank_by_less_than_half():
    clusters, outcomes = reapply([NameCluster(ZOLA, "Zola")], {"k": ids("z1 z2 z3")})
    assert outcomes[0].status == "applied" and outcomes[0].shares == (0.75,)
    assert clusters[0].name == "Zola"


def test_split_follows_the_majority_part_and_even_split_is_orphaned():
    uneven, outcomes = reapply([NameCluster(ZOLA, "Zola")], {"a": ids("z1 z2 z3"), "b": ids("z4")})
    assert outcomes[0].target_keys == ("a",)
    assert by_key(uneven)["a"].name == "Zola" and by_key(uneven)["b"].name is None

    even, outcomes = reapply([NameCluster(ZOLA, "Zola")], {"a": ids("z1 z2"), "b": ids("z3 z4")})
    assert outcomes[0].status == "orphaned"
    assert outcomes[0].shares == (0.5,)
    assert all(c.name is None for c in even)


def test_two_curated_clusters_merged_by_the_run_later_name_prevails():
    dreyfus = ids("d1 d2 d3")
    clusters, outcomes = reapply(
        [NameCluster(ZOLA, "Zola"), NameCluster(dreyfus, "Dreyfus"), FlagCluster(dreyfus, "x")],
        {"merged": ZOLA | dreyfus},
    )
    assert statuses(outcomes) == ["applied", "applied", "applied"]
    assert (clusters[0].name, clusters[0].flag_reason) == ("Dreyfus", "x")


def test_vanished_cluster_and_giant_absorption_are_orphaned():
    _, outcomes = reapply([NameCluster(ZOLA, "Zola")], {"other": ids("y1 y2")})
    assert outcomes[0].status == "orphaned" and outcomes[0].shares == (0.0,)

    giant = ZOLA | frozenset(f"t{n}" for n in range(20))  # 24 > 4 x 4 members
    clusters, outcomes = reapply([NameCluster(ZOLA, "Zola")], {"giant": giant})
    assert outcomes[0].status == "orphaned" and outcomes[0].shares == (1.0,)
    assert clusters[0].name is None
    _, outcomes = reapply([NameCluster(ZOLA, "Zola")], {"giant": giant}, max_growth=6.0)
    assert outcomes[0].status == "applied"


def test_merge_decision_joins_the_matched_clusters():
    a, b = ids("a1 a2 a3"), ids("b1 b2")
    decisions = [NameCluster(b, "B"), DescribeCluster(a, "first"), MergeClusters((a, b))]
    clusters, outcomes = reapply(decisions, {"ka": a | ids("a4"), "kb": b, "kc": ids("c1 c2")})
    assert statuses(outcomes) == ["applied", "applied", "applied"]
    assert outcomes[2].target_keys == ("ka", "kb")
    merged = clusters[0]
    assert merged.members == a | b | ids("a4")
    assert merged.key == curated_key(merged.members)
    assert (merged.name, merged.description) == ("B", "first")
    assert sorted(c.key for c in clusters) == sorted([merged.key, "kc"])

    # Already merged by the new run: nothing to do.
    _, outcomes = reapply([MergeClusters((a, b))], {"k": a | b})
    assert outcomes[0].status == "satisfied"
    # One side vanished: nothing to merge with.
    _, outcomes = reapply([MergeClusters((a, b))], {"k": a})
    assert outcomes[0].status == "orphaned" and outcomes[0].shares == (1.0, 0.0)


def test_split_decision_then_a_name_taken_on_one_part():
    left, right = ids("z1 z2"), ids("z3 z4")
    decisions = [SplitCluster(ZOLA, (left, right)), NameCluster(right, "Zola at the trial")]
    clusters, outcomes = reapply(decisions, {"k": ZOLA | ids("z5")})
    assert statuses(outcomes) == ["applied", "applied"]
    parts = {c.members: c.name for c in clusters}
    # The new member z5 was in no group: it stays apart.
    assert parts == {left: None, right: "Zola at the trial", ids("z5"): None}


def test_add_moves_a_member_and_remove_drops_it():
    decisions = [AddMember(ZOLA, "x1"), RemoveMember(ZOLA, "z4"), RemoveMember(ZOLA, "zz")]
    clusters, outcomes = reapply(decisions, {"k": ZOLA, "other": ids("x1 x2 x3")})
    assert statuses(outcomes) == ["applied", "applied", "satisfied"]
    members = sorted(sorted(c.members) for c in clusters)
    assert members == [["x1", "z1", "z2", "z3"], ["x2", "x3"]]


def test_repeated_decision_is_satisfied():
    _, outcomes = reapply(
        [NameCluster(ZOLA, "Zola"), NameCluster(ZOLA, "Zola"), AddMember(ZOLA, "z1")], {"k": ZOLA}
    )
    assert statuses(outcomes) == ["applied", "satisfied", "satisfied"]


def test_overlapping_clusters_and_empty_snapshots_are_refused():
    with pytest.raises(CurationError):
        reapply([], {"parent": ZOLA, "child": ids("z1 z2")})
    with pytest.raises(CurationError):
        reapply([NameCluster(frozenset(), "nothing")], {"k": ZOLA})


def test_successors_follow_the_majority_and_the_largest_share_on_a_merge():
    from ml.curation import successors

    previous = {
        "grew": {"a", "b", "c"},
        "split": {"d", "e", "f", "g"},
        "merged_small": {"h", "i"},
        "merged_big": {"j", "k", "l"},
        "swallowed": {"m", "n"},
    }
    new = {
        "A": {"a", "b", "c", "x"},  # grew by one
        "D": {"d", "e", "f"},  # kept three of four
        "G": {"g"},
        "HJ": {"h", "i", "j", "k", "l"},  # a merge: the larger share wins
        "giant": {"m", "n", *(f"z{n}" for n in range(20))},  # more than 4x: no successor
    }
    assert successors(previous, new) == {"A": "grew", "D": "split", "HJ": "merged_big"}

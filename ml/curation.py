"""Curators' decisions about clusters, kept as decisions and re-applied to every new run.

A decision names the cluster it is about by the cluster's member set when it was taken (its
snapshot ``S``), never by a run's cluster key, so it survives re-clustering.

Matching rule. Decisions are re-applied in the order they were taken, each against the
clusters as left by the decisions before it (clusters must be disjoint: pass a run's leaves or
its top level, not both). A decision's target is the cluster ``C`` that

1. holds more than half of the snapshot: ``|S ∩ C| > |S| / 2`` (so at most one cluster can
   qualify, and a decision follows the majority of the images it was taken on), and
2. is at most ``max_growth`` times the snapshot's size: ``|C| <= max_growth * |S|`` (default
   4), so that a curated cluster swallowed by a giant component does not lend it its name.

A cluster that grew (new reprints ingested) or shrank by less than half keeps its curation; a
cluster split in two follows the part holding the majority, or is orphaned on an even split;
two curated clusters merged by the new run both match the merged cluster, the later decision
prevailing for single-valued fields. A decision without a target is reported ``orphaned`` and
not applied; one whose effect already holds is ``satisfied``.

Membership edits (merge, split, add, remove) give the edited clusters new keys derived from
their members; untouched clusters keep the run's keys.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal, TypeVar

Id = Hashable
Members = frozenset


@dataclass(frozen=True)
class NameCluster:
    members: Members
    name: str


@dataclass(frozen=True)
class DescribeCluster:
    members: Members
    description: str


@dataclass(frozen=True)
class ValidateCluster:
    members: Members


@dataclass(frozen=True)
class FlagCluster:
    """Mark a cluster as not relevant (barcodes, colour charts, mastheads...)."""

    members: Members
    reason: str


@dataclass(frozen=True)
class MergeClusters:
    clusters: tuple[Members, ...]


@dataclass(frozen=True)
class SplitCluster:
    """Split a cluster into ``groups``; members in no group form one remaining cluster."""

    members: Members
    groups: tuple[Members, ...]


@dataclass(frozen=True)
class AddMember:
    """Put an illustration in a cluster (moving it out of any other)."""

    members: Members
    illustration_id: Id


@dataclass(frozen=True)
class RemoveMember:
    members: Members
    illustration_id: Id


Decision = (
    NameCluster
    | DescribeCluster
    | ValidateCluster
    | FlagCluster
    | MergeClusters
    | SplitCluster
    | AddMember
    | RemoveMember
)

Status = Literal["applied", "satisfied", "orphaned"]


@dataclass(frozen=True)
class CuratedCluster:
    key: str
    members: frozenset
    name: str | None = None
    description: str | None = None
    validated: bool = False
    flag_reason: str | None = None

    @property
    def size(self) -> int:
        return len(self.members)


@dataclass(frozen=True)
class Outcome:
    """What became of one decision: its targets' keys (before the edit) and snapshot shares."""

    index: int
    decision: Decision
    status: Status
    target_keys: tuple[str, ...]
    shares: tuple[float, ...]


class CurationError(ValueError):
    """Clusters or decisions that cannot be re-applied (overlapping clusters, empty snapshot)."""


def reapply(
    decisions: Sequence[Decision],
    new_clusters: Mapping[str, Iterable[Id]],
    max_growth: float = 4.0,
) -> tuple[list[CuratedCluster], list[Outcome]]:
    """Apply ``decisions`` in order to a new run's clusters (``key -> members``).

    Returns the curated clusters (largest first, then by key) and one outcome per decision.
    """
    state = _State(new_clusters, max_growth)
    outcomes = [state.apply(index, decision) for index, decision in enumerate(decisions)]
    clusters = sorted(state.clusters.values(), key=lambda c: (-c.size, c.key))
    return clusters, outcomes


Origin = TypeVar("Origin")


def majority_origin(
    members: Iterable[Any], owner: Mapping[Any, Origin], key: Callable[[Origin], str]
) -> Origin:
    """The cluster that held most of `members` before curation (ties: the greatest key).

    A curated cluster that matches no previous cluster inherits its place in the tree (parent,
    level, threshold) from this one.
    """
    counts = Counter(key(owner[m]) for m in members if m in owner)
    best = max(counts.items(), key=lambda kv: (kv[1], kv[0]))[0]
    return next(cluster for cluster in owner.values() if key(cluster) == best)


def successors(
    previous: Mapping[str, Iterable[Id]],
    new: Mapping[str, Iterable[Id]],
    max_growth: float = 4.0,
) -> dict[str, str]:
    """Which previous cluster each new cluster continues (``new key -> previous key``).

    The rule of this module with the previous cluster's members as the snapshot: it is
    continued by the new cluster holding more than half of it and at most ``max_growth`` times
    its size. A new cluster that continues several (a merge) continues the one it shares the
    most members with (ties: the smaller key); the others end there. Both sides must be
    disjoint clusters.
    """
    state = _State(new, max_growth)
    best: dict[str, tuple[int, str]] = {}
    for old_key, members in previous.items():
        snapshot = frozenset(members)
        if not snapshot:
            continue
        key, _ = state.match(snapshot)
        if key is None:
            continue
        claim = (-len(snapshot & state.clusters[key].members), old_key)
        if key not in best or claim < best[key]:
            best[key] = claim
    return {key: old_key for key, (_, old_key) in best.items()}


def decision_ids(decision: Decision) -> frozenset:
    """Every illustration a decision names: its snapshot(s), groups and the member it moves."""
    if isinstance(decision, MergeClusters):
        return frozenset().union(*decision.clusters)
    ids = set(decision.members)
    if isinstance(decision, SplitCluster):
        ids.update(*decision.groups)
    if isinstance(decision, AddMember | RemoveMember):
        ids.add(decision.illustration_id)
    return frozenset(ids)


def reach(
    decisions: Sequence[Decision],
    seeds: Iterable[Id],
    clusters_of: Callable[[Id], Iterable[Iterable[Id]]],
) -> tuple[frozenset, list[Decision]]:
    """What re-applying ``decisions`` can change when the clusters holding ``seeds`` change.

    ``seeds`` are the members of the clusters that changed, before and after (whole clusters
    on both sides); ``clusters_of(id)`` gives the clusters holding ``id`` before and after.
    Returns the region (a union of whole clusters on both sides) and, in order, the decisions
    naming one of its members. Every other decision names only clusters outside the region,
    unchanged, so its effect is the same before and after; and since a decision only edits the
    clusters holding the ids it names, re-applying these decisions to the clusters inside the
    region gives the curated clusters there (``tests/ml/test_curation.py`` checks it).
    """
    by_id: dict[Id, list[int]] = {}
    for index, decision in enumerate(decisions):
        for x in decision_ids(decision):
            by_id.setdefault(x, []).append(index)
    whole = set(seeds)
    region = set(whole)
    pending = list(region)
    picked: set[int] = set()
    while pending:
        x = pending.pop()
        # An id a decision brought in takes its clusters on both sides with it.
        near: list[Id] = [] if x in whole else [z for c in clusters_of(x) for z in c]
        for index in by_id.get(x, ()):
            if index not in picked:
                picked.add(index)
                near.extend(decision_ids(decisions[index]))
        for z in near:
            if z not in region:
                region.add(z)
                pending.append(z)
    return frozenset(region), [decisions[index] for index in sorted(picked)]


def curated_key(members: Iterable[Any]) -> str:
    """Key of a cluster whose membership a curator edited."""
    text = "curated\n" + "\n".join(repr(m) for m in sorted(members))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class _State:
    """Disjoint clusters being curated, with an index from member to cluster key."""

    def __init__(self, clusters: Mapping[str, Iterable[Id]], max_growth: float) -> None:
        self.max_growth = max_growth
        self.clusters: dict[str, CuratedCluster] = {}
        self.owner: dict[Id, str] = {}
        for key, members in clusters.items():
            cluster = CuratedCluster(key, frozenset(members))
            for member in cluster.members:
                if member in self.owner:
                    raise CurationError(f"{member!r} is in clusters {self.owner[member]} and {key}")
                self.owner[member] = key
            self.clusters[key] = cluster

    def apply(self, index: int, decision: Decision) -> Outcome:
        if isinstance(decision, MergeClusters):
            return self._merge(index, decision)
        key, share = self.match(decision.members)
        if key is None:
            return Outcome(index, decision, "orphaned", (), (share,))
        target = self.clusters[key]
        status = self._edit(target, decision)
        return Outcome(index, decision, status, (key,), (share,))

    def match(self, snapshot: frozenset) -> tuple[str | None, float]:
        """The target of a snapshot under the module's rule, and the share of it it holds."""
        if not snapshot:
            raise CurationError("a decision's member snapshot is empty")
        counts = Counter(self.owner[m] for m in snapshot if m in self.owner)
        if not counts:
            return None, 0.0
        key, shared = max(counts.items(), key=lambda item: (item[1], item[0]))
        share = shared / len(snapshot)
        majority = 2 * shared > len(snapshot)
        small_enough = self.clusters[key].size <= self.max_growth * len(snapshot)
        return (key if majority and small_enough else None), share

    def _edit(self, target: CuratedCluster, decision: Decision) -> Status:
        if isinstance(decision, NameCluster):
            return self._set(target, name=decision.name)
        if isinstance(decision, DescribeCluster):
            return self._set(target, description=decision.description)
        if isinstance(decision, ValidateCluster):
            return self._set(target, validated=True)
        if isinstance(decision, FlagCluster):
            return self._set(target, flag_reason=decision.reason)
        if isinstance(decision, SplitCluster):
            return self._split(target, decision.groups)
        if isinstance(decision, AddMember):
            return self._add(target, decision.illustration_id)
        if isinstance(decision, RemoveMember):
            return self._remove(target, decision.illustration_id)
        raise CurationError(f"unknown decision {decision!r}")

    def _set(self, target: CuratedCluster, **fields) -> Status:
        if all(getattr(target, name) == value for name, value in fields.items()):
            return "satisfied"
        self.clusters[target.key] = replace(target, **fields)
        return "applied"

    def _merge(self, index: int, decision: MergeClusters) -> Outcome:
        matches = [self.match(snapshot) for snapshot in decision.clusters]
        shares = tuple(share for _, share in matches)
        keys = tuple(dict.fromkeys(key for key, _ in matches if key is not None))
        if len(keys) == 1 and all(key is not None for key, _ in matches):
            return Outcome(index, decision, "satisfied", keys, shares)
        if len(keys) < 2:
            return Outcome(index, decision, "orphaned", keys, shares)
        # Later clusters fill in what the first one lacks.
        parts = [self._drop(key) for key in keys]
        merged = parts[0]
        for part in parts[1:]:
            merged = replace(
                merged,
                name=merged.name or part.name,
                description=merged.description or part.description,
                validated=merged.validated or part.validated,
                flag_reason=merged.flag_reason or part.flag_reason,
            )
        members = frozenset().union(*(part.members for part in parts))
        self._put(replace(merged, key=curated_key(members), members=members))
        return Outcome(index, decision, "applied", keys, shares)

    def _split(self, target: CuratedCluster, groups: Sequence[frozenset]) -> Status:
        pieces = [frozenset(group) & target.members for group in groups]
        pieces = [piece for piece in pieces if piece]
        rest = target.members.difference(*pieces)
        if rest:
            pieces.append(rest)
        if len(pieces) < 2:
            return "satisfied"
        self._drop(target.key)
        for piece in pieces:
            self._put(CuratedCluster(curated_key(piece), piece))
        return "applied"

    def _add(self, target: CuratedCluster, member: Id) -> Status:
        if member in target.members:
            return "satisfied"
        previous = self.owner.get(member)
        if previous is not None:
            self._replace_members(
                self.clusters[previous], self.clusters[previous].members - {member}
            )
        self._replace_members(target, target.members | {member})
        return "applied"

    def _remove(self, target: CuratedCluster, member: Id) -> Status:
        if member not in target.members:
            return "satisfied"
        self._replace_members(target, target.members - {member})
        return "applied"

    def _replace_members(self, cluster: CuratedCluster, members: frozenset) -> None:
        self._drop(cluster.key)
        if members:
            self._put(replace(cluster, key=curated_key(members), members=members))

    def _drop(self, key: str) -> CuratedCluster:
        cluster = self.clusters.pop(key)
        for member in cluster.members:
            del self.owner[member]
        return cluster

    def _put(self, cluster: CuratedCluster) -> None:
        self.clusters[cluster.key] = cluster
        for member in cluster.members:
            self.owner[member] = cluster.key

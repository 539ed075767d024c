"""Updating a clustering with new edges instead of recomputing it.

A run's raw clustering (a ``Forest``: every connected component at the threshold and the
cluster tree ``ml.clustering.cluster`` made of them) is updated with new edges by union-find
over the new edges and the components they touch: components no new edge touches keep their
subtree as it was; each merged component gets its tree recomputed (a giant is re-split from
the edges between its members, the only edges ``update`` reads besides the new ones).

The giant limit depends on the number of clustered ids (``giant_fraction``); when new ids move
it, every component larger than the smaller of the two limits is recomputed too, since being a
giant or not changes its tree. So the result always equals a full run on the same edges
(``tests/ml/test_incremental.py`` checks it on random graphs).

Edges are only added: a removed or re-scored edge (a new descriptor model) calls for a full run.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ml.clustering import (
    ClusterNode,
    ClusterParams,
    component_tree,
    connected_components,
    depth_first,
    giant_limit,
)

Id = Hashable
IdEdges = tuple[Sequence[Id], Sequence[Id], np.ndarray]
EdgesWithin = Callable[[Sequence[Id]], IdEdges]


@dataclass(frozen=True)
class Forest:
    """Raw clustering of a run: its components (sorted members; those under ``min_size`` too)
    in order of their first member, and its clusters in ``cluster``'s order."""

    components: tuple[tuple[Id, ...], ...]
    nodes: tuple[ClusterNode, ...]

    @property
    def n_ids(self) -> int:
        return sum(len(c) for c in self.components)


@dataclass(frozen=True)
class Update:
    """The updated forest and the clusters that left it or entered it."""

    forest: Forest
    removed: tuple[ClusterNode, ...]
    added: tuple[ClusterNode, ...]
    recomputed_components: int


def full(ids: Sequence[Id], edges: IdEdges, params: ClusterParams) -> Forest:
    """The forest of ``ids`` over ``edges`` given by id (a full run); edges below the
    threshold are ignored, the others must join two of ``ids``."""
    ids = sorted(ids)  # type: ignore[type-var]
    position = {x: n for n, x in enumerate(ids)}
    a, b, score = edges
    score = np.asarray(score, dtype=np.float64)
    above = np.flatnonzero(score >= params.threshold).tolist()
    a, b, score = [a[e] for e in above], [b[e] for e in above], score[above]
    i = np.fromiter((position[x] for x in a), dtype=np.int64, count=len(a))
    j = np.fromiter((position[x] for x in b), dtype=np.int64, count=len(b))
    labels = connected_components(len(ids), i, j, score, params.threshold)
    groups: dict[int, list[Id]] = {}
    for x, label in zip(ids, labels.tolist(), strict=True):
        groups.setdefault(label, []).append(x)
    giant = giant_limit(params, len(ids))
    keep = score >= params.threshold
    by_label: dict[int, list[int]] = {}
    for e in np.flatnonzero(keep).tolist():
        label = int(labels[i[e]])
        if len(groups[label]) > giant:
            by_label.setdefault(label, []).append(e)
    nodes: list[ClusterNode] = []
    for label, members in groups.items():
        picked = np.asarray(by_label.get(label, []), dtype=np.int64)
        part = ([a[e] for e in picked], [b[e] for e in picked], score[picked])
        nodes.extend(component_tree(members, part, params, giant))
    return Forest(_ordered(groups.values()), tuple(depth_first(nodes)))


def update(
    previous: Forest,
    new_edges: IdEdges,
    edges_within: EdgesWithin,
    params: ClusterParams,
) -> Update:
    """``previous`` with ``new_edges`` added; ``edges_within(members)`` gives every edge
    (new ones included) between members of a component that turned out to be a giant."""
    a, b, score = new_edges
    keep = np.flatnonzero(np.asarray(score, dtype=np.float64) >= params.threshold).tolist()
    owner = {m: n for n, component in enumerate(previous.components) for m in component}
    sets = _UnionFind()
    for e in keep:
        sets.union(_token(owner, a[e]), _token(owner, b[e]))
    merged: list[Sequence[Id]] = []
    touched: set[int] = set()
    new_ids = 0
    for tokens in sets.groups():
        members: list[Id] = []
        for kind, value in tokens:
            if kind == "component":
                touched.add(value)
                members.extend(previous.components[value])
            else:
                members.append(value)
                new_ids += 1
        merged.append(members)

    n = previous.n_ids + new_ids
    giant_before, giant = giant_limit(params, previous.n_ids), giant_limit(params, n)
    if giant != giant_before:
        # Components between the two limits change giant status; above both they may split at
        # a different size: recompute every component above the smaller limit.
        smallest = min(giant, giant_before)
        for index, component in enumerate(previous.components):
            if index not in touched and len(component) > smallest:
                touched.add(index)
                merged.append(list(component))

    touched_members = {m for index in touched for m in previous.components[index]}
    roots = _roots(previous.nodes)
    dropped = [node for node in previous.nodes if roots[node.key] in touched_members]
    kept = [node for node in previous.nodes if roots[node.key] not in touched_members]
    fresh: list[ClusterNode] = []
    for part in merged:
        big = len(part) > giant
        edges = edges_within(part) if big else ([], [], np.empty(0))
        fresh.extend(component_tree(part, edges, params, giant))

    components: list[Sequence[Id]] = [
        c for n, c in enumerate(previous.components) if n not in touched
    ]
    components += merged  # _ordered sorts them
    dropped_set, fresh_set = set(dropped), set(fresh)
    return Update(
        forest=Forest(_ordered(components), tuple(depth_first(kept + fresh))),
        removed=tuple(node for node in dropped if node not in fresh_set),
        added=tuple(node for node in fresh if node not in dropped_set),
        recomputed_components=len(merged),
    )


def _ordered(components: Iterable[Iterable[Any]]) -> tuple[tuple[Id, ...], ...]:
    return tuple(sorted(tuple(sorted(c)) for c in components))


def _token(owner: dict[Id, int], x: Id) -> tuple[str, Id]:
    index = owner.get(x)
    return ("id", x) if index is None else ("component", index)


def _roots(nodes: Sequence[ClusterNode]) -> dict[str, Id]:
    """Each node's top-level cluster, named by that cluster's first member."""
    root: dict[str, Id] = {}
    for node in nodes:  # parents come before their children
        root[node.key] = node.members[0] if node.parent_key is None else root[node.parent_key]
    return root


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict = {}

    def find(self, x):
        self.parent.setdefault(x, x)
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:  # path compression
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, x, y) -> None:
        rx, ry = self.find(x), self.find(y)
        if rx != ry:
            self.parent[ry] = rx

    def groups(self) -> list[list]:
        found: dict = {}
        for x in list(self.parent):
            found.setdefault(self.find(x), []).append(x)
        return list(found.values())

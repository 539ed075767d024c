"""Clusters of reprints: connected components of thresholded similarity edges.

A clustering run at threshold ``t`` groups illustrations joined by a path of edges scoring at
least ``t``. Text-heavy images (captions, mastheads, tables) are similar to many others and
chain unrelated clusters into one giant component ("contagion"); a component larger than
``giant_size`` members or ``giant_fraction`` of the corpus is therefore re-clustered inside at
``t + step``, ``t + 2 step``, ... up to ``max_threshold``. A re-clustering that leaves the
component whole (bar dropped singletons) makes no child and tries the next threshold; one that
splits it makes one child per part of at least ``min_size`` members, and each giant child is
split in turn. Parents stay in the output, so a run is a forest of nested clusters.

Keys are derived from the sorted member ids and the threshold, so the same input always gives
the same keys.
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from scipy.sparse import csr_array
from scipy.sparse.csgraph import connected_components as _scipy_components

from ml.circulation import Appearance

Id = Hashable


@dataclass(frozen=True)
class ClusterNode:
    """One cluster of a run; ``members`` are sorted ids, ``children`` keys of its parts."""

    key: str
    members: tuple[Id, ...]
    threshold: float
    parent_key: str | None
    children: tuple[str, ...]

    @property
    def size(self) -> int:
        return len(self.members)


@dataclass(frozen=True)
class ClusterStats:
    """Per-cluster figures for sorting; counts ignore members with an unknown value."""

    size: int
    n_places: int
    n_countries: int
    n_periodicals: int
    first_date: date | None
    last_date: date | None
    span_days: int | None


# Below this size the corpus-fraction rule never makes a giant (5 % of 40 images is 2).
MIN_FRACTION_GIANT = 50

# The threshold (cosine between whitened vectors) each backbone's descriptors are calibrated at.
# dino_vits16: the seed article (384-d DINO+PCA: an image and its grey version score 0.5-0.7,
# very close images 0.75, only copies above 0.85). efficientnet_lite0: bench/quality.py, the
# middle of the range where pairwise precision and recall both reach 0.95 on the sample press.
CALIBRATED_THRESHOLDS = {"dino_vits16": 0.6, "efficientnet_lite0": 0.8}
DEFAULT_THRESHOLD = 0.6


def calibrated_threshold(configured: float | None, backbone: str) -> float:
    """The configured threshold, else the one the backbone is calibrated at."""
    if configured is not None:
        return configured
    return CALIBRATED_THRESHOLDS.get(backbone, DEFAULT_THRESHOLD)


def connected_components(
    n: int, i: np.ndarray, j: np.ndarray, score: np.ndarray, threshold: float
) -> np.ndarray:
    """Component label (int32) of each of ``n`` nodes, over edges with ``score >= threshold``.

    Labels are numbered by each component's smallest node. The CSR matrix is built directly
    from the edge arrays (a counting pass, no COO duplicate summing) and handed to scipy's
    weak-connectivity traversal. On 10M random edges (bench/similarity.py, shared 2-core
    machine) this took 1.3 s against 1.4 s for the plain ``coo -> csr`` route and 0.9 s for a
    vectorized numpy union-find; the union-find's rounds grow with path lengths (long chains
    are what contagion makes), so the linear-time traversal is kept.
    """
    keep = np.asarray(score) >= threshold
    src = np.asarray(i)[keep].astype(np.int32, copy=False)
    dst = np.asarray(j)[keep].astype(np.int32, copy=False)
    if src.size and (min(src.min(), dst.min()) < 0 or max(src.max(), dst.max()) >= n):
        raise ValueError("edge endpoints must lie in [0, n)")
    order = np.argsort(src, kind="stable") if src.size and (np.diff(src) < 0).any() else None
    if order is not None:
        src, dst = src[order], dst[order]
    indptr = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
    graph = csr_array((np.ones(src.size, dtype=np.int8), dst, indptr), shape=(n, n))
    _, labels = _scipy_components(graph, directed=True, connection="weak")
    return labels.astype(np.int32, copy=False)


def cluster_key(members: Sequence[Any], threshold: float) -> str:
    """Stable key of a cluster: a hash of its sorted members and threshold."""
    text = f"{threshold:.6f}\n" + "\n".join(repr(m) for m in sorted(members))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class ClusterParams:
    """How a clustering run cuts the similarity graph; the defaults live here only."""

    threshold: float
    giant_size: int = 500
    giant_fraction: float = 0.05
    threshold_step: float = 0.05
    max_threshold: float = 0.95
    min_size: int = 2


def cluster(
    ids: Sequence[Id],
    edges: tuple[np.ndarray, np.ndarray, np.ndarray],
    params: ClusterParams,
) -> list[ClusterNode]:
    """Clusters of ``ids`` (positions = edge endpoints) at the threshold, giants split inside.

    ``edges`` is ``(i, j, score)`` as from ``ml.knn.unique_pairs``. A component is a giant when
    it has more than ``giant_size`` members, or more than ``giant_fraction`` of ``len(ids)``
    when that is at least ``MIN_FRACTION_GIANT`` members.
    Returns top-level clusters (largest first, then by key), each followed by its descendants
    depth first. Components smaller than ``min_size`` (singletons by default) are left out.
    """
    if params.threshold_step <= 0:
        raise ValueError("threshold_step must be > 0")
    threshold, min_size = params.threshold, params.min_size
    ids = ids.tolist() if isinstance(ids, np.ndarray) else list(ids)
    n = len(ids)
    i, j, score = (np.asarray(a) for a in edges)
    giant = giant_limit(params, n)
    splitter = _Splitter(ids, giant, params.threshold_step, params.max_threshold, min_size)
    labels = connected_components(n, i, j, score, threshold)
    nodes: list[ClusterNode] = []
    for positions, part_edges in _parts(labels, min_size, giant, i, j, score, threshold):
        nodes.extend(splitter.tree(positions, part_edges, threshold, None))
    return _depth_first(nodes)


def giant_limit(params: ClusterParams, n: int) -> int:
    """The size above which a component of a corpus of ``n`` clustered ids is a giant."""
    giant = params.giant_size
    if params.giant_fraction > 0:
        # A fraction of a small corpus is no giant: the fraction rule needs MIN_FRACTION_GIANT.
        giant = min(giant, max(int(params.giant_fraction * n), MIN_FRACTION_GIANT))
    return giant


def component_tree(
    members: Sequence[Id],
    edges: tuple[Sequence[Id], Sequence[Id], np.ndarray],
    params: ClusterParams,
    giant: int,
) -> list[ClusterNode]:
    """The clusters ``cluster`` makes of one connected component, depth first.

    ``edges`` are ``(a, b, score)`` between members, by id; they are only read when the
    component is a giant (more than ``giant`` members). Empty below ``min_size``.
    """
    ordered: list[Any] = sorted(members)
    threshold = params.threshold
    if len(ordered) < params.min_size:
        return []
    if len(ordered) <= giant:
        members_t = tuple(ordered)
        return [ClusterNode(cluster_key(members_t, threshold), members_t, threshold, None, ())]
    position = {member: n for n, member in enumerate(ordered)}
    a, b, score = edges
    score = np.asarray(score)
    i = np.fromiter((position[x] for x in a), dtype=np.int64, count=len(a))
    j = np.fromiter((position[x] for x in b), dtype=np.int64, count=len(b))
    keep = score >= threshold
    splitter = _Splitter(
        ordered, giant, params.threshold_step, params.max_threshold, params.min_size
    )
    nodes = splitter.tree(np.arange(len(ordered)), (i[keep], j[keep], score[keep]), threshold, None)
    return _depth_first(nodes)


def depth_first(nodes: Sequence[ClusterNode]) -> list[ClusterNode]:
    """A forest in ``cluster``'s order: top level largest first, each followed by its subtree."""
    return _depth_first(list(nodes))


def cluster_stats(members: Sequence[Id], meta: Mapping[Id, Appearance]) -> ClusterStats:
    """Size, distinct places/countries/periodicals and dated span of a cluster's members."""
    known = [meta[m] for m in members if m in meta]
    dates = [a.date for a in known if a.date is not None]
    first = min(dates) if dates else None
    last = max(dates) if dates else None
    return ClusterStats(
        size=len(members),
        n_places=len({a.place_id for a in known if a.place_id is not None}),
        n_countries=len({a.country_code for a in known if a.country_code is not None}),
        n_periodicals=len({a.periodical_id for a in known if a.periodical_id is not None}),
        first_date=first,
        last_date=last,
        span_days=(last - first).days if first is not None and last is not None else None,
    )


class _Splitter:
    """Builds one component's subtree, re-clustering giants at rising thresholds."""

    def __init__(
        self, ids: list[Id], giant: int, step: float, max_threshold: float, min_size: int
    ) -> None:
        self.ids = ids
        self.giant = giant
        self.step = step
        self.max_threshold = max_threshold
        self.min_size = min_size

    def tree(
        self,
        positions: np.ndarray,
        edges: _Edges | None,
        threshold: float,
        parent_key: str | None,
    ) -> list[ClusterNode]:
        """This cluster's node followed by its descendants (``edges`` only given for giants)."""
        members = tuple(sorted(self.ids[p] for p in positions))
        key = cluster_key(members, threshold)
        descendants: list[ClusterNode] = []
        if edges is not None:
            for part, part_edges, level in self._split(positions, edges, threshold):
                descendants.extend(self.tree(part, part_edges, level, key))
        direct = sorted(
            (d for d in descendants if d.parent_key == key), key=lambda d: (-d.size, d.key)
        )
        children = tuple(d.key for d in direct)
        return [ClusterNode(key, members, threshold, parent_key, children), *descendants]

    def _split(self, positions: np.ndarray, edges: _Edges, threshold: float):
        """The parts of a giant at the first higher threshold that splits it (or none)."""
        i, j, score = edges
        # ``positions`` is sorted (components list their nodes in increasing order).
        local_i = np.searchsorted(positions, i)
        local_j = np.searchsorted(positions, j)
        # Integer steps avoid float drift: 0.6 + 3 * 0.05 must be 0.75, not 0.7500000000000001.
        n_steps = round(float(self.max_threshold - threshold) / self.step)
        for step in range(1, n_steps + 1):
            level = round(threshold + step * self.step, 6)
            labels = connected_components(positions.size, local_i, local_j, score, level)
            parts = list(_parts(labels, self.min_size, self.giant, local_i, local_j, score, level))
            if len(parts) == 1 and parts[0][0].size == positions.size:
                continue
            return [
                (positions[part], None if e is None else _global(positions, e), level)
                for part, e in parts
            ]
        return []


_Edges = tuple[np.ndarray, np.ndarray, np.ndarray]


def _parts(labels, min_size, giant, i, j, score, threshold):
    """``(positions, edges)`` of each component with ``min_size`` nodes; edges for giants."""
    order = np.argsort(labels, kind="stable")
    counts = np.bincount(labels)
    groups = np.split(order, np.cumsum(counts)[:-1])
    giant_labels = np.flatnonzero(counts > giant)
    by_label: dict[int, _Edges] = {}
    if giant_labels.size:
        edge_label = labels[i]
        keep = np.isin(edge_label, giant_labels) & (score >= threshold)
        ki, kj, ks, kl = i[keep], j[keep], score[keep], edge_label[keep]
        for giant_label in giant_labels:
            mine = kl == giant_label
            by_label[int(giant_label)] = (ki[mine], kj[mine], ks[mine])
    for label, group in enumerate(groups):
        if group.size >= min_size:
            yield group, by_label.get(label)


def _global(positions: np.ndarray, edges: _Edges) -> _Edges:
    i, j, score = edges
    return positions[i], positions[j], score


def _depth_first(nodes: list[ClusterNode]) -> list[ClusterNode]:
    by_parent: dict[str | None, list[ClusterNode]] = {}
    for node in nodes:
        by_parent.setdefault(node.parent_key, []).append(node)
    ordered: list[ClusterNode] = []
    roots = sorted(by_parent.get(None, []), key=lambda c: (-c.size, c.key))
    pending = list(reversed(roots))  # a stack: the next node to visit is last
    while pending:
        node = pending.pop()
        ordered.append(node)
        children = sorted(by_parent.get(node.key, []), key=lambda c: (-c.size, c.key))
        pending.extend(reversed(children))
    return ordered

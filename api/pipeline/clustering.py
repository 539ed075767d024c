"""Clustering runs: connected components of the similarity graph at a threshold, curated.

A run reads the SIMILAR edges of one edge set above its threshold, computes components (giant
ones re-clustered at higher thresholds), re-applies every curation decision to the leaf
clusters, writes clusters, memberships and statistics, then the circulation flows between
places for every leaf cluster. The run keeps its raw clustering (``ml.incremental.Forest``)
so that ``update_clustering`` can add the edges of new illustrations to it in place: only
the clusters whose members changed are rewritten, with their statistics and flows, and the
result is the one a full run on the same edges would give.

Every cluster carries a ``stable_id`` handed down from the cluster it continues (the previous
version of the run for an update, the corpus' latest run for a new run), by the member-overlap
rule of ``ml.curation.successors``; a cluster that continues none takes its own key.
"""

from __future__ import annotations

import json
import uuid
import zlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import cast

from api.pipeline.curation import decisions_from_rows
from api.pipeline.flows import create_clusters_with_flows, write_flows
from api.pipeline.lineage import with_stable_ids
from api.settings import SimilaritySettings
from graph import clusters as repo
from graph.db import GraphDB
from graph.descriptors import model_by_id
from graph.errors import ValidationError
from graph.records import ClusterRow
from graph.similarity import EdgeSet, edges_above, edges_touching, edges_within
from ml.clustering import ClusterNode, ClusterParams, calibrated_threshold
from ml.curation import Decision, Outcome, majority_origin, reach, reapply
from ml.incremental import Forest, full, update

__all__ = [
    "ClusterParams",
    "RunResult",
    "UpdateResult",
    "params_from_settings",
    "run_clustering",
    "update_clustering",
]


def params_from_settings(
    db: GraphDB, *, similarity: SimilaritySettings, edge_set: EdgeSet, threshold: float | None
) -> ClusterParams:
    """A run's parameters: the giant rules from settings; the threshold given, else the
    settings', else the one calibrated for the backbone of the edge set's descriptor model."""
    model = model_by_id(db, edge_set.model_id)
    return ClusterParams(
        threshold=calibrated_threshold(
            threshold if threshold is not None else similarity.cluster_threshold,
            model.backbone if model else "",
        ),
        giant_size=similarity.giant_size,
        giant_fraction=similarity.giant_fraction,
        threshold_step=similarity.threshold_step,
    )


@dataclass(frozen=True)
class RunResult:
    run_id: str
    clusters: int
    leaves: int
    clustered_illustrations: int
    flows: int
    outcomes: tuple[Outcome, ...]


def validate(params: ClusterParams, edge_set: EdgeSet) -> None:
    if not 0.0 < params.threshold <= 1.0:
        raise ValidationError(f"threshold must be in (0, 1], got {params.threshold}")
    if params.threshold < edge_set.min_score:
        raise ValidationError(
            f"threshold {params.threshold} is below the edge set's minimum score "
            f"{edge_set.min_score}: edges under it were never stored"
        )


def run_clustering(db: GraphDB, *, edge_set: EdgeSet, params: ClusterParams) -> RunResult:
    validate(params, edge_set)
    a, b, scores = edges_above(db, edge_set.id, params.threshold)
    forest = full(sorted(set(a) | set(b)), (a, b, scores), params)
    run_id = f"run_{uuid.uuid4().hex[:12]}"
    decisions = decisions_from_rows(repo.list_decisions(db))
    rows, outcomes = cluster_rows(run_id, forest.nodes, decisions)
    previous_run = repo.latest_run_id(db, edge_set.corpus)
    previous = repo.run_clusters(db, previous_run) if previous_run else []
    rows = with_stable_ids(rows, repo.lineages(db, [r.id for r in previous]))

    repo.create_run(
        db,
        repo.RunRecord(
            id=run_id,
            threshold=params.threshold,
            params=json.dumps(asdict(params), sort_keys=True),
            edge_set=edge_set.id,
            corpus=edge_set.corpus,
            model_id=edge_set.model_id,
        ),
    )
    repo.write_clusters(db, run_id, rows)
    repo.refresh_stats(db, [r.id for r in rows])
    flows = write_flows(db, run_id=run_id, cluster_ids=[r.id for r in rows if r.leaf])
    _forests.put(run_id, repo.save_forest(db, run_id, forest_bytes(forest)), forest)
    summary = repo.run_summary(db, run_id)
    return RunResult(
        run_id=run_id,
        clusters=summary["clusters"],
        leaves=summary["leaves"],
        clustered_illustrations=summary["clustered_illustrations"],
        flows=flows,
        outcomes=tuple(outcomes),
    )


@dataclass(frozen=True)
class UpdateResult:
    """An update of a run in place: how many clusters were rewritten, removed and kept."""

    run_id: str
    written: int
    removed: int
    kept: int
    flows: int
    full_run: bool  # the run had no stored forest, so a new full run was made instead


def update_clustering(db: GraphDB, *, run_id: str, illustration_ids: Sequence[str]) -> UpdateResult:
    """Add the edges of ``illustration_ids`` (their neighbours just computed) to a run.

    Rewrites the clusters whose members (or place in the tree, or curation) changed, with
    their statistics and flows; every other cluster keeps its id. Equals a full run on the
    same edges (``ml.incremental``).
    """
    run = repo.get_run(db, run_id)
    params = ClusterParams(**json.loads(run.params))
    previous = _forests.get(run_id, repo.forest_stamp(db, run_id))
    if previous is None:
        stored = repo.load_forest(db, run_id)
        if stored is None:
            edge_set = EdgeSet(run.edge_set, run.model_id or "", 0, params.threshold, run.corpus)
            result = run_clustering(db, edge_set=edge_set, params=params)
            return UpdateResult(result.run_id, result.clusters, 0, 0, result.flows, full_run=True)
        previous = forest_from_bytes(stored[0])
    new_edges = edges_touching(db, run.edge_set, illustration_ids, params.threshold)
    changed = update(
        previous,
        new_edges,
        lambda members: edges_within(db, run.edge_set, [str(m) for m in members], params.threshold),
        params,
    )
    decisions = decisions_from_rows(repo.list_decisions(db))
    # The run as stored is the previous forest under the same decisions (decisions taken
    # since were applied to it in place): diffing the two rewrites only what the new edges
    # changed. Only the region the changed leaves and the decisions naming them reach is
    # re-curated (``ml.curation.reach``); everything outside it is the same on both sides.
    before_owner, after_owner = _LeafOwner(previous.nodes), _LeafOwner(changed.forest.nodes)
    seeds = {
        m for node in (*changed.removed, *changed.added) if not node.children for m in node.members
    }
    region, reaching = reach(
        decisions, seeds, lambda x: [*before_owner.clusters_of(x), *after_owner.clusters_of(x)]
    )
    before_rows = region_rows(
        run_id,
        previous.nodes,
        changed.removed,
        before_owner.leaves_in(region, seeds, changed.removed),
        reaching,
    )
    rows = region_rows(
        run_id,
        changed.forest.nodes,
        changed.added,
        after_owner.leaves_in(region, seeds, changed.added),
        reaching,
    )
    before = {row.id: row for row in before_rows}
    wanted = {row.id: row for row in rows}
    gone = [cid for cid, row in before.items() if _shape(row) != _shape(wanted.get(cid))]
    fresh = [row for row in rows if _shape(row) != _shape(before.get(row.id))]
    recurated = [
        row
        for row in rows
        if row.id in before
        and _shape(row) == _shape(before[row.id])
        and _curation(row) != _curation(before[row.id])
    ]
    stable = repo.stable_ids(db, gone)
    fresh = with_stable_ids(
        fresh,
        [
            repo.Lineage(cid, row.leaf, row.level, stable.get(cid), frozenset(row.members))
            for cid, row in ((cid, before[cid]) for cid in gone)
        ],
    )
    grown = _grown([before[cid] for cid in gone], fresh)
    taken = {row.id for row in grown.values()}
    # Fresh ids too: a version of the run that drifted from its forest must not block them.
    repo.delete_clusters(db, [cid for cid in gone if cid not in taken] + [r.id for r in fresh])
    repo.delete_flows(db, sorted(taken))
    flows = create_clusters_with_flows(db, run_id=run_id, clusters=fresh, grown=grown)
    repo.set_curation(db, recurated)
    _forests.put(run_id, repo.save_forest(db, run_id, forest_bytes(changed.forest)), changed.forest)
    kept = len(changed.forest.nodes) - len(fresh)
    return UpdateResult(run_id, len(fresh), len(gone), kept, flows, full_run=False)


def _grown(gone: Sequence[ClusterRow], fresh: Sequence[ClusterRow]) -> dict[str, ClusterRow]:
    """Fresh top-level leaves that hold every member of a gone top-level leaf (most updates:
    a cluster gains a reprint), each paired with one such leaf whose node it can take over."""
    top = [row for row in gone if row.leaf and row.parent_id is None]
    holder = {m: row for row in top for m in row.members}
    grown: dict[str, ClusterRow] = {}
    used: set[str] = set()
    for row in fresh:
        if not row.leaf or row.parent_id is not None:
            continue
        members = set(row.members)
        candidates = {holder[m].id: holder[m] for m in row.members if m in holder}
        for old in sorted(candidates.values(), key=lambda r: (-len(r.members), r.id)):
            if old.id not in used and members.issuperset(old.members):
                grown[row.id] = old
                used.add(old.id)
                break
    return grown


class _LeafOwner:
    """The leaf holding each illustration of a forest, indexed on first use: most updates
    reach no decision and never need it."""

    def __init__(self, nodes: Sequence[ClusterNode]) -> None:
        self._nodes = nodes
        self._owner: dict[object, ClusterNode] | None = None

    def _index(self) -> dict[object, ClusterNode]:
        if self._owner is None:
            self._owner = {m: n for n in self._nodes if not n.children for m in n.members}
        return self._owner

    def clusters_of(self, x: object) -> list[tuple[object, ...]]:
        leaf = self._index().get(x)
        return [] if leaf is None else [leaf.members]

    def leaves_in(
        self, region: frozenset, seeds: set, changed: Sequence[ClusterNode]
    ) -> list[ClusterNode]:
        """The leaves inside ``region``: the changed ones, and those holding what decisions
        brought in beyond the ``seeds`` (members of the changed leaves on either side: one in
        no changed leaf here is in no leaf here, since an unchanged leaf is on both sides)."""
        leaves = {node.key: node for node in changed if not node.children}
        if len(region) > len(seeds):
            owner = self._index()
            for x in region - seeds:
                leaf = owner.get(x)
                if leaf is not None:
                    leaves[leaf.key] = leaf
        return list(leaves.values())


def _shape(row: ClusterRow | None) -> tuple[object, ...] | None:
    """What a stored cluster's id does not already say: its place in the tree."""
    if row is None:
        return None
    return (row.key, row.leaf, row.level, row.parent_id, round(row.threshold, 6))


def _curation(row: ClusterRow) -> tuple[object, ...]:
    return (row.name, row.description, bool(row.validated), row.flag_reason)


class _ForestCache:
    """The forests this process last wrote, by run and stamp: a clusters worker updates the
    same run again and again, and reading a big forest back costs more than the rest of a
    small update. A stamp that differs (another process wrote since) means a read."""

    def __init__(self, size: int = 4) -> None:
        self.size = size
        self._forests: dict[str, tuple[str, Forest]] = {}

    def get(self, run_id: str, stamp: str | None) -> Forest | None:
        found = self._forests.get(run_id)
        return found[1] if found is not None and stamp is not None and found[0] == stamp else None

    def put(self, run_id: str, stamp: str, forest: Forest) -> None:
        self._forests.pop(run_id, None)
        self._forests[run_id] = (stamp, forest)
        while len(self._forests) > self.size:
            del self._forests[next(iter(self._forests))]


_forests = _ForestCache()


def forest_bytes(forest: Forest) -> bytes:
    # Tuples are JSON arrays as they are: no copy of 100k members into lists.
    nodes = [(n.key, n.members, n.threshold, n.parent_key, n.children) for n in forest.nodes]
    data = {"components": forest.components, "nodes": nodes}
    return zlib.compress(json.dumps(data, separators=(",", ":")).encode(), 1)


def forest_from_bytes(data: bytes) -> Forest:
    raw = json.loads(zlib.decompress(data))
    return Forest(
        components=tuple(tuple(c) for c in raw["components"]),
        nodes=tuple(
            ClusterNode(key, tuple(members), threshold, parent, tuple(children))
            for key, members, threshold, parent, children in raw["nodes"]
        ),
    )


def cluster_id(run_id: str, key: str) -> str:
    return f"{run_id}:{key}"


def cluster_rows(
    run_id: str, nodes: Sequence[ClusterNode], decisions: Sequence[Decision]
) -> tuple[list[ClusterRow], list[Outcome]]:
    """Rows to write: the component tree, with its leaves replaced by their curated versions."""
    return _rows(run_id, nodes, nodes, [node for node in nodes if not node.children], decisions)


def region_rows(
    run_id: str,
    nodes: Sequence[ClusterNode],
    changed: Sequence[ClusterNode],
    leaves: Sequence[ClusterNode],
    decisions: Sequence[Decision],
) -> list[ClusterRow]:
    """The rows of ``cluster_rows`` for the inner clusters among ``changed`` and the curated
    versions of ``leaves`` (whole region of the decisions that name them)."""
    return _rows(run_id, nodes, changed, leaves, decisions)[0]


def _rows(
    run_id: str,
    nodes: Sequence[ClusterNode],
    inner: Sequence[ClusterNode],
    leaves: Sequence[ClusterNode],
    decisions: Sequence[Decision],
) -> tuple[list[ClusterRow], list[Outcome]]:
    by_key = {node.key: node for node in nodes}
    level: dict[str, int] = {}
    for node in nodes:  # parents come before their children
        level[node.key] = 0 if node.parent_key is None else level[node.parent_key] + 1
    curated, outcomes = reapply(decisions, {leaf.key: leaf.members for leaf in leaves})
    owner = {member: leaf for leaf in leaves for member in leaf.members}

    rows = [
        ClusterRow(
            id=cluster_id(run_id, node.key),
            key=node.key,
            threshold=node.threshold,
            leaf=False,
            level=level[node.key],
            parent_id=cluster_id(run_id, node.parent_key) if node.parent_key else None,
            # The pipeline clusters illustration ids, which are strings.
            members=tuple(sorted(cast("tuple[str, ...]", node.members))),
        )
        for node in inner
        if node.children
    ]
    for item in curated:
        origin = by_key.get(item.key) or majority_origin(item.members, owner, _key)
        rows.append(
            ClusterRow(
                id=cluster_id(run_id, item.key),
                key=item.key,
                threshold=origin.threshold,
                leaf=True,
                level=level[origin.key],
                parent_id=cluster_id(run_id, origin.parent_key) if origin.parent_key else None,
                members=tuple(sorted(item.members)),
                name=item.name,
                description=item.description,
                validated=item.validated,
                flag_reason=item.flag_reason,
            )
        )
    return rows, outcomes


def _key(node: ClusterNode) -> str:
    return node.key

"""Clustering runs: connected components of the similarity graph at a threshold, curated.

A run reads the SIMILAR edges of one edge set above its threshold, computes components (giant
ones re-clustered at higher thresholds), re-applies every curation decision to the leaf
clusters, writes clusters, memberships and statistics, then the circulation flows between
places for every leaf cluster.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from api.pipeline.curation import decisions_from_rows
from api.pipeline.flows import write_flows
from api.settings import SimilaritySettings
from graph import clusters as repo
from graph.db import GraphDB
from graph.descriptors import model_by_id
from graph.errors import ValidationError
from graph.records import ClusterRow
from graph.similarity import EdgeSet, edges_above
from ml.clustering import ClusterNode, ClusterParams, calibrated_threshold, cluster
from ml.curation import Outcome, majority_origin, reapply

__all__ = ["ClusterParams", "RunResult", "params_from_settings", "run_clustering"]


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
    ids = sorted(set(a) | set(b))
    position = {illustration: n for n, illustration in enumerate(ids)}
    i = np.fromiter((position[x] for x in a), dtype=np.int64, count=len(a))
    j = np.fromiter((position[x] for x in b), dtype=np.int64, count=len(b))
    nodes = cluster(ids, (i, j, scores), params)
    run_id = f"run_{uuid.uuid4().hex[:12]}"
    decisions = decisions_from_rows(repo.list_decisions(db))
    rows, outcomes = cluster_rows(run_id, nodes, decisions)

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
    summary = repo.run_summary(db, run_id)
    return RunResult(
        run_id=run_id,
        clusters=summary["clusters"],
        leaves=summary["leaves"],
        clustered_illustrations=summary["clustered_illustrations"],
        flows=flows,
        outcomes=tuple(outcomes),
    )


def cluster_id(run_id: str, key: str) -> str:
    return f"{run_id}:{key}"


def cluster_rows(
    run_id: str, nodes: Sequence[ClusterNode], decisions: Sequence
) -> tuple[list[ClusterRow], list[Outcome]]:
    """Rows to write: the component tree, with its leaves replaced by their curated versions."""
    by_key = {node.key: node for node in nodes}
    level: dict[str, int] = {}
    for node in nodes:  # parents come before their children
        level[node.key] = 0 if node.parent_key is None else level[node.parent_key] + 1
    leaves = [node for node in nodes if not node.children]
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
            members=tuple(sorted(node.members)),
        )
        for node in nodes
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

"""Curation: decisions stored as decisions, applied now to a run and re-applied to later runs.

The matching rule (by member overlap) lives in `ml.curation`; here decisions are stored and
turned back into `ml.curation` objects, and a new decision is applied to a run's leaf clusters:
clusters it leaves untouched keep their stored curation, a cluster whose membership it edits
inherits the curation of the leaf that held most of its members.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from api.pipeline.flows import write_flows
from api.pipeline.lineage import with_stable_ids
from graph import clusters as repo
from graph.db import GraphDB
from graph.records import ClusterRow, DecisionRow
from ml import curation as cur

KINDS = {
    "name": cur.NameCluster,
    "describe": cur.DescribeCluster,
    "validate": cur.ValidateCluster,
    "flag": cur.FlagCluster,
    "merge": cur.MergeClusters,
    "split": cur.SplitCluster,
    "add": cur.AddMember,
    "remove": cur.RemoveMember,
}
KIND_OF = {cls: kind for kind, cls in KINDS.items()}


@dataclass(frozen=True)
class Applied:
    decision_id: str
    status: str  # applied | satisfied | orphaned
    cluster_ids: tuple[str, ...]  # the run's leaves that now carry the result


def decision_to_row(decision: cur.Decision) -> tuple[str, list[str], str]:
    kind = KIND_OF[type(decision)]
    if isinstance(decision, cur.MergeClusters):
        members = sorted(m for group in decision.clusters for m in group)
        payload = {"clusters": [sorted(g) for g in decision.clusters]}
    else:
        members = sorted(decision.members)
        payload = {}
        if isinstance(decision, cur.SplitCluster):
            payload["groups"] = [sorted(g) for g in decision.groups]
        for name in ("name", "description", "reason", "illustration_id"):
            if hasattr(decision, name):
                payload[name] = getattr(decision, name)
    return kind, members, json.dumps(payload, sort_keys=True)


def decision_from_row(row: DecisionRow) -> cur.Decision:
    payload = json.loads(row.payload)
    members = frozenset(row.members)
    cls = KINDS[row.kind]
    if cls is cur.MergeClusters:
        return cur.MergeClusters(tuple(frozenset(g) for g in payload["clusters"]))
    if cls is cur.SplitCluster:
        return cur.SplitCluster(members, tuple(frozenset(g) for g in payload["groups"]))
    if cls is cur.ValidateCluster:
        return cur.ValidateCluster(members)
    if cls is cur.NameCluster:
        return cur.NameCluster(members, payload["name"])
    if cls is cur.DescribeCluster:
        return cur.DescribeCluster(members, payload["description"])
    if cls is cur.FlagCluster:
        return cur.FlagCluster(members, payload["reason"])
    if cls is cur.AddMember:
        return cur.AddMember(members, payload["illustration_id"])
    return cur.RemoveMember(members, payload["illustration_id"])


def decisions_from_rows(rows: Sequence[DecisionRow]) -> list[cur.Decision]:
    return [decision_from_row(row) for row in rows]


def apply_decision(db: GraphDB, *, run_id: str, decision: cur.Decision, by: str | None) -> Applied:
    """Store `decision`, then apply it to the run's leaf clusters."""
    kind, members, payload = decision_to_row(decision)
    decision_id = repo.add_decision(db, kind, members, payload, by)
    leaves = repo.run_leaves(db, run_id)
    by_key = {leaf.key: leaf for leaf in leaves}
    curated, outcomes = cur.reapply([decision], {leaf.key: leaf.members for leaf in leaves})
    outcome = outcomes[0]
    if outcome.status != "applied":
        targets = tuple(by_key[k].id for k in outcome.target_keys if k in by_key)
        return Applied(decision_id, outcome.status, targets)

    owner = {m: leaf for leaf in leaves for m in leaf.members}
    new_rows: list[ClusterRow] = []
    changed: list[ClusterRow] = []
    for item in curated:
        previous = by_key.get(item.key)
        if previous is not None and previous.members == tuple(sorted(item.members)):
            merged = _overlay(previous, item)
            if merged != previous:
                changed.append(merged)
            continue
        origin = cur.majority_origin(item.members, owner, _row_id)
        new_rows.append(
            _overlay(
                ClusterRow(
                    id=f"{run_id}:{item.key}",
                    key=item.key,
                    threshold=origin.threshold,
                    leaf=True,
                    level=origin.level,
                    parent_id=origin.parent_id,
                    members=tuple(sorted(item.members)),
                    name=origin.name,
                    description=origin.description,
                    validated=origin.validated,
                    flag_reason=origin.flag_reason,
                ),
                item,
            )
        )
    gone = [leaf.id for leaf in leaves if leaf.key not in {c.key for c in curated}]
    new_rows = with_stable_ids(new_rows, repo.lineages(db, gone))
    repo.delete_clusters(db, gone)
    if new_rows:
        repo.write_clusters(db, run_id, new_rows)
        repo.refresh_stats(db, [r.id for r in new_rows])
        write_flows(db, run_id=run_id, cluster_ids=[r.id for r in new_rows])
    repo.set_curation(db, changed)
    touched = tuple(r.id for r in [*changed, *new_rows])
    return Applied(decision_id, "applied", touched)


def _overlay(row: ClusterRow, item: cur.CuratedCluster) -> ClusterRow:
    """The stored curation, updated with what the decision set."""
    return ClusterRow(
        id=row.id,
        key=row.key,
        threshold=row.threshold,
        leaf=row.leaf,
        level=row.level,
        parent_id=row.parent_id,
        members=row.members,
        name=item.name if item.name is not None else row.name,
        description=item.description if item.description is not None else row.description,
        validated=item.validated or row.validated,
        flag_reason=item.flag_reason if item.flag_reason is not None else row.flag_reason,
    )


def _row_id(row: ClusterRow) -> str:
    return row.id

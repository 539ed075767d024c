"""Stable cluster ids: handed down from the clusters a new version continues.

A cluster's ``stable_id`` is handed down by the rule of ``ml.curation.successors`` (the
member-overlap rule curation decisions follow): a previous cluster is continued by the new
cluster holding more than half of its members and at most four times its size; on a merge the
new cluster continues the previous one it shares most with. A cluster that continues none
takes its own key as stable id. The rule needs disjoint clusters on each side, so it runs tier
by tier: the leaves, then the non-leaf clusters of each level.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from graph.clusters import Lineage
from graph.records import ClusterRow
from ml.curation import successors


def with_stable_ids(rows: Sequence[ClusterRow], previous: Sequence[Lineage]) -> list[ClusterRow]:
    """``rows`` with the stable ids of the ``previous`` clusters they continue."""
    assigned: dict[str, str] = {}
    tiers = {(row.leaf, None if row.leaf else row.level) for row in rows}
    for leaf, level in tiers:
        mine = {r.id: r.members for r in rows if r.leaf == leaf and (leaf or r.level == level)}
        theirs = {
            p.cluster_id: p.members
            for p in previous
            if p.stable_id and p.leaf == leaf and (leaf or p.level == level)
        }
        stable = {p.cluster_id: p.stable_id for p in previous if p.stable_id}
        for new_id, old_id in successors(theirs, mine).items():
            assigned[new_id] = stable[old_id]
    taken = set(assigned.values())
    result = []
    for row in rows:
        stable_id = assigned.get(row.id)
        if stable_id is None:
            stable_id = row.key if row.key not in taken else f"{row.key}-{row.id.split(':')[0]}"
            taken.add(stable_id)
        result.append(replace(row, stable_id=stable_id))
    return result

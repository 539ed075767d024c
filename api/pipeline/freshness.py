"""Derived cluster values kept fresh when what they derive from changes.

A cluster's counts (places, countries, periodicals), dates and span, and its FLOW hops are
derived from its members' issues (date, place) and from which members are flagged as not
relevant. A correction or a flag recomputes them, for every cluster of every run that holds
an affected illustration, synchronously before the call returns: a correction touches the
clusters of one issue (or of one periodical's issues), a few queries' work, so nothing is ever
reported stale or pending. Curation decisions rewrite the clusters they edit the same way
(`api/pipeline/curation.py`). A title correction changes no derived value (periodicals are
counted by id, and titles are read live).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from api.pipeline.flows import write_flows
from graph import clusters as repo
from graph import explore
from graph.clusters import ClusterRef
from graph.db import GraphDB


@dataclass(frozen=True)
class Refreshed:
    clusters: int
    flows: int


def refresh_issues(db: GraphDB, issue_ids: Sequence[str]) -> Refreshed:
    """Recompute what derives from these issues' dates and places."""
    return refresh_clusters(db, repo.clusters_of_issues(db, issue_ids))


def refresh_illustrations(db: GraphDB, illustration_ids: Sequence[str]) -> Refreshed:
    return refresh_clusters(db, repo.clusters_of_illustrations(db, illustration_ids))


def refresh_clusters(db: GraphDB, clusters: Sequence[ClusterRef]) -> Refreshed:
    """Statistics of these clusters, and flows of the leaves among them, recomputed."""
    repo.refresh_stats(db, [c.id for c in clusters])
    leaves = [c for c in clusters if c.leaf]
    repo.delete_flows(db, [c.id for c in leaves])
    by_run: dict[str, list[str]] = {}
    for c in leaves:
        by_run.setdefault(c.run_id, []).append(c.id)
    flows = sum(write_flows(db, run_id=run, cluster_ids=ids) for run, ids in by_run.items())
    return Refreshed(len(clusters), flows)


def flag_illustration(
    db: GraphDB, illustration_id: str, *, reason: str | None, flagged: bool = True
) -> bool:
    """Flag (or unflag) an illustration, then refresh its clusters; False when it is unknown."""
    if not explore.flag_illustration(db, illustration_id, reason, flagged):
        return False
    refresh_illustrations(db, [illustration_id])
    return True

"""Circulation flows of clusters: their members' appearances turned into FLOW relations."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from datetime import date

from graph import clusters as repo
from graph.db import GraphDB
from graph.records import AppearanceRow, ClusterRow, ClusterStatsRow, FlowRow
from ml.circulation import Appearance, circulation
from ml.clustering import cluster_stats


def _appearance(row: AppearanceRow) -> Appearance:
    return Appearance(
        illustration_id=row.illustration_id,
        date=date.fromisoformat(row.date) if row.date else None,
        date_precision=row.date_precision,
        place_id=row.place_id,
        country_code=row.country_code,
        periodical_id=row.periodical_id,
        issue_id=row.issue_id,
    )


def flow_rows(cluster: str, appearances: Iterable[Appearance]) -> list[FlowRow]:
    """The FLOW relations of one cluster: the hops of its circulation."""
    return [
        FlowRow(
            cluster=cluster,
            origin=hop.origin,
            destination=hop.destination,
            from_date=hop.from_date.isoformat(),
            to_date=hop.to_date.isoformat(),
            lag_days=hop.lag_days,
            precision=hop.date_precision,
            from_illustration=str(hop.from_illustration_id),
            to_illustration=str(hop.to_illustration_id),
        )
        for hop in circulation(list(appearances)).hops
    ]


def write_flows(db: GraphDB, *, run_id: str, cluster_ids: Sequence[str]) -> int:
    """Compute and write the FLOW relations of these clusters; returns how many."""
    by_cluster: dict[str, list[Appearance]] = {}
    for row in repo.appearances(db, cluster_ids):
        by_cluster.setdefault(row.cluster_id, []).append(_appearance(row))
    flows = [row for cid, found in by_cluster.items() for row in flow_rows(cid, found)]
    repo.write_flows(db, run_id, flows)
    return len(flows)


def create_clusters_with_flows(
    db: GraphDB,
    *,
    run_id: str,
    clusters: Sequence[ClusterRow],
    grown: Mapping[str, ClusterRow] | None = None,
) -> int:
    """Write new clusters with their statistics, memberships and (leaves) flows, reading
    each member's appearance once; returns how many flows. The statistics are those of
    `graph.clusters.refresh_stats` (the update's bench compares them with a full run's).

    ``grown`` maps a new cluster's id to the stored cluster it grew from (all of whose members
    it holds; top level): that node is taken over instead of written anew, so that only the
    gained members are linked. The stored clusters' flows must be gone already."""
    ids = sorted({m for c in clusters for m in c.members})
    printed: dict[Hashable, Appearance] = {
        row.illustration_id: _appearance(row) for row in repo.illustration_appearances(db, ids)
    }
    stats = {c.id: _stats(c.members, printed) for c in clusters}
    grown = grown or {}
    repo.grow_clusters(db, [(grown[c.id], c) for c in clusters if c.id in grown], stats)
    repo.create_clusters(db, run_id, [c for c in clusters if c.id not in grown], stats)
    flows = [
        row
        for c in clusters
        if c.leaf
        for row in flow_rows(c.id, [printed[m] for m in c.members if m in printed])
    ]
    repo.write_flows(db, run_id, flows)
    return len(flows)


def _stats(members: Sequence[str], printed: Mapping[Hashable, Appearance]) -> ClusterStatsRow:
    found = cluster_stats(members, printed)
    return ClusterStatsRow(
        size=found.size,
        n_places=found.n_places,
        n_countries=found.n_countries,
        n_periodicals=found.n_periodicals,
        first_date=found.first_date.isoformat() if found.first_date else None,
        last_date=found.last_date.isoformat() if found.last_date else None,
        span_days=found.span_days,
    )

"""Circulation flows of clusters: their members' appearances turned into FLOW relations."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from graph import clusters as repo
from graph.db import GraphDB
from graph.records import AppearanceRow, FlowRow
from ml.circulation import Appearance, circulation


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


def write_flows(db: GraphDB, *, run_id: str, cluster_ids: Sequence[str]) -> int:
    """Compute and write the FLOW relations of these clusters; returns how many."""
    by_cluster: dict[str, list[Appearance]] = {}
    for row in repo.appearances(db, cluster_ids):
        by_cluster.setdefault(row.cluster_id, []).append(_appearance(row))
    flows = [
        FlowRow(
            cluster=cid,
            origin=hop.origin,
            destination=hop.destination,
            from_date=hop.from_date.isoformat(),
            to_date=hop.to_date.isoformat(),
            lag_days=hop.lag_days,
            precision=hop.date_precision,
            from_illustration=str(hop.from_illustration_id),
            to_illustration=str(hop.to_illustration_id),
        )
        for cid, appearances in by_cluster.items()
        for hop in circulation(appearances).hops
    ]
    repo.write_flows(db, run_id, flows)
    return len(flows)

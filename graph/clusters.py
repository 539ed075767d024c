"""Repository for clustering runs, clusters, flows and curation decisions."""

from __future__ import annotations

import dataclasses
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from neo4j import ManagedTransaction, RoutingControl

from graph.db import GraphDB
from graph.errors import NotFoundError
from graph.queries import clusters as q
from graph.records import AppearanceRow, ClusterRow, ClusterStatsRow, DecisionRow, FlowRow

BATCH = 10_000

T = TypeVar("T")


@dataclass(frozen=True)
class RunRecord:
    id: str
    threshold: float
    params: str  # JSON
    edge_set: str
    corpus: str | None
    model_id: str | None
    created: str | None = None


def _batches(rows: Sequence[T], size: int = BATCH) -> Iterator[Sequence[T]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _run_write(tx: ManagedTransaction, query: str, **params: Any) -> None:
    tx.run(query, params).consume()


def create_run(db: GraphDB, run: RunRecord) -> None:
    db.execute_query(
        q.CREATE_RUN,
        id=run.id,
        threshold=run.threshold,
        params=run.params,
        edge_set=run.edge_set,
        corpus=run.corpus,
        model_id=run.model_id,
    )


def get_run(db: GraphDB, run_id: str) -> RunRecord:
    records, _, _ = db.execute_query(q.GET_RUN, run_id=run_id, routing_=RoutingControl.READ)
    if not records:
        raise NotFoundError(f"no clustering run {run_id!r}")
    return RunRecord(**records[0].data())


def latest_run_id(db: GraphDB, corpus: str | None = None) -> str | None:
    records, _, _ = db.execute_query(q.LATEST_RUN, corpus=corpus, routing_=RoutingControl.READ)
    return records[0]["id"] if records else None


def write_clusters(db: GraphDB, run_id: str, clusters: Sequence[ClusterRow]) -> None:
    nodes = [
        {k: v for k, v in dataclasses.asdict(c).items() if k not in ("members", "parent_id")}
        for c in clusters
    ]
    links = [[c.parent_id, c.id] for c in clusters if c.parent_id]
    members = [[m, c.id] for c in clusters for m in c.members]
    with db.session() as session:
        for rows in _batches(nodes):
            session.execute_write(_run_write, q.WRITE_CLUSTERS, run_id=run_id, clusters=rows)
        for link_rows in _batches(links):
            session.execute_write(_run_write, q.WRITE_CHILDREN, links=link_rows)
    db.write_batches(q.WRITE_MEMBERS, members, size=BATCH)


def create_clusters(
    db: GraphDB,
    run_id: str,
    clusters: Sequence[ClusterRow],
    stats: Mapping[str, ClusterStatsRow],
) -> None:
    """Write new clusters with their statistics and memberships, then their parent links
    (parents among them or already stored)."""
    rows = []
    for c in clusters:
        row = {k: v for k, v in dataclasses.asdict(c).items() if k != "parent_id"}
        row.update(dataclasses.asdict(stats[c.id]))
        row["members"] = list(c.members)
        rows.append(row)
    links = [[c.parent_id, c.id] for c in clusters if c.parent_id]
    with db.session() as session:
        for batch in _batches(rows, 2_000):
            session.execute_write(
                _run_write, q.CREATE_CLUSTERS_WITH_MEMBERS, run_id=run_id, clusters=batch
            )
        for link_rows in _batches(links):
            session.execute_write(_run_write, q.WRITE_CHILDREN, links=link_rows)


def grow_clusters(
    db: GraphDB,
    grown: Sequence[tuple[ClusterRow, ClusterRow]],
    stats: Mapping[str, ClusterStatsRow],
) -> None:
    """(stored, new) pairs where the new cluster holds every member of the stored one and
    has no parent: the stored node becomes the new cluster (see `GROW_CLUSTERS`)."""
    rows = []
    for old, new in grown:
        row = {
            k: v for k, v in dataclasses.asdict(new).items() if k not in ("members", "parent_id")
        }
        row.update(dataclasses.asdict(stats[new.id]))
        row["old_id"] = old.id
        row["members"] = sorted(set(new.members) - set(old.members))
        rows.append(row)
    with db.session() as session:
        for batch in _batches(rows, 2_000):
            session.execute_write(_run_write, q.GROW_CLUSTERS, clusters=batch)


def illustration_appearances(db: GraphDB, ids: Sequence[str]) -> list[AppearanceRow]:
    """The printing of each of these illustrations not flagged (``cluster_id`` left empty)."""
    rows: list[AppearanceRow] = []
    for batch in _batches(list(ids), 5_000):
        records, _, _ = db.execute_query(
            q.ILLUSTRATION_APPEARANCES, ids=batch, routing_=RoutingControl.READ
        )
        rows += [AppearanceRow(**r.data()) for r in records]
    return rows


def refresh_stats(db: GraphDB, cluster_ids: Sequence[str]) -> None:
    """Recompute what derives from these clusters' members: statistics, and the printing
    carried on each membership (date, place, country, periodical; see `REFRESH_STATS`)."""
    with db.session() as session:
        for ids in _batches(list(cluster_ids), 2_000):
            session.execute_write(_run_write, q.REFRESH_STATS, ids=ids)


def refresh_missing_printings(db: GraphDB) -> int:
    """Carry printings on the memberships of clusters written before they were (an upgrade:
    their statistics are recomputed with them); returns how many clusters were refreshed."""
    records, _, _ = db.execute_query(q.CLUSTERS_WITHOUT_PRINTINGS, routing_=RoutingControl.READ)
    ids = [r["id"] for r in records]
    refresh_stats(db, ids)
    return len(ids)


def refresh_missing_periods(db: GraphDB) -> int:
    """Write the year and decade statistics of clusters written before they were kept (an
    upgrade, through the statistics refresh); returns how many clusters were refreshed."""
    records, _, _ = db.execute_query(q.CLUSTERS_WITHOUT_PERIODS, routing_=RoutingControl.READ)
    ids = [r["id"] for r in records]
    refresh_stats(db, ids)
    return len(ids)


def carry_flow_countries(db: GraphDB) -> None:
    """Put their ends' countries on FLOW hops written before they carried them, and write
    every run's flow cells (an upgrade)."""
    # CALL ... IN TRANSACTIONS needs an auto-commit transaction, hence session.run.
    with db.session() as session:
        session.run(q.FLOW_COUNTRIES).consume()
    records, _, _ = db.execute_query(q.RUN_IDS, routing_=RoutingControl.READ)
    for record in records:
        write_flow_cells(db, record["id"])


def appearances(db: GraphDB, cluster_ids: Sequence[str]) -> list[AppearanceRow]:
    rows: list[AppearanceRow] = []
    for ids in _batches(list(cluster_ids), 2_000):
        records, _, _ = db.execute_query(q.APPEARANCES, ids=ids, routing_=RoutingControl.READ)
        rows += [AppearanceRow(**r.data()) for r in records]
    return rows


def write_flows(db: GraphDB, run_id: str, flows: Sequence[FlowRow]) -> None:
    """Write FLOW hops, then the run's country flow cells again (`WRITE_FLOW_CELLS`)."""
    rows = [dataclasses.asdict(f) for f in flows]
    with db.session() as session:
        for batch in _batches(rows):
            session.execute_write(_run_write, q.WRITE_FLOWS, hops=batch, run_id=run_id)
    write_flow_cells(db, run_id)


def write_flow_cells(db: GraphDB, run_id: str) -> None:
    db.execute_query(q.WRITE_FLOW_CELLS, run_id=run_id)


def delete_flows(db: GraphDB, cluster_ids: Sequence[str]) -> None:
    db.execute_query(q.DELETE_FLOWS_OF_CLUSTERS, ids=list(cluster_ids))


def run_leaves(db: GraphDB, run_id: str) -> list[ClusterRow]:
    records, _, _ = db.execute_query(q.RUN_LEAVES, run_id=run_id, routing_=RoutingControl.READ)
    return [
        ClusterRow(
            id=r["id"],
            key=r["key"],
            threshold=r["threshold"],
            leaf=True,
            level=r["level"],
            parent_id=r["parent_id"],
            members=tuple(sorted(r["members"])),
            name=r["name"],
            description=r["description"],
            validated=bool(r["validated"]),
            flag_reason=r["flag_reason"],
        )
        for r in records
    ]


def delete_clusters(db: GraphDB, ids: Sequence[str]) -> None:
    if ids:
        delete_flows(db, ids)
        db.execute_query(q.DELETE_CLUSTERS, ids=list(ids))


def set_curation(db: GraphDB, clusters: Sequence[ClusterRow]) -> None:
    rows = [
        {
            "id": c.id,
            "name": c.name,
            "description": c.description,
            "validated": c.validated,
            "flag_reason": c.flag_reason,
        }
        for c in clusters
    ]
    for batch in _batches(rows):
        db.execute_query(q.SET_CURATION, rows=batch)


def cluster_members(db: GraphDB, cluster_id: str) -> tuple[str, list[str]]:
    """The run id and members of a cluster."""
    records, _, _ = db.execute_query(q.CLUSTER_MEMBERS, id=cluster_id, routing_=RoutingControl.READ)
    if not records or records[0]["run_id"] is None:
        raise NotFoundError(f"no cluster {cluster_id!r}")
    return records[0]["run_id"], sorted(records[0]["members"])


def add_decision(
    db: GraphDB,
    kind: str,
    members: Sequence[str],
    payload: str,
    by: str | None,
) -> str:
    decision_id = f"dec_{uuid.uuid4().hex[:12]}"
    db.execute_query(
        q.ADD_DECISION,
        id=decision_id,
        kind=kind,
        members=list(members),
        payload=payload,
        by=by,
        seq=time.time_ns(),
    )
    return decision_id


def list_decisions(db: GraphDB) -> list[DecisionRow]:
    records, _, _ = db.execute_query(q.LIST_DECISIONS, routing_=RoutingControl.READ)
    return [
        DecisionRow(
            id=r["id"],
            kind=r["kind"],
            members=tuple(r["members"]),
            payload=r["payload"],
            by=r["by"],
        )
        for r in records
    ]


def run_summary(db: GraphDB, run_id: str) -> dict[str, int]:
    records, _, _ = db.execute_query(q.RUN_SUMMARY, run_id=run_id, routing_=RoutingControl.READ)
    return {k: int(v or 0) for k, v in records[0].data().items()}


def save_forest(db: GraphDB, run_id: str, forest: bytes) -> str:
    """Store a run's raw clustering (see ml.incremental) so that it can be updated later;
    returns the stamp that names this version of it."""
    stamp = uuid.uuid4().hex
    db.execute_query(q.SAVE_FOREST, run_id=run_id, forest=forest, stamp=stamp)
    return stamp


def load_forest(db: GraphDB, run_id: str) -> tuple[bytes, str | None] | None:
    """A run's stored raw clustering and its stamp (None: the run has none)."""
    records, _, _ = db.execute_query(q.LOAD_FOREST, run_id=run_id, routing_=RoutingControl.READ)
    if not records:
        raise NotFoundError(f"no clustering run {run_id!r}")
    forest = records[0]["forest"]
    return (bytes(forest), records[0]["stamp"]) if forest is not None else None


def forest_stamp(db: GraphDB, run_id: str) -> str | None:
    """The stamp of a run's stored raw clustering, without reading it."""
    records, _, _ = db.execute_query(q.FOREST_STAMP, run_id=run_id, routing_=RoutingControl.READ)
    if not records:
        raise NotFoundError(f"no clustering run {run_id!r}")
    return records[0]["stamp"] if records[0]["stored"] else None


def run_clusters(db: GraphDB, run_id: str) -> list[ClusterRow]:
    """Every cluster of a run, without members (a cluster's key says its members)."""
    records, _, _ = db.execute_query(q.RUN_CLUSTERS, run_id=run_id, routing_=RoutingControl.READ)
    return [
        ClusterRow(
            id=r["id"],
            key=r["key"],
            threshold=r["threshold"],
            leaf=bool(r["leaf"]),
            level=r["level"],
            parent_id=r["parent_id"],
            members=(),
            name=r["name"],
            description=r["description"],
            validated=bool(r["validated"]),
            flag_reason=r["flag_reason"],
            stable_id=r["stable_id"],
        )
        for r in records
    ]


@dataclass(frozen=True)
class Lineage:
    """What a cluster hands down to its successors: its tier, stable id and members."""

    cluster_id: str
    leaf: bool
    level: int
    stable_id: str | None
    members: frozenset


def lineages(db: GraphDB, cluster_ids: Sequence[str]) -> list[Lineage]:
    found: list[Lineage] = []
    for ids in _batches(list(cluster_ids), 2_000):
        records, _, _ = db.execute_query(
            q.MEMBERS_OF_CLUSTERS, ids=ids, routing_=RoutingControl.READ
        )
        for r in records:
            members = frozenset(r["members"])
            found.append(
                Lineage(r["cluster_id"], bool(r["leaf"]), r["level"], r["stable_id"], members)
            )
    return found


def stable_ids(db: GraphDB, cluster_ids: Sequence[str]) -> dict[str, str]:
    """The stable id of each of these clusters that has one."""
    found: dict[str, str] = {}
    for ids in _batches(list(cluster_ids)):
        records, _, _ = db.execute_query(q.STABLE_IDS, ids=ids, routing_=RoutingControl.READ)
        found.update((r["id"], r["stable_id"]) for r in records if r["stable_id"])
    return found


def set_stable_ids(db: GraphDB, stable_ids: dict[str, str]) -> None:
    rows = [[cid, sid] for cid, sid in stable_ids.items()]
    for batch in _batches(rows):
        db.execute_query(q.SET_STABLE_IDS, rows=batch)


def cluster_by_stable_id(db: GraphDB, stable_id: str) -> str | None:
    """The id of the latest version of the cluster with this stable id."""
    records, _, _ = db.execute_query(
        q.CLUSTER_BY_STABLE_ID, stable_id=stable_id, routing_=RoutingControl.READ
    )
    return records[0]["id"] if records else None


@dataclass(frozen=True)
class ClusterRef:
    id: str
    run_id: str
    leaf: bool


def clusters_of_issues(db: GraphDB, issue_ids: Sequence[str]) -> list[ClusterRef]:
    """Every cluster, of every run, holding an illustration printed in these issues."""
    return _refs(db, q.CLUSTERS_OF_ISSUES, issue_ids)


def clusters_of_illustrations(db: GraphDB, ids: Sequence[str]) -> list[ClusterRef]:
    return _refs(db, q.CLUSTERS_OF_ILLUSTRATIONS, ids)


def _refs(db: GraphDB, query: str, ids: Sequence[str]) -> list[ClusterRef]:
    found: dict[str, ClusterRef] = {}
    for batch in _batches(list(ids), 2_000):
        records, _, _ = db.execute_query(query, ids=batch, routing_=RoutingControl.READ)
        for r in records:
            found[r["id"]] = ClusterRef(r["id"], r["run_id"], bool(r["leaf"]))
    return list(found.values())

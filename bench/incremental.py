"""Incremental clustering: 1,000 new illustrations reach the clusters and flows of a big graph.

    .venv/bin/python bench/incremental.py              # 100,000 illustrations + 1,000
    .venv/bin/python bench/incremental.py --size 20000 # a smaller graph

The generated press of bench/generated_press.py, as bench/api_latency.py writes it (4
illustrations per issue, 60 places in 12 countries, dates 1890-1990, about 60 % of the
illustrations chained by SIMILAR edges into groups of 2 to 40) is
written to the bench Neo4j and clustered by the real pipeline. Then 1,000 new illustrations
arrive in 250 new issues with their edges: 70 % reprint an existing group (one edge to one of
its members), the rest pair up among themselves. Timed: `update_clustering` on the run (the
clusters, their statistics and their flows reflect the new illustrations when it returns).

Peer: a full re-clustering of the same graph (`run_clustering`), in the same process. The two
runs are then compared: same clusters (keys are hashes of members), statistics and flows.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.services import bench_environment

bench_environment()

import numpy as np  # noqa: E402

from bench.generated_press import (  # noqa: E402
    issue_records,
    write_illustrations,
    write_issues,
    write_pairs,
    write_press,
)
from bench.report import Figure, print_figures  # noqa: E402

NEW = 1_000
EDGE_SET_ID = "es_bench_incremental"


def generate(db, n_ills: int):
    """The base graph, its edges and a first run; returns (run id, edge set, groups)."""
    from api.pipeline.clustering import ClusterParams, run_clustering
    from graph.similarity import EdgeSet

    t0 = time.perf_counter()
    issues = list(issue_records((n_ills + NEW) // 4))
    ids, groups, _ = write_press(
        db,
        n_ills,
        edge_set=EDGE_SET_ID,
        scores=(0.62, 0.95),
        image_urls=False,
        issues=issues[: n_ills // 4],
    )
    edge_set = EdgeSet(EDGE_SET_ID, "bench_model", k=16, min_score=0.5, corpus="bench")
    n_pairs = sum(len(g) - 1 for g in groups)
    print(
        f"graph: {n_ills:,} illustrations, {n_pairs:,} edges ({time.perf_counter() - t0:.1f} s)",
        flush=True,
    )
    t1 = time.perf_counter()
    result = run_clustering(db, edge_set=edge_set, params=ClusterParams(threshold=0.6))
    print(
        f"first run: {result.leaves:,} leaf clusters, {result.flows:,} flows "
        f"({time.perf_counter() - t1:.1f} s)",
        flush=True,
    )
    return result.run_id, edge_set, [[ids[p] for p in g] for g in groups], issues[n_ills // 4 :]


def add_new(db, n_ills: int, edge_set, groups, new_issues) -> list[str]:
    """1,000 new illustrations in new issues, with their edges (the similarity step's output)."""
    write_issues(db, new_issues)
    new_ids = write_illustrations(db, n_ills, NEW, image_urls=False)
    rng = random.Random(3)
    pairs: list[tuple[str, str]] = []
    loose: list[str] = []
    for ill in new_ids:
        if rng.random() < 0.7:
            pairs.append((ill, rng.choice(rng.choice(groups))))
        else:
            loose.append(ill)
    pairs += list(zip(loose[::2], loose[1::2], strict=False))
    write_pairs(db, edge_set.id, pairs, np.random.default_rng(4), (0.62, 0.95))
    return new_ids


def snapshot(db, run_id: str):
    clusters, _, _ = db.execute_query(
        "MATCH (c:Cluster {run_id: $run}) OPTIONAL MATCH (p:Cluster)-[:HAS_CHILD]->(c) "
        "RETURN c.key AS key, c.leaf AS leaf, p.key AS parent, c.size AS size, "
        "c.n_places AS places, c.n_countries AS countries, c.first_date AS first, "
        "c.span_days AS span ORDER BY key",
        run=run_id,
    )
    members, _, _ = db.execute_query(
        "MATCH (c:Cluster {run_id: $run})<-[:IN_CLUSTER]-(i) RETURN count(*) AS n", run=run_id
    )
    flows, _, _ = db.execute_query(
        "MATCH (a)-[f:FLOW {run: $run}]->(b) "
        "RETURN split(f.cluster, ':')[1] AS cluster, a.id AS a, b.id AS b, f.lag_days AS lag "
        "ORDER BY cluster, a, b, lag",
        run=run_id,
    )
    return (
        [tuple(r.values()) for r in clusters],
        members[0]["n"],
        [tuple(r.values()) for r in flows],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--profile", action="store_true", help="cProfile the update")
    args = parser.parse_args()

    from api.pipeline.clustering import ClusterParams, run_clustering, update_clustering
    from bench.services import start_services

    _, db = start_services()
    run_id, edge_set, groups, new_issues = generate(db, args.size)
    new_ids = add_new(db, args.size, edge_set, groups, new_issues)

    profile = cProfile.Profile() if args.profile else None
    t0 = time.perf_counter()
    if profile:
        profile.enable()
    update = update_clustering(db, run_id=run_id, illustration_ids=new_ids)
    incremental_s = time.perf_counter() - t0
    if profile:
        profile.disable()
        stats = pstats.Stats(profile).sort_stats("cumulative")
        stats.print_stats(r"graph/|api/|ml/", 30)
    print(
        f"incremental update: {update.written:,} clusters written, {update.removed:,} "
        f"removed, {update.kept:,} kept, {update.flows:,} flows in {incremental_s:.2f} s",
        flush=True,
    )

    t0 = time.perf_counter()
    full = run_clustering(db, edge_set=edge_set, params=ClusterParams(threshold=0.6))
    full_s = time.perf_counter() - t0
    print(f"full re-clustering: {full.leaves:,} leaf clusters in {full_s:.2f} s", flush=True)

    identical = snapshot(db, run_id) == snapshot(db, full.run_id)
    print(f"identical clusters, statistics and flows: {identical}")
    if not identical:
        sys.exit(1)
    print_figures(
        [
            Figure(
                f"incremental update, {NEW:,} new illustrations on {args.size:,}",
                incremental_s,
                "s",
                "full re-clustering (run_clustering)",
                round(full_s, 3),
            ),
            Figure(
                "speed-up of the incremental update",
                full_s / incremental_s,
                "x",
                "full re-clustering",
                1.0,
            ),
        ]
    )


if __name__ == "__main__":
    main()

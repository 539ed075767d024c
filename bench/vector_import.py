"""Vector import benchmark: `contagions vectors import`'s pipeline into the vector service.

    .venv/bin/python bench/vector_import.py [--illustrations 100000] [--dim 384]

A graph of N illustrations (bulk ingest code), N random unit vectors in a ``.npy`` + ids file,
then ``api.pipeline.vector_import.import_vectors`` through the running vector service (the
embedded engine's owner, over loopback) — the figure is rows per second, file read and
validation included. Peer, same process: the same vectors upserted one store call per 64
illustrations with ``mark_indexed`` after each, as ``index_illustrations`` writes them. Then the
re-import (a no-op) is timed too. Where the time goes is printed from the report's stage clock,
and the engine's own ceiling is measured in the same process: the same vectors and payloads
upserted by an in-process ``EdgeStore`` into a scratch shard (no HTTP, no graph), and bare
points (no payload, no payload index) straight into ``qdrant_edge``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.services import bench_environment


def build_graph(db, n: int) -> list[str]:
    from graph.illustrations import upsert_illustrations
    from graph.ingest import write_issues
    from graph.records import IllustrationRecord, IssueRecord, PageRecord, PeriodicalRecord

    pages = [
        PageRecord(f"pg_{p}", f"c/{p}", p, None, 1000, 1000, None, None, None, None)
        for p in range(-(-n // 4))
    ]
    issues = [
        IssueRecord(
            f"iss_{s}",
            f"m/{s}",
            None,
            f"{1890 + s % 100}-01-01",
            "day",
            None,
            None,
            None,
            None,
            None,
            PeriodicalRecord(f"per_{s % 50}", "Bench", "self"),
            3,
            tuple(pages[s * 50 : s * 50 + 50]),
        )
        for s in range(-(-len(pages) // 50))
    ]
    for start in range(0, len(issues), 100):
        write_issues(db, "bench", issues[start : start + 100])
    ids = [f"ill_{k:08d}" for k in range(n)]
    upsert_illustrations(
        db,
        [
            IllustrationRecord(i, f"pg_{k // 4}", 0, 0, 10, 10, 0.1, 1.0, "whole", "1", None, None)
            for k, i in enumerate(ids)
        ],
    )
    return ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--illustrations", type=int, default=100_000)
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--peer-rows", type=int, default=20_000)
    args = parser.parse_args()
    bench_environment()
    from api.pipeline.vector_import import ImportedModel, import_vectors
    from api.resources import make_vector_store
    from bench.services import start_services
    from graph.descriptors import import_targets, mark_indexed
    from graph.maintenance import wipe_graph
    from ml.vectors.bundle import read_vector_file

    settings, db = start_services()
    wipe_graph(db)
    n = args.illustrations
    started = time.perf_counter()
    ids = build_graph(db, n)
    print(f"graph of {n:,} illustrations in {time.perf_counter() - started:.0f}s")
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((n, args.dim), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    folder = Path(tempfile.mkdtemp(prefix="contagions-import-"))
    np.save(folder / "vectors.npy", vectors)
    (folder / "vectors.ids").write_text("\n".join(ids) + "\n")
    # A model id of this run's own, so that an earlier run's collection is never reused.
    model = ImportedModel("bench", f"{time.time_ns():064x}", "random-unit", args.dim)
    store = make_vector_store(settings)
    store.ensure_collection(model.record("bench").collection, args.dim)

    started = time.perf_counter()
    bundle = read_vector_file(folder / "vectors.npy")
    report = import_vectors(db, bundle, model=model, store=store)
    ours = n / (time.perf_counter() - started)
    assert report.imported == n, report
    started = time.perf_counter()
    again = import_vectors(db, read_vector_file(folder / "vectors.npy"), model=model, store=store)
    noop = n / (time.perf_counter() - started)
    assert again.imported == 0 and again.already == n

    # Peer: what the index path does per batch of 64 (upsert, then mark in the graph).
    peer_model = ImportedModel("bench-peer", model.weights_sha256, "random-unit", args.dim)
    store.ensure_collection(peer_model.record("bench").collection, args.dim)
    rows = min(args.peer_rows, n)
    started = time.perf_counter()
    for start in range(0, rows, 64):
        part = ids[start : start + 64]
        found = import_targets(db, part, peer_model.id)
        payloads = [{"illustration_id": i, "corpus": found[i].corpus} for i in part]
        store.upsert(part, vectors[start : start + 64], payloads)
        mark_indexed(db, part, peer_model.id)
    peer = rows / (time.perf_counter() - started)
    engine, bare = engine_ceiling(vectors[:rows], ids[:rows])
    waits = ", ".join(f"{stage} {spent:.2f}s" for stage, spent in report.seconds.items())
    print(f"import of {n:,}: waited on {waits}")
    print(
        f"vector import: {ours:,.0f} vectors/s ({n:,} x {args.dim}-d, into the vector service); "
        f"re-import (no-op) {noop:,.0f} rows/s; peer (index path, batches of 64): {peer:,.0f}/s"
    )
    print(
        f"engine in process, same process: EdgeStore upsert with payloads {engine:,.0f}/s; "
        f"bare points (no payload) {bare:,.0f}/s"
    )
    for metric, value in (("vector_import_per_s", ours), ("vector_reimport_noop_per_s", noop)):
        print(
            json.dumps(
                {
                    "metric": metric,
                    "value": round(value),
                    "unit": "vectors/s",
                    "peer": "index path upserts (64 a batch, marked after each)",
                    "peer_value": round(peer),
                }
            )
        )
    print(
        json.dumps(
            {
                "metric": "vector_import_per_s",
                "value": round(ours),
                "unit": "vectors/s",
                "peer": "the engine alone in process (EdgeStore.upsert, same payloads)",
                "peer_value": round(engine),
            }
        )
    )
    store.close()
    db.close()


def engine_ceiling(vectors: np.ndarray, ids: list[str]) -> tuple[float, float]:
    """Rows/s of the engine in this process: through EdgeStore with payloads, and bare."""
    from qdrant_edge import (
        Distance,
        EdgeConfig,
        EdgeShard,
        EdgeVectorParams,
        HnswIndexConfig,
        Point,
        UpdateOperation,
    )

    from ml.vectors.edge import EdgeStore
    from ml.vectors.store import illustration_payload

    scratch = Path(tempfile.mkdtemp(prefix="contagions-engine-"))
    store = EdgeStore(scratch)
    store.ensure_collection("ceiling", vectors.shape[1])
    payloads = [
        illustration_payload(i, corpus="bench", periodical_id=f"per_{k % 50}", year=1890 + k % 100)
        for k, i in enumerate(ids)
    ]
    started = time.perf_counter()
    store.upsert(ids, vectors, payloads)
    engine = len(ids) / (time.perf_counter() - started)
    store.close()
    config = EdgeConfig(
        vectors={"v": EdgeVectorParams(size=vectors.shape[1], distance=Distance.Cosine)},
        hnsw_config=HnswIndexConfig(m=16, ef_construct=100, full_scan_threshold=10_000),
    )
    shard = EdgeShard.create(str(scratch / "bare"), config)
    started = time.perf_counter()
    rows = vectors.tolist()
    for start in range(0, len(rows), 10_000):
        points = [Point(k, {"v": rows[k]}) for k in range(start, min(start + 10_000, len(rows)))]
        shard.update(UpdateOperation.upsert_points(points))
    bare = len(ids) / (time.perf_counter() - started)
    shard.close()
    return engine, bare


if __name__ == "__main__":
    main()

"""int8 scalar quantization against none: recall@10 and memory of the embedded engine.

    .venv/bin/python bench/quantization.py [--vectors 100000] [--queries 500]

The vectors are bench/scale.py's planted corpus (reprint groups of 2-200 among singletons,
384-d, unit norm). Each setting gets its own collection in a scratch folder, built by a child
process (upsert, then the HNSW build) and then opened by a fresh child that answers the queries:
its resident memory after opening and searching, minus the same interpreter's before, is what a
vector service needs to hold the collection. Recall@10 is against exact (numpy) top-10 of the
same queries; the queries are stored vectors, so each one's own point is in both lists. Peer:
the unquantized collection, measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

K = 10
SETTINGS = ("none", "int8")


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def build(folder: Path, quantization: str) -> dict:
    from ml.vectors.edge import EdgeStore

    vectors = np.load(folder / "vectors.npy")
    ids = [f"ill_{n:08d}" for n in range(len(vectors))]
    store = EdgeStore(folder / quantization)
    store.ensure_collection("bench", vectors.shape[1], quantization=quantization)  # type: ignore[arg-type]
    started = time.perf_counter()
    store.upsert(ids, vectors, [{} for _ in ids])
    upsert_s = time.perf_counter() - started
    started = time.perf_counter()
    store.optimize()
    optimize_s = time.perf_counter() - started
    store.close()
    return {"upsert_s": upsert_s, "hnsw_s": optimize_s}


def serve(folder: Path, quantization: str) -> dict:
    from ml.vectors.edge import EdgeStore

    queries = np.load(folder / "queries.npy")
    before = rss_mib()
    store = EdgeStore(folder / quantization)
    store.ensure_collection("bench", queries.shape[1])
    hits, times = [], []
    for vector in queries:
        started = time.perf_counter()
        hits.append([h.id for h in store.search(vector, K)])
        times.append((time.perf_counter() - started) * 1000)
    after = rss_mib()
    store.close()
    return {
        "hits": hits,
        "rss_mib": after - before,
        "p50_ms": float(np.percentile(times, 50)),
        "p99_ms": float(np.percentile(times, 99)),
    }


def child(step: str, folder: Path, quantization: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", step, str(folder), quantization],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def disk_mib(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vectors", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        step, folder, quantization = args.child
        result = (build if step == "build" else serve)(Path(folder), quantization)
        print(json.dumps(result))
        return

    from bench.scale import generate

    vectors = generate(args.vectors).vectors
    rng = np.random.default_rng(1)
    picked = rng.choice(len(vectors), args.queries, replace=False)
    queries = vectors[picked]
    exact = np.argsort(-(queries @ vectors.T), axis=1)[:, :K]
    truth = [{f"ill_{n:08d}" for n in row} for row in exact]
    folder = Path(tempfile.mkdtemp(prefix="contagions-quant-"))
    np.save(folder / "vectors.npy", vectors)
    np.save(folder / "queries.npy", queries)
    results = {}
    try:
        for quantization in SETTINGS:
            built = child("build", folder, quantization)
            served = child("serve", folder, quantization)
            recall = float(
                np.mean([len(truth[q] & set(hits)) / K for q, hits in enumerate(served["hits"])])
            )
            results[quantization] = {
                "recall_at_10": recall,
                "rss_mib": served["rss_mib"],
                "disk_mib": disk_mib(folder / quantization),
                "p50_ms": served["p50_ms"],
                "p99_ms": served["p99_ms"],
                "hnsw_s": built["hnsw_s"],
                "upsert_s": built["upsert_s"],
            }
            figures = results[quantization]
            print(
                f"{quantization:5} recall@10 {recall:.4f}, service RSS {figures['rss_mib']:,.0f} "
                f"MiB, disk {figures['disk_mib']:,.0f} MiB, search p50 {figures['p50_ms']:.2f} "
                f"ms / p99 {figures['p99_ms']:.2f} ms, HNSW build {figures['hnsw_s']:.1f} s "
                f"({args.vectors:,} x {vectors.shape[1]})",
                flush=True,
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    ours, peer = results["int8"], results["none"]
    for metric, key, unit in (
        ("int8_recall_at_10", "recall_at_10", "recall"),
        ("int8_service_rss", "rss_mib", "MiB"),
        ("int8_disk", "disk_mib", "MiB"),
        ("int8_search_p50", "p50_ms", "ms"),
    ):
        print(
            json.dumps(
                {
                    "metric": f"{metric}_{args.vectors}",
                    "value": round(ours[key], 4),
                    "unit": unit,
                    "peer": "no quantization (same vectors, same run)",
                    "peer_value": round(peer[key], 4),
                }
            )
        )


if __name__ == "__main__":
    main()

"""HNSW build of the embedded engine: our collection settings against Qdrant's default.

    .venv/bin/python bench/hnsw_build.py [--vectors 100000] [--queries 300]

Both collections hold bench/scale.py's planted corpus (384-d, unit norm) with the payload
every illustration gets (corpus, periodical, place, country, year, date) and the same payload
indexes. Qdrant's default builds, besides the main graph, a sub-graph for every block of
points that share an indexed value or a range of integer values (the one corpus, the years, the
dates); ours (`ml.vectors.store.PAYLOAD_M = 0`) builds the main graph only and searches with a
filter using ACORN (two-hop exploration where the filter cuts the graph). For each: the
upsert and the build (`optimize`) times, then what the searches
lose or keep, against exact numpy answers to the same queries:
  - edge recall: of the exact top-32 neighbours at cosine >= 0.5 (what `build_edges` keeps),
    the share found by the index query the edges make (k = 32, score threshold 0.5);
  - filtered recall@10 with a country filter (1 point in 48) and a decade filter (1 in 10), the
    filters `searchSimilar` takes.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

K_EDGES = 32
EDGE_SCORE = 0.5
K = 10
OURS = "ours: main graph only, ACORN for filtered searches"
PEER = "Qdrant defaults: sub-graphs per payload value, no ACORN"


def payloads(n: int, countries: list[str]) -> list[dict]:
    from datetime import date, timedelta

    from ml.vectors.store import illustration_payload

    rng = np.random.default_rng(7)
    days = rng.integers(0, 365 * 100, n)
    return [
        illustration_payload(
            f"ill_{k:08d}",
            corpus="scale",
            periodical_id=f"per_{k % 1800}",
            place_id=f"place_{k % 144}",
            country_code=countries[k % len(countries)],
            issue_date=date(1890, 1, 1) + timedelta(days=int(days[k])),
        )
        for k in range(n)
    ]


def build(root: Path, vectors: np.ndarray, rows: list[dict], ours: bool) -> dict:
    """A collection with our settings or Qdrant's defaults; returns the store and times."""
    from ml.vectors.edge import EdgeStore

    store = EdgeStore(root) if ours else EdgeStore(root, payload_m=None, acorn=False)
    store.ensure_collection("bench", vectors.shape[1])
    ids = [row["illustration_id"] for row in rows]
    started = time.perf_counter()
    store.upsert(ids, vectors, rows)
    upserted = time.perf_counter() - started
    started = time.perf_counter()
    store.optimize()
    return {"store": store, "upsert_s": upserted, "build_s": time.perf_counter() - started}


def recalls(store, vectors: np.ndarray, rows: list[dict], queries: np.ndarray) -> dict:
    from ml.vectors.store import SearchFilter

    index = {row["illustration_id"]: k for k, row in enumerate(rows)}
    sims = vectors[queries] @ vectors.T
    found = store.search_batch(vectors[queries], K_EDGES + 1, EDGE_SCORE, with_payload=False)
    wanted = got = 0
    for row, q, hits in zip(sims, queries, found, strict=True):
        exact = [int(j) for j in np.argsort(-row)[: K_EDGES + 1] if row[j] >= EDGE_SCORE]
        truth = set(exact) - {int(q)}
        wanted += len(truth)
        got += len(truth & {index[h.id] for h in hits})
    out = {"edge_recall": got / wanted if wanted else 1.0}
    country = np.array([row["country_code"] for row in rows])
    year = np.array([row["year"] for row in rows])
    filters = {
        "country": (SearchFilter(country=rows[0]["country_code"]), country == country[0]),
        "decade": (SearchFilter(year_from=1920, year_to=1929), (year >= 1920) & (year <= 1929)),
    }
    for name, (search_filter, mask) in filters.items():
        hit = 0
        started = time.perf_counter()
        for row, q in zip(sims, queries, strict=True):
            nearest = set(np.argsort(-np.where(mask, row, -9.0))[:K].tolist())
            hits = store.search(vectors[q], K, None, search_filter)
            hit += len(nearest & {index[h.id] for h in hits})
        out[f"{name}_recall"] = hit / (K * len(queries))
        out[f"{name}_qps"] = len(queries) / (time.perf_counter() - started)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vectors", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    from bench.scale import COUNTRIES, generate

    vectors = generate(args.vectors).vectors
    rows = payloads(args.vectors, COUNTRIES)
    queries = np.random.default_rng(3).choice(args.vectors, args.queries, replace=False)
    figures = {}
    for name, is_ours in ((OURS, True), (PEER, False)):
        root = Path(tempfile.mkdtemp(prefix="contagions-hnsw-"))
        try:
            built = build(root, vectors, rows, is_ours)
            figures[name] = built | recalls(built["store"], vectors, rows, queries)
            built["store"].close()
        finally:
            shutil.rmtree(root)
        shown = {k: round(v, 4) for k, v in figures[name].items() if k != "store"}
        print(f"{name:20} {shown}", flush=True)
    ours, peer = figures[OURS], figures[PEER]
    for metric, unit in (
        ("build_s", "s"),
        ("edge_recall", "share"),
        ("country_recall", "share"),
        ("decade_recall", "share"),
    ):
        print(
            json.dumps(
                {
                    "metric": f"hnsw_{metric}_{args.vectors}",
                    "value": round(ours[metric], 4),
                    "unit": unit,
                    "peer": PEER,
                    "peer_value": round(peer[metric], 4),
                }
            )
        )


if __name__ == "__main__":
    main()

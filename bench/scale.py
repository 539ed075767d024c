"""Scale benchmark: the data stages on a generated corpus shaped like the real one, at sizes.

    .venv/bin/python bench/scale.py --illustrations 2000 10000        # growth between sizes
    .venv/bin/python bench/scale.py --illustrations 100000 300000 1000000

For each size: N illustrations on N/4 pages, about 1,800 periodicals (fewer at small N), issues
dated 1890-1990 in places of 48 countries, reprints planted in groups of 2-200 (a power law)
among a long tail of singletons. The corpus goes through the real code: the bulk ingest writes
the actors use (`write_issues`, several manifests a transaction), illustrations in bulk,
vectors through `import_vectors` into the running vector service, `build_edges` (the index
route; the exact route where the corpus fits), `run_clustering` (giant splits, flows).
Per stage: wall time, throughput, the peak RSS of this process, Neo4j and the vector service
(VmHWM: the peak since the process started), and the disk the data dir uses. Between sizes, the
growth exponent of each stage's time (1 = linear; a stage above ~1.15 that is not exact kNN is
a bug to fix or to explain).

Not yet here (issue 18): the API p50/p99 stage (bench/api_latency.py measures it at one size)
and per-stage peak RSS (VmHWM is per process lifetime).
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.services import bench_environment

# 48 countries, as ISO codes run together in pairs.
_CODES = (
    "FRDEGBITESPTNLBECHATPLCZHUROSENODKFIRUUAGRTREGMAZAUSCAMX"
    "CUBRARCLPECOUYVEJPCNINIDPHAUNZIELURSHRBG"
)
COUNTRIES = [_CODES[n : n + 2] for n in range(0, len(_CODES), 2)]
PAGES_PER_ISSUE = 10
DIM = 384


@dataclass(frozen=True)
class Corpus:
    issues: list  # IssueRecord
    illustrations: list  # IllustrationRecord
    vectors: np.ndarray
    groups: int  # planted reprint groups


def generate(n: int, seed: int = 0) -> Corpus:
    """A corpus shaped like the Visual Contagions one (see the module docstring)."""
    from graph.records import (
        CountryRecord,
        IllustrationRecord,
        IssueRecord,
        PageRecord,
        PeriodicalRecord,
        PlaceRecord,
    )

    rng = np.random.default_rng(seed)
    n_pages = max(1, n // 4)
    n_issues = max(1, n_pages // PAGES_PER_ISSUE)
    n_periodicals = max(1, min(1800, n_issues // 10))
    places = [
        PlaceRecord(f"country:{code}-{k}", f"City {code} {k}", CountryRecord(code, code))
        for code in COUNTRIES
        for k in range(3)
    ]
    periodical_place = rng.integers(0, len(places), n_periodicals)
    periodical_of_issue = rng.integers(0, n_periodicals, n_issues)
    issues = []
    for s in range(n_issues):
        p = int(periodical_of_issue[s])
        day = int(rng.integers(0, 365 * 100))
        date = np.datetime64("1890-01-01") + np.timedelta64(day, "D")
        pages = tuple(
            PageRecord(f"pg_{s}_{k}", f"c/{s}/{k}", k, None, 3000, 4200, None, None, None, None)
            for k in range(PAGES_PER_ISSUE)
        )
        issues.append(
            IssueRecord(
                f"iss_{s}",
                f"https://scale.example/{s}/manifest.json",
                f"Issue {s}",
                str(date),
                "day",
                None,
                None,
                None,
                places[int(periodical_place[p])],
                None,
                PeriodicalRecord(f"per_{p}", f"Periodical {p}", "scale"),
                3,
                pages,
            )
        )
    page_ids = [page.id for issue in issues for page in issue.pages]
    illustrations = [
        IllustrationRecord(
            f"ill_{k:08d}",
            page_ids[k // 4 % len(page_ids)],
            0,
            0,
            10,
            10,
            0.1,
            1.0,
            "whole",
            "1",
            None,
            None,
        )
        for k in range(n)
    ]
    # Reprint groups: sizes from a power law on 2..200, about 15 % of the corpus in groups.
    sizes: list[int] = []
    while sum(sizes) < 0.15 * n:
        sizes.append(int(min(200, max(2, rng.pareto(1.2) + 2))))
    vectors = rng.standard_normal((n, DIM), dtype=np.float32)
    members = rng.permutation(n)[: sum(sizes)]
    start = 0
    for size in sizes:
        group = members[start : start + size]
        base = rng.standard_normal(DIM, dtype=np.float32)
        vectors[group] = base + 0.35 * rng.standard_normal((size, DIM), dtype=np.float32)
        start += size
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return Corpus(issues, illustrations, vectors, len(sizes))


def peak_rss_mib(settings) -> dict[str, float]:
    from api.services.manager import local_neo4j, vector_service
    from api.services.process import running_pid

    out = {"bench": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    for name, pid_file in (
        ("neo4j", local_neo4j(settings).pid_file),
        ("vectors", vector_service(settings).pid_file),
    ):
        pid = running_pid(pid_file)
        status = Path(f"/proc/{pid}/status") if pid else None
        if status and status.exists():
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    out[name] = int(line.split()[1]) / 1024
    return out


def disk_mib(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20


def run_size(n: int, settings, db, store_factory) -> dict[str, dict]:
    from api.pipeline.clustering import ClusterParams, run_clustering
    from api.pipeline.similarity import build_edges
    from api.pipeline.vector_import import ImportedModel, import_vectors
    from graph.descriptors import model_by_id
    from graph.illustrations import upsert_illustrations
    from graph.ingest import write_issues
    from graph.maintenance import wipe_graph
    from ml.vectors.bundle import read_vector_file

    wipe_graph(db)
    stages: dict[str, dict] = {}

    def stage(name: str, units: int, unit: str, started: float) -> None:
        seconds = time.perf_counter() - started
        stages[name] = {
            "seconds": round(seconds, 2),
            "throughput": round(units / seconds, 1) if seconds else None,
            "unit": f"{unit}/s",
            "peak_rss_mib": {k: round(v) for k, v in peak_rss_mib(settings).items()},
            "disk_mib": round(disk_mib(settings.data_dir.resolve())),
        }
        print(f"  {n:>9,} {name:12} {seconds:8.1f} s  {units / seconds:12,.0f} {unit}/s")

    started = time.perf_counter()
    corpus = generate(n)
    stage("generate", n, "illustrations", started)

    started = time.perf_counter()
    for s in range(0, len(corpus.issues), 100):
        write_issues(db, "scale", corpus.issues[s : s + 100])
    stage("ingest", len(corpus.issues) * PAGES_PER_ISSUE, "pages", started)

    started = time.perf_counter()
    upsert_illustrations(db, corpus.illustrations)
    stage("illustrations", n, "illustrations", started)

    folder = Path(tempfile.mkdtemp(prefix="contagions-scale-"))
    np.save(folder / "vectors.npy", corpus.vectors)
    (folder / "vectors.ids").write_text("\n".join(i.id for i in corpus.illustrations) + "\n")
    model = ImportedModel("scale", f"{time.time_ns():064x}", f"planted-n{n}", DIM)
    store = store_factory()
    store.ensure_collection(model.record("scale").collection, DIM)
    started = time.perf_counter()
    report = import_vectors(db, read_vector_file(folder / "vectors.npy"), model=model, store=store)
    stage("import", report.imported, "vectors", started)
    shutil.rmtree(folder)

    started = time.perf_counter()
    store.optimize()
    stage("hnsw", n, "vectors", started)

    record = model_by_id(db, model.id)
    started = time.perf_counter()
    build = build_edges(db, store=store, model=record, k=32, min_score=0.5, method="index")
    stage("edges+write", build.edges_written, "edges", started)
    stages["edges+write"]["edges"] = build.edges_written

    started = time.perf_counter()
    result = run_clustering(db, edge_set=build.edge_set, params=ClusterParams(threshold=0.6))
    stage("cluster+flow", build.total_edges, "edges", started)
    stages["cluster+flow"] |= {"clusters": result.leaves, "planted_groups": corpus.groups}
    store.close()
    return stages


def growth(sizes: list[int], results: dict[int, dict]) -> dict[str, list[float]]:
    """log(t2 / t1) / log(n2 / n1) per stage, between consecutive sizes."""
    out: dict[str, list[float]] = {}
    for small, large in pairwise(sizes):
        for name, figures in results[large].items():
            before = results[small][name]["seconds"]
            if before > 0 and figures["seconds"] > 0:
                exponent = math.log(figures["seconds"] / before) / math.log(large / small)
                out.setdefault(name, []).append(round(exponent, 2))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--illustrations", type=int, nargs="+", default=[2000, 10000])
    args = parser.parse_args()
    bench_environment()
    from api.resources import make_vector_store
    from bench.services import start_services

    settings, db = start_services()
    sizes = sorted(args.illustrations)
    results = {}
    for n in sizes:
        print(f"size {n:,}")
        results[n] = run_size(n, settings, db, lambda: make_vector_store(settings))
    exponents = growth(sizes, results)
    print("\nstage          " + "".join(f"{n:>14,}" for n in sizes) + "   growth exponents")
    for name in results[sizes[0]]:
        times = "".join(f"{results[n][name]['seconds']:>13.1f}s" for n in sizes)
        print(f"{name:14} {times}   {exponents.get(name, [])}")
    db.close()
    largest = results[sizes[-1]]
    total = sum(v["seconds"] for k, v in largest.items() if k != "generate")
    print(
        json.dumps(
            {
                "metric": f"scale_data_stages_seconds_at_{sizes[-1]}",
                "value": round(total, 1),
                "unit": "s",
                "peer": "none (growth exponents above; goal at 1M: 3600 s)",
                "peer_value": None,
            }
        )
    )
    print(json.dumps({"sizes": sizes, "stages": results, "growth": exponents}))


if __name__ == "__main__":
    main()

"""Scale benchmark: the data stages on a generated corpus shaped like the real one, at sizes.

    .venv/bin/python bench/scale.py --illustrations 2000 10000        # growth between sizes
    .venv/bin/python bench/scale.py --illustrations 100000 300000 1000000

For each size: N illustrations on N/4 pages, about 1,800 periodicals (fewer at small N), issues
dated 1890-1990 in places of 48 countries, reprints planted in groups of 2-200 (a power law)
among a long tail of singletons. The corpus goes through the real code: the bulk ingest writes
the actors use (`write_issues`, several manifests a transaction), illustrations in bulk,
vectors through `import_vectors` into the running vector service, `build_edges` (the index
route; the exact route where the corpus fits), `run_clustering` (giant splits, flows), then
the real API (`contagions serve` in a child process, the vector service behind its search):
p50/p99 of the cluster list, a cluster's detail, a similarity search and the place flows.
Per stage: wall time, throughput, the peak RSS of every process during that stage (this one,
Neo4j, the vector service, the API server: /proc/PID/status VmRSS sampled every 0.2 s), and
the disk each store (Neo4j, vectors, Redis) grew by since the size's run began. Between
sizes, the growth exponent of each stage's time (1 = linear; a stage above ~1.15 that is not
exact kNN is a bug to fix or to explain). No Dramatiq worker runs here: the stages call the
code the actors call, in process.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
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


def rss_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None  # the process is gone
    return None


class RssSampler:
    """Peak resident memory per named process since the last `take`, sampled in a thread."""

    def __init__(self, interval_s: float = 0.2) -> None:
        self.pids: dict[str, int] = {"bench": os.getpid()}
        self._peaks: dict[str, float] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(interval_s,), daemon=True)
        self._thread.start()

    def _run(self, interval_s: float) -> None:
        while not self._stop.wait(interval_s):
            self.sample()

    def sample(self) -> None:
        for name, pid in list(self.pids.items()):
            rss = rss_mib(pid)
            if rss is not None:
                with self._lock:
                    self._peaks[name] = max(self._peaks.get(name, 0.0), rss)

    def take(self) -> dict[str, float]:
        """The peaks since the previous call (the processes' current RSS seeds the next)."""
        self.sample()
        with self._lock:
            peaks, self._peaks = self._peaks, {}
        return peaks

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


def service_pids(settings) -> dict[str, int]:
    from api.services.manager import local_neo4j, vector_service
    from api.services.process import running_pid

    out = {}
    for name, pid_file in (
        ("neo4j", local_neo4j(settings).pid_file),
        ("vectors", vector_service(settings).pid_file),
    ):
        pid = running_pid(pid_file)
        if pid:
            out[name] = pid
    return out


def disk_mib(folder: Path) -> float:
    if not folder.exists():
        return 0.0
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20


def store_disk_mib(settings) -> dict[str, float]:
    """Disk used per store: each top folder of the data dir (neo4j, vectors, redis, ...)."""
    root = settings.data_dir.resolve()
    return {
        folder.name: round(disk_mib(folder))
        for folder in sorted(root.iterdir())
        if folder.is_dir() and folder.name != "run"
    }


def run_size(
    n: int,
    settings,
    db,
    store_factory,
    sampler: RssSampler,
    requests: int = 200,
    exact_up_to: int = 100_000,
) -> dict[str, dict]:
    from api.pipeline.clustering import ClusterParams, run_clustering
    from api.pipeline.similarity import build_edges
    from api.pipeline.vector_import import ImportedModel, import_vectors
    from graph.descriptors import model_by_id
    from graph.illustrations import upsert_illustrations
    from graph.ingest import write_issues
    from graph.maintenance import wipe_graph
    from ml.knn import exact_knn, unique_pairs
    from ml.vectors.bundle import read_vector_file

    wipe_graph(db)
    stages: dict[str, dict] = {}
    sampler.take()
    # Earlier runs' files stay (a wiped Neo4j store does not shrink, collections are kept):
    # what a size costs is each store's growth since its run began.
    disk_before = store_disk_mib(settings)

    def stage(name: str, units: int, unit: str, started: float) -> None:
        seconds = time.perf_counter() - started
        stages[name] = {
            "seconds": round(seconds, 2),
            "throughput": round(units / seconds, 1) if seconds else None,
            "unit": f"{unit}/s",
            "peak_rss_mib": {k: round(v) for k, v in sampler.take().items()},
            "disk_growth_mib": {
                store: used - disk_before.get(store, 0)
                for store, used in store_disk_mib(settings).items()
            },
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
    build = build_edges(
        db,
        store=store,
        model=record,
        k=32,
        min_score=0.5,
        method="index",
        search_workers=settings.similarity.search_workers,
    )
    stage("edges+write", build.edges_written, "edges", started)
    stages["edges+write"]["edges"] = build.edges_written
    stages["edges+write"]["steps_s"] = build.seconds
    print(f"  {n:>9,}   edge steps (s): {build.seconds}")

    if n <= exact_up_to:
        # The exact route (no index) on the same vectors, for comparison: compute only.
        started = time.perf_counter()
        exact = unique_pairs(exact_knn(corpus.vectors, 32, 0.5))
        stage("exact knn", n, "vectors", started)
        stages["exact knn"]["edges"] = len(exact.i)

    started = time.perf_counter()
    result = run_clustering(db, edge_set=build.edge_set, params=ClusterParams(threshold=0.6))
    stage("cluster+flow", build.total_edges, "edges", started)
    stages["cluster+flow"] |= {"clusters": result.leaves, "planted_groups": corpus.groups}
    store.close()

    started = time.perf_counter()
    latency = api_latency(settings, sampler, [i.id for i in corpus.illustrations], requests)
    stage("api", sum(len(v) for v in latency.values()), "requests", started)
    stages["api"]["ms"] = {
        name: {"p50": round(percentile(ms, 50), 1), "p99": round(percentile(ms, 99), 1)}
        for name, ms in latency.items()
    }
    for name, figures in stages["api"]["ms"].items():
        print(f"  {n:>9,}   {name:18} p50 {figures['p50']:7.1f} ms  p99 {figures['p99']:7.1f} ms")
    return stages


LIST = """{ clusters(first: 20, sort: {by: COUNTRIES}) { ... on ClusterConnection { totalCount
  nodes { id name size placeCount countryCount firstDate lastDate } } } }"""
DETAIL = """query($id: ID!) { cluster(id: $id) { id size name
  members(first: 20) { nodes { illustration { id date place { name } periodical { title } } } }
  appearances(first: 100) { nodes { date place { name } country { code } } }
  hops { origin { name } destination { name } lagDays } timeSeries { year count } } }"""
SEARCH = """query($id: ID!) { searchSimilar(illustrationId: $id, k: 20) {
  ... on SimilarResults { hits { score illustration { id date place { name }
    periodical { title } } } } } }"""
FLOWS = """{ flows(groupBy: PLACE, limit: 100) { ... on Flows { flows {
  origin { name } destination { name } count clusters meanLagDays } } } }"""


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def api_latency(
    settings, sampler: RssSampler, ids: list[str], requests: int = 200
) -> dict[str, list[float]]:
    """Milliseconds per request of the real API server (a child process), sequentially."""
    import httpx

    port = settings.api.port
    server = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve"],
        env=os.environ | {"CONTAGIONS_API__HOST": "127.0.0.1"},
        stdout=subprocess.DEVNULL,
    )
    sampler.pids["api"] = server.pid
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if client.get("/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("the API server did not come up")
            time.sleep(0.3)

        def post(query: str, **variables: str) -> dict:
            response = client.post("/graphql", json={"query": query, "variables": variables})
            body = response.json()
            if response.status_code != 200 or "errors" in body:
                raise RuntimeError(f"API error: {str(body)[:300]}")
            return body["data"]

        cluster_ids = [c["id"] for c in post(LIST)["clusters"]["nodes"]]
        rng = random.Random(3)
        calls = {
            "cluster list": lambda: post(LIST),
            "cluster detail": lambda: post(DETAIL, id=rng.choice(cluster_ids)),
            "search": lambda: post(SEARCH, id=rng.choice(ids)),
            "flows": lambda: post(FLOWS),
        }
        out: dict[str, list[float]] = {}
        for name, call in calls.items():
            if name == "cluster detail" and not cluster_ids:
                continue
            for _ in range(10):  # warm caches and query plans
                call()
            times = []
            for _ in range(requests):
                started = time.perf_counter()
                call()
                times.append((time.perf_counter() - started) * 1000)
            out[name] = times
        return out
    finally:
        client.close()
        server.terminate()
        server.wait(30)
        sampler.pids.pop("api", None)


def growth(sizes: list[int], results: dict[int, dict]) -> dict[str, list[float]]:
    """log(t2 / t1) / log(n2 / n1) per stage, between consecutive sizes."""
    out: dict[str, list[float]] = {}
    for small, large in pairwise(sizes):
        for name, figures in results[large].items():
            if name not in results[small]:
                continue
            before = results[small][name]["seconds"]
            if before > 0 and figures["seconds"] > 0:
                exponent = math.log(figures["seconds"] / before) / math.log(large / small)
                out.setdefault(name, []).append(round(exponent, 2))
    return out


def print_table(sizes: list[int], results: dict[int, dict]) -> dict[str, list[float]]:
    exponents = growth(sizes, results)
    print("\nstage          " + "".join(f"{n:>14,}" for n in sizes) + "   growth exponents")
    names = list(dict.fromkeys(name for n in sizes for name in results[n]))
    for name in names:
        times = "".join(
            f"{results[n][name]['seconds']:>13.1f}s" if name in results[n] else f"{'-':>14}"
            for n in sizes
        )
        print(f"{name:14} {times}   {exponents.get(name, [])}")
    print("\npeak RSS MiB   " + "".join(f"{n:>14,}" for n in sizes))
    for proc in ("bench", "neo4j", "vectors", "api"):
        peaks = [
            max((s["peak_rss_mib"].get(proc, 0) for s in results[n].values()), default=0)
            for n in sizes
        ]
        print(f"{proc:14} " + "".join(f"{v:>14,}" for v in peaks))
    # The goal's "peak memory of all processes": the largest sum over one stage's peaks.
    together = [max(sum(s["peak_rss_mib"].values()) for s in results[n].values()) for n in sizes]
    print("all, one stage " + "".join(f"{v:>14,}" for v in together))
    print("disk growth MiB" + "".join(f"{n:>14,}" for n in sizes))
    for folder in results[sizes[-1]]["api"]["disk_growth_mib"]:
        used = [results[n]["api"]["disk_growth_mib"].get(folder, 0) for n in sizes]
        print(f"{folder:14} " + "".join(f"{v:>14,}" for v in used))
    return exponents


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--illustrations", type=int, nargs="+", default=[2000, 10000])
    parser.add_argument("--requests", type=int, default=200, help="API requests per query")
    parser.add_argument(
        "--exact-up-to",
        type=int,
        default=100_000,
        help="also time the exact kNN route (no index) at sizes up to this one",
    )
    parser.add_argument(
        "--earlier",
        type=Path,
        help="output of an earlier run: its sizes join the table and the growth exponents",
    )
    args = parser.parse_args()
    bench_environment()
    from api.resources import make_vector_store
    from bench.services import start_services

    settings, db = start_services()
    sampler = RssSampler()
    sampler.pids |= service_pids(settings)
    sizes = sorted(args.illustrations)
    results: dict[int, dict] = {}
    for n in sizes:
        print(f"size {n:,}")
        results[n] = run_size(
            n,
            settings,
            db,
            lambda: make_vector_store(settings),
            sampler,
            args.requests,
            args.exact_up_to,
        )
        print(json.dumps({"size": n, "stages": results[n]}), flush=True)
    sampler.close()
    if args.earlier:
        for line in args.earlier.read_text().splitlines():
            if line.startswith('{"size": '):
                earlier = json.loads(line)
                results.setdefault(earlier["size"], earlier["stages"])
            elif line.startswith('{"sizes": '):
                for size, stages in json.loads(line)["stages"].items():
                    results.setdefault(int(size), stages)
        sizes = sorted(results)
    exponents = print_table(sizes, results)
    db.close()
    largest = results[sizes[-1]]
    total = sum(
        v["seconds"] for k, v in largest.items() if k not in ("generate", "api", "exact knn")
    )
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

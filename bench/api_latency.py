"""GraphQL API latency: cluster list, cluster detail, similarity search and the seven
front-end questions of docs/frontend-questions.md, on a generated graph.

    .venv/bin/python bench/api_latency.py            # 100,000 illustrations
    .venv/bin/python bench/api_latency.py --small    # 10,000

The generated press of N illustrations (bench/generated_press.py: 4 per issue, 60 places in 12
countries, 40 periodicals, dates 1890-1990) is written to the bench Neo4j; about 60 % of the
illustrations are chained by SIMILAR edges into clusters of 2 to 40 and clustered by the real
pipeline; random
384-d vectors (close within a cluster) go into an embedded Qdrant store. A real uvicorn server
runs in a child process; this process sends the requests over loopback (sequentially for
p50/p99, then 4 client threads for requests/s).

The front-end questions are the doc's own requests (scripts/frontend_questions.py), for the
1920s and the first place; "search by upload" is timed as a search by illustration id (the
bench store has no descriptor model to embed an upload with), and "CSV of a cluster" as the
CSV download the question's links lead to. `--questions-only` skips the three older figures;
`--reuse-graph` times the graph and vectors a previous run of the same size left.

Peer: the same reads done in-process through `graph.explore` and the vector store, i.e. the
raw Cypher and vector queries with no HTTP and no GraphQL — the floor the API can approach.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.services import bench_environment

bench_environment()

import httpx  # noqa: E402
import numpy as np  # noqa: E402

from bench.generated_press import PLACES, write_press  # noqa: E402
from bench.report import Figure, print_figures  # noqa: E402

# The API port of the settings when given (parallel sessions each have their own), else 28123.
PORT = int(os.environ.get("CONTAGIONS_API__PORT", "28123"))
DIM = 384
COLLECTION = "bench_api"

LIST = """{ clusters(first: 20, sort: {by: COUNTRIES}) { ... on ClusterConnection { totalCount
  pageInfo { endCursor } nodes { id name size placeCount countryCount firstDate lastDate } } } }"""
DETAIL = """query($id: ID!) { cluster(id: $id) { id size name
  members(first: 20) { nodes { illustration { id date thumbnailUrl place { name }
    periodical { title } } } }
  appearances(first: 100) { nodes { date place { name } country { code } } }
  hops { origin { name } destination { name } lagDays }
  timeSeries { year count } } }"""
SEARCH_MATCH = """query($id: ID!) { searchSimilar(illustrationId: $id, k: 5) {
  ... on SimilarResults { thresholds { exact reprint similar source modelId }
    hits { score match illustration { id date place { name } periodical { title } } } } } }"""
SEARCH = """query($id: ID!) { searchSimilar(illustrationId: $id, k: 20) {
  ... on SimilarResults { hits { score illustration { id date place { name }
    periodical { title } } } } } }"""


def generate(db, n_ills: int, vectors_dir: Path):
    """Write the graph, edges, a clustering run and the vectors; returns (ids, run id)."""
    from api.pipeline.clustering import ClusterParams, run_clustering
    from graph.similarity import EdgeSet
    from ml.vectors import EdgeStore

    t0 = time.perf_counter()
    ids, groups, rng = write_press(
        db, n_ills, edge_set="es_bench", scores=(0.7, 0.95), image_urls=True
    )
    print(f"graph: {n_ills:,} illustrations in {time.perf_counter() - t0:.1f} s", flush=True)
    edge_set = EdgeSet("es_bench", "bench_model", k=16, min_score=0.5, corpus="bench")
    result = run_clustering(db, edge_set=edge_set, params=ClusterParams(threshold=0.6))
    print(
        f"clustering: {result.leaves:,} leaf clusters, {result.flows:,} flows "
        f"({time.perf_counter() - t0:.1f} s)",
        flush=True,
    )

    vectors = rng.normal(size=(n_ills, DIM)).astype(np.float32)
    for group in groups:
        vectors[group] = vectors[group[0]] + 0.3 * vectors[group]
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    store = EdgeStore(vectors_dir)
    store.ensure_collection(COLLECTION, DIM)
    payloads = [{"illustration_id": i} for i in ids]
    store.upsert(ids, vectors, payloads)
    store.optimize()
    store.close()
    print(f"vectors: {n_ills:,} in {time.perf_counter() - t0:.1f} s", flush=True)
    return ids, result.run_id


def serve(vectors_dir: Path) -> None:
    """Child process: the real app with a similarity search over the bench store."""
    import uvicorn

    from api.app import create_app
    from api.graphql.search import StoreSimilarity
    from api.resources import Resources
    from api.settings import get_settings
    from ml.vectors import EdgeStore

    settings = get_settings()
    store = EdgeStore(vectors_dir)
    store.ensure_collection(COLLECTION, DIM)
    resources = Resources.open(settings)
    resources.similarity = StoreSimilarity(store)
    app = create_app(settings, resources)
    uvicorn.run(app, host="127.0.0.1", port=PORT, log_level="warning")


def timed(call, n: int) -> list[float]:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        call()
        times.append((time.perf_counter() - t) * 1000)
    return times


def throughput(call, threads: int = 4, seconds: float = 5.0) -> float:
    done = [0] * threads
    stop = time.perf_counter() + seconds

    def work(k: int) -> None:
        while time.perf_counter() < stop:
            call()
            done[k] += 1

    workers = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return sum(done) / seconds


def p(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def front_end_questions(db, run_id, post, client, cluster_ids, searchable, store, rng):
    """The doc's seven questions through the API, and the same reads in process."""
    from graph import descriptors, explore
    from ml.vectors.similar import similar_to_id
    from scripts.frontend_questions import Q1, Q2, Q4, Q5, Q6, Q7

    origin = PLACES[0][0]
    decade = {"from": "1920-01-01", "to": "1929-12-31"}
    within = explore.ClusterFilter(date_from=decade["from"], date_to=decade["to"], window="within")
    members = {cid: explore.member_pages(db, [(cid, None, 1)])[0][0][0] for cid in cluster_ids}

    def csv(cid: str) -> None:
        links = post(Q5, id=cid)["cluster"]["exports"]
        response = client.get(links["csv"])
        assert response.status_code == 200

    scenarios = {
        "q1 top international in a decade": lambda: post(Q1, **decade),
        "q2 cluster path": lambda: post(Q2, id=rng.choice(cluster_ids)),
        "q3 search with match": lambda: post(SEARCH_MATCH, id=rng.choice(searchable)),
        "q4 illustration in context": lambda: post(Q4, id=members[rng.choice(cluster_ids)]),
        "q5 cluster csv": lambda: csv(rng.choice(cluster_ids)),
        "q6 from a place abroad in 5 years": lambda: post(Q6, paris=origin),
        "q7 country flows by decade": lambda: post(Q7),
    }

    def peer_q1():
        page = explore.cluster_page(db, run_id, within, "n_countries", True, 10)
        if page.total is None:  # as the API: a window page counts its list itself
            explore.cluster_count(db, run_id, within)
        firsts = explore.first_appearances_of(db, [c.id for _, c in page.rows])
        explore.illustrations_by_ids(db, [f.illustration_id for f in firsts.values()])

    def peer_q2():
        cid = rng.choice(cluster_ids)
        explore.clusters_by_ids(db, [cid])
        explore.first_appearances_of(db, [cid])
        explore.appearances_of(db, [cid])
        explore.hops_of(db, [cid])

    def peer_q3():
        descriptors.active_match_thresholds(db)
        hits = similar_to_id(store, rng.choice(searchable), 5)
        explore.flagged_among(db, [h.id for h in hits])
        explore.illustrations_by_ids(db, [h.id for h in hits])

    def peer_q4():
        iid = members[rng.choice(cluster_ids)]
        explore.illustrations_by_ids(db, [iid])
        (cid,) = explore.leaf_clusters_of(db, [iid], run_id).values()
        explore.clusters_by_ids(db, [cid])
        explore.first_appearances_of(db, [cid])
        near = explore.neighbours_of(db, [iid], 3)[iid]
        explore.illustrations_by_ids(db, [n for n, _ in near])

    def peer_q5():
        selection = explore.ExportSelection(cluster=rng.choice(cluster_ids))
        list(explore.export_rows(db, selection, run_id))

    def peer_q6():
        explore.reached_within(
            db, run_id, explore.Location("place", origin), explore.Location("other_country"), 5
        )

    def peer_q7():
        explore.flows(
            db,
            run_id,
            explore.FlowFilter(international=True),
            5000,
            group_by="country",
            period="decade",
        )

    peers = {
        "q1 top international in a decade": peer_q1,
        "q2 cluster path": peer_q2,
        "q3 search with match": peer_q3,
        "q4 illustration in context": peer_q4,
        "q5 cluster csv": peer_q5,
        "q6 from a place abroad in 5 years": peer_q6,
        "q7 country flows by decade": peer_q7,
    }
    return scenarios, peers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--questions-only", action="store_true")
    parser.add_argument(
        "--reuse-graph",
        action="store_true",
        help="time the graph and vectors a previous run of the same size left (no rewrite)",
    )
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return

    from bench.services import start_services
    from graph import explore
    from graph.clusters import latest_run_id
    from ml.vectors import EdgeStore
    from ml.vectors.similar import similar_to_id

    settings, db = start_services()
    n_ills = 10_000 if args.small else 100_000
    vectors_dir = settings.data_dir.resolve() / "bench-api-vectors"
    run_id = latest_run_id(db) if args.reuse_graph and vectors_dir.exists() else None
    if run_id is not None:  # the graph and vectors a previous run of this size wrote
        ids = [f"ill_{n}" for n in range(n_ills)]
        print(f"reusing the graph of run {run_id} and the vectors in {vectors_dir}", flush=True)
    else:
        shutil.rmtree(vectors_dir, ignore_errors=True)
        ids, run_id = generate(db, n_ills, vectors_dir)

    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(vectors_dir)], env=os.environ.copy()
    )
    client = httpx.Client(base_url=f"http://127.0.0.1:{PORT}", timeout=30)
    try:
        for _ in range(300):
            try:
                if client.get("/healthz").status_code in (200, 503):
                    break
            except httpx.TransportError:
                time.sleep(0.2)

        def post(query: str, **variables) -> dict:
            response = client.post("/graphql", json={"query": query, "variables": variables})
            body = response.json()
            assert response.status_code == 200 and "errors" not in body, body
            return body["data"]

        listed = post(LIST)["clusters"]
        cluster_ids = [n["id"] for n in listed["nodes"]]
        rng = random.Random(3)
        searchable = [ids[k] for k in rng.sample(range(len(ids)), 200)]
        scenarios = {
            "cluster list": lambda: post(LIST),
            "cluster detail": lambda: post(DETAIL, id=rng.choice(cluster_ids)),
            "similarity search": lambda: post(SEARCH, id=rng.choice(searchable)),
        }

        store = EdgeStore(vectors_dir.parent / "bench-api-vectors-peer")
        shutil.rmtree(store.root, ignore_errors=True)
        shutil.copytree(vectors_dir, store.root)
        store.ensure_collection(COLLECTION, DIM)
        where = explore.ClusterFilter()

        def peer_list():
            page = explore.cluster_page(db, run_id, where, "n_countries", True, 20)
            explore.cluster_count(db, run_id, where)
            return page

        def peer_detail():
            cid = rng.choice(cluster_ids)
            explore.clusters_by_ids(db, [cid])
            ((members, _),) = explore.member_pages(db, [(cid, None, 20)])
            explore.illustrations_by_ids(db, members)
            explore.appearances_of(db, [cid])
            explore.hops_of(db, [cid])

        def peer_search():
            hits = similar_to_id(store, rng.choice(searchable), 20)
            explore.flagged_among(db, [h.id for h in hits])
            explore.illustrations_by_ids(db, [h.id for h in hits])

        peers = {
            "cluster list": peer_list,
            "cluster detail": peer_detail,
            "similarity search": peer_search,
        }
        if args.questions_only:
            scenarios, peers = {}, {}
        question_scenarios, question_peers = front_end_questions(
            db, run_id, post, client, cluster_ids, searchable, store, rng
        )
        scenarios |= question_scenarios
        peers |= question_peers

        figures: list[Figure] = []
        for name, call in scenarios.items():
            timed(call, 20)
            timed(peers[name], 20)
            api_ms = timed(call, args.requests)
            peer_ms = timed(peers[name], args.requests)
            api_rps = throughput(call)
            peer_rps = throughput(peers[name])
            print(
                f"{name}: p50 {p(api_ms, 50):.1f} ms, p99 {p(api_ms, 99):.1f} ms, "
                f"{api_rps:.0f} req/s | in-process Cypher p50 {p(peer_ms, 50):.1f} ms, "
                f"p99 {p(peer_ms, 99):.1f} ms, {peer_rps:.0f}/s "
                f"(mean {statistics.mean(api_ms):.1f} ms)",
                flush=True,
            )
            peer = "in-process graph.explore Cypher (no HTTP/GraphQL)"
            key = name.replace(" ", "_")
            figures += [
                Figure(
                    f"api_{key}_p50_{n_ills}",
                    round(p(api_ms, 50), 2),
                    "ms",
                    peer,
                    round(p(peer_ms, 50), 2),
                ),
                Figure(
                    f"api_{key}_p99_{n_ills}",
                    round(p(api_ms, 99), 2),
                    "ms",
                    peer,
                    round(p(peer_ms, 99), 2),
                ),
                Figure(
                    f"api_{key}_throughput_{n_ills}",
                    round(api_rps, 1),
                    "req/s",
                    peer,
                    round(peer_rps, 1),
                ),
            ]
        store.close()
        print_figures(figures)
    finally:
        client.close()
        server.terminate()
        server.wait(timeout=30)
        db.close()


if __name__ == "__main__":
    main()

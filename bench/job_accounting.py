"""What stage accounting and the reconciler cost on a large job.

    .venv/bin/python bench/job_accounting.py            # 1,000 manifests x 40 pages
    .venv/bin/python bench/job_accounting.py --small    # 200 x 40

A job of synthetic manifests (the shapes of bench/ingest_throughput.py) is written through the
worker path (tasks marked done with their manifests), half its pages segmented with two
illustrations each. Figures, each against a peer in the same process on the same graph:
`job_progress` (every stage counted, what `contagions job` and the GraphQL subscription poll)
against the query it replaced (segmentation and illustrations only); one reconciler round that
finds the job's pending pages through the outbox index, against the same lookup by a scan of
every page (what it would cost without the index).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.services import bench_environment

bench_environment()

from bench.ingest_throughput import manifest_v2, manifest_v3, parse_all  # noqa: E402
from bench.report import Figure, print_figures  # noqa: E402
from bench.services import start_services  # noqa: E402

# The job query before stage accounting (graph/queries/illustrations.py at 3017de7^).
PEER_JOB_PAGE_PROGRESS = """
MATCH (:IngestJob {id: $job_id})-[:HAS_TASK]->(t:IngestTask)
WHERE t.issue_id IS NOT NULL
MATCH (:Issue {id: t.issue_id})-[:HAS_PAGE]->(pg:Page)
OPTIONAL MATCH (pg)-[:HAS_ILLUSTRATION]->(ill:Illustration)
WITH pg, count(ill) AS ills, count(ill.vector_model) AS indexed
RETURN count(CASE WHEN pg.segment_status = 'done' THEN 1 END) AS pages_segmented,
       count(CASE WHEN pg.segment_status = 'failed' THEN 1 END) AS pages_failed,
       sum(ills) AS illustrations_found,
       sum(indexed) AS illustrations_indexed
"""

# The reconciler's page lookup without the index on Page.segment_status.
PEER_STUCK_PAGES = """
MATCH (pg:Page) USING SCAN pg:Page
WHERE pg.segment_status = 'pending'
  AND pg.segment_sent < datetime() - duration({seconds: $age_s})
RETURN count(pg) AS n
"""


def timed(fn, repeat: int) -> float:
    """Median seconds of `repeat` runs after one warm-up."""
    fn()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--manifests", type=int)
    parser.add_argument("--pages", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    n = args.manifests or (200 if args.small else 1000)

    from api.pipeline.reconcile import Outbox, reconcile
    from graph.illustrations import upsert_illustrations
    from graph.ingest import TaskSpec, add_tasks, create_job, job_progress, write_issues
    from graph.maintenance import wipe_graph
    from graph.outbox import stuck_pages
    from graph.records import IllustrationRecord

    _, db = start_services()
    wipe_graph(db)
    documents = [
        json.dumps(manifest_v3(i, args.pages) if i % 2 else manifest_v2(i, args.pages)).encode()
        for i in range(n)
    ]
    issues = parse_all(documents)
    create_job(db, "bench", "bench-job")
    tasks = [TaskSpec("bench-job", issue.manifest_uri) for issue in issues]
    add_tasks(db, tasks)
    for start in range(0, n, 50):
        write_issues(
            db, "bench", issues[start : start + 50], [t.id for t in tasks[start : start + 50]]
        )
    pages = [page for issue in issues for page in issue.pages]
    segmented = pages[: len(pages) // 2]
    upsert_illustrations(
        db,
        [
            IllustrationRecord(
                id=f"ill-{page.id}-{k}",
                page_id=page.id,
                x=0,
                y=0,
                w=10,
                h=10,
                area_ratio=0.1,
                confidence=1.0,
                segmenter="whole",
                segmenter_version="1",
                iiif_region_url="",
                thumbnail_url="",
            )
            for page in segmented
            for k in range(2)
        ],
    )
    db.execute_query(
        "UNWIND $ids AS id MATCH (pg:Page {id: id}) SET pg.segment_status = 'done'",
        ids=[p.id for p in segmented],
    )
    print(f"{n} manifests, {len(pages)} pages, {len(segmented) * 2} illustrations")

    progress = job_progress(db, "bench-job", edges_k=10, edges_min_score=0.5)
    assert progress is not None and progress.pages_pending == len(pages) - len(segmented)
    ours_s = timed(
        lambda: job_progress(db, "bench-job", edges_k=10, edges_min_score=0.5), args.repeat
    )
    peer_s = timed(
        lambda: db.execute_query(PEER_JOB_PAGE_PROGRESS, job_id="bench-job"), args.repeat
    )
    print(f"job_progress (every stage): {ours_s * 1000:.0f} ms; before: {peer_s * 1000:.0f} ms")

    sent: list[str] = []
    outbox = Outbox(
        tasks=sent.extend, pages=lambda ids, segmenter: sent.extend(ids), illustrations=sent.extend
    )
    # Nothing is overdue yet (deadline 1 h): the outbox lookup seeks nothing, the peer scans.
    lookup_s = timed(lambda: stuck_pages(db, 3600, limit=len(pages)), args.repeat)
    scan_s = timed(lambda: db.execute_query(PEER_STUCK_PAGES, age_s=3600), args.repeat)
    round_s = timed(lambda: reconcile(db, enqueue=outbox, deadline_s=3600), args.repeat)
    print(
        f"overdue pages lookup: {lookup_s * 1000:.1f} ms; by page scan: {scan_s * 1000:.1f} ms; "
        f"a whole reconciler round (4 stages): {round_s * 1000:.1f} ms"
    )
    started = time.perf_counter()
    resent = reconcile(db, enqueue=outbox, deadline_s=0, limit=len(pages))
    found_s = time.perf_counter() - started
    print(f"reconciler round resending {resent.pages} pages: {found_s:.2f} s")
    db.close()
    print_figures(
        [
            Figure(
                "job_progress_ms",
                round(ours_s * 1000, 1),
                "ms",
                "pre-accounting job query",
                round(peer_s * 1000, 1),
            ),
            Figure(
                "reconcile_overdue_pages_lookup_ms",
                round(lookup_s * 1000, 1),
                "ms",
                "pending pages by label scan",
                round(scan_s * 1000, 1),
            ),
            Figure(
                "reconcile_resend_pages_per_s",
                round(resent.pages / found_s),
                "pages/s",
                "none",
                None,
            ),
        ]
    )


if __name__ == "__main__":
    main()

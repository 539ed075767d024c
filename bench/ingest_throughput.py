"""Ingest throughput: parse + write a synthetic corpus of IIIF manifests into Neo4j.

    .venv/bin/python bench/ingest_throughput.py            # 2,000 manifests x 40 pages
    .venv/bin/python bench/ingest_throughput.py --small    # 200 x 40

Manifests are built from the shapes of real fixtures (a Presentation 3 newspaper issue with
ImageService3 pages, a Presentation 2 Europeana issue with metadata arrays). Figures:
pure parsing (bytes → IssueRecord), the bulk write path (UNWIND batches, several manifests per
managed transaction) and the worker path (one manifest per transaction, what actors do), each
against a naive peer in the same process: one MERGE statement per page. The worker path is
measured both ways: one manifest per transaction (before) and a message of `--task-batch`
tasks in one transaction (what `harvest_tasks` does now).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.services import bench_environment

bench_environment()

from bench.report import Figure, print_figures  # noqa: E402
from bench.services import start_services  # noqa: E402

V3 = "http://iiif.io/api/presentation/3/context.json"
V2 = "http://iiif.io/api/presentation/2/context.json"
CITIES = ["Paris", "Berlin", "London", "Buenos Aires", "Genève", "Wien", "Roma", "Madrid"]


def manifest_v3(n: int, pages: int) -> dict:
    base = f"https://bench.example/iiif/v3/issue-{n}"
    year, month, day = 1890 + n % 100, 1 + n % 12, 1 + n % 28
    return {
        "@context": V3,
        "id": f"{base}/manifest.json",
        "type": "Manifest",
        "label": {"en": [f"Le Journal illustré {n % 40} - {year}-{month:02d}-{day:02d}"]},
        "metadata": [
            {"label": {"en": ["Place of publication"]}, "value": {"none": [CITIES[n % 8]]}},
            {"label": {"en": ["Type"]}, "value": {"en": ["Newspaper"]}},
        ],
        "navDate": f"{year}-{month:02d}-{day:02d}T00:00:00Z",
        "partOf": [
            {
                "id": f"https://bench.example/title-{n % 40}",
                "type": "Collection",
                "label": {"en": [f"Le Journal illustré {n % 40}"]},
            }
        ],
        "items": [
            {
                "id": f"{base}/canvas/p{p}",
                "type": "Canvas",
                "width": 3000,
                "height": 4200,
                "items": [
                    {
                        "id": f"{base}/canvas/p{p}/page",
                        "type": "AnnotationPage",
                        "items": [
                            {
                                "id": f"{base}/canvas/p{p}/page/a",
                                "type": "Annotation",
                                "motivation": "painting",
                                "target": f"{base}/canvas/p{p}",
                                "body": {
                                    "id": f"https://bench.example/img/{n}-{p}/full/max/0/default.jpg",
                                    "type": "Image",
                                    "format": "image/jpeg",
                                    "width": 3000,
                                    "height": 4200,
                                    "service": [
                                        {
                                            "id": f"https://bench.example/img/{n}-{p}",
                                            "type": "ImageService3",
                                            "profile": "level1",
                                        }
                                    ],
                                },
                            }
                        ],
                    }
                ],
            }
            for p in range(pages)
        ],
    }


def manifest_v2(n: int, pages: int) -> dict:
    base = f"https://bench.example/iiif/v2/issue-{n}"
    return {
        "@context": V2,
        "@id": f"{base}/manifest.json",
        "@type": "sc:Manifest",
        "label": [{"@value": f"Uusi Aura {n}"}],
        "metadata": [
            {"label": "Date", "value": [{"@value": f"{1900 + n % 50}-11-26"}]},
            {"label": "Place", "value": [{"@value": "Turku", "@language": "fi"}]},
        ],
        "sequences": [
            {
                "@type": "sc:Sequence",
                "canvases": [
                    {
                        "@id": f"{base}/canvas/{p}",
                        "@type": "sc:Canvas",
                        "label": str(p),
                        "width": 2400,
                        "height": 3600,
                        "images": [
                            {
                                "@type": "oa:Annotation",
                                "motivation": "sc:painting",
                                "on": f"{base}/canvas/{p}",
                                "resource": {
                                    "@id": f"https://bench.example/img2/{n}-{p}/full/full/0/default.jpg",
                                    "@type": "dctypes:Image",
                                    "width": 2400,
                                    "height": 3600,
                                    "service": {
                                        "@context": "http://iiif.io/api/image/2/context.json",
                                        "@id": f"https://bench.example/img2/{n}-{p}",
                                        "profile": "http://iiif.io/api/image/2/level1.json",
                                    },
                                },
                            }
                        ],
                    }
                    for p in range(pages)
                ],
            }
        ],
    }


def parse_all(documents: list[bytes]):
    from ingest.iiif.decode import decode_document
    from ingest.iiif.parse import parse_document
    from ingest.records import issue_record

    return [issue_record(parse_document(decode_document(raw))) for raw in documents]


def naive_write(db, corpus, issues) -> None:
    """The peer: one statement per page, one transaction per manifest."""
    for issue in issues:
        with db.session() as session:

            def work(tx, issue=issue):
                tx.run(
                    "MERGE (c:Corpus {name: $corpus}) MERGE (i:Issue {id: $id}) "
                    "SET i.label = $label MERGE (c)-[:NAIVE]->(i)",
                    corpus=corpus,
                    id=issue.id,
                    label=issue.label,
                )
                for page in issue.pages:
                    tx.run(
                        "MATCH (i:Issue {id: $issue}) MERGE (p:Page {id: $id}) "
                        "SET p.canvas_id = $canvas, p.width = $w, p.height = $h "
                        "MERGE (i)-[:HAS_PAGE {order: $order}]->(p)",
                        issue=issue.id,
                        id=page.id,
                        canvas=page.canvas_id,
                        w=page.width,
                        h=page.height,
                        order=page.order,
                    )

            session.execute_write(work)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--manifests", type=int)
    parser.add_argument("--pages", type=int, default=40)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--task-batch", type=int, default=16, help="tasks per ingest message")
    args = parser.parse_args()
    n = args.manifests or (200 if args.small else 2000)

    from graph.ingest import TaskSpec, add_tasks, create_job, write_issue, write_issues
    from graph.maintenance import wipe_graph

    _, db = start_services()
    wipe_graph(db)

    documents = [
        json.dumps(manifest_v3(i, args.pages) if i % 2 else manifest_v2(i, args.pages)).encode()
        for i in range(n)
    ]
    pages_total = n * args.pages
    print(f"{n} manifests x {args.pages} pages = {pages_total} pages")

    parse_all(documents[:20])  # warm up the gazetteer and the date parser
    started = time.perf_counter()
    issues = parse_all(documents)
    parse_s = time.perf_counter() - started
    print(f"parse: {pages_total / parse_s:,.0f} pages/s ({n / parse_s:,.0f} manifests/s)")

    started = time.perf_counter()
    for start in range(0, n, args.batch):
        write_issues(db, "bench", issues[start : start + args.batch])
    bulk_s = time.perf_counter() - started
    print(f"bulk write ({args.batch} manifests/tx): {pages_total / bulk_s:,.0f} pages/s")

    # Re-ingest: the same manifests again, as the worker writes them: one message of
    # `--task-batch` tasks is one transaction that also marks the tasks done (before: one
    # manifest per transaction).
    sample = issues[: max(n // 10, 20)]
    sample_pages = sum(len(i.pages) for i in sample)
    tasks = [TaskSpec("bench-job", issue.manifest_uri) for issue in sample]
    create_job(db, "bench", "bench-job")
    add_tasks(db, tasks)
    started = time.perf_counter()
    for issue, task in zip(sample, tasks, strict=True):
        write_issue(db, "bench", issue, task=task.id)
    single_s = time.perf_counter() - started
    print(f"worker path before (1 manifest/tx): {sample_pages / single_s:,.0f} pages/s")
    started = time.perf_counter()
    for start in range(0, len(sample), args.task_batch):
        part = slice(start, start + args.task_batch)
        write_issues(db, "bench", sample[part], [task.id for task in tasks[part]])
    batched_s = time.perf_counter() - started
    print(
        f"worker path ({args.task_batch} manifests/message, 1 tx): "
        f"{sample_pages / batched_s:,.0f} pages/s"
    )

    wipe_graph(db)
    started = time.perf_counter()
    naive_write(db, "naive", sample)
    naive_s = time.perf_counter() - started
    print(f"naive peer (1 statement/page): {sample_pages / naive_s:,.0f} pages/s")

    end_to_end = pages_total / (parse_s + bulk_s)
    db.close()
    print_figures(
        [
            Figure(
                "ingest_parse_and_write_pages_per_s",
                round(end_to_end),
                "pages/s",
                "naive per-page MERGE",
                round(sample_pages / naive_s),
            ),
            Figure(
                "ingest_bulk_write_pages_per_s",
                round(pages_total / bulk_s),
                "pages/s",
                "naive per-page MERGE",
                round(sample_pages / naive_s),
            ),
            Figure(
                "ingest_worker_path_pages_per_s",
                round(sample_pages / batched_s),
                "pages/s",
                "naive per-page MERGE",
                round(sample_pages / naive_s),
            ),
            Figure(
                "ingest_worker_path_one_manifest_per_tx_pages_per_s",
                round(sample_pages / single_s),
                "pages/s",
                "naive per-page MERGE",
                round(sample_pages / naive_s),
            ),
            Figure(
                "ingest_parse_pages_per_s", round(pages_total / parse_s), "pages/s", "none", None
            ),
        ]
    )


if __name__ == "__main__":
    main()

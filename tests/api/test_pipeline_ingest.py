"""Harvesting real IIIF fixtures served over HTTP into the real Neo4j (tasks run in process)."""

import os
from collections import deque

import pytest

from api.pipeline.ingest import CorpusFileError, process_task, read_corpus_file, start_ingest
from graph.ingest import job_failures, job_progress
from ingest.fetch import FetchConfig, Fetcher
from ingest.urls import UrlPolicy

MANIFESTS = {
    "bl-vdc_100022545251-anzac-bulletin-1917-v2.json": 20,
    "europeana-9200301-BibliographicResource_3000126341277-uusi-aura-1909-v2.json": 2,
    "cookbook-0009-book-1-v3.json": 5,
    "cookbook-0283-missing-image-v3.json": 4,
    "cookbook-0068-newspaper-issue_1-manifest-v3.json": 2,
}


@pytest.fixture
def fetcher(static_server):
    with Fetcher(
        FetchConfig(user_agent="contagions-test", retries=1, backoff_base_s=0.01),
        UrlPolicy.allowing([static_server.endpoint]),
    ) as f:
        yield f


def run_job(db, fetcher, corpus, uris, max_depth=8):
    queue: deque[str] = deque()
    job_id = start_ingest(db, corpus=corpus, uris=uris, enqueue=queue.extend)
    outcomes = []
    while queue:
        outcomes.append(
            process_task(
                db, queue.popleft(), fetcher=fetcher, enqueue=queue.extend, max_depth=max_depth
            )
        )
    return job_id, outcomes


def count(db, query, **params):
    records, _, _ = db.execute_query(query, **params)
    return records[0][0]


def test_fixtures_become_issues_pages_places(clean_graph, fetcher, static_server):
    uris = [f"{static_server.url}/fixtures/{name}" for name in MANIFESTS]
    job_id, _ = run_job(clean_graph, fetcher, "press", uris)

    progress = job_progress(clean_graph, job_id)
    assert (progress.total, progress.done, progress.failed) == (5, 5, 0)
    assert progress.pages == sum(MANIFESTS.values())
    assert count(clean_graph, "MATCH (:Issue)-[:HAS_PAGE]->(p:Page) RETURN count(p)") == 33

    records, _, _ = clean_graph.execute_query(
        "MATCH (c:Corpus {name: 'press'})-[:INCLUDES]->(p:Periodical)-[:HAS_ISSUE]->(i:Issue) "
        "OPTIONAL MATCH (i)-[:PUBLISHED_IN]->(pl:Place)-[:IN_COUNTRY]->(co:Country) "
        "RETURN p.title AS periodical, i.date AS date, i.date_precision AS precision, "
        "pl.name AS place, co.code AS country ORDER BY periodical"
    )
    rows = {r["periodical"]: (r["date"], r["precision"], r["place"], r["country"]) for r in records}
    assert rows["Anzac bulletin"] == ("1917-06-01", "month", "London", "GB")
    assert rows["Uusi Aura"] == ("1909-11-26", "day", None, None)
    assert rows["Berliner Tageblatt"] == ("1925-02-16", "day", None, None)

    # Pages keep the canvas order; the canvas without an image is a page without an image.
    records, _, _ = clean_graph.execute_query(
        "MATCH (i:Issue {label: 'Ethiopic Ms 10'})-[r:HAS_PAGE]->(p:Page) "
        "RETURN r.order AS o, p.image_url IS NULL AS blank ORDER BY o"
    )
    assert [(r["o"], r["blank"]) for r in records] == [
        (1, False),
        (2, True),
        (3, False),
        (4, False),
    ]


def test_reingest_is_idempotent(clean_graph, fetcher, static_server):
    uris = [f"{static_server.url}/fixtures/{name}" for name in MANIFESTS]
    run_job(clean_graph, fetcher, "press", uris)
    before = count(clean_graph, "MATCH (n) RETURN count(n)")
    rels = count(clean_graph, "MATCH ()-[r]->() RETURN count(r)")
    _, outcomes = run_job(clean_graph, fetcher, "press", uris)
    assert all(o.status == "done" for o in outcomes)
    # A second job adds its own job and task nodes, and nothing else.
    assert count(clean_graph, "MATCH (n) RETURN count(n)") == before + 1 + len(uris)
    assert count(clean_graph, "MATCH ()-[r]->() RETURN count(r)") == rels + 1 + len(uris)


def test_a_changed_manifest_updates_its_pages(clean_graph, fetcher, static_server, shared_dir):
    import json

    source = json.loads((shared_dir / "fixtures/iiif/cookbook-0009-book-1-v3.json").read_text())
    url = static_server.write_json("book.json", source)
    run_job(clean_graph, fetcher, "books", [url])
    source["items"] = source["items"][:3]
    static_server.write_json("book.json", source)
    # The server dates files to the second: a change within the same second would still be
    # "not modified" (that case is `--refresh`'s, below). A real edit comes later.
    path = static_server.root / "book.json"
    later = path.stat().st_mtime + 2
    os.utime(path, (later, later))
    run_job(clean_graph, fetcher, "books", [url])
    assert count(clean_graph, "MATCH (:Issue)-[:HAS_PAGE]->(p) RETURN count(p)") == 3
    assert count(clean_graph, "MATCH (p:Page) RETURN count(p)") == 3


def test_collections_are_walked_with_cycle_depth_and_paging_guards(
    clean_graph, fetcher, static_server
):
    base = static_server.url
    m1 = f"{base}/fixtures/cookbook-0009-book-1-v3.json"
    m2 = f"{base}/fixtures/cookbook-0068-newspaper-issue_1-manifest-v3.json"
    ctx = "http://iiif.io/api/presentation/3/context.json"
    # a → b → a is a cycle; a's member m1 is listed twice; page2 continues a paged listing.
    a = static_server.write_json(
        "a.json",
        {
            "@context": ctx,
            "id": f"{base}/a.json",
            "type": "Collection",
            "label": {"en": ["Le Miroir"]},
            "items": [
                {"id": m1, "type": "Manifest"},
                {"id": m1, "type": "Manifest"},
                {"id": f"{base}/b.json", "type": "Collection"},
            ],
        },
    )
    static_server.write_json(
        "b.json",
        {
            "@context": ctx,
            "id": f"{base}/b.json",
            "type": "Collection",
            "label": {"en": ["B"]},
            "items": [
                {"id": a, "type": "Collection"},
                {"id": m2, "type": "Manifest"},
                {"id": f"{base}/missing.json", "type": "Manifest"},
            ],
        },
    )
    job_id, _ = run_job(clean_graph, fetcher, "walk", [a])
    progress = job_progress(clean_graph, job_id)
    assert (progress.collections, progress.manifests, progress.failed) == (2, 2, 1)
    assert [f.uri for f in job_failures(clean_graph, job_id)] == [f"{base}/missing.json"]
    assert "404" in job_failures(clean_graph, job_id)[0].reason
    # The collection above names the periodical of a manifest without partOf.
    records, _, _ = clean_graph.execute_query(
        "MATCH (p:Periodical)-[:HAS_ISSUE]->(i:Issue {label: 'Simple Manifest - Book'}) "
        "RETURN p.title AS title, p.rule AS rule"
    )
    assert (records[0]["title"], records[0]["rule"]) == ("Le Miroir", "collection")

    job_id, _ = run_job(clean_graph, fetcher, "deep", [a], max_depth=1)
    progress = job_progress(clean_graph, job_id)
    assert (progress.failed, progress.manifests) == (1, 1)  # b is one level too deep
    assert "depth guard" in job_failures(clean_graph, job_id)[0].reason


def test_bad_documents_fail_with_reasons_and_the_rest_continue(clean_graph, fetcher, static_server):
    (static_server.root / "broken.json").write_text('{"items": [')
    uris = [
        f"{static_server.url}/fixtures/mirador-v2-broken-not-iiif.json",
        f"{static_server.url}/broken.json",
        "https://unresolvable.invalid/manifest.json",
        f"{static_server.url}/fixtures/cookbook-0009-book-1-v3.json",
    ]
    job_id, _ = run_job(clean_graph, fetcher, "bad", uris)
    progress = job_progress(clean_graph, job_id)
    assert (progress.done, progress.failed) == (1, 3)
    reasons = {f.uri.rsplit("/", 1)[-1]: f.reason for f in job_failures(clean_graph, job_id)}
    assert "not a IIIF document" in reasons["mirador-v2-broken-not-iiif.json"]
    assert "ManifestParseError" in reasons["broken.json"]
    assert "cannot resolve" in reasons["manifest.json"]


def test_corpus_file(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text(
        "# my corpus\nhttps://a.example/m.json\n\nhttps://b.example/c.json # x\n"
        "https://a.example/m.json\n"
    )
    assert read_corpus_file(path) == ["https://a.example/m.json", "https://b.example/c.json"]
    path.write_text("ftp://nope\n")
    with pytest.raises(CorpusFileError, match=r"corpus\.txt:1"):
        read_corpus_file(path)


def test_a_batch_of_tasks_writes_its_manifests_together_and_fails_per_task(
    clean_graph, fetcher, static_server
):
    from api.pipeline.ingest import HarvestLimits, process_tasks

    # Transactions of at most 6 pages: the 20-page manifest is written on its own in chunks,
    # the others two or three to a transaction.
    limits = HarvestLimits(pages_per_transaction=6)

    uris = [f"{static_server.url}/fixtures/{name}" for name in MANIFESTS]
    uris.append(f"{static_server.url}/fixtures/no-such-manifest.json")
    queue: deque[str] = deque()
    job_id = start_ingest(clean_graph, corpus="batched", uris=uris, enqueue=queue.extend)
    task_ids = list(queue)

    outcomes = process_tasks(
        clean_graph, task_ids, fetcher=fetcher, enqueue=queue.extend, limits=limits
    )

    assert [o.task_id for o in outcomes] == task_ids
    assert [o.status for o in outcomes] == ["done"] * 5 + ["failed"]
    assert sum(len(o.page_ids) for o in outcomes) == sum(MANIFESTS.values())
    progress = job_progress(clean_graph, job_id)
    assert (progress.total, progress.done, progress.failed) == (6, 5, 1)
    assert progress.pages == sum(MANIFESTS.values())
    assert "404" in job_failures(clean_graph, job_id)[0].reason
    issues = "MATCH (:Corpus {name: 'batched'})-[:INCLUDES]->()-[:HAS_ISSUE]->(i) RETURN count(i)"
    assert count(clean_graph, issues) == 5

    # A redelivered message: every task is finished, nothing is written twice.
    again = process_tasks(clean_graph, task_ids, fetcher=fetcher, enqueue=queue.extend)
    assert {o.status for o in again} == {"skipped"}
    assert count(clean_graph, issues) == 5
    assert count(clean_graph, "MATCH (:Issue)-[r:HAS_PAGE]->() RETURN count(r)") == 33


def test_an_unchanged_manifest_joins_a_second_corpus(clean_graph, fetcher, static_server):
    uris = [f"{static_server.url}/fixtures/{name}" for name in MANIFESTS]
    run_job(clean_graph, fetcher, "first", uris)
    job_id, outcomes = run_job(clean_graph, fetcher, "second", uris)

    # The server said 304 to every manifest, and each still counts for the second corpus.
    assert {o.kind for o in outcomes} == {"not-modified"}
    progress = job_progress(clean_graph, job_id)
    assert (progress.done, progress.failed, progress.manifests) == (5, 0, 5)
    assert progress.pages == sum(MANIFESTS.values())
    for corpus in ("first", "second"):
        issues = count(
            clean_graph,
            "MATCH (:Corpus {name: $corpus})-[:INCLUDES]->(:Periodical)-[:HAS_ISSUE]->(i:Issue) "
            "RETURN count(DISTINCT i)",
            corpus=corpus,
        )
        assert issues == len(MANIFESTS)
    assert count(clean_graph, "MATCH (i:Issue) RETURN count(i)") == len(MANIFESTS)


def test_refresh_ignores_validators(clean_graph, fetcher, static_server, shared_dir):
    import json

    source = json.loads((shared_dir / "fixtures/iiif/cookbook-0009-book-1-v3.json").read_text())
    url = static_server.write_json("book.json", source)
    path = static_server.root / "book.json"
    run_job(clean_graph, fetcher, "books", [url])
    # The catalogue changes but its server still says "unchanged" (same Last-Modified).
    stamp = path.stat().st_mtime
    source["items"] = source["items"][:3]
    static_server.write_json("book.json", source)
    os.utime(path, (stamp, stamp))

    _, outcomes = run_job(clean_graph, fetcher, "books", [url])
    assert outcomes[0].kind == "not-modified"
    assert count(clean_graph, "MATCH (p:Page) RETURN count(p)") == 5

    queue: deque[str] = deque()
    job_id = start_ingest(
        clean_graph, corpus="books", uris=[url], enqueue=queue.extend, refresh=True
    )
    while queue:
        outcome = process_task(clean_graph, queue.popleft(), fetcher=fetcher, enqueue=queue.extend)
    assert outcome.kind == "manifest"
    assert job_progress(clean_graph, job_id).pages == 3
    assert count(clean_graph, "MATCH (p:Page) RETURN count(p)") == 3


def test_a_collection_whose_members_fail_still_yields_its_periodical(
    clean_graph, fetcher, static_server
):
    base = static_server.url
    collection = static_server.write_json(
        "dada.json",
        {
            "@context": "http://iiif.io/api/presentation/3/context.json",
            "id": f"{base}/dada.json",
            "type": "Collection",
            "label": {"en": ["Dada (Zurich, Switzerland)"]},
            "metadata": [
                {"label": {"en": ["Place of Publication"]}, "value": {"none": ["Zürich"]}},
                {"label": {"en": ["Date"]}, "value": {"none": ["1917"]}},
            ],
            "items": [{"id": f"{base}/gone-{n}.json", "type": "Manifest"} for n in (1, 2)],
        },
    )
    job_id, _ = run_job(clean_graph, fetcher, "dada", [collection])

    progress = job_progress(clean_graph, job_id)
    assert (progress.collections, progress.manifests, progress.failed) == (1, 0, 2)
    assert [f.uri for f in job_failures(clean_graph, job_id)] == [
        f"{base}/gone-1.json",
        f"{base}/gone-2.json",
    ]
    records, _, _ = clean_graph.execute_query(
        "MATCH (:Corpus {name: 'dada'})-[:INCLUDES]->(p:Periodical) "
        "OPTIONAL MATCH (p)-[:PUBLISHED_IN]->(pl:Place)-[:IN_COUNTRY]->(co:Country) "
        "RETURN p.title AS title, p.rule AS rule, p.collection_date AS date, "
        "p.place_raw AS place_raw, pl.name AS place, co.code AS country"
    )
    assert [r.data() for r in records] == [
        {
            "title": "Dada",
            "rule": "collection",
            "date": "1917-01-01",
            "place_raw": "Zürich",
            "place": "Zürich",
            "country": "CH",
        }
    ]


def test_an_endless_next_chain_stops_at_the_paging_guard(clean_graph, fetcher, static_server):
    base = static_server.url
    book = f"{base}/fixtures/cookbook-0009-book-1-v3.json"
    # Every page names a next one (as a server generating ?page=N+1 forever would).
    for n in range(12):
        static_server.write_json(
            f"page-{n}.json",
            {
                "@context": "http://iiif.io/api/presentation/3/context.json",
                "id": f"{base}/page-{n}.json",
                "type": "Collection",
                "label": {"en": ["Endless"]},
                "items": [{"id": book, "type": "Manifest"}],
                "next": {"id": f"{base}/page-{n + 1}.json"},
            },
        )
    queue: deque[str] = deque()
    job_id = start_ingest(
        clean_graph, corpus="endless", uris=[f"{base}/page-0.json"], enqueue=queue.extend
    )
    while queue:
        process_task(
            clean_graph, queue.popleft(), fetcher=fetcher, enqueue=queue.extend, max_pages=4
        )

    progress = job_progress(clean_graph, job_id)
    # page-0 and the four pages after it are read; the fifth is refused, unread.
    assert (progress.collections, progress.manifests, progress.failed) == (5, 1, 1)
    assert progress.harvested and not progress.finished  # its pages wait
    [failure] = job_failures(clean_graph, job_id)
    assert failure.uri == f"{base}/page-5.json"
    assert "paging guard" in failure.reason and "4 pages" in failure.reason


def test_a_large_manifest_is_written_in_chunks(clean_graph, fetcher, static_server):
    base = static_server.url

    def canvases(n):
        return [
            {
                "id": f"{base}/big/c{i}",
                "type": "Canvas",
                "width": 1000,
                "height": 1500,
                "items": [
                    {
                        "type": "AnnotationPage",
                        "items": [
                            {
                                "type": "Annotation",
                                "motivation": "painting",
                                "body": {"id": f"{base}/big/{i}.jpg", "type": "Image"},
                            }
                        ],
                    }
                ],
            }
            for i in range(n)
        ]

    document = {
        "@context": "http://iiif.io/api/presentation/3/context.json",
        "id": f"{base}/big.json",
        "type": "Manifest",
        "label": {"en": ["Grand livre"]},
    }
    url = static_server.write_json("big.json", document | {"items": canvases(2_500)})

    def harvest(corpus, refresh=False):
        queue: deque[str] = deque()
        job_id = start_ingest(
            clean_graph, corpus=corpus, uris=[url], enqueue=queue.extend, refresh=refresh
        )
        while queue:
            process_task(
                clean_graph,
                queue.popleft(),
                fetcher=fetcher,
                enqueue=queue.extend,
                pages_per_transaction=1_000,
            )
        return job_progress(clean_graph, job_id)

    progress = harvest("big")
    assert (progress.manifests, progress.pages) == (1, 2_500)
    records, _, _ = clean_graph.execute_query(
        "MATCH (i:Issue)-[r:HAS_PAGE]->(p:Page) "
        "RETURN count(p) AS pages, min(r.order) AS first, max(r.order) AS last, "
        "       count(DISTINCT r.order) AS orders, i.page_count AS page_count"
    )
    assert records[0].data() == {
        "pages": 2_500,
        "first": 1,
        "last": 2_500,
        "orders": 2_500,
        "page_count": 2_500,
    }

    # A shorter manifest: the pages that left it go, chunked too.
    static_server.write_json("big.json", document | {"items": canvases(1_200)})
    progress = harvest("big", refresh=True)
    assert progress.pages == 1_200
    assert count(clean_graph, "MATCH (p:Page) RETURN count(p)") == 1_200


def test_a_hostile_but_readable_manifest_is_written_cleaned(clean_graph, fetcher, static_server):
    """The fuzz findings through the real pipeline: NaN and superscript sizes, a 5000-digit
    region, a lone surrogate in the label and a canvas id, navPlace at NaN, a bad image id."""
    base = static_server.url
    text = (
        '{"@context": "http://iiif.io/api/presentation/3/context.json",'
        f' "id": "{base}/hostile.json", "type": "Manifest",'
        ' "label": {"fr": ["Le Rire \\ud800, 12 mars 1905"]},'
        ' "navPlace": {"type": "Feature",'
        '   "geometry": {"type": "Point", "coordinates": [NaN, NaN]}},'
        ' "items": ['
        f'  {{"id": "{base}/c1\\udfff", "type": "Canvas", "width": NaN, "height": "²",'
        '    "items": [{"type": "AnnotationPage", "items": [{"type": "Annotation",'
        '      "motivation": "painting", "body": {"id": "http://[::1", "type": "Image"}}]}],'
        '    "annotations": [{"type": "AnnotationPage", "items": [{"type": "Annotation",'
        f'      "motivation": "tagging", "target": "{base}/c1#xywh={"9" * 5000},0,10,10"}}]}}]}},'
        f'  {{"id": "{base}/c2", "type": "Canvas", "width": Infinity, "height": {"9" * 5000}}}'
        " ]}"
    )
    (static_server.root / "hostile.json").write_text(text)
    _, outcomes = run_job(clean_graph, fetcher, "hostile", [f"{base}/hostile.json"])

    assert [o.status for o in outcomes] == ["done"]
    records, _, _ = clean_graph.execute_query(
        "MATCH (i:Issue)-[r:HAS_PAGE]->(p:Page) "
        "RETURN i.label AS label, i.date AS date, p.canvas_id AS canvas, p.width AS width, "
        "       p.image_url AS image, p.regions AS regions ORDER BY r.order"
    )
    assert [r.data() for r in records] == [
        {
            "label": "Le Rire \ufffd, 12 mars 1905",
            "date": "1905-03-12",
            "canvas": f"{base}/c1\ufffd",
            "width": None,
            "image": None,
            "regions": [],
        },
        {
            "label": "Le Rire \ufffd, 12 mars 1905",
            "date": "1905-03-12",
            "canvas": f"{base}/c2",
            "width": None,
            "image": None,
            "regions": [],
        },
    ]
    assert count(clean_graph, "MATCH (:Issue)-[:PUBLISHED_IN]->(pl) RETURN count(pl)") == 0

"""The main job on the sample press: IIIF → graph → illustrations → vectors → clusters.

Every step is the real one (actors for ingest, pages and descriptors; the same pipeline
functions as the CLI), followed with progress bars, ending with a printed summary.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from api.demo.corpus import DemoSize, build, is_built, load_truth
from api.demo.site import image_server_process, site_process, write_site
from api.demo.sources import pca_extra_images
from api.runtime import Runtime
from api.services.process import port_open
from graph.descriptors import index_progress
from graph.ingest import JobProgress, job_progress

console = Console()


@dataclass(frozen=True)
class DemoResult:
    job_id: str
    run_id: str
    model_id: str
    backbone: str
    threshold: float
    seconds: float


def corpus_dir(runtime: Runtime) -> Path:
    return runtime.settings.data_dir.resolve() / "demo"


def ensure_built(out: Path, size: DemoSize, seed: int) -> None:
    if is_built(out, size, seed):
        return
    with console.status("drawing the sample press (pages, pictures, reprints)…"):
        build(out, size, seed)


def serve(runtime: Runtime, out: Path) -> str:
    """Start the manifest site and the IIIF image server; returns the top collection URL."""
    demo = runtime.settings.demo
    site = f"http://127.0.0.1:{demo.site_port}"
    images = f"http://127.0.0.1:{demo.iiif_port}"
    write_site(out, load_truth(out), site, images)
    run_dir = runtime.settings.run_dir
    site_process(out, demo.site_port, run_dir).start(
        ready=lambda: port_open("127.0.0.1", demo.site_port), timeout_s=30
    )
    image_server_process(out, demo.iiif_port, run_dir).start(
        ready=lambda: port_open("127.0.0.1", demo.iiif_port), timeout_s=30
    )
    return f"{site}/iiif/collection.json"


def follow(label: str, read: Callable[[], tuple[int, int]], timeout_s: float = 1800) -> None:
    """A progress bar over `read() -> (done, total)` until done == total."""
    columns = (
        TextColumn(f"[bold]{label:<22}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    deadline = time.monotonic() + timeout_s
    with Progress(*columns, console=console) as bar:
        task = bar.add_task(label, total=None)
        while True:
            done, total = read()
            bar.update(task, completed=done, total=total or None)
            if total and done >= total:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"{label}: {done}/{total} after {timeout_s:.0f}s")
            time.sleep(0.5)


def run(runtime: Runtime, size: DemoSize | None = None, *, pca_extra: int = 400) -> DemoResult:
    """The main job; `pca_extra` non-source crops join the PCA sample (fewer: faster, coarser)."""
    from api.actors.gpu import enqueue_descriptors
    from api.actors.ingest import enqueue_tasks
    from api.pipeline.clustering import params_from_settings, run_clustering
    from api.pipeline.index import fit_pca
    from api.pipeline.ingest import start_ingest
    from api.pipeline.similarity import build_edges
    from graph.descriptors import illustrations_to_index, sample_illustrations

    started = time.monotonic()
    settings = runtime.settings
    demo = settings.demo
    size = size or DemoSize(issues=demo.issues, pages=demo.pages)
    out = corpus_dir(runtime)
    ensure_built(out, size, demo.seed)
    collection = serve(runtime, out)
    console.print(f"sample press served as IIIF: {collection}")

    db = runtime.db
    job_id = start_ingest(
        db, corpus=demo.corpus, uris=[collection], enqueue=enqueue_tasks, segmenter="layout"
    )

    def progress() -> JobProgress:
        found = job_progress(db, job_id)
        if found is None:  # written by start_ingest above: only a wiped graph loses it
            raise RuntimeError(f"ingest job {job_id} disappeared from the graph")
        return found

    def harvested() -> tuple[int, int]:
        p = progress()
        return p.done + p.failed, p.total

    def segmented() -> tuple[int, int]:
        p = progress()
        return p.pages_segmented + p.pages_failed, p.pages

    follow("harvesting manifests", harvested)
    follow("segmenting pages", segmented)

    choice = runtime.backbone_choice
    if choice.fallback_reason:
        console.print(f"[yellow]{choice.fallback_reason}[/yellow]")
        console.print(
            f"[yellow]→ descriptors from the packaged, ImageNet-trained "
            f"{choice.backbone.name} backbone[/yellow]"
        )
    with console.status(f"fitting the PCA whitening on {choice.backbone.name} descriptors…"):
        sample = sample_illustrations(db, 20_000, demo.corpus)
        _, record = fit_pca(
            sample,
            source=runtime.crop_source(runtime.crop_limits),
            extractor=runtime.extractor,
            extra=pca_extra_images(pca_extra, demo.seed),
            dim=settings.model.dim,
            power=settings.model.whitening_power,
            artifact_dir=settings.data_dir.resolve() / "models",
        )
    console.print(
        f"descriptor model {record.id}: {record.backbone} → {record.dim}-d PCA, "
        f"fitted on {record.sample_size} images"
    )
    enqueue_descriptors(illustrations_to_index(db, record.id, demo.corpus))

    def indexed() -> tuple[int, int]:
        total, done, failed = index_progress(db, demo.corpus, record.id)
        return done + failed, total

    follow("indexing illustrations", indexed)
    runtime.embedder()  # opens the model's collection in this process
    with console.status("building the similarity graph…"):
        edges = build_edges(
            db,
            store=runtime.vector_store,
            model=record,
            k=settings.similarity.k,
            min_score=settings.similarity.min_score,
            corpus=demo.corpus,
            search_workers=settings.similarity.search_workers,
        )
    params = params_from_settings(
        db, similarity=settings.similarity, edge_set=edges.edge_set, threshold=None
    )
    with console.status("clustering…"):
        result = run_clustering(db, edge_set=edges.edge_set, params=params)
    return DemoResult(
        job_id,
        result.run_id,
        record.id,
        record.backbone,
        params.threshold,
        time.monotonic() - started,
    )


def print_summary(runtime: Runtime, result: DemoResult) -> None:
    from graph.summary import corpus_counts, top_clusters

    settings = runtime.settings
    counts = corpus_counts(runtime.db, settings.demo.corpus)
    console.rule("[bold]contagions: the sample press")
    console.print(
        f"{counts['periodicals']} periodicals, {counts['issues']} issues, {counts['pages']} pages, "
        f"{counts['illustrations']} illustrations; descriptors: {result.backbone} "
        f"(model {result.model_id}); clustering run {result.run_id} at "
        f"{result.threshold:g}; {result.seconds:.0f}s in all"
    )
    console.print("\n[bold]Clusters that travelled furthest[/bold] (by number of countries)")
    top = top_clusters(runtime.db, result.run_id, limit=5)
    for cluster in top:
        console.print(
            f"• {cluster.id.split(':')[-1]}: {cluster.size} printings in {cluster.places} places, "
            f"{cluster.countries} countries, {cluster.first_date} → {cluster.last_date}"
        )
        path = f"first seen in {cluster.first_place or '?'} on {cluster.first_date}"
        for hop in cluster.hops:
            path += f" → {hop.destination} ({hop.to_date}, +{hop.lag_days} d)"
        console.print(f"    {path}")
    api = f"http://{settings.api.host}:{settings.api.port}"
    console.print(f"\n[bold]Explorer (the web app): {api}/[/bold]")
    if top:
        link = f"{api}/cluster/{quote(top[0].id, safe='')}"
        console.print(f"  the furthest-travelled cluster: {link}")
    console.print(f"GraphiQL:       {api}/graphql")
    console.print(f"Neo4j Browser:  http://127.0.0.1:{settings.neo4j.http_port}/browser/")
    console.print("Paste in Neo4j Browser:")
    console.print(
        f"  MATCH (r:ClusteringRun {{id: '{result.run_id}'}})-[:HAS_CLUSTER]->(c:Cluster)"
        "<-[:IN_CLUSTER]-(i:Illustration)<-[:HAS_ILLUSTRATION]-(:Page)<-[:HAS_PAGE]-(s:Issue)"
        "-[:PUBLISHED_IN]->(p:Place) WHERE c.n_countries > 1 RETURN c, i, s, p LIMIT 100"
    )

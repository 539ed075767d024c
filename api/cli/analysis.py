"""From illustrations to clusters: segment, fit the PCA, index, build edges, cluster."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from api.cli.common import fail, load_settings
from ml.segment.registry import SEGMENTER_NAMES

if TYPE_CHECKING:
    from graph.db import GraphDB


def _runtime():
    from api.runtime import get_runtime

    return get_runtime()


@click.command("segment")
@click.option("--corpus", required=True)
@click.option("--segmenter", type=click.Choice(SEGMENTER_NAMES))
@click.option("--all", "everything", is_flag=True, help="Also pages already segmented.")
def segment_command(corpus: str, segmenter: str | None, everything: bool) -> None:
    """Queue the corpus's pages for segmentation (the `pages` workers do it)."""
    from api.actors.pages import enqueue_pages
    from graph.illustrations import page_ids_of_corpus

    runtime = _runtime()
    settings = runtime.settings
    ids = page_ids_of_corpus(runtime.db, corpus, only_pending=not everything)
    enqueue_pages(ids, segmenter or settings.segmenter.default, settings.ingest.page_batch_size)
    click.echo(f"{len(ids)} pages queued for segmentation")


@click.group("pca")
def pca() -> None:
    """The PCA whitening of descriptors (a descriptor model)."""


@pca.command("fit")
@click.option("--sample", "sample_size", type=int, default=20_000, show_default=True)
@click.option("--corpus", help="Sample from this corpus only.")
@click.option(
    "--extra",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A folder of extra images (paintings, photographs) to diversify the sample.",
)
@click.option(
    "--reindex/--no-reindex",
    default=True,
    show_default=True,
    help="Queue every illustration on the gpu workers to be embedded with the new model.",
)
@click.option("--wait/--no-wait", default=True, help="Follow the re-index until it ends.")
def pca_fit(
    sample_size: int, corpus: str | None, extra: Path | None, reindex: bool, wait: bool
) -> None:
    """Fit the PCA on a random sample of illustrations; the result becomes the active model.

    A new model means re-indexing (its vectors replace the old model's): every illustration
    is queued on the gpu workers, and the re-index is followed like a job."""
    from api.pipeline.index import NoDescriptorModelError, extra_images, fit_pca
    from graph.descriptors import sample_illustrations
    from ml.backbones import WeightsUnavailableError

    runtime = _runtime()
    settings = runtime.settings
    try:
        choice = runtime.backbone_choice
    except WeightsUnavailableError as exc:
        fail(str(exc))
    if choice.fallback_reason:
        click.secho(f"{choice.fallback_reason}\n→ using {choice.backbone.name}", fg="yellow")
    ids = sample_illustrations(runtime.db, sample_size, corpus)
    started = time.monotonic()
    try:
        pca_model, record = fit_pca(
            ids,
            source=runtime.crop_source(runtime.crop_limits),
            extractor=runtime.extractor,
            extra=extra_images(extra),
            dim=settings.model.dim,
            power=settings.model.whitening_power,
            artifact_dir=settings.data_dir.resolve() / "models",
        )
    except NoDescriptorModelError as exc:
        fail(str(exc))
    click.echo(
        f"descriptor model {record.id}: {record.backbone} → PCA {record.dim}-d, "
        f"whitening {record.power}, fitted on {record.sample_size} images "
        f"({pca_model.energy_kept:.1%} of the variance) in {time.monotonic() - started:.0f}s"
    )
    if not reindex:
        click.echo("not re-indexed: `contagions index` embeds the illustrations with it")
        return
    from api.actors.gpu import enqueue_descriptors
    from api.pipeline.reindex import start_reindex

    queued = start_reindex(
        runtime.db, model_id=record.id, enqueue=lambda ids: enqueue_descriptors(list(ids))
    )
    click.echo(f"re-index of {queued} illustrations queued on the gpu workers")
    if wait and queued:
        _follow_reindex(runtime.db, record.id)


def _follow_reindex(db: GraphDB, model_id: str) -> None:
    """A progress bar (with rate and ETA) over the illustrations carrying the model's vector."""
    from api.pipeline.reindex import reindex_progress

    progress = reindex_progress(db, model_id)
    shown = progress.indexed + progress.failed
    with click.progressbar(length=progress.total, label=f"re-index {model_id}") as bar:
        bar.update(shown)
        while not progress.finished:
            time.sleep(1.0)
            progress = reindex_progress(db, model_id)
            bar.update(progress.indexed + progress.failed - shown)
            shown = progress.indexed + progress.failed
    click.echo(f"{progress.indexed} re-indexed, {progress.failed} failed")


@pca.command("status")
def pca_status() -> None:
    """The active descriptor model and how far the illustrations are indexed with it, as JSON."""
    from api.pipeline.reindex import reindex_progress
    from graph.descriptors import active_model

    runtime = _runtime()
    record = active_model(runtime.db)
    if record is None:
        fail("no descriptor model yet: `contagions pca fit` or the first fit of continuous mode")
    progress = reindex_progress(runtime.db, record.id)
    click.echo(
        json.dumps(
            {
                "model": record.id,
                "backbone": record.backbone,
                "dim": record.dim,
                "sample_size": record.sample_size,
                "total": progress.total,
                "indexed": progress.indexed,
                "failed": progress.failed,
                "pending": progress.pending,
            },
            indent=2,
        )
    )


@click.command("index")
@click.option("--corpus")
@click.option("--reindex", is_flag=True, help="Re-embed every illustration with the active model.")
@click.option("--in-process", is_flag=True, help="Embed here instead of on the gpu workers.")
@click.option("--batch", type=int, default=64, show_default=True)
def index_command(corpus: str | None, reindex: bool, in_process: bool, batch: int) -> None:
    """Embed illustrations with the active descriptor model into the vector store."""
    from api.pipeline.index import NoDescriptorModelError, index_illustrations
    from graph.descriptors import illustrations_to_index

    runtime = _runtime()
    try:
        pca_model, record = runtime.embedder()
    except NoDescriptorModelError as exc:
        fail(str(exc))
    ids = illustrations_to_index(runtime.db, record.id, corpus, everything=reindex)
    if not in_process:
        from api.actors.gpu import enqueue_descriptors

        enqueue_descriptors(ids)
        click.echo(f"{len(ids)} illustrations queued on the gpu workers (model {record.id})")
        return
    failed = 0
    with click.progressbar(length=len(ids), label=f"indexing with {record.id}") as bar:
        for start in range(0, len(ids), batch):
            outcome = index_illustrations(
                ids[start : start + batch],
                source=runtime.crop_source(runtime.crop_limits_for(pca_model)),
                extractor=runtime.extractor,
                pca=pca_model,
                store=runtime.vector_store,
            )
            failed += len(outcome.failed)
            bar.update(len(ids[start : start + batch]))
    click.echo(f"{len(ids) - failed} indexed, {failed} failed")


@click.command("similarity")
@click.option("--corpus")
@click.option("--k", type=int, help="Neighbours per illustration (default: settings).")
@click.option("--min-score", type=float, help="Minimum cosine score (default: settings).")
@click.option("--method", type=click.Choice(["exact", "index"]), help="Default: by corpus size.")
def similarity_command(
    corpus: str | None, k: int | None, min_score: float | None, method: str | None
) -> None:
    """Compute similarity edges for illustrations that have none yet in this edge set."""
    import torch

    from api.pipeline.similarity import build_edges
    from graph.descriptors import active_model

    runtime = _runtime()
    settings = runtime.settings
    # The model's record only: edges need stored vectors, not an embedder, so the vectors of
    # an imported model (`contagions vectors import`) get edges too.
    record = active_model(runtime.db)
    if record is None:
        fail("no descriptor model yet: `contagions pca fit` or `contagions vectors import`")
    vectors = settings.vectors
    runtime.vector_store.ensure_collection(
        record.collection,
        record.dim,
        vectors.hnsw_m,
        vectors.hnsw_ef_construct,
        vectors.quantization,
    )
    started = time.monotonic()
    build = build_edges(
        runtime.db,
        store=runtime.vector_store,
        model=record,
        k=k or settings.similarity.k,
        min_score=min_score if min_score is not None else settings.similarity.min_score,
        corpus=corpus,
        has_gpu=torch.cuda.is_available(),
        method=method,
        search_workers=settings.similarity.search_workers,
    )
    click.echo(
        f"edge set {build.edge_set.id} ({build.method}): {build.queried} illustrations queried, "
        f"{build.edges_written} edges written, {build.total_edges} in the set "
        f"({time.monotonic() - started:.1f}s)"
    )


@click.command("cluster")
@click.option(
    "--threshold",
    type=float,
    help="Similarity threshold (default: settings, else the backbone's calibrated one).",
)
@click.option("--corpus")
@click.option("--edge-set", help="Default: the latest edge set (of the corpus).")
def cluster_command(threshold: float | None, corpus: str | None, edge_set: str | None) -> None:
    """Connected components of the similarity graph at a threshold, curated, with flows."""
    from api.pipeline.clustering import params_from_settings, run_clustering
    from graph.errors import ValidationError
    from graph.similarity import latest_edge_set

    settings = load_settings()
    runtime = _runtime()
    chosen = latest_edge_set(runtime.db, corpus)
    if edge_set is not None and (chosen is None or chosen.id != edge_set):
        fail(f"edge set {edge_set!r} is not the latest of that corpus")
    if chosen is None:
        fail("no similarity edges yet: run `contagions similarity` first")
    params = params_from_settings(
        runtime.db, similarity=settings.similarity, edge_set=chosen, threshold=threshold
    )
    try:
        result = run_clustering(runtime.db, edge_set=chosen, params=params)
    except ValidationError as exc:
        fail(str(exc))
    orphaned = sum(o.status == "orphaned" for o in result.outcomes)
    click.echo(
        f"run {result.run_id} at {params.threshold}: {result.leaves} clusters "
        f"({result.clusters - result.leaves} split giants), {result.clustered_illustrations} "
        f"illustrations, {result.flows} flows; {len(result.outcomes)} curation decisions "
        f"re-applied ({orphaned} orphaned)"
    )


COMMANDS = [segment_command, pca, index_command, similarity_command, cluster_command]

"""Harvesting IIIF corpora and following ingest jobs."""

from __future__ import annotations

import json
from pathlib import Path

import click

from api.cli.common import fail, load_settings
from ml.segment.registry import SEGMENTER_NAMES


@click.command("ingest")
@click.argument("corpus_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--corpus", required=True, help="Corpus name (created if new).")
@click.option(
    "--segmenter",
    type=click.Choice(SEGMENTER_NAMES),
    help="How pages become illustrations for this corpus (default: settings).",
)
@click.option("--wait/--no-wait", default=True, help="Follow progress until the job ends.")
@click.option(
    "--refresh",
    is_flag=True,
    help="Re-read every document, ignoring the ETag / Last-Modified of earlier harvests.",
)
def ingest_command(
    corpus_file: Path, corpus: str, segmenter: str | None, wait: bool, refresh: bool
) -> None:
    """Harvest IIIF manifests/collections listed in CORPUS_FILE (one URI per line)."""
    from api.actors.ingest import enqueue_tasks
    from api.pipeline.ingest import CorpusFileError, read_corpus_file, start_ingest
    from api.resources import Resources

    settings = load_settings()
    try:
        uris = read_corpus_file(corpus_file)
    except CorpusFileError as exc:
        fail(str(exc))
    resources = Resources.open(settings)
    try:
        job_id = start_ingest(
            resources.db,
            corpus=corpus,
            uris=uris,
            enqueue=enqueue_tasks,
            segmenter=segmenter,
            refresh=refresh,
        )
        click.echo(f"ingest job {job_id}: {len(uris)} URIs queued for corpus {corpus!r}")
        if wait:
            from api.progress import follow_job

            progress = follow_job(resources.db, job_id)
            if progress.failed:
                from graph.ingest import job_failures

                for failure in job_failures(resources.db, job_id, limit=20):
                    click.secho(f"  failed: {failure.uri}\n          {failure.reason}", fg="yellow")
    finally:
        resources.close()


@click.command("job")
@click.argument("job_id")
def job_command(job_id: str) -> None:
    """Progress of an ingest job, as JSON."""
    import dataclasses

    from api.resources import Resources
    from graph.ingest import job_failures, job_progress

    settings = load_settings()
    resources = Resources.open(settings)
    try:
        progress = job_progress(resources.db, job_id)
        if progress is None:
            fail(f"no ingest job {job_id!r}")
        report = dataclasses.asdict(progress)
        report["failures"] = [dataclasses.asdict(f) for f in job_failures(resources.db, job_id)]
    finally:
        resources.close()
    click.echo(json.dumps(report, indent=2))


@click.command("reharvest")
@click.argument("corpora", nargs=-1)
@click.option("--due", is_flag=True, help="Only the corpora whose scheduled interval has passed.")
def reharvest_command(corpora: tuple[str, ...], due: bool) -> None:
    """Read CORPORA (default: every corpus) again from the URIs they were ingested from.

    Requests are conditional (ETag / Last-Modified): unchanged manifests cost a 304; changed
    ones update their pages, and what depends on them follows through the workers. Workers
    also do this on a schedule (`ingest.reharvest_interval_s`)."""
    from api.actors.ingest import enqueue_tasks
    from api.pipeline.reharvest import reharvest_corpus, reharvest_due
    from api.resources import Resources
    from graph.corpora import list_corpora

    settings = load_settings()
    resources = Resources.open(settings)
    try:
        if due:
            started = reharvest_due(resources.db, settings=settings.ingest, enqueue=enqueue_tasks)
        else:
            names = list(corpora) or [c.name for c in list_corpora(resources.db)]
            started = [
                reharvest_corpus(resources.db, corpus=name, enqueue=enqueue_tasks) for name in names
            ]
    finally:
        resources.close()
    for item in started:
        if item.job_id is None:
            click.echo(f"{item.corpus}: nothing to re-harvest (no ingest job)")
        else:
            click.echo(f"{item.corpus}: ingest job {item.job_id}, {item.uris} URIs queued")
    if due and not started:
        click.echo("no corpus is due")


COMMANDS = [ingest_command, job_command, reharvest_command]

"""Harvesting IIIF corpora and following ingest jobs."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from api.cli.common import fail, load_settings
from ml.segment.registry import SEGMENTER_NAMES

if TYPE_CHECKING:
    from api.pipeline.jobs import JobReport
    from api.settings import Settings
    from graph.db import GraphDB
    from graph.ingest import JobProgress


@click.command("ingest")
@click.argument("corpus_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--corpus", required=True, help="Corpus name (created if new).")
@click.option(
    "--segmenter",
    type=click.Choice(SEGMENTER_NAMES),
    help="How pages become illustrations for this corpus (default: settings).",
)
@click.option(
    "--wait/--no-wait",
    default=True,
    help="Follow every stage until nothing is pending; exit 1 if the job ends with failures.",
)
@click.option(
    "--refresh",
    is_flag=True,
    help="Re-read every document, ignoring the ETag / Last-Modified of earlier harvests.",
)
def ingest_command(
    corpus_file: Path, corpus: str, segmenter: str | None, wait: bool, refresh: bool
) -> None:
    """Harvest IIIF manifests/collections listed in CORPUS_FILE (one URI per line)."""
    from api.actors.ingest import send_new_tasks
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
            enqueue=send_new_tasks,
            segmenter=segmenter,
            refresh=refresh,
        )
        click.echo(f"ingest job {job_id}: {len(uris)} URIs queued for corpus {corpus!r}")
        report = _wait_and_report(resources.db, settings, job_id) if wait else None
    finally:
        resources.close()
    if report is not None and report.progress.has_failures:
        sys.exit(1)


def _report(db: GraphDB, settings: Settings, job_id: str) -> JobReport:
    from api.pipeline.jobs import job_report

    report = job_report(db, job_id, similarity=settings.similarity, continuous=settings.continuous)
    if report is None:
        fail(f"no ingest job {job_id!r}")
    return report


def _wait_and_report(db: GraphDB, settings: Settings, job_id: str) -> JobReport:
    from api.progress import follow_job, render_report

    def read() -> JobProgress:
        return _report(db, settings, job_id).progress

    follow_job(read)
    report = _report(db, settings, job_id)
    click.echo(render_report(report))
    return report


@click.command("job")
@click.argument("job_id")
@click.option(
    "--wait",
    is_flag=True,
    help="Follow the job until nothing is pending in any stage; exit 1 if it ends with failures.",
)
@click.option(
    "--resume",
    is_flag=True,
    help="First send again every unit of the job still pending (messages lost in an outage).",
)
@click.option("--json", "as_json", is_flag=True, help="The report as JSON.")
def job_command(job_id: str, wait: bool, resume: bool, as_json: bool) -> None:
    """A job through every stage: manifests, pages, segmented, illustrations, embedded, edges;
    done / pending / failed in each, and failures grouped by reason."""
    from api.progress import render_report
    from api.resources import Resources

    settings = load_settings()
    resources = Resources.open(settings)
    try:
        report = _report(resources.db, settings, job_id)
        if resume:
            from api.actors.reconcile import outbox
            from api.pipeline.reconcile import reconcile

            resent = reconcile(
                resources.db,
                enqueue=outbox(resources.db, check_queues=False),
                deadline_s=0,
                job_id=job_id,
                limit=settings.reconcile.batch_limit,
            )
            click.echo(
                f"sent again: {resent.tasks} manifests, {resent.pages} pages, "
                f"{resent.illustrations} illustrations, {resent.edges} edges",
                err=as_json,
            )
        if wait:
            from api.progress import follow_job

            def read() -> JobProgress:
                return _report(resources.db, settings, job_id).progress

            follow_job(read)
        report = _report(resources.db, settings, job_id)
    finally:
        resources.close()
    click.echo(json.dumps(report_json(report), indent=2) if as_json else render_report(report))
    if wait and report.progress.has_failures:
        sys.exit(1)


def report_json(report: JobReport) -> dict[str, object]:
    progress = report.progress
    data: dict[str, object] = dataclasses.asdict(progress)
    data |= {
        "pending": progress.pending,
        "harvested": progress.harvested,
        "finished": progress.finished,
        "has_failures": progress.has_failures,
        "stages": [dataclasses.asdict(stage) for stage in progress.stages],
        "failure_groups": [dataclasses.asdict(group) for group in report.failures],
    }
    return data


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

"""A live progress bar for ingest jobs in the terminal (the same counts GraphQL serves)."""

from __future__ import annotations

import time

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from graph.db import GraphDB
from graph.ingest import JobProgress, job_progress


def _describe(p: JobProgress) -> str:
    return (
        f"manifests {p.manifests} · collections {p.collections} · failed {p.failed} · "
        f"pages {p.pages}"
    )


def follow_job(db: GraphDB, job_id: str, poll_s: float = 0.5) -> JobProgress:
    """Poll the job until no task is pending; returns the final counts."""
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[detail]}"),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    started = time.monotonic()
    with Progress(*columns, transient=False) as bar:
        task = bar.add_task("ingest", total=None, detail="", rate="")
        while True:
            progress = job_progress(db, job_id)
            if progress is None:
                raise LookupError(f"no ingest job {job_id!r}")
            elapsed = max(time.monotonic() - started, 1e-6)
            bar.update(
                task,
                total=progress.total,
                completed=progress.done + progress.failed,
                detail=_describe(progress),
                rate=f"{progress.pages / elapsed:.0f} pages/s",
            )
            if progress.finished:
                return progress
            time.sleep(poll_s)

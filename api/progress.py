"""Following a job in the terminal: a bar per stage on a TTY, a line now and then elsewhere
(the same counts, rates and ETA that GraphQL serves)."""

from __future__ import annotations

import time
from collections.abc import Callable

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

from api.pipeline.jobs import JobReport, PaceClock, StagePace, overall_eta, pause_after
from graph.ingest import JobProgress, StageCount

COUNT_ONLY = ("pages", "illustrations")  # stages that count what the one before produced


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    hours, rest = divmod(round(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s"


def state(progress: JobProgress) -> str:
    if not progress.finished:
        return "running"
    return "finished with failures" if progress.has_failures else "finished"


def _stage_line(stage: StageCount, pace: StagePace | None) -> str:
    if stage.name in COUNT_ONLY:
        return f"{stage.name} {stage.done}"
    if not stage.tracked:
        return f"{stage.name} (not tracked)"
    text = f"{stage.name} {stage.done}/{stage.total}"
    if stage.failed:
        text += f" ({stage.failed} failed)"
    if pace is not None and stage.pending:
        text += f" {pace.per_s:.1f}/s"
    return text


def progress_line(progress: JobProgress, paces: list[StagePace]) -> str:
    by_name = {p.name: p for p in paces}
    stages = " · ".join(_stage_line(s, by_name.get(s.name)) for s in progress.stages)
    return f"{state(progress)}: {stages} · ETA {format_duration(overall_eta(paces))}"


def render_report(report: JobReport) -> str:
    p = report.progress
    lines = [f"job {p.id} (corpus {p.corpus!r}): {state(p)}"]
    lines.append(f"  {'stage':<14}{'done':>9}{'pending':>9}{'failed':>9}")
    for stage in p.stages:
        if stage.name in COUNT_ONLY:
            lines.append(f"  {stage.name:<14}{stage.done:>9}{'-':>9}{'-':>9}")
        elif not stage.tracked:
            why = "no descriptor model yet" if stage.name == "embedded" else "not built"
            lines.append(f"  {stage.name:<14}{stage.done:>9}  ({why})")
        else:
            lines.append(f"  {stage.name:<14}{stage.done:>9}{stage.pending:>9}{stage.failed:>9}")
    if report.failures:
        lines.append("failures by reason:")
        for group in report.failures:
            lines.append(f"  {group.stage:<10} {group.count:>6} × {group.reason}")
            for example in group.examples:
                lines.append(f"  {'':<10} {'':>6}   e.g. {example}")
    return "\n".join(lines)


def follow_job(
    read: Callable[[], JobProgress | None],
    *,
    poll_s: float = 0.5,
    line_every_s: float = 10.0,
    console: Console | None = None,
) -> JobProgress:
    """Poll the job until nothing is pending in any stage; returns the final counts."""
    console = console or Console(stderr=True)
    clock = PaceClock()
    if not console.is_terminal:
        return _follow_lines(read, clock, poll_s, line_every_s)
    columns = (
        TextColumn("[bold]{task.description:<14}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[detail]}"),
    )
    with Progress(*columns, console=console, transient=False) as bars:
        tasks: dict[str, TaskID] = {}
        while True:
            started = time.monotonic()
            progress = _read(read)
            paces = clock.observe(progress, time.monotonic())
            for stage, pace in zip(progress.stages, paces, strict=True):
                if stage.name not in tasks:
                    tasks[stage.name] = bars.add_task(stage.name, total=None, detail="")
                _update_bar(bars, tasks[stage.name], stage, pace)
            if progress.finished:
                return progress
            time.sleep(pause_after(poll_s, time.monotonic() - started))


def _update_bar(bars: Progress, task: TaskID, stage: StageCount, pace: StagePace) -> None:
    if stage.name in COUNT_ONLY:
        bars.update(task, total=None, completed=stage.done, detail="")
        return
    if not stage.tracked:
        bars.update(task, total=None, completed=stage.done, detail="not tracked")
        return
    detail = f"{pace.per_s:.1f}/s ETA {format_duration(pace.eta_s)}" if stage.pending else ""
    if stage.failed:
        detail = f"[yellow]{stage.failed} failed[/yellow] {detail}"
    bars.update(task, total=stage.total, completed=stage.done + stage.failed, detail=detail)


def _follow_lines(
    read: Callable[[], JobProgress | None], clock: PaceClock, poll_s: float, every_s: float
) -> JobProgress:
    last_line = float("-inf")
    while True:
        started = time.monotonic()
        progress = _read(read)
        now = time.monotonic()
        paces = clock.observe(progress, now)
        if progress.finished or now - last_line >= every_s:
            click.echo(progress_line(progress, paces), err=True)
            last_line = now
        if progress.finished:
            return progress
        time.sleep(pause_after(poll_s, now - started))


def _read(read: Callable[[], JobProgress | None]) -> JobProgress:
    progress = read()
    if progress is None:
        raise LookupError("the job is not in the graph")
    return progress

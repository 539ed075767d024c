"""A job from manifests to clusters: its stages' counts, its failures by reason, its pace.

`job_report` is what the CLI (`contagions job`), GraphQL and the progress bars show. Failures
are grouped by reason with the URLs and numbers that vary between units left out, so that 300
pages that failed with "HTTP 404 for <url>" read as one line with a count.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from api.settings import ContinuousSettings, SimilaritySettings
from graph.db import GraphDB
from graph.ingest import (
    FailureReason,
    JobProgress,
    StageCount,
    job_failure_reasons,
    job_progress,
)

_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s'\"<>)\]]+", re.IGNORECASE)
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class FailureGroup:
    stage: str
    reason: str  # the reasons' common form: URLs as <url>, numbers as <n>
    count: int
    examples: tuple[str, ...]  # a few of the units that failed so


@dataclass(frozen=True)
class JobReport:
    progress: JobProgress
    failures: tuple[FailureGroup, ...]

    @property
    def id(self) -> str:
        return self.progress.id


def reason_key(reason: str) -> str:
    """What reasons that differ only by a URL or a number have in common."""
    text = _URL.sub("<url>", reason)
    text = _NUMBER.sub("<n>", text)
    return _SPACES.sub(" ", text).strip()[:300]


def group_failures(reasons: Sequence[FailureReason], examples: int = 3) -> list[FailureGroup]:
    groups: dict[tuple[str, str], tuple[int, list[str]]] = {}
    for r in reasons:
        key = (r.stage, reason_key(r.reason))
        count, units = groups.get(key, (0, []))
        groups[key] = (count + r.count, units + [u for u in r.examples if u not in units])
    ordered = sorted(groups.items(), key=lambda item: (-item[1][0], item[0]))
    return [
        FailureGroup(stage, reason, count, tuple(units[:examples]))
        for (stage, reason), (count, units) in ordered
    ]


def job_stages(
    db: GraphDB,
    job_id: str,
    *,
    similarity: SimilaritySettings,
    continuous: ContinuousSettings,
) -> JobProgress | None:
    """The job's counts in every stage; edges count when continuous mode builds them."""
    edges_k = similarity.k if continuous.enabled else None
    return job_progress(db, job_id, edges_k=edges_k, edges_min_score=similarity.min_score)


def failure_groups(db: GraphDB, progress: JobProgress, limit: int = 1_000) -> list[FailureGroup]:
    if not progress.has_failures:
        return []
    reasons = job_failure_reasons(db, progress.id, model_id=progress.model_id, limit=limit)
    return group_failures(reasons)


def job_report(
    db: GraphDB,
    job_id: str,
    *,
    similarity: SimilaritySettings,
    continuous: ContinuousSettings,
    failure_limit: int = 1_000,
) -> JobReport | None:
    """The job's stages and failures; edges count when continuous mode builds them."""
    progress = job_stages(db, job_id, similarity=similarity, continuous=continuous)
    if progress is None:
        return None
    failures = failure_groups(db, progress, failure_limit)
    return JobReport(progress, tuple(failures))


@dataclass(frozen=True)
class StagePace:
    name: str
    per_s: float  # units done (or failed) a second since watching began
    eta_s: float | None  # pending / per_s; None while nothing moves


@dataclass
class PaceClock:
    """Per-stage rates and ETAs from successive snapshots of one job, over the last
    `window_s` seconds (no state in the graph: the pace is what this watcher saw move)."""

    window_s: float = 60.0
    history: list[tuple[float, JobProgress]] = field(default_factory=list)

    def observe(self, progress: JobProgress, now: float) -> list[StagePace]:
        self.history.append((now, progress))
        while len(self.history) > 2 and now - self.history[1][0] >= self.window_s:
            self.history.pop(0)
        since, before = self.history[0]
        elapsed = now - since
        return [
            _pace(old, new, elapsed)
            for old, new in zip(before.stages, progress.stages, strict=True)
        ]


def _pace(old: StageCount, new: StageCount, elapsed: float) -> StagePace:
    moved = (new.done + new.failed) - (old.done + old.failed)
    per_s = max(0.0, moved / elapsed) if elapsed > 0 else 0.0
    if not new.pending:
        return StagePace(new.name, per_s, 0.0)
    return StagePace(new.name, per_s, new.pending / per_s if per_s > 0 else None)


def overall_eta(paces: Sequence[StagePace]) -> float | None:
    """The chain ends with its slowest stage: the largest ETA, None while one is unknown."""
    etas = [p.eta_s for p in paces]
    if any(eta is None for eta in etas):
        return None
    return max((eta for eta in etas if eta is not None), default=0.0)


def pause_after(poll_s: float, read_s: float) -> float:
    """How long a watcher waits before counting again. Counting a job is linear in its units:
    a large job is polled less often, so that watching it never takes more than a third of
    the graph's time."""
    return max(poll_s, 2 * read_s)

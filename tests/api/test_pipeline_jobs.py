"""The pure half of job reports: failures grouped by reason, per-stage pace and ETA."""

from api.pipeline.jobs import PaceClock, group_failures, overall_eta, reason_key
from api.progress import format_duration, progress_line
from graph.ingest import FailureReason, JobProgress


def progress(done=0, pages_written=0, segmented=0, failed_pages=0, total=4, model=None):
    return JobProgress(
        id="j",
        corpus="c",
        kind="ingest",
        total=total,
        done=done,
        failed=0,
        manifests=done,
        collections=0,
        pages=pages_written,
        pages_written=pages_written,
        pages_segmented=segmented,
        pages_failed=failed_pages,
        model_id=model,
    )


def test_reasons_that_differ_by_a_url_or_a_number_are_one_group():
    assert reason_key("HttpStatusError: http://a.example/x/1.jpg answered HTTP 404") == (
        "HttpStatusError: <url> answered HTTP <n>"
    )
    groups = group_failures(
        [
            FailureReason("segmented", "HttpStatusError: http://a/1 answered HTTP 404", 1, ("p1",)),
            FailureReason("segmented", "HttpStatusError: http://b/2 answered HTTP 404", 2, ("p2",)),
            FailureReason("manifests", "ManifestParseError: no items", 1, ("m1",)),
            FailureReason("embedded", "HttpStatusError: http://a/1 answered HTTP 404", 1, ("i",)),
        ]
    )
    assert [(g.stage, g.reason, g.count, g.examples) for g in groups] == [
        ("segmented", "HttpStatusError: <url> answered HTTP <n>", 3, ("p1", "p2")),
        ("embedded", "HttpStatusError: <url> answered HTTP <n>", 1, ("i",)),
        ("manifests", "ManifestParseError: no items", 1, ("m1",)),
    ]


def test_finished_means_nothing_pending_in_any_stage():
    harvested = progress(done=4, pages_written=10, segmented=8, failed_pages=1)
    assert harvested.harvested and not harvested.finished
    done = progress(done=4, pages_written=10, segmented=9, failed_pages=1)
    assert done.finished and done.has_failures
    # Illustrations count once a descriptor model exists: then they must be embedded too.
    waiting = JobProgress(**{**done.__dict__, "illustrations_found": 5, "model_id": "m"})
    assert not waiting.finished
    assert [s.pending for s in waiting.stages] == [0, 0, 0, 0, 5, 0]


def test_pace_and_eta_per_stage():
    clock = PaceClock()
    clock.observe(progress(done=0, pages_written=0), now=0.0)
    paces = clock.observe(progress(done=2, pages_written=10, segmented=5), now=10.0)
    by_name = {p.name: p for p in paces}
    assert by_name["manifests"].per_s == 0.2 and by_name["manifests"].eta_s == 10.0
    assert by_name["segmented"].per_s == 0.5 and by_name["segmented"].eta_s == 10.0
    assert overall_eta(paces) == 10.0
    stalled = clock.observe(progress(done=2, pages_written=10, segmented=5), now=10.0 + 120)
    assert overall_eta(stalled) is None  # nothing moved within the window
    line = progress_line(progress(done=2, pages_written=10, segmented=5), paces)
    assert line.startswith("running: manifests 2/4") and line.endswith("ETA 0m10s")
    assert format_duration(3725) == "1h02m"

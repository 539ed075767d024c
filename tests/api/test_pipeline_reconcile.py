"""The reconciler on the real graph: units whose message was lost are sent again, once a
deadline has passed and only while their queue is idle (the worker path is in
test_actors_reconcile.py)."""

import uuid

import pytest
from PIL import Image

from api.pipeline.ingest import process_task, start_ingest
from api.pipeline.pages import PageLimits, segment_pages
from api.pipeline.reconcile import Outbox, reconcile
from ml.segment import get_segmenter
from tests.support.press import loopback_fetcher, write_manifest


class Sent:
    """What the reconciler sent, by stage: a broker that only records."""

    def __init__(self, idle: bool = True) -> None:
        self.tasks: list[str] = []
        self.pages: list[tuple[str, str | None]] = []
        self.illustrations: list[str] = []
        self.idle_queues = idle

    def outbox(self) -> Outbox:
        return Outbox(
            tasks=self.tasks.extend,
            pages=lambda ids, segmenter: self.pages.extend((i, segmenter) for i in ids),
            illustrations=self.illustrations.extend,
            idle=lambda queue: self.idle_queues,
        )


def pictures(n):
    colours = ["red", "green", "blue", "yellow", "white"]
    return [
        (f"rec-{uuid.uuid4().hex[:8]}", Image.new("RGB", (60 + 10 * k, 80), colours[k % 5]))
        for k in range(n)
    ]


@pytest.fixture
def lost_job(clean_graph, static_server, iiif_image_server):
    """A job whose task message was lost: registered, never delivered."""
    url = write_manifest(
        f"lost-{uuid.uuid4().hex[:6]}",
        pictures(3),
        static_server=static_server,
        iiif_image_server=iiif_image_server,
    )
    lost: list[str] = []
    job_id = start_ingest(
        clean_graph, corpus="lost", uris=[url], enqueue=lost.extend, segmenter="whole"
    )
    return job_id, lost


def test_lost_units_are_sent_again_stage_by_stage(
    clean_graph, lost_job, static_server, iiif_image_server
):
    job_id, [task] = lost_job
    sent = Sent()
    assert reconcile(clean_graph, enqueue=sent.outbox(), deadline_s=3600).total == 0
    resent = reconcile(clean_graph, enqueue=sent.outbox(), deadline_s=0)
    assert (resent.tasks, resent.pages) == (1, 0) and sent.tasks == [task]
    # Just sent: not again before the deadline.
    assert reconcile(clean_graph, enqueue=sent.outbox(), deadline_s=60).total == 0

    with loopback_fetcher(static_server, iiif_image_server) as fetcher:
        outcome = process_task(clean_graph, task, fetcher=fetcher, enqueue=lambda ids: None)
        # The pages' message is lost too: they were written pending with their manifest.
        resent = reconcile(clean_graph, enqueue=sent.outbox(), deadline_s=0, job_id=job_id)
        assert resent.pages == 3 and resent.tasks == 0
        assert sorted(sent.pages) == sorted((p, "whole") for p in outcome.page_ids)
        # The same pages again, from the global round: still pending, so still resent.
        assert reconcile(clean_graph, enqueue=sent.outbox(), deadline_s=0).pages == 3

        segment_pages(
            clean_graph,
            list(outcome.page_ids),
            fetcher=fetcher,
            segmenter=get_segmenter("whole"),
            limits=PageLimits(),
        )
    # Segmented: nothing pending for pages; illustrations wait for a descriptor model.
    assert reconcile(clean_graph, enqueue=sent.outbox(), deadline_s=0).total == 0
    records, _, _ = clean_graph.execute_query(
        "MATCH (i:Illustration) RETURN collect(i.embed_status) AS statuses"
    )
    assert records[0]["statuses"] == ["pending"] * 3


def test_a_busy_queue_is_left_alone(clean_graph, lost_job):
    _, [task] = lost_job
    busy = Sent(idle=False)
    assert reconcile(clean_graph, enqueue=busy.outbox(), deadline_s=0).total == 0
    assert busy.tasks == []
    # Asked explicitly (`contagions job --resume`), queues are not consulted.
    forced = Sent(idle=False)
    outbox = forced.outbox()
    explicit = Outbox(tasks=outbox.tasks, pages=outbox.pages, illustrations=outbox.illustrations)
    assert reconcile(clean_graph, enqueue=explicit, deadline_s=0).tasks == 1
    assert forced.tasks == [task]

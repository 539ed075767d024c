"""Each actor on Dramatiq's in-memory StubBroker, run by an in-process worker.

The real-broker tests (test_actors_ingest, test_actors_gpu, test_worker) prove the Redis path
and worker processes; these check what every actor does with its message — and the chain
ingest → pages → gpu that actors build by enqueuing each other — fast and deterministically,
against the suite's real Neo4j.
"""

from __future__ import annotations

import json
import uuid

import dramatiq
import pytest
from dramatiq import Worker
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import CurrentMessage
from dramatiq.results import Results
from dramatiq.results.backends.stub import StubBackend

import api.actors  # declares every actor on the configured broker
import api.runtime
from api.actors.clusters import update_clusters
from api.actors.gpu import embed_batch, fit_first, forget_vectors
from api.actors.ingest import enqueue_tasks
from api.actors.system import ping
from api.pipeline.ingest import start_ingest
from api.runtime import Runtime
from graph.ingest import job_progress


@pytest.fixture
def stub(settings, services, static_server):
    """Every declared actor re-bound to a StubBroker; the process runtime allows loopback."""
    real = dramatiq.get_broker()
    broker = StubBroker()
    backend = StubBackend()
    broker.add_middleware(Results(backend=backend))
    # As api.broker has it: actors read their retry count from the current message.
    broker.add_middleware(CurrentMessage())
    broker.emit_after("process_boot")
    actors = [real.get_actor(name) for name in real.get_declared_actors()]
    for actor in actors:
        actor.broker = broker
        broker.declare_actor(actor)
    dramatiq.set_broker(broker)
    local = settings.model_copy(deep=True)
    local.http.allowed_private_hosts = [static_server.endpoint]
    previous_runtime = api.runtime._runtime
    api.runtime._runtime = Runtime(local)
    worker = Worker(broker, worker_timeout=50, worker_threads=1)
    worker.start()
    try:
        yield broker, worker, backend
    finally:
        worker.stop()
        api.runtime._runtime = previous_runtime
        for actor in actors:
            actor.broker = real
        dramatiq.set_broker(real)


def drain(broker: StubBroker, worker: Worker) -> None:
    """Run until no queue has work left (actors enqueue onto other queues)."""
    for _ in range(10):
        for queue in ("ingest", "pages", "gpu", "clusters", "default"):
            broker.join(queue, fail_fast=True)
        worker.join()
        if all(q.qsize() == 0 for q in broker.queues.values()):
            return
    pytest.fail("queues never drained")


def test_ping_answers_in_the_worker(stub):
    broker, worker, backend = stub
    token = uuid.uuid4().hex
    message = ping.send(token)
    drain(broker, worker)
    assert message.get_result(backend=backend)["token"] == token


def test_ingest_actor_chains_to_pages_and_gpu(stub, clean_graph, static_server, shared_dir):
    broker, worker, _ = stub
    book = json.loads((shared_dir / "fixtures/iiif/cookbook-0009-book-1-v3.json").read_text())
    url = static_server.write_json("stub.json", book | {"id": f"{static_server.url}/stub.json"})
    job_id = start_ingest(
        clean_graph, corpus="stub", uris=[url], enqueue=enqueue_tasks, segmenter="whole"
    )
    drain(broker, worker)
    progress = job_progress(clean_graph, job_id)
    assert progress is not None
    assert (progress.done, progress.failed, progress.pages) == (1, 0, 5)
    # `whole` needs no pixels: every page is segmented into one illustration.
    assert (progress.pages_segmented, progress.pages_failed) == (5, 0)
    records, _, _ = clean_graph.execute_query("MATCH (i:Illustration) RETURN count(i) AS n")
    assert records[0]["n"] == 5
    # The gpu messages were consumed (no descriptor model yet: they wait, nothing dead).
    assert broker.dead_letters == []


def test_gpu_actors_wait_for_a_descriptor_model(stub, clean_graph):
    broker, worker, _ = stub
    embed_batch.send(["ill_unknown"])
    forget_vectors.send(["ill_unknown"])
    drain(broker, worker)
    assert broker.dead_letters == []
    records, _, _ = clean_graph.execute_query("MATCH (i:Illustration) RETURN count(i) AS n")
    assert records[0]["n"] == 0


def test_continuous_mode_actors_need_a_model_and_enough_illustrations(stub, clean_graph):
    """With nothing indexed, an update has no model to read and the first fit too few
    illustrations to fit: both end quietly, and neither writes a run or a model."""
    broker, worker, _ = stub
    update_clusters.send("stub")
    fit_first.send()
    drain(broker, worker)
    assert broker.dead_letters == []
    records, _, _ = clean_graph.execute_query(
        "OPTIONAL MATCH (r:ClusteringRun) WITH count(r) AS runs "
        "OPTIONAL MATCH (m:DescriptorModel) RETURN runs, count(m) AS models"
    )
    assert records[0].data() == {"runs": 0, "models": 0}

"""A real actor, sent through the real Redis broker, executed by a real worker process."""

import os
import uuid

import pytest


@pytest.fixture
def worker(services, start_worker):
    return start_worker("default")


def test_ping_runs_in_a_worker_process(worker):
    from api.actors.system import ping

    token = str(uuid.uuid4())
    message = ping.send(token)
    result = message.get_result(block=True, timeout=60_000)
    assert result["token"] == token
    assert result["pid"] != os.getpid()


def test_waiting_for_a_result_outlasts_redis_socket_timeout(worker):
    # redis-py >= 8 reads sockets with a 5 s timeout by default; a result that takes longer
    # (a cold worker, a delayed message) must still be waited for.
    from api.actors.system import ping

    token = str(uuid.uuid4())
    message = ping.send_with_options(args=(token,), delay=6_000)
    result = message.get_result(block=True, timeout=60_000)
    assert result["token"] == token

"""The broker's sends during a Redis outage: workers wait for Redis, other processes do not."""

import socket
import time

import dramatiq
import pytest
import redis

from api.broker import DurableRedisBroker, WaitForRedisInWorkers


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def message() -> dramatiq.Message:
    return dramatiq.Message(
        queue_name="default", actor_name="ping", args=("x",), kwargs={}, options={}
    )


def test_outside_a_worker_a_send_fails_at_once():
    broker = DurableRedisBroker(url=f"redis://127.0.0.1:{closed_port()}/0")
    started = time.monotonic()
    with pytest.raises(redis.ConnectionError):
        broker.enqueue(message())
    assert time.monotonic() - started < 10  # one refused connection, no waiting


def test_in_a_worker_a_send_waits_for_redis_then_gives_up():
    broker = DurableRedisBroker(url=f"redis://127.0.0.1:{closed_port()}/0")
    WaitForRedisInWorkers(1.5).after_worker_boot(broker, None)
    started = time.monotonic()
    with pytest.raises(redis.ConnectionError):
        broker.enqueue(message())
    # It waited, and gave up (a loaded machine stretches the pauses, not the deadline much).
    assert 1.0 < time.monotonic() - started < 30

"""The Dramatiq broker, configured in one place from settings.

Importing this module sets the global broker, so actor modules import it first.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware import CurrentMessage
from dramatiq.results import Results
from dramatiq.results.backends.redis import RedisBackend

from api.heartbeat import WorkerHeartbeat
from api.settings import BrokerSettings, get_settings

QUEUES = ("default", "ingest", "pages", "gpu", "clusters")

log = logging.getLogger(__name__)

FIRST_PAUSE_S = 0.2


class DurableRedisBroker(RedisBroker):
    """A Redis broker whose sends wait out a Redis restart instead of raising.

    An actor sends its follow-up work (pages, descriptors) after writing to the graph, and
    Dramatiq's retry of a failed message is itself a send: during a Redis outage both would
    fail, the message would still be acknowledged once Redis is back, and its follow-up work
    would be lost. Waiting (with backoff, up to `retry_s`) keeps the message unacknowledged
    until its sends went through; a worker killed meanwhile has it redelivered.

    Only workers wait (`WaitForRedisInWorkers`): an API request or a CLI command is told at once
    that the broker is down.
    """

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.retry_s = 0.0

    def enqueue(self, message: dramatiq.Message, *, delay: int | None = None) -> dramatiq.Message:
        deadline = time.monotonic() + self.retry_s
        pause = FIRST_PAUSE_S
        while True:
            try:
                return super().enqueue(message, delay=delay)
            except (redis.ConnectionError, redis.TimeoutError) as exc:
                if time.monotonic() + pause > deadline:
                    raise
                if pause == FIRST_PAUSE_S:
                    log.warning("sending %s waits for Redis: %s", message.actor_name, exc)
                time.sleep(pause)
                pause = min(pause * 2, 5.0)


class WaitForRedisInWorkers(dramatiq.Middleware):
    def __init__(self, retry_s: float) -> None:
        self.retry_s = retry_s

    def after_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        if isinstance(broker, DurableRedisBroker):
            broker.retry_s = self.retry_s


def build_broker(settings: BrokerSettings) -> dramatiq.Broker:
    url = settings.broker_url
    if url.startswith(("amqp://", "amqps://")):
        from dramatiq.brokers.rabbitmq import RabbitmqBroker  # needs `pika`

        broker: dramatiq.Broker = RabbitmqBroker(url=url)
        # Actors read their retry count from it (api/actors/failures.py).
        broker.add_middleware(CurrentMessage())
        # Results need a key-value store; with RabbitMQ they are simply not kept.
        return broker
    broker = DurableRedisBroker(
        url=url,
        heartbeat_timeout=settings.heartbeat_timeout_ms,
        maintenance_chance=settings.maintenance_chance,
    )
    # Waiting for a result is a blocking read on the result's key: redis-py >= 8 gives every
    # socket a 5 s read timeout by default, which would cut any wait longer than that.
    results = redis.Redis.from_url(url, socket_timeout=None)
    broker.add_middleware(Results(backend=RedisBackend(client=results), store_results=False))
    broker.add_middleware(WorkerHeartbeat(settings.heartbeat_interval_s))
    broker.add_middleware(WaitForRedisInWorkers(settings.send_retry_s))
    # Actors read their retry count from it (api/actors/failures.py).
    broker.add_middleware(CurrentMessage())
    return broker


def queue_idle(queue: str) -> bool:
    """Whether `queue` holds no message: none ready, delayed or in flight (Redis only; other
    brokers are asked for ready and delayed ones)."""
    if isinstance(broker, RedisBroker):
        ns = broker.namespace
        client = broker.client
        return not (client.hlen(f"{ns}:{queue}.msgs") or client.hlen(f"{ns}:{queue}.DQ.msgs"))
    counts = getattr(broker, "get_queue_message_counts", None)
    return counts is None or not any(counts(queue)[:2])


broker = build_broker(get_settings().broker)
dramatiq.set_broker(broker)

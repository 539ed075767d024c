"""The Dramatiq broker, configured in one place from settings.

Importing this module sets the global broker, so actor modules import it first.
"""

from __future__ import annotations

import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware import CurrentMessage
from dramatiq.results import Results
from dramatiq.results.backends.redis import RedisBackend

from api.heartbeat import WorkerHeartbeat
from api.settings import BrokerSettings, get_settings

QUEUES = ("default", "ingest", "pages", "gpu", "clusters")


def build_broker(settings: BrokerSettings) -> dramatiq.Broker:
    url = settings.broker_url
    if url.startswith(("amqp://", "amqps://")):
        from dramatiq.brokers.rabbitmq import RabbitmqBroker  # needs `pika`

        broker: dramatiq.Broker = RabbitmqBroker(url=url)
        # Actors read their retry count from it (api/actors/failures.py).
        broker.add_middleware(CurrentMessage())
        # Results need a key-value store; with RabbitMQ they are simply not kept.
        return broker
    broker = RedisBroker(
        url=url,
        heartbeat_timeout=settings.heartbeat_timeout_ms,
        maintenance_chance=settings.maintenance_chance,
    )
    # Waiting for a result is a blocking read on the result's key: redis-py >= 8 gives every
    # socket a 5 s read timeout by default, which would cut any wait longer than that.
    results = redis.Redis.from_url(url, socket_timeout=None)
    broker.add_middleware(Results(backend=RedisBackend(client=results), store_results=False))
    broker.add_middleware(WorkerHeartbeat(settings.heartbeat_interval_s))
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

"""Work on a clock in every worker process (re-harvests that are due, the reconciler).

Dramatiq has no scheduler; a thread per worker process, started at worker boot like the
heartbeat's, calls `tick` every `interval_s`. Every worker process runs the same clock, so
what `tick` starts must be claimed somewhere shared: in the graph (re-harvests), or, with
`exclusive`, by a Redis key held for one period, so that one worker of the fleet does each
round (the reconciler; with Redis down nobody does, and nothing could be sent anyway).

A clock in every worker, rather than a message that re-enqueues itself, survives what the
reconciler repairs: a self-sending message is lost with the broker it lives in.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import dramatiq
from dramatiq.brokers.redis import RedisBroker

log = logging.getLogger(__name__)


class WorkerClock(dramatiq.Middleware):
    def __init__(
        self,
        name: str,
        interval_s: float,
        tick: Callable[[], object],
        queue: str | None,
        *,
        exclusive: bool = False,
    ) -> None:
        """`queue`: only workers consuming it run the clock (None: every worker)."""
        self.name = name
        self.interval_s = interval_s
        self.tick = tick
        self.queue = queue
        self.exclusive = exclusive
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def after_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        queues = getattr(worker, "consumer_whitelist", None)
        if self.queue is not None and queues is not None and self.queue not in queues:
            return
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, args=(broker,), name=self.name, daemon=True
        )
        self._thread.start()

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=min(5.0, self.interval_s * 2))

    def _run(self, broker: dramatiq.Broker) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                if self._my_turn(broker):
                    self.tick()
            except Exception:  # an outage: log it, try again on the next tick
                log.exception("%s failed", self.name)

    def _my_turn(self, broker: dramatiq.Broker) -> bool:
        if not self.exclusive or not isinstance(broker, RedisBroker):
            return True
        period_ms = max(1, int(self.interval_s * 1000 * 0.9))
        key = f"contagions:clock:{self.name}"
        return bool(broker.client.set(key, "1", nx=True, px=period_ms))

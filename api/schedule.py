"""Work on a clock inside every worker process, run by one worker of the fleet at a time.

The reconciler must survive what it repairs: a message that re-enqueues itself is lost with the
broker it lives in, and a lone scheduler process dies with its host. So every worker process
runs the clock, in a thread, and a Redis key held for one period makes one of them do the work
(when Redis is down nobody does, and nothing could be sent anyway).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import dramatiq
from dramatiq.brokers.redis import RedisBroker

log = logging.getLogger(__name__)


class Every(dramatiq.Middleware):
    def __init__(self, name: str, interval_s: float, work: Callable[[], object]) -> None:
        self.name = name
        self.interval_s = interval_s
        self.work = work
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def after_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, args=(broker,), name=self.name, daemon=True
        )
        self._thread.start()

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self, broker: dramatiq.Broker) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                if self._my_turn(broker):
                    self.work()
            except Exception:  # an outage: the next round tries again
                log.exception("%s failed; trying again in %.0f s", self.name, self.interval_s)

    def _my_turn(self, broker: dramatiq.Broker) -> bool:
        if not isinstance(broker, RedisBroker):
            return True
        key = f"contagions:every:{self.name}"
        period_ms = max(1, int(self.interval_s * 1000 * 0.9))
        return bool(broker.client.set(key, "1", nx=True, px=period_ms))

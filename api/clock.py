"""A task run on a clock in every worker that consumes a given queue (re-harvests that are due).

Dramatiq has no scheduler; a thread per worker process, started at worker boot like the
heartbeat's, calls `tick` every `interval_s`. What `tick` starts must be claimed somewhere
shared (the graph), since every worker process runs the same clock.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import dramatiq

log = logging.getLogger(__name__)


class WorkerClock(dramatiq.Middleware):
    def __init__(
        self, name: str, interval_s: float, tick: Callable[[], object], queue: str
    ) -> None:
        self.name = name
        self.interval_s = interval_s
        self.tick = tick
        self.queue = queue
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def after_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        queues = getattr(worker, "consumer_whitelist", None)
        if queues is not None and self.queue not in queues:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.interval_s * 2)

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.tick()
            except Exception:  # a graph outage: log it, try again on the next tick
                log.exception("%s failed", self.name)

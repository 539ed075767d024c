"""A worker's heartbeat on a clock, so that a dead worker's messages come back in seconds.

Dramatiq's Redis broker records a worker as alive whenever it sends a broker command, and puts a
dead worker's unacknowledged messages back on their queue during a "maintenance" that a command
triggers at random (`maintenance_chance` in a million). Two gaps follow: a worker whose threads
all run long messages sends no command and looks dead, and an idle system runs maintenance so
rarely that orphaned messages wait for many minutes. This middleware closes both: a thread sends
an empty fetch on every queue each `interval_s` (a heartbeat, and one more chance of maintenance
per queue), so the heartbeat timeout can be short without duplicating long work.
"""

from __future__ import annotations

import logging
import threading

import dramatiq
from dramatiq.brokers.redis import RedisBroker

log = logging.getLogger(__name__)


class WorkerHeartbeat(dramatiq.Middleware):
    def __init__(self, interval_s: float) -> None:
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def after_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        if not isinstance(broker, RedisBroker):
            return  # RabbitMQ returns a dead consumer's messages by itself
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, args=(broker,), name="heartbeat", daemon=True
        )
        self._thread.start()

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.interval_s * 2)

    def _run(self, broker: RedisBroker) -> None:
        failing = False
        while not self._stop.wait(self.interval_s):
            error = beat(broker)
            # Once per outage, not once a second per queue.
            if error is not None and not failing:
                log.warning("heartbeat failed (the consumers retry): %s", error)
            elif error is None and failing:
                log.info("heartbeat back")
            failing = error is not None


def beat(broker: RedisBroker) -> Exception | None:
    """One heartbeat on every declared queue: an empty fetch, which may also run maintenance.
    Returns the error of a broker outage, if any."""
    error = None
    for queue in sorted(broker.get_declared_queues()):
        try:
            broker.do_fetch(queue, 0)
        except Exception as exc:  # a broker outage: keep beating
            error = exc
    return error

"""Work on a clock in every worker, done by one worker per round (real Redis)."""

import time

from api.broker import broker
from api.schedule import Every


def test_one_worker_of_the_fleet_does_each_round(clean_broker):
    calls: list[str] = []
    workers = [Every("test-round", 0.5, lambda name=name: calls.append(name)) for name in "ab"]
    for worker in workers:
        worker.after_worker_boot(broker, None)
    time.sleep(2.7)
    for worker in workers:
        worker.before_worker_shutdown(broker, None)
    # About five rounds of 0.5 s: two clocks without the shared key would do about ten.
    assert 3 <= len(calls) <= 6, calls


def test_a_failing_round_does_not_stop_the_clock(clean_broker):
    calls: list[int] = []

    def flaky() -> None:
        calls.append(1)
        raise ConnectionError("the graph is restarting")

    clock = Every("test-flaky", 0.2, flaky)
    clock.after_worker_boot(broker, None)
    time.sleep(1.1)
    clock.before_worker_shutdown(broker, None)
    assert len(calls) >= 3

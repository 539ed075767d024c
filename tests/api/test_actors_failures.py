"""The last-attempt rule of every actor, as a pure function (the worker path is covered in
test_actors_ingest.py with a real broker and worker)."""

import pytest

from api.actors.failures import describe, process_or_record


def process(units):
    if "bad" in units:
        raise KeyError("the parser met something new")
    return [f"{u} ok" for u in units]


def test_only_the_unit_that_still_raises_is_recorded():
    recorded = {}
    outcomes = process_or_record(["a", "bad", "c"], process, recorded.__setitem__)
    assert outcomes == ["a ok", "c ok"]
    assert recorded == {"bad": "KeyError: 'the parser met something new'"}


def test_a_single_unit_is_recorded_without_a_second_run():
    calls = []

    def counted(units):
        calls.append(list(units))
        return process(units)

    recorded = {}
    assert process_or_record(["bad"], counted, recorded.__setitem__) == []
    assert calls == [["bad"]] and list(recorded) == ["bad"]


def test_nothing_is_recorded_when_all_goes_well():
    recorded = {}
    assert process_or_record(["a"], process, recorded.__setitem__) == ["a ok"]
    assert recorded == {}


def test_reasons_are_bounded():
    reason = describe(ValueError("x" * 5000))
    assert reason.startswith("ValueError: x") and len(reason) == 2000


def test_a_failing_recorder_raises_the_recorders_error():
    def broken(unit, reason):
        raise ConnectionError("graph down")

    with pytest.raises(ConnectionError):
        process_or_record(["bad"], process, broken)


def test_a_broker_that_refuses_leaves_the_units_pending(caplog):
    """Enqueueing after a write: a broker that is down is logged, not raised (the units are
    pending in the graph, where the reconciler finds them); other errors still raise."""
    import socket

    import redis

    from api.actors.failures import send_or_leave_pending

    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    down = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=1)
    send_or_leave_pending(down.ping, "3 pages")
    assert "could not enqueue 3 pages" in caplog.text
    with pytest.raises(KeyError):
        send_or_leave_pending(lambda: {}["x"], "a bug")

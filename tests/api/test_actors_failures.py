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


def test_an_outage_is_never_recorded_on_the_unit():
    from neo4j.exceptions import ServiceUnavailable

    def down(units):
        raise ServiceUnavailable("Neo4j restarting")

    recorded = {}
    with pytest.raises(ServiceUnavailable):
        process_or_record(["a", "b"], down, recorded.__setitem__)
    assert recorded == {}


def test_outages_are_retried_longer_than_errors():
    import httpx
    import redis
    from neo4j.exceptions import SessionExpired

    from api.actors.failures import OUTAGE_RETRIES, is_outage, retry_policy
    from ml.vectors.remote import VectorServiceError

    refused = VectorServiceError("unreachable")
    refused.__cause__ = httpx.ConnectError("refused")
    answered = VectorServiceError("HTTP 500")
    for exc in (refused, redis.ConnectionError("down"), SessionExpired("gone")):
        assert is_outage(exc)
    assert not is_outage(answered) and not is_outage(KeyError("x"))
    should_retry = retry_policy(3)
    assert should_retry(2, KeyError("x")) and not should_retry(3, KeyError("x"))
    assert should_retry(3, refused) and should_retry(OUTAGE_RETRIES - 1, refused)
    assert not should_retry(OUTAGE_RETRIES, refused)

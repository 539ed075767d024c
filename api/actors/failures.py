"""No unit is ever stuck: what an actor does with an exception nobody expected.

The pipeline records the failures it knows (a fetch refused, a manifest unreadable, an image
undecodable) on the unit itself. Anything else is retried by Dramatiq; but on the last attempt
a retry would drop the message and leave the unit `queued` forever. There the actor processes
its units one by one, and each unit that still raises is recorded as failed with the
exception's type and message.

An outage (Neo4j, Redis or the vector service unreachable, as during a restart) is not the
unit's fault: it is never recorded on the unit, and it is retried for longer than other errors
(`retry_policy`), so that a restart of a service is waited out without a human step.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TypeVar

import dramatiq
import httpx
import redis
from dramatiq.errors import BrokerError
from dramatiq.middleware import CurrentMessage
from neo4j.exceptions import ServiceUnavailable, SessionExpired

from graph.errors import GraphUnavailableError
from ml.vectors.remote import VectorServiceError

log = logging.getLogger(__name__)

Unit = TypeVar("Unit")
Outcome = TypeVar("Outcome")

MAX_REASON = 2000
# Retries of a message that met an outage: with backoff capped at OUTAGE_MAX_BACKOFF_MS (short,
# so that work resumes soon after the service is back), an outage of ~10 minutes is waited
# out; past it the reconciler finds the units still pending.
OUTAGE_RETRIES = 40
OUTAGE_MAX_BACKOFF_MS = 15_000

OUTAGES = (
    ServiceUnavailable,
    SessionExpired,
    GraphUnavailableError,
    redis.ConnectionError,
    redis.TimeoutError,
)


def is_outage(exc: BaseException) -> bool:
    """A service the actor needs is unreachable: its unit is not at fault."""
    if isinstance(exc, OUTAGES):
        return True
    # The vector service's client raises this for transport errors (refused, cut) and for
    # error answers; only the former are an outage.
    return isinstance(exc, VectorServiceError) and isinstance(exc.__cause__, httpx.TransportError)


def retry_policy(max_retries: int) -> Callable[[int, BaseException], bool]:
    """Dramatiq's `retry_when`: `max_retries` for errors, OUTAGE_RETRIES for outages."""

    def should_retry(retries: int, exc: BaseException) -> bool:
        return retries < (max(max_retries, OUTAGE_RETRIES) if is_outage(exc) else max_retries)

    return should_retry


def describe(exc: BaseException) -> str:
    """The reason stored on a failed unit: the exception's type and message."""
    return f"{type(exc).__name__}: {exc}"[:MAX_REASON]


def is_last_attempt() -> bool:
    """Whether the message being processed will not be retried if it raises.

    Read as Dramatiq's `Retries` middleware decides it: the message's `max_retries` (else
    the actor's) against the retries done so far. Outside a worker (no current message), an
    exception has no retry to wait for, so this is the last attempt.
    """
    message = CurrentMessage.get_current_message()
    if message is None:
        return True
    actor = dramatiq.get_broker().get_actor(message.actor_name)
    max_retries = message.options.get("max_retries", actor.options.get("max_retries"))
    return max_retries is not None and message.options.get("retries", 0) >= max_retries


def process_or_record(
    units: Sequence[Unit],
    process: Callable[[Sequence[Unit]], list[Outcome]],
    record_failure: Callable[[Unit, str], None],
) -> list[Outcome]:
    """`process(units)`; if it raises something unexpected on the last attempt, each unit
    again on its own, and those that still raise are recorded failed (not raised)."""
    try:
        return process(units)
    except Exception as exc:
        if is_outage(exc) or not is_last_attempt():
            raise
        if len(units) == 1:
            log.exception("unit %r failed for good", units[0])
            record_failure(units[0], describe(exc))
            return []
        log.exception("last attempt failed for %d units; retrying them one by one", len(units))
    outcomes: list[Outcome] = []
    for unit in units:
        try:
            outcomes += process([unit])
        except Exception as exc:
            if is_outage(exc):
                raise
            log.exception("unit %r failed for good", unit)
            record_failure(unit, describe(exc))
    return outcomes


def send_or_leave_pending(send: Callable[[], object], what: str) -> bool:
    """Enqueue what a write recorded as pending; False when the broker refused it (down,
    restarting). That is not the unit's failure, and retrying the message would redo the
    work: the units stay pending in the graph, where the reconciler finds them
    (api/pipeline/reconcile.py)."""
    try:
        send()
    except (redis.RedisError, BrokerError, OSError) as exc:
        log.warning("could not enqueue %s (%s); the reconciler will send them", what, exc)
        return False
    return True

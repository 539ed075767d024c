"""Dramatiq actors: thin wrappers that turn a small JSON message into a library call.

`contagions worker` runs `dramatiq api.broker api.actors`; importing this package declares
every actor.
"""

from api.actors import (  # noqa: F401  (declares the actors and the reconciler)
    clusters,
    gpu,
    ingest,
    pages,
    reconcile,
    system,
)

"""Re-harvest on a schedule: a corpus is read again from the URIs it was ingested from.

A re-harvest is an ordinary ingest job over the corpus' root URIs, so its requests are
conditional (the ETag / Last-Modified stored with each issue): an unchanged manifest costs a
304 and its issue is linked as it is; a changed one is written again (new pages added, gone
ones removed) and its new pages go on to segmentation, vectors and, in continuous mode, the
clusters. A corpus is due when its last job is older than its interval
(`ingest.reharvest_interval_s`, or `ingest.reharvest_interval_s_by_corpus`); the claim is
taken in the graph so that, of several workers, one starts the job.
"""

from __future__ import annotations

from dataclasses import dataclass

from api.pipeline.ingest import Enqueue, start_ingest
from api.settings import IngestSettings
from graph import corpora
from graph.db import GraphDB


@dataclass(frozen=True)
class Reharvest:
    corpus: str
    job_id: str | None  # None: the corpus has no URI to read again
    uris: int


def reharvest_corpus(db: GraphDB, *, corpus: str, enqueue: Enqueue) -> Reharvest:
    """Start a job that reads the corpus' root URIs again, conditionally."""
    uris = corpora.root_uris(db, corpus)
    if not uris:
        return Reharvest(corpus, None, 0)
    job_id = start_ingest(db, corpus=corpus, uris=uris, enqueue=enqueue)
    return Reharvest(corpus, job_id, len(uris))


def interval_of(settings: IngestSettings, corpus: str) -> float:
    """Seconds between two harvests of the corpus; 0 means never on a schedule."""
    return settings.reharvest_interval_s_by_corpus.get(corpus, settings.reharvest_interval_s)


def scheduled(settings: IngestSettings) -> bool:
    """Whether any corpus is re-harvested on a schedule."""
    return settings.reharvest_interval_s > 0 or any(
        v > 0 for v in settings.reharvest_interval_s_by_corpus.values()
    )


def reharvest_due(db: GraphDB, *, settings: IngestSettings, enqueue: Enqueue) -> list[Reharvest]:
    """Start the re-harvest of every corpus whose interval has passed since its last job."""
    started = []
    for corpus in corpora.list_corpora(db):
        interval = interval_of(settings, corpus.name)
        if interval > 0 and corpora.claim_reharvest(db, corpus.name, interval):
            started.append(reharvest_corpus(db, corpus=corpus.name, enqueue=enqueue))
    return started

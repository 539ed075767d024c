"""Repository for corpora."""

from __future__ import annotations

from dataclasses import dataclass

from neo4j import RoutingControl

from graph.db import GraphDB
from graph.queries import corpora as q


@dataclass(frozen=True)
class Corpus:
    name: str
    segmenter: str | None
    created: str | None
    periodicals: int = 0


def create_corpus(db: GraphDB, name: str, segmenter: str | None = None) -> Corpus:
    records, _, _ = db.execute_query(q.CREATE_CORPUS, name=name, segmenter=segmenter)
    return Corpus(**records[0].data())


def list_corpora(db: GraphDB) -> list[Corpus]:
    records, _, _ = db.execute_query(q.LIST_CORPORA, routing_=RoutingControl.READ)
    return [Corpus(**r.data()) for r in records]


def corpora_of_illustrations(db: GraphDB, ids: list[str]) -> list[str]:
    records, _, _ = db.execute_query(
        q.CORPORA_OF_ILLUSTRATIONS, ids=ids, routing_=RoutingControl.READ
    )
    return [r["name"] for r in records]


def root_uris(db: GraphDB, name: str) -> list[str]:
    """The URIs the corpus was ingested from, oldest first."""
    records, _, _ = db.execute_query(q.ROOT_URIS, name=name, routing_=RoutingControl.READ)
    return [r["uri"] for r in records]


def claim_reharvest(db: GraphDB, name: str, interval_s: float) -> bool:
    """Whether the corpus' last ingest job is older than ``interval_s``; a caller that gets
    True must start the re-harvest job (a concurrent claim waits for its transaction)."""
    records, _, _ = db.execute_query(
        q.CLAIM_REHARVEST, name=name, interval_ms=int(interval_s * 1000)
    )
    return bool(records)

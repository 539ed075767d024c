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

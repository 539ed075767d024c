"""Repository for run summaries."""

from __future__ import annotations

from dataclasses import dataclass

from neo4j import RoutingControl

from graph.db import GraphDB
from graph.queries import summary as q


@dataclass(frozen=True)
class Hop:
    origin: str
    destination: str
    from_date: str
    to_date: str
    lag_days: int


@dataclass(frozen=True)
class TravelledCluster:
    id: str
    name: str | None
    size: int
    countries: int
    places: int
    first_date: str | None
    last_date: str | None
    first_place: str | None
    hops: tuple[Hop, ...]


def corpus_counts(db: GraphDB, corpus: str) -> dict[str, int]:
    records, _, _ = db.execute_query(q.CORPUS_COUNTS, corpus=corpus, routing_=RoutingControl.READ)
    return records[0].data() if records else {}


def top_clusters(db: GraphDB, run_id: str, limit: int = 5) -> list[TravelledCluster]:
    records, _, _ = db.execute_query(
        q.TOP_CLUSTERS,
        run_id=run_id,
        limit=limit,
        routing_=RoutingControl.READ,
    )
    out = []
    for r in records:
        first, _, _ = db.execute_query(q.FIRST_APPEARANCE, id=r["id"], routing_=RoutingControl.READ)
        out.append(
            TravelledCluster(
                id=r["id"],
                name=r["name"],
                size=r["size"],
                countries=r["countries"],
                places=r["places"],
                first_date=r["first_date"],
                last_date=r["last_date"],
                first_place=first[0]["place"] if first else None,
                hops=tuple(
                    Hop(h["origin"], h["destination"], h["from"], h["to"], h["lag"])
                    for h in r["hops"]
                    if h
                ),
            )
        )
    return out

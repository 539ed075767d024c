"""The generated press that bench/api_latency.py and bench/incremental.py write to the bench
Neo4j: 4 illustrations per issue (2 pages x 2), 60 places in 12 countries, 40 periodicals,
dates 1890-1990, about 60 % of the illustrations chained by SIMILAR edges into groups of 2
to 40. Seeded, so that every run of either bench writes the same graph.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from graph.db import GraphDB
    from graph.records import IssueRecord

PLACES = [(f"geonames:{9000 + n}", f"City {n}", f"C{n % 12:01d}") for n in range(60)]
ISSUE_BATCH = 2000


def issue_records(n_issues: int) -> Iterator[IssueRecord]:
    """Issues 0 .. n_issues - 1; the first n of any longer sequence are the same n issues."""
    from graph.records import (
        CountryRecord,
        IssueRecord,
        PageRecord,
        PeriodicalRecord,
        PlaceRecord,
    )

    rng = random.Random(1)
    for n in range(n_issues):
        pid, name, country = PLACES[n % len(PLACES)]
        place = PlaceRecord(
            pid,
            name,
            CountryRecord(country, f"Country {country}"),
            rng.uniform(-60, 60),
            rng.uniform(-120, 120),
        )
        when = f"{rng.randint(1890, 1989)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        pages = tuple(
            PageRecord(
                f"pg_{n}_{p}",
                f"https://bench.example/{n}/canvas/{p}",
                p,
                None,
                3000,
                4200,
                None,
                f"https://bench.example/iiif/{n}-{p}",
                "3",
                2,
            )
            for p in (1, 2)
        )
        yield IssueRecord(
            id=f"iss_{n}",
            manifest_uri=f"https://bench.example/{n}/manifest",
            label=f"No {n}",
            date=when,
            date_precision="day",
            date_raw=when,
            date_source="navDate",
            language="fr",
            place=place,
            place_raw=name,
            periodical=PeriodicalRecord(f"per_{n % 40}", f"Journal {n % 40}", "self"),
            presentation_version=3,
            pages=pages,
            publication_type="newspaper",
        )


def write_issues(db: GraphDB, issues: Sequence[IssueRecord]) -> None:
    from graph.ingest import write_issues as write

    for start in range(0, len(issues), ISSUE_BATCH):
        write(db, "bench", issues[start : start + ISSUE_BATCH])


def write_illustrations(db: GraphDB, first: int, count: int, *, image_urls: bool) -> list[str]:
    """Illustrations first .. first + count - 1, 4 to an issue, 2 to a page."""
    from graph.illustrations import upsert_illustrations
    from graph.records import IllustrationRecord

    ids = [f"ill_{n}" for n in range(first, first + count)]
    base = "https://bench.example/iiif/{n}/10,20,300,400/{size}/0/default.jpg"
    upsert_illustrations(
        db,
        [
            IllustrationRecord(
                i,
                f"pg_{n // 4}_{1 + (n // 2) % 2}",
                10,
                20,
                300,
                400,
                0.01,
                1.0,
                "whole",
                "1",
                base.format(n=n, size="max") if image_urls else None,
                base.format(n=n, size="!256,256") if image_urls else None,
            )
            for n, i in zip(range(first, first + count), ids, strict=True)
        ],
    )
    return ids


def chained_groups(rng: np.random.Generator, positions: np.ndarray) -> list[np.ndarray]:
    """`positions` cut into consecutive groups of 2 to 40 (geometric sizes)."""
    groups, at = [], 0
    while at < positions.size:
        size = int(min(40, max(2, rng.geometric(0.25) + 1)))
        groups.append(positions[at : at + size])
        at += size
    return groups


def write_pairs(
    db: GraphDB,
    edge_set: str,
    pairs: Sequence[tuple[str, str]],
    rng: np.random.Generator,
    scores: tuple[float, float],
) -> None:
    """SIMILAR edges for `pairs`, scored uniformly in `scores` (one draw per pair, in order)."""
    from graph.similarity import write_edges

    a = [min(x, y) for x, y in pairs]
    b = [max(x, y) for x, y in pairs]
    write_edges(db, edge_set, a, b, rng.uniform(scores[0], scores[1], len(pairs)))


def write_press(
    db: GraphDB,
    n_ills: int,
    *,
    edge_set: str,
    scores: tuple[float, float],
    image_urls: bool,
    issues: Sequence[IssueRecord] | None = None,
) -> tuple[list[str], list[np.ndarray], np.random.Generator]:
    """Wipe the graph and write the press of `n_ills` illustrations (`issues`: the records to
    write them in, by default the first n_ills / 4), its edge set and edges.

    Returns the illustration ids, the groups (as positions in the ids) and the generator,
    whose next draws are the same in every run.
    """
    from graph.maintenance import wipe_graph
    from graph.similarity import EdgeSet, create_edge_set

    wipe_graph(db)
    write_issues(db, list(issues if issues is not None else issue_records(n_ills // 4)))
    ids = write_illustrations(db, 0, n_ills, image_urls=image_urls)
    rng = np.random.default_rng(2)
    groups = chained_groups(rng, rng.permutation(n_ills)[: int(n_ills * 0.6)])
    pairs = [(ids[x], ids[y]) for g in groups for x, y in itertools.pairwise(g)]
    create_edge_set(db, EdgeSet(edge_set, "bench_model", k=16, min_score=0.5, corpus="bench"))
    write_pairs(db, edge_set, pairs, rng, scores)
    return ids, groups, rng

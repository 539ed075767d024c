"""DataLoaders, one set per request: every list field resolves in one graph query per level."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool
from strawberry.dataloader import DataLoader

from graph import clusters as cluster_repo
from graph import explore
from graph.db import GraphDB
from graph.explore import (
    AppearanceDetail,
    ClusterSummary,
    HopDetail,
    IllustrationDetail,
    IssueSummary,
    KeysetPage,
    PlaceSummary,
)

K = TypeVar("K")
V = TypeVar("V")
# (cluster id, after this id or from the start, how many)
MemberPageKey = tuple[str, str | None, int]
# (cluster id, after this (sort value, illustration id) or from the start, how many)
AppearancePageKey = tuple[str, tuple[Any, str] | None, int]


def _loader(fetch: Callable[[list[K]], Sequence[V]]) -> DataLoader[K, V]:
    async def load(keys: list[K]) -> Sequence[V]:
        return await run_in_threadpool(fetch, keys)

    return DataLoader(load_fn=load)


@dataclass
class Loaders:
    db: GraphDB
    _latest_run: dict[str | None, str | None] = field(default_factory=dict)
    _cached: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        d = self.db
        self.cluster: DataLoader[str, ClusterSummary | None] = _loader(
            lambda ids: _pick(explore.clusters_by_ids(d, ids), ids)
        )
        self.children: DataLoader[str, list[str]] = _loader(
            lambda ids: _pick(explore.children_of(d, ids), ids, [])
        )
        self.members: DataLoader[MemberPageKey, tuple[list[str], bool]] = _loader(
            lambda keys: explore.member_pages(d, keys)
        )
        self.illustration: DataLoader[str, IllustrationDetail | None] = _loader(
            lambda ids: _pick(explore.illustrations_by_ids(d, ids), ids)
        )
        self.appearances: DataLoader[str, list[AppearanceDetail]] = _loader(
            lambda ids: _pick(explore.appearances_of(d, ids), ids, [])
        )
        self.appearance_page: DataLoader[AppearancePageKey, KeysetPage] = _loader(
            lambda keys: explore.appearance_pages(d, keys)
        )
        self.first_appearance: DataLoader[str, AppearanceDetail | None] = _loader(
            lambda ids: _pick(explore.first_appearances_of(d, ids), ids)
        )
        self.hops: DataLoader[str, list[HopDetail]] = _loader(
            lambda ids: _pick(explore.hops_of(d, ids), ids, [])
        )
        self.neighbours = _loader(self._neighbours)
        self.leaf_cluster = _loader(self._leaf_clusters)
        self.issue: DataLoader[str, IssueSummary | None] = _loader(
            lambda ids: _pick(explore.issues_by_ids(d, ids), ids)
        )
        self.place: DataLoader[str, PlaceSummary | None] = _loader(
            lambda ids: _pick(explore.places_by_ids(d, ids), ids)
        )

    async def cached(self, key: str, compute: Callable[[], Awaitable[Any]]) -> Any:
        """A value computed once per request (one read however many fields ask for it)."""
        if key not in self._cached:
            # The task, not its result: fields resolved concurrently share the one read.
            self._cached[key] = asyncio.ensure_future(compute())
        return await self._cached[key]

    async def latest_run(self, corpus: str | None = None) -> str | None:
        if corpus not in self._latest_run:
            self._latest_run[corpus] = await run_in_threadpool(
                cluster_repo.latest_run_id, self.db, corpus
            )
        return self._latest_run[corpus]

    def _neighbours(self, keys: list[tuple[str, int]]) -> list[list[tuple[str, float]]]:
        limit = max(k for _, k in keys)
        found = explore.neighbours_of(self.db, [i for i, _ in keys], limit, None)
        return [found[i][:k] for i, k in keys]

    def _leaf_clusters(self, keys: list[tuple[str, str]]) -> list[str | None]:
        by_run: dict[str, dict[str, str]] = {}
        for run_id in {run for _, run in keys}:
            ids = [i for i, run in keys if run == run_id]
            by_run[run_id] = explore.leaf_clusters_of(self.db, ids, run_id)
        return [by_run[run].get(i) for i, run in keys]


def _pick(found: Mapping[Any, V], keys: Sequence[Any], default: Any = None) -> list[V]:
    return [found.get(key, default) for key in keys]

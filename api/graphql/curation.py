"""Curators' mutations: clustering runs, cluster curation decisions, flagging illustrations.

Every cluster decision is built from the cluster's current members (its snapshot) and goes
through `api.pipeline.curation.apply_decision`, so it is stored and re-applied to later runs.
"""

from __future__ import annotations

import contextlib
from typing import Annotated

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from api.auth import is_curator
from api.graphql.clusters import ClusteringRun
from api.graphql.errors import Forbidden, InvalidInput, NotFound
from api.graphql.types import Cluster, Illustration
from api.pipeline.clustering import ClusterParams, run_clustering
from api.pipeline.curation import apply_decision
from api.pipeline.freshness import flag_illustration
from graph import clusters as cluster_repo
from graph import explore
from graph.errors import NotFoundError, ValidationError
from graph.similarity import latest_edge_set
from ml import curation as cur

MAX_TEXT = 10_000
DECIDED_BY = "api"


@strawberry.type
class CurationApplied:
    decision_id: strawberry.ID
    status: str = strawberry.field(description="applied, satisfied (already so) or orphaned.")
    cluster_ids: strawberry.Private[tuple[str, ...]]

    @strawberry.field(description="The clusters that now carry the result.")
    async def clusters(self, info: Info) -> list[Cluster]:
        found = await info.context.loaders.cluster.load_many(list(self.cluster_ids))
        return [Cluster(summary=s) for s in found if s]


@strawberry.type
class ClusteringStarted:
    run: ClusteringRun
    clusters: int
    leaves: int
    clustered_illustrations: int
    flows: int


CurationResult = Annotated[
    CurationApplied | Forbidden | InvalidInput | NotFound, strawberry.union("CurationResult")
]
ClusteringResult = Annotated[
    ClusteringStarted | Forbidden | InvalidInput | NotFound, strawberry.union("ClusteringResult")
]
FlagIllustrationResult = Annotated[
    Illustration | Forbidden | InvalidInput | NotFound, strawberry.union("FlagIllustrationResult")
]


class _Refused(Exception):
    def __init__(self, result: Forbidden | InvalidInput | NotFound) -> None:
        self.result = result


def _require_curator(info: Info) -> None:
    if not is_curator(info.context.request, info.context.resources.settings.api):
        raise _Refused(Forbidden())


def _text(value: str, field: str) -> str:
    if not value.strip() or len(value) > MAX_TEXT:
        raise _Refused(
            InvalidInput(message=f"{field} must be 1 to {MAX_TEXT} characters", field=field)
        )
    return value.strip()


async def _members(info: Info, cluster_id: str) -> tuple[str, frozenset[str]]:
    try:
        run_id, members = await run_in_threadpool(
            cluster_repo.cluster_members,
            info.context.resources.db,
            cluster_id,
        )
    except NotFoundError as exc:
        raise _Refused(NotFound(message=f"no cluster {cluster_id!r}", value=cluster_id)) from exc
    return run_id, frozenset(members)


async def _apply(
    info: Info, run_id: str, decision: cur.Decision, targets: tuple[str, ...]
) -> CurationApplied:
    """Apply and report the changed clusters, or the targets when nothing had to change."""
    applied = await run_in_threadpool(
        apply_decision, info.context.resources.db, run_id=run_id, decision=decision, by=DECIDED_BY
    )
    return CurationApplied(
        decision_id=strawberry.ID(applied.decision_id),
        status=applied.status,
        cluster_ids=applied.cluster_ids or targets,
    )


async def _illustration_exists(info: Info, illustration_id: str) -> None:
    if await info.context.loaders.illustration.load(illustration_id) is None:
        raise _Refused(
            NotFound(message=f"no illustration {illustration_id!r}", value=illustration_id)
        )


async def _decide(info: Info, cluster_id: strawberry.ID, make) -> CurationResult:
    """Check the role, snapshot the cluster, build the decision with `make` and apply it."""
    try:
        _require_curator(info)
        run_id, members = await _members(info, str(cluster_id))
        decision = await make(members)
        return await _apply(info, run_id, decision, (str(cluster_id),))
    except _Refused as refused:
        return refused.result


@strawberry.type
class CurationMutation:
    @strawberry.mutation(description="Cluster an edge set's SIMILAR edges at a threshold.")
    async def start_clustering(
        self,
        info: Info,
        threshold: float,
        giant_size: int = ClusterParams.giant_size,
        giant_fraction: float = ClusterParams.giant_fraction,
        threshold_step: float = ClusterParams.threshold_step,
        min_size: int = ClusterParams.min_size,
        corpus: str | None = None,
    ) -> ClusteringResult:
        resources = info.context.resources
        try:
            _require_curator(info)
        except _Refused as refused:
            return refused.result
        if (
            giant_size < 2
            or not 0 < giant_fraction <= 1
            or not 0 < threshold_step < 1
            or min_size < 1
        ):
            return InvalidInput(
                message="giantSize >= 2, giantFraction in (0, 1], "
                "thresholdStep in (0, 1), minSize >= 1"
            )
        edge_set = await run_in_threadpool(latest_edge_set, resources.db, corpus)
        if edge_set is None:
            return NotFound(message="no similarity edges yet: index the corpus first")
        params = ClusterParams(
            threshold=threshold,
            giant_size=giant_size,
            giant_fraction=giant_fraction,
            threshold_step=threshold_step,
            min_size=min_size,
        )
        try:
            # A thread for now; large corpora belong on a worker queue.
            result = await run_in_threadpool(
                run_clustering, resources.db, edge_set=edge_set, params=params
            )
        except ValidationError as exc:
            return InvalidInput(message=str(exc), field="threshold")
        runs = await run_in_threadpool(explore.runs, resources.db, 50)
        run = next(r for r in runs if r.id == result.run_id)
        return ClusteringStarted(
            run=ClusteringRun.from_summary(run),
            clusters=result.clusters,
            leaves=result.leaves,
            clustered_illustrations=result.clustered_illustrations,
            flows=result.flows,
        )

    @strawberry.mutation
    async def name_cluster(self, info: Info, id: strawberry.ID, name: str) -> CurationResult:
        async def make(members):
            return cur.NameCluster(members, _text(name, "name"))

        return await _decide(info, id, make)

    @strawberry.mutation
    async def describe_cluster(
        self, info: Info, id: strawberry.ID, description: str
    ) -> CurationResult:
        async def make(members):
            return cur.DescribeCluster(members, _text(description, "description"))

        return await _decide(info, id, make)

    @strawberry.mutation
    async def validate_cluster(self, info: Info, id: strawberry.ID) -> CurationResult:
        async def make(members):
            return cur.ValidateCluster(members)

        return await _decide(info, id, make)

    @strawberry.mutation(description="Mark a cluster as not relevant (barcodes, mastheads...).")
    async def flag_cluster(self, info: Info, id: strawberry.ID, reason: str) -> CurationResult:
        async def make(members):
            return cur.FlagCluster(members, _text(reason, "reason"))

        return await _decide(info, id, make)

    @strawberry.mutation(description="Put an illustration in a cluster (out of any other).")
    async def add_member(
        self, info: Info, cluster: strawberry.ID, illustration: strawberry.ID
    ) -> CurationResult:
        async def make(members):
            await _illustration_exists(info, str(illustration))
            return cur.AddMember(members, str(illustration))

        return await _decide(info, cluster, make)

    @strawberry.mutation
    async def remove_member(
        self, info: Info, cluster: strawberry.ID, illustration: strawberry.ID
    ) -> CurationResult:
        async def make(members):
            if str(illustration) not in members:
                raise _Refused(
                    InvalidInput(message="not a member of that cluster", field="illustration")
                )
            return cur.RemoveMember(members, str(illustration))

        return await _decide(info, cluster, make)

    @strawberry.mutation(description="Split a cluster; members in no group form one more cluster.")
    async def split_cluster(
        self, info: Info, id: strawberry.ID, groups: list[list[strawberry.ID]]
    ) -> CurationResult:
        async def make(members):
            parts = [frozenset(str(m) for m in group) for group in groups]
            if not parts or any(not part for part in parts):
                raise _Refused(InvalidInput(message="give non-empty groups", field="groups"))
            strangers = frozenset().union(*parts) - members
            if strangers:
                raise _Refused(
                    InvalidInput(
                        message=f"not members: {', '.join(sorted(strangers))}", field="groups"
                    )
                )
            return cur.SplitCluster(members, tuple(parts))

        return await _decide(info, id, make)

    @strawberry.mutation(description="Merge clusters of one run into one.")
    async def merge_clusters(self, info: Info, ids: list[strawberry.ID]) -> CurationResult:
        try:
            _require_curator(info)
            distinct = list(dict.fromkeys(str(i) for i in ids))
            if len(distinct) < 2:
                return InvalidInput(message="give at least two clusters", field="ids")
            snapshots = [await _members(info, cluster_id) for cluster_id in distinct]
            if len({run_id for run_id, _ in snapshots}) != 1:
                return InvalidInput(message="clusters of different runs", field="ids")
            decision = cur.MergeClusters(tuple(members for _, members in snapshots))
            return await _apply(info, snapshots[0][0], decision, tuple(distinct))
        except _Refused as refused:
            return refused.result

    @strawberry.mutation(
        description="Flag (or unflag) an illustration as not relevant: left out of searches "
        "and of its clusters' counts, dates and flows."
    )
    async def flag_illustration(
        self, info: Info, id: strawberry.ID, reason: str | None = None, flagged: bool = True
    ) -> FlagIllustrationResult:
        try:
            _require_curator(info)
            if flagged:
                reason = _text(reason or "", "reason")
        except _Refused as refused:
            return refused.result
        found = await run_in_threadpool(
            flag_illustration, info.context.resources.db, str(id), reason=reason, flagged=flagged
        )
        if not found:
            return NotFound(message=f"no illustration {str(id)!r}", value=str(id))
        with contextlib.suppress(KeyError):  # not loaded yet in this request
            info.context.loaders.illustration.clear(str(id))
        illustration = await Illustration.load(info, str(id))
        # flag_illustration has just found it.
        assert illustration is not None
        return illustration

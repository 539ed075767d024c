"""Match levels of similarity scores, by the active descriptor model's calibrated thresholds."""

from __future__ import annotations

from enum import Enum

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from graph import descriptors as descriptor_repo
from ml import matching as ml_matching


@strawberry.enum(description="How sure a score is, by the descriptor model's calibrated levels.")
class MatchLevel(Enum):
    EXACT = strawberry.enum_value("exact", description="The same printing or scan.")
    REPRINT = strawberry.enum_value("reprint", description="The same picture, printed again.")
    SIMILAR = strawberry.enum_value("similar", description="A related picture, not a reprint.")
    NONE = strawberry.enum_value("none", description="Nothing in common that the model sees.")


@strawberry.type(description="The lowest score of each match level, and where they come from.")
class MatchThresholds:
    exact: float
    reprint: float
    similar: float
    model_id: str | None = strawberry.field(description="The active descriptor model.")
    source: str = strawberry.field(
        description="'model': stored on the active DescriptorModel; 'calibrated': the values"
        " measured for its backbone (ml/matching.py); 'default': no model recorded."
    )

    def classify(self, score: float) -> MatchLevel:
        levels = ml_matching.MatchThresholds(self.exact, self.reprint, self.similar)
        return MatchLevel(levels.classify(score))


async def match_thresholds(info: Info) -> MatchThresholds:
    """The active model's stored thresholds, else its backbone's calibrated ones (read once per
    request)."""
    return await info.context.loaders.cached("match_thresholds", lambda: _read_thresholds(info))


async def _read_thresholds(info: Info) -> MatchThresholds:
    stored = await run_in_threadpool(
        descriptor_repo.active_match_thresholds, info.context.resources.db
    )
    if stored is None:
        d = ml_matching.DEFAULT_MATCH_THRESHOLDS
        return MatchThresholds(
            exact=d.exact, reprint=d.reprint, similar=d.similar, model_id=None, source="default"
        )
    if stored.exact is not None and stored.reprint is not None and stored.similar is not None:
        return MatchThresholds(
            exact=stored.exact,
            reprint=stored.reprint,
            similar=stored.similar,
            model_id=stored.model_id,
            source="model",
        )
    c = ml_matching.calibrated_match_thresholds(stored.backbone)
    return MatchThresholds(
        exact=c.exact,
        reprint=c.reprint,
        similar=c.similar,
        model_id=stored.model_id,
        source="calibrated",
    )

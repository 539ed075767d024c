"""Match levels from calibrated thresholds."""

from __future__ import annotations

import pytest

from ml.clustering import CALIBRATED_THRESHOLDS
from ml.matching import (
    DEFAULT_MATCH_THRESHOLDS,
    MatchThresholds,
    calibrated_match_thresholds,
)


def test_scores_fall_in_the_level_whose_lowest_score_they_reach():
    levels = MatchThresholds(exact=0.99, reprint=0.8, similar=0.45)
    got = [levels.classify(s) for s in (1.0, 0.99, 0.989, 0.8, 0.79, 0.45, 0.449, -0.3)]
    assert got == ["exact", "exact", "reprint", "reprint", "similar", "similar", "none", "none"]


def test_thresholds_must_be_ordered():
    with pytest.raises(ValueError, match="exact >= reprint >= similar"):
        MatchThresholds(exact=0.7, reprint=0.8, similar=0.4)


def test_reprint_is_the_backbones_clustering_threshold():
    for backbone, threshold in CALIBRATED_THRESHOLDS.items():
        levels = calibrated_match_thresholds(backbone)
        assert levels.reprint == threshold
        # Unrelated pictures (non-pairs p99 0.267 for efficientnet_lite0) are NONE.
        assert levels.classify(0.267) == "none"
    assert calibrated_match_thresholds("unknown") == DEFAULT_MATCH_THRESHOLDS
    assert calibrated_match_thresholds(None) == DEFAULT_MATCH_THRESHOLDS

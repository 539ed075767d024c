"""Match levels from calibrated thresholds."""

from __future__ import annotations

import numpy as np
import pytest

from ml.clustering import CALIBRATED_THRESHOLDS
from ml.matching import (
    CALIBRATED_MATCH_THRESHOLDS,
    DEFAULT_MATCH_THRESHOLDS,
    MatchThresholds,
    MeasuredThresholds,
    calibrated_match_thresholds,
    load_measured,
    match_thresholds_for,
    measure_match_thresholds,
    record_measured,
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


def test_thresholds_are_measured_above_unrelated_pairs_and_the_best_true_pair():
    rng = np.random.default_rng(0)
    negative = np.linspace(-0.3, 0.412, 101)  # the 99th percentile is 0.40488
    positive = np.r_[rng.uniform(0.75, 0.95, 50), 0.973]
    levels = measure_match_thresholds(positive, negative, 0.8)
    assert levels == MatchThresholds(exact=0.98, reprint=0.8, similar=0.45)
    assert levels.classify(0.40488) == "none" and levels.classify(0.973) == "reprint"
    # A few related pictures among the non-pairs (quadrants of one photograph) move nothing.
    related = np.r_[np.linspace(-0.3, 0.412, 1001), 0.78, 0.77]
    assert measure_match_thresholds(positive, related, 0.8).similar == 0.45
    # A score on the grid is still below its level: the level is strictly above it.
    assert measure_match_thresholds(np.array([0.97]), np.array([0.4]), 0.8) == MatchThresholds(
        exact=0.98, reprint=0.8, similar=0.45
    )
    # Overlapping distributions: SIMILAR stops at REPRINT, EXACT at 1 (and never below REPRINT).
    overlap = measure_match_thresholds(np.array([1.0]), np.array([0.9]), 0.8)
    assert overlap == MatchThresholds(exact=1.0, reprint=0.8, similar=0.8)
    assert measure_match_thresholds(np.array([0.5]), np.array([0.1]), 0.8).exact == 0.8


def test_a_recorded_measure_is_what_models_of_the_backbone_store(tmp_path):
    path = tmp_path / "match_thresholds.json"
    assert load_measured(path) == {}
    assert (
        match_thresholds_for("efficientnet_lite0", path).thresholds
        == (CALIBRATED_MATCH_THRESHOLDS["efficientnet_lite0"])
    )
    measured = MeasuredThresholds(MatchThresholds(0.98, 0.8, 0.5), "bench/quality.py, test")
    record_measured("efficientnet_lite0", measured, path)
    record_measured("dino_vits16", MeasuredThresholds(MatchThresholds(0.96, 0.6, 0.4), "b"), path)
    assert load_measured(path)["efficientnet_lite0"] == measured
    assert match_thresholds_for("efficientnet_lite0", path) == measured
    assert match_thresholds_for("unknown", path).thresholds == DEFAULT_MATCH_THRESHOLDS


def test_the_recorded_measures_keep_the_clustering_threshold_as_reprint():
    for backbone, measured in load_measured().items():
        assert measured.thresholds.reprint == CALIBRATED_THRESHOLDS[backbone]
        assert measured.measured_by.startswith("bench/quality.py")

"""How sure a similarity score is: EXACT, REPRINT, SIMILAR or NONE, by calibrated thresholds.

The thresholds belong to a descriptor model (they are cosines between its whitened vectors)
and are stored on its `DescriptorModel` node when it is recorded. They are measured by the
quality bench (`bench/quality.py --record`, rule in `measure_match_thresholds`), which writes
them to `ml/match_thresholds.json`; a backbone it never measured falls back to the values
chosen by hand from score distributions:

- efficientnet_lite0 (bench/quality.py, sample press, the pipeline's PCA): true reprint pairs
  score p1 0.742, p5 0.895, p50 0.964; non-pairs p99 0.267. REPRINT is the clustering threshold
  (0.80: pairwise precision 1.000, recall 0.957); SIMILAR starts at 0.45, well above the
  non-pairs' p99, so that a NONE is what unrelated pictures (noise, another photograph) score;
  EXACT (0.99) is above every reprint in another print style: the same printing or scan.
- dino_vits16 (the seed article: an image and its grey version 0.5-0.7, very close images
  0.75, only copies above 0.85): REPRINT 0.6, SIMILAR 0.4, EXACT 0.95.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from ml.clustering import CALIBRATED_THRESHOLDS, DEFAULT_THRESHOLD

Match = Literal["exact", "reprint", "similar", "none"]


@dataclass(frozen=True)
class MatchThresholds:
    """Lowest score of each class; exact >= reprint >= similar."""

    exact: float
    reprint: float
    similar: float

    def __post_init__(self) -> None:
        if not self.exact >= self.reprint >= self.similar:
            raise ValueError("match thresholds must satisfy exact >= reprint >= similar")

    def classify(self, score: float) -> Match:
        if score >= self.exact:
            return "exact"
        if score >= self.reprint:
            return "reprint"
        if score >= self.similar:
            return "similar"
        return "none"


CALIBRATED_MATCH_THRESHOLDS = {
    "efficientnet_lite0": MatchThresholds(
        exact=0.99, reprint=CALIBRATED_THRESHOLDS["efficientnet_lite0"], similar=0.45
    ),
    "dino_vits16": MatchThresholds(
        exact=0.95, reprint=CALIBRATED_THRESHOLDS["dino_vits16"], similar=0.4
    ),
}
DEFAULT_MATCH_THRESHOLDS = MatchThresholds(exact=0.95, reprint=DEFAULT_THRESHOLD, similar=0.4)


MEASURED_PATH = Path(__file__).with_name("match_thresholds.json")


@dataclass(frozen=True)
class MeasuredThresholds:
    """Thresholds a quality bench measured for a backbone, and how (its command and data)."""

    thresholds: MatchThresholds
    measured_by: str


def measure_match_thresholds(
    positive: np.ndarray,
    negative: np.ndarray,
    reprint: float,
    *,
    similar_step: float = 0.05,
    exact_step: float = 0.01,
    negative_percentile: float = 99.0,
) -> MatchThresholds:
    """Thresholds from a bench's scores of true reprint pairs (`positive`) and of every other
    pair (`negative`): REPRINT is the clustering threshold the bench chose; SIMILAR the next
    `similar_step` above the non-pairs' 99th percentile, so that unrelated pictures are NONE
    (the few highest non-pairs are related pictures the ground truth keeps apart, such as
    quadrants of one photograph, not the unrelated ones this level is for); EXACT the next
    `exact_step` above the best true pair, so that a reprint in another print style is never
    EXACT, only the same printing or scan (at most 1). SIMILAR never exceeds REPRINT, nor
    REPRINT EXACT."""

    def above(value: float, step: float) -> float:
        return round((math.floor(round(value / step, 9)) + 1) * step, 6)

    unrelated = float(np.percentile(negative, negative_percentile))
    similar = min(above(unrelated, similar_step), reprint)
    exact = max(min(above(float(np.max(positive)), exact_step), 1.0), reprint)
    return MatchThresholds(exact=exact, reprint=reprint, similar=similar)


def load_measured(path: Path = MEASURED_PATH) -> dict[str, MeasuredThresholds]:
    """The thresholds the quality bench recorded, by backbone (none when never recorded)."""
    if not path.exists():
        return {}
    found = {}
    for backbone, entry in json.loads(path.read_text()).items():
        levels = MatchThresholds(entry["exact"], entry["reprint"], entry["similar"])
        found[backbone] = MeasuredThresholds(levels, entry["measured_by"])
    return found


def record_measured(
    backbone: str, measured: MeasuredThresholds, path: Path = MEASURED_PATH
) -> None:
    """Write (or replace) a backbone's measured thresholds, keeping the others."""
    entries = json.loads(path.read_text()) if path.exists() else {}
    levels = measured.thresholds
    entries[backbone] = {
        "exact": levels.exact,
        "reprint": levels.reprint,
        "similar": levels.similar,
        "measured_by": measured.measured_by,
    }
    path.write_text(json.dumps(entries, indent=2, sort_keys=True) + "\n")


def match_thresholds_for(backbone: str | None, path: Path = MEASURED_PATH) -> MeasuredThresholds:
    """What a model of `backbone` stores: the bench's measure, else the hand-chosen values,
    else the seed article's (DINO) defaults."""
    measured = load_measured(path).get(backbone or "")
    if measured is not None:
        return measured
    hand = CALIBRATED_MATCH_THRESHOLDS.get(backbone or "")
    if hand is not None:
        return MeasuredThresholds(hand, "chosen by hand from score distributions (ml/matching.py)")
    return MeasuredThresholds(DEFAULT_MATCH_THRESHOLDS, "defaults (no measure for this backbone)")


def calibrated_match_thresholds(backbone: str | None) -> MatchThresholds:
    """The thresholds measured for `backbone`, else the seed article's (DINO) defaults."""
    return match_thresholds_for(backbone).thresholds

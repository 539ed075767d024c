"""How sure a similarity score is: EXACT, REPRINT, SIMILAR or NONE, by calibrated thresholds.

The thresholds belong to a descriptor model (they are cosines between its whitened vectors)
and are stored on its `DescriptorModel` node when it is recorded; these are the values measured
for each backbone:

- efficientnet_lite0 (bench/quality.py, sample press, the pipeline's PCA): true reprint pairs
  score p1 0.742, p5 0.895, p50 0.964; non-pairs p99 0.267. REPRINT is the clustering threshold
  (0.80: pairwise precision 1.000, recall 0.957); SIMILAR starts at 0.45, well above the
  non-pairs' p99, so that a NONE is what unrelated pictures (noise, another photograph) score;
  EXACT (0.99) is above every reprint in another print style: the same printing or scan.
- dino_vits16 (the seed article: an image and its grey version 0.5-0.7, very close images
  0.75, only copies above 0.85): REPRINT 0.6, SIMILAR 0.4, EXACT 0.95.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

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


def calibrated_match_thresholds(backbone: str | None) -> MatchThresholds:
    """The thresholds measured for `backbone`, else the seed article's (DINO) defaults."""
    return CALIBRATED_MATCH_THRESHOLDS.get(backbone or "", DEFAULT_MATCH_THRESHOLDS)

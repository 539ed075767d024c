"""Which crop recipe (ml/printed.py) to run before the backbone: pooled over several presses.

One sample press has only ~50 true pairs, too few to choose a blur radius or a threshold on.
This draws four presses (seeds 7-10, the demo's size), prepares every planted crop with each
recipe, embeds it, fits the PCA as `contagions pca fit` does (the press's crops + 400 other
images, dimension capped by the sample size) and clusters as the pipeline does, then pools the
pairwise counts of the four presses at every threshold. Also: Gallica photos against a
print-like reprint of each (recall@1), where the recipe must not cost real near-duplicates.

    .venv/bin/python bench/recipes.py [--backbone efficientnet_lite0] [--checkpoint DINO.pth]

The peer is the plain crop (colour, no blur), the seed's own recipe.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from quality import (
    CROP_SIZE,
    EXTRA_IMAGES,
    FULL,
    GOAL,
    MODEL,
    ROOT,
    THRESHOLDS,
    Embedder,
    Press,
    drawn_press,
    gallica_set,
    printing_keys,
    recall_at_1_and_5,
    sweep,
)

from api.demo.corpus import GENERATOR_VERSION
from api.demo.sources import pca_extra_images
from api.pipeline.index import pca_dim
from ml.backbones import load_backbone
from ml.clustering import calibrated_threshold
from ml.descriptors import DescriptorExtractor
from ml.evaluation import mean_average_precision, pairwise_precision_recall, recall_at_k
from ml.pca import PCAWhitening, l2_normalize
from ml.printed import PrintNormalization, calibrated_recipe

SEEDS = (7, 8, 9, 10)
PLAIN = PrintNormalization(CROP_SIZE)
RECIPES = (
    PLAIN,
    PrintNormalization(CROP_SIZE, 2.0),
    PrintNormalization(CROP_SIZE, 4.0),
    *(PrintNormalization(CROP_SIZE, r, True) for r in (2.0, 3.0, 4.0, 5.0, 6.0)),
)


@dataclass(frozen=True)
class Pooled:
    threshold: float
    precision: float
    recall: float


@dataclass(frozen=True)
class RecipeScore:
    recipe: PrintNormalization
    recall_at_1: float
    mean_ap: float
    pooled: tuple[Pooled, ...]
    gallica_recall_at_1: float

    def goal_range(self) -> tuple[float, float] | None:
        ok = [p.threshold for p in self.pooled if p.precision >= GOAL and p.recall >= GOAL]
        return (min(ok), max(ok)) if ok else None

    def recall_at_precision(self, precision: float = GOAL) -> Pooled:
        return max((p for p in self.pooled if p.precision >= precision), key=lambda p: p.recall)

    def at(self, threshold: float) -> Pooled:
        return min(self.pooled, key=lambda p: abs(p.threshold - threshold))


def pool(sweeps: list) -> tuple[Pooled, ...]:
    """Sum true, predicted and correct pairs over presses, threshold by threshold."""
    out = []
    for n, threshold in enumerate(THRESHOLDS):
        correct = predicted = true = 0
        for s in (sw.scores[n] for sw in sweeps):
            correct += round(s.precision * s.predicted_pairs)
            predicted += s.predicted_pairs
            true += s.true_pairs
        out.append(Pooled(threshold, correct / predicted if predicted else 1.0, correct / true))
    return tuple(out)


def score_recipe(recipe: PrintNormalization, presses: list[Press], embed: Embedder) -> RecipeScore:
    key = recipe.key
    extra = embed(
        f"extra-{key}",
        [f"extra-7-{n}" for n in range(EXTRA_IMAGES)],
        lambda: [recipe.apply(im) for im in pca_extra_images(EXTRA_IMAGES, 7)],
    )
    r1, maps, sweeps = [], [], []
    for press in presses:
        x = embed(f"truth-{key}", printing_keys(press), lambda p=press: p.crops(recipe.apply))
        dim = pca_dim(MODEL.dim, x.shape[1], len(x) + len(extra))
        vectors = PCAWhitening.fit(np.concatenate([x, extra]), dim, MODEL.whitening_power)
        v = vectors.transform(x)
        similarity = v @ v.T
        r1.append(recall_at_k(similarity, press.labels, 1))
        maps.append(mean_average_precision(similarity, press.labels))
        sweeps.append(sweep(press.labels, v))
    gallica = gallica_set(7)
    load = gallica.load
    g = embed(f"gallica-{key}", gallica.keys, lambda: [recipe.apply(im) for im in load()])
    g = l2_normalize(g)
    return RecipeScore(
        recipe,
        float(np.mean(r1)),
        float(np.mean(maps)),
        pool(sweeps),
        recall_at_1_and_5(g, gallica)[0],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backbone", default="efficientnet_lite0")
    parser.add_argument("--checkpoint", type=Path)
    args = parser.parse_args()
    presses = [drawn_press(ROOT / "var" / "bench" / f"recipes-press-{s}", FULL, s) for s in SEEDS]
    backbone = load_backbone(args.backbone, args.checkpoint)
    cache = ROOT / "var" / "bench" / f"recipes-descriptors-g{GENERATOR_VERSION}"
    embed = Embedder(DescriptorExtractor(backbone), cache)
    calibrated = calibrated_threshold(None, backbone.name)
    default = calibrated_recipe(backbone.name, CROP_SIZE, MODEL.descreen_radius, MODEL.grayscale)
    true_pairs = sum(pairwise_precision_recall(p.labels, p.labels).true_pairs for p in presses)
    print(
        f"{backbone.name}: {len(presses)} presses (seeds {SEEDS}), {true_pairs} true pairs; "
        f"PCA as `pca fit` ({MODEL.dim} capped by sample size, power "
        f"{MODEL.whitening_power}); calibrated threshold {calibrated}"
    )
    print(
        f"{'recipe':<34} {'R@1':>5} {'mAP':>5}  {'R @ P>=0.95':>16}  {'goal range':>11}  "
        f"{'P/R @ ' + format(calibrated, 'g'):>13}  Gallica R@1"
    )
    scores = []
    for recipe in RECIPES:
        s = score_recipe(recipe, presses, embed)
        scores.append(s)
        best, at = s.recall_at_precision(), s.at(calibrated)
        found = s.goal_range()
        goal = f"{found[0]:.2f}–{found[1]:.2f}" if found else "—"
        mark = " (default)" if recipe == default else ""
        print(
            f"{recipe.key + mark:<34} {s.recall_at_1:5.3f} {s.mean_ap:5.3f}  "
            f"{best.recall:5.3f} (t={best.threshold:.2f})  {goal:>11}  "
            f"{at.precision:5.3f}/{at.recall:5.3f}  {s.gallica_recall_at_1:.3f}",
            flush=True,
        )
    plain = scores[0]
    print()
    for s in scores[1:]:
        print(
            json.dumps(
                {
                    "metric": f"pooled reprint recall at precision >= 0.95 ({s.recipe.key})",
                    "value": round(s.recall_at_precision().recall, 4),
                    "unit": "ratio",
                    "peer": f"plain crops ({plain.recipe.key})",
                    "peer_value": round(plain.recall_at_precision().recall, 4),
                }
            )
        )


if __name__ == "__main__":
    main()

"""Reprint-detection quality on the sample press's ground truth and on real scans (issue 8).

Everything runs in this process, no services. The sample press (`api.demo.corpus.build`, seed 7,
the demo's default size) is drawn once into var/bench/quality-press and reused; a second one
(seed 8) holds the recommended settings out.

1. Segmentation: `layout` boxes against the planted pictures (IoU >= 0.5).
2. Retrieval on the ground-truth crops (cut with the truth boxes, so segmentation plays no
   part): recall@1 and mAP, a query's positives being the other printings of its source, for
   raw descriptors and PCA at several dims, whitening powers (0 = plain PCA) and fitting sets
   (the corpus crops alone, or with 400 crops of other images as the demo run does).
   Separation of pair scores: 5th percentile of true pairs minus 99th of non-pairs, ROC AUC.
   Crops are prepared as the pipeline prepares them (ml/printed.py: descreening blur, grey);
   "plain" crops (colour, no blur) are the peer. Why pairs fail: halftoned vs other queries,
   quadrant siblings among the false pairs.
3. Clusters: pairwise precision / recall of connected components made as the pipeline makes
   them (kNN k=32, giant components split) over a sweep of thresholds; the recommended
   settings, checked on the held-out corpus, and end to end (layout boxes → crops → vectors →
   clusters; detections matching no planted picture are noise that must stay out of true
   clusters, planted pictures never detected count as missed pairs).
4. Real data from ../shared/datasets: the 117 gallica-images-eval photos, each with a reprint
   made by `api.demo.printing` (recall@1/@5 among the 234 crops), and imagecollation's 10 hand
   copied manuscript illustrations (recall@1/@5 of P2 → P3 among the 20 crops).

5. Match levels (ml/matching.py): EXACT / REPRINT / SIMILAR thresholds measured from the pair
   scores of the pipeline's PCA (`measure_match_thresholds`: SIMILAR just above the non-pairs'
   p99, REPRINT the clustering threshold, EXACT just above the best true pair), against
   what a fitted model stores today; `--record` writes them to ml/match_thresholds.json, which
   `contagions pca fit` stores on the DescriptorModel node.

Sources with identical pixels are one source here (scikit-image's `cat` is `chelsea`).
Descriptors and detections are cached under the corpus directory (`--fresh` recomputes).

    .venv/bin/python bench/quality.py [--small] [--backbone efficientnet_lite0]
                                      [--checkpoint DINO.pth] [--fresh] [--record]
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image

from api.demo.corpus import DemoSize, build, is_built, load_truth, page_file
from api.demo.printing import print_picture, random_style
from api.demo.sources import load_sources, pca_extra_images
from api.pipeline.index import pca_dim
from api.settings import ModelSettings, SimilaritySettings
from ml.backbones import load_backbone
from ml.clustering import ClusterParams, calibrated_threshold, cluster
from ml.descriptors import DescriptorExtractor
from ml.evaluation import (
    PairScores,
    PairwiseScore,
    match_boxes,
    mean_average_precision,
    pair_scores,
    pairwise_precision_recall,
    recall_at_k,
)
from ml.knn import exact_knn, unique_pairs
from ml.matching import (
    MEASURED_PATH,
    MeasuredThresholds,
    match_thresholds_for,
    measure_match_thresholds,
    record_measured,
)
from ml.pca import PCAWhitening, l2_normalize
from ml.printed import calibrated_recipe
from ml.segment import get_segmenter

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("CONTAGIONS_SHARED", ROOT / ".." / "shared"))
GALLICA = SHARED / "datasets" / "gallica-images-eval" / "photo"
MANUSCRIPTS = SHARED / "datasets" / "imagecollation-manuscripts"

SEED, HOLDOUT_SEED = 7, 8
FULL = DemoSize()
SMALL = DemoSize(issues=4, pages=4, reprinted_sources=8, single_sources=6)
CROP_SIZE = 320  # what the pipeline asks the IIIF server for (longest side)
EXTRA_IMAGES = 400  # as `contagions demo run`
DIMS = (768, 384, 256, 128, 64, 32, 16)
PIPELINE_DIMS = (768, 384, 256, 128, 64)  # what settings.model.dim accepts
POWERS = (0.0, 0.25, 0.5)
THRESHOLDS = tuple(round(float(t), 2) for t in np.arange(0.20, 0.99, 0.01))
GOAL = 0.95  # recall and precision, issue 8
SIMILARITY = SimilaritySettings()
CLUSTERING = ClusterParams(  # the giant rules of the pipeline; thresholds are swept
    threshold=THRESHOLDS[0],
    giant_size=SIMILARITY.giant_size,
    giant_fraction=SIMILARITY.giant_fraction,
    threshold_step=SIMILARITY.threshold_step,
)
MODEL = ModelSettings()


# --- the sample press ------------------------------------------------------------------------


@cache
def canonical_sources() -> dict[str, str]:
    """Source id → the first source id with the same pixels."""
    first: dict[str, str] = {}
    out = {}
    for source in load_sources():
        digest = hashlib.sha256(source.image.tobytes()).hexdigest()
        out[source.id] = first.setdefault(digest, source.id)
    return out


def siblings(a: str, b: str) -> bool:
    """Two quadrants of one photograph: different pictures that share subject and texture."""
    return a != b and "-q" in a and a.split("-q")[0] == b.split("-q")[0]


@dataclass(frozen=True)
class Press:
    """One drawn sample press and its planted pictures."""

    out: Path
    truth: dict
    printings: list[dict]

    @property
    def labels(self) -> list[str]:
        return [canonical_sources()[p["source"]] for p in self.printings]

    @property
    def halftoned(self) -> np.ndarray:
        return np.array(["halftone" in p["style"] for p in self.printings])

    def page(self, printing: dict) -> str:
        return page_file(printing["periodical"], printing["issue"], printing["page"])

    def open_page(self, name: str) -> Image.Image:
        return Image.open(self.out / "images" / f"{name}.jpg")

    def crops(self, prepare: Callable[[Image.Image], Image.Image] = lambda im: im) -> list:
        crops = []
        for printing in self.printings:
            with self.open_page(self.page(printing)) as page:
                crops.append(prepare(cut(page, printing["box"])))
        return crops


def drawn_press(out: Path, size: DemoSize, seed: int) -> Press:
    """The press in `out`, drawing its pages first unless this seed and size already are."""
    if not is_built(out, size, seed):
        # Detections and descriptors cached beside older pages describe other pixels.
        (out / "detections-layout.json").unlink(missing_ok=True)
        shutil.rmtree(out / "descriptors", ignore_errors=True)
        started = time.monotonic()
        build(out, size, seed)
        print(f"drew the sample press (seed {seed}) in {time.monotonic() - started:.0f}s: {out}")
    truth = load_truth(out)
    return Press(out, truth, [p for issue in truth["issues"] for p in issue["printings"]])


def cut(page: Image.Image, box: Sequence[float], size: int = CROP_SIZE) -> Image.Image:
    """The region at most `size` px on its longest side, as an IIIF `!size,size` request."""
    x, y, w, h = (round(v) for v in box)
    crop = page.crop((x, y, x + w, y + h)).convert("RGB")
    scale = min(1.0, size / max(crop.size))
    if scale < 1.0:
        target = (max(1, round(crop.width * scale)), max(1, round(crop.height * scale)))
        crop = crop.resize(target, Image.Resampling.BICUBIC)
    return crop


# --- descriptors, cached ---------------------------------------------------------------------


@dataclass
class Embedder:
    """Descriptors of named groups of images, computed once per backbone and cached on disk."""

    extractor: DescriptorExtractor
    cache: Path | None
    seconds: float = 0.0
    images: int = 0

    def __call__(self, group: str, keys: Sequence[str], images: Callable[[], list]) -> np.ndarray:
        backbone = self.extractor.backbone
        digest = hashlib.sha256("\n".join(keys).encode()).hexdigest()[:12]
        name = f"{group}-{backbone.name}-{backbone.weights_sha256[:12]}-{digest}.npy"
        path = self.cache / name if self.cache else None
        if path is not None and path.exists():
            return np.load(path)
        started = time.monotonic()
        vectors = self.extractor.extract(images())
        self.seconds += time.monotonic() - started
        self.images += len(vectors)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            np.save(path, vectors)
        return vectors


def printing_keys(press: Press) -> list[str]:
    return [f"{press.truth['seed']}:{p['id']}:{p['box']}" for p in press.printings]


# --- 1. segmentation -------------------------------------------------------------------------


@dataclass(frozen=True)
class Segmentation:
    detected: list[tuple[str, tuple[int, int, int, int]]]  # page name, box
    labels: list[str]  # canonical source, or noise:N for a box matching no planted picture
    missed: list[str]  # canonical sources of planted pictures no box matched
    planted: int
    seconds_per_page: float

    @property
    def matched(self) -> int:
        return sum(not label.startswith("noise:") for label in self.labels)

    @property
    def recall(self) -> float:
        return self.matched / self.planted if self.planted else 0.0

    @property
    def precision(self) -> float:
        return self.matched / len(self.detected) if self.detected else 0.0


def layout_boxes(press: Press, fresh: bool) -> tuple[dict[str, list[tuple]], float]:
    """Page name → boxes found by `layout`, and seconds per page (cached beside the pages)."""
    path = press.out / "detections-layout.json"
    if path.exists() and not fresh:
        cached = json.loads(path.read_text())
        return {k: [tuple(b) for b in v] for k, v in cached["boxes"].items()}, cached["seconds"]
    segmenter = get_segmenter("layout")
    pages = sorted((press.out / "images").glob("*.jpg"))
    boxes = {}
    started = time.monotonic()
    for file in pages:
        with Image.open(file) as page:
            page.load()
            regions = segmenter.segment(page, page.width, page.height)
        boxes[file.stem] = [(r.x, r.y, r.w, r.h) for r in regions]
    seconds = (time.monotonic() - started) / max(1, len(pages))
    path.write_text(json.dumps({"boxes": boxes, "seconds": seconds}))
    return boxes, seconds


def segmentation(press: Press, fresh: bool) -> Segmentation:
    found, seconds = layout_boxes(press, fresh)
    by_page: dict[str, list[int]] = {}
    for n, printing in enumerate(press.printings):
        by_page.setdefault(press.page(printing), []).append(n)
    labels = press.labels
    detected, detected_labels, missed = [], [], []
    for page, boxes in sorted(found.items()):
        expected = by_page.get(page, [])
        matched = dict(match_boxes(boxes, [press.printings[n]["box"] for n in expected]))
        for i, box in enumerate(boxes):
            detected.append((page, tuple(box)))
            hit = labels[expected[matched[i]]] if i in matched else None
            detected_labels.append(hit or f"noise:{len(detected)}")
        hits = set(matched.values())
        missed += [labels[n] for k, n in enumerate(expected) if k not in hits]
    return Segmentation(detected, detected_labels, missed, len(press.printings), seconds)


def detected_crops(press: Press, found: Segmentation) -> list[Image.Image]:
    crops = []
    for page, box in found.detected:
        with press.open_page(page) as image:
            crops.append(cut(image, box))
    return crops


# --- 2. descriptor variants and retrieval ----------------------------------------------------


@dataclass(frozen=True)
class Variant:
    """How descriptors become vectors: raw (L2-normalized) or a PCA fitted on `fit`."""

    fit: str  # "" (raw) | "corpus" | "corpus+extra"
    power: float = 0.0
    dim: int = 0

    @property
    def name(self) -> str:
        return f"pca {self.fit} d={self.dim} p={self.power:g}" if self.fit else "raw"

    def in_pipeline(self, n_corpus: int, n_extra: int, feature_dim: int) -> bool:
        """Whether the settings can express it (the demo run always adds extra images)."""
        n = n_corpus + n_extra
        dims = {pca_dim(d, feature_dim, n) for d in PIPELINE_DIMS}
        return not self.fit or (self.fit == "corpus+extra" and self.dim in dims)

    def feasible(self, n_corpus: int, n_extra: int, feature_dim: int) -> bool:
        # Past the sample's rank a PCA keeps only floored, noise-amplifying components.
        n = n_corpus + (n_extra if self.fit == "corpus+extra" else 0)
        return not self.fit or self.dim <= min(feature_dim, n - 1)

    def vectors(self, corpus: np.ndarray, extra: np.ndarray) -> np.ndarray:
        if not self.fit:
            return l2_normalize(corpus).astype(np.float32)
        sample = corpus if self.fit == "corpus" else np.concatenate([corpus, extra])
        return PCAWhitening.fit(sample, self.dim, self.power).transform(corpus)


RAW = Variant("")


def pipeline_variant(n_corpus: int, n_extra: int, feature_dim: int) -> Variant:
    """What `contagions pca fit` makes of this sample (the dimension capped by its size)."""
    dim = pca_dim(MODEL.dim, feature_dim, n_corpus + n_extra)
    return Variant("corpus+extra", MODEL.whitening_power, dim)


def variants(n_corpus: int, n_extra: int, feature_dim: int) -> list[Variant]:
    every = [RAW] + [
        Variant(fit, power, dim)
        for fit in ("corpus", "corpus+extra")
        for power in POWERS
        for dim in DIMS
    ]
    every.append(pipeline_variant(n_corpus, n_extra, feature_dim))
    return list(dict.fromkeys(v for v in every if v.feasible(n_corpus, n_extra, feature_dim)))


# --- 3. clusters -----------------------------------------------------------------------------


def cluster_labels(vectors: np.ndarray, thresholds: Sequence[float]) -> list[list[str]]:
    """Each item's leaf cluster at each threshold (`single:i` when in none), as the pipeline:
    kNN edges, connected components, giant components split at higher thresholds."""
    pairs = unique_pairs(exact_knn(vectors, k=SIMILARITY.k, min_score=min(thresholds)))
    ids = list(range(len(vectors)))
    out = []
    for threshold in thresholds:
        labels = [f"single:{i}" for i in ids]
        params = dataclasses.replace(CLUSTERING, threshold=threshold)
        nodes = cluster(ids, (pairs.i, pairs.j, pairs.score), params)
        for node in nodes:  # parents come before their children: the deepest one wins
            for member in node.members:
                labels[member] = node.key
        out.append(labels)
    return out


def meets_goal(score: PairwiseScore) -> bool:
    return score.precision >= GOAL and score.recall >= GOAL


@dataclass(frozen=True)
class Sweep:
    thresholds: tuple[float, ...]
    scores: tuple[PairwiseScore, ...]
    clusters: tuple[list[str], ...] = field(repr=False)

    def index(self, threshold: float) -> int:
        return int(np.argmin([abs(t - threshold) for t in self.thresholds]))

    def at(self, threshold: float) -> PairwiseScore:
        return self.scores[self.index(threshold)]

    def goal_range(self) -> tuple[float, float] | None:
        """Lowest and highest threshold meeting the goal (None when none does)."""
        ok = [t for t, s in zip(self.thresholds, self.scores, strict=True) if meets_goal(s)]
        return (min(ok), max(ok)) if ok else None

    def best(self) -> float:
        """The middle of the goal range, else the threshold of the best F1."""
        found = self.goal_range()
        if found:
            return self.thresholds[self.index((found[0] + found[1]) / 2)]
        return self.thresholds[int(np.argmax([s.f1 for s in self.scores]))]


def sweep(truth: Sequence[str], vectors: np.ndarray, missed: Sequence[str] = ()) -> Sweep:
    """Pairwise scores at every threshold; `missed` are true items without a vector (never
    detected): singletons, so their pairs are lost recall."""
    scores, clusters = [], []
    for labels in cluster_labels(vectors, THRESHOLDS):
        predicted = labels + [f"missed:{n}" for n in range(len(missed))]
        scores.append(pairwise_precision_recall(list(truth) + list(missed), predicted))
        clusters.append(labels)
    return Sweep(THRESHOLDS, tuple(scores), tuple(clusters))


@dataclass(frozen=True, eq=False)
class Evaluation:
    variant: Variant
    recall_at_1: float
    mean_ap: float
    pairs: PairScores
    sweep: Sweep
    similarity: np.ndarray = field(repr=False)

    @property
    def best_f1(self) -> float:
        return max(s.f1 for s in self.sweep.scores)


def evaluate(variant: Variant, x: np.ndarray, extra: np.ndarray, labels: list[str]) -> Evaluation:
    vectors = variant.vectors(x, extra)
    similarity = vectors @ vectors.T
    return Evaluation(
        variant,
        recall_at_k(similarity, labels, 1),
        mean_average_precision(similarity, labels),
        pair_scores(similarity, labels),
        sweep(labels, vectors),
        similarity,
    )


def recommend(evaluations: Sequence[Evaluation]) -> Evaluation:
    """The widest goal range; without any, the best F1 (then mAP)."""

    def key(e: Evaluation) -> tuple[float, float, float]:
        found = e.sweep.goal_range()
        return (-1.0 if found is None else found[1] - found[0], e.best_f1, e.mean_ap)

    return max(evaluations, key=key)


def false_pairs(labels: Sequence[str], clusters: Sequence[str]) -> tuple[int, int]:
    """(all, quadrant-sibling) pairs put in one cluster although of different sources."""
    wrong = same_photo = 0
    for a in range(len(labels)):
        for b in range(a + 1, len(labels)):
            if clusters[a] == clusters[b] and labels[a] != labels[b]:
                wrong += 1
                same_photo += siblings(labels[a], labels[b])
    return wrong, same_photo


# --- 4. real data ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RealSet:
    name: str
    keys: list[str]
    load: Callable[[], list[Image.Image]]
    labels: list[str]
    queries: list[int] | None


def gallica_set(seed: int) -> RealSet:
    """The 117 photo crops followed by one reprint of each (print distortions, own aspect)."""
    annotations = json.loads((GALLICA / "annotations.json").read_text())
    boxes = [
        (entry["file"], box["bbox_xywh_px"])
        for entry in annotations["images"]
        for box in entry["boxes"]
    ]
    keys = [f"{file}#{','.join(f'{v:g}' for v in box)}" for file, box in boxes]

    def load() -> list[Image.Image]:
        originals = []
        for file, box in boxes:
            with Image.open(GALLICA.parent / file) as page:
                originals.append(cut(page, box, size=10_000))
        rng = np.random.default_rng(seed)
        reprints = [
            print_picture(image, random_style(rng, original=False), image.size, rng)
            for image in originals
        ]
        return [cut(image, (0, 0, *image.size)) for image in originals + reprints]

    keys = [f"{k}|original" for k in keys] + [f"{k}|reprint-{seed}" for k in keys]
    labels = [str(n) for n in range(len(boxes))] * 2
    return RealSet("gallica photos + reprints", keys, load, labels, None)


def manuscript_set() -> RealSet:
    pairs = json.loads((MANUSCRIPTS / "pairs.json").read_text())["pairs"]
    files = [p["P2"]["illustration"] for p in pairs] + [p["P3"]["illustration"] for p in pairs]

    def load() -> list[Image.Image]:
        crops = []
        for file in files:
            with Image.open(MANUSCRIPTS / file) as image:
                crops.append(cut(image, (0, 0, *image.size)))
        return crops

    labels = [str(n) for n in range(len(pairs))] * 2
    return RealSet("imagecollation P2→P3", files, load, labels, list(range(len(pairs))))


def recall_at_1_and_5(vectors: np.ndarray, real: RealSet) -> tuple[float, float]:
    similarity = vectors @ vectors.T
    return (
        recall_at_k(similarity, real.labels, 1, real.queries),
        recall_at_k(similarity, real.labels, 5, real.queries),
    )


# --- printing --------------------------------------------------------------------------------


def percentiles(values: np.ndarray) -> str:
    marks = (1, 5, 25, 50, 75, 95, 99)
    return "  ".join(f"p{m}={np.percentile(values, m):.3f}" for m in marks)


def print_table(evaluations: Sequence[Evaluation], default: float) -> None:
    print(
        f"   {'variant':<30} {'R@1':>5} {'mAP':>5} {'AUC':>6} {'gap':>7}  "
        f"{'P/R @' + format(default, 'g'):>11}  {'best: thr P/R':>17}  goal range"
    )
    for e in evaluations:
        at = e.sweep.at(default)
        threshold = e.sweep.best()
        best = e.sweep.at(threshold)
        found = e.sweep.goal_range()
        goal = f"{found[0]:.2f}–{found[1]:.2f}" if found else "—"
        print(
            f"   {e.variant.name:<30} {e.recall_at_1:5.3f} {e.mean_ap:5.3f} "
            f"{e.pairs.roc_auc():6.4f} {e.pairs.separation():+7.3f}  "
            f"{at.precision:5.2f}/{at.recall:<5.2f}  {threshold:.2f} {best.precision:4.2f}/"
            f"{best.recall:<4.2f}     {goal}"
        )


def print_sweep(e: Evaluation, around: float) -> None:
    print(f"   pairwise precision / recall by threshold ({e.variant.name}):")
    for t, s in zip(e.sweep.thresholds, e.sweep.scores, strict=True):
        if abs(t - around) <= 0.15 + 1e-9 and round(t * 100) % 3 == round(around * 100) % 3:
            mark = "  ← goal" if meets_goal(s) else ""
            print(
                f"     {t:.2f}  P={s.precision:.3f}  R={s.recall:.3f}  "
                f"(pairs predicted {s.predicted_pairs}, true {s.true_pairs}){mark}"
            )


@dataclass
class Figures:
    lines: list[dict] = field(default_factory=list)

    def add(
        self,
        metric: str,
        value: float,
        unit: str = "ratio",
        peer: str = "",
        peer_value: float | None = None,
    ) -> None:
        self.lines.append(
            {
                "metric": metric,
                "value": round(float(value), 4),
                "unit": unit,
                "peer": peer,
                "peer_value": None if peer_value is None else round(float(peer_value), 4),
            }
        )


# --- the run ---------------------------------------------------------------------------------


def run_backbone(
    name: str, checkpoint: Path | None, small: bool, fresh: bool, figures: Figures, record: bool
):
    started = time.monotonic()
    size, suffix = (SMALL, "-small") if small else (FULL, "")
    press = drawn_press(ROOT / "var" / "bench" / f"quality-press{suffix}", size, SEED)
    held = drawn_press(
        ROOT / "var" / "bench" / f"quality-press-holdout{suffix}", size, HOLDOUT_SEED
    )
    backbone = load_backbone(name, checkpoint)
    embed = Embedder(DescriptorExtractor(backbone), None if fresh else press.out / "descriptors")
    tag = "" if name == "efficientnet_lite0" else f" [{name}]"
    merged = sorted({k for k, v in canonical_sources().items() if k != v})
    print(f"\n=== backbone {name} ({backbone.feature_dim}-d descriptors) ===")
    if merged:
        print(f"(sources with the pixels of another, counted as that one: {', '.join(merged)})")

    # 1. Segmentation
    found = segmentation(press, fresh)
    print(
        f"\n1. segmentation (layout, {found.seconds_per_page:.2f} s/page): {found.planted} "
        f"planted pictures, {len(found.detected)} boxes, {found.matched} matched at IoU ≥ 0.5"
        f" → recall {found.recall:.3f}, precision {found.precision:.3f}"
    )
    if not tag:  # does not depend on the backbone
        figures.add("segmentation recall (sample press, layout, IoU>=0.5)", found.recall)
        figures.add("segmentation precision (sample press, layout, IoU>=0.5)", found.precision)

    # Descriptors, once.
    # Crops are prepared as the pipeline prepares them; "plain" ones are the peer.
    labels = press.labels
    # What the pipeline does to a crop before this backbone (ml/printed.py).
    prepare = calibrated_recipe(name, CROP_SIZE, MODEL.descreen_radius, MODEL.grayscale)
    recipe = prepare.key
    x = embed(f"truth-{recipe}", printing_keys(press), lambda: press.crops(prepare.apply))
    x_plain = embed("truth", printing_keys(press), press.crops)
    extra_keys = [f"extra-{SEED}-{n}" for n in range(EXTRA_IMAGES)]
    extra = embed(
        f"extra-{recipe}",
        extra_keys,
        lambda: [prepare.apply(im) for im in pca_extra_images(EXTRA_IMAGES, SEED)],
    )
    extra_plain = embed("extra", extra_keys, lambda: pca_extra_images(EXTRA_IMAGES, SEED))
    x_held = embed(f"holdout-{recipe}", printing_keys(held), lambda: held.crops(prepare.apply))
    x_detected = embed(
        f"detected-{recipe}",
        [f"{p}{b}" for p, b in found.detected],
        lambda: [prepare.apply(im) for im in detected_crops(press, found)],
    )
    pipeline_v = pipeline_variant(len(x), len(extra), backbone.feature_dim)
    print(
        f"\n   crops prepared as the pipeline does: {recipe} (plain: none of it); the "
        f"pipeline's PCA for this sample: {pipeline_v.name}"
    )

    # 2. Retrieval on the ground-truth crops
    n_pairs = pair_scores(np.zeros((len(labels),) * 2), labels).positive.size
    print(
        f"\n2. retrieval on the ground-truth crops: {len(labels)} printings of "
        f"{len(set(labels))} sources, {n_pairs} true pairs; PCA fitted on the {len(x)} corpus "
        f"crops or on them and {EXTRA_IMAGES} extra crops"
    )
    evaluations = [
        evaluate(v, x, extra, labels) for v in variants(len(x), len(extra), backbone.feature_dim)
    ]
    default = calibrated_threshold(SIMILARITY.cluster_threshold, name)
    print_table(evaluations, default)
    by_variant = {e.variant: e for e in evaluations}
    raw, pipeline = by_variant[RAW], by_variant.get(pipeline_v)
    chosen = recommend(evaluations)
    chosen_pipeline = recommend(
        [e for e in evaluations if e.variant.in_pipeline(len(x), len(extra), backbone.feature_dim)]
    )
    threshold = chosen.sweep.best()
    print("\n   score distributions (cosine):")
    for e in dict.fromkeys(e for e in (raw, pipeline, chosen) if e is not None):
        print(
            f"   {e.variant.name}\n     true pairs  {percentiles(e.pairs.positive)}"
            f"\n     non-pairs   {percentiles(e.pairs.negative)}"
        )

    # Match levels (ml/matching.py) measured on the pipeline's PCA for this sample: what a
    # descriptor model of this backbone stores on its DescriptorModel node when it is fitted.
    measured_on = pipeline or chosen
    levels = measure_match_thresholds(
        measured_on.pairs.positive, measured_on.pairs.negative, default
    )
    stored = match_thresholds_for(name)
    print(
        f"\n   match thresholds measured ({measured_on.variant.name}): EXACT >= "
        f"{levels.exact:.2f}, REPRINT >= {levels.reprint:.2f}, SIMILAR >= {levels.similar:.2f}"
        f" (non-pairs p99 {np.percentile(measured_on.pairs.negative, 99):.3f}, best true pair "
        f"{measured_on.pairs.positive.max():.3f}); a model stores today "
        f"{stored.thresholds.exact:.2f} / {stored.thresholds.reprint:.2f} / "
        f"{stored.thresholds.similar:.2f} ({stored.measured_by})"
    )
    for level in ("exact", "reprint", "similar"):
        figures.add(
            f"match threshold {level.upper()}, measured ({measured_on.variant.name}){tag}",
            getattr(levels, level),
            "cosine",
            "stored on a model of this backbone before this run",
            getattr(stored.thresholds, level),
        )
    if record:
        how = (
            f"bench/quality.py{' --small' if small else ''} on {date.today().isoformat()}: "
            f"{measured_on.variant.name}, sample press seed {SEED} ({len(labels)} printings, "
            f"{n_pairs} true pairs), reprint = clustering threshold {default}"
        )
        record_measured(name, MeasuredThresholds(levels, how))
        print(f"   recorded in {MEASURED_PATH.relative_to(ROOT)}: {how}")

    halftoned = press.halftoned
    print(f"\n   why pairs fail ({chosen.variant.name}):")
    for what, rows in (("halftoned", halftoned), ("not halftoned", ~halftoned)):
        r1 = recall_at_k(chosen.similarity, labels, 1, np.flatnonzero(rows))
        print(f"     recall@1 of {what} queries ({int(rows.sum())}): {r1:.3f}")
    wrong, same_photo = false_pairs(labels, chosen.sweep.clusters[chosen.sweep.index(threshold)])
    print(
        f"     at {threshold:.2f}: {wrong} false pairs, {same_photo} of them quadrants of one "
        f"photograph"
    )
    plain_crops = {v: evaluate(v, x_plain, extra_plain, labels) for v in (RAW, chosen.variant)}
    for v, e in plain_crops.items():
        print(
            f"     plain crops (no descreening, colour) {v.name}: R@1 {e.recall_at_1:.3f} "
            f"mAP {e.mean_ap:.3f} AUC {e.pairs.roc_auc():.4f} best F1 {e.best_f1:.3f} "
            f"(prepared: {by_variant[v].recall_at_1:.3f} / {by_variant[v].mean_ap:.3f}"
            f" / {by_variant[v].pairs.roc_auc():.4f} / {by_variant[v].best_f1:.3f})"
        )

    # 3. Clusters
    print(f"\n3. clusters (kNN k={SIMILARITY.k}, connected components, giants split)")
    if pipeline is not None:
        at = pipeline.sweep.at(default)
        print(
            f"   the pipeline's defaults ({pipeline_v.name} at {default}): "
            f"P={at.precision:.3f} R={at.recall:.3f}"
        )
    for what, e in (
        ("recommended", chosen),
        ("recommended within today's settings", chosen_pipeline),
    ):
        t = e.sweep.best()
        found_range = e.sweep.goal_range()
        verdict = (
            f"goal met from {found_range[0]:.2f} to {found_range[1]:.2f}"
            if found_range
            else "goal not met at any threshold: best F1"
        )
        at = e.sweep.at(t)
        print(
            f"   {what}: {e.variant.name} at {t:.2f} → P={at.precision:.3f} "
            f"R={at.recall:.3f} ({verdict})"
        )
    print_sweep(chosen, threshold)

    held_labels = held.labels
    held_scores = {
        v: sweep(held_labels, v.vectors(x_held, extra)).at(t)
        for v, t in ((RAW, raw.sweep.best()), (chosen.variant, threshold), (pipeline_v, default))
        if v.feasible(len(x_held), len(extra), backbone.feature_dim)
    }
    print(f"   held out (seed {HOLDOUT_SEED}, {len(held_labels)} printings), same thresholds:")
    for v, s in held_scores.items():
        print(f"     {v.name:<30} P={s.precision:.3f} R={s.recall:.3f}")

    # End to end: the PCA is fitted on what was detected, as in the real run.
    end_to_end = {
        v: (t, sweep(found.labels, v.vectors(x_detected, extra), found.missed))
        for v, t in ((RAW, raw.sweep.best()), (chosen.variant, threshold), (pipeline_v, default))
        if v.feasible(len(x_detected), len(extra), backbone.feature_dim)
    }
    print(
        f"   end to end ({len(found.detected)} boxes, {len(found.detected) - found.matched} "
        f"noise, {len(found.missed)} planted pictures missed):"
    )
    for v, (t, s) in end_to_end.items():
        best_t = s.best()
        print(
            f"     {v.name:<30} at {t:.2f}: P={s.at(t).precision:.3f} R={s.at(t).recall:.3f}"
            f"   (its best, {best_t:.2f}: P={s.at(best_t).precision:.3f} "
            f"R={s.at(best_t).recall:.3f})"
        )

    # 4. Real data
    print("\n4. real data")
    real, plain_real = {}, {}
    for real_set in (gallica_set(SEED), manuscript_set()):
        load = real_set.load
        xs = embed(
            f"{real_set.name.split()[0]}-{recipe}",
            real_set.keys,
            lambda load=load: [prepare.apply(image) for image in load()],
        )
        real[real_set.name] = {
            v: recall_at_1_and_5(v.vectors(xs, extra), real_set)
            for v in (RAW, chosen.variant)
            if v.feasible(len(xs), len(extra), backbone.feature_dim)
        }
        for v, (r1, r5) in real[real_set.name].items():
            print(f"   {real_set.name:<26} {v.name:<30} recall@1 {r1:.3f}  recall@5 {r5:.3f}")
        xs = embed(real_set.name.split()[0], real_set.keys, load)
        plain_real[real_set.name] = r1, r5 = recall_at_1_and_5(RAW.vectors(xs, extra), real_set)
        print(
            f"   {real_set.name:<26} {'raw, plain crops':<30} recall@1 {r1:.3f}  recall@5 {r5:.3f}"
        )

    # Figures
    chosen_name = chosen.variant.name
    figures.add(
        f"reprint recall@1, sample press GT crops ({chosen_name}){tag}",
        chosen.recall_at_1,
        peer="raw",
        peer_value=raw.recall_at_1,
    )
    figures.add(
        f"reprint mAP, sample press GT crops ({chosen_name}){tag}",
        chosen.mean_ap,
        peer="raw",
        peer_value=raw.mean_ap,
    )
    figures.add(
        f"pair-score ROC AUC ({chosen_name}){tag}",
        chosen.pairs.roc_auc(),
        peer="raw",
        peer_value=raw.pairs.roc_auc(),
    )
    v = chosen.variant
    plain = by_variant.get(Variant(v.fit or "corpus+extra", 0.0, v.dim or MODEL.dim))
    for power in (0.25, 0.5) if plain is not None else ():
        whitened = by_variant.get(Variant(plain.variant.fit, power, plain.variant.dim))
        if whitened is not None:
            label = f"{plain.variant.fit} d={plain.variant.dim}"
            figures.add(
                f"pair-score ROC AUC, whitening p={power:g} ({label}){tag}",
                whitened.pairs.roc_auc(),
                peer="no whitening (p=0)",
                peer_value=plain.pairs.roc_auc(),
            )
            figures.add(
                f"pair-score gap p5(true)-p99(non), whitening p={power:g} ({label}){tag}",
                whitened.pairs.separation(),
                "cosine",
                "no whitening (p=0)",
                plain.pairs.separation(),
            )
    if pipeline is not None:
        at = pipeline.sweep.at(default)
        figures.add(
            f"pairwise recall, pipeline defaults ({pipeline_v.name} @ {default}){tag}", at.recall
        )
        figures.add(
            f"pairwise precision, pipeline defaults ({pipeline_v.name} @ {default}){tag}",
            at.precision,
        )
    raw_t = raw.sweep.best()
    for what, get in (("recall", lambda s: s.recall), ("precision", lambda s: s.precision)):
        figures.add(
            f"pairwise {what}, recommended ({chosen_name} @ {threshold:.2f}){tag}",
            get(chosen.sweep.at(threshold)),
            peer=f"raw @ {raw_t:.2f}",
            peer_value=get(raw.sweep.at(raw_t)),
        )
        if chosen.variant in held_scores:
            figures.add(
                f"held-out pairwise {what} (seed {HOLDOUT_SEED}, recommended){tag}",
                get(held_scores[chosen.variant]),
                peer=f"raw @ {raw_t:.2f}",
                peer_value=get(held_scores[RAW]),
            )
        if chosen.variant in end_to_end:
            t, s = end_to_end[chosen.variant]
            r_t, r_s = end_to_end[RAW]
            figures.add(
                f"end-to-end pairwise {what} (layout boxes, recommended @ {t:.2f}){tag}",
                get(s.at(t)),
                peer=f"raw @ {r_t:.2f}",
                peer_value=get(r_s.at(r_t)),
            )
    for set_name, rows in real.items():
        mine = rows.get(chosen.variant, rows[RAW])
        for n, k in enumerate((1, 5)):
            figures.add(
                f"{set_name} recall@{k} ({chosen_name}){tag}",
                mine[n],
                peer="raw",
                peer_value=rows[RAW][n],
            )
    for set_name, (r1, _) in plain_real.items():
        figures.add(
            f"{set_name} recall@1 (raw, {recipe}){tag}",
            real[set_name][RAW][0],
            peer="raw, plain crops",
            peer_value=r1,
        )
    for v, e in plain_crops.items():
        figures.add(
            f"reprint mAP, sample press GT crops ({v.name}, {recipe}){tag}",
            by_variant[v].mean_ap,
            peer=f"{v.name}, plain crops",
            peer_value=e.mean_ap,
        )
    print(
        f"\n{embed.images} images embedded in {embed.seconds:.0f}s; "
        f"{time.monotonic() - started:.0f}s in all for {name}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--small", action="store_true", help="a reduced corpus (quick check)")
    parser.add_argument("--backbone", default="efficientnet_lite0")
    parser.add_argument("--checkpoint", type=Path, help="a DINO ViT-S/16 checkpoint: adds DINO")
    parser.add_argument("--fresh", action="store_true", help="recompute cached descriptors")
    parser.add_argument(
        "--record",
        action="store_true",
        help="write the measured match thresholds to ml/match_thresholds.json (what fitted "
        "descriptor models store)",
    )
    args = parser.parse_args()
    backbones = [args.backbone]
    if args.checkpoint and "dino_vits16" not in backbones:
        backbones.append("dino_vits16")
    figures = Figures()
    for name in backbones:
        checkpoint = args.checkpoint if name == "dino_vits16" else None
        run_backbone(name, checkpoint, args.small, args.fresh, figures, args.record)
    print()
    for line in figures.lines:
        print(json.dumps(line, ensure_ascii=False))


if __name__ == "__main__":
    main()

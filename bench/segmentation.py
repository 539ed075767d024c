"""Illustration boxes against ground truth: `layout` and `sheets` versus the `whole` baseline.

Three sets: ../shared/datasets/gallica-images-eval `photo` (WWI photo albums) and `dessins`
(drawings, plans, maps), with boxes drawn by the BnF project's authors; and `press`, pages of
the bundled sample press (`api/demo`: text columns, mastheads, captions, 0-3 printed pictures
per page, most pages text only) with the planted pictures as truth. Precision and recall at
IoU >= 0.5 per set, plus pages/s. `--small` keeps the first 10 pages of each set. `--docs DIR`
also renders synthetic newspaper pages with the boxes `layout` finds (publishable images).

    .venv/bin/python bench/segmentation.py [--small] [--docs docs/segmentation]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw

from ml.segment import get_segmenter
from ml.segment.synthetic import newspaper_page

SHARED = Path(
    os.environ.get("CONTAGIONS_SHARED", Path(__file__).resolve().parents[1] / ".." / "shared")
)
GALLICA = SHARED / "datasets" / "gallica-images-eval"
SETS = ("photo", "dessins", "press")
SEGMENTERS = ("layout", "sheets", "whole")
PRESS_DIR = Path(__file__).resolve().parents[1] / "var" / "bench" / "press"
THRESHOLD = 0.5


@dataclass
class Score:
    matched: int = 0
    predicted: int = 0
    expected: int = 0
    pages: int = 0
    seconds: float = 0.0

    def add(self, other: Score) -> Score:
        return Score(
            self.matched + other.matched,
            self.predicted + other.predicted,
            self.expected + other.expected,
            self.pages + other.pages,
            self.seconds + other.seconds,
        )

    @property
    def precision(self) -> float:
        return self.matched / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.matched / self.expected if self.expected else 0.0

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0


def iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    width = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    height = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = width * height
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union else 0.0


def matches(predicted: list[tuple[float, ...]], expected: list[tuple[float, ...]]) -> int:
    """One-to-one greedy matching by decreasing IoU, counting pairs at or above the threshold."""
    pairs = sorted(
        ((iou(p, e), i, j) for i, p in enumerate(predicted) for j, e in enumerate(expected)),
        reverse=True,
    )
    used_p, used_e = set(), set()
    for value, i, j in pairs:
        if value < THRESHOLD:
            break
        if i not in used_p and j not in used_e:
            used_p.add(i)
            used_e.add(j)
    return len(used_p)


def press_entries() -> list[dict]:
    """Pages of a small sample press (built once), in the gallica annotations' shape."""
    from api.demo.corpus import DemoSize, build, load_truth, page_file

    if not (PRESS_DIR / "truth.json").exists():
        build(PRESS_DIR, DemoSize(issues=3, pages=6), seed=11)
    truth = load_truth(PRESS_DIR)
    entries = []
    for issue in truth["issues"]:
        for page in range(1, issue["pages"] + 1):
            name = page_file(issue["periodical"], issue["number"], page)
            boxes = [{"bbox_xywh_px": p["box"]} for p in issue["printings"] if p["page"] == page]
            entries.append({"file": str(PRESS_DIR / "images" / f"{name}.jpg"), "boxes": boxes})
    return entries


def entries_of(subset: str) -> list[dict]:
    if subset == "press":
        return press_entries()
    entries = json.loads((GALLICA / subset / "annotations.json").read_text())["images"]
    return [entry | {"file": str(GALLICA / entry["file"])} for entry in entries]


def evaluate(name: str, subset: str, limit: int | None) -> Score:
    segmenter = get_segmenter(name)
    score = Score()
    for entry in entries_of(subset)[:limit]:
        image = Image.open(entry["file"]).convert("RGB")
        start = time.perf_counter()
        regions = segmenter.segment(image, image.width, image.height)
        score.seconds += time.perf_counter() - start
        predicted = [(r.x, r.y, r.w, r.h) for r in regions]
        expected = [tuple(box["bbox_xywh_px"]) for box in entry["boxes"]]
        score.matched += matches(predicted, expected)
        score.predicted += len(predicted)
        score.expected += len(expected)
        score.pages += 1
    return score


def render_docs(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    segmenter = get_segmenter("layout")
    for index, pictures in enumerate(
        [("camera", "astronaut"), ("coffee",), ("rocket", "chelsea", "camera")], start=1
    ):
        page = newspaper_page(pictures, seed=index)
        drawn = page.image.copy()
        draw = ImageDraw.Draw(drawn)
        for x, y, w, h in page.pictures:
            draw.rectangle((x, y, x + w, y + h), outline=(0, 170, 0), width=4)
        for region in segmenter.segment(page.image, page.image.width, page.image.height):
            x, y, w, h = region.x, region.y, region.w, region.h
            draw.rectangle((x, y, x + w, y + h), outline=(220, 0, 0), width=3)
            draw.text((x + 6, y + 6), f"{region.confidence:.2f}", fill=(220, 0, 0))
        drawn.thumbnail((900, 900))
        drawn.save(directory / f"synthetic-newspaper-{index}.png", optimize=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="first 10 pages of each set")
    parser.add_argument("--docs", type=Path, help="also render synthetic pages with boxes here")
    args = parser.parse_args()
    limit = 10 if args.small else None

    results: dict[tuple[str, str], Score] = {}
    for name in SEGMENTERS:
        total = Score()
        for subset in SETS:
            results[name, subset] = evaluate(name, subset, limit)
            total = total.add(results[name, subset])
        results[name, "all"] = total

    print(
        f"gallica-images-eval + sample press, IoU >= {THRESHOLD}"
        + (" (--small)" if args.small else "")
    )
    print(
        f"{'segmenter':<10} {'set':<8} {'pages':>5} {'boxes':>5} {'found':>5} "
        f"{'precision':>9} {'recall':>7} {'pages/s':>8}"
    )
    for (name, subset), score in results.items():
        print(
            f"{name:<10} {subset:<8} {score.pages:>5} {score.expected:>5} {score.predicted:>5} "
            f"{score.precision:>9.3f} {score.recall:>7.3f} {score.pages_per_second:>8.1f}"
        )
    if args.docs:
        render_docs(args.docs)
        print(f"rendered synthetic pages into {args.docs}")

    for name, subset in [(n, s) for n in ("layout", "sheets") for s in (*SETS, "all")]:
        ours, peer = results[name, subset], results["whole", subset]
        for metric, value, peer_value, unit in (
            ("precision", ours.precision, peer.precision, "ratio"),
            ("recall", ours.recall, peer.recall, "ratio"),
        ):
            line = {
                "metric": f"segmentation_{name}_{metric}_iou50_{subset}",
                "value": round(value, 4),
                "unit": unit,
                "peer": "whole-canvas baseline",
                "peer_value": round(peer_value, 4),
            }
            print(json.dumps(line))
    ours, peer = results["layout", "all"], results["whole", "all"]
    print(
        json.dumps(
            {
                "metric": "segmentation_pages_per_second",
                "value": round(ours.pages_per_second, 2),
                "unit": "pages/s",
                "peer": "whole-canvas baseline",
                "peer_value": round(peer.pages_per_second, 2),
            }
        )
    )


if __name__ == "__main__":
    main()

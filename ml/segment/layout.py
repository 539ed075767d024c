"""A document-layout segmenter for printed pages, built on scikit-image and scipy.ndimage.

It finds pictures (photographs, halftones, engravings, drawings) among text columns, rules and
margins without a trained model:

1. Work on a fixed-size copy of the page and estimate the paper (or album mount) colour.
2. Mark "ink": pixels whose colour differs clearly from the paper's, plus fainter areas that
   touch such ink (a light sky inside a print) unless they reach the image edge (mount
   shading, scan margins). Drop ink components that are thin in one direction (text lines,
   words, rules, specks) before anything can merge them.
3. Close the ink mask so halftone dots, hatching and a photograph's interior merge into solid
   blobs, fill their holes (any size for blobs clear of the image edge: a print whose middle
   matches the mount is a ring of ink; bounded for blobs that could enclose the page itself),
   and cut each blob into connected components.
4. Score each component: pictures are large, fill their box, and keep ink on almost every row;
   text blocks are striped by blank inter-line rows, rules and page edges are thin.
5. Page-level decision for line art: drawings, plans and maps are open strokes that never
   close into solid blobs. Strokes are pixels a little darker than the local paper (a grey
   closing), long enough not to be letters. When at least half of them lie outside every box
   found and no large solid print was found, the sheet is one drawing: return a single box
   around its strokes (which trims the paper margins and the mount).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image
from scipy import ndimage
from skimage import color, filters, measure, morphology

from ml.segment.base import Annotation, Region, check_canvas, require_pixels, scale_box

__all__ = ["LayoutParameters", "LayoutSegmenter", "find_picture_boxes"]


@dataclass(frozen=True, slots=True)
class LayoutParameters:
    """Tunable thresholds; the defaults were tuned on gallica-images-eval (see bench/)."""

    working_size: int = 800  # long side of the working copy, in pixels
    colour_distance: float = 12.0  # CIELAB distance from the paper that counts as ink
    faint_colour_distance: float = 9.0  # ...and this much when it touches such ink (light skies)
    thin_ratio: float = 0.025  # ink components thinner than this are text lines or rules
    closing_ratio: float = 0.006  # closing radius as a fraction of the working long side
    min_side_ratio: float = 0.05  # smaller boxes are ornaments, initials or specks
    min_area_ratio: float = 0.006
    max_aspect: float = 8.0  # longer/shorter side above this: a rule or a page edge
    max_hole_ratio: float = 0.05  # larger enclosed paper areas are not inside a picture
    min_fill: float = 0.45  # component area / box area
    max_blank_rows: float = 0.25  # text blocks have many blank rows between lines
    merge_gap_ratio: float = 0.01  # boxes closer than this are fragments of one picture
    # Line art (drawings, plans, maps): strokes darker than the paper around them. The
    # whole-sheet rule is off for printed pages, where text blurred at the working size looks
    # like strokes; the `sheets` segmenter turns it on for albums, drawings and maps.
    whole_page_drawings: bool = False
    stroke_contrast: float = 4.0  # CIELAB L units below the local paper
    stroke_window_ratio: float = 0.02  # wider dark areas are not strokes
    min_stroke_ratio: float = 0.04  # stroke components shorter than this are letters or specks
    border_ratio: float = 0.02  # scan edges: strokes there are ignored
    unexplained_strokes: float = 0.5  # share of strokes outside the boxes that makes a drawing
    stroke_trim: float = 0.01  # share of stroke pixels left outside a drawing's box, each side
    solid_score: float = 0.8  # ...unless a box this solid and this large was found
    solid_area_ratio: float = 0.1
    min_drawing_ratio: float = 0.2  # a page-sized drawing covers at least this share of the page


class LayoutSegmenter:
    name = "layout"
    version = "2"
    needs_pixels = True

    def __init__(self, parameters: LayoutParameters | None = None) -> None:
        self.parameters = parameters or LayoutParameters()

    def segment(
        self,
        image: Image.Image | None,
        canvas_width: int,
        canvas_height: int,
        annotations: Sequence[Annotation] = (),
    ) -> list[Region]:
        check_canvas(canvas_width, canvas_height)
        image = require_pixels(image, self.name)
        working, scale = _working_copy(image, self.parameters.working_size)
        regions = []
        for (x, y, w, h), confidence in find_picture_boxes(working, self.parameters):
            box = scale_box(
                (x / scale, y / scale, w / scale, h / scale),
                image.size,
                (canvas_width, canvas_height),
            )
            if box is not None:
                regions.append(Region(*box, confidence=round(confidence, 4)))
        return regions


class SheetSegmenter(LayoutSegmenter):
    """`layout` for sheets rather than printed pages: a drawing, plan or map that fills the
    sheet is one illustration (tuned on gallica-images-eval's drawings and albums)."""

    name = "sheets"
    version = "1"

    def __init__(self, parameters: LayoutParameters | None = None) -> None:
        super().__init__(parameters or LayoutParameters(whole_page_drawings=True))


def _working_copy(image: Image.Image, long_side: int) -> tuple[np.ndarray, float]:
    scale = long_side / max(image.size)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    resized = image.convert("RGB").resize(size, Image.Resampling.BILINEAR)
    return np.asarray(resized, dtype=np.float64) / 255.0, scale


def paper_colour(lab: np.ndarray) -> np.ndarray:
    """The commonest colour of the page's margins in CIELAB: the paper or the album mount.

    Margins rather than the whole page: a light sky spread over two photographs can outnumber
    the mount around them. The outermost 2 % is skipped, where scanners leave their edge.
    """
    height, width = lab.shape[:2]
    ring = np.zeros((height, width), dtype=bool)
    outer_y, outer_x = int(0.02 * height), int(0.02 * width)
    inner_y, inner_x = int(0.12 * height), int(0.12 * width)
    ring[outer_y : height - outer_y, outer_x : width - outer_x] = True
    ring[inner_y : height - inner_y, inner_x : width - inner_x] = False
    samples = lab[ring] if ring.any() else lab.reshape(-1, 3)
    # Bins of 4 units: L in [0, 100], a and b in [-128, 128].
    bins = np.clip(
        np.floor((samples + np.array([0.0, 128.0, 128.0])) / 4.0).astype(np.int64), 0, 63
    )
    codes = (bins[:, 0] * 64 + bins[:, 1]) * 64 + bins[:, 2]
    mode = np.bincount(codes, minlength=64**3).argmax()
    near = np.all(np.abs(bins - [mode // 4096, mode // 64 % 64, mode % 64]) <= 1, axis=1)
    return samples[near].mean(axis=0)


def ink_mask(lab: np.ndarray, parameters: LayoutParameters) -> np.ndarray:
    """Pixels whose colour is not the paper's (at working size).

    Colour distance alone, not local texture: a texture window smears text lines into a
    solid block that the thin-component filter can no longer tell from a picture.
    """
    distance = np.linalg.norm(lab - paper_colour(lab), axis=-1)
    strong = distance > parameters.colour_distance
    # Faint areas (a light sky, a pale wash) count when they touch ink, unless either reaches
    # the image edge: that is the mount's shading or the scanner's margin, which would glue
    # every picture near the edge to the page itself.
    faint, _ = ndimage.label(distance > parameters.faint_colour_distance)
    seeds = strong & ~_touching_edge(strong)
    grow = np.setdiff1d(np.unique(faint[seeds]), _edge_labels(faint))
    return strong | np.isin(faint, grow[grow > 0])


def _edge_labels(components: np.ndarray) -> np.ndarray:
    return np.unique(
        np.concatenate((components[0], components[-1], components[:, 0], components[:, -1]))
    )


def _touching_edge(mask: np.ndarray) -> np.ndarray:
    """The connected parts of `mask` that reach the image edge."""
    components = measure.label(mask, connectivity=2)
    edge = _edge_labels(components)
    return np.isin(components, edge[edge > 0])


def stroke_mask(lightness: np.ndarray, parameters: LayoutParameters) -> np.ndarray:
    """Strokes of line art: pixels a little darker than the paper just around them.

    A grey closing wider than a stroke gives the local paper, so faint pencil on stained or
    yellowed paper still shows. Short components (letters, specks, paper grain) are dropped,
    and so is the scan's edge.
    """
    height, width = lightness.shape
    long_side = max(height, width)
    size = max(3, round(parameters.stroke_window_ratio * long_side)) | 1
    paper = ndimage.minimum_filter(ndimage.maximum_filter(lightness, size=size), size=size)
    strokes = paper - lightness > parameters.stroke_contrast
    band = max(1, round(parameters.border_ratio * long_side))
    strokes[:band] = strokes[-band:] = False
    strokes[:, :band] = strokes[:, -band:] = False
    components, _ = ndimage.label(strokes, structure=np.ones((3, 3), dtype=bool))
    keep = np.zeros(components.max() + 1, dtype=bool)
    for index, found in enumerate(ndimage.find_objects(components), start=1):
        rows, cols = found
        longest = max(rows.stop - rows.start, cols.stop - cols.start)
        keep[index] = longest >= parameters.min_stroke_ratio * long_side
    keep[0] = False
    return keep[components]


def _drop_thin_components(ink: np.ndarray, thinnest: float) -> np.ndarray:
    """Remove ink components thinner than `thinnest`: text lines, words, rules, specks.

    Pictures are thick in both directions; done before closing, so that lines of text cannot
    be merged into a block that looks like a picture.
    """
    components, _ = ndimage.label(ink, structure=np.ones((3, 3), dtype=bool))
    keep = np.zeros(components.max() + 1, dtype=bool)
    for index, found in enumerate(ndimage.find_objects(components), start=1):
        rows, cols = found
        keep[index] = min(rows.stop - rows.start, cols.stop - cols.start) >= thinnest
    keep[0] = False
    return keep[components]


def _fill_holes(blobs: np.ndarray, max_page_hole: int) -> np.ndarray:
    """Fill every hole of a blob that stays clear of the image edge, small holes of the others.

    A print whose middle matches the mount (a dark archway on a dark album page) is a ring
    of ink; its hole is the picture. Only blobs that reach the image edge (scan margins, album
    edges) can enclose the page itself, so only their holes are bounded.
    """
    framing = _touching_edge(blobs)
    inner = ndimage.binary_fill_holes(blobs & ~framing)
    return inner | morphology.remove_small_holes(framing, max_size=max_page_hole)


def _close(mask: np.ndarray, size: int) -> np.ndarray:
    # Square structuring elements are separable: max/min filters run in O(1) per pixel.
    grown = ndimage.maximum_filter(mask.astype(np.uint8), size=size, mode="constant")
    return ndimage.minimum_filter(grown, size=size, mode="nearest").astype(bool)


def _open(mask: np.ndarray, size: int) -> np.ndarray:
    shrunk = ndimage.minimum_filter(mask.astype(np.uint8), size=size, mode="nearest")
    return ndimage.maximum_filter(shrunk, size=size, mode="constant").astype(bool)


def find_picture_boxes(
    rgb: np.ndarray, parameters: LayoutParameters
) -> list[tuple[tuple[int, int, int, int], float]]:
    """Picture boxes `(x, y, w, h)` in working pixels with a confidence in [0, 1]."""
    height, width = rgb.shape[:2]
    long_side = max(height, width)
    lab = color.rgb2lab(filters.gaussian(rgb, sigma=1.0, channel_axis=-1))
    ink = ink_mask(lab, parameters)
    ink = _drop_thin_components(ink, parameters.thin_ratio * long_side)
    radius = max(1, round(parameters.closing_ratio * long_side))
    blobs = _close(ink, 2 * radius + 1)
    # Fill the light parts of pictures (skies, paper showing through a drawing) but not the
    # page itself, which a scan's dark margin or the album's edge encloses completely.
    blobs = _fill_holes(blobs, int(parameters.max_hole_ratio * height * width))
    blobs = _open(blobs, 2 * radius + 1)

    candidates = []
    for component in measure.regionprops(measure.label(blobs, connectivity=2)):
        top, left, bottom, right = component.bbox
        box_h, box_w = bottom - top, right - left
        if min(box_h, box_w) < parameters.min_side_ratio * long_side:
            continue
        if box_h * box_w < parameters.min_area_ratio * height * width:
            continue
        if max(box_h, box_w) > parameters.max_aspect * min(box_h, box_w):
            continue
        fill = component.area / (box_h * box_w)
        if fill < parameters.min_fill:
            continue
        rows = ink[top:bottom, left:right].mean(axis=1)
        blank_rows = float(np.mean(rows < 0.05))
        if blank_rows > parameters.max_blank_rows:
            continue
        candidates.append(((left, top, box_w, box_h), fill, blank_rows))

    boxes = [(box, fill * (1.0 - blank_rows)) for box, fill, blank_rows in candidates]
    gap = parameters.merge_gap_ratio * long_side
    tidy = _tidy(boxes, gap, (width, height))
    drawing = _page_sized_drawing(stroke_mask(lab[..., 0], parameters), tidy, parameters)
    if drawing is not None:
        tidy = [drawing]
    return [((int(x), int(y), int(w), int(h)), float(score)) for (x, y, w, h), score in tidy]


def _page_sized_drawing(
    strokes: np.ndarray,
    boxes: list[tuple[tuple[int, int, int, int], float]],
    parameters: LayoutParameters,
) -> tuple[tuple[int, int, int, int], float] | None:
    """One box around all strokes when the pictures found leave most of them unexplained.

    Drawings, plans and maps are open line work that never closes into a solid blob; when
    most long strokes lie outside every box found, the sheet is one drawing and its extent is
    the box of its strokes. Album pages and newspapers pass: their strokes are inside the
    photographs, and text is too short to count as strokes.
    """
    total = int(strokes.sum())
    if total == 0 or not parameters.whole_page_drawings:
        return None
    page = strokes.size
    if any(
        score >= parameters.solid_score and w * h >= parameters.solid_area_ratio * page
        for (_, _, w, h), score in boxes
    ):
        return None  # a large solid print: a photograph page, whatever its captions hold
    covered = np.zeros_like(strokes)
    for (x, y, w, h), _ in boxes:
        covered[y : y + h, x : x + w] = True
    unexplained = 1.0 - int((strokes & covered).sum()) / total
    if unexplained < parameters.unexplained_strokes:
        return None
    # Quantiles, not the extreme strokes: a torn sheet's edge or a stamp in the margin holds
    # few stroke pixels next to the drawing itself.
    rows, cols = np.nonzero(strokes)
    trim = (parameters.stroke_trim, 1.0 - parameters.stroke_trim)
    top, bottom = np.quantile(rows, trim)
    left, right = np.quantile(cols, trim)
    box = (int(left), int(top), int(right - left) + 1, int(bottom - top) + 1)
    if box[2] * box[3] < parameters.min_drawing_ratio * page:
        return None
    return box, unexplained


def _contains(outer: tuple[int, ...], inner: tuple[int, ...], share: float = 0.8) -> bool:
    return _intersection(outer, inner) >= share * inner[2] * inner[3]


def _intersection(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    width = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    height = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    return max(0, width) * max(0, height)


def _near(a: tuple[int, ...], b: tuple[int, ...], gap: float) -> bool:
    dx = max(a[0] - (b[0] + b[2]), b[0] - (a[0] + a[2]), 0)
    dy = max(a[1] - (b[1] + b[3]), b[1] - (a[1] + a[3]), 0)
    return dx <= gap and dy <= gap


def _touches(box: tuple[int, ...], size: tuple[int, int], margin: int = 2) -> int:
    """How many sides of the image the box reaches."""
    x, y, w, h = box
    width, height = size
    return sum((x <= margin, y <= margin, x + w >= width - margin, y + h >= height - margin))


def _tidy(
    boxes: list[tuple[tuple[int, int, int, int], float]], gap: float, size: tuple[int, int]
) -> list[tuple[tuple[int, int, int, int], float]]:
    """Drop page frames and fragments inside a picture, then merge neighbouring fragments."""

    def inside(i: int) -> int:
        return sum(_contains(boxes[i][0], inner) for j, (inner, _) in enumerate(boxes) if j != i)

    # A page edge or scan margin encloses the pictures it frames; a picture rarely encloses two.
    frames = {
        i
        for i in range(len(boxes))
        if inside(i) >= 2 or (inside(i) == 1 and _touches(boxes[i][0], size) >= 2)
    }
    kept = [box for i, box in enumerate(boxes) if i not in frames]
    kept = [
        (box, score)
        for i, (box, score) in enumerate(kept)
        if not any(_contains(other, box) for j, (other, _) in enumerate(kept) if j != i)
    ]
    merged = True
    while merged:
        merged = False
        for i in range(len(kept)):
            for j in range(i + 1, len(kept)):
                (a, score_a), (b, score_b) = kept[i], kept[j]
                if _near(a, b, gap):
                    left, top = min(a[0], b[0]), min(a[1], b[1])
                    right = max(a[0] + a[2], b[0] + b[2])
                    bottom = max(a[1] + a[3], b[1] + b[3])
                    union = (left, top, right - left, bottom - top)
                    kept[i] = (union, max(score_a, score_b))
                    del kept[j]
                    merged = True
                    break
            if merged:
                break
    return sorted(kept, key=lambda item: (item[0][1], item[0][0]))

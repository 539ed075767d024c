import json

import pytest
from PIL import Image, ImageDraw

from ml.evaluation import box_iou
from ml.segment import get_segmenter
from ml.segment.synthetic import newspaper_page


@pytest.mark.parametrize(
    "pictures",
    [("coffee",), ("camera", "astronaut"), ("rocket", "chelsea", "camera")],
)
def test_synthetic_newspaper_pictures_found_and_text_ignored(pictures):
    page = newspaper_page(pictures)
    regions = get_segmenter("layout").segment(page.image, page.image.width, page.image.height)
    boxes = [(r.x, r.y, r.w, r.h) for r in regions]
    assert len(boxes) == len(pictures)
    for picture in page.pictures:
        assert max(box_iou(picture, box) for box in boxes) >= 0.7
    for block in page.text_blocks:  # no region lies on text
        assert all(box_iou(block, box) < 0.1 for box in boxes)
    assert all(0.5 < r.confidence <= 1.0 for r in regions)


def test_regions_are_in_canvas_coordinates():
    page = newspaper_page(("camera", "astronaut"))
    small = page.image.resize((600, 850))
    # The image is half the canvas: boxes come back scaled to the canvas.
    regions = get_segmenter("layout").segment(small, 1200, 1700)
    for picture in page.pictures:
        assert max(box_iou(picture, (r.x, r.y, r.w, r.h)) for r in regions) >= 0.7


def test_blank_page_has_no_pictures():
    blank = Image.new("RGB", (800, 1100), (240, 235, 220))
    assert get_segmenter("layout").segment(blank, 800, 1100) == []


def test_album_pages_from_gallica(shared_dir):
    """Ten WWI album pages with 11 mounted photographs (first pages of the photo set)."""
    gallica = shared_dir / "datasets" / "gallica-images-eval"
    images = json.loads((gallica / "photo" / "annotations.json").read_text())["images"][:10]
    segmenter = get_segmenter("layout")
    found = expected = predicted = 0
    for entry in images:
        image = Image.open(gallica / entry["file"]).convert("RGB")
        boxes = [(r.x, r.y, r.w, r.h) for r in segmenter.segment(image, *image.size)]
        truth = [box["bbox_xywh_px"] for box in entry["boxes"]]
        found += sum(any(box_iou(t, b) >= 0.5 for b in boxes) for t in truth)
        expected += len(truth)
        predicted += len(boxes)
    assert (found, expected, predicted) == (11, 11, 11)


def test_drawing_pages_from_gallica(shared_dir):
    """Twelve sheets of drawings and plans (first pages of the dessins set): most are faint
    line work that never closes into a solid blob, found by the `sheets` page-sized rule."""
    gallica = shared_dir / "datasets" / "gallica-images-eval"
    images = json.loads((gallica / "dessins" / "annotations.json").read_text())["images"][:12]
    segmenter = get_segmenter("sheets")
    found = expected = predicted = 0
    for entry in images:
        image = Image.open(gallica / entry["file"]).convert("RGB")
        boxes = [(r.x, r.y, r.w, r.h) for r in segmenter.segment(image, *image.size)]
        truth = [box["bbox_xywh_px"] for box in entry["boxes"]]
        found += sum(any(box_iou(t, b) >= 0.5 for b in boxes) for t in truth)
        expected += len(truth)
        predicted += len(boxes)
    assert (found, expected, predicted) == (8, 10, 8)


def test_blank_sheet_with_pencil_drawing_is_one_picture():
    """Open line work on plain paper: no solid blob, so the page-level rule boxes its strokes."""
    sheet = Image.new("RGB", (600, 800), (236, 228, 210))
    draw = ImageDraw.Draw(sheet)
    for offset in range(0, 400, 40):  # a faint grid plan from (100, 150) to (500, 650)
        draw.line((100 + offset, 150, 100 + offset, 650), fill=(200, 192, 176), width=2)
        draw.line((100, 150 + offset * 1.25, 500, 150 + offset * 1.25), fill=(200, 192, 176))
    draw.rectangle((100, 150, 500, 650), outline=(200, 192, 176), width=2)
    assert get_segmenter("layout").segment(sheet, 600, 800) == []  # printed pages: rule off
    regions = get_segmenter("sheets").segment(sheet, 600, 800)
    assert len(regions) == 1
    assert (
        box_iou((100, 150, 400, 500), (regions[0].x, regions[0].y, regions[0].w, regions[0].h))
        > 0.9
    )

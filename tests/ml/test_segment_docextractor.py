from pathlib import Path

import pytest
import torch
from PIL import Image

from ml.segment import Region, get_segmenter
from ml.segment.docextractor import (
    DocExtractorSegmenter,
    ResUNet,
    WeightsFormatError,
    WeightsUnavailableError,
    build_model,
    regions_from_logits,
)

# The configuration of the published `default` model (configs/syndoc.yml in the authors' repo).
MODEL_KWARGS = {
    "norm_layer": {
        "name": "instance_norm",
        "momentum": 0.1,
        "affine": True,
        "track_running_stats": False,
        "num_groups": 32,
    },
    "conv_as_maxpool": True,
    "use_deconv": True,
}
RESTRICTED_LABELS = [1, 4, 6]


def write_checkpoint(path: Path, resolution: int = 160) -> ResUNet:
    """A randomly initialised model saved the way the authors' trainer saves `model.pkl`."""
    torch.manual_seed(0)
    model = build_model("res_unet18", len(RESTRICTED_LABELS) + 1, MODEL_KWARGS)
    state = {
        "epoch": 1,
        "batch": 1,
        "model_name": "res_unet18",
        "model_kwargs": MODEL_KWARGS,
        # DataParallel prefix, as in the published file.
        "model_state": {f"module.{key}": value for key, value in model.state_dict().items()},
        "n_classes": len(RESTRICTED_LABELS) + 1,
        "optimizer_state": {},
        "scheduler_state": {},
        "score": 0.5,
        "train_resolution": [resolution, resolution],
        "restricted_labels": RESTRICTED_LABELS,
        "normalize": True,
    }
    torch.save(state, path)
    return model


def test_state_dict_names_and_shapes_follow_the_authors_code():
    # Derived by hand from src/models/{res_unet,resnet,tools}.py of monniert/docExtractor.
    expected = {
        "layer0.0.weight": (64, 3, 7, 7),
        "layer0.1.weight": (64,),
        "layer1.0.weight": (64, 64, 3, 3),  # strided conv replacing the max-pool
        "layer1.3.conv1.weight": (64, 64, 3, 3),
        "layer2.0.downsample.0.weight": (128, 64, 1, 1),
        "layer4.1.bn2.bias": (512,),
        "layer4_up.decode.deconv.weight": (512, 256, 3, 3),
        "layer4_up.decode.deconv.bias": (256,),
        "layer4_up.conv_block.conv1.weight": (256, 512, 3, 3),
        "layer1_up.decode.deconv.weight": (64, 32, 3, 3),
        "layer1_up.conv_block.conv1.weight": (64, 96, 3, 3),
        "layer0_up.decode.deconv.weight": (64, 32, 3, 3),
        "layer0_up.conv_block.conv1.weight": (32, 35, 3, 3),
        "final_layer.conv.weight": (4, 32, 1, 1),
    }
    state = build_model("res_unet18", 4, MODEL_KWARGS).state_dict()
    assert {key: tuple(state[key].shape) for key in expected} == expected
    assert not any("running_mean" in key for key in state)  # instance norm, no running stats
    assert "layer1.3.conv1.weight" not in build_model("res_unet18", 4, {}).state_dict()


def test_forward_keeps_input_size_for_odd_sizes():
    model = build_model("res_unet18", 4, MODEL_KWARGS).eval()
    with torch.inference_mode():
        out = model(torch.zeros(1, 3, 97, 131))
    assert tuple(out.shape) == (1, 4, 97, 131)


def test_missing_weights_name_the_setting(tmp_path):
    with pytest.raises(WeightsUnavailableError) as caught:
        DocExtractorSegmenter(weights_path=None)
    message = str(caught.value)
    assert "CONTAGIONS_SEGMENTER__DOCEXTRACTOR_WEIGHTS is not set" in message
    assert "models.zip" in message
    with pytest.raises(WeightsUnavailableError, match="which is not a file"):
        DocExtractorSegmenter(weights_path=tmp_path / "model.pkl")


def test_garbage_file_is_a_format_error(tmp_path):
    path = tmp_path / "model.pkl"
    path.write_bytes(b"<html>not a checkpoint</html>")
    with pytest.raises(WeightsFormatError, match="cannot read docExtractor weights"):
        DocExtractorSegmenter(weights_path=path)


def test_wrong_architecture_is_a_format_error(tmp_path):
    path = tmp_path / "model.pkl"
    torch.save({"model_name": "res_unet50", "model_state": {}, "n_classes": 4}, path)
    with pytest.raises(WeightsFormatError, match="'res_unet50' is not supported"):
        DocExtractorSegmenter(weights_path=path)


def test_loading_and_inference_with_a_written_checkpoint(tmp_path):
    path = tmp_path / "model.pkl"
    reference = write_checkpoint(path, resolution=160)
    segmenter = get_segmenter("docextractor", weights_path=path)
    assert (segmenter.name, segmenter.version) == ("docextractor", "1")

    loaded = segmenter._checkpoint.model.state_dict()
    for key, value in reference.state_dict().items():
        assert torch.equal(loaded[key], value), key

    page = Image.new("RGB", (300, 400), "white")
    page.paste((30, 30, 30), (40, 60, 200, 220))
    logits = segmenter.logits(page)
    # Fits 160x160 keeping the 3:4 aspect ratio: 120x160, one channel per class + background.
    assert tuple(logits.shape) == (4, 160, 120)
    # Whatever these untrained weights predict, `segment` is exactly the logits turned into
    # canvas boxes (the conversion itself is checked on planted logits below).
    regions = segmenter.segment(page, canvas_width=3000, canvas_height=4000)
    expected = regions_from_logits(logits, 1, canvas_width=3000, canvas_height=4000)
    assert regions == expected
    assert all(isinstance(region, Region) for region in regions)


def test_planted_illustration_logits_become_a_canvas_box():
    logits = torch.zeros(4, 100, 80)
    logits[0] = 1.0  # background everywhere ...
    logits[1, 10:60, 20:50] = 5.0  # ... but an illustration block of 30x50 cells
    logits[1, 90:92, 0:2] = 5.0  # a speck under 0.5 % of the page: dropped
    logits[2, 70:80, 10:70] = 5.0  # text: never an illustration
    regions = regions_from_logits(logits, 1, canvas_width=800, canvas_height=1000)
    assert len(regions) == 1
    region = regions[0]
    assert (region.x, region.y, region.w, region.h) == (200, 100, 300, 500)
    expected = torch.softmax(torch.tensor([1.0, 5.0, 0.0, 0.0]), dim=0)[1].item()
    assert region.confidence == pytest.approx(expected, abs=1e-4)


def test_component_with_a_hole_is_one_box():
    logits = torch.zeros(4, 50, 50)
    logits[1, 10:40, 10:40] = 5.0
    logits[1, 20:30, 20:30] = 0.0  # a hole (e.g. a caption inside the picture's frame)
    logits[0, 20:30, 20:30] = 5.0
    regions = regions_from_logits(logits, 1, canvas_width=50, canvas_height=50)
    assert [(r.x, r.y, r.w, r.h) for r in regions] == [(10, 10, 30, 30)]

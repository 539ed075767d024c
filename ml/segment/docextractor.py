"""docExtractor (Monnier & Aubry, ICFHR 2020) as a segmenter, loading its published weights.

The network is the paper's Res-UNet: a ResNet-18 encoder whose max-pool is replaced by a
strided convolution, instance normalisation, and a decoder of transposed convolutions with
skip connections. Module names follow the authors' code (`src/models/res_unet.py`) so their
`model.pkl` loads key for key. Post-processing is theirs too (`src/extractor.py` with
`--straight_bbox`): resize to fit the training resolution, arg-max over classes, keep connected
illustration components covering at least 0.5 % of the page, return straight boxes.
"""

from __future__ import annotations

import collections
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import torch
from numpy._core.multiarray import scalar as numpy_scalar
from PIL import Image
from scipy import ndimage
from torch import nn
from torch.nn import functional

from ml.segment.base import (
    Annotation,
    Region,
    SegmentationError,
    check_canvas,
    require_pixels,
    scale_box,
)

__all__ = [
    "ILLUSTRATION_LABEL",
    "TEXT_LABEL",
    "DocExtractorCheckpoint",
    "DocExtractorSegmenter",
    "ResUNet",
    "WeightsFormatError",
    "WeightsUnavailableError",
    "load_checkpoint",
    "regions_from_logits",
]

# Labels of the authors' synthetic pages (src/utils/constant.py). A model trained on
# `restricted_labels` predicts channel 0 for background and channel i + 1 for the i-th label.
ILLUSTRATION_LABEL = 1
TEXT_LABEL = 4
MIN_AREA_RATIO = 0.005  # LABEL_TO_DOCUMENT_CC_AREA_RATIO_THRESHOLD[ILLUSTRATION_LABEL]

WEIGHTS_SETTING = "CONTAGIONS_SEGMENTER__DOCEXTRACTOR_WEIGHTS"
WEIGHTS_SOURCE = (
    "http://imagine.enpc.fr/~monniert/docExtractor/resrc/models.zip "
    "(scripts/download_models.sh in github.com/monniert/docExtractor; use models/default/model.pkl)"
)

_FINAL_LAYER_CHANNELS = 32
_INPUT_CHANNELS = 3
_SUPPORTED_ENCODERS = {"res_unet18": (2, 2, 2, 2), "res_unet34": (3, 4, 6, 3)}
_UNSUPPORTED_OPTIONS = ("use_dhsegment", "use_upcatconv", "reduced_layers", "replace_with_dilation")


class WeightsUnavailableError(FileNotFoundError):
    """The docExtractor weights file is not configured or not on disk."""


class WeightsFormatError(ValueError):
    """The weights file is not a docExtractor checkpoint this module can load."""


# --- network ------------------------------------------------------------------------------


def _conv3x3(in_planes: int, out_planes: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=1, bias=False)


def _conv1x1(in_planes: int, out_planes: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False)


def norm_layer_factory(
    name: str = "batch_norm",
    momentum: float = 0.1,
    affine: bool = True,
    track_running_stats: bool = True,
    num_groups: int = 32,
) -> Any:
    """The normalisation layer constructor named in a checkpoint's `model_kwargs["norm_layer"]`."""
    if name == "batch_norm":
        return partial(
            nn.BatchNorm2d,
            momentum=momentum,
            affine=affine,
            track_running_stats=track_running_stats,
        )
    if name == "instance_norm":
        return partial(
            nn.InstanceNorm2d,
            momentum=momentum,
            affine=affine,
            track_running_stats=track_running_stats,
        )
    if name == "group_norm":
        return lambda channels: nn.GroupNorm(num_groups, channels, affine=affine)
    raise WeightsFormatError(f"unknown norm layer {name!r}")


class BasicBlock(nn.Module):
    """torchvision's ResNet basic block (same attribute names, so the same state-dict keys)."""

    def __init__(self, inplanes: int, planes: int, stride: int, norm: Any) -> None:
        super().__init__()
        self.conv1 = _conv3x3(inplanes, planes, stride)
        self.bn1 = norm(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = _conv3x3(planes, planes)
        self.bn2 = norm(planes)
        self.downsample = None
        if stride != 1 or inplanes != planes:
            self.downsample = nn.Sequential(_conv1x1(inplanes, planes, stride), norm(planes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class _Upsample(nn.Module):
    """Bilinear upsampling then a convolution (the decoder when `use_deconv` is off)."""

    def __init__(self, in_channels: int, out_channels: int, norm: Any, use_conv1x1: bool) -> None:
        super().__init__()
        self.conv = (_conv1x1 if use_conv1x1 else _conv3x3)(in_channels, out_channels)
        self.norm = norm(out_channels)
        self.act = nn.ReLU()

    def forward(self, x: torch.Tensor, output_size: Sequence[int]) -> torch.Tensor:
        x = functional.interpolate(x, size=tuple(output_size[2:]), mode="bilinear")
        return self.act(self.norm(self.conv(x)))


class _Deconv(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, norm: Any) -> None:
        super().__init__()
        self.deconv = nn.ConvTranspose2d(
            in_channels, out_channels, kernel_size=3, stride=2, padding=1
        )
        self.norm = norm(out_channels)
        self.act = nn.ReLU()

    def forward(self, x: torch.Tensor, output_size: Sequence[int]) -> torch.Tensor:
        return self.act(self.norm(self.deconv(x, output_size=list(output_size))))


class DecoderModule(nn.Module):
    """Upsample `x`, concatenate the encoder's skip tensor, convolve once."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        cat_channels: int,
        norm: Any,
        use_deconv: bool,
        use_conv1x1: bool,
        same_up_channels: bool,
    ) -> None:
        super().__init__()
        up_channels = in_channels if same_up_channels else in_channels // 2
        if use_deconv:
            self.decode: nn.Module = _Deconv(in_channels, up_channels, norm)
        else:
            self.decode = _Upsample(in_channels, up_channels, norm, use_conv1x1)
        self.conv_block = nn.Sequential(
            OrderedDict(
                [
                    ("conv1", _conv3x3(up_channels + cat_channels, out_channels)),
                    ("bn1", norm(out_channels)),
                    ("relu1", nn.ReLU()),
                ]
            )
        )

    def forward(self, x: torch.Tensor, other: torch.Tensor) -> torch.Tensor:
        try:
            x = self.decode(x, output_size=other.size())
        except ValueError:
            # A transposed convolution cannot reach every odd size: reach the even size below
            # and pad on the top/left, as the authors do.
            batch, channels, height, width = other.size()
            even_h, even_w = height // 2 * 2, width // 2 * 2
            x = self.decode(x, output_size=(batch, channels, even_h, even_w))
            x = functional.pad(x, (width - even_w, 0, height - even_h, 0))
        return self.conv_block(torch.cat((x, other), dim=1))


class ResUNet(nn.Module):
    """U-Net with a ResNet-18/34 encoder, as in docExtractor's `ResUNet`."""

    def __init__(
        self,
        n_classes: int,
        encoder_blocks: Sequence[int] = (2, 2, 2, 2),
        norm_layer: Mapping[str, Any] | None = None,
        conv_as_maxpool: bool = False,
        no_maxpool: bool = False,
        use_deconv: bool = False,
        use_conv1x1: bool = False,
        same_up_channels: bool = False,
    ) -> None:
        super().__init__()
        if conv_as_maxpool and no_maxpool:
            raise WeightsFormatError("conv_as_maxpool and no_maxpool cannot both be set")
        norm = norm_layer_factory(**dict(norm_layer or {}))
        self.layer0 = nn.Sequential(
            nn.Conv2d(_INPUT_CHANNELS, 64, kernel_size=7, stride=2, padding=3, bias=False),
            norm(64),
            nn.ReLU(inplace=True),
        )
        blocks = [BasicBlock(64, 64, 1, norm) for _ in range(encoder_blocks[0])]
        if conv_as_maxpool:
            # The authors found max-pooling makes high-frequency artefacts; a strided conv
            # downsamples instead.
            head: list[nn.Module] = [_conv3x3(64, 64, stride=2), norm(64), nn.ReLU()]
        elif no_maxpool:
            head = []
        else:
            head = [nn.MaxPool2d(kernel_size=3, stride=2, padding=1)]
        self.layer1 = nn.Sequential(*head, *blocks)
        self.layer2 = self._encoder_layer(64, 128, encoder_blocks[1], norm)
        self.layer3 = self._encoder_layer(128, 256, encoder_blocks[2], norm)
        self.layer4 = self._encoder_layer(256, 512, encoder_blocks[3], norm)

        decoder = partial(
            DecoderModule,
            norm=norm,
            use_deconv=use_deconv,
            use_conv1x1=use_conv1x1,
            same_up_channels=same_up_channels,
        )
        self.layer4_up = decoder(512, 256, 256)
        self.layer3_up = decoder(256, 128, 128)
        self.layer2_up = decoder(128, 64, 64)
        self.layer1_up = decoder(64, 64, 64)
        self.layer0_up = decoder(64, _FINAL_LAYER_CHANNELS, _INPUT_CHANNELS)
        self.final_layer = nn.Sequential(
            OrderedDict([("conv", _conv1x1(_FINAL_LAYER_CHANNELS, n_classes))])
        )

    @staticmethod
    def _encoder_layer(inplanes: int, planes: int, count: int, norm: Any) -> nn.Sequential:
        first = BasicBlock(inplanes, planes, 2, norm)
        return nn.Sequential(
            first, *(BasicBlock(planes, planes, 1, norm) for _ in range(count - 1))
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x0 = self.layer0(x)
        x1 = self.layer1(x0)
        x2 = self.layer2(x1)
        x3 = self.layer3(x2)
        x4 = self.layer4(x3)
        x3 = self.layer4_up(x4, other=x3)
        x2 = self.layer3_up(x3, other=x2)
        x1 = self.layer2_up(x2, other=x1)
        x0 = self.layer1_up(x1, other=x0)
        x = self.layer0_up(x0, other=x)
        return self.final_layer(x)


# --- checkpoint ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DocExtractorCheckpoint:
    """What inference needs from a docExtractor `model.pkl`."""

    model: ResUNet
    train_resolution: tuple[int, int]
    restricted_labels: tuple[int, ...]
    normalize: bool


def build_model(model_name: str, n_classes: int, model_kwargs: Mapping[str, Any]) -> ResUNet:
    """The network a checkpoint describes, refusing options this module does not implement."""
    if model_name not in _SUPPORTED_ENCODERS:
        raise WeightsFormatError(
            f"model {model_name!r} is not supported; supported: {sorted(_SUPPORTED_ENCODERS)}"
        )
    for option in _UNSUPPORTED_OPTIONS:
        if model_kwargs.get(option):
            raise WeightsFormatError(f"model option {option!r} is not supported")
    strides = model_kwargs.get("strides", 2)
    if strides != 2 and list(strides) != [2] * 5:
        raise WeightsFormatError(f"encoder strides {strides!r} are not supported")
    return ResUNet(
        n_classes,
        encoder_blocks=_SUPPORTED_ENCODERS[model_name],
        norm_layer=model_kwargs.get("norm_layer"),
        conv_as_maxpool=bool(model_kwargs.get("conv_as_maxpool", False)),
        no_maxpool=bool(model_kwargs.get("no_maxpool", False)),
        use_deconv=bool(model_kwargs.get("use_deconv", False)),
        use_conv1x1=bool(model_kwargs.get("use_conv1x1", False)),
        same_up_channels=bool(model_kwargs.get("same_up_channels", False)),
    )


def _read(path: Path) -> Mapping[str, Any]:
    # The authors' trainer pickles its scheduler state (a Counter of milestones) and a numpy
    # score next to the tensors; allow exactly those rather than arbitrary unpickling.
    allowed: list[Any] = [collections.Counter, np.dtype, numpy_scalar]
    allowed += [type(np.dtype(kind)) for kind in ("float64", "float32", "int64")]
    try:
        with torch.serialization.safe_globals(allowed):
            checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises UnpicklingError, RuntimeError, EOFError, ...
        raise WeightsFormatError(f"cannot read docExtractor weights {path}: {exc}") from exc
    if not isinstance(checkpoint, Mapping):
        raise WeightsFormatError(f"{path} holds a {type(checkpoint).__name__}, not a checkpoint")
    return checkpoint


def load_checkpoint(path: str | Path | None) -> DocExtractorCheckpoint:
    """Load docExtractor's `model.pkl` (a dict with `model_name`, `model_state`, …)."""
    if path is None or not Path(path).is_file():
        where = "is not set" if path is None else f"points to {path}, which is not a file"
        raise WeightsUnavailableError(
            f"docExtractor weights are unavailable: {WEIGHTS_SETTING} {where}. "
            f"Download them from {WEIGHTS_SOURCE} and set {WEIGHTS_SETTING} to that file."
        )
    path = Path(path)
    checkpoint = _read(path)
    missing = {"model_name", "model_state", "n_classes"} - set(checkpoint)
    if missing:
        raise WeightsFormatError(f"{path} lacks {sorted(missing)}: not a docExtractor checkpoint")

    model = build_model(
        checkpoint["model_name"], int(checkpoint["n_classes"]), checkpoint.get("model_kwargs", {})
    )
    # Saved from torch.nn.DataParallel: keys carry a "module." prefix.
    state = {
        (key[len("module.") :] if key.startswith("module.") else key): value
        for key, value in checkpoint["model_state"].items()
    }
    expected = model.state_dict()
    missing_keys = sorted(set(expected) - set(state))
    wrong_shapes = [
        key for key in expected if key in state and state[key].shape != expected[key].shape
    ]
    if missing_keys or wrong_shapes:
        raise WeightsFormatError(
            f"{path} does not match the {checkpoint['model_name']} architecture: "
            f"missing {missing_keys[:5]}, wrong shapes {wrong_shapes[:5]}"
        )
    model.load_state_dict({key: state[key] for key in expected})
    model.eval()

    resolution = checkpoint.get("train_resolution") or (1280, 1280)
    if isinstance(resolution, int | float):
        resolution = (int(resolution), int(resolution))
    labels = tuple(sorted(int(label) for label in checkpoint.get("restricted_labels") or ()))
    if ILLUSTRATION_LABEL not in labels:
        raise WeightsFormatError(f"{path} was not trained to find illustrations (labels {labels})")
    return DocExtractorCheckpoint(
        model=model,
        train_resolution=(int(resolution[0]), int(resolution[1])),
        restricted_labels=labels,
        normalize=bool(checkpoint.get("normalize", True)),
    )


# --- inference ----------------------------------------------------------------------------


def fit_size(size: tuple[int, int], bounds: tuple[int, int]) -> tuple[int, int]:
    """Scale `size` to fit `bounds` keeping the aspect ratio (up or down, as the authors do)."""
    ratio = min(bound / side for bound, side in zip(bounds, size, strict=True))
    return round(ratio * size[0]), round(ratio * size[1])


def prepare_input(image: Image.Image, bounds: tuple[int, int], normalize: bool) -> torch.Tensor:
    """A `(1, 3, H, W)` float tensor, resized and standardised per channel like in training."""
    resized = image.convert("RGB").resize(fit_size(image.size, bounds), Image.Resampling.LANCZOS)
    pixels = np.asarray(resized, dtype=np.float32) / 255.0
    if normalize:
        pixels = (pixels - pixels.mean(axis=(0, 1))) / (pixels.std(axis=(0, 1)) + 1e-7)
    return torch.from_numpy(np.ascontiguousarray(pixels.transpose(2, 0, 1)))[None]


def regions_from_logits(
    logits: torch.Tensor,
    illustration_channel: int,
    canvas_width: int,
    canvas_height: int,
    min_area_ratio: float = MIN_AREA_RATIO,
) -> list[Region]:
    """Straight boxes of the arg-max illustration components of `(n_classes, H, W)` logits.

    Components are 8-connected with holes filled (what OpenCV's external contours enclose);
    confidence is the mean softmax probability of the illustration class over the component.
    """
    if logits.dim() != 3:
        raise SegmentationError(f"expected (classes, H, W) logits, got {tuple(logits.shape)}")
    probabilities = torch.softmax(logits.float(), dim=0)
    mask = (probabilities.argmax(dim=0) == illustration_channel).numpy()
    illustration = probabilities[illustration_channel].numpy()
    height, width = mask.shape
    components, _ = ndimage.label(mask, structure=np.ones((3, 3), dtype=bool))
    regions: list[tuple[int, Region]] = []
    for index, found in enumerate(ndimage.find_objects(components), start=1):
        if found is None:
            continue
        rows, cols = found
        own = components[found] == index
        filled = ndimage.binary_fill_holes(own)
        if filled.sum() / (width * height) < min_area_ratio:
            continue
        box = (cols.start, rows.start, cols.stop - cols.start, rows.stop - rows.start)
        canvas_box = scale_box(box, (width, height), (canvas_width, canvas_height))
        if canvas_box is None:
            continue
        confidence = float(illustration[found][own].mean())
        regions.append((rows.start, Region(*canvas_box, confidence=round(confidence, 4))))
    # Top to bottom, like the authors' extractor.
    return [region for _, region in sorted(regions, key=lambda item: item[0])]


class DocExtractorSegmenter:
    name = "docextractor"
    version = "1"
    needs_pixels = True

    def __init__(
        self,
        weights_path: str | Path | None = None,
        device: str = "cpu",
        min_area_ratio: float = MIN_AREA_RATIO,
    ) -> None:
        self._checkpoint = load_checkpoint(weights_path)
        self._device = torch.device(device)
        self._checkpoint.model.to(self._device)
        self._channel = self._checkpoint.restricted_labels.index(ILLUSTRATION_LABEL) + 1
        self._min_area_ratio = min_area_ratio

    def logits(self, image: Image.Image) -> torch.Tensor:
        """`(n_classes, H, W)` logits at the resolution the network sees."""
        checkpoint = self._checkpoint
        batch = prepare_input(image, checkpoint.train_resolution, checkpoint.normalize)
        with torch.inference_mode():
            return checkpoint.model(batch.to(self._device))[0].cpu()

    def segment(
        self,
        image: Image.Image | None,
        canvas_width: int,
        canvas_height: int,
        annotations: Sequence[Annotation] = (),
    ) -> list[Region]:
        check_canvas(canvas_width, canvas_height)
        return regions_from_logits(
            self.logits(require_pixels(image, self.name)),
            self._channel,
            canvas_width,
            canvas_height,
            self._min_area_ratio,
        )

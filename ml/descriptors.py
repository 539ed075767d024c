"""Images → global descriptors: preprocessing, GeM pooling and a batched extractor.

Preprocessing follows DINO's copy-detection evaluation: RGB, bicubic resize to a square
(no crop, aspect ratio not kept), then per-channel mean/std normalization.

The extractor runs under ``torch.inference_mode``, uses bf16 autocast and channels-last on CUDA
and can ``torch.compile`` the network. On CUDA it decodes and resizes the next batch in a
thread pool (Pillow releases the GIL) while the GPU works on the current one.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Literal, TypeVar

import numpy as np
import torch
from PIL import Image

from ml.backbones import IMAGENET_MEAN, IMAGENET_STD, Backbone
from ml.images import ImageDecodeError
from ml.images import decode_image as decode_safely

__all__ = [
    "DescriptorExtractor",
    "Extraction",
    "ImageDecodeError",
    "decode_image",
    "preprocess",
    "resize_rgb",
]

Precision = Literal["fp32", "bf16"]
Item = TypeVar("Item")


# Encoded images are decoded by the one safe decoder (pixel limit, truncation, colour modes).
ENCODED_MAX_PIXELS = 180_000_000


@dataclass(frozen=True)
class Extraction:
    """Descriptors for the inputs that decoded; ``errors`` maps input position → reason."""

    vectors: np.ndarray
    indices: tuple[int, ...]
    errors: dict[int, str]


def decode_image(data: bytes) -> Image.Image:
    """Encoded bytes → RGB image, through `ml.images.decode_image`."""
    try:
        return decode_safely(data, None, ENCODED_MAX_PIXELS)
    except ImageDecodeError as exc:
        raise type(exc)(f"cannot decode image: {exc}") from exc


def resize_rgb(image: Image.Image, size: int) -> np.ndarray:
    """RGB, bicubic resize to size×size → uint8 array [size, size, 3]."""
    resized = image.convert("RGB").resize((size, size), Image.Resampling.BICUBIC)
    return np.asarray(resized, dtype=np.uint8)


def normalize(pixels: torch.Tensor, mean: Sequence[float], std: Sequence[float]) -> torch.Tensor:
    """uint8 [B, H, W, 3] → float32 [B, 3, H, W], scaled to [0, 1] then standardized."""
    x = pixels.permute(0, 3, 1, 2).float().div(255.0)
    mean_t = torch.tensor(mean, dtype=torch.float32, device=x.device).view(1, 3, 1, 1)
    std_t = torch.tensor(std, dtype=torch.float32, device=x.device).view(1, 3, 1, 1)
    return x.sub(mean_t).div(std_t).contiguous()


def preprocess(
    images: Sequence[Image.Image],
    image_size: int = 320,
    mean: Sequence[float] = IMAGENET_MEAN,
    std: Sequence[float] = IMAGENET_STD,
) -> torch.Tensor:
    """PIL images → normalized float32 batch [B, 3, image_size, image_size]."""
    pixels = torch.from_numpy(np.stack([resize_rgb(im, image_size) for im in images]))
    return normalize(pixels, mean, std)


class DescriptorExtractor:
    """Batched descriptor extraction for one backbone; create once per worker process.

    ``precision=None`` means bf16 autocast on CUDA and exact fp32 on CPU. ``compile=True``
    pads every batch to ``batch_size`` so the compiled graph is built once.
    """

    def __init__(
        self,
        backbone: Backbone,
        device: str | torch.device | None = None,
        batch_size: int = 32,
        compile: bool = False,
        precision: Precision | None = None,
        decode_workers: int | None = None,
    ) -> None:
        self.backbone = backbone
        self.device = torch.device(device) if device is not None else backbone.device
        self.batch_size = batch_size
        self.precision: Precision = precision or ("bf16" if self.device.type == "cuda" else "fp32")
        self.compiled = compile
        # Module.to works in place: the backbone itself now lives on this device.
        backbone.module.to(self.device).eval()
        if self.device.type == "cuda":
            backbone.module.to(memory_format=torch.channels_last)
        self._forward: Callable[[torch.Tensor], torch.Tensor] = backbone.forward_features
        if compile:
            self._forward = torch.compile(backbone.forward_features, dynamic=False)
        if decode_workers is None:
            # On CPU the network already keeps every core busy; decode threads beside it
            # only preempt its GEMM threads (measured slower on 2 cores), so decode inline.
            decode_workers = 0 if self.device.type == "cpu" else min(8, os.cpu_count() or 1)
        self._pool = (
            ThreadPoolExecutor(decode_workers, thread_name_prefix="decode")
            if decode_workers > 0
            else None
        )

    def extract(self, images: Sequence[Image.Image]) -> np.ndarray:
        """PIL images → float32 descriptors [N, feature_dim]."""
        result = self._run(list(images), self._prepare_image)
        if result.errors:
            first = min(result.errors)
            raise ImageDecodeError(f"image {first}: {result.errors[first]}")
        return result.vectors

    def extract_encoded(self, blobs: Sequence[bytes]) -> Extraction:
        """Encoded images → descriptors; undecodable ones are reported, not raised."""
        return self._run(list(blobs), self._prepare_bytes)

    def extract_tensor(self, batch: torch.Tensor) -> np.ndarray:
        """An already normalized batch [B, 3, S, S] → descriptors [B, feature_dim]."""
        return self._infer(batch)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)

    def __enter__(self) -> DescriptorExtractor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- internals -----------------------------------------------------------------------

    def _prepare_image(self, image: Image.Image) -> np.ndarray:
        try:
            return resize_rgb(image, self.backbone.image_size)
        except OSError as exc:  # lazily opened files fail here when truncated
            raise ImageDecodeError(f"cannot decode image: {exc}") from exc

    def _prepare_bytes(self, data: bytes) -> np.ndarray:
        return resize_rgb(decode_image(data), self.backbone.image_size)

    def _run(self, items: list[Item], prepare: Callable[[Item], np.ndarray]) -> Extraction:
        starts = range(0, len(items), self.batch_size)
        chunks = [list(enumerate(items[s : s + self.batch_size], start=s)) for s in starts]
        vectors: list[np.ndarray] = []
        indices: list[int] = []
        errors: dict[int, str] = {}
        pending = self._submit(chunks[0], prepare) if chunks else []
        for n in range(len(chunks)):
            current = pending
            # Queue the next batch's decoding before running this one so the two overlap.
            pending = self._submit(chunks[n + 1], prepare) if n + 1 < len(chunks) else []
            pixels = []
            for index, result in current:
                try:
                    pixels.append(result())
                    indices.append(index)
                except ImageDecodeError as exc:
                    errors[index] = str(exc)
            if pixels:
                batch = normalize(
                    torch.from_numpy(np.stack(pixels)), self.backbone.mean, self.backbone.std
                )
                vectors.append(self._infer(batch))
        dim = self.backbone.feature_dim
        stacked = np.concatenate(vectors) if vectors else np.zeros((0, dim), np.float32)
        return Extraction(vectors=stacked, indices=tuple(indices), errors=errors)

    def _submit(
        self, chunk: list[tuple[int, Item]], prepare: Callable[[Item], np.ndarray]
    ) -> list[tuple[int, Callable[[], np.ndarray]]]:
        """Start preparing a chunk; each entry's callable returns the pixels or raises."""
        if self._pool is None:
            return [(index, partial(prepare, item)) for index, item in chunk]
        return [(index, self._pool.submit(prepare, item).result) for index, item in chunk]

    def _infer(self, batch: torch.Tensor) -> np.ndarray:
        count = batch.shape[0]
        if self.compiled and count < self.batch_size:
            padding = batch.new_zeros((self.batch_size - count, *batch.shape[1:]))
            batch = torch.cat((batch, padding))
        on_cuda = self.device.type == "cuda"
        batch = batch.to(self.device, non_blocking=on_cuda)
        if on_cuda:
            batch = batch.contiguous(memory_format=torch.channels_last)
        with (
            torch.inference_mode(),
            torch.autocast(
                self.device.type, dtype=torch.bfloat16, enabled=self.precision == "bf16"
            ),
        ):
            out = self._forward(batch)
        return out[:count].float().cpu().numpy()

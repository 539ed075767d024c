"""Illustrations → descriptors → the vector store; and fitting the PCA whitening.

Crops come through the IIIF Image API at the size the backbone needs (region + size in the URL,
as the seed does to save bandwidth), or are cut from the page image when the service cannot
cut regions. Decoding runs in a thread pool; the model runs batched. Failures are recorded per
illustration, never per batch.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
from PIL import Image

from graph import descriptors as repo
from graph.db import GraphDB
from graph.descriptors import DescriptorModelRecord, IllustrationSource
from ingest.cache import ImageCache
from ingest.errors import FetchError
from ingest.fetch import Fetcher
from ingest.page_images import fetch_image
from ml.backbones import Backbone, WeightsUnavailableError, load_backbone
from ml.descriptors import DescriptorExtractor
from ml.images import ImageDecodeError, decode_image
from ml.matching import match_thresholds_for
from ml.pca import PCAWhitening
from ml.printed import PrintNormalization
from ml.vectors import VectorStore, collection_name, illustration_payload

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp", ".bmp", ".gif"}


class NoDescriptorModelError(RuntimeError):
    """No PCA has been fitted yet: `contagions pca fit` makes one."""


# A whitened PCA needs many images per kept dimension: past `len(sample) / SAMPLES_PER_DIM`
# the extra dimensions are noise that whitening blows up (measured in bench/quality.py).
SAMPLES_PER_DIM = 8
MIN_PCA_DIM = 16


@dataclass(frozen=True)
class CropLimits:
    """How crops are fetched (size and safety limits) and prepared for the backbone."""

    prepare: PrintNormalization = field(default_factory=PrintNormalization)
    max_bytes: int = 80_000_000
    max_pixels: int = 180_000_000

    @property
    def size(self) -> int:
        return self.prepare.size


def pca_dim(wanted: int, input_dim: int, samples: int) -> int:
    return max(1, min(wanted, input_dim, max(MIN_PCA_DIM, samples // SAMPLES_PER_DIM)))


@dataclass(frozen=True)
class CropSource:
    """Where illustration pixels come from: boxes in the graph, pages through IIIF, a cache."""

    db: GraphDB
    fetcher: Fetcher
    cache: ImageCache | None
    limits: CropLimits


@dataclass(frozen=True)
class IndexOutcome:
    indexed: tuple[str, ...]
    failed: dict[str, str]


@dataclass(frozen=True)
class BackboneChoice:
    backbone: Backbone
    fallback_reason: str | None  # set when the configured backbone had no weights


def load_configured_backbone(
    name: str,
    checkpoint: Path | None,
    allow_download: bool,
    fallback: str,
    device: str = "cpu",
) -> BackboneChoice:
    """The configured backbone, or the packaged trained one when its weights are unavailable.

    Never random weights: without weights and without a fallback this raises.
    """
    try:
        return BackboneChoice(load_backbone(name, checkpoint, allow_download, device), None)
    except WeightsUnavailableError as exc:
        if fallback in ("none", name):
            raise
        log.warning("%s; using the packaged %s backbone instead", exc, fallback)
        return BackboneChoice(load_backbone(fallback, None, False, device), str(exc))


def crop_image(
    source: IllustrationSource, fetcher: Fetcher, cache: ImageCache | None, limits: CropLimits
) -> Image.Image:
    """The illustration's pixels at about `limits.size` on the longest side."""
    x, y, w, h = source.box
    page = source.page
    fetched = fetch_image(page, fetcher, limits.size, limits.max_bytes, cache, region=source.box)
    image = decode_image(fetched.content, fetched.content_type, limits.max_pixels)
    if not fetched.needs_crop:
        return limits.prepare.apply(image)
    # The server sent the whole page: cut the region out at the page image's scale.
    scale_x = image.width / (page.width or image.width)
    scale_y = image.height / (page.height or image.height)
    box = (
        round(x * scale_x),
        round(y * scale_y),
        round((x + w) * scale_x),
        round((y + h) * scale_y),
    )
    return limits.prepare.apply(image.crop(box))


def _crop_or_reason(
    source: IllustrationSource | None,
    fetcher: Fetcher,
    cache: ImageCache | None,
    limits: CropLimits,
) -> Image.Image | str:
    if source is None:
        return "unknown illustration"
    try:
        return crop_image(source, fetcher, cache, limits)
    except (FetchError, ImageDecodeError) as exc:
        return f"{type(exc).__name__}: {exc}"


def crops(
    source: CropSource, ids: Sequence[str], *, workers: int = 8
) -> tuple[list[IllustrationSource], list[Image.Image], dict[str, str]]:
    sources = repo.illustration_sources(source.db, ids)

    def crop(s: IllustrationSource | None) -> Image.Image | str:
        return _crop_or_reason(s, source.fetcher, source.cache, source.limits)

    with ThreadPoolExecutor(workers, thread_name_prefix="crop") as pool:
        results = list(pool.map(crop, sources))
    good_sources: list[IllustrationSource] = []
    images: list[Image.Image] = []
    failed: dict[str, str] = {}
    for illustration_id, found, result in zip(ids, sources, results, strict=True):
        if isinstance(result, str) or found is None:
            failed[illustration_id] = result if isinstance(result, str) else "unknown illustration"
        else:
            good_sources.append(found)
            images.append(result)
    return good_sources, images, failed


def payload(source: IllustrationSource) -> dict:
    issue_date = date.fromisoformat(source.date) if source.date else None
    return illustration_payload(
        source.id,
        corpus=source.corpus,
        periodical_id=source.periodical_id,
        place_id=source.place_id,
        country_code=source.country_code,
        issue_date=issue_date,
        year=source.year,
    )


def index_illustrations(
    ids: Sequence[str],
    *,
    source: CropSource,
    extractor: DescriptorExtractor,
    pca: PCAWhitening,
    store: VectorStore,
) -> IndexOutcome:
    """Embed and upsert `ids`; the store must hold the collection of `pca.model_id`."""
    sources, images, failed = crops(source, ids)
    if images:
        vectors = pca.transform(extractor.extract(images))
        store.upsert([s.id for s in sources], vectors, [payload(s) for s in sources])
        repo.mark_indexed(source.db, [s.id for s in sources], pca.model_id)
    if failed:
        repo.mark_index_failed(source.db, failed)
    return IndexOutcome(tuple(s.id for s in sources), failed)


def extra_images(folder: Path | None) -> list[Image.Image]:
    if folder is None:
        return []
    images = []
    for path in sorted(folder.rglob("*")):
        if path.suffix.lower() in IMAGE_SUFFIXES:
            try:
                images.append(decode_image(path.read_bytes(), None, 180_000_000))
            except ImageDecodeError as exc:
                log.warning("skipping %s: %s", path, exc)
    return images


def fit_pca(
    sample_ids: Sequence[str],
    *,
    source: CropSource,
    extractor: DescriptorExtractor,
    extra: Sequence[Image.Image] = (),
    dim: int,
    power: float,
    artifact_dir: Path,
) -> tuple[PCAWhitening, DescriptorModelRecord]:
    """Fit the whitening on a corpus sample (plus extra images), save it, make it active."""
    _, images, failed = crops(source, sample_ids)
    prepare = source.limits.prepare
    images = [*images, *(prepare.apply(image) for image in extra)]
    if len(images) < 2:
        raise NoDescriptorModelError(
            f"only {len(images)} usable images to fit the PCA ({len(failed)} failed)"
        )
    raw = np.concatenate(
        [extractor.extract(images[n : n + 256]) for n in range(0, len(images), 256)]
    )
    backbone = extractor.backbone
    pca = PCAWhitening.fit(
        raw,
        dim=pca_dim(dim, raw.shape[1], len(images)),
        power=power,
        backbone=backbone.name,
        weights_sha256=backbone.weights_sha256,
        preprocessing=prepare,
    )
    path = artifact_dir / pca.model_id / "pca"
    pca.save(path)
    record = DescriptorModelRecord(
        id=pca.model_id,
        backbone=backbone.name,
        weights_sha256=backbone.weights_sha256,
        dim=pca.dim,
        power=power,
        sample_size=len(images),
        artifact=str(path),
        collection=collection_name(pca.model_id),
        preprocessing=pca.preprocessing.key,
    )
    repo.record_model(source.db, record)
    matching = match_thresholds_for(backbone.name)
    repo.set_match_thresholds(
        source.db,
        record.id,
        exact=matching.thresholds.exact,
        reprint=matching.thresholds.reprint,
        similar=matching.thresholds.similar,
        measured_by=matching.measured_by,
    )
    return pca, record

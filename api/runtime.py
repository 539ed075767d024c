"""What a process holds for its whole life: the graph, the HTTP fetcher, later the model.

Built lazily on first use, once per process (Dramatiq forks worker processes after import).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from functools import cached_property

from api.pipeline.active_model import ActiveModel
from api.pipeline.index import (
    BackboneChoice,
    CropLimits,
    CropSource,
    NoDescriptorModelError,
    load_configured_backbone,
)
from api.pipeline.pages import PageLimits
from api.resources import make_vector_store, neo4j_connection
from api.settings import Settings, get_settings
from graph.db import GraphDB, open_graph
from graph.descriptors import DescriptorModelRecord
from ingest.cache import ImageCache
from ingest.fetch import FetchConfig, Fetcher
from ingest.urls import UrlPolicy
from ml.descriptors import DescriptorExtractor
from ml.pca import PCAWhitening
from ml.printed import calibrated_recipe
from ml.segment.base import Segmenter
from ml.segment.registry import get_segmenter
from ml.vectors import VectorStore


def device_for(setting: str) -> str:
    if setting != "auto":
        return setting
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def fetcher_from(settings: Settings, max_bytes: int | None = None) -> Fetcher:
    http = settings.http
    return Fetcher(
        FetchConfig(
            user_agent=http.user_agent,
            timeout_s=http.timeout_s,
            retries=http.retries,
            per_host_concurrency=http.per_host_concurrency,
            max_bytes=max_bytes or http.max_document_bytes,
            deadline_s=http.deadline_s,
            min_bytes_per_s=http.min_bytes_per_s,
        ),
        UrlPolicy.allowing(http.allowed_private_hosts),
    )


def public_image_fetcher(settings: Settings) -> Fetcher:
    """For anonymous callers (`searchSimilar(imageUrl:)`): global addresses only, whatever the
    harvester's allow-list says, one retry, and the API's short deadline."""
    http, api = settings.http, settings.api
    return Fetcher(
        FetchConfig(
            user_agent=http.user_agent,
            timeout_s=min(http.timeout_s, api.image_fetch_deadline_s),
            retries=1,
            per_host_concurrency=http.per_host_concurrency,
            max_bytes=api.max_upload_bytes,
            deadline_s=api.image_fetch_deadline_s,
            min_bytes_per_s=http.min_bytes_per_s,
            rate_grace_s=min(5.0, api.image_fetch_deadline_s / 3),
        ),
        UrlPolicy(),
    )


@dataclass
class Runtime:
    settings: Settings
    _segmenters: dict[str, Segmenter] = field(default_factory=dict)

    @cached_property
    def db(self) -> GraphDB:
        return open_graph(neo4j_connection(self.settings))

    @cached_property
    def fetcher(self) -> Fetcher:
        return fetcher_from(self.settings)

    @cached_property
    def image_cache(self) -> ImageCache | None:
        if self.settings.http.cache_max_bytes <= 0:
            return None
        return ImageCache(
            self.settings.data_dir.resolve() / "cache" / "images",
            self.settings.http.cache_max_bytes,
        )

    @cached_property
    def page_limits(self) -> PageLimits:
        return PageLimits(
            working_size=self.settings.segmenter.working_size,
            max_bytes=self.settings.http.max_image_bytes,
            max_pixels=self.settings.http.max_image_pixels,
        )

    def segmenter(self, name: str) -> Segmenter:
        with _lock:
            if name not in self._segmenters:
                options = {}
                if name == "docextractor":
                    options["weights_path"] = self.settings.segmenter.docextractor_weights
                self._segmenters[name] = get_segmenter(name, **options)
            return self._segmenters[name]

    @cached_property
    def vector_store(self) -> VectorStore:
        return make_vector_store(self.settings)

    @cached_property
    def backbone_choice(self) -> BackboneChoice:
        model = self.settings.model
        return load_configured_backbone(
            model.backbone,
            model.checkpoint,
            model.allow_download,
            model.fallback_backbone,
            device_for(model.device),
        )

    @cached_property
    def extractor(self) -> DescriptorExtractor:
        model = self.settings.model
        return DescriptorExtractor(
            self.backbone_choice.backbone, batch_size=model.batch_size, compile=model.compile
        )

    @property
    def crop_limits(self) -> CropLimits:
        """Crops as the settings prepare them: what a new descriptor model is fitted on."""
        model, backbone = self.settings.model, self.backbone_choice.backbone
        return CropLimits(
            prepare=calibrated_recipe(
                backbone.name, backbone.image_size, model.descreen_radius, model.grayscale
            ),
            max_bytes=self.settings.http.max_image_bytes,
            max_pixels=self.settings.http.max_image_pixels,
        )

    def crop_source(self, limits: CropLimits) -> CropSource:
        return CropSource(self.db, self.fetcher, self.image_cache, limits)

    def crop_limits_for(self, pca: PCAWhitening) -> CropLimits:
        """Crops as `pca`'s model was fitted on, whatever the settings say now."""
        return replace(self.crop_limits, prepare=pca.preprocessing)

    @cached_property
    def active_model(self) -> ActiveModel:
        return ActiveModel(self.db, store=self.vector_store, vectors=self.settings.vectors)

    def embedder(self) -> tuple[PCAWhitening, DescriptorModelRecord]:
        """The active descriptor model, checked against the backbone this process runs."""
        pca, record = self.active_model.get()
        if record.backbone != self.backbone_choice.backbone.name:
            raise NoDescriptorModelError(
                f"the active descriptor model was made with {record.backbone}, this "
                f"worker runs {self.backbone_choice.backbone.name}: fit a new PCA or "
                "configure the same backbone"
            )
        return pca, record


_runtime: Runtime | None = None
_lock = threading.RLock()


def get_runtime() -> Runtime:
    global _runtime
    with _lock:
        if _runtime is None:
            _runtime = Runtime(get_settings())
        return _runtime

"""Similarity search against the active descriptor model, for the API.

The model can change while the server runs (`contagions pca fit`): the active one is looked up
again every `refresh_s` seconds, and the backbone is only loaded for searches by image.
"""

from __future__ import annotations

import threading

import numpy as np

from api.pipeline.active_model import ActiveModel
from api.pipeline.index import NoDescriptorModelError, load_configured_backbone
from api.settings import Settings
from graph.db import GraphDB
from graph.descriptors import DescriptorModelRecord
from ml.descriptors import DescriptorExtractor
from ml.images import decode_image
from ml.vectors import Hit, SearchFilter, VectorStore
from ml.vectors.similar import similar_to_id, similar_to_vector

# Searched images are decoded at no more than about this size (the backbones see 224 px): a
# large JPEG is decoded at a fraction of its scale, other formats reduced right after decoding.
SEARCH_IMAGE_SIDE = 1024


class ActiveModelSimilarity:
    def __init__(
        self, db: GraphDB, *, settings: Settings, store: VectorStore, refresh_s: float = 30.0
    ) -> None:
        self.settings = settings
        self.store = store
        self.model = ActiveModel(db, store=store, vectors=settings.vectors, refresh_s=refresh_s)
        self._lock = threading.Lock()
        self._extractor: DescriptorExtractor | None = None

    def _extractor_for(self, record: DescriptorModelRecord) -> DescriptorExtractor:
        with self._lock:
            if self._extractor is None:
                model = self.settings.model
                choice = load_configured_backbone(
                    model.backbone,
                    model.checkpoint,
                    model.allow_download,
                    model.fallback_backbone,
                )
                self._extractor = DescriptorExtractor(choice.backbone, batch_size=1)
            if self._extractor.backbone.name != record.backbone:
                raise NoDescriptorModelError(
                    f"the index was made with {record.backbone}; this server loads "
                    f"{self._extractor.backbone.name}"
                )
            return self._extractor

    def by_id(
        self,
        illustration_id: str,
        k: int,
        min_score: float | None,
        search_filter: SearchFilter | None,
    ) -> list[Hit]:
        self.model.record()  # the stored vector is searched: imported models qualify
        return similar_to_id(self.store, illustration_id, k, min_score, search_filter)

    def by_vector(
        self,
        vector: np.ndarray,
        k: int,
        min_score: float | None,
        search_filter: SearchFilter | None,
    ) -> list[Hit]:
        self.model.record()
        return similar_to_vector(self.store, vector, k, min_score, search_filter)

    def by_image_bytes(
        self, data: bytes, k: int, min_score: float | None, search_filter: SearchFilter | None
    ) -> list[Hit]:
        pca, record = self.model.get()
        extractor = self._extractor_for(record)
        # Prepared as the indexed crops were (the model's recipe), so that scores compare.
        image = decode_image(data, None, self.settings.api.max_image_pixels, SEARCH_IMAGE_SIDE)
        image = pca.preprocessing.apply(image)
        vector = pca.transform(extractor.extract([image]))[0]
        return similar_to_vector(self.store, vector, k, min_score, search_filter)

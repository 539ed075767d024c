"""Similarity search: by an illustration, an image URL (SSRF-guarded fetch) or an upload.

The search itself is whatever `info.context.resources.similarity` provides (`SimilaritySearch`):
the vector store, and for images the descriptor extractor and whitening of the indexed model.
`StoreSimilarity` is the implementation over `ml.vectors`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Protocol

import numpy as np
import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.file_uploads import Upload
from strawberry.types import Info

from api.graphql.access import require_read
from api.graphql.checks import refuse_unknown_references
from api.graphql.errors import CodedError, InvalidInput, NotFound
from api.graphql.matching import MatchThresholds, match_thresholds
from api.graphql.types import Neighbour
from api.runtime import public_image_fetcher
from api.validation import (
    InvalidInputError,
    References,
    UnknownValueError,
    country_code,
    date_range,
)
from graph import explore
from ingest.errors import FetchError
from ml import images
from ml.descriptors import DescriptorExtractor
from ml.pca import PCAWhitening
from ml.vectors.similar import (
    UnknownIllustrationError,
    similar_to_id,
    similar_to_image,
    similar_to_vector,
)
from ml.vectors.store import Hit, SearchFilter, VectorStore

MAX_K = 200
IMAGE_FETCH_FAILED = "IMAGE_FETCH_FAILED"

log = logging.getLogger(__name__)


class SimilaritySearch(Protocol):
    def by_id(
        self, illustration_id: str, k: int, min_score: float | None, search_filter: SearchFilter
    ) -> list[Hit]: ...

    def by_vector(
        self, vector: np.ndarray, k: int, min_score: float | None, search_filter: SearchFilter
    ) -> list[Hit]: ...

    def by_image_bytes(
        self, data: bytes, k: int, min_score: float | None, search_filter: SearchFilter
    ) -> list[Hit]: ...


@dataclass
class StoreSimilarity:
    """`SimilaritySearch` over a vector store; image search needs the extractor and PCA."""

    store: VectorStore
    extractor: DescriptorExtractor | None = None
    pca: PCAWhitening | None = None

    def by_id(self, illustration_id, k, min_score, search_filter):
        return similar_to_id(self.store, illustration_id, k, min_score, search_filter)

    def by_vector(self, vector, k, min_score, search_filter):
        return similar_to_vector(self.store, vector, k, min_score, search_filter)

    def by_image_bytes(self, data, k, min_score, search_filter):
        if self.extractor is None or self.pca is None:
            raise SearchUnavailableError("image search needs the descriptor model")
        return similar_to_image(
            self.store, self.extractor, self.pca, data, k, min_score, search_filter
        )


class SearchUnavailableError(RuntimeError):
    """No vector store (or no model for image search) in this deployment."""


@strawberry.input(description="Filters on the issue of each hit; dates are ISO, inclusive.")
class SearchWhere:
    date_from: str | None = None
    date_to: str | None = None
    place: strawberry.ID | None = None
    country: str | None = None
    periodical: strawberry.ID | None = None


@strawberry.type
class SimilarResults:
    # The same type as `Illustration.neighbours`: a hit is a neighbour of the query, and its
    # match level comes from the same per-request thresholds as `thresholds` below.
    hits: list[Neighbour]
    thresholds: MatchThresholds


@strawberry.type
class SearchUnavailable:
    message: str


SearchResult = Annotated[
    SimilarResults | InvalidInput | NotFound | SearchUnavailable, strawberry.union("SearchResult")
]


class _Refused(Exception):
    def __init__(self, result: InvalidInput | NotFound | SearchUnavailable) -> None:
        self.result = result


def search_filter(where: SearchWhere | None) -> tuple[SearchFilter, References]:
    """The vector store's filter and the ids and codes it names (InvalidInputError if bad)."""
    where = where or SearchWhere()
    date_from, date_to = date_range(where.date_from, where.date_to)
    place = str(where.place) if where.place else None
    country = country_code(where.country, "country")
    periodical = str(where.periodical) if where.periodical else None
    conditions = SearchFilter(
        date_from=date.fromisoformat(date_from) if date_from else None,
        date_to=date.fromisoformat(date_to) if date_to else None,
        place=place,
        country=country,
        periodical=periodical,
    )
    references = References(
        places={"place": place} if place else {},
        countries={"country": country} if country else {},
        periodicals={"periodical": periodical} if periodical else {},
    )
    return conditions, references


async def _image_bytes(info: Info, image_url: str | None, upload: Upload | None) -> bytes:
    settings = info.context.resources.settings
    limit = settings.api.max_upload_bytes
    if upload is not None:
        # strawberry types Upload as bytes; at run time it is starlette's UploadFile.
        data = await upload.read(limit + 1)  # type: ignore[attr-defined]
        content_type = getattr(upload, "content_type", None)
        if len(data) > limit:
            raise _Refused(InvalidInput(message=f"upload over {limit} bytes", field="upload"))
    else:
        # searchSimilar passes exactly one of image_url and upload.
        assert image_url is not None
        if not image_url.startswith(("http://", "https://")):
            raise _Refused(InvalidInput(message="imageUrl must be http(s)", field="imageUrl"))

        def fetch():
            with public_image_fetcher(settings) as fetcher:
                return fetcher.get(image_url, accept="image/*")

        try:
            fetched = await run_in_threadpool(fetch)
        except FetchError as exc:
            # The reason (refused address, connection refused, HTTP status) stays in the log:
            # told to an anonymous caller it would map the server's network.
            log.info("searchSimilar could not fetch %r: %s: %s", image_url, type(exc).__name__, exc)
            raise CodedError("could not fetch the image", IMAGE_FETCH_FAILED) from None
        data, content_type = fetched.content, fetched.content_type
    try:
        # The header alone: the public pixel budget is refused before any pixel is decoded.
        await run_in_threadpool(
            images.image_size, data, content_type, settings.api.max_image_pixels
        )
    except images.ImageDecodeError as exc:
        field = "upload" if upload is not None else "imageUrl"
        raise _Refused(InvalidInput(message=str(exc), field=field)) from exc
    return data


@strawberry.type
class SearchQuery:
    @strawberry.field(
        description="Nearest illustrations to one of: an illustration, an image URL, an upload,"
        " each with its match level. Flagged illustrations, and NONE matches unless"
        " includeNone, are left out."
    )
    async def search_similar(
        self,
        info: Info,
        illustration_id: strawberry.ID | None = None,
        image_url: str | None = None,
        upload: Upload | None = None,
        k: int = 20,
        min_score: float | None = None,
        where: SearchWhere | None = None,
        include_none: Annotated[
            bool,
            strawberry.argument(
                description="Keep hits whose match is NONE (left out by default: below the"
                " model's SIMILAR threshold, a score means nothing)."
            ),
        ] = False,
    ) -> SearchResult:
        require_read(info)
        given = [x for x in (illustration_id, image_url, upload) if x is not None]
        if len(given) != 1:
            return InvalidInput(message="give exactly one of illustrationId, imageUrl, upload")
        if not 0 < k <= MAX_K:
            return InvalidInput(message=f"k must be between 1 and {MAX_K}", field="k")
        if min_score is not None and not -1.0 <= min_score <= 1.0:
            return InvalidInput(message="minScore must be between -1 and 1", field="minScore")
        similarity: SimilaritySearch | None = getattr(info.context.resources, "similarity", None)
        if similarity is None:
            return SearchUnavailable(message="similarity search is not configured")
        thresholds = await match_thresholds(info)
        if not include_none:
            min_score = max(min_score if min_score is not None else -1.0, thresholds.similar)
        try:
            conditions, references = search_filter(where)
            await refuse_unknown_references(info, references)
            # Flagged hits are dropped afterwards: ask for a few more than needed.
            wanted = k + min(k, 20)
            if illustration_id is not None:
                hits = await run_in_threadpool(
                    similarity.by_id, str(illustration_id), wanted, min_score, conditions
                )
            else:
                data = await _image_bytes(info, image_url, upload)
                hits = await run_in_threadpool(
                    similarity.by_image_bytes, data, wanted, min_score, conditions
                )
        except _Refused as refused:
            return refused.result
        except InvalidInputError as exc:
            return InvalidInput.from_error(exc)
        except UnknownValueError as exc:
            return NotFound.from_error(exc)
        except UnknownIllustrationError:
            return NotFound(message="no vector for that illustration", value=str(illustration_id))
        except images.ImageDecodeError as exc:
            return InvalidInput(message=str(exc))
        except SearchUnavailableError as exc:
            return SearchUnavailable(message=str(exc))
        flagged = await run_in_threadpool(
            explore.flagged_among,
            info.context.resources.db,
            [h.id for h in hits],
        )
        kept = [h for h in hits if h.id not in flagged][:k]
        return SimilarResults(
            hits=[Neighbour(score=round(h.score, 6), illustration_id=h.id) for h in kept],
            thresholds=thresholds,
        )

"""Recognise IIIF Image API services (1.1, 2, 3) wherever they appear.

The version comes from the service type (`ImageService3`), else its `@context`, else its
profile URI; a bare `levelN` profile is Image API 3. The compliance level is the `levelN`
found in the profile (a string, or the first string of a v2 profile list).
"""

from __future__ import annotations

import re
from typing import Any

from ingest.iiif.models import ImageApiVersion, ImageService
from ingest.iiif.values import pixel_size, resolve_uri

_LEVEL = re.compile(r"level\s*([0-2])", re.IGNORECASE)
_TYPE_VERSION: dict[str, ImageApiVersion] = {
    "imageservice1": "1.1",
    "imageservice2": "2",
    "imageservice3": "3",
}
_VERSION_RANK = {"1.1": 1, "2": 2, "3": 3}


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _version_from_text(text: str) -> ImageApiVersion | None:
    if "iiif.io/api/image/3" in text:
        return "3"
    if "iiif.io/api/image/2" in text:
        return "2"
    if "library.stanford.edu/iiif/image-api" in text or "iiif.io/api/image/1" in text:
        return "1.1"
    return None


def service_version(service: dict[str, Any]) -> ImageApiVersion | None:
    """The Image API version of a service description, or None if it is not an image service."""
    kind = service.get("type") or service.get("@type")
    if isinstance(kind, str):
        version = _TYPE_VERSION.get(kind.rsplit(":", 1)[-1].lower())
        if version:
            return version
    for context in _strings(service.get("@context")):
        version = _version_from_text(context)
        if version:
            return version
    profiles = _strings(service.get("profile"))
    for profile in profiles:
        version = _version_from_text(profile)
        if version:
            return version
    if any(re.fullmatch(r"level[0-2]", p) for p in profiles):
        return "3"
    return None


def _sizes(value: Any) -> tuple[tuple[int, int], ...]:
    sizes = []
    for size in value if isinstance(value, list) else []:
        if isinstance(size, dict):
            w, h = pixel_size(size.get("width")), pixel_size(size.get("height"))
            if w and h:
                sizes.append((w, h))
    return tuple(sorted(set(sizes)))


def parse_service(service: dict[str, Any], base: str | None = None) -> ImageService | None:
    """An `ImageService` from one service description, or None if it is something else."""
    version = service_version(service)
    service_id = service.get("id") or service.get("@id")
    if version is None or not isinstance(service_id, str):
        return None
    service_id = resolve_uri(base, service_id)
    if not service_id:
        return None
    level = None
    for profile in _strings(service.get("profile")):
        match = _LEVEL.search(profile)
        if match:
            level = int(match.group(1))
            break
    return ImageService(
        id=service_id,
        version=version,
        profile_level=level,
        width=pixel_size(service.get("width")),
        height=pixel_size(service.get("height")),
        sizes=_sizes(service.get("sizes")),
    )


def best_image_service(value: Any, base: str | None = None) -> ImageService | None:
    """The newest image service among `service` (an object or a list); others are ignored."""
    candidates = value if isinstance(value, list) else [value]
    services = [s for s in (parse_service(c, base) for c in candidates if isinstance(c, dict)) if s]
    if not services:
        return None
    return max(services, key=lambda s: _VERSION_RANK[s.version])

"""Scalar values read from untrusted IIIF JSON: pixel sizes, coordinates, URIs.

Manifests in the wild (and fuzzers) write `NaN`, `Infinity`, superscript digits ("²"),
5000-digit numbers and ids such as `http://[::1`. Each reader here returns a value the rest
of the system can store and compute with, or None when there is none; none of them raises.
"""

from __future__ import annotations

import math
import re
from typing import Any
from urllib.parse import urljoin, urlsplit

# A lone surrogate (`"\ud800"` in JSON) cannot be encoded as UTF-8: Neo4j and lxml refuse it.
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")

# Larger than any scanned page or map (the largest IIIF images are ~100k px a side), small
# enough that width * height stays an exact float.
MAX_PIXELS = 10_000_000
_ASCII_NUMBER = re.compile(r"\s*[0-9]{1,12}(?:\.[0-9]{1,12})?\s*")


def has_lone_surrogate(text: str) -> bool:
    return not text.isascii() and _LONE_SURROGATE.search(text) is not None


def without_lone_surrogates(text: str) -> str:
    """`text` with each lone surrogate replaced by U+FFFD (valid pairs are one character)."""
    return _LONE_SURROGATE.sub("\ufffd", text) if has_lone_surrogate(text) else text


def finite_number(value: Any) -> float | None:
    """A finite float from a JSON number or a plain ASCII decimal string, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        # Huge integers convert to inf (or overflow); both are no number a manifest means.
        try:
            number = float(value)
        except OverflowError:
            return None
    elif isinstance(value, float):
        number = value
    elif isinstance(value, str) and _ASCII_NUMBER.fullmatch(value):
        number = float(value)
    else:
        return None
    return number if math.isfinite(number) else None


def pixel_size(value: Any) -> int | None:
    """A positive pixel dimension (`width`, `height`, `sizes`), or None when missing/unusable."""
    number = finite_number(value)
    if number is None or number < 1 or number > MAX_PIXELS:
        return None
    return int(number)


def coordinate(longitude: Any, latitude: Any) -> tuple[float, float] | None:
    """(longitude, latitude) in degrees when both are finite and on the globe, else None."""
    lon, lat = finite_number(longitude), finite_number(latitude)
    if lon is None or lat is None or not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return None
    return lon, lat


def valid_uri(value: str) -> bool:
    """Whether `value` splits into a URI whose host and port can be read."""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (reading it validates it: "http://x:99999" raises)
    except ValueError:
        return False
    return True


def resolve_uri(base: str | None, value: str | None) -> str | None:
    """`value` resolved against `base`, or None when either cannot be parsed as a URI."""
    if not value or not valid_uri(value):
        return None
    if not base:
        return value
    try:
        resolved = urljoin(base, value)
    except ValueError:
        return None
    return resolved if valid_uri(resolved) else None

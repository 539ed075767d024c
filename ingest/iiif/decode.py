"""Bytes to a JSON object, whatever the encoding, refusing what is not IIIF with a reason."""

from __future__ import annotations

import codecs
import json
import re
from typing import Any

from ingest.iiif.errors import ManifestParseError
from ingest.iiif.values import has_lone_surrogate, without_lone_surrogates

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)
_IIIF_KEYS = ("@context", "@type", "@id", "type", "id")
# Real manifests nest about a dozen levels (manifest, canvases, annotation pages, annotations,
# bodies, services, language maps); deeper than this is an attack or a broken exporter.
MAX_NESTING = 64
# Integers longer than this are read as floats (inf beyond 1e308) instead of raising
# Python's 4300-digit limit; what reads numbers then refuses them as not finite.
_MAX_INT_DIGITS = 30


def _bom_encoding(raw: bytes) -> str | None:
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return encoding
    return None


def _null_pattern_encoding(raw: bytes) -> str | None:
    # JSON text starts with an ASCII character, so zero bytes in the first four reveal
    # UTF-16/32 without a BOM (RFC 4627, section 3).
    head = raw[:4]
    if len(head) < 4:
        return None
    zeros = (head[0] == 0, head[1] == 0, head[2] == 0, head[3] == 0)
    return {
        (True, True, True, False): "utf-32-be",
        (False, True, True, True): "utf-32-le",
        (True, False, True, False): "utf-16-be",
        (False, True, False, True): "utf-16-le",
    }.get(zeros)


def _header_encoding(content_type: str | None) -> str | None:
    match = _CHARSET.search(content_type or "")
    if not match:
        return None
    try:
        return codecs.lookup(match.group(1)).name
    except LookupError:
        return None


def decode_text(raw: bytes, content_type: str | None = None) -> str:
    """Decode a document's bytes.

    Order: a byte-order mark (or the UTF-16/32 zero-byte pattern); then UTF-8 when the bytes
    are valid UTF-8, even if the header names another charset, because servers often label
    UTF-8 JSON as ISO-8859-1 and JSON is UTF-8 by definition; then the header's charset; then
    cp1252; then latin-1, which never fails.
    """
    encoding = _bom_encoding(raw) or _null_pattern_encoding(raw)
    if encoding:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError as exc:
            raise ManifestParseError(f"bytes do not match their {encoding} marker: {exc}") from exc
    for candidate in ("utf-8", _header_encoding(content_type), "cp1252"):
        if candidate:
            try:
                return raw.decode(candidate)
            except UnicodeDecodeError:
                continue
    return raw.decode("latin-1")


def _parse_int(text: str) -> int | float:
    return int(text) if len(text) <= _MAX_INT_DIGITS else float(text)


def _cleaned(value: Any) -> Any:
    if isinstance(value, str):
        return without_lone_surrogates(value)
    if isinstance(value, list):
        return [_cleaned(v) for v in value]
    if isinstance(value, dict):
        return {without_lone_surrogates(k): _cleaned(v) for k, v in value.items()}
    return value


def sanitize(data: Any) -> Any:
    """`data` with lone surrogates replaced by U+FFFD; `ManifestParseError` when it nests
    deeper than `MAX_NESTING`. Walks iteratively, so no depth can exhaust the stack."""
    dirty = False
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            if depth > MAX_NESTING:
                raise ManifestParseError(f"JSON nested deeper than {MAX_NESTING} levels")
            for key, item in value.items():
                dirty = dirty or (isinstance(key, str) and has_lone_surrogate(key))
                stack.append((item, depth + 1))
        elif isinstance(value, list):
            if depth > MAX_NESTING:
                raise ManifestParseError(f"JSON nested deeper than {MAX_NESTING} levels")
            stack.extend((item, depth + 1) for item in value)
        elif isinstance(value, str) and not dirty:
            dirty = has_lone_surrogate(value)
    return _cleaned(data) if dirty else data


def require_iiif(data: Any) -> dict[str, Any]:
    """Return `data` if it looks like a IIIF JSON-LD object, else raise with the reason."""
    if not isinstance(data, dict):
        raise ManifestParseError(
            f"not a IIIF document: top-level JSON is a {type(data).__name__}, not an object"
        )
    if not any(key in data for key in _IIIF_KEYS):
        raise ManifestParseError("not a IIIF document: no @context/@type/@id")
    return data


def decode_document(raw: bytes, content_type: str | None = None) -> dict[str, Any]:
    """Decode and parse a fetched document into a JSON object that claims to be IIIF."""
    if not raw.strip():
        raise ManifestParseError("empty document")
    text = decode_text(raw, content_type)
    try:
        data = json.loads(text, parse_int=_parse_int)
    except json.JSONDecodeError as exc:
        raise ManifestParseError(
            f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from exc
    except RecursionError as exc:
        raise ManifestParseError(f"JSON nested deeper than {MAX_NESTING} levels") from exc
    return require_iiif(sanitize(data))

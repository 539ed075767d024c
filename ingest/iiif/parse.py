"""Parse IIIF Presentation 2.1 and 3 manifests and collections as they are found in the wild.

Tolerant by design: v2 keys inside v3 documents (`sequences`, `manifests`, `description`,
`attribution`, `license`, `related`), draft keys (`content`, `@none`), missing or zero sizes,
annotations typed `dctypes:Image`, canvases without images. What cannot be a Manifest or a
Collection at all is refused with a `ManifestParseError` that says why.
"""

from __future__ import annotations

import logging
from typing import Any

from ingest.iiif.decode import decode_document, require_iiif, sanitize
from ingest.iiif.errors import ManifestParseError
from ingest.iiif.models import (
    Canvas,
    Collection,
    CollectionMember,
    Link,
    Manifest,
    MetadataEntry,
    PageImage,
    ParsedDocument,
    PresentationVersion,
    Region,
)
from ingest.iiif.services import best_image_service
from ingest.iiif.text import VALUE_SEPARATOR, all_texts, display_text, strip_html
from ingest.iiif.values import finite_number, pixel_size, resolve_uri, valid_uri
from ingest.iiif.xywh import FragmentError, find_xywh

__all__ = ["decode_document", "parse_document"]

log = logging.getLogger(__name__)
_LANGUAGE_LABELS = frozenset(
    {"language", "languages", "sprache", "langue", "lingua", "idioma", "taal", "kieli", "språk"}
)
_NON_IMAGE_TYPES = frozenset({"sound", "video", "audio", "text", "textualbody", "model", "dataset"})


def _type_name(obj: dict[str, Any]) -> str | None:
    kind = obj.get("type") or obj.get("@type")
    if isinstance(kind, list):
        kind = next((k for k in kind if isinstance(k, str)), None)
    if not isinstance(kind, str):
        return None
    return kind.rsplit(":", 1)[-1]


def _raw_id(obj: dict[str, Any]) -> str | None:
    value = obj.get("id") or obj.get("@id")
    return value if isinstance(value, str) and value else None


class _Context:
    """What every nested parser needs: where relative ids resolve."""

    def __init__(self, base: str | None) -> None:
        self.base = base

    def resolve(self, value: str | None) -> str | None:
        """`value` as an absolute URI; None when it cannot be parsed (`http://[::1`)."""
        return resolve_uri(self.base, value)


def _contexts(data: dict[str, Any]) -> list[str]:
    context = data.get("@context")
    items = context if isinstance(context, list) else [context]
    return [c for c in items if isinstance(c, str)]


def _presentation_version(data: dict[str, Any]) -> PresentationVersion:
    contexts = " ".join(_contexts(data))
    if "presentation/3" in contexts:
        return 3
    if "presentation/2" in contexts:
        return 2
    # No context (drafts, viewer fixtures): v3 writes `type`/`id`, v2 `@type`/`@id`.
    return 3 if ("type" in data or "id" in data) else 2


def _document_kind(data: dict[str, Any]) -> str:
    kind = _type_name(data)
    if kind in ("Manifest", "Collection"):
        return kind
    contexts = " ".join(_contexts(data))
    if "api/image" in contexts or "image-api" in contexts or data.get("protocol"):
        raise ManifestParseError(
            "an Image API info.json, not a Presentation manifest or collection"
        )
    if kind is None:
        raise ManifestParseError("not a IIIF document: no @type/type saying Manifest or Collection")
    raise ManifestParseError(f"unsupported IIIF type {kind!r}: expected a Manifest or Collection")


def _count(value: Any) -> int | None:
    number = finite_number(value)
    return int(number) if number is not None and number >= 0 else None


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _links(value: Any, ctx: _Context) -> tuple[Link, ...]:
    links = []
    for item in _as_list(value):
        link_id = ctx.resolve(item if isinstance(item, str) else None)
        if link_id:
            links.append(Link(id=link_id))
        elif isinstance(item, dict) and ctx.resolve(_raw_id(item)):
            fmt = item.get("format")
            links.append(
                Link(
                    id=ctx.resolve(_raw_id(item)) or "",
                    label=display_text(item.get("label")),
                    type=_type_name(item),
                    format=fmt if isinstance(fmt, str) else None,
                )
            )
    return tuple(links)


def _metadata(value: Any) -> tuple[MetadataEntry, ...]:
    entries = []
    for item in _as_list(value):
        if not isinstance(item, dict):
            continue
        label = display_text(item.get("label")) or ""
        text = display_text(item.get("value")) or ""
        if label or text:
            entries.append(
                MetadataEntry(
                    label=label,
                    value=text,
                    labels=all_texts(item.get("label")),
                    values=all_texts(item.get("value")),
                )
            )
    return tuple(entries)


def _languages(metadata: tuple[MetadataEntry, ...]) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for entry in metadata:
        if any(label.strip().lower() in _LANGUAGE_LABELS for label in (entry.label, *entry.labels)):
            for part in entry.value.split(VALUE_SEPARATOR):
                if part:
                    found.setdefault(part, None)
    return tuple(found)


def _first_string(value: Any) -> str | None:
    for item in _as_list(value):
        text = item if isinstance(item, str) else _raw_id(item) if isinstance(item, dict) else None
        if text:
            return strip_html(text) or None
    return None


def _required_statement(data: dict[str, Any]) -> str | None:
    statement = data.get("requiredStatement")
    if isinstance(statement, dict):
        return display_text(statement.get("value"))
    return display_text(data.get("attribution"))


def _nav_date(data: dict[str, Any]) -> str | None:
    value = data.get("navDate")
    return value.strip() or None if isinstance(value, str) else None


def _nav_place(data: dict[str, Any]) -> dict[str, Any] | None:
    value = data.get("navPlace")
    return value if isinstance(value, dict) else None


# Canvases -------------------------------------------------------------------------------


def _annotations(container: Any) -> list[dict[str, Any]]:
    """Annotations held inline by a list of annotation pages / lists, or a bare annotation list."""
    found: list[dict[str, Any]] = []
    for page in _as_list(container):
        if not isinstance(page, dict):
            continue
        inner = page.get("items", page.get("resources"))
        if isinstance(inner, list):
            found.extend(a for a in inner if isinstance(a, dict))
        elif "body" in page or "resource" in page:
            found.append(page)
    return found


def _is_painting(annotation: dict[str, Any]) -> bool:
    motivations = [m for m in _as_list(annotation.get("motivation")) if isinstance(m, str)]
    # Missing or empty motivations are common (SBB writes ""); only an explicit other one excludes.
    return not any(motivations) or any(m.rsplit(":", 1)[-1] == "painting" for m in motivations)


def _choice_items(body: dict[str, Any]) -> list[Any] | None:
    if _type_name(body) != "Choice":
        return None
    if "items" in body:
        return _as_list(body["items"])
    return [*_as_list(body.get("default")), *_as_list(body.get("item"))]


def _page_image(annotation: dict[str, Any], ctx: _Context) -> tuple[PageImage | None, int]:
    """The painted image of an annotation and, for a Choice, how many alternatives it had."""
    body = annotation.get("body", annotation.get("resource"))
    if isinstance(body, list):
        body = next((b for b in body if isinstance(b, dict)), None)
    if not isinstance(body, dict):
        return None, 0
    alternatives = 0
    choices = _choice_items(body)
    if choices is not None:
        alternatives = len(choices)
        body = next((c for c in choices if isinstance(c, dict) and _raw_id(c)), None)
        if body is None:
            return None, alternatives
    kind = (_type_name(body) or "").lower()
    image_id = ctx.resolve(_raw_id(body))
    if not image_id or kind in _NON_IMAGE_TYPES:
        return None, alternatives
    fmt = body.get("format")
    return (
        PageImage(
            id=image_id,
            format=fmt if isinstance(fmt, str) and fmt else None,
            width=pixel_size(body.get("width")),
            height=pixel_size(body.get("height")),
            service=best_image_service(body.get("service"), ctx.base),
        ),
        alternatives,
    )


def _target_xywh(target: Any, size: tuple[int, int] | None) -> tuple[int, int, int, int] | None:
    """The pixel box a target points to; percent boxes need the canvas `size`."""
    text = None
    if isinstance(target, str):
        text = target
    elif isinstance(target, dict):
        selector = target.get("selector")
        selector = selector[0] if isinstance(selector, list) and selector else selector
        if isinstance(selector, dict) and isinstance(selector.get("value"), str):
            text = selector["value"]
        elif isinstance(target.get("id") or target.get("@id"), str):
            text = target.get("id") or target.get("@id")
    if not isinstance(text, str):
        return None
    try:
        fragment = find_xywh(text)
        if fragment is None:
            return None
        return fragment.box(*size) if size else fragment.pixel_box()
    except FragmentError as exc:
        # One unusable region should not cost the manifest its pages.
        log.warning("region dropped: %s", exc)
        return None


def _body_text(annotation: dict[str, Any]) -> str | None:
    for body in _as_list(annotation.get("body", annotation.get("resource"))):
        if isinstance(body, dict):
            text = body.get("value", body.get("chars"))
            if isinstance(text, str) and text.strip():
                return strip_html(text)
    return None


def _regions(canvas: dict[str, Any], size: tuple[int, int] | None) -> tuple[Region, ...]:
    regions = []
    for annotation in _annotations(canvas.get("annotations")) + _annotations(
        canvas.get("otherContent")
    ):
        if _is_painting(annotation) and annotation.get("motivation"):
            continue
        box = _target_xywh(annotation.get("target", annotation.get("on")), size)
        if box:
            regions.append(
                Region(*box, annotation_id=_raw_id(annotation), text=_body_text(annotation))
            )
    return tuple(regions)


def _canvas(raw: dict[str, Any], order: int, ctx: _Context) -> Canvas:
    painting = _annotations(raw.get("items")) + _annotations(raw.get("content"))
    painting += [a for a in _as_list(raw.get("images")) if isinstance(a, dict)]
    image, alternatives = None, 0
    for annotation in painting:
        if _is_painting(annotation):
            image, alternatives = _page_image(annotation, ctx)
            if image:
                break
    width, height = pixel_size(raw.get("width")), pixel_size(raw.get("height"))
    if not (width and height) and image:
        width, height = image.width, image.height
    return Canvas(
        id=ctx.resolve(_raw_id(raw)) or f"#canvas-{order}",
        order=order,
        label=display_text(raw.get("label")),
        width=pixel_size(raw.get("width")),
        height=pixel_size(raw.get("height")),
        image=image,
        choice_alternatives=alternatives,
        regions=_regions(raw, (width, height) if width and height else None),
    )


def _raw_canvases(data: dict[str, Any]) -> list[dict[str, Any]]:
    items = data.get("items")
    if isinstance(items, list) and items:
        return [c for c in items if isinstance(c, dict) and _type_name(c) in ("Canvas", None)]
    # v2, and v3 documents still written with v2 structure: the first sequence only.
    sequences = [s for s in _as_list(data.get("sequences")) if isinstance(s, dict)]
    if sequences:
        return [c for c in _as_list(sequences[0].get("canvases")) if isinstance(c, dict)]
    return []


# Documents ------------------------------------------------------------------------------


def _common(data: dict[str, Any], ctx: _Context) -> dict[str, Any]:
    return {
        "label": display_text(data.get("label")),
        "summary": display_text(data.get("summary", data.get("description"))),
        "metadata": _metadata(data.get("metadata")),
        "nav_date": _nav_date(data),
        "part_of": _links(data.get("partOf", data.get("within")), ctx),
    }


def _manifest(data: dict[str, Any], doc_id: str, version: PresentationVersion, ctx: _Context):
    common = _common(data, ctx)
    canvases = tuple(_canvas(c, i, ctx) for i, c in enumerate(_raw_canvases(data), start=1))
    return Manifest(
        id=doc_id,
        presentation_version=version,
        nav_place=_nav_place(data),
        required_statement=_required_statement(data),
        rights=_first_string(data.get("rights", data.get("license"))),
        thumbnail=_links(data.get("thumbnail"), ctx),
        see_also=_links(data.get("seeAlso"), ctx),
        homepage=_links(data.get("homepage", data.get("related")), ctx),
        language=_languages(common["metadata"]),
        canvases=canvases,
        **common,
    )


def _members(data: dict[str, Any], ctx: _Context) -> list[CollectionMember]:
    members: dict[str, CollectionMember] = {}
    # `manifests`/`collections` default the type for v2 listings that omit it.
    for key, default in (
        ("items", None),
        ("members", None),
        ("manifests", "Manifest"),
        ("collections", "Collection"),
    ):
        for raw in _as_list(data.get(key)):
            if not isinstance(raw, dict):
                continue
            kind = _type_name(raw) or default
            member_id = ctx.resolve(_raw_id(raw))
            if kind not in ("Manifest", "Collection") or not member_id or member_id in members:
                continue
            members[member_id] = CollectionMember(
                id=member_id,
                type="Manifest" if kind == "Manifest" else "Collection",
                label=display_text(raw.get("label")),
                nav_date=_nav_date(raw),
                nav_place=_nav_place(raw),
            )
    return list(members.values())


def _page_link(value: Any, ctx: _Context) -> str | None:
    if isinstance(value, dict):
        value = _raw_id(value)
    return ctx.resolve(value) if isinstance(value, str) else None


def _collection(data: dict[str, Any], doc_id: str, version: PresentationVersion, ctx: _Context):
    members = _members(data, ctx)
    return Collection(
        id=doc_id,
        presentation_version=version,
        manifests=tuple(m for m in members if m.type == "Manifest"),
        collections=tuple(m for m in members if m.type == "Collection"),
        nav_place=_nav_place(data),
        first=_page_link(data.get("first"), ctx),
        next=_page_link(data.get("next"), ctx),
        total=_count(data.get("total")),
        **_common(data, ctx),
    )


def parse_document(
    data: dict[str, Any] | bytes,
    source_uri: str | None = None,
    content_type: str | None = None,
) -> ParsedDocument:
    """Parse a Presentation 2.1/3 Manifest or Collection.

    `source_uri` is where the document was fetched from: relative ids resolve against it, and
    it stands in for a missing id; `content_type` (of fetched bytes) may name their charset.
    Raises `ManifestParseError` with a reason otherwise, whatever the input.
    """
    if isinstance(data, bytes | bytearray):
        data = decode_document(bytes(data), content_type)
    else:
        data = require_iiif(sanitize(data))
    kind = _document_kind(data)
    version = _presentation_version(data)
    raw_id = _raw_id(data)
    if source_uri is not None and not valid_uri(source_uri):
        raise ManifestParseError(f"source URI {source_uri[:200]!r} is not a valid URI")
    if source_uri is None and raw_id and not valid_uri(raw_id):
        raise ManifestParseError(f"{kind} id {raw_id[:200]!r} is not a valid URI")
    base = source_uri or (raw_id if raw_id and "://" in raw_id else None)
    ctx = _Context(base)
    doc_id = ctx.resolve(raw_id) or source_uri
    if not doc_id:
        raise ManifestParseError(f"{kind} has no id and no source URI to stand in for it")
    if kind == "Manifest":
        return _manifest(data, doc_id, version, ctx)
    return _collection(data, doc_id, version, ctx)

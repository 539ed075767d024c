"""Harvesting one IIIF URI: fetch, decode, parse, and say what it was.

A manifest becomes an `IssueRecord` to write; a collection becomes the list of its members
(and its next page) to harvest in turn. No database here: the caller writes.
"""

from __future__ import annotations

from dataclasses import dataclass

from graph.records import CollectionPeriodicalRecord, IssueRecord
from ingest.fetch import Fetcher
from ingest.iiif.models import Collection, Manifest
from ingest.iiif.parse import parse_document
from ingest.records import collection_periodical_record, issue_record

ACCEPT = "application/ld+json, application/json;q=0.9, */*;q=0.1"


@dataclass(frozen=True)
class Parent:
    """The collection that listed a URI: a clue to which periodical a manifest belongs to."""

    id: str
    label: str | None


@dataclass(frozen=True)
class Member:
    uri: str
    kind: str  # "Manifest" | "Collection" | "Page" (the next page of a paged collection)


@dataclass(frozen=True)
class HarvestedManifest:
    issue: IssueRecord


@dataclass(frozen=True)
class HarvestedCollection:
    id: str
    label: str | None
    members: tuple[Member, ...]
    periodical: CollectionPeriodicalRecord | None = None


@dataclass(frozen=True)
class NotModified:
    uri: str


HarvestResult = HarvestedManifest | HarvestedCollection | NotModified


def harvest(
    uri: str,
    fetcher: Fetcher,
    parent: Parent | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
) -> HarvestResult:
    """Raises `FetchError` or `ManifestParseError` with a clear reason."""
    fetched = fetcher.get(uri, etag=etag, last_modified=last_modified, accept=ACCEPT)
    if fetched.not_modified:
        return NotModified(uri)
    document = parse_document(
        fetched.content, source_uri=fetched.url, content_type=fetched.content_type
    )
    if isinstance(document, Manifest):
        parent_collection = (
            Collection(
                id=parent.id, presentation_version=document.presentation_version, label=parent.label
            )
            if parent
            else None
        )
        return HarvestedManifest(
            issue_record(
                document, parent_collection, fetched.etag, fetched.last_modified, source_uri=uri
            )
        )
    return _collection_members(document)


def _collection_members(collection: Collection) -> HarvestedCollection:
    members = [Member(m.id, "Manifest") for m in collection.manifests]
    members += [Member(c.id, "Collection") for c in collection.collections]
    for page in (collection.first, collection.next):
        if page and page != collection.id:
            members.append(Member(page, "Page"))
    unique = tuple(dict.fromkeys(members))
    return HarvestedCollection(
        id=collection.id,
        label=collection.label,
        members=unique,
        periodical=collection_periodical_record(collection),
    )

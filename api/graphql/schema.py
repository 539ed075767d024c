"""The GraphQL schema: per-feature query/mutation types merged into one, with its limits.

`schema` (default limits) is what `api/schema.graphql` is generated from:
    .venv/bin/python -m api.graphql.schema > api/schema.graphql
"""

from __future__ import annotations

import logging
import re

import strawberry
from graphql import GraphQLError
from neo4j.exceptions import ServiceUnavailable, SessionExpired
from strawberry.extensions import MaskErrors, MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter
from strawberry.tools import merge_types

from api.graphql.catalogue import CatalogueQuery
from api.graphql.circulation import CirculationQuery
from api.graphql.clusters import ClusterQuery
from api.graphql.corrections import CorrectionMutation
from api.graphql.curation import CurationMutation
from api.graphql.errors import (
    BAD_USER_INPUT,
    FORBIDDEN,
    QUERY_TOO_DEEP,
    SERVICE_UNAVAILABLE,
    TOO_MANY_ALIASES,
    TOO_MANY_TOKENS,
    QueryInputError,
    ReadForbidden,
)
from api.graphql.illustrations import IllustrationQuery
from api.graphql.ingest import IngestMutation, IngestQuery
from api.graphql.jobs import JobSubscription
from api.graphql.search import SearchQuery
from api.graphql.system import SystemQuery
from graph.errors import GraphUnavailableError
from ml.vectors.remote import VectorServiceError

log = logging.getLogger(__name__)

MAX_DEPTH = 12
MAX_TOKENS = 5_000
MAX_ALIASES = 30

Query = merge_types(
    "Query",
    (
        SystemQuery,
        IngestQuery,
        ClusterQuery,
        IllustrationQuery,
        SearchQuery,
        CirculationQuery,
        CatalogueQuery,
    ),
)
Mutation = merge_types("Mutation", (IngestMutation, CorrectionMutation, CurationMutation))
Subscription = merge_types("Subscription", (JobSubscription,))

PUBLIC_ERRORS = (QueryInputError, ReadForbidden, GraphQLError)
# A store that cannot be reached: the caller may try again later (HTTP 503).
OUTAGES = (GraphUnavailableError, ServiceUnavailable, SessionExpired, VectorServiceError)
# The limiters' own messages (strawberry, graphql-core) name the limit they enforce.
LIMIT_CODES = (
    (re.compile(r"exceeds maximum operation depth"), QUERY_TOO_DEEP),
    (re.compile(r"aliases found\. Allowed"), TOO_MANY_ALIASES),
    (re.compile(r"more than \d+ tokens"), TOO_MANY_TOKENS),
)


def should_mask(error: GraphQLError) -> bool:
    """Hide unexpected exceptions; keep GraphQL's own errors and the ones meant for clients."""
    original = error.original_error
    return original is not None and not isinstance(original, PUBLIC_ERRORS)


def _is_outage(error: BaseException | None) -> bool:
    seen = 0
    while error is not None and seen < 8:
        if isinstance(error, OUTAGES):
            return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False


def _code(error: GraphQLError) -> str | None:
    original = error.original_error
    if isinstance(original, ReadForbidden):
        return FORBIDDEN
    if isinstance(original, QueryInputError):
        return BAD_USER_INPUT
    if original is None:
        for pattern, code in LIMIT_CODES:
            if pattern.search(error.message):
                return code
    return None


class CodedErrors(MaskErrors):
    """`MaskErrors`, plus `extensions.code` on every error a caller can act on; an outage of
    Neo4j or the vector service becomes SERVICE_UNAVAILABLE instead of "Unexpected error."."""

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        processed = []
        for error in errors:
            if (error.extensions or {}).get("code"):
                processed.append(error)
            elif _is_outage(error.original_error):
                log.warning("store unavailable during a query: %s", error.original_error)
                processed.append(
                    GraphQLError(
                        "a store behind the API is unavailable; try again later",
                        error.nodes,
                        error.source,
                        error.positions,
                        error.path,
                        extensions={"code": SERVICE_UNAVAILABLE},
                    )
                )
            elif self.should_mask_error(error):
                processed.append(self.anonymise_error(error))
            elif code := _code(error):
                processed.append(
                    GraphQLError(
                        error.message,
                        error.nodes,
                        error.source,
                        error.positions,
                        error.path,
                        original_error=error.original_error,
                        extensions={"code": code},
                    )
                )
            else:
                processed.append(error)
        return processed


def build_schema(max_depth: int = MAX_DEPTH) -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=[
            lambda: QueryDepthLimiter(max_depth=max_depth),
            lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
            lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
            lambda: CodedErrors(should_mask_error=should_mask),
        ],
    )


schema = build_schema()

if __name__ == "__main__":
    print(schema.as_str())

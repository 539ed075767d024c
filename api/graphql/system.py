"""System information: version and graph schema version."""

from __future__ import annotations

from importlib.metadata import version

import strawberry
from strawberry.types import Info

from graph.schema import schema_version


@strawberry.type
class About:
    version: str
    schema_version: int | None


@strawberry.type
class SystemQuery:
    @strawberry.field(description="Software version and the graph's schema version.")
    def about(self, info: Info) -> About:
        db = info.context.resources.db
        return About(version=version("contagions"), schema_version=schema_version(db))

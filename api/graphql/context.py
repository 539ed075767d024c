"""A fresh context per request: DataLoaders must not cache across requests."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import HTTPConnection

from api.graphql.loaders import Loaders
from api.resources import Resources


@dataclass
class Context:
    request: HTTPConnection
    resources: Resources
    loaders: Loaders

    @classmethod
    def create(cls, request: HTTPConnection, resources: Resources) -> Context:
        loaders = Loaders(resources.db)
        return cls(request=request, resources=resources, loaders=loaders)

"""Long-lived clients built from settings, shared by the HTTP app, the CLI and the workers."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from api.settings import Settings
from graph.db import GraphDB, Neo4jConnection, open_graph
from ml.vectors import QdrantClientStore, VectorStore
from ml.vectors.remote import RemoteStore

if TYPE_CHECKING:
    from api.pipeline.search import ActiveModelSimilarity


def neo4j_connection(settings: Settings) -> Neo4jConnection:
    return Neo4jConnection(
        uri=settings.neo4j.bolt_uri,
        user=settings.neo4j.user,
        password=settings.neo4j.password.get_secret_value(),
        database=settings.neo4j.database,
    )


@dataclass
class Resources:
    settings: Settings
    db: GraphDB

    @cached_property
    def similarity(self) -> ActiveModelSimilarity:
        """Similarity search on the active descriptor model (see `api.pipeline.search`)."""
        from api.pipeline.search import ActiveModelSimilarity

        return ActiveModelSimilarity(
            self.db, settings=self.settings, store=make_vector_store(self.settings)
        )

    @classmethod
    def open(cls, settings: Settings) -> Resources:
        return cls(settings=settings, db=open_graph(neo4j_connection(settings)))

    def close(self) -> None:
        self.db.close()


def make_vector_store(settings: Settings) -> VectorStore:
    """The configured vector store client (see `VectorSettings`)."""
    vectors = settings.vectors
    if vectors.backend == "edge":
        return RemoteStore(f"http://{vectors.service_host}:{vectors.service_port}")
    if vectors.url:
        api_key = vectors.api_key.get_secret_value() if vectors.api_key else None
        return QdrantClientStore.connect(vectors.url, api_key=api_key)
    settings.vector_path.mkdir(parents=True, exist_ok=True)
    return QdrantClientStore.local(settings.vector_path / "qdrant-local")

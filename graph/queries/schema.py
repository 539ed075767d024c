"""Constraints, indexes and the schema version node."""

# (label, property) pairs that identify a node. Every label the pipeline writes is here.
UNIQUE_KEYS: tuple[tuple[str, str], ...] = (
    ("Corpus", "name"),
    ("Periodical", "id"),
    ("Issue", "id"),
    ("Page", "id"),
    ("Illustration", "id"),
    ("Place", "id"),
    ("Country", "code"),
    ("Cluster", "id"),
    ("ClusteringRun", "id"),
    ("IngestJob", "id"),
    ("IngestTask", "id"),
    ("DescriptorModel", "id"),
    ("EdgeSet", "id"),
    ("CurationDecision", "id"),
    ("SchemaVersion", "name"),
)

# (label, property) pairs that are searched or sorted on.
INDEXED_PROPERTIES: tuple[tuple[str, str], ...] = (
    ("Issue", "manifest_uri"),
    ("Issue", "source_uri"),
    ("Issue", "date"),
    ("Page", "canvas_id"),
    ("Illustration", "segmenter"),
    ("Place", "name"),
    ("Cluster", "size"),
    ("Cluster", "first_date"),
    ("Cluster", "run_id"),
    ("Cluster", "stable_id"),
    ("ClusteringRun", "created"),
    ("IngestJob", "created"),
)

# (relationship type, property) pairs that are filtered on: a cluster's flows.
# Not SIMILAR.edge_set: with that index the planner checks `MERGE (a)-[:SIMILAR {edge_set}]->(b)`
# by seeking every edge of the set instead of expanding between a and b, which is quadratic.
INDEXED_RELATIONSHIP_PROPERTIES: tuple[tuple[str, str], ...] = (
    ("FLOW", "cluster"),
    ("FLOW", "run"),
)

# (relationship type, properties) of composite indexes: a run's memberships by the date, place
# or country of their printing (graph/queries/clusters.py, REFRESH_STATS).
INDEXED_RELATIONSHIP_KEYS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("IN_CLUSTER", ("run_id", "date")),
    ("IN_CLUSTER", ("run_id", "place")),
    ("IN_CLUSTER", ("run_id", "country")),
)

# (label, properties) of composite node indexes: a run's flow cells of one period kind; a
# run's cluster statistics in one year or decade (a "within" window that is one of them); the
# outbox, a unit's status in a stage and when its message was last sent, so that the
# reconciler (api/pipeline/reconcile.py) seeks only the overdue units of a stage, however many
# are pending on time.
INDEXED_NODE_KEYS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("FlowCell", ("run", "kind")),
    ("ClusterPeriod", ("run_id", "kind", "period")),
    ("IngestTask", ("status", "sent")),
    ("Page", ("segment_status", "segment_sent")),
    ("Illustration", ("embed_status", "embed_sent")),
    ("Illustration", ("edge_status", "edge_sent")),
)

# Indexes that earlier schema versions created and that must go.
OBSOLETE_INDEXES: tuple[str, ...] = ("similar_edge_set_index",)
DROP_INDEX_TEMPLATE = "DROP INDEX {name} IF EXISTS"

# Names are derived from label and property so that re-running is a no-op (IF NOT EXISTS).
# Labels and properties come from the tuples above, never from user input.
CONSTRAINT_TEMPLATE = (
    "CREATE CONSTRAINT {name} IF NOT EXISTS FOR (n:{label}) REQUIRE n.{prop} IS UNIQUE"
)
INDEX_TEMPLATE = "CREATE INDEX {name} IF NOT EXISTS FOR (n:{label}) ON (n.{prop})"
RELATIONSHIP_INDEX_TEMPLATE = (
    "CREATE INDEX {name} IF NOT EXISTS FOR ()-[r:{label}]-() ON (r.{prop})"
)

COMPOSITE_INDEX_TEMPLATE = "CREATE INDEX {name} IF NOT EXISTS FOR (n:{label}) ON ({props})"
COMPOSITE_RELATIONSHIP_INDEX_TEMPLATE = (
    "CREATE INDEX {name} IF NOT EXISTS FOR ()-[r:{label}]-() ON ({props})"
)

SET_SCHEMA_VERSION = """
MERGE (v:SchemaVersion {name: 'contagions'})
ON CREATE SET v.created = datetime()
SET v.version = $version, v.updated = datetime()
RETURN v.version AS version
"""

GET_SCHEMA_VERSION = """
MATCH (v:SchemaVersion {name: 'contagions'}) RETURN v.version AS version
"""

LIST_CONSTRAINTS = "SHOW CONSTRAINTS YIELD name RETURN collect(name) AS names"
LIST_INDEXES = "SHOW INDEXES YIELD name RETURN collect(name) AS names"

"""Descriptor models and which illustrations carry vectors of which model."""

_MERGE_MODEL = """
MERGE (m:DescriptorModel {id: $id})
  ON CREATE SET m.created = datetime(), m.active = false
SET m.backbone = $backbone, m.weights_sha256 = $weights_sha256, m.dim = $dim,
    m.whitening_power = $power, m.sample_size = $sample_size, m.artifact = $artifact,
    m.collection = $collection, m.preprocessing = $preprocessing, m.source = $source
"""

RECORD_INACTIVE_MODEL = _MERGE_MODEL + "RETURN m.id AS id"

RECORD_MODEL = (
    _MERGE_MODEL
    + """WITH m
OPTIONAL MATCH (other:DescriptorModel) WHERE other.id <> m.id
SET other.active = false
WITH DISTINCT m
SET m.active = true
RETURN m.id AS id
"""
)

# The columns of a graph.descriptors.DescriptorModelRecord.
_MODEL_COLUMNS = """
m.id AS id, m.backbone AS backbone, m.weights_sha256 AS weights_sha256, m.dim AS dim,
m.whitening_power AS power, m.sample_size AS sample_size, m.artifact AS artifact,
m.collection AS collection, coalesce(m.preprocessing, '') AS preprocessing,
coalesce(m.source, '') AS source
"""

ACTIVE_MODEL = f"""
MATCH (m:DescriptorModel {{active: true}})
RETURN {_MODEL_COLUMNS}
LIMIT 1
"""

# Calibrated match thresholds (ml.matching) of a model, and those of the active model.
SET_MATCH_THRESHOLDS = """
MATCH (m:DescriptorModel {id: $id})
SET m.match_exact = $exact, m.match_reprint = $reprint, m.match_similar = $similar,
    m.match_measured_by = $measured_by
RETURN m.id AS id
"""

ACTIVE_MATCH_THRESHOLDS = """
MATCH (m:DescriptorModel {active: true})
RETURN m.id AS model_id, m.backbone AS backbone, m.match_exact AS exact,
       m.match_reprint AS reprint, m.match_similar AS similar,
       m.match_measured_by AS measured_by
LIMIT 1
"""

MODEL_BY_ID = f"""
MATCH (m:DescriptorModel {{id: $id}})
RETURN {_MODEL_COLUMNS}
"""

# Where an illustration's pixels are and what to file its vector under.
ILLUSTRATION_SOURCES = """
UNWIND $ids AS id
MATCH (iss:Issue)-[:HAS_PAGE]->(pg:Page)-[:HAS_ILLUSTRATION]->(i:Illustration {id: id})
OPTIONAL MATCH (per:Periodical)-[:HAS_ISSUE]->(iss)
OPTIONAL MATCH (c:Corpus)-[:INCLUDES]->(per)
OPTIONAL MATCH (iss)-[:PUBLISHED_IN]->(pl:Place)
OPTIONAL MATCH (pl)-[:IN_COUNTRY]->(co:Country)
WITH i, pg, iss, per, pl, co, collect(DISTINCT c.name)[0] AS corpus
RETURN i.id AS id, i.x AS x, i.y AS y, i.w AS w, i.h AS h, i.iiif_region_url AS region_url,
       pg {.*} AS page, corpus, per.id AS periodical_id, pl.id AS place_id,
       co.code AS country_code, iss.date AS date, iss.year AS year
"""

MARK_INDEXED = """
UNWIND $ids AS id
MATCH (i:Illustration {id: id})
SET i.vector_model = $model_id, i.vector_error = null, i.embed_status = 'done',
    i.edge_status = 'pending', i.edge_sent = datetime()
"""

MARK_INDEX_FAILED = """
UNWIND $rows AS row
MATCH (i:Illustration {id: row.id})
SET i.vector_error = row.reason, i.embed_status = 'failed'
"""

SAMPLE_ILLUSTRATIONS = """
MATCH (c:Corpus)-[:INCLUDES]->(:Periodical)-[:HAS_ISSUE]->(:Issue)-[:HAS_PAGE]->(:Page)
      -[:HAS_ILLUSTRATION]->(i:Illustration)
WHERE ($corpus IS NULL OR c.name = $corpus) AND NOT coalesce(i.flagged, false)
WITH DISTINCT i
ORDER BY rand()
LIMIT $limit
RETURN i.id AS id
"""

ILLUSTRATIONS_TO_INDEX = """
MATCH (c:Corpus)-[:INCLUDES]->(:Periodical)-[:HAS_ISSUE]->(:Issue)-[:HAS_PAGE]->(:Page)
      -[:HAS_ILLUSTRATION]->(i:Illustration)
WHERE ($corpus IS NULL OR c.name = $corpus)
  AND ($all OR i.vector_model IS NULL OR i.vector_model <> $model_id)
RETURN DISTINCT i.id AS id ORDER BY id
"""

ILLUSTRATION_IDS_OF_CORPUS = """
MATCH (c:Corpus)-[:INCLUDES]->(:Periodical)-[:HAS_ISSUE]->(:Issue)-[:HAS_PAGE]->(:Page)
      -[:HAS_ILLUSTRATION]->(i:Illustration)
WHERE ($corpus IS NULL OR c.name = $corpus) AND i.vector_model = $model_id
RETURN DISTINCT i.id AS id ORDER BY id
"""

INDEX_PROGRESS = """
MATCH (c:Corpus)-[:INCLUDES]->(:Periodical)-[:HAS_ISSUE]->(:Issue)
      -[:HAS_PAGE]->(:Page)-[:HAS_ILLUSTRATION]->(i:Illustration)
WHERE $corpus IS NULL OR c.name = $corpus
WITH DISTINCT i
RETURN count(i) AS total,
       count(CASE WHEN i.vector_model = $model_id THEN 1 END) AS indexed,
       count(CASE WHEN i.vector_model IS NULL OR i.vector_model <> $model_id
                   THEN i.vector_error END) AS failed
"""

# Imported vectors: which ids the graph knows, whether they already carry the model's vector,
# and the payload fields filed with it (the ILLUSTRATION_SOURCES columns without the page),
# looked up once per issue rather than once per illustration: 8x faster on 20k ids.
IMPORT_TARGETS = """
UNWIND $ids AS id
MATCH (i:Illustration {id: id}) USING INDEX i:Illustration(id)
OPTIONAL MATCH (iss:Issue)-[:HAS_PAGE]->(:Page)-[:HAS_ILLUSTRATION]->(i)
WITH iss, collect([i.id, coalesce(i.vector_model = $model_id, false)]) AS illustrations
OPTIONAL MATCH (per:Periodical)-[:HAS_ISSUE]->(iss)
OPTIONAL MATCH (c:Corpus)-[:INCLUDES]->(per)
OPTIONAL MATCH (iss)-[:PUBLISHED_IN]->(pl:Place)
OPTIONAL MATCH (pl)-[:IN_COUNTRY]->(co:Country)
WITH iss, illustrations, per, pl, co, collect(DISTINCT c.name)[0] AS corpus
RETURN illustrations, corpus, per.id AS periodical_id, pl.id AS place_id,
       co.code AS country_code, iss.date AS date, iss.year AS year
"""

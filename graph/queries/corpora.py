"""Corpora: named sets of periodicals a researcher works on."""

CREATE_CORPUS = """
MERGE (c:Corpus {name: $name})
  ON CREATE SET c.created = datetime(), c.segmenter = $segmenter
RETURN c.name AS name, c.segmenter AS segmenter, toString(c.created) AS created
"""

CORPORA_OF_ILLUSTRATIONS = """
UNWIND $ids AS id
MATCH (c:Corpus)-[:INCLUDES]->(:Periodical)-[:HAS_ISSUE]->(:Issue)-[:HAS_PAGE]->(:Page)
      -[:HAS_ILLUSTRATION]->(:Illustration {id: id})
RETURN DISTINCT c.name AS name ORDER BY name
"""

LIST_CORPORA = """
MATCH (c:Corpus)
OPTIONAL MATCH (c)-[:INCLUDES]->(p:Periodical)
WITH c, count(p) AS periodicals
RETURN c.name AS name, c.segmenter AS segmenter, toString(c.created) AS created, periodicals
ORDER BY name
"""

# The URIs a corpus was ingested from: the top-level tasks of its jobs (not the members their
# collections listed, nor the later pages of a paged collection).
ROOT_URIS = """
MATCH (:Corpus {name: $name})-[:HAS_JOB]->(:IngestJob)-[:HAS_TASK]->(t:IngestTask)
WHERE coalesce(t.depth, 0) = 0 AND t.parent IS NULL AND coalesce(t.page, 0) = 0
WITH t.uri AS uri, min(t.created) AS first
RETURN uri ORDER BY first, uri
"""

# The write lock comes first (SET), so a second worker's claim reads the first one's stamp.
CLAIM_REHARVEST = """
MATCH (c:Corpus {name: $name})
SET c.reharvest_lock = true
WITH c
OPTIONAL MATCH (c)-[:HAS_JOB]->(j:IngestJob)
WITH c, max(j.created) AS last_job
// A claim counts as a harvest: the claimer creates its job after this transaction.
WITH c, CASE WHEN c.reharvested IS NOT NULL AND (last_job IS NULL OR c.reharvested > last_job)
             THEN c.reharvested ELSE coalesce(last_job, c.created) END AS last
REMOVE c.reharvest_lock
WITH c, last
WHERE last IS NULL OR last <= datetime() - duration({milliseconds: $interval_ms})
SET c.reharvested = datetime()
RETURN c.name AS name
"""

"""Pages as sources of illustrations, and the illustrations segmenters find on them."""

PAGES_BY_IDS = """
UNWIND $ids AS id
MATCH (i:Issue)-[:HAS_PAGE]->(pg:Page {id: id})
RETURN pg {.*} AS page, i.manifest_uri AS manifest_uri
"""

PAGE_IDS_OF_ISSUES = """
UNWIND $issue_ids AS issue_id
MATCH (:Issue {id: issue_id})-[r:HAS_PAGE]->(pg:Page)
RETURN pg.id AS id ORDER BY issue_id, r.order
"""

PAGE_IDS_OF_CORPUS = """
MATCH (:Corpus {name: $corpus})-[:INCLUDES]->(:Periodical)-[:HAS_ISSUE]->(:Issue)
      -[:HAS_PAGE]->(pg:Page)
WHERE $only_pending = false OR coalesce(pg.segment_status, 'pending') <> 'done'
RETURN pg.id AS id ORDER BY id
"""

# Illustrations from this segmenter that the new result no longer contains; curated ones stay.
STALE_ILLUSTRATIONS = """
MATCH (:Page {id: $page_id})-[:HAS_ILLUSTRATION]->(old:Illustration {segmenter: $segmenter})
WHERE NOT old.id IN $keep_ids AND coalesce(old.curated, false) = false
RETURN collect(old.id) AS ids
"""

DELETE_ILLUSTRATIONS = """
MATCH (old:Illustration) WHERE old.id IN $ids
DETACH DELETE old
"""

UPSERT_ILLUSTRATIONS = """
MATCH (pg:Page {id: $page_id})
SET pg.segment_status = 'done', pg.segmenter = $segmenter, pg.segment_error = null,
    pg.illustration_count = size($illustrations), pg.segmented_at = datetime()
WITH pg
UNWIND $illustrations AS ill
MERGE (x:Illustration {id: ill.id})
  ON CREATE SET x.created = datetime()
SET x += ill
// The outbox record "to embed", in the transaction that found the illustration.
SET x.embed_status = CASE x.embed_status WHEN 'done' THEN 'done' ELSE 'pending' END,
    x.embed_sent = datetime()
MERGE (pg)-[:HAS_ILLUSTRATION]->(x)
"""

MARK_PAGE_FAILED = """
MATCH (pg:Page {id: $page_id})
SET pg.segment_status = 'failed', pg.segment_error = $reason, pg.segmented_at = datetime()
"""

# What the stages after the harvest count for a job: pages segmented, illustrations found,
# embedded with the active model ($model_id, null: none yet) and given edges ($edge_set, null:
# edges are not built continuously). A page or illustration of two of the job's tasks counts
# once. Properties only, no bookkeeping nodes: the counts are the graph's own state.
JOB_PAGE_PROGRESS = """
CALL () {
  MATCH (:IngestJob {id: $job_id})-[:HAS_TASK]->(t:IngestTask)
  WHERE t.issue_id IS NOT NULL
  MATCH (:Issue {id: t.issue_id})-[:HAS_PAGE]->(pg:Page)
  RETURN DISTINCT pg
}
OPTIONAL MATCH (pg)-[:HAS_ILLUSTRATION]->(ill:Illustration)
WITH pg, ill, coalesce(ill.vector_model = $model_id, false) AS embedded
WITH pg,
     count(ill) AS found,
     count(ill.vector_model) AS indexed,
     count(CASE WHEN embedded THEN 1 END) AS n_embedded,
     count(CASE WHEN NOT embedded AND ill.vector_error IS NOT NULL THEN 1 END) AS n_failed,
     count(CASE WHEN embedded AND ill.edge_set = $edge_set THEN 1 END) AS n_linked
RETURN count(pg) AS pages_written,
       count(CASE WHEN pg.segment_status = 'done' THEN 1 END) AS pages_segmented,
       count(CASE WHEN pg.segment_status = 'failed' THEN 1 END) AS pages_failed,
       sum(found) AS illustrations_found,
       sum(indexed) AS illustrations_indexed,
       sum(n_embedded) AS illustrations_embedded,
       sum(n_failed) AS illustrations_embed_failed,
       sum(n_linked) AS illustrations_linked
"""

PAGE_FAILURES = """
MATCH (:IngestJob {id: $job_id})-[:HAS_TASK]->(t:IngestTask)
WHERE t.issue_id IS NOT NULL
MATCH (:Issue {id: t.issue_id})-[:HAS_PAGE]->(pg:Page {segment_status: 'failed'})
RETURN pg.canvas_id AS uri, pg.segment_error AS reason
ORDER BY uri LIMIT $limit
"""

# Bulk path (benchmarks, imports): many pages' illustrations in one statement.
UPSERT_ILLUSTRATIONS_BULK = """
UNWIND $rows AS row
MATCH (pg:Page {id: row.page_id})
MERGE (x:Illustration {id: row.props.id})
  ON CREATE SET x.created = datetime()
SET x += row.props
MERGE (pg)-[:HAS_ILLUSTRATION]->(x)
"""

COUNT_ILLUSTRATIONS = """
MATCH (i:Illustration) RETURN count(i) AS n
"""

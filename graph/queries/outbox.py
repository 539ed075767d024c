"""The outbox: units recorded as pending in a stage, and when they were last sent.

A unit is written as pending in the transaction of the work that makes it (a task when the job
learns its URI, a page with its manifest, an illustration with its page's segmentation, an
edge with its vector). Each carries the time its message was last sent; the reconciler finds
those pending past a deadline and sends them again.
"""

STUCK_TASKS = """
MATCH (t:IngestTask {status: 'queued'})
WHERE t.sent < datetime() - duration({seconds: $age_s})
RETURN t.id AS id ORDER BY t.sent LIMIT $limit
"""

# Tasks registered before the outbox existed have no `sent`: within a job, their creation.
JOB_STUCK_TASKS = """
MATCH (:IngestJob {id: $job_id})-[:HAS_TASK]->(t:IngestTask {status: 'queued'})
WHERE coalesce(t.sent, t.created) < datetime() - duration({seconds: $age_s})
RETURN t.id AS id ORDER BY coalesce(t.sent, t.created) LIMIT $limit
"""

# A page is segmented with its corpus' segmenter (null: the settings' default).
STUCK_PAGES = """
MATCH (pg:Page {segment_status: 'pending'})
WHERE pg.segment_sent < datetime() - duration({seconds: $age_s})
WITH pg ORDER BY pg.segment_sent LIMIT $limit
OPTIONAL MATCH (c:Corpus)-[:INCLUDES]->(:Periodical)-[:HAS_ISSUE]->(:Issue)-[:HAS_PAGE]->(pg)
RETURN pg.id AS id, head(collect(c.segmenter)) AS segmenter
"""

# Pages written before the outbox existed have no status: within a job they count as pending.
JOB_STUCK_PAGES = """
MATCH (c:Corpus)-[:HAS_JOB]->(:IngestJob {id: $job_id})-[:HAS_TASK]->(t:IngestTask)
WHERE t.issue_id IS NOT NULL
MATCH (:Issue {id: t.issue_id})-[:HAS_PAGE]->(pg:Page)
WHERE coalesce(pg.segment_status, 'pending') = 'pending'
  AND coalesce(pg.segment_sent, datetime({epochMillis: 0}))
      < datetime() - duration({seconds: $age_s})
RETURN DISTINCT pg.id AS id, c.segmenter AS segmenter
LIMIT $limit
"""

STUCK_ILLUSTRATIONS = """
MATCH (i:Illustration {embed_status: 'pending'})
WHERE i.embed_sent < datetime() - duration({seconds: $age_s})
RETURN i.id AS id ORDER BY i.embed_sent LIMIT $limit
"""

JOB_STUCK_ILLUSTRATIONS = """
MATCH (:IngestJob {id: $job_id})-[:HAS_TASK]->(t:IngestTask)
WHERE t.issue_id IS NOT NULL
MATCH (:Issue {id: t.issue_id})-[:HAS_PAGE]->(:Page)-[:HAS_ILLUSTRATION]->(i:Illustration)
WHERE coalesce(i.embed_status, CASE WHEN i.vector_model IS NULL THEN 'pending' END) = 'pending'
  AND coalesce(i.embed_sent, datetime({epochMillis: 0}))
      < datetime() - duration({seconds: $age_s})
RETURN DISTINCT i.id AS id
LIMIT $limit
"""

STUCK_EDGES = """
MATCH (i:Illustration {edge_status: 'pending'})
WHERE i.edge_sent < datetime() - duration({seconds: $age_s})
RETURN i.id AS id ORDER BY i.edge_sent LIMIT $limit
"""

JOB_STUCK_EDGES = """
MATCH (:IngestJob {id: $job_id})-[:HAS_TASK]->(t:IngestTask)
WHERE t.issue_id IS NOT NULL
MATCH (:Issue {id: t.issue_id})-[:HAS_PAGE]->(:Page)
      -[:HAS_ILLUSTRATION]->(i:Illustration {edge_status: 'pending'})
WHERE i.edge_sent < datetime() - duration({seconds: $age_s})
RETURN DISTINCT i.id AS id
LIMIT $limit
"""

TOUCH_TASKS = """
UNWIND $ids AS id
MATCH (t:IngestTask {id: id}) WHERE t.status = 'queued'
SET t.sent = datetime(), t.resent = coalesce(t.resent, 0) + 1
"""

TOUCH_PAGES = """
UNWIND $ids AS id
MATCH (pg:Page {id: id}) WHERE coalesce(pg.segment_status, 'pending') = 'pending'
SET pg.segment_status = 'pending', pg.segment_sent = datetime(),
    pg.segment_resent = coalesce(pg.segment_resent, 0) + 1
"""

TOUCH_ILLUSTRATIONS = """
UNWIND $ids AS id
MATCH (i:Illustration {id: id})
WHERE coalesce(i.embed_status, CASE WHEN i.vector_model IS NULL THEN 'pending' END) = 'pending'
SET i.embed_status = 'pending', i.embed_sent = datetime(),
    i.embed_resent = coalesce(i.embed_resent, 0) + 1
"""

TOUCH_EDGES = """
UNWIND $ids AS id
MATCH (i:Illustration {id: id, edge_status: 'pending'})
SET i.edge_sent = datetime(), i.edge_resent = coalesce(i.edge_resent, 0) + 1
"""

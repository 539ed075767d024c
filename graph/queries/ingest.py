"""Writing harvested issues and tracking ingest jobs."""

# Every write takes a batch ($issues); one manifest is a batch of one.
MERGE_ISSUES = """
MERGE (c:Corpus {name: $corpus})
  ON CREATE SET c.created = datetime()
WITH c
UNWIND $issues AS row
MERGE (p:Periodical {id: row.periodical.id})
  ON CREATE SET p.created = datetime()
SET p.harvested_title = row.periodical.title,
    p.title = coalesce(p.corrected_title, row.periodical.title),
    p.rule = row.periodical.rule,
    p.source_uri = row.periodical.source_uri,
    p.publication_type = coalesce(p.publication_type, row.issue.publication_type)
MERGE (c)-[:INCLUDES]->(p)
MERGE (i:Issue {id: row.issue.id})
  ON CREATE SET i.created = datetime()
SET i += row.props,
    i.harvested_date = row.issue.date,
    i.harvested_date_precision = row.issue.date_precision,
    i.date = CASE WHEN i.corrected_date IS NULL THEN row.issue.date ELSE i.corrected_date END,
    i.date_precision = CASE WHEN i.corrected_date IS NULL THEN row.issue.date_precision
                            ELSE i.corrected_date_precision END,
    i.year = CASE WHEN i.corrected_date IS NULL THEN toInteger(left(row.issue.date, 4))
                  ELSE toInteger(left(i.corrected_date, 4)) END,
    i.harvested_at = datetime()
WITH p, i
OPTIONAL MATCH (other:Periodical)-[old:HAS_ISSUE]->(i) WHERE other.id <> p.id
DELETE old
MERGE (p)-[:HAS_ISSUE]->(i)
"""

# Corrected places win: only an uncorrected issue follows what the manifest says.
SET_ISSUE_PLACES = """
UNWIND $issues AS row
MATCH (i:Issue {id: row.issue_id}) WHERE i.corrected_place_id IS NULL
OPTIONAL MATCH (i)-[old:PUBLISHED_IN]->(:Place)
DELETE old
WITH DISTINCT i, row
CALL (i, row) {
  WITH i, row WHERE row.place IS NOT NULL
  MERGE (pl:Place {id: row.place.id})
  SET pl.name = row.place.name, pl.latitude = row.place.latitude,
      pl.longitude = row.place.longitude, pl.geonames_id = row.place.geonames_id
  MERGE (i)-[:PUBLISHED_IN]->(pl)
  WITH pl, row WHERE row.country IS NOT NULL
  MERGE (co:Country {code: row.country.code}) SET co.name = row.country.name
  MERGE (pl)-[:IN_COUNTRY]->(co)
}
"""

UPSERT_PAGES = """
UNWIND $issues AS row
MATCH (i:Issue {id: row.issue_id})
WITH i, row
UNWIND row.pages AS page
MERGE (pg:Page {id: page.id})
SET pg += page
SET pg.segment_status = coalesce(pg.segment_status, 'pending'), pg.segment_sent = datetime()
MERGE (i)-[r:HAS_PAGE]->(pg)
SET r.order = page.order
"""

# Pages that left their manifest. Read first, deleted only when there are any: the common
# case (nothing to delete) then costs one index seek per issue and no eager delete plan.
STALE_PAGE_IDS = """
UNWIND $issues AS row
MATCH (i:Issue {id: row.issue_id})-[:HAS_PAGE]->(pg:Page)
WHERE NOT pg.id IN row.page_ids
RETURN collect(pg.id) AS ids
"""

# A page that left the manifest goes, with what was extracted from it.
DELETE_PAGES = """
MATCH (pg:Page) WHERE pg.id IN $ids
OPTIONAL MATCH (pg)-[:HAS_ILLUSTRATION]->(ill:Illustration)
DETACH DELETE ill, pg
"""

# A periodical from its collection's own description. Titles and rules that issues wrote win
# (they were read from the issues themselves); the collection's place and dates are its own.
MERGE_COLLECTION_PERIODICAL = """
MERGE (c:Corpus {name: $corpus})
  ON CREATE SET c.created = datetime()
MERGE (p:Periodical {id: $periodical.id})
  ON CREATE SET p.created = datetime(), p.harvested_title = $periodical.title,
                p.title = $periodical.title, p.rule = $periodical.rule
SET p.source_uri = coalesce(p.source_uri, $periodical.source_uri),
    p.collection_uri = $periodical.source_uri,
    p.place_raw = $place_raw,
    p.collection_date = $date,
    p.collection_date_precision = $date_precision,
    p.collection_date_raw = $date_raw
MERGE (c)-[:INCLUDES]->(p)
WITH p
OPTIONAL MATCH (p)-[old:PUBLISHED_IN]->(:Place)
DELETE old
WITH DISTINCT p
CALL (p) {
  WITH p WHERE $place IS NOT NULL
  MERGE (pl:Place {id: $place.id})
  SET pl.name = $place.name, pl.latitude = $place.latitude,
      pl.longitude = $place.longitude, pl.geonames_id = $place.geonames_id
  MERGE (p)-[:PUBLISHED_IN]->(pl)
  WITH pl WHERE $country IS NOT NULL
  MERGE (co:Country {code: $country.code}) SET co.name = $country.name
  MERGE (pl)-[:IN_COUNTRY]->(co)
}
"""

# A manifest too large for one transaction: its issue first, then its pages in chunks.
UPSERT_PAGE_CHUNK = """
MATCH (i:Issue {id: $issue_id})
UNWIND $pages AS page
MERGE (pg:Page {id: page.id})
SET pg += page
SET pg.segment_status = coalesce(pg.segment_status, 'pending'), pg.segment_sent = datetime()
MERGE (i)-[r:HAS_PAGE]->(pg)
SET r.order = page.order
"""

STALE_PAGES_OF_ISSUE = """
MATCH (i:Issue {id: $issue_id})-[:HAS_PAGE]->(pg:Page)
WHERE NOT pg.id IN $page_ids
RETURN collect(pg.id) AS ids
"""

# An unchanged manifest (HTTP 304) already harvested for another corpus: its issue joins the
# task's corpus through its periodical, and the task is done, with the pages it has. Pages
# not segmented yet (or failed) come back to be queued again.
LINK_UNCHANGED_ISSUE = """
MATCH (t:IngestTask {id: $task_id})
CALL () {
  MATCH (i:Issue {source_uri: $uri}) RETURN i
  UNION
  MATCH (i:Issue {manifest_uri: $uri}) RETURN i
}
MATCH (i)<-[:HAS_ISSUE]-(p:Periodical)
MERGE (c:Corpus {name: $corpus})
  ON CREATE SET c.created = datetime()
MERGE (c)-[:INCLUDES]->(p)
SET t.status = 'done', t.kind = 'manifest', t.pages = COUNT { (i)-[:HAS_PAGE]->(:Page) },
    t.members = 0, t.issue_id = i.id, t.reason = null, t.finished = datetime(),
    t.not_modified = true
WITH i LIMIT 1
CALL (i) {
  MATCH (i)-[:HAS_PAGE]->(pg:Page) WHERE coalesce(pg.segment_status, 'pending') <> 'done'
  SET pg.segment_status = 'pending', pg.segment_sent = datetime()
  RETURN collect(pg.id) AS page_ids
}
RETURN i.id AS issue_id, page_ids
"""

CREATE_JOB = """
MERGE (c:Corpus {name: $corpus})
  ON CREATE SET c.created = datetime()
SET c.segmenter = coalesce($segmenter, c.segmenter)
MERGE (j:IngestJob {id: $job_id})
  ON CREATE SET j.created = datetime(), j.kind = $kind, j.refresh = $refresh
MERGE (c)-[:HAS_JOB]->(j)
RETURN j.id AS id
"""

# Only tasks not yet known to the job come back: this is the cycle and duplicate guard.
ADD_TASKS = """
MATCH (j:IngestJob {id: $job_id})
UNWIND $tasks AS task
OPTIONAL MATCH (existing:IngestTask {id: task.id})
WITH j, task, existing WHERE existing IS NULL
CREATE (t:IngestTask {id: task.id, uri: task.uri, depth: task.depth, parent: task.parent,
                      parent_label: task.parent_label, page: task.page, status: 'queued',
                      created: datetime(), sent: datetime()})
CREATE (j)-[:HAS_TASK]->(t)
RETURN t.id AS id, t.uri AS uri
"""

MARK_TASK_DONE = """
MATCH (t:IngestTask {id: $task_id})
SET t.status = 'done', t.kind = $kind, t.pages = $pages, t.members = $members,
    t.issue_id = $issue_id, t.reason = null, t.finished = datetime()
"""

# The batched worker path: the manifests of one message, marked done with their issues.
MARK_MANIFEST_TASKS_DONE = """
UNWIND $tasks AS task
MATCH (t:IngestTask {id: task.id})
SET t.status = 'done', t.kind = 'manifest', t.pages = task.pages, t.members = 0,
    t.issue_id = task.issue_id, t.reason = null, t.finished = datetime()
"""

# A task already done stays done: a failure after its write (enqueueing its pages) is not
# the harvest's.
MARK_TASK_FAILED = """
MATCH (t:IngestTask {id: $task_id}) WHERE t.status <> 'done'
SET t.status = 'failed', t.reason = $reason, t.finished = datetime()
"""

GET_TASK = """
MATCH (c:Corpus)-[:HAS_JOB]->(j:IngestJob)-[:HAS_TASK]->(t:IngestTask {id: $task_id})
RETURN t.status AS status, t.uri AS uri, t.depth AS depth, t.parent AS parent,
       t.parent_label AS parent_label, j.id AS job_id, c.name AS corpus,
       c.segmenter AS segmenter, coalesce(j.refresh, false) AS refresh,
       coalesce(t.page, 0) AS page
"""

# By the URI it was fetched from (a manifest's id may differ from where it is served), or by id.
ISSUE_VALIDATORS = """
CALL () {
  MATCH (i:Issue {source_uri: $uri}) RETURN i
  UNION
  MATCH (i:Issue {manifest_uri: $uri}) RETURN i
}
RETURN i.etag AS etag, i.last_modified AS last_modified, i.id AS id
LIMIT 1
"""

JOB_PROGRESS = """
MATCH (j:IngestJob {id: $job_id})
OPTIONAL MATCH (c:Corpus)-[:HAS_JOB]->(j)
OPTIONAL MATCH (j)-[:HAS_TASK]->(t:IngestTask)
WITH j, c,
     count(t) AS total,
     count(CASE WHEN t.status = 'done' THEN 1 END) AS done,
     count(CASE WHEN t.status = 'failed' THEN 1 END) AS failed,
     count(CASE WHEN t.status = 'done' AND t.kind = 'manifest' THEN 1 END) AS manifests,
     count(CASE WHEN t.status = 'done' AND t.kind = 'collection' THEN 1 END) AS collections,
     coalesce(sum(t.pages), 0) AS pages
RETURN j.id AS id, c.name AS corpus, j.kind AS kind, j.created AS created,
       total, done, failed, manifests, collections, pages
"""

# The failures of every stage of a job, grouped by their exact reason (the caller groups
# reasons that differ only by a URL or a number), with a few examples each.
JOB_FAILURE_REASONS = """
MATCH (:IngestJob {id: $job_id})-[:HAS_TASK]->(t:IngestTask)
CALL (t) {
  WITH t WHERE t.status = 'failed'
  RETURN 'manifests' AS stage, t.reason AS reason, t.uri AS unit
  UNION ALL
  WITH t WHERE t.issue_id IS NOT NULL
  MATCH (:Issue {id: t.issue_id})-[:HAS_PAGE]->(pg:Page {segment_status: 'failed'})
  RETURN 'segmented' AS stage, pg.segment_error AS reason, pg.canvas_id AS unit
  UNION ALL
  WITH t WHERE t.issue_id IS NOT NULL
  MATCH (:Issue {id: t.issue_id})-[:HAS_PAGE]->(:Page)
        -[:HAS_ILLUSTRATION]->(ill:Illustration {embed_status: 'failed'})
  WHERE coalesce(ill.vector_model = $model_id, false) = false
  RETURN 'embedded' AS stage, ill.vector_error AS reason, ill.id AS unit
}
WITH stage, coalesce(reason, 'no reason recorded') AS reason, collect(DISTINCT unit) AS units
RETURN stage, reason, size(units) AS count, units[..3] AS examples
ORDER BY count DESC, stage, reason
LIMIT $limit
"""

# What a job's later stages are counted against: the active descriptor model and the edge set
# continuous mode builds with it ('' while none is built: every embedded illustration waits).
STAGE_CONTEXT = """
OPTIONAL MATCH (m:DescriptorModel {active: true})
OPTIONAL MATCH (s:EdgeSet {model_id: m.id, k: $k, min_score: $min_score})
RETURN m.id AS model_id, coalesce(s.id, '') AS edge_set
LIMIT 1
"""

JOB_FAILURES = """
MATCH (:IngestJob {id: $job_id})-[:HAS_TASK]->(t:IngestTask {status: 'failed'})
RETURN t.uri AS uri, t.reason AS reason
ORDER BY t.uri
LIMIT $limit
"""

LIST_JOBS = """
MATCH (c:Corpus)-[:HAS_JOB]->(j:IngestJob)
WHERE $corpus IS NULL OR c.name = $corpus
RETURN j.id AS id ORDER BY j.created DESC LIMIT $limit
"""

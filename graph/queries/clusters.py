"""Clustering runs, their clusters, memberships, statistics, flows and curation decisions."""

CREATE_RUN = """
CREATE (r:ClusteringRun {id: $id, threshold: $threshold, params: $params, created: datetime(),
                         edge_set: $edge_set, corpus: $corpus, model_id: $model_id})
RETURN r.id AS id
"""

WRITE_CLUSTERS = """
MATCH (r:ClusteringRun {id: $run_id})
UNWIND $clusters AS c
CREATE (k:Cluster {id: c.id, key: c.key, run_id: $run_id, threshold: c.threshold,
                   leaf: c.leaf, level: c.level, name: c.name, description: c.description,
                   validated: c.validated, flag_reason: c.flag_reason,
                   flagged: c.flag_reason IS NOT NULL, stable_id: c.stable_id})
CREATE (r)-[:HAS_CLUSTER]->(k)
"""

WRITE_CHILDREN = """
UNWIND $links AS link
MATCH (p:Cluster {id: link[0]})
MATCH (c:Cluster {id: link[1]})
MERGE (p)-[:HAS_CHILD]->(c)
"""

WRITE_MEMBERS = """
UNWIND $rows AS row
MATCH (i:Illustration {id: row[0]}) USING INDEX i:Illustration(id)
MATCH (c:Cluster {id: row[1]}) USING INDEX c:Cluster(id)
MERGE (i)-[:IN_CLUSTER]->(c)
"""

REFRESH_STATS = """
UNWIND $ids AS cluster_id
MATCH (c:Cluster {id: cluster_id})
CALL (c) {
  MATCH (c)<-[:IN_CLUSTER]-(i:Illustration)
  RETURN count(i) AS size
}
// Illustrations a curator flagged as not relevant count in the size only.
CALL (c) {
  MATCH (c)<-[:IN_CLUSTER]-(i:Illustration)<-[:HAS_ILLUSTRATION]-(:Page)<-[:HAS_PAGE]-(iss:Issue)
  WHERE NOT coalesce(i.flagged, false)
  OPTIONAL MATCH (per:Periodical)-[:HAS_ISSUE]->(iss)
  OPTIONAL MATCH (iss)-[:PUBLISHED_IN]->(pl:Place)
  OPTIONAL MATCH (pl)-[:IN_COUNTRY]->(co:Country)
  RETURN count(DISTINCT pl) AS n_places,
         count(DISTINCT co) AS n_countries, count(DISTINCT per) AS n_periodicals,
         min(iss.date) AS first_date, max(iss.date) AS last_date
}
SET c.size = size, c.n_places = n_places, c.n_countries = n_countries,
    c.n_periodicals = n_periodicals, c.first_date = first_date, c.last_date = last_date,
    c.span_days = CASE WHEN first_date IS NULL THEN null
                       ELSE duration.inDays(date(first_date), date(last_date)).days END
"""

# New clusters with their statistics and memberships in one statement per batch (the update
# path: statistics come from the appearances it reads for the flows anyway).
CREATE_CLUSTERS_WITH_MEMBERS = """
MATCH (r:ClusteringRun {id: $run_id})
UNWIND $clusters AS c
CREATE (k:Cluster {id: c.id, key: c.key, run_id: $run_id, threshold: c.threshold,
                   leaf: c.leaf, level: c.level, name: c.name, description: c.description,
                   validated: c.validated, flag_reason: c.flag_reason,
                   flagged: c.flag_reason IS NOT NULL, stable_id: c.stable_id,
                   size: c.size, n_places: c.n_places, n_countries: c.n_countries,
                   n_periodicals: c.n_periodicals, first_date: c.first_date,
                   last_date: c.last_date, span_days: c.span_days})
CREATE (r)-[:HAS_CLUSTER]->(k)
WITH k, c
UNWIND c.members AS member
MATCH (i:Illustration {id: member})
CREATE (i)-[:IN_CLUSTER]->(k)
"""

# A stored cluster taken over by the cluster it grew into: the node gets the new id, key,
# curation and statistics, and memberships only for the members it gained (its FLOWs are
# deleted and written again by the caller).
GROW_CLUSTERS = """
UNWIND $clusters AS c
MATCH (k:Cluster {id: c.old_id})
SET k.id = c.id, k.key = c.key, k.threshold = c.threshold, k.leaf = c.leaf, k.level = c.level,
    k.name = c.name, k.description = c.description, k.validated = c.validated,
    k.flag_reason = c.flag_reason, k.flagged = c.flag_reason IS NOT NULL,
    k.stable_id = c.stable_id, k.size = c.size, k.n_places = c.n_places,
    k.n_countries = c.n_countries, k.n_periodicals = c.n_periodicals,
    k.first_date = c.first_date, k.last_date = c.last_date, k.span_days = c.span_days
WITH k, c
UNWIND c.gained AS member
MATCH (i:Illustration {id: member})
CREATE (i)-[:IN_CLUSTER]->(k)
"""

ILLUSTRATION_APPEARANCES = """
UNWIND $ids AS illustration_id
MATCH (i:Illustration {id: illustration_id})<-[:HAS_ILLUSTRATION]-(:Page)<-[:HAS_PAGE]-(iss:Issue)
WHERE NOT coalesce(i.flagged, false)
OPTIONAL MATCH (per:Periodical)-[:HAS_ISSUE]->(iss)
OPTIONAL MATCH (iss)-[:PUBLISHED_IN]->(pl:Place)
OPTIONAL MATCH (pl)-[:IN_COUNTRY]->(co:Country)
RETURN '' AS cluster_id, i.id AS illustration_id, iss.date AS date,
       iss.date_precision AS date_precision, pl.id AS place_id, co.code AS country_code,
       per.id AS periodical_id, iss.id AS issue_id
"""

APPEARANCES = """
UNWIND $ids AS cluster_id
MATCH (:Cluster {id: cluster_id})<-[:IN_CLUSTER]-(i:Illustration)
      <-[:HAS_ILLUSTRATION]-(:Page)<-[:HAS_PAGE]-(iss:Issue)
WHERE NOT coalesce(i.flagged, false)
OPTIONAL MATCH (per:Periodical)-[:HAS_ISSUE]->(iss)
OPTIONAL MATCH (iss)-[:PUBLISHED_IN]->(pl:Place)
OPTIONAL MATCH (pl)-[:IN_COUNTRY]->(co:Country)
RETURN cluster_id, i.id AS illustration_id, iss.date AS date,
       iss.date_precision AS date_precision, pl.id AS place_id, co.code AS country_code,
       per.id AS periodical_id, iss.id AS issue_id
"""

WRITE_FLOWS = """
UNWIND $hops AS h
MATCH (a:Place {id: h.origin}) USING INDEX a:Place(id)
MATCH (b:Place {id: h.destination}) USING INDEX b:Place(id)
CREATE (a)-[:FLOW {cluster: h.cluster, run: $run_id, from_date: h.from_date,
                   to_date: h.to_date, lag_days: h.lag_days, precision: h.precision,
                   from_illustration: h.from_illustration, to_illustration: h.to_illustration}]->(b)
"""

DELETE_FLOWS_OF_CLUSTERS = """
MATCH ()-[f:FLOW]->() WHERE f.cluster IN $ids DELETE f
"""

RUN_LEAVES = """
MATCH (c:Cluster {run_id: $run_id, leaf: true})<-[:IN_CLUSTER]-(i:Illustration)
OPTIONAL MATCH (p:Cluster)-[:HAS_CHILD]->(c)
RETURN c.id AS id, c.key AS key, p.id AS parent_id, c.threshold AS threshold,
       c.level AS level, c.name AS name, c.description AS description,
       c.validated AS validated, c.flag_reason AS flag_reason, collect(i.id) AS members
"""

DELETE_CLUSTERS = """
MATCH (c:Cluster) WHERE c.id IN $ids
DETACH DELETE c
"""

SET_CURATION = """
UNWIND $rows AS row
MATCH (c:Cluster {id: row.id})
SET c.name = row.name, c.description = row.description, c.validated = row.validated,
    c.flag_reason = row.flag_reason, c.flagged = row.flag_reason IS NOT NULL
"""

GET_RUN = """
MATCH (r:ClusteringRun {id: $run_id})
RETURN r.id AS id, r.threshold AS threshold, r.params AS params, r.edge_set AS edge_set,
       r.corpus AS corpus, r.model_id AS model_id, toString(r.created) AS created
"""

LATEST_RUN = """
MATCH (r:ClusteringRun) WHERE $corpus IS NULL OR r.corpus = $corpus
RETURN r.id AS id ORDER BY r.created DESC LIMIT 1
"""

CLUSTER_MEMBERS = """
MATCH (c:Cluster {id: $id})<-[:IN_CLUSTER]-(i:Illustration)
RETURN collect(i.id) AS members, c.run_id AS run_id
"""

ADD_DECISION = """
CREATE (d:CurationDecision {id: $id, kind: $kind, members: $members, payload: $payload,
                            by: $by, created: datetime(), seq: $seq})
RETURN d.id AS id
"""

LIST_DECISIONS = """
MATCH (d:CurationDecision)
RETURN d.id AS id, d.kind AS kind, d.members AS members, d.payload AS payload, d.by AS by
ORDER BY d.seq, d.id
"""

RUN_SUMMARY = """
MATCH (r:ClusteringRun {id: $run_id})-[:HAS_CLUSTER]->(c:Cluster)
RETURN count(c) AS clusters, count(CASE WHEN c.leaf THEN 1 END) AS leaves,
       sum(CASE WHEN c.leaf THEN c.size ELSE 0 END) AS clustered_illustrations,
       max(c.size) AS largest
"""

SAVE_FOREST = """
MATCH (r:ClusteringRun {id: $run_id})
SET r.forest = $forest, r.forest_stamp = $stamp, r.updated = datetime()
"""

LOAD_FOREST = """
MATCH (r:ClusteringRun {id: $run_id})
RETURN r.forest AS forest, r.forest_stamp AS stamp
"""

FOREST_STAMP = """
MATCH (r:ClusteringRun {id: $run_id})
RETURN r.forest_stamp AS stamp, r.forest IS NOT NULL AS stored
"""

RUN_CLUSTERS = """
MATCH (c:Cluster {run_id: $run_id})
OPTIONAL MATCH (p:Cluster)-[:HAS_CHILD]->(c)
RETURN c.id AS id, c.key AS key, p.id AS parent_id, c.threshold AS threshold, c.leaf AS leaf,
       c.level AS level, c.name AS name, c.description AS description,
       c.validated AS validated, c.flag_reason AS flag_reason, c.stable_id AS stable_id
"""

MEMBERS_OF_CLUSTERS = """
UNWIND $ids AS cluster_id
MATCH (c:Cluster {id: cluster_id})<-[:IN_CLUSTER]-(i:Illustration)
RETURN cluster_id, c.leaf AS leaf, c.level AS level, c.stable_id AS stable_id,
       collect(i.id) AS members
"""

STABLE_IDS = """
UNWIND $ids AS cluster_id
MATCH (c:Cluster {id: cluster_id})
RETURN c.id AS id, c.stable_id AS stable_id
"""

SET_STABLE_IDS = """
UNWIND $rows AS row
MATCH (c:Cluster {id: row[0]})
SET c.stable_id = row[1]
"""

CLUSTER_BY_STABLE_ID = """
MATCH (c:Cluster {stable_id: $stable_id})
MATCH (r:ClusteringRun {id: c.run_id})
RETURN c.id AS id ORDER BY r.created DESC, coalesce(r.updated, r.created) DESC LIMIT 1
"""

CLUSTERS_OF_ISSUES = """
UNWIND $ids AS issue_id
MATCH (:Issue {id: issue_id})-[:HAS_PAGE]->(:Page)-[:HAS_ILLUSTRATION]->(:Illustration)
      -[:IN_CLUSTER]->(c:Cluster)
RETURN DISTINCT c.id AS id, c.run_id AS run_id, coalesce(c.leaf, false) AS leaf
"""

CLUSTERS_OF_ILLUSTRATIONS = """
UNWIND $ids AS illustration_id
MATCH (:Illustration {id: illustration_id})-[:IN_CLUSTER]->(c:Cluster)
RETURN DISTINCT c.id AS id, c.run_id AS run_id, coalesce(c.leaf, false) AS leaf
"""

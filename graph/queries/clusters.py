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

# Marks the memberships of cluster `c` that start its circulation; shared by the statistics
# refresh and the update path's cluster creation.
_MARK_STARTS = """
// Where circulation starts (explore.reached_within): the printings on the cluster's first day
// among those dated and placed (`starts`), and among those dated, placed and in a country
// (`starts_in_country`).
CALL (c) {
  MATCH (c)<-[r:IN_CLUSTER]-(:Illustration)
  WITH collect(r) AS printings,
       min(CASE WHEN r.place IS NOT NULL THEN r.date END) AS start,
       min(CASE WHEN r.place IS NOT NULL AND r.country IS NOT NULL THEN r.date END)
         AS start_in_country
  UNWIND printings AS r
  SET r.starts = coalesce(r.place IS NOT NULL AND r.date = start, false),
      r.starts_in_country = coalesce(
        r.place IS NOT NULL AND r.country IS NOT NULL AND r.date = start_in_country, false)
}
"""

# The statistics of cluster `c` inside each calendar year and each decade its printings fall
# in, as the "within" window computes them on the fly (explore._WINDOW_PAGE): a window that is
# a whole year or decade reads these instead of aggregating every printing in it. Rewritten
# whole wherever the memberships' printings are (statistics refresh, creation, growth).
_WRITE_PERIODS = """
CALL (c) {
  OPTIONAL MATCH (c)-[:HAS_PERIOD]->(old:ClusterPeriod)
  DETACH DELETE old
}
CALL (c) {
  MATCH (c)<-[r:IN_CLUSTER]-(i:Illustration)
  WHERE r.date IS NOT NULL
  WITH i, r, toInteger(substring(r.date, 0, 4)) AS year
  UNWIND ['year', 'decade'] AS kind
  WITH kind, CASE kind WHEN 'year' THEN year ELSE year / 10 * 10 END AS period, i, r
  WITH kind, period, count(DISTINCT i) AS size, count(DISTINCT r.place) AS n_places,
       count(DISTINCT r.country) AS n_countries, count(DISTINCT r.periodical) AS n_periodicals,
       min(r.date) AS first_date, max(r.date) AS last_date
  CREATE (c)-[:HAS_PERIOD]->(:ClusterPeriod {
    run_id: c.run_id, leaf: coalesce(c.leaf, false), kind: kind, period: period, size: size,
    n_places: n_places, n_countries: n_countries, n_periodicals: n_periodicals,
    first_date: first_date, last_date: last_date,
    span_days: duration.inDays(date(first_date), date(last_date)).days})
}
"""

# Memberships of cluster `c` for the ids in `row.members`, carrying their printing as
# REFRESH_STATS writes it (flagged members included); shared by the update path's writes.
_CREATE_MEMBERSHIPS = """
CALL (c, row) {
  UNWIND row.members AS member
  MATCH (i:Illustration {id: member})
  OPTIONAL MATCH (i)<-[:HAS_ILLUSTRATION]-(:Page)<-[:HAS_PAGE]-(iss:Issue)
  OPTIONAL MATCH (per:Periodical)-[:HAS_ISSUE]->(iss)
  OPTIONAL MATCH (iss)-[:PUBLISHED_IN]->(pl:Place)
  OPTIONAL MATCH (pl)-[:IN_COUNTRY]->(co:Country)
  CREATE (i)-[:IN_CLUSTER {run_id: c.run_id, leaf: coalesce(c.leaf, false), date: iss.date,
                           place: pl.id, country: co.code, periodical: per.id}]->(c)
}
"""

# A cluster's statistics, and on each membership what the window and circulation reads need
# of its printing: the run, the cluster's tier, and the issue's date, place, country and
# periodical (an issue has one place and one periodical). Reads then seek memberships by
# (run, date) or (run, place) instead of walking Issue -> Page -> Illustration -> Cluster for
# every printing. One walk for both; membership, issue dates and places only change through
# the paths that call `refresh_stats`.
REFRESH_STATS = (
    """
UNWIND $ids AS cluster_id
MATCH (c:Cluster {id: cluster_id})
CALL (c) {
  MATCH (c)<-[r:IN_CLUSTER]-(i:Illustration)
  OPTIONAL MATCH (i)<-[:HAS_ILLUSTRATION]-(:Page)<-[:HAS_PAGE]-(iss:Issue)
  OPTIONAL MATCH (per:Periodical)-[:HAS_ISSUE]->(iss)
  OPTIONAL MATCH (iss)-[:PUBLISHED_IN]->(pl:Place)
  OPTIONAL MATCH (pl)-[:IN_COUNTRY]->(co:Country)
  SET r.run_id = c.run_id, r.leaf = coalesce(c.leaf, false), r.date = iss.date,
      r.place = pl.id, r.country = co.code, r.periodical = per.id
  // Illustrations a curator flagged as not relevant count in the size only.
  WITH i, iss, per, pl, co, NOT coalesce(i.flagged, false) AS counted
  RETURN count(DISTINCT i) AS size, count(DISTINCT CASE WHEN counted THEN pl END) AS n_places,
         count(DISTINCT CASE WHEN counted THEN co END) AS n_countries,
         count(DISTINCT CASE WHEN counted THEN per END) AS n_periodicals,
         min(CASE WHEN counted THEN iss.date END) AS first_date,
         max(CASE WHEN counted THEN iss.date END) AS last_date
}
"""
    + _MARK_STARTS
    + """SET c.size = size, c.n_places = n_places, c.n_countries = n_countries,
    c.n_periodicals = n_periodicals, c.first_date = first_date, c.last_date = last_date,
    c.span_days = CASE WHEN first_date IS NULL THEN null
                       ELSE duration.inDays(date(first_date), date(last_date)).days END
WITH c
"""
    + _WRITE_PERIODS
)

# New clusters with their statistics and memberships in one statement per batch (the update
# path: statistics come from the appearances it reads for the flows anyway).
CREATE_CLUSTERS_WITH_MEMBERS = (
    """
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
WITH k AS c, c AS row
"""
    + _CREATE_MEMBERSHIPS
    + _MARK_STARTS
    + _WRITE_PERIODS
)

# A stored cluster taken over by the cluster it grew into: the node gets the new id, key,
# curation and statistics, and memberships only for the members it gained (its FLOWs are
# deleted and written again by the caller).
# `row.members` are the gained members only; where circulation starts is marked again.
GROW_CLUSTERS = (
    """
UNWIND $clusters AS row
MATCH (c:Cluster {id: row.old_id})
SET c.id = row.id, c.key = row.key, c.threshold = row.threshold, c.leaf = row.leaf,
    c.level = row.level, c.name = row.name, c.description = row.description,
    c.validated = row.validated, c.flag_reason = row.flag_reason,
    c.flagged = row.flag_reason IS NOT NULL, c.stable_id = row.stable_id, c.size = row.size,
    c.n_places = row.n_places, c.n_countries = row.n_countries,
    c.n_periodicals = row.n_periodicals, c.first_date = row.first_date,
    c.last_date = row.last_date, c.span_days = row.span_days
WITH c, row
"""
    + _CREATE_MEMBERSHIPS
    + _MARK_STARTS
    + _WRITE_PERIODS
)

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

# Clusters with dated printings and no period statistics (written before schema version 5).
CLUSTERS_WITHOUT_PERIODS = """
MATCH (c:Cluster)
WHERE NOT EXISTS { (c)-[:HAS_PERIOD]->(:ClusterPeriod) }
  AND EXISTS { (c)<-[r:IN_CLUSTER]-(:Illustration) WHERE r.date IS NOT NULL }
RETURN c.id AS id
"""

# Memberships written before printings were carried on them (schema version 4).
CLUSTERS_WITHOUT_PRINTINGS = """
MATCH (c:Cluster)<-[r:IN_CLUSTER]-(:Illustration)
WHERE r.starts IS NULL
RETURN DISTINCT c.id AS id
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

# A hop carries its ends' countries, so that country flows aggregate hops without expanding
# every one to its places' countries (explore._FLOW_MATCH).
WRITE_FLOWS = """
UNWIND $hops AS h
MATCH (a:Place {id: h.origin}) USING INDEX a:Place(id)
MATCH (b:Place {id: h.destination}) USING INDEX b:Place(id)
OPTIONAL MATCH (a)-[:IN_COUNTRY]->(ca:Country)
OPTIONAL MATCH (b)-[:IN_COUNTRY]->(cb:Country)
CREATE (a)-[:FLOW {cluster: h.cluster, run: $run_id, from_date: h.from_date,
                   to_date: h.to_date, lag_days: h.lag_days, precision: h.precision,
                   from_illustration: h.from_illustration, to_illustration: h.to_illustration,
                   from_country: ca.code, to_country: cb.code}]->(b)
"""

# Hops written before they carried their ends' countries (schema version 4).
FLOW_COUNTRIES = """
MATCH (a:Place)-[f:FLOW]->(b:Place)
WHERE f.from_country IS NULL OR f.to_country IS NULL
OPTIONAL MATCH (a)-[:IN_COUNTRY]->(ca:Country)
OPTIONAL MATCH (b)-[:IN_COUNTRY]->(cb:Country)
CALL (f, ca, cb) { SET f.from_country = ca.code, f.to_country = cb.code }
  IN TRANSACTIONS OF 10000 ROWS
"""

# Deleting hops leaves the run's flow cells stale until its flows are written again.
DELETE_FLOWS_OF_CLUSTERS = """
MATCH ()-[f:FLOW]->() WHERE f.cluster IN $ids
WITH f, f.run AS run
DELETE f
WITH DISTINCT run
MATCH (r:ClusteringRun {id: run})
SET r.flow_cells = false
"""

# Country-to-country flows of a run, aggregated once per period kind (the whole run, each
# arrival year, each arrival decade) as explore.flows aggregates hops: the flow matrix reads
# these cells instead of every hop. Rewritten whole with the run's flows (`write_flows`).
WRITE_FLOW_CELLS = """
MATCH (r:ClusteringRun {id: $run_id})
CALL (r) {
  MATCH (cell:FlowCell {run: r.id}) DETACH DELETE cell
}
CALL (r) {
  MATCH ()-[f:FLOW]->() USING INDEX f:FLOW(run)
  WHERE f.run = r.id AND f.from_country IS NOT NULL AND f.to_country IS NOT NULL
  UNWIND ['all', 'year', 'decade'] AS kind
  WITH kind, f, toInteger(substring(f.to_date, 0, 4)) AS year
  WITH kind, CASE kind WHEN 'year' THEN year WHEN 'decade' THEN year / 10 * 10 END AS period,
       f.from_country AS from_country, f.to_country AS to_country,
       count(f) AS hops, avg(f.lag_days) AS mean_lag_days,
       percentileCont(f.lag_days, 0.5) AS median_lag_days,
       count(DISTINCT f.cluster) AS clusters
  CREATE (:FlowCell {run: r.id, kind: kind, period: period, from_country: from_country,
                     to_country: to_country, hops: hops, mean_lag_days: mean_lag_days,
                     median_lag_days: median_lag_days, clusters: clusters})
}
SET r.flow_cells = true
"""

RUN_IDS = """
MATCH (r:ClusteringRun) RETURN r.id AS id
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
OPTIONAL MATCH (c)-[:HAS_PERIOD]->(period:ClusterPeriod)
DETACH DELETE c, period
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

"""Read-side queries for exploring clusters, illustrations, circulation and the catalogue.

Variable parts (sort key, direction, optional filters) are picked from the constants below by
`cluster_page_query`; nothing a client sends is ever pasted into a query text.
"""

# Sort keys of the cluster list; nulls sort as "least" for numbers and "last" for dates.
CLUSTER_SORT_EXPRESSIONS = {
    "size": "coalesce(c.size, 0)",
    "n_places": "coalesce(c.n_places, 0)",
    "n_countries": "coalesce(c.n_countries, 0)",
    "n_periodicals": "coalesce(c.n_periodicals, 0)",
    "span_days": "coalesce(c.span_days, -1)",
    "first_date": "coalesce(c.first_date, '9999-12-31')",
}

# Cheap property conditions, each inert when its parameter is null.
_CLUSTER_PROPERTIES = """
($leaf IS NULL OR c.leaf = $leaf)
AND ($min_size IS NULL OR c.size >= $min_size)
AND ($flagged IS NULL OR coalesce(c.flagged, false) = $flagged)
AND ($curated IS NULL OR (c.name IS NOT NULL OR c.description IS NOT NULL
                          OR coalesce(c.validated, false)) = $curated)
"""

# At least one printing that meets every appearance condition at once.
_CLUSTER_APPEARANCE = """
AND EXISTS {
  MATCH (c)<-[:IN_CLUSTER]-(:Illustration)<-[:HAS_ILLUSTRATION]-(:Page)<-[:HAS_PAGE]-(iss:Issue)
  WHERE ($date_from IS NULL OR iss.date >= $date_from)
    AND ($date_to IS NULL OR iss.date <= $date_to)
    AND ($place IS NULL OR EXISTS { (iss)-[:PUBLISHED_IN]->(:Place {id: $place}) })
    AND ($country IS NULL
         OR EXISTS { (iss)-[:PUBLISHED_IN]->(:Place)-[:IN_COUNTRY]->(:Country {code: $country}) })
    AND ($periodical IS NULL OR EXISTS { (:Periodical {id: $periodical})-[:HAS_ISSUE]->(iss) })
}
"""

_CLUSTER_FIELDS = """
c.id AS id, c.run_id AS run_id, c.key AS key, coalesce(c.leaf, false) AS leaf,
coalesce(c.level, 0) AS level, c.threshold AS threshold, coalesce(c.size, 0) AS size,
coalesce(c.n_places, 0) AS n_places, coalesce(c.n_countries, 0) AS n_countries,
coalesce(c.n_periodicals, 0) AS n_periodicals, c.first_date AS first_date,
c.last_date AS last_date, c.span_days AS span_days, c.name AS name,
c.description AS description, coalesce(c.validated, false) AS validated,
coalesce(c.flagged, false) AS flagged, c.flag_reason AS flag_reason, c.stable_id AS stable_id
"""

_CLUSTER_PAGE = """
MATCH (:ClusteringRun {{id: $run_id}})-[:HAS_CLUSTER]->(c:Cluster)
WHERE {where}
WITH c, {sort} AS sort_value
WHERE $after_id IS NULL OR sort_value {cmp} $after_value
      OR (sort_value = $after_value AND c.id > $after_id)
RETURN sort_value, {fields}
ORDER BY sort_value {direction}, c.id
LIMIT $limit
"""

_CLUSTER_COUNT = """
MATCH (:ClusteringRun {{id: $run_id}})-[:HAS_CLUSTER]->(c:Cluster)
WHERE {where}
RETURN count(c) AS total
"""


def _where(appearance_filter: bool) -> str:
    return _CLUSTER_PROPERTIES + (_CLUSTER_APPEARANCE if appearance_filter else "")


def cluster_page_query(sort: str, descending: bool, appearance_filter: bool) -> str:
    """The keyset-paginated cluster list for a known sort key (KeyError otherwise)."""
    return _CLUSTER_PAGE.format(
        where=_where(appearance_filter),
        sort=CLUSTER_SORT_EXPRESSIONS[sort],
        cmp="<" if descending else ">",
        direction="DESC" if descending else "ASC",
        fields=_CLUSTER_FIELDS,
    )


def cluster_count_query(appearance_filter: bool) -> str:
    return _CLUSTER_COUNT.format(where=_where(appearance_filter))


CLUSTERS_BY_IDS = f"""
UNWIND $ids AS wanted
MATCH (c:Cluster {{id: wanted}})
OPTIONAL MATCH (parent:Cluster)-[:HAS_CHILD]->(c)
RETURN {_CLUSTER_FIELDS}, parent.id AS parent_id
"""

CHILDREN = """
UNWIND $ids AS wanted
MATCH (:Cluster {id: wanted})-[:HAS_CHILD]->(child:Cluster)
RETURN wanted AS parent_id, child.id AS id ORDER BY wanted, child.size DESC, child.id
"""

# Members ordered by id; a page asks for one more than it shows to know if more follow.
MEMBER_PAGES = """
UNWIND $requests AS req
MATCH (:Cluster {id: req.cluster})<-[:IN_CLUSTER]-(i:Illustration)
WHERE req.after IS NULL OR i.id > req.after
WITH req, i.id AS id ORDER BY id
WITH req, collect(id) AS ids
RETURN req.n AS n, ids[0..req.limit] AS ids
"""

_ILLUSTRATION_FIELDS = """
i.id AS id, i.x AS x, i.y AS y, i.w AS w, i.h AS h, i.xywh AS xywh,
i.iiif_region_url AS iiif_region_url, i.thumbnail_url AS thumbnail_url,
i.segmenter AS segmenter, coalesce(i.flagged, false) AS flagged,
i.flag_reason AS flag_reason, pg.id AS page_id, pg.canvas_id AS canvas_id,
pg.order AS page_number, pg.width AS page_width, pg.height AS page_height,
pg.service_url AS service_url, pg.image_url AS image_url, iss.id AS issue_id,
iss.label AS issue_label, iss.manifest_uri AS manifest_uri, iss.date AS date,
iss.date_precision AS date_precision,
coalesce(iss.publication_type, per.publication_type) AS publication_type,
per.id AS periodical_id, per.title AS periodical_title, pl.id AS place_id,
pl.name AS place_name, pl.latitude AS latitude, pl.longitude AS longitude,
co.code AS country_code, co.name AS country_name
"""

_ILLUSTRATION_CONTEXT = """
MATCH (iss:Issue)-[:HAS_PAGE]->(pg:Page)-[:HAS_ILLUSTRATION]->(i)
OPTIONAL MATCH (per:Periodical)-[:HAS_ISSUE]->(iss)
OPTIONAL MATCH (iss)-[:PUBLISHED_IN]->(pl:Place)
OPTIONAL MATCH (pl)-[:IN_COUNTRY]->(co:Country)
"""

ILLUSTRATIONS_BY_IDS = f"""
UNWIND $ids AS wanted
MATCH (i:Illustration {{id: wanted}})
{_ILLUSTRATION_CONTEXT}
RETURN {_ILLUSTRATION_FIELDS}
"""

# The leaf cluster holding each illustration in one run.
LEAF_CLUSTER_OF = """
UNWIND $ids AS wanted
MATCH (:Illustration {id: wanted})-[:IN_CLUSTER]->(c:Cluster {run_id: $run_id, leaf: true})
RETURN wanted AS id, c.id AS cluster_id
"""

FLAGGED_AMONG = """
MATCH (i:Illustration) WHERE i.id IN $ids AND coalesce(i.flagged, false)
RETURN collect(i.id) AS ids
"""

NEIGHBOURS_OF = """
UNWIND $ids AS wanted
MATCH (:Illustration {id: wanted})-[r:SIMILAR]-(b:Illustration)
WHERE $edge_set IS NULL OR r.edge_set = $edge_set
WITH wanted, b.id AS id, max(r.score) AS score
ORDER BY score DESC, id
WITH wanted, collect([id, score]) AS hits
RETURN wanted AS id, hits[0..$limit] AS hits
"""

APPEARANCES_OF = """
UNWIND $ids AS wanted
MATCH (:Cluster {id: wanted})<-[:IN_CLUSTER]-(i:Illustration)
      <-[:HAS_ILLUSTRATION]-(:Page)<-[:HAS_PAGE]-(iss:Issue)
OPTIONAL MATCH (per:Periodical)-[:HAS_ISSUE]->(iss)
OPTIONAL MATCH (iss)-[:PUBLISHED_IN]->(pl:Place)
OPTIONAL MATCH (pl)-[:IN_COUNTRY]->(co:Country)
RETURN wanted AS cluster_id, i.id AS illustration_id, iss.date AS date,
       iss.date_precision AS date_precision, pl.id AS place_id, pl.name AS place_name,
       pl.latitude AS latitude, pl.longitude AS longitude, co.code AS country_code,
       co.name AS country_name, per.id AS periodical_id, per.title AS periodical_title,
       iss.id AS issue_id, iss.label AS issue_label
ORDER BY cluster_id, date IS NULL, date, illustration_id
"""

# FLOWs start at places where the cluster appeared: anchored there rather than scanning FLOWs.
HOPS_OF = """
UNWIND $ids AS wanted
MATCH (:Cluster {id: wanted})<-[:IN_CLUSTER]-(:Illustration)
      <-[:HAS_ILLUSTRATION]-(:Page)<-[:HAS_PAGE]-(:Issue)-[:PUBLISHED_IN]->(a:Place)
WITH DISTINCT wanted, a
MATCH (a)-[f:FLOW {cluster: wanted}]->(b:Place)
RETURN wanted AS cluster_id, a.id AS origin_id, a.name AS origin_name, b.id AS destination_id,
       b.name AS destination_name, f.from_date AS from_date, f.to_date AS to_date,
       f.lag_days AS lag_days, f.precision AS precision,
       f.from_illustration AS from_illustration, f.to_illustration AS to_illustration
ORDER BY cluster_id, to_date, destination_id, origin_id
"""

FLOWS = """
MATCH (a:Place)-[f:FLOW {run: $run_id}]->(b:Place)
WHERE ($date_from IS NULL OR f.to_date >= $date_from)
  AND ($date_to IS NULL OR f.to_date <= $date_to)
  AND ($max_lag_days IS NULL OR f.lag_days <= $max_lag_days)
  AND ($from_place IS NULL OR a.id = $from_place)
  AND ($to_place IS NULL OR b.id = $to_place)
OPTIONAL MATCH (a)-[:IN_COUNTRY]->(ca:Country)
OPTIONAL MATCH (b)-[:IN_COUNTRY]->(cb:Country)
WITH a, b, ca, cb, f
WHERE ($from_country IS NULL OR ca.code = $from_country)
  AND ($to_country IS NULL OR cb.code = $to_country)
WITH a, b, ca, cb, count(f) AS hops, avg(f.lag_days) AS mean_lag_days,
     count(DISTINCT f.cluster) AS clusters
RETURN a.id AS origin_id, a.name AS origin_name, ca.code AS origin_country,
       a.latitude AS origin_latitude, a.longitude AS origin_longitude,
       b.id AS destination_id, b.name AS destination_name, cb.code AS destination_country,
       b.latitude AS destination_latitude, b.longitude AS destination_longitude,
       hops, mean_lag_days, clusters
ORDER BY hops DESC, origin_id, destination_id
LIMIT $limit
"""

# Same rule as ml.circulation.reached_within: the origin holds the cluster's earliest located
# printing, the destination's first printing is later and no later than `years` after it.
REACHED_WITHIN = """
MATCH (:ClusteringRun {id: $run_id})-[:HAS_CLUSTER]->(c:Cluster {leaf: true})
MATCH (c)<-[:IN_CLUSTER]-(:Illustration)<-[:HAS_ILLUSTRATION]-(:Page)<-[:HAS_PAGE]-(iss:Issue)
      -[:PUBLISHED_IN]->(pl:Place)
WHERE iss.date IS NOT NULL
OPTIONAL MATCH (pl)-[:IN_COUNTRY]->(co:Country)
WITH c, iss.date AS day, CASE $level WHEN 'place' THEN pl.id ELSE co.code END AS loc
WHERE loc IS NOT NULL
WITH c, min(day) AS start,
     min(CASE WHEN loc = $origin THEN day END) AS origin_first,
     min(CASE WHEN loc = $destination THEN day END) AS arrival
WHERE origin_first = start AND arrival > start
  AND date(arrival) <= date(start) + duration({years: $years})
RETURN c.id AS cluster_id, start AS origin_date, arrival AS arrival_date,
       duration.inDays(date(start), date(arrival)).days AS lag_days
ORDER BY lag_days, cluster_id
LIMIT $limit
"""

RUNS = """
MATCH (r:ClusteringRun)
RETURN r.id AS id, r.threshold AS threshold, r.params AS params, r.edge_set AS edge_set,
       r.corpus AS corpus, r.model_id AS model_id, toString(r.created) AS created
ORDER BY r.created DESC
LIMIT $limit
"""

PERIODICALS = """
MATCH (p:Periodical)
WHERE ($id IS NULL OR p.id = $id)
  AND ($corpus IS NULL OR EXISTS { (:Corpus {name: $corpus})-[:INCLUDES]->(p) })
OPTIONAL MATCH (p)-[:HAS_ISSUE]->(i:Issue)
WITH p, count(i) AS issues, min(i.date) AS first_date, max(i.date) AS last_date
RETURN p.id AS id, p.title AS title, p.publication_type AS publication_type, p.rule AS rule,
       issues, first_date, last_date
ORDER BY title, id
LIMIT $limit
"""

_ISSUE_FIELDS = """
i.id AS id, i.label AS label, i.date AS date, i.date_precision AS date_precision,
i.manifest_uri AS manifest_uri, coalesce(i.page_count, 0) AS pages, pl.id AS place_id,
p.id AS periodical_id
"""

# Issues of a periodical by (date, id); undated issues come last.
ISSUE_PAGE = f"""
MATCH (p:Periodical {{id: $periodical}})-[:HAS_ISSUE]->(i:Issue)
WITH p, i, coalesce(i.date, '9999-12-31') AS sort_value
WHERE $after_id IS NULL OR sort_value > $after_value
      OR (sort_value = $after_value AND i.id > $after_id)
OPTIONAL MATCH (i)-[:PUBLISHED_IN]->(pl:Place)
RETURN sort_value, {_ISSUE_FIELDS}
ORDER BY sort_value, i.id
LIMIT $limit
"""

ISSUE_COUNT = """
MATCH (:Periodical {id: $periodical})-[:HAS_ISSUE]->(i:Issue) RETURN count(i) AS total
"""

ISSUES_BY_IDS = f"""
UNWIND $ids AS wanted
MATCH (p:Periodical)-[:HAS_ISSUE]->(i:Issue {{id: wanted}})
OPTIONAL MATCH (i)-[:PUBLISHED_IN]->(pl:Place)
RETURN {_ISSUE_FIELDS}
"""

PLACES = """
MATCH (pl:Place)
WHERE $country IS NULL OR EXISTS { (pl)-[:IN_COUNTRY]->(:Country {code: $country}) }
OPTIONAL MATCH (pl)-[:IN_COUNTRY]->(co:Country)
OPTIONAL MATCH (pl)<-[:PUBLISHED_IN]-(i:Issue)
WITH pl, co, count(i) AS issues
RETURN pl.id AS id, pl.name AS name, pl.latitude AS latitude, pl.longitude AS longitude,
       co.code AS country_code, issues
ORDER BY issues DESC, name, id
LIMIT $limit
"""

PLACES_BY_IDS = """
UNWIND $ids AS wanted
MATCH (pl:Place {id: wanted})
OPTIONAL MATCH (pl)-[:IN_COUNTRY]->(co:Country)
RETURN pl.id AS id, pl.name AS name, pl.latitude AS latitude, pl.longitude AS longitude,
       co.code AS country_code, COUNT { (pl)<-[:PUBLISHED_IN]-(:Issue) } AS issues
"""

COUNTRIES = """
MATCH (co:Country)
OPTIONAL MATCH (co)<-[:IN_COUNTRY]-(pl:Place)
OPTIONAL MATCH (pl)<-[:PUBLISHED_IN]-(i:Issue)
WITH co, count(DISTINCT pl) AS places, count(i) AS issues
RETURN co.code AS code, co.name AS name, places, issues
ORDER BY issues DESC, code
"""

# Exports: one row per illustration with its full context, streamed.
_EXPORT_START = {
    "ids": """
UNWIND range(0, size($ids) - 1) AS position
MATCH (i:Illustration {id: $ids[position]})
""",
    "cluster": """
MATCH (:Cluster {id: $cluster})<-[:IN_CLUSTER]-(i:Illustration)
WITH i, 0 AS position
""",
    "run": """
MATCH (:ClusteringRun {id: $within_run})-[:HAS_CLUSTER]->(:Cluster {leaf: true})
      <-[:IN_CLUSTER]-(i:Illustration)
WITH i, 0 AS position
""",
    "all": """
MATCH (i:Illustration)
WITH i, 0 AS position
""",
}

_EXPORT_REST = f"""
{_ILLUSTRATION_CONTEXT}
WITH i, position, pg, iss, per, pl, co
WHERE ($date_from IS NULL OR iss.date >= $date_from)
  AND ($date_to IS NULL OR iss.date <= $date_to)
  AND ($place IS NULL OR pl.id = $place)
  AND ($country IS NULL OR co.code = $country)
  AND ($periodical IS NULL OR per.id = $periodical)
OPTIONAL MATCH (i)-[:IN_CLUSTER]->(cl:Cluster {{run_id: $run_id, leaf: true}})
RETURN {_ILLUSTRATION_FIELDS}, cl.id AS cluster_id, cl.name AS cluster_name
ORDER BY position, date, id
"""


def export_query(start: str) -> str:
    """Illustrations picked by `start` (ids, cluster, run or all), with their context."""
    return _EXPORT_START[start] + _EXPORT_REST


# Curators mark illustrations that are not relevant (the only write in this module).
FLAG_ILLUSTRATION = """
MATCH (i:Illustration {id: $id})
SET i.flagged = $flagged, i.flag_reason = CASE WHEN $flagged THEN $reason ELSE null END
RETURN i.id AS id
"""

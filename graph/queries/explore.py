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
    AND ($corpus IS NULL
         OR EXISTS { (:Corpus {name: $corpus})-[:INCLUDES]->(:Periodical)-[:HAS_ISSUE]->(iss) })
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


# "within" a date window: a cluster is listed when it has a printing in the window that meets
# the place/country/periodical conditions, and its statistics (hence sorts) are computed on its
# printings inside the window only. Read from the printings that memberships carry
# (clusters.REFRESH_STATS), sought by (run, date): no walk through issues and pages. Every
# listed cluster gets its sort value only; the page's rows then get all their statistics.
_WINDOW_LISTED = """
MATCH (i:Illustration)-[r:IN_CLUSTER]->(c:Cluster)
WHERE r.run_id = $run_id AND r.date >= $window_from AND r.date <= $window_to
  AND ($leaf IS NULL OR r.leaf = $leaf)
WITH c, __SORT__ AS sort_value,
     sum(CASE WHEN ($place IS NULL OR r.place = $place)
                   AND ($country IS NULL OR r.country = $country)
                   AND ($periodical IS NULL OR r.periodical = $periodical)
                   AND ($corpus IS NULL OR EXISTS {
                        (:Corpus {name: $corpus})-[:INCLUDES]->(:Periodical {id: r.periodical}) })
              THEN 1 ELSE 0 END)
       AS hits
// The cluster's own conditions once per cluster, not once per printing.
WHERE hits > 0 AND __PROPERTIES__
""".replace("__PROPERTIES__", _CLUSTER_PROPERTIES.strip())

# Each sort key aggregated over a cluster's printings in the window.
WINDOW_SORT_EXPRESSIONS = {
    "size": "count(DISTINCT i)",
    "n_places": "count(DISTINCT r.place)",
    "n_countries": "count(DISTINCT r.country)",
    "n_periodicals": "count(DISTINCT r.periodical)",
    "span_days": "duration.inDays(date(min(r.date)), date(max(r.date))).days",
    "first_date": "min(r.date)",
}

_WINDOW_FIELDS = """
c.id AS id, c.run_id AS run_id, c.key AS key, coalesce(c.leaf, false) AS leaf,
coalesce(c.level, 0) AS level, c.threshold AS threshold, size, n_places, n_countries,
n_periodicals, first_date, last_date, span_days, c.name AS name,
c.description AS description, coalesce(c.validated, false) AS validated,
coalesce(c.flagged, false) AS flagged, c.flag_reason AS flag_reason
"""

# The page, and on each of its rows the number of clusters listed (before the cursor): one
# pass over the window answers both the page and its total count.
_WINDOW_PAGE = """
WITH collect({{c: c, sort_value: sort_value}}) AS listed
WITH listed, size(listed) AS total
UNWIND listed AS row
WITH total, row.c AS c, row.sort_value AS sort_value
WHERE $after_id IS NULL OR sort_value {cmp} $after_value
      OR (sort_value = $after_value AND c.id > $after_id)
WITH total, c, sort_value ORDER BY sort_value {direction}, c.id LIMIT $limit
CALL (c) {{
  MATCH (c)<-[r:IN_CLUSTER]-(i:Illustration)
  WHERE r.date >= $window_from AND r.date <= $window_to
  RETURN count(DISTINCT i) AS size, count(DISTINCT r.place) AS n_places,
         count(DISTINCT r.country) AS n_countries,
         count(DISTINCT r.periodical) AS n_periodicals, min(r.date) AS first_date,
         max(r.date) AS last_date
}}
WITH total, c, sort_value, size, n_places, n_countries, n_periodicals, first_date, last_date,
     duration.inDays(date(first_date), date(last_date)).days AS span_days
RETURN total, sort_value, {fields}
ORDER BY sort_value {direction}, c.id
"""


def _listed_page(listed: str, sort: str, page: str, fields: str, descending: bool) -> str:
    """A list query: `listed` (with its sort expression) then a keyset `page` of it."""
    return listed.replace("__SORT__", sort) + page.format(
        cmp="<" if descending else ">",
        direction="DESC" if descending else "ASC",
        fields=fields,
    )


def window_page_query(sort: str, descending: bool) -> str:
    """The cluster list with statistics computed inside a date window, each row with the
    window's total (KeyError: bad sort)."""
    return _listed_page(
        _WINDOW_LISTED, WINDOW_SORT_EXPRESSIONS[sort], _WINDOW_PAGE, _WINDOW_FIELDS, descending
    )


WINDOW_COUNT = _WINDOW_LISTED.replace("__SORT__", "null") + "RETURN count(c) AS total\n"

# A "within" window that is one whole calendar year or decade, with no condition on the
# printings: the same statistics, written per period with the memberships
# (clusters._WRITE_PERIODS) and sought by (run, kind, period), instead of aggregating every
# printing in the window on each request.
_PERIOD_LISTED = """
MATCH (p:ClusterPeriod)
WHERE p.run_id = $run_id AND p.kind = $period_kind AND p.period = $period
  AND ($leaf IS NULL OR p.leaf = $leaf)
MATCH (c:Cluster)-[:HAS_PERIOD]->(p)
WITH c, p, __SORT__ AS sort_value
WHERE __PROPERTIES__
""".replace("__PROPERTIES__", _CLUSTER_PROPERTIES.strip())

PERIOD_SORT_EXPRESSIONS = {
    "size": "p.size",
    "n_places": "p.n_places",
    "n_countries": "p.n_countries",
    "n_periodicals": "p.n_periodicals",
    "span_days": "p.span_days",
    "first_date": "p.first_date",
}

_PERIOD_PAGE = """
WITH collect({{c: c, p: p, sort_value: sort_value}}) AS listed
WITH listed, size(listed) AS total
UNWIND listed AS row
WITH total, row.c AS c, row.p AS p, row.sort_value AS sort_value
WHERE $after_id IS NULL OR sort_value {cmp} $after_value
      OR (sort_value = $after_value AND c.id > $after_id)
RETURN total, sort_value, {fields}
ORDER BY sort_value {direction}, c.id
LIMIT $limit
"""

_PERIOD_FIELDS = """
c.id AS id, c.run_id AS run_id, c.key AS key, coalesce(c.leaf, false) AS leaf,
coalesce(c.level, 0) AS level, c.threshold AS threshold, p.size AS size,
p.n_places AS n_places, p.n_countries AS n_countries, p.n_periodicals AS n_periodicals,
p.first_date AS first_date, p.last_date AS last_date, p.span_days AS span_days,
c.name AS name, c.description AS description, coalesce(c.validated, false) AS validated,
coalesce(c.flagged, false) AS flagged, c.flag_reason AS flag_reason
"""


def period_page_query(sort: str, descending: bool) -> str:
    """The "within" cluster list for a window that is one whole year or decade (KeyError: bad
    sort)."""
    return _listed_page(
        _PERIOD_LISTED, PERIOD_SORT_EXPRESSIONS[sort], _PERIOD_PAGE, _PERIOD_FIELDS, descending
    )


PERIOD_COUNT = _PERIOD_LISTED.replace("__SORT__", "null") + "RETURN count(c) AS total\n"


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
RETURN {_ILLUSTRATION_FIELDS}, iss.rights AS rights, iss.attribution AS attribution
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

_APPEARANCE_CONTEXT = """
OPTIONAL MATCH (per:Periodical)-[:HAS_ISSUE]->(iss)
OPTIONAL MATCH (iss)-[:PUBLISHED_IN]->(pl:Place)
OPTIONAL MATCH (pl)-[:IN_COUNTRY]->(co:Country)
"""

_APPEARANCE_FIELDS = """
i.id AS illustration_id, iss.date AS date,
iss.date_precision AS date_precision, pl.id AS place_id, pl.name AS place_name,
pl.latitude AS latitude, pl.longitude AS longitude, co.code AS country_code,
co.name AS country_name, per.id AS periodical_id, per.title AS periodical_title,
iss.id AS issue_id, iss.label AS issue_label
"""

# Printings in time order: dated ones by date, undated last, ties by illustration id. The
# sort value of a cursor is the date, undated printings sorting as 9999-12-31.
_APPEARANCE_ORDER = "coalesce(iss.date, '9999-12-31')"

APPEARANCES_OF = f"""
UNWIND $ids AS wanted
MATCH (:Cluster {{id: wanted}})<-[:IN_CLUSTER]-(i:Illustration)
      <-[:HAS_ILLUSTRATION]-(:Page)<-[:HAS_PAGE]-(iss:Issue)
{_APPEARANCE_CONTEXT}
RETURN wanted AS cluster_id, {_APPEARANCE_FIELDS}
ORDER BY cluster_id, date IS NULL, date, illustration_id
"""

# One page per request: the printings after (after_value, after_id), one more than shown.
APPEARANCE_PAGES = f"""
UNWIND $requests AS req
CALL (req) {{
  MATCH (:Cluster {{id: req.cluster}})<-[:IN_CLUSTER]-(i:Illustration)
        <-[:HAS_ILLUSTRATION]-(:Page)<-[:HAS_PAGE]-(iss:Issue)
  WITH i, iss, {_APPEARANCE_ORDER} AS sort_value
  WHERE req.after_id IS NULL OR sort_value > req.after_value
        OR (sort_value = req.after_value AND i.id > req.after_id)
  WITH i, iss, sort_value ORDER BY sort_value, i.id
  WITH req, collect([i, iss, sort_value]) AS ordered
  UNWIND ordered[0..req.limit] AS row
  WITH row[0] AS i, row[1] AS iss, row[2] AS sort_value
  {_APPEARANCE_CONTEXT}
  RETURN sort_value, {_APPEARANCE_FIELDS}
}}
RETURN req.n AS n, req.cluster AS cluster_id, sort_value, illustration_id, date,
       date_precision, place_id, place_name, latitude, longitude, country_code, country_name,
       periodical_id, periodical_title, issue_id, issue_label
ORDER BY n, sort_value, illustration_id
"""

# The earliest dated printing of each cluster (ties by illustration id): where it started.
# Picked by the date its membership carries (clusters.REFRESH_STATS), then walked to its issue.
FIRST_APPEARANCES = f"""
UNWIND $ids AS wanted
CALL (wanted) {{
  MATCH (:Cluster {{id: wanted}})<-[r:IN_CLUSTER]-(i:Illustration)
  WHERE r.date IS NOT NULL
  WITH i ORDER BY r.date, i.id LIMIT 1
  MATCH (i)<-[:HAS_ILLUSTRATION]-(:Page)<-[:HAS_PAGE]-(iss:Issue)
  {_APPEARANCE_CONTEXT}
  RETURN {_APPEARANCE_FIELDS}
}}
RETURN wanted AS cluster_id, illustration_id, date, date_precision, place_id, place_name,
       latitude, longitude, country_code, country_name, periodical_id, periodical_title,
       issue_id, issue_label
"""

# FLOWs start at places where the cluster appeared: anchored there rather than scanning FLOWs.
HOPS_OF = """
UNWIND $ids AS wanted
MATCH (c:Cluster {id: wanted})<-[:IN_CLUSTER]-(:Illustration)
      <-[:HAS_ILLUSTRATION]-(:Page)<-[:HAS_PAGE]-(:Issue)-[:PUBLISHED_IN]->(a:Place)
WITH DISTINCT wanted, c, a
MATCH (a)-[f:FLOW {cluster: wanted}]->(b:Place)
RETURN wanted AS cluster_id, a.id AS origin_id, a.name AS origin_name, b.id AS destination_id,
       b.name AS destination_name, f.from_date AS from_date, f.to_date AS to_date,
       f.lag_days AS lag_days,
       duration.inDays(date(c.first_date), date(f.to_date)).days AS lag_from_first_days,
       f.precision AS precision,
       f.from_illustration AS from_illustration, f.to_illustration AS to_illustration
ORDER BY cluster_id, to_date, destination_id, origin_id
"""

# FLOW hops of a run that pass the filters. Each hop carries its ends' countries
# (clusters.WRITE_FLOWS): no expansion to Country per hop, names looked up per group.
_FLOW_MATCH = """
MATCH (a:Place)-[f:FLOW {run: $run_id}]->(b:Place)
// Without the hint the planner crosses every pair of places and expands between them.
USING INDEX f:FLOW(run)
WHERE ($date_from IS NULL OR f.to_date >= $date_from)
  AND ($date_to IS NULL OR f.to_date <= $date_to)
  AND ($max_lag_days IS NULL OR f.lag_days <= $max_lag_days)
  AND ($from_place IS NULL OR a.id = $from_place)
  AND ($to_place IS NULL OR b.id = $to_place)
  AND ($from_country IS NULL OR f.from_country = $from_country)
  AND ($to_country IS NULL OR f.to_country = $to_country)
  AND ($international IS NULL
       OR (f.from_country IS NOT NULL AND f.to_country IS NOT NULL
           AND (f.from_country <> f.to_country) = $international))
"""

# Lags aggregated over hops, so a country pair's mean is weighted by each place pair's count.
_FLOW_STATS = """
count(f) AS hops, avg(f.lag_days) AS mean_lag_days,
percentileCont(f.lag_days, 0.5) AS median_lag_days, count(DISTINCT f.cluster) AS clusters
"""

_FLOW_GROUPS = {
    "place": f"""
WITH {{period}} AS period, a, b, f.from_country AS from_code, f.to_country AS to_code,
     {_FLOW_STATS}
OPTIONAL MATCH (ca:Country {{{{code: from_code}}}})
OPTIONAL MATCH (cb:Country {{{{code: to_code}}}})
RETURN period, a.id AS origin_id, a.name AS origin_name, from_code AS origin_country,
       ca.name AS origin_country_name, a.latitude AS origin_latitude,
       a.longitude AS origin_longitude, b.id AS destination_id, b.name AS destination_name,
       to_code AS destination_country, cb.name AS destination_country_name,
       b.latitude AS destination_latitude, b.longitude AS destination_longitude,
       hops, mean_lag_days, median_lag_days, clusters
ORDER BY period, hops DESC, origin_id, destination_id
""",
    "country": f"""
WITH f WHERE f.from_country IS NOT NULL AND f.to_country IS NOT NULL
WITH {{period}} AS period, f.from_country AS from_code, f.to_country AS to_code, {_FLOW_STATS}
OPTIONAL MATCH (ca:Country {{{{code: from_code}}}})
OPTIONAL MATCH (cb:Country {{{{code: to_code}}}})
RETURN period, null AS origin_id, null AS origin_name, from_code AS origin_country,
       ca.name AS origin_country_name, null AS origin_latitude, null AS origin_longitude,
       null AS destination_id, null AS destination_name, to_code AS destination_country,
       cb.name AS destination_country_name, null AS destination_latitude,
       null AS destination_longitude, hops, mean_lag_days, median_lag_days, clusters
ORDER BY period, hops DESC, origin_country, destination_country
""",
}

# Period of a hop: the year (or decade) of its arrival.
FLOW_PERIODS = {
    None: "null",
    "year": "toInteger(substring(f.to_date, 0, 4))",
    "decade": "toInteger(substring(f.to_date, 0, 4)) / 10 * 10",
}


# The country flow matrix from the run's flow cells (clusters.WRITE_FLOW_CELLS), for the
# conditions cells keep apart (countries, international); `fresh` is false when the run's
# cells are missing or stale, and the hops must be aggregated instead.
FLOW_CELLS_FRESH = """
MATCH (r:ClusteringRun {id: $run_id}) RETURN coalesce(r.flow_cells, false) AS fresh
"""

FLOW_CELLS = """
MATCH (cell:FlowCell {run: $run_id, kind: $kind})
WHERE ($from_country IS NULL OR cell.from_country = $from_country)
  AND ($to_country IS NULL OR cell.to_country = $to_country)
  AND ($international IS NULL OR (cell.from_country <> cell.to_country) = $international)
WITH cell ORDER BY cell.period, cell.hops DESC, cell.from_country, cell.to_country
LIMIT $limit
OPTIONAL MATCH (ca:Country {code: cell.from_country})
OPTIONAL MATCH (cb:Country {code: cell.to_country})
RETURN cell.period AS period, null AS origin_id, null AS origin_name,
       cell.from_country AS origin_country, ca.name AS origin_country_name,
       null AS origin_latitude, null AS origin_longitude, null AS destination_id,
       null AS destination_name, cell.to_country AS destination_country,
       cb.name AS destination_country_name, null AS destination_latitude,
       null AS destination_longitude, cell.hops AS hops, cell.mean_lag_days AS mean_lag_days,
       cell.median_lag_days AS median_lag_days, cell.clusters AS clusters
ORDER BY period, hops DESC, origin_country, destination_country
"""


def flows_query(group_by: str, period: str | None) -> str:
    """Hops aggregated per origin -> destination (places or countries), per period if given."""
    grouped = _FLOW_GROUPS[group_by].format(period=FLOW_PERIODS[period])
    return _FLOW_MATCH + grouped + "LIMIT $limit\n"


# Same rule as ml.circulation.reached_within, with ends at any level: the origin holds the
# cluster's earliest located printing; the destination's first printing (for "another country":
# the first printing after the start in a country other than the origin's) is later and no later
# than `years` after it. Printings with no place are left out, and those with no country too
# when no end is a place or the destination is "another country" ($needs_country). Only the
# clusters whose first printings include the origin are looked at: memberships sought by
# (run, place) or (run, country) and marked as starting their cluster, each candidate's
# printings read from its memberships (clusters.REFRESH_STATS).
_REACHED_ORIGINS = {
    "place": "r.run_id = $run_id AND r.place = $origin",
    "country": "r.run_id = $run_id AND r.country = $origin",
}

_REACHED_WITHIN = """
MATCH (:Illustration)-[r:IN_CLUSTER]->(c:Cluster)
WHERE {origin} AND r.leaf
  AND CASE WHEN $needs_country THEN r.starts_in_country ELSE r.starts END
WITH DISTINCT c
MATCH (c)<-[r:IN_CLUSTER]-(i:Illustration)
WHERE r.date IS NOT NULL AND r.place IS NOT NULL
  AND (NOT $needs_country OR r.country IS NOT NULL)
WITH c, r.date AS day, i.id AS illustration, r.place AS place, r.country AS country
ORDER BY day, illustration
WITH c, collect({{day: day, illustration: illustration, place: place, country: country}})
     AS printings
WITH c, printings, printings[0].day AS start
WITH c, printings, start,
     [p IN printings WHERE p.day = start
      AND CASE $origin_level WHEN 'place' THEN p.place = $origin
                             ELSE p.country = $origin END] AS at_origin
WHERE size(at_origin) > 0
WITH c, printings, start, at_origin[0] AS origin
WITH c, start, origin,
     [p IN printings WHERE CASE $destination_level
        WHEN 'place' THEN p.place = $destination
        WHEN 'country' THEN p.country = $destination
        ELSE p.day > start AND p.country IS NOT NULL AND p.country <> origin.country
      END][0] AS arrival
WHERE arrival IS NOT NULL AND arrival.day > start
  AND date(arrival.day) <= date(start) + duration({{years: $years}})
WITH c.id AS cluster_id, start, origin, arrival,
     duration.inDays(date(start), date(arrival.day)).days AS lag_days
ORDER BY lag_days, cluster_id
LIMIT $limit
OPTIONAL MATCH (from:Place {{id: origin.place}})
OPTIONAL MATCH (to:Place {{id: arrival.place}})
RETURN cluster_id, start AS origin_date, arrival.day AS arrival_date, lag_days,
       origin.place AS origin_place, from.name AS origin_place_name,
       origin.country AS origin_country, origin.illustration AS origin_illustration,
       arrival.place AS destination_place, to.name AS destination_place_name,
       arrival.country AS destination_country, arrival.illustration AS arrival_illustration
ORDER BY lag_days, cluster_id
"""


def reached_within_query(origin_level: str) -> str:
    """Circulation from a place or a country (KeyError otherwise)."""
    return _REACHED_WITHIN.format(origin=_REACHED_ORIGINS[origin_level])


# Which of the named places, countries, periodicals and corpora the graph does not hold.
MISSING_REFERENCES = """
RETURN [x IN $places WHERE NOT EXISTS { MATCH (:Place {id: x}) }] AS places,
       [x IN $countries WHERE NOT EXISTS { MATCH (:Country {code: x}) }] AS countries,
       [x IN $periodicals WHERE NOT EXISTS { MATCH (:Periodical {id: x}) }] AS periodicals,
       [x IN $corpora WHERE NOT EXISTS { MATCH (:Corpus {name: x}) }] AS corpora
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
p.id AS periodical_id, i.rights AS rights, i.attribution AS attribution
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

# Exports: one row per illustration with its full context and, when it is in a leaf cluster of
# the run, its best SIMILAR edge (of the run's edge set) to another member: streamed.
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
CALL (i, cl) {{
  OPTIONAL MATCH (run:ClusteringRun {{id: cl.run_id}})
  OPTIONAL MATCH (i)-[r:SIMILAR]-(:Illustration)-[:IN_CLUSTER]->(cl)
  WHERE run.edge_set IS NULL OR r.edge_set = run.edge_set
  RETURN max(r.score) AS cluster_score
}}
RETURN {_ILLUSTRATION_FIELDS}, cl.id AS cluster_id, cl.name AS cluster_name, cluster_score
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

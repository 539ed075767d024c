"""Similarity edges between illustrations, with their provenance (an EdgeSet)."""

MERGE_EDGE_SET = """
MERGE (s:EdgeSet {id: $id})
  ON CREATE SET s.created = datetime()
SET s.model_id = $model_id, s.k = $k, s.min_score = $min_score, s.corpus = $corpus
RETURN s.id AS id
"""

# One edge per unordered pair (a < b), keyed by edge set so that sets never mix. Rows come
# grouped by source: [a, [[b, score], ...]]. The source's edges of the set are read once, and
# only the missing ones are created — idempotent like MERGE (a re-run creates nothing), without
# MERGE's per-row existence check (bench/similarity.py --only-neo4j; BENCHMARKS.md).
WRITE_EDGES = """
UNWIND $groups AS g
// Index hints: right after a bulk load the planner's statistics may say the label is empty,
// and a scan plan cached then makes every later batch crawl.
MATCH (a:Illustration {id: g[0]}) USING INDEX a:Illustration(id)
OPTIONAL MATCH (a)-[:SIMILAR {edge_set: $edge_set}]->(old:Illustration)
WITH a, g, collect(old.id) AS existing
UNWIND g[1] AS e
WITH a, e, existing WHERE NOT e[0] IN existing
MATCH (b:Illustration {id: e[0]}) USING INDEX b:Illustration(id)
CREATE (a)-[:SIMILAR {edge_set: $edge_set, score: e[1]}]->(b)
"""

COUNT_EDGES = """
MATCH (s:EdgeSet {id: $edge_set})
OPTIONAL MATCH ()-[r:SIMILAR {edge_set: $edge_set}]->()
WITH s, count(r) AS n
SET s.edges = n
RETURN n
"""

EDGES_ABOVE = """
MATCH (a:Illustration)-[r:SIMILAR {edge_set: $edge_set}]->(b:Illustration)
WHERE r.score >= $min_score
RETURN a.id AS a, b.id AS b, r.score AS score
"""

NEIGHBOURS = """
MATCH (a:Illustration {id: $id})-[r:SIMILAR {edge_set: $edge_set}]-(b:Illustration)
RETURN b.id AS id, r.score AS score ORDER BY score DESC, id LIMIT $limit
"""

LATEST_EDGE_SET = """
MATCH (s:EdgeSet) WHERE $corpus IS NULL OR s.corpus = $corpus
RETURN s.id AS id, s.model_id AS model_id, s.k AS k, s.min_score AS min_score,
       s.corpus AS corpus
ORDER BY s.created DESC LIMIT 1
"""

MARK_EDGES_DONE = """
UNWIND $ids AS id
MATCH (i:Illustration {id: id})
SET i.edge_set = $edge_set, i.edge_status = 'done'
"""

EDGES_PENDING = """
UNWIND $ids AS id
MATCH (i:Illustration {id: id})
WHERE coalesce(i.edge_set, '') <> $edge_set
RETURN i.id AS id
"""

# Both directions: an illustration's edges are stored from whichever end has the smaller id.
EDGES_TOUCHING = """
UNWIND $ids AS id
MATCH (a:Illustration {id: id})-[r:SIMILAR {edge_set: $edge_set}]-(:Illustration)
WHERE r.score >= $min_score
RETURN startNode(r).id AS a, endNode(r).id AS b, r.score AS score
"""

EDGES_FROM = """
UNWIND $ids AS id
MATCH (a:Illustration {id: id})-[r:SIMILAR {edge_set: $edge_set}]->(b:Illustration)
WHERE r.score >= $min_score
RETURN a.id AS a, b.id AS b, r.score AS score
"""

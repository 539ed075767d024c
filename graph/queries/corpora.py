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

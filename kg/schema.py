"""The graph's vocabulary: entity types, relation types and attribute names.

Every stage and every writer agrees on these. In memory a graph is a
``networkx.MultiDiGraph`` whose edge keys are relation names.

Node attributes
    name (str)       canonical name
    type (str)       one of ENTITY_TYPES
    aliases (str)    other surface forms joined with ``ALIAS_SEP``
    mentions (int)   number of mentions in the corpus
    articles (int)   number of articles that mention it
    article_ids (str) those articles' ids joined with ``ALIAS_SEP``
    first_seen, last_seen (str)  ISO dates of the first and last dated article (if any)

Edge attributes
    relation (str)   one of RELATION_TYPES (or ``co_occurs`` when asked for)
    evidence (str)   the first evidence sentence
    article (str)    the article of that sentence
    confidence (float) 0..1, the rule's measured precision
    count (int)      how many sentences support the edge
    evidences (list[dict])  every {"article", "sentence"} (and "date" in a dated graph);
                     in memory and graph.json only
    first, last (str)  ISO dates of the first and last dated evidence (if any)

Graph attributes
    mentions (list[dict])  every mention (in memory only; written as mentions.csv)
"""

from __future__ import annotations

from typing import Any

ORG, GPE, PROGRAMME, PERSON = "ORG", "GPE", "PROGRAMME", "PERSON"
LOC = "LOC"  # a place that is no administration: a mention, never a node
ENTITY_TYPES: tuple[str, ...] = (ORG, GPE, PROGRAMME, PERSON)
#: Mention types that make no node: LOC is a place that is no administration (a
#: mountain, a lake, a landmark, a region); it is kept among the mentions (mentions.csv,
#: ``kg entities``) so that nothing the tagger found is lost, but the graph holds
#: administrative places (GPE) only.
MENTION_ONLY_TYPES: frozenset[str] = frozenset({LOC})
RELATION_TYPES: tuple[str, ...] = (
    "partners_with",
    "runs",
    "part_of",
    "located_in",
    "supervises",
    "works_for",
)
SYMMETRIC_RELATIONS: frozenset[str] = frozenset({"partners_with", "co_occurs"})
COOCCURRENCE = "co_occurs"
#: The viewer's colour of each relation type, ``co_occurs`` included. Every relation
#: type has one: the relation rule registry (kg/pipeline/rule_registry.py) checks it when
#: the pipeline is made.
RELATION_COLORS: dict[str, str] = {
    "partners_with": "#17becf",
    "runs": "#d4a017",
    "part_of": "#9467bd",
    "located_in": "#8c564b",
    "supervises": "#d62728",
    "works_for": "#2ca02c",
    "co_occurs": "#b0b0b0",
}
ALIAS_SEP = "|"

NODE_ATTRS: tuple[str, ...] = ("name", "type", "aliases", "mentions", "articles", "article_ids")
EDGE_ATTRS: tuple[str, ...] = ("relation", "evidence", "article", "confidence", "count")


def edge_relation(data: dict, key: Any = None, default: str = "") -> str:
    """An edge's relation: its ``relation`` attribute, else its key (kg's edge keys are
    relation names), else ``default`` (when one is given)."""
    found = data.get("relation") or key
    return str(found) if found or not default else default


def node_id(entity_type: str, name: str) -> str:
    """The stable node id of an entity: ``TYPE:name``."""
    return f"{entity_type}:{name}"


def split_aliases(value: str | None) -> list[str]:
    """Aliases stored as one joined string, back as a list."""
    return [a for a in (value or "").split(ALIAS_SEP) if a]

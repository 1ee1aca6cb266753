"""Assemble the knowledge graph from the records of every article."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict

import networkx as nx

from kg.records import ArticleResult, Relation
from kg.resolve import places_named, resolve_corpus
from kg.schema import ALIAS_SEP, SYMMETRIC_RELATIONS, node_id


def assemble(results: Iterable[ArticleResult]) -> nx.MultiDiGraph:
    """One node per resolved entity, one edge per (source, target, relation).

    Relations whose ends were only named inside other names (a parent bureau, the city
    of a district) add their nodes. Output order is sorted, so it does not depend on the
    order the articles came in.
    """
    mentions = []
    relations: list[Relation] = []
    for result in results:
        mentions.extend(result.mentions)
        relations.extend(result.relations)
    mentions.sort(key=lambda m: (m.article, m.start, m.end, m.type))
    inside = {(r.head_type, r.head) for r in relations} | {(r.tail_type, r.tail) for r in relations}
    mapping, entities = resolve_corpus(mentions, sorted(inside))

    G = nx.MultiDiGraph(name="kg")
    G.graph["mentions"] = [
        {**asdict(m), "canonical": mapping.get((m.type, m.canonical), m.canonical)}
        for m in mentions
    ]
    for entity in entities:
        G.add_node(
            node_id(entity.type, entity.name),
            name=entity.name,
            type=entity.type,
            aliases=ALIAS_SEP.join(sorted(entity.aliases)),
            mentions=entity.mentions,
            articles=len(entity.articles),
            article_ids=ALIAS_SEP.join(sorted(entity.articles)),
        )

    mentioned = {(e.type, e.name) for e in entities if e.mentions}
    mentioned |= {("GPE", mapping.get(("GPE", p), p)) for p in places_named(mentions)}
    evidence: dict[tuple[str, str, str], list[Relation]] = defaultdict(list)
    for rel in relations:
        if rel.rule == "division_located_in" and (rel.tail_type, rel.tail) not in mentioned:
            continue  # a district's city only where the corpus names that city
        head = node_id(rel.head_type, mapping.get((rel.head_type, rel.head), rel.head))
        tail = node_id(rel.tail_type, mapping.get((rel.tail_type, rel.tail), rel.tail))
        if head == tail:
            continue
        if rel.relation in SYMMETRIC_RELATIONS and tail < head:
            head, tail = tail, head
        evidence[(head, tail, rel.relation)].append(rel)
        for nid, rtype, name in ((head, rel.head_type, rel.head), (tail, rel.tail_type, rel.tail)):
            if nid not in G:
                final = mapping.get((rtype, name), name)
                G.add_node(
                    nid, name=final, type=rtype, aliases="", mentions=0, articles=0, article_ids=""
                )
    for (head, tail, relation), rels in sorted(evidence.items()):
        items = sorted({(r.article, r.evidence) for r in rels})
        G.add_edge(
            head,
            tail,
            key=relation,
            relation=relation,
            evidence=items[0][1],
            article=items[0][0],
            confidence=round(max(r.confidence for r in rels), 3),
            count=len(rels),
            evidences=[{"article": a, "sentence": s} for a, s in items],
            rules=ALIAS_SEP.join(sorted({r.rule for r in rels})),
        )
    _count_nested(G, evidence)
    return G


def _count_nested(G: nx.MultiDiGraph, evidence: dict) -> None:
    """Nodes named only inside other names get the articles of the edges that name them."""
    for nid, data in G.nodes(data=True):
        if data["mentions"]:
            continue
        articles = sorted(
            {r.article for (h, t, _), rels in evidence.items() if nid in (h, t) for r in rels}
        )
        data["articles"] = len(articles)
        data["article_ids"] = ALIAS_SEP.join(articles)


def _relabel_sorted(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy with nodes and edges inserted in sorted order."""
    H = nx.MultiDiGraph(**G.graph)
    H.add_nodes_from(sorted(G.nodes(data=True)))
    H.add_edges_from(sorted(G.edges(keys=True, data=True), key=lambda e: e[:3]))
    return H

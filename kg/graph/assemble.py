"""Assemble the knowledge graph from the records of every article."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Collection, Iterable
from typing import cast

import networkx as nx

from kg.io.records import ArticleResult, Mention
from kg.io.spool import MentionLog
from kg.pipeline.merge import resolve_names
from kg.pipeline.names import places_in_name
from kg.runtime import paused_gc
from kg.schema import ALIAS_SEP, MENTION_ONLY_TYPES, SYMMETRIC_RELATIONS, node_id


class _Evidence:
    """The relations of one (head, relation, tail, rule): how many, how sure, where
    (the articles of each evidence sentence)."""

    __slots__ = ("count", "confidence", "sentences")

    def __init__(self) -> None:
        self.count = 0
        self.confidence = float("-inf")
        self.sentences: dict[str, set[str]] = {}

    def items(self) -> set[tuple[str, str]]:
        """(article, sentence) pairs."""
        return {(a, s) for s, articles in self.sentences.items() for a in articles}


def assemble(
    results: Iterable[ArticleResult],
    *,
    mentions: MentionLog | None = None,
    fixed: Collection[str] = (),
) -> nx.MultiDiGraph:
    """One node per resolved entity, one edge per (source, target, relation).

    Relations whose ends were only named inside other names (a parent bureau, the city
    of a district) add their nodes. Output order is sorted, so it does not depend on the
    order the articles came in.

    ``G.graph["mentions"]`` holds every mention as a dict (the fields of
    :class:`~kg.io.records.Mention`, ``canonical`` being the entity's final name), sorted
    by article, start, end and type. Given a :class:`~kg.io.spool.MentionLog`, the mentions
    go to it as the results arrive and it becomes ``G.graph["mentions"]`` instead: the
    graph then holds no mention in memory (``kg build`` does this). ``fixed``: names
    the user gave, kept as they are (see :func:`kg.pipeline.resolve.resolve_names`).

    Dated articles (``Article.date``) date the graph: a node's ``first_seen`` and
    ``last_seen`` are the first and last dates of the articles that name it, an edge's
    ``first`` and ``last`` those of its evidence, and every evidence carries its
    article's ``date`` (``""`` if undated). An undated corpus gets none of these.
    """
    rows: list[dict] = []
    # (type, canonical, text) -> article -> how many mentions: counts, not records.
    named: dict[tuple[str, str, str], dict[str, int]] = {}
    strings: dict[str, str] = {}  # one object per distinct name, article id, evidence
    groups: dict[tuple[str, str, str, str, str, str], _Evidence] = {}
    places: set[str] = set()  # the places the corpus names (see places_named)
    dates: dict[str, str] = {}  # article -> its date, dated articles only

    def count(key: tuple[str, str, str], article: str, n: int) -> None:
        if key[0] in MENTION_ONLY_TYPES:
            return
        per_article = named.get(key)
        if per_article is None:
            key = cast("tuple[str, str, str]", tuple(strings.setdefault(s, s) for s in key))
            per_article = named[key] = {}
            places.update(places_in_name(*key))  # now, while the workers still work
        article = strings.setdefault(article, article)
        per_article[article] = per_article.get(article, 0) + n

    for result in results:
        if result.article.date:
            dates[result.article.id] = result.article.date
        for m in result.mentions:
            count((m.type, m.canonical, m.text), m.article, 1)
        for packed in result.packed:  # a worker's: counts, and rows pickled already
            for key, n in packed.counts.items():
                count(key, packed.article, n)
        if mentions is not None:
            mentions.add(result.mentions)
            for packed in result.packed:
                mentions.add_packed(packed)
        else:
            sentences: dict[str, str] = {}
            for m in result.all_mentions():
                row = _as_dict(m)
                row["sentence"] = sentences.setdefault(m.sentence, m.sentence)
                rows.append(row)
        for rel in result.relations:
            group_key = (rel.head_type, rel.head, rel.relation, rel.tail, rel.tail_type, rel.rule)
            group = groups.get(group_key)
            if group is None:
                group = groups[group_key] = _Evidence()
            group.count += 1
            group.confidence = max(group.confidence, rel.confidence)
            sentence = strings.setdefault(rel.evidence, rel.evidence)
            found = group.sentences.get(sentence)
            if found is None:
                found = group.sentences[sentence] = set()
            found.add(strings.setdefault(rel.article, rel.article))
    # Everything is read: the rest makes many objects and no cycles (see paused_gc).
    with paused_gc():
        rows.sort(key=lambda m: (m["article"], m["start"], m["end"], m["type"]))
        inside = {(k[0], k[1]) for k in groups} | {(k[4], k[3]) for k in groups}
        mapping, entities = resolve_names(named, sorted(inside), fixed)
        named.clear()

        G = nx.MultiDiGraph(name="kg")
        if mentions is None:
            for row in rows:
                row["canonical"] = mapping.get((row["type"], row["canonical"]), row["canonical"])
            G.graph["mentions"] = rows
        else:
            mentions.resolve(mapping)
            G.graph["mentions"] = mentions
        for entity in entities:
            G.add_node(
                node_id(entity.type, entity.name),
                name=entity.name,
                type=entity.type,
                aliases=ALIAS_SEP.join(sorted(entity.aliases)),
                mentions=entity.mentions,
                articles=len(entity.articles),
                article_ids=ALIAS_SEP.join(sorted(entity.articles)),
                **_seen(entity.articles, dates),
            )

        mentioned = {(e.type, e.name) for e in entities if e.mentions}
        mentioned |= {("GPE", mapping.get(("GPE", p), p)) for p in places}
        evidence: dict[tuple[str, str, str], list[tuple[str, _Evidence]]] = defaultdict(list)
        # Groups in the order their first relation came: nodes are added in that order.
        for (head_type, head_name, relation, tail_name, tail_type, rule), group in groups.items():
            if rule == "division_located_in" and (tail_type, tail_name) not in mentioned:
                continue  # a district's city only where the corpus names that city
            head = node_id(head_type, mapping.get((head_type, head_name), head_name))
            tail = node_id(tail_type, mapping.get((tail_type, tail_name), tail_name))
            if head == tail:
                continue
            if relation in SYMMETRIC_RELATIONS and tail < head:
                head, tail = tail, head
            evidence[(head, tail, relation)].append((rule, group))
            for nid, rtype, name in ((head, head_type, head_name), (tail, tail_type, tail_name)):
                if nid not in G:
                    final = mapping.get((rtype, name), name)
                    G.add_node(
                        nid,
                        name=final,
                        type=rtype,
                        aliases="",
                        mentions=0,
                        articles=0,
                        article_ids="",
                    )
        for (head, tail, relation), ruled in sorted(evidence.items(), key=lambda kv: kv[0]):
            items = sorted(set().union(*(group.items() for _, group in ruled)))
            evidences = [{"article": a, "sentence": s} for a, s in items]
            span = {}
            if dates:
                for ev in evidences:
                    ev["date"] = dates.get(ev["article"], "")
                known = sorted(ev["date"] for ev in evidences if ev["date"])
                span = {"first": known[0], "last": known[-1]} if known else {}
            G.add_edge(
                head,
                tail,
                key=relation,
                relation=relation,
                evidence=items[0][1],
                article=items[0][0],
                confidence=round(max(group.confidence for _, group in ruled), 3),
                count=sum(group.count for _, group in ruled),
                evidences=evidences,
                rules=ALIAS_SEP.join(sorted({rule for rule, _ in ruled})),
                **span,
            )
        _count_nested(G, evidence, dates)
        return G


def _as_dict(m: Mention) -> dict:
    """The fields of a mention as a dict (``dataclasses.asdict`` without its deep copy)."""
    fields = getattr(m, "__dict__", None)
    if fields is not None:
        return dict(fields)
    return {f.name: getattr(m, f.name) for f in dataclasses.fields(m)}


def _seen(articles: Collection[str], dates: dict[str, str]) -> dict[str, str]:
    """``first_seen`` and ``last_seen`` of the dated ones among ``articles`` (or nothing)."""
    known = sorted(dates[a] for a in articles if a in dates)
    return {"first_seen": known[0], "last_seen": known[-1]} if known else {}


def _count_nested(G: nx.MultiDiGraph, evidence: dict, dates: dict[str, str]) -> None:
    """Nodes named only inside other names get the articles of the edges that name them."""
    articles: dict[str, set[str]] = defaultdict(set)
    for (head, tail, _), found in evidence.items():
        named = {a for _, group in found for articles in group.sentences.values() for a in articles}
        articles[head] |= named
        articles[tail] |= named
    for nid, data in G.nodes(data=True):
        if data["mentions"]:
            continue
        found = sorted(articles.get(nid, ()))
        data["articles"] = len(found)
        data["article_ids"] = ALIAS_SEP.join(found)
        data.update(_seen(found, dates))

"""Shared fixtures: small graphs and corpora written for the tests."""

from __future__ import annotations

import networkx as nx
import pytest

from kg.schema import node_id


def make_graph() -> nx.MultiDiGraph:
    """A small graph in kg's schema, with names of our own invention."""
    G = nx.MultiDiGraph(name="kg")
    nodes = [
        ("ORG", "江川市水务局", ["水务局"], 3, 2),
        ("ORG", "江川市水务局东港分局", ["东港分局"], 2, 1),
        ("ORG", "蓝湾航运集团有限公司", ["蓝湾航运"], 2, 1),
        ("GPE", "江川市", ["江川"], 5, 3),
        ("GPE", "东港区", ["江川市东港区"], 2, 1),
        ("PROGRAMME", "“一河一策”", ["一河一策"], 2, 1),
        ("PERSON", "林晓舟", [], 1, 1),
    ]
    for etype, name, aliases, mentions, articles in nodes:
        G.add_node(
            node_id(etype, name),
            name=name,
            type=etype,
            aliases="|".join(aliases),
            mentions=mentions,
            articles=articles,
            article_ids="|".join(f"a{i}" for i in range(articles)),
        )
    edges = [
        ("ORG", "江川市水务局东港分局", "ORG", "江川市水务局", "part_of"),
        ("ORG", "江川市水务局", "ORG", "蓝湾航运集团有限公司", "partners_with"),
        ("ORG", "江川市水务局", "GPE", "江川市", "located_in"),
        ("GPE", "东港区", "GPE", "江川市", "located_in"),
        ("ORG", "江川市水务局东港分局", "PROGRAMME", "“一河一策”", "runs"),
        ("PERSON", "林晓舟", "ORG", "江川市水务局", "works_for"),
    ]
    for st, s, tt, t, rel in edges:
        sentence = f"{s}与{t}的关系见于此句。"
        G.add_edge(
            node_id(st, s),
            node_id(tt, t),
            key=rel,
            relation=rel,
            evidence=sentence,
            article="a0",
            confidence=0.8,
            count=1,
            evidences=[{"article": "a0", "sentence": sentence}],
        )
    return G


@pytest.fixture
def tiny_graph() -> nx.MultiDiGraph:
    return make_graph()


#: Evidence dates given to make_graph's edges by dated_graph ("" for an undated one).
EDGE_DATES = {
    "part_of": ["2024-03-05"],
    "partners_with": ["2024-03-20", "2024-05-02"],
    "runs": ["2024-05-30"],
    "works_for": ["2024-05-02"],
}


def dated_graph() -> nx.MultiDiGraph:
    """make_graph with dated evidence: edges from March to May 2024, one edge undated
    (东港区 located_in 江川市), and nodes first and last seen on their edges' dates."""
    G = make_graph()
    for u, v, key, d in G.edges(keys=True, data=True):
        dates = EDGE_DATES.get(key, ["2024-04-11" if u.startswith("ORG") else ""])
        d["evidences"] = [
            {"article": f"a{i}", "date": date, "sentence": d["evidence"]}
            for i, date in enumerate(dates)
        ]
        d["count"] = len(dates)
        if any(dates):
            d["first"], d["last"] = min(x for x in dates if x), max(dates)
            for n in (u, v):
                data = G.nodes[n]
                data["first_seen"] = min(data.get("first_seen", d["first"]), d["first"])
                data["last_seen"] = max(data.get("last_seen", d["last"]), d["last"])
    return G

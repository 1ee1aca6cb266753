"""Summary numbers of a graph (``kg stats``)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import networkx as nx

from kg.schema import edge_relation
from kg.tables import text_table


@dataclass(frozen=True)
class TopNode:
    id: str
    name: str
    type: str
    degree: int


@dataclass(frozen=True)
class Stats:
    nodes: int
    edges: int
    by_type: dict[str, int] = field(default_factory=dict)
    """Nodes per entity type, most frequent first (ties by name)."""
    by_relation: dict[str, int] = field(default_factory=dict)
    """Edges per relation, most frequent first (ties by name)."""
    top: list[TopNode] = field(default_factory=list)
    """Nodes of highest degree (in + out edges), ties by name then id."""
    components: int = 0
    """Number of weakly connected components."""
    largest_component: int = 0
    """Nodes in the largest weakly connected component."""
    isolated: int = 0
    """Nodes without any edge."""


def _ranked(counter: Counter) -> dict[str, int]:
    return dict(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))


def graph_stats(G: nx.MultiDiGraph, top: int = 10) -> Stats:
    """Counts by entity type and relation, the ``top`` nodes by degree, component sizes."""
    by_type = Counter(str(d.get("type") or "?") for _, d in G.nodes(data=True))
    if G.is_multigraph():
        rels = (edge_relation(d, k) for _, _, k, d in G.edges(keys=True, data=True))
    else:
        rels = (edge_relation(d, None, "?") for _, _, d in G.edges(data=True))
    by_relation = Counter(rels)
    ranked = sorted(
        (
            TopNode(str(n), str(G.nodes[n].get("name") or n), str(G.nodes[n].get("type", "")), deg)
            for n, deg in G.degree()
        ),
        key=lambda t: (-t.degree, t.name, t.id),
    )
    parts = nx.weakly_connected_components(G) if G.is_directed() else nx.connected_components(G)
    comps = [len(c) for c in parts]
    return Stats(
        nodes=G.number_of_nodes(),
        edges=G.number_of_edges(),
        by_type=_ranked(by_type),
        by_relation=_ranked(by_relation),
        top=ranked[: max(top, 0)],
        components=len(comps),
        largest_component=max(comps, default=0),
        isolated=sum(1 for _, deg in G.degree() if deg == 0),
    )


def format_stats(stats: Stats) -> str:
    """The statistics as a plain-text report."""
    share = stats.largest_component / stats.nodes if stats.nodes else 0.0
    lines = [
        f"nodes: {stats.nodes}   edges: {stats.edges}",
        f"weakly connected components: {stats.components}   "
        f"largest: {stats.largest_component} nodes ({share:.0%})   isolated: {stats.isolated}",
        "",
    ]
    by_type = [[t, str(c)] for t, c in stats.by_type.items()]
    lines += text_table(["entity type", "nodes"], by_type, {1})
    lines.append("")
    by_relation = [[r, str(c)] for r, c in stats.by_relation.items()]
    lines += text_table(["relation", "edges"], by_relation, {1})
    lines.append("")
    lines += text_table(
        ["#", "name", "type", "degree"],
        [[str(i), t.name, t.type, str(t.degree)] for i, t in enumerate(stats.top, 1)],
        {0, 3},
    )
    return "\n".join(lines)


def by_month(G: nx.MultiDiGraph) -> list[tuple[str, int, int]]:
    """(month, edges first dated in it, nodes first seen in it), months in order, then
    ``undated`` (edges and nodes without a date) when there are any."""
    edges: Counter[str] = Counter(
        str(d.get("first") or "")[:7] or "undated" for _, _, d in G.edges(data=True)
    )
    nodes: Counter[str] = Counter(
        str(d.get("first_seen") or "")[:7] or "undated" for _, d in G.nodes(data=True)
    )
    months = sorted((edges.keys() | nodes.keys()) - {"undated"})
    if edges["undated"] or nodes["undated"]:
        months.append("undated")
    return [(m, edges[m], nodes[m]) for m in months]


def format_by_month(rows: list[tuple[str, int, int]]) -> str:
    """The table of :func:`by_month` as plain text."""
    table = [[m, str(e), str(n)] for m, e, n in rows]
    return "\n".join(text_table(["month", "edges", "new nodes"], table, {1, 2}))

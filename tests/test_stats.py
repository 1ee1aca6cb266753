"""Graph statistics."""

from __future__ import annotations

import networkx as nx
from conftest import dated_graph

from kg.graph.stats import TopNode, by_month, format_by_month, format_stats, graph_stats


def test_counts(tiny_graph):
    stats = graph_stats(tiny_graph)
    assert (stats.nodes, stats.edges) == (7, 6)
    assert stats.by_type == {"ORG": 3, "GPE": 2, "PERSON": 1, "PROGRAMME": 1}
    assert list(stats.by_type) == ["ORG", "GPE", "PERSON", "PROGRAMME"]  # by count, then name
    assert stats.by_relation == {
        "located_in": 2,
        "part_of": 1,
        "partners_with": 1,
        "runs": 1,
        "works_for": 1,
    }
    assert (stats.components, stats.largest_component, stats.isolated) == (1, 7, 0)


def test_top_nodes_by_degree(tiny_graph):
    top = graph_stats(tiny_graph, top=3).top
    assert top == [
        TopNode("ORG:江川市水务局", "江川市水务局", "ORG", 4),
        TopNode("GPE:江川市", "江川市", "GPE", 2),  # ties broken by name
        TopNode("ORG:江川市水务局东港分局", "江川市水务局东港分局", "ORG", 2),
    ]
    assert graph_stats(tiny_graph, top=0).top == []
    assert len(graph_stats(tiny_graph, top=100).top) == 7


def test_components_and_isolated_nodes(tiny_graph):
    G = tiny_graph
    G.add_node("ORG:孤岛公司", name="孤岛公司", type="ORG")
    G.add_node("GPE:北屿", name="北屿", type="GPE")
    G.add_node("ORG:北屿渔业社", name="北屿渔业社", type="ORG")
    G.add_edge("ORG:北屿渔业社", "GPE:北屿", key="located_in", relation="located_in")
    # a second relation between the same pair counts as an edge of its own
    G.add_edge(
        "ORG:江川市水务局", "ORG:蓝湾航运集团有限公司", key="co_occurs", relation="co_occurs"
    )
    stats = graph_stats(G)
    assert (stats.nodes, stats.edges) == (10, 8)
    assert (stats.components, stats.largest_component, stats.isolated) == (3, 7, 1)
    assert stats.by_relation["co_occurs"] == 1
    assert stats.top[0].degree == 5


def test_empty_graph():
    stats = graph_stats(nx.MultiDiGraph())
    assert (stats.nodes, stats.edges, stats.components, stats.largest_component) == (0, 0, 0, 0)
    assert stats.top == [] and stats.by_type == {} and stats.by_relation == {}
    assert "nodes: 0" in format_stats(stats)


def test_format_stats(tiny_graph):
    text = format_stats(graph_stats(tiny_graph, top=2))
    lines = text.splitlines()
    assert lines[0] == "nodes: 7   edges: 6"
    assert "largest: 7 nodes (100%)" in text
    assert any(line.split() == ["ORG", "3"] for line in lines)
    assert any(line.split() == ["located_in", "2"] for line in lines)
    assert any(line.split() == ["1", "江川市水务局", "ORG", "4"] for line in lines)
    assert "江川市水务局东港分局" not in text  # only the top 2
    assert not text.endswith("\n")  # ready for print()


def test_by_month_counts_edges_and_new_nodes(tiny_graph):
    rows = by_month(dated_graph())
    # Edges by their first evidence; nodes by the day they are first seen.
    assert rows == [("2024-03", 2, 3), ("2024-04", 1, 1), ("2024-05", 2, 2), ("undated", 1, 1)]
    assert by_month(tiny_graph) == [("undated", 6, 7)]
    assert by_month(nx.MultiDiGraph()) == []


def test_format_by_month():
    lines = format_by_month(by_month(dated_graph())).splitlines()
    assert lines[0].split() == ["month", "edges", "new", "nodes"]
    assert lines[2].split() == ["2024-03", "2", "3"]
    assert lines[-1].split() == ["undated", "1", "1"]

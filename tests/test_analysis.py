"""kg.graph.analysis: rankings, communities, sub-graphs and graph comparison."""

from __future__ import annotations

import networkx as nx
import pandas as pd
import pytest
from conftest import dated_graph, make_graph

import kg
from kg.graph import analysis
from kg.schema import node_id

BUREAU = node_id("ORG", "江川市水务局")
BRANCH = node_id("ORG", "江川市水务局东港分局")
SHIPPING = node_id("ORG", "蓝湾航运集团有限公司")
CITY = node_id("GPE", "江川市")
DISTRICT = node_id("GPE", "东港区")
PROGRAMME = node_id("PROGRAMME", "“一河一策”")
PERSON = node_id("PERSON", "林晓舟")


# --------------------------------------------------------------------------- find_node


def test_find_node_by_id_name_and_alias():
    G = make_graph()
    assert analysis.find_node(G, BUREAU) == BUREAU
    assert analysis.find_node(G, "江川市水务局") == BUREAU
    assert analysis.find_node(G, "东港分局") == BRANCH  # an alias
    assert analysis.find_node(G, "江川") == CITY


def test_find_node_prefers_the_name_of_highest_degree():
    G = make_graph()
    G.add_node(node_id("ORG", "江川市"), name="江川市", type="ORG", aliases="")
    assert analysis.find_node(G, "江川市") == CITY  # degree 2 beats degree 0


def test_find_node_unknown_name():
    with pytest.raises(KeyError, match="白鹭"):
        analysis.find_node(make_graph(), "白鹭洲")


# --------------------------------------------------------------------------- rank_entities


def test_rank_entities_orders_by_degree_then_betweenness():
    G = make_graph()
    ranked = analysis.rank_entities(G)
    assert list(ranked.columns) == analysis.RANK_COLUMNS
    assert len(ranked) == G.number_of_nodes()
    assert ranked.iloc[0]["id"] == BUREAU
    assert ranked.iloc[0]["degree"] == 4
    # degree 2 each: the branch and the city; both broker one leaf, same betweenness,
    # so the name decides
    assert set(ranked.iloc[1:3]["id"]) == {BRANCH, CITY}
    assert ranked["degree"].dtype == "int64"
    assert ranked["betweenness"].dtype == "float64"
    assert list(ranked["degree"]) == sorted(ranked["degree"], reverse=True)


def test_rank_entities_betweenness_is_undirected():
    G = make_graph()
    ranked = analysis.rank_entities(G).set_index("id")
    expected = nx.betweenness_centrality(nx.Graph(G.to_undirected()))
    for n, value in expected.items():
        assert ranked.loc[n, "betweenness"] == pytest.approx(value)
    # every path from the district to anything but the city goes through the bureau
    assert ranked.loc[BUREAU, "betweenness"] > 0.5
    assert ranked.loc[PERSON, "betweenness"] == 0.0


def test_rank_entities_type_and_top():
    G = make_graph()
    orgs = analysis.rank_entities(G, "ORG")
    assert list(orgs["id"]) == [BUREAU, BRANCH, SHIPPING]
    assert set(orgs["type"]) == {"ORG"}
    assert list(analysis.rank_entities(G, "ORG", top=1)["name"]) == ["江川市水务局"]
    assert analysis.rank_entities(G, "ORG", top=0).empty
    empty = analysis.rank_entities(G, "NOPE")
    assert empty.empty and list(empty.columns) == analysis.RANK_COLUMNS


def test_rank_entities_of_an_empty_graph():
    ranked = analysis.rank_entities(nx.MultiDiGraph())
    assert ranked.empty and list(ranked.columns) == analysis.RANK_COLUMNS


# --------------------------------------------------------------------------- communities


def test_community_table_numbers_largest_first():
    G = make_graph()
    communities = [{PERSON}, {CITY, DISTRICT}, {BUREAU, BRANCH, SHIPPING, PROGRAMME}]
    table = analysis.community_table(G, communities)
    assert list(table.columns) == analysis.COMMUNITY_COLUMNS
    assert list(table["community"]) == [0, 1, 2]
    assert list(table["size"]) == [4, 2, 1]
    assert table.iloc[0]["types"] == "ORG 3, PROGRAMME 1"
    # highest degree first: the bureau (4), the branch (2), then the leaves by name
    assert table.iloc[0]["members"].split(", ")[:2] == ["江川市水务局", "江川市水务局东港分局"]
    assert table.iloc[2]["members"] == "林晓舟"


def test_community_table_min_size_keeps_numbering():
    G = make_graph()
    communities = [{PERSON}, {CITY, DISTRICT}, {BUREAU, BRANCH, SHIPPING, PROGRAMME}]
    table = analysis.community_table(G, communities, min_size=2)
    assert list(table["community"]) == [0, 1]
    assert analysis.community_table(G, communities, min_size=9).empty


def test_community_table_of_louvain_covers_every_node_once():
    G = make_graph()
    communities = nx.community.louvain_communities(G.to_undirected(), seed=1)
    table = analysis.community_table(G, communities)
    names = [m for members in table["members"] for m in members.split(", ")]
    assert sorted(names) == sorted(d["name"] for _, d in G.nodes(data=True))
    again = nx.community.louvain_communities(G.to_undirected(), seed=1)
    pd.testing.assert_frame_equal(table, analysis.community_table(G, again))


# --------------------------------------------------------------------------- ego


def _with_mentions(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    G.graph["mentions"] = [
        {"article": "a0", "start": 0, "end": 6, "text": "东港分局", "type": "ORG",
         "canonical": "江川市水务局东港分局", "sentence": "东港分局启动“一河一策”。"},
        {"article": "a0", "start": 0, "end": 3, "text": "林晓舟", "type": "PERSON",
         "canonical": "林晓舟", "sentence": "林晓舟说。"},
    ]  # fmt: skip
    return G


def test_ego_radius_one_follows_edges_both_ways():
    G = _with_mentions(make_graph())
    E = analysis.ego(G, "东港分局")
    assert set(E.nodes) == {BRANCH, BUREAU, PROGRAMME}
    assert sorted(k for _, _, k in E.edges(keys=True)) == ["part_of", "runs"]
    assert E.nodes[BRANCH] == G.nodes[BRANCH]
    assert E[BRANCH][BUREAU]["part_of"]["evidences"] == G[BRANCH][BUREAU]["part_of"]["evidences"]
    assert [m["canonical"] for m in E.graph["mentions"]] == ["江川市水务局东港分局"]
    # the input graph is untouched
    assert G.number_of_nodes() == 7 and len(G.graph["mentions"]) == 2


def test_ego_radius_two_and_frames():
    G = make_graph()
    E = analysis.ego(G, BRANCH, radius=2)
    assert set(E.nodes) == {BRANCH, BUREAU, PROGRAMME, SHIPPING, CITY, PERSON}
    frames = kg.to_frames(E)
    assert len(frames.entities) == 6 and len(frames.relations) == 5
    E.add_node("extra")
    assert "extra" not in G


def test_ego_unknown_entity():
    with pytest.raises(KeyError):
        analysis.ego(make_graph(), "无此单位")


# --------------------------------------------------------------------------- filter_relations


def test_filter_relations_one_type():
    G = _with_mentions(make_graph())
    H = analysis.filter_relations(G, "located_in")
    assert set(H.nodes) == {BUREAU, CITY, DISTRICT}
    assert {d["relation"] for _, _, d in H.edges(data=True)} == {"located_in"}
    assert H.number_of_edges() == 2
    assert H.graph["mentions"] == []
    assert G.number_of_edges() == 6


def test_filter_relations_several_types_and_isolates():
    G = make_graph()
    H = analysis.filter_relations(G, ["runs", "works_for"])
    assert set(H.nodes) == {BRANCH, PROGRAMME, PERSON, BUREAU}
    kept = analysis.filter_relations(G, {"runs"}, keep_isolates=True)
    assert kept.number_of_nodes() == G.number_of_nodes() and kept.number_of_edges() == 1
    # a known type absent from the graph is just empty
    assert analysis.filter_relations(G, "supervises").number_of_nodes() == 0


def test_filter_relations_rejects_a_typo():
    with pytest.raises(ValueError, match="partner_with"):
        analysis.filter_relations(make_graph(), "partner_with")


# --------------------------------------------------------------------------- compare_graphs


def _later() -> nx.MultiDiGraph:
    """The tiny graph a month later: the person is gone, a new company signed up."""
    G = make_graph()
    G.remove_node(PERSON)
    company = node_id("ORG", "白鹭环保科技有限公司")
    G.add_node(company, name="白鹭环保科技有限公司", type="ORG", aliases="", mentions=1)
    G.add_edge(company, CITY, key="located_in", relation="located_in")
    G.add_edge(company, BUREAU, key="partners_with", relation="partners_with")
    return G


def test_compare_graphs_statuses():
    diff = analysis.compare_graphs(make_graph(), _later())
    assert list(diff.columns) == analysis.COMPARE_COLUMNS
    rows = {(r.type, r.name): r for r in diff.itertuples(index=False)}
    assert len(rows) == 8
    new = rows[("ORG", "白鹭环保科技有限公司")]
    assert (new.degree_before, new.degree_after, new.change, new.status) == (0, 2, 2, "appeared")
    gone = rows[("PERSON", "林晓舟")]
    assert (gone.degree_before, gone.degree_after, gone.change, gone.status) == (
        1, 0, -1, "disappeared"
    )  # fmt: skip
    city = rows[("GPE", "江川市")]
    assert (city.degree_before, city.degree_after, city.status) == (2, 3, "changed")
    bureau = rows[("ORG", "江川市水务局")]
    assert (bureau.degree_before, bureau.degree_after, bureau.status) == (4, 4, "same")
    assert rows[("GPE", "东港区")].status == "same"


def test_compare_graphs_order_and_dtypes():
    diff = analysis.compare_graphs(make_graph(), _later())
    order = {s: i for i, s in enumerate(analysis.STATUSES)}
    ranks = [order[s] for s in diff["status"]]
    assert ranks == sorted(ranks)
    assert list(diff["status"]) == ["appeared", "disappeared", "changed"] + ["same"] * 5
    for col in ("degree_before", "degree_after", "change"):
        assert diff[col].dtype == "int64"
    assert (diff["change"] == diff["degree_after"] - diff["degree_before"]).all()


def test_compare_graphs_is_symmetric_in_reverse():
    before, after = make_graph(), _later()
    forward = analysis.compare_graphs(before, after).set_index(["type", "name"])
    backward = analysis.compare_graphs(after, before).set_index(["type", "name"])
    swap = {"appeared": "disappeared", "disappeared": "appeared"}
    for key, row in forward.iterrows():
        other = backward.loc[key]
        assert other["change"] == -row["change"]
        assert other["status"] == swap.get(row["status"], row["status"])


def test_compare_identical_and_empty_graphs():
    same = analysis.compare_graphs(make_graph(), make_graph())
    assert set(same["status"]) == {"same"} and (same["change"] == 0).all()
    empty = analysis.compare_graphs(nx.MultiDiGraph(), nx.MultiDiGraph())
    assert empty.empty and list(empty.columns) == analysis.COMPARE_COLUMNS
    appeared = analysis.compare_graphs(nx.MultiDiGraph(), make_graph())
    assert set(appeared["status"]) == {"appeared"}


def test_compare_graphs_read_back(tmp_path):
    """Graphs read from files compare like the in-memory ones."""
    kg.write(make_graph(), tmp_path / "before")
    kg.write(_later(), tmp_path / "after")
    before = kg.read_graph(tmp_path / "before" / "graph.graphml")
    after = kg.read_graph(tmp_path / "after" / "graph.json")
    pd.testing.assert_frame_equal(
        analysis.compare_graphs(before, after), analysis.compare_graphs(make_graph(), _later())
    )


# --------------------------------------------------------------------------- period


def test_period_keeps_the_edges_dated_in_it():
    G = dated_graph()
    H = analysis.period(G, "2024-05-01", "2024-05-31")
    assert set(H.edges(keys=True)) == {
        (BUREAU, SHIPPING, "partners_with"),
        (BRANCH, PROGRAMME, "runs"),
        (PERSON, BUREAU, "works_for"),
    }
    assert set(H.nodes) == {BUREAU, SHIPPING, BRANCH, PROGRAMME, PERSON}
    assert H.nodes[BUREAU] == G.nodes[BUREAU]
    # The edge dated in March and May keeps its May evidence only.
    deal = H.edges[BUREAU, SHIPPING, "partners_with"]
    assert [e["date"] for e in deal["evidences"]] == ["2024-05-02"]
    assert (deal["first"], deal["last"], deal["count"], deal["article"]) == (
        "2024-05-02",
        "2024-05-02",
        1,
        "a1",
    )
    assert len(G.edges[BUREAU, SHIPPING, "partners_with"]["evidences"]) == 2  # G untouched


def test_period_bounds_are_inclusive_and_optional():
    G = dated_graph()
    assert analysis.period(G, "2024-03-05", "2024-03-05").number_of_edges() == 1
    assert analysis.period(G, None, None).number_of_edges() == 5  # every dated edge
    assert analysis.period(G, "2024-06-01", None).number_of_nodes() == 0
    assert analysis.period(make_graph(), None, None).number_of_edges() == 0  # undated
    with pytest.raises(ValueError, match="ISO date"):
        analysis.period(G, "2024/05/01", None)


def test_period_of_a_graph_read_from_graphml(tmp_path):
    kg.export(dated_graph(), tmp_path / "g.graphml", "graphml")
    G = kg.read_graph(tmp_path / "g.graphml")  # spans only, no dated evidence
    H = analysis.period(G, "2024-04-01", "2024-04-30")
    # partners_with spans March to May; located_in is April.
    assert {k for _, _, k in H.edges(keys=True)} == {"partners_with", "located_in"}

"""Scoring a graph against a gold graph, with hand-computed expected numbers."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kg.errors import InputError
from kg.evaluate import Gold, format_report, load_gold, normalise, score
from kg.schema import node_id

DATA = Path(__file__).parent / "data" / "eval"


def _node(G: nx.MultiDiGraph, etype: str, name: str, aliases: str = "") -> str:
    nid = node_id(etype, name)
    G.add_node(nid, name=name, type=etype, aliases=aliases, mentions=1, articles=1)
    return nid


def _edge(G: nx.MultiDiGraph, u: str, v: str, rel: str, key: str | None = None) -> None:
    G.add_edge(u, v, key=key or rel, relation=rel, evidence="句子。", article="a0", count=1)


def basic_graph() -> nx.MultiDiGraph:
    """The graph scored against basic.gold.json (see the expected numbers below)."""
    G = nx.MultiDiGraph()
    n1 = _node(G, "ORG", "青岚市交通运输局")  # E1
    n2 = _node(G, "ORG", "青岚港务集团", "港务集团|ｑｌ 港务")  # E2 through a full-width alias
    n3 = _node(G, "LOC", "青 岚 市")  # E3, LOC counts as GPE
    n4 = _node(G, "PROGRAMME", "《绿色航道》行动")  # E4, quote marks differ
    n5 = _node(G, "PERSON", "周明远")  # E5
    n6 = _node(G, "ORG", "市政府")  # optional E6: ignored
    n7 = _node(G, "GPE", "东岸码头")  # E8, wrong type
    n8 = _node(G, "ORG", "交通运输局")  # E1 again: duplicate
    n9 = _node(G, "ORG", "蓝鲸物流")  # false positive
    n10 = _node(G, "PERSON", "李四海")  # false positive
    _edge(G, n1, n2, "supervises")  # R1 typed
    _edge(G, n1, n2, "supervises", key="supervises-again")  # same triple: counted once
    _edge(G, n7, n2, "partners_with")  # R2 reversed, symmetric: typed
    _edge(G, n3, n4, "runs")  # R3 through alt_heads: typed
    _edge(G, n3, n1, "located_in")  # R4 reversed: pair only
    _edge(G, n5, n8, "works_for")  # R5 through the duplicate node: typed
    _edge(G, n6, n1, "supervises")  # optional R6 only: ignored
    _edge(G, n9, n2, "partners_with")  # false positive
    _edge(G, n1, n5, "co_occurs")  # pair of R5: pair hit, typed miss
    _edge(G, n1, n2, "part_of")  # pair of R1, wrong label: pair hit, typed miss
    _edge(G, n10, n1, "co_occurs")  # false positive
    return G


@pytest.fixture
def basic_gold() -> Gold:
    return load_gold(DATA / "basic.gold.json")


# --------------------------------------------------------------------------- gold files


def test_load_gold_reads_entities_and_relations(basic_gold):
    assert len(basic_gold.entities) == 8
    assert len(basic_gold.relations) == 7
    assert [e.name for e in basic_gold.entities if e.optional] == ["青岚市人民政府"]
    assert basic_gold.relations[2].alt_heads == ("青岚市",)
    assert basic_gold.document == "invented-qinglan.txt"


def test_load_gold_defaults_for_missing_fields():
    gold = load_gold(DATA / "tiny.gold.json")
    assert gold.entities[3].aliases == ()
    assert not any(e.optional for e in gold.entities)
    assert gold.relations[0].alt_tails == ()


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("missing.gold.json", "not found"),
        ("broken.gold.json", "not valid JSON"),
        ("noname.gold.json", "entities[0]"),
    ],
)
def test_load_gold_errors_are_one_line(name, words):
    with pytest.raises(InputError) as info:
        load_gold(DATA / name)
    message = str(info.value)
    assert words in message
    assert name in message
    assert "\n" not in message


def test_load_gold_rejects_wrong_shapes(tmp_path):
    path = tmp_path / "g.json"
    for text in (
        "[]",
        '{"entities": {}}',
        '{"entities": [{"name": "甲", "type": "ORG", "aliases": "乙"}]}',
        '{"entities": [], "relations": [{"head": "甲"}]}',
    ):
        path.write_text(text, encoding="utf-8")
        with pytest.raises(InputError, match="malformed"):
            load_gold(path)


# --------------------------------------------------------------------------- normalise


def test_normalise_examples():
    assert normalise(" “绿色 航道” ") == "绿色航道"
    assert normalise("《青岚》「港」『务』〈局〉‘甲’'乙'\"丙\"") == "青岚港务局甲乙丙"
    assert normalise("ＱＬ港务") == "ql港务"
    assert normalise("Ql\u3000港务\t") == "ql港务"
    assert normalise("") == ""


QUOTES = list("“”‘’\"'「」『』《》〈〉")


@given(st.text())
def test_normalise_is_idempotent(text):
    once = normalise(text)
    assert normalise(once) == once


@given(st.text())
def test_normalise_leaves_no_whitespace_or_quotes(text):
    out = normalise(text)
    assert not any(ch.isspace() for ch in out)
    assert not set(out) & set(QUOTES)


@given(
    st.text(alphabet=st.characters(categories=["Lo", "Ll", "Nd"])),
    st.lists(st.sampled_from([*QUOTES, " ", "\u3000", "\t", "\n"]), max_size=6),
    st.integers(min_value=0),
)
def test_normalise_ignores_inserted_quotes_and_spaces(text, noise, where):
    pos = where % (len(text) + 1)
    noisy = text[:pos] + "".join(noise) + text[pos:]
    assert normalise(noisy) == normalise(text)


# --------------------------------------------------------------------------- entities


def test_entity_scores(basic_gold):
    report = score(basic_graph(), basic_gold)
    ents = report.entities
    assert (ents.tp, ents.predicted, ents.found, ents.gold) == (6, 8, 6, 7)
    assert ents.precision == pytest.approx(0.75)
    assert ents.recall == pytest.approx(6 / 7)
    assert ents.f1 == pytest.approx(0.8)
    typed = report.entities_typed
    assert (typed.tp, typed.predicted, typed.found, typed.gold) == (5, 8, 5, 7)
    assert typed.precision == pytest.approx(0.625)
    assert typed.recall == pytest.approx(5 / 7)
    assert typed.f1 == pytest.approx(2 / 3)


def test_entity_lists(basic_gold):
    report = score(basic_graph(), basic_gold)
    assert sorted(name for _, name, _ in report.entity_false_positives) == ["李四海", "蓝鲸物流"]
    assert [e.name for e in report.missed_entities] == ["白沙湾区"]
    assert report.duplicate_count == 1
    dup = report.duplicates[0]
    assert (dup.node, dup.gold, dup.first) == (
        "ORG:交通运输局",
        "青岚市交通运输局",
        "ORG:青岚市交通运输局",
    )
    assert report.entity_mistyped == [("GPE:东岸码头", "东岸码头", "GPE", "ORG")]
    assert report.ignored_nodes == 1  # 市政府 matches only the optional entity


def test_per_type_scores(basic_gold):
    per = score(basic_graph(), basic_gold).per_type
    assert set(per) == {"ORG", "GPE", "PROGRAMME", "PERSON"}  # LOC is folded into GPE
    expected = {  # (precision, recall)
        "ORG": (2 / 3, 2 / 3),
        "GPE": (1 / 2, 1 / 2),
        "PROGRAMME": (1.0, 1.0),
        "PERSON": (1 / 2, 1.0),
    }
    for etype, (p, r) in expected.items():
        assert per[etype].precision == pytest.approx(p), etype
        assert per[etype].recall == pytest.approx(r), etype


def test_perfect_graph_scores_one(tiny_graph):
    report = score(tiny_graph, load_gold(DATA / "tiny.gold.json"))
    for prf in (
        report.entities,
        report.entities_typed,
        report.relations,
        report.relations_typed,
    ):
        assert (prf.precision, prf.recall, prf.f1) == (1.0, 1.0, 1.0)
    assert report.duplicates == []


def test_node_matching_two_gold_entities_leaves_room_for_another_node():
    gold = load_gold(DATA / "choice.gold.json")
    G = nx.MultiDiGraph()
    _node(G, "ORG", "海东")  # matches 海东集团 and 海东港
    _node(G, "ORG", "海东集团")  # matches 海东集团 only
    _node(G, "ORG", "书院")  # matches 南岭书院 and the optional 南岭学堂
    _node(G, "ORG", "南岭书院")  # matches 南岭书院 only
    report = score(G, gold)
    assert (report.entities.tp, report.entities.predicted, report.entities.gold) == (3, 3, 3)
    assert report.duplicates == []
    assert report.ignored_nodes == 1
    assert report.entity_false_positives == []
    # 海东 had to take 海东港 (a GPE), so one match is mistyped
    assert report.entity_mistyped == [("ORG:海东", "海东", "ORG", "GPE")]
    assert report.entities_typed.tp == 2


def test_node_matching_required_and_optional_takes_the_required_one():
    gold = load_gold(DATA / "choice.gold.json")
    G = nx.MultiDiGraph()
    _node(G, "ORG", "书院")
    report = score(G, gold)
    assert (report.entities.tp, report.entities.predicted) == (1, 1)
    assert report.ignored_nodes == 0
    assert [e.name for e in report.missed_entities] == ["海东集团", "海东港"]


def test_empty_graph_scores_zero(basic_gold):
    report = score(nx.MultiDiGraph(), basic_gold)
    assert (report.entities.precision, report.entities.recall, report.entities.f1) == (0, 0, 0)
    assert report.relations.f1 == 0.0
    assert len(report.missed_entities) == 7
    assert len(report.missed_relations) == 6


# --------------------------------------------------------------------------- relations


def test_relation_pair_scores(basic_gold):
    rel = score(basic_graph(), basic_gold).relations
    assert (rel.tp, rel.predicted, rel.found, rel.gold) == (7, 9, 5, 6)
    assert rel.precision == pytest.approx(7 / 9)
    assert rel.recall == pytest.approx(5 / 6)
    assert rel.f1 == pytest.approx(70 / 87)


def test_relation_typed_scores(basic_gold):
    rel = score(basic_graph(), basic_gold).relations_typed
    assert (rel.tp, rel.predicted, rel.found, rel.gold) == (4, 9, 4, 6)
    assert rel.precision == pytest.approx(4 / 9)
    assert rel.recall == pytest.approx(4 / 6)
    assert rel.f1 == pytest.approx(8 / 15)


def test_relation_lists(basic_gold):
    report = score(basic_graph(), basic_gold)
    fps = {(e.source_name, e.relation, e.target_name) for e in report.relation_false_positives}
    assert fps == {
        ("蓝鲸物流", "partners_with", "青岚港务集团"),
        ("李四海", "co_occurs", "青岚市交通运输局"),
    }
    wrong = {(e.source_name, e.relation, e.target_name) for e in report.relation_mistyped}
    assert wrong == {
        ("青 岚 市", "located_in", "青岚市交通运输局"),
        ("青岚市交通运输局", "co_occurs", "周明远"),
        ("青岚市交通运输局", "part_of", "青岚港务集团"),
    }
    assert [r.head for r in report.missed_relations] == ["白沙湾区"]
    assert [(r.head, r.relation) for r in report.missed_relations_typed] == [
        ("青岚市交通运输局", "located_in")
    ]
    assert report.ignored_edges == 1
    assert report.cooccurrence_edges == 2


def _one_relation_gold(tmp_path: Path, relation: dict) -> Gold:
    entities = [
        {"name": "甲公司", "type": "ORG", "aliases": []},
        {"name": "乙公司", "type": "ORG", "aliases": []},
        {"name": "丙公司", "type": "ORG", "aliases": [], "optional": True},
    ]
    path = tmp_path / "one.gold.json"
    text = json.dumps({"entities": entities, "relations": [relation]}, ensure_ascii=False)
    path.write_text(text, encoding="utf-8")
    return load_gold(path)


def _pair_graph(u: str, v: str, rel: str) -> nx.MultiDiGraph:
    G = nx.MultiDiGraph()
    _node(G, "ORG", "甲公司")
    _node(G, "ORG", "乙公司")
    _node(G, "ORG", "丙公司")
    _edge(G, node_id("ORG", u), node_id("ORG", v), rel)
    return G


@pytest.mark.parametrize(
    ("edge", "pair", "typed"),
    [
        (("甲公司", "乙公司", "part_of"), 1.0, 1.0),
        (("乙公司", "甲公司", "part_of"), 1.0, 0.0),  # wrong direction
        (("甲公司", "乙公司", "runs"), 1.0, 0.0),  # wrong label
        (("甲公司", "乙公司", "co_occurs"), 1.0, 0.0),
        (("甲公司", "丙公司", "part_of"), 0.0, 0.0),
    ],
)
def test_direction_and_label(tmp_path, edge, pair, typed):
    gold = _one_relation_gold(tmp_path, {"head": "甲公司", "relation": "part_of", "tail": "乙公司"})
    report = score(_pair_graph(*edge), gold)
    assert report.relations.f1 == pair
    assert report.relations_typed.f1 == typed


@pytest.mark.parametrize("edge", [("甲公司", "乙公司"), ("乙公司", "甲公司")])
def test_partners_with_either_direction(tmp_path, edge):
    gold = _one_relation_gold(
        tmp_path, {"head": "甲公司", "relation": "partners_with", "tail": "乙公司"}
    )
    report = score(_pair_graph(*edge, "partners_with"), gold)
    assert report.relations_typed.f1 == 1.0


def test_alt_tails(tmp_path):
    gold = _one_relation_gold(
        tmp_path,
        {"head": "甲公司", "relation": "supervises", "tail": "乙公司", "alt_tails": ["丙公司"]},
    )
    report = score(_pair_graph("甲公司", "丙公司", "supervises"), gold)
    assert report.relations_typed.f1 == 1.0
    assert report.relations.predicted == 1


def test_optional_relation_is_ignored(tmp_path):
    gold = _one_relation_gold(
        tmp_path, {"head": "甲公司", "relation": "runs", "tail": "乙公司", "optional": True}
    )
    for rel in ("runs", "part_of"):
        report = score(_pair_graph("甲公司", "乙公司", rel), gold)
        assert report.relations.predicted == 0
        assert report.relations_typed.predicted == 0
        assert report.relations.gold == 0
        assert report.ignored_edges == 1


# --------------------------------------------------------------------------- report


def test_format_report(basic_gold):
    report = score(basic_graph(), basic_gold)
    text = format_report(report)
    for needle in ("0.750", "0.857", "0.800", "0.625", "0.778", "0.444", "duplicates: 1"):
        assert needle in text
    for etype in ("ORG", "GPE", "PROGRAMME", "PERSON"):
        assert etype in text
    assert "蓝鲸物流" not in text


def test_format_report_show_lists_errors(basic_gold):
    text = format_report(score(basic_graph(), basic_gold), show=True)
    for needle in (
        "蓝鲸物流",
        "李四海",
        "白沙湾区",
        "交通运输局",
        "东岸码头",
        "李四海 -[co_occurs]->",
    ):
        assert needle in text


def test_report_as_dict_is_json_ready(basic_gold):
    data = score(basic_graph(), basic_gold).as_dict()
    again = json.loads(json.dumps(data, ensure_ascii=False))
    assert again["entities"]["f1"] == pytest.approx(0.8)
    assert again["relations_typed"]["tp"] == 4

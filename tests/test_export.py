"""Writers and readers of graph files: round trips, determinism and atomic writes."""

from __future__ import annotations

import csv
import importlib
import json
import os
import pickle
import sys
import time
import types
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
from conftest import make_graph
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.errors import InputError
from kg.outputs import files as out_files
from kg.outputs import frames as out_frames
from kg.outputs import graphml as out_graphml

# the kg package re-exports a function named ``export``, so fetch the module itself
ex = importlib.import_module("kg.outputs.export")

MENTIONS = [
    {
        "article": "a1",
        "start": 4,
        "end": 7,
        "text": "江川市",
        "type": "GPE",
        "canonical": "江川市",
        "sentence": "今天，江川市水务局发布通知。",
    },
    {
        "article": "a0",
        "start": 0,
        "end": 6,
        "text": "江川市水务局",
        "type": "ORG",
        "canonical": "江川市水务局",
        "sentence": "江川市水务局与蓝湾航运签约，“合作”开始。",
    },
]


def full_graph() -> nx.MultiDiGraph:
    """make_graph() plus graph-level mentions and an edge with two evidences."""
    G = make_graph()
    G.graph["mentions"] = [dict(m) for m in MENTIONS]
    data = G.edges["ORG:江川市水务局", "ORG:蓝湾航运集团有限公司", "partners_with"]
    data["count"] = 2
    data["evidences"] = [
        {"article": "a0", "sentence": data["evidence"]},
        {"article": "a1", "sentence": "蓝湾航运与江川市水务局续签\n“合作”协议。"},
    ]
    return G


def reversed_copy(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """The same graph with nodes and edges inserted in the opposite order."""
    H = nx.MultiDiGraph()
    H.graph.update(G.graph)
    for n, d in reversed(list(G.nodes(data=True))):
        H.add_node(n, **d)
    for u, v, k, d in reversed(list(G.edges(keys=True, data=True))):
        H.add_edge(u, v, key=k, **d)
    return H


def scalar_edges(G: nx.MultiDiGraph) -> dict:
    return {
        (u, v, d["relation"]): {a: x for a, x in d.items() if a != "evidences"}
        for u, v, d in G.edges(data=True)
    }


@pytest.fixture
def fake_render(monkeypatch):
    """Stand in for kg.outputs.render so that write() tests do not depend on the HTML page."""
    module = types.ModuleType("kg.outputs.render")
    calls = []

    def write_html(G, path, **kw):
        calls.append(Path(path))
        Path(path).write_text(f"<html>{G.number_of_nodes()} nodes</html>", encoding="utf-8")
        return Path(path)

    module.write_html = write_html
    monkeypatch.setitem(sys.modules, "kg.outputs.render", module)
    return calls


# --------------------------------------------------------------------------- GraphML


def test_graphml_round_trip_networkx(tmp_path):
    G = full_graph()
    path = ex.write_graphml(G, tmp_path / "g.graphml")
    R = nx.read_graphml(path, force_multigraph=True)
    assert dict(R.nodes(data=True)) == dict(G.nodes(data=True))
    for n, d in R.nodes(data=True):
        assert type(d["mentions"]) is int and type(d["articles"]) is int, n
    assert scalar_edges(R) == scalar_edges(G)
    for _, _, d in R.edges(data=True):
        assert type(d["confidence"]) is float and type(d["count"]) is int
        assert "evidences" not in d
    assert R.graph.get("name") == "kg"
    assert "mentions" not in R.graph


def test_graphml_round_trip_igraph(tmp_path):
    igraph = pytest.importorskip("igraph")
    G = full_graph()
    path = ex.write_graphml(G, tmp_path / "g.graphml")
    g = igraph.Graph.Read_GraphML(str(path))
    assert g.is_directed()
    assert g.vcount() == G.number_of_nodes() and g.ecount() == G.number_of_edges()
    by_id = {v["id"]: v.attributes() for v in g.vs}
    assert set(by_id) == set(G.nodes)
    for n, d in G.nodes(data=True):
        got = by_id[n]
        for attr in ("name", "type", "aliases", "article_ids"):
            assert got[attr] == d[attr]
        # igraph keeps every number as a double
        assert got["mentions"] == d["mentions"] and got["articles"] == d["articles"]
    ids = g.vs["id"]
    edges = {(ids[e.source], ids[e.target], e["relation"]): e.attributes() for e in g.es}
    assert set(edges) == set(scalar_edges(G))
    for key, d in scalar_edges(G).items():
        for attr in ("evidence", "article", "confidence", "count"):
            assert edges[key][attr] == d[attr]
    assert "“一河一策”" in g.vs["name"]


def test_graphml_flattens_lists_and_unifies_types(tmp_path):
    G = make_graph()
    G.nodes["GPE:江川市"]["tags"] = ["沿海", "港口"]
    G.nodes["GPE:东港区"]["score"] = 2
    G.nodes["GPE:江川市"]["score"] = 2.5
    G.nodes["PERSON:林晓舟"]["extra"] = {"职务": "局长"}
    R = nx.read_graphml(ex.write_graphml(G, tmp_path / "g.graphml"), force_multigraph=True)
    assert R.nodes["GPE:江川市"]["tags"] == "沿海|港口"
    assert R.nodes["GPE:东港区"]["score"] == 2.0
    assert type(R.nodes["GPE:东港区"]["score"]) is float
    assert json.loads(R.nodes["PERSON:林晓舟"]["extra"]) == {"职务": "局长"}


def test_read_graph_graphml_gives_schema(tmp_path):
    G = full_graph()
    R = ex.read_graph(ex.write_graphml(G, tmp_path / "g.graphml"))
    assert isinstance(R, nx.MultiDiGraph)
    assert dict(R.nodes(data=True)) == dict(G.nodes(data=True))
    assert set(R.edges(keys=True)) == set(G.edges(keys=True))
    assert scalar_edges(R) == scalar_edges(G)
    # only the first evidence survives GraphML
    d = R.edges["ORG:江川市水务局", "ORG:蓝湾航运集团有限公司", "partners_with"]
    assert d["evidences"] == [{"article": "a0", "sentence": d["evidence"]}]


# --------------------------------------------------------------------------- GEXF


def test_gexf_round_trip_networkx(tmp_path):
    G = full_graph()
    path = ex.write_gexf(G, tmp_path / "g.gexf")
    R = nx.read_gexf(path)
    assert set(R.nodes) == set(G.nodes)
    for n, d in G.nodes(data=True):
        got = R.nodes[n]
        assert got["label"] == d["name"]
        for attr in ("name", "type", "aliases", "mentions", "articles", "article_ids"):
            assert got[attr] == d[attr]
        assert type(got["mentions"]) is int
    rels = {(u, v, d["relation"]) for u, v, d in R.edges(data=True)}
    assert rels == set(scalar_edges(G))
    assert b"lastmodifieddate" not in path.read_bytes()


# --------------------------------------------------------------------------- JSON


def test_json_round_trip_keeps_evidences(tmp_path):
    G = full_graph()
    path = ex.write_json(G, tmp_path / "graph.json")
    R = ex.read_graph(path)
    assert isinstance(R, nx.MultiDiGraph)
    assert dict(R.nodes(data=True)) == dict(G.nodes(data=True))
    assert {(u, v, k): d for u, v, k, d in R.edges(keys=True, data=True)} == {
        (u, v, k): d for u, v, k, d in G.edges(keys=True, data=True)
    }
    d = R.edges["ORG:江川市水务局", "ORG:蓝湾航运集团有限公司", "partners_with"]
    assert len(d["evidences"]) == 2
    assert R.graph["name"] == "kg"


def test_json_is_node_link_without_mentions(tmp_path):
    path = ex.write_json(full_graph(), tmp_path / "graph.json")
    text = path.read_text(encoding="utf-8")
    assert "江川市水务局" in text  # not \\u-escaped
    data = json.loads(text)
    assert set(data) >= {"directed", "multigraph", "graph", "nodes", "edges"}
    assert data["directed"] is True and data["multigraph"] is True
    assert "mentions" not in data["graph"]
    assert [n["id"] for n in data["nodes"]] == sorted(n["id"] for n in data["nodes"])
    G = nx.node_link_graph(data, edges="edges")
    assert G.number_of_edges() == 6


_JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
)
_JSON_VALUES = st.recursive(
    _JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    nodes=st.lists(st.dictionaries(st.text(max_size=6), _JSON_VALUES, max_size=4), max_size=4),
    edge=st.dictionaries(st.text(max_size=6), _JSON_VALUES, max_size=4),
)
def test_graph_json_is_the_sorted_indented_json_of_its_content(tmp_path, nodes, edge):
    """graph.json is exactly what json.dumps(..., sort_keys=True, indent=1) makes of it."""
    G = make_graph()
    for (_, d), extra in zip(sorted(G.nodes(data=True)), nodes, strict=False):
        d.update({k: v for k, v in extra.items() if k != "id"})
    u, v, k = sorted(G.edges(keys=True))[0]
    G.edges[u, v, k].update({a: x for a, x in edge.items() if a not in {"source", "target", "key"}})
    G.graph["extra"] = edge
    raw = ex.write_json(G, tmp_path / "graph.json").read_bytes()
    data = json.loads(raw)
    assert raw == (json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1) + "\n").encode()
    assert [n["id"] for n in data["nodes"]] == sorted(G.nodes)
    assert len(data["edges"]) == G.number_of_edges()


def test_read_graph_picks_up_mentions_next_to_the_graph(tmp_path, fake_render):
    ex.write(full_graph(), tmp_path)
    R = ex.read_graph(tmp_path / "graph.json")
    assert sorted(m["text"] for m in R.graph["mentions"]) == ["江川市", "江川市水务局"]
    assert all(isinstance(m["start"], int) for m in R.graph["mentions"])
    assert ex.read_graph(tmp_path).number_of_nodes() == 7  # a directory means its graph.json


# --------------------------------------------------------------------------- read errors


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("absent.json", None, "not found"),
        ("graph.txt", "hello", "unknown graph format"),
        ("broken.json", '{"nodes": [', "not a valid JSON graph"),
        ("list.json", "[1, 2]", "not a valid JSON graph"),
        ("broken.graphml", "<graphml><graph>", "not a valid GraphML graph"),
        ("bad-bytes.json", b"\xff\xfe\x00", "not a valid JSON graph"),
    ],
)
def test_read_graph_errors(tmp_path, name, content, words):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=words) as info:
        ex.read_graph(path)
    assert "\n" not in str(info.value)


def test_read_graph_empty_directory(tmp_path):
    with pytest.raises(InputError, match="no graph.json"):
        ex.read_graph(tmp_path)


# --------------------------------------------------------------------------- CSV


def test_csv_files_read_back_with_pandas(tmp_path):
    G = full_graph()
    ex.write_csv(G, tmp_path / "csv")
    ents = pd.read_csv(tmp_path / "csv" / "entities.csv", keep_default_na=False)
    rels = pd.read_csv(tmp_path / "csv" / "relations.csv", keep_default_na=False)
    ments = pd.read_csv(tmp_path / "csv" / "mentions.csv", keep_default_na=False)
    assert list(ents.columns) == ex.ENTITY_COLUMNS
    assert list(rels.columns) == ex.RELATION_COLUMNS
    assert list(ments.columns) == ex.MENTION_COLUMNS
    assert len(ents) == 7 and len(rels) == 6 and len(ments) == 2
    assert list(ents["id"]) == sorted(G.nodes)
    row = ents.set_index("id").loc["ORG:江川市水务局"]
    assert (row["name"], row["mentions"], row["degree"]) == ("江川市水务局", 3, 4)
    rel = rels[rels["relation"] == "partners_with"].iloc[0]
    assert rel["source_name"] == "江川市水务局" and rel["count"] == 2
    assert len(json.loads(rel["all_evidence"])) == 2
    assert "\n" in json.loads(rel["all_evidence"])[1]["sentence"]
    assert list(ments["article"]) == ["a0", "a1"]  # sorted


def test_to_frames_of_an_empty_graph_has_the_columns():
    frames = ex.to_frames(nx.MultiDiGraph())
    assert list(frames.entities.columns) == ex.ENTITY_COLUMNS
    assert list(frames.relations.columns) == ex.RELATION_COLUMNS
    assert list(frames.mentions.columns) == ex.MENTION_COLUMNS
    assert all(len(f) == 0 for f in frames)


# --------------------------------------------------------------------------- Neo4j


def test_neo4j_csv_headers_and_ids(tmp_path):
    G = full_graph()
    ex.write_neo4j(G, tmp_path / "neo")
    with open(tmp_path / "neo" / "nodes.csv", encoding="utf-8", newline="") as fh:
        nodes = list(csv.reader(fh))
    with open(tmp_path / "neo" / "relationships.csv", encoding="utf-8", newline="") as fh:
        rels = list(csv.reader(fh))
    assert nodes[0] == [
        "id:ID",
        "name",
        "type",
        "aliases:string[]",
        "mentions:int",
        "articles:int",
        ":LABEL",
    ]
    assert rels[0] == [
        ":START_ID",
        ":END_ID",
        ":TYPE",
        "evidence",
        "article",
        "confidence:float",
        "count:int",
    ]
    ids = [row[0] for row in nodes[1:]]
    assert len(ids) == len(set(ids)) == G.number_of_nodes()
    for row in rels[1:]:
        assert row[0] in ids and row[1] in ids
        assert row[2] == row[2].upper() and row[2].lower() in {
            "part_of",
            "partners_with",
            "located_in",
            "runs",
            "works_for",
        }
        float(row[5]), int(row[6])
    for row in nodes[1:]:
        assert row[6] == row[2]  # label = type
        int(row[4]), int(row[5])
    by_id = {row[0]: row for row in nodes[1:]}
    assert by_id["GPE:东港区"][3] == "江川市东港区"
    assert len(rels) == 7


def test_neo4j_array_delimiter(tmp_path):
    G = make_graph()
    G.nodes["GPE:江川市"]["aliases"] = "江川|江川城"
    ex.write_neo4j(G, tmp_path)
    text = (tmp_path / "nodes.csv").read_text(encoding="utf-8")
    assert "GPE:江川市,江川市,GPE,江川;江川城,5,3,GPE" in text.splitlines()


# --------------------------------------------------------------------------- export()


@pytest.mark.parametrize(
    ("fmt", "target", "files"),
    [
        ("graphml", "g.graphml", ["g.graphml"]),
        ("GEXF", "g.gexf", ["g.gexf"]),
        ("json", "g.json", ["g.json"]),
        ("csv", "out", ["out/entities.csv", "out/mentions.csv", "out/relations.csv"]),
        ("neo4j", "out", ["out/nodes.csv", "out/relationships.csv"]),
    ],
)
def test_export_dispatches(tmp_path, fmt, target, files):
    written = ex.export(full_graph(), tmp_path / target, fmt)
    assert sorted(str(p.relative_to(tmp_path)) for p in written) == files
    for f in files:
        assert (tmp_path / f).stat().st_size > 0


def test_export_unknown_format(tmp_path):
    with pytest.raises(InputError, match="unknown export format"):
        ex.export(make_graph(), tmp_path / "g.dot", "dot")


# --------------------------------------------------------------------------- write()


def test_write_writes_every_output(tmp_path, fake_render):
    written = ex.write(full_graph(), tmp_path / "out")
    names = sorted(p.name for p in written)
    assert names == [
        "entities.csv",
        "graph.graphml",
        "graph.html",
        "graph.json",
        "mentions.csv",
        "relations.csv",
    ]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == names  # no temp leftovers
    assert (tmp_path / "out" / "graph.html").read_text(encoding="utf-8") == "<html>7 nodes</html>"


def test_write_max_nodes_cuts_only_the_viewer(tmp_path):
    import re

    G = full_graph()
    ex.write(G, tmp_path / "out", max_nodes=2)
    page = (tmp_path / "out" / "graph.html").read_text("utf-8")
    data = re.search(r'<script type="application/json" id="kg-data">(.*?)</script>', page)
    data = json.loads(data.group(1))
    assert len(data["nodes"]) == 2 and data["total_nodes"] == G.number_of_nodes() == 7
    assert "showing 2 of 7 nodes" in page
    assert ex.read_graph(tmp_path / "out" / "graph.json").number_of_nodes() == 7


@pytest.mark.parametrize("fmt", ["csv", "neo4j"])
def test_export_to_a_folder_format_refuses_a_file(tmp_path, fmt):
    target = tmp_path / "out"
    target.write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match=f"it is a file, and the {fmt} format writes a folder"):
        ex.export(full_graph(), target, fmt)
    assert target.read_text(encoding="utf-8") == "x"


def test_outputs_are_byte_identical(tmp_path, fake_render):
    G = full_graph()
    ex.write(G, tmp_path / "one")
    ex.write(reversed_copy(G), tmp_path / "two")
    ex.write_gexf(G, tmp_path / "one" / "g.gexf")
    ex.write_gexf(reversed_copy(G), tmp_path / "two" / "g.gexf")
    ex.write_neo4j(G, tmp_path / "one" / "neo")
    ex.write_neo4j(reversed_copy(G), tmp_path / "two" / "neo")
    files = sorted(p.relative_to(tmp_path / "one") for p in (tmp_path / "one").rglob("*.*"))
    assert len(files) == 9
    for rel in files:
        assert (tmp_path / "one" / rel).read_bytes() == (tmp_path / "two" / rel).read_bytes(), rel


def test_failed_write_leaves_previous_outputs(tmp_path, fake_render, monkeypatch):
    out = tmp_path / "out"
    ex.write(make_graph(), out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def boom(rows, columns, path):
        raise RuntimeError("relations writer failed")

    monkeypatch.setattr(out_frames, "_write_csv_rows", boom)
    with pytest.raises(RuntimeError):
        ex.write(full_graph(), out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_failed_html_leaves_previous_outputs(tmp_path, fake_render, monkeypatch):
    out = tmp_path / "out"
    ex.write(make_graph(), out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def boom(G, path, **kw):
        raise RuntimeError("render failed")

    monkeypatch.setattr(sys.modules["kg.outputs.render"], "write_html", boom)
    with pytest.raises(RuntimeError):
        ex.write(full_graph(), out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_failed_single_writer_keeps_old_file(tmp_path, monkeypatch):
    path = ex.write_graphml(make_graph(), tmp_path / "g.graphml")
    before = path.read_bytes()

    def boom(*args, **kwargs):
        raise RuntimeError("graphml writer failed")

    monkeypatch.setattr(out_graphml, "_graphml_parts", boom)
    with pytest.raises(RuntimeError):
        ex.write_graphml(full_graph(), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["g.graphml"]


def tree(folder: Path) -> dict[str, bytes | None]:
    """Every file (its bytes) and folder (None) under ``folder``, hidden ones too."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() if p.is_file() else None
        for p in sorted(folder.rglob("*"))
    }


def test_a_folder_in_the_way_stops_write_before_any_output_is_replaced(tmp_path, fake_render):
    out = tmp_path / "out"
    ex.write(make_graph(), out)
    (out / "graph.json").unlink()
    (out / "graph.json").mkdir()  # sorts after entities.csv, graph.graphml, graph.html
    before = tree(out)
    with pytest.raises(InputError, match="graph.json: it is a directory") as info:
        ex.write(full_graph(), out)
    assert "\n" not in str(info.value)
    assert tree(out) == before
    assert len(fake_render) == 1  # found before the work, not after it


@pytest.mark.parametrize("error", [OSError(16, "Device or resource busy"), KeyboardInterrupt()])
def test_a_failed_move_puts_back_the_outputs_already_moved(
    tmp_path, fake_render, monkeypatch, error
):
    out = tmp_path / "out"
    ex.write(make_graph(), out)
    (out / "entities.csv").unlink()  # moved first: it must be gone again afterwards
    before = tree(out)
    real_replace = os.replace
    failed = []

    def replace(src, dst, *args, **kwargs):
        if Path(dst) == out / "graph.json" and not failed:
            failed.append(dst)
            raise error
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    expected = InputError if isinstance(error, OSError) else KeyboardInterrupt
    with pytest.raises(expected) as info:
        ex.write(full_graph(), out)
    monkeypatch.undo()
    assert failed, "the move of graph.json was not attempted"
    if expected is InputError:
        assert str(info.value) == f"cannot write {out / 'graph.json'}: Device or resource busy"
    assert tree(out) == before


def test_write_replaces_every_output_and_leaves_nothing_else(tmp_path, fake_render):
    out = tmp_path / "out"
    ex.write(make_graph(), out)
    ex.write(full_graph(), out)
    again = tmp_path / "again"
    ex.write(full_graph(), again)
    assert tree(out) == tree(again)


def _results() -> list:
    """ArticleResults of invented articles, with text the CSV dialect must quote, an
    article id given twice, and mentions alike in offsets, text and canonical name."""
    from kg.io.records import Article, ArticleResult, Mention, Relation

    def mention(article, start, text, type_, sentence, canonical=None, rule="r"):
        end = start + len(text)
        return Mention(article, start, end, text, type_, canonical or text, sentence, rule)

    s1 = '江川市水务局与"蓝湾航运"签约，合作开始,'
    s2 = "蓝湾航运集团有限公司\n与江川市水务局续签"
    s3 = "东港分局推出“一河一策”。"
    return [
        ArticleResult(
            Article("b.txt", s1),
            [
                mention("b.txt", 0, "江川市水务局", "ORG", s1),
                mention("b.txt", 0, "江川市", "GPE", s1),
                mention("b.txt", 8, "蓝湾航运", "ORG", s1, "蓝湾航运集团有限公司"),
            ],
            [
                Relation(
                    "江川市水务局",
                    "ORG",
                    "partners_with",
                    "蓝湾航运集团有限公司",
                    "ORG",
                    "b.txt",
                    s1,
                    0.8,
                    "sign",
                )  # fmt: skip
            ],
        ),
        ArticleResult(
            Article("a.txt", s2),
            [
                mention("a.txt", 0, "蓝湾航运集团有限公司", "ORG", s2),
                mention("a.txt", 12, "江川市水务局", "ORG", s2),
            ],
        ),
        ArticleResult(
            Article("dup", s3),
            [mention("dup", 0, "东港分局", "ORG", s3, "江川市水务局东港分局", rule="one")],
        ),
        ArticleResult(
            Article("dup", s3 + "又"),
            [mention("dup", 0, "东港分局", "ORG", s3 + "又", "江川市水务局东港分局")],
        ),
    ]


def test_mentions_streamed_from_a_log_are_the_bytes_of_the_table(tmp_path, fake_render):
    from kg.graph.assemble import assemble
    from kg.io.spool import MentionLog

    results = _results()
    G = assemble(results)
    with MentionLog(dir=tmp_path) as log:
        L = assemble(results, mentions=log)
        assert L.graph["mentions"] is log and len(log) == len(G.graph["mentions"]) == 7
        ex.write(G, tmp_path / "list")
        ex.write(L, tmp_path / "log")
        assert tree(tmp_path / "log") == tree(tmp_path / "list")
        table = ex.to_frames(G).mentions.to_csv(index=False, lineterminator="\n")
        assert (tmp_path / "log" / "mentions.csv").read_bytes() == table.encode("utf-8")
        assert ex.to_frames(L).mentions.equals(ex.to_frames(G).mentions)
        rows = list(log)
        assert [(m["article"], m["start"], m["type"]) for m in rows[:3]] == [
            ("a.txt", 0, "ORG"),
            ("a.txt", 12, "ORG"),
            ("b.txt", 0, "GPE"),
        ]
        assert [m["sentence"][-1] for m in rows if m["article"] == "dup"] == ["。", "又"]
        assert {m["rule"] for m in rows if m["article"] == "dup"} == {"one", "r"}
        assert set(rows[0]) == set(G.graph["mentions"][0])
        assert pickle.loads(pickle.dumps(L)).graph["mentions"] == rows
    assert log.closed
    # Articles in another order, the two of one id (told apart by arrival) left as they were
    with MentionLog(dir=tmp_path) as log:
        ex.write(assemble([*results[1::-1], *results[2:]], mentions=log), tmp_path / "moved")
    assert tree(tmp_path / "moved") == tree(tmp_path / "list")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # the log had no name


def test_unwritable_outdir_is_an_input_error(tmp_path, fake_render):
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match="cannot write to") as info:
        ex.write(make_graph(), blocker / "out")
    assert "\n" not in str(info.value)
    with pytest.raises(InputError):
        ex.write(make_graph(), blocker)
    with pytest.raises(InputError):
        ex.write_json(make_graph(), blocker / "graph.json")


def test_write_with_the_real_renderer(tmp_path):
    pytest.importorskip("kg.outputs.render")
    ex.write(full_graph(), tmp_path)
    page = (tmp_path / "graph.html").read_text(encoding="utf-8")
    assert "江川市水务局" in page
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    text=st.text(st.characters(blacklist_categories=("Cs",)), max_size=30),
    confidence=st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False)),
    count=st.integers(min_value=0, max_value=10**6),
)
def test_entity_and_relation_csv_are_the_bytes_pandas_writes(
    tmp_path, fake_render, text, confidence, count
):
    G = make_graph()
    u, v, k = next(iter(G.edges(keys=True)))
    G.edges[u, v, k].update(evidence=text, confidence=confidence, count=count)
    G.nodes[u].update(name=text or "x", aliases=text)
    out = tmp_path / f"o{abs(hash((text, confidence, count)))}"
    ex.write(G, out)
    frames = ex.to_frames(G)
    for name, frame in (("entities.csv", frames.entities), ("relations.csv", frames.relations)):
        expected = frame.to_csv(index=False, lineterminator="\n").encode("utf-8")
        assert (out / name).read_bytes() == expected


# --------------------------------------------------------------------------- two processes


@pytest.fixture
def forked_writes(monkeypatch):
    """Every graph counts as large: graph.graphml and graph.json go to a forked process."""
    if not out_files._can_fork():
        pytest.skip("needs fork and two cores")
    monkeypatch.setattr(ex, "PARALLEL_WRITE_MIN_ITEMS", 0)


def test_files_written_by_two_processes_are_the_same_bytes(tmp_path, fake_render, monkeypatch):
    ex.write(full_graph(), tmp_path / "one")
    if not out_files._can_fork():
        pytest.skip("needs fork and two cores")
    monkeypatch.setattr(ex, "PARALLEL_WRITE_MIN_ITEMS", 0)
    ex.write(full_graph(), tmp_path / "two")
    assert tree(tmp_path / "two") == tree(tmp_path / "one")


@pytest.mark.parametrize(
    ("error", "raised"),
    [
        (RuntimeError("json writer failed"), RuntimeError),
        (PermissionError(13, "Permission denied"), InputError),
        (KeyboardInterrupt(), KeyboardInterrupt),
    ],
)
def test_a_failure_in_the_writer_process_reaches_the_caller_and_keeps_old_outputs(
    tmp_path, fake_render, forked_writes, monkeypatch, error, raised
):
    out = tmp_path / "out"
    ex.write(make_graph(), out)
    before = tree(out)

    def boom(G, fh):
        raise error

    monkeypatch.setattr(ex, "dump_json", boom)  # runs in the forked process
    with pytest.raises(raised):
        ex.write(full_graph(), out)
    assert tree(out) == before


def test_a_failure_in_this_process_stops_the_writer_process(
    tmp_path, fake_render, forked_writes, monkeypatch
):
    out = tmp_path / "out"
    ex.write(make_graph(), out)
    before = tree(out)

    def slow_graphml(G, fh):
        time.sleep(30)  # in the forked process; killed long before this ends

    def boom(rows, columns, path):
        raise RuntimeError("csv writer failed")

    monkeypatch.setattr(ex, "dump_graphml", slow_graphml)
    monkeypatch.setattr(out_frames, "_write_csv_rows", boom)
    begun = time.monotonic()
    with pytest.raises(RuntimeError):
        ex.write(full_graph(), out)
    assert time.monotonic() - begun < 20
    assert tree(out) == before


# --------------------------------------------------------------------------- GraphML bytes

_VALUES = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=12),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False),
    st.booleans(),
)
_NAMES = st.sampled_from(["name", "type", "count", "weight", "a&b", 'q"t', "x y"])


@settings(max_examples=150, deadline=None)
@given(
    graph_attrs=st.dictionaries(_NAMES, _VALUES, max_size=3),
    nodes=st.lists(
        st.tuples(
            st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=8),
            st.dictionaries(_NAMES, _VALUES, max_size=4),
        ),
        max_size=8,
        unique_by=lambda n: n[0],
    ),
    edges=st.lists(
        st.tuples(
            st.integers(0, 7), st.integers(0, 7), st.dictionaries(_NAMES, _VALUES, max_size=4)
        ),
        max_size=10,
    ),
)
def test_graphml_is_the_bytes_networkx_writes(graph_attrs, nodes, edges):
    import io

    H = nx.MultiDiGraph()
    H.graph.update(graph_attrs)
    for node, attrs in nodes:
        H.add_node(node, **attrs)
    names = [n for n, _ in nodes]
    for i, (a, b, attrs) in enumerate(edges):
        if names:
            H.add_edge(names[a % len(names)], names[b % len(names)], key=f"e{i}", **attrs)
    expected = io.BytesIO()
    nx.write_graphml_xml(H, expected, encoding="utf-8")
    ours = "".join(out_graphml._graphml_parts(H)).encode("utf-8", "xmlcharrefreplace")
    assert ours == expected.getvalue()


def test_graphml_of_a_built_graph_is_the_bytes_networkx_writes(tmp_path):
    import io

    G = full_graph()
    written = io.BytesIO()
    out_graphml.dump_graphml(G, written)
    expected = io.BytesIO()
    H = out_graphml._scalar_graph(G, edge_ids=True, labels=False)
    nx.write_graphml_xml(H, expected, encoding="utf-8")
    assert written.getvalue() == expected.getvalue()


def test_packed_mentions_give_the_same_graph_and_files(tmp_path, fake_render):
    from kg.graph.assemble import assemble
    from kg.io.records import ArticleResult
    from kg.io.spool import MentionLog, pack_mentions

    results = _results()
    packed = [ArticleResult(r.article, [], r.relations, pack_mentions(r.mentions)) for r in results]
    assert [m for r in packed for m in r.all_mentions()] == [m for r in results for m in r.mentions]
    G, P = assemble(results), assemble(packed)
    assert G.graph["mentions"] == P.graph["mentions"]
    ex.write(G, tmp_path / "records")
    with MentionLog(dir=tmp_path) as log:
        ex.write(assemble(packed, mentions=log), tmp_path / "packed")
    assert tree(tmp_path / "packed") == tree(tmp_path / "records")

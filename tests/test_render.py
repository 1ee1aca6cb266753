"""graph.html without a browser: offline, escaped, UTF-8, truncated, written atomically."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import networkx as nx
import pytest
from conftest import dated_graph
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.outputs import render
from kg.outputs.render import graph_data, render_html, script_json, show, write_html
from kg.schema import node_id

IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "</script><script>alert(1)</script>"
PAYLOADS = (
    IMG,
    SCRIPT,
    "<img src=x onerror=\"window.__pwned=1;alert('x')\">",
    "</SCRIPT ><script>window.__pwned=2</script>",
    "<!--<script>window.__pwned=3</script>",
    "a\u2028b\u2029c & 'q' \"dq\"",
)


class _Scripts(HTMLParser):
    """Every <script> element with its attributes and text, plus src/href values."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[tuple[dict, str]] = []
        self.urls: list[str] = []
        self.tags: list[str] = []
        self.metas: list[dict] = []
        self._cur: dict | None = None
        self._buf: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        for key in ("src", "href", "action", "srcset", "poster", "data"):
            if attrs.get(key):
                self.urls.append(attrs[key])
        if tag == "meta":
            self.metas.append(attrs)
        if tag == "script":
            self._cur, self._buf = attrs, []

    def handle_data(self, data):
        if self._cur is not None:
            self._buf.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._cur is not None:
            self.scripts.append((self._cur, "".join(self._buf)))
            self._cur = None


def parse(page: str) -> _Scripts:
    p = _Scripts()
    p.feed(page)
    p.close()
    return p


def data_block(page: str) -> dict:
    scripts = [text for attrs, text in parse(page).scripts if attrs.get("id") == "kg-data"]
    assert len(scripts) == 1
    assert parse(page).scripts[0][0].get("type") == "application/json"
    return json.loads(scripts[0])


def payload_graph() -> nx.MultiDiGraph:
    """Nodes, aliases, articles and evidence carrying injection payloads."""
    G = nx.MultiDiGraph()
    ids = []
    for i, text in enumerate(PAYLOADS):
        etype = ("ORG", "PERSON", "GPE", "PROGRAMME", "ORG", "GPE")[i]
        nid = node_id(etype, text)
        ids.append(nid)
        G.add_node(
            nid,
            name=text,
            type=etype,
            aliases=f"{text}|别名{i}",
            mentions=i + 1,
            articles=1,
            article_ids=text,
        )
    G.add_node("ORG:青柏测试院", name="青柏测试院", type="ORG", aliases="", mentions=1)
    for a, b in zip(ids, ids[1:] + ["ORG:青柏测试院"], strict=True):
        G.add_edge(
            a,
            b,
            key="partners_with",
            relation="partners_with",
            evidence=f"{a}{SCRIPT}",
            article=IMG,
            confidence=0.5,
            count=1,
            evidences=[{"article": IMG, "sentence": f"证据{SCRIPT}{IMG}"}],
        )
    return G


def star_graph(n: int) -> nx.MultiDiGraph:
    """One hub linked to every leaf; a few leaves linked to each other too."""
    G = nx.MultiDiGraph()
    hub = node_id("ORG", "星核总部")
    G.add_node(hub, name="星核总部", type="ORG", aliases="", mentions=9)
    for i in range(n - 1):
        leaf = node_id("GPE", f"卫星{i}号镇")
        G.add_node(leaf, name=f"卫星{i}号镇", type="GPE", aliases="", mentions=1)
        G.add_edge(hub, leaf, key="located_in", relation="located_in", evidence=f"句{i}。")
    for i in range(0, 6, 2):
        a, b = node_id("GPE", f"卫星{i}号镇"), node_id("GPE", f"卫星{i + 1}号镇")
        G.add_edge(a, b, key="partners_with", relation="partners_with", evidence="邻。")
    return G


# --------------------------------------------------------------------------- offline


REMOTE = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)


def test_page_loads_nothing_from_the_network(tiny_graph):
    page = render_html(tiny_graph)
    doc = parse(page)
    assert doc.tags.count("script") == 3
    assert "link" not in doc.tags and "iframe" not in doc.tags and "img" not in doc.tags
    for attrs, _ in doc.scripts:
        assert "src" not in attrs
    for url in doc.urls:
        assert not REMOTE.match(url), url
    # Nothing remote in any src/href/import/url() anywhere in the text either.
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", page, re.I)
    assert not re.search(r"""\bimport\s*\(?\s*["'](?:https?:)?//""", page, re.I)
    assert not re.search(r"""\bfrom\s*["']https?://""", page, re.I)
    assert not re.search(r"""@import|url\(\s*["']?\s*(?:https?:)?//""", page, re.I)
    assert "cdn" not in page.lower().replace("cdn_resources", "")


def test_vis_network_is_inlined_with_its_licence(tiny_graph):
    page = render_html(tiny_graph)
    vis = render.vis_network_js()
    assert len(vis) > 100_000
    assert vis in page
    header = vis[:2000]
    assert "vis-network" in header
    assert "Apache" in header and "MIT" in header


def test_csp_allows_exactly_the_pages_own_scripts(tiny_graph):
    page = render_html(tiny_graph)
    doc = parse(page)
    (csp,) = [m["content"] for m in doc.metas if m.get("http-equiv") == "Content-Security-Policy"]
    assert "default-src 'none'" in csp
    assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";", 1)[0]
    executable = [text for attrs, text in doc.scripts if attrs.get("type") != "application/json"]
    assert len(executable) == 2
    for text in executable:
        digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()
        assert f"'sha256-{digest}'" in csp


def test_viewer_script_never_uses_html_sinks():
    js = (Path(render.__file__).parent / "templates" / "viewer.js").read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in js


# --------------------------------------------------------------------------- escaping


def test_script_json_escapes_markup_and_line_separators():
    text = script_json({"k": "</script><!-- & \u2028\u2029 江川"})
    for bad in ("<", ">", "&", "\u2028", "\u2029"):
        assert bad not in text
    assert "江川" in text
    assert json.loads(text) == {"k": "</script><!-- & \u2028\u2029 江川"}


def test_payloads_cannot_break_out_of_the_data_block():
    G = payload_graph()
    page = render_html(G, title=SCRIPT)
    # The only script closings are the page's own three.
    assert len(re.findall(r"</script", page, re.I)) == 3
    assert "<!--" not in page.split("<body>", 1)[1]
    for text in PAYLOADS:
        assert text not in page
    assert "<img" not in page.lower()
    assert "\u2028" not in page and "\u2029" not in page
    # ...and the data still round-trips exactly.
    data = data_block(page)
    names = {n["name"] for n in data["nodes"]}
    assert set(PAYLOADS) <= names
    assert data == json.loads(json.dumps(graph_data(G, title=SCRIPT)))
    evidences = [ev["sentence"] for e in data["edges"] for ev in e["evidences"]]
    assert f"证据{SCRIPT}{IMG}" in evidences
    assert data["title"] == SCRIPT


MARKUP = st.sampled_from(
    ["<", ">", "&", "</script>", "<!--", "-->", "<script>", '"', "'", "\u2028"]
)
UNTRUSTED = st.lists(st.one_of(MARKUP, st.text(max_size=8)), max_size=6).map("".join)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=UNTRUSTED, alias=UNTRUSTED, sentence=UNTRUSTED, title=UNTRUSTED)
def test_any_text_round_trips_and_never_breaks_out(name, alias, sentence, title):
    G = nx.MultiDiGraph()
    a, b = node_id("ORG", name), node_id("GPE", "江川市")
    G.add_node(a, name=name, type="ORG", aliases=alias, article_ids=sentence)
    G.add_node(b, name="江川市", type="GPE")
    G.add_edge(a, b, key="located_in", relation="located_in", evidence=sentence, article=alias)
    page = render_html(G, title=title)
    assert len(re.findall(r"</script", page, re.I)) == 3
    assert "<!--" not in page
    data = data_block(page)
    node = next(n for n in data["nodes"] if n["id"] == a)
    assert node["name"] == name
    assert node["aliases"] == [x for x in alias.split("|") if x]
    assert data["edges"][0]["evidence"] == sentence
    assert data["title"] == title
    assert page.encode("utf-8")


def test_lone_surrogates_do_not_break_utf8(tmp_path):
    G = nx.MultiDiGraph()
    G.add_node("ORG:x", name="坏\udc80字", type="ORG")
    out = write_html(G, tmp_path / "g.html")
    assert "坏?字" in out.read_text(encoding="utf-8")


def test_title_is_escaped(tiny_graph):
    page = render_html(tiny_graph, title=SCRIPT + " 江川")
    assert "<title>&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt; 江川</title>" in page


def test_no_tooltips_are_passed_as_html(tiny_graph):
    data = graph_data(tiny_graph)
    for item in data["nodes"] + data["edges"]:
        assert "title" not in item


# --------------------------------------------------------------------------- content


def test_chinese_text_is_utf8(tiny_graph, tmp_path):
    page = render_html(tiny_graph)
    assert "江川市水务局东港分局" in page
    assert "林晓舟" in page
    assert "????" not in page
    assert "\\u6c5f" not in page  # not ASCII-escaped either
    raw = write_html(tiny_graph, tmp_path / "graph.html").read_bytes()
    assert "江川市水务局东港分局与江川市水务局的关系见于此句。".encode() in raw
    assert b'<meta charset="utf-8">' in raw


def test_types_relations_and_sizes(tiny_graph):
    data = graph_data(tiny_graph)
    types = {t["name"]: t for t in data["types"]}
    assert list(types) == ["ORG", "GPE", "PROGRAMME", "PERSON"]
    assert len({t["color"] for t in types.values()}) == 4
    assert len({t["shape"] for t in types.values()}) == 4
    by_id = {n["id"]: n for n in data["nodes"]}
    org = by_id["ORG:江川市水务局"]
    assert org["shape"] == types["ORG"]["shape"]
    assert org["color"]["background"] == types["ORG"]["color"]
    assert org["value"] == 3  # mentions
    assert org["aliases"] == ["水务局"]
    assert org["article_ids"] == ["a0", "a1"]
    rels = {r["name"]: r["count"] for r in data["relations"]}
    assert rels == {"partners_with": 1, "runs": 1, "part_of": 1, "located_in": 2, "works_for": 1}
    for edge in data["edges"]:
        assert edge["label"] == edge["relation"]
        assert edge["evidence"] and edge["evidences"][0]["sentence"] == edge["evidence"]
    ids = [e["id"] for e in data["edges"]]
    assert len(set(ids)) == len(ids)


def test_parallel_edges_are_kept_and_fanned_out():
    G = nx.MultiDiGraph()
    for name in ("甲", "乙"):
        G.add_node(node_id("ORG", name), name=name, type="ORG")
    for rel in ("partners_with", "supervises", "runs"):
        G.add_edge("ORG:甲", "ORG:乙", key=rel, relation=rel, evidence=rel)
    data = graph_data(G)
    assert sorted(e["relation"] for e in data["edges"]) == ["partners_with", "runs", "supervises"]
    assert sum("smooth" in e for e in data["edges"]) == 2


def test_options_come_from_pyvis_with_bounded_stabilisation(tiny_graph):
    small = graph_data(tiny_graph)["options"]
    assert small["layout"]["improvedLayout"] is True
    assert small["physics"]["stabilization"]["enabled"] is True
    assert small["interaction"]["dragNodes"] is True  # pyvis's default kept
    big = graph_data(star_graph(400))["options"]
    assert big["layout"]["improvedLayout"] is False
    assert big["physics"]["stabilization"]["iterations"] <= 600


def test_other_graph_kinds_and_odd_attributes():
    G = nx.DiGraph()
    G.add_node("GPE:无名")  # no attributes at all
    G.add_node("x", type="ORG", name="甲", mentions=float("nan"), aliases=None)
    G.add_edge("x", "GPE:无名", relation="located_in", confidence=float("inf"))
    page = render_html(G)
    data = data_block(page)
    by_id = {n["id"]: n for n in data["nodes"]}
    assert by_id["GPE:无名"]["name"] == "无名" and by_id["GPE:无名"]["etype"] == "GPE"
    assert data["edges"][0]["confidence"] is None
    assert data["edges"][0]["relation"] == "located_in"


def test_empty_graph_renders():
    page = render_html(nx.MultiDiGraph())
    data = data_block(page)
    assert data["nodes"] == [] and data["edges"] == []
    assert "empty graph" in page


# --------------------------------------------------------------------------- scale


def test_truncates_to_top_nodes_by_degree_with_notice():
    G = star_graph(40)
    page = render_html(G, max_nodes=10)
    data = data_block(page)
    assert data["truncated"] is True
    assert (data["shown_nodes"], data["total_nodes"]) == (10, 40)
    ids = {n["id"] for n in data["nodes"]}
    assert "ORG:星核总部" in ids
    # The six leaves with an extra edge have degree 2 and are kept first.
    assert {f"GPE:卫星{i}号镇" for i in range(6)} <= ids
    assert all(e["from"] in ids and e["to"] in ids for e in data["edges"])
    assert data["shown_edges"] == 9 + 3
    assert "showing 10 of 40 nodes" in page
    notice = re.search(r'<div id="kg-notice"[^>]*>', page).group(0)
    assert "hidden" not in notice


def test_no_notice_when_everything_fits(tiny_graph):
    page = render_html(tiny_graph, max_nodes=7)
    assert re.search(r'<div id="kg-notice"[^>]*\bhidden\b', page)
    assert "showing" not in re.search(r'<div id="kg-notice".*?</div>', page).group(0)


# --------------------------------------------------------------------------- files


def test_write_html_is_utf8_whatever_the_locale(tiny_graph, tmp_path, monkeypatch):
    monkeypatch.setenv("LC_ALL", "C")
    monkeypatch.setenv("PYTHONIOENCODING", "ascii")
    monkeypatch.setattr("locale.getpreferredencoding", lambda *a, **k: "ascii")
    out = write_html(tiny_graph, tmp_path / "sub" / "graph.html", title="江川")
    assert out == tmp_path / "sub" / "graph.html"
    text = out.read_bytes().decode("utf-8")
    assert text == render_html(tiny_graph, title="江川")
    assert os.listdir(out.parent) == ["graph.html"]


def test_write_html_is_atomic(tiny_graph, tmp_path, monkeypatch):
    target = tmp_path / "graph.html"
    target.write_text("old", encoding="utf-8")
    calls = []
    real_replace = os.replace

    def spy(src, dst):
        calls.append((Path(src), Path(dst)))
        assert Path(src).parent == Path(dst).parent  # same directory, same filesystem
        assert Path(src).read_bytes().startswith(b"<!DOCTYPE html>")
        assert target.read_text(encoding="utf-8") == "old"  # untouched until the swap
        real_replace(src, dst)

    monkeypatch.setattr(render.os, "replace", spy)
    write_html(tiny_graph, target)
    assert len(calls) == 1 and calls[0][1] == target
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert sorted(os.listdir(tmp_path)) == ["graph.html"]
    assert oct(target.stat().st_mode & 0o777) != oct(0o600)


def test_write_html_failure_leaves_the_old_file(tiny_graph, tmp_path, monkeypatch):
    target = tmp_path / "graph.html"
    target.write_text("old", encoding="utf-8")

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(render.os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        write_html(tiny_graph, target)
    assert target.read_text(encoding="utf-8") == "old"
    assert sorted(os.listdir(tmp_path)) == ["graph.html"]


def test_show_returns_an_offline_iframe(tiny_graph):
    pytest.importorskip("IPython")
    obj = show(tiny_graph, title="江川")
    markup = obj.data
    assert markup.startswith('<div class="kg-viewer"><iframe srcdoc="')

    class Frame(HTMLParser):
        attrs: dict = {}

        def handle_starttag(self, tag, attrs):
            if tag == "iframe":
                Frame.attrs = dict(attrs)

    Frame().feed(markup)
    assert Frame.attrs["srcdoc"] == render_html(tiny_graph, title="江川")
    assert "allow-scripts" in Frame.attrs["sandbox"]
    assert "allow-same-origin" not in Frame.attrs["sandbox"]
    # The attribute value is fully escaped: no raw quote or tag in the markup.
    srcdoc_raw = markup.split('srcdoc="', 1)[1].split('" sandbox=', 1)[0]
    assert '"' not in srcdoc_raw and "<" not in srcdoc_raw
    assert html.unescape(srcdoc_raw) == Frame.attrs["srcdoc"]


# --------------------------------------------------------------------------- dates


def test_a_dated_graph_gets_a_date_filter():
    data = graph_data(dated_graph())
    assert data["dates"] == {"min": "2024-03-05", "max": "2024-05-30"}
    deal = next(e for e in data["edges"] if e["relation"] == "partners_with")
    assert (deal["first"], deal["last"]) == ("2024-03-20", "2024-05-02")
    assert [ev["date"] for ev in deal["evidences"]] == ["2024-03-20", "2024-05-02"]
    undated = next(e for e in data["edges"] if e["from"] == node_id("GPE", "东港区"))
    assert "first" not in undated and "date" not in undated["evidences"][0]
    page = render_html(dated_graph())
    doc = parse(page)
    assert 'id="kg-date-from" type="date" min="2024-03-05" max="2024-05-30"' in page
    assert 'id="kg-date-to" type="date"' in page
    (csp,) = [m["content"] for m in doc.metas if m.get("http-equiv") == "Content-Security-Policy"]
    executable = [text for attrs, text in doc.scripts if attrs.get("type") != "application/json"]
    assert len(executable) == 3 and "kg-date-from" in executable[2]
    for text in executable:
        digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()
        assert f"'sha256-{digest}'" in csp


def test_an_undated_graph_has_no_date_filter(tiny_graph):
    assert "dates" not in graph_data(tiny_graph)
    page = render_html(tiny_graph)
    assert "kg-date" not in page and "{{" not in page
    G = dated_graph()
    G.edges[node_id("ORG", "江川市水务局"), node_id("GPE", "江川市"), "located_in"]["first"] = IMG
    assert IMG not in render_html(G)  # a date is a date, or nothing


def test_date_script_never_uses_html_sinks():
    js = (Path(render.__file__).parent / "templates" / "viewer_dates.js").read_text("utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in js

"""graph.html in headless Chromium: offline, searchable, clickable, and injection-proof.

Drives Debian's /usr/bin/chromium through Playwright (never a downloaded
browser). Skipped when Chromium is missing, unless CI is set: then it fails.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
import pytest
from conftest import dated_graph

from kg.outputs.render import show, write_html
from kg.schema import node_id

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).parent / "artifacts"

# Each payload would set window.__pwned (or open a dialog) if it ever ran.
PAYLOADS = (
    "<img src=x onerror=alert(1)>",
    "</script><script>alert(1)</script>",
    "<img src=x onerror=\"window.__pwned='img';alert('img')\">",
    "</script><script>window.__pwned='script';alert('script')</script>",
    "<svg onload=\"window.__pwned='svg'\"></svg>",
    "<!--<script>window.__pwned='comment'</script>",
)

# Wraps alert/confirm/prompt so that a call is seen even without a dialog event.
INIT_SCRIPT = """
(() => {
  for (const name of ["alert", "confirm", "prompt"]) {
    const orig = window[name];
    window[name] = function (...args) {
      window.__pwned = window.__pwned || name + ":" + String(args[0]);
      return orig.apply(window, args);
    };
  }
})();
"""


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so browser tests must run)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator:
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} not found: apt-get install -y chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@dataclass
class Viewer:
    page: object
    url: str
    requests: list = field(default_factory=list)
    dialogs: list = field(default_factory=list)
    errors: list = field(default_factory=list)

    def js(self, expression: str, arg=None):
        return self.page.evaluate(expression, arg)

    def panel_text(self) -> str:
        return self.page.inner_text("#kg-panel")

    def assert_clean(self) -> None:
        assert self.requests == [], f"the page tried to load {self.requests}"
        assert self.dialogs == [], f"a dialog opened: {self.dialogs}"
        assert self.errors == [], f"page errors: {self.errors}"
        assert self.js("() => window.__pwned === undefined"), self.js("() => window.__pwned")


@pytest.fixture
def open_viewer(browser, tmp_path):
    contexts = []

    def _open(G, *, bypass_csp: bool = False, wait_ready: bool = True, **kw) -> Viewer:
        path = write_html(G, tmp_path / f"graph{len(contexts)}.html", **kw)
        context = browser.new_context(
            viewport={"width": 1400, "height": 860}, bypass_csp=bypass_csp
        )
        contexts.append(context)
        page = context.new_page()
        viewer = Viewer(page=page, url=path.resolve().as_uri())

        def guard(route):
            if route.request.url == viewer.url:
                route.continue_()
            else:
                viewer.requests.append(route.request.url)
                route.abort()

        def on_dialog(dialog):
            viewer.dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

        def on_console(msg):
            if msg.type == "error":
                viewer.errors.append(msg.text)

        page.route("**/*", guard)
        page.on("dialog", on_dialog)
        page.on("pageerror", lambda exc: viewer.errors.append(str(exc)))
        page.on("console", on_console)
        page.add_init_script(INIT_SCRIPT)
        page.goto(viewer.url)
        if wait_ready:
            # A selector wait: wait_for_function would need eval, which the CSP forbids.
            page.wait_for_selector('body[data-ready="1"]', state="attached", timeout=20_000)
        return viewer

    yield _open
    for context in contexts:
        context.close()


def alias_graph(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """``tiny_graph`` plus a node whose alias is not part of its name."""
    G.add_node(
        node_id("ORG", "北辰青柏研究院"),
        name="北辰青柏研究院",
        type="ORG",
        aliases="青研|北青院",
        mentions=2,
        articles=1,
        article_ids="z9",
    )
    G.add_edge(
        node_id("ORG", "北辰青柏研究院"),
        node_id("GPE", "江川市"),
        key="located_in",
        relation="located_in",
        evidence="北辰青柏研究院位于江川市的说法见于此句。",
        article="z9",
        confidence=0.9,
        count=2,
        evidences=[
            {"article": "z9", "sentence": "北辰青柏研究院位于江川市的说法见于此句。"},
            {"article": "z8", "sentence": "另一句也说北辰青柏研究院在江川市。"},
        ],
    )
    return G


def payload_graph() -> nx.MultiDiGraph:
    G = nx.MultiDiGraph()
    ids = []
    for i, text in enumerate(PAYLOADS):
        etype = ("ORG", "PERSON", "GPE", "PROGRAMME")[i % 4]
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
    hub = node_id("ORG", "青柏测试院")
    G.add_node(hub, name="青柏测试院", type="ORG", aliases="", mentions=3)
    for nid in ids:
        G.add_edge(
            hub,
            nid,
            key="partners_with",
            relation="partners_with",
            evidence=f"证据：{PAYLOADS[1]}{PAYLOADS[2]}",
            article=PAYLOADS[0],
            confidence=0.5,
            count=1,
            evidences=[{"article": PAYLOADS[0], "sentence": f"证据：{PAYLOADS[3]}"}],
        )
    return G


def star_graph(n: int) -> nx.MultiDiGraph:
    G = nx.MultiDiGraph()
    hub = node_id("ORG", "星核总部")
    G.add_node(hub, name="星核总部", type="ORG", mentions=9)
    for i in range(n - 1):
        leaf = node_id("GPE", f"卫星{i}号镇")
        G.add_node(leaf, name=f"卫星{i}号镇", type="GPE", mentions=1)
        G.add_edge(hub, leaf, key="located_in", relation="located_in", evidence=f"句{i}。")
    return G


# --------------------------------------------------------------------------- tests


def test_request_guard_catches_remote_loads(browser, tmp_path):
    """The guard used below really sees subresource requests from a file:// page."""
    page_path = tmp_path / "control.html"
    page_path.write_text(
        '<!DOCTYPE html><link rel="stylesheet" href="https://cdn.example.invalid/a.css">'
        '<img src="http://example.invalid/b.png"><script src="c.js"></script>',
        encoding="utf-8",
    )
    url = page_path.as_uri()
    seen = []
    page = browser.new_page()
    try:

        def guard(route):
            if route.request.url == url:
                route.continue_()
            else:
                seen.append(route.request.url)
                route.abort()

        page.route("**/*", guard)
        page.goto(url)
        page.wait_for_timeout(200)
    finally:
        page.close()
    assert "https://cdn.example.invalid/a.css" in seen
    assert "http://example.invalid/b.png" in seen
    assert any(u.endswith("/c.js") for u in seen)


def test_opens_offline_stabilises_and_turns_physics_off(open_viewer, tiny_graph):
    v = open_viewer(tiny_graph, title="江川 kg")
    state = v.js(
        """() => ({ready: kgViewer.ready, physics: kgViewer.physics,
                  n: kgViewer.nodes.length, e: kgViewer.edges.length,
                  types: document.querySelectorAll('#kg-types input').length,
                  rels: document.querySelectorAll('#kg-relations input').length,
                  button: document.getElementById('kg-physics').textContent})"""
    )
    assert state == {
        "ready": True,
        "physics": False,
        "n": 7,
        "e": 6,
        "types": 4,
        "rels": 5,
        "button": "Physics: off",
    }
    assert v.page.title() == "江川 kg"
    assert "ORG" in v.page.inner_text("#kg-types")
    assert not v.page.is_visible("#kg-notice")
    v.page.click("#kg-physics")
    assert v.js("() => kgViewer.physics") is True
    assert v.page.inner_text("#kg-physics") == "Physics: on"
    v.page.click("#kg-physics")
    assert v.js("() => kgViewer.physics") is False
    v.assert_clean()


def test_search_by_name_and_alias_opens_the_panel(open_viewer, tiny_graph):
    v = open_viewer(alias_graph(tiny_graph))
    v.page.fill("#kg-search", "水务")
    v.page.wait_for_selector("#kg-results li[data-id]")
    names = v.page.locator("#kg-results li .name").all_inner_texts()
    assert names[:2] == ["江川市水务局", "江川市水务局东港分局"]
    v.page.locator("#kg-results li", has_text="江川市水务局东港分局").click()
    assert v.page.inner_text("#kg-panel h2") == "江川市水务局东港分局"
    assert v.js("() => kgViewer.network.getSelectedNodes()") == ["ORG:江川市水务局东港分局"]
    panel = v.panel_text()
    assert "江川市水务局东港分局与江川市水务局的关系见于此句。" in panel
    assert "东港分局" in panel  # alias

    # An alias that is not part of the name; Enter picks the first result.
    v.page.fill("#kg-search", "青研")
    v.page.wait_for_selector("#kg-results li[data-id]")
    assert "alias: 青研" in v.page.inner_text("#kg-results")
    v.page.press("#kg-search", "Enter")
    assert v.page.inner_text("#kg-panel h2") == "北辰青柏研究院"
    panel = v.panel_text()
    assert "另一句也说北辰青柏研究院在江川市。" in panel  # every evidence sentence
    assert "z9" in panel and "北青院" in panel
    assert v.js("() => kgViewer.search('nothing-like-this')") == []
    v.assert_clean()


def test_real_mouse_click_on_a_node_and_an_edge(open_viewer, tiny_graph):
    v = open_viewer(tiny_graph)
    target = "PERSON:林晓舟"
    pos = v.js("id => kgViewer.nodeDOMPosition(id)", target)
    v.page.mouse.click(pos["x"], pos["y"])
    v.page.wait_for_selector("#kg-panel h2")
    assert v.page.inner_text("#kg-panel h2") == "林晓舟"
    panel = v.panel_text()
    assert "works_for" in panel and "江川市水务局" in panel
    assert "林晓舟与江川市水务局的关系见于此句。" in panel

    # Follow the link to the other end of the edge.
    v.page.locator("#kg-panel button.linklike", has_text="江川市水务局").first.click()
    assert v.page.inner_text("#kg-panel h2") == "江川市水务局"

    # Click in empty space: the hint comes back.
    v.page.mouse.click(200 + 5, 860 - 10)
    assert "Click a node" in v.panel_text()

    # A real click on the middle of an edge shows its evidence.
    eid = v.js("() => kgViewer.data.edges.find(e => e.relation === 'runs').id")
    pos = v.js("id => kgViewer.edgeDOMPosition(id)", eid)
    v.page.mouse.click(pos["x"], pos["y"])
    assert v.js("() => document.getElementById('kg-panel').dataset.id") == eid
    panel = v.panel_text()
    assert "runs" in panel
    assert "江川市水务局东港分局与“一河一策”的关系见于此句。" in panel
    v.assert_clean()


def test_selecting_an_edge_through_the_api(open_viewer, tiny_graph):
    v = open_viewer(tiny_graph)
    eid = v.js("() => kgViewer.data.edges.find(e => e.relation === 'part_of').id")
    assert v.js("id => kgViewer.selectEdge(id)", eid) is True
    panel = v.panel_text()
    assert "part_of" in panel and "0.8" in panel
    assert "江川市水务局东港分局与江川市水务局的关系见于此句。" in panel
    v.assert_clean()


def test_type_and_relation_checkboxes_hide_and_show(open_viewer, tiny_graph):
    v = open_viewer(tiny_graph)
    hidden = "id => !!kgViewer.nodes.get(id).hidden"
    works_for = "() => kgViewer.data.edges.find(e => e.relation === 'works_for').id"
    ehidden = "id => !!kgViewer.edges.get(id).hidden"
    wf = v.js(works_for)
    v.page.locator("#kg-types label", has_text="PERSON").locator("input").uncheck()
    assert v.js(hidden, "PERSON:林晓舟") is True
    assert v.js(ehidden, wf) is True  # its edge goes with it
    assert v.js(hidden, "ORG:江川市水务局") is False
    v.page.locator("#kg-types label", has_text="PERSON").locator("input").check()
    assert v.js(hidden, "PERSON:林晓舟") is False
    assert v.js(ehidden, wf) is False

    v.page.locator("#kg-relations label", has_text="located_in").locator("input").uncheck()
    located = v.js(
        "() => kgViewer.data.edges.filter(e => e.relation === 'located_in').map(e => e.id)"
    )
    assert len(located) == 2
    assert all(v.js(ehidden, e) for e in located)
    assert v.js(ehidden, wf) is False
    v.page.locator("#kg-relations label", has_text="located_in").locator("input").check()
    assert not any(v.js(ehidden, e) for e in located)

    # Searching for a node of a hidden type shows that type again.
    v.page.locator("#kg-types label", has_text="GPE").locator("input").uncheck()
    v.js("id => kgViewer.selectNode(id, true)", "GPE:东港区")
    assert v.js(hidden, "GPE:东港区") is False
    assert v.page.locator("#kg-types label", has_text="GPE").locator("input").is_checked()
    v.assert_clean()


def test_date_range_hides_edges_outside_it(open_viewer):
    v = open_viewer(dated_graph())
    ehidden = "r => !!kgViewer.edges.get(kgViewer.data.edges.find(e => e.relation === r).id).hidden"
    assert v.js("() => kgViewer.dateHidden") == 0
    v.page.fill("#kg-date-from", "2024-05-01")
    v.page.dispatch_event("#kg-date-from", "change")
    assert v.js("() => kgViewer.dateHidden") == 3  # part_of, both located_in
    assert v.js(ehidden, "part_of") is True
    assert v.js(ehidden, "works_for") is False
    assert "3 edges outside" in v.page.locator("#kg-date-count").inner_text()
    # A relation turned off and on again stays hidden while outside the range.
    box = v.page.locator("#kg-relations label", has_text="part_of").locator("input")
    box.uncheck()
    box.check()
    assert v.js(ehidden, "part_of") is True
    v.js("() => kgViewer.setDateRange('2024-03-01', '2024-05-30')")
    assert v.js("() => kgViewer.dateHidden") == 0
    assert v.js(ehidden, "part_of") is False
    v.assert_clean()


@pytest.mark.parametrize("bypass_csp", [False, True], ids=["with-csp", "escaping-alone"])
def test_injection_payloads_show_as_text_and_run_nothing(open_viewer, bypass_csp):
    v = open_viewer(payload_graph(), bypass_csp=bypass_csp, title=PAYLOADS[1])
    assert v.js("() => kgViewer.data.nodes.length") == len(PAYLOADS) + 1
    shown = []
    for text in PAYLOADS:
        nid = v.js("name => kgViewer.data.nodes.find(n => n.name === name).id", text)
        v.js("id => kgViewer.selectNode(id, false)", nid)
        shown.append(v.js("() => document.querySelector('#kg-panel h2').textContent"))
        # Hovering shows the tooltip (a DOM element built with textContent).
        pos = v.js("id => kgViewer.nodeDOMPosition(id)", nid)
        v.page.mouse.move(pos["x"], pos["y"])
        v.page.wait_for_timeout(350)
    v.assert_clean()  # nothing ran: no dialog, no __pwned, no request for "x"
    assert shown == list(PAYLOADS)  # ...and every payload shows as text
    tooltip = v.js("() => (document.querySelector('div.vis-tooltip') || {}).textContent || ''")
    assert "<" in tooltip  # the payload shows as text
    # Edge evidence and article ids are text too.
    hub_edge = v.js("() => kgViewer.data.edges[0].id")
    v.js("id => kgViewer.selectEdge(id)", hub_edge)
    panel = v.panel_text()
    assert PAYLOADS[3] in panel and PAYLOADS[0] in panel
    # Search results for markup.
    v.page.fill("#kg-search", "<img")
    v.page.wait_for_selector("#kg-results li[data-id]")
    assert PAYLOADS[0] in v.page.inner_text("#kg-results")
    v.page.wait_for_timeout(200)
    counts = v.js(
        """() => ({img: document.querySelectorAll('img').length,
                  svg: document.querySelectorAll('#kg-panel svg, #kg-results svg').length,
                  scripts: document.querySelectorAll('script').length})"""
    )
    assert counts == {"img": 0, "svg": 0, "scripts": 3}
    assert v.page.title() == PAYLOADS[1]
    v.assert_clean()


def test_truncation_notice_is_visible(open_viewer):
    v = open_viewer(star_graph(40), max_nodes=10)
    assert v.page.is_visible("#kg-notice")
    assert "showing 10 of 40 nodes" in v.page.inner_text("#kg-notice")
    assert v.js("() => kgViewer.nodes.length") == 10
    v.assert_clean()


def test_empty_graph_says_so(open_viewer):
    v = open_viewer(nx.MultiDiGraph())
    assert v.page.is_visible("#kg-status")
    assert v.page.inner_text("#kg-status") == "empty graph"
    assert v.js("() => kgViewer.network") is None
    v.page.fill("#kg-search", "江")
    assert "no match" in v.page.inner_text("#kg-results")
    v.assert_clean()


def test_show_iframe_works_offline(browser, tiny_graph):
    pytest.importorskip("IPython")
    page = browser.new_page()
    requests = []
    try:
        page.route("**/*", lambda route: (requests.append(route.request.url), route.abort()))
        page.on("pageerror", lambda exc: requests.append(f"error: {exc}"))
        page.set_content(show(tiny_graph).data)
        frame = page.frames[1]
        frame.wait_for_selector('body[data-ready="1"]', state="attached", timeout=20_000)
        assert frame.evaluate("() => kgViewer.nodes.length") == 7
        assert "江川市" in frame.evaluate("() => kgViewer.search('江川').map(String).join()")
    finally:
        page.close()
    assert requests == []


def test_screenshot_is_readable(open_viewer, tiny_graph):
    ARTIFACTS.mkdir(exist_ok=True)
    v = open_viewer(alias_graph(tiny_graph), title="kg · 江川示例")
    pos = v.js("id => kgViewer.nodeDOMPosition(id)", "ORG:江川市水务局")
    v.page.mouse.click(pos["x"], pos["y"])
    assert v.page.inner_text("#kg-panel h2") == "江川市水务局"
    v.page.fill("#kg-search", "青研")
    v.page.wait_for_selector("#kg-results li[data-id]")
    v.page.screenshot(path=str(ARTIFACTS / "viewer.png"))
    assert (ARTIFACTS / "viewer.png").stat().st_size > 10_000
    v.assert_clean()


def test_edge_label_toggle(open_viewer, tiny_graph):
    v = open_viewer(tiny_graph)
    font = "() => kgViewer.network.body.edges[kgViewer.data.edges[0].id].options.font.size"
    assert v.page.is_checked("#kg-edge-labels")  # small graph: labels on
    assert v.js(font) > 0
    v.page.uncheck("#kg-edge-labels")
    assert v.js(font) == 0
    v.page.check("#kg-edge-labels")
    assert v.js(font) > 0
    v.assert_clean()


@pytest.mark.slow
def test_large_graph_becomes_interactive_quickly(open_viewer):
    """2,000 nodes / 5,000 edges: laid out, physics off and answering well within 5 s.

    bench/viewer.py measures this properly; here the bound is loose (10 s) so a
    busy CI machine does not flake, but a lost time budget (tens of seconds) fails.
    """
    import random
    import time

    rng = random.Random(3)
    G = nx.MultiDiGraph()
    ids = [
        node_id(rng.choice(("ORG", "GPE", "PROGRAMME", "PERSON")), f"节点{i}") for i in range(2000)
    ]
    for i, nid in enumerate(ids):
        G.add_node(nid, name=f"节点{i}", type=nid.split(":")[0], mentions=rng.randint(1, 9))
    pairs = set()
    while len(pairs) < 5000:
        pairs.add(tuple(rng.sample(ids, 2)))
    for u, w in pairs:
        G.add_edge(u, w, key="partners_with", relation="partners_with", evidence="句。")
    t0 = time.perf_counter()
    v = open_viewer(G, max_nodes=2000)
    wall = time.perf_counter() - t0
    state = v.js(
        "() => ({ready: kgViewer.readyAt, physics: kgViewer.physics, n: kgViewer.nodes.length})"
    )
    assert state["n"] == 2000 and state["physics"] is False
    assert wall < 10 and state["ready"] < 10_000, (wall, state)
    assert v.js("() => kgViewer.data.edge_labels") is False
    v.js("id => kgViewer.selectNode(id, true)", ids[0])
    assert v.page.inner_text("#kg-panel h2") == "节点0"
    v.assert_clean()

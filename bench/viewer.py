"""How long graph.html takes to open and become interactive on a large graph.

Builds a synthetic graph (2,000 nodes / 5,000 edges by default, names invented
from a fixed pool of characters), renders it with ``kg.outputs.render.write_html``,
opens it from a file:// URL in headless Chromium (Debian's /usr/bin/chromium,
driven by Playwright) and waits until the viewer reports it is ready: layout
stabilised and physics switched off (``window.kgViewer.ready``). Then it
checks that the page answers (select a node, read the side panel).

Prints, for each run, the wall time from navigation to ready, the in-page
``performance.now()`` at ready (time since navigation start), and the ratio of
the worse of the two to the 5 s target.

    /work/venv/bin/python bench/viewer.py [--nodes 2000] [--edges 5000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from kg.outputs.render import write_html  # noqa: E402
from kg.schema import RELATION_TYPES, node_id  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
TARGET_S = 5.0

_SYLLABLES = "青岚澄川溪桐柏霁棠泓翠屿榆枫岑湄澜苒芷蕴璟昶珂琮瑄砚墨韶岫沅"
_SUFFIX = {
    "ORG": ("科技有限公司", "研究院", "管理局", "发展集团", "协会", "中心"),
    "GPE": ("市", "县", "区", "镇"),
    "PROGRAMME": ("计划", "工程", "行动", "专项"),
    "PERSON": ("",),
}
_SURNAMES = "云岑柏蓝桑乔卓闻"
_TYPES = ("ORG", "ORG", "ORG", "GPE", "PROGRAMME", "PERSON", "PERSON")


def synthetic_graph(n_nodes: int = 2000, n_edges: int = 5000, seed: int = 5) -> nx.MultiDiGraph:
    """A graph in kg's schema with invented names and a skewed degree spread."""
    rng = random.Random(seed)
    G = nx.MultiDiGraph(name="bench")
    ids: list[str] = []
    seen: set[str] = set()
    while len(ids) < n_nodes:
        etype = rng.choice(_TYPES)
        if etype == "PERSON":
            name = rng.choice(_SURNAMES) + "".join(rng.choices(_SYLLABLES, k=rng.randint(1, 2)))
        else:
            stem = "".join(rng.choices(_SYLLABLES, k=rng.randint(2, 4)))
            name = stem + rng.choice(_SUFFIX[etype])
            if etype == "PROGRAMME":
                name = f"“{name}”"
        nid = node_id(etype, name)
        if nid in seen:
            continue
        seen.add(nid)
        ids.append(nid)
        n_articles = rng.randint(1, 4)
        G.add_node(
            nid,
            name=name,
            type=etype,
            aliases="|".join(name.strip("“”")[:k] for k in (2, 3) if len(name) > k + 3),
            mentions=rng.randint(1, 40),
            articles=n_articles,
            article_ids="|".join(f"b{rng.randint(0, 999)}" for _ in range(n_articles)),
        )
    # Preferential choice of endpoints: a few hubs, many leaves.
    weights = [1.0 / (i + 1) ** 0.8 for i in range(n_nodes)]
    added = 0
    while added < n_edges:
        u, v = rng.choices(ids, weights=weights, k=2)
        if u == v:
            continue
        rel = rng.choice(RELATION_TYPES)
        if G.has_edge(u, v, key=rel):
            continue
        article = f"b{rng.randint(0, 999)}"
        sentence = f"{G.nodes[u]['name']}与{G.nodes[v]['name']}的{rel}关系见于此合成句。"
        G.add_edge(
            u,
            v,
            key=rel,
            relation=rel,
            evidence=sentence,
            article=article,
            confidence=round(rng.uniform(0.5, 0.95), 2),
            count=1,
            evidences=[{"article": article, "sentence": sentence}],
        )
        added += 1
    return G


def measure(
    path: Path, runs: int, timeout_s: float = 60.0, screenshot: Path | None = None
) -> list[dict]:
    from playwright.sync_api import sync_playwright

    url = path.resolve().as_uri()
    results = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for _ in range(runs):
                page = browser.new_page(viewport={"width": 1400, "height": 900})
                errors: list[str] = []
                page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
                t0 = time.perf_counter()
                page.goto(url, wait_until="commit")
                # A selector wait, not wait_for_function: the page's CSP forbids eval.
                page.wait_for_selector(
                    'body[data-ready="1"]', state="attached", timeout=timeout_s * 1000
                )
                wall = time.perf_counter() - t0
                info = page.evaluate(
                    """() => ({
                        readyAt: kgViewer.readyAt,
                        startedAt: kgViewer.startedAt,
                        constructedAt: kgViewer.constructedAt,
                        by: kgViewer.stabilizedBy,
                        iterations: kgViewer.iterations,
                        target: kgViewer.targetIterations,
                        physics: kgViewer.physics,
                        nodes: kgViewer.data.shown_nodes,
                        edges: kgViewer.data.shown_edges,
                    })"""
                )
                # Interactive: selecting a node fills the panel within a frame or two.
                t1 = time.perf_counter()
                node = page.evaluate("kgViewer.data.nodes[0].id")
                page.evaluate("id => kgViewer.selectNode(id, false)", node)
                while page.evaluate("() => document.getElementById('kg-panel').dataset.id") != node:
                    time.sleep(0.005)
                info["select_ms"] = (time.perf_counter() - t1) * 1000
                # One full redraw, as on every pan, zoom or drag.
                info["redraw_ms"] = page.evaluate(
                    """() => { const t = performance.now(); kgViewer.network.redraw();
                               return performance.now() - t; }"""
                )
                info["wall_s"] = wall
                info["errors"] = errors
                results.append(info)
                if screenshot is not None:
                    page.screenshot(path=str(screenshot))
                page.close()
        finally:
            browser.close()
    return results


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=2000)
    ap.add_argument("--edges", type=int, default=5000)
    ap.add_argument(
        "--max-nodes",
        type=int,
        default=None,
        help="render_html's max_nodes (default: all nodes, so nothing is cut)",
    )
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--json", action="store_true", help="print the results as JSON too")
    ap.add_argument("--screenshot", type=Path, default=None, help="save a PNG of the last run")
    args = ap.parse_args(argv)

    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} not found: apt-get install -y chromium", file=sys.stderr)
        return 2

    G = synthetic_graph(args.nodes, args.edges)
    max_nodes = args.max_nodes if args.max_nodes is not None else G.number_of_nodes()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "graph.html"
        t = time.perf_counter()
        write_html(G, path, title="bench", max_nodes=max_nodes)
        render_s = time.perf_counter() - t
        size_mb = path.stat().st_size / 1e6
        results = measure(path, args.runs, screenshot=args.screenshot)

    print(
        f"graph: {G.number_of_nodes()} nodes / {G.number_of_edges()} edges; "
        f"max_nodes={max_nodes}; shown {results[0]['nodes']} nodes / {results[0]['edges']} edges"
    )
    print(f"render_html + write: {render_s:.2f} s, page {size_mb:.2f} MB")
    for i, r in enumerate(results, 1):
        print(
            f"run {i}: wall {r['wall_s']:.2f} s to ready; in-page ready at "
            f"{r['readyAt'] / 1000:.2f} s (viewer script started {r['startedAt'] / 1000:.2f} s, "
            f"network built {r['constructedAt'] / 1000:.2f} s); ended by {r['by']} "
            f"after {r['iterations']}/{r['target']} iterations; "
            f"physics {'on' if r['physics'] else 'off'}; select+panel {r['select_ms']:.0f} ms; "
            f"redraw {r['redraw_ms']:.0f} ms"
            + (f"; page errors: {r['errors']}" if r["errors"] else "")
        )
    wall = statistics.median(r["wall_s"] for r in results)
    inpage = statistics.median(r["readyAt"] / 1000 for r in results)
    worst = max(wall, inpage)
    print(
        f"open-to-interactive (median of {len(results)}): "
        f"wall {wall:.2f} s, in-page {inpage:.2f} s; "
        f"ratio to {TARGET_S:.0f} s target: {worst / TARGET_S:.2f} "
        f"({'within' if worst <= TARGET_S else 'OVER'} target)"
    )
    if args.json:
        print(json.dumps(results, indent=2))
    return 0 if worst <= TARGET_S and not any(r["errors"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())

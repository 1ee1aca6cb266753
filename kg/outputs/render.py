"""graph.html: a standalone, offline, interactive viewer of a kg graph.

The page is built from pyvis's node, edge and option data (gathered by
:mod:`kg.outputs.viewer_data`) but with kg's own template
(``kg/outputs/templates/viewer.html``): pyvis's template pulls Bootstrap and
tom-select from CDNs, writes titles with ``innerHTML`` and garbles non-Latin
text in its select menu. Here vis-network's JavaScript, which pyvis ships inside
its package, is inlined, so the page loads nothing from the network.

Safety: names, aliases and sentences come from untrusted text. The graph goes
into the page as JSON inside ``<script type="application/json">`` with ``<``,
``>``, ``&``, U+2028 and U+2029 escaped, and the viewer's JavaScript builds
every piece of the page that shows data with ``textContent`` and
``createElement``. A Content-Security-Policy allows only the page's own two
scripts (by hash) and no network access at all, as a second line of defence.

vis-network (inlined) is dual licensed Apache-2.0 / MIT; its licence header is
kept in the page.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import json
import os
import re
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import networkx as nx

from kg.outputs.atomic import write_atomically
from kg.outputs.viewer_data import RELATION_COLORS, TYPE_STYLE, graph_data

__all__ = ["render_html", "write_html", "show", "TYPE_STYLE", "RELATION_COLORS"]

_TEMPLATE_DIR = "templates"
_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")


# --------------------------------------------------------------------------- assets


def _package_text(name: str) -> str:
    # one joinpath argument each: Traversable.joinpath takes one before Python 3.11
    return (
        resources.files("kg.outputs")
        .joinpath(_TEMPLATE_DIR)
        .joinpath(name)
        .read_text(encoding="utf-8")
    )


def _vis_version_key(name: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", name))


@functools.lru_cache(maxsize=1)
def vis_network_js() -> str:
    """vis-network's minified JavaScript as shipped inside the pyvis package.

    The newest ``vis-X.Y.Z`` directory under ``pyvis/lib`` (or
    ``pyvis/templates/lib``) is used. Any ``</script`` or ``<!--`` sequence is
    neutralised so the code can sit inside an inline ``<script>`` element.
    """
    root = resources.files("pyvis")
    candidates = []
    for base in ("lib", "templates/lib"):
        lib = root.joinpath(base)
        if not lib.is_dir():
            continue
        for child in lib.iterdir():
            js = child.joinpath("vis-network.min.js")
            if child.name.startswith("vis-") and js.is_file():
                candidates.append((_vis_version_key(child.name), js))
    if not candidates:
        raise FileNotFoundError("vis-network.min.js not found inside the pyvis package")
    candidates.sort(key=lambda c: c[0])
    text = candidates[-1][1].read_text(encoding="utf-8")
    text = re.sub(r"</(script)", r"<\\/\1", text, flags=re.IGNORECASE)
    return text.replace("<!--", "<\\!--")


@functools.lru_cache(maxsize=1)
def _assets() -> tuple[str, str, str]:
    return (
        _package_text("viewer.html"),
        _package_text("viewer.js"),
        _package_text("viewer.css"),
    )


def _csp_hash(script: str) -> str:
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


@functools.lru_cache(maxsize=4)
def _script_hashes(vis_js: str, viewer_js: str) -> str:
    return " ".join(_csp_hash(s) for s in (vis_js, viewer_js))


# --------------------------------------------------------------------------- data


def script_json(value: Any) -> str:
    """JSON that is safe inside an HTML ``<script>`` element.

    ``<``, ``>`` and ``&`` become ``\\u003c``, ``\\u003e`` and ``\\u0026`` so no
    ``</script>`` or ``<!--`` can appear; U+2028 and U+2029 are escaped too.
    Other non-ASCII text (Chinese) stays as UTF-8.
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


# --------------------------------------------------------------------------- page


def truncation_notice(data: dict) -> str:
    """The banner shown when the graph was cut to its top nodes, else ``""``."""
    if not data["truncated"]:
        return ""
    return (
        f"Large graph: showing {data['shown_nodes']} of {data['total_nodes']} nodes "
        f"(those with the most connections) and {data['shown_edges']} of "
        f"{data['total_edges']} edges. Edges to hidden nodes are not listed."
    )


def render_html(G: nx.Graph, *, title: str = "kg", max_nodes: int = 1500) -> str:
    """A complete standalone HTML page showing ``G``; it loads nothing from the network.

    At most ``max_nodes`` nodes are shown (those of highest degree, with the
    edges among them), and the page says so when it truncates.
    """
    page = "".join(_page(G, title=title, max_nodes=max_nodes))
    # Lone surrogates (from surrogateescape-decoded input) cannot be UTF-8.
    try:
        page.encode("utf-8")
    except UnicodeEncodeError:
        page = page.encode("utf-8", "replace").decode("utf-8")
    return page


def _page(G: nx.Graph, *, title: str = "kg", max_nodes: int = 1500) -> Iterator[str]:
    """The page of :func:`render_html` in pieces, the graph's data one record at a time.

    The data is gathered before the first piece is returned.
    """
    data = graph_data(G, title=title, max_nodes=max_nodes)
    template, viewer_js, css = _assets()
    vis_js = vis_network_js()
    dates = data.get("dates")
    # The date filter: its inputs and script on a graph with dates only (the page of an
    # undated graph is what it was before dates).
    dates_js = _package_text("viewer_dates.js") if dates else ""
    scripts = _script_hashes(vis_js, viewer_js) + (f" {_csp_hash(dates_js)}" if dates else "")
    csp = (
        "default-src 'none'; "
        f"script-src {scripts}; "
        "style-src 'unsafe-inline'; img-src data: blob:; font-src data:; "
        "connect-src 'none'; form-action 'none'; base-uri 'none'"
    )
    values = {
        "title": html.escape(str(title), quote=True),
        "notice": html.escape(truncation_notice(data)),
        "notice_hidden": "" if data["truncated"] else " hidden",
        "status": "empty graph" if not data["nodes"] else "Loading…",
        "csp": html.escape(csp, quote=False).replace('"', "&quot;"),
        "css": css,
        "vis_js": vis_js,
        "viewer_js": viewer_js,
        "dates_html": _dates_html(dates) if dates else "",
        "dates_script": f"\n<script>{dates_js}</script>" if dates else "",
    }
    return _fill(template, values, data)


def _dates_html(dates: dict) -> str:
    """The date range inputs, set to the graph's first and last dates."""
    low, high = html.escape(dates["min"]), html.escape(dates["max"])
    inputs = "".join(
        f'\n      <label>{label} <input id="kg-date-{key}" type="date" min="{low}" '
        f'max="{high}" value="{value}"></label>'
        for label, key, value in (("from", "from", low), ("to", "to", high))
    )
    return (
        '\n    <section id="kg-dates">\n      <h2>Dates</h2>'
        f'{inputs}\n      <div id="kg-date-count" class="muted"></div>\n    </section>'
    )


def _fill(template: str, values: dict[str, str], data: dict) -> Iterator[str]:
    # One pass, so text substituted for one placeholder is never re-read.
    pos = 0
    for match in _PLACEHOLDER.finditer(template):
        yield template[pos : match.start()]
        if match.group(1) == "data_json":
            yield from _script_json_pieces(data)
        else:
            yield values[match.group(1)]
        pos = match.end()
    yield template[pos:]


def _script_json_pieces(value: Any) -> Iterator[str]:
    """:func:`script_json` of ``value`` in pieces: a dict's lists one item at a time."""
    if not isinstance(value, dict) or not all(isinstance(key, str) for key in value):
        yield script_json(value)
        return
    yield "{"
    for i, (key, item) in enumerate(value.items()):
        head = f"{',' if i else ''}{script_json(key)}:"
        if isinstance(item, list) and item:
            yield head + "["
            for j, element in enumerate(item):
                yield f"{',' if j else ''}{script_json(element)}"
            yield "]"
        else:
            yield head + script_json(item)
    yield "}"


def write_html(G: nx.Graph, path: str | os.PathLike, **kw: Any) -> Path:
    """Write ``render_html(G, **kw)`` to ``path`` as UTF-8, atomically.

    The page goes to a temporary file in the same directory which then
    replaces ``path``, so a reader never sees a half-written file. It is
    written in pieces, never held whole in memory.
    """
    pieces = _page(G, **kw)

    def write(fh) -> None:
        for piece in pieces:
            fh.write(piece.encode("utf-8", "replace"))  # lone surrogates become "?"

    return write_atomically(path, write)


def iframe_html(page: str, *, height: int = 720) -> str:
    """``page`` inside a sandboxed ``<iframe srcdoc="...">`` (attribute-escaped).

    The sandbox allows scripts but not the parent's origin, so the page cannot
    reach the notebook even if it were subverted. (A wrapping ``<div>`` keeps
    IPython from warning that a bare iframe should be an ``IFrame``.)
    """
    return (
        '<div class="kg-viewer">'
        f'<iframe srcdoc="{html.escape(page, quote=True)}" '
        'sandbox="allow-scripts" '
        f'style="width:100%;height:{int(height)}px;border:1px solid #ddd" '
        'title="kg graph viewer"></iframe></div>'
    )


def show(G: nx.Graph, *, height: int = 720, **kw: Any):
    """The viewer for Jupyter: an ``IPython.display.HTML`` with an offline iframe."""
    from IPython.display import HTML  # lazily: IPython is optional

    return HTML(iframe_html(render_html(G, **kw), height=height))

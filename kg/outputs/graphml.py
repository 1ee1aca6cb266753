"""GraphML and GEXF files: the graph with scalar attributes only.

Both are written from :func:`_scalar_graph`, a sorted copy of the graph that keeps
str, int, float and bool values: the first evidence and ``count`` but not the
``evidences`` list, other lists joined with ``|``. GraphML is written by kg's own
single-pass writer, which gives the characters networkx's writer gives (and falls back
to networkx for what it does not cover); GEXF, for Gephi, by networkx without its
timestamp.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import networkx as nx

from kg.outputs.files import write_file
from kg.outputs.values import json_text, plain_value, sorted_edges, sorted_nodes
from kg.schema import ALIAS_SEP, edge_relation


def _flatten(value: Any) -> str | int | float | bool | None:
    """A GraphML/GEXF-safe scalar: lists of strings joined with ``|``, others as JSON."""
    value = plain_value(value)
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, (list, tuple, set, frozenset)):
        items = list(value) if isinstance(value, (list, tuple)) else sorted(value, key=str)
        if all(isinstance(plain_value(x), str) for x in items):
            return ALIAS_SEP.join(items)
    return json_text(value)


def _unify(records: list[dict]) -> None:
    """Give every attribute a single type across records (GraphML declares one per key)."""
    kinds: dict[str, set[type]] = {}
    for rec in records:
        for key, value in rec.items():
            kinds.setdefault(key, set()).add(type(value))
    for key, seen in kinds.items():
        if len(seen) == 1:
            continue
        if seen <= {int, float}:
            cast: Callable[[Any], Any] = float
        else:
            cast = str
        for rec in records:
            if key in rec:
                rec[key] = cast(rec[key])


def _scalar_graph(G: nx.MultiDiGraph, *, edge_ids: bool, labels: bool) -> nx.MultiDiGraph:
    """A sorted copy of ``G`` holding scalars only.

    ``evidences`` and graph-level ``mentions`` are dropped, other lists flattened.
    ``edge_ids``: key edges ``e0``, ``e1``, ... (GraphML ids must be unique); otherwise
    the key is the relation name. ``labels``: add a ``label`` (the name) for Gephi.
    """
    H = nx.MultiDiGraph()
    for key, value in sorted(G.graph.items()):
        if key == "mentions":
            continue
        flat = _flatten(value)
        if flat is not None:
            H.graph[key] = flat
    nodes = sorted_nodes(G)
    node_records = []
    for n, d in nodes:
        rec = {k: _flatten(v) for k, v in sorted(d.items()) if k not in {"id", "label"}}
        rec = {k: v for k, v in rec.items() if v is not None}
        if labels:
            rec["label"] = str(d.get("name") or n)
        node_records.append(rec)
    edges = sorted_edges(G)
    edge_records = []
    for _u, _v, k, d in edges:
        rec = {
            a: _flatten(x)
            for a, x in sorted(d.items())
            if a not in {"evidences", "id", "key", "label"}
        }
        rec = {a: x for a, x in rec.items() if x is not None}
        rec.setdefault("relation", edge_relation(d, k))
        edge_records.append(rec)
    _unify(node_records)
    _unify(edge_records)
    for (n, _), rec in zip(nodes, node_records, strict=True):
        H.add_node(str(n), **rec)
    for i, ((u, v, k, d), rec) in enumerate(zip(edges, edge_records, strict=True)):
        key = f"e{i}" if edge_ids else edge_relation(d, k)
        H.add_edge(str(u), str(v), key=key, **rec)
    return H


def dump_graphml(G: nx.MultiDiGraph, fh: Any) -> None:
    """GraphML of ``G`` (its :func:`_scalar_graph`) into a binary file, in pieces."""
    H = _scalar_graph(G, edge_ids=True, labels=False)
    try:
        parts = list(_graphml_parts(H))
    except _NotPlain:
        nx.write_graphml_xml(H, fh, encoding="utf-8")  # not lxml's: the same bytes always
        return
    for i in range(0, len(parts), 4096):
        fh.write("".join(parts[i : i + 4096]).encode("utf-8", "xmlcharrefreplace"))


_GRAPHML_HEAD = (
    "<?xml version='1.0' encoding='utf-8'?>\n"
    '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
    'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">'
)

_GRAPHML_TYPES = {bool: "boolean", int: "long", float: "double", str: "string"}

_CDATA = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})

_ATTRIB = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        "\r": "&#13;",
        "\n": "&#10;",
        "\t": "&#09;",
    }
)


class _NotPlain(Exception):
    """The graph has something :func:`_graphml_parts` does not write like networkx."""


def _graphml_parts(H: nx.MultiDiGraph) -> Iterator[str]:
    """GraphML text of ``H``, the very characters ``nx.write_graphml`` writes (its
    ElementTree writer, pretty-printed), in a single pass and a fraction of its time.

    Keys are numbered in the order networkx meets them (graph, nodes, edges) and listed
    newest first, as networkx inserts each at the top. Raises :class:`_NotPlain` for
    what it does not cover (defaults, a graph id, values that are not str, int, float
    or bool), and the caller falls back to networkx.
    """
    if any(k in H.graph for k in ("id", "node_default", "edge_default")):
        raise _NotPlain
    keys: dict[tuple[str, str, str], str] = {}

    def data(scope: str, attrs: dict, indent: str) -> list[str]:
        out = []
        for name, value in attrs.items():
            xml_type = _GRAPHML_TYPES.get(type(value))
            if xml_type is None:
                raise _NotPlain
            name = str(name)
            key = keys.setdefault((name, xml_type, scope), f"d{len(keys)}")
            text = str(value)
            out.append(
                f'{indent}<data key="{key}">{text.translate(_CDATA)}</data>'
                if text
                else f'{indent}<data key="{key}" />'
            )
        return out

    graph_data = data("graph", H.graph, "\n    ")
    body: list[str] = []
    for node, attrs in H.nodes(data=True):
        head = f'\n    <node id="{str(node).translate(_ATTRIB)}"'
        inner = data("node", attrs, "\n      ")
        body.append(f"{head}>{''.join(inner)}\n    </node>" if inner else f"{head} />")
    for u, v, key, attrs in H.edges(keys=True, data=True):
        head = (
            f'\n    <edge source="{str(u).translate(_ATTRIB)}" '
            f'target="{str(v).translate(_ATTRIB)}" id="{str(key).translate(_ATTRIB)}"'
        )
        inner = data("edge", attrs, "\n      ")
        body.append(f"{head}>{''.join(inner)}\n    </edge>" if inner else f"{head} />")
    body += graph_data
    yield _GRAPHML_HEAD
    for (name, xml_type, scope), key in reversed(keys.items()):
        yield (
            f'\n  <key id="{key}" for="{scope}" attr.name="{name.translate(_ATTRIB)}" '
            f'attr.type="{xml_type}" />'
        )
    if body:
        yield '\n  <graph edgedefault="directed">'
        yield from body
        yield "\n  </graph>"
    else:
        yield '\n  <graph edgedefault="directed" />'
    yield "\n</graphml>\n"


def _gexf_bytes(G: nx.MultiDiGraph) -> bytes:
    buf = io.BytesIO()
    nx.write_gexf(_scalar_graph(G, edge_ids=False, labels=True), buf, encoding="utf-8")
    # networkx stamps today's date into <meta>; leave it out so output is reproducible
    return re.sub(rb'\s+lastmodifieddate="[^"]*"', b"", buf.getvalue(), count=1)


def write_graphml(G: nx.MultiDiGraph, path: str | Path) -> Path:
    """GraphML with scalar attributes only (the ``evidences`` lists are dropped)."""
    return write_file(path, lambda fh: dump_graphml(G, fh))


def write_gexf(G: nx.MultiDiGraph, path: str | Path) -> Path:
    """GEXF 1.2 for Gephi, with the same scalar attributes as GraphML."""
    return write_file(path, _gexf_bytes(G))

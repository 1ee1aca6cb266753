"""graph.json: networkx node-link JSON (``"edges"``) of the sorted graph, indented.

Every attribute is kept, the ``evidences`` lists included; graph-level ``mentions``
are left out (they go to mentions.csv). The text is the stdlib encoder's with
``indent=1`` and ``sort_keys``, written in pieces by a faster writer of the same text.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx

from kg.outputs.files import write_file
from kg.outputs.values import json_default, sorted_edges, sorted_nodes
from kg.schema import edge_relation


def _node_link(G: nx.MultiDiGraph) -> dict:
    """``nx.node_link_data`` of a sorted copy of ``G`` (without graph-level mentions).

    Built directly, without the copy: the nodes sorted by id, the edges as
    :func:`~kg.outputs.values.sorted_edges` gives them, which is the order the copy would
    list them in.
    """
    nodes = sorted_nodes(G)
    if len({str(n) for n, _ in nodes}) != len(nodes):  # ids alike as strings: copy
        return _node_link_of_copy(G)
    graph = {k: v for k, v in sorted(G.graph.items()) if k != "mentions"}
    return {
        "directed": True,
        "multigraph": True,
        "graph": graph,
        "nodes": [{**d, "id": n} for n, d in nodes],
        "edges": [
            {**d, "source": u, "target": v, "key": k if k is not None else edge_relation(d, k)}
            for u, v, k, d in sorted_edges(G)
        ],
    }


def _node_link_of_copy(G: nx.MultiDiGraph) -> dict:
    H = nx.MultiDiGraph()
    H.graph.update({k: v for k, v in sorted(G.graph.items()) if k != "mentions"})
    for n, d in sorted_nodes(G):
        H.add_node(n, **d)
    for u, v, k, d in sorted_edges(G):
        H.add_edge(u, v, key=k if k is not None else edge_relation(d, k), **d)
    try:
        return nx.node_link_data(H, edges="edges")
    except TypeError:  # networkx < 3.4 names the parameter "link"
        return nx.node_link_data(H, link="edges")


def _json_encoder() -> json.JSONEncoder:
    return json.JSONEncoder(ensure_ascii=False, sort_keys=True, indent=1, default=json_default)


_encode_str = json.encoder.encode_basestring  # ensure_ascii=False: the C function


def _json_float(value: float) -> str:
    if value != value:
        return "NaN"
    if value == math.inf:
        return "Infinity"
    if value == -math.inf:
        return "-Infinity"
    return float.__repr__(value)


def _json_key(key: Any) -> str:
    if isinstance(key, str):
        return key
    if isinstance(key, float):
        return _json_float(key)
    if key is True or key is False or key is None:
        return {True: "true", False: "false", None: "null"}[key]
    if isinstance(key, int):
        return int.__repr__(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {key.__class__.__name__}")


class _IndentedJson:
    """``_json_encoder().encode(value)``, written in pieces to ``write``.

    The same text as the stdlib's encoder with ``indent=1`` and ``sort_keys`` (which
    runs in pure Python, one generator per container), in a few times less time:
    plain recursion, scalars encoded in the loops, strings by the C function.
    """

    def __init__(self, write: Callable[[str], Any]) -> None:
        self._write = write
        self._out: list[str] = []

    def dump(self, value: Any) -> None:
        self._value(value, 0)
        self._flush()

    def _flush(self) -> None:
        self._write("".join(self._out))
        self._out.clear()

    def _scalar(self, value: Any) -> str | None:
        if isinstance(value, str):
            return _encode_str(value)
        if value is None:
            return "null"
        if value is True:
            return "true"
        if value is False:
            return "false"
        if isinstance(value, int):
            return int.__repr__(value)
        if isinstance(value, float):
            return _json_float(value)
        return None

    def _value(self, value: Any, level: int) -> None:
        while True:
            text = self._scalar(value)
            if text is not None:
                self._out.append(text)
            elif isinstance(value, (list, tuple)):
                self._list(value, level)
            elif isinstance(value, dict):
                self._dict(value, level)
            else:
                value = json_default(value)
                continue
            return

    def _list(self, items: list | tuple, level: int) -> None:
        out = self._out
        if not items:
            out.append("[]")
            return
        indent = "\n" + " " * (level + 1)
        out.append("[")
        separator = indent
        for item in items:
            text = self._scalar(item)
            if text is not None:
                out.append(separator + text)
            else:
                out.append(separator)
                self._value(item, level + 1)
            separator = "," + indent
            if len(out) >= 8192:
                self._flush()
        out.append("\n" + " " * level + "]")

    def _dict(self, items: dict, level: int) -> None:
        out = self._out
        if not items:
            out.append("{}")
            return
        indent = "\n" + " " * (level + 1)
        out.append("{")
        separator = indent
        for key, value in sorted(items.items()):
            out.append(f"{separator}{_encode_str(_json_key(key))}: ")
            text = self._scalar(value)
            if text is not None:
                out.append(text)
            else:
                self._value(value, level + 1)
            separator = "," + indent
        out.append("\n" + " " * level + "}")


def dump_json(G: nx.MultiDiGraph, fh: Any) -> None:
    """graph.json into a binary file, in pieces: the bytes of :func:`_json_bytes`."""
    out = io.TextIOWrapper(fh, encoding="utf-8", newline="")
    _IndentedJson(out.write).dump(_node_link(G))
    out.write("\n")
    out.flush()
    out.detach()


def _json_bytes(G: nx.MultiDiGraph) -> bytes:
    return (_json_encoder().encode(_node_link(G)) + "\n").encode("utf-8")


def write_json(G: nx.MultiDiGraph, path: str | Path) -> Path:
    """networkx node-link JSON (``"edges"``), keeping the ``evidences`` lists."""
    return write_file(path, lambda fh: dump_json(G, fh))

"""The graph's nodes and edges in the order every output lists them, and its attribute
values as plain Python: what the writers and the reader of :mod:`kg.outputs` share."""

from __future__ import annotations

import json
import math
from typing import Any

import networkx as nx

from kg.schema import edge_relation


def sorted_nodes(G: nx.Graph) -> list[tuple[Any, dict]]:
    """(node, data) of every node, sorted by the node id as text."""
    return sorted(G.nodes(data=True), key=lambda item: str(item[0]))


def sorted_edges(G: nx.MultiDiGraph) -> list[tuple[Any, Any, Any, dict]]:
    """(source, target, key, data) of every edge (key None in a graph of single edges),
    sorted by source, target, relation and key as text."""
    edges = G.edges(keys=True, data=True) if G.is_multigraph() else G.edges(data=True)
    out = []
    for edge in edges:
        if len(edge) == 4:
            u, v, k, d = edge
        else:
            (u, v, d), k = edge, None
        out.append((u, v, k, d))
    return sorted(out, key=lambda e: (str(e[0]), str(e[1]), edge_relation(e[3], e[2]), str(e[2])))


def plain_value(value: Any) -> Any:
    """numpy scalars as Python ones; anything else unchanged."""
    item = getattr(value, "item", None)
    if callable(item) and not isinstance(value, (str, bytes, list, dict, tuple)):
        try:
            return item()
        except (TypeError, ValueError):
            return value
    return value


def json_default(value: Any) -> Any:
    """The ``default`` of kg's JSON: numpy scalars as Python ones, sets sorted, the rest
    as text."""
    value = plain_value(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def json_text(value: Any) -> str:
    """Compact JSON, keys sorted, non-ASCII text kept as it is."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=json_default)


def to_int(value: Any, default: int = 0) -> int:
    """An attribute as an int: ``default`` for None, ``""`` and NaN."""
    value = plain_value(value)
    if value is None or value == "":
        return default
    if isinstance(value, float):
        return default if math.isnan(value) else int(value)
    try:
        return int(value)
    except (TypeError, ValueError):
        return int(float(value))


def to_float(value: Any) -> float | None:
    """An attribute as a float: None for None and ``""``."""
    value = plain_value(value)
    if value is None or value == "":
        return None
    return float(value)

"""What graph.html shows, as data: the nodes and edges with pyvis's fields and kg's
own, the legend's types and relations, and vis-network's options.

:func:`graph_data` gathers it all into one JSON-able dict, which
:mod:`kg.outputs.render` puts into the page. On a large graph only the nodes of highest
degree are kept (:func:`select_nodes`), and physics and styling are set so that the
browser lays the graph out in a bounded time.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

import networkx as nx

from kg.schema import (
    ENTITY_TYPES,
    RELATION_COLORS,
    RELATION_TYPES,
    SYMMETRIC_RELATIONS,
    edge_relation,
    split_aliases,
)

# Colour and vis-network shape of each entity type; the legend shows both.
TYPE_STYLE: dict[str, tuple[str, str]] = {
    "ORG": ("#4e79a7", "dot"),
    "GPE": ("#59a14f", "diamond"),
    "PROGRAMME": ("#f28e2b", "square"),
    "PERSON": ("#e15759", "triangle"),
}
OTHER_TYPE_STYLE: tuple[str, str] = ("#8c8c8c", "hexagon")

# Relation colours are the schema's RELATION_COLORS; a relation it does not know gets one
# of these.
_EXTRA_RELATION_COLORS = ("#1f77b4", "#ff7f0e", "#7f7f7f", "#bcbd22", "#e377c2", "#393b79")

FONT_STACK = (
    'system-ui, "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", '
    '"Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif'
)

# Above this many nodes vis-network's "improved layout" (Kamada-Kawai after
# clustering) costs seconds, so it is switched off.
IMPROVED_LAYOUT_MAX_NODES = 100
# Wall-clock budget (ms) for the initial stabilisation in the browser; the page
# stops the simulation when it is spent, whatever the iteration count.
STABILIZATION_BUDGET_MS = 2500
LABEL_MAX_CHARS = 18
PANEL_MAX_EDGES = 300
# Edge labels cost about half of a redraw on big graphs: off by default above this.
EDGE_LABELS_MAX_EDGES = 1000


def _clean(value: Any) -> Any:
    """A JSON-able copy of an attribute value (numpy scalars, NaN, sets...)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_clean(v) for v in value]
    item = getattr(value, "item", None)  # numpy scalar
    if callable(item):
        try:
            return _clean(item())
        except (TypeError, ValueError):
            pass
    return str(value)


def _as_int(value: Any, default: int = 0) -> int:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return int(number) if math.isfinite(number) else default


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _date(value: Any) -> str:
    """An ISO date attribute, else ``""`` (a date filter never sees anything else)."""
    return value if isinstance(value, str) and _ISO_DATE.fullmatch(value) else ""


def _short(text: str, limit: int = LABEL_MAX_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _node_type(node: Any, attrs: dict) -> str:
    etype = attrs.get("type")
    if etype:
        return str(etype)
    text = str(node)
    return text.split(":", 1)[0] if ":" in text else "OTHER"


def _node_name(node: Any, attrs: dict) -> str:
    name = attrs.get("name")
    if name not in (None, ""):
        return str(name)
    text = str(node)
    return text.split(":", 1)[1] if ":" in text else text


def select_nodes(G: nx.Graph, max_nodes: int) -> list:
    """The nodes to show: all of them, or the ``max_nodes`` of highest degree."""
    nodes = list(G.nodes)
    if max_nodes is None or len(nodes) <= max_nodes:
        return nodes
    degree = dict(G.degree())
    ranked = sorted(
        nodes,
        key=lambda n: (-degree.get(n, 0), -_as_int(G.nodes[n].get("mentions")), str(n)),
    )
    return ranked[: max(0, int(max_nodes))]


def _iter_edges(G: nx.Graph) -> Iterable[tuple[Any, Any, Any, dict]]:
    if G.is_multigraph():
        yield from G.edges(keys=True, data=True)
    else:
        for u, v, data in G.edges(data=True):
            yield u, v, data.get("relation"), data


def _relation_colors(relations: Iterable[str]) -> dict[str, str]:
    colors: dict[str, str] = {}
    extra = 0
    for rel in relations:
        if rel in RELATION_COLORS:
            colors[rel] = RELATION_COLORS[rel]
        else:
            colors[rel] = _EXTRA_RELATION_COLORS[extra % len(_EXTRA_RELATION_COLORS)]
            extra += 1
    return colors


def _ordered(present: Iterable[str], canonical: Iterable[str]) -> list[str]:
    present = set(present)
    first = [x for x in canonical if x in present]
    return first + sorted(present - set(first))


def _vis_options(n_nodes: int, n_edges: int, pyvis_options: dict) -> dict:
    """vis-network options: pyvis's defaults with kg's physics and styling."""
    large = n_nodes > IMPROVED_LAYOUT_MAX_NODES
    work = n_nodes + n_edges
    # Bounded stabilisation: fewer iterations the bigger the graph (the page
    # also stops at STABILIZATION_BUDGET_MS whatever this says).
    iterations = 600 if work <= 300 else max(150, min(600, 400_000 // max(work, 1)))
    options = dict(pyvis_options)
    options["configure"] = {"enabled": False}
    physics = dict(options.get("physics") or {})
    physics.update(
        {
            "enabled": True,
            "solver": "forceAtlas2Based",
            "forceAtlas2Based": {
                "gravitationalConstant": -60,
                "centralGravity": 0.012,
                "springLength": 110,
                "springConstant": 0.08,
                "damping": 0.5,
                "avoidOverlap": 0.2,
                # A coarser Barnes-Hut approximation halves an iteration's cost
                # on big graphs, so the time budget buys more iterations.
                "theta": 1.0 if large else 0.5,
            },
            "maxVelocity": 60,
            "minVelocity": 1.0,
            "timestep": 0.5,
            "stabilization": {
                "enabled": True,
                "iterations": iterations,
                "updateInterval": 10 if large else 25,
                "fit": True,
                "onlyDynamicEdges": False,
            },
        }
    )
    options["physics"] = physics
    options["layout"] = {"improvedLayout": not large, "randomSeed": 7}
    options["nodes"] = {
        "borderWidth": 1,
        "borderWidthSelected": 3,
        "font": {"face": FONT_STACK, "size": 14, "color": "#222", "strokeWidth": 3},
        "scaling": {"min": 8, "max": 40, "label": {"enabled": False}},
    }
    edges = dict(options.get("edges") or {})
    edges.update(
        {
            "arrows": {"to": {"enabled": True, "scaleFactor": 0.6}},
            "color": {"inherit": False, "opacity": 0.85},
            "font": {
                "face": FONT_STACK,
                "size": 11,
                "color": "#444",
                "strokeWidth": 3,
                "align": "middle",
            },
            "scaling": {"min": 1, "max": 5, "label": {"enabled": False}},
            "smooth": (
                {"enabled": True, "type": "continuous", "roundness": 0.3}
                if large
                else {"enabled": True, "type": "dynamic"}
            ),
            "selectionWidth": 2,
        }
    )
    options["edges"] = edges
    interaction = dict(options.get("interaction") or {})
    interaction.update(
        {
            "hover": True,
            "tooltipDelay": 250,
            "hideEdgesOnDrag": n_edges > 2000,
            "hideEdgesOnZoom": n_edges > 2000,
            "navigationButtons": False,
            "keyboard": False,
            "multiselect": False,
        }
    )
    options["interaction"] = interaction
    return options


def graph_data(G: nx.Graph, *, title: str = "kg", max_nodes: int = 1500) -> dict:
    """Everything the page needs, as one JSON-able dict.

    Node and edge records are built with ``pyvis.network.Network`` (so they
    carry vis-network's fields) plus kg's own fields for the side panel.
    """
    from pyvis.network import Network

    total_nodes = G.number_of_nodes()
    total_edges = G.number_of_edges()
    keep = select_nodes(G, max_nodes)
    keep_set = set(keep)
    degree = dict(G.degree(keep)) if keep else {}

    edges_kept = [e for e in _iter_edges(G) if e[0] in keep_set and e[1] in keep_set]

    net = Network(directed=True, height="100%", width="100%", cdn_resources="local")
    # pyvis keeps node ids in a list; an id index keeps add_edge's check cheap.
    net.node_ids = _IdList()

    type_counts: Counter[str] = Counter()
    node_extra: dict[str, dict] = {}
    for node in keep:
        attrs = G.nodes[node]
        etype = _node_type(node, attrs)
        color, shape = TYPE_STYLE.get(etype, OTHER_TYPE_STYLE)
        name = _node_name(node, attrs)
        mentions = _as_int(attrs.get("mentions"))
        nid = str(node)
        type_counts[etype] += 1
        net.add_node(
            nid,
            label=_short(name) or nid,
            shape=shape,
            color={
                "background": color,
                "border": "#333333",
                "highlight": {"background": color, "border": "#000000"},
                "hover": {"background": color, "border": "#000000"},
            },
            value=mentions if mentions > 0 else max(degree.get(node, 0), 1),
        )
        node_extra[nid] = {
            "etype": etype,
            "name": name,
            "aliases": split_aliases(_str_or_none(attrs.get("aliases"))),
            "article_ids": split_aliases(_str_or_none(attrs.get("article_ids"))),
            "mentions": mentions,
            "articles": _as_int(attrs.get("articles")),
            "degree": degree.get(node, 0),
        }

    rel_counts: Counter[str] = Counter()
    for _, _, key, data in edges_kept:
        rel_counts[edge_relation(data, key, "related")] += 1
    relations = _ordered(rel_counts, (*RELATION_TYPES, "co_occurs"))
    rel_color = _relation_colors(relations)

    pair_seen: Counter[tuple[str, str]] = Counter()
    edge_extra: list[dict] = []
    dated: set[str] = set()  # the first and last dates of the dated edges
    for i, (u, v, key, data) in enumerate(edges_kept):
        rel = edge_relation(data, key, "related")
        src, dst = str(u), str(v)
        pair = (src, dst) if src <= dst else (dst, src)
        nth = pair_seen[pair]
        pair_seen[pair] += 1
        kw: dict[str, Any] = {
            "id": f"e{i}",
            "label": rel,
            "color": {"color": rel_color[rel], "highlight": "#000000", "hover": "#000000"},
            "value": max(_as_int(data.get("count"), 1), 1),
        }
        if rel in SYMMETRIC_RELATIONS:
            kw["arrows"] = {"to": {"enabled": False}}
        if rel == "co_occurs":
            kw["dashes"] = True
        if nth:  # parallel edges between the same pair: fan them out
            kw["smooth"] = {
                "enabled": True,
                "type": "curvedCW" if nth % 2 else "curvedCCW",
                "roundness": 0.15 * ((nth + 1) // 2) + 0.1,
            }
        net.add_edge(src, dst, **kw)
        evidences = [
            {"article": _clean(ev.get("article")), "sentence": _clean(ev.get("sentence"))}
            for ev in (data.get("evidences") or [])
            if isinstance(ev, dict)
        ]
        extra = {
            "relation": rel,
            "evidence": _clean(data.get("evidence")),
            "article": _clean(data.get("article")),
            "confidence": _clean(data.get("confidence")),
            "count": _clean(data.get("count")),
            "evidences": evidences,
        }
        first, last = _date(data.get("first")), _date(data.get("last"))
        if first and last:  # a dated edge: its span and the date of each evidence
            extra.update(first=first, last=last)
            raw = [ev for ev in (data.get("evidences") or []) if isinstance(ev, dict)]
            for ev, shown in zip(raw, evidences, strict=True):
                shown["date"] = _date(ev.get("date"))
            dated.update((first, last))
        edge_extra.append(extra)

    nodes_out = []
    for record in net.nodes:
        item = _clean(record)
        item.update(_clean(node_extra[record["id"]]))
        nodes_out.append(item)
    edges_out = []
    for record, extra in zip(net.edges, edge_extra, strict=True):
        item = _clean(record)
        item.update(extra)
        edges_out.append(item)

    pyvis_options = json.loads(net.options.to_json())
    type_names = _ordered(type_counts, ENTITY_TYPES)
    dates = {"dates": {"min": min(dated), "max": max(dated)}} if dated else {}
    return {
        "title": str(title),
        "total_nodes": total_nodes,
        "total_edges": total_edges,
        "shown_nodes": len(nodes_out),
        "shown_edges": len(edges_out),
        "truncated": len(nodes_out) < total_nodes,
        "types": [
            {
                "name": t,
                "color": TYPE_STYLE.get(t, OTHER_TYPE_STYLE)[0],
                "shape": TYPE_STYLE.get(t, OTHER_TYPE_STYLE)[1],
                "count": type_counts[t],
            }
            for t in type_names
        ],
        "relations": [
            {
                "name": r,
                "color": rel_color[r],
                "count": rel_counts[r],
                "symmetric": r in SYMMETRIC_RELATIONS,
            }
            for r in relations
        ],
        "nodes": nodes_out,
        "edges": edges_out,
        "options": _vis_options(len(nodes_out), len(edges_out), pyvis_options),
        "budget_ms": STABILIZATION_BUDGET_MS,
        "panel_max_edges": PANEL_MAX_EDGES,
        "edge_labels": len(edges_out) <= EDGE_LABELS_MAX_EDGES,
        **dates,
    }


class _IdList(list):
    """A list with a set beside it, so ``x in ids`` is O(1) in pyvis."""

    def __init__(self) -> None:
        super().__init__()
        self._set: set = set()

    def append(self, item: Any) -> None:
        super().append(item)
        self._set.add(item)

    def __contains__(self, item: object) -> bool:
        return item in self._set


def _str_or_none(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return "|".join(str(v) for v in value)
    return str(value)

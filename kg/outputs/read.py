"""Read ``graph.json`` or a GraphML file back into the in-memory schema of
:mod:`kg.schema`: the built graph that ``kg eval``, ``kg export`` and ``kg stats`` read."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree.ElementTree import ParseError

import networkx as nx

from kg.errors import InputError, reason
from kg.outputs.frames import MENTION_COLUMNS
from kg.outputs.values import to_float, to_int
from kg.schema import ALIAS_SEP, edge_relation

_INT_ATTRS = frozenset({"mentions", "articles", "count"})

_FLOAT_ATTRS = frozenset({"confidence"})

_STR_ATTRS = frozenset(
    {"name", "type", "aliases", "article_ids", "relation", "evidence", "article"}
)


def _schema_graph(G: nx.Graph) -> nx.MultiDiGraph:
    """Any read graph in kg's in-memory schema (typed attributes, keys = relations)."""
    H = nx.MultiDiGraph()
    skip = {"node_default", "edge_default"}  # added by nx.read_graphml
    H.graph.update({k: v for k, v in G.graph.items() if k not in skip})
    for n, d in G.nodes(data=True):
        d = dict(d)
        d.pop("label", None)
        d.pop("id", None)
        for key in _INT_ATTRS & d.keys():
            d[key] = to_int(d[key])
        for key in _FLOAT_ATTRS & d.keys():
            d[key] = to_float(d[key])
        for key in _STR_ATTRS & d.keys():
            value = d[key]
            d[key] = ALIAS_SEP.join(map(str, value)) if isinstance(value, list) else str(value)
        d.setdefault("name", str(n))
        H.add_node(str(n), **d)
    edges = G.edges(keys=True, data=True) if G.is_multigraph() else G.edges(data=True)
    for edge in edges:
        if len(edge) == 4:
            u, v, k, d = edge
        else:
            (u, v, d), k = edge, None
        d = dict(d)
        d.pop("id", None)
        d.pop("label", None)
        d.pop("networkx_key", None)
        rel = edge_relation(d, k, "related_to")
        d["relation"] = rel
        for key in _INT_ATTRS & d.keys():
            d[key] = to_int(d[key], 1)
        for key in _FLOAT_ATTRS & d.keys():
            d[key] = to_float(d[key])
        for key in ("evidence", "article"):
            if key in d:
                d[key] = "" if d[key] is None else str(d[key])
        evidences = d.get("evidences")
        if isinstance(evidences, str):
            try:
                evidences = json.loads(evidences)
            except json.JSONDecodeError:
                evidences = None
        if not isinstance(evidences, list):
            evidences = (
                [{"article": d.get("article", ""), "sentence": d["evidence"]}]
                if d.get("evidence")
                else []
            )
        d["evidences"] = evidences
        H.add_edge(str(u), str(v), key=rel, **d)
    return H


def _read_mentions(path: Path) -> list[dict]:
    import pandas as pd

    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    missing = set(MENTION_COLUMNS) - set(frame.columns)
    if missing:
        raise InputError(f"{path}: missing columns {', '.join(sorted(missing))}")
    rows = []
    for rec in frame[MENTION_COLUMNS].to_dict("records"):
        rec["start"] = to_int(rec["start"])
        rec["end"] = to_int(rec["end"])
        rows.append(rec)
    return rows


def read_graph(path: str | Path) -> nx.MultiDiGraph:
    """Read ``graph.json`` (node-link) or a ``.graphml`` file into kg's in-memory schema.

    A directory stands for the ``graph.json`` (or else ``graph.graphml``) inside it.
    When a ``mentions.csv`` lies next to the file it becomes ``G.graph["mentions"]``;
    a GraphML file has no ``evidences`` lists, so each edge gets its first evidence.
    """
    path = Path(path)
    if path.is_dir():
        for name in ("graph.json", "graph.graphml"):
            if (path / name).is_file():
                path = path / name
                break
        else:
            raise InputError(f"no graph.json or graph.graphml in {path}")
    if not path.exists():
        raise InputError(f"graph file not found: {path}")
    suffix = path.suffix.lower()
    if suffix not in {".json", ".graphml", ".xml"}:
        raise InputError(f"unknown graph format {path.suffix or '(none)'!r} of {path}")
    kind = "JSON" if suffix == ".json" else "GraphML"
    try:
        if suffix == ".json":
            data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict) or "nodes" not in data:
                raise ValueError("not a node-link graph")
            edges = "edges" if "edges" in data or "links" not in data else "links"
            data.setdefault(edges, [])
            try:
                G = nx.node_link_graph(data, directed=True, multigraph=True, edges=edges)
            except TypeError:  # networkx < 3.4
                G = nx.node_link_graph(data, directed=True, multigraph=True, link=edges)
        else:
            G = nx.read_graphml(path, force_multigraph=True)
        H = _schema_graph(G)
    except OSError as exc:
        raise InputError(f"cannot read {path}: {reason(exc)}") from None
    except (ValueError, TypeError, KeyError, AttributeError, ParseError, nx.NetworkXError) as exc:
        raise InputError(f"{path} is not a valid {kind} graph: {reason(exc)}") from None
    H.graph.pop("mentions", None)
    mentions_csv = path.parent / "mentions.csv"
    if mentions_csv.is_file():
        try:
            H.graph["mentions"] = _read_mentions(mentions_csv)
        except (OSError, ValueError) as exc:  # pandas' ParserError is a ValueError
            raise InputError(f"cannot read {mentions_csv}: {reason(exc)}") from None
    else:
        H.graph["mentions"] = []
    return H

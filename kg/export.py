"""Write a graph to files, and read the graph files back (``kg export``).

One writer per format, each writing atomically (a temporary file in the target
directory, then ``os.replace``), and each deterministic: nodes and edges are sorted
and no timestamp is written, so the same graph always gives the same bytes.

============  =========================================================================
format        what it keeps
============  =========================================================================
graph.json    networkx node-link JSON (``"edges"``): every attribute, the ``evidences``
              lists included; graph-level ``mentions`` are left out (see mentions.csv)
graphml       scalars only (str, int, float, bool): the first evidence and ``count``,
              not the ``evidences`` list; other lists are joined with ``|``
gexf          the GraphML attributes, for Gephi; the node label is the entity name
csv           entities.csv, relations.csv, mentions.csv (see :func:`to_frames`)
neo4j         nodes.csv and relationships.csv for ``neo4j-admin database import``
============  =========================================================================

:func:`read_graph` reads ``graph.json`` or a GraphML file back into the in-memory
schema of :mod:`kg.schema`.
"""

from __future__ import annotations

import csv
import importlib
import io
import json
import math
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple
from xml.etree.ElementTree import ParseError

import networkx as nx
import pandas as pd

from kg.errors import InputError
from kg.schema import ALIAS_SEP, split_aliases

FORMATS: tuple[str, ...] = ("graphml", "gexf", "json", "csv", "neo4j")
DIRECTORY_FORMATS: frozenset[str] = frozenset({"csv", "neo4j"})

ENTITY_COLUMNS = ["id", "name", "type", "aliases", "mentions", "articles", "article_ids", "degree"]
RELATION_COLUMNS = [
    "source",
    "target",
    "source_name",
    "target_name",
    "relation",
    "confidence",
    "count",
    "article",
    "evidence",
    "all_evidence",
]
MENTION_COLUMNS = ["article", "start", "end", "text", "type", "canonical", "sentence"]

NEO4J_NODE_HEADER = [
    "id:ID",
    "name",
    "type",
    "aliases:string[]",
    "mentions:int",
    "articles:int",
    ":LABEL",
]
NEO4J_REL_HEADER = [
    ":START_ID",
    ":END_ID",
    ":TYPE",
    "evidence",
    "article",
    "confidence:float",
    "count:int",
]
NEO4J_ARRAY_DELIMITER = ";"

_INT_ATTRS = frozenset({"mentions", "articles", "count"})
_FLOAT_ATTRS = frozenset({"confidence"})
_STR_ATTRS = frozenset(
    {"name", "type", "aliases", "article_ids", "relation", "evidence", "article"}
)


class Frames(NamedTuple):
    """The graph as three tables."""

    entities: pd.DataFrame
    relations: pd.DataFrame
    mentions: pd.DataFrame


# --------------------------------------------------------------------------- helpers


def _relation(key: Any, data: dict) -> str:
    return str(data.get("relation") or key)


def _sorted_nodes(G: nx.Graph) -> list[tuple[Any, dict]]:
    return sorted(G.nodes(data=True), key=lambda item: str(item[0]))


def _sorted_edges(G: nx.MultiDiGraph) -> list[tuple[Any, Any, Any, dict]]:
    edges = G.edges(keys=True, data=True) if G.is_multigraph() else G.edges(data=True)
    out = []
    for edge in edges:
        if len(edge) == 4:
            u, v, k, d = edge
        else:
            (u, v, d), k = edge, None
        out.append((u, v, k, d))
    return sorted(out, key=lambda e: (str(e[0]), str(e[1]), _relation(e[2], e[3]), str(e[2])))


def _plain(value: Any) -> Any:
    """numpy scalars as Python ones; anything else unchanged."""
    item = getattr(value, "item", None)
    if callable(item) and not isinstance(value, (str, bytes, list, dict, tuple)):
        try:
            return item()
        except (TypeError, ValueError):
            return value
    return value


def _json_default(value: Any) -> Any:
    value = _plain(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=_json_default)


def _to_int(value: Any, default: int = 0) -> int:
    value = _plain(value)
    if value is None or value == "":
        return default
    if isinstance(value, float):
        return default if math.isnan(value) else int(value)
    try:
        return int(value)
    except (TypeError, ValueError):
        return int(float(value))


def _to_float(value: Any) -> float | None:
    value = _plain(value)
    if value is None or value == "":
        return None
    return float(value)


def _flatten(value: Any) -> str | int | float | bool | None:
    """A GraphML/GEXF-safe scalar: lists of strings joined with ``|``, others as JSON."""
    value = _plain(value)
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, (list, tuple, set, frozenset)):
        items = list(value) if isinstance(value, (list, tuple)) else sorted(value, key=str)
        if all(isinstance(_plain(x), str) for x in items):
            return ALIAS_SEP.join(items)
    return _dumps(value)


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
    nodes = _sorted_nodes(G)
    node_records = []
    for n, d in nodes:
        rec = {k: _flatten(v) for k, v in sorted(d.items()) if k not in {"id", "label"}}
        rec = {k: v for k, v in rec.items() if v is not None}
        if labels:
            rec["label"] = str(d.get("name") or n)
        node_records.append(rec)
    edges = _sorted_edges(G)
    edge_records = []
    for _u, _v, k, d in edges:
        rec = {
            a: _flatten(x)
            for a, x in sorted(d.items())
            if a not in {"evidences", "id", "key", "label"}
        }
        rec = {a: x for a, x in rec.items() if x is not None}
        rec.setdefault("relation", _relation(k, d))
        edge_records.append(rec)
    _unify(node_records)
    _unify(edge_records)
    for (n, _), rec in zip(nodes, node_records, strict=True):
        H.add_node(str(n), **rec)
    for i, ((u, v, k, d), rec) in enumerate(zip(edges, edge_records, strict=True)):
        key = f"e{i}" if edge_ids else _relation(k, d)
        H.add_edge(str(u), str(v), key=key, **rec)
    return H


def _atomic_write(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to a temporary file next to ``path``, then rename it into place."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create directory {path.parent}: {_reason(exc)}") from None
    if path.is_dir():
        raise InputError(f"cannot write {path}: it is a directory")
    tmp = path.parent / f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError(f"cannot write {path}: {_reason(exc)}") from None
    return path


def _reason(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return " ".join(str(text).split())


# --------------------------------------------------------------------------- tables


def to_frames(G: nx.MultiDiGraph) -> Frames:
    """Entities, relations and mentions as DataFrames, sorted deterministically."""
    ent_rows = []
    for n, d in _sorted_nodes(G):
        aliases = d.get("aliases", "")
        if isinstance(aliases, (list, tuple)):
            aliases = ALIAS_SEP.join(map(str, aliases))
        article_ids = d.get("article_ids", "")
        if isinstance(article_ids, (list, tuple)):
            article_ids = ALIAS_SEP.join(map(str, article_ids))
        ent_rows.append(
            {
                "id": str(n),
                "name": str(d.get("name") or n),
                "type": str(d.get("type", "")),
                "aliases": str(aliases or ""),
                "mentions": _to_int(d.get("mentions")),
                "articles": _to_int(d.get("articles")),
                "article_ids": str(article_ids or ""),
                "degree": int(G.degree(n)),
            }
        )
    rel_rows = []
    for u, v, k, d in _sorted_edges(G):
        evidences = d.get("evidences")
        if evidences is None:
            evidences = (
                [{"article": d.get("article", ""), "sentence": d["evidence"]}]
                if d.get("evidence")
                else []
            )
        rel_rows.append(
            {
                "source": str(u),
                "target": str(v),
                "source_name": str(G.nodes[u].get("name") or u),
                "target_name": str(G.nodes[v].get("name") or v),
                "relation": _relation(k, d),
                "confidence": _to_float(d.get("confidence")),
                "count": _to_int(d.get("count"), 1),
                "article": str(d.get("article", "") or ""),
                "evidence": str(d.get("evidence", "") or ""),
                "all_evidence": _dumps(list(evidences)),
            }
        )
    men_rows = []
    for m in G.graph.get("mentions", None) or []:
        m = m if isinstance(m, dict) else getattr(m, "__dict__", {})
        men_rows.append(
            {
                "article": str(m.get("article", "")),
                "start": _to_int(m.get("start")),
                "end": _to_int(m.get("end")),
                "text": str(m.get("text", "")),
                "type": str(m.get("type", "")),
                "canonical": str(m.get("canonical", "")),
                "sentence": str(m.get("sentence", "")),
            }
        )
    men_rows.sort(key=lambda r: (r["article"], r["start"], r["end"], r["text"], r["canonical"]))

    entities = pd.DataFrame(ent_rows, columns=ENTITY_COLUMNS)
    relations = pd.DataFrame(rel_rows, columns=RELATION_COLUMNS)
    mentions = pd.DataFrame(men_rows, columns=MENTION_COLUMNS)
    for frame, ints in (
        (entities, ("mentions", "articles", "degree")),
        (relations, ("count",)),
        (mentions, ("start", "end")),
    ):
        for col in ints:
            frame[col] = frame[col].astype("int64")
    relations["confidence"] = relations["confidence"].astype("float64")
    return Frames(entities, relations, mentions)


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


# --------------------------------------------------------------------------- bytes


def _graphml_bytes(G: nx.MultiDiGraph) -> bytes:
    buf = io.BytesIO()
    nx.write_graphml(_scalar_graph(G, edge_ids=True, labels=False), buf, encoding="utf-8")
    return buf.getvalue()


def _gexf_bytes(G: nx.MultiDiGraph) -> bytes:
    buf = io.BytesIO()
    nx.write_gexf(_scalar_graph(G, edge_ids=False, labels=True), buf, encoding="utf-8")
    # networkx stamps today's date into <meta>; leave it out so output is reproducible
    return re.sub(rb'\s+lastmodifieddate="[^"]*"', b"", buf.getvalue(), count=1)


def _node_link(G: nx.MultiDiGraph) -> dict:
    H = nx.MultiDiGraph()
    H.graph.update({k: v for k, v in sorted(G.graph.items()) if k != "mentions"})
    for n, d in _sorted_nodes(G):
        H.add_node(n, **d)
    for u, v, k, d in _sorted_edges(G):
        H.add_edge(u, v, key=k if k is not None else _relation(k, d), **d)
    try:
        return nx.node_link_data(H, edges="edges")
    except TypeError:  # networkx < 3.4 names the parameter "link"
        return nx.node_link_data(H, link="edges")


def _json_bytes(G: nx.MultiDiGraph) -> bytes:
    text = json.dumps(
        _node_link(G), ensure_ascii=False, sort_keys=True, indent=1, default=_json_default
    )
    return (text + "\n").encode("utf-8")


def _neo4j_bytes(G: nx.MultiDiGraph) -> tuple[bytes, bytes]:
    frames = to_frames(G)
    nodes = io.StringIO()
    w = csv.writer(nodes, lineterminator="\n")
    w.writerow(NEO4J_NODE_HEADER)
    for row in frames.entities.itertuples(index=False):
        aliases = NEO4J_ARRAY_DELIMITER.join(split_aliases(row.aliases))
        w.writerow([row.id, row.name, row.type, aliases, row.mentions, row.articles, row.type])
    rels = io.StringIO()
    w = csv.writer(rels, lineterminator="\n")
    w.writerow(NEO4J_REL_HEADER)
    for row in frames.relations.itertuples(index=False):
        conf = "" if pd.isna(row.confidence) else repr(float(row.confidence))
        w.writerow(
            [
                row.source,
                row.target,
                row.relation.upper(),
                row.evidence,
                row.article,
                conf,
                row.count,
            ]
        )
    return nodes.getvalue().encode("utf-8"), rels.getvalue().encode("utf-8")


def _frames_bytes(G: nx.MultiDiGraph) -> dict[str, bytes]:
    frames = to_frames(G)
    return {
        "entities.csv": _csv_bytes(frames.entities),
        "relations.csv": _csv_bytes(frames.relations),
        "mentions.csv": _csv_bytes(frames.mentions),
    }


# --------------------------------------------------------------------------- writers


def write_graphml(G: nx.MultiDiGraph, path: str | Path) -> Path:
    """GraphML with scalar attributes only (the ``evidences`` lists are dropped)."""
    return _atomic_write(path, _graphml_bytes(G))


def write_gexf(G: nx.MultiDiGraph, path: str | Path) -> Path:
    """GEXF 1.2 for Gephi, with the same scalar attributes as GraphML."""
    return _atomic_write(path, _gexf_bytes(G))


def write_json(G: nx.MultiDiGraph, path: str | Path) -> Path:
    """networkx node-link JSON (``"edges"``), keeping the ``evidences`` lists."""
    return _atomic_write(path, _json_bytes(G))


def write_csv(G: nx.MultiDiGraph, outdir: str | Path) -> list[Path]:
    """entities.csv, relations.csv and mentions.csv (UTF-8) in ``outdir``."""
    outdir = Path(outdir)
    return [_atomic_write(outdir / name, data) for name, data in _frames_bytes(G).items()]


def write_neo4j(G: nx.MultiDiGraph, outdir: str | Path) -> list[Path]:
    """nodes.csv and relationships.csv for ``neo4j-admin database import``.

    Import into an empty database (Neo4j 5) with::

        neo4j-admin database import full neo4j \\
            --nodes=nodes.csv --relationships=relationships.csv \\
            --array-delimiter=";" --multiline-fields=true --overwrite-destination

    Node ids are kg node ids (``TYPE:name``), each node's label is its entity type,
    and the relationship type is the relation name upper-cased (``PART_OF``).
    """
    outdir = Path(outdir)
    nodes, rels = _neo4j_bytes(G)
    return [
        _atomic_write(outdir / "nodes.csv", nodes),
        _atomic_write(outdir / "relationships.csv", rels),
    ]


_WRITERS: dict[str, Callable[[nx.MultiDiGraph, Path], Any]] = {
    "graphml": write_graphml,
    "gexf": write_gexf,
    "json": write_json,
    "csv": write_csv,
    "neo4j": write_neo4j,
}


def export(G: nx.MultiDiGraph, path: str | Path, format: str) -> list[Path]:
    """Write ``G`` in one ``format`` (graphml, gexf, json: a file; csv, neo4j: a directory)."""
    fmt = (format or "").strip().lower()
    writer = _WRITERS.get(fmt)
    if writer is None:
        raise InputError(f"unknown export format {format!r} (choose from {', '.join(FORMATS)})")
    written = writer(G, Path(path))
    return list(written) if isinstance(written, list) else [written]


def write(G: nx.MultiDiGraph, outdir: str | Path) -> list[Path]:
    """Write every output into ``outdir``: graph.graphml, graph.json, the CSVs, graph.html.

    All files are produced in a temporary directory inside ``outdir`` first and only
    then renamed into place, so a failure leaves the previous outputs untouched.
    """
    outdir = Path(outdir)
    try:
        outdir.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".kg-write-", dir=outdir))
    except OSError as exc:
        raise InputError(f"cannot write to {outdir}: {_reason(exc)}") from None
    try:
        files = {
            "graph.graphml": _graphml_bytes(G),
            "graph.json": _json_bytes(G),
            **_frames_bytes(G),
        }
        try:
            for name, data in files.items():
                (tmp / name).write_bytes(data)
        except OSError as exc:
            raise InputError(f"cannot write to {outdir}: {_reason(exc)}") from None
        render = importlib.import_module("kg.render")
        render.write_html(G, tmp / "graph.html")
        written = []
        for entry in sorted(tmp.iterdir()):
            target = outdir / entry.name
            if entry.is_dir() and target.is_dir():
                shutil.rmtree(target)
            os.replace(entry, target)
            written.append(target)
        return written
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# --------------------------------------------------------------------------- reading


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
            d[key] = _to_int(d[key])
        for key in _FLOAT_ATTRS & d.keys():
            d[key] = _to_float(d[key])
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
        rel = str(d.get("relation") or k or "related_to")
        d["relation"] = rel
        for key in _INT_ATTRS & d.keys():
            d[key] = _to_int(d[key], 1)
        for key in _FLOAT_ATTRS & d.keys():
            d[key] = _to_float(d[key])
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
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    missing = set(MENTION_COLUMNS) - set(frame.columns)
    if missing:
        raise InputError(f"{path}: missing columns {', '.join(sorted(missing))}")
    rows = []
    for rec in frame[MENTION_COLUMNS].to_dict("records"):
        rec["start"] = _to_int(rec["start"])
        rec["end"] = _to_int(rec["end"])
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
        raise InputError(f"cannot read {path}: {_reason(exc)}") from None
    except (ValueError, TypeError, KeyError, AttributeError, ParseError, nx.NetworkXError) as exc:
        raise InputError(f"{path} is not a valid {kind} graph: {_reason(exc)}") from None
    H.graph.pop("mentions", None)
    mentions_csv = path.parent / "mentions.csv"
    if mentions_csv.is_file():
        try:
            H.graph["mentions"] = _read_mentions(mentions_csv)
        except (OSError, ValueError, pd.errors.ParserError) as exc:
            raise InputError(f"cannot read {mentions_csv}: {_reason(exc)}") from None
    else:
        H.graph["mentions"] = []
    return H

"""Write a graph to files, and read the graph files back (``kg export``).

One writer per format, each writing atomically (a temporary file in the target
directory, then ``os.replace``), and each deterministic: nodes and edges are sorted
and no timestamp is written, so the same graph always gives the same bytes. Writers of
several files (:func:`write`, csv, neo4j) replace them all or none (see
:func:`_replace_all`). Files are written in pieces: mentions.csv streams from a
:class:`~kg.io.spool.MentionLog` on disk when ``G.graph["mentions"]`` is one.

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

import contextlib
import csv
import importlib
import io
import json
import math
import os
import pickle
import re
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, cast
from xml.etree.ElementTree import ParseError

import networkx as nx

from kg.errors import InputError
from kg.io.spool import MentionLog
from kg.outputs.atomic import write_atomically
from kg.runtime import paused_gc, usable_cores
from kg.schema import ALIAS_SEP, edge_relation, split_aliases

if TYPE_CHECKING:  # pandas is imported where tables are made: kg starts faster
    import pandas as pd

#: Graphs with at least this many nodes + edges have their files written by two processes.
PARALLEL_WRITE_MIN_ITEMS = 2000

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

#: The files :func:`write` puts into its output folder.
OUTPUT_NAMES = (
    "entities.csv",
    "graph.graphml",
    "graph.html",
    "graph.json",
    "mentions.csv",
    "relations.csv",
)

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
    return sorted(out, key=lambda e: (str(e[0]), str(e[1]), edge_relation(e[3], e[2]), str(e[2])))


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


def _atomic_write(path: str | Path, data: bytes | Callable[[Any], None]) -> Path:
    """:func:`kg.outputs.atomic.write_atomically` with one-line errors that name the target.

    ``data``: the bytes, or a function that writes them to the binary file it is given.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create directory {path.parent}: {_reason(exc)}") from None
    try:
        if path.is_dir():
            raise InputError(f"cannot write {path}: it is a directory")
    except OSError as exc:  # a name too long
        raise InputError(f"cannot write {path}: {_reason(exc)}") from None
    try:
        return write_atomically(path, data)
    except OSError as exc:
        # The message names the target: the temporary file is no concern of the user's.
        raise InputError(f"cannot write {path}: {_reason(exc)}") from None


def _write_files(
    outdir: str | Path,
    writers: dict[str, Callable[[Path], Any]],
    *,
    aside: Iterable[str] = (),
) -> list[Path]:
    """Write several files into ``outdir``, all or nothing.

    Each ``writers[name](path)`` writes one file into a temporary folder inside
    ``outdir``. Only when every file is written are they moved into place (see
    :func:`_replace_all`); a failure before or during the move leaves every earlier
    file of ``outdir`` as it was. The writers named in ``aside`` run at the same time
    in a forked process, where the system can fork and has a second core.
    """
    outdir = Path(outdir)
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot write to {outdir}: {_reason(exc)}") from None
    names = sorted(writers)
    check_targets(outdir, names)  # before the work, not after it
    try:
        tmp = Path(tempfile.mkdtemp(prefix=".kg-write-", dir=outdir))
    except OSError as exc:
        raise InputError(f"cannot write to {outdir}: {_reason(exc)}") from None
    aside = [name for name in names if name in set(aside)] if _can_fork() else []
    helper = None
    # No collector passes: writing makes no cycles, and a forked writer then shares the
    # graph's memory pages instead of copying every page a pass would touch.
    with paused_gc():
        try:
            if aside:
                # each lambda binds its name as a default argument, called with none
                jobs: list[Callable[..., Any]] = [
                    lambda name=name: writers[name](tmp / name) for name in aside
                ]
                helper = _ForkedWriters(jobs)
            try:
                for name in names:
                    if name not in aside:
                        writers[name](tmp / name)
                if helper is not None:
                    helper.join()
            except OSError as exc:
                raise InputError(f"cannot write to {outdir}: {_reason(exc)}") from None
            return _replace_all(tmp, outdir, names)
        finally:
            if helper is not None:
                helper.stop()
            shutil.rmtree(tmp, ignore_errors=True)


def _can_fork() -> bool:
    """Fork a writer only on Linux (macOS system libraries are not fork-safe) with 2 cores."""
    if not hasattr(os, "fork") or not sys.platform.startswith("linux"):
        return False
    return usable_cores() > 1


class _ForkedWriters:
    """Writers run in a forked child; :meth:`join` re-raises the child's exception here.

    The child shares the parent's memory (copy on write), so the graph is not copied or
    pickled. It leaves with ``os._exit``: none of the parent's clean-up runs twice.
    """

    def __init__(self, jobs: list[Callable[[], Any]]) -> None:
        self._read, write = os.pipe()
        self.pid: int | None = os.fork()
        if self.pid == 0:  # the child
            os.close(self._read)
            code = 0
            try:
                for job in jobs:
                    job()
            except BaseException as exc:  # noqa: BLE001 - every failure goes to the parent
                code = 1
                with contextlib.suppress(BaseException):
                    os.write(write, _pickled(exc))
            finally:
                os._exit(code)
        os.close(write)

    def join(self) -> None:
        """Wait for the child; raise what it raised."""
        with os.fdopen(self._read, "rb") as pipe:
            message = pipe.read()
        # join runs once, before stop: the child's pid is still set
        _, status = os.waitpid(cast(int, self.pid), 0)
        self.pid = None
        if status != 0:
            try:
                error = pickle.loads(message)
            except Exception:  # noqa: BLE001 - killed, or an exception that does not pickle
                error = RuntimeError(f"a writer process failed (status {status})")
            raise error

    def stop(self) -> None:
        """Kill the child if it still runs (the parent failed or was interrupted)."""
        if self.pid is not None:
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            with contextlib.suppress(OSError):
                os.close(self._read)
            self.pid = None


def _pickled(exc: BaseException) -> bytes:
    try:
        return pickle.dumps(exc)
    except Exception:  # noqa: BLE001
        return pickle.dumps(RuntimeError(f"{type(exc).__name__}: {_reason(exc)}"))


def check_targets(outdir: str | Path, names: Iterable[str] = OUTPUT_NAMES) -> None:
    """Raise InputError if a file of ``names`` could not replace what is in ``outdir``.

    A folder in the way (a folder named ``graph.json``) is the case that can be seen
    before writing; :func:`write` checks again just before it moves its files.
    """
    outdir = Path(outdir)
    for name in names:
        target = outdir / name
        if target.is_dir() and not target.is_symlink():
            raise InputError(f"cannot write {target}: it is a directory")


def _replace_all(tmp: Path, outdir: Path, names: list[str]) -> list[Path]:
    """Move ``tmp/NAME`` to ``outdir/NAME`` for every name, all or nothing.

    Every target is checked first. Each existing target is kept in ``tmp`` (as a hard
    link: the target never goes missing) until every rename succeeded; if one fails (or
    the build is interrupted), the files already moved are put back as they were.
    """
    pairs = [(tmp / name, outdir / name) for name in names]
    for entry, target in pairs:
        if not entry.is_dir():
            check_targets(outdir, [target.name])
        elif os.path.lexists(target) and not target.is_dir():
            raise InputError(f"cannot write {target}: it is not a directory")
    kept = tmp / ".kept"
    try:
        kept.mkdir()
    except OSError as exc:  # named by the folder, not by the temporary one inside it
        raise InputError(f"cannot write to {outdir}: {_reason(exc)}") from None
    # One record per target: [target, its old self kept in tmp or None, kept as a hard
    # link (the target itself stays in place), replaced yet].
    moved: list[list[Any]] = []
    target = outdir
    try:
        for entry, target in pairs:
            record: list[Any] = [target, None, False, False]
            moved.append(record)
            if os.path.lexists(target):
                record[1] = kept / target.name
                record[2] = _keep(target, record[1])
            os.replace(entry, target)
            record[3] = True
    except BaseException as exc:
        for record in reversed(moved):
            _restore(*record)
        if isinstance(exc, OSError):
            raise InputError(f"cannot write {target}: {_reason(exc)}") from None
        raise
    return [target for _, target in pairs]


def _keep(target: Path, kept: Path) -> bool:
    """Keep the current ``target`` at ``kept``: a hard link if it can (True), else the
    target itself, renamed (False)."""
    if not (target.is_dir() and not target.is_symlink()):
        try:
            os.link(target, kept, follow_symlinks=False)
            return True
        except OSError:  # a file system without hard links
            pass
    os.rename(target, kept)
    return False


def _restore(target: Path, kept: Path | None, linked: bool, replaced: bool) -> None:
    """Undo one move of :func:`_replace_all`, as far as the file system lets us."""
    try:
        if kept is not None:
            if not replaced and linked:
                return  # the target was never touched
            if replaced and target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            os.replace(kept, target)
        elif replaced:
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            else:
                target.unlink()
    except OSError:
        pass


def _reason(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return " ".join(str(text).split())


# --------------------------------------------------------------------------- tables


def to_frames(G: nx.MultiDiGraph) -> Frames:
    """Entities, relations and mentions as DataFrames, sorted deterministically."""
    return _frames(G, with_mentions=True)


def _frames(G: nx.MultiDiGraph, *, with_mentions: bool) -> Frames:
    """:func:`to_frames`; without ``with_mentions`` the mentions table is left empty."""
    ent_rows, rel_rows = _table_rows(G)
    men_rows = list(_mention_rows(G.graph.get("mentions", None))) if with_mentions else []

    import pandas as pd

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


def _table_rows(G: nx.MultiDiGraph) -> tuple[list[dict], list[dict]]:
    """The rows of the entities and relations tables, sorted."""
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
                "relation": edge_relation(d, k),
                "confidence": _to_float(d.get("confidence")),
                "count": _to_int(d.get("count"), 1),
                "article": str(d.get("article", "") or ""),
                "evidence": str(d.get("evidence", "") or ""),
                "all_evidence": _dumps(list(evidences)),
            }
        )
    return ent_rows, rel_rows


def _mention_rows(mentions: Iterable[Any] | None) -> Iterator[tuple]:
    """The rows of mentions.csv (see MENTION_COLUMNS), sorted by article, start, end,
    text and canonical name: a list of mention dicts (or records), or a MentionLog,
    which streams them from disk one article at a time."""
    if isinstance(mentions, MentionLog):
        for article, rows in mentions.articles():
            for start, end, text, type_, canonical, sentence, *_ in rows:
                yield (article, start, end, text, type_, canonical, sentence)
        return
    rows = []
    for m in mentions or []:
        m = m if isinstance(m, dict) else getattr(m, "__dict__", {})
        rows.append(
            (
                str(m.get("article", "")),
                _to_int(m.get("start")),
                _to_int(m.get("end")),
                str(m.get("text", "")),
                str(m.get("type", "")),
                str(m.get("canonical", "")),
                str(m.get("sentence", "")),
            )
        )
    rows.sort(key=lambda r: (r[0], r[1], r[2], r[3], r[5]))
    yield from rows


def _write_csv_rows(rows: list[dict], columns: list[str], path: Path) -> None:
    """A table as CSV: the bytes pandas' ``to_csv(index=False)`` gives, without pandas."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")  # the dialect pandas writes with
        w.writerow(columns)
        w.writerows([[_csv_cell(row[c]) for c in columns] for row in rows])


def _csv_cell(value: Any) -> Any:
    """A float as pandas writes it (NaN empty); anything else as it is."""
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    return value


def _write_mentions(mentions: Iterable[Any] | None, path: Path) -> None:
    """mentions.csv, row by row: the bytes ``to_frames(G).mentions.to_csv()`` gives."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")  # the dialect pandas writes with
        w.writerow(MENTION_COLUMNS)
        batch = []
        for row in _mention_rows(mentions):
            batch.append(row)
            if len(batch) >= 4096:
                w.writerows(batch)
                batch.clear()
        w.writerows(batch)


# --------------------------------------------------------------------------- bytes


def _write_graphml(G: nx.MultiDiGraph, fh: Any) -> None:
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


def _node_link(G: nx.MultiDiGraph) -> dict:
    """``nx.node_link_data`` of a sorted copy of ``G`` (without graph-level mentions).

    Built directly, without the copy: the nodes sorted by id, the edges as
    :func:`_sorted_edges` gives them, which is the order the copy would list them in.
    """
    nodes = _sorted_nodes(G)
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
            for u, v, k, d in _sorted_edges(G)
        ],
    }


def _node_link_of_copy(G: nx.MultiDiGraph) -> dict:
    H = nx.MultiDiGraph()
    H.graph.update({k: v for k, v in sorted(G.graph.items()) if k != "mentions"})
    for n, d in _sorted_nodes(G):
        H.add_node(n, **d)
    for u, v, k, d in _sorted_edges(G):
        H.add_edge(u, v, key=k if k is not None else edge_relation(d, k), **d)
    try:
        return nx.node_link_data(H, edges="edges")
    except TypeError:  # networkx < 3.4 names the parameter "link"
        return nx.node_link_data(H, link="edges")


def _json_encoder() -> json.JSONEncoder:
    return json.JSONEncoder(ensure_ascii=False, sort_keys=True, indent=1, default=_json_default)


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
                value = _json_default(value)
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


def _write_json(G: nx.MultiDiGraph, fh: Any) -> None:
    """graph.json into a binary file, in pieces: the bytes of :func:`_json_bytes`."""
    out = io.TextIOWrapper(fh, encoding="utf-8", newline="")
    _IndentedJson(out.write).dump(_node_link(G))
    out.write("\n")
    out.flush()
    out.detach()


def _json_bytes(G: nx.MultiDiGraph) -> bytes:
    return (_json_encoder().encode(_node_link(G)) + "\n").encode("utf-8")


def _neo4j_bytes(G: nx.MultiDiGraph) -> tuple[bytes, bytes]:
    import pandas as pd

    frames = _frames(G, with_mentions=False)
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


def _csv_writers(G: nx.MultiDiGraph) -> dict[str, Callable[[Path], Any]]:
    """Writers of entities.csv, relations.csv and mentions.csv, for :func:`_write_files`.

    The mentions stream from ``G.graph["mentions"]`` (a list, or a MentionLog on disk)
    to the file; no table of them is built.
    """
    tables: list[tuple[list[dict], list[dict]]] = []

    def rows() -> tuple[list[dict], list[dict]]:
        if not tables:
            tables.append(_table_rows(G))
        return tables[0]

    return {
        "entities.csv": lambda path: _write_csv_rows(rows()[0], ENTITY_COLUMNS, path),
        "relations.csv": lambda path: _write_csv_rows(rows()[1], RELATION_COLUMNS, path),
        "mentions.csv": lambda path: _write_mentions(G.graph.get("mentions"), path),
    }


def _binary(write: Callable[[nx.MultiDiGraph, Any], None], G: nx.MultiDiGraph):
    def writer(path: Path) -> None:
        with open(path, "wb") as fh:
            write(G, fh)

    return writer


# --------------------------------------------------------------------------- writers


def write_graphml(G: nx.MultiDiGraph, path: str | Path) -> Path:
    """GraphML with scalar attributes only (the ``evidences`` lists are dropped)."""
    return _atomic_write(path, lambda fh: _write_graphml(G, fh))


def write_gexf(G: nx.MultiDiGraph, path: str | Path) -> Path:
    """GEXF 1.2 for Gephi, with the same scalar attributes as GraphML."""
    return _atomic_write(path, _gexf_bytes(G))


def write_json(G: nx.MultiDiGraph, path: str | Path) -> Path:
    """networkx node-link JSON (``"edges"``), keeping the ``evidences`` lists."""
    return _atomic_write(path, lambda fh: _write_json(G, fh))


def write_csv(G: nx.MultiDiGraph, outdir: str | Path) -> list[Path]:
    """entities.csv, relations.csv and mentions.csv (UTF-8) in ``outdir``, all or none."""
    written = {p.name: p for p in _write_files(outdir, _csv_writers(G))}
    return [written[name] for name in ("entities.csv", "relations.csv", "mentions.csv")]


def write_neo4j(G: nx.MultiDiGraph, outdir: str | Path) -> list[Path]:
    """nodes.csv and relationships.csv for ``neo4j-admin database import``.

    Import into an empty database (Neo4j 5) with::

        neo4j-admin database import full neo4j \\
            --nodes=nodes.csv --relationships=relationships.csv \\
            --array-delimiter=";" --multiline-fields=true --overwrite-destination

    Node ids are kg node ids (``TYPE:name``), each node's label is its entity type,
    and the relationship type is the relation name upper-cased (``PART_OF``).
    """
    nodes, rels = _neo4j_bytes(G)
    return _write_files(
        outdir,
        {
            "nodes.csv": lambda path: path.write_bytes(nodes),
            "relationships.csv": lambda path: path.write_bytes(rels),
        },
    )


_WRITERS: dict[str, Callable[[nx.MultiDiGraph, Path], Any]] = {
    "graphml": write_graphml,
    "gexf": write_gexf,
    "json": write_json,
    "csv": write_csv,
    "neo4j": write_neo4j,
}


def export(G: nx.MultiDiGraph, path: str | Path, format: str) -> list[Path]:
    """Write ``G`` in one ``format`` (graphml, gexf, json: a file; csv, neo4j: a directory).

    A directory format refuses a ``path`` that is an existing file (InputError).
    """
    fmt = (format or "").strip().lower()
    writer = _WRITERS.get(fmt)
    if writer is None:
        raise InputError(f"unknown export format {format!r} (choose from {', '.join(FORMATS)})")
    path = Path(path)
    if fmt in DIRECTORY_FORMATS and os.path.lexists(path) and not path.is_dir():
        raise InputError(
            f"cannot write {path}: it is a file, and the {fmt} format writes a folder "
            "(give a folder name with -o)"
        )
    written = writer(G, Path(path))
    return list(written) if isinstance(written, list) else [written]


def write(G: nx.MultiDiGraph, outdir: str | Path, *, max_nodes: int = 1500) -> list[Path]:
    """Write every output into ``outdir``: graph.graphml, graph.json, the CSVs, graph.html.

    graph.html shows the ``max_nodes`` nodes of highest degree (and says so when it
    leaves some out); the other files hold the whole graph.

    All files are written into a temporary folder inside ``outdir`` first, one after
    the other and each in pieces (mentions.csv streams from a
    :class:`~kg.io.spool.MentionLog` when ``G.graph["mentions"]`` is one). Only then are
    they moved into place, all or nothing: a folder in the way of an output is found
    before the first file is replaced, and if a move still fails (or the build is
    interrupted) the outputs already moved are put back. A failure leaves the previous
    outputs untouched.
    """

    def html(path: Path) -> None:
        importlib.import_module("kg.outputs.render").write_html(G, path, max_nodes=max_nodes)

    writers = {
        "graph.graphml": _binary(_write_graphml, G),
        "graph.json": _binary(_write_json, G),
        **_csv_writers(G),
        "graph.html": html,
    }
    # On a large graph a second process writes GraphML and JSON meanwhile (the two take
    # about as long as the page and the CSVs; mentions.csv reads the spool file, so it
    # stays in this process).
    large = G.number_of_nodes() + G.number_of_edges() >= PARALLEL_WRITE_MIN_ITEMS
    return _write_files(outdir, writers, aside=("graph.graphml", "graph.json") if large else ())


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
        rel = edge_relation(d, k, "related_to")
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
    import pandas as pd

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
        except (OSError, ValueError) as exc:  # pandas' ParserError is a ValueError
            raise InputError(f"cannot read {mentions_csv}: {_reason(exc)}") from None
    else:
        H.graph["mentions"] = []
    return H

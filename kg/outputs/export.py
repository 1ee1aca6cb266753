"""Write a graph to files, and read the graph files back (``kg export``).

One writer per format, each writing atomically (a temporary file in the target
directory, then ``os.replace``), and each deterministic: nodes and edges are sorted
and no timestamp is written, so the same graph always gives the same bytes. Writers of
several files (:func:`write`, csv, neo4j) replace them all or none (see
:mod:`kg.outputs.files`). Files are written in pieces: mentions.csv streams from a
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

This module is the front: :func:`export` and :func:`write`, and the public names of
the modules that do the work, one per format (:mod:`~kg.outputs.graphml` for GraphML
and GEXF, :mod:`~kg.outputs.jsonfile`, :mod:`~kg.outputs.frames` for the tables and
csv, :mod:`~kg.outputs.neo4j`, :mod:`~kg.outputs.read`), with :mod:`~kg.outputs.files`
for the set of files and :mod:`~kg.outputs.values` for what they share.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx

from kg.errors import InputError
from kg.outputs.files import OUTPUT_NAMES, check_targets, write_files
from kg.outputs.frames import (
    ENTITY_COLUMNS,
    MENTION_COLUMNS,
    RELATION_COLUMNS,
    Frames,
    csv_writers,
    to_frames,
    write_csv,
)
from kg.outputs.graphml import dump_graphml, write_gexf, write_graphml
from kg.outputs.jsonfile import dump_json, write_json
from kg.outputs.neo4j import write_neo4j
from kg.outputs.read import read_graph

__all__ = [
    "DIRECTORY_FORMATS",
    "ENTITY_COLUMNS",
    "FORMATS",
    "MENTION_COLUMNS",
    "OUTPUT_NAMES",
    "RELATION_COLUMNS",
    "Frames",
    "check_targets",
    "export",
    "read_graph",
    "to_frames",
    "write",
    "write_csv",
    "write_gexf",
    "write_graphml",
    "write_json",
    "write_neo4j",
]

#: Graphs with at least this many nodes + edges have their files written by two processes.
PARALLEL_WRITE_MIN_ITEMS = 2000

FORMATS: tuple[str, ...] = ("graphml", "gexf", "json", "csv", "neo4j")
DIRECTORY_FORMATS: frozenset[str] = frozenset({"csv", "neo4j"})


def _binary(write: Callable[[nx.MultiDiGraph, Any], None], G: nx.MultiDiGraph):
    def writer(path: Path) -> None:
        with open(path, "wb") as fh:
            write(G, fh)

    return writer


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
        "graph.graphml": _binary(dump_graphml, G),
        "graph.json": _binary(dump_json, G),
        **csv_writers(G),
        "graph.html": html,
    }
    # On a large graph a second process writes GraphML and JSON meanwhile (the two take
    # about as long as the page and the CSVs; mentions.csv reads the spool file, so it
    # stays in this process).
    large = G.number_of_nodes() + G.number_of_edges() >= PARALLEL_WRITE_MIN_ITEMS
    return write_files(outdir, writers, aside=("graph.graphml", "graph.json") if large else ())

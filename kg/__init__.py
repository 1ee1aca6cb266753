"""kg: turn Chinese news text into a knowledge graph.

import kg
G = kg.build_graph(["articles/"])      # networkx.MultiDiGraph
frames = kg.to_frames(G)              # pandas DataFrames
kg.write(G, "output")                 # graph.graphml, graph.json, CSVs, graph.html
"""

from __future__ import annotations

from kg.build import build_graph, iter_mentions
from kg.errors import InputError, KgError
from kg.export import export, read_graph, to_frames, write
from kg.render import render_html, show

__version__ = "0.1.0"

__all__ = [
    "InputError",
    "KgError",
    "build_graph",
    "export",
    "iter_mentions",
    "read_graph",
    "render_html",
    "show",
    "to_frames",
    "write",
]

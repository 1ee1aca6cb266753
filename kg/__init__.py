"""kg: turn Chinese news text into a knowledge graph.

    import kg
    G = kg.build_graph(["articles/"])      # networkx.MultiDiGraph
    frames = kg.to_frames(G)              # pandas DataFrames
    kg.write(G, "output")                 # graph.graphml, graph.json, CSVs, graph.html

The builder and the viewer are imported on first use, so ``kg eval`` and ``kg stats``
start without loading spaCy and the LAC model.
"""

from __future__ import annotations

from importlib import import_module

# Imported now: the function kg.outputs.export must shadow the submodule kg.outputs.export.
from kg.errors import InputError, KgError
from kg.outputs.export import export, read_graph, to_frames, write
from kg.version import __version__ as __version__

_API = {
    "build_graph": "kg.build",
    "iter_mentions": "kg.build",
    "render_html": "kg.outputs.render",
    "show": "kg.outputs.render",
}

__all__ = [  # noqa: RUF022 - grouped by stage
    "build_graph",
    "iter_mentions",
    "InputError",
    "KgError",
    "export",
    "read_graph",
    "to_frames",
    "write",
    "render_html",
    "show",
]


def __getattr__(name: str):
    if name in _API:
        return getattr(import_module(_API[name]), name)
    raise AttributeError(f"module 'kg' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_API])

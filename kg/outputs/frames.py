"""The graph as tables: entities, relations and mentions (``to_frames`` and the csv
format: entities.csv, relations.csv, mentions.csv).

The CSV files are written row by row without pandas, with the very bytes pandas'
``to_csv(index=False)`` of :func:`to_frames` would give; mentions.csv streams from a
:class:`~kg.io.spool.MentionLog` on disk when ``G.graph["mentions"]`` is one.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import networkx as nx

from kg.io.spool import MentionLog
from kg.outputs.files import write_files
from kg.outputs.values import json_text, sorted_edges, sorted_nodes, to_float, to_int
from kg.schema import ALIAS_SEP, edge_relation

if TYPE_CHECKING:  # pandas is imported where tables are made: kg starts faster
    import pandas as pd


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


class Frames(NamedTuple):
    """The graph as three tables."""

    entities: pd.DataFrame
    relations: pd.DataFrame
    mentions: pd.DataFrame


def to_frames(G: nx.MultiDiGraph) -> Frames:
    """Entities, relations and mentions as DataFrames, sorted deterministically."""
    return build_frames(G, with_mentions=True)


def build_frames(G: nx.MultiDiGraph, *, with_mentions: bool) -> Frames:
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
    for n, d in sorted_nodes(G):
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
                "mentions": to_int(d.get("mentions")),
                "articles": to_int(d.get("articles")),
                "article_ids": str(article_ids or ""),
                "degree": int(G.degree(n)),
            }
        )
    rel_rows = []
    for u, v, k, d in sorted_edges(G):
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
                "confidence": to_float(d.get("confidence")),
                "count": to_int(d.get("count"), 1),
                "article": str(d.get("article", "") or ""),
                "evidence": str(d.get("evidence", "") or ""),
                "all_evidence": json_text(list(evidences)),
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
                to_int(m.get("start")),
                to_int(m.get("end")),
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


def csv_writers(G: nx.MultiDiGraph) -> dict[str, Callable[[Path], Any]]:
    """Writers of entities.csv, relations.csv and mentions.csv, for :func:`write_files`.

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


def write_csv(G: nx.MultiDiGraph, outdir: str | Path) -> list[Path]:
    """entities.csv, relations.csv and mentions.csv (UTF-8) in ``outdir``, all or none."""
    written = {p.name: p for p in write_files(outdir, csv_writers(G))}
    return [written[name] for name in ("entities.csv", "relations.csv", "mentions.csv")]

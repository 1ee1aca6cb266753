"""nodes.csv and relationships.csv for ``neo4j-admin database import``."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import networkx as nx

from kg.outputs.files import write_files
from kg.outputs.frames import build_frames
from kg.schema import split_aliases

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


def _neo4j_bytes(G: nx.MultiDiGraph) -> tuple[bytes, bytes]:
    import pandas as pd

    frames = build_frames(G, with_mentions=False)
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
    return write_files(
        outdir,
        {
            "nodes.csv": lambda path: path.write_bytes(nodes),
            "relationships.csv": lambda path: path.write_bytes(rels),
        },
    )

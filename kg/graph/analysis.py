"""Small analyses of a kg graph, as plain functions over a networkx graph.

They take the graphs :func:`kg.build_graph` and :func:`kg.read_graph` return (a
``networkx.MultiDiGraph`` in the schema of :mod:`kg.schema`) and give back either a
smaller graph of the same kind (so it can go to :func:`kg.show`, :func:`kg.write`,
:func:`kg.to_frames`) or a pandas DataFrame.

    from kg.graph import analysis
    analysis.rank_entities(G, "ORG")                # degree and betweenness
    analysis.ego(G, "南通市公安局", radius=1)         # a neighbourhood
    analysis.filter_relations(G, "partners_with")   # one relation type
    analysis.compare_graphs(G_march, G_april)       # what appeared, disappeared, changed
    analysis.period(G, "2024-05-01", "2024-05-31")   # the edges of May
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable
from typing import Any

import networkx as nx
import pandas as pd

from kg.schema import COOCCURRENCE, RELATION_TYPES, edge_relation, split_aliases

RANK_COLUMNS = ["id", "name", "type", "degree", "betweenness"]
COMMUNITY_COLUMNS = ["community", "size", "types", "members"]
COMPARE_COLUMNS = ["name", "type", "degree_before", "degree_after", "change", "status"]
STATUSES: tuple[str, ...] = ("appeared", "disappeared", "changed", "same")


def _name(G: nx.Graph, node: Any) -> str:
    return str(G.nodes[node].get("name") or node)


def _type(G: nx.Graph, node: Any) -> str:
    return str(G.nodes[node].get("type") or "")


def find_node(G: nx.Graph, name: str) -> Any:
    """The node called ``name``: a node id, else a canonical name, else an alias.

    Several entities can share a name (an ORG and a GPE, or one alias of two
    organisations); the one of highest degree is returned, ties by node id.
    Raises ``KeyError`` when nothing matches.
    """
    if name in G:
        return name
    for matches in (
        [n for n, d in G.nodes(data=True) if str(d.get("name") or n) == name],
        [n for n, d in G.nodes(data=True) if name in split_aliases(str(d.get("aliases") or ""))],
    ):
        if matches:
            return min(matches, key=lambda n: (-G.degree(n), str(n)))
    raise KeyError(f"no entity named {name!r} in the graph")


def rank_entities(
    G: nx.Graph, entity_type: str | None = None, *, top: int | None = None
) -> pd.DataFrame:
    """Entities ranked by degree, then betweenness centrality.

    ``degree`` counts every edge in and out (as in :func:`kg.to_frames`).
    ``betweenness`` is the normalised betweenness centrality in the undirected,
    simple view of the whole graph: the share of shortest paths between other
    entities that pass through this one, whatever the edges' direction. It shows
    brokers, entities that connect otherwise separate parts of the graph.

    ``entity_type`` (ORG, GPE, PROGRAMME, PERSON) keeps one type; ``top`` the first
    rows. Columns: id, name, type, degree, betweenness.
    """
    betweenness = nx.betweenness_centrality(nx.Graph(G.to_undirected(as_view=True)))
    rows: list[dict[str, Any]] = [
        {
            "id": str(n),
            "name": _name(G, n),
            "type": _type(G, n),
            "degree": int(G.degree(n)),
            "betweenness": float(betweenness.get(n, 0.0)),
        }
        for n in G.nodes
        if entity_type is None or _type(G, n) == entity_type
    ]
    rows.sort(key=lambda r: (-r["degree"], -r["betweenness"], r["name"], r["id"]))
    if top is not None:
        rows = rows[: max(top, 0)]
    frame = pd.DataFrame(rows, columns=RANK_COLUMNS)
    frame["degree"] = frame["degree"].astype("int64")
    frame["betweenness"] = frame["betweenness"].astype("float64")
    return frame


def community_table(
    G: nx.Graph, communities: Iterable[Collection[Any]], *, min_size: int = 1
) -> pd.DataFrame:
    """One row per community (a set of nodes, e.g. from ``louvain_communities``).

    Communities are numbered from 0, largest first (ties by their best-connected
    member); those with fewer than ``min_size`` nodes are left out, the numbering of
    the others is unchanged. ``types`` counts the entity types (``ORG 4, GPE 2``);
    ``members`` lists the names, highest degree first.
    Columns: community, size, types, members.
    """

    def member_key(n: Any) -> tuple:
        return (-G.degree(n), _name(G, n), str(n))

    ordered = sorted(
        (sorted(c, key=member_key) for c in communities),
        key=lambda members: (-len(members), member_key(members[0]) if members else ()),
    )
    rows = []
    for i, members in enumerate(ordered):
        if len(members) < min_size:
            continue
        types = Counter(_type(G, n) for n in members)
        rows.append(
            {
                "community": i,
                "size": len(members),
                "types": ", ".join(
                    f"{t} {c}" for t, c in sorted(types.items(), key=lambda kv: (-kv[1], kv[0]))
                ),
                "members": ", ".join(_name(G, n) for n in members),
            }
        )
    frame = pd.DataFrame(rows, columns=COMMUNITY_COLUMNS)
    for col in ("community", "size"):
        frame[col] = frame[col].astype("int64")
    return frame


def _field(record: Any, key: str) -> Any:
    return record.get(key) if isinstance(record, dict) else getattr(record, key, None)


def _restricted(G: nx.MultiDiGraph, H: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """``H`` (a copy of part of ``G``) with ``G``'s mentions of ``H``'s entities only."""
    mentions = G.graph.get("mentions")
    if mentions is not None:
        keep = {(_name(H, n), _type(H, n)) for n in H.nodes}
        H.graph["mentions"] = [
            m for m in mentions if (str(_field(m, "canonical")), str(_field(m, "type"))) in keep
        ]
    return H


def ego(G: nx.MultiDiGraph, node: Any, *, radius: int = 1) -> nx.MultiDiGraph:
    """The neighbourhood of one entity: every entity within ``radius`` edges of it.

    ``node`` is a node id or a name (see :func:`find_node`). Edges are followed in
    both directions; the result keeps every edge among the kept entities, with all
    attributes, and the mentions of those entities only.
    """
    center = find_node(G, node)
    H = nx.ego_graph(G, center, radius=radius, undirected=True).copy()
    return _restricted(G, H)


def filter_relations(
    G: nx.MultiDiGraph, relations: str | Iterable[str], *, keep_isolates: bool = False
) -> nx.MultiDiGraph:
    """The graph with only the edges of the given relation type(s).

    Entities left without an edge are dropped unless ``keep_isolates``. A relation
    name that is neither one of kg's types nor found in ``G`` raises ``ValueError``
    (a typo would otherwise give an empty graph).
    """
    wanted = {relations} if isinstance(relations, str) else set(relations)
    present = {edge_relation(d, k) for _, _, k, d in G.edges(keys=True, data=True)}
    unknown = wanted - present - set(RELATION_TYPES) - {COOCCURRENCE}
    if unknown:
        known = ", ".join(sorted(present | set(RELATION_TYPES)))
        raise ValueError(f"unknown relation {', '.join(sorted(unknown))} (known: {known})")
    H = nx.MultiDiGraph()
    H.graph.update(G.graph)
    H.add_nodes_from(G.nodes(data=True))
    H.add_edges_from(
        (u, v, k, dict(d))
        for u, v, k, d in G.edges(keys=True, data=True)
        if edge_relation(d, k) in wanted
    )
    if not keep_isolates:
        H.remove_nodes_from([n for n, deg in list(H.degree()) if deg == 0])
    return _restricted(G, H)


def period(G: nx.MultiDiGraph, start: str | None, end: str | None) -> nx.MultiDiGraph:
    """The edges with evidence dated from ``start`` to ``end`` (ISO ``YYYY-MM-DD``, both
    included; None for no bound), and the entities they touch.

    Each kept edge keeps only the evidence of that period (``evidences``, ``count``,
    ``first``, ``last``, and ``evidence``/``article`` the first of it). An edge whose
    evidences carry no dates (a graph read from GraphML) is kept when its ``first`` to
    ``last`` span meets the period, as it is. Undated edges are left out.
    """
    from kg.io.ingest import parse_date

    for bound in (start, end):
        if bound is not None and parse_date(bound) != bound:
            raise ValueError(f"not an ISO date (YYYY-MM-DD): {bound!r}")
    low, high = start or "0000-00-00", end or "9999-99-99"
    H = nx.MultiDiGraph()
    H.graph.update(G.graph)
    for u, v, k, d in G.edges(keys=True, data=True):
        evidences = list(d.get("evidences") or [])
        if any("date" in ev for ev in evidences):
            kept = [ev for ev in evidences if low <= str(ev.get("date") or "~") <= high]
            if not kept:
                continue
            data = dict(d)
            if len(kept) < len(evidences):
                first = kept[0]
                data.update(evidences=kept, count=len(kept))
                data.update(evidence=first.get("sentence", ""), article=first.get("article", ""))
            dates = sorted(ev["date"] for ev in kept)
            data.update(first=dates[0], last=dates[-1])
        elif d.get("first") and str(d["first"]) <= high and str(d.get("last") or d["first"]) >= low:
            data = dict(d)
        else:
            continue
        for n in (u, v):
            if n not in H:
                H.add_node(n, **G.nodes[n])
        H.add_edge(u, v, key=k, **data)
    return _restricted(G, H)


def compare_graphs(before: nx.Graph, after: nx.Graph) -> pd.DataFrame:
    """What changed between two graphs (two corpora, two months): one row per entity.

    Entities are matched by node id (``TYPE:name``). ``status`` is ``appeared`` (only
    in ``after``), ``disappeared`` (only in ``before``), ``changed`` (in both, with a
    different degree) or ``same``. An entity absent from a graph has degree 0 there;
    ``change`` is ``degree_after - degree_before``.

    Rows are sorted by status (in that order), then by the size of the change, then
    type and name. Columns: name, type, degree_before, degree_after, change, status.
    """
    rows: list[dict[str, Any]] = []
    for node in set(before.nodes) | set(after.nodes):
        in_before, in_after = node in before, node in after
        where = after if in_after else before
        deg_before = int(before.degree(node)) if in_before else 0
        deg_after = int(after.degree(node)) if in_after else 0
        if not in_before:
            status = "appeared"
        elif not in_after:
            status = "disappeared"
        else:
            status = "changed" if deg_before != deg_after else "same"
        rows.append(
            {
                "name": _name(where, node),
                "type": _type(where, node),
                "degree_before": deg_before,
                "degree_after": deg_after,
                "change": deg_after - deg_before,
                "status": status,
                "_id": str(node),
            }
        )
    order = {s: i for i, s in enumerate(STATUSES)}
    rows.sort(
        key=lambda r: (
            order[r["status"]],
            -abs(r["change"]),
            -r["change"],
            r["type"],
            r["name"],
            r["_id"],
        )
    )
    frame = pd.DataFrame(rows, columns=COMPARE_COLUMNS)
    for col in ("degree_before", "degree_after", "change"):
        frame[col] = frame[col].astype("int64")
    return frame

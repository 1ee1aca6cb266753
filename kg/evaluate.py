"""Score a graph against a hand-made gold graph (``kg eval``).

The rules are those of the gold-graph README (``shared/eval/README.md``):

* Names are compared after :func:`normalise` (NFKC, no whitespace, no quote marks,
  lower case). A node matches a gold entity when its name or one of its aliases
  equals the gold name or one of the gold aliases.
* Each required gold entity is matched by at most one node. Nodes are assigned to the
  gold entities they match by a maximum bipartite matching that is built in a fixed
  order (nodes named exactly like a gold entity first, then nodes of a matching type,
  nodes that also match an optional entity last, ties by id; for each node, gold
  entities of its own type first, then in file order), so a node that matches several
  gold entities takes a required one that no other node needs, as few nodes as
  possible end up duplicates, the node that carries the gold name is the match rather
  than a duplicate, and the result never depends on dict order.
* A node left unassigned that matches an optional entity is ignored; one that matches
  only required entities already taken is a duplicate (reported apart, neither a hit
  nor a false positive); one that matches nothing is a false positive.
* Entity precision = matched / (matched + false positives); recall = matched /
  required gold entities. Typed: the matched node's type must also equal the gold
  type (``LOC`` and ``FAC`` count as ``GPE`` on both sides).
* Per type: recall is counted by gold type (required gold entities of that type that
  are matched by a node of the right type), precision by node type (counted nodes of
  that type that matched a gold entity of that type).
* Edges count once per (source, target, relation). An edge end stands for every gold
  entity its node matches (a node may match several through aliases); a gold
  relation's head stands for the gold entities named by ``head`` or ``alt_heads``,
  its tail likewise. The pair score matches an edge to a gold relation when its ends
  cover head and tail in either order. The typed score also needs the same relation
  label and the right direction (``partners_with`` either way).
* For either score, an edge that matches a required gold relation is a hit; one that
  matches only optional relations is ignored; one that matches none is a false
  positive. In the typed score an edge whose pair matches only optional relations is
  ignored too, whatever its label. Recall = required gold relations matched by at
  least one edge / required gold relations.
* ``co_occurs`` edges are scored like any other edge: a co-occurrence between the two
  ends of a gold relation is a pair hit, anything else a false positive, and since
  ``co_occurs`` is no gold relation type it is never a typed hit. Their number is
  reported so that a graph built with co-occurrence edges can be read fairly.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx

from kg.gold import QUOTE_MARKS as QUOTE_MARKS
from kg.gold import Gold, GoldEntity, GoldRelation, load_gold, normalise
from kg.schema import COOCCURRENCE, SYMMETRIC_RELATIONS, edge_relation, split_aliases
from kg.tables import text_table

TYPE_ALIASES = {"LOC": "GPE", "FAC": "GPE"}


def canonical_type(entity_type: str | None) -> str:
    """An entity type as it is compared (``LOC`` and ``FAC`` count as ``GPE``)."""
    value = (entity_type or "").strip().upper()
    return TYPE_ALIASES.get(value, value)


# --------------------------------------------------------------------------- report


@dataclass(frozen=True)
class PRF:
    """Precision, recall and F1 with the counts behind them."""

    tp: int  # predictions that are right (precision numerator)
    predicted: int  # predictions counted (precision denominator)
    found: int  # gold items found (recall numerator)
    gold: int  # gold items required (recall denominator)

    @property
    def precision(self) -> float:
        return self.tp / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.found / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {
            **asdict(self),
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
        }


@dataclass(frozen=True)
class Duplicate:
    node: str  # node id
    name: str  # node name
    gold: str  # gold entity it duplicates
    first: str  # id of the node that matched that gold entity


@dataclass(frozen=True)
class EdgeRef:
    source: str
    target: str
    relation: str
    source_name: str
    target_name: str

    def label(self) -> str:
        return f"{self.source_name} -[{self.relation}]-> {self.target_name}"


@dataclass
class EvalReport:
    entities: PRF
    entities_typed: PRF
    relations: PRF  # pair score
    relations_typed: PRF
    per_type: dict[str, PRF]
    duplicates: list[Duplicate] = field(default_factory=list)
    entity_false_positives: list[tuple[str, str, str]] = field(default_factory=list)
    """(node id, name, type) of nodes that match no gold entity."""
    entity_mistyped: list[tuple[str, str, str, str]] = field(default_factory=list)
    """(node id, name, node type, gold type) of matched nodes with the wrong type."""
    missed_entities: list[GoldEntity] = field(default_factory=list)
    relation_false_positives: list[EdgeRef] = field(default_factory=list)
    """Edges that match no gold relation (pair score)."""
    relation_mistyped: list[EdgeRef] = field(default_factory=list)
    """Edges right for the pair score but wrong for the typed one (label or direction)."""
    missed_relations: list[GoldRelation] = field(default_factory=list)
    """Required gold relations that no edge matches, not even as a pair."""
    missed_relations_typed: list[GoldRelation] = field(default_factory=list)
    """Required gold relations matched as a pair but by no edge with the right type."""
    ignored_nodes: int = 0
    ignored_edges: int = 0
    cooccurrence_edges: int = 0

    @property
    def duplicate_count(self) -> int:
        return len(self.duplicates)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready summary."""
        return {
            "entities": self.entities.as_dict(),
            "entities_typed": self.entities_typed.as_dict(),
            "per_type": {t: s.as_dict() for t, s in self.per_type.items()},
            "duplicates": [asdict(d) for d in self.duplicates],
            "relations": self.relations.as_dict(),
            "relations_typed": self.relations_typed.as_dict(),
            "entity_false_positives": [list(x) for x in self.entity_false_positives],
            "entity_mistyped": [list(x) for x in self.entity_mistyped],
            "missed_entities": [asdict(e) for e in self.missed_entities],
            "relation_false_positives": [asdict(e) for e in self.relation_false_positives],
            "relation_mistyped": [asdict(e) for e in self.relation_mistyped],
            "missed_relations": [asdict(r) for r in self.missed_relations],
            "missed_relations_typed": [asdict(r) for r in self.missed_relations_typed],
            "ignored_nodes": self.ignored_nodes,
            "ignored_edges": self.ignored_edges,
            "cooccurrence_edges": self.cooccurrence_edges,
        }


# --------------------------------------------------------------------------- scoring


def _node_keys(data: dict, node: Any) -> frozenset[str]:
    aliases = data.get("aliases")
    if isinstance(aliases, (list, tuple)):  # tolerate a list in place of the joined string
        alias_list = [str(a) for a in aliases]
    else:
        alias_list = split_aliases(aliases if isinstance(aliases, str) else None)
    names = [str(data.get("name") or node), *alias_list]
    return frozenset(k for k in map(normalise, names) if k)


def _max_matching(candidates: dict[str, list[int]], order: list[str]) -> dict[int, str]:
    """Kuhn's augmenting paths: gold index -> node, tried in a fixed order."""
    owner: dict[int, str] = {}

    def augment(node: str, seen: set[int]) -> bool:
        for g in candidates[node]:
            if g in seen:
                continue
            seen.add(g)
            if g not in owner or augment(owner[g], seen):
                owner[g] = node
                return True
        return False

    for node in order:
        if candidates[node]:
            augment(node, set())
    return owner


def _relation_sides(
    rel: GoldRelation, index: dict[str, set[int]]
) -> tuple[frozenset[Any], frozenset[Any]]:
    def side(names: Iterable[str]) -> frozenset[Any]:
        out: set[Any] = set()
        for name in names:
            key = normalise(name)
            if not key:
                continue
            found = index.get(key)
            # a name that is no gold entity still matches a node by that name
            out.update(found if found else {key})
        return frozenset(out)

    return side((rel.head, *rel.alt_heads)), side((rel.tail, *rel.alt_tails))


def score(G: nx.MultiDiGraph, gold: Gold) -> EvalReport:
    """Score graph ``G`` against ``gold`` (see the module docstring for the rules)."""
    # gold name index: normalised name -> gold entity indices
    index: dict[str, set[int]] = {}
    for i, ent in enumerate(gold.entities):
        for key in ent.match_keys():
            index.setdefault(key, set()).add(i)

    nodes = sorted(G.nodes, key=str)
    node_id = {n: str(n) for n in nodes}
    data_of = {str(n): G.nodes[n] for n in nodes}
    order = [node_id[n] for n in nodes]
    ntype = {nid: canonical_type(data_of[nid].get("type")) for nid in order}
    nname = {nid: str(data_of[nid].get("name") or nid) for nid in order}

    # node -> every gold entity it matches (used for relations), and required candidates
    matches: dict[str, set[int]] = {}
    for nid in order:
        hit: set[int] = set()
        for key in _node_keys(data_of[nid], nid):
            hit |= index.get(key, set())
        matches[nid] = hit

    def pref(nid: str, g: int) -> tuple[int, int]:
        return (0 if canonical_type(gold.entities[g].type) == ntype[nid] else 1, g)

    required = {
        nid: sorted(
            (g for g in matches[nid] if not gold.entities[g].optional),
            key=functools.partial(pref, nid),
        )
        for nid in order
    }
    # Claim order: nodes that could fall back on an optional entity go last; before
    # them, nodes named exactly like a gold entity, then nodes of a gold entity's type.
    has_optional = {nid: any(gold.entities[g].optional for g in matches[nid]) for nid in order}

    def claim(nid: str) -> tuple[bool, bool, bool]:
        own = normalise(nname[nid])
        exact = any(normalise(gold.entities[g].name) == own for g in required[nid])
        typed = any(pref(nid, g)[0] == 0 for g in required[nid])
        return (has_optional[nid], not exact, not typed)

    owner = _max_matching(required, sorted(order, key=claim))
    assigned = {nid: g for g, nid in owner.items()}

    # ---- entities
    counted_nodes: list[str] = []
    false_pos: list[tuple[str, str, str]] = []
    duplicates: list[Duplicate] = []
    mistyped: list[tuple[str, str, str, str]] = []
    ignored_nodes = 0
    typed_tp = 0
    type_pred: dict[str, int] = {}
    type_tp: dict[str, int] = {}
    for nid in order:
        if nid in assigned:
            g = assigned[nid]
            counted_nodes.append(nid)
            type_pred[ntype[nid]] = type_pred.get(ntype[nid], 0) + 1
            gtype = canonical_type(gold.entities[g].type)
            if gtype == ntype[nid]:
                typed_tp += 1
                type_tp[gtype] = type_tp.get(gtype, 0) + 1
            else:
                mistyped.append((nid, nname[nid], str(data_of[nid].get("type", "")), gtype))
        elif has_optional[nid]:
            ignored_nodes += 1
        elif matches[nid]:
            g = required[nid][0]
            duplicates.append(Duplicate(nid, nname[nid], gold.entities[g].name, owner[g]))
        else:
            counted_nodes.append(nid)
            type_pred[ntype[nid]] = type_pred.get(ntype[nid], 0) + 1
            false_pos.append((nid, nname[nid], str(data_of[nid].get("type", ""))))

    required_gold = [i for i, e in enumerate(gold.entities) if not e.optional]
    matched = len(owner)
    entities = PRF(matched, len(counted_nodes), matched, len(required_gold))
    entities_typed = PRF(typed_tp, len(counted_nodes), typed_tp, len(required_gold))
    missed_entities = [gold.entities[i] for i in required_gold if i not in owner]

    gold_by_type: dict[str, int] = {}
    for i in required_gold:
        t = canonical_type(gold.entities[i].type)
        gold_by_type[t] = gold_by_type.get(t, 0) + 1
    types = sorted(set(gold_by_type) | set(type_pred))
    per_type = {
        t: PRF(type_tp.get(t, 0), type_pred.get(t, 0), type_tp.get(t, 0), gold_by_type.get(t, 0))
        for t in types
    }

    # ---- relations
    sides = [_relation_sides(r, index) for r in gold.relations]

    def end_keys(nid: str) -> frozenset[Any]:
        return frozenset(matches[nid]) | _node_keys(data_of[nid], nid)

    edges: dict[tuple[str, str, str], None] = {}
    for u, v, k, d in G.edges(keys=True, data=True):
        edges.setdefault((str(u), str(v), edge_relation(d, k)), None)

    pair_tp = pair_fp = typed_rel_tp = typed_rel_fp = 0
    ignored_edges = cooc = 0
    pair_found: set[int] = set()
    typed_found: set[int] = set()
    rel_fp: list[EdgeRef] = []
    rel_mistyped: list[EdgeRef] = []
    for u, v, rel in sorted(edges):
        if rel == COOCCURRENCE:
            cooc += 1
        ku, kv = end_keys(u), end_keys(v)
        pair_hits: list[int] = []
        typed_hits: list[int] = []
        for i, (heads, tails) in enumerate(sides):
            forward = bool(ku & heads) and bool(kv & tails)
            backward = bool(ku & tails) and bool(kv & heads)
            if not (forward or backward):
                continue
            pair_hits.append(i)
            grel = gold.relations[i].relation
            if grel == rel and (forward or rel in SYMMETRIC_RELATIONS):
                typed_hits.append(i)
        ref = EdgeRef(u, v, rel, nname[u], nname[v])
        pair_required = [i for i in pair_hits if not gold.relations[i].optional]
        typed_required = [i for i in typed_hits if not gold.relations[i].optional]
        if pair_required:
            pair_tp += 1
            pair_found.update(pair_required)
        elif pair_hits:
            ignored_edges += 1
            continue  # only optional pairs: ignored in both scores
        else:
            pair_fp += 1
            rel_fp.append(ref)
        if typed_required:
            typed_rel_tp += 1
            typed_found.update(typed_required)
        elif typed_hits:
            pass  # right label for an optional relation only: ignored
        else:
            typed_rel_fp += 1
            if pair_required:
                rel_mistyped.append(ref)

    required_rel = [i for i, r in enumerate(gold.relations) if not r.optional]
    relations = PRF(pair_tp, pair_tp + pair_fp, len(pair_found), len(required_rel))
    relations_typed = PRF(
        typed_rel_tp, typed_rel_tp + typed_rel_fp, len(typed_found), len(required_rel)
    )
    missed = [gold.relations[i] for i in required_rel if i not in pair_found]
    missed_typed = [
        gold.relations[i] for i in required_rel if i in pair_found and i not in typed_found
    ]

    return EvalReport(
        entities=entities,
        entities_typed=entities_typed,
        relations=relations,
        relations_typed=relations_typed,
        per_type=per_type,
        duplicates=duplicates,
        entity_false_positives=false_pos,
        entity_mistyped=mistyped,
        missed_entities=missed_entities,
        relation_false_positives=rel_fp,
        relation_mistyped=rel_mistyped,
        missed_relations=missed,
        missed_relations_typed=missed_typed,
        ignored_nodes=ignored_nodes,
        ignored_edges=ignored_edges,
        cooccurrence_edges=cooc,
    )


def total(scores: Iterable[PRF]) -> PRF:
    """The micro-average of several scores: their counts added up."""
    tp = predicted = found = gold = 0
    for s in scores:
        tp, predicted = tp + s.tp, predicted + s.predicted
        found, gold = found + s.found, gold + s.gold
    return PRF(tp, predicted, found, gold)


def rule_scores(G: nx.MultiDiGraph, gold: Gold) -> dict[str, tuple[int, int]]:
    """rule -> (typed-correct edges, scored edges) of the edges each relation rule made."""
    rules = sorted(
        {r for _, _, d in G.edges(data=True) for r in d.get("rules", "").split("|") if r}
    )
    out = {}
    for rule in rules:
        H = G.copy()
        H.remove_edges_from(
            [
                (u, v, k)
                for u, v, k, d in G.edges(keys=True, data=True)
                if rule not in d.get("rules", "").split("|")
            ]
        )
        typed = score(H, gold).relations_typed
        out[rule] = (typed.tp, typed.predicted)
    return out


def score_corpus(parts: Iterable[tuple[Any, str | Path]], **build_options: Any) -> dict[str, Any]:
    """Build each (corpus, gold file) part, score it, and add the parts up.

    Returns the summed :class:`PRF` of ``entities``, ``entities_typed``, ``relations``
    and ``relations_typed``, the ``duplicates`` count, and each part's ``reports``.
    """
    from kg.build import build_graph

    reports = [
        score(build_graph(corpus, **build_options), load_gold(gold)) for corpus, gold in parts
    ]
    summed: dict[str, Any] = {
        key: total(getattr(r, key) for r in reports)
        for key in ("entities", "entities_typed", "relations", "relations_typed")
    }
    summed["duplicates"] = sum(r.duplicate_count for r in reports)
    summed["reports"] = reports
    return summed


# --------------------------------------------------------------------------- text


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    """A table whose first column is left-aligned and the others right-aligned."""
    return text_table(header, rows, set(range(1, len(header))))


def _f(x: float) -> str:
    return f"{x:.3f}"


def format_report(report: EvalReport, show: bool = False) -> str:
    """A plain-text table of the scores; ``show`` also lists misses and false positives."""
    lines: list[str] = []
    rows = []
    for label, s, extra in (
        ("entities", report.entities, f"{report.duplicate_count} duplicates"),
        ("entities (typed)", report.entities_typed, ""),
        ("relations (pair)", report.relations, ""),
        ("relations (typed)", report.relations_typed, ""),
    ):
        rows.append(
            [
                label,
                _f(s.precision),
                _f(s.recall),
                _f(s.f1),
                f"{s.tp}/{s.predicted}",
                f"{s.found}/{s.gold}",
                extra,
            ]
        )
    lines += _table(["score", "P", "R", "F1", "right/out", "found/gold", ""], rows)
    lines.append("")
    type_rows = [
        [t, _f(s.precision), _f(s.recall), f"{s.tp}/{s.predicted}", f"{s.found}/{s.gold}"]
        for t, s in report.per_type.items()
    ]
    lines += _table(["type", "P", "R", "right/out", "found/gold"], type_rows)
    lines.append("")
    lines.append(
        f"duplicates: {report.duplicate_count}   "
        f"ignored (optional): {report.ignored_nodes} nodes, {report.ignored_edges} edges   "
        f"co_occurs edges: {report.cooccurrence_edges}"
    )
    if show:
        lines += _section(
            "entity false positives",
            [f"{name} ({etype})" for _, name, etype in report.entity_false_positives],
        )
        lines += _section(
            "wrongly typed entities",
            [f"{name} ({t} should be {g})" for _, name, t, g in report.entity_mistyped],
        )
        lines += _section(
            "missed entities", [f"{e.name} ({e.type})" for e in report.missed_entities]
        )
        lines += _section(
            "duplicates", [f"{d.name} ({d.node}) duplicates {d.gold}" for d in report.duplicates]
        )
        lines += _section(
            "relation false positives", [e.label() for e in report.relation_false_positives]
        )
        lines += _section(
            "relations with a wrong label or direction",
            [e.label() for e in report.relation_mistyped],
        )
        lines += _section("missed relations", [r.label() for r in report.missed_relations])
        lines += _section(
            "relations found only as a pair", [r.label() for r in report.missed_relations_typed]
        )
    return "\n".join(lines)


def _section(title: str, items: list[str]) -> list[str]:
    out = ["", f"{title} ({len(items)}):"]
    out += [f"  {item}" for item in items] or ["  (none)"]
    return out

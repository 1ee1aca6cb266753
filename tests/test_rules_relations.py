"""Table-driven tests of the relation rules (tests/rules/relations.tsv).

Each row of the table is one or two sentences of invented news text, the edges kg must
draw from it and the edges it must not draw, ``|``-separated and written
``head>relation>tail`` with the canonical node names kg gives (中共X区委, X区人民政府).
A ``partners_with`` edge counts in either direction. The ``rule`` column names the rule
of kg/pipeline (relations and their rule modules) the row is about (a rule id of the
registry, kg/pipeline/rule_registry.py); a row whose rule starts with ``xfail:`` shows a known
mistake and must fail (strict xfail), so that fixing the mistake is noticed and the mark
removed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import rule_table

import kg
from kg.pipeline.rule_registry import RULES
from kg.schema import COOCCURRENCE, RELATION_TYPES, SYMMETRIC_RELATIONS

TABLE = Path(__file__).parent / "rules" / "relations.tsv"

Edge = tuple[str, str, str]


ROWS = rule_table.rows(TABLE)


def _edge(item: str) -> Edge:
    head, relation, tail = item.split(">")
    return head, relation, tail


def test_table_is_well_formed() -> None:
    assert ROWS, "no rows in the table"
    assert list(ROWS[0][1]) == ["rule", "text", "must", "must_not"]
    for line, row in ROWS:
        assert rule_table.rule(row), f"line {line}: no rule"
        assert row["text"], f"line {line}: no text"
        assert rule_table.items(row["must"]) or rule_table.items(row["must_not"]), (
            f"line {line}: asserts nothing"
        )
        for item in rule_table.items(row["must"]) + rule_table.items(row["must_not"]):
            parts = item.split(">")
            assert len(parts) == 3 and all(parts), f"line {line}: bad edge {item!r}"
            assert parts[1] in RELATION_TYPES, f"line {line}: bad relation in {item!r}"
            assert parts[0] != parts[2], f"line {line}: a loop {item!r}"
        both = {_edge(i) for i in rule_table.items(row["must"])} & {
            _edge(i) for i in rule_table.items(row["must_not"])
        }
        assert not both, f"line {line}: edges both required and forbidden: {both}"
    assert sum(row["rule"].startswith(rule_table.XFAIL) for _, row in ROWS) <= 5


def _graph_edges(text: str) -> tuple[set[Edge], str]:
    """The edges kg draws from a text, and a listing of them with their rules."""
    G = kg.build_graph([text])
    edges = set()
    shown = []
    for u, v, data in G.edges(data=True):
        edge = (G.nodes[u]["name"], data["relation"], G.nodes[v]["name"])
        edges.add(edge)
        shown.append(f"{'>'.join(edge)} ({data.get('rules', '')})")
    return edges, "\n    ".join(sorted(shown)) or "none"


def _has(edges: set[Edge], edge: Edge) -> bool:
    head, relation, tail = edge
    return edge in edges or (relation in SYMMETRIC_RELATIONS and (tail, relation, head) in edges)


@pytest.mark.parametrize("row", rule_table.params(ROWS))
def test_rule_row(row: dict[str, str]) -> None:
    edges, shown = _graph_edges(row["text"])
    missing = [item for item in rule_table.items(row["must"]) if not _has(edges, _edge(item))]
    unwanted = [item for item in rule_table.items(row["must_not"]) if _has(edges, _edge(item))]
    assert not missing and not unwanted, (
        f"{row['text']}\n  missing: {missing}\n  unwanted: {unwanted}\n  edges:\n    {shown}"
    )


def test_every_rule_has_a_row() -> None:
    rules = {rule.id for rule in RULES} - {COOCCURRENCE}
    assert len(rules) >= 15, rules
    named = {rule_table.rule(row) for _, row in ROWS}
    untested = sorted(rules - named)
    assert not untested, f"relation rules with no row in {TABLE.name}: {untested}"
    unknown = sorted(named - rules)
    assert not unknown, f"rows of {TABLE.name} naming no relation rule: {unknown}"

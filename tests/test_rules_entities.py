"""Table-driven tests of the entity rules (tests/rules/entities.tsv).

Each row of the table is one or two sentences of invented news text, the mentions kg must
find in it (``TYPE:name``, ``|``-separated) and the surface strings no mention may have.
The ``rule`` column names the entity rule or filter of kg/pipeline the row is about; a row
whose rule starts with ``xfail:`` shows a known mistake and must fail (strict xfail), so
that fixing the mistake is noticed and the mark removed.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import rule_table

import kg
import kg.pipeline
from kg.io.records import Article

TABLE = Path(__file__).parent / "rules" / "entities.tsv"


ROWS = rule_table.rows(TABLE)


def test_table_is_well_formed() -> None:
    assert ROWS, "no rows in the table"
    for line, row in ROWS:
        assert row["text"], f"line {line}: no text"
        assert rule_table.items(row["must"]) or rule_table.items(row["must_not"]), (
            f"line {line}: asserts nothing"
        )
        for item in rule_table.items(row["must"]):
            label, _, name = item.partition(":")
            assert label in ("ORG", "GPE", "LOC", "PROGRAMME", "PERSON") and name, (
                f"line {line}: bad must item {item!r}"
            )
            assert name in row["text"], f"line {line}: {name!r} is not in the text"
    assert sum(row["rule"].startswith(rule_table.XFAIL) for _, row in ROWS) <= 5


@pytest.mark.parametrize("row", rule_table.params(ROWS))
def test_rule_row(row: dict[str, str]) -> None:
    mentions = list(kg.iter_mentions([Article(id="t", text=row["text"])]))
    found = {(m["type"], m["text"]) for m in mentions}
    texts = {m["text"] for m in mentions}
    shown = ", ".join(f"{m['type']}:{m['text']} ({m['rule']})" for m in mentions) or "none"
    missing = [
        item for item in rule_table.items(row["must"]) if tuple(item.split(":", 1)) not in found
    ]
    unwanted = [surface for surface in rule_table.items(row["must_not"]) if surface in texts]
    assert not missing and not unwanted, (
        f"{row['text']}\n  missing: {missing}\n  unwanted: {unwanted}\n  found: {shown}"
    )


def _module_rule_patterns() -> list[str]:
    """Regular expressions of the rule ids given to ``Candidate(...)`` in kg/pipeline:
    a string, the strings a variable is set to, or an f-string whose fields match any
    lower-case word (``f"suffix_{label.lower()}"``)."""
    folder = Path(kg.pipeline.__file__).parent
    tree = ast.Module(
        body=[
            node
            for module in sorted(folder.glob("*.py"))
            for node in ast.parse(module.read_text(encoding="utf-8")).body
        ],
        type_ignores=[],
    )
    # The strings a variable is set to (rule = "lac_org" if ... else "lac_name").
    assigned: dict[str, set[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    assigned.setdefault(target.id, set()).update(
                        c.value
                        for c in ast.walk(node.value)
                        if isinstance(c, ast.Constant) and isinstance(c.value, str)
                    )
    patterns = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Candidate"):
            continue
        arg = next((k.value for k in node.keywords if k.arg == "rule"), None)
        if arg is None and len(node.args) >= 4:
            arg = node.args[3]
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            patterns.append(re.escape(arg.value))
        elif isinstance(arg, ast.Name) and assigned.get(arg.id):
            patterns.extend(re.escape(value) for value in assigned[arg.id])
        elif isinstance(arg, ast.JoinedStr):
            patterns.append(
                "".join(
                    re.escape(part.value) if isinstance(part, ast.Constant) else "[a-z_]+"
                    for part in arg.values
                )
            )
        else:
            raise AssertionError(f"line {node.lineno}: a Candidate with no literal rule id")
    return sorted(set(patterns))


def test_every_rule_has_a_row() -> None:
    patterns = _module_rule_patterns()
    assert len(patterns) >= 15, patterns
    # user_pattern is the user's patterns, not a rule: tests/test_corrections.py.
    rules = {rule_table.rule(row) for _, row in ROWS} | {"user_pattern"}
    untested = [p for p in patterns if not any(re.fullmatch(p, rule) for rule in rules)]
    assert not untested, f"entity rules of kg/pipeline with no row in {TABLE.name}: {untested}"
    # The suffix rule's id is built from its label: both labels it gives need rows.
    assert {"suffix_org", "suffix_gpe"} <= rules

"""Reading the rule tables of tests/rules/*.tsv (shared by the entity and relation tests).

A table has the columns ``rule``, ``text``, ``must`` and ``must_not``; cells hold
``|``-separated items; a rule that starts with ``xfail:`` marks a known mistake.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

XFAIL = "xfail:"


def rows(table: Path) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) of each row of a tab-separated table."""
    with table.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [(reader.line_num, row) for row in reader]


def items(cell: str) -> list[str]:
    """The ``|``-separated items of a cell."""
    return [item for item in (cell or "").split("|") if item]


def rule(row: dict[str, str]) -> str:
    """The row's rule id, without its xfail mark."""
    return row["rule"].removeprefix(XFAIL)


def params(table_rows: list[tuple[int, dict[str, str]]]) -> list:
    """One pytest param per row, id ``rule-line``; xfail rows are strict xfails."""
    out = []
    for line, row in table_rows:
        marks = []
        if row["rule"].startswith(XFAIL):
            marks.append(pytest.mark.xfail(strict=True, reason="known mistake of kg"))
        out.append(pytest.param(row, marks=marks, id=f"{rule(row)}-{line}"))
    return out

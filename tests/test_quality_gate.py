"""The gold gate: building every committed gold set must not score below its recorded
floor (bench/gold_sets.json, written by ``python bench/gold.py --record``) by more than
0.005, for entities or relations. A failure prints the relation rules whose counts moved.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import kg
from kg.evaluate import load_gold, rule_scores, score_corpus

ROOT = Path(__file__).resolve().parent.parent
SETS = json.loads((ROOT / "bench" / "gold_sets.json").read_text(encoding="utf-8"))["sets"]
GATED = [s for s in SETS if s.get("gate", True)]
TOLERANCE = 0.005


def _parts(entry: dict) -> list[tuple[Path, Path]]:
    return [(ROOT / corpus, ROOT / gold) for corpus, gold in entry["parts"]]


def _rule_diff(entry: dict) -> str:
    now: dict[str, list[int]] = {}
    for corpus, gold in _parts(entry):
        for rule, (right, scored) in rule_scores(kg.build_graph(corpus), load_gold(gold)).items():
            counts = now.setdefault(rule, [0, 0])
            counts[0] += right
            counts[1] += scored
    before = entry.get("rules", {})
    lines = [
        f"  {rule}: right/scored {before.get(rule, [0, 0])} -> {now.get(rule, [0, 0])}"
        for rule in sorted(set(before) | set(now))
        if before.get(rule, [0, 0]) != now.get(rule, [0, 0])
    ]
    return "\n".join(lines) or "  (no relation rule's counts moved: look at the entities)"


def test_every_committed_gold_set_is_gated():
    assert {s["name"] for s in GATED} >= {"sample", "heldout", "blind", "blind2", "blind3"}
    for entry in GATED:
        assert set(entry["floor"]) == {"entities", "relations"}
        for corpus, gold in _parts(entry):
            assert corpus.exists() and gold.exists(), (corpus, gold)


@pytest.mark.parametrize("entry", GATED, ids=[s["name"] for s in GATED])
def test_gold_set_keeps_its_floor(entry):
    result = score_corpus(_parts(entry))
    floor = entry["floor"]
    found = {"entities": result["entities"].f1, "relations": result["relations"].f1}
    fallen = {k: (floor[k], round(v, 4)) for k, v in found.items() if v < floor[k] - TOLERANCE}
    if fallen:
        pytest.fail(
            f"{entry['name']} fell below its floor (floor, now): {fallen}\n"
            f"relation rules whose counts moved:\n{_rule_diff(entry)}"
        )

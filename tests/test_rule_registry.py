"""The relation rule registry (kg/pipeline/rule_registry.py) agrees with the rule
modules, the schema, the viewer's colours and the confidences, and says which rule
breaks when it does not."""

from __future__ import annotations

import ast
import dataclasses
import doctest
from pathlib import Path

import pytest

import kg.pipeline.rule_registry as registry
from kg.pipeline.actions import (
    guided,
    located,
    meetings,
    own_programmes,
    paired_places,
    partners,
    runs,
    subsidiaries,
    supervises,
)
from kg.pipeline.posts import leaders, works_for
from kg.pipeline.relations import RelationExtractor
from kg.pipeline.rule_registry import (
    NAME,
    RULES,
    RelationRule,
    RuleRegistryError,
    check,
    sentence_rules,
)
from kg.pipeline.sentences import triggers
from kg.schema import COOCCURRENCE, RELATION_COLORS, RELATION_TYPES

PIPELINE = Path(registry.__file__).parent
BY_ID = {rule.id: rule for rule in RULES}


def _yielded() -> list[tuple[str, str, str, str]]:
    """(module, function, relation, rule id) of every rule id a yield of kg/pipeline states."""
    found = []
    for path in sorted(PIPELINE.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in tree.body:
            if not isinstance(function, ast.FunctionDef):
                continue
            for node in ast.walk(function):
                if not (isinstance(node, ast.Yield) and isinstance(node.value, ast.Tuple)):
                    continue
                elts = node.value.elts
                relation = elts[1] if len(elts) == 4 else elts[2] if len(elts) == 6 else None
                if not isinstance(relation, ast.Constant):
                    continue
                last = elts[-1]
                ids = [last.body, last.orelse] if isinstance(last, ast.IfExp) else [last]
                for rule_id in ids:
                    assert isinstance(rule_id, ast.Constant), ast.dump(last)
                    found.append((path.stem, function.name, relation.value, rule_id.value))
    return found


def test_shipped_registry_passes_the_check() -> None:
    confidence = check()
    assert confidence == triggers()["confidence"]
    assert list(confidence) == [rule.id for rule in RULES]


def test_docstring_examples_hold() -> None:
    result = doctest.testmod(registry)
    assert result.attempted > 0 and result.failed == 0


def test_sentence_rules_run_in_the_order_they_always_ran() -> None:
    order = sentence_rules(RULES)
    assert order == registry.SENTENCE_RULES
    assert order == (
        partners,
        paired_places,
        runs,
        meetings,
        own_programmes,
        supervises,
        guided,
        subsidiaries,
        works_for,
        leaders,
        located,
    )


def test_every_yielded_rule_id_is_registered_with_its_relation() -> None:
    yielded = _yielded()
    assert len({rule_id for *_, rule_id in yielded}) >= 19, yielded
    for module, function, relation, rule_id in yielded:
        where = f"{module}.{function}"
        assert rule_id in BY_ID, f"{where} yields {rule_id!r}, which is not registered"
        rule = BY_ID[rule_id]
        assert rule.relation == relation, f"{where}: {rule_id!r} is registered as {rule.relation}"
        if module == "name_relations":
            assert rule.source == NAME, f"{where}: {rule_id!r} is a name rule"
        elif not function.startswith("_"):
            assert getattr(rule.source, "__name__", None) == function, (
                f"{where}: {rule_id!r} is registered with {rule.source!r}"
            )
    unyielded = set(BY_ID) - {rule_id for *_, rule_id in yielded} - {COOCCURRENCE}
    assert not unyielded, f"registered rules no rule yields: {sorted(unyielded)}"


def test_every_relation_type_is_drawn_by_a_rule() -> None:
    drawn = {rule.relation for rule in RULES}
    assert set(RELATION_TYPES) | {COOCCURRENCE} == drawn


def test_a_missing_confidence_names_the_rule() -> None:
    confidence = dict(triggers()["confidence"])
    del confidence["runs_merge"]
    with pytest.raises(RuleRegistryError, match="'runs_merge' has no confidence"):
        check(confidence=confidence)


def test_a_confidence_of_no_rule_is_named() -> None:
    confidence = {**triggers()["confidence"], "runs_guessed": 0.5}
    with pytest.raises(RuleRegistryError, match="confidence 'runs_guessed' .* no registered rule"):
        check(confidence=confidence)


def test_a_confidence_outside_0_1_is_named() -> None:
    confidence = {**triggers()["confidence"], "runs_merge": 92}
    with pytest.raises(RuleRegistryError, match="'runs_merge' has a confidence 92"):
        check(confidence=confidence)


def test_a_rule_of_an_unknown_relation_is_named() -> None:
    rules = [
        dataclasses.replace(rule, relation="funds") if rule.id == "runs_trigger" else rule
        for rule in RULES
    ]
    with pytest.raises(RuleRegistryError, match="'runs_trigger' draws 'funds'"):
        check(rules)


def test_a_rule_registered_twice_is_named() -> None:
    rules = [*RULES, RelationRule("runs_merge", "runs", runs)]
    with pytest.raises(RuleRegistryError, match="'runs_merge' is registered twice"):
        check(rules)


def test_a_relation_without_colour_is_named() -> None:
    colors = {k: v for k, v in RELATION_COLORS.items() if k != "supervises"}
    with pytest.raises(RuleRegistryError, match="'supervises' has no colour"):
        check(colors=colors)
    with pytest.raises(RuleRegistryError, match="'funds' has no colour"):
        check(relation_types=(*RELATION_TYPES, "funds"))
    with pytest.raises(RuleRegistryError, match="colour of 'funds'"):
        check(colors={**RELATION_COLORS, "funds": "#000000"})


def test_making_the_component_checks_the_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    shipped = triggers()
    confidence = {k: v for k, v in shipped["confidence"].items() if k != "works_for_leaders"}
    monkeypatch.setattr(registry, "triggers", lambda: {**shipped, "confidence": confidence})
    with pytest.raises(RuleRegistryError, match="'works_for_leaders' has no confidence"):
        RelationExtractor()


def test_the_viewer_keeps_the_schema_colours() -> None:
    from kg.outputs import render, viewer_data

    assert viewer_data.RELATION_COLORS is RELATION_COLORS
    assert render.RELATION_COLORS is RELATION_COLORS

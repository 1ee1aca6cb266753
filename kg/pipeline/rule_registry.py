"""The relation rule registry: every rule id the ``kg_relations`` component emits, with
the relation it draws and its source (the sentence rule function that yields it, a name,
or two entities of one sentence), in the order the sentence rules run.

Adding a rule id is one row in :data:`RULES`, its confidence (the rule's measured
precision) under ``confidence`` in ``kg/pipeline/data/relation_triggers.json`` and one
row in tests/rules/relations.tsv; a relation type also needs its name in
``kg.schema.RELATION_TYPES`` and its colour in ``kg.schema.RELATION_COLORS``.
:func:`check` runs when the component is made and names the rule that breaks any of
this, rather than a KeyError when the rule first fires.

>>> [rule.relation for rule in RULES if rule.id == "works_for_post"]
['works_for']
>>> [f.__name__ for f in SENTENCE_RULES][:3]
['partners', 'paired_places', 'runs']
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from kg.errors import KgError
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
from kg.pipeline.sentences import Ent, Sentence, triggers
from kg.schema import COOCCURRENCE, RELATION_COLORS, RELATION_TYPES

#: A sentence rule: (sentence, the article's acting subject, the entities of earlier
#: sentences) to (head, relation, tail, rule id) tuples.
SentenceRule = Callable[[Sentence, Ent | None, list[Ent]], Iterator[tuple]]

#: The source of the rules of kg/pipeline/name_relations.py: a name states the relation.
NAME = "name"
#: The source of co_occurs edges (opt-in): two entities of one sentence.
COOCCURS = "cooccurrence"


@dataclass(frozen=True)
class RelationRule:
    """A rule id, the relation it draws and its source: the sentence rule function that
    yields it, :data:`NAME` or :data:`COOCCURS`."""

    id: str
    relation: str
    source: SentenceRule | str


class RuleRegistryError(KgError):
    """The registry disagrees with the schema, the viewer's colours or the confidences."""


#: Every rule id, each once. Sentence rule functions run in the order of their first row.
RULES: tuple[RelationRule, ...] = (
    RelationRule("partners_list", "partners_with", partners),
    RelationRule("partners_both_sides", "partners_with", partners),
    RelationRule("partners_joint", "partners_with", partners),
    RelationRule("partners_pair", "partners_with", paired_places),
    RelationRule("runs_trigger", "runs", runs),
    RelationRule("runs_zero_subject", "runs", runs),
    RelationRule("runs_merge", "runs", runs),
    RelationRule("runs_meeting", "runs", meetings),
    RelationRule("runs_possessive", "runs", own_programmes),
    RelationRule("supervises_trigger", "supervises", supervises),
    RelationRule("supervises_guidance", "supervises", guided),
    RelationRule("part_of_subsidiary", "part_of", subsidiaries),
    RelationRule("works_for_post", "works_for", works_for),
    RelationRule("works_for_appointed", "works_for", works_for),
    RelationRule("works_for_leaders", "works_for", leaders),
    RelationRule("located_in_trigger", "located_in", located),
    RelationRule("name_part_of", "part_of", NAME),
    RelationRule("name_located_in", "located_in", NAME),
    RelationRule("division_located_in", "located_in", NAME),
    RelationRule("town_located_in", "located_in", NAME),
    RelationRule(COOCCURRENCE, COOCCURRENCE, COOCCURS),
)


def sentence_rules(rules: Sequence[RelationRule] = RULES) -> tuple[SentenceRule, ...]:
    """The sentence rule functions of ``rules``, each once, in the order of their first rule."""
    found: list[SentenceRule] = []
    for rule in rules:
        if callable(rule.source) and rule.source not in found:
            found.append(rule.source)
    return tuple(found)


#: The sentence rules in the order ``kg_relations`` runs them.
SENTENCE_RULES: tuple[SentenceRule, ...] = sentence_rules()


def check(
    rules: Sequence[RelationRule] = RULES,
    confidence: Mapping[str, float] | None = None,
    relation_types: Sequence[str] = RELATION_TYPES,
    colors: Mapping[str, str] = RELATION_COLORS,
) -> dict[str, float]:
    """Each rule's confidence by rule id, once the registry agrees with the rest.

    Every rule id is registered once, draws a relation type of the schema (or
    ``co_occurs``) and has a confidence between 0 and 1 (``confidence``: those of
    relation_triggers.json unless given); every confidence is a registered rule's and
    every relation type has a colour (and every colour a relation type). Otherwise
    :class:`RuleRegistryError` names each rule, confidence or relation at fault.
    """
    if confidence is None:
        confidence = triggers()["confidence"]
    known = (*relation_types, COOCCURRENCE)
    problems: list[str] = []
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            problems.append(f"rule {rule.id!r} is registered twice")
        seen.add(rule.id)
        if rule.relation not in known:
            problems.append(
                f"rule {rule.id!r} draws {rule.relation!r}, no relation type of kg.schema"
            )
        if not callable(rule.source) and rule.source not in (NAME, COOCCURS):
            problems.append(f"rule {rule.id!r} has an unknown source {rule.source!r}")
        value = confidence.get(rule.id)
        if value is None:
            problems.append(f"rule {rule.id!r} has no confidence in relation_triggers.json")
        elif isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            problems.append(f"rule {rule.id!r} has a confidence {value!r} outside 0..1")
    problems += [
        f"confidence {rule_id!r} of relation_triggers.json is no registered rule"
        for rule_id in confidence
        if rule_id not in seen
    ]
    problems += [
        f"relation {relation!r} has no colour in kg.schema.RELATION_COLORS"
        for relation in known
        if relation not in colors
    ]
    problems += [
        f"colour of {relation!r} in kg.schema.RELATION_COLORS is no relation type's"
        for relation in colors
        if relation not in known
    ]
    if problems:
        raise RuleRegistryError("relation rule registry: " + "; ".join(problems))
    return {rule.id: confidence[rule.id] for rule in rules}

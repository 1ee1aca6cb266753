"""Relation extraction: typed, directed relations with their evidence sentence.

The ``kg_relations`` component reads the resolved entities of an article and sets
``doc._.relations`` to :class:`kg.io.records.Relation` records from two sources:

- names themselves (a branch inside a full name is ``part_of`` its parent; an
  organisation named after a place is ``located_in`` it; a district in a city);
- sentences, through the trigger lexicons in ``kg/pipeline/data/relation_triggers.json`` and
  the entity spans of the sentence. A sentence without a subject inherits the
  article's acting subject (the first organisation or place that acts in its body).

Which rule ids there are, the relation each draws, the order the sentence rules run
and each rule's confidence: kg/pipeline/rule_registry.py.
"""

from __future__ import annotations

from collections.abc import Iterator

from spacy.language import Language
from spacy.tokens import Doc

from kg.io.records import Relation
from kg.pipeline.doc import sentence_index
from kg.pipeline.name_relations import name_relations
from kg.pipeline.names import (
    local_name,
    one_side,
)
from kg.pipeline.rule_registry import SENTENCE_RULES, check
from kg.pipeline.sentences import (
    Ent,
    Sentence,
    acting_subject,
    article_sentences,
    is_heading,
    places_of,
)
from kg.schema import COOCCURRENCE, ORG


def sentence_relations(
    sentence: Sentence, actor: Ent | None, recent: list[Ent]
) -> Iterator[tuple[Ent, str, Ent, str]]:
    """(head, relation, tail, rule) for one sentence, rule by rule in the registry's order."""
    for rule in SENTENCE_RULES:
        yield from rule(sentence, actor, recent)


if not Doc.has_extension("relations"):
    Doc.set_extension("relations", default=None)


@Language.factory(
    "kg_relations",
    default_config={"from_names": True, "from_sentences": True, "cooccurrence": False},
)
def make_relation_extractor(
    nlp: Language, name: str, from_names: bool, from_sentences: bool, cooccurrence: bool
) -> RelationExtractor:
    """Factory of the rule-based relation extractor; co-occurrence edges are opt-in."""
    return RelationExtractor(from_names, from_sentences, cooccurrence)


class RelationExtractor:
    """Sets ``doc._.relations`` to the article's Relation records.

    Made only once the rule registry agrees with the schema and the confidences
    (:func:`kg.pipeline.rule_registry.check`); each relation gets its rule's confidence.
    """

    def __init__(
        self, from_names: bool = True, from_sentences: bool = True, cooccurrence: bool = False
    ) -> None:
        self.from_names = from_names
        self.from_sentences = from_sentences
        self.cooccurrence = cooccurrence
        self.confidence = check()

    def __call__(self, doc: Doc) -> Doc:
        article = doc._.article.id if doc._.get("article") is not None else ""
        confidence = self.confidence
        found: list[Relation] = []
        ents = doc.ents  # each read of doc.ents builds new Spans: read it once
        index = sentence_index(doc)  # one evidence string per sentence for every relation
        sentences = article_sentences(doc, ents, index)
        names = {e.name for s in sentences for e in s.ents if e.type == ORG}
        orgs = {local_name(name): name for name in sorted(names)} | {n: n for n in names}
        partnered: set[str] = set()
        for sentence in sentences:
            sentence.article_orgs = orgs
            sentence.partnered = partnered
        if self.from_names:
            places = places_of(ents)
            seen = set()
            for ent in ents:
                name = ent._.canonical or ent.text
                if (name, ent.label_) in seen:
                    continue
                seen.add((name, ent.label_))
                evidence = index.evidence(ent.start_char, ent.end_char)
                surface = ent.text if len(ent.text) > len(name) else ""
                for head, ht, rel, tail, tt, rule in name_relations(
                    name, ent.label_, places, surface, index.text
                ):
                    found.append(
                        Relation(head, ht, rel, tail, tt, article, evidence, confidence[rule], rule)
                    )
        if self.from_sentences:
            body = [s for s in sentences if not is_heading(s.text)]
            actor = acting_subject(body)
            recent: list[Ent] = []
            for sentence in sentences:
                sentence.context = recent[-30:]
                for subject, rel, obj, rule in sentence_relations(sentence, actor, recent):
                    if rel == "partners_with" and one_side(subject.name, obj.name):
                        continue
                    if rel == "partners_with":
                        partnered.update((subject.name, obj.name))
                    found.append(
                        Relation(
                            subject.name,
                            subject.type,
                            rel,
                            obj.name,
                            obj.type,
                            article,
                            sentence.evidence,
                            confidence[rule],
                            rule,
                        )
                    )
                recent.extend(sentence.ents)
        if self.cooccurrence:
            found.extend(_cooccurrences(sentences, found, article, confidence[COOCCURRENCE]))
        doc._.relations = found
        return doc


def _cooccurrences(
    sentences: list[Sentence], found: list[Relation], article: str, confidence: float
) -> Iterator[Relation]:
    """co_occurs edges between entities of a sentence that no typed relation links."""
    linked = {frozenset((r.head, r.tail)) for r in found}
    for sentence in sentences:
        ents = sorted({(e.name, e.type) for e in sentence.ents})
        for i, (a, at) in enumerate(ents):
            for b, bt in ents[i + 1 :]:
                if a != b and frozenset((a, b)) not in linked:
                    yield Relation(
                        a,
                        at,
                        "co_occurs",
                        b,
                        bt,
                        article,
                        sentence.evidence,
                        confidence,
                        "co_occurs",
                    )

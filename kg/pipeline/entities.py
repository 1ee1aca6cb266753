"""Entity recognition: organisations, places and zones, programmes and persons.

The ``kg_entities`` component reads LAC's words and tags (from the tokenizer) and adds
rule-built spans to ``doc.ents`` with labels ORG, GPE, PROGRAMME and PERSON. Each rule is
a small function that yields :class:`Candidate` records; overlaps are settled by length.
Every span carries ``span._.rule`` (which rule found it).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import replace

import numpy as np
from spacy.attrs import (
    DEP,
    ENT_ID,
    ENT_IOB,
    ENT_KB_ID,
    ENT_TYPE,
    HEAD,
    IDX,
    LEMMA,
    LENGTH,
    MORPH,
    ORTH,
    POS,
    SENT_START,
    SPACY,
    TAG,
)
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from kg.pipeline.doc import doc_text
from kg.pipeline.names import is_division
from kg.pipeline.organisations import (
    company_short_forms,
    national_bodies,
    party_and_government,
    party_committees,
    suffix_names,
    teams,
)
from kg.pipeline.persons import has_post_near, persons
from kg.pipeline.places import division_names, free_trade_zones, home_places
from kg.pipeline.programmes import quoted_programmes, titled_policies, unquoted_programmes
from kg.pipeline.tagger_names import media_names, tagger_orgs
from kg.pipeline.words import Candidate, TakenChars, Words
from kg.schema import PERSON

RULES = {
    "orgs": (
        suffix_names,
        tagger_orgs,
        party_committees,
        party_and_government,
        national_bodies,
        teams,
        media_names,
    ),
    "places": (division_names, free_trade_zones, home_places),
    "programmes": (quoted_programmes, titled_policies, unquoted_programmes),
    "persons": (persons,),
}


def find_candidates(words: Words, enabled: dict[str, bool]) -> list[Candidate]:
    """Every enabled rule's candidates, without the white space a tagger's word may carry
    at its ends (康学翠 followed by a line break)."""
    found = []
    for group, rules in RULES.items():
        if not enabled.get(group, True):
            continue
        for rule in rules:
            for c in rule(words):
                trimmed = _without_space(words.text, c)
                if trimmed is not None:
                    found.append(trimmed)
    return found


def _without_space(text: str, candidate: Candidate) -> Candidate | None:
    """The candidate without leading and trailing white space; None if nothing is left."""
    start, end = candidate.start, candidate.end
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start == end:
        return None
    if (start, end) == (candidate.start, candidate.end):
        return candidate
    return replace(candidate, start=start, end=end)


def choose(candidates: list[Candidate]) -> list[Candidate]:
    """Non-overlapping candidates: the longest first, then the higher priority."""
    ordered = sorted(candidates, key=lambda c: (-(c.end - c.start), -c.priority, c.start))
    taken = TakenChars(max([0, *(c.end for c in candidates)]))
    chosen: list[Candidate] = []
    for cand in ordered:
        if not taken.overlaps(cand.start, cand.end):
            taken.add(cand.start, cand.end)
            chosen.append(cand)
    return sorted(chosen, key=lambda c: c.start)


#: Rules that take a tagger word as it is; their words may be pieces of a longer name.
_TAGGER_WORD_RULES = frozenset({"lac_place", "lac_person", "lac_name"})


def without_fragments(words: Words, chosen: list[Candidate]) -> list[Candidate]:
    """Drop the tagger's places and two-character persons that are a piece of a longer name
    the article gives elsewhere (临港 of 川南临港化工集团, 鲁丰 of 潍坊鲁丰冷链物流有限公司)."""
    text = words.text
    longer = "\x00".join(
        sorted({text[c.start : c.end] for c in chosen if c.rule not in _TAGGER_WORD_RULES})
    )

    def fragment(c: Candidate) -> bool:
        if c.rule not in _TAGGER_WORD_RULES or (c.label == PERSON and c.end - c.start > 2):
            return False
        word = text[c.start : c.end]
        return word in longer and not is_division(word)

    return [c for c in chosen if not fragment(c)]


def without_person_names(words: Words, chosen: list[Candidate]) -> list[Candidate]:
    """Drop the tagger's bare names (no suffix) that the article gives as a person holding
    a post (市委书记包钢 ... 包钢 read as a company elsewhere), and cut a three-character
    person to the two-character one with a post it starts with (王吉 ... 王吉强调)."""
    text = words.text
    people = {
        text[c.start : c.end]
        for c in chosen
        if c.label == PERSON and has_post_near(text, c.start, c.end)
    }
    if not people:
        return chosen
    out = []
    for c in chosen:
        name = text[c.start : c.end]
        if c.rule == "lac_name" and name in people:
            continue
        if c.label == PERSON and len(name) == 3 and name[:2] in people:
            c = replace(c, end=c.end - 1)  # 王吉|强调
        out.append(c)
    return out


if not Span.has_extension("rule"):
    Span.set_extension("rule", default="")


@Language.factory(
    "kg_entities",
    default_config={
        "orgs": True,
        "places": True,
        "programmes": True,
        "persons": True,
        "stoplist": [],
    },
)
def make_entity_recognizer(
    nlp: Language,
    name: str,
    orgs: bool,
    places: bool,
    programmes: bool,
    persons: bool,
    stoplist: list[str],
) -> EntityRecognizer:
    """Factory of the rule-based entity recognizer; each rule group can be switched off;
    ``stoplist``: surfaces that are never an entity."""
    return EntityRecognizer(
        {"orgs": orgs, "places": places, "programmes": programmes, "persons": persons},
        stoplist,
    )


#: The spans of the user's patterns (set by kg.pipeline.corrections' ``kg_patterns``).
USER_SPANS = "kg_user"


class EntityRecognizer:
    """Sets ``doc.ents`` from the rules, splitting LAC words where a name ends inside one.

    The user's spans (``doc.spans["kg_user"]``) come first: a rule span overlapping one
    is dropped; a stoplisted surface is never an entity.
    """

    def __init__(self, enabled: dict[str, bool], stoplist: Iterable[str] = ()) -> None:
        self.enabled = enabled
        self.stoplist = frozenset(stoplist)

    def __call__(self, doc: Doc) -> Doc:
        words = Words.from_doc(doc)
        user = self._user_candidates(doc, words.text)
        corrected = bool(user or self.stoplist)
        candidates = find_candidates(words, self.enabled)
        if corrected:
            candidates = self._corrected(words.text, candidates, user)
        chosen = without_fragments(words, choose(candidates))
        chosen = without_person_names(words, chosen)
        if user:
            chosen = _user_wins(chosen, user)  # no user name is cut
        if self.enabled.get("orgs", True):
            chosen = choose(chosen + list(company_short_forms(words, chosen)))
        if corrected:
            chosen = self._corrected(words.text, chosen, user)
        doc = align(doc, {b for c in chosen for b in (c.start, c.end)})
        spans = []
        for cand in chosen:
            span = doc.char_span(cand.start, cand.end, label=cand.label)
            if span is not None:
                span._.rule = cand.rule
                if cand.ent_id:
                    span.id_ = cand.ent_id
                spans.append(span)
        doc.ents = filter_spans(spans)
        return doc

    def _user_candidates(self, doc: Doc, text: str) -> list[Candidate]:
        if USER_SPANS not in doc.spans:
            return []
        found = (
            Candidate(s.start_char, s.end_char, s.label_, "user_pattern", 9, s.id_)
            for s in doc.spans[USER_SPANS]
        )
        return [c for c in found if text[c.start : c.end].strip() not in self.stoplist]

    def _corrected(
        self, text: str, candidates: list[Candidate], user: list[Candidate]
    ) -> list[Candidate]:
        """Candidates without stoplisted surfaces, the user's spans winning overlaps."""
        kept = [c for c in candidates if text[c.start : c.end].strip() not in self.stoplist]
        return _user_wins(kept, user) if user else kept


def _user_wins(candidates: list[Candidate], user: list[Candidate]) -> list[Candidate]:
    """The user's candidates and the others that overlap none of them, in text order."""
    taken = TakenChars(max(c.end for c in user))
    for c in user:
        taken.add(c.start, c.end)
    kept = [c for c in candidates if not taken.overlaps(c.start, c.end)]
    return sorted(kept + user, key=lambda c: (c.start, c.end))


def align(doc: Doc, boundaries: set[int]) -> Doc:
    """Split tokens so that every boundary offset falls between two tokens."""
    starts, lengths = doc.to_array([IDX, LENGTH]).T.tolist()
    cuts: dict[int, list[int]] = {}
    for b in sorted(boundaries):
        i = bisect.bisect_right(starts, b) - 1
        if i >= 0 and starts[i] < b < starts[i] + lengths[i]:
            cuts.setdefault(i, []).append(b - starts[i])
    return _split_tokens(doc, cuts) if cuts else doc


#: Attributes each piece of a split token takes from its token.
_PIECE_ATTRS = (POS, MORPH, LEMMA, SENT_START, DEP, ENT_TYPE, ENT_ID, ENT_KB_ID)


def _split_tokens(doc: Doc, cuts: dict[int, list[int]]) -> Doc:
    """A new Doc in which token ``i`` is split at the character offsets ``cuts[i]``.

    What spaCy's ``retokenizer.split`` makes (each piece with its token's tag, its head
    on the first piece), built in one pass: each spaCy split moves every later token,
    which is quadratic on a long article. Unlike spaCy's split, whose later pieces take
    their sentence start, POS ... from the token slot they land on (the token that
    followed), every piece keeps its own token's attributes, and a piece after the first
    never starts a sentence. Doc extensions and span groups are carried over; a tensor
    is not (kg's pipeline has none).
    """
    text = doc_text(doc)
    n = len(doc)
    own = doc.to_array([IDX, LENGTH, SPACY, HEAD, TAG, ENT_IOB]).astype(np.int64)
    idx, length, space, head, tag, iob = own.T
    cut_at = [idx[i] + offset for i, offsets in cuts.items() for offset in offsets]
    starts = np.sort(np.concatenate([idx, np.array(cut_at, dtype=np.int64)]))
    owner = np.searchsorted(idx, starts, side="right") - 1  # the token each piece is of
    first = np.searchsorted(starts, idx)  # where each token's first piece is
    piece = np.arange(len(starts)) - first[owner]
    last = np.append(owner[1:] != owner[:-1], True)
    ends = np.where(last, (idx + length)[owner], np.append(starts[1:], 0))
    words = [text[a:b] for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]
    new = Doc(doc.vocab, words=words, spaces=np.where(last, space[owner], 0).astype(bool).tolist())

    split = np.bincount(owner, minlength=n)[owner] > 1
    piece_values = doc.to_array(list(_PIECE_ATTRS))[owner]
    # A piece after the first continues its token's sentence.
    piece_values[piece > 0, _PIECE_ATTRS.index(SENT_START)] = np.uint64(2**64 - 1)  # -1
    lemma = piece_values[:, _PIECE_ATTRS.index(LEMMA)]
    renamed = split & (lemma != 0)  # spaCy gives a piece with a lemma its own text
    if renamed.any():
        lemma[renamed] = new.to_array([ORTH])[renamed]
    own_head = first[np.arange(n) + head][owner] - np.arange(len(starts))
    values = np.column_stack(
        [
            tag[owner],
            np.where(split, -piece, own_head),
            np.where(split & (piece > 0) & (iob[owner] == 3), 1, iob[owner]),
        ]
    ).astype(np.uint64)
    attrs = [TAG, HEAD, ENT_IOB, *_PIECE_ATTRS]
    values = np.hstack([values, piece_values])
    keep = [j for j, attr in enumerate(attrs) if attr == SENT_START or values[:, j].any()]
    new.from_array([attrs[j] for j in keep], values[:, keep])  # type: ignore[arg-type]

    new.user_data.update(doc.user_data)
    for key, group in doc.spans.items():
        new.spans[key] = group.copy(doc=new)
    new.cats.update(doc.cats)
    new._context = doc._context
    return new

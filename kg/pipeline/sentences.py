"""The sentence model the relation rules read: a sentence's entities in order, its
subjects, anaphora (该局), the article's acting subject, and the trigger lexicons.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache

from spacy.tokens import Doc, Span

from kg.pipeline.doc import SentenceIndex
from kg.pipeline.lexicons import (
    DATA,
    ordered_words,
    word_set,
)
from kg.pipeline.name_relations import names_in_full
from kg.pipeline.names import (
    expand_abbreviations,
    parse_name,
    place_name,
    places_in_name,
    written_divisions,
)
from kg.schema import GPE, ORG

CLAUSE_BREAK = re.compile(r"[，,；;：:—！？!?。]|——")
_DATELINE = re.compile(
    r"^\s*(?:本报讯|新华社[^\s]{0,8}电|本报[\u3400-\u9fff]{0,6}电|[\u3400-\u9fff]{2,10}[报网台]讯)?\s*"
    r"(?:[(（](?:本报)?(?:特约|见习)?记者[\s\u3400-\u9fff、]{2,16}[)）]"
    # 【新天水·天水日报记者X Y】, (X报记者 Y 通讯员 Z): a bracketed credit with a media name
    r"|[【\[(（][^】\]()（）]{0,24}(?:记者|通讯员)[^】\]()（）]{0,24}[】\])）]"
    r"|(?:本报)?(?:特约|见习)?记者\s*[\u3400-\u9fff]{2,4}(?:\s*通讯员\s*[\u3400-\u9fff]{2,4})?\s*报道)?"
    r"\s*"
)
_ANAPHOR = re.compile(r"^(?:该|这家|此)(公司|集团|中心|街道|局|区|市|县|委|院|厂|行|所|校|镇)")


@cache
def triggers() -> dict:
    """The trigger lexicons and rule confidences."""
    return json.loads((DATA / "relation_triggers.json").read_text("utf-8"))


@dataclass(frozen=True)
class Ent:
    """An entity of a sentence: offsets inside the sentence, type and canonical name."""

    start: int
    end: int
    type: str
    name: str


@dataclass
class Sentence:
    text: str
    ents: list[Ent]
    context: list[Ent] = field(default_factory=list)  # entities of earlier sentences
    evidence: str = field(default="", repr=False)  # the stripped text (a shared string)
    # The article's organisations by name and by local name (岳池县人民政府 for
    # 广安市岳池县人民政府).
    article_orgs: dict[str, str] = field(default_factory=dict)
    # The names the article has already given a partner (shared by its sentences).
    partnered: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        if not self.evidence:
            self.evidence = self.text.strip()


def clause_start(text: str, pos: int) -> int:
    starts = [m.end() for m in CLAUSE_BREAK.finditer(text, 0, pos)]
    return starts[-1] if starts else 0


def _dateline_end(text: str) -> int:
    match = _DATELINE.match(text)
    return match.end() if match else 0


def subjects(sentence: Sentence, before: int) -> list[Ent]:
    """The explicit subject(s) acting before offset ``before``: an ORG/GPE opening a clause."""
    text = sentence.text
    preps = triggers()["prepositions"]
    anaphor = _anaphor_subject(sentence, before)
    if anaphor:
        return [anaphor]
    for i, ent in enumerate(sentence.ents):
        if ent.end > before:
            break
        if ent.type not in (ORG, GPE) or ent.end <= _dateline_end(text):
            continue  # not a paper named in the dateline (本报讯【X日报记者 Y】)
        start = max(clause_start(text, ent.start), _dateline_end(text))
        if _speaker_clause(text, ent.end, before):
            continue  # X局长Y介绍，……: the speaker's body is not the actor of what follows
        prefix = text[start : ent.start].strip()
        if len(prefix) > 12 or any(p in prefix for p in preps) or prefix.endswith(("的", "是")):
            continue
        group = [ent]
        for other in sentence.ents[i + 1 :]:
            gap = text[group[-1].end : other.start]
            if other.type in (ORG, GPE) and gap in ("、", "和", "及") and other.end <= before:
                group.append(other)
            elif (
                other.type == ORG
                and gap in word_set("ownership_words.txt")
                and other.end <= before
                and len(group) == 1
            ):
                group = [other]  # X旗下的Y还将……: Y acts
            else:
                break
        return group
    return []


_TEAM = re.compile(r"^(?:该|这个)?(?:督导|督查|督察|检查|调研|考察|巡查|工作|专家)组")


def _anaphor_subject(sentence: Sentence, before: int) -> Ent | None:
    """该局/该公司 opening a clause: the last organisation or place named with that ending.

    A bare 开发区/高新区 opening a clause is the zone the article named in full.
    """
    text = sentence.text
    for clause in [0, *(m.end() for m in CLAUSE_BREAK.finditer(text, 0, before))]:
        stripped = text[clause:].lstrip()
        zone = _zone_anaphor(sentence, stripped, len(text) - len(stripped))
        if zone:
            return zone
        if _TEAM.match(stripped):
            # 督导组先后来到……: the team of the body named last (that led the inspection)
            pos = len(text) - len(stripped)
            earlier = sentence.context + [e for e in sentence.ents if e.end <= pos]
            team_of = next((e for e in reversed(earlier) if e.type == ORG), None)
            if team_of:
                return team_of
        match = _ANAPHOR.match(stripped)
        if not match:
            continue
        pos = len(text) - len(stripped)
        earlier = sentence.context + [e for e in sentence.ents if e.end <= pos]
        for ent in reversed(earlier):
            if ent.type in (ORG, GPE) and ent.name.endswith(match.group(1)):
                return ent
    return None


def _zone_anaphor(sentence: Sentence, clause: str, pos: int) -> Ent | None:
    word = next((w for w in triggers()["zone_anaphors"] if clause.startswith(w)), None)
    if word is None or any(e.start == pos for e in sentence.ents):
        return None
    full = expand_abbreviations(word)
    earlier = sentence.context + [e for e in sentence.ents if e.end <= pos]
    for ent in reversed(earlier):
        if ent.type in (ORG, GPE) and full in ent.name:
            name = re.sub(r"(管委会|管理委员会|党工委)$", "", ent.name)
            return Ent(pos, pos + len(word), GPE, name) if name.endswith(full) else None
    return None


def _speaker_clause(text: str, pos: int, before: int) -> bool:
    """Whether the clause from ``pos`` reports speech (……介绍，) and ends before ``before``.

    Not when the speech says what the speaker's body will do (……表示，将开展X): then
    the body is the actor.
    """
    boundary = CLAUSE_BREAK.search(text, pos)
    end = boundary.start() if boundary else len(text)
    if not (end < before and text[pos:end].endswith(tuple(triggers()["speech_verbs"]))):
        return False
    if boundary is None:
        return True
    # ……表示，将开展X: the speech says what the speaker's body will do (pledge_openings.txt)
    return not text[boundary.end() :].lstrip().startswith(ordered_words("pledge_openings.txt"))


def acting_subject(sentences: list[Sentence]) -> Ent | None:
    """The article's acting subject: the first organisation or place that opens a clause."""
    for sentence in sentences:
        found = subjects(sentence, len(sentence.text))
        if found:
            return found[0]
    return None


def find_all(
    text: str, words: list[str] | tuple[list[str], ...], ents: Sequence[Ent] = ()
) -> list[tuple[int, int]]:
    """Where the words (a list, or a tuple of lists) occur in the text, longest first,
    never inside an entity's name."""
    spans = [(e.start, e.end) for e in ents]
    return [
        m.span()
        for m in _alternation(words).finditer(text)
        if not any(a <= m.start() < b or a < m.end() <= b for a, b in spans)
    ]


_PATTERNS: dict[tuple[int, ...], tuple[tuple[list[str], ...], re.Pattern]] = {}


def _alternation(words: list[str] | tuple[list[str], ...]) -> re.Pattern:
    """One compiled regex per trigger list or tuple of lists, cached by the lists' identity
    (the lists of :func:`triggers` live as long as the process; hashing their words on
    every call cost more than the search)."""
    lists = words if isinstance(words, tuple) else (words,)
    key = tuple(map(id, lists))
    found = _PATTERNS.get(key)
    if found is None or any(a is not b for a, b in zip(found[0], lists, strict=True)):
        every = sorted({w for group in lists for w in group}, key=lambda w: (-len(w), w))
        found = _PATTERNS[key] = (lists, re.compile("|".join(map(re.escape, every))))
    return found[1]


def subject_or_actor(sentence: Sentence, pos: int, actor: Ent | None) -> tuple[list[Ent], bool]:
    found = subjects(sentence, pos)
    if found:
        return found, False
    return ([actor] if actor else []), True


def article_sentences(doc: Doc, ents: Sequence[Span], index: SentenceIndex) -> list[Sentence]:
    """The doc's sentences with their entities, walking ``ents`` once (not per sentence)."""
    text = index.text
    out = []
    i = 0
    for sent in doc.sents:
        while i < len(ents) and ents[i].start < sent.start:
            i += 1
        inside = []
        offset = sent.start_char
        while i < len(ents) and ents[i].end <= sent.end:
            e = ents[i]
            start, end = e.start_char, e.end_char
            name = e._.canonical or text[start:end]
            inside.append(Ent(start - offset, end - offset, e.label_, name))
            i += 1
        sentence = text[offset : sent.end_char]
        if sentence.strip():
            out.append(Sentence(sentence, inside, evidence=index.evidence(offset, sent.end_char)))
    return out


def places_of(ents: Sequence[Span]) -> set[str]:
    """The places an article names on their own (绵阳市, and 绵阳市 of 绵阳市涪城区)."""
    places = set()
    for ent in ents:
        if ent.label_ == GPE:
            places.add(ent._.canonical or ent.text)
            places.update(place_name(part) for part in written_divisions(ent.text))
        elif ent.label_ == ORG:
            name = ent._.canonical or ent.text
            place = parse_name(name).place
            if place and names_in_full(name, place):
                places.add(place)
            # 定西市安定区人民政府 names 定西市 too: it tells which 安定区 this is.
            places.update(places_in_name(ORG, name, ent.text))
    return places


def is_heading(text: str) -> bool:
    stripped = text.strip()
    return len(stripped) <= 48 and not stripped.endswith(("。", "！", "？", "；", ";"))

"""Relation extraction: typed, directed relations with their evidence sentence.

The ``kg_relations`` component reads the resolved entities of an article and sets
``doc._.relations`` to :class:`kg.io.records.Relation` records from two sources:

- names themselves (a branch inside a full name is ``part_of`` its parent; an
  organisation named after a place is ``located_in`` it; a district in a city);
- sentences, through the trigger lexicons in ``kg/pipeline/data/relation_triggers.json`` and
  the entity spans of the sentence. A sentence without a subject inherits the
  article's acting subject (the first organisation or place that acts in its body).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import chain

from spacy.language import Language
from spacy.tokens import Doc, Span

from kg.io.ingest import is_byline
from kg.io.records import Relation
from kg.pipeline.doc import SentenceIndex
from kg.pipeline.entities import CJK_CHAR
from kg.pipeline.lexicons import (
    DATA,
    division_chain,
    division_prefix,
    divisions,
    post_starting_at,
    posts_ending_at,
)
from kg.pipeline.resolve import (
    branch_place,
    canonical_org,
    expand_abbreviations,
    local_name,
    parse_name,
    pick_division,
    place_name,
    places_in_name,
)
from kg.schema import GPE, ORG, PERSON, PROGRAMME

_CLAUSE = re.compile(r"[，,；;：:—！？!?。]|——")
_DATELINE = re.compile(
    r"^\s*(?:本报讯|新华社[^\s]{0,8}电|本报[\u3400-\u9fff]{0,6}电|[\u3400-\u9fff]{2,10}[报网台]讯)?\s*"
    r"(?:[(（](?:本报)?(?:特约|见习)?记者[\s\u3400-\u9fff、]{2,16}[)）]"
    # 【新天水·天水日报记者X Y】, (X报记者 Y 通讯员 Z): a bracketed credit with a media name
    r"|[【\[(（][^】\]()（）]{0,24}(?:记者|通讯员)[^】\]()（）]{0,24}[】\])）]"
    r"|(?:本报)?(?:特约|见习)?记者\s*[\u3400-\u9fff]{2,4}(?:\s*通讯员\s*[\u3400-\u9fff]{2,4})?\s*报道)?"
    r"\s*"
)
#: A paper, a site or a station: the reporter of a story, never a side of it.
_MEDIA_ENDINGS = ("日报", "晚报", "早报", "报社", "新闻网", "电视台", "融媒体中心", "广播电视台")
_ANAPHOR = re.compile(r"^(?:该|这家|此)(公司|集团|中心|街道|局|区|市|县|委|院|厂|行|所|校|镇)")
_LIST_JOINERS = ("、", "和", "及", "以及", "与", ",", "，")


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


# --- relations stated by names ----------------------------------------------------------


def name_relations(
    name: str, etype: str, places: set[str], surface: str = ""
) -> Iterator[tuple[str, str, str, str, str, str]]:
    """(head, head_type, relation, tail, tail_type, rule) stated by a name itself.

    ``surface`` is the name as written when it says more than the canonical name
    (赣州市南康区龙回镇 for 龙回镇).
    """
    if etype == ORG:
        yield from _org_name_relations(name, places)
    elif etype == GPE:
        chain = division_chain(name)
        if chain:
            division = pick_division(name, places)
            if division and division.parent:
                # Kept in the graph only if the parent is mentioned somewhere in the corpus.
                yield (name, GPE, "located_in", division.parent, GPE, "division_located_in")
        else:
            place = _zone_place(surface or name, places)
            if place:
                yield (name, GPE, "located_in", place, GPE, "name_located_in")
            elif name.endswith(_TOWN_ENDINGS) and (county := _only_county(places)):
                # A town of a county's news: inside the one county the article names.
                yield (name, GPE, "located_in", county, GPE, "town_located_in")


def _org_name_relations(name: str, places: set[str], depth: int = 0) -> Iterator[tuple]:
    parts = parse_name(name)
    if parts.parent and parts.parent != name:
        yield (name, ORG, "part_of", parts.parent, ORG, "name_part_of")
        place = branch_place(name, parts.parent)
        if place and place in places:
            yield (name, ORG, "located_in", place, GPE, "name_located_in")
        if depth < 3:
            yield from _org_name_relations(parts.parent, places, depth + 1)
    elif (
        parts.place
        and parts.place != name
        and (parts.place in places or _names_in_full(name, parts.place))
    ):
        yield (name, ORG, "located_in", parts.place, GPE, "name_located_in")


def _names_in_full(name: str, place: str) -> bool:
    """晋江市公安局 names 晋江市 in full; 四川蜀芯 only hints at 四川省."""
    return name.startswith(place) or (name.startswith("中共") and name[2:].startswith(place))


_TOWN_ENDINGS = ("镇", "乡", "街道")


def _only_county(places: set[str]) -> str | None:
    """The one county-level division (county, district, county-level city) of the places."""
    found = set()
    for place in places:
        division = pick_division(place, places)
        if division is not None and division.rank == 2 and division.name == place:
            found.add(place)
    return found.pop() if len(found) == 1 else None


def _zone_place(name: str, places: set[str]) -> str | None:
    """The most specific division of the article named inside a zone's name (X港Y港区 -> Y区)."""
    table = divisions()
    best = None
    for start in range(len(name)):
        for end in range(min(len(name), start + 8), start + 1, -1):
            piece = name[start:end]
            if piece in table and piece != name:
                division = pick_division(piece, places)
                if (
                    division
                    and division.name in places
                    and (best is None or division.rank >= best.rank)
                ):
                    best = division
                break
    return best.name if best else None


# --- relations stated by sentences ------------------------------------------------------


def _clause_start(text: str, pos: int) -> int:
    starts = [m.end() for m in _CLAUSE.finditer(text, 0, pos)]
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
        start = max(_clause_start(text, ent.start), _dateline_end(text))
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
            elif other.type == ORG and gap in _OWNED and other.end <= before and len(group) == 1:
                group = [other]  # X旗下的Y还将……: Y acts
            else:
                break
        return group
    return []


_TEAM = re.compile(r"^(?:该|这个)?(?:督导|督查|督察|检查|调研|考察|巡查|工作|专家)组")
_OWNED = ("的", "旗下的", "下属的", "所属的", "旗下")


def _anaphor_subject(sentence: Sentence, before: int) -> Ent | None:
    """该局/该公司 opening a clause: the last organisation or place named with that ending.

    A bare 开发区/高新区 opening a clause is the zone the article named in full.
    """
    text = sentence.text
    for clause in [0, *(m.end() for m in _CLAUSE.finditer(text, 0, before))]:
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
    boundary = _CLAUSE.search(text, pos)
    end = boundary.start() if boundary else len(text)
    if not (end < before and text[pos:end].endswith(tuple(triggers()["speech_verbs"]))):
        return False
    return not text[boundary.end() :].lstrip().startswith(_PLEDGES) if boundary else True


#: How a speaker's words start when they say what the speaker's body will do.
_PLEDGES = ("将", "我们将", "下一步将", "今后将", "接下来将", "局里将", "公司将", "集团将")


def acting_subject(sentences: list[Sentence]) -> Ent | None:
    """The article's acting subject: the first organisation or place that opens a clause."""
    for sentence in sentences:
        found = subjects(sentence, len(sentence.text))
        if found:
            return found[0]
    return None


def _find_all(
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


def sentence_relations(
    sentence: Sentence, actor: Ent | None, recent: list[Ent]
) -> Iterator[tuple[Ent, str, Ent, str]]:
    """(head, relation, tail, rule) for one sentence."""
    yield from _partners(sentence, actor, recent)
    yield from _runs(sentence, actor)
    yield from _own_programmes(sentence)
    yield from _supervises(sentence, actor)
    yield from _guided(sentence)
    yield from _subsidiaries(sentence)
    yield from _works_for(sentence)
    yield from _leaders(sentence)
    yield from _located(sentence)


def _subject_or_actor(sentence: Sentence, pos: int, actor: Ent | None) -> tuple[list[Ent], bool]:
    found = subjects(sentence, pos)
    if found:
        return found, False
    return ([actor] if actor else []), True


def _partners(sentence: Sentence, actor: Ent | None, recent: list[Ent]) -> Iterator[tuple]:
    lexicon = triggers()["partners_with"]
    text = sentence.text
    found_list = False
    for m_start, m_end in _find_all(text, lexicon["joint_markers"], sentence.ents):
        # A联合B开展……: working together needs no agreement word.
        listed = _listed_after(sentence, m_end)
        heads = _subject_or_actor(sentence, m_start, actor)[0] if listed else []
        for head in heads:
            for tail in listed:
                if tail.name != head.name:
                    found_list = True
                    yield head, "partners_with", tail, "partners_joint"
    signals = _find_all(text, (lexicon["verbs"], lexicon["agreements"]), sentence.ents)
    if not signals:
        return
    for m_start, m_end in _find_all(text, lexicon["markers"], sentence.ents):
        listed = _listed_after(sentence, m_end)
        later = [s for s in signals if s[0] >= m_end]
        if not listed or not later:
            continue
        found_list = True
        left = [e for e in sentence.ents if e.type in (ORG, GPE) and 0 <= m_start - e.end <= 8]
        gap_ok = left and not _CLAUSE.search(text[left[-1].end : m_start])
        heads = _list_ending(sentence, left[-1]) if gap_ok else []
        heads = heads or _subject_or_actor(sentence, m_start, actor)[0]
        for head in heads:
            for tail in listed:
                if tail.name != head.name:
                    yield head, "partners_with", tail, "partners_list"
        # A、B与C签署: A and B sign together; not A、B等企业与C, nor A、B与C分别签订 (each
        # of A and B signs with C).
        together = (
            gap_ok
            and not text[left[-1].end : m_start].strip()
            and "分别" not in text[m_end : later[0][0]]
        )
        for i, head in enumerate(heads if together else []):  # A、B与C签署: A and B too
            for other in heads[i + 1 :]:
                if other.name != head.name:
                    yield head, "partners_with", other, "partners_list"
    if not found_list:
        group = subjects(sentence, signals[0][0])
        counted = bool(group) and bool(_COUNTED_PARTIES.match(text, group[-1].end))
        group = [e for e in group if e.type == ORG or (counted and e.type == GPE)]
        for i, head in enumerate(group):  # A、B和C三方签署: every pair of the group
            for tail in group[i + 1 :]:
                found_list = True
                yield head, "partners_with", tail, "partners_list"
    sides = next((text.find(w) for w in lexicon["both_sides"] if w in text), -1)
    if not found_list and actor and sides >= 0 and actor.name not in sentence.partnered:
        # 双方 after the article named the actor's partner: that pair, already linked.
        here = [e for e in sentence.ents if e.end <= sides]
        # The last organisation named before 双方 other than the actor: scan backwards.
        partner = next(
            (
                e
                for e in chain(reversed(here), reversed(recent))
                if e.type == ORG
                and e.name != actor.name
                and not _related_names(e.name, actor.name)
                and not e.name.endswith(_MEDIA_ENDINGS)
            ),
            None,
        )
        if partner:
            yield actor, "partners_with", partner, "partners_both_sides"


#: 三地, 两市, 四方 after a list: the places of the list act as one group.
_COUNTED_PARTIES = re.compile(r"[两二三四五六七八九十多]+(?:地|方|市|区|县|省|家)")


def _list_ending(sentence: Sentence, last: Ent) -> list[Ent]:
    """The organisations and places of the list that ``last`` ends (A、B和C)."""
    i = sentence.ents.index(last)
    return sentence.ents[_list_start(sentence, i, ("、", "和", "及"), (ORG, GPE)) : i + 1]


def _list_start(
    sentence: Sentence, i: int, gaps: tuple[str, ...], kinds: tuple[str, ...] | None = None
) -> int:
    """The index of the first entity of the list that entity ``i`` ends: walking back
    while the text between two entities is one of ``gaps`` (and each is of ``kinds``)."""
    text = sentence.text
    ents = sentence.ents
    first = i
    while (
        first > 0
        and (kinds is None or ents[first - 1].type in kinds)
        and text[ents[first - 1].end : ents[first].start] in gaps
    ):
        first -= 1
    return first


def _related_names(a: str, b: str) -> bool:
    return a.startswith(b) or b.startswith(a)


def _listed_after(sentence: Sentence, pos: int) -> list[Ent]:
    """Organisations listed right after a marker: 与A、B和C."""
    text = sentence.text
    listed: list[Ent] = []
    cursor = pos
    for ent in sentence.ents:
        if ent.start < cursor:
            continue
        gap = text[cursor : ent.start]
        allowed = gap == "" or gap in _LIST_JOINERS or (not listed and _is_appositive(gap))
        if not allowed or ent.type not in (ORG, GPE):
            break
        if ent.type == GPE and _UNNAMED_AFTER.match(text, ent.end):
            break  # 与贵州一家酒厂签订: an unnamed body of that place, not the place
        listed.append(ent)
        cursor = ent.end
    return listed


_UNNAMED_AFTER = re.compile(r"(?:一家|一个|一所|某|多家|几家)")


def _is_appositive(gap: str) -> bool:
    """与专业单位——X: a short description before the named partner."""
    return len(gap) <= 12 and bool(re.search(r"——|—|：|:", gap))


def _runs(sentence: Sentence, actor: Ent | None) -> Iterator[tuple]:
    lexicon = triggers()["runs"]
    text = sentence.text
    verbs = _find_all(text, lexicon["verbs"], sentence.ents)
    merged = _merged_programmes(sentence, lexicon["merge_verbs"])
    for prog in sentence.ents:
        if prog.type != PROGRAMME:
            continue
        if prog in merged:
            heads, zero = _subject_or_actor(sentence, merged[prog], actor)
            for head in heads:
                yield head, "runs", prog, "runs_merge"
            continue
        before = [v for v in verbs if v[1] <= prog.start]
        if not before:
            continue
        v_start, v_end = before[-1]
        gap = text[v_end : prog.start]
        if _CLAUSE.search(gap) or len(gap) > 32:
            continue
        adjacent = _adjacent_subject(sentence, v_start)
        if adjacent:
            heads, zero = [adjacent], False
        else:
            heads, zero = _subject_or_actor(sentence, v_start, actor)
            heads = heads + _joint_partners(sentence, heads, v_start)
        for head in heads:
            yield head, "runs", prog, "runs_zero_subject" if zero else "runs_trigger"


_JOINT = ("联合", "会同", "携手", "协同")
_LIST_GAPS = ("、", "和", "及", "与")
#: Prepositions that make the name after them where something happens, not who acts.
_WHERE = tuple("在于到向对从")


def _joint_partners(sentence: Sentence, heads: list[Ent], verb_start: int) -> list[Ent]:
    """A联合B、C开展X: B and C act with A (the list right after the marker, before the verb)."""
    if not heads:
        return []
    text = sentence.text
    end = heads[-1].end
    for marker in _JOINT:
        at = text.find(marker, end, verb_start)
        if at >= 0 and not _CLAUSE.search(text, end, at):
            listed = _listed_after(sentence, at + len(marker))
            return [e for e in listed if e.end <= verb_start and e.type == ORG]
    return []


def _adjacent_subject(sentence: Sentence, verb_start: int) -> Ent | None:
    """An organisation or place right before the verb (是船营区推进“X”), not governed by
    a preposition, itself or the list it ends (在A、B试点 names where, not who)."""
    text = sentence.text
    ents = sentence.ents
    for i, ent in enumerate(ents):
        gap = text[ent.end : verb_start]
        if (
            ent.type not in (ORG, GPE)
            or ent.end > verb_start
            or (gap and not _ADVERBS.fullmatch(gap))
        ):
            continue
        first = _list_start(sentence, i, _LIST_GAPS)
        opening = text[max(0, ents[first].start - 2) : ents[first].start]
        if opening[-1:] in _WHERE or opening in _JOINT:
            continue  # 在A、B试点 (where), A联合B开展 (A leads: see _joint_partners)
        return ent
    return None


def _own_programmes(sentence: Sentence) -> Iterator[tuple]:
    """张店区“放管服”改革, X局的“Y”行动: a place or body right before a programme runs it."""
    text = sentence.text
    ents = sentence.ents
    for owner, prog in zip(ents, ents[1:], strict=False):
        if (
            prog.type == PROGRAMME
            and owner.type in (ORG, GPE)
            and text[owner.end : prog.start] in ("", "的")
            and text[owner.start - 1 : owner.start] not in _WHERE
        ):
            yield owner, "runs", prog, "runs_possessive"


def _merged_programmes(sentence: Sentence, merge_verbs: list[str]) -> dict[Ent, int]:
    """将P和Q深度融合: the programmes between 将 and a merging verb, with 将's offset."""
    text = sentence.text
    found: dict[Ent, int] = {}
    for match in re.finditer("将", text):
        end = min(
            (text.find(v, match.end()) for v in merge_verbs if v in text[match.end() :]), default=-1
        )
        if end < 0 or _CLAUSE.search(text[match.end() : end]):
            continue
        for ent in sentence.ents:
            if ent.type == PROGRAMME and match.end() <= ent.start and ent.end <= end:
                found[ent] = match.start()
    return found


def _supervises(sentence: Sentence, actor: Ent | None) -> Iterator[tuple]:
    """A 现场指导/督导检查 B, 到B督导检查, 对A、B的……进行督导检查."""
    text = sentence.text
    lexicon = triggers()["supervises"]
    for v_start, v_end in _find_all(text, lexicon["verbs"], sentence.ents):
        targets = [e for e in sentence.ents if e.start >= v_end][:1]
        targets = [e for e in targets if e.type == ORG and e.start - v_end <= 4]
        clause = _clause_start(text, v_start)
        markers = (lexicon["visit_markers"], lexicon["object_markers"])
        for m_start, m_end in _find_all(text, markers, sentence.ents):
            # 到X督导检查, 对A、B的……进行检查, and 督导检查，先后走进X: the places visited
            objects = text[m_start:m_end] in lexicon["object_markers"]
            if (
                (m_start >= clause and m_end <= v_start)
                or (objects and m_end <= v_start)
                or m_start > v_end
            ):
                # the bodies and the places visited (到湖口县检查指导, 来到X工业园和Y公司)
                kinds = (ORG,) if objects else (ORG, GPE)
                targets += [e for e in _listed_after(sentence, m_end) if e.type in kinds]
        if not targets:
            continue
        heads, _ = _subject_or_actor(sentence, v_start, actor)
        for head in heads:
            for target in targets:
                if head.name != target.name:
                    yield head, "supervises", target, "supervises_trigger"


_SUBSIDIARY = re.compile(r"(?:全资子公司|控股子公司|子公司|旗下的?|下属的?)")


def _subsidiaries(sentence: Sentence) -> Iterator[tuple]:
    """X(的)全资子公司Y, X旗下的Y, 其子公司Y: Y is part of X (其, or nothing: the company
    named last)."""
    text = sentence.text
    for match in _SUBSIDIARY.finditer(text):
        child = next((e for e in sentence.ents if e.start == match.end() and e.type == ORG), None)
        if child is None:
            continue
        end = match.start() - (text[match.start() - 1 : match.start()] == "的")
        parent = next((e for e in sentence.ents if e.end == end and e.type == ORG), None)
        if parent is None and (end == 0 or text[end - 1] in "其，,、；。"):
            # The company opening the clause (X还通过其子公司Y), else the last one named.
            clause = _clause_start(text, end)
            opening = [e for e in sentence.ents if clause <= e.start and e.end <= end]
            earlier = sentence.context + [e for e in sentence.ents if e.end <= end]
            parent = next(
                (
                    e
                    for e in [*opening, *reversed(earlier)]
                    if e.type == ORG and e.name.endswith(_COMPANIES)
                ),
                None,
            )
        if parent and parent.name != child.name:
            yield child, "part_of", parent, "part_of_subsidiary"


_COMPANIES = ("公司", "集团")
_GUIDANCE = re.compile(r"在([^，。；]{2,30}?)的(?:指导|督导|监督)下")
_ADVERBS = re.compile(r"(?:将|还|也|正|已|都|均|要|先后|积极|主动)+$")


def _guided(sentence: Sentence) -> Iterator[tuple]:
    """在A的指导下，B……: A supervises B, the subject before 在 or right after the phrase."""
    text = sentence.text
    for match in _GUIDANCE.finditer(text):
        guide = next((e for e in sentence.ents if (e.start, e.end) == match.span(1)), None)
        if guide is None or guide.type != ORG:
            continue
        clause = _clause_start(text, match.start())
        before = _ADVERBS.sub("", text[clause : match.start()])
        tail = None
        if before.strip():
            end = clause + len(before)
            tail = next((e for e in sentence.ents if e.end == end and e.type in (ORG, GPE)), None)
            tail = tail or _bare_body(sentence, end, len(sentence.ents))
        else:
            start = match.end() + (text[match.end() : match.end() + 1] in "，,")
            tail = next(
                (e for e in sentence.ents if e.start == start and e.type in (ORG, GPE)), None
            )
        if tail and tail.name != guide.name:
            yield guide, "supervises", tail, "supervises_guidance"


def _works_for(sentence: Sentence) -> Iterator[tuple]:
    text = sentence.text
    ents = sentence.ents
    employers_of: dict[int, list[Ent]] = {}
    for i, person in enumerate(ents):
        if person.type != PERSON or is_byline(text[_clause_start(text, person.start) :].strip()):
            continue
        if posts_ending_at(text, _before_aside(text, person.start)):
            found = _post_chain(sentence, i)
            if not found:
                found = _listed_colleague(sentence, i, employers_of)
            employers_of[i] = found
            for employer in found:
                yield person, "works_for", employer, "works_for_post"
        else:
            # X局周明远局长: the organisation, the name, then the post.
            org = next((e for e in ents[:i] if e.type == ORG and e.end == person.start), None)
            post = post_starting_at(text, person.end, within=6)
            if org and post and post not in _NOT_EMPLOYMENT:
                yield person, "works_for", org, "works_for_post"
        yield from _appointed(sentence, i)


def _listed_colleague(sentence: Sentence, i: int, employers_of: dict[int, list[Ent]]) -> list[Ent]:
    """董事长李光明、总经理王海涛: a post right after a listed person's name is a post of
    the same body as that person's."""
    text = sentence.text
    post = next(iter(posts_ending_at(text, sentence.ents[i].start)), "")
    start = sentence.ents[i].start - len(post)
    before = i - 1
    if not post or before < 0 or sentence.ents[before].type != PERSON:
        return []
    if post in triggers()["works_for"]["government_posts"]:
        return []  # 县委书记X、常务副县长Y: Y holds the government's post, not the party's
    if text[sentence.ents[before].end : start] not in ("、", "，", ","):
        return []
    return employers_of.get(before, [])


def _post_chain(sentence: Sentence, i: int) -> list[Ent]:
    """The bodies whose posts precede the person ``i``, walking back over a chain of them
    (X人大常委会党组副书记、Y中心主任、Z总工会主席 W: W works for all three)."""
    text = sentence.text
    end = _before_aside(text, sentence.ents[i].start)
    found: list[Ent] = []
    first_segment = True
    while True:
        employers, start = _employers_before(sentence, i, end)
        if not employers and first_segment:
            employers = _own_government(sentence, i, end)
        found.extend(employers)
        if not employers:
            # 法制委副主任委员、法工委主任 X: a body kg does not name; walk on over it.
            start = _segment_start(text, end)
        if start is None or not text.endswith(("、", "兼"), 0, start):
            return found
        end = start - 1
        first_segment = False


_ASIDE_BEFORE = re.compile(r"[(（][^()（）]{1,8}[)）]$")


def _before_aside(text: str, end: int) -> int:
    """Where the posts before a name end: before an aside (管委会副主任（副区长）X)."""
    aside = _ASIDE_BEFORE.search(text, 0, end)
    return aside.start() if aside and aside.end() == end else end


def _segment_start(text: str, end: int) -> int | None:
    """Where the post segment ending at ``end`` starts: after the 、 or 兼 before it (at
    most 12 characters back), or None."""
    cut = max(text.rfind("、", max(0, end - 13), end), text.rfind("兼", max(0, end - 13), end))
    return cut + 1 if cut >= 0 and posts_ending_at(text, end) else None


def _own_government(sentence: Sentence, i: int, end: int) -> list[Ent]:
    """常务副县长 X with no body before the post: the government (or the place) of the one
    county (city, district ...) the article names."""
    text = sentence.text
    post = next(iter(posts_ending_at(text, end)), None)
    if post is None or post not in triggers()["works_for"]["government_posts"]:
        return []
    start = end - len(post)
    if start and CJK_CHAR.match(text, start - 1) and text[start - 1] not in "常务":
        return []  # X县县长 or a body kg does not know: not the article's place
    level = post.removeprefix("常务").removeprefix("副")[0]
    place = _place_of_level(sentence, i, level)
    return [_government(sentence, place)] if place else []


def _place_of_level(sentence: Sentence, i: int, level: str) -> Ent | None:
    """The place of a level (县, 区, 市 ...) that a bare post or 区领导 before entity ``i``
    belongs to: the nearest one named before it in the sentence, else the one the
    article names."""
    here = [
        e if e.type == GPE else Ent(e.start, e.end, GPE, parse_name(e.name).place or "")
        for e in sentence.ents[:i]
        if e.type in (GPE, ORG)
    ]
    here = [e for e in here if e.name.endswith(level)]  # 定远县 of 定远县县委 counts too
    if here:
        return here[-1]
    named = [*sentence.context, *sentence.ents]
    places = {e.name: e for e in named if e.type == GPE and e.name.endswith(level)}
    if not places:  # 普陀区 of 普陀区行政服务中心, where the article names no place alone
        for e in named:
            place = parse_name(e.name).place if e.type == ORG else None
            if place and place.endswith(level):
                places.setdefault(place, Ent(e.start, e.end, GPE, place))
    return next(iter(places.values())) if len(places) == 1 else None


#: 区领导 A、B、C: the leaders of the district (市, 县 ...) named after it.
_LEADERS = re.compile(r"([省市区县州旗])(?:委|政府)?领导")


def _leaders(sentence: Sentence) -> Iterator[tuple]:
    """区领导施小琳、周敏浩: each listed person works for the district (its government)."""
    text = sentence.text
    ents = sentence.ents
    for match in _LEADERS.finditer(text):
        i = next((k for k, e in enumerate(ents) if e.start >= match.end()), None)
        if i is None or ents[i].start != match.end() or ents[i].type != PERSON:
            continue
        if match.start() and CJK_CHAR.match(text, match.start() - 1):
            continue  # X市领导: a body of its own, named
        place = _place_of_level(sentence, i, match.group(1))
        if place is None:
            continue
        body = _government(sentence, place)
        for person in _list_ending_after(sentence, i):
            yield person, "works_for", body, "works_for_leaders"


def _list_ending_after(sentence: Sentence, i: int) -> list[Ent]:
    """The persons listed from entity ``i`` on (A、B和C)."""
    listed = [sentence.ents[i]]
    for other in sentence.ents[i + 1 :]:
        gap = sentence.text[listed[-1].end : other.start]
        if other.type != PERSON or gap not in ("、", "和", "及"):
            break
        listed.append(other)
    return listed


def _employers_before(sentence: Sentence, i: int, end: int) -> tuple[list[Ent], int | None]:
    """The bodies of the posts ending at ``end`` before person ``i``, and where the
    body's name starts (None: a bare body, where the chain stops).

    A party committee whose deputy secretary holds a government post right before the
    name (濂溪区委副书记、区长 X) gives the place's government (or the place) too."""
    text = sentence.text
    ents = sentence.ents
    government_posts = triggers()["works_for"]["government_posts"]
    orgs = [e for e in ents[:i] if e.type == ORG]
    place: Ent | None
    # 党工委书记 or 书记 after X党工委: try each post the name follows, longest first.
    for first in posts_ending_at(text, end):
        org_end, post = _posts_before(text, end, first)
        if post in _NOT_EMPLOYMENT:
            return [], None
        org = next((e for e in orgs if e.end == org_end), None)
        if org:
            found = [org]
            party = re.fullmatch(r"中共(.+?[省市区县州旗])委", org.name)
            if party and first in government_posts and end == ents[i].start:
                place = Ent(org.start, org.end, GPE, place_name(party.group(1)))
                found.append(_government(sentence, place))
            return found, org.start
        bare = _bare_body(sentence, org_end, i) or _anaphor_body(sentence, org_end, i)
        if bare:
            return [bare], None
        place = next((e for e in ents[:i] if e.type == GPE and e.end == org_end), None)
        if place and post in government_posts:
            return [_government(sentence, place)], place.start
    return [], None


_TERM = re.compile(r"第[一二三四五六七八九十百\d]+届(?:委员会|常务委员会)?")
#: Verbs that put a person into a post: 选举X为Y主任, X任Y局局长.
_APPOINTED = re.compile(r"(?:当选为|担任|出任|兼任|任|为)")


def _appointed(sentence: Sentence, i: int) -> Iterator[tuple]:
    """选举X为Y县人民政府县长, X任Y局局长: X works for Y (a post follows Y's name)."""
    text = sentence.text
    ents = sentence.ents
    person = ents[i]
    verb = _APPOINTED.match(text, person.end)
    if verb is None or i + 1 >= len(ents):
        return
    body = ents[i + 1]
    if body.start != verb.end() or body.type not in (ORG, GPE):
        return
    term = _TERM.match(text, body.end)  # 为X政协第十一届委员会主席
    post = post_starting_at(text, term.end() if term else body.end, within=8)
    if post is None or post in _NOT_EMPLOYMENT:
        return
    if body.type == GPE:
        if post not in triggers()["works_for"]["government_posts"]:
            return
        body = _government(sentence, body)
    yield person, "works_for", body, "works_for_appointed"


def _government(sentence: Sentence, place: Ent) -> Ent:
    """The people's government of a place where the article names it (醴陵市副市长 X),
    else the place itself: no node for a body the text never names."""
    government = sentence.article_orgs.get(canonical_org(place.name + "政府"))
    return Ent(place.start, place.end, ORG, government) if government else place


_NOT_EMPLOYMENT = ("记者", "特约记者", "通讯员", "教授")
#: Bodies named by their kind alone once the article has named them (集团副总经理 X).
_BARE_BODIES = ("集团", "公司", "支行", "分行", "医院", "学院", "分局", "管委会", "管理委员会")


def _anaphor_body(sentence: Sentence, end: int, before: int) -> Ent | None:
    """该院党组书记、院长 X: the last organisation named with that kind (法院, 医院 ...)."""
    match = _ANAPHOR_BEFORE.search(sentence.text, 0, end)
    if match is None or match.end() != end:
        return None
    kind = match.group(1)
    earlier = sentence.context + [e for e in sentence.ents[:before] if e.end <= match.start()]
    return next((e for e in reversed(earlier) if e.type == ORG and e.name.endswith(kind)), None)


_ANAPHOR_BEFORE = re.compile(r"(?:该|本)(院|局|公司|行|所|中心|校|委|厅|办)$")


def _bare_body(sentence: Sentence, end: int, before: int) -> Ent | None:
    """The organisation a bare 集团/公司/支行 ending at ``end`` stands for: the last one
    named with that word (that company, that branch), where the word stands alone."""
    text = sentence.text
    word = next((w for w in _BARE_BODIES if text.endswith(w, 0, end)), None)
    if word is None:
        return None
    start = end - len(word)
    if start > 0 and not (_CLAUSE.match(text, start - 1) or text[start - 1] in "”」、 该本"):
        return None
    earlier = sentence.context + [e for e in sentence.ents[:before] if e.end <= start]
    endings = _BODY_ENDINGS.get(word, (word,))
    for ent in reversed(earlier):
        if ent.type == ORG and (word in ent.name if word == "集团" else ent.name.endswith(endings)):
            return ent
    return None


#: The written forms of a bare body's kind (管委会 stands for X管理委员会 too).
_BODY_ENDINGS = {"管委会": ("管委会", "管理委员会"), "管理委员会": ("管委会", "管理委员会")}


def _posts_before(text: str, end: int, first: str) -> tuple[int, str | None]:
    """The posts right before a name (党委书记、局长 X): where they start, and the last one."""
    last = None
    while True:
        post = first if last is None else next(iter(posts_ending_at(text, end)), None)
        if post is None:
            return end, last
        last = last or post
        end -= len(post)
        if text.endswith(("、", "兼"), 0, end):
            end -= 1


def _located(sentence: Sentence) -> Iterator[tuple]:
    text = sentence.text
    for v_start, v_end in _find_all(text, triggers()["located_in"]["verbs"], sentence.ents):
        head = next((e for e in reversed(sentence.ents) if e.end <= v_start), None)
        tail = next((e for e in sentence.ents if e.start >= v_end), None)
        if tail and tail.type == "LOC" and division_prefix(tail.name):
            # 位于寿宁县南部: inside the division that the part of a region is of
            prefix = division_prefix(tail.name)
            tail = Ent(tail.start, tail.start + len(prefix), GPE, place_name(prefix))
        if (
            head
            and tail
            and tail.type == GPE
            and head.type in (ORG, GPE)
            and tail.start - v_end <= 2
        ):
            yield head, "located_in", tail, "located_in_trigger"


# --- the spaCy component ----------------------------------------------------------------


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
    """Sets ``doc._.relations`` to the article's Relation records."""

    def __init__(
        self, from_names: bool = True, from_sentences: bool = True, cooccurrence: bool = False
    ) -> None:
        self.from_names = from_names
        self.from_sentences = from_sentences
        self.cooccurrence = cooccurrence

    def __call__(self, doc: Doc) -> Doc:
        article = doc._.article.id if doc._.get("article") is not None else ""
        confidence = triggers()["confidence"]
        found: list[Relation] = []
        ents = doc.ents  # each read of doc.ents builds new Spans: read it once
        index = SentenceIndex(doc)  # one evidence string per sentence for every relation
        sentences = _sentences(doc, ents, index)
        names = {e.name for s in sentences for e in s.ents if e.type == ORG}
        orgs = {local_name(name): name for name in sorted(names)} | {n: n for n in names}
        partnered: set[str] = set()
        for sentence in sentences:
            sentence.article_orgs = orgs
            sentence.partnered = partnered
        if self.from_names:
            places = _places(ents)
            seen = set()
            for ent in ents:
                name = ent._.canonical or ent.text
                if (name, ent.label_) in seen:
                    continue
                seen.add((name, ent.label_))
                evidence = index.evidence(ent.start_char, ent.end_char)
                surface = ent.text if len(ent.text) > len(name) else ""
                for head, ht, rel, tail, tt, rule in name_relations(
                    name, ent.label_, places, surface
                ):
                    found.append(
                        Relation(head, ht, rel, tail, tt, article, evidence, confidence[rule], rule)
                    )
        if self.from_sentences:
            body = [s for s in sentences if not _is_heading(s.text)]
            actor = acting_subject(body)
            recent: list[Ent] = []
            for sentence in sentences:
                sentence.context = recent[-30:]
                for subject, rel, obj, rule in sentence_relations(sentence, actor, recent):
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
            found.extend(_cooccurrences(sentences, found, article, confidence["co_occurs"]))
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


def _sentences(doc: Doc, ents: Sequence[Span], index: SentenceIndex) -> list[Sentence]:
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


def _places(ents: Sequence[Span]) -> set[str]:
    """The places an article names on their own (绵阳市, and 绵阳市 of 绵阳市涪城区)."""
    places = set()
    for ent in ents:
        if ent.label_ == GPE:
            places.add(ent._.canonical or ent.text)
            places.update(place_name(part) for part in division_chain(ent.text))
        elif ent.label_ == ORG:
            name = ent._.canonical or ent.text
            place = parse_name(name).place
            if place and _names_in_full(name, place):
                places.add(place)
            # 定西市安定区人民政府 names 定西市 too: it tells which 安定区 this is.
            places.update(places_in_name(ORG, name, ent.text))
    return places


def _is_heading(text: str) -> bool:
    stripped = text.strip()
    return len(stripped) <= 48 and not stripped.endswith(("。", "！", "？", "；", ";"))

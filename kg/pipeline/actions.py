"""Relation rules for what sentences say bodies do: partners_with (signing, joint work,
lists), runs (launching programmes), supervises (inspecting, guiding), part_of
(subsidiaries) and located_in (位于).

Every rule takes ``(sentence, actor, recent)`` (the article's acting subject and the
entities of earlier sentences, whether it reads them or not) and yields
``(head, relation, tail, rule id)``; kg/pipeline/rule_registry.py lists each rule id
with its relation and calls the rules in its order.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import chain

from kg.pipeline.lexicons import division_prefix, ordered_words, word_list, word_set
from kg.pipeline.names import conjunctions, place_name
from kg.pipeline.posts import bare_body
from kg.pipeline.sentences import (
    CLAUSE_BREAK,
    Ent,
    Sentence,
    clause_start,
    find_all,
    subject_or_actor,
    subjects,
    triggers,
)
from kg.schema import GPE, ORG, PROGRAMME


def partners(sentence: Sentence, actor: Ent | None, recent: list[Ent]) -> Iterator[tuple]:
    lexicon = triggers()["partners_with"]
    text = sentence.text
    found_list = False
    for m_start, m_end in find_all(text, lexicon["joint_markers"], sentence.ents):
        # A联合B开展……: working together needs no agreement word.
        listed = _listed_after(sentence, m_end)
        heads = subject_or_actor(sentence, m_start, actor)[0] if listed else []
        for head in heads:
            for tail in listed:
                if tail.name != head.name:
                    found_list = True
                    yield head, "partners_with", tail, "partners_joint"
    signals = find_all(text, (lexicon["verbs"], lexicon["agreements"]), sentence.ents)
    if not signals:
        return
    for m_start, m_end in find_all(text, lexicon["markers"], sentence.ents):
        listed = _listed_after(sentence, m_end)
        later = [s for s in signals if s[0] >= m_end]
        if not listed or not later:
            continue
        found_list = True
        left = [e for e in sentence.ents if e.type in (ORG, GPE) and 0 <= m_start - e.end <= 8]
        gap_ok = left and not CLAUSE_BREAK.search(text[left[-1].end : m_start])
        heads = _list_ending(sentence, left[-1]) if gap_ok else []
        heads = heads or subject_or_actor(sentence, m_start, actor)[0]
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
                and not e.name.endswith(word_list("media_endings.txt"))
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
        allowed = (
            gap == "" or gap in word_set("list_joiners.txt") or (not listed and _is_appositive(gap))
        )
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


def runs(sentence: Sentence, actor: Ent | None, recent: list[Ent]) -> Iterator[tuple]:
    lexicon = triggers()["runs"]
    text = sentence.text
    verbs = find_all(text, lexicon["verbs"], sentence.ents)
    merged = _merged_programmes(sentence, lexicon["merge_verbs"])
    for prog in sentence.ents:
        if prog.type != PROGRAMME:
            continue
        if prog in merged:
            heads, zero = subject_or_actor(sentence, merged[prog], actor)
            for head in heads:
                yield head, "runs", prog, "runs_merge"
            continue
        before = [v for v in verbs if v[1] <= prog.start]
        if not before:
            continue
        v_start, v_end = before[-1]
        gap = text[v_end : prog.start]
        if CLAUSE_BREAK.search(gap) or len(gap) > 32:
            continue
        adjacent = _adjacent_subject(sentence, v_start)
        if adjacent:
            heads, zero = [adjacent], False
        else:
            heads, zero = subject_or_actor(sentence, v_start, actor)
            heads = heads + _joint_partners(sentence, heads, v_start)
        for head in heads:
            yield head, "runs", prog, "runs_zero_subject" if zero else "runs_trigger"


def _joint_partners(sentence: Sentence, heads: list[Ent], verb_start: int) -> list[Ent]:
    """A联合B、C开展X: B and C act with A (the list right after the marker, before the verb)."""
    if not heads:
        return []
    text = sentence.text
    end = heads[-1].end
    for marker in ordered_words("joint_action_markers.txt"):
        at = text.find(marker, end, verb_start)
        if at >= 0 and not CLAUSE_BREAK.search(text, end, at):
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
        first = _list_start(sentence, i, ("、", *conjunctions()))
        opening = text[max(0, ents[first].start - 2) : ents[first].start]
        if opening[-1:] in word_set("place_prepositions.txt") or opening in word_set(
            "joint_action_markers.txt"
        ):
            continue  # 在A、B试点 (where), A联合B开展 (A leads: see _joint_partners)
        return ent
    return None


def own_programmes(sentence: Sentence, actor: Ent | None, recent: list[Ent]) -> Iterator[tuple]:
    """张店区“放管服”改革, X局的“Y”行动: a place or body right before a programme runs it."""
    text = sentence.text
    ents = sentence.ents
    for owner, prog in zip(ents, ents[1:], strict=False):
        if (
            prog.type == PROGRAMME
            and owner.type in (ORG, GPE)
            and text[owner.end : prog.start] in ("", "的")
            and text[owner.start - 1 : owner.start] not in word_set("place_prepositions.txt")
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
        if end < 0 or CLAUSE_BREAK.search(text[match.end() : end]):
            continue
        for ent in sentence.ents:
            if ent.type == PROGRAMME and match.end() <= ent.start and ent.end <= end:
                found[ent] = match.start()
    return found


def supervises(sentence: Sentence, actor: Ent | None, recent: list[Ent]) -> Iterator[tuple]:
    """A 现场指导/督导检查 B, 到B督导检查, 对A、B的……进行督导检查."""
    text = sentence.text
    lexicon = triggers()["supervises"]
    for v_start, v_end in find_all(text, lexicon["verbs"], sentence.ents):
        targets = [e for e in sentence.ents if e.start >= v_end][:1]
        targets = [e for e in targets if e.type == ORG and e.start - v_end <= 4]
        clause = clause_start(text, v_start)
        markers = (lexicon["visit_markers"], lexicon["object_markers"])
        for m_start, m_end in find_all(text, markers, sentence.ents):
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
        heads, _ = subject_or_actor(sentence, v_start, actor)
        visited = {target.name for target in targets}
        for head in heads:
            if head.name in visited:
                continue  # 督查组赴A、B开展督查: a place visited is no inspector
            for target in targets:
                yield head, "supervises", target, "supervises_trigger"


_SUBSIDIARY = re.compile(r"(?:全资子公司|控股子公司|子公司|旗下的?|下属的?)")


def subsidiaries(sentence: Sentence, actor: Ent | None, recent: list[Ent]) -> Iterator[tuple]:
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
            clause = clause_start(text, end)
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


def guided(sentence: Sentence, actor: Ent | None, recent: list[Ent]) -> Iterator[tuple]:
    """在A的指导下，B……: A supervises B, the subject before 在 or right after the phrase."""
    text = sentence.text
    for match in _GUIDANCE.finditer(text):
        guide = next((e for e in sentence.ents if (e.start, e.end) == match.span(1)), None)
        if guide is None or guide.type != ORG:
            continue
        clause = clause_start(text, match.start())
        before = _ADVERBS.sub("", text[clause : match.start()])
        tail = None
        if before.strip():
            end = clause + len(before)
            tail = next((e for e in sentence.ents if e.end == end and e.type in (ORG, GPE)), None)
            tail = tail or bare_body(sentence, end, len(sentence.ents))
        else:
            start = match.end() + (text[match.end() : match.end() + 1] in "，,")
            tail = next(
                (e for e in sentence.ents if e.start == start and e.type in (ORG, GPE)), None
            )
        if tail and tail.name != guide.name:
            yield guide, "supervises", tail, "supervises_guidance"


def located(sentence: Sentence, actor: Ent | None, recent: list[Ent]) -> Iterator[tuple]:
    text = sentence.text
    for v_start, v_end in find_all(text, triggers()["located_in"]["verbs"], sentence.ents):
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


def paired_places(sentence: Sentence, actor: Ent | None, recent: list[Ent]) -> Iterator[tuple]:
    """秀洲—龙泉开启合作新篇章, 宜宾—泸州联合申报: two places joined by a dash, the
    cooperation named right after them, are partners."""
    ents = sentence.ents
    text = sentence.text
    lexicon = triggers()["partners_with"]
    for a, b in zip(ents, ents[1:], strict=False):
        if a.type != GPE or b.type != GPE or a.name == b.name:
            continue
        if text[a.end : b.start] not in lexicon["pair_dashes"]:
            continue
        after = text[b.end : b.end + 12]
        cut = CLAUSE_BREAK.search(after)
        if any(w in after[: cut.start() if cut else None] for w in lexicon["pair_words"]):
            yield a, "partners_with", b, "partners_pair"


def meetings(sentence: Sentence, actor: Ent | None, recent: list[Ent]) -> Iterator[tuple]:
    """齐齐哈尔市召开“春风春绿”专项行动启动会议, 我县召开苏陕协作工作推进会: who holds the
    meeting that starts or drives a programme runs it."""
    lexicon = triggers()["runs"]
    text = sentence.text
    calls = find_all(text, lexicon["meeting_verbs"], sentence.ents)
    for prog in sentence.ents:
        if prog.type != PROGRAMME:
            continue
        after = text[prog.end : prog.end + 12]
        cut = CLAUSE_BREAK.search(after)
        after = after[: cut.start()] if cut else after
        if not any(m in after for m in lexicon["meetings"]):
            continue
        before = [
            c
            for c in calls
            if c[1] <= prog.start and not CLAUSE_BREAK.search(text[c[1] : prog.start])
        ]
        if not before:
            continue
        heads, _ = subject_or_actor(sentence, before[-1][0], actor)
        for head in heads:
            yield head, "runs", prog, "runs_meeting"

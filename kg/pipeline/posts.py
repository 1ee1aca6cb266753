"""Relation rules for persons' posts: works_for from X局局长 Y, post chains, appointments,
leaders' lists and the body a bare post belongs to.

The rules (:func:`works_for`, :func:`leaders`) take and yield what every sentence rule
does (see kg/pipeline/actions.py); kg/pipeline/rule_registry.py lists their rule ids.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from kg.io.ingest import is_byline
from kg.pipeline.lexicons import (
    ordered_words,
    post_starting_at,
    posts_ending_at,
    word_set,
)
from kg.pipeline.names import (
    CJK_CHAR,
    canonical_org,
    parse_name,
    place_name,
)
from kg.pipeline.sentences import CLAUSE_BREAK, Ent, Sentence, clause_start, triggers
from kg.schema import GPE, ORG, PERSON


def works_for(sentence: Sentence, actor: Ent | None, recent: list[Ent]) -> Iterator[tuple]:
    text = sentence.text
    ents = sentence.ents
    employers_of: dict[int, list[Ent]] = {}
    for i, person in enumerate(ents):
        if person.type != PERSON or is_byline(text[clause_start(text, person.start) :].strip()):
            continue
        if posts_ending_at(text, _before_aside(text, person.start)):
            found = _post_chain(sentence, i)
            if not found:
                found = _listed_colleague(sentence, i, employers_of)
            if not found:
                found = _deputy_of(sentence, i, employers_of)
            employers_of[i] = found
            for employer in found:
                yield person, "works_for", employer, "works_for_post"
            for listed in _sharing_post(sentence, i) if found else ():
                employers_of[sentence.ents.index(listed)] = found
                for employer in found:
                    yield listed, "works_for", employer, "works_for_post"
        else:
            # X局周明远局长: the organisation, the name, then the post.
            org = next((e for e in ents[:i] if e.type == ORG and e.end == person.start), None)
            post = post_starting_at(text, person.end, within=6)
            if org and post and post not in word_set("not_employment_posts.txt"):
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


def _sharing_post(sentence: Sentence, i: int) -> list[Ent]:
    """副主席凌显华、王健、郑松淼: the persons listed right after ``i`` with no post of their
    own hold its post, when several people can hold it (a deputy, a member)."""
    text = sentence.text
    post = next(iter(posts_ending_at(text, _before_aside(text, sentence.ents[i].start))), "")
    if not (post.startswith(("副", "常务副")) or post.endswith(ordered_words("shared_posts.txt"))):
        return []
    listed = []
    for k in range(i + 1, len(sentence.ents)):
        previous, ent = sentence.ents[k - 1], sentence.ents[k]
        if ent.type != PERSON or text[previous.end : ent.start] not in ("、", "和"):
            break
        listed.append(ent)
    return listed


def _deputy_of(sentence: Sentence, i: int, employers_of: dict[int, list[Ent]]) -> list[Ent]:
    """县政协主席X主持会议，副主席Y: a bare post whose root is the post of an earlier
    person of the sentence (主席, 副主席) is a post of that person's body."""
    text = sentence.text
    post = next(iter(posts_ending_at(text, _before_aside(text, sentence.ents[i].start))), "")
    root = _post_root(post)
    start = _before_aside(text, sentence.ents[i].start) - len(post)
    if not root or (start > 0 and text[start - 1] not in "，,、；;："):
        return []  # a body written before the post (X局副局长) is the post chain's
    for j in range(i - 1, -1, -1):
        if j not in employers_of or not employers_of[j]:
            continue
        earlier = posts_ending_at(text, _before_aside(text, sentence.ents[j].start))
        if any(_post_root(p) == root for p in earlier):
            return employers_of[j]
    return []


def _post_root(post: str) -> str:
    """A post without 常务/副 (副主席 -> 主席)."""
    return post.removeprefix("常务").removeprefix("副")


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


def leaders(sentence: Sentence, actor: Ent | None, recent: list[Ent]) -> Iterator[tuple]:
    """区领导施小琳、周敏浩: each listed person works for the district."""
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
        # 区领导 are the district's party and government leaders: the district itself
        for person in _list_ending_after(sentence, i):
            yield person, "works_for", place, "works_for_leaders"


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
        if post in word_set("not_employment_posts.txt"):
            return [], None
        org = next((e for e in orgs if e.end == org_end), None)
        if org:
            found = [org]
            party = re.fullmatch(r"中共(.+?[省市区县州旗])委", org.name)
            if party and first in government_posts and end == ents[i].start:
                place = Ent(org.start, org.end, GPE, place_name(party.group(1)))
                found.append(_government(sentence, place))
            return found, org.start
        bare = bare_body(sentence, org_end, i) or _anaphor_body(sentence, org_end, i)
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
    if post is None or post in word_set("not_employment_posts.txt"):
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


def _anaphor_body(sentence: Sentence, end: int, before: int) -> Ent | None:
    """该院党组书记、院长 X: the last organisation named with that kind (法院, 医院 ...)."""
    match = _ANAPHOR_BEFORE.search(sentence.text, 0, end)
    if match is None or match.end() != end:
        return None
    kind = match.group(1)
    earlier = sentence.context + [e for e in sentence.ents[:before] if e.end <= match.start()]
    return next((e for e in reversed(earlier) if e.type == ORG and e.name.endswith(kind)), None)


_ANAPHOR_BEFORE = re.compile(r"(?:该|本)(院|局|公司|行|所|中心|校|委|厅|办)$")


def bare_body(sentence: Sentence, end: int, before: int) -> Ent | None:
    """The organisation a bare 集团/公司/支行 ending at ``end`` stands for: the last one
    named with that word (that company, that branch), where the word stands alone."""
    text = sentence.text
    word = next((w for w in ordered_words("bare_bodies.txt") if text.endswith(w, 0, end)), None)
    if word is None:
        return None
    start = end - len(word)
    if start > 0 and not (CLAUSE_BREAK.match(text, start - 1) or text[start - 1] in "”」、 该本"):
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

"""Entity rules for organisations and places: names walked left from their suffix,
the tagger's names, national bodies, party committees, divisions, zones, companies'
short forms.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from functools import cache

from kg.pipeline.lexicons import (
    abbreviations,
    country_abbreviations,
    division_chain,
    division_prefix,
    divisions,
    is_not_name,
    ordered_words,
    posts_ending_at,
    word_list,
    word_set,
)
from kg.pipeline.names import (
    CJK_CHAR,
    company_brand,
    company_suffixes,
    conjunctions,
    is_division,
    org_suffix,
    starts_with_division,
    town_endings,
    zone_suffix,
)
from kg.pipeline.places import is_listed_person
from kg.pipeline.words import (
    DURATION,
    MAX_NAME,
    PROPER_TAGS,
    STOP_TAGS,
    UNIVERSITY_AND_FIELD,
    Candidate,
    TakenChars,
    Words,
    find_occurrences,
    name_breakers,
    programme_triggers,
    schools,
    suffix_spans,
)
from kg.schema import GPE, ORG


def _is_proper(words: Words, i: int) -> bool:
    word = words.word(i)
    return (
        words.tags[i] in PROPER_TAGS
        or is_division(word)
        or word in word_set("party_words.txt")
        or starts_with_division(word)
    )


#: A level written alone before a body's name: the article's own place of that level.
_LEVEL_WORDS = frozenset("省市县区州旗")


def _walk_left(words: Words, last: int) -> int | None:
    """From the word ``last`` leftwards over name words; the first word of the name."""
    first = last
    division = None  # where a division read through other tags starts (a proper word)
    i = last - 1
    while i >= 0:
        if words.ends[last] - words.starts[i] > MAX_NAME:
            break
        if _clause_verb(words, i):
            break  # 古城街道|建设|智能育苗工厂: a place doing something, not a name
        if _ends_with_joint(words, i):
            break  # 于|长洪和|人民日报社: the tagger glued a name to the 和 after it
        if words.tags[i] in STOP_TAGS and not (_bridges(words, i) or _joins_body(words, i, last)):
            found = _division_before(words, i, last)
            if found is None:
                break
            division = first = i = found  # X局让胡路分局: a division's words, whatever their tags
            i -= 1
            continue
        if (
            words.word(i) in name_breakers()
            and not _joins_school(words, i, last)
            and not (i == last - 1 and suffix_spans(words.word(i), words.word(last)))
        ):
            break  # but 联合 of 联合实验室 is the name's own head
        first = i
        i -= 1
    # A name starts at its first proper word (a place, a brand, an organisation word).
    for j in range(first, last + 1):
        if _is_proper(words, j) or j == division:
            return j
    if first < last and words.word(first) in _LEVEL_WORDS:
        return first  # 市|生态|环境局: a body of the article's city (resolve places it)
    return None


def _ends_with_joint(words: Words, i: int) -> bool:
    """A tagger's name of three or more characters that ends in 和/与/及 (长洪和): the
    joint belongs to the sentence, so no name runs left across it."""
    word = words.word(i)
    return len(word) >= 3 and word[-1] in conjunctions() and words.tags[i] in ("PER", "ORG", "LOC")


def _clause_verb(words: Words, i: int) -> bool:
    """A programme verb (建设, 打造 ...) the tagger read as a noun, right after a place."""
    return (
        i > 0
        and words.tags[i] in ("vn", "v")
        and words.word(i) in programme_triggers()
        and (words.tags[i - 1] == "LOC" or is_division(words.word(i - 1)))
    )


def _division_before(words: Words, i: int, last: int) -> int | None:
    """The first of the words, ``i`` or up to two before it, that start a division named
    right before the suffix word ``last`` (让|胡路 of X局让胡路分局: a place the tagger
    read as a verb and a person)."""
    if org_suffix(words.word(last)) != words.word(last):
        return None  # only before a bare suffix word (分局), not inside a name
    for j in range(i, max(-1, i - 3), -1):
        segment = words.text[words.starts[j] : words.starts[last]]
        if len(segment) >= 2 and segment in divisions():
            return j
    return None


def _bridges(words: Words, i: int) -> bool:
    """A one-character word the tagger split off inside a name (X油田|溢|油应急处理中心)."""
    return (
        len(words.word(i)) == 1
        and words.tags[i] in ("v", "a", "d")
        and words.word(i) not in word_set("never_inside_names.txt")
        and i > 0
        and words.tags[i - 1] in ("ORG", "LOC")
    )


def _joins_body(words: Words, i: int, last: int) -> bool:
    """The 和 of 工业和信息化局, 文化和旅游局: part of a bureau's official name; the 与
    of a school of a university (X大学食品与生物工程学院)."""
    if words.word(i) not in ("和", "与") or i == 0:
        return False
    if _joins_school(words, i, last):
        return True
    span = words.text[words.starts[i - 1] : words.ends[last]]
    return words.word(i) == "和" and any(
        full in span and "和" in full for _, full in abbreviations()
    )


def _joins_school(words: Words, i: int, last: int) -> bool:
    """与/和 between two fields of a school's name, right after its university's name:
    (X大学)(食品)与(生物工程学院)."""
    if not words.word(last).endswith(schools()) or last - i > 3 or i == 0:
        return False
    if org_suffix(words.word(i - 1)):
        return False  # X医院与Y学院: two bodies
    before = words.text[words.starts[max(0, i - 3)] : words.starts[i]]
    return bool(UNIVERSITY_AND_FIELD.search(before))


def _before_party_post(words: Words, i: int) -> int | None:
    """Where a name ending at word ``i`` really ends: X公司党委书记 Y holds the post 党委书记
    of X公司, so 党委 belongs to the post (None: nothing of the word is left)."""
    word, end = words.word(i), words.ends[i]
    if word.endswith(("党委", "党组")) and words.text.startswith(
        ordered_words("party_posts.txt"), end
    ):
        if words.text.endswith(town_endings(), 0, end - 2):
            return end  # 云台镇党委书记 X: the town's party committee is the body
        return end - 2 if len(word) > 2 else None
    return end


def before_post(words: Words, i: int) -> int | None:
    """Where a tagger organisation ending at word ``i`` really ends: a post glued to it
    (X区委书记, X公司党委书记) belongs to the person who follows."""
    end = _before_party_post(words, i)
    if end is None:
        return None
    name = words.text[words.starts[i] : end]
    for post in posts_ending_at(words.text, end):
        rest = name[: len(name) - len(post)]
        if len(rest) >= 2 and org_suffix(rest):
            return words.starts[i] + len(rest)
    return end


def _is_generic(word: str) -> bool:
    """各乡镇, 该局, 有关部门: a determiner before a kind of body or place names nothing."""
    for determiner in word_list("determiners.txt"):
        rest = word[len(determiner) :]
        if (
            word.startswith(determiner)
            and rest
            and (org_suffix(rest) == rest or zone_suffix(rest) == rest or is_not_name(rest))
        ):
            return True
    return False


def suffix_names(words: Words) -> Iterator[Candidate]:
    """Names ending in an organisation or zone suffix, walked left to their first proper word.

    Repairs names the tagger cut or split (X油田 + 溢油应急处理中心).
    """
    for last in range(len(words.tags)):
        word = words.word(last)
        if words.tags[last] in STOP_TAGS - {"PER"} or word in word_set("not_organisations.txt"):
            continue
        label = ORG if org_suffix(word) else GPE if zone_suffix(word) else None
        if label is None or _is_generic(word) or (label == GPE and is_listed_person(words, last)):
            continue
        end = _before_party_post(words, last)
        if end is None:
            continue
        first = _walk_left(words, last)
        if first is None:
            if word in word_set("government_words.txt"):
                yield Candidate(words.starts[last], words.ends[last], ORG, "gov_word", 1)
            continue
        if label == GPE:  # 石狮农商银行|灵秀镇: a body's name is no part of a place's
            first = max([first, *(j + 1 for j in range(first, last) if org_suffix(words.word(j)))])
        start = words.starts[first]
        duration = DURATION.match(words.text, start, end)
        if duration:
            start = duration.end()  # 五年|农发行上饶市分行: a time word the tagger glued on
        if end - start < 3 and word not in word_set("government_words.txt"):
            continue
        name = words.text[start:end]
        if label == ORG and (
            is_category(name) or is_country_government(name) or PARTY_AND_GOVERNMENT.fullmatch(name)
        ):
            continue
        yield Candidate(start, end, label, f"suffix_{label.lower()}", 3)


def is_category(name: str) -> bool:
    """丰泽区学校, 美国公司: a place or a country and a bare kind of body names no
    organisation."""
    prefix = division_prefix(name)
    if not prefix.endswith(("市", "区", "县", "省", "旗", "州")):
        prefix = next((c for c in _countries() if name.startswith(c)), "")
    rest = name[len(prefix) :]
    return (
        bool(prefix)
        and org_suffix(rest) == rest
        and rest not in word_set("standalone_bodies.txt")
        and not rest.startswith("分")
    )


@cache
def _countries() -> tuple[str, ...]:
    return tuple(sorted(set(country_abbreviations().values()), key=len, reverse=True))


_PARTY_BODY = re.compile(r"(?:[省市区县州旗盟]委|党委|党工委)(?=(?:常委、?)?副?书记|常委)")


def party_committees(words: Words) -> Iterator[Candidate]:
    """Party committees named by a post: 陇西县委书记 X, 某镇党委书记 X (the 县委 of 陇西县).

    A 市/区/县委 follows the division it is of (a chain in the division table); a 党委 or
    党工委 follows a town, a sub-district or a zone the tagger read as a name.
    """
    text = words.text
    start: int | None
    for match in _PARTY_BODY.finditer(text):
        body_start = match.start()
        if match.group().startswith(("党委", "党工委")):
            i = words.index_ending_at(body_start)
            if i is None or words.tags[i] not in PROPER_TAGS:
                continue
            place = words.word(i)
            place = place[len(division_prefix(place)) :] or place  # 岷县岷阳镇 -> 岷阳镇
            if not place.endswith((*town_endings(), "区")) or len(place) < 3:
                continue
            start = body_start - len(place)
        else:
            start = _chain_ending_at(text, body_start + 1, 3)  # 陇西县 of 陇西县委
            if start is None and text[body_start - 1 : body_start] == match.group()[0]:
                start = _chain_ending_at(text, body_start, 2)  # 定远县县委书记: then its 县委
            if start is None:
                if body_start and CJK_CHAR.match(text, body_start - 1):
                    continue
                start = body_start  # 区委书记 X: the bare 区委, the article's district's
        yield Candidate(start, match.end(), ORG, "party_committee", 4)


def _chain_ending_at(text: str, end: int, shortest: int) -> int | None:
    """Where the longest division chain (of ``shortest`` characters or more, at most 10)
    that ends at ``end`` starts, or None."""
    return next(
        (s for s in range(max(0, end - 10), end - shortest + 1) if division_chain(text[s:end])),
        None,
    )


def national_bodies(words: Words) -> Iterator[Candidate]:
    """Bodies that news names on their own (国务院, 新华社, 联合国: national_bodies.txt),
    and a place's or country's ministry of that kind (美国财政部)."""
    text = words.text
    bodies = set(word_list("national_bodies.txt"))
    for spans in find_occurrences(text, bodies).values():
        for start, end in spans:
            if words.index_starting_at(start) is None or words.index_ending_at(end) is None:
                continue  # inside a longer word (生态环境部门 is no ministry)
            i = words.index_ending_at(start)
            if i is not None and words.tags[i] == "LOC" and not is_division(words.word(i)):
                start = words.starts[i]  # 美国财政部, 伊朗议会: a country's body
            yield Candidate(start, end, ORG, "national_body", 2)


_TEAM = re.compile(r"(?:国家)?(?:男|女)?(?:子)?(?:足球|篮球|排球|乒乓球|游泳|田径)?队")


def teams(words: Words) -> Iterator[Candidate]:
    """A country's, a place's or a club's team (中国队, 印尼女队, 松日队)."""
    text = words.text
    for i, tag in enumerate(words.tags):
        if tag not in ("LOC", "ORG", "nz") and not is_division(words.word(i)):
            continue  # a place's, or a club's (松日队): a name the tagger knows
        match = _TEAM.match(text, words.ends[i])
        if match and match.end() - match.start() <= 6:
            yield Candidate(words.starts[i], match.end(), ORG, "team", 2)


#: X市委市政府, 省委省政府, 县委、县政府 written as one: the party committee, the government.
PARTY_AND_GOVERNMENT = re.compile(
    r"(?P<place>[\u4e00-\u9fff]{0,10}?)(?:(?P<level>[省市区县州旗])委|党委)、?(?P=level)?"
    r"(?:人民)?政府"
)


def party_and_government(words: Words) -> Iterator[Candidate]:
    """大同市委市政府, 省委省政府: the party committee and the government, each a body."""
    for i, tag in enumerate(words.tags):
        match = PARTY_AND_GOVERNMENT.fullmatch(words.word(i)) if tag in PROPER_TAGS else None
        if match is None:
            continue
        start = words.starts[i]
        if match.group("level") is None:  # 八都党委政府: the town's party committee
            yield Candidate(start, start + match.end("place") + 2, ORG, "party_and_government", 2)
            continue
        committee_end = start + match.end("level") + 1
        yield Candidate(start, committee_end, ORG, "party_and_government", 2)
        government_start = committee_end + (1 if words.text[committee_end] == "、" else 0)
        yield Candidate(government_start, words.ends[i], ORG, "party_and_government", 2)


def is_country_government(word: str) -> bool:
    """美国政府, 俄政府: a country named through its government (the country is the name)."""
    if not word.endswith("政府") or len(word) < 3:
        return False
    country = word[:-2]
    if country in country_abbreviations() or country in country_abbreviations().values():
        return True
    # 南斯拉夫政府, 巴西政府: a name of two to five characters that is no Chinese division
    # and does not end like one, nor like a kind of government (中央, 地方, 人民, 特区).
    return (
        2 <= len(country) <= 5
        and not division_prefix(country)
        and not country.endswith(ordered_words("not_country_endings.txt"))
        and not org_suffix(country)
    )


def company_short_forms(words: Words, chosen: list[Candidate]) -> Iterator[Candidate]:
    """Later short forms of a company named in full (株洲恒岳化工有限公司 ... 恒岳化工)."""
    text = words.text
    forms: set[str] = set()
    for cand in chosen:
        name = text[cand.start : cand.end]
        suffix = next((s for s in company_suffixes() if name.endswith(s)), None)
        if cand.label != ORG or suffix is None:
            continue
        core = name[: -len(suffix)]
        core = core[len(division_prefix(core)) :]
        if len(core) >= 3:
            forms.add(core)
        brand = company_brand(core)
        if len(brand) >= 3:
            forms.add(brand)
        if len(brand) >= 2:  # 兴和食品 of 漳州兴和食品集团有限公司: the brand and its trade
            trade = next(
                (t for t in word_list("industry_words.txt") if core[len(brand) :].startswith(t)), ""
            )
            if trade and len(brand + trade) >= 4:
                forms.add(brand + trade)
        if core.endswith("集团") and len(core) > 4:
            group = company_brand(core[:-2])  # 秦硒集团 of 陕西秦硒食品集团有限公司
            if len(group) >= 2 and group != core[:-2]:
                forms.add(group + "集团")
        # Prefixes of the core (4 characters or more) ending where a word of the name ends.
        core_start = cand.start + len(name) - len(suffix) - len(core)
        first = bisect.bisect_left(words.ends, core_start + 4)
        last = bisect.bisect_left(words.ends, core_start + len(core))
        for i in range(first, last):
            if words.starts[i] >= cand.start:
                forms.add(core[: words.ends[i] - core_start])
    if not forms:
        return
    taken = TakenChars(max([len(text), *(c.end for c in chosen)]))
    for cand in chosen:
        if cand.label != GPE:  # a place word inside a short form (兴和 of 兴和食品) yields
            taken.add(cand.start, cand.end)
    occurrences = find_occurrences(text, forms)
    for form in sorted(forms, key=lambda f: (-len(f), f)):
        for start, end in occurrences[form]:
            if not taken.overlaps(start, end):
                taken.add(start, end)
                yield Candidate(start, end, ORG, "company_short_form", 1)

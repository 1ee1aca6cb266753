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
    is_common_word,
    is_country_pair,
    is_full_division,
    is_not_name,
    posts_ending_at,
    surnames,
    word_list,
)
from kg.pipeline.names import (
    CJK_CHAR,
    COMPANY_SUFFIXES,
    company_brand,
    is_division,
    is_short_of_written_division,
    org_suffix,
    starts_with_division,
    zone_suffix,
)
from kg.pipeline.words import (
    DURATION,
    MAX_NAME,
    PROPER_TAGS,
    SCHOOLS,
    STOP_TAGS,
    UNIVERSITY_AND_FIELD,
    Candidate,
    TakenChars,
    Words,
    find_occurrences,
    name_breakers,
    programme_triggers,
    suffix_spans,
)
from kg.schema import GPE, LOC, ORG, PERSON

_GOV_WORDS = ("市委", "市政府", "区委", "区政府", "县委", "县政府", "省委", "省政府", "市委党校")
_NOT_ORG = frozenset(
    [
        "格局",
        "布局",
        "大局",
        "全局",
        "结局",
        "开局",
        "新局",
        "时局",
        "变局",
        "僵局",
        "定局",
        "政局",
        "当局",
        "骗局",
        "饭局",
        "部署",
        "签署",
        "赌局",
        "棋局",
        "核心",
        "重心",
        "圆心",
        "初心",
        "信心",
        "决心",
        "同心",
        "民心",
        "人心",
        "安心",
        "城乡",
        "家乡",
        "故乡",
        "下乡",
        "返乡",
        "老乡",
        "本乡",
        "异乡",
        "同乡",
    ]
)


_ORG_WORDS = frozenset({"中共", "市委", "区委", "县委", "省委", "州委", "党委", "中国共产党"})


def _is_proper(words: Words, i: int) -> bool:
    word = words.word(i)
    return (
        words.tags[i] in PROPER_TAGS
        or is_division(word)
        or word in _ORG_WORDS
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
    return len(word) >= 3 and word[-1] in "和与及" and words.tags[i] in ("PER", "ORG", "LOC")


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
        and words.word(i) not in _NEVER_INSIDE
        and i > 0
        and words.tags[i - 1] in ("ORG", "LOC")
    )


#: One-character verbs and adverbs that join a sentence, never the parts of a name.
_NEVER_INSIDE = frozenset("是为在有将把被让给对从向到也都还又已")


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
    if not words.word(last).endswith(SCHOOLS) or last - i > 3 or i == 0:
        return False
    if org_suffix(words.word(i - 1)):
        return False  # X医院与Y学院: two bodies
    before = words.text[words.starts[max(0, i - 3)] : words.starts[i]]
    return bool(UNIVERSITY_AND_FIELD.search(before))


#: What follows 党委/党组 in a party post (党委书记, 党委委员, 党组成员).
_PARTY_POSTS = ("书记", "副书记", "委员", "成员")


def _before_party_post(words: Words, i: int) -> int | None:
    """Where a name ending at word ``i`` really ends: X公司党委书记 Y holds the post 党委书记
    of X公司, so 党委 belongs to the post (None: nothing of the word is left)."""
    word, end = words.word(i), words.ends[i]
    if word.endswith(("党委", "党组")) and words.text.startswith(_PARTY_POSTS, end):
        if words.text.endswith(("镇", "乡", "街道"), 0, end - 2):
            return end  # 云台镇党委书记 X: the town's party committee is the body
        return end - 2 if len(word) > 2 else None
    return end


def _before_post(words: Words, i: int) -> int | None:
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
        if words.tags[last] in STOP_TAGS - {"PER"} or word in _NOT_ORG:
            continue
        label = ORG if org_suffix(word) else GPE if zone_suffix(word) else None
        if label is None or _is_generic(word) or (label == GPE and _is_listed_person(words, last)):
            continue
        end = _before_party_post(words, last)
        if end is None:
            continue
        first = _walk_left(words, last)
        if first is None:
            if word in _GOV_WORDS:
                yield Candidate(words.starts[last], words.ends[last], ORG, "gov_word", 1)
            continue
        if label == GPE:  # 石狮农商银行|灵秀镇: a body's name is no part of a place's
            first = max([first, *(j + 1 for j in range(first, last) if org_suffix(words.word(j)))])
        start = words.starts[first]
        duration = DURATION.match(words.text, start, end)
        if duration:
            start = duration.end()  # 五年|农发行上饶市分行: a time word the tagger glued on
        if end - start < 3 and word not in _GOV_WORDS:
            continue
        name = words.text[start:end]
        if label == ORG and (
            _is_category(name)
            or _is_country_government(name)
            or _PARTY_AND_GOVERNMENT.fullmatch(name)
        ):
            continue
        yield Candidate(start, end, label, f"suffix_{label.lower()}", 3)


_STANDALONE_BODIES = frozenset(
    [
        "人民政府",
        "政府",
        "委",
        "市委",
        "区委",
        "县委",
        "人大常委会",
        "政协",
        "法院",
        "人民法院",
        "检察院",
        "人民检察院",
        "管委会",
        "管理委员会",
        "党工委",
        "纪委",
        "监委",
        "公安局",
        "税务局",
        "财政局",
        "教育局",
        "民政局",
        "商务局",
        "统计局",
    ]
)


def _is_category(name: str) -> bool:
    """丰泽区学校, 美国公司: a place or a country and a bare kind of body names no
    organisation."""
    prefix = division_prefix(name)
    if not prefix.endswith(("市", "区", "县", "省", "旗", "州")):
        prefix = next((c for c in _countries() if name.startswith(c)), "")
    rest = name[len(prefix) :]
    return (
        bool(prefix)
        and org_suffix(rest) == rest
        and rest not in _STANDALONE_BODIES
        and not rest.startswith("分")
    )


@cache
def _countries() -> tuple[str, ...]:
    return tuple(sorted(set(country_abbreviations().values()), key=len, reverse=True))


_FTZ = re.compile(
    r"中国[（(][\u3400-\u9fff]{2,3}[）)](?:自由贸易试验区|自贸试验区)(?:[\u3400-\u9fff]{2,4}片区)?"
    r"(?P<body>管委会|管理委员会)?"
)


def free_trade_zones(words: Words) -> Iterator[Candidate]:
    """中国（河南）自由贸易试验区洛阳片区 (管委会): names with brackets inside."""
    for match in _FTZ.finditer(words.text):
        label = ORG if match.group("body") else GPE
        yield Candidate(match.start(), match.end(), label, "free_trade_zone", 5)


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
            if not place.endswith(("镇", "乡", "街道", "区")) or len(place) < 3:
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


_NAME_WORD_TAGS = frozenset({"n", "nz", "nw", "vn", "LOC", "ORG", "m", "q", "an", "f", "s", "a"})


def _starts_longer_name(words: Words, i: int) -> bool:
    """Whether the words right after word ``i`` (no punctuation, no verb between) run on
    to a head of a longer name (compound_heads.txt): 百胜|中国大同供应链产业园项目."""
    heads = word_list("compound_heads.txt")
    j = i + 1
    while j < len(words.tags) and j - i <= 12 and words.starts[j] == words.ends[j - 1]:
        word = words.word(j)
        if words.tags[j] == "w" and word not in "()（）":
            return False
        if words.tags[j] not in _NAME_WORD_TAGS and words.tags[j] != "w":
            return False
        if word.endswith(heads):
            return True
        j += 1
    return False


def _is_listed_person(words: Words, i: int) -> bool:
    """罗勇伟、钱城乡、孙萍: a three-character 'town' starting with a surname, in a list
    of persons' names, is a person's name."""
    word = words.word(i)
    return len(word) == 3 and word[0] in surnames() and _listed_with_persons(words, i)


def _listed_with_persons(words: Words, i: int) -> bool:
    """Whether word ``i`` stands in a 、-list between persons' names on both sides (or
    one side, at the list's end)."""
    tags, n = words.tags, len(words.tags)

    def person_at(j: int, joint: int) -> bool | None:
        if not (0 <= joint < n and words.word(joint) == "、"):
            return None  # no list on this side
        return 0 <= j < n and tags[j] == "PER"

    before, after = person_at(i - 2, i - 1), person_at(i + 2, i + 1)
    return bool(before or after) and before is not False and after is not False


def _weather_after(word: str) -> int | None:
    """Where a place ends before the weather a forecast prints after it (大连多云转晴: 2),
    or None if the word ends in no weather word."""
    for length in range(2, len(word)):
        rest = word[length:]
        if all(part in word_list("weather_words.txt") for part in _weather_parts(rest)):
            return length
    return None


def _weather_parts(text: str) -> list[str]:
    """多云转晴 -> [多云, 转晴]: the weather words a forecast strings together."""
    parts, words = [], sorted(word_list("weather_words.txt"), key=len, reverse=True)
    while text:
        found = next((w for w in words if text.startswith(w)), None)
        if found is None:
            return [text]
        parts.append(found)
        text = text[len(found) :]
    return parts


def tagger_orgs(words: Words) -> Iterator[Candidate]:
    """LAC's own names: its ORG words, and its LOC words as places.

    The tagger is the floor: every name it finds is kept unless there is a positive
    reason to drop it (a common word, an ethnic group, a pair of countries, a quoted
    brand); the longer names of the other rules win over it where they overlap.
    """
    text = words.text
    for i, tag in enumerate(words.tags):
        if tag not in ("ORG", "LOC"):
            continue
        word = words.word(i)
        if (
            tag == "LOC"
            and is_country_pair(word)
            and not is_common_word(word)
            and text.startswith(word_list("pair_followers.txt"), words.ends[i])
        ):
            # 中美关系: each one-character name is a country, a mention but no node
            for at in range(words.starts[i], words.ends[i]):
                yield Candidate(at, at + 1, LOC, "country_pair", 1)
            continue
        if len(word) < 2 or is_not_name(word):
            continue
        start = words.starts[i]
        if org_suffix(word) == word:
            continue  # a bare kind of body (实验室) names none; a bare zone, see resolve
        if tag == "ORG":
            quoted = text[start - 1 : start] in '“「"' and i > 0
            if quoted and not org_suffix(word):
                continue  # “e路通办”: a quoted name is a brand or a programme, not an org
            if _is_category(word):
                continue  # 美国公司: a kind of body of a country, no organisation
            if _is_place_trade(word) and not _supported(words, word):
                continue  # 温岭泵业: a place's trade (its pump industry), not a company
            if not org_suffix(word) and _starts_longer_name(words, i):
                continue  # 百胜|中国大同供应链产业园项目: a brand inside a project's name
            if is_division(word):
                yield Candidate(start, words.ends[i], GPE, "lac_org", 2)
            elif _PARTY_AND_GOVERNMENT.fullmatch(word):
                continue  # 大同市委市政府: two bodies (party_and_government)
            elif word.endswith("报讯"):
                yield Candidate(start, words.ends[i] - 1, ORG, "lac_org", 2)  # X报讯: the paper
            elif _is_country_government(word):
                yield Candidate(start, words.ends[i] - 2, GPE, "lac_place", 1)
            else:
                end = _before_post(words, i)
                if end is not None and end - start >= 2:
                    rule = "lac_org" if org_suffix(text[start:end]) else "lac_name"
                    yield Candidate(start, end, ORG, rule, 2)
        elif any(ch.isdigit() for ch in word) or word.endswith("乡村"):
            continue  # 金宝街52号: an address; 下乡村: no village
        elif (weather := _weather_after(word)) is not None:
            # 大连多云: a forecast's place and its weather
            yield Candidate(start, start + weather, GPE, "lac_place", 1)
        elif word.endswith(("镇", "乡", "街道", "村")) and len(word) >= 3:
            if _is_listed_person(words, i):
                # 罗勇伟、钱城乡、孙萍: a name in a list of persons is a person's
                yield Candidate(start, words.ends[i], PERSON, "listed_person", 1)
            else:
                yield Candidate(start, words.ends[i], GPE, "lac_town", 1)
        elif _before_region_word(text, words.ends[i]) and not is_full_division(word):
            continue  # 兰西城市群: two places' short names, no place of their own
        elif word not in word_list("place_blocklist.txt") and not word.endswith(
            word_list("non_place_endings.txt")
        ):
            label = LOC if word.endswith(word_list("feature_endings.txt")) else GPE
            yield Candidate(start, words.ends[i], label, "lac_place", 1)


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
_PARTY_AND_GOVERNMENT = re.compile(
    r"(?P<place>[\u4e00-\u9fff]{0,10}?)(?:(?P<level>[省市区县州旗])委|党委)、?(?P=level)?"
    r"(?:人民)?政府"
)


def party_and_government(words: Words) -> Iterator[Candidate]:
    """大同市委市政府, 省委省政府: the party committee and the government, each a body."""
    for i, tag in enumerate(words.tags):
        match = _PARTY_AND_GOVERNMENT.fullmatch(words.word(i)) if tag in PROPER_TAGS else None
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


def _is_country_government(word: str) -> bool:
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
        and not country.endswith(_NOT_COUNTRY_ENDINGS)
        and not org_suffix(country)
    )


#: Endings of what comes before 政府 in a name that is no country.
_NOT_COUNTRY_ENDINGS = (*"省市区县州旗盟镇乡村", "中央", "地方", "人民", "特区", "街道", "自治区")


def _is_place_trade(word: str) -> bool:
    """A division followed by a trade word only (温岭泵业, X市电商, X县茶业)."""
    prefix = division_prefix(word)
    trade = word[len(prefix) :]
    return bool(prefix) and (
        trade in word_list("industry_words.txt") or (len(trade) == 2 and trade.endswith("业"))
    )


def _supported(words: Words, word: str) -> bool:
    """A tagger name without an organisation suffix counts when the article repeats it or
    names the company it stands for in full (恒岳 ... 株洲恒岳化工有限公司)."""
    return words.count(word) >= 2 or word in words.before_company_names()


def division_names(words: Words) -> Iterator[Candidate]:
    """Administrative divisions from the code table, joined into chains (绵阳市涪城区)."""
    covered = 0
    for i, start in enumerate(words.starts):
        if start < covered or words.tags[i] in ("w", "m"):
            continue
        if words.tags[i] == "PER" and not is_short_of_written_division(words.text, words.word(i)):
            continue
        end = _division_prefix_end(words.text, start, min(len(words.text), start + 24))
        if end is None:
            continue
        last = division_chain(words.text[start:end])[-1]
        full = is_full_division(last)
        if not full and _before_region_word(words.text, end):
            continue  # 兰西城市群, 双城经济圈: a region of two places, no 兰西县
        if not full and words.index_ending_at(end) is None and words.tags[i] not in ("ORG", "LOC"):
            continue  # 新民主主义: a short form at the head of a longer word
        if not full and words.text.startswith(word_list("feature_followers.txt"), end):
            continue  # 运河之畔, 龙城遗址: a river or a site, not 运河区 or 龙城区
        if words.text[start] in "代副" and words.text[end : end + 1] == "长":
            continue  # 代县长: an acting county head, not 代县
        # A short form alone (资源, 振兴) counts only where the tagger also saw a place.
        if full or words.tags[i] in PROPER_TAGS or words.tags[i] == "PER":
            yield Candidate(start, end, GPE, "division", 2)
            covered = end


def home_places(words: Words) -> Iterator[Candidate]:
    """我市, 我区, 本县: the paper's own place (the resolver gives the article's place of
    that level, or drops the mention)."""
    for match in re.finditer(r"[我本](?:市|区|县|州|旗|镇|省)", words.text):
        end = match.end()
        if words.text[end : end + 1] in ("委", "长", "级"):
            continue  # 我市委, 本县长: a body or a post, not the place
        if words.index_starting_at(match.start()) is None and words.text[match.start()] == "本":
            continue  # 日本市场: 本 inside another word
        yield Candidate(match.start(), end, GPE, "home_place", 2)


def _before_region_word(text: str, end: int) -> bool:
    """Whether a region word (城市群, 经济圈: region_words.txt) follows offset ``end``."""
    return text.startswith(word_list("region_words.txt"), end)


def _division_prefix_end(text: str, start: int, limit: int) -> int | None:
    """The end of the longest chain of divisions starting at ``start`` within ``limit``."""
    prefix = division_prefix(text[start:limit])
    return start + len(prefix) if prefix else None


def company_short_forms(words: Words, chosen: list[Candidate]) -> Iterator[Candidate]:
    """Later short forms of a company named in full (株洲恒岳化工有限公司 ... 恒岳化工)."""
    text = words.text
    forms: set[str] = set()
    for cand in chosen:
        name = text[cand.start : cand.end]
        suffix = next((s for s in COMPANY_SUFFIXES if name.endswith(s)), None)
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

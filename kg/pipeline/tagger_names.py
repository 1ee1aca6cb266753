"""The tagger is the floor: every PER/ORG/LOC name LAC finds is kept unless a listed
reason drops it; these rules read LAC's ORG and LOC words (tagger_orgs).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from kg.pipeline.lexicons import (
    division_prefix,
    is_common_word,
    is_country_pair,
    is_full_division,
    is_not_name,
    word_list,
)
from kg.pipeline.names import (
    is_division,
    org_suffix,
    town_endings,
)
from kg.pipeline.organisations import (
    PARTY_AND_GOVERNMENT,
    before_post,
    is_category,
    is_country_government,
)
from kg.pipeline.places import before_region_word, is_listed_person, weather_after
from kg.pipeline.words import (
    Candidate,
    Words,
)
from kg.schema import GPE, LOC, ORG, PERSON

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
            if is_category(word):
                continue  # 美国公司: a kind of body of a country, no organisation
            if _is_place_trade(word) and not _supported(words, word):
                continue  # 温岭泵业: a place's trade (its pump industry), not a company
            if not org_suffix(word) and _starts_longer_name(words, i):
                continue  # 百胜|中国大同供应链产业园项目: a brand inside a project's name
            if is_division(word):
                yield Candidate(start, words.ends[i], GPE, "lac_org", 2)
            elif PARTY_AND_GOVERNMENT.fullmatch(word):
                continue  # 大同市委市政府: two bodies (party_and_government)
            elif word.endswith("报讯"):
                yield Candidate(start, words.ends[i] - 1, ORG, "lac_org", 2)  # X报讯: the paper
            elif is_country_government(word):
                yield Candidate(start, words.ends[i] - 2, GPE, "lac_place", 1)
            else:
                end = before_post(words, i)
                if end is not None and end - start >= 2:
                    rule = "lac_org" if org_suffix(text[start:end]) else "lac_name"
                    yield Candidate(start, end, ORG, rule, 2)
        elif any(ch.isdigit() for ch in word) or word.endswith("乡村"):
            continue  # 金宝街52号: an address; 下乡村: no village
        elif (weather := weather_after(word)) is not None:
            # 大连多云: a forecast's place and its weather
            yield Candidate(start, start + weather, GPE, "lac_place", 1)
        elif word.endswith((*town_endings(), "村")) and len(word) >= 3:
            if is_listed_person(words, i):
                # 罗勇伟、钱城乡、孙萍: a name in a list of persons is a person's
                yield Candidate(start, words.ends[i], PERSON, "listed_person", 1)
            else:
                yield Candidate(start, words.ends[i], GPE, "lac_town", 1)
        elif before_region_word(text, words.ends[i]) and not is_full_division(word):
            continue  # 兰西城市群: two places' short names, no place of their own
        elif word not in word_list("place_blocklist.txt") and not word.endswith(
            word_list("non_place_endings.txt")
        ):
            label = LOC if word.endswith(word_list("feature_endings.txt")) else GPE
            yield Candidate(start, words.ends[i], label, "lac_place", 1)


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


#: What follows or precedes a news site's name in a dateline or a credit: 东北网3月25日讯,
#: 大众网见习记者 X, 来源：中国江苏网.
_SITE_AFTER = re.compile(r"\s*(?:\d{1,2}月\d{1,2}日)?讯|\s*(?:见习|特约)?记者")
_SITE_BEFORE = re.compile(r"来源[:：]\s*$")


def media_names(words: Words) -> Iterator[Candidate]:
    """Papers, stations and news sites the tagger reads as plain proper nouns (沧州日报/nz,
    东北网/nz): a paper by its ending, a site (X网) by the dateline or credit around it."""
    text = words.text
    papers = tuple(e for e in word_list("media_endings.txt") if not e.endswith("网"))
    for i, tag in enumerate(words.tags):
        word = words.word(i)
        if tag not in ("nz", "ORG") or len(word) < 3:
            continue
        start, end = words.starts[i], words.ends[i]
        if word.endswith("网"):
            if not (_SITE_AFTER.match(text, end) or _SITE_BEFORE.search(text, 0, start)):
                continue
        elif tag != "nz" or not word.endswith(papers):
            continue
        if i and words.tags[i - 1] in ("LOC", "ORG") and words.ends[i - 1] == start:
            start = words.starts[i - 1]  # 中国|宁波网
        yield Candidate(start, end, ORG, "media_name", 2)

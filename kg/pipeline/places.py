"""Entity rules for places: divisions from the code table (chains, short forms), the
paper's own place (我市), free-trade-zone areas, and what stops a word being a place
(a river's bank, a forecast's weather, a person in a list of names).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from kg.pipeline.lexicons import (
    division_chain,
    division_prefix,
    is_full_division,
    surnames,
    word_list,
)
from kg.pipeline.names import (
    is_short_of_written_division,
)
from kg.pipeline.words import (
    PROPER_TAGS,
    Candidate,
    Words,
)
from kg.schema import GPE, ORG

_FTZ = re.compile(
    r"中国[（(][\u3400-\u9fff]{2,3}[）)](?:自由贸易试验区|自贸试验区)(?:[\u3400-\u9fff]{2,4}片区)?"
    r"(?P<body>管委会|管理委员会)?"
)


def free_trade_zones(words: Words) -> Iterator[Candidate]:
    """中国（河南）自由贸易试验区洛阳片区 (管委会): names with brackets inside."""
    for match in _FTZ.finditer(words.text):
        label = ORG if match.group("body") else GPE
        yield Candidate(match.start(), match.end(), label, "free_trade_zone", 5)


def is_listed_person(words: Words, i: int) -> bool:
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


def weather_after(word: str) -> int | None:
    """Where a place ends before the weather a forecast prints after it (大连多云转晴: 2),
    or None if the word ends in no weather word."""
    for length in range(2, len(word)):
        rest = word[length:]
        if all(part in word_list("weather_words.txt") for part in _weather_parts(rest)):
            return length
    return None


def _weather_parts(text: str) -> list[str]:
    """多云转晴 -> [多云, 转晴]: the weather words a forecast strings together."""
    parts, words = [], word_list("weather_words.txt")  # longest first
    while text:
        found = next((w for w in words if text.startswith(w)), None)
        if found is None:
            return [text]
        parts.append(found)
        text = text[len(found) :]
    return parts


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
        if not full and before_region_word(words.text, end):
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


def before_region_word(text: str, end: int) -> bool:
    """Whether a region word (城市群, 经济圈: region_words.txt) follows offset ``end``."""
    return text.startswith(word_list("region_words.txt"), end)


def _division_prefix_end(text: str, start: int, limit: int) -> int | None:
    """The end of the longest chain of divisions starting at ``start`` within ``limit``."""
    prefix = division_prefix(text[start:limit])
    return start + len(prefix) if prefix else None

"""Entity rules for persons: bylines, photo credits, names with posts, and names the
tagger splits.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from kg.pipeline.lexicons import (
    is_common_word,
    ordered_words,
    post_starting_at,
    posts_ending_at,
    surnames,
    word_set,
)
from kg.pipeline.names import CJK_CHAR, CJK_RANGE, is_address, is_short_of_written_division
from kg.pipeline.words import Candidate, Words
from kg.schema import PERSON

_BYLINE_NAME = re.compile(
    rf"(?:本报(?:特约|见习)?记者|特约记者|记者|通讯员)[\s:：]*([{CJK_RANGE}]{{2,3}}?)"
    r"(?=报道|说|表示|介绍|[\s、,，)）]|$)",
    re.M,
)


_CREDIT_NAME = re.compile(rf"([{CJK_RANGE}]{{2,3}})[\s]+摄(?=\s|$)", re.M)
_NAME_BEFORE_BYLINE = re.compile(
    rf"(?:^|[\s。])([{CJK_RANGE}]{{2,3}})[ \t]+(?=本报(?:特约)?记者|记者|通讯员)", re.M
)


def persons(words: Words) -> Iterator[Candidate]:
    """Persons: bylines, photo credits, and LAC's person names with a surname."""
    text = words.text
    names = surnames()
    for pattern in (_BYLINE_NAME, _CREDIT_NAME, _NAME_BEFORE_BYLINE):
        for match in pattern.finditer(text):
            if match.group(1)[0] in names:
                yield Candidate(match.start(1), match.end(1), PERSON, "byline", 5)
    for i, tag in enumerate(words.tags):
        if tag != "PER":
            continue
        if i >= 2 and words.word(i - 1) in _NAME_DOTS and words.tags[i - 2] == "PER":
            continue  # the second part of a dotted name, taken with the first
        if i >= 1 and _joins_names(words, i - 1):
            continue  # the second of two person words in a row, taken with the first
        word = words.word(i)
        if _joins_names(words, i):
            end = words.ends[i + 1]  # 亚斯特|任布斯基, 彼得·|皮奥: one name in two words
            name = words.text[words.starts[i] : end]
            if end - words.starts[i] <= 16 and not is_address(name) and not is_address(word):
                yield Candidate(words.starts[i], end, PERSON, "lac_person", 2)
            continue
        if i + 2 < len(words.tags) and words.word(i + 1) in _NAME_DOTS and _name_part(words, i + 2):
            yield Candidate(words.starts[i], words.ends[i + 2], PERSON, "lac_person", 2)
            continue  # 艾合买提·买买提: a name the tagger read in two parts
        longest = 16 if "·" in word else 6  # 汤姆士·史达福: a foreign name with its dot
        if not 2 <= len(word) <= longest or is_address(word) or is_common_word(word):
            continue  # not is_not_name: 马波 is a person, not 马来西亚 and 波兰
        if is_short_of_written_division(text, word):
            continue  # 千阳 of an article on 千阳县: the county's short name, no person
        end = words.ends[i]
        if len(word) == 2 and word[0] in names and _third_character(words, i):
            if _ends_name(words, i + 2):
                end += 1  # 罗豪|才主持: the tagger left the name's last character apart
            else:
                continue  # 陆海|新|通道: a word of a phrase, no name
        yield Candidate(words.starts[i], end, PERSON, "lac_person", 2)


_NAME_DOTS = frozenset("·•．.—-")


#: Tags of the word that follows a complete name: a verb, preposition, particle, number,
#: punctuation, conjunction or adverb.
_NAME_FOLLOWERS = frozenset({"v", "vd", "p", "u", "m", "w", "c", "d", "TIME", "t", "xc"})


def _joins_names(words: Words, i: int) -> bool:
    """Whether person words ``i`` and ``i + 1`` are one name: two parts of a foreign name
    (亚斯特|任布斯基), not two Chinese names written without a comma (冯文戈张建杰)."""
    if i + 1 >= len(words.tags) or not (_is_name_word(words, i) and _is_name_word(words, i + 1)):
        return False
    first, second = words.word(i), words.word(i + 1)
    names = surnames()
    return not (first[0] in names and second[0] in names and len(first) <= 3 and len(second) <= 3)


def _is_name_word(words: Words, j: int) -> bool:
    """A person word of the tagger that starts with a Chinese character (not a line
    break the tagger called a person)."""
    return words.tags[j] == "PER" and bool(CJK_CHAR.match(words.text, words.starts[j]))


def _name_part(words: Words, j: int) -> bool:
    """Whether word ``j`` can be the part of a dotted name after the dot (买买提, whatever
    the tagger made of it): a person word, or two to six characters of no function."""
    word = words.word(j)
    return words.tags[j] == "PER" or (
        2 <= len(word) <= 6
        and words.tags[j] not in ("w", "m", "p", "u", "c", "TIME")
        and bool(CJK_CHAR.fullmatch(word[0]))
        and not word.endswith(ordered_words("event_endings.txt"))  # 武则天·乾陵杯: an event
    )


def _third_character(words: Words, i: int) -> bool:
    """Whether the word after the two-character name ``i`` is one character the tagger
    read as a verb, adverb or adjective (not a word of the sentence like 说 or 是)."""
    j = i + 1
    return (
        j < len(words.tags)
        and words.ends[j] - words.starts[j] == 1
        and words.tags[j] in ("v", "vd", "d", "a", "ad")
        and words.word(j) not in word_set("words_after_names.txt")
    )


def _ends_name(words: Words, j: int) -> bool:
    """Whether a name may end before word ``j`` (the text's end or a follower)."""
    return j >= len(words.tags) or words.tags[j] in _NAME_FOLLOWERS


def has_post_near(text: str, start: int, end: int) -> bool:
    return bool(posts_ending_at(text, start, within=6)) or bool(
        post_starting_at(text, end, within=6)
    )

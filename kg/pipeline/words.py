"""The article's words for the entity rules: LAC's words with offsets, and the
:class:`Candidate` record every rule yields.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import cache

import numpy as np
from spacy.attrs import (
    IDX,
    LENGTH,
    TAG,
)
from spacy.tokens import Doc

from kg.pipeline.doc import doc_text
from kg.pipeline.lexicons import (
    ordered_words,
    word_list,
)
from kg.pipeline.names import org_suffix

PROPER_TAGS = frozenset({"LOC", "ORG", "nz", "ns", "nt", "nw"})
STOP_TAGS = frozenset(
    {"v", "vd", "p", "c", "u", "d", "r", "w", "xc", "m", "q", "t", "TIME", "ad", "PER"}
)


MAX_NAME = 32
DURATION = re.compile(r"(?:未来|近)?[一二三四五六七八九十百两\d]+(?:年|个月|天)(?:来|内|间)?")
MEDIA_AFTER = re.compile(
    r"^(?:[“「\"][^”」\"]{1,16}[”」\"])*\s*[等两三四五六七八九十\d个]*(?:学教|学习|宣传)?"
    r"(?:微信)?(?:公众号|专栏|栏目|客户端|APP|app|报|杂志|网站|视频号|抖音号)"
)


@dataclass(frozen=True)
class Candidate:
    """A typed character span proposed by one rule."""

    start: int
    end: int
    label: str
    rule: str
    priority: int = 0
    ent_id: str = ""  # a user pattern's canonical name (kg.pipeline.corrections)


@dataclass
class Words:
    """The article's LAC words with their character offsets, for the rules to walk."""

    text: str
    starts: list[int]
    ends: list[int]
    tags: list[str]
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_doc(cls, doc: Doc) -> Words:
        """The doc's words; a tagger name with a breaker inside (X局联合Y局) is split."""
        text = doc_text(doc)
        strings = doc.vocab.strings
        starts, ends, tags = [], [], []
        # Read the token table in one call, not through a Token object per word.
        table = doc.to_array([IDX, LENGTH, TAG])
        tag_ids, which = np.unique(table[:, 2], return_inverse=True)
        names = [strings[int(tag_id)] for tag_id in tag_ids]
        columns = table[:, :2].astype(np.int64).T.tolist()
        for idx, length, tag in zip(*columns, [names[i] for i in which.tolist()], strict=True):
            if tag not in PROPER_TAGS or length < 5:
                starts.append(idx)
                ends.append(idx + length)
                tags.append(tag)
                continue
            for start, end, part in _split_at_breakers(text[idx : idx + length], idx, tag):
                starts.append(start)
                ends.append(end)
                tags.append(part)
        return cls(text, starts, ends, tags)

    def word(self, i: int) -> str:
        return self.text[self.starts[i] : self.ends[i]]

    def count(self, word: str) -> int:
        """How often ``word`` occurs in the text (counted once per distinct word)."""
        counts = self._cache.setdefault("counts", {})
        if word not in counts:
            counts[word] = self.text.count(word)
        return counts[word]

    def before_company_names(self) -> frozenset[str]:
        """Every substring of the 12 characters before each 公司 or 集团 in the text."""
        found = self._cache.get("before_company")
        if found is None:
            text = self.text
            found = set()
            for m in re.finditer("公司|集团", text):
                window = text[m.start() - 12 : m.start()]
                found.update(
                    window[a:b] for a in range(len(window)) for b in range(a, len(window) + 1)
                )
            found = self._cache["before_company"] = frozenset(found)
        return found

    def index_ending_at(self, end: int) -> int | None:
        """The index of the word that ends exactly at ``end``."""
        i = bisect.bisect_left(self.ends, end)
        return i if i < len(self.ends) and self.ends[i] == end else None

    def index_starting_at(self, start: int) -> int | None:
        i = bisect.bisect_left(self.starts, start)
        return i if i < len(self.starts) and self.starts[i] == start else None


#: Words that join two names the tagger read as one (X分社和Y分社, X行向Y公司).
_JOINTS = re.compile("[和及向、]")


def _split_at_breakers(text: str, offset: int, tag: str) -> list[tuple[int, int, str]]:
    if tag not in PROPER_TAGS or len(text) < 5 or _school_name().match(text):
        return [(offset, offset + len(text), tag)]
    for joint in _JOINTS.finditer(text, 2):
        if org_suffix(text[: joint.start()]):  # X分社和Y分社, X农商行向Y公司: two names
            rest = text[joint.end() :]
            right = _split_at_breakers(rest, offset + joint.end(), tag) if rest else []
            return [
                (offset, offset + joint.start(), tag),
                (offset + joint.start(), offset + joint.end(), "c"),
                *right,
            ]
    for breaker in name_breakers():
        at = text.find(breaker, 2)
        if at > 0:
            rest = text[at + len(breaker) :]
            if (len(breaker) >= 2 and len(rest) <= 1) or suffix_spans(breaker, rest):
                continue  # the breaker is the name's own head (世界卫生组织, 联合会, 联合实验室)
            left = _split_at_breakers(text[:at], offset, tag)
            right = _split_at_breakers(rest, offset + at + len(breaker), tag) if rest else []
            return [*left, (offset + at, offset + at + len(breaker), "v"), *right]
    return [(offset, offset + len(text), tag)]


def suffix_spans(word: str, last: str) -> bool:
    """Whether an organisation suffix takes in ``word`` before the last word (联合|实验室)."""
    return len(org_suffix(word + last) or "") > len(last)


def name_breakers() -> tuple[str, ...]:
    return word_list("name_breakers.txt")


def schools() -> tuple[str, ...]:
    """Endings of a university's schools and institutes (学院, 研究所, 实验室)."""
    return ordered_words("university_schools.txt")


_UNIVERSITIES = "(?:大学|学院|研究院|科学院)"
UNIVERSITY_AND_FIELD = re.compile(_UNIVERSITIES + r"[\u4e00-\u9fff]{1,6}$")


@cache
def _school_name() -> re.Pattern[str]:
    """A school of a university whose two fields are joined by 与/和, tagged as one word."""
    return re.compile(
        r"^.{2,}?" + _UNIVERSITIES + r"[\u4e00-\u9fff]{1,6}[与和][\u4e00-\u9fff]{1,10}"
        rf"(?:{'|'.join(schools())})$"
    )


def programme_triggers() -> frozenset[str]:
    return frozenset(word_list("programme_triggers.txt"))


def find_occurrences(text: str, forms: set[str]) -> dict[str, list[tuple[int, int]]]:
    """Each form's non-overlapping occurrences, left to right (as ``re.finditer`` finds them).

    One pass over the text, whatever the number of forms: at each character that starts
    a form, the forms are looked up by their opening (as long as the shortest form).
    """
    size = min(map(len, forms))
    by_opening: dict[str, list[str]] = {}
    for form in forms:
        by_opening.setdefault(form[:size], []).append(form)
    first_chars = re.compile("[" + re.escape("".join(sorted({f[0] for f in forms}))) + "]")
    found: dict[str, list[tuple[int, int]]] = {form: [] for form in forms}
    for match in first_chars.finditer(text):
        at = match.start()
        for form in by_opening.get(text[at : at + size], ()):
            spans = found[form]
            if text.startswith(form, at) and (not spans or at >= spans[-1][1]):
                spans.append((at, at + len(form)))
    return found


class TakenChars:
    """Character spans already taken; a test for overlap costs the span's length.

    Overlap means what ``not (end <= a or start >= b)`` says for a taken span ``(a, b)``.
    Spans inside ``[0, size)`` mark their characters; the odd ones (empty, reversed or
    outside) are kept in a list and compared one by one (normal text has none).
    """

    def __init__(self, size: int) -> None:
        self.covered = bytearray(size)
        self.spans: list[tuple[int, int]] = []
        self.odd: list[tuple[int, int]] = []

    def _is_plain(self, start: int, end: int) -> bool:
        return 0 <= start < end <= len(self.covered)

    def overlaps(self, start: int, end: int) -> bool:
        if not self._is_plain(start, end):
            return any(end > a and start < b for a, b in self.spans)
        return self.covered.find(1, start, end) >= 0 or any(
            end > a and start < b for a, b in self.odd
        )

    def add(self, start: int, end: int) -> None:
        self.spans.append((start, end))
        if self._is_plain(start, end):
            self.covered[start:end] = b"\x01" * (end - start)
        else:
            self.odd.append((start, end))

"""Entity rules for programmes: quoted names, numbered measures, policy titles and
headed campaigns.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from kg.pipeline.lexicons import (
    is_not_name,
    ordered_words,
    word_list,
    word_set,
)
from kg.pipeline.names import conjunctions
from kg.pipeline.words import (
    MEDIA_AFTER,
    PROPER_TAGS,
    STOP_TAGS,
    Candidate,
    Words,
    programme_triggers,
)
from kg.schema import PROGRAMME

_QUOTE = re.compile(r"“([^“”\n]{1,24})”|「([^「」\n]{1,24})」|\"([^\"\n]{1,24})\"")
_TITLE = re.compile(r"《([^《》\n]{4,40})》")
_YEAR = re.compile(r"^(?:19|20)\d\d")
_NUMERAL = re.compile(r"^(?:[一二三四五六七八九十百千万两双]|\d)")
_NUMBERED_MEASURES = re.compile(
    r"[一二三四五六七八九十百两\d]+(?:[条项]|大[\u4e00-\u9fff]{0,4}?)"
    r"(?:举措|措施|意见|规定|政策|新政|办法|机制|制度|行动|工程)"
)


#: The "chief" systems of responsibility (河长制, 林长制, 田长制, 网格长制).
_CHIEF_SYSTEMS = re.compile(r"(?:河|湖|林|田|路|山|街|楼|网格|链|塘|渠)长制")


def quoted_programmes(words: Words) -> Iterator[Candidate]:
    """Quoted names that are programmes, with the head that follows (“一河一策”工作法)."""
    text = words.text
    heads = word_list("programme_heads.txt")
    accepted: set[str] = set()
    found: list[tuple[int, int, str]] = []
    previous = (-1, "")  # where the last quote ended, and its core if it was accepted
    for match in _QUOTE.finditer(text):
        core = next(g for g in match.groups() if g is not None).strip()
        start, end = match.span()
        after = text[end : end + 12]
        head = next((h for h in heads if after.startswith(h)), None)
        if head is None:
            head = _noun_head(words, end, heads)
        found.append((start, end, core))
        # “A”“B”, “A”、“B”: a quote listed right after a programme is one too.
        listed = previous[1] and text[previous[0] : start] in ("", "、", *conjunctions())
        previous = (end, "")
        if MEDIA_AFTER.match(text[end : end + 12]) or _names_company(text, core):
            continue  # a media account, or a company's brand (“四星玻璃”)
        if not head and len(core) <= 2 and _NUMERAL.match(core):
            continue  # “三农”, “两节”: a numbered abbreviation, no programme of its own
        if is_not_name(core) or (not head and _YEAR.match(core)):
            continue  # “一把手”; “2017中国最具特色魅力旅游示范县”: a title of a year
        if head or listed or _is_programme_core(core, text[max(0, start - 8) : start]):
            accepted.add(core)
            previous = (end, core)
            if head:
                found[-1] = (start, end + len(head), core)
    for start, end, core in found:
        if core in accepted:
            yield Candidate(start, end, PROGRAMME, "quoted_programme", 4)


def _names_company(text: str, core: str) -> bool:
    """Whether the text names a company whose name carries ``core`` (四星玻璃股份有限公司)."""
    return bool(re.search(re.escape(core) + r"[^，。、；“”\s]{0,8}?(?:公司|集团)", text))


def _noun_head(words: Words, end: int, heads: tuple[str, ...]) -> str | None:
    """A programme head reached through up to two nouns after a quote (“1+N”人才政策体系)."""
    i = words.index_starting_at(end)
    if i is None:
        return None
    best = None
    for last in range(i, min(i + 4, len(words.tags))):
        if words.tags[last] not in ("n", "vn", "nz", "a", "an", "b"):
            break
        tail = words.text[end : words.ends[last]]
        if any(tail.endswith(h) for h in heads):
            best = tail
    return best


def _is_programme_core(core: str, before: str) -> bool:
    """A quoted core that names a programme without a head after it: 一户一码, 三张清单,
    a campaign or mechanism named whole inside the quotes (“清废行动”, “河长制”), or a
    short name a programme verb puts in its object (推出“惠企贷”)."""
    parts = re.split(r"[、，,]", core)
    if len(parts) > 2:
        return False
    if _NUMERAL.match(core) and len(core) >= 2:
        return True
    if len(core) >= 3 and core.endswith(ordered_words("campaign_heads.txt")):
        return True
    if len(core) < 3:
        return False
    before = before.removesuffix("了")  # 开展了“X”
    return any(before.endswith(v) for v in word_list("programme_triggers.txt"))


def titled_policies(words: Words) -> Iterator[Candidate]:
    """Policy documents in title marks: 《X优化营商环境十条措施》, 《X实施方案》."""
    heads = word_list("policy_heads.txt")
    for match in _TITLE.finditer(words.text):
        if match.group(1).endswith(heads):
            yield Candidate(match.start(), match.end(), PROGRAMME, "titled_policy", 4)


def unquoted_programmes(words: Words) -> Iterator[Candidate]:
    """Unquoted names with a strict programme head (安全生产教育, 养老服务提升行动)."""
    text = words.text
    for match in _NUMBERED_MEASURES.finditer(text):
        yield Candidate(match.start(), match.end(), PROGRAMME, "numbered_measures", 3)
    for match in _CHIEF_SYSTEMS.finditer(text):
        yield Candidate(match.start(), match.end(), PROGRAMME, "programme_head", 3)
    provinces = "".join(word_list("province_abbreviations.txt"))
    for match in re.finditer(rf"[{provinces}]{{2}}(?:协作|合作|对口支援|对口帮扶)", text):
        # 苏陕协作: a pairing of two provinces, written from a word's start
        if (
            match.group()[0] != match.group()[1]
            and words.index_starting_at(match.start()) is not None
        ):
            yield Candidate(match.start(), match.end(), PROGRAMME, "paired_provinces", 3)
    for head in word_list("unquoted_programme_heads.txt"):
        for match in re.finditer(re.escape(head), text):
            head_start = match.start()
            i = words.index_ending_at(head_start)
            if i is None:
                continue
            first = None
            for j in range(i, max(i - 4, -1), -1):
                verb_inside = (
                    words.tags[j] == "v" and words.word(j) not in programme_triggers()
                ) or (
                    words.tags[j] in ("t", "TIME")
                    and words.word(j).endswith(ordered_words("season_words.txt"))
                )
                if (
                    (words.tags[j] in (STOP_TAGS - {"d"}) | PROPER_TAGS and not verb_inside)
                    or head_start - words.starts[j] > 8
                    or words.word(j) in word_set("generic_nouns.txt")
                ):
                    break
                first = j
            while first is not None and first <= i and words.tags[first] == "v":
                first = first + 1 if first < i else None  # a name does not start with a verb
            if first is None or text[head_start - 1] in '”」"':
                continue
            yield Candidate(words.starts[first], match.end(), PROGRAMME, "programme_head", 3)

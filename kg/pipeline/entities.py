"""Entity recognition: organisations, places and zones, programmes and persons.

The ``kg_entities`` component reads LAC's words and tags (from the tokenizer) and adds
rule-built spans to ``doc.ents`` with labels ORG, GPE, PROGRAMME and PERSON. Each rule is
a small function that yields :class:`Candidate` records; overlaps are settled by length.
Every span carries ``span._.rule`` (which rule found it).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import cache

import numpy as np
from spacy.attrs import (
    DEP,
    ENT_ID,
    ENT_IOB,
    ENT_KB_ID,
    ENT_TYPE,
    HEAD,
    IDX,
    LEMMA,
    LENGTH,
    MORPH,
    ORTH,
    POS,
    SENT_START,
    SPACY,
    TAG,
)
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from kg.pipeline.doc import doc_text
from kg.pipeline.lexicons import (
    abbreviations,
    country_abbreviations,
    division_chain,
    division_prefix,
    divisions,
    is_full_division,
    is_not_name,
    is_post,
    post_starting_at,
    posts_ending_at,
    surnames,
    word_list,
)
from kg.schema import GPE, LOC, ORG, PERSON, PROGRAMME

PROPER_TAGS = frozenset({"LOC", "ORG", "nz", "ns", "nt", "nw"})
STOP_TAGS = frozenset(
    {"v", "vd", "p", "c", "u", "d", "r", "w", "xc", "m", "q", "t", "TIME", "ad", "PER"}
)
MAX_NAME = 32
_CJK = r"\u3400-\u9fff"
_QUOTE = re.compile(r"“([^“”\n]{1,24})”|「([^「」\n]{1,24})」|\"([^\"\n]{1,24})\"")
_TITLE = re.compile(r"《([^《》\n]{4,40})》")
_DURATION = re.compile(r"(?:未来|近)?[一二三四五六七八九十百两\d]+(?:年|个月|天)(?:来|内|间)?")
_YEAR = re.compile(r"^(?:19|20)\d\d")
_NUMERAL = re.compile(r"^(?:[一二三四五六七八九十百千万两双]|\d)")
_BYLINE_NAME = re.compile(
    rf"(?:本报(?:特约|见习)?记者|特约记者|记者|通讯员)[\s:：]*([{_CJK}]{{2,3}}?)"
    r"(?=报道|说|表示|介绍|[\s、,，)）]|$)",
    re.M,
)
_CREDIT_NAME = re.compile(rf"([{_CJK}]{{2,3}})[\s]+摄(?=\s|$)", re.M)
_NAME_BEFORE_BYLINE = re.compile(
    rf"(?:^|[\s。])([{_CJK}]{{2,3}})[ \t]+(?=本报(?:特约)?记者|记者|通讯员)", re.M
)
_NUMBERED_MEASURES = re.compile(
    r"[一二三四五六七八九十百两\d]+(?:[条项]|大[\u4e00-\u9fff]{0,4}?)"
    r"(?:举措|措施|意见|规定|政策|新政|办法|机制|制度|行动|工程)"
)
#: The "chief" systems of responsibility (河长制, 林长制, 田长制, 网格长制).
_CHIEF_SYSTEMS = re.compile(r"(?:河|湖|林|田|路|山|街|楼|网格|链|塘|渠)长制")
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
_MEDIA_AFTER = re.compile(
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
    if tag not in PROPER_TAGS or len(text) < 5 or _SCHOOL_NAME.match(text):
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
    for breaker in _breakers():
        at = text.find(breaker, 2)
        if at > 0:
            rest = text[at + len(breaker) :]
            if (len(breaker) >= 2 and len(rest) <= 1) or _suffix_spans(breaker, rest):
                continue  # the breaker is the name's own head (世界卫生组织, 联合会, 联合实验室)
            left = _split_at_breakers(text[:at], offset, tag)
            right = _split_at_breakers(rest, offset + at + len(breaker), tag) if rest else []
            return [*left, (offset + at, offset + at + len(breaker), "v"), *right]
    return [(offset, offset + len(text), tag)]


# --- lexicon look-ups -------------------------------------------------------------------


def is_division(name: str) -> bool:
    """A division's full name or unblocked short form (绵阳市, 绵阳, 涪城区)."""
    return name in divisions()


def org_suffix(text: str) -> str | None:
    """The longest organisation suffix that ``text`` ends with."""
    return _longest_ending(text, "org_suffixes.txt")


def zone_suffix(text: str) -> str | None:
    """The longest zone suffix (港区, 片区, 开发区 ...) that ``text`` ends with."""
    return _longest_ending(text, "zone_suffixes.txt")


def _longest_ending(text: str, lexicon: str) -> str | None:
    words, lengths = _endings(lexicon)
    for length in lengths:
        if text[-length:] in words and len(text) >= length:
            return text[-length:]
    return None


@cache
def _endings(lexicon: str) -> tuple[frozenset[str], tuple[int, ...]]:
    words = frozenset(word_list(lexicon))
    return words, tuple(sorted({len(w) for w in words}, reverse=True))


def _is_proper(words: Words, i: int) -> bool:
    word = words.word(i)
    return (
        words.tags[i] in PROPER_TAGS
        or is_division(word)
        or word in _ORG_WORDS
        or _starts_with_division(word)
    )


def _starts_with_division(word: str) -> bool:
    return any(is_division(word[:n]) for n in range(2, min(len(word), 8) + 1))


# --- rules ------------------------------------------------------------------------------


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
        if words.tags[i] in STOP_TAGS and not (_bridges(words, i) or _joins_body(words, i, last)):
            found = _division_before(words, i, last)
            if found is None:
                break
            division = first = i = found  # X局让胡路分局: a division's words, whatever their tags
            i -= 1
            continue
        if (
            words.word(i) in _breakers()
            and not _joins_school(words, i, last)
            and not (i == last - 1 and _suffix_spans(words.word(i), words.word(last)))
        ):
            break  # but 联合 of 联合实验室 is the name's own head
        first = i
        i -= 1
    # A name starts at its first proper word (a place, a brand, an organisation word).
    for j in range(first, last + 1):
        if _is_proper(words, j) or j == division:
            return j
    return None


def _clause_verb(words: Words, i: int) -> bool:
    """A programme verb (建设, 打造 ...) the tagger read as a noun, right after a place."""
    return (
        i > 0
        and words.tags[i] in ("vn", "v")
        and words.word(i) in _triggers()
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


def _suffix_spans(word: str, last: str) -> bool:
    """Whether an organisation suffix takes in ``word`` before the last word (联合|实验室)."""
    return len(org_suffix(word + last) or "") > len(last)


def _breakers() -> tuple[str, ...]:
    return word_list("name_breakers.txt")


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


_SCHOOLS = ("学院", "系", "研究所", "研究院", "研究中心", "实验室")
_UNIVERSITIES = "(?:大学|学院|研究院|科学院)"
_UNIVERSITY_AND_FIELD = re.compile(_UNIVERSITIES + r"[\u4e00-\u9fff]{1,6}$")
#: A school of a university whose two fields are joined by 与/和, tagged as one word.
_SCHOOL_NAME = re.compile(
    r"^.{2,}?" + _UNIVERSITIES + r"[\u4e00-\u9fff]{1,6}[与和][\u4e00-\u9fff]{1,10}"
    rf"(?:{'|'.join(_SCHOOLS)})$"
)


def _joins_school(words: Words, i: int, last: int) -> bool:
    """与/和 between two fields of a school's name, right after its university's name:
    (X大学)(食品)与(生物工程学院)."""
    if not words.word(last).endswith(_SCHOOLS) or last - i > 3 or i == 0:
        return False
    if org_suffix(words.word(i - 1)):
        return False  # X医院与Y学院: two bodies
    before = words.text[words.starts[max(0, i - 3)] : words.starts[i]]
    return bool(_UNIVERSITY_AND_FIELD.search(before))


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


def suffix_names(words: Words) -> Iterator[Candidate]:
    """Names ending in an organisation or zone suffix, walked left to their first proper word.

    Repairs names the tagger cut or split (X油田 + 溢油应急处理中心).
    """
    for last in range(len(words.tags)):
        word = words.word(last)
        if words.tags[last] in STOP_TAGS - {"PER"} or word in _NOT_ORG:
            continue
        label = ORG if org_suffix(word) else GPE if zone_suffix(word) else None
        if label is None:
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
        duration = _DURATION.match(words.text, start, end)
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


_PARTY_BODY = re.compile(r"(?:[市区县州旗盟]委|党委|党工委)(?=(?:常委、?)?副?书记|常委)")


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


CJK_CHAR = re.compile(rf"[{_CJK}]")  # one Chinese character


def _chain_ending_at(text: str, end: int, shortest: int) -> int | None:
    """Where the longest division chain (of ``shortest`` characters or more, at most 10)
    that ends at ``end`` starts, or None."""
    return next(
        (s for s in range(max(0, end - 10), end - shortest + 1) if division_chain(text[s:end])),
        None,
    )


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
        elif word.endswith(("镇", "乡", "街道", "村")) and len(word) >= 3:
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
        if start < covered or words.tags[i] in ("w", "m", "PER"):
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
        # A short form alone (资源, 振兴) counts only where the tagger also saw a place.
        if full or words.tags[i] in PROPER_TAGS:
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
        listed = previous[1] and text[previous[0] : start] in _QUOTE_LIST_SEPARATORS
        previous = (end, "")
        if _MEDIA_AFTER.match(text[end : end + 12]) or _names_company(text, core):
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
    if len(core) >= 3 and core.endswith(_CAMPAIGN_HEADS):
        return True
    if len(core) < 3:
        return False
    before = before.removesuffix("了")  # 开展了“X”
    return any(before.endswith(v) for v in word_list("programme_triggers.txt"))


#: Heads that make a quoted core a campaign, reform or mechanism by themselves.
_CAMPAIGN_HEADS = ("行动", "机制", "改革", "工程", "计划", "长制", "工作法", "攻坚战", "专项整治")
#: What may stand between two quoted names of one list.
_QUOTE_LIST_SEPARATORS = ("", "、", "和", "与", "及")


def titled_policies(words: Words) -> Iterator[Candidate]:
    """Policy documents in title marks: 《X优化营商环境十条措施》, 《X实施方案》."""
    heads = word_list("policy_heads.txt")
    for match in _TITLE.finditer(words.text):
        if match.group(1).endswith(heads):
            yield Candidate(match.start(), match.end(), PROGRAMME, "titled_policy", 4)


_SEASONS = ("春季", "夏季", "秋季", "冬季", "暑期", "寒假", "暑假", "汛期")


def _triggers() -> frozenset[str]:
    return frozenset(word_list("programme_triggers.txt"))


_GENERIC_NOUNS = frozenset(
    [
        "企业",
        "单位",
        "部门",
        "群众",
        "行业",
        "全市",
        "全区",
        "全县",
        "全省",
        "工作",
        "重点",
        "相关",
        "各类",
        "各级",
        "辖区",
        "社会",
        "机关",
        "干部",
    ]
)


def unquoted_programmes(words: Words) -> Iterator[Candidate]:
    """Unquoted names with a strict programme head (安全生产教育, 养老服务提升行动)."""
    text = words.text
    for match in _NUMBERED_MEASURES.finditer(text):
        yield Candidate(match.start(), match.end(), PROGRAMME, "numbered_measures", 3)
    for match in _CHIEF_SYSTEMS.finditer(text):
        yield Candidate(match.start(), match.end(), PROGRAMME, "programme_head", 3)
    for head in word_list("unquoted_programme_heads.txt"):
        for match in re.finditer(re.escape(head), text):
            head_start = match.start()
            i = words.index_ending_at(head_start)
            if i is None:
                continue
            first = None
            for j in range(i, max(i - 4, -1), -1):
                verb_inside = (words.tags[j] == "v" and words.word(j) not in _triggers()) or (
                    words.tags[j] in ("t", "TIME") and words.word(j).endswith(_SEASONS)
                )
                if (
                    (words.tags[j] in (STOP_TAGS - {"d"}) | PROPER_TAGS and not verb_inside)
                    or head_start - words.starts[j] > 8
                    or words.word(j) in _GENERIC_NOUNS
                ):
                    break
                first = j
            while first is not None and first <= i and words.tags[first] == "v":
                first = first + 1 if first < i else None  # a name does not start with a verb
            if first is None or text[head_start - 1] in '”」"':
                continue
            yield Candidate(words.starts[first], match.end(), PROGRAMME, "programme_head", 3)


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
            if end - words.starts[i] <= 16 and not _is_address(name) and not _is_address(word):
                yield Candidate(words.starts[i], end, PERSON, "lac_person", 2)
            continue
        if i + 2 < len(words.tags) and words.word(i + 1) in _NAME_DOTS and _name_part(words, i + 2):
            yield Candidate(words.starts[i], words.ends[i + 2], PERSON, "lac_person", 2)
            continue  # 艾合买提·买买提: a name the tagger read in two parts
        longest = 16 if "·" in word else 6  # 汤姆士·史达福: a foreign name with its dot
        if not 2 <= len(word) <= longest or _is_address(word) or is_not_name(word):
            continue
        end = words.ends[i]
        if len(word) == 2 and word[0] in names and _third_character(words, i):
            if _ends_name(words, i + 2):
                end += 1  # 罗豪|才主持: the tagger left the name's last character apart
            else:
                continue  # 陆海|新|通道: a word of a phrase, no name
        yield Candidate(words.starts[i], end, PERSON, "lac_person", 2)


_NAME_DOTS = frozenset("·•．.—-")
#: One-character words that follow a name as words of the sentence (说, 是, 在 ...).
_AFTER_NAME = frozenset("说是在也都还就又将已曾却把被向对从给让叫去来到为和与及等的了")
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
        and not word.endswith(("杯", "赛", "节", "奖", "会"))  # 武则天·乾陵杯: an event
    )


def _third_character(words: Words, i: int) -> bool:
    """Whether the word after the two-character name ``i`` is one character the tagger
    read as a verb, adverb or adjective (not a word of the sentence like 说 or 是)."""
    j = i + 1
    return (
        j < len(words.tags)
        and words.ends[j] - words.starts[j] == 1
        and words.tags[j] in ("v", "vd", "d", "a", "ad")
        and words.word(j) not in _AFTER_NAME
    )


def _ends_name(words: Words, j: int) -> bool:
    """Whether a name may end before word ``j`` (the text's end or a follower)."""
    return j >= len(words.tags) or words.tags[j] in _NAME_FOLLOWERS


def _has_post_near(text: str, start: int, end: int) -> bool:
    return bool(posts_ending_at(text, start, within=6)) or bool(
        post_starting_at(text, end, within=6)
    )


def _is_address(word: str) -> bool:
    """A surname with a post or a form of address (周局长, 王女士, 小张, 老陈): no name of
    its own."""
    rest = word[1:]
    if len(word) == 2 and word[0] in "小老" and rest in surnames():
        return True
    if "某" in rest:
        return True  # 徐某, 徐某旺: a name the paper withheld
    return rest in word_list("honorifics.txt") or is_post(rest)


_COMPANY_SUFFIXES = ("有限责任公司", "股份有限公司", "有限公司", "公司")


def company_brand(core: str) -> str:
    """A company's core name without its trade words: 极寒运动器材股份 -> 极寒运动."""
    trades = word_list("industry_words.txt")
    while True:
        trade = next((t for t in trades if core.endswith(t) and len(core) > len(t) + 1), None)
        if trade is None:
            return core
        core = core[: -len(trade)]


def company_short_forms(words: Words, chosen: list[Candidate]) -> Iterator[Candidate]:
    """Later short forms of a company named in full (株洲恒岳化工有限公司 ... 恒岳化工)."""
    text = words.text
    forms: set[str] = set()
    for cand in chosen:
        name = text[cand.start : cand.end]
        suffix = next((s for s in _COMPANY_SUFFIXES if name.endswith(s)), None)
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
    taken = _Taken(max([len(text), *(c.end for c in chosen)]))
    for cand in chosen:
        if cand.label != GPE:  # a place word inside a short form (兴和 of 兴和食品) yields
            taken.add(cand.start, cand.end)
    occurrences = find_occurrences(text, forms)
    for form in sorted(forms, key=lambda f: (-len(f), f)):
        for start, end in occurrences[form]:
            if not taken.overlaps(start, end):
                taken.add(start, end)
                yield Candidate(start, end, ORG, "company_short_form", 1)


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


RULES = {
    "orgs": (
        suffix_names,
        tagger_orgs,
        party_committees,
        party_and_government,
        national_bodies,
        teams,
    ),
    "places": (division_names, free_trade_zones, home_places),
    "programmes": (quoted_programmes, titled_policies, unquoted_programmes),
    "persons": (persons,),
}


def find_candidates(words: Words, enabled: dict[str, bool]) -> list[Candidate]:
    """Every enabled rule's candidates."""
    return [
        c
        for group, rules in RULES.items()
        if enabled.get(group, True)
        for r in rules
        for c in r(words)
    ]


def choose(candidates: list[Candidate]) -> list[Candidate]:
    """Non-overlapping candidates: the longest first, then the higher priority."""
    ordered = sorted(candidates, key=lambda c: (-(c.end - c.start), -c.priority, c.start))
    taken = _Taken(max([0, *(c.end for c in candidates)]))
    chosen: list[Candidate] = []
    for cand in ordered:
        if not taken.overlaps(cand.start, cand.end):
            taken.add(cand.start, cand.end)
            chosen.append(cand)
    return sorted(chosen, key=lambda c: c.start)


#: Rules that take a tagger word as it is; their words may be pieces of a longer name.
_TAGGER_WORD_RULES = frozenset({"lac_place", "lac_person", "lac_name"})


def without_fragments(words: Words, chosen: list[Candidate]) -> list[Candidate]:
    """Drop the tagger's places and two-character persons that are a piece of a longer name
    the article gives elsewhere (临港 of 川南临港化工集团, 鲁丰 of 潍坊鲁丰冷链物流有限公司)."""
    text = words.text
    longer = "\x00".join(
        sorted({text[c.start : c.end] for c in chosen if c.rule not in _TAGGER_WORD_RULES})
    )

    def fragment(c: Candidate) -> bool:
        if c.rule not in _TAGGER_WORD_RULES or (c.label == PERSON and c.end - c.start > 2):
            return False
        word = text[c.start : c.end]
        return word in longer and not is_division(word)

    return [c for c in chosen if not fragment(c)]


def without_person_names(words: Words, chosen: list[Candidate]) -> list[Candidate]:
    """Drop the tagger's bare names (no suffix) that the article gives as a person holding
    a post (市委书记包钢 ... 包钢 read as a company elsewhere), and cut a three-character
    person to the two-character one with a post it starts with (王吉 ... 王吉强调)."""
    text = words.text
    people = {
        text[c.start : c.end]
        for c in chosen
        if c.label == PERSON and _has_post_near(text, c.start, c.end)
    }
    if not people:
        return chosen
    out = []
    for c in chosen:
        name = text[c.start : c.end]
        if c.rule == "lac_name" and name in people:
            continue
        if c.label == PERSON and len(name) == 3 and name[:2] in people:
            c = replace(c, end=c.end - 1)  # 王吉|强调
        out.append(c)
    return out


class _Taken:
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


# --- the spaCy component ----------------------------------------------------------------


if not Span.has_extension("rule"):
    Span.set_extension("rule", default="")


@Language.factory(
    "kg_entities",
    default_config={
        "orgs": True,
        "places": True,
        "programmes": True,
        "persons": True,
        "stoplist": [],
    },
)
def make_entity_recognizer(
    nlp: Language,
    name: str,
    orgs: bool,
    places: bool,
    programmes: bool,
    persons: bool,
    stoplist: list[str],
) -> EntityRecognizer:
    """Factory of the rule-based entity recognizer; each rule group can be switched off;
    ``stoplist``: surfaces that are never an entity."""
    return EntityRecognizer(
        {"orgs": orgs, "places": places, "programmes": programmes, "persons": persons},
        stoplist,
    )


#: The spans of the user's patterns (set by kg.pipeline.corrections' ``kg_patterns``).
USER_SPANS = "kg_user"


class EntityRecognizer:
    """Sets ``doc.ents`` from the rules, splitting LAC words where a name ends inside one.

    The user's spans (``doc.spans["kg_user"]``) come first: a rule span overlapping one
    is dropped; a stoplisted surface is never an entity.
    """

    def __init__(self, enabled: dict[str, bool], stoplist: Iterable[str] = ()) -> None:
        self.enabled = enabled
        self.stoplist = frozenset(stoplist)

    def __call__(self, doc: Doc) -> Doc:
        words = Words.from_doc(doc)
        user = self._user_candidates(doc, words.text)
        corrected = bool(user or self.stoplist)
        candidates = find_candidates(words, self.enabled)
        if corrected:
            candidates = self._corrected(words.text, candidates, user)
        chosen = without_fragments(words, choose(candidates))
        chosen = without_person_names(words, chosen)
        if user:
            chosen = _user_wins(chosen, user)  # no user name is cut
        if self.enabled.get("orgs", True):
            chosen = choose(chosen + list(company_short_forms(words, chosen)))
        if corrected:
            chosen = self._corrected(words.text, chosen, user)
        doc = align(doc, {b for c in chosen for b in (c.start, c.end)})
        spans = []
        for cand in chosen:
            span = doc.char_span(cand.start, cand.end, label=cand.label)
            if span is not None:
                span._.rule = cand.rule
                if cand.ent_id:
                    span.id_ = cand.ent_id
                spans.append(span)
        doc.ents = filter_spans(spans)
        return doc

    def _user_candidates(self, doc: Doc, text: str) -> list[Candidate]:
        if USER_SPANS not in doc.spans:
            return []
        found = (
            Candidate(s.start_char, s.end_char, s.label_, "user_pattern", 9, s.id_)
            for s in doc.spans[USER_SPANS]
        )
        return [c for c in found if text[c.start : c.end].strip() not in self.stoplist]

    def _corrected(
        self, text: str, candidates: list[Candidate], user: list[Candidate]
    ) -> list[Candidate]:
        """Candidates without stoplisted surfaces, the user's spans winning overlaps."""
        kept = [c for c in candidates if text[c.start : c.end].strip() not in self.stoplist]
        return _user_wins(kept, user) if user else kept


def _user_wins(candidates: list[Candidate], user: list[Candidate]) -> list[Candidate]:
    """The user's candidates and the others that overlap none of them, in text order."""
    taken = _Taken(max(c.end for c in user))
    for c in user:
        taken.add(c.start, c.end)
    kept = [c for c in candidates if not taken.overlaps(c.start, c.end)]
    return sorted(kept + user, key=lambda c: (c.start, c.end))


def align(doc: Doc, boundaries: set[int]) -> Doc:
    """Split tokens so that every boundary offset falls between two tokens."""
    starts, lengths = doc.to_array([IDX, LENGTH]).T.tolist()
    cuts: dict[int, list[int]] = {}
    for b in sorted(boundaries):
        i = bisect.bisect_right(starts, b) - 1
        if i >= 0 and starts[i] < b < starts[i] + lengths[i]:
            cuts.setdefault(i, []).append(b - starts[i])
    return _split_tokens(doc, cuts) if cuts else doc


#: Attributes each piece of a split token takes from its token.
_PIECE_ATTRS = (POS, MORPH, LEMMA, SENT_START, DEP, ENT_TYPE, ENT_ID, ENT_KB_ID)


def _split_tokens(doc: Doc, cuts: dict[int, list[int]]) -> Doc:
    """A new Doc in which token ``i`` is split at the character offsets ``cuts[i]``.

    What spaCy's ``retokenizer.split`` makes (each piece with its token's tag, its head
    on the first piece), built in one pass: each spaCy split moves every later token,
    which is quadratic on a long article. Unlike spaCy's split, whose later pieces take
    their sentence start, POS ... from the token slot they land on (the token that
    followed), every piece keeps its own token's attributes, and a piece after the first
    never starts a sentence. Doc extensions and span groups are carried over; a tensor
    is not (kg's pipeline has none).
    """
    text = doc_text(doc)
    n = len(doc)
    own = doc.to_array([IDX, LENGTH, SPACY, HEAD, TAG, ENT_IOB]).astype(np.int64)
    idx, length, space, head, tag, iob = own.T
    cut_at = [idx[i] + offset for i, offsets in cuts.items() for offset in offsets]
    starts = np.sort(np.concatenate([idx, np.array(cut_at, dtype=np.int64)]))
    owner = np.searchsorted(idx, starts, side="right") - 1  # the token each piece is of
    first = np.searchsorted(starts, idx)  # where each token's first piece is
    piece = np.arange(len(starts)) - first[owner]
    last = np.append(owner[1:] != owner[:-1], True)
    ends = np.where(last, (idx + length)[owner], np.append(starts[1:], 0))
    words = [text[a:b] for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]
    new = Doc(doc.vocab, words=words, spaces=np.where(last, space[owner], 0).astype(bool).tolist())

    split = np.bincount(owner, minlength=n)[owner] > 1
    piece_values = doc.to_array(list(_PIECE_ATTRS))[owner]
    # A piece after the first continues its token's sentence.
    piece_values[piece > 0, _PIECE_ATTRS.index(SENT_START)] = np.uint64(2**64 - 1)  # -1
    lemma = piece_values[:, _PIECE_ATTRS.index(LEMMA)]
    renamed = split & (lemma != 0)  # spaCy gives a piece with a lemma its own text
    if renamed.any():
        lemma[renamed] = new.to_array([ORTH])[renamed]
    own_head = first[np.arange(n) + head][owner] - np.arange(len(starts))
    values = np.column_stack(
        [
            tag[owner],
            np.where(split, -piece, own_head),
            np.where(split & (piece > 0) & (iob[owner] == 3), 1, iob[owner]),
        ]
    ).astype(np.uint64)
    attrs = [TAG, HEAD, ENT_IOB, *_PIECE_ATTRS]
    values = np.hstack([values, piece_values])
    keep = [j for j, attr in enumerate(attrs) if attr == SENT_START or values[:, j].any()]
    new.from_array([attrs[j] for j in keep], values[:, keep])  # type: ignore[arg-type]

    new.user_data.update(doc.user_data)
    for key, group in doc.spans.items():
        new.spans[key] = group.copy(doc=new)
    new.cats.update(doc.cats)
    new._context = doc._context
    return new

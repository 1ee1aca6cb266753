"""Reading names: one module for what a name says, shared by entities, resolve and relations.

Suffixes of organisations and zones, divisions, company brands; a name parsed into place,
parent and branch (:func:`parse_name`), its canonical form (:func:`canonical_org`), a
place's full name (:func:`place_name`), abbreviations written out. The lexicons behind
them are data files (see :mod:`kg.pipeline.lexicons`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Container, Iterable
from dataclasses import dataclass
from functools import cache, lru_cache

from kg.pipeline.lexicons import (
    Division,
    abbreviations,
    bank_abbreviations,
    division_chain,
    division_prefix,
    divisions,
    is_full_division,
    is_post,
    ordered_words,
    surnames,
    word_list,
)
from kg.schema import GPE, ORG

CJK_RANGE = r"\u3400-\u9fff"


def is_division(name: str) -> bool:
    """A division's full name or unblocked short form (绵阳市, 绵阳, 涪城区)."""
    return name in divisions()


def is_short_of_written_division(text: str, word: str) -> bool:
    """Whether ``word`` is the short name of a division that ``text`` writes in full (千阳
    in an article that names 千阳县): the tagger's person of that word is the place."""
    return any(d.short == word and d.name in text for d in divisions().get(word, []))


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


def starts_with_division(word: str) -> bool:
    return any(is_division(word[:n]) for n in range(2, min(len(word), 8) + 1))


CJK_CHAR = re.compile(rf"[{CJK_RANGE}]")  # one Chinese character


def is_address(word: str) -> bool:
    """A surname with a post or a form of address (周局长, 王女士, 小张, 老陈): no name of
    its own."""
    rest = word[1:]
    if len(word) == 2 and word[0] in "小老" and rest in surnames():
        return True
    if "某" in rest:
        return True  # 徐某, 徐某旺: a name the paper withheld
    return rest in word_list("honorifics.txt") or is_post(rest)


def company_suffixes() -> tuple[str, ...]:
    """Legal suffixes of a company's name, in the order they are tried (有限责任公司 before
    有限公司 before 公司)."""
    return ordered_words("company_suffixes.txt")


def town_endings() -> tuple[str, ...]:
    """Endings of towns and subdistricts (镇, 乡, 街道), for ``str.endswith``."""
    return ordered_words("town_endings.txt")


def conjunctions() -> tuple[str, ...]:
    """The one-character conjunctions between two names (和, 与, 及)."""
    return ordered_words("conjunctions.txt")


def company_brand(core: str) -> str:
    """A company's core name without its trade words: 极寒运动器材股份 -> 极寒运动."""
    trades = word_list("industry_words.txt")
    while True:
        trade = next((t for t in trades if core.endswith(t) and len(core) > len(t) + 1), None)
        if trade is None:
            return core
        core = core[: -len(trade)]


_QUOTES = "“”‘’\"'「」『』《》〈〉"
QUOTED_CORE = re.compile(r"[“「\"]([^“”「」\"]+)[”」\"]")
GOVERNMENT_NAME = re.compile(r"^(中共)?(.{1,8}?[省市区县州旗盟])(委|人民政府|政府|委党校)$")
HOME_PLACE = re.compile(r"^[我本][市区县州旗镇省]$")
COURT_NAME = re.compile(r"^(.{2,8}?)(法院|检察院)$")
BARE_GOVERNMENT = re.compile(r"^([省市区县州旗盟])(委|人民政府|政府|委党校)$")


def strip_quotes(text: str) -> str:
    return "".join(ch for ch in text if ch not in _QUOTES)


def programme_key(name: str) -> str:
    """The quoted core of a programme name (“X”工作法 -> X), else the name.

    A quoted list names its campaign by the first item (“X、Y”活动 -> X).
    """
    match = QUOTED_CORE.search(name)
    core = match.group(1) if match else strip_quotes(name)
    return re.split(r"[、，,]", core)[0] if match else core


def pick_division(name: str, context: Iterable[str] = ()) -> Division | None:
    """The division a name refers to, using the places around it when several share it."""
    return pick_division_among(name, _as_set(context))


def pick_division_among(name: str, *known: Container[str]) -> Division | None:
    """:func:`pick_division` with the known places in one or more sets, read as they are."""
    options = divisions().get(name, [])
    if len(options) == 1:
        return options[0]
    # 乌鲁木齐 is the city, not its county 乌鲁木齐县: a short form a division shares with
    # a division inside it names the larger one.
    names = {d.name for d in options}
    outer = [d for d in options if d.parent not in names]
    if len(outer) == 1 and len(options) == 2:
        return outer[0]
    # The one whose parent is known (定西市's 安定区, not 台南市's), else the one known.
    by_parent = [d for d in options if any(d.parent in k for k in known)]
    if len(by_parent) == 1:
        return by_parent[0]
    fitting = [d for d in options if any(d.parent in k or d.name in k for k in known)]
    return fitting[0] if len(fitting) == 1 else None


def _as_set(items: Iterable[str]) -> set[str] | frozenset[str]:
    """``items`` as a set; a set is used as it is (no copy per look-up)."""
    return items if isinstance(items, (set, frozenset)) else set(items)


def place_name(text: str, context: Iterable[str] = ()) -> str:
    """The canonical name of a division chain: the full name of its last division.

    >>> place_name("绵阳市涪城区"), place_name("绵阳")
    ('涪城区', '绵阳市')
    """
    chain = division_chain(text)
    if not chain:
        return text
    known = _as_set(context)
    parents = set()
    for part in chain[:-1]:
        division = pick_division_among(part, known)
        if division:
            parents.add(division.name)
    division = pick_division_among(chain[-1], known, parents)
    return division.name if division else text


@dataclass(frozen=True)
class NameParts:
    """An organisation name split: the place it is named after, and its parent org."""

    place: str | None
    parent: str | None


@lru_cache(maxsize=65536)
def canonical_org(name: str, city: str | None = None) -> str:
    """Official long forms: X市委 -> 中共X市委, X市政府 -> X市人民政府; bare 市委 -> city's.

    A bank or insurer goes by its name without its legal form, as the press writes it:
    X银行股份有限公司Y分行 -> X银行Y分行 (the written form stays an alias).

    >>> canonical_org("株洲市委"), canonical_org("株洲市政府")
    ('中共株洲市委', '株洲市人民政府')
    >>> canonical_org("市委", "株洲市"), canonical_org("农行株洲分行")
    ('中共株洲市委', '中国农业银行株洲分行')
    >>> canonical_org("芦淞区法院"), canonical_org("定远县县委")
    ('芦淞区人民法院', '中共定远县委')
    """
    name = _FINANCIAL_LEGAL_FORM.sub(r"\1", name)
    if name.endswith("农商行"):
        name = name[:-1] + "银行"  # X农商行 is X农商银行
    for short, full in bank_abbreviations():
        if name.startswith(short) and len(name) > len(short):
            name = full + name[len(short) :]  # 农行漳州分行 -> 中国农业银行漳州分行
            break
    bare = BARE_GOVERNMENT.match(name)
    if bare and city and city.endswith(bare.group(1)):
        name = city + bare.group(2)
    court = COURT_NAME.match(name)
    if court and division_chain(court.group(1)):
        place = place_name(court.group(1))
        if is_full_division(place):  # 武宁县法院
            return f"{place}人民{court.group(2)}"
    doubled = _LEVEL_TWICE.match(name)
    if doubled and division_chain(doubled.group(2)):
        name = doubled.group(2) + doubled.group(4)  # 定远县县委 is 定远县委
    match = GOVERNMENT_NAME.match(name)
    if not match or not division_chain(match.group(2)):
        return name
    place, body = match.group(2), match.group(3)
    if body == "委":
        return f"中共{place}委"
    if body in ("政府", "人民政府"):
        return f"{place}人民政府"
    return name


#: A place whose level is written again before its body: 定远县县委, 滁州市市政府.
_LEVEL_TWICE = re.compile(r"^(中共)?(.{1,7}([省市区县州旗盟]))\3(委|人民政府|政府)$")
_FINANCIAL_LEGAL_FORM = re.compile(
    r"^(.{2,16}?(?:银行|保险|证券|信托))(?:股份有限公司|有限责任公司|有限公司)"
)


@lru_cache(maxsize=65536)
def parse_name(name: str) -> NameParts:
    """Split an organisation name into the place it starts with and its parent org.

    南通市生态环境局如东分局 -> place 南通市, parent 南通市生态环境局;
    X有限公司Y分公司 -> parent X有限公司; 涪城区行政审批局 -> place 涪城区.

    >>> parse_name("南通市生态环境局如东分局")
    NameParts(place='南通市', parent='南通市生态环境局')
    >>> parse_name("涪城区行政审批局")
    NameParts(place='涪城区', parent=None)
    """
    gov = GOVERNMENT_NAME.match(name)
    if gov and division_chain(gov.group(2)):
        if gov.group(3) == "委党校":
            return NameParts(place_name(gov.group(2)), canonical_org(gov.group(2) + "委"))
        return NameParts(place_name(gov.group(2)), None)
    place, rest = leading_place(name)
    if (
        place
        and name.endswith(ordered_words("company_endings.txt"))
        and not any(
            name[: len(name) - len(rest)].endswith(d.name) for d in divisions().get(place, ())
        )
    ):
        place = None  # 通海港口集团: a brand that starts with a place's short name, not a
        # location (吉林市船营区X集团, with the division written in full, is one)
    parent = None
    for cut in range(len(name) - 2, len(name) - len(rest), -1):
        head, tail = name[:cut], name[cut:]
        suffix = org_suffix(head)
        national = head in word_list("national_bodies.txt")  # 新华社 of 新华社X分社
        if (not national and (not suffix or len(head) - len(suffix) < 2)) or org_suffix(
            tail
        ) is None:
            continue
        if tail.startswith(ordered_words("suffix_openings.txt")):
            continue
        parent = canonical_org(head)
        break
    return NameParts(place, parent)


@lru_cache(maxsize=65536)
def leading_place(name: str) -> tuple[str | None, str]:
    """The place (a division chain or a zone) that a name starts with, and the rest.

    >>> leading_place("齐齐哈尔市住房和城乡建设局")
    ('齐齐哈尔市', '住房和城乡建设局')
    """
    for end in range(min(len(name) - 1, 20), 1, -1):
        head = name[:end]
        if division_chain(head) and not name[end:].startswith(("委", "政府")):
            return place_name(head), name[end:]
        if (
            zone_suffix(head)
            and division_chain(head[:2]) is not None
            and _is_zone(head)
            # 住房和城乡|建设局: a list mark or a conjunction inside, no zone (no 乡)
            and not any(joint in head for joint in ("、", *conjunctions()))
        ):
            return head, name[end:]
    return None, name


def _is_zone(text: str) -> bool:
    suffix = zone_suffix(text)
    if not suffix:
        return False
    return len(text) > len(suffix) + 1


@lru_cache(maxsize=65536)
def branch_place(name: str, parent: str | None) -> str | None:
    """The place a branch is named after: X局如东分局 -> 如东县."""
    if not parent or not name.startswith(parent):
        return None
    branch = name[len(parent) :]
    for end in range(len(branch) - 1, 1, -1):
        chain = division_chain(branch[:end])
        if chain:
            resolved = place_name(branch[:end], [_city_of(parent)])
            return resolved if resolved in divisions() else None
    return None


def _city_of(name: str) -> str:
    place, _ = leading_place(name)
    return place or ""


def group_brand_form(name: str) -> str:
    """A group company's name without the trade words before 集团
    (陕西秦硒食品集团有限公司 -> 陕西秦硒集团有限公司)."""
    at = name.index("集团")
    return company_brand(name[:at]) + name[at:]


def names_ending_with(
    names: Iterable[str], queries: set[str], key: Callable[[str], str] = str
) -> dict[str, list[str]]:
    """Each query -> the names longer than it whose ``key`` ends with it."""
    found: dict[str, list[str]] = defaultdict(list)
    for name in names:
        keyed = key(name)
        for cut in range(len(keyed) + 1):
            tail = keyed[cut:]
            if len(tail) < len(name) and tail in queries:
                found[tail].append(name)
    return found


def names_containing(names: Iterable[str], queries: set[str]) -> dict[str, list[str]]:
    """Each query -> the names longer than it that contain it."""
    lengths = sorted({len(q) for q in queries})
    found: dict[str, list[str]] = defaultdict(list)
    for name in names:
        inside = set()
        for length in lengths:
            if length >= len(name):
                break
            for start in range(len(name) - length + 1):
                piece = name[start : start + length]
                if piece in queries and piece not in inside:
                    inside.add(piece)
                    found[piece].append(name)
    return found


def is_brand(name: str) -> bool:
    """恒岳化工, 通海港口集团: a name with no organisation suffix, or a group's."""
    return not org_suffix(name) or name.endswith("集团")


def is_short_form(short: str) -> bool:
    """如东分局 of X局如东分局, 洛阳片区 of Y试验区洛阳片区: the short form keeps a suffix."""
    suffix = org_suffix(short) or zone_suffix(short)
    if not suffix:
        return False
    return len(short) > len(suffix)


@lru_cache(maxsize=65536)
def local_name(name: str) -> str:
    """An organisation's name without the divisions above the last one it starts with
    (衢州市开化县人民政府 -> 开化县人民政府); the name itself if it starts with one or none."""
    party = "中共" if name.startswith("中共") else ""
    rest = name[len(party) :]
    parts = division_chain(division_prefix(rest))
    if len(parts) < 2 or len(rest) == sum(map(len, parts)):
        return name
    return party + rest[sum(map(len, parts[:-1])) :]


def written_divisions(text: str) -> list[str]:
    """The divisions a place's name is written with: its chain (绵阳市涪城区), or the full
    divisions written before a town (锡山区 of 锡山区云林街道; not 古城 of 古城街道)."""
    chain = division_chain(text)
    if chain:
        return chain
    return [part for part in division_chain(division_prefix(text)) if is_full_division(part)]


def one_side(a: str, b: str) -> bool:
    """Whether two names are the party committee and the government of one place (中共X市委
    and X市人民政府): they act as one side (市委、市政府), never as each other's partner.

    >>> one_side("中共廊坊市委", "廊坊市人民政府"), one_side("中共廊坊市委", "保定市人民政府")
    (True, False)
    """
    found = [GOVERNMENT_NAME.match(name) for name in (a, b)]
    return bool(found[0] and found[1] and found[0].group(2) == found[1].group(2))


def places_in_name(type_: str, canonical: str, text: str) -> frozenset[str]:
    """The places one mention names (see :func:`places_named`)."""
    found = set()
    if type_ == GPE:
        found.add(canonical)
        found.update(place_name(part) for part in written_divisions(text))
    elif type_ == ORG:
        name = canonical.removeprefix("中共")
        if not text.strip().removeprefix("中共").startswith(name[:2]):
            return frozenset()  # 省政协 named 安徽省政协: the text never writes the place
        place, _ = leading_place(name)
        if place and name.startswith(place):
            found.add(place)
        found.update(p for p in division_chain(division_prefix(name)) if is_full_division(p))
    return frozenset(found)


@lru_cache(maxsize=65536)
def expand_abbreviations(name: str) -> str:
    """A name with its bureau abbreviations written out (市场监管局 -> 市场监督管理局).

    >>> expand_abbreviations("株洲市发改委")
    '株洲市发展和改革委员会'
    """
    for short, full in abbreviations():
        if short in name and full not in name:
            name = name.replace(short, full)
    return name

"""Entity resolution: one node per real-world entity.

Two levels:

- ``kg_resolve`` (a spaCy component) names each mention inside its article: a short
  form takes the full name mentioned in the same article (如东分局 -> X市Y局如东分局),
  a bare 市委/市政府 takes its city, a division takes its full table name.
- :func:`resolve_corpus` merges names across the corpus: programmes by their quoted
  core, short zone and branch names into the one full name that ends with them.

:func:`parse_name` splits an organisation's name into place, parent and branch, for
the relations that names themselves state.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Container, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice

from spacy.language import Language
from spacy.tokens import Doc, Span

from kg.io.records import Mention
from kg.pipeline.doc import doc_text
from kg.pipeline.entities import company_brand, org_suffix, zone_suffix
from kg.pipeline.lexicons import (
    Division,
    abbreviations,
    bank_abbreviations,
    division_chain,
    division_prefix,
    divisions,
    is_full_division,
    word_list,
)
from kg.schema import GPE, ORG, PERSON, PROGRAMME

_QUOTES = "“”‘’\"'「」『』《》〈〉"
_QUOTED = re.compile(r"[“「\"]([^“”「」\"]+)[”」\"]")
_GOV = re.compile(r"^(中共)?(.{2,8}?[省市区县州旗盟])(委|人民政府|政府|委党校)$")
_HOME = re.compile(r"^[我本][市区县州旗镇省]$")
_COURT = re.compile(r"^(.{2,8}?)(法院|检察院)$")
_BARE_GOV = re.compile(r"^([省市区县州旗盟])(委|人民政府|政府|委党校)$")


def strip_quotes(text: str) -> str:
    return "".join(ch for ch in text if ch not in _QUOTES)


def programme_key(name: str) -> str:
    """The quoted core of a programme name (“X”工作法 -> X), else the name.

    A quoted list names its campaign by the first item (“X、Y”活动 -> X).
    """
    match = _QUOTED.search(name)
    core = match.group(1) if match else strip_quotes(name)
    return re.split(r"[、，,]", core)[0] if match else core


# --- places -----------------------------------------------------------------------------


def pick_division(name: str, context: Iterable[str] = ()) -> Division | None:
    """The division a name refers to, using the places around it when several share it."""
    return _pick_division(name, _as_set(context))


def _pick_division(name: str, *known: Container[str]) -> Division | None:
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
        division = _pick_division(part, known)
        if division:
            parents.add(division.name)
    division = _pick_division(chain[-1], known, parents)
    return division.name if division else text


# --- organisation names -----------------------------------------------------------------


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
    >>> canonical_org("芦淞区法院")
    '芦淞区人民法院'
    """
    name = _FINANCIAL_LEGAL_FORM.sub(r"\1", name)
    if name.endswith("农商行"):
        name = name[:-1] + "银行"  # X农商行 is X农商银行
    for short, full in bank_abbreviations():
        if name.startswith(short) and len(name) > len(short):
            name = full + name[len(short) :]  # 农行漳州分行 -> 中国农业银行漳州分行
            break
    bare = _BARE_GOV.match(name)
    if bare and city and city.endswith(bare.group(1)):
        name = city + bare.group(2)
    court = _COURT.match(name)
    if court and division_chain(court.group(1)):
        place = place_name(court.group(1))
        if is_full_division(place):  # 武宁县法院
            return f"{place}人民{court.group(2)}"
    match = _GOV.match(name)
    if not match or not division_chain(match.group(2)):
        return name
    place, body = match.group(2), match.group(3)
    if body == "委":
        return f"中共{place}委"
    if body in ("政府", "人民政府"):
        return f"{place}人民政府"
    return name


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
    gov = _GOV.match(name)
    if gov and division_chain(gov.group(2)):
        if gov.group(3) == "委党校":
            return NameParts(place_name(gov.group(2)), canonical_org(gov.group(2) + "委"))
        return NameParts(place_name(gov.group(2)), None)
    place, rest = _leading_place(name)
    if (
        place
        and name.endswith(_COMPANY)
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
        if any(tail.startswith(s) for s in _SUFFIX_STARTS):
            continue
        parent = canonical_org(head)
        break
    return NameParts(place, parent)


_TOWNS = ("镇", "乡", "街道")
_COMPANY = ("公司", "集团", "厂", "银行", "分行", "支行")
_SUFFIX_STARTS = ("有限", "股份", "集团", "公司", "分", "委员会", "人民")


@lru_cache(maxsize=65536)
def _leading_place(name: str) -> tuple[str | None, str]:
    """The place (a division chain or a zone) that a name starts with, and the rest."""
    for end in range(min(len(name) - 1, 20), 1, -1):
        head = name[:end]
        if division_chain(head) and not name[end:].startswith(("委", "政府")):
            return place_name(head), name[end:]
        if zone_suffix(head) and division_chain(head[:2]) is not None and _is_zone(head):
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
    place, _ = _leading_place(name)
    return place or ""


# --- article level: the spaCy component -------------------------------------------------


if not Span.has_extension("canonical"):
    Span.set_extension("canonical", default=None)


@Language.factory("kg_resolve", default_config={"short_forms": True, "aliases": {}})
def make_resolver(
    nlp: Language, name: str, short_forms: bool, aliases: dict[str, str]
) -> ArticleResolver:
    """Factory of the article-level resolver; ``short_forms`` can be switched off;
    ``aliases``: surface form -> canonical name (the user's)."""
    return ArticleResolver(short_forms, aliases)


class ArticleResolver:
    """Sets ``span._.canonical`` on every entity of an article.

    A user pattern's span with an id (``ent.id_``) takes that name, else a surface in
    ``aliases`` takes its canonical name (see :mod:`kg.pipeline.corrections`).
    """

    def __init__(self, short_forms: bool = True, aliases: Mapping[str, str] | None = None) -> None:
        self.short_forms = short_forms
        self.aliases = dict(aliases or {})

    def __call__(self, doc: Doc) -> Doc:
        ents = doc.ents  # each read of doc.ents builds new Spans: read it once
        text = doc_text(doc)
        labels = [ent.label_ for ent in ents]
        bounds = [(ent.start_char, ent.end_char) for ent in ents]
        surfaces = [text[start:end] for start, end in bounds]
        mentions = list(zip(labels, surfaces, strict=True))
        context = [place_name(s) for label, s in mentions if label == GPE]
        context += [p for label, s in mentions if label == ORG for p in [_leading_place(s)[0]] if p]
        places = _ArticlePlaces(context)
        city = main_city(context)
        canonical = {m: self._canonical(*m, places, city) for m in set(mentions)}
        names = [canonical[m] for m in mentions]
        for i in range(1, len(names)):
            bare = _BARE_GOV.match(surfaces[i])
            if bare and text[bounds[i - 1][1] : bounds[i][0]] in "、和及":
                # 思明区委、区政府: the bare body shares its partner's place.
                partner = _GOV.match(surfaces[i - 1].removeprefix("中共"))
                if partner and partner.group(2).endswith(bare.group(1)):
                    names[i] = canonical_org(partner.group(2) + bare.group(2))
        if self.short_forms:
            names = _expand_short_forms(labels, names)
            names = _expand_sibling_branches(labels, names)
            names = _local_banks(text, bounds, labels, names)
        if self.aliases or "kg_user" in doc.spans:  # the user's names (kg.pipeline.corrections)
            names = [
                ent.id_ or self.aliases.get(surface.strip(), name)
                for ent, surface, name in zip(ents, surfaces, names, strict=True)
            ]
        # A bare 市政府/县委 whose place the article never names stands for no node.
        # So does a bare 经济技术开发区 that stands for no zone the article names in full.
        placed = [
            not (_BARE_GOV.match(name) or _HOME.match(name) or zone_suffix(name) == name)
            for name in names
        ]
        if not all(placed):
            ents = tuple(ent for ent, keep in zip(ents, placed, strict=True) if keep)
            names = [name for name, keep in zip(names, placed, strict=True) if keep]
            doc.ents = ents
            ents = doc.ents
        for ent, name in zip(ents, names, strict=True):
            ent._.canonical = name
        return doc

    def _canonical(self, label: str, text: str, places: _ArticlePlaces, city: str | None) -> str:
        text = text.strip()
        if label == GPE and _HOME.match(text):  # 我市, 本县: the article's own place
            level = text[1]
            home = city if level == "市" and city else places.only_place(level)
            return home or text
        if label == GPE:
            if division_chain(text):
                return places.place_name(text)
            prefix = division_prefix(text)
            town = text[len(prefix) :]
            if (
                prefix
                and town.endswith(_TOWNS)
                and town not in _TOWNS
                and is_full_division(division_chain(prefix)[-1])
            ):
                return town  # 赣州市南康区龙回镇 -> 龙回镇, inside 南康区 (not 古城|街道)
            return expand_abbreviations(text)
        if label == ORG:
            return expand_abbreviations(canonical_org(places.with_place(text), city))
        return text


def _local_banks(
    text: str, bounds: list[tuple[int, int]], labels: list[str], names: list[str]
) -> list[str]:
    """市农行, 县建行: the one branch of that bank the article names (中国农业银行X分行)."""
    banks = {full: full for _, full in bank_abbreviations()} | dict(bank_abbreviations())
    out = list(names)
    for i, written in enumerate(names):
        start = bounds[i][0]
        name = banks.get(written)
        if labels[i] != ORG or name is None or not start or text[start - 1] not in "省市县区":
            continue
        branches = {
            n
            for n, label in zip(names, labels, strict=True)
            if label == ORG and n.startswith(name) and n.endswith(("分行", "支行")) and n != name
        }
        if len(branches) == 1:
            out[i] = branches.pop()
    return out


def _expand_short_forms(labels: list[str], names: list[str]) -> list[str]:
    """A short name of a longer one of the same type in the article becomes it.

    如东分局 ends X局如东分局; 高新区 ends the one 高新技术产业开发区 of the article;
    十条措施 ends 《……十条措施》; a brand (恒岳化工) stands inside one company name.
    """
    by_label: dict[str, list[int]] = defaultdict(list)
    for i, label in enumerate(labels):
        by_label[label].append(i)
    names = list(names)
    for label, indices in by_label.items():
        expanded = _expanded([names[i] for i in indices], label)
        for i, name in zip(indices, expanded, strict=True):
            names[i] = name
    return names


def _expand_sibling_branches(labels: list[str], names: list[str]) -> list[str]:
    """崇川分局 beside X局如东分局: a bare branch takes the parent of its named sibling."""
    parents: dict[str, set[str]] = defaultdict(set)
    for label, name in zip(labels, names, strict=True):
        parent = parse_name(name).parent if label == ORG else None
        suffix = org_suffix(name)
        if parent and suffix in _BRANCH_SUFFIXES:
            parents[suffix].add(parent)
    out = []
    for label, name in zip(labels, names, strict=True):
        suffix = org_suffix(name) if label == ORG else None
        if suffix in _BRANCH_SUFFIXES and len(parents[suffix]) == 1:
            parent = next(iter(parents[suffix]))
            if not name.startswith(parent) and parse_name(name).parent is None:
                name = parent + name
        out.append(name)
    return out


_BRANCH_SUFFIXES = frozenset(
    {"分局", "分公司", "分行", "支行", "分院", "分中心", "分所", "支队", "大队"}
)


class _ArticlePlaces:
    """The places an article names, with the look-ups its mentions make cached."""

    def __init__(self, context: list[str]) -> None:
        self.known = set(context)
        self.divisions = [_pick_division(p, self.known) for p in context]
        self._names: dict[str, str] = {}
        self._only: dict[str, str | None] = {}

    def place_name(self, text: str) -> str:
        """:func:`place_name` of ``text`` among the article's places."""
        if text not in self._names:
            self._names[text] = place_name(text, self.known)
        return self._names[text]

    def with_place(self, name: str) -> str:
        """区市场监管局 in an article about one district: that district's bureau; a bare
        县委 or 区政府 likewise (a bare 市委 takes the article's city, see canonical_org)."""
        place: str | None
        court = _COURT.match(name)
        if court and court.group(1) in divisions():
            # 台江法院 in an article on 台江区: 台江区法院, which canonical_org makes the
            # place's people's court.
            return self.place_name(court.group(1)) + name[len(court.group(1)) :]
        bare = _BARE_GOV.match(name)
        if bare and name[0] in "区县旗盟":
            place = self.only_place(name[0])
            return place + name[1:] if place else name
        if len(name) < 3 or name[0] not in "市区县旗盟" or division_chain(name[:2]) or bare:
            return name
        place = self.only_place(name[0])
        return place + name[1:] if place else name

    def only_place(self, kind: str) -> str | None:
        """The one division ending in ``kind`` (市, 区, 县) the article names most, if any."""
        if kind not in self._only:
            counts = Counter(d.name for d in self.divisions if d and d.name.endswith(kind))
            top = counts.most_common(2)
            clear = len(counts) == 1 or (counts and top[0][1] > top[-1][1])
            self._only[kind] = counts.most_common(1)[0][0] if clear else None
        return self._only[kind]


def _expanded(names: list[str], label: str) -> list[str]:
    """The names of one type in article order, each replaced by the one longer name it
    shortens among the names as they stand when its turn comes (earlier ones expanded)."""
    longer_names = _longer_names(set(names), label)
    standing = Counter(names)
    out = []
    for name in names:
        longer = list(islice((f for f in longer_names.get(name, ()) if standing[f]), 2))
        if len(longer) == 1:
            standing[name] -= 1
            standing[longer[0]] += 1
            name = longer[0]
        out.append(name)
    return out


def _longer_names(names: set[str], label: str) -> dict[str, list[str]]:
    """Each name -> the longer names of the set it is a short form of inside one article.

    A programme ends a longer one's unquoted text (十条措施 of 《……十条措施》) unless
    it is quoted itself; a brand (恒岳化工, 通海港口集团) stands inside an organisation's
    name (a company's, if it has a suffix); any other name ends the longer name and keeps
    a suffix of its own (如东分局) or is a zone suffix alone (高新区).
    """
    if label == PROGRAMME:
        return _ending_with(names, {n for n in names if not _QUOTED.search(n)}, strip_quotes)
    brands = {n for n in names if _is_brand(n)} if label == ORG else set()
    short_forms = {n for n in names - brands if _is_short_form(n) or zone_suffix(n) == n}
    found = _ending_with(names, short_forms)
    for brand, fulls in _containing(names, brands).items():
        found[brand] = [f for f in fulls if not org_suffix(brand) or f.endswith("公司")]
    # 秦硒集团 of 陕西秦硒食品集团有限公司: the group's brand without its trade words.
    groups = {f: _group_brand_form(f) for f in names if f.endswith("公司") and "集团" in f}
    for brand in brands:
        if brand.endswith("集团") and not found.get(brand):
            found[brand] = [f for f, form in groups.items() if brand in form and brand != f]
    return found


def _group_brand_form(name: str) -> str:
    """A group company's name without the trade words before 集团
    (陕西秦硒食品集团有限公司 -> 陕西秦硒集团有限公司)."""
    at = name.index("集团")
    return company_brand(name[:at]) + name[at:]


def _ending_with(
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


def _containing(names: Iterable[str], queries: set[str]) -> dict[str, list[str]]:
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


def _is_brand(name: str) -> bool:
    """恒岳化工, 通海港口集团: a name with no organisation suffix, or a group's."""
    return not org_suffix(name) or name.endswith("集团")


def _is_short_form(short: str) -> bool:
    """如东分局 of X局如东分局, 洛阳片区 of Y试验区洛阳片区: the short form keeps a suffix."""
    suffix = org_suffix(short) or zone_suffix(short)
    if not suffix:
        return False
    return len(short) > len(suffix)


def main_city(places: Iterable[str]) -> str | None:
    """The city an article is about: its most mentioned city, or a district's city."""
    counts: Counter[str] = Counter()
    for name in places:
        division = pick_division(name)
        if division is None:
            continue
        if division.rank == 1:
            counts[division.name] += 2
        elif division.rank == 2 and division.parent:
            counts[division.parent] += 1
    return counts.most_common(1)[0][0] if counts else None


# --- corpus level -----------------------------------------------------------------------


@dataclass
class Entity:
    """One node: canonical name, type, the surface forms and where it was mentioned."""

    name: str
    type: str
    aliases: set[str] = field(default_factory=set)
    mentions: int = 0
    articles: set[str] = field(default_factory=set)


#: How often each name was mentioned, where: (type, canonical, text) -> article -> count.
NameCounts = Mapping[tuple[str, str, str], Mapping[str, int]]


def count_names(mentions: Iterable[Mention]) -> dict[tuple[str, str, str], dict[str, int]]:
    """The :data:`NameCounts` of mentions."""
    counts: dict[tuple[str, str, str], dict[str, int]] = {}
    for m in mentions:
        per_article = counts.setdefault((m.type, m.canonical, m.text), {})
        per_article[m.article] = per_article.get(m.article, 0) + 1
    return counts


def resolve_corpus(
    mentions: Iterable[Mention], named_inside: Iterable[tuple[str, str]] = ()
) -> tuple[dict[tuple[str, str], str], list[Entity]]:
    """Merge mentions into entities.

    ``named_inside`` are (type, name) pairs named only inside other names (a parent
    bureau, the place of a branch); they are resolved like mentions. Returns a map from
    (type, article-level canonical name) to the entity's final name, and the entities
    sorted by type and name.
    """
    return resolve_names(count_names(mentions), named_inside)


def resolve_names(
    counts: NameCounts,
    named_inside: Iterable[tuple[str, str]] = (),
    fixed: Container[str] = (),
) -> tuple[dict[tuple[str, str], str], list[Entity]]:
    """:func:`resolve_corpus` of mentions given as :data:`NameCounts`; the ``fixed``
    names (the user's) are kept as they are."""
    names: dict[str, set[str]] = defaultdict(set)
    for etype, canonical, _ in counts:
        names[etype].add(canonical)
    for etype, name in named_inside:
        names[etype].add(name)
    mapping: dict[tuple[str, str], str] = {}
    for etype, group in names.items():
        if etype == PROGRAMME:
            mapping.update(_merge_programmes(counts))
        elif etype in (ORG, GPE):
            mapping.update(((etype, name), full) for name, full in _longer_forms(group).items())
        else:
            mapping.update(((etype, name), name) for name in group)
    if fixed:
        mapping.update({key: key[1] for key in mapping if key[1] in fixed})
    entities: dict[tuple[str, str], Entity] = {}
    for (etype, canonical, text), per_article in counts.items():
        final = mapping.get((etype, canonical), canonical)
        entity = entities.get((etype, final))
        if entity is None:
            entity = entities[(etype, final)] = Entity(final, etype)
        entity.mentions += sum(per_article.values())
        entity.articles.update(per_article)
        for form in (text.strip(), canonical):
            if form != final:
                entity.aliases.add(form)
        if etype == ORG and (local := local_name(final)) != final:
            entity.aliases.add(local)  # 开化县人民政府 of 衢州市开化县人民政府
        if etype == PROGRAMME:
            core = programme_key(text)
            if core != final:
                entity.aliases.add(core)
    return mapping, sorted(entities.values(), key=lambda e: (e.type, e.name))


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


def _longer_forms(group: set[str]) -> dict[str, str]:
    """Each name -> the one longer name in the corpus that it stands for, or itself.

    A branch or zone ends its full name (崇川分局); a brand stands inside exactly one
    company's full name (通海港口集团 in 江苏通海港口集团有限公司).
    """
    ending = _ending_with(group, {n for n in group if _is_short_form(n)})
    companies = [g for g in group if g.endswith("公司")]
    inside = _containing(companies, {n for n in group if _is_brand(n)})
    forms = {}
    for name in group:
        longer = ending.get(name, [])
        if len(longer) == 1:
            forms[name] = longer[0]
            continue
        parentless = [g for g in inside.get(name, []) if not parse_name(g).parent]
        forms[name] = parentless[0] if len(parentless) == 1 else name
    return forms


def places_named(mentions: Iterable[Mention]) -> set[str]:
    """Places the text names: GPE mentions, the cities of district chains (绵阳市涪城区),
    and divisions written in full at the head of organisation names (晋江市公安局)."""
    found: set[str] = set()
    for type_, canonical, text in {(m.type, m.canonical, m.text) for m in mentions}:
        found |= places_in_name(type_, canonical, text)
    return found


def places_in_name(type_: str, canonical: str, text: str) -> frozenset[str]:
    """The places one mention names (see :func:`places_named`)."""
    found = set()
    if type_ == GPE:
        found.add(canonical)
        found.update(place_name(part) for part in division_chain(text))
    elif type_ == ORG:
        name = canonical.removeprefix("中共")
        place, _ = _leading_place(name)
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


def _merge_programmes(counts: NameCounts) -> dict[tuple[str, str], str]:
    """Programmes sharing a quoted core are one; the most used full form names them."""
    forms: dict[str, Counter[str]] = defaultdict(Counter)
    for (etype, canonical, _), per_article in counts.items():
        if etype == PROGRAMME:
            forms[programme_key(canonical)][canonical] += sum(per_article.values())
    mapping = {}
    for found in forms.values():
        best = max(found.items(), key=lambda kv: (kv[1], len(kv[0]), kv[0]))[0]
        for form in found:
            mapping[(PROGRAMME, form)] = best
    return mapping


__all__ = [
    "ArticleResolver",
    "Entity",
    "NameParts",
    "PERSON",
    "branch_place",
    "canonical_org",
    "main_city",
    "parse_name",
    "place_name",
    "programme_key",
    "count_names",
    "local_name",
    "places_in_name",
    "places_named",
    "resolve_corpus",
    "resolve_names",
]

"""Entity resolution: one node per real-world entity.

Two levels:

- ``kg_resolve`` (a spaCy component) names each mention inside its article: a short
  form takes the full name mentioned in the same article (盖州分局 -> X市Y局盖州分局),
  a bare 市委/市政府 takes its city, a division takes its full table name.
- :func:`resolve_corpus` merges names across the corpus: programmes by their quoted
  core, short zone and branch names into the one full name that ends with them.

:func:`parse_name` splits an organisation's name into place, parent and branch, for
the relations that names themselves state.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from spacy.language import Language
from spacy.tokens import Doc, Span

from kg.entities import GPE, ORG, PERSON, PROGRAMME, org_suffix, zone_suffix
from kg.lexicons import Division, abbreviations, division_chain, division_prefix, divisions
from kg.records import Mention

_QUOTES = "“”‘’\"'「」『』《》〈〉"
_QUOTED = re.compile(r"[“「\"]([^“”「」\"]+)[”」\"]")
_GOV = re.compile(r"^(中共)?(.{2,8}?[省市区县州])(委|人民政府|政府|委党校)$")
_BARE_GOV = re.compile(r"^([省市区县州])(委|人民政府|政府|委党校)$")


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
    options = divisions().get(name, [])
    if len(options) == 1:
        return options[0]
    context = set(context)
    fitting = [d for d in options if d.parent in context or d.name in context]
    return fitting[0] if len(fitting) == 1 else None


def place_name(text: str, context: Iterable[str] = ()) -> str:
    """The canonical name of a division chain: the full name of its last division."""
    chain = division_chain(text)
    if not chain:
        return text
    context = list(context)
    parents = []
    for part in chain[:-1]:
        division = pick_division(part, context)
        if division:
            parents.append(division.name)
    division = pick_division(chain[-1], [*context, *parents])
    return division.name if division else text


# --- organisation names -----------------------------------------------------------------


@dataclass(frozen=True)
class NameParts:
    """An organisation name split: the place it is named after, and its parent org."""

    place: str | None
    parent: str | None


@lru_cache(maxsize=65536)
def canonical_org(name: str, city: str | None = None) -> str:
    """Official long forms: X市委 -> 中共X市委, X市政府 -> X市人民政府; bare 市委 -> city's."""
    bare = _BARE_GOV.match(name)
    if bare and city and city.endswith(bare.group(1)):
        name = city + bare.group(2)
    match = _GOV.match(name)
    if not match or not division_chain(match.group(2)):
        return name
    place, body = match.group(2), match.group(3)
    if body == "委":
        return f"中共{place}委"
    if body in ("政府", "人民政府"):
        return f"{place}人民政府"
    return name


@lru_cache(maxsize=65536)
def parse_name(name: str) -> NameParts:
    """Split an organisation name into the place it starts with and its parent org.

    营口市生态环境局盖州分局 -> place 营口市, parent 营口市生态环境局;
    X有限公司Y分公司 -> parent X有限公司; 老边区行政审批局 -> place 老边区.
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
        and not any(d.name == name[: len(name) - len(rest)] for d in divisions().get(place, ()))
    ):
        place = None  # 营口港务集团: a brand that starts with a place, not a location
    parent = None
    for cut in range(len(name) - 2, len(name) - len(rest), -1):
        head, tail = name[:cut], name[cut:]
        suffix = org_suffix(head)
        if not suffix or len(head) - len(suffix) < 2 or org_suffix(tail) is None:
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
    return bool(suffix) and len(text) > len(suffix) + 1


@lru_cache(maxsize=65536)
def branch_place(name: str, parent: str | None) -> str | None:
    """The place a branch is named after: X局盖州分局 -> 盖州市."""
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


@Language.factory("kg_resolve", default_config={"short_forms": True})
def make_resolver(nlp: Language, name: str, short_forms: bool) -> ArticleResolver:
    """Factory of the article-level resolver; ``short_forms`` can be switched off."""
    return ArticleResolver(short_forms)


class ArticleResolver:
    """Sets ``span._.canonical`` on every entity of an article."""

    def __init__(self, short_forms: bool = True) -> None:
        self.short_forms = short_forms

    def __call__(self, doc: Doc) -> Doc:
        places = [e.text for e in doc.ents if e.label_ == GPE]
        context = [place_name(p) for p in places]
        context += [
            p for e in doc.ents if e.label_ == ORG for p in [_leading_place(e.text)[0]] if p
        ]
        city = main_city(context)
        previous = None
        for ent in doc.ents:
            ent._.canonical = self._canonical(ent, context, city)
            bare = _BARE_GOV.match(ent.text)
            if (
                bare
                and previous is not None
                and doc.text[previous.end_char : ent.start_char] in "、和及"
            ):
                # 思明区委、区政府: the bare body shares its partner's place.
                partner = _GOV.match(previous.text.removeprefix("中共"))
                if partner and partner.group(2).endswith(bare.group(1)):
                    ent._.canonical = canonical_org(partner.group(2) + bare.group(2))
            previous = ent
        if self.short_forms:
            self._expand_short_forms(doc)
            self._expand_sibling_branches(doc)
        return doc

    def _canonical(self, ent: Span, context: list[str], city: str | None) -> str:
        text = ent.text.strip()
        if ent.label_ == GPE:
            if division_chain(text):
                return place_name(text, context)
            prefix = division_prefix(text)
            if prefix and text.endswith(_TOWNS) and len(text) - len(prefix) >= 2:
                return text[len(prefix) :]  # 赣州市南康区龙回镇 -> 龙回镇, inside 南康区
            return expand_abbreviations(text)
        if ent.label_ == ORG:
            return expand_abbreviations(canonical_org(_with_place(text, context), city))
        return text

    def _expand_short_forms(self, doc: Doc) -> None:
        """A short name of a longer one of the same type in the article becomes it.

        盖州分局 ends X局盖州分局; 高新区 ends the one 高新技术产业开发区 of the article;
        十条措施 ends 《……十条措施》; a brand (恒岳化工) stands inside one company name.
        """
        ents = list(doc.ents)
        for ent in ents:
            short = ent._.canonical
            longer = {
                other._.canonical
                for other in ents
                if other.label_ == ent.label_
                and len(other._.canonical) > len(short)
                and _shortens(short, other._.canonical, ent.label_)
            }
            if len(longer) == 1:
                ent._.canonical = longer.pop()

    def _expand_sibling_branches(self, doc: Doc) -> None:
        """西市分局 beside X局盖州分局: a bare branch takes the parent of its named sibling."""
        ents = [e for e in doc.ents if e.label_ == ORG]
        parents: dict[str, set[str]] = defaultdict(set)
        for ent in ents:
            parent = parse_name(ent._.canonical).parent
            suffix = org_suffix(ent._.canonical)
            if parent and suffix in _BRANCH_SUFFIXES:
                parents[suffix].add(parent)
        for ent in ents:
            name = ent._.canonical
            suffix = org_suffix(name)
            if suffix not in _BRANCH_SUFFIXES or len(parents[suffix]) != 1:
                continue
            parent = next(iter(parents[suffix]))
            if not name.startswith(parent) and parse_name(name).parent is None:
                ent._.canonical = parent + name


_BRANCH_SUFFIXES = frozenset(
    {"分局", "分公司", "分行", "支行", "分院", "分中心", "分所", "支队", "大队"}
)


def _with_place(name: str, context: list[str]) -> str:
    """区市场监管局 in an article about one district: that district's bureau."""
    if (
        len(name) < 4
        or name[0] not in "市区县"
        or division_chain(name[:2])
        or _BARE_GOV.match(name)
    ):
        return name
    places = Counter(
        d.name for p in context for d in [pick_division(p)] if d and d.name.endswith(name[0])
    )
    if len(places) == 1 or (places and places.most_common(2)[0][1] > places.most_common(2)[-1][1]):
        return places.most_common(1)[0][0] + name[1:]
    return name


def _shortens(short: str, full: str, label: str) -> bool:
    """Whether ``short`` is a short form of ``full`` inside one article."""
    if label == PROGRAMME:
        return not _QUOTED.search(short) and strip_quotes(full).endswith(short)
    if label == ORG and (not org_suffix(short) or short.endswith("集团")):
        # a brand inside a company's full name (恒岳化工, 通海港口集团)
        return short in full and (not org_suffix(short) or full.endswith("公司"))
    if full.endswith(short):
        return _is_short_form(short, full) or zone_suffix(short) == short
    return False


def _is_short_form(short: str, full: str) -> bool:
    """盖州分局 of X局盖州分局, 营口片区 of Y试验区营口片区: the short form keeps a suffix."""
    suffix = org_suffix(short) or zone_suffix(short)
    return bool(suffix) and len(short) > len(suffix)


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


def resolve_corpus(
    mentions: Iterable[Mention], named_inside: Iterable[tuple[str, str]] = ()
) -> tuple[dict[tuple[str, str], str], list[Entity]]:
    """Merge mentions into entities.

    ``named_inside`` are (type, name) pairs named only inside other names (a parent
    bureau, the place of a branch); they are resolved like mentions. Returns a map from
    (type, article-level canonical name) to the entity's final name, and the entities
    sorted by type and name.
    """
    mentions = list(mentions)
    names: dict[str, set[str]] = defaultdict(set)
    for m in mentions:
        names[m.type].add(m.canonical)
    for etype, name in named_inside:
        names[etype].add(name)
    mapping: dict[tuple[str, str], str] = {}
    for etype, group in names.items():
        if etype == PROGRAMME:
            mapping.update(_merge_programmes(mentions))
        else:
            for name in group:
                mapping[(etype, name)] = _longer_form(name, group) if etype in (ORG, GPE) else name
    entities: dict[tuple[str, str], Entity] = {}
    for m in mentions:
        final = mapping.get((m.type, m.canonical), m.canonical)
        entity = entities.setdefault((m.type, final), Entity(final, m.type))
        entity.mentions += 1
        entity.articles.add(m.article)
        for form in (m.text.strip(), m.canonical):
            if form != final:
                entity.aliases.add(form)
        if m.type == PROGRAMME:
            core = programme_key(m.text)
            if core != final:
                entity.aliases.add(core)
    return mapping, sorted(entities.values(), key=lambda e: (e.type, e.name))


def _longer_form(name: str, group: set[str]) -> str:
    """The one longer name in the corpus that this short form stands for, if only one.

    A branch or zone ends its full name (西市分局); a brand stands inside exactly one
    company's full name (通海港口集团 in 江苏通海港口集团有限公司).
    """
    longer = {g for g in group if len(g) > len(name) and g.endswith(name)}
    if len(longer) == 1 and _is_short_form(name, next(iter(longer))):
        return next(iter(longer))
    if not org_suffix(name) or name.endswith("集团"):
        companies = {
            g
            for g in group
            if name in g and g != name and g.endswith("公司") and not parse_name(g).parent
        }
        if len(companies) == 1:
            return companies.pop()
    return name


def _is_full_name(name: str) -> bool:
    return any(d.name == name for d in divisions().get(name, ()))


def places_named(mentions: Iterable[Mention]) -> set[str]:
    """Places the text names: GPE mentions, the cities of district chains (绵阳市涪城区),
    and divisions written in full at the head of organisation names (盖州市公安局)."""
    found = set()
    for m in mentions:
        if m.type == GPE:
            found.add(m.canonical)
            found.update(place_name(part) for part in division_chain(m.text))
        elif m.type == ORG:
            name = m.canonical.removeprefix("中共")
            place, _ = _leading_place(name)
            if place and name.startswith(place):
                found.add(place)
            found.update(p for p in division_chain(division_prefix(name)) if _is_full_name(p))
    return found


@lru_cache(maxsize=65536)
def expand_abbreviations(name: str) -> str:
    """A name with its bureau abbreviations written out (市场监管局 -> 市场监督管理局)."""
    for short, full in abbreviations():
        if short in name and full not in name:
            name = name.replace(short, full)
    return name


def _merge_programmes(mentions: list[Mention]) -> dict[tuple[str, str], str]:
    """Programmes sharing a quoted core are one; the most used full form names them."""
    forms: dict[str, Counter[str]] = defaultdict(Counter)
    for m in mentions:
        if m.type == PROGRAMME:
            forms[programme_key(m.canonical)][m.canonical] += 1
    mapping = {}
    for counts in forms.values():
        best = max(counts.items(), key=lambda kv: (kv[1], len(kv[0]), kv[0]))[0]
        for form in counts:
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
    "resolve_corpus",
]

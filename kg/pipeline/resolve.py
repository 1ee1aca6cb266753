"""Entity resolution inside an article: the ``kg_resolve`` component.

Each mention is named inside its article: a short form takes the full name mentioned in
the same article (如东分局 -> X市Y局如东分局), a bare 市委/市政府 takes its city, a
division takes its full table name. Names are read with :mod:`kg.pipeline.names`; the
corpus-level merge is :mod:`kg.pipeline.merge`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from itertools import islice

from spacy.language import Language
from spacy.tokens import Doc, Span

from kg.pipeline.doc import doc_text, sentence_index
from kg.pipeline.lexicons import (
    bank_abbreviations,
    division_chain,
    division_prefix,
    divisions,
    is_full_division,
    word_list,
    word_set,
)
from kg.pipeline.names import (
    BARE_GOVERNMENT,
    COURT_NAME,
    GOVERNMENT_NAME,
    HOME_PLACE,
    QUOTED_CORE,
    canonical_org,
    expand_abbreviations,
    group_brand_form,
    is_brand,
    is_short_form,
    leading_place,
    names_containing,
    names_ending_with,
    org_suffix,
    parse_name,
    pick_division,
    pick_division_among,
    place_name,
    strip_quotes,
    town_endings,
    zone_suffix,
)
from kg.schema import GPE, ORG, PROGRAMME

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
        # 四川省 of 四川省乐山市: a chain names each of its divisions
        context += [
            place_name(p) for label, s in mentions if label == GPE for p in division_chain(s)[:-1]
        ]
        context += [p for label, s in mentions if label == ORG for p in [leading_place(s)[0]] if p]
        places = _ArticlePlaces(context)
        city = main_city(context)
        places.home = _papers_places(mentions)
        canonical = {m: self._canonical(*m, places, city) for m in set(mentions)}
        names = [canonical[m] for m in mentions]
        _nearest_places(doc, bounds, mentions, names, places, city)
        for i in range(1, len(names)):
            bare = BARE_GOVERNMENT.match(surfaces[i])
            if bare and text[bounds[i - 1][1] : bounds[i][0]] in "、和及":
                # 思明区委、区政府: the bare body shares its partner's place.
                partner = GOVERNMENT_NAME.match(surfaces[i - 1].removeprefix("中共"))
                if partner and partner.group(2).endswith(bare.group(1)):
                    names[i] = canonical_org(partner.group(2) + bare.group(2))
        for i in range(1, len(names)):
            # 省委党校（安徽行政学院）: the body's other name in brackets is the same body
            opened = text[bounds[i - 1][1] : bounds[i][0]] in ("（", "(")
            closed = text[bounds[i][1] : bounds[i][1] + 1] in ("）", ")")
            if labels[i] == labels[i - 1] == ORG and opened and closed:
                names[i] = names[i - 1]
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
            not (BARE_GOVERNMENT.match(name) or HOME_PLACE.match(name) or zone_suffix(name) == name)
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
        if label == GPE and HOME_PLACE.match(text):  # 我市, 本县: the article's own place
            level = text[1]
            home = places.home.get(level) or (
                city if level == "市" and city else places.only_place(level)
            )
            return home or text
        if label == GPE:
            if division_chain(text):
                return places.place_name(text)
            prefix = division_prefix(text)
            town = text[len(prefix) :]
            if (
                prefix
                and town.endswith(town_endings())
                and town not in town_endings()
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
        place = ""
        short = next((b for b in banks if written.endswith(b) and written != b), None)
        if labels[i] == ORG and short and written[: -len(short)] in tuple("省市县区"):
            written, start = short, start + 1  # 省农发行 read as one name
        elif labels[i] == ORG and short and division_chain(written[: -len(short)]):
            # 省农发行, named 黑龙江省农发行 by its place: that place's branch
            place, written, start = written[: -len(short)], short, start + 1
        name = banks.get(written)
        if labels[i] != ORG or name is None or not start or text[start - 1] not in "省市县区":
            continue
        branches = {
            n
            for n, label in zip(names, labels, strict=True)
            if label == ORG
            and n.startswith(name)
            and n.endswith(("分行", "支行"))
            and n != name
            and place_name(place)[:2] in n
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
        if parent and suffix in word_set("branch_suffixes.txt"):
            parents[suffix].add(parent)
    out = []
    for label, name in zip(labels, names, strict=True):
        suffix = org_suffix(name) if label == ORG else None
        if suffix in word_set("branch_suffixes.txt") and len(parents[suffix]) == 1:
            parent = next(iter(parents[suffix]))
            if not name.startswith(parent) and parse_name(name).parent is None:
                name = parent + name
        out.append(name)
    return out


def _papers_places(mentions: list[tuple[str, str]]) -> dict[str, str]:
    """The places of the article's own media (龙泉新闻网讯, 来源: X县融媒体中心) by level:
    the 我市 or 本县 of a local paper is its own place, whichever the article names most."""
    found: dict[str, set[str]] = {}
    for label, surface in mentions:
        if label != ORG or not surface.endswith(word_list("media_endings.txt")):
            continue
        for size in range(min(len(surface) - 2, 7), 1, -1):
            division = pick_division(surface[:size])
            if division is not None:
                found.setdefault(division.name[-1], set()).add(division.name)
                break
    return {level: next(iter(names)) for level, names in found.items() if len(names) == 1}


def _nearest_places(
    doc: Doc,
    bounds: list[tuple[int, int]],
    mentions: list[tuple[str, str]],
    names: list[str],
    places: _ArticlePlaces,
    city: str | None,
) -> None:
    """A bare body (县委, 县统计局) after a place of its kind in the same sentence is that
    place's (定远县县委书记X、县委常委Y: 定远县委), whichever place the article names most."""
    sentences = sentence_index(doc)
    for i, (label, surface) in enumerate(mentions):
        kind = surface[:1]
        if label != ORG or kind not in "市区县旗盟" or len(surface) < 2:
            continue
        start = sentences.bounds(*bounds[i])[0]
        for j in range(i - 1, -1, -1):
            if bounds[j][1] <= start:
                break
            other_label, other = mentions[j]
            place = (
                places.place_name(other)
                if other_label == GPE
                else leading_place(other)[0]
                if other_label == ORG
                else None
            )
            if place and place.endswith(kind) and place in divisions():
                names[i] = expand_abbreviations(canonical_org(place + surface[1:], city))
                break


class _ArticlePlaces:
    """The places an article names, with the look-ups its mentions make cached."""

    def __init__(self, context: list[str]) -> None:
        self.known = set(context)
        self.divisions = [pick_division_among(p, self.known) for p in context]
        self._names: dict[str, str] = {}
        self._only: dict[str, str | None] = {}
        self.home: dict[str, str] = {}  # the paper's own place by level (市, 县, 区)

    def place_name(self, text: str) -> str:
        """:func:`place_name` of ``text`` among the article's places."""
        if text not in self._names:
            self._names[text] = place_name(text, self.known)
        return self._names[text]

    def with_place(self, name: str) -> str:
        """区市场监管局 in an article about one district: that district's bureau; a bare
        县委 or 区政府 likewise (a bare 市委 takes the article's city, see canonical_org)."""
        place: str | None
        court = COURT_NAME.match(name)
        if court and court.group(1) in divisions():
            # 台江法院 in an article on 台江区: 台江区法院, which canonical_org makes the
            # place's people's court.
            return self.place_name(court.group(1)) + name[len(court.group(1)) :]
        bare = BARE_GOVERNMENT.match(name)
        if bare and name[0] in "省区县旗盟":
            place = self.only_place(name[0])
            return place + name[1:] if place else name
        if len(name) < 3 or name[0] not in "省市区县旗盟" or division_chain(name[:2]) or bare:
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
        return names_ending_with(
            names, {n for n in names if not QUOTED_CORE.search(n)}, strip_quotes
        )
    brands = {n for n in names if is_brand(n)} if label == ORG else set()
    short_forms = {n for n in names - brands if is_short_form(n) or zone_suffix(n) == n}
    found = names_ending_with(names, short_forms)
    for brand, fulls in names_containing(names, brands).items():
        found[brand] = [f for f in fulls if not org_suffix(brand) or f.endswith("公司")]
    # 秦硒集团 of 陕西秦硒食品集团有限公司: the group's brand without its trade words.
    groups = {f: group_brand_form(f) for f in names if f.endswith("公司") and "集团" in f}
    for brand in brands:
        if brand.endswith("集团") and not found.get(brand):
            found[brand] = [f for f, form in groups.items() if brand in form and brand != f]
    return found


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

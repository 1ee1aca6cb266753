"""Corpus-level resolution: one canonical name per entity across the articles.

Programs by their quoted core, short zones and branches by their one full name, bare
forms by the corpus's main city; the graph stage calls :func:`resolve_names`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass, field

from kg.io.records import Mention
from kg.pipeline.names import (
    is_brand,
    is_short_form,
    local_name,
    names_containing,
    names_ending_with,
    parse_name,
    places_in_name,
    programme_key,
)
from kg.schema import GPE, ORG, PROGRAMME


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


_LEVELS = tuple("省市县旗盟州")


def _longer_forms(group: set[str]) -> dict[str, str]:
    """Each name -> the one longer name in the corpus that it stands for, or itself.

    A branch or zone ends its full name (崇川分局); a brand stands inside exactly one
    company's full name (通海港口集团 in 江苏通海港口集团有限公司); a paper goes by its
    publisher (X日报 with X日报社).
    """
    # A bare body of a level (省政协, 县公安局) is its own article's place's, resolved there:
    # never another article's (区 may be a zone's: 区管委会).
    shorts = {n for n in group if is_short_form(n) and not n.startswith(_LEVELS)}
    ending = names_ending_with(group, shorts)
    companies = [g for g in group if g.endswith("公司")]
    inside = names_containing(companies, {n for n in group if is_brand(n)})
    forms = {}
    for name in group:
        if name.endswith("报") and name + "社" in group:
            forms[name] = name + "社"  # 人民日报 is the paper of 人民日报社: one node
            continue
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


def _merge_programmes(counts: NameCounts) -> dict[tuple[str, str], str]:
    """Programmes sharing a quoted core are one, and so are a core and the one longer core
    it starts in the same article; the most used full form names them."""
    forms: dict[str, Counter[str]] = defaultdict(Counter)
    articles: dict[str, set[str]] = defaultdict(set)
    for (etype, canonical, _), per_article in counts.items():
        if etype == PROGRAMME:
            key = programme_key(canonical)
            forms[key][canonical] += sum(per_article.values())
            articles[key].update(per_article)
    # “一件事”改革 and “一件事一次办” in one article: the shorter core abbreviates the longer.
    for short in sorted(forms, key=len):
        shared = articles[short]
        longer = [k for k in forms if k != short and k.startswith(short) and articles[k] & shared]
        if len(short) >= 3 and len(longer) == 1:
            forms[longer[0]].update(forms.pop(short))
            articles[longer[0]] |= articles[short]
    mapping = {}
    for found in forms.values():
        best = max(found.items(), key=lambda kv: (kv[1], len(kv[0]), kv[0]))[0]
        for form in found:
            mapping[(PROGRAMME, form)] = best
    return mapping

"""Relations a name states by itself: a branch part_of its parent, an organisation or a
division located_in the place its name gives.
"""

from __future__ import annotations

from collections.abc import Iterator

from kg.pipeline.lexicons import (
    division_chain,
    divisions,
    short_name,
)
from kg.pipeline.names import (
    branch_place,
    parse_name,
    pick_division,
    town_endings,
)
from kg.schema import GPE, ORG


def name_relations(
    name: str, etype: str, places: set[str], surface: str = "", text: str = ""
) -> Iterator[tuple[str, str, str, str, str, str]]:
    """(head, head_type, relation, tail, tail_type, rule) stated by a name itself.

    ``surface`` is the name as written when it says more than the canonical name
    (赣州市南康区龙回镇 for 龙回镇); ``text`` the article's text, where a division
    must be written after its parent (江西省上饶市, 嘉兴市秀洲区委) to be placed in it.
    """
    if etype == ORG:
        yield from _org_name_relations(name, places)
    elif etype == GPE:
        chain = division_chain(name)
        if chain:
            division = pick_division(name, places)
            parent = division.parent if division else None
            if parent and _written_with(surface or text, name, parent):
                yield (name, GPE, "located_in", parent, GPE, "division_located_in")
        else:
            place = _zone_place(surface or name, places)
            if place:
                yield (name, GPE, "located_in", place, GPE, "name_located_in")
            elif name.endswith(town_endings()) and (county := _only_county(places)):
                # A town of a county's news: inside the one county the article names.
                yield (name, GPE, "located_in", county, GPE, "town_located_in")


def _written_with(text: str, name: str, parent: str) -> bool:
    """Whether ``text`` writes the division right after its parent (江西省上饶市,
    嘉兴市秀洲区委): a division inside another by the division table alone is the
    reader's knowledge, not the text's."""
    forms = {name, short_name(name)}
    return any(p + n in text for p in {parent, short_name(parent)} for n in forms if len(n) >= 2)


def _org_name_relations(name: str, places: set[str], depth: int = 0) -> Iterator[tuple]:
    parts = parse_name(name)
    if parts.parent and parts.parent != name:
        yield (name, ORG, "part_of", parts.parent, ORG, "name_part_of")
        place = branch_place(name, parts.parent)
        if place and place in places:
            yield (name, ORG, "located_in", place, GPE, "name_located_in")
        if depth < 3:
            yield from _org_name_relations(parts.parent, places, depth + 1)
    elif (
        parts.place
        and parts.place != name
        and (parts.place in places or names_in_full(name, parts.place))
    ):
        yield (name, ORG, "located_in", parts.place, GPE, "name_located_in")


def names_in_full(name: str, place: str) -> bool:
    """晋江市公安局 names 晋江市 in full; 四川蜀芯 only hints at 四川省."""
    return name.startswith(place) or (name.startswith("中共") and name[2:].startswith(place))


def _only_county(places: set[str]) -> str | None:
    """The one county-level division (county, district, county-level city) of the places."""
    found = set()
    for place in places:
        division = pick_division(place, places)
        if division is not None and division.rank == 2 and division.name == place:
            found.add(place)
    return found.pop() if len(found) == 1 else None


def _zone_place(name: str, places: set[str]) -> str | None:
    """The most specific division of the article named inside a zone's name (X港Y港区 -> Y区)."""
    table = divisions()
    best = None
    for start in range(len(name)):
        for end in range(min(len(name), start + 8), start + 1, -1):
            piece = name[start:end]
            if piece in table and piece != name:
                division = pick_division(piece, places)
                if (
                    division
                    and division.name in places
                    and (best is None or division.rank >= best.rank)
                ):
                    best = division
                break
    return best.name if best else None

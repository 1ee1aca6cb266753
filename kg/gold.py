"""Gold graphs: the hand-made graphs ``kg eval`` scores against, read from their JSON
files and checked, and how names are compared (:func:`normalise`).

A gold file holds ``entities`` (each a ``name`` and a ``type``, and if need be
``aliases`` and ``optional``) and ``relations`` (each a ``head``, a ``relation`` and a
``tail``, and if need be ``optional``, ``alt_heads`` and ``alt_tails``); see the
gold-graph README (``shared/eval/README.md``). :mod:`kg.evaluate` scores a graph
against it.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kg.errors import InputError, read_text_file

QUOTE_MARKS = frozenset("“”‘’\"'「」『』《》〈〉")


def normalise(name: str) -> str:
    """A name as it is compared: NFKC, no whitespace, no quote marks, lower case.

    NFKC is applied once more at the end so that the result is stable (a quote mark
    between a letter and a combining accent keeps them apart until it is dropped).
    """
    text = unicodedata.normalize("NFKC", name or "")
    kept = "".join(ch for ch in text if not ch.isspace() and ch not in QUOTE_MARKS)
    return unicodedata.normalize("NFKC", kept.lower())


@dataclass(frozen=True)
class GoldEntity:
    name: str
    type: str
    aliases: tuple[str, ...] = ()
    optional: bool = False

    def match_keys(self) -> frozenset[str]:
        """Every normalised form this entity answers to."""
        return frozenset(k for k in map(normalise, (self.name, *self.aliases)) if k)


@dataclass(frozen=True)
class GoldRelation:
    head: str
    relation: str
    tail: str
    optional: bool = False
    alt_heads: tuple[str, ...] = ()
    alt_tails: tuple[str, ...] = ()

    def label(self) -> str:
        return f"{self.head} -[{self.relation}]-> {self.tail}"


@dataclass(frozen=True)
class Gold:
    entities: tuple[GoldEntity, ...]
    relations: tuple[GoldRelation, ...]
    document: str = ""
    entity_types: tuple[str, ...] = ()
    relation_types: tuple[str, ...] = ()


def _field(obj: dict, key: str, kind: type, where: str, default: Any = None) -> Any:
    if key not in obj:
        if default is None:
            raise ValueError(f"{where}: missing {key!r}")
        return default
    value = obj[key]
    if kind is bool:
        if not isinstance(value, bool):
            raise ValueError(f"{where}: {key!r} must be true or false")
    elif kind is str:
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"{where}: {key!r} must be a non-empty string")
    elif kind is list:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"{where}: {key!r} must be a list of strings")
        value = tuple(value)
    return value


def _names(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def _parse_gold(data: Any) -> Gold:
    if not isinstance(data, dict):
        raise ValueError("top level must be a JSON object")
    raw_entities = data.get("entities")
    raw_relations = data.get("relations", [])
    if not isinstance(raw_entities, list):
        raise ValueError("'entities' must be a list")
    if not isinstance(raw_relations, list):
        raise ValueError("'relations' must be a list")
    entities = []
    for i, obj in enumerate(raw_entities):
        where = f"entities[{i}]"
        if not isinstance(obj, dict):
            raise ValueError(f"{where}: must be an object")
        entities.append(
            GoldEntity(
                name=_field(obj, "name", str, where),
                type=_field(obj, "type", str, where),
                aliases=_field(obj, "aliases", list, where, ()),
                optional=_field(obj, "optional", bool, where, False),
            )
        )
    relations = []
    for i, obj in enumerate(raw_relations):
        where = f"relations[{i}]"
        if not isinstance(obj, dict):
            raise ValueError(f"{where}: must be an object")
        relations.append(
            GoldRelation(
                head=_field(obj, "head", str, where),
                relation=_field(obj, "relation", str, where),
                tail=_field(obj, "tail", str, where),
                optional=_field(obj, "optional", bool, where, False),
                alt_heads=_field(obj, "alt_heads", list, where, ()),
                alt_tails=_field(obj, "alt_tails", list, where, ()),
            )
        )
    document = data.get("document", "")
    return Gold(
        entities=tuple(entities),
        relations=tuple(relations),
        document=document if isinstance(document, str) else "",
        entity_types=_names(data.get("entity_types")),
        relation_types=_names(data.get("relation_types")),
    )


def load_gold(path: str | Path) -> Gold:
    """Read a gold graph (JSON); a missing or malformed file raises :class:`InputError`."""
    path = Path(path)
    text = read_text_file(path, "gold")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        msg = (
            f"gold file {path} is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        )
        raise InputError(msg) from None
    try:
        return _parse_gold(data)
    except ValueError as exc:
        raise InputError(f"gold file {path} is malformed: {exc}") from None

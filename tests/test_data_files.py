"""The lexicon files under kg/pipeline/data: each is read by the code, says what its
words are for, and lists every word once, as written."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.pipeline.lexicons import ordered_words, word_list, word_set
from kg.pipeline.names import company_suffixes, conjunctions, town_endings
from kg.pipeline.words import schools

PIPELINE = Path(__file__).resolve().parent.parent / "kg" / "pipeline"
DATA = PIPELINE / "data"
FILES = sorted(DATA.iterdir())
WORD_FILES = [p for p in FILES if p.suffix == ".txt"]
SOURCES = "\n".join(p.read_text("utf-8") for p in sorted(PIPELINE.glob("*.py")))


def entries(path: Path) -> list[str]:
    """The lines of a word file that are no comment (blank ones included)."""
    return [line for line in path.read_text("utf-8").splitlines() if not line.startswith("#")]


def test_there_are_word_files():
    assert len(WORD_FILES) > 40


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_data_file_is_used_by_the_code(path):
    assert path.name in SOURCES, f"{path.name} is named in no kg/pipeline/*.py"


@pytest.mark.parametrize("path", WORD_FILES, ids=lambda p: p.name)
def test_word_file_starts_with_a_comment_header(path):
    lines = path.read_text("utf-8").splitlines()
    assert lines and lines[0].startswith("# "), f"{path.name} has no comment header"


@pytest.mark.parametrize("path", WORD_FILES, ids=lambda p: p.name)
def test_word_file_has_no_blank_padded_or_duplicate_entries(path):
    words = entries(path)
    assert words, f"{path.name} lists no words"
    padded = [w for w in words if not w or w != w.strip()]
    assert not padded, f"{path.name}: blank or padded entries {padded}"
    duplicates = sorted({w for w in words if words.count(w) > 1})
    assert not duplicates, f"{path.name}: duplicate entries {duplicates}"


@pytest.mark.parametrize("path", WORD_FILES, ids=lambda p: p.name)
def test_readers_agree_on_the_words(path):
    assert ordered_words(path.name) == tuple(entries(path))
    assert word_set(path.name) == frozenset(word_list(path.name))


def test_ordered_words_keep_the_file_order():
    assert ordered_words("company_suffixes.txt") == company_suffixes()
    assert company_suffixes() == ("有限责任公司", "股份有限公司", "有限公司", "公司")
    assert town_endings() == ("镇", "乡", "街道")
    assert conjunctions() == ("和", "与", "及")
    assert schools()[0] == "学院"


@pytest.mark.parametrize(
    "name", ["company_suffixes.txt", "bare_bodies.txt", "joint_action_markers.txt"]
)
def test_first_match_lists_put_longer_forms_first(name):
    # Read in order, the first entry that matches wins: no entry may end with (or start
    # with) one listed before it, or that earlier one would hide it.
    words = ordered_words(name)
    for i, later in enumerate(words):
        for earlier in words[:i]:
            assert not later.endswith(earlier), f"{name}: {later} after {earlier}"
            assert not later.startswith(earlier), f"{name}: {later} after {earlier}"

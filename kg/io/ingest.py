"""Read corpora into Article records.

Files (.txt, .md), folders of them (recursively), JSONL and CSV corpora. Text files are
decoded whatever their encoding (UTF-8, UTF-8/16 with BOM, GB18030/GBK), cleaned of
control characters, and a newspaper page is split into its articles.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import io
import itertools
import json
import math
import os
import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Collection, Iterable, Iterator
from pathlib import Path
from typing import TypeGuard, cast

from kg.errors import InputError
from kg.io.records import Article

TEXT_SUFFIXES = frozenset({".txt", ".md"})
TABLE_SUFFIXES = frozenset({".jsonl", ".csv"})
SUFFIXES = TEXT_SUFFIXES | TABLE_SUFFIXES

_CJK = re.compile(r"[\u3400-\u9fff]")
# Control and zero-width characters, and lone surrogates (from "\ud800" escapes or raw str).
_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2060\ufeff\ud800-\udfff]"
)
_TITLE_MAX = 48
_SENTENCE_END = "。！？!?；;…：:，,、"
# Bylines and datelines: 本报记者 X, 本报特约记者 X, 记者 X 报道, 本报讯, 新华社 X 电.
_BYLINE = re.compile(
    r"^(?:本报(?:特约|见习)?记者|特约记者|记者|通讯员|本报通讯员|文/|图/|文\s|作者)[\s:：]*"
    r"[\u3400-\u9fff·]{2,4}(?:[\s、,，]+[\u3400-\u9fff·]{2,4})*(?:\s*报道)?$"
)
_DATELINE = re.compile(
    r"^(?:本报讯|新华社|中新社|人民网|本报[\u3400-\u9fff]{0,4}\d{0,2}月\d{1,2}日电)"
)
_CREDIT = re.compile(r"^[\u3400-\u9fff·]{2,4}(?:\s+[\u3400-\u9fff·]{2,4})*\s*摄$")
_FURNITURE = re.compile(r"^[■□◆◇●○▲△★☆▶►]")
_DUPLICATE_MIN = 20
# Dates: 2024-05-12, 2024/5/12, 2024.5.12 (a time may follow), 2024年5月12日, 20240512.
_DATE = re.compile(
    r"(\d{4})(?:([-/.])(\d{1,2})\2(\d{1,2})(?=$|[\sT])|年(\d{1,2})月(\d{1,2})[日号]|(\d{2})(\d{2})$)"
)
_TEXT_DATE = re.compile(r"(?<!\d)(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]")
_PATH_DATE = re.compile(r"(?<!\d)(\d{4})(?:([-_/.])(\d{1,2})\2(\d{1,2})|(\d{2})(\d{2}))(?!\d)")
_DATE_LINES = 4  # a dateline or byline stands in an article's first lines


def read_inputs(
    inputs: Iterable[str | Path | Article],
    *,
    text_field: str = "text",
    id_field: str = "id",
    date_field: str | None = None,
) -> Iterator[Article]:
    """Yield the articles of every input: a path, a folder, an Article or raw text.

    The articles of raw texts are numbered in order across all of them: ``text#1``,
    ``text#2``, ... (a single text too, so that ids never depend on what follows; a
    text that is a newspaper page takes one number per article). An Article keeps its
    own id. A file's articles are named after the file: its name when it is given by itself,
    its path relative to the folder given otherwise. Two different files that would get
    the same name (``a/x.txt`` and ``b/x.txt``, both ``x.txt``) are named by as much of
    their path as tells them apart (``a/x.txt``, ``b/x.txt``); see :func:`plan_files`.
    The names depend on the set of files, not on their order, so every path is listed
    before the first file is read. A list (or other collection) of inputs is read in its
    order; from a one-shot iterable (a generator), Articles and texts pass through as
    they come and the files are read after them.

    Dates: a JSONL/CSV record's ``date_field``, else a date in the file's path, else a
    full date in the article's first lines, else in its page's (see :func:`path_date`,
    :func:`text_date`); an Article keeps its own. Nothing else (no file time) dates it.
    """
    numbers = itertools.count(1)
    if isinstance(inputs, Collection):
        items = list(inputs)
    else:
        items = []
        for item in inputs:
            if is_path(item):
                items.append(item)
            else:
                yield from read_item(cast("str | Article", item), numbers)  # not a path
    paths = [Path(item) for item in items if is_path(item)]
    planned = iter(plan_files(paths))
    for item in items:
        if not is_path(item):
            yield from read_item(item, numbers)
            continue
        in_folder = Path(item).is_dir()
        for file, root in next(planned):
            try:
                yield from read_file(
                    file, root=root, text_field=text_field, id_field=id_field, date_field=date_field
                )
            except InputError as error:
                # In a folder, an empty or binary file is skipped; named, it is an error.
                if not (in_folder and error.args[0].endswith(SKIPPABLE)):
                    raise
                print(f"kg: skipped {error}", file=sys.stderr)


def is_path(item: object) -> TypeGuard[str | Path]:
    """Whether an input names a file or folder (not raw text, not an Article)."""
    if isinstance(item, Article):
        return False
    return isinstance(item, Path) or (isinstance(item, str) and _looks_like_path(item))


def read_item(item: str | Article, numbers: Iterator[int]) -> Iterator[Article]:
    """The articles of an input that is not a path: an Article, or raw text.

    A raw text's articles are ``text#N``, N taken from ``numbers`` (shared by the texts
    of one corpus).
    """
    if isinstance(item, Article):
        yield item
        return
    text = clean_text(item)
    page = text_date(text)
    for article in split_page(text, source="text"):
        yield _dated(dataclasses.replace(article, id=f"text#{next(numbers)}"), None, page)


def plan_files(paths: Iterable[Path]) -> list[list[tuple[Path, Path]]]:
    """The files of each path (see :func:`list_files`), each with the folder its name
    is taken relative to.

    A file given by itself is named by its name (its folder is the root), a file found
    in a folder by its path relative to that folder. When different files would get the
    same name, the root of each of them moves up one folder at a time until the names
    differ: ``a/x.txt`` and ``b/x.txt`` are named ``a/x.txt`` and ``b/x.txt``, and a
    name nobody else has stays as it is. One file reached twice (the same real path) is
    not a clash. The names depend on the set of files only, not on their order.
    """
    listed = []
    for path in paths:
        files = list_files(path)
        root = path if path.is_dir() else path.parent
        listed.append([(file, root) for file in files])
    roots = _unique_roots({entry for group in listed for entry in group})
    return [[(file, roots[(file, root)]) for file, root in group] for group in listed]


def _unique_roots(entries: set[tuple[Path, Path]]) -> dict[tuple[Path, Path], Path]:
    """(file, root) -> the root that gives the file a name no other file has."""
    ancestors: dict[tuple[Path, Path], list[Path]] = {}
    absolute: dict[tuple[Path, Path], Path] = {}
    identity: dict[tuple[Path, Path], str] = {}
    for file, root in entries:
        top = Path(os.path.abspath(root))
        ancestors[(file, root)] = [top, *top.parents]
        absolute[(file, root)] = Path(os.path.abspath(file))
        identity[(file, root)] = os.path.realpath(file)
    level = dict.fromkeys(entries, 0)

    def name(entry: tuple[Path, Path]) -> str:
        return absolute[entry].relative_to(ancestors[entry][level[entry]]).as_posix()

    while True:
        names = {entry: name(entry) for entry in entries}
        owners: dict[str, set[str]] = {}
        for entry, text in names.items():
            owners.setdefault(text, set()).add(identity[entry])
        clashes = {text for text, files in owners.items() if len(files) > 1}
        moved = False
        for entry, text in names.items():
            if text in clashes and level[entry] + 1 < len(ancestors[entry]):
                level[entry] += 1
                moved = True
        if not moved:  # no clash left (distinct files differ in their full paths)
            break
    return {
        entry: entry[1] if level[entry] == 0 else ancestors[entry][level[entry]]
        for entry in entries
    }


def _looks_like_path(item: str) -> bool:
    if "\n" in item or len(item.encode("utf-8", "surrogatepass")) > 1024:
        return False
    try:
        exists = Path(item).exists()
    except (OSError, ValueError):
        exists = False
    return exists or not _CJK.search(item)


def list_files(path: Path) -> list[Path]:
    """The corpus files of a folder, recursively and sorted; a file stands for itself."""
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    if not path.is_dir():
        return [path]
    files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
    if not files:
        raise InputError(f"{path}: no .txt, .md, .jsonl or .csv files in this folder")
    return files


def read_path(
    path: Path, *, text_field: str = "text", id_field: str = "id", date_field: str | None = None
) -> Iterator[Article]:
    """Yield the articles of a file or, recursively and in sorted order, of a folder."""
    yield from read_inputs(
        [Path(path)], text_field=text_field, id_field=id_field, date_field=date_field
    )


#: Reasons a file inside a folder is skipped with a warning instead of failing the build.
SKIPPABLE = ("empty file", "binary file, not text")


def read_file(
    path: Path,
    *,
    root: Path | None = None,
    text_field: str = "text",
    id_field: str = "id",
    date_field: str | None = None,
) -> Iterator[Article]:
    """Yield the articles of one file, by its suffix, dated (see :func:`read_inputs`)."""
    name = source_name(path, root)
    suffix = path.suffix.lower()
    text = read_text(path)
    articles: Iterable[Article]
    if suffix == ".jsonl":
        articles = _read_jsonl(text, path, name, text_field, id_field, date_field)
    elif suffix == ".csv":
        articles = _read_csv(text, path, name, text_field, id_field, date_field)
    else:
        articles = split_page(text, source=name)
    page = text_date(text) if suffix not in TABLE_SUFFIXES else ""
    for article in articles:
        yield _dated(article, path, page)


def source_name(path: Path, root: Path | None = None) -> str:
    """The name a file's articles are named after (their ``source``): its path relative
    to ``root``, else its name."""
    name = _relative_name(path, root) if root else path.name
    return os.fsencode(name).decode("utf-8", errors="replace")  # a non-UTF-8 file name


def _relative_name(path: Path, root: Path) -> str:
    """``path`` relative to ``root``, both made absolute (``..`` resolved, links not)."""
    return Path(os.path.abspath(path)).relative_to(os.path.abspath(root)).as_posix()


def read_text(path: Path) -> str:
    """Decode a file's bytes to clean text; raise InputError if it is not text."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(f"{path}: cannot read ({error.strerror})") from None
    text = decode(data, path)
    if not text.strip():
        raise InputError(f"{path}: empty file")
    return clean_text(text)


def decode(data: bytes, path: Path | str = "<bytes>") -> str:
    """Decode bytes by BOM, then UTF-8, then GB18030 (or Big5), then charset detection."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    if _is_binary(data):
        raise InputError(f"{path}: binary file, not text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # UTF-8 with a few broken bytes (a file cut mid-character, a corrupt byte) stays
    # UTF-8 when the rest is clearly multi-byte UTF-8; read as GB18030 it would be garbage.
    text = data.decode("utf-8", errors="replace")
    broken = text.count("\ufffd")
    if broken * 20 <= sum(1 for ch in text if ch > "\x7f") - broken:
        return text
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as error:
        if error.start >= len(data) - 3:  # cut mid-character at the end
            return data[: error.start].decode("gb18030") + "\ufffd"
    else:
        return text if _rare_share(text) < 0.3 else _decode_or(data, "big5hkscs", text)
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise InputError(f"{path}: unknown text encoding")
    return str(best)


def _rare_share(text: str) -> float:
    """The share of non-ASCII characters outside GB2312: high when Big5 was read as GBK."""
    sample = [ch for ch in text[:20000] if ch > "\x7f"][:5000]
    rare = 0
    for ch in sample:
        try:
            ch.encode("gb2312")
        except UnicodeEncodeError:
            rare += 1
    return rare / len(sample) if sample else 0.0


def _decode_or(data: bytes, encoding: str, fallback: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return fallback


def _is_binary(data: bytes) -> bool:
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return bool(sample) and controls / len(sample) > 0.1


def clean_text(text: str) -> str:
    """Unify line endings, drop control and zero-width characters, fold full-width ASCII."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u3000", " ")
    text = _CONTROL.sub("", text)
    # Full-width letters and digits to half-width; punctuation keeps its width.
    return "".join(
        unicodedata.normalize("NFKC", ch) if ch.isalnum() and "\uff01" <= ch <= "\uff5e" else ch
        for ch in text
    )


def _read_jsonl(
    text: str, path: Path, name: str, text_field: str, id_field: str, date_field: str | None
) -> Iterator[Article]:
    for lineno, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise InputError(f"{path}:{lineno}: malformed JSON ({error.msg})") from None
        if not isinstance(record, dict):
            raise InputError(f"{path}:{lineno}: expected a JSON object")
        yield _record_article(record, path, lineno, name, text_field, id_field, date_field)


def _read_csv(
    text: str, path: Path, name: str, text_field: str, id_field: str, date_field: str | None
) -> Iterator[Article]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if not reader.fieldnames or text_field not in reader.fieldnames:
        raise InputError(f"{path}: no column named {text_field!r} (use --text-field)")
    try:
        for record in reader:
            yield _record_article(
                record, path, reader.line_num, name, text_field, id_field, date_field
            )
    except csv.Error as error:
        raise InputError(f"{path}:{reader.line_num}: malformed CSV ({error})") from None


def _record_article(
    record: dict,
    path: Path,
    lineno: int,
    name: str,
    text_field: str,
    id_field: str,
    date_field: str | None = None,
) -> Article:
    body = record.get(text_field)
    if not isinstance(body, str):
        raise InputError(f"{path}:{lineno}: no text in field {text_field!r}")
    ident = record.get(id_field)
    ident = f"{name}:{lineno}" if ident in (None, "") else _drop_surrogates(str(ident))
    title = record.get("title")
    body = clean_text(_drop_surrogates(body))
    title = clean_text(_drop_surrogates(title)) if isinstance(title, str) else _first_line(body)
    date = parse_date(record.get(date_field)) if date_field else ""
    return Article(id=ident, text=body, title=title, source=name, date=date)


def parse_date(value: object) -> str:
    """A field's date as ISO ``YYYY-MM-DD`` (2024-05-12, 2024/5/12, 2024年5月12日, a
    datetime string); ``""`` for anything else."""
    if not isinstance(value, str):
        return ""
    match = _DATE.match(value.strip())
    return _iso(*(g for g in match.groups() if g and g not in "-/.")) if match else ""


def path_date(path: str | Path) -> str:
    """The date a file's path gives (…/2024/05/12/…, 2024-05-12, 20240512), the one
    nearest the file when several do; else ``""``."""
    found = ""
    for match in _PATH_DATE.finditer(Path(path).as_posix()):
        year, _, *rest = match.groups()
        found = _iso(year, *(g for g in rest if g)) or found
    return found


def text_date(text: str) -> str:
    """The first full date (2024年5月12日) in an article's first lines (a dateline, a
    byline); never a bare 5月12日. ``""`` when there is none."""
    lines = [line for line in text.split("\n", 2 * _DATE_LINES) if line.strip()]
    for line in lines[:_DATE_LINES]:
        for match in _TEXT_DATE.finditer(line):
            date = _iso(*match.groups())
            if date:
                return date
    return ""


def _iso(year: str, month: str, day: str) -> str:
    try:
        date = datetime.date(int(year), int(month), int(day))
    except ValueError:
        return ""
    return date.isoformat() if 1900 <= date.year <= 2100 else ""


def _dated(article: Article, path: str | Path | None, page: str = "") -> Article:
    """The article with its date: its own (a field's), else its path's, else its text's,
    else its page's (the date in a newspaper page's header)."""
    if article.date:
        return article
    date = (path_date(path) if path is not None else "") or text_date(article.text) or page
    return dataclasses.replace(article, date=date) if date else article


def _drop_surrogates(text: str) -> str:
    return text.encode("utf-8", errors="replace").decode("utf-8")


def _first_line(text: str) -> str:
    line = next((ln.strip() for ln in text.split("\n") if ln.strip()), "")
    return line if len(line) <= _TITLE_MAX else line[:_TITLE_MAX] + "…"


# --- newspaper pages -------------------------------------------------------------------


def split_page(text: str, source: str = "text") -> list[Article]:
    """Split a newspaper page into its articles and drop paragraphs printed twice.

    An article starts at a short headline line followed by a byline (本报记者 X) or a
    dateline paragraph (本报讯 ...). Page furniture (■ column labels) is dropped.
    """
    paragraphs = [p.strip() for p in text.split("\n")]
    paragraphs = [p for p in paragraphs if p and not _is_furniture(p)]
    if not paragraphs:
        return []
    starts = _article_starts(paragraphs)
    groups = [paragraphs[a:b] for a, b in zip(starts, [*starts[1:], len(paragraphs)], strict=True)]
    groups = _reassign_strays(_drop_duplicate_paragraphs(groups))
    articles = []
    for index, group in enumerate(groups, 1):
        if not group:
            continue
        ident = source if len(groups) == 1 else f"{source}#{index}"
        title = group[0] if _is_title(group[0]) else _first_line(group[0])
        articles.append(Article(id=ident, text="\n".join(group), title=title, source=source))
    return articles


def _is_furniture(paragraph: str) -> bool:
    return bool(_FURNITURE.match(paragraph)) and len(paragraph) <= _TITLE_MAX


def is_byline(paragraph: str) -> bool:
    """A byline line: 本报记者 X, 记者 X 报道, 通讯员 X Y."""
    return bool(_BYLINE.match(paragraph))


def is_credit(paragraph: str) -> bool:
    """A photo credit line: X 摄."""
    return bool(_CREDIT.match(paragraph))


def _is_title(paragraph: str) -> bool:
    return (
        len(paragraph) <= _TITLE_MAX
        and paragraph[-1] not in _SENTENCE_END
        and not is_byline(paragraph)
        and not is_credit(paragraph)
    )


def _article_starts(paragraphs: list[str]) -> list[int]:
    starts = [0]
    for i in range(1, len(paragraphs) - 1):
        following = paragraphs[i + 1]
        if not _is_title(paragraphs[i]):
            continue
        if not (is_byline(following) or _DATELINE.match(following)):
            continue
        start = i
        # A kicker or a second headline line may stand above the headline.
        if start - 1 > starts[-1] and _is_title(paragraphs[start - 1]):
            start -= 1
        if start > starts[-1]:
            starts.append(start)
    return starts


def _bigrams(text: str) -> Counter[str]:
    return Counter(text[i : i + 2] for i in range(len(text) - 1) if _CJK.match(text[i : i + 2]))


def _cosine(a: Counter[str], b: Counter[str]) -> float:
    dot = sum(count * b[gram] for gram, count in a.items())
    norm = math.sqrt(sum(v * v for v in a.values()) * sum(v * v for v in b.values()))
    return dot / norm if norm else 0.0


_LEAD = 3  # headline, byline and lead paragraph stay where they are
_STRAY_RATIO = 1.5
_STRAY_MARGIN = 0.06


def _reassign_strays(groups: list[list[str]]) -> list[list[str]]:
    """Move paragraphs that page layout dropped into the wrong article to the right one.

    A paragraph past an article's lead moves when another article of the page resembles
    it clearly more (character-bigram cosine, by ratio and by margin) than its own does.
    """
    if len(groups) < 2:
        return groups
    moves: list[tuple[int, int, int]] = []
    for g, group in enumerate(groups):
        for p in range(_LEAD, len(group)):
            paragraph = group[p]
            if len(paragraph) < _DUPLICATE_MIN:
                continue
            grams = _bigrams(paragraph)
            sims = [
                _cosine(grams, _bigrams("".join(q for q in other if q != paragraph)))
                for other in groups
            ]
            best = max(range(len(groups)), key=lambda k: (sims[k], -k))
            if (
                best != g
                and sims[best] >= _STRAY_RATIO * sims[g]
                and sims[best] - sims[g] >= _STRAY_MARGIN
            ):
                moves.append((g, p, best))
    if not moves:
        return groups
    moved = {(g, p) for g, p, _ in moves}
    result = [
        [q for p, q in enumerate(group) if (g, p) not in moved] for g, group in enumerate(groups)
    ]
    for g, p, target in moves:
        result[target].append(groups[g][p])
    return result


def _drop_duplicate_paragraphs(groups: list[list[str]]) -> list[list[str]]:
    """Keep one copy of a paragraph printed twice: in the article it resembles most."""
    places: dict[str, list[tuple[int, int]]] = {}
    for g, group in enumerate(groups):
        for p, paragraph in enumerate(group):
            if len(paragraph) >= _DUPLICATE_MIN:
                places.setdefault(paragraph, []).append((g, p))
    drop: set[tuple[int, int]] = set()
    for paragraph, where in places.items():
        if len(where) < 2:
            continue
        grams = _bigrams(paragraph)

        def affinity(place: tuple[int, int], grams=grams, text: str = paragraph) -> float:
            return _cosine(grams, _bigrams("".join(q for q in groups[place[0]] if q != text)))

        keep = max(where, key=lambda place: (affinity(place), -place[0], -place[1]))
        drop.update(place for place in where if place != keep)
    return [
        [paragraph for p, paragraph in enumerate(group) if (g, p) not in drop]
        for g, group in enumerate(groups)
    ]

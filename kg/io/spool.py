"""The mentions of a build, spooled to a temporary file instead of held in memory.

``kg build`` keeps every mention out of memory: :func:`kg.graph.assemble.assemble` appends each
article's mentions to a :class:`MentionLog` as the article's results arrive, and
:func:`kg.outputs.export.write` streams them into ``mentions.csv`` one article at a time. In
memory stay only the file offsets of each article's block, so peak memory follows the
graph (and the number of articles), not the number of mentions.

The file is unnamed (created with :func:`tempfile.TemporaryFile`): it has no name in
any folder and disappears when the log is closed or the process ends, interrupted or
not.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from kg.io.records import Mention, PackedMentions

#: The fields of a spooled mention, in the order of :class:`kg.io.records.Mention`.
FIELDS = ("article", "start", "end", "text", "type", "canonical", "sentence", "rule")


def mention_rows(mentions: Iterable[Mention]) -> dict[str, list[tuple]]:
    """Each article's mentions as spool rows: (start, end, text, type, canonical,
    sentence, rule), one object per distinct string (pickled once)."""
    by_article: dict[str, list[tuple]] = {}
    strings: dict[str, str] = {}
    shared = strings.setdefault
    for m in mentions:
        # Sentences come shared from results_from_docs; names and rules repeat.
        row = (
            m.start,
            m.end,
            shared(m.text, m.text),
            shared(m.type, m.type),
            shared(m.canonical, m.canonical),
            shared(m.sentence, m.sentence),
            shared(m.rule, m.rule),
        )
        by_article.setdefault(m.article, []).append(row)
    return by_article


def pack_mentions(mentions: Iterable[Mention]) -> list[PackedMentions]:
    """Mentions packed per article, as worker processes send them to the parent."""
    packed = []
    for article, rows in mention_rows(mentions).items():
        counts: dict[tuple[str, str, str], int] = {}
        for _, _, text, type_, canonical, *_ in rows:
            key = (type_, canonical, text)
            counts[key] = counts.get(key, 0) + 1
        block = pickle.dumps(rows, protocol=pickle.HIGHEST_PROTOCOL)
        packed.append(PackedMentions(article, counts, block, len(rows)))
    return packed


class MentionLog:
    """Every mention of a corpus, on disk, read back in ``mentions.csv`` order.

    ``add`` appends mentions (one article's at a time, as they come); ``resolve`` gives
    the corpus-level map from (type, article-level canonical name) to the entity's final
    name. Iterating yields one dict per mention (the fields of
    :class:`~kg.io.records.Mention`, ``canonical`` being the final name) sorted by article,
    start, end, text, canonical and type, then in the order they were added: the order
    of the rows of ``mentions.csv``. ``len()`` is the number of mentions.

    A pickled or deep-copied log becomes a plain list of those dicts.
    """

    def __init__(self, dir: str | Path | None = None) -> None:
        self._file = tempfile.TemporaryFile(prefix=".kg-mentions-", dir=dir)  # noqa: SIM115
        self._blocks: dict[str, list[int]] = {}
        self._count = 0
        self._mapping: dict[tuple[str, str], str] = {}

    # -- writing

    def add(self, mentions: Iterable[Mention]) -> None:
        """Append mentions; each article's go to the file as one block."""
        for article, rows in mention_rows(mentions).items():
            self._append(article, pickle.dumps(rows, protocol=pickle.HIGHEST_PROTOCOL), len(rows))

    def add_packed(self, packed: PackedMentions) -> None:
        """Append an article's mentions packed by a worker: their block as it is."""
        self._append(packed.article, packed.rows, packed.size)

    def _append(self, article: str, block: bytes, size: int) -> None:
        self._file.seek(0, 2)
        self._blocks.setdefault(article, []).append(self._file.tell())
        self._file.write(block)
        self._count += size

    def resolve(self, mapping: dict[tuple[str, str], str]) -> None:
        """Set the map from (type, article-level canonical) to the final name."""
        self._mapping = dict(mapping)

    # -- reading

    def articles(self) -> Iterator[tuple[str, list[tuple]]]:
        """(article, rows) in article order; a row is (start, end, text, type, canonical,
        sentence, rule), canonical resolved, rows sorted as in ``mentions.csv``."""
        mapping = self._mapping
        for article in sorted(self._blocks):
            rows: list[tuple] = []
            for offset in self._blocks[article]:
                self._file.seek(offset)
                rows.extend(pickle.load(self._file))
            rows = [
                (start, end, text, type_, mapping.get((type_, canonical), canonical), *rest)
                for start, end, text, type_, canonical, *rest in rows
            ]
            rows.sort(key=lambda r: (r[0], r[1], r[2], r[4], r[3]))  # stable: added order
            yield article, rows

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for article, rows in self.articles():
            for row in rows:
                yield dict(zip(FIELDS, (article, *row), strict=True))

    def __len__(self) -> int:
        return self._count

    def __repr__(self) -> str:
        return f"<MentionLog of {self._count} mentions in {len(self._blocks)} articles>"

    def __reduce__(self) -> tuple:
        return (list, (list(self),))

    # -- closing

    def close(self) -> None:
        """Delete the file (it has no name: closing it is enough)."""
        self._file.close()

    @property
    def closed(self) -> bool:
        return self._file.closed

    def __enter__(self) -> MentionLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

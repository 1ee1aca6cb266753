"""Typed records that flow from one stage to the next.

ingest -> Article; nlp + entities + relations -> Mention, Relation (per article);
resolve -> Entity (per corpus); graph -> networkx.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Article:
    """One article: an id that is stable across runs, its headline and its text.

    ``date``: the day it appeared, ISO ``YYYY-MM-DD``, or ``""`` when not known.
    """

    id: str
    text: str
    title: str = ""
    source: str = ""
    date: str = ""


@dataclass(frozen=True)
class Mention:
    """A typed span of an article, with the name it resolves to inside that article."""

    article: str
    start: int
    end: int
    text: str
    type: str
    canonical: str
    sentence: str
    rule: str = ""


@dataclass(frozen=True)
class Relation:
    """A typed, directed relation between two canonical names, with its evidence."""

    head: str
    head_type: str
    relation: str
    tail: str
    tail_type: str
    article: str
    evidence: str
    confidence: float
    rule: str = ""


@dataclass(frozen=True)
class PackedMentions:
    """One article's mentions as a worker process sends them: what corpus resolution
    counts, and the rows for ``mentions.csv`` already pickled (see :mod:`kg.io.spool`).

    ``counts`` maps (type, canonical, text) to how many mentions have them; ``rows`` is
    the pickled list of (start, end, text, type, canonical, sentence, rule) tuples.
    """

    article: str
    counts: dict[tuple[str, str, str], int]
    rows: bytes
    size: int

    def unpack(self) -> list[Mention]:
        """The mentions as records again."""
        return [Mention(self.article, *row) for row in pickle.loads(self.rows)]


@dataclass
class ArticleResult:
    """Everything one article contributes to the graph.

    Results from worker processes carry their mentions in ``packed`` instead of
    ``mentions``: the parent then need not rebuild one record per mention.
    ``content_hash``: the article's (:func:`kg.io.store.article_hash`), made while its
    text is at hand.
    """

    article: Article
    mentions: list[Mention] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    packed: list[PackedMentions] = field(default_factory=list)
    content_hash: str = ""

    def all_mentions(self) -> list[Mention]:
        """``mentions`` and the packed ones, as records."""
        return [*self.mentions, *(m for p in self.packed for m in p.unpack())]

"""Typed records that flow from one stage to the next.

ingest -> Article; nlp + entities + relations -> Mention, Relation (per article);
resolve -> Entity (per corpus); graph -> networkx.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Article:
    """One article: an id that is stable across runs, its headline and its text."""

    id: str
    text: str
    title: str = ""
    source: str = ""


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


@dataclass
class ArticleResult:
    """Everything one article contributes to the graph."""

    article: Article
    mentions: list[Mention] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)

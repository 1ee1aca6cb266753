"""Throughput of the dask engine with 1 and with 2 workers.

Writes a synthetic corpus of ``--size`` MB (16 by default) of Chinese news pages into a
temporary folder: each page a few articles (headline, byline, paragraphs) made from
fixed templates and invented names, so it is the same on every run. Then, for each
worker count, starts a LocalCluster (127.0.0.1, no dashboard, one thread per worker),
loads the pipeline on every worker (timed apart: it is paid once per worker), and times
``kg.engines.cluster.extract_with_dask`` over the corpus.

Prints, per run: characters per second (wall clock), the CPU seconds the workers spent
and characters per worker CPU second, the CPU seconds that *other* processes of the
machine used meanwhile (a shared machine makes wall-clock figures noisy: read the ratio
with that column), and the resident memory of each worker process (RSS once the pipeline
is loaded, and RSS and peak RSS after the run). Then the ratio of the throughputs.
``--repeat`` alternates the worker counts (1, 2, 1, 2, ...) and keeps the best run of each.

    /work/venv/bin/python bench/dask_scaling.py [--size 16] [--workers 1 2] [--repeat 1]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import kg.engines.cluster  # noqa: E402
from kg.engines.cluster import ArticlesTask, PartitionJob, extract_with_dask  # noqa: E402
from kg.io.records import Article  # noqa: E402

_CITIES = ("江川", "澄州", "岚海", "桐溪", "柏源", "霁阳", "棠浦", "榆林湾")
_DISTRICTS = ("东港区", "西湖区", "临江区", "新城区", "北岸县", "南屿镇")
_HEADS = ("青岚", "翠屿", "蓝湾", "澄川", "泓远", "枫岑", "沅芷", "韶岫", "砚墨", "琮瑄")
_ORG_SUFFIXES = ("航运集团有限公司", "环保科技有限公司", "新材料有限公司", "物流有限公司",
                 "发展集团", "研究院", "热电厂")  # fmt: skip
_BUREAUS = ("水务局", "生态环境局", "交通运输局", "市场监督管理局", "农业农村局")
_SURNAMES = "林周苏韩岑卓乔闻柏蓝"
_GIVEN = ("晓舟", "明远", "青", "柏然", "一帆", "海燕", "春来", "思源", "若溪", "子衡")
_POSTS = ("党委书记", "总经理", "董事长", "局长", "副局长", "主任")
_PROGRAMMES = ("“一河一策”", "“一窗通办”", "“绿色港口”行动", "“清水护源”工程", "“百企帮村”计划")
_HEADLINES = (
    "{org}与{bureau}签订合作协议",
    "{city}推行{programme}",
    "{district}召开生态环境保护推进会",
    "{org2}落户{city}经济开发区",
)
_SENTENCES = (
    "{bureau}与{org}签订合作协议，双方将在{field}领域开展合作。",
    "{org}{post}{person}介绍，企业将配合做好{field}工作。",
    "{city}{district}创新服务方式，推行{programme}。",
    "{bureau}{district}分局现场指导{org2}完成在线监控设备改造。",
    "{org2}与{org}就{field}签订承诺书。",
    "{person}表示，{programme}让企业少跑腿、群众得实惠。",
    "据了解，{city}经济开发区管委会发布十条措施，支持企业扩大投资。",
    "{district}行政审批局率先推出“秒批秒办”服务，{org}成为首批受益企业。",
    "近年来，{city}累计投入资金{money}亿元，完成河道整治{km}公里。",
    "{org}党委与{bureau}党组开展党建共建，推动{field}水平不断提升。",
)
_FIELDS = ("水质监测", "污染防治", "港口物流", "河道治理", "节能减排", "安全生产")


def _article(rng: random.Random) -> str:
    city = rng.choice(_CITIES) + "市"
    names = {
        "city": city,
        "district": rng.choice(_DISTRICTS),
        "bureau": city + rng.choice(_BUREAUS),
        "org": rng.choice(_HEADS) + rng.choice(_ORG_SUFFIXES),
        "org2": rng.choice(_HEADS) + rng.choice(_ORG_SUFFIXES),
        "person": rng.choice(_SURNAMES) + rng.choice(_GIVEN),
        "post": rng.choice(_POSTS),
        "programme": rng.choice(_PROGRAMMES),
        "field": rng.choice(_FIELDS),
        "money": rng.randint(2, 90),
        "km": rng.randint(10, 400),
    }
    lines = [rng.choice(_HEADLINES).format(**names)]
    lines.append(f"本报记者 {rng.choice(_SURNAMES)}{rng.choice(_GIVEN)}")
    for _ in range(rng.randint(3, 6)):
        count = rng.randint(2, 4)
        lines.append("".join(rng.choice(_SENTENCES).format(**names) for _ in range(count)))
    return "\n".join(lines) + "\n"


def write_corpus(folder: Path, size_mb: float, seed: int = 9, per_page: int = 6) -> tuple[int, int]:
    """Pages of ``per_page`` articles until ``size_mb`` MB; returns (files, characters)."""
    rng = random.Random(seed)
    target = int(size_mb * 1024 * 1024)
    written = chars = files = 0
    while written < target:
        page = "\n".join(_article(rng) for _ in range(per_page))
        data = page.encode("utf-8")
        sub = folder / f"{files // 100:03d}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"page-{files:05d}.txt").write_bytes(data)
        written += len(data)
        chars += len(page)
        files += 1
    return files, chars


def _worker_state() -> dict:
    import psutil

    process = psutil.Process()
    cpu = process.cpu_times()
    return {
        "rss": process.memory_info().rss,
        "peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,  # Linux: KiB
        "cpu": cpu.user + cpu.system,
        "pipelines": kg.engines.cluster.pipelines_built,
    }


def _busy() -> float:
    """CPU seconds the whole machine has been busy."""
    import psutil

    t = psutil.cpu_times()
    return t.user + t.nice + t.system + t.irq + t.softirq + getattr(t, "steal", 0.0)


def _own_cpu() -> float:
    t = os.times()
    return t.user + t.system


def run(corpus: Path, chars: int, workers: int) -> dict:
    from distributed import Client, LocalCluster

    start = time.perf_counter()
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            # no dashboard; the scheduler's HTTP routes on a free local port, not 8787
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster, set_as_default=False) as client,
    ):
        started = time.perf_counter()
        warm = PartitionJob(json.dumps({}), "text", "id")
        warmup = [ArticlesTask((Article("warm", "江川市水务局与蓝湾航运集团有限公司签订协议。"),))]
        client.run(warm, warmup)  # every worker: build the pipeline, load LAC
        warmed = time.perf_counter()
        before = client.run(_worker_state)
        busy, own = _busy(), _own_cpu()
        t = time.perf_counter()
        n = sum(1 for _ in extract_with_dask([corpus], scheduler=cluster.scheduler_address))
        seconds = time.perf_counter() - t
        busy, own = _busy() - busy, _own_cpu() - own
        after = client.run(_worker_state)
    worker_cpu = sum(after[w]["cpu"] - before[w]["cpu"] for w in after)
    return {
        "workers": workers,
        "articles": n,
        "cluster_start_s": started - start,
        "pipeline_load_s": warmed - started,
        "extract_s": seconds,
        "chars_per_s": chars / seconds,
        "worker_cpu_s": worker_cpu,
        "chars_per_cpu_s": chars / worker_cpu,
        "others_cpu_s": max(0.0, busy - worker_cpu - own),
        "loaded_rss": [before[w]["rss"] for w in sorted(before)],
        "rss": [after[w]["rss"] for w in sorted(after)],
        "peak": [after[w]["peak"] for w in sorted(after)],
        "pipelines": [after[w]["pipelines"] for w in sorted(after)],
    }


def _mib(values: list[int]) -> str:
    return "/".join(f"{v / 2**20:.0f}" for v in values)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=float, default=16.0, help="corpus size in MB (16)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeat", type=int, default=1, help="runs of each count (1)")
    parser.add_argument("--keep", type=Path, help="write the corpus here and keep it")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="kg-dask-bench-") as tmp:
        corpus = args.keep or Path(tmp) / "corpus"
        t = time.perf_counter()
        files, chars = write_corpus(corpus, args.size)
        print(
            f"corpus: {args.size:g} MB, {files} files, {chars:,} characters "
            f"(written in {time.perf_counter() - t:.1f} s)"
        )
        print(f"machine: {os.cpu_count()} CPUs")
        best: dict[int, dict] = {}
        for _ in range(args.repeat):
            for workers in args.workers:
                row = run(corpus, chars, workers)
                print(
                    f"{workers} worker(s): {row['articles']} articles in {row['extract_s']:.1f} s"
                    f" = {row['chars_per_s']:,.0f} chars/s; workers {row['worker_cpu_s']:.1f}"
                    f" CPU-s ({row['chars_per_cpu_s']:,.0f} chars/CPU-s); other processes"
                    f" {row['others_cpu_s']:.1f} CPU-s; cluster start"
                    f" {row['cluster_start_s']:.1f} s, pipeline load"
                    f" {row['pipeline_load_s']:.1f} s; worker RSS MiB: loaded"
                    f" {_mib(row['loaded_rss'])}, after {_mib(row['rss'])}, peak"
                    f" {_mib(row['peak'])}; pipelines built {row['pipelines']}",
                    flush=True,
                )
                if row["chars_per_s"] > best.get(workers, {}).get("chars_per_s", 0):
                    best[workers] = row
        base = best[args.workers[0]]
        for workers in args.workers[1:]:
            ratio = best[workers]["chars_per_s"] / base["chars_per_s"]
            print(
                f"ratio {workers} / {args.workers[0]} workers: {ratio:.2f}x "
                f"({best[workers]['chars_per_s']:,.0f} / {base['chars_per_s']:,.0f} chars/s)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())

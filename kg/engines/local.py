"""The local engine: the pipeline in this process, or in a pool of worker processes.

With workers, this process lists the files and hands out groups of about equal bytes;
the workers read them (as the dask engine's do) and send back results without the text.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, cast

from kg.io.ingest import read_inputs
from kg.io.records import Article, ArticleResult
from kg.pipeline.nlp import make_pipeline, process, results_from_docs

if TYPE_CHECKING:
    from spacy.language import Language

_worker_nlp: Language | None = None  # set by _init_worker, in each worker process


def extract(
    articles: Iterable[Article], *, workers: int = 1, config: dict | None = None
) -> Iterator[ArticleResult]:
    """Run the pipeline over articles, in this process or in ``workers`` processes."""
    if workers <= 1:
        nlp = make_pipeline(config=config)
        yield from results_from_docs(process(nlp, articles))
        return
    with _pool(workers, config) as pool:
        for results in _in_order(pool, _extract_batch, _batches(articles, 32), 2 * workers):
            yield from results


def extract_inputs(
    inputs: Iterable[str | Path | Article],
    *,
    workers: int = 1,
    config: dict | None = None,
    text_field: str = "text",
    id_field: str = "id",
    date_field: str | None = None,
) -> Iterator[ArticleResult]:
    """Read and run the pipeline over inputs, in this process or in ``workers`` processes.

    With workers, this process only lists the files (and checks them) and hands out
    groups of about equal bytes; the workers read them, as the dask engine's do
    (:mod:`kg.engines.cluster`), and send back results without the article text.
    """
    if workers <= 1:
        articles = read_inputs(
            inputs, text_field=text_field, id_field=id_field, date_field=date_field
        )
        yield from extract(articles, workers=1, config=config)
        return
    from kg.engines.cluster import PartitionJob, partitions, plan

    tasks = plan(inputs, text_field=text_field, id_field=id_field)
    if not tasks:
        return
    job = PartitionJob(json.dumps(config or {}, sort_keys=True), text_field, id_field, date_field)
    # Small groups: the pool stays busy to the end, and few results wait in memory.
    total = sum(task.size for task in tasks)
    groups = partitions(tasks, workers, min(max(total // (workers * 32), 16 * 1024), 64 * 1024))
    with _pool(workers, config) as pool:
        for output in _in_order(pool, job, groups, 2 * workers):
            yield from _partition_results(output)


def _in_order(pool, func, items: Iterable, window: int) -> Iterator:
    """``func(item)`` of each item, run on the pool, yielded in the items' order.

    Pool.imap would read every item ahead into its task queue (the whole corpus); this
    keeps at most ``window`` in flight.
    """
    pending: deque = deque()
    for item in items:
        pending.append(pool.apply_async(func, (item,)))
        if len(pending) >= window:
            yield pending.popleft().get()
    while pending:
        yield pending.popleft().get()


def _partition_results(output) -> list[ArticleResult]:
    """A worker's results, after its warnings; its bad input raised here."""
    for warning in output.warnings:
        print(warning, file=sys.stderr)
    if output.error is not None:
        raise output.error
    return output.results


def _pool(workers: int, config: dict | None):
    """A process pool whose workers have the pipeline loaded."""
    # fork (on Linux) starts workers that have spaCy and kg imported already, seconds
    # sooner than spawn. Not once this process holds an ONNX session (its threads do not
    # survive a fork) or runs threads other than tqdm's monitor: then spawn.
    import threading

    from kg.pipeline.lac import lac_model

    forkable = lac_model.cache_info().currsize == 0 and all(
        t is threading.current_thread() or type(t).__name__ == "TMonitor"
        for t in threading.enumerate()
    )
    ctx = multiprocessing.get_context("fork" if forkable and sys.platform == "linux" else "spawn")
    return ctx.Pool(workers, initializer=_init_worker, initargs=(config,))


def _batches(items: Iterable[Article], size: int) -> Iterator[list[Article]]:
    batch: list[Article] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _init_worker(config: dict | None) -> None:
    global _worker_nlp
    os.environ["KG_THREADS"] = "1"  # one ONNX thread per worker: the workers share the cores
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's: no worker tracebacks
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a forked worker has the CLI's handler
    from kg.engines.cluster import worker_pipeline

    # The pipeline the partition jobs will use, loaded now (while the parent lists files).
    _worker_nlp = worker_pipeline(json.dumps(config or {}, sort_keys=True))


def _extract_batch(batch: list[Article]) -> list[ArticleResult]:
    # runs in a worker only, after _init_worker has loaded its pipeline
    return list(results_from_docs(process(cast("Language", _worker_nlp), batch)))

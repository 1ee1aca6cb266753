"""Run the pipeline on a Dask cluster: ``kg build PATH --engine dask [--scheduler ADDRESS]``.

The client lists the input files (folders expanded recursively, in sorted order, as
:func:`kg.io.ingest.read_path` does) and checks that they exist, before any cluster is
started. It then groups the files into contiguous partitions of about the same number
of bytes and makes a ``dask.bag`` of them: only paths travel to the workers. Each worker
reads its files with :func:`kg.io.ingest.read_file` and runs the spaCy pipeline, which it
builds once per process and keeps in a module global. Each partition comes back as a
list of :class:`~kg.io.records.ArticleResult` records whose article text is dropped (the
graph needs the mentions and relations, not the text), so the client never holds the
corpus. Results are yielded in input order, so :func:`kg.graph.assemble.assemble` builds the same
graph, byte for byte once exported, as the local engine does.

Without a scheduler address a :class:`distributed.LocalCluster` of ``workers`` processes
(one thread each, dashboard off, listening on 127.0.0.1 only) is started and closed
afterwards. With an address, the workers of that cluster must have kg installed and see
the files at the same paths as the client (see docs/dask.md).

Dask is an optional extra: ``pip install 'kg[dask]'``.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import logging
import os
import sys
import threading
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from kg.errors import InputError, KgError
from kg.io import ingest
from kg.io.records import Article, ArticleResult
from kg.io.spool import pack_mentions

MISSING_DASK = "the dask engine needs: pip install 'kg[dask]'"
MIN_PARTITION_BYTES = 16 * 1024
MAX_PARTITION_BYTES = 1024 * 1024
PARTITIONS_PER_THREAD = 4


@dataclass(frozen=True)
class FileTask:
    """One file for a worker to read: its absolute path and the root its name is taken from.

    ``in_folder``: the file was found in a folder, so an empty or binary file is skipped
    with a warning instead of failing the build (as :func:`kg.io.ingest.read_path` does).
    ``shown``: the path as the user gave it, for messages.
    """

    path: str
    root: str
    in_folder: bool
    size: int
    shown: str = ""


@dataclass(frozen=True)
class ArticlesTask:
    """Articles made on the client from raw texts or given as Article objects."""

    articles: tuple[Article, ...]

    @property
    def size(self) -> int:
        return sum(len(a.text.encode("utf-8")) for a in self.articles)


Task = FileTask | ArticlesTask


def extract_with_dask(
    inputs: Iterable[str | Path | Article],
    *,
    workers: int = 1,
    scheduler: str | None = None,
    config: dict | None = None,
    text_field: str = "text",
    id_field: str = "id",
    partition_bytes: int | None = None,
    date_field: str | None = None,
) -> Iterator[ArticleResult]:
    """The ArticleResults of ``inputs``, computed on a Dask cluster, in input order.

    ``scheduler``: the address of a running scheduler (``tcp://host:8786``); without it
    a LocalCluster of ``workers`` processes is started and closed when the results are
    exhausted. ``partition_bytes`` overrides the size of the file partitions. Bad input
    (a missing path, an empty folder) raises :class:`~kg.errors.InputError` here, before
    any cluster starts. The returned records carry their article without its text.
    """
    tasks = plan(inputs, text_field=text_field, id_field=id_field)
    _require_dask()
    if not tasks:
        return iter(())
    job = PartitionJob(json.dumps(config or {}, sort_keys=True), text_field, id_field, date_field)
    return _run(tasks, job, workers=workers, scheduler=scheduler, partition_bytes=partition_bytes)


# --- the client ------------------------------------------------------------------------


def plan(
    inputs: Iterable[str | Path | Article], *, text_field: str = "text", id_field: str = "id"
) -> list[Task]:
    """The work for the inputs, in their order: files to read, and articles made here.

    Paths are checked and folders listed now, so bad input fails before a cluster
    starts; each file gets the root its article ids are named from, as
    :func:`kg.io.ingest.read_inputs` names them (two files of the same name are told apart
    by their folders). Raw texts and Article objects are turned into articles by
    :func:`kg.io.ingest.read_inputs` and grouped into one task per run of them.
    """
    items = list(inputs)
    numbers = itertools.count(1)  # raw texts: text#1, text#2, ... as read_inputs names them
    named = [ingest.is_path(item) for item in items]
    paths = [cast("str | Path", i) for i, p in zip(items, named, strict=True) if p]
    planned = iter(ingest.plan_files([Path(i) for i in paths]))
    tasks: list[Task] = []
    pending: list[Article] = []
    for item, path in zip(items, named, strict=True):
        if path:
            if pending:
                tasks.append(ArticlesTask(tuple(pending)))
                pending = []
            tasks.extend(_file_tasks(Path(cast("str | Path", item)), next(planned)))
        else:
            pending.extend(ingest.read_item(cast("str | Article", item), numbers))
    if pending:
        tasks.append(ArticlesTask(tuple(pending)))
    return tasks


def _file_tasks(path: Path, files: list[tuple[Path, Path]]) -> list[FileTask]:
    """The files of a path with their roots (see :func:`kg.io.ingest.plan_files`)."""
    in_folder = path.is_dir()
    return [
        FileTask(
            os.path.abspath(file),
            os.path.abspath(root),
            in_folder,
            file.stat().st_size,
            str(file),
        )
        for file, root in files
    ]


def partitions(
    tasks: list[Task], slots: int, partition_bytes: int | None = None
) -> list[list[Task]]:
    """Contiguous groups of tasks of about ``partition_bytes`` each.

    By default a quarter of each worker thread's share of the corpus, between 16 KiB
    and 1 MiB: fast workers take more partitions, and a worker holds the results of
    little text at a time (a partition takes a minute or two). A file is never split.
    """
    if partition_bytes is None:
        total = sum(task.size for task in tasks)
        share = total // max(1, slots * PARTITIONS_PER_THREAD)
        partition_bytes = min(max(share, MIN_PARTITION_BYTES), MAX_PARTITION_BYTES)
    groups: list[list[Task]] = []
    group: list[Task] = []
    size = 0
    for task in tasks:
        group.append(task)
        size += task.size
        if size >= partition_bytes:
            groups.append(group)
            group, size = [], 0
    if group:
        groups.append(group)
    return groups


def _require_dask() -> None:
    try:
        import dask.bag  # noqa: F401
        import distributed  # noqa: F401
    except ImportError:
        raise InputError(MISSING_DASK) from None


def _run(
    tasks: list[Task],
    job: PartitionJob,
    *,
    workers: int,
    scheduler: str | None,
    partition_bytes: int | None,
) -> Iterator[ArticleResult]:
    import dask.bag as db
    from distributed import Client, LocalCluster, as_completed

    with ExitStack() as stack:
        if scheduler:
            try:
                client = stack.enter_context(Client(scheduler, set_as_default=False))
            except OSError as error:  # unreachable, refused, timed out
                raise KgError(
                    f"cannot connect to the dask scheduler at {scheduler}: {error}"
                ) from None
        else:
            cluster = stack.enter_context(
                LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                    # no dashboard; the scheduler's HTTP routes on a free local port, not 8787
                    scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                    silence_logs=logging.ERROR,
                )
            )
            client = stack.enter_context(Client(cluster, set_as_default=False))
        slots = sum(client.nthreads().values()) or workers
        groups = partitions(tasks, slots, partition_bytes)
        bag = db.from_sequence(groups, partition_size=1).map(job)
        futures = client.compute(bag.to_delayed())
        index = {future.key: i for i, future in enumerate(futures)}
        done: dict[int, PartitionOutput] = {}
        following = 0
        try:
            for future in as_completed(futures, loop=client.loop):
                # Each partition of the bag holds one group: a list of one output.
                done[index[future.key]] = future.result()[0]
                future.release()
                while following in done:
                    output: PartitionOutput = done.pop(following)
                    following += 1
                    for warning in output.warnings:
                        print(warning, file=sys.stderr)
                    if output.error is not None:
                        raise output.error
                    yield from output.results
        finally:
            if following < len(futures):  # stopped early: an error, or the caller gave up
                client.cancel(futures)


# --- the workers -----------------------------------------------------------------------

_pipelines: dict[str, Any] = {}
_pipeline_lock = threading.Lock()
pipelines_built = 0  # in this process; the tests read it on the workers


def worker_pipeline(config_json: str):
    """This process's pipeline for a config, built on first use and kept."""
    global pipelines_built
    with _pipeline_lock:
        nlp = _pipelines.get(config_json)
        if nlp is None:
            from kg.pipeline.nlp import make_pipeline

            nlp = _pipelines[config_json] = make_pipeline(config=json.loads(config_json))
            pipelines_built += 1
        return nlp


@dataclass(frozen=True)
class PartitionOutput:
    """The results of one partition, the files it skipped, and the bad input it met."""

    results: list[ArticleResult]
    warnings: list[str]
    error: InputError | None


@dataclass(frozen=True)
class PartitionJob:
    """What a worker runs on one group of tasks: read, run the pipeline, drop the text."""

    config_json: str
    text_field: str
    id_field: str
    date_field: str | None = None

    def __call__(self, group: list[Task]) -> PartitionOutput:
        from kg.pipeline.nlp import process, results_from_docs

        warnings: list[str] = []
        nlp = worker_pipeline(self.config_json)
        # One thread at a time runs a process's pipeline (workers run with --nthreads 1).
        with _pipeline_lock:
            try:
                results = [
                    _without_text(result)
                    for result in results_from_docs(process(nlp, self._articles(group, warnings)))
                ]
            except InputError as error:
                # Bad input is the user's to fix, not a worker failure: hand it back to the
                # client to raise, without a traceback in the worker's log.
                return PartitionOutput([], warnings, error)
        return PartitionOutput(results, warnings, None)

    def _articles(self, group: list[Task], warnings: list[str]) -> Iterator[Article]:
        for task in group:
            if isinstance(task, ArticlesTask):
                yield from task.articles
                continue
            try:
                yield from ingest.read_file(
                    Path(task.path),
                    root=Path(task.root),
                    text_field=self.text_field,
                    id_field=self.id_field,
                    date_field=self.date_field,
                )
            except InputError as error:
                # Name the file as the user did, as the local engine's messages do.
                message = str(error).replace(task.path, task.shown or task.path, 1)
                if not (task.in_folder and message.endswith(ingest.SKIPPABLE)):
                    raise InputError(message) from None
                warnings.append(f"kg: skipped {message}")


def _without_text(result: ArticleResult) -> ArticleResult:
    """A result as a worker sends it: the article without its text, the mentions packed
    (:func:`kg.io.spool.pack_mentions`)."""
    return dataclasses.replace(
        result,
        article=dataclasses.replace(result.article, text=""),
        mentions=[],
        packed=[*result.packed, *pack_mentions(result.mentions)],
    )

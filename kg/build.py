"""The end-to-end build: ingest -> nlp -> entities -> resolve -> relations -> graph."""

from __future__ import annotations

import dataclasses
import itertools
import sqlite3
from collections import deque
from collections.abc import Collection, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx

from kg.engines.local import extract, extract_inputs
from kg.errors import InputError
from kg.graph.assemble import assemble
from kg.io.ingest import is_path, read_inputs
from kg.io.records import Article, ArticleResult
from kg.io.spool import MentionLog
from kg.pipeline.corrections import fixed_names, without_stopped
from kg.runtime import usable_cores

if TYPE_CHECKING:
    pass

#: ``workers="auto"`` starts one worker per this many bytes of input, up to one per core:
#: below it, starting a pool costs more than it saves.
BYTES_PER_WORKER = 32 * 1024


def auto_workers(inputs: Iterable[str | Path | Article]) -> int:
    """Worker processes for a build of ``inputs``: one per core for a large corpus, else 1.

    Only paths are sized (their files' bytes); texts and Articles count as small.
    """
    from kg.io.ingest import list_files

    size = 0
    for item in inputs:
        if is_path(item):
            size += sum(f.stat().st_size for f in list_files(Path(item)))
    return max(1, min(usable_cores(), size // BYTES_PER_WORKER))


def build_graph(
    inputs: Iterable[str | Path | Article] | str | Path,
    *,
    workers: int | str = 1,
    cooccurrence: bool = False,
    text_field: str = "text",
    id_field: str = "id",
    date_field: str | None = None,
    config: dict | None = None,
    progress: bool = False,
    engine: str = "local",
    scheduler: str | None = None,
    mentions: MentionLog | None = None,
    store: str | Path | sqlite3.Connection | None = None,
) -> nx.MultiDiGraph:
    """Build the knowledge graph of files, folders, Articles or raw texts.

    Raw texts' articles are ``text#1``, ``text#2``, ... in order (one text too: see
    :func:`kg.io.ingest.read_inputs`). Paths whose files hold no article at all (every
    file empty, or skipped in a folder) raise :class:`~kg.errors.InputError`, as a
    missing path does, when no other input gives an article.

    ``mentions``: a :class:`~kg.io.spool.MentionLog` to spool the mentions to as they come
    (it becomes ``G.graph["mentions"]``) instead of a list held in memory.

    ``workers`` > 1 runs the pipeline in that many processes (``"auto"``: one per core
    for inputs of more than :data:`BYTES_PER_WORKER` per core, fewer for less);
    ``engine="dask"`` runs it on a dask.distributed cluster (``scheduler`` address, or a
    LocalCluster). ``config``: the pipeline's settings by component (see
    :func:`kg.pipeline.nlp.make_pipeline`), the user's corrections among them
    (:func:`kg.pipeline.corrections.corrections_config`).

    ``store``: a :mod:`kg.io.store` (its path, or an open connection) to take unchanged
    articles' results from and to save new ones to: only new or changed articles run
    through the pipeline (local engine only). Given a path, the store is committed when
    the graph is built; given a connection, committing is the caller's.

    ``date_field``: the JSONL/CSV field of an article's date (see
    :func:`kg.io.ingest.read_inputs`, which also dates articles by path and dateline).
    """
    if store is not None and engine != "local":
        raise InputError("the store works with the local engine only: build without it")
    if isinstance(store, (str, Path)):
        from kg.io.store import open_store

        conn = open_store(store)
        try:
            G = build_graph(
                inputs,
                workers=workers,
                cooccurrence=cooccurrence,
                text_field=text_field,
                id_field=id_field,
                date_field=date_field,
                config=config,
                progress=progress,
                mentions=mentions,
                store=conn,
            )
            conn.commit()
            return G
        finally:
            conn.close()  # uncommitted writes are rolled back
    if isinstance(inputs, (str, Path, Article)):
        inputs = [inputs]
    if workers == "auto" or progress:
        inputs = list(inputs)
    if workers == "auto":
        workers = auto_workers(inputs)
    config = dict(config or {})
    if cooccurrence:
        config.setdefault("kg_relations", {})["cooccurrence"] = True
    # How every engine reads the inputs and configures the pipeline.
    reading: dict[str, Any] = {
        "workers": workers,
        "config": config,
        "text_field": text_field,
        "id_field": id_field,
        "date_field": date_field,
    }
    if engine == "dask":
        from kg.engines.cluster import extract_with_dask

        results = extract_with_dask(inputs, scheduler=scheduler, **reading)
    elif store is not None:
        results = _reusing(store, inputs, **reading)
    else:
        results = extract_inputs(inputs, **reading)
    if progress:
        results = _with_progress(results, _file_sizes(inputs))
    paths = [item for item in inputs if is_path(item)] if isinstance(inputs, Collection) else []
    stoplist = config.get("kg_entities", {}).get("stoplist")
    if stoplist:
        results = without_stopped(results, stoplist)
    articles = [0]
    G = assemble(_counted(results, articles), mentions=mentions, fixed=fixed_names(config))
    if paths and not articles[0]:
        raise InputError(f"no text to build in {_shown(paths)}: every file is empty or skipped")
    return G


def _reusing(
    conn: sqlite3.Connection,
    inputs: Iterable[str | Path | Article],
    *,
    workers: int,
    config: dict,
    text_field: str,
    id_field: str,
    date_field: str | None = None,
) -> Iterator[ArticleResult]:
    """The results of the inputs in their order: stored ones from the store, the others
    extracted (in ``workers`` processes) and saved to it.

    This process reads and hashes every article; only the articles whose hash the store
    lacks under this pipeline's fingerprint go to the pipeline, which is not even loaded
    when there are none. Once every result is out, the store keeps these articles only.
    """
    from kg.io import store

    key = store.fingerprint(config)
    try:
        known = store.known_hashes(conn, key)
    except sqlite3.Error as error:
        raise InputError(f"store: cannot read ({error})") from None
    if not known:  # nothing to reuse: the usual way (with workers, they read the files)
        saved: set[str] = set()
        for result in extract_inputs(
            inputs,
            workers=workers,
            config=config,
            text_field=text_field,
            id_field=id_field,
            date_field=date_field,
        ):
            if result.content_hash not in saved:
                saved.add(result.content_hash)
                store.save_result(conn, key, result.content_hash, result)
            yield result
        store.keep_only(conn, key, saved, config)
        return
    order: deque[tuple[str, Article, bool]] = deque()  # every article read, in input order
    seen: set[str] = set()

    def missing() -> Iterator[Article]:
        for article in read_inputs(
            inputs, text_field=text_field, id_field=id_field, date_field=date_field
        ):
            digest = store.article_hash(article)
            seen.add(digest)
            if digest in known:  # its text is not needed any more
                order.append((digest, dataclasses.replace(article, text=""), True))
            else:
                order.append((digest, article, False))
                yield article

    def stored() -> Iterator[tuple[str, Article]]:
        while order and order[0][2]:
            digest, article, _ = order.popleft()
            yield digest, article

    pending = missing()
    first = next(pending, None)
    new = (
        ()
        if first is None
        else extract(itertools.chain([first], pending), workers=workers, config=config)
    )
    for result in new:
        yield from store.load_results(conn, stored())
        order.popleft()
        if result.content_hash not in known:
            store.save_result(conn, key, result.content_hash, result)
            known.add(result.content_hash)
        yield result
    yield from store.load_results(conn, stored())
    store.keep_only(conn, key, seen, config)


def _counted(results: Iterable[ArticleResult], count: list[int]) -> Iterator[ArticleResult]:
    """The results, counted into ``count[0]`` as they pass."""
    for result in results:
        count[0] += 1
        yield result


def _shown(paths: list) -> str:
    """Paths for a one-line message: the first three, then how many more."""
    shown = ", ".join(str(p) for p in paths[:3])
    return shown if len(paths) <= 3 else f"{shown} and {len(paths) - 3} more"


def _file_sizes(inputs: Iterable) -> dict[str, int] | None:
    """The bytes of each input file by the name its articles carry (``source``), or None
    when an input is not a path (raw text or an Article: the size is not known ahead)."""
    from kg.io.ingest import plan_files, source_name

    if not isinstance(inputs, Collection) or not all(is_path(item) for item in inputs):
        return None
    groups = plan_files([Path(item) for item in inputs])
    return {source_name(f, root): f.stat().st_size for group in groups for f, root in group}


def _with_progress(
    results: Iterator[ArticleResult], sizes: dict[str, int] | None = None
) -> Iterator[ArticleResult]:
    """The results behind a progress bar (tqdm, shown after a second).

    With ``sizes`` (input files' bytes by name) the bar counts bytes against their
    total, so it shows an ETA: a file counts once its articles are done (the results
    come in input order). Otherwise it counts articles.
    """
    from tqdm import tqdm

    if sizes is None:
        yield from tqdm(results, desc="kg build", unit=" articles", delay=1.0, leave=False)
        return
    bar = tqdm(
        total=sum(sizes.values()),
        desc="kg build",
        unit="B",
        unit_scale=True,
        delay=1.0,
        leave=False,
    )
    done: set[str] = set()

    def finish(source: str | None) -> None:
        if source in sizes and source not in done:
            done.add(source)
            bar.update(sizes[source])

    with bar:
        source = None
        for count, result in enumerate(results, 1):
            if result.article.source != source:
                finish(source)
                source = result.article.source
            bar.set_postfix_str(f"{count} articles", refresh=False)
            yield result
        finish(source)


def iter_mentions(
    inputs: Iterable[str | Path | Article], *, text_field: str = "text", id_field: str = "id"
) -> Iterator[dict]:
    """Every entity mention with its offsets, type and article-level canonical name."""
    articles = read_inputs(inputs, text_field=text_field, id_field=id_field)
    for result in extract(articles):
        for m in result.mentions:
            yield {
                "article": m.article,
                "start": m.start,
                "end": m.end,
                "text": m.text,
                "type": m.type,
                "canonical": m.canonical,
                "rule": m.rule,
            }

"""The ``kg`` command: a thin layer over the library.

Exit status: 0 ok, 1 internal error, 2 bad input, 130 interrupted.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import json
import os
import signal
import sys
from pathlib import Path
from typing import NoReturn

from kg.errors import InputError, KgError
from kg.version import __version__

DEFAULT_OUTDIR = "output"
# The usual PER/LOC/ORG scheme (LOC: kg's administrative places and its other places).
NER_LABELS = {"PERSON": "PER", "GPE": "LOC", "LOC": "LOC", "ORG": "ORG"}
EXIT_OK, EXIT_ERROR, EXIT_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130


class _ArgumentParser(argparse.ArgumentParser):
    """argparse with kg's exit status for usage errors."""

    def error(self, message: str) -> NoReturn:  # pragma: no cover - exercised through main()
        raise InputError(f"{message} (see {self.prog} --help)")  # one line, no usage block


def sample_paths() -> list[Path]:
    """The bundled sample corpus."""
    from importlib import resources

    folder = Path(str(resources.files("kg") / "sample"))
    return [folder]


def _positive(value: str) -> int:
    try:
        count = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid count: {value!r}") from None
    if count < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {count}")
    return count


def _workers(value: str) -> int | str:
    if value == "auto":
        return value
    try:
        count = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid count: {value!r}") from None
    if count < 1:
        raise argparse.ArgumentTypeError("--workers must be at least 1")
    return count


def check_outdir(outdir: Path) -> Path:
    """Fail before a long build, not after it, when OUTDIR cannot be written.

    Returns OUTDIR or, when it does not exist yet, the folder it will be made in.
    """
    from kg.outputs.export import check_targets

    for folder in (outdir, *outdir.absolute().parents):
        if folder.exists():
            if not folder.is_dir():
                raise InputError(f"cannot write to {outdir}: {folder} is not a folder")
            if not os.access(folder, os.W_OK | os.X_OK):
                raise InputError(f"cannot write to {outdir}: permission denied")
            check_targets(outdir)  # a folder named graph.json in the way
            return folder
    return outdir


@contextlib.contextmanager
def build_store(path: Path | None):
    """The build's store (a connection, or None without one), committed when the block
    succeeds; else rolled back, and removed with the folders it made if it is new."""
    if path is None:
        yield None
        return
    import sqlite3

    from kg.io.store import open_store

    path = Path(path)
    made = [p for p in (path.parent, *path.parent.parents) if not p.exists()]
    new = not path.exists()
    conn = open_store(path)
    done = False
    try:
        yield conn
        try:
            conn.commit()
        except sqlite3.Error as error:
            raise KgError(f"store {path}: cannot save ({error}); the outputs are written") from None
        done = True
    finally:
        conn.close()  # uncommitted writes are rolled back
        if not done and new:
            with contextlib.suppress(OSError):
                path.unlink()
                for folder in made:
                    folder.rmdir()


def cmd_build(args: argparse.Namespace) -> int:
    from kg.build import build_graph
    from kg.io.spool import MentionLog
    from kg.outputs.export import write
    from kg.pipeline.corrections import corrections_config

    paths = args.paths or sample_paths()
    outdir = Path(args.output)
    folder = check_outdir(outdir)
    config = corrections_config(args.patterns, args.aliases, args.stoplist)
    store = None if args.no_store else args.store
    if store is None and not args.no_store and args.engine == "local":
        from kg.io.store import STORE_NAME

        store = outdir / STORE_NAME
    # The mentions go to an unnamed file next to the outputs, not into memory.
    with build_store(store) as conn, MentionLog(dir=folder) as mentions:
        G = build_graph(
            paths,
            workers=args.workers,
            cooccurrence=args.cooccurrence,
            text_field=args.text_field,
            id_field=args.id_field,
            date_field=args.date_field,
            progress=not args.quiet,
            engine=args.engine,
            scheduler=args.scheduler,
            mentions=mentions,
            config=config,
            store=conn,
        )
        written = write(G, outdir, max_nodes=args.max_nodes)
    if not args.quiet:
        print(
            f"kg: {G.number_of_nodes()} entities, {G.number_of_edges()} relations -> "
            f"{outdir}/ ({', '.join(p.name for p in written)})",
            file=sys.stderr,
        )
    return EXIT_OK


def cmd_eval(args: argparse.Namespace) -> int:
    from kg.evaluate import format_report, load_gold, score
    from kg.outputs.export import read_graph

    gold = load_gold(args.gold)
    G = read_graph(args.graph)
    print(format_report(score(G, gold), show=args.show))
    return EXIT_OK


def cmd_entities(args: argparse.Namespace) -> int:
    from kg.build import iter_mentions

    for mention in iter_mentions(args.paths, text_field=args.text_field, id_field=args.id_field):
        if args.ner_labels:
            if mention["type"] not in NER_LABELS:
                continue
            mention["type"] = NER_LABELS[mention["type"]]
        if args.jsonl:
            print(json.dumps(mention, ensure_ascii=False, sort_keys=True))
        else:
            print(
                f"{mention['article']}\t{mention['start']}\t{mention['end']}\t"
                f"{mention['type']}\t{mention['text']}\t{mention['canonical']}"
            )
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from kg.outputs.export import export, read_graph

    G = read_graph(args.graph)
    written = export(G, args.output, args.format)
    print(f"kg: wrote {', '.join(str(p) for p in written)}", file=sys.stderr)
    return EXIT_OK


def cmd_stats(args: argparse.Namespace) -> int:
    from kg.graph.stats import by_month, format_by_month, format_stats, graph_stats
    from kg.outputs.export import read_graph

    G = read_graph(args.graph)
    if args.by == "month":
        print(format_by_month(by_month(G)))
    else:
        print(format_stats(graph_stats(G, top=args.top)))
    return EXIT_OK


def make_parser() -> argparse.ArgumentParser:
    parser = _ArgumentParser(
        prog="kg", description="Turn Chinese news text into a knowledge graph."
    )
    parser.add_argument("--version", action="version", version=f"kg {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_ArgumentParser)

    def corpus_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--text-field", default="text", help="JSONL/CSV text field (text)")
        p.add_argument("--id-field", default="id", help="JSONL/CSV id field (id)")

    build = sub.add_parser("build", help="build the graph of files or folders (default: sample)")
    build.add_argument("paths", nargs="*", type=Path, help=".txt/.md/.jsonl/.csv files or folders")
    build.add_argument("-o", "--output", default=DEFAULT_OUTDIR, help="output folder (output/)")
    corpus_options(build)
    build.add_argument(
        "--date-field",
        default=None,
        help="JSONL/CSV field of the article's date (else a date in the path or dateline)",
    )
    build.add_argument(
        "--workers",
        type=_workers,
        default="auto",
        help="worker processes (auto: one per core for a large corpus, 1 for a small one)",
    )
    build.add_argument("--cooccurrence", action="store_true", help="add co_occurs edges")
    build.add_argument("--engine", choices=("local", "dask"), default="local")
    build.add_argument("--scheduler", default=None, help="dask scheduler address")
    build.add_argument(
        "--max-nodes",
        type=_positive,
        default=1500,
        help="graph.html shows the N nodes of highest degree, and says so (1500)",
    )
    build.add_argument(
        "--patterns", type=Path, help="spaCy EntityRuler patterns (JSONL): the user's names"
    )
    build.add_argument(
        "--aliases", type=Path, help="TSV: surface form<TAB>canonical name, one a line"
    )
    build.add_argument("--stoplist", type=Path, help="words that are never an entity, one a line")
    stored = build.add_mutually_exclusive_group()
    stored.add_argument(
        "--store",
        type=Path,
        help="the store of extraction results that makes rebuilds incremental (OUTDIR/kg.sqlite)",
    )
    stored.add_argument("--no-store", action="store_true", help="build without a store")
    build.add_argument("-q", "--quiet", action="store_true", help="no progress bar or summary")
    build.set_defaults(func=cmd_build)

    ev = sub.add_parser("eval", help="score a graph against a gold file")
    ev.add_argument("gold", type=Path)
    ev.add_argument("--graph", type=Path, default=Path(DEFAULT_OUTDIR) / "graph.graphml")
    ev.add_argument("--show", action="store_true", help="list false positives and misses")
    ev.set_defaults(func=cmd_eval)

    ents = sub.add_parser("entities", help="print every entity mention with offsets")
    ents.add_argument("paths", nargs="+", type=Path)
    corpus_options(ents)
    ents.add_argument("--jsonl", action="store_true", help="one JSON object per line")
    ents.add_argument(
        "--ner-labels",
        action="store_true",
        help="PER/LOC/ORG labels for scoring on NER corpora (programmes left out)",
    )
    ents.set_defaults(func=cmd_entities)

    exp = sub.add_parser(
        "export",
        help="convert a saved graph to another format",
        description="Convert a saved graph (graph.json or .graphml) to another format. "
        "graphml, gexf and json write the file OUTPUT; csv and neo4j write a folder OUTPUT "
        "(made if missing): entities.csv, relations.csv, mentions.csv (csv) or nodes.csv, "
        "relationships.csv (neo4j).",
    )
    exp.add_argument("graph", type=Path, help="graph.json or .graphml (or their folder)")
    exp.add_argument("--format", required=True, choices=("graphml", "gexf", "json", "csv", "neo4j"))
    exp.add_argument(
        "-o",
        "--output",
        required=True,
        type=Path,
        help="the file to write; for csv and neo4j a folder, not an existing file",
    )
    exp.set_defaults(func=cmd_export)

    stats = sub.add_parser("stats", help="counts, top nodes and components of a saved graph")
    stats.add_argument("graph", type=Path)
    stats.add_argument("--top", type=int, default=10)
    stats.add_argument(
        "--by",
        choices=("month",),
        help="month: edges (by their first evidence) and nodes first seen, per month",
    )
    stats.set_defaults(func=cmd_stats)
    return parser


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    signal.signal(signal.SIGTERM, _terminate)
    try:
        args = make_parser().parse_args(argv)
        return args.func(args)
    except KeyboardInterrupt:
        print("kg: interrupted; earlier outputs are untouched", file=sys.stderr)
        return EXIT_INTERRUPTED
    except KgError as error:
        print(f"kg: error: {error}", file=sys.stderr)
        return error.exit_code
    except BrokenPipeError:
        return EXIT_OK
    except OSError as error:  # an I/O failure no stage turned into an InputError
        print(f"kg: error: {' '.join(str(error).split())}", file=sys.stderr)
        return EXIT_INPUT
    except MemoryError:
        print("kg: error: out of memory", file=sys.stderr)
        return EXIT_ERROR
    except SystemExit as exit_:
        return int(exit_.code or 0)


def run() -> None:
    """The ``kg`` command: :func:`main`, then exit without tearing the interpreter down.

    By the time main returns, every file, pool and temporary file of the command is
    closed; what the interpreter would still do is free every module and object one by
    one, which takes a few tenths of a second after a build (spaCy alone has hundreds of
    modules) and changes nothing. The exit handlers still run and the output is flushed.
    """
    code = main()
    atexit._run_exitfuncs()  # what a normal exit runs first (logging, multiprocessing, ...)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed pipe: nothing left to say
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    run()

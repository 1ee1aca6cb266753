"""Incremental builds: adding one article to a corpus, against a full build (issue 15).

    python bench/incremental.py              # a 4 MB corpus
    python bench/incremental.py --size 1     # another size (MB)
    python bench/incremental.py --repeat 3   # each figure the best of 3 runs (default 2)

The corpus is bench/run.py's (renamed, recombined copies of the sample). Timed, as
subprocesses (wall time, ``kg build DIR -o OUT -q``): the full build into an empty
output folder (its store, ``OUT/kg.sqlite``, made on the way); a rebuild of the same
corpus (nothing changed); and the build after one new article is added to the folder.
Printed: "adding 1 article to a 4 MB corpus rebuilds in X s = Y% of the full build
time", with PASS/FAIL against the target (< 10%), and whether the incremental outputs
are byte-identical to a fresh ``--no-store`` build of the same corpus.
"""

from __future__ import annotations

import argparse
import filecmp
import random
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import Corpus, make_corpus, measured, sample_texts  # noqa: E402

TARGET = 0.10


def build(corpus: Path, out: Path, *options: str) -> float:
    """Wall seconds of ``kg build CORPUS -o OUT -q [OPTIONS]``."""
    command = [sys.executable, "-m", "kg.cli", "build", str(corpus), "-o", str(out), "-q"]
    return measured([*command, *options])[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=float, default=4.0, help="corpus size in MB (4)")
    parser.add_argument("--repeat", type=int, default=2, help="runs per figure, fastest kept")
    args = parser.parse_args(argv)
    log = lambda *a: print(*a, file=sys.stderr, flush=True)  # noqa: E731

    with tempfile.TemporaryDirectory(prefix="kg-incremental-") as tmp:
        root = Path(tmp)
        folder = root / "corpus"
        folder.mkdir()
        corpus = Corpus(sample_texts())
        made = make_corpus(corpus, folder, args.size)
        for file in folder.iterdir():  # in the page cache, as an edited corpus would be
            file.read_bytes()
        full = rebuild = added = float("inf")
        new = folder / f"{made['files']:06d}.txt"
        for round_ in range(max(1, args.repeat)):
            new.unlink(missing_ok=True)
            out = root / "out"
            shutil.rmtree(out, ignore_errors=True)
            log(f"round {round_ + 1}: full build of {args.size:g} MB ({made['files']} files) ...")
            full = min(full, build(folder, out))
            log("  rebuild, nothing changed ...")
            rebuild = min(rebuild, build(folder, out))
            new.write_text(corpus.text(made["files"], random.Random(1)) + "\n", "utf-8")
            log("  rebuild after adding one article ...")
            added = min(added, build(folder, out))
        log("fresh build of the same corpus, without a store ...")
        fresh = root / "fresh"
        build(folder, fresh, "--no-store")
        names = sorted(p.name for p in fresh.iterdir())
        _, differ, missing = filecmp.cmpfiles(out, fresh, names, shallow=False)
        identical = not differ and not missing

    ratio = added / full
    size = f"{args.size:g} MB"
    print(f"full build of a {size} corpus (with its store)      {full:7.2f} s")
    print(f"rebuild, nothing changed                          {rebuild:7.2f} s")
    verdict = "PASS" if ratio < TARGET else "FAIL"
    print(
        f"adding 1 article to a {size} corpus rebuilds in {added:.2f} s = {ratio:.1%} "
        f"of the full build time (target < {TARGET:.0%}): {verdict}"
    )
    print(f"outputs byte-identical to a fresh --no-store build: {'yes' if identical else 'NO'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

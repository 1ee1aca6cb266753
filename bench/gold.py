"""Score kg on every gold set of bench/gold_sets.json (or the sets named), micro-averaged
over each set's parts.

    python bench/gold.py                       # every set
    python bench/gold.py realnews-dev --show   # one set, with its errors
    python bench/gold.py --json scores.json    # also write the figures as JSON

A set is one or more (corpus, gold file) parts, each built on its own: the gold of one
part names the entities of its folder only. Paths are relative to the repository; a
set whose files are missing is skipped with a note.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from kg.evaluate import format_report, score_corpus

ROOT = Path(__file__).resolve().parent.parent
SETS = ROOT / "bench" / "gold_sets.json"
KEYS = ("entities", "entities_typed", "relations", "relations_typed")


def gold_sets(path: Path = SETS) -> list[dict]:
    """The sets, with their paths made absolute."""
    sets = json.loads(path.read_text(encoding="utf-8"))["sets"]
    for entry in sets:
        entry["parts"] = [(ROOT / corpus, ROOT / gold) for corpus, gold in entry["parts"]]
    return sets


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="sets to score (default: all)")
    parser.add_argument("--show", action="store_true", help="list each part's errors")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    args = parser.parse_args(argv)

    figures = {}
    print(
        f"{'set':<16}{'entities P/R/F1':>22}{'typed':>7}{'dup':>5}"
        f"{'relations P/R/F1':>22}{'typed':>7}"
    )
    for entry in gold_sets():
        if args.names and entry["name"] not in args.names:
            continue
        if not all(c.exists() and g.exists() for c, g in entry["parts"]):
            print(f"{entry['name']:<16}  (files missing, skipped)")
            continue
        result = score_corpus(entry["parts"])
        e, et, r, rt = (result[k] for k in KEYS)
        print(
            f"{entry['name']:<16}{e.precision:>8.3f}{e.recall:>7.3f}{e.f1:>7.3f}{et.f1:>7.3f}"
            f"{result['duplicates']:>5}{r.precision:>8.3f}{r.recall:>7.3f}{r.f1:>7.3f}{rt.f1:>7.3f}"
        )
        figures[entry["name"]] = {k: result[k].as_dict() for k in KEYS} | {
            "duplicates": result["duplicates"],
            "articles": sum(
                len(list(Path(c).glob("*.txt"))) if Path(c).is_dir() else 1
                for c, _ in entry["parts"]
            ),
        }
        if args.show:
            for (corpus, _), report in zip(entry["parts"], result["reports"], strict=True):
                print(f"\n## {corpus}\n{format_report(report, show=True)}\n")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

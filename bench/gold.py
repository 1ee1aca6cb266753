"""Score kg on every gold set of bench/gold_sets.json (or the sets named), micro-averaged
over each set's parts.

    python bench/gold.py                       # every set but the test splits
    python bench/gold.py realnews-test         # a test split (first_look): only by name
    python bench/gold.py realnews-dev --show   # one set, with its errors
    python bench/gold.py --json scores.json    # also write the figures as JSON
    python bench/gold.py --record              # today's F1s become the gate's floors

``--record`` writes each set's entity and relation F1 and its relation rules' counts
into bench/gold_sets.json: tests/test_quality_gate.py fails a change that drops any
set more than 0.005 below them, and prints the rules whose counts moved.

A set is one or more (corpus, gold file) parts, each built on its own: the gold of one
part names the entities of its folder only. Paths are relative to the repository; a
set whose files are missing is skipped with a note.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from kg.evaluate import format_report, load_gold, rule_scores, score_corpus

ROOT = Path(__file__).resolve().parent.parent
SETS = ROOT / "bench" / "gold_sets.json"
KEYS = ("entities", "entities_typed", "relations", "relations_typed")


def gold_sets(path: Path = SETS) -> list[dict]:
    """The sets, with their paths made absolute."""
    sets = json.loads(path.read_text(encoding="utf-8"))["sets"]
    for entry in sets:
        entry["parts"] = [(ROOT / corpus, ROOT / gold) for corpus, gold in entry["parts"]]
    return sets


def set_rule_scores(parts) -> dict[str, list[int]]:
    """rule -> [typed-correct, scored] relation edges, summed over the parts."""
    import kg

    summed: dict[str, list[int]] = {}
    for corpus, gold in parts:
        for rule, (right, scored) in rule_scores(kg.build_graph(corpus), load_gold(gold)).items():
            counts = summed.setdefault(rule, [0, 0])
            counts[0] += right
            counts[1] += scored
    return dict(sorted(summed.items()))


def record(figures: dict[str, dict], path: Path = SETS) -> None:
    """Write each scored set's F1s and rule counts into the sets file as its floor."""
    data = json.loads(path.read_text(encoding="utf-8"))
    for entry in data["sets"]:
        if entry["name"] in figures and entry.get("gate", True):
            found = figures[entry["name"]]
            entry["floor"] = {
                "entities": round(found["entities"]["f1"], 4),
                "relations": round(found["relations"]["f1"], 4),
            }
            parts = [(ROOT / c, ROOT / g) for c, g in entry["parts"]]
            entry["rules"] = set_rule_scores(parts)
    text = json.dumps(data, indent=1, ensure_ascii=False)
    text = re.sub(r"\[\s+(\d+),\s+(\d+)\s+\]", r"[\1, \2]", text)  # a rule's counts on one line
    text = re.sub(r'\[\s+("[^"]+"),\s+("[^"]+")\s+\]', r"[\1, \2]", text)  # a part likewise
    path.write_text(text + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="sets to score (default: all)")
    parser.add_argument("--show", action="store_true", help="list each part's errors")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    parser.add_argument("--record", action="store_true", help="make today's F1s the floors")
    args = parser.parse_args(argv)

    figures = {}
    print(
        f"{'set':<16}{'entities P/R/F1':>22}{'typed':>7}{'dup':>5}"
        f"{'relations P/R/F1':>22}{'typed':>7}"
    )
    for entry in gold_sets():
        if args.names and entry["name"] not in args.names:
            continue
        if entry.get("first_look") and entry["name"] not in args.names:
            continue  # a test split: scored only when named
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
    if args.record:
        record(figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Measure each relation rule's precision against gold graphs; prints the table that the
``confidence`` values in kg/pipeline/data/relation_triggers.json are taken from.

    python bench/rule_precision.py CORPUS GOLD [CORPUS GOLD ...]
"""

from __future__ import annotations

import sys
from collections import Counter

import kg
from kg.evaluate import load_gold, rule_scores


def main(argv: list[str]) -> int:
    pairs = list(zip(argv[::2], argv[1::2], strict=True))
    right: Counter[str] = Counter()
    scored: Counter[str] = Counter()
    for corpus, gold_path in pairs:
        G = kg.build_graph([corpus])
        for rule, (tp, out) in rule_scores(G, load_gold(gold_path)).items():
            right[rule] += tp
            scored[rule] += out
    print(f"{'rule':24} {'right':>6} {'scored':>6} {'precision':>9} {'smoothed':>9}")
    for rule in sorted(scored):
        precision = right[rule] / scored[rule] if scored[rule] else float("nan")
        smoothed = (right[rule] + 1) / (scored[rule] + 2)
        print(f"{rule:24} {right[rule]:6d} {scored[rule]:6d} {precision:9.2f} {smoothed:9.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Measure each relation rule's precision against gold graphs; prints the table that the
``confidence`` values in kg/data/relation_triggers.json are taken from.

    python bench/rule_precision.py CORPUS GOLD [CORPUS GOLD ...]
"""

from __future__ import annotations

import sys
from collections import Counter

import kg
from kg.evaluate import load_gold, score


def rule_counts(G, gold) -> dict[str, tuple[int, int]]:
    """rule -> (typed-correct edges, scored edges) for the edges each rule produced."""
    rules = sorted(
        {r for _, _, d in G.edges(data=True) for r in d.get("rules", "").split("|") if r}
    )
    out = {}
    for rule in rules:
        H = G.copy()
        H.remove_edges_from(
            [
                (u, v, k)
                for u, v, k, d in G.edges(keys=True, data=True)
                if rule not in d.get("rules", "").split("|")
            ]
        )
        report = score(H, gold)
        prf = report.relations_typed
        out[rule] = (prf.tp, prf.predicted)
    return out


def main(argv: list[str]) -> int:
    pairs = list(zip(argv[::2], argv[1::2], strict=True))
    right: Counter[str] = Counter()
    scored: Counter[str] = Counter()
    for corpus, gold_path in pairs:
        G = kg.build_graph([corpus])
        for rule, (tp, out) in rule_counts(G, load_gold(gold_path)).items():
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

"""The two-seed check of docs/sweeps.md ("Screening first"): is a Morris screening's top five stable?

Usage, with two finished folders of the same Morris sweep run on two seeds:

    python docs/screening_measure.py results/baseline-morris results/baseline-morris-seed2

For each outcome class: whether the five parameters of largest μ* are the same in both runs,
how many the two share, the worst rank a top-five parameter of one run has in the other,
and the smallest k from 5 at which the two runs' top k are the same set.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sim.experiments.report import load_result
from sim.experiments.screening import morris_result, top_parameters
from sim.model.outcomes import OUTCOMES

K = 5
LARGEST = 15


def same_from(tables, outcome: str) -> str:
    """The smallest k >= K at which both runs' top k are the same set."""
    for k in range(K, LARGEST + 1):
        if set(top_parameters(tables[0], outcome, k)) == set(top_parameters(tables[1], outcome, k)):
            return str(k)
    return f"over {LARGEST}"


def main(a: str, b: str) -> None:
    tables = [morris_result(load_result(Path(folder))) for folder in (a, b)]
    print(f"{'outcome':<22} {'same top five':<14} {'shared':<7} {'worst rank in the other':<24} same top k from")
    for outcome in OUTCOMES:
        if not all((t["outcome"] == outcome).any() for t in tables):
            continue
        tops = [top_parameters(t, outcome, K) for t in tables]
        ranks = [t[t["outcome"] == outcome].set_index("parameter")["rank"] for t in tables]
        worst = max(max(ranks[1][p] for p in tops[0]), max(ranks[0][p] for p in tops[1]))
        shared = len(set(tops[0]) & set(tops[1]))
        print(f"{outcome:<22} {str(shared == K):<14} {shared}/{K}    {worst:<24} {same_from(tables, outcome)}")


if __name__ == "__main__":
    main(*sys.argv[1:3])

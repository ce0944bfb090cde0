"""The robustness table of docs/calibration.md, from finished calibration folders.

Usage (each folder written by ``ceasefire calibrate`` with the settings its label names):

    python docs/calibration_measure.py "seed 0, K 50=results/easter_2025" "seed 1, K 50=/tmp/cal_seed1" ...

For each folder: the sets accepted, the values informed, the pooled relation ratios over the
ensemble's fresh runs with the collapses behind them, and the share of *ceasefire collapsed*
when the baseline runs 10,000 replicates (seed 1) on that ensemble.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd

from sim.experiments.run import simulate
from sim.scenario import load_scenario


def row(label: str, folder: Path) -> dict:
    manifest = json.loads((folder / "manifest.json").read_text())
    predictive = pd.read_csv(folder / "predictive.csv").set_index("pattern")
    check = pd.read_parquet(folder / "check" / "scenario" / "runs.parquet", columns=["collapses"])
    scenario = load_scenario("baseline", ensemble=str(folder / "ensemble.parquet"))
    outcomes = simulate(scenario, seed=1, replicates=10_000, keep_timelines=0, progress=False).outcomes
    informed = sorted(p.removeprefix("actors.") for p in manifest["informed"])
    return {
        "calibration": label,
        "accepted": f"{manifest['accepted']:,} ({manifest['acceptance_rate']:.1%})",
        "informed": ", ".join(informed),
        "truce pattern, replicates": f"{predictive.loc['truce_runs_out_unextended', 'ensemble']:.1%}",
        "monitoring x": f"{predictive.loc['monitoring_fewer_collapses', 'ensemble']:.2f}",
        "guarantees x": f"{predictive.loc['guarantees_fewer_collapses', 'ensemble']:.2f}",
        "hazard x": f"{predictive.loc['collapse_hazard_falls', 'ensemble']:.2f}",
        "collapses in the check runs": f"{int((check['collapses'] > 0).sum())} of {len(check):,}",
        "collapsed (run, 10,000)": f"{(outcomes['outcome'] == 'ceasefire_collapsed').mean():.2%}",
    }


def main(args: list[str]) -> None:
    rows = [row(label, Path(folder)) for label, _, folder in (a.partition("=") for a in args)]
    columns = list(rows[0])
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for r in rows:
        print("| " + " | ".join(str(r[c]) for c in columns) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])

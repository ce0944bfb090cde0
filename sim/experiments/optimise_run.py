"""``ceasefire optimise FILE``: the lever search, its files and the summary a student reads.

Everything is checked before any work (optuna installed, the file, ``--out``, the memory
it needs); the files are written into a temporary folder and moved into place at the end,
so an interrupted or failed search leaves nothing half-written.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.scenario.schema import scenario_fields

from .compare import _pp as signed_pp
from .files import atomic_folder, output_dir
from .lever_search import Confirmation, check_budget, confirm, evaluate, require_optuna, search
from .optimise import OptimiseSpec, lever_label, load_optimise, outcome_words
from .run import versions
from .stats import share_text
from .sweep_run import command_line

__all__ = ["LeverSearch", "run_optimise", "write_optimise", "summary", "cmd_optimise"]

FILES = ["trials.csv", "confirm.csv", "best.json", "search.png", "levers.png"]
#: A best value this close to an end of its range (as a share of the range) is reported as at the edge.
EDGE = 0.02


@dataclass(frozen=True)
class LeverSearch:
    """A finished search: every candidate tried, the confirmation, the baseline's share in the search."""

    spec: OptimiseSpec
    trials: pd.DataFrame
    confirmation: Confirmation
    baseline_search_share: float
    search_seconds: float
    confirm_seconds: float

    @property
    def distinguishable(self) -> bool | None:
        """Whether the paired interval of best − runner-up excludes 0 (None without a runner-up)."""
        runner = self.confirmation.runner_up
        return None if runner is None else not runner["difference_low"] <= 0 <= runner["difference_high"]

    def at_edge(self) -> dict[str, bool]:
        """Range levers whose best value lies at an end of the range, each with whether the
        scenario allows values beyond that end (where a better setting may lie)."""
        best = self.confirmation.best
        fields = scenario_fields()
        edges = {}
        for path, (low, high) in self.spec.ranges.items():
            near_low = best[path] - low <= EDGE * (high - low)
            near_high = high - best[path] <= EDGE * (high - low)
            if near_low or near_high:
                bound = fields[path].low if near_low else fields[path].high
                edges[path] = bound is None or (low if near_low else high) != bound
        return edges


def run_optimise(spec: OptimiseSpec, progress: bool = True) -> LeverSearch:
    """The baseline on the search's ids, the search, then the confirmation of its best few."""
    started = time.perf_counter()
    baseline = float(evaluate(spec, [{}], 0, spec.replicates)[0].mean())
    trials = search(spec, progress)
    searched = time.perf_counter()
    confirmation = confirm(spec, trials, progress)
    return LeverSearch(spec, trials, confirmation, baseline, searched - started, time.perf_counter() - searched)


# --- files ----------------------------------------------------------------------------------------------


def write_optimise(out: Path, result: LeverSearch, command: str) -> None:
    """trials.csv, confirm.csv, best.json and the two figures, all or nothing."""
    from .figures import plt
    from .optimise_figures import figure_levers, figure_search

    confirmed = result.trials["trial"].isin(result.confirmation.table["trial"])
    with atomic_folder(out) as tmp:
        result.trials.assign(confirmed=confirmed).to_csv(tmp / "trials.csv", index=False)
        result.confirmation.table.to_csv(tmp / "confirm.csv", index=False)
        (tmp / "best.json").write_text(json.dumps(answer(result, command), indent=2, default=str) + "\n")
        for name, draw in (("search.png", figure_search), ("levers.png", figure_levers)):
            fig = draw(result.spec, result.trials, result.confirmation, result.baseline_search_share)
            fig.savefig(tmp / name, dpi=120)
            plt.close(fig)


def answer(result: LeverSearch, command: str) -> dict:
    """best.json: the answer, its intervals, the runner-up, and everything needed to rerun it."""
    spec, c = result.spec, result.confirmation
    runner = c.runner_up
    optuna = require_optuna()
    return {
        "question": f"{spec.goal} the share of {outcome_words(spec.outcome)} at day {spec.horizon_days}",
        "best": _candidate(spec, c.best),
        "runner_up": None if runner is None else _candidate(spec, runner),
        "best_minus_runner_up": None
        if runner is None
        else {
            "difference": float(runner["difference"]),
            "low": float(runner["difference_low"]),
            "high": float(runner["difference_high"]),
            "distinguishable": result.distinguishable,
        },
        "confirmed_candidates_not_distinguishable_from_best": c.tied_with_best,
        "baseline": {"levers": {p: _plain(spec.scenario.get(p)) for p in spec.levers}, **_floats(c.baseline)},
        "levers_at_the_edge_of_their_range": [
            {"lever": path, "range_could_be_wider": wider} for path, wider in result.at_edge().items()
        ],
        "search": {
            "trials": spec.trials,
            "replicates": spec.replicates,
            "replicate_ids": [0, spec.replicates - 1],
            "baseline_share": result.baseline_search_share,
            "sampler": "optuna TPESampler (multivariate, constant liar), seeded from the seed",
            "wall_seconds": round(result.search_seconds, 3),
        },
        "confirmation": {
            "candidates": len(c.table),
            "replicates": c.stop - c.start,
            "replicate_ids": [c.start, c.stop - 1],
            "wall_seconds": round(result.confirm_seconds, 3),
        },
        "pairing": "common random numbers: replicate k of every candidate uses the streams of (seed, k)",
        "intervals": "95%: Wilson score interval for a share; paired Wald interval of the per-replicate difference",
        "command": command,
        "seed": spec.seed,
        "optimise": spec.resolved(),
        "versions": {**versions(), "optuna": optuna.__version__},
        "scenario": spec.scenario.to_dict(),
        "files": FILES,
    }


def _candidate(spec: OptimiseSpec, row: pd.Series) -> dict:
    return {
        "trial": int(row["trial"]),
        "levers": {path: _plain(row[path]) for path in spec.levers},
        "share": float(row["share"]),
        "low": float(row["low"]),
        "high": float(row["high"]),
        "count": int(row["count"]),
        "n": int(row["n"]),
        "search_share": float(row["search_share"]),
    }


def _floats(values: dict) -> dict:
    return {k: _floats(v) if isinstance(v, dict) else _plain(v) for k, v in values.items()}


def _plain(value: Any) -> Any:
    """A value for JSON: NumPy scalars as Python ones, priors as their text."""
    if isinstance(value, np.generic):
        return value.item()
    return value if isinstance(value, (int, float, str, bool)) or value is None else str(value)


# --- the summary ----------------------------------------------------------------------------------------


def _searches_words(spec) -> str:
    if spec.searches == 1:
        return f"{spec.trials} candidates"
    return f"{spec.searches} independent searches of {spec.trials} candidates"


def _searches_lines(spec, c, n: int) -> list[str]:
    """Each search's own best on the fresh replicates, and whether every search reached the best."""
    firsts = c.table.sort_values("rank").drop_duplicates(subset="search").sort_values("search")
    parts, behind = [], []
    for _, row in firsts.iterrows():
        text = f"search {int(row['search'])}: {share_text(int(row['count']), n)}"
        if row["rank"] > 1:
            d, low, high = (signed_pp(row[k]) for k in ("difference", "difference_low", "difference_high"))
            text += f" (best - it {d} pp [{low}, {high}])"
            if not row["difference_low"] <= 0 <= row["difference_high"]:
                behind.append(abs(row["difference"]))
        parts.append(text)
    if behind:
        verdict = (
            f"{len(behind)} of the {spec.searches} searches ended behind the best (by up to "
            f"{signed_pp(max(behind)).lstrip('+')} pp, intervals clear of 0): a search can settle on a local best, "
            "so more searches or trials may find better still."
        )
    else:
        verdict = "Every search reached a setting as good as the best, within its interval."
    return [f"Each of the {spec.searches} searches' best on the fresh replicates: " + "; ".join(parts) + ".", verdict]


def summary(result: LeverSearch) -> str:
    """What a student reads: the answer, how sure it is, the runner-up, and the scenario as it stands."""
    spec, c = result.spec, result.confirmation
    best, runner = c.best, c.runner_up
    what = outcome_words(spec.outcome)
    most = "most" if spec.goal == "maximise" else "least"
    n = c.stop - c.start
    lines = [
        f"Lever search {spec.name!r}: {spec.goal} the share of {what} at day {spec.horizon_days} in "
        f"{spec.scenario.name}, over {len(spec.levers)} lever(s); seed {spec.seed}",
        f"Search: {_searches_words(spec)} (TPE sampler), each candidate on the same {spec.replicates:,} replicates "
        f"(ids 0-{spec.replicates - 1:,}), {result.search_seconds:.1f} s",
        f"Confirmation: the {len(c.table)} best re-run on {n:,} fresh replicates (ids {c.start:,}-{c.stop - 1:,}), "
        f"the same for each and for the scenario as it stands, {result.confirm_seconds:.1f} s",
        "",
        f"{what.capitalize()} at day {spec.horizon_days} is {most} likely with the setting of trial "
        f"{int(best['trial'])}: {share_text(int(best['count']), n)}",
    ]
    lines += _lever_table(spec, best, runner)
    searched = int(round(best["search_share"] * spec.replicates))
    lines.append(
        f"In the search it scored {share_text(searched, spec.replicates)}; the fresh replicates decide, "
        "since the best of many noisy scores is flattered by being picked."
    )
    if runner is None:
        lines.append("No runner-up: the search tried only one distinct setting.")
    else:
        lines.append(f"Runner-up (trial {int(runner['trial'])}): {share_text(int(runner['count']), n)}")
        if result.distinguishable:
            verdict = "the best is ahead"
        elif runner["difference_low"] == runner["difference_high"] == 0:
            verdict = "not distinguishable: the two had the same outcome on every replicate"
        else:
            verdict = "not distinguishable: on these replicates the runner-up may be as good"
        lines.append(
            f"Best - runner-up: {signed_pp(runner['difference'])} pp "
            f"[{signed_pp(runner['difference_low'])}, {signed_pp(runner['difference_high'])}] "
            f"on the same random numbers: {verdict}."
        )
        if c.tied_with_best > 1:
            lines.append(
                f"{c.tied_with_best} of the other {len(c.table) - 1} confirmed settings cannot be told apart "
                "from the best (confirm.csv)."
            )
    if spec.searches > 1:
        lines += _searches_lines(spec, c, n)
    b = c.baseline
    d = b["best_minus_baseline"]
    lines.append(
        f"The scenario as it stands: {share_text(b['count'], b['n'])}; best - scenario: {signed_pp(d['difference'])} pp "
        f"[{signed_pp(d['low'])}, {signed_pp(d['high'])}]."
    )
    for path, wider in result.at_edge().items():
        low, high = spec.ranges[path]
        beyond = "a better setting may lie beyond it" if wider else "as far as the scenario allows"
        lines.append(
            f"{lever_label(path)} = {_show(best[path])} is at the edge of its range ({low:g} to {high:g}): {beyond}."
        )
    return "\n".join(lines)


def _lever_table(spec: OptimiseSpec, best: pd.Series, runner: pd.Series | None) -> list[str]:
    """The levers of the best, the runner-up and the scenario as it stands, side by side."""
    width = max(len(lever_label(p)) for p in spec.levers) + 2
    header = f"  {'lever':<{width}}{'best':>10}{'runner-up':>12}{'scenario':>18}"
    rows = [header]
    for path in spec.levers:
        second = "" if runner is None else _show(runner[path])
        rows.append(
            f"  {lever_label(path):<{width}}{_show(best[path]):>10}{second:>12}{_show(spec.scenario.get(path)):>18}"
        )
    return rows


def _show(value: Any) -> str:
    """A lever's value for a person: three significant figures for a number."""
    if isinstance(value, (float, np.floating)):
        return f"{value:.3g}"
    return str(value)


# --- the command ----------------------------------------------------------------------------------------


def cmd_optimise(args) -> int:
    """``ceasefire optimise FILE``: refusals first, then the search, the files and the summary."""
    require_optuna()
    spec = load_optimise(args.file, trials=args.trials, replicates=args.replicates, seed=args.seed)
    out = output_dir(args.out or Path("results") / spec.name, spec.name)
    check_budget(spec)
    command = command_line()
    result = run_optimise(spec, progress=not args.quiet)
    write_optimise(out, result, command)
    print(summary(result))
    print(f"\nWrote {out}/ ({', '.join(FILES)})")
    return 0

"""Figures of a lever search: the share over the search, and the share against each lever."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .figures import plt
from .optimise import lever_label, outcome_words

if TYPE_CHECKING:
    from .lever_search import Confirmation
    from .optimise import OptimiseSpec

__all__ = ["figure_search", "figure_levers"]

BEST, RUNNER_UP, BASELINE = "#d73027", "#4575b4", "#555555"


def figure_search(spec: OptimiseSpec, trials: pd.DataFrame, confirmation: Confirmation, baseline_share: float):
    """Each candidate's share in the search (with its 95% interval) in the order tried, the best so far, the baseline."""
    fig, ax = plt.subplots(figsize=(9, 4.2))
    x, share = trials["trial"].to_numpy(), 100 * trials["share"].to_numpy()
    ax.vlines(x, 100 * trials["low"], 100 * trials["high"], color="#cccccc", lw=1)
    ax.scatter(x, share, s=14, c=x, cmap="viridis", zorder=3, label="a candidate (colour: when it was tried)")
    running = np.maximum.accumulate(share) if spec.goal == "maximise" else np.minimum.accumulate(share)
    ax.step(x, running, where="post", color="k", lw=1, label="best so far in the search")
    confirmed = trials["trial"].isin(confirmation.table["trial"])
    ax.scatter(
        x[confirmed],
        share[confirmed],
        s=80,
        facecolors="none",
        edgecolors="k",
        zorder=4,
        label=f"re-run on fresh replicates ({confirmed.sum()})",
    )
    table = confirmation.table
    for row in table.itertuples():  # the search flatters what it picks: where each landed on fresh replicates
        ax.plot([row.trial, row.trial], [100 * row.search_share, 100 * row.share], color="k", lw=0.6, ls=":")
    ax.scatter(
        table["trial"],
        100 * table["share"],
        marker="_",
        s=120,
        color="k",
        zorder=4,
        label="its share on the fresh replicates",
    )
    best = confirmation.best
    ax.scatter(
        [best["trial"]],
        [100 * best["search_share"]],
        marker="*",
        s=220,
        color=BEST,
        zorder=5,
        label=f"best after the confirmation (trial {int(best['trial'])})",
    )
    ax.axhline(100 * baseline_share, color=BASELINE, ls="--", lw=1, label="the scenario as it stands")
    ax.set_xlabel("trial (candidates in the order the search tried them)")
    ax.set_ylabel(f"share of {outcome_words(spec.outcome)}, %")
    ax.set_title(
        f"Search: {len(trials)} candidates, each on the same {spec.replicates:,} replicates "
        f"(95% Wilson intervals in grey)",
        fontsize=10,
    )
    ax.legend(fontsize=7, frameon=False, loc="center right")
    fig.tight_layout()
    return fig


def figure_levers(spec: OptimiseSpec, trials: pd.DataFrame, confirmation: Confirmation, baseline_share: float):
    """One panel per lever: each candidate's share in the search against its value; best, runner-up, baseline marked.

    The best and the runner-up are drawn at their confirmed shares with 95% intervals.
    """
    levers = spec.levers
    cols = min(3, len(levers))
    rows = -(-len(levers) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.3 * rows), squeeze=False, sharey=True)
    share = 100 * trials["share"].to_numpy()
    for ax, path in zip(axes.flat, levers, strict=False):
        position = _positions(spec, path)
        ax.scatter(position(trials[path]), share, s=12, c=trials["trial"], cmap="viridis", alpha=0.8)
        for row, colour, name in ((confirmation.best, BEST, "best"), (confirmation.runner_up, RUNNER_UP, "runner-up")):
            if row is None:
                continue
            x = position(pd.Series([row[path]]))[0]
            err = [[100 * (row["share"] - row["low"])], [100 * (row["high"] - row["share"])]]
            ax.errorbar(
                [x],
                [100 * row["share"]],
                yerr=err,
                fmt="*" if name == "best" else "D",
                color=colour,
                ms=12 if name == "best" else 6,
                capsize=3,
                zorder=5,
                label=f"{name} (confirmed)",
            )
        ax.axhline(100 * baseline_share, color=BASELINE, ls="--", lw=1, label="scenario as it stands")
        value = spec.scenario.get(path)
        if _number(value) and path in spec.ranges:
            ax.axvline(value, color=BASELINE, ls=":", lw=1, label="its value in the scenario")
        if path in spec.choices:
            ax.set_xticks(range(len(spec.choices[path])), [str(c) for c in spec.choices[path]])
        ax.set_xlabel(lever_label(path), fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in axes[:, 0]:
        ax.set_ylabel(f"{outcome_words(spec.outcome)}, %", fontsize=8)
    for ax in list(axes.flat)[len(levers) :]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=6, frameon=False)
    fig.suptitle(
        f"Share of {outcome_words(spec.outcome)} at day {spec.horizon_days} against each lever "
        f"(dots: the search; markers: confirmed on {spec.confirm_replicates:,} fresh replicates)",
        fontsize=9,
    )
    fig.tight_layout()
    return fig


def _positions(spec: OptimiseSpec, path: str):
    """Where a lever's values go on the x axis: themselves for a range, evenly spaced places for a list."""
    if path in spec.ranges:
        return lambda values: values.to_numpy(dtype=float)
    choices = list(spec.choices[path])
    return lambda values: np.array([choices.index(v) for v in values], dtype=float)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)

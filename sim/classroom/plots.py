"""Figures a person would look at: one replicate's timeline, and outcome shares."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.experiments.figures import OUTCOME_COLOURS, plt
from sim.model.outcomes import outcome_shares

SIDE_COLOURS = {"russia": "#b2182b", "ukraine": "#2166ac"}


def _spans(day: np.ndarray, on: np.ndarray, width: float) -> list[tuple[float, float]]:
    """Contiguous (start, end) day ranges where ``on`` is true."""
    spans, start = [], None
    for d, flag in zip(day, on, strict=True):
        if flag and start is None:
            start = d
        if not flag and start is not None:
            spans.append((start, d))
            start = None
    if start is not None:
        spans.append((start, day[-1] + width))
    return spans


def plot_timeline(ax: plt.Axes, timeline: pd.DataFrame, replicate: int | None = None) -> None:
    """Strike intensity by side and class, truce and agreement shaded, accusations marked."""
    if replicate is None:
        replicate = int(timeline["replicate"].iloc[0])
    tl = timeline[timeline["replicate"] == replicate]
    day = tl["day"].to_numpy()
    width = float(day[1] - day[0]) if len(day) > 1 else 0.25
    for lo, hi in _spans(day, tl["truce"].to_numpy(), width):
        ax.axvspan(lo, hi, color="#fee08b", alpha=0.6, lw=0, label="unilateral truce")
    for lo, hi in _spans(day, (tl["agreement"] != "none").to_numpy(), width):
        ax.axvspan(lo, hi, color="#d9ef8b", alpha=0.6, lw=0, label="agreement in force")
    for side, colour in SIDE_COLOURS.items():
        ax.step(day, tl[f"fire_{side}_military"], where="post", color=colour, label=f"{side.title()}: military targets")
        ax.step(
            day,
            tl[f"fire_{side}_civilian"],
            where="post",
            color=colour,
            ls="--",
            label=f"{side.title()}: civilian targets",
        )
        acc = tl[tl[f"accusations_{side}"] > 0]
        marker = "v" if side == "russia" else "^"
        ax.scatter(
            acc["day"],
            np.full(len(acc), 1.02),
            marker=marker,
            color=colour,
            s=25,
            clip_on=False,
            label=f"accusation by {side.title()}",
        )
    walked = tl[~tl["mediator_engaged"]]
    if len(walked):
        ax.axvline(walked["day"].iloc[0], color="k", ls=":", label="U.S. walks away")
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles, strict=True))
    ax.legend(unique.values(), unique.keys(), fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("days since start")
    ax.set_ylabel("strike intensity")
    ax.set_title(f"Replicate {replicate}: strikes, truces, agreements and accusations")


def plot_shares(ax: plt.Axes, outcomes: pd.DataFrame) -> None:
    """Outcome shares with 95% Wilson intervals."""
    shares = outcome_shares(outcomes)
    y = np.arange(len(shares))
    err = np.clip(np.vstack([shares["share"] - shares["low"], shares["high"] - shares["share"]]), 0.0, None)
    ax.barh(y, shares["share"], xerr=err, color=OUTCOME_COLOURS, capsize=3)
    ax.set_yticks(y, [o.replace("_", " ") for o in shares["outcome"]])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel(f"share of {len(outcomes):,} replicates (95% Wilson interval)")
    ax.set_title("Outcome at the horizon")


def timeline_figure(timeline: pd.DataFrame, outcomes: pd.DataFrame) -> plt.Figure:
    """The run's figure: the first replicate's timeline, plus outcome shares when R > 1."""
    many = len(outcomes) > 1
    fig, axes = plt.subplots(2 if many else 1, 1, figsize=(11, 7.5 if many else 4.2), squeeze=False)
    if not timeline.empty:
        plot_timeline(axes[0, 0], timeline)
    if many:
        plot_shares(axes[1, 0], outcomes)
    fig.tight_layout()
    return fig

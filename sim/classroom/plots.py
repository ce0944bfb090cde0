"""Figures a person would look at: one replicate's timeline, and outcome shares.

Steps differ in length (the clock cuts them at scheduled times), so every figure places a
step from its ``day`` to ``day + hours / 24`` (timeline columns), never by its index.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from sim.experiments.figures import OUTCOME_COLOURS, plt
from sim.model.outcomes import OUTCOMES, outcome_shares

SIDE_COLOURS = {"russia": "#D55E00", "ukraine": "#0072B2"}  # Okabe-Ito vermillion and blue
#: Colour of each outcome class by name (experiments.figures keeps them in OUTCOMES order).
OUTCOME_COLOUR = {o: c for o, c in zip(OUTCOMES, OUTCOME_COLOURS, strict=False)}
#: Shading of what is in force, and of the mediator's absence.
TRUCE_COLOUR, AGREEMENT_COLOUR, AWAY_COLOUR = "#fee08b", "#d9ef8b", "#636363"


def _rows(timeline: pd.DataFrame, replicate: int | None) -> tuple[pd.DataFrame, int]:
    if replicate is None:
        replicate = int(timeline["replicate"].iloc[0])
    return timeline[timeline["replicate"] == replicate], replicate


def step_edges(tl: pd.DataFrame) -> np.ndarray:
    """(n + 1,) day at which each step starts, and the day the last one ends."""
    day = tl["day"].to_numpy(dtype=float)
    return np.append(day, day[-1] + tl["hours"].to_numpy(dtype=float)[-1] / 24.0) if len(day) else day


def _spans(edges: np.ndarray, on: np.ndarray) -> list[tuple[float, float]]:
    """Contiguous (start, end) day ranges of the steps where ``on`` is true."""
    spans, start = [], None
    for k, flag in enumerate(on):
        if flag and start is None:
            start = edges[k]
        if not flag and start is not None:
            spans.append((start, edges[k]))
            start = None
    if start is not None:
        spans.append((start, edges[len(on)]))
    return spans


def plot_timeline(ax: plt.Axes, timeline: pd.DataFrame, replicate: int | None = None, legend: bool = True) -> None:
    """Strike intensity by side and class, truce and agreement shaded, accusations marked.

    A grey bar along the bottom marks the days the U.S. had stepped back from the talks.
    """
    tl, replicate = _rows(timeline, replicate)
    edges = step_edges(tl)
    for lo, hi in _spans(edges, tl["truce"].to_numpy(dtype=bool)):
        ax.axvspan(lo, hi, color=TRUCE_COLOUR, alpha=0.6, lw=0, label="unilateral truce")
    for lo, hi in _spans(edges, (tl["agreement"] != "none").to_numpy()):
        ax.axvspan(lo, hi, color=AGREEMENT_COLOUR, alpha=0.6, lw=0, label="agreement in force")
    for lo, hi in _spans(edges, ~tl["mediator_engaged"].to_numpy(dtype=bool)):
        ax.axvspan(lo, hi, ymin=0.0, ymax=0.035, color=AWAY_COLOUR, lw=0, label="U.S. stepped back")
    middle = 0.5 * (edges[:-1] + edges[1:])
    for side, colour in SIDE_COLOURS.items():
        name = side.title()
        ax.stairs(
            tl[f"fire_{side}_military"], edges, baseline=None, color=colour, lw=1.6, label=f"{name}: military targets"
        )
        ax.stairs(
            tl[f"fire_{side}_civilian"],
            edges,
            baseline=None,
            color=colour,
            lw=1.6,
            ls="--",
            label=f"{name}: civilian targets",
        )
        accused = tl[f"accusations_{side}"].to_numpy() > 0
        ax.scatter(
            middle[accused],
            np.full(accused.sum(), 1.02),
            marker="v" if side == "russia" else "^",
            color=colour,
            s=25,
            clip_on=False,
            label=f"accusation by {name}",
        )
    if legend:
        handles, labels = ax.get_legend_handles_labels()
        unique = dict(zip(labels, handles, strict=True))
        ax.legend(unique.values(), unique.keys(), fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.set_ylim(0, 1.05)
    ax.set_xlim(edges[0] if len(edges) else 0, edges[-1] if len(edges) else 1)
    ax.set_xlabel("days since start")
    ax.set_ylabel("strike intensity")
    ax.set_title(f"Replicate {replicate}: strikes, truces, agreements and accusations")


def abandonments(events: pd.DataFrame | None, start: str | None, replicate: int) -> list[tuple[str, float, float]]:
    """(side, day, tolerance) of each abandonment for violations in the event log, from its detail text."""
    if events is None or events.empty or start is None:
        return []
    rows = events[(events["replicate"] == replicate) & (events["kind"] == "abandoned")]
    origin = pd.Timestamp(start)
    out = []
    for r in rows.itertuples():
        day = (pd.Timestamp(r.time) - origin) / pd.Timedelta(days=1)
        for side, tolerance in re.findall(
            r"(russia|ukraine): [\d.]+ recent violations counted.*?\(([\d.]+)\)", str(r.detail)
        ):
            out.append((side, day, float(tolerance)))
    return out


def plot_grievance(
    ax: plt.Axes, timeline: pd.DataFrame, replicate: int | None = None, events: pd.DataFrame | None = None
) -> None:
    """Each side's count of recent violations (solid) against what it tolerates (dashed).

    A side abandons the truce or deal it holds when its count passes its tolerance; the
    count is recorded at the end of each step, so ``events`` (the event log), when given,
    adds a cross where and when a side decided.
    """
    tl, replicate = _rows(timeline, replicate)
    edges = step_edges(tl)
    start = tl["time"].iloc[0] if len(tl) else None
    for side, colour in SIDE_COLOURS.items():
        name = side.title()
        ax.plot(
            edges,
            np.append(0.0, tl[f"grievance_{side}"].to_numpy(dtype=float)),
            color=colour,
            lw=1.6,
            label=f"{name}: violations counted",
        )
        ax.stairs(
            tl[f"tolerance_{side}"], edges, baseline=None, color=colour, lw=1.2, ls=":", label=f"{name}: tolerates"
        )
    quit_ = abandonments(events, start, replicate)
    for side, day, tolerance in quit_:
        ax.scatter([day], [tolerance], marker="X", s=70, color=SIDE_COLOURS[side], edgecolor="black", zorder=5)
    if quit_:
        ax.scatter([], [], marker="X", s=70, color="white", edgecolor="black", label="abandons")
    ax.set_ylim(0, None)
    ax.set_xlim(edges[0] if len(edges) else 0, edges[-1] if len(edges) else 1)
    ax.set_ylabel("violations")


def plot_shares(ax: plt.Axes, outcomes: pd.DataFrame) -> None:
    """Outcome shares with 95% Wilson intervals, one bar per outcome class."""
    shares = outcome_shares(outcomes)
    y = np.arange(len(shares))
    err = np.clip(np.vstack([shares["share"] - shares["low"], shares["high"] - shares["share"]]), 0.0, None)
    colours = [OUTCOME_COLOUR.get(o, "#999999") for o in shares["outcome"]]
    ax.barh(y, shares["share"], xerr=err, color=colours, capsize=3)
    ax.set_yticks(y, [o.replace("_", " ") for o in shares["outcome"]])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel(f"share of {len(outcomes):,} replicates (95% Wilson interval)")
    ax.set_title("Outcome at the horizon")


def timeline_figure(timeline: pd.DataFrame, outcomes: pd.DataFrame) -> plt.Figure:
    """The run's figure: the first replicate's strikes and grievances, plus outcome shares when R > 1."""
    many = len(outcomes) > 1
    ratios = [3, 1.3] + ([3] if many else [])
    fig, axes = plt.subplots(len(ratios), 1, figsize=(11, 10 if many else 6), height_ratios=ratios, squeeze=False)
    if not timeline.empty:
        plot_timeline(axes[0, 0], timeline)
        axes[0, 0].set_xlabel("")
        plot_grievance(axes[1, 0], timeline)
        axes[1, 0].set_xlabel("days since start")
        axes[1, 0].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
        axes[1, 0].set_title("Recent violations each side counts, against what it tolerates", fontsize=10)
    else:
        axes[1, 0].set_axis_off()
    if many:
        plot_shares(axes[2, 0], outcomes)
    fig.tight_layout()
    return fig

"""Figures of ``ceasefire discover``: the chosen box against each range, the trade-off, the feature scores.

Drawn here rather than with the EMA Workbench's own plots: those show grid parameters as the
ranks PRIM peels (0, 1, 2, ...), and fix the density axis at 0 to 1.2, where a rare class
sits in a thin line at the bottom.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.ticker import PercentFormatter

from .discover import CLASS_WORDS, Discovery, condition, fmt, full_range, label, percent, restricted, significant
from .figures import OUTCOME_COLOURS, plt

BOX_COLOUR = "#2166ac"
#: Parameters a figure shows one row each; beyond, the box figure shows only the restricted ones.
MAX_ROWS = 15


#: As the sweep report's own figures: saved at twice the resolution the report shows them at,
#: so text stays sharp and legible at 100% zoom (sim/experiments/report.py, DPI and DISPLAY_SCALE).
DPI = 200


def save(fig, path: Path) -> None:
    fig.savefig(path, dpi=DPI, bbox_inches="tight")
    plt.close(fig)


def _colour(d: Discovery) -> str:
    from sim.model.outcomes import OUTCOMES

    colour = OUTCOME_COLOURS[OUTCOMES.index(d.outcome)]
    return BOX_COLOUR if colour in ("#d9ef8b", "#a6d96a", "#999999") else colour  # pale ones read badly as bars


def figure_box(d: Discovery):
    """Each varied parameter's swept range (grey) with the chosen box's part of it (coloured), restricted ones first."""
    i, box = d.chosen, d.box
    limited = restricted(d, i)
    others = [p for p in d.design.parameters if p not in limited]
    hidden = len(others) if len(d.design.parameters) > MAX_ROWS else 0  # many: only the restricted ones
    params = limited + others[: len(others) - hidden]
    colour = _colour(d)
    fig, ax = plt.subplots(figsize=(9.5, 0.65 * len(params) + 1.6), layout="constrained")
    for row, p in enumerate(params):
        lims, whole = d.limits[i][p], full_range(d.design, p)
        values = sorted(d.design.runs[p].unique(), key=lambda v: (isinstance(v, str), v))
        y = -row
        if len(lims) == 1:  # categories: one dot per value, filled when inside the box
            xs = np.linspace(0, 1, len(values)) if len(values) > 1 else np.array([0.5])
            ax.plot([0, 1], [y, y], color="#cccccc", lw=6, solid_capstyle="round", zorder=1)
            for x, v in zip(xs, values, strict=True):
                inside = v in lims[0]
                ax.scatter([x], [y], s=60, color=colour if inside else "white", edgecolor="#555555", zorder=3)
                ax.annotate(str(v), (x, y), xytext=(0, -13), textcoords="offset points", ha="center", fontsize=7)
        else:
            low, high = whole
            span = (high - low) or 1.0
            a, b = (lims[0] - low) / span, (lims[1] - low) / span
            ax.plot([0, 1], [y, y], color="#cccccc", lw=6, solid_capstyle="round", zorder=1)
            ax.plot([a, b], [y, y], color=colour if p in limited else "#9ecae1", lw=6, solid_capstyle="round", zorder=2)
            few = len(values) <= 12  # a grid's values as ticks, each labelled; else only the ends
            shown = values if few else [low, high]
            xs = (np.asarray(shown, dtype=float) - low) / span
            if few:  # values inside a restricted box as large dots: a box of one value has no length
                inside = (np.asarray(shown, dtype=float) >= lims[0]) & (np.asarray(shown, dtype=float) <= lims[1])
                ax.scatter(xs, np.full(len(xs), y), s=10, color="#333333", zorder=3)
                if p in limited:
                    ax.scatter(xs[inside], np.full(inside.sum(), y), s=70, color=colour, edgecolor="#333333", zorder=4)
            for x, v in zip(xs, shown, strict=True):
                text = fmt(v) if d.design.grid else significant(v)
                ax.annotate(text, (x, y), xytext=(0, -13), textcoords="offset points", ha="center", fontsize=7)
            base = _number(d.design.baseline.get(p, ""))
            if base is not None and low <= base <= high:
                ax.scatter([(base - low) / span], [y + 0.22], marker="v", s=30, color="#111111", zorder=4)
        ax.annotate(
            condition(d, i, p) if p in limited else "not restricted",
            (1.04, y),
            va="center",
            fontsize=8,
            annotation_clip=False,
            color="#111111" if p in limited else "#777777",
        )
    ax.set_yticks([-r for r in range(len(params))], [label(p) for p in params], fontsize=8)
    keys = [
        Line2D([], [], color=colour, lw=6, label="inside the box"),
        Line2D([], [], color="#9ecae1", lw=6, label="not restricted: the whole range is inside"),
        Line2D([], [], color="#cccccc", lw=6, label="outside the box"),
        Line2D([], [], color="#111111", marker="v", ls="", label="the scenario's own value"),
    ]
    ax.legend(handles=keys, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncols=4, fontsize=7, frameon=False)
    if hidden:
        ax.set_xlabel(f"\n\n{hidden} other parameters not restricted (all in boxes.csv)", fontsize=8)
    ax.set_ylim(-len(params) + 0.4, 0.6)
    ax.set_xlim(-0.04, 1.04)
    ax.set_xticks([])
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)
    happens = CLASS_WORDS[d.outcome][0]
    ax.set_title(
        f"Where {happens}: density {percent(box['density'])} (over all runs {percent(d.overall)}), "
        f"coverage {percent(box['coverage'])}, mass {percent(box['mass'])}",
        fontsize=10,
    )
    return fig


def figure_tradeoff(d: Discovery):
    """Coverage against density of every box on the peeling trajectory; the chosen box ringed."""
    t = d.peeling
    fig, ax = plt.subplots(figsize=(7, 4.8), layout="constrained")
    top = int(t["res_dim"].max())
    cmap = plt.get_cmap("viridis", top + 1)
    dots = ax.scatter(t["coverage"], t["density"], c=t["res_dim"], cmap=cmap, vmin=-0.5, vmax=top + 0.5, s=28, zorder=3)
    ax.plot(t["coverage"], t["density"], color="#bbbbbb", lw=0.8, zorder=2)
    chosen = t.iloc[d.chosen]
    ax.scatter([chosen["coverage"]], [chosen["density"]], s=220, facecolor="none", edgecolor="#d73027", lw=2, zorder=4)
    ax.annotate(
        f"chosen: box {int(chosen['id'])}\ncoverage {percent(chosen['coverage'])}, density {percent(chosen['density'])}",
        (chosen["coverage"], chosen["density"]),
        xytext=(16, 10),
        textcoords="offset points",
        fontsize=8,
        color="#d73027",
    )
    ax.axhline(d.overall, color="#777777", ls=":", lw=1)
    ax.annotate(
        f"over all runs ({percent(d.overall)})",
        (0.01, d.overall),
        xytext=(0, 3),
        textcoords="offset points",
        fontsize=7,
    )
    ax.axhline(d.threshold, color="#d73027", ls="--", lw=0.8)
    ax.annotate(
        f"threshold ({percent(d.threshold)})",
        (0.01, d.threshold),
        xytext=(0, 3),
        textcoords="offset points",
        fontsize=7,
    )
    ax.set_xlim(0, 1.03)
    high = float(t["density"].max())
    ax.set_ylim(
        max(0.0, d.overall - 0.15 * (high - d.overall) - 0.02), min(1.02, high + 0.15 * (high - d.overall) + 0.02)
    )
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("coverage: share of all its runs inside the box")
    ax.set_ylabel("density: share of the box's runs")
    ax.set_title(f"PRIM's peeling trajectory for {d.outcome.replace('_', ' ')}", fontsize=10)
    bar = fig.colorbar(dots, ax=ax, ticks=range(top + 1))
    bar.set_label("parameters restricted")
    return fig


def figure_scores(d: Discovery):
    """Feature scores, largest on top."""
    s = d.scores.head(MAX_ROWS)
    fig, ax = plt.subplots(figsize=(7, 0.4 * len(s) + 1.4), layout="constrained")
    y = np.arange(len(s))
    ax.barh(y, s["score"], color=_colour(d))
    for yi, v in zip(y, s["score"], strict=True):
        ax.annotate(f"{v:.2f}", (v, yi), xytext=(3, 0), textcoords="offset points", va="center", fontsize=8)
    ax.set_yticks(y, s["label"], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, max(1e-9, float(s["score"].max())) * 1.15)
    rest = d.scores["score"].iloc[MAX_ROWS:]
    more = (
        f"\nthe other {len(rest)} parameters score {rest.sum():.2f} together (feature_scores.csv)" if len(rest) else ""
    )
    ax.set_xlabel(f"feature score (extra trees; the scores sum to 1){more}")
    ax.set_title(f"What the share of {d.outcome.replace('_', ' ')} depends on", fontsize=10)
    return fig


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None

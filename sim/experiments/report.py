"""``ceasefire report DIR``: the answer of a finished sweep first, then the figures behind it.

``DIR/report/index.html`` reads top down, one function per section:

1. :func:`effects_section`: each lever's effect on each outcome class in percentage points,
   with intervals that respect common random numbers (:mod:`sim.experiments.effects`);
   also ``effects.csv``.
2. :func:`sensitivity_entries`: which levers matter most (Sobol indices, sorted; a Morris screening's μ*).
3. :func:`discovery_entries`: scenario discovery (``ceasefire discover``), when it has run.
4. :func:`detail_entries`: shares against each lever, heatmaps of lever pairs, survival curves.

Every axis, table and caption names a lever by :func:`sim.scenario.schema.label` (name and
unit) and marks the scenario's own (baseline) value. Shares pooled over points share replicate
ids, so their bands count each replicate id once (:meth:`ClusterCounts.pooled`). Figures are
saved at twice the resolution they are shown at, with text of at least :data:`MIN_FONT_PT`,
so the page is legible at 100% zoom.
"""

from __future__ import annotations

import argparse
import html
import itertools
import os
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from matplotlib.patches import Rectangle

from sim.errors import ScenarioError
from sim.model.outcomes import OUTCOME_MEANINGS, OUTCOMES
from sim.scenario.schema import label, name_and_unit

from .effects import ClusterCounts, baseline_value, cluster_counts, describe_baseline, effects_table, is_number
from .figures import OUTCOME_COLOURS, plt
from .files import atomic_folder, check_writable, read_csv_table, read_json_object
from .screening import morris_report, sobol_advice, warn
from .stats import censor_at_horizon, kaplan_meier, sobol_table
from .sweep import sobol_blocks

__all__ = [
    "SweepResult",
    "Entry",
    "load_result",
    "write_report",
    "effects_section",
    "sensitivity_entries",
    "discovery_entries",
    "detail_entries",
    "save_figure",
    "cmd_report",
]

MAX_BINS = 8

#: Figures are saved at DPI dots per inch and shown at DPI / DISPLAY_SCALE pixels per inch
#: (sharp on high-density screens): 1 pt of text is then 100/72 CSS pixels on the page.
DPI = 200
DISPLAY_SCALE = 2
#: Smallest text in a figure, in points: 9 pt is 12.5 CSS pixels at 100% zoom.
MIN_FONT_PT = 9
#: Widest figure, in inches (1,050 CSS pixels: the page is at most 1,120 wide, so shown at native size).
MAX_WIDTH_IN = 10.5
READABLE = {
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "xtick.labelsize": MIN_FONT_PT,
    "ytick.labelsize": MIN_FONT_PT,
    "legend.fontsize": MIN_FONT_PT,
    "figure.titlesize": 11,
    "figure.labelsize": 10,
}
BASELINE_COLOUR = "#444444"
#: Rows of the effects table shown on the page (all rows are in effects.csv).
SHOWN_EFFECTS = 15


class Entry(NamedTuple):
    """One figure of the page: its file (relative to ``DIR/report/``), heading and caption."""

    file: str
    heading: str
    caption: str


@dataclass
class SweepResult:
    """A finished sweep folder: its manifest, per-point table and the path of its runs."""

    path: Path
    manifest: dict
    points: pd.DataFrame
    _clusters: ClusterCounts | None = field(default=None, repr=False)

    @property
    def parameters(self) -> list[str]:
        return list(self.manifest["sweep"]["parameters"])

    @property
    def design(self) -> str:
        return self.manifest["sweep"]["design"]

    def counts(self, name: str) -> np.ndarray:
        """(P,) replicates of each point that ended in outcome class ``name``."""
        return np.rint(self.points[f"share_{name}"] * self.points["n"]).astype(np.int64)

    def observed_outcomes(self) -> list[str]:
        """Outcome classes seen in at least one replicate of the sweep."""
        return [o for o in OUTCOMES if self.counts(o).sum() > 0]

    def runs(self, points: list[int], columns: list[str]) -> pd.DataFrame:
        """Rows of ``runs.parquet`` for some points only (the file is never read whole)."""
        return pq.read_table(
            self.path / "runs.parquet", columns=["point", *columns], filters=[("point", "in", points)]
        ).to_pandas()

    @property
    def clusters(self) -> ClusterCounts:
        """Outcome counts per (point, cluster of replicate ids), read once from ``runs.parquet``."""
        if self._clusters is None:
            independent = bool(self.manifest["sweep"].get("independent_points"))
            ids = self.manifest["sweep"]["replicates"] * (len(self.points) if independent else 1)
            self._clusters = cluster_counts(self.path / "runs.parquet", len(self.points), ids, independent)
        return self._clusters

    def baseline(self, parameter: str) -> Any:
        """The scenario's own value of a swept key path (a number, a text, or a prior as written)."""
        return baseline_value(self.manifest.get("scenario") or {}, parameter)

    def is_category(self, parameter: str) -> bool:
        """A grid over text or yes/no values: drawn as categories, compared with a reference."""
        values = self.manifest["sweep"]["parameters"][parameter]
        return self.design == "grid" and not all(is_number(v) for v in values)

    def label(self, point: int) -> str:
        row = self.points.loc[self.points["point"] == point].iloc[0]
        return f"point {point}: " + ", ".join(f"{label(p)} = {_fmt(row[p])}" for p in self.parameters)


def load_result(path: Path) -> SweepResult:
    """Open a finished sweep folder; refuse anything else with one message."""
    manifest = path / "manifest.json"
    if not manifest.is_file() or not (path / "points.csv").is_file() or not (path / "runs.parquet").is_file():
        raise ScenarioError(
            "report",
            str(path),
            "no finished sweep (manifest.json, points.csv or runs.parquet missing)",
            "a folder written by `ceasefire sweep` that ran to the end (finish it with --resume)",
        )
    meta = _manifest(manifest)
    parameters = list(meta["sweep"]["parameters"])
    points = read_csv_table(path / "points.csv", ["point", "n", "horizon_days", *parameters], WRITTEN_BY)
    if not np.array_equal(points["point"].to_numpy(), np.arange(len(points))):
        raise ScenarioError(str(path / "points.csv"), "point", "point ids other than 0, 1, 2, ... in order", WRITTEN_BY)
    _check_runs(path / "runs.parquet")
    if "block_param" in points:
        points["block_param"] = points["block_param"].fillna("")
    return SweepResult(path, meta, points)


WRITTEN_BY = "the file as `ceasefire sweep` writes it (run the sweep again into a new --out)"


def _manifest(file: Path) -> dict:
    """The manifest of a finished sweep, with the fields the report reads."""
    meta = read_json_object(file, WRITTEN_BY)
    sweep = meta.get("sweep")
    if (
        not isinstance(sweep, dict)
        or not isinstance(sweep.get("parameters"), (dict, list))
        or not isinstance(sweep.get("design"), str)
        or not isinstance(sweep.get("replicates"), int)
        or not isinstance(meta.get("wall_seconds"), (int, float))
    ):
        raise ScenarioError(
            str(file), "sweep", "a manifest without the sweep's parameters, design or replicates", WRITTEN_BY
        )
    return meta


def _check_runs(file: Path) -> None:
    """Refuse a ``runs.parquet`` that is not Parquet or lacks a column the report reads (read only its footer)."""
    try:
        names = pq.read_schema(file).names
    except Exception:  # pyarrow raises ArrowInvalid, OSError or others on a damaged file
        raise ScenarioError(str(file), "", "no readable Parquet file", WRITTEN_BY) from None
    for column in ("point", "replicate", "outcome"):
        if column not in names:
            raise ScenarioError(str(file), "", f"no column {column!r}", WRITTEN_BY)


# --- pooling ---------------------------------------------------------------------------------------


def pooled_shares(result: SweepResult, parameter: str) -> pd.DataFrame:
    """Per value (grid) or quantile bin (lhs, sobol) of ``parameter``: x, n, and each class's
    pooled share with its 95% interval (each replicate id counted once: :meth:`ClusterCounts.pooled`)."""
    pts = result.points
    if result.design == "sobol":  # A and B are the independent samples; AB rows repeat them
        pts = pts[pts["block"].isin(["A", "B"])]
    x = pts[parameter]
    if result.design == "grid" or x.nunique() <= MAX_BINS:
        key = x
    else:
        key = pd.qcut(x, q=min(MAX_BINS, x.nunique()), duplicates="drop")
    groups = pts.assign(_key=np.asarray(key)).groupby("_key", observed=True, sort=True)
    rows = []
    for _, group in groups:
        members = np.zeros(len(result.points), dtype=bool)
        members[group["point"].to_numpy()] = True
        share, low, high = result.clusters.pooled(members)
        # A text value (a grid over a rule, say) is its own label; numbers pool to the bin's mean.
        value = group[parameter].mean() if is_number(group[parameter].iloc[0]) else group[parameter].iloc[0]
        row = {"x": value, "n": int(group["n"].sum()), "points": len(group)}
        for i, o in enumerate(OUTCOMES):
            row[o], row[f"{o}_low"], row[f"{o}_high"] = share[i], low[i], high[i]
        rows.append(row)
    table = pd.DataFrame(rows)
    if result.is_category(parameter):  # in the order the sweep file lists them
        order = [str(v) for v in result.manifest["sweep"]["parameters"][parameter]]
        table = table.iloc[np.argsort([order.index(str(v)) for v in table["x"]], kind="stable")]
    return table.reset_index(drop=True)


def pooled_grid(result: SweepResult, p: str, q: str, outcome: str) -> pd.DataFrame:
    """(values of p) x (values of q) table of the pooled share of ``outcome``."""
    frame = result.points.assign(_k=result.counts(outcome))
    grouped = frame.groupby([p, q])
    share = grouped["_k"].sum() / grouped["n"].sum()
    table = share.unstack(q)
    if result.is_category(p):
        table = table.reindex([v for v in _listed(result, p) if v in table.index])
    if result.is_category(q):
        table = table[[v for v in _listed(result, q) if v in table.columns]]
    return table


def _listed(result: SweepResult, parameter: str) -> list:
    """A grid parameter's values in the order of the sweep file, typed as ``points.csv`` reads them back."""
    column = result.points[parameter]
    by_text = {str(v): v for v in column.unique()}
    return [by_text[str(v)] for v in result.manifest["sweep"]["parameters"][parameter] if str(v) in by_text]


# --- the baseline on an axis ----------------------------------------------------------------------------


def mark_baseline(ax, result: SweepResult, parameter: str, categories: list | None = None) -> str:
    """Mark the scenario's value of ``parameter`` on the x axis of ``ax``; return how, for the caption.

    A number is a dashed line labelled "baseline"; a prior a shaded band ("baseline prior
    range"); one of ``categories`` (drawn at x = 0, 1, 2, ...) its tick label, in bold,
    followed by "(baseline)".
    """
    value = result.baseline(parameter)
    if value is None:
        return ""
    if categories is not None:
        texts = [_fmt(v) for v in categories]
        if _fmt(value) not in texts:
            return f"the scenario's own value ({describe_baseline(value)}) is not among them"
        i = texts.index(_fmt(value))
        texts[i] += "\n(baseline)"
        ax.set_xticks(range(len(texts)), texts)
        ax.get_xticklabels()[i].set_fontweight("bold")
        return f"the scenario's own value ({_fmt(value)}) is marked (baseline)"
    if isinstance(value, dict) and len(value) == 1:
        (args,) = value.values()
        ax.axvspan(args[0], args[-1], color=BASELINE_COLOUR, alpha=0.08, lw=0, label="baseline prior range")
        for edge in (args[0], args[-1]):
            ax.axvline(edge, color=BASELINE_COLOUR, ls=":", lw=1.0)
        return f"the shaded band is the range of the scenario's prior ({describe_baseline(value)})"
    if is_number(value):
        ax.axvline(value, color=BASELINE_COLOUR, ls="--", lw=1.2, label=f"baseline ({_fmt(value)})")
        return f"the dashed line marks the scenario's value ({_fmt(value)})"
    return ""


def _position(value: float, positions: list | None) -> float | None:
    """Where ``value`` lies on an axis: itself, or on an axis of positions by interpolation (None if outside)."""
    if positions is None:
        return float(value)
    numbers = np.asarray(positions, dtype=float)
    if not numbers.size or value < numbers.min() or value > numbers.max():
        return None
    order = np.argsort(numbers)
    return float(np.interp(value, numbers[order], np.arange(len(numbers))[order]))


# --- figures -------------------------------------------------------------------------------------------


def figure_shares(result: SweepResult, parameter: str) -> tuple[Any, str]:
    """Pooled share of each outcome class against one lever; returns the figure and how the baseline is marked."""
    table = pooled_shares(result, parameter)
    fig, ax = plt.subplots(figsize=(9.0, 4.6), layout="constrained")
    outcomes = result.observed_outcomes()
    if result.is_category(parameter):
        width = 0.8 / max(len(outcomes), 1)
        x = np.arange(len(table))
        for i, o in enumerate(outcomes):
            colour = OUTCOME_COLOURS[OUTCOMES.index(o)]
            err = np.vstack([table[o] - table[f"{o}_low"], table[f"{o}_high"] - table[o]])
            ax.bar(
                x + (i - (len(outcomes) - 1) / 2) * width,
                table[o],
                width,
                yerr=err,
                color=colour,
                capsize=2,
                label=_outcome(o),
                error_kw={"lw": 0.8},
            )
        ax.set_xticks(x, [_fmt(v) for v in table["x"]])
        marked = mark_baseline(ax, result, parameter, categories=list(table["x"]))
    else:
        x = table["x"].to_numpy(dtype=float)
        for o in outcomes:
            colour = OUTCOME_COLOURS[OUTCOMES.index(o)]
            ax.plot(x, table[o], marker="o", ms=4, color=colour, label=_outcome(o))
            ax.fill_between(x, table[f"{o}_low"], table[f"{o}_high"], color=colour, alpha=0.25, lw=0)
        ax.set_xlim(*_padded(x))
        marked = mark_baseline(ax, result, parameter)
        ax.set_xlim(*_padded(x))  # a prior's band must not widen the axis beyond the swept values
    ax.set_xlabel(label(parameter))
    ax.set_ylabel("share of replicates")
    ax.set_ylim(0, 1)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.set_title("Outcome at the horizon")
    return fig, marked


def _padded(x: np.ndarray) -> tuple[float, float]:
    low, high = float(np.min(x)), float(np.max(x))
    pad = 0.03 * (high - low) if high > low else 0.5
    return low - pad, high + pad


def figure_heatmap(result: SweepResult, p: str, q: str):
    """One panel per outcome class: the pooled share for every pair of values of two grid levers."""
    outcomes = result.observed_outcomes()
    cols = min(3, len(outcomes))
    rows = int(np.ceil(len(outcomes) / cols))
    fig, axes = plt.subplots(
        rows,
        cols,
        figsize=(MAX_WIDTH_IN, 2.9 * rows + 0.9),
        squeeze=False,
        sharex=True,
        sharey=True,
        layout="constrained",
    )
    for ax, o in zip(axes.flat, outcomes, strict=False):
        grid = pooled_grid(result, p, q, o)
        values = grid.to_numpy(dtype=float)
        im = ax.imshow(values, origin="lower", cmap="viridis", vmin=0, vmax=1, aspect="auto")
        for (i, j), v in np.ndenumerate(values):
            ax.text(j, i, _cell(v), ha="center", va="center", fontsize=MIN_FONT_PT, color="w" if v < 0.6 else "k")
        ax.set_xticks(range(grid.shape[1]), _tick_texts(result, q, list(grid.columns), "\n"))
        ax.set_yticks(range(grid.shape[0]), _tick_texts(result, p, list(grid.index), " "))
        frame_baseline(
            ax, _extent(result.baseline(q), list(grid.columns)), _extent(result.baseline(p), list(grid.index))
        )
        ax.set_title(_outcome(o))
    for ax in list(axes.flat)[len(outcomes) :]:
        ax.axis("off")
    fig.supxlabel(label(q))
    fig.supylabel(label(p))
    fig.colorbar(im, ax=axes, shrink=0.8, label="share of replicates")
    return fig


def _tick_texts(result: SweepResult, parameter: str, values: list, sep: str) -> list[str]:
    """Tick labels of a heatmap axis, the scenario's own value followed by '(baseline)'."""
    base = result.baseline(parameter)
    known = base is not None and not isinstance(base, dict)
    return [_fmt(v) + (f"{sep}(baseline)" if known and _fmt(v) == _fmt(base) else "") for v in values]


def frame_baseline(ax, x: tuple[float, float] | None, y: tuple[float, float] | None) -> None:
    """Frame the scenario's own values on a heatmap: the cell (or the row, column or band) they fall in.

    ``x`` and ``y`` are the baseline's extent on each axis (:func:`_extent`); None means
    "not on this axis", and the frame then runs along the whole axis. A value between two
    cells has an extent of zero width, and the frame is then a line.
    """
    if x is None and y is None:
        return
    (x0, x1), (y0, y1) = x or ax.get_xlim(), y or ax.get_ylim()
    ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, ec="white", lw=2.2, ls="--", clip_on=False))


def _extent(value: Any, values: list) -> tuple[float, float] | None:
    """(from, to) on an axis of cells at 0, 1, 2, ... holding ``values``; None if the value is not on it."""
    texts = [_fmt(v) for v in values]
    if isinstance(value, dict) and len(value) == 1:
        (args,) = value.values()
        inside = [i for i, v in enumerate(values) if is_number(v) and args[0] <= v <= args[-1]]
        return (min(inside) - 0.5, max(inside) + 0.5) if inside else None
    if value is None:
        return None
    if _fmt(value) in texts:
        i = texts.index(_fmt(value))
        return i - 0.5, i + 0.5
    where = _position(value, values) if is_number(value) and all(is_number(v) for v in values) else None
    return None if where is None else (where, where)


def figure_survival(result: SweepResult, points: list[int]):
    runs = result.runs(points, ["day_first_agreement", "day_walk_away"])
    fig, axes = plt.subplots(1, 2, figsize=(MAX_WIDTH_IN, 4.4 + 0.25 * len(points)), sharey=True, layout="constrained")
    for column, ax, title in (
        ("day_first_agreement", axes[0], "Time to first agreement"),
        ("day_walk_away", axes[1], "Time to the U.S. walking away"),
    ):
        for point in points:
            horizon = float(result.points.loc[result.points["point"] == point, "horizon_days"].iloc[0])
            curve = kaplan_meier(*censor_at_horizon(runs.loc[runs["point"] == point, column], horizon))
            t = np.concatenate([[0.0], curve.time, [horizon]])
            s = np.concatenate([[1.0], curve.survival, curve.survival[-1:] if curve.events else [1.0]])
            (line,) = ax.step(t, s, where="post", label=result.label(point))
            lo = np.concatenate([[1.0], curve.low, curve.low[-1:] if curve.events else [1.0]])
            hi = np.concatenate([[1.0], curve.high, curve.high[-1:] if curve.events else [1.0]])
            ax.fill_between(t, lo, hi, step="post", color=line.get_color(), alpha=0.2, lw=0)
        ax.set_xlabel("days since the start")
        ax.set_title(title)
        ax.set_ylim(0, 1.02)
    axes[0].set_ylabel("share of replicates still without it")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center")
    return fig


def sobol_result(result: SweepResult) -> pd.DataFrame:
    """Sobol indices of each outcome share over the design (needs a sobol sweep)."""
    pts = result.points.set_index("point", drop=False)
    shares = pts[[f"share_{o}" for o in OUTCOMES]]
    shares.columns = list(OUTCOMES)
    f_a, f_b, f_ab = sobol_blocks(pts.reset_index(drop=True), shares, result.parameters)
    return sobol_table(f_a, f_b, f_ab, result.parameters, list(OUTCOMES))


def figure_sobol(table: pd.DataFrame, parameters: list[str]):
    """One panel per outcome class that varies, levers sorted by total index (largest on top)."""
    outputs = [o for o in OUTCOMES if table.loc[table["output"] == o, "first_order"].notna().any()]
    cols = min(2, len(outputs)) or 1
    rows = int(np.ceil(len(outputs) / cols)) or 1
    fig, axes = plt.subplots(
        rows,
        cols,
        figsize=(MAX_WIDTH_IN, 0.42 * len(parameters) * rows + 1.2 * rows + 0.6),
        squeeze=False,
        layout="constrained",
    )
    y = np.arange(len(parameters))
    for ax, o in zip(axes.flat, outputs, strict=False):
        t = table[table["output"] == o].set_index("parameter").loc[parameters]
        t = t.sort_values("total_order", ascending=False, kind="stable")
        for offset, kind, colour, name in (
            (-0.18, "first", "#2166ac", "first order"),
            (0.18, "total", "#b2182b", "total"),
        ):
            value = t[f"{kind}_order"].to_numpy()
            err = np.abs(np.vstack([value - t[f"{kind}_low"], t[f"{kind}_high"] - value]))
            ax.barh(y + offset, value, height=0.34, xerr=np.nan_to_num(err), color=colour, label=name, capsize=2)
        ax.set_yticks(y, [label(p) for p in t.index])
        ax.invert_yaxis()
        ax.axvline(0, color="grey", lw=0.6)
        ax.set_title(f"share {_outcome(o)}")
    for ax in list(axes.flat)[len(outputs) :]:
        ax.axis("off")
    axes.flat[0].legend()
    fig.supxlabel("Sobol index (95% bootstrap interval)")
    return fig


# --- choosing and writing ---------------------------------------------------------------------------


def chosen_points(result: SweepResult, wanted: str | None) -> list[int]:
    """Points for the survival curves: the user's, else the extremes of a holding ceasefire."""
    ids = set(result.points["point"])
    if wanted:
        try:
            points = [int(p) for p in wanted.split(",") if p.strip()]
        except ValueError:
            raise ScenarioError("--points", wanted, repr(wanted), "comma-separated point ids, e.g. 0,12,24") from None
        bad = [p for p in points if p not in ids]
        if bad or not points:
            raise ScenarioError(
                "--points", wanted, f"point {bad[0] if bad else 'none'}", f"point ids from 0 to {max(ids)}"
            )
        return points
    share = result.points.set_index("point")["share_ceasefire_holding"].sort_values(kind="stable")
    picks = [int(share.index[0]), int(share.index[len(share) // 2]), int(share.index[-1])]
    return list(dict.fromkeys(picks))


def write_report(result: SweepResult, wanted_points: str | None = None) -> Path:
    """Write ``DIR/report/`` (index.html, effects.csv, PNG figures) via a temporary folder."""
    points = chosen_points(result, wanted_points)
    out = result.path / "report"
    with atomic_folder(out, replace=True) as tmp, plt.rc_context(READABLE):
        headline = effects_section(result, tmp)
        sections = [
            ("Which levers matter most", sensitivity_entries(result, tmp)),
            ("Scenario discovery", discovery_entries(result.path)),
            ("Details", detail_entries(result, points, tmp)),
        ]
        (tmp / "index.html").write_text(_html(result, headline, sections, tmp))
    return out


def save_figure(fig, folder: Path, name: str) -> None:
    """Save ``fig`` as ``folder/name`` at :data:`DPI` and close it."""
    fig.savefig(folder / name, dpi=DPI, bbox_inches="tight")
    plt.close(fig)


def effects_section(result: SweepResult, folder: Path) -> str:
    """The headline: write ``effects.csv`` and return the HTML of the effects table and its explanation."""
    baseline = {p: result.baseline(p) for p in result.parameters}
    table = effects_table(
        result.points, result.clusters, result.design, result.manifest["sweep"]["parameters"], baseline
    )
    table.to_csv(folder / "effects.csv", index=False)
    return _effects_html(result, table)


def sensitivity_entries(result: SweepResult, folder: Path) -> list[Entry]:
    """Which levers matter most: the Sobol indices of a sobol design, sorted by total index; a Morris screening's μ*."""
    entries = []
    if result.design == "sobol":
        table = sobol_result(result)
        table.to_csv(folder / "sobol.csv", index=False)
        advice = sobol_advice(table, result.manifest["sweep"]["samples"], len(result.parameters))
        warn(advice)
        save_figure(figure_sobol(table, result.parameters), folder, "sobol.png")
        entries.append(
            Entry(
                "sobol.png",
                "Sobol sensitivity indices",
                "First-order and total Sobol indices of each outcome share over the swept ranges, levers sorted "
                "by total index (Saltelli et al. 2010 estimator, scipy.stats.sobol_indices), with 95% "
                "percentile-bootstrap intervals over the base samples; table in sobol.csv. First order: the "
                "share of the outcome's variance due to the lever alone; total: including its interactions. "
                "Each point's share is itself estimated from the replicates, so small indices near zero are "
                "within noise." + (f" {advice}" if advice else ""),
            )
        )
    for fig, name, heading, caption in morris_report(result, folder):  # a Morris screening: morris.csv, figures
        save_figure(fig, folder, name)
        entries.append(Entry(name, heading, caption))
    return entries


def discovery_entries(folder: Path) -> list[Entry]:
    """Scenario discovery (``ceasefire discover``): the figures it wrote in ``folder/discover/``, if any."""
    from .discover import report_entries

    return [Entry(*entry) for entry in report_entries(folder)]


def detail_entries(result: SweepResult, points: list[int], folder: Path) -> list[Entry]:
    """The detail figures: shares against each lever, heatmaps of grid pairs, survival curves."""
    n = result.manifest["sweep"]["replicates"]
    pooled = "value" if result.design == "grid" else f"quantile bin (up to {MAX_BINS}) of the A and B samples"
    if result.design not in ("grid", "sobol"):
        pooled = f"quantile bin (up to {MAX_BINS})"
    entries = []
    unseen = [_outcome(o) for o in OUTCOMES if o not in result.observed_outcomes()]
    never = f" Never seen, so not drawn: {', '.join(unseen)}." if unseen else ""
    crn = (
        "Bands are 95% intervals of each pooled share that count each replicate id once: the pooled points "
        "share replicate ids (common random numbers), so pooling them adds less evidence than new replicates "
        "would. For the same reason a difference between two values is known more precisely than overlapping "
        "bands suggest: the effects table at the top gives it with its paired interval."
    )
    drawn_for, cut = _detail_parameters(result, folder)
    for i, p in enumerate(drawn_for):
        fig, marked = figure_shares(result, p)
        save_figure(fig, folder, f"shares_{i}.png")
        drawn = "bars" if result.is_category(p) else "lines"
        entries.append(
            Entry(
                f"shares_{i}.png",
                f"Outcome shares against {label(p)}",
                f"Share of replicates in each outcome class at the horizon ({drawn}), pooling the points with the "
                f"same {pooled} of {label(p)} ({n:,} replicates per point); {marked or 'the baseline lies outside'}. "
                f"{crn}{never}{cut}",
            )
        )
    if result.design == "grid":
        grid = [p for p in result.parameters if result.points[p].nunique() > 1]
        for k, (p, q) in enumerate(itertools.combinations(grid, 2)):
            save_figure(figure_heatmap(result, p, q), folder, f"heatmap_{k}.png")
            entries.append(
                Entry(
                    f"heatmap_{k}.png",
                    f"{label(p)} x {label(q)}",
                    f"Share of each outcome class for every combination of {label(p)} (rows) and {label(q)} "
                    "(columns), pooled over the other swept parameters. The scenario's own values are marked: "
                    "dashed lines (a number), shaded bands (the range of a prior) or '(baseline)' on a "
                    "category.",
                )
            )
    labels = "; ".join(result.label(p) for p in points)
    save_figure(figure_survival(result, points), folder, "survival.png")
    entries.append(
        Entry(
            "survival.png",
            "Time to first agreement and to walk-away",
            "Kaplan–Meier curves (share of replicates that have not yet reached the event), censored at the horizon; "
            "bands are pointwise 95% intervals (Greenwood, log-log) for each point on its own. The points share "
            f"replicate ids, so the gap between two curves is more certain than their bands suggest. Points: {labels}.",
        )
    )
    return entries


#: Levers beyond which the detail figures are drawn only for those with the largest effects: a
#: screening of 41 priors would otherwise draw 41 figures (about a minute) that no one reads.
MAX_DETAIL = 12


def _detail_parameters(result: SweepResult, folder: Path) -> tuple[list[str], str]:
    """The levers to draw one figure each for, and a sentence saying which were left out (or '')."""
    levers = result.parameters
    effects = folder / "effects.csv"
    if len(levers) <= MAX_DETAIL or not effects.is_file():
        return levers, ""
    table = pd.read_csv(effects)
    size = table.assign(size=table["effect_pp"].abs()).groupby("parameter")["size"].max()
    ranked = sorted(levers, key=lambda p: -size.get(p, 0.0))[:MAX_DETAIL]
    return ranked, (
        f" Drawn for the {MAX_DETAIL} of the {len(levers)} levers with the largest effects in the effects table "
        "(effects.csv has every lever)."
    )


# --- the page -----------------------------------------------------------------------------------------


def _effects_html(result: SweepResult, table: pd.DataFrame) -> str:
    """The effects table for people: clear effects first, the others named in one line."""
    s = result.manifest["sweep"]
    how = {
        "grid": "the share at the lever's highest value minus the share at its lowest, each pooled over every "
        "value of the other levers (a text lever: each value against the reference value)",
    }.get(
        s["design"],
        "the change in the share from the lever's lowest to its highest value on a straight-line fit of every "
        "point's shares to all levers together (the other levers held fixed)",
    )
    intro = (
        "<p><strong>Effect</strong>: how many percentage points (pp) the share of replicates ending in an outcome "
        f"changes between two settings of a lever: {html.escape(how)}. Every point runs the same replicates "
        "(common random numbers), so the 95% interval comes from each replicate's own difference between the "
        "two settings. Largest effects first; effects whose interval includes 0 are left out here. All rows: "
        '<a href="effects.csv">effects.csv</a>.</p>'
    )
    clear = table[table["clear"]] if not table.empty else table
    if clear.empty:
        answer = "<p><strong>No effect was distinguishable from zero</strong> at this number of replicates.</p>"
        body = ""
    else:
        answer = f"<p><strong>{html.escape(headline_sentence(clear.iloc[0]))}</strong></p>"
        scale = max(float(clear[["low_pp", "high_pp"]].abs().max().max()), 1e-9)
        rows = "\n".join(_effect_row(r, scale) for r in clear.head(SHOWN_EFFECTS).itertuples())
        more = len(clear) - SHOWN_EFFECTS
        extra = f"<p>{more} more clear effects in effects.csv.</p>" if more > 0 else ""
        body = (
            '<table class="effects"><thead><tr><th>lever</th><th>change</th><th>outcome</th>'
            "<th>effect (pp)</th><th>95% interval (pp)</th><th></th></tr></thead>\n"
            f"<tbody>{rows}</tbody></table>{extra}"
        )
    varied = [p for p in result.parameters if result.points[p].nunique() > 1]
    quiet = [p for p in varied if table.empty or not table.loc[table["parameter"] == p, "clear"].any()]
    none = (
        f"<p>No detectable effect on any outcome: {html.escape(', '.join(label(p) for p in quiet))}.</p>"
        if quiet
        else ""
    )
    return answer + intro + body + none


def headline_sentence(row: pd.Series) -> str:
    """The largest clear effect in one sentence a student can read out."""
    named = name_and_unit(row["parameter"])
    lever = named[0] if named else row["parameter"]
    if "'s " not in lever:  # 'the U.S. deadline', 'the horizon'; but "Ukraine's forgiveness"
        lever = "the " + (lever if lever.startswith("U.S.") else lever[:1].lower() + lever[1:])
    unit = f" {named[1]}" if named and row["method"] != "category_minus_reference" else ""
    base = row["baseline"]
    start = _fmt(row["from_value"]) + (" (baseline)" if _fmt(row["from_value"]) == base else "")
    verb = {"category_minus_reference": "changing", "linear_across_range": "raising"}.get(row["method"], "raising")
    fit = " (on a straight-line fit)" if row["method"] == "linear_across_range" else ""
    direction = "raises" if row["effect_pp"] > 0 else "lowers"
    low, high = sorted((abs(row["low_pp"]), abs(row["high_pp"])))
    return (
        f"Largest effect: {verb} {lever} from {start} to {_fmt(row['to_value'])}{unit}{fit} {direction} the share of "
        f"replicates ending in {_outcome(row['outcome'])} by {abs(row['effect_pp']):.1f} percentage points "
        f"(95% interval {low:.1f} to {high:.1f})."
    )


def _effect_row(row, scale: float) -> str:
    """One row of the effects table, with a small bar: the effect and its interval on a shared scale."""
    change = _change(row)
    left = 50 + 50 * row.low_pp / scale
    width = 50 * (row.high_pp - row.low_pp) / scale
    dot = 50 + 50 * row.effect_pp / scale
    bar = (
        f'<span class="bar"><span class="ci" style="left:{left:.1f}%;width:{max(width, 0.5):.1f}%"></span>'
        f'<span class="dot" style="left:{dot:.1f}%"></span></span>'
    )
    cells = [
        html.escape(row.label),
        html.escape(change),
        f'<span title="{html.escape(OUTCOME_MEANINGS[row.outcome])}">{html.escape(_outcome(row.outcome))}</span>',
        f"{row.effect_pp:+.1f}",
        f"[{row.low_pp:+.1f}, {row.high_pp:+.1f}]",
        bar,
    ]
    return "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"


def _change(row) -> str:
    """What was compared, in words: '2 → 20 days (baseline 10)', 'symmetric (baseline) → fixed'."""
    base = row.baseline
    if row.method == "category_minus_reference":
        reference = _fmt(row.from_value) + (" (baseline)" if _fmt(row.from_value) == base else "")
        return f"{reference} → {_fmt(row.to_value)}"
    fit = ", straight-line fit" if row.method == "linear_across_range" else ""
    return f"{_fmt(row.from_value)} → {_fmt(row.to_value)}{fit}" + (f" (baseline {base})" if base else "")


def _html(result: SweepResult, headline: str, sections: list[tuple[str, list[Entry]]], folder: Path) -> str:
    s = result.manifest["sweep"]
    facts = [
        ("scenario", s["scenario"]),
        ("design", f"{s['design']}" + (f", samples {s['samples']}" if s.get("samples") else "")),
        ("points", f"{s['n_points']:,}"),
        ("replicates per point", f"{s['replicates']:,}"),
        ("seed", str(s["seed"])),
        ("swept", "; ".join(f"{label(p)}: {_values(v)}" for p, v in s["parameters"].items())),
        ("fixed values", "; ".join(f"{label(k)} = {_fmt(v)}" for k, v in s["fixed"].items()) or "none"),
        ("wall time", f"{result.manifest['wall_seconds']:.1f} s (last session)"),
    ]
    rows = "\n".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in facts)
    parts = []
    for heading, entries in sections:
        if entries:
            parts.append(f"<h2>{html.escape(heading)}</h2>")
            parts.extend(_figure_html(e, folder, result.path / "report") for e in entries)
    title = html.escape(f"Sweep {s['name']}")
    summary = html.escape(
        f"{s['n_points']:,} design points ({s['design']}) x {s['replicates']:,} replicates of the scenario "
        f"{s['scenario']!r}, each run to the horizon and classed by its outcome."
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;font-size:16px;max-width:70em;margin:2em auto;padding:0 1em;color:#222}}
img{{max-width:100%;height:auto}}figure{{margin:2em 0}}figcaption{{color:#444;max-width:60em}}
th{{text-align:left;padding-right:1em;vertical-align:top}}td{{padding:0.15em 0.6em 0.15em 0}}
table.effects td:nth-child(4),table.effects td:nth-child(5){{text-align:right;font-variant-numeric:tabular-nums}}
table.effects tbody tr:nth-child(odd){{background:#f4f4f4}}
.bar{{display:inline-block;position:relative;width:10em;height:0.9em;border-left:1px solid #bbb;border-right:1px solid #bbb;
background:linear-gradient(#999,#999) no-repeat center/1px 100%}}
.ci{{position:absolute;top:40%;height:20%;background:#2166ac}}.dot{{position:absolute;top:15%;width:0.5em;height:70%;
margin-left:-0.25em;border-radius:50%;background:#b2182b}}</style>
</head><body>
<h1>{title}</h1>
<p>{html.escape(s.get("description") or "")}</p>
<p>{summary}</p>
<h2>What each lever does</h2>
{headline}
{"".join(parts)}
<h2>About this sweep</h2>
<table>{rows}</table>
<p>Data: <a href="../points.csv">points.csv</a> (one row per point), <code>runs.parquet</code> (one row per replicate),
<a href="../manifest.json">manifest.json</a>, <a href="effects.csv">effects.csv</a>.</p>
</body></html>
"""


def _figure_html(entry: Entry, *folders: Path) -> str:
    """A figure shown at its native size (half its pixels: saved at twice the resolution)."""
    # Lexically normalised: a hook's '../discover/x.png' must be found before DIR/report/ exists.
    files = [Path(os.path.normpath(f / entry.file)) for f in folders]
    size = next((_png_size(f) for f in files if f.is_file()), None)
    dims = f' width="{size[0] // DISPLAY_SCALE}" height="{size[1] // DISPLAY_SCALE}"' if size else ""
    return (
        f'<figure><h3>{html.escape(entry.heading)}</h3><img src="{html.escape(entry.file)}"{dims} '
        f'alt="{html.escape(entry.heading)}"><figcaption>{html.escape(entry.caption)}</figcaption></figure>'
    )


def _png_size(file: Path) -> tuple[int, int] | None:
    """(width, height) in pixels from a PNG's header; None for anything else."""
    with open(file, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return struct.unpack(">II", head[16:24])


def _values(values) -> str:
    if isinstance(values, (list, tuple)) and len(values) == 2 and all(is_number(v) for v in values):
        return f"{_fmt(values[0])} to {_fmt(values[1])}"
    return ", ".join(_fmt(v) for v in values) if isinstance(values, (list, tuple)) else str(values)


def _outcome(name: str) -> str:
    return name.replace("_", " ")


def _cell(share: float) -> str:
    """A heatmap cell's share in whole percent; a small share that is not zero never reads '0%'."""
    if share == 0:
        return "0"
    if share < 0.005:
        return "<1%"
    if share < 0.01:
        return "1%"  # not '0%', which Python's rounding of 0.5% gives
    if share > 0.995 and share < 1:
        return ">99%"
    return f"{share:.0%}"


def _fmt(value) -> str:
    if isinstance(value, (bool, np.bool_)):
        return str(value).lower()
    return f"{value:g}" if isinstance(value, (int, float, np.integer, np.floating)) else str(value)


def cmd_report(args: argparse.Namespace) -> int:
    from .calibration_report import is_calibration, write_calibration_report

    if is_calibration(args.dir):
        out = write_calibration_report(args.dir)
        print(f"Wrote {out}/index.html (acceptance, posterior-predictive check, prior vs posterior)")
        return 0
    result = load_result(args.dir)
    check_writable(args.dir / "report", beside=True)
    out = write_report(result, args.points)
    print(f"Wrote {out}/index.html ({len(list(out.glob('*.png')))} figures; effects table in {out}/effects.csv)")
    return 0

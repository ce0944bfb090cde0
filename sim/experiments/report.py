"""``ceasefire report DIR``: figures of a finished sweep and an index.html that captions them.

Shares are pooled over the points that share a parameter value (grid) or fall in the same
quantile bin (lhs, sobol), with Wilson intervals on the pooled counts. Survival curves are
Kaplan–Meier with censoring at the horizon; Sobol indices come from SciPy with bootstrap
intervals (:func:`sim.experiments.stats.sobol_table`).
"""

from __future__ import annotations

import argparse
import html
import itertools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from sim.errors import ScenarioError
from sim.model.outcomes import OUTCOMES, wilson_interval

from .figures import OUTCOME_COLOURS, plt
from .files import atomic_folder, check_writable, read_csv_table, read_json_object
from .screening import morris_report, sobol_advice, warn
from .stats import censor_at_horizon, kaplan_meier, sobol_table
from .sweep import sobol_blocks

__all__ = ["SweepResult", "load_result", "write_report", "cmd_report"]

MAX_BINS = 8


@dataclass
class SweepResult:
    """A finished sweep folder: its manifest, per-point table and the path of its runs."""

    path: Path
    manifest: dict
    points: pd.DataFrame

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

    def label(self, point: int) -> str:
        row = self.points.loc[self.points["point"] == point].iloc[0]
        return f"point {point}: " + ", ".join(f"{_short(p)} = {_fmt(row[p])}" for p in self.parameters)


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
        raise ScenarioError(str(file), "sweep", "a manifest without the sweep's parameters, design or replicates", WRITTEN_BY)
    return meta


def _check_runs(file: Path) -> None:
    """Refuse a ``runs.parquet`` that is not Parquet or has no ``point`` column (read only its footer)."""
    try:
        names = pq.read_schema(file).names
    except Exception:  # pyarrow raises ArrowInvalid, OSError or others on a damaged file
        raise ScenarioError(str(file), "", "no readable Parquet file", WRITTEN_BY) from None
    if "point" not in names:
        raise ScenarioError(str(file), "", "no column 'point'", WRITTEN_BY)


# --- pooling ---------------------------------------------------------------------------------------


def pooled_shares(result: SweepResult, parameter: str) -> pd.DataFrame:
    """Per value (grid) or quantile bin (lhs, sobol) of ``parameter``: x, n, and each class's
    pooled share with its Wilson interval."""
    pts = result.points
    if result.design == "sobol":  # A and B are the independent samples; AB rows repeat them
        pts = pts[pts["block"].isin(["A", "B"])]
    x = pts[parameter]
    if result.design == "grid" or x.nunique() <= MAX_BINS:
        key = x
    else:
        key = pd.qcut(x, q=min(MAX_BINS, x.nunique()), duplicates="drop")
    frame = pts.assign(_key=key.to_numpy() if hasattr(key, "to_numpy") else key)
    frame = frame.assign(**{f"_c_{o}": result.counts(o).loc[frame.index] for o in OUTCOMES})
    grouped = frame.groupby("_key", observed=True, sort=True)
    # A text value (a grid over a rule, say) is its own label; numbers pool to the bin's mean.
    x = grouped[parameter].mean() if pd.api.types.is_numeric_dtype(x) else grouped[parameter].first()
    table = pd.DataFrame({"x": x, "n": grouped["n"].sum()})
    for o in OUTCOMES:
        k = grouped[f"_c_{o}"].sum()
        low, high = wilson_interval(k.to_numpy(), table["n"].to_numpy())
        table[o], table[f"{o}_low"], table[f"{o}_high"] = k / table["n"], low, high
    return table.reset_index(drop=True)


def pooled_grid(result: SweepResult, p: str, q: str, outcome: str) -> pd.DataFrame:
    """(values of p) x (values of q) table of the pooled share of ``outcome``."""
    frame = result.points.assign(_k=result.counts(outcome))
    grouped = frame.groupby([p, q])
    share = grouped["_k"].sum() / grouped["n"].sum()
    return share.unstack(q)


# --- figures -------------------------------------------------------------------------------------------


def figure_shares(result: SweepResult, parameter: str):
    table = pooled_shares(result, parameter)
    fig, ax = plt.subplots(figsize=(7.5, 4.2), layout="constrained")
    numeric = pd.api.types.is_numeric_dtype(table["x"])
    x = table["x"].to_numpy(dtype=float) if numeric else np.arange(len(table))
    for o in result.observed_outcomes():
        colour = OUTCOME_COLOURS[OUTCOMES.index(o)]
        ax.plot(x, table[o], marker="o", ms=3, color=colour, label=o.replace("_", " "))
        ax.fill_between(x, table[f"{o}_low"], table[f"{o}_high"], color=colour, alpha=0.25, lw=0)
    if not numeric:
        ax.set_xticks(x, [str(v) for v in table["x"]])
    ax.set_xlabel(parameter)
    ax.set_ylabel("share of replicates")
    ax.set_ylim(0, 1)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.set_title(f"Outcome at the horizon vs {_short(parameter)}")
    return fig


def figure_heatmap(result: SweepResult, p: str, q: str):
    outcomes = result.observed_outcomes()
    cols = min(3, len(outcomes))
    rows = int(np.ceil(len(outcomes) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4.3 * cols, 3.6 * rows), squeeze=False, layout="constrained")
    for ax, o in zip(axes.flat, outcomes, strict=False):
        grid = pooled_grid(result, p, q, o)
        im = ax.imshow(grid.to_numpy(dtype=float), origin="lower", cmap="viridis", vmin=0, vmax=1, aspect="auto")
        for (i, j), v in np.ndenumerate(grid.to_numpy(dtype=float)):
            ax.text(j, i, _cell(v), ha="center", va="center", fontsize=7, color="w" if v < 0.6 else "k")
        ax.set_xticks(range(grid.shape[1]), [_fmt(v) for v in grid.columns], fontsize=7)
        ax.set_yticks(range(grid.shape[0]), [_fmt(v) for v in grid.index], fontsize=7)
        ax.set_xlabel(_short(q), fontsize=8)
        ax.set_ylabel(_short(p), fontsize=8)
        ax.set_title(o.replace("_", " "), fontsize=9)
    for ax in list(axes.flat)[len(outcomes) :]:
        ax.axis("off")
    fig.colorbar(im, ax=axes, shrink=0.8, label="share of replicates")
    return fig


def figure_survival(result: SweepResult, points: list[int]):
    runs = result.runs(points, ["day_first_agreement", "day_walk_away"])
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2 + 0.2 * len(points)), sharey=True, layout="constrained")
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
        ax.set_xlabel("days since start")
        ax.set_title(title)
        ax.set_ylim(0, 1.02)
    axes[0].set_ylabel("share of replicates still without it")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", fontsize=7)
    return fig


def sobol_result(result: SweepResult) -> pd.DataFrame:
    """Sobol indices of each outcome share over the design (needs a sobol sweep)."""
    pts = result.points.set_index("point", drop=False)
    shares = pts[[f"share_{o}" for o in OUTCOMES]]
    shares.columns = list(OUTCOMES)
    f_a, f_b, f_ab = sobol_blocks(pts.reset_index(drop=True), shares, result.parameters)
    return sobol_table(f_a, f_b, f_ab, result.parameters, list(OUTCOMES))


def figure_sobol(table: pd.DataFrame, parameters: list[str]):
    outputs = [o for o in OUTCOMES if table.loc[table["output"] == o, "first_order"].notna().any()]
    cols = min(3, len(outputs)) or 1
    rows = int(np.ceil(len(outputs) / cols)) or 1
    fig, axes = plt.subplots(
        rows,
        cols,
        figsize=(4.8 * cols, 0.35 * len(parameters) * rows + 1.8 * rows),
        squeeze=False,
        layout="constrained",
    )
    y = np.arange(len(parameters))
    for ax, o in zip(axes.flat, outputs, strict=False):
        t = table[table["output"] == o].set_index("parameter").loc[parameters]
        for offset, kind, colour, label in (
            (-0.18, "first", "#2166ac", "first order"),
            (0.18, "total", "#b2182b", "total"),
        ):
            value = t[f"{kind}_order"].to_numpy()
            err = np.abs(np.vstack([value - t[f"{kind}_low"], t[f"{kind}_high"] - value]))
            ax.barh(y + offset, value, height=0.34, xerr=np.nan_to_num(err), color=colour, label=label, capsize=2)
        ax.set_yticks(y, [_short(p) for p in parameters], fontsize=7)
        ax.invert_yaxis()
        ax.axvline(0, color="grey", lw=0.6)
        ax.set_title(f"share {o.replace('_', ' ')}", fontsize=9)
    for ax in list(axes.flat)[len(outputs) :]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7)
    fig.supxlabel("Sobol index (95% bootstrap interval)", fontsize=9)
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
    """Write ``DIR/report/`` (PNG figures and index.html) via a temporary folder."""
    points = chosen_points(result, wanted_points)
    out = result.path / "report"
    with atomic_folder(out, replace=True) as tmp:
        entries = _figures(result, points, tmp)
        (tmp / "index.html").write_text(_html(result, entries))
    return out


def _figures(result: SweepResult, points: list[int], folder: Path) -> list[tuple[str, str, str]]:
    """Save each figure; returns (file, heading, caption) in reading order."""
    n = result.manifest["sweep"]["replicates"]
    pooled = "value" if result.design == "grid" else f"quantile bin (up to {MAX_BINS}) of the A and B samples"
    entries = []

    def save(fig, name: str, heading: str, caption: str) -> None:
        fig.savefig(folder / name, dpi=110, bbox_inches="tight")
        plt.close(fig)
        entries.append((name, heading, caption))

    unseen = [o.replace("_", " ") for o in OUTCOMES if o not in result.observed_outcomes()]
    never = f" Never seen, so not drawn: {', '.join(unseen)}." if unseen else ""
    for i, p in enumerate(result.parameters):
        save(
            figure_shares(result, p),
            f"shares_{i}.png",
            f"Outcome shares vs {p}",
            f"Share of replicates in each outcome class at the horizon, pooling the points with the same {pooled} "
            f"of {p} ({n:,} replicates per point); bands are 95% Wilson intervals on the pooled counts.{never}",
        )
    if result.design == "grid":
        grid = [p for p in result.parameters if result.points[p].nunique() > 1]
        for k, (p, q) in enumerate(itertools.combinations(grid, 2)):
            save(
                figure_heatmap(result, p, q),
                f"heatmap_{k}.png",
                f"{_short(p)} x {_short(q)}",
                f"Share of each outcome class for every combination of {p} (rows) and {q} (columns), pooled over the "
                "other swept parameters.",
            )
    labels = "; ".join(result.label(p) for p in points)
    save(
        figure_survival(result, points),
        "survival.png",
        "Time to first agreement and to walk-away",
        f"Kaplan–Meier curves (share of replicates that have not yet reached the event), censored at the horizon; "
        f"bands are pointwise 95% intervals (Greenwood, log-log). Points: {labels}.",
    )
    if result.design == "sobol":
        table = sobol_result(result)
        table.to_csv(folder / "sobol.csv", index=False)
        advice = sobol_advice(table, result.manifest["sweep"]["samples"], len(result.parameters))
        warn(advice)
        save(
            figure_sobol(table, result.parameters),
            "sobol.png",
            "Sobol sensitivity indices",
            "First-order and total Sobol indices of each outcome share over the swept ranges (Saltelli et al. 2010 "
            "estimator, scipy.stats.sobol_indices), with 95% percentile-bootstrap intervals over the base samples; "
            "table in sobol.csv. Each point's share is itself estimated from the replicates, so small indices "
            "near zero are within noise. " + advice,
        )
    for entry in morris_report(result, folder):  # a Morris screening: morris.csv and its figures
        save(*entry)
    return entries


def _html(result: SweepResult, entries: list[tuple[str, str, str]]) -> str:
    s = result.manifest["sweep"]
    facts = [
        ("scenario", s["scenario"]),
        ("design", f"{s['design']}" + (f", samples {s['samples']}" if s.get("samples") else "")),
        ("points", f"{s['n_points']:,}"),
        ("replicates per point", f"{s['replicates']:,}"),
        ("seed", str(s["seed"])),
        ("fixed values", ", ".join(f"{k} = {v}" for k, v in s["fixed"].items()) or "none"),
        ("wall time", f"{result.manifest['wall_seconds']:.1f} s (last session)"),
    ]
    rows = "\n".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in facts)
    figures = "\n".join(
        f'<figure><h2>{html.escape(h)}</h2><img src="{f}" alt="{html.escape(h)}"><figcaption>{html.escape(c)}</figcaption></figure>'
        for f, h, c in entries
    )
    title = html.escape(f"Sweep {s['name']}")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;max-width:70em;margin:2em auto;color:#222}}img{{max-width:100%}}
figure{{margin:2em 0}}figcaption{{color:#444;max-width:60em}}th{{text-align:left;padding-right:1em}}</style>
</head><body>
<h1>{title}</h1>
<p>{html.escape(s.get("description") or "")}</p>
<table>{rows}</table>
<p>Data: <a href="../points.csv">points.csv</a> (one row per point), <code>runs.parquet</code> (one row per replicate),
<a href="../manifest.json">manifest.json</a>.</p>
{figures}
</body></html>
"""


def _cell(share: float) -> str:
    """A heatmap cell's share in whole percent; a small share that is not zero never reads '0%'."""
    if share == 0:
        return "0"
    if share < 0.005:
        return "<1%"
    if share > 0.995 and share < 1:
        return ">99%"
    return f"{share:.0%}"


def _short(path: str) -> str:
    """A key path without its ``actors.`` prefix, for axis labels."""
    return str(path).removeprefix("actors.")


def _fmt(value) -> str:
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
    print(f"Wrote {out}/index.html ({len(list(out.glob('*.png')))} figures)")
    return 0

"""Screening first: which of many uncertain values matter at all, and is a Sobol design big enough?

A Morris design (:func:`sim.experiments.sweep.morris_design`) moves one parameter at a time
along each trajectory, so consecutive points of a trajectory differ in one value and, on
common random numbers, in nothing else. Their difference over the step is an elementary
effect; per parameter and outcome share, over the trajectories (Morris 1991; Campolongo et
al. 2007):

- ``mu``: the mean elementary effect (its sign says which way the share moves);
- ``mu_star``: the mean absolute effect, which ranks the parameters (effects of opposite
  signs do not cancel);
- ``sigma``: their standard deviation: large when the effect depends on where the other
  parameters are (interactions) or is non-linear.

Effects are taken on the quantile scale (``quantile.<key path>`` columns), so a μ* of 0.1
means about 0.1 of share per unit of quantile: moving a prior across its whole distribution
moves the share by about 0.1. ``SALib.analyze.morris`` gives μ, μ*, σ and μ*'s bootstrap
interval (μ* ± z·sd of the resampled μ*); σ's interval is made the same way here, by
resampling trajectories.

For Sobol designs, :func:`sobol_precision` says how many base samples the bootstrap
intervals of the total indices would need to reach a half-width of :data:`SOBOL_TARGET`
(half-widths fall as 1/√n).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from sim.model.outcomes import OUTCOMES
from sim.scenario.schema import label

from .figures import OUTCOME_COLOURS, plt
from .sweep import DEFAULT_LEVELS, QUANTILE, SweepSpec

__all__ = [
    "elementary_effects",
    "morris_indices",
    "morris_report",
    "sobol_precision",
    "sobol_advice",
    "sobol_design_advice",
    "SOBOL_TARGET",
]

#: Resamples of the trajectories for the bootstrap intervals of μ* and σ.
RESAMPLES = 1000
#: Parameters drawn per outcome in the μ* figure (the rest are in morris.csv).
TOP = 15
#: Width of the figures, in inches: the report's widest (report.MAX_WIDTH_IN), shown at native size.
WIDTH_IN = 10.5
#: Largest 95% half-width of a total Sobol index that still separates a small index from a
#: large one (a stated assumption: indices of 0.1 and 0.2 must not share an interval).
SOBOL_TARGET = 0.05
#: Half-width of the total-index intervals times √n, measured on this model's outcome shares
#: (docs/sweeps.md, section 10.3): over main_levers_sobol.toml's 8 levers, the widest 95%
#: half-width times √n was 2.7 to 3.1 at n = 64, 128 and 256 (the U.S. walking away), and
#: 1.3 to 2.0 for the other common classes; a class seen in under 1% of replicates (a
#: ceasefire that holds) gave 5 to 19. The rule takes the common classes' largest.
SOBOL_HALF_WIDTH_ROOT_N = 3.0


# --- Morris: elementary effects and their statistics ------------------------------------------------


def quantile_columns(points: pd.DataFrame) -> list[str]:
    """The parameters of a Morris design, in design order (from its ``quantile.`` columns)."""
    return [c.removeprefix(QUANTILE) for c in points.columns if c.startswith(QUANTILE)]


def elementary_effects(unit: np.ndarray, y: np.ndarray) -> np.ndarray:
    """(d, r) elementary effects from a design of r trajectories of d + 1 points each.

    ``unit`` (r (d + 1), d) is the design on the unit hypercube, in trajectory order, and
    ``y`` (r (d + 1),) the output at each point. Along a trajectory each step moves one
    parameter j by ±Δ; its effect is Δy / Δx_j, whichever way it moved.
    """
    d = unit.shape[1]
    x = unit.reshape(-1, d + 1, d)
    dy = np.diff(y.reshape(-1, d + 1), axis=1)  # (r, d): one step each
    dx = np.diff(x, axis=1)  # (r, d, d): the step's move in each parameter, one non-zero
    moved = np.argmax(np.abs(dx), axis=2)
    step = np.take_along_axis(dx, moved[..., None], axis=2)[..., 0]
    effects = np.empty((x.shape[0], d))
    np.put_along_axis(effects, moved, dy / step, axis=1)
    return effects.T


def morris_indices(
    points: pd.DataFrame,
    outputs: pd.DataFrame,
    levels: int = DEFAULT_LEVELS,
    confidence: float = 0.95,
    resamples: int = RESAMPLES,
    seed: int = 0,
) -> pd.DataFrame:
    """μ, μ* and σ of each output per parameter, with bootstrap intervals and μ*'s rank.

    ``points`` is a Morris design (``point``, ``trajectory``, ``quantile.<key path>``),
    ``outputs`` one column per output, indexed by point id. One row per (parameter, outcome);
    rank 1 is the largest μ* of its outcome (ties share the better rank). An output that is
    NaN at some point (a median never reached) has no indices.
    """
    from SALib.analyze import morris

    names = quantile_columns(points)
    order = points.sort_values("point")
    unit = order[[QUANTILE + n for n in names]].to_numpy(dtype=float)
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    z = stats.norm.ppf(0.5 + confidence / 2)
    frames = []
    for column in outputs.columns:
        y = outputs.loc[order["point"].to_numpy(), column].to_numpy(dtype=float)
        frame = pd.DataFrame({"parameter": names, "outcome": column})
        if np.isnan(y).any():
            frames.append(frame.assign(**dict.fromkeys(COLUMNS[2:], np.nan)))
            continue
        si = morris.analyze(
            problem, unit, y, num_resamples=resamples, conf_level=confidence, num_levels=levels, seed=seed
        )
        sigma_sd = _bootstrap_sd(elementary_effects(unit, y), resamples, seed)
        mu_star, sigma = np.asarray(si["mu_star"], dtype=float), np.asarray(si["sigma"], dtype=float)
        conf = np.asarray(si["mu_star_conf"], dtype=float)
        frame["mu"] = np.asarray(si["mu"], dtype=float)
        frame["mu_star"] = mu_star
        frame["mu_star_low"], frame["mu_star_high"] = np.maximum(mu_star - conf, 0), mu_star + conf
        frame["sigma"] = sigma
        frame["sigma_low"], frame["sigma_high"] = np.maximum(sigma - z * sigma_sd, 0), sigma + z * sigma_sd
        frame["rank"] = frame["mu_star"].rank(ascending=False, method="min").astype(int)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)[COLUMNS]


COLUMNS = [
    "parameter",
    "outcome",
    "mu",
    "mu_star",
    "mu_star_low",
    "mu_star_high",
    "sigma",
    "sigma_low",
    "sigma_high",
    "rank",
]


def _bootstrap_sd(effects: np.ndarray, resamples: int, seed: int) -> np.ndarray:
    """(d,) standard deviation of σ over resamples of the trajectories (with replacement)."""
    r = effects.shape[1]
    idx = np.random.default_rng(seed).integers(r, size=(resamples, r))
    # One parameter at a time: all at once would hold d x resamples x r numbers (330 MB for 41 x 1,000 x 1,000).
    return np.array([np.std(np.std(row[idx], axis=1, ddof=1), ddof=1) for row in effects])


def top_parameters(table: pd.DataFrame, outcome: str, k: int = 5) -> list[str]:
    """The ``k`` parameters of largest μ* for ``outcome``, largest first."""
    rows = table[table["outcome"] == outcome].sort_values(["mu_star", "parameter"], ascending=[False, True])
    return rows["parameter"].head(k).tolist()


# --- Morris in the report -----------------------------------------------------------------------------


def morris_result(result) -> pd.DataFrame:
    """Morris indices of each outcome share of a finished Morris sweep (a report's ``SweepResult``)."""
    shares = result.points.set_index("point")[[f"share_{o}" for o in OUTCOMES]]
    shares.columns = list(OUTCOMES)
    levels = result.manifest["sweep"].get("levels", DEFAULT_LEVELS)
    return morris_indices(result.points, shares[result.observed_outcomes()], levels=levels)


def morris_report(result, folder: Path) -> list[tuple]:
    """Write ``morris.csv`` into ``folder``; return the figures as (figure, file, heading, caption)."""
    if result.design != "morris":
        return []
    table = morris_result(result)
    table.to_csv(folder / "morris.csv", index=False)
    sweep = result.manifest["sweep"]
    outcomes = [o for o in result.observed_outcomes() if (table.loc[table["outcome"] == o, "mu_star"] > 0).any()]
    r = result.points["trajectory"].nunique()
    d = len(quantile_columns(result.points))
    design = (
        f"{r} trajectories of {d + 1} points over {d} parameters, {sweep.get('levels', DEFAULT_LEVELS)} levels, "
        f"{sweep['replicates']:,} replicates a point on common random numbers"
    )
    return [
        (
            figure_mu_star(table, outcomes),
            "morris_mu_star.png",
            "Morris screening: which parameters matter",
            f"μ* (mean absolute elementary effect) of each outcome share, the {TOP} largest per outcome, with 95% "
            f"bootstrap intervals over the trajectories (SALib; Morris 1991, Campolongo et al. 2007). Effects are on "
            f"the quantile scale: a μ* of 0.1 is about 0.1 of share for moving the parameter across its whole "
            f"distribution (its prior, or its range). {design}. A parameter with no effect has μ* = 0: the points "
            f"of its steps run the same random numbers. Every parameter is in morris.csv, ranked.",
        ),
        (
            figure_mu_sigma(table, outcomes),
            "morris_mu_sigma.png",
            "Morris screening: μ* against σ",
            "Each parameter's μ* against σ (standard deviation of its elementary effects). Near the diagonal or "
            "above: the effect changes with the other parameters (interactions) or is non-linear; near the "
            "horizontal axis: a steady effect. The five largest μ* are numbered by their rank, as ordered in the "
            "figure above.",
        ),
    ]


def figure_mu_star(table: pd.DataFrame, outcomes: list[str], top: int = TOP):
    """One panel per outcome class: the ``top`` largest μ* with their intervals, largest on top."""
    cols = min(2, len(outcomes)) or 1
    rows = math.ceil(len(outcomes) / cols) or 1
    fig, axes = plt.subplots(
        rows, cols, figsize=(WIDTH_IN, (0.3 * top + 1.0) * rows), squeeze=False, layout="constrained"
    )
    for ax, o in zip(axes.flat, outcomes, strict=False):
        t = table[table["outcome"] == o].sort_values("mu_star", ascending=False).head(top)
        y = np.arange(len(t))
        err = np.vstack([t["mu_star"] - t["mu_star_low"], t["mu_star_high"] - t["mu_star"]])
        ax.barh(y, t["mu_star"], xerr=err, color=OUTCOME_COLOURS[OUTCOMES.index(o)], capsize=2)
        ax.set_yticks(y, [label(p) for p in t["parameter"]])
        ax.invert_yaxis()
        ax.set_title(f"share {o.replace('_', ' ')}")
    for ax in list(axes.flat)[len(outcomes) :]:
        ax.axis("off")
    fig.supxlabel("μ* (share per unit of quantile; 95% bootstrap interval)")
    return fig


def figure_mu_sigma(table: pd.DataFrame, outcomes: list[str], labelled: int = 5):
    """One panel per outcome class: each parameter's μ* against σ, the ``labelled`` largest numbered by rank."""
    cols = min(2, len(outcomes)) or 1
    rows = math.ceil(len(outcomes) / cols) or 1
    fig, axes = plt.subplots(rows, cols, figsize=(WIDTH_IN, 4.0 * rows), squeeze=False, layout="constrained")
    for ax, o in zip(axes.flat, outcomes, strict=False):
        t = table[table["outcome"] == o]
        ax.scatter(t["mu_star"], t["sigma"], s=14, color=OUTCOME_COLOURS[OUTCOMES.index(o)], edgecolor="k", lw=0.3)
        top = max(float(t["mu_star"].max()), float(t["sigma"].max()), 1e-12)
        ax.plot([0, top], [0, top], color="grey", lw=0.6, ls="--")
        for r in t.nsmallest(labelled, "rank").itertuples():
            ax.annotate(str(r.rank), (r.mu_star, r.sigma), xytext=(3, 3), textcoords="offset points")
        ax.set_title(f"share {o.replace('_', ' ')}")
    for ax in list(axes.flat)[len(outcomes) :]:
        ax.axis("off")
    fig.supxlabel("μ*")
    fig.supylabel("σ")
    return fig


# --- Sobol: are the intervals usable? ----------------------------------------------------------------


def needed_samples(samples: int, half_width: float, target: float = SOBOL_TARGET) -> int:
    """Base samples for ``half_width`` (at ``samples``) to fall to ``target``: ∝ 1/√n, up to a power of two."""
    want = samples * (half_width / target) ** 2
    return max(samples, 2 ** math.ceil(math.log2(want))) if want > samples else samples


def sobol_precision(table: pd.DataFrame, samples: int, target: float = SOBOL_TARGET) -> pd.DataFrame:
    """Per output with indices: the widest 95% half-width of a total index, where, and the base samples it needs."""
    t = table.dropna(subset=["total_low", "total_high"]).assign(
        half_width=lambda f: (f["total_high"] - f["total_low"]) / 2
    )
    widest = t.loc[t.groupby("output", sort=False)["half_width"].idxmax()]
    return pd.DataFrame(
        {
            "output": widest["output"].to_numpy(),
            "parameter": widest["parameter"].to_numpy(),
            "half_width": widest["half_width"].to_numpy(),
            "needed_samples": [needed_samples(samples, h, target) for h in widest["half_width"]],
        }
    )


def sobol_advice(table: pd.DataFrame, samples: int, parameters: int, target: float = SOBOL_TARGET) -> str:
    """One sentence when the total-index intervals are wider than ``target`` ('' when they are not).

    It says the base samples each outcome would need, fewest first: a class seen in few
    replicates (a ceasefire that holds) can need a hundred times more than the others.
    """
    precision = sobol_precision(table, samples, target)
    wide = precision[precision["half_width"] > target].sort_values("needed_samples", kind="stable")
    if wide.empty:
        return ""
    each = "; ".join(
        f"share {r.output.replace('_', ' ')} {r.needed_samples:,} (now ±{r.half_width:.2f}, {label(r.parameter)})"
        for r in wide.itertuples()
    )
    return (
        f"Sobol intervals too wide to use: with samples = {samples} the 95% half-widths of the total indices reach "
        f"{wide['half_width'].max():.2f}, where ±{target:g} is the target. They fall as 1/√n; base samples "
        f"needed (x {parameters + 2} points each): {each}."
    )


def sobol_design_advice(spec: SweepSpec, target: float = SOBOL_TARGET) -> str:
    """Before a Sobol sweep runs: one sentence if its base sample looks too small ('' otherwise).

    The rule: total-index half-widths of this model's outcome shares measured about
    :data:`SOBOL_HALF_WIDTH_ROOT_N` / √n, whatever the number of parameters d (each index
    is estimated from the A, B and A_B^(i) rows alone; d sets the cost, n(d + 2) points).
    """
    if spec.design != "sobol":
        return ""
    expected = SOBOL_HALF_WIDTH_ROOT_N / math.sqrt(spec.samples)
    if expected <= target:
        return ""
    need = needed_samples(spec.samples, expected, target)
    d = len(spec.parameters)
    return (
        f"{spec.path}: samples = {spec.samples} for {d} parameters gives Sobol intervals of about ±{expected:.2f} on "
        f"the total indices (measured on this model: ±{SOBOL_HALF_WIDTH_ROOT_N:.1f}/√n); ±{target:g} needs about "
        f"{need:,} base samples ({need * (d + 2):,} points). `ceasefire report` says what the run itself needs. "
        'A Morris screening first (design = "morris") finds the few parameters worth that cost.'
    )


def warn(text: str) -> None:
    """One warning line on stderr (nothing for an empty text)."""
    if text:
        print(f"ceasefire: warning: {text}", file=sys.stderr)

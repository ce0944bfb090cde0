"""Figures of a calibration: priors against posteriors, and the posterior-predictive check."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.ticker import NullFormatter

from .figures import plt

if TYPE_CHECKING:
    from .calibrate import CalibrationSpec

__all__ = ["figure_posterior", "figure_predictive"]

PRIOR_COLOUR, POSTERIOR_COLOUR = "#bbbbbb", "#2166ac"


def figure_posterior(spec: CalibrationSpec, values: pd.DataFrame, accepted: np.ndarray, table: pd.DataFrame):
    """One panel per parameter, most informed first: the prior draws and the accepted ones (densities)."""
    order = table["parameter"].tolist()
    informed = dict(zip(table["parameter"], table["informed"], strict=True))
    cols = 6
    rows = -(-len(order) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(2.6 * cols, 2.0 * rows), squeeze=False)
    for ax, path in zip(axes.flat, order, strict=False):
        x = values[path].to_numpy()
        prior = spec.priors[path]
        log = prior.kind == "loguniform"
        bins = np.geomspace(prior.low, prior.high, 21) if log else np.linspace(prior.low, prior.high, 21)
        ax.hist(x, bins=bins, density=True, color=PRIOR_COLOUR, label="prior")
        if accepted.any():
            ax.hist(x[accepted], bins=bins, density=True, histtype="step", lw=1.8, color=POSTERIOR_COLOUR, label="ensemble")
        if log:
            ax.set_xscale("log")
            ax.xaxis.set_minor_formatter(NullFormatter())  # minor labels of a short log axis overlap
        title = path.removeprefix("actors.")
        ax.set_title(title if len(title) < 38 else "…" + title[-36:], fontsize=7, fontweight="bold" if informed[path] else None)
        ax.tick_params(labelsize=6)
        ax.set_yticks([])
    for ax in list(axes.flat)[len(order):]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=6, frameon=False)
    fig.suptitle("Prior (grey) and calibrated ensemble (blue), most informed first; bold: informed (KS test)", fontsize=9)
    fig.tight_layout()
    return fig


def figure_predictive(table: pd.DataFrame):
    """Each pattern's statistic under the priors and over the ensemble (fresh replicates)."""
    shares = table[table["kind"] == "share"]
    others = table[table["kind"].isin(["contrast", "hazard"])]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 0.45 * max(len(shares), len(others), 3) + 1.5),
                                      gridspec_kw={"width_ratios": [3, 2]})
    y = np.arange(len(shares))
    left.barh(y + 0.2, shares["prior"], height=0.4, color=PRIOR_COLOUR, label="priors")
    left.barh(y - 0.2, shares["ensemble"], height=0.4, color=POSTERIOR_COLOUR, label="ensemble")
    left.set_yticks(y, [p.replace("_", " ") for p in shares["pattern"]], fontsize=7)
    left.axvline(0.5, color="k", lw=0.6, ls=":")
    left.set_xlim(0, 1)
    left.invert_yaxis()
    left.set_xlabel("share of replicates that show the pattern")
    left.legend(fontsize=7, frameon=False, loc="lower right")
    y = np.arange(len(others))
    right.barh(y + 0.2, others["prior"], height=0.4, color=PRIOR_COLOUR)
    right.barh(y - 0.2, others["ensemble"], height=0.4, color=POSTERIOR_COLOUR)
    right.set_yticks(y, [p.replace("_", " ") for p in others["pattern"]], fontsize=7)
    right.axvline(1.0, color="k", lw=0.6)
    right.invert_yaxis()
    right.set_xlabel("relation as a ratio: variant share / scenario share;\nlate hazard / early hazard (1: no difference)")
    fig.suptitle("Posterior-predictive check: each pattern under the priors and over the calibrated ensemble", fontsize=9)
    fig.tight_layout()
    return fig

"""Statistics of many replicates: survival curves, paired differences, Sobol indices.

Estimators come from SciPy (``scipy.stats.ecdf``, ``scipy.stats.sobol_indices``); this module
only shapes the model's outputs for them. Wilson intervals live in :mod:`sim.model.outcomes`.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from sim.model.outcomes import wilson_interval

__all__ = [
    "Survival",
    "kaplan_meier",
    "censor_at_horizon",
    "km_median",
    "paired_difference",
    "sobol_table",
    "percent",
    "share_text",
    "empty_bound",
]


@dataclass(frozen=True)
class Survival:
    """A Kaplan–Meier survival curve as a step function.

    ``time`` (K,) distinct event times, ascending; ``survival`` (K,) S(t) just after each;
    ``low``/``high`` (K,) pointwise 95% band (Greenwood variance, log-log transform).
    """

    time: np.ndarray
    survival: np.ndarray
    low: np.ndarray
    high: np.ndarray
    n: int
    events: int

    def at(self, t: float | np.ndarray) -> np.ndarray:
        """S(t): the share still without the event at time ``t``."""
        idx = np.searchsorted(self.time, np.asarray(t, dtype=float), side="right")
        return np.concatenate([[1.0], self.survival])[idx]

    @property
    def median(self) -> float:
        """Smallest time with S(t) <= 0.5; NaN if the curve never gets there (censored)."""
        below = np.flatnonzero(self.survival <= 0.5 + 1e-12)
        return float(self.time[below[0]]) if below.size else float("nan")


def kaplan_meier(time: np.ndarray, observed: np.ndarray, confidence: float = 0.95) -> Survival:
    """Kaplan–Meier estimate of S(t) = P(T > t) from right-censored times.

    ``time`` (N,) float: event or censoring time; ``observed`` (N,) bool: True for an event.
    Uses :func:`scipy.stats.ecdf` on :class:`scipy.stats.CensoredData`.
    """
    time = np.asarray(time, dtype=float)
    observed = np.asarray(observed, dtype=bool)
    if not observed.any():  # no event: S(t) = 1 throughout; SciPy has nothing to estimate
        empty = np.array([])
        return Survival(empty, empty, empty, empty, n=len(time), events=0)
    data = stats.CensoredData(uncensored=time[observed], right=time[~observed])
    sf = stats.ecdf(data).sf
    with warnings.catch_warnings():  # undefined where S(t) is 0 or 1: filled below
        warnings.simplefilter("ignore", RuntimeWarning)
        band = sf.confidence_interval(confidence, method="log-log")
    keep = np.isin(sf.quantiles, time[observed])  # ecdf also lists censoring-only times
    survival = sf.probabilities[keep]
    low, high = (
        np.where(np.isnan(b.probabilities[keep]), survival, b.probabilities[keep]) for b in (band.low, band.high)
    )
    return Survival(sf.quantiles[keep], survival, low, high, n=len(time), events=int(observed.sum()))


def censor_at_horizon(days: np.ndarray, horizon: float) -> tuple[np.ndarray, np.ndarray]:
    """(time, observed) from a day column where NaN means "had not happened by the horizon"."""
    days = np.asarray(days, dtype=float)
    observed = ~np.isnan(days)
    return np.where(observed, days, float(horizon)), observed


def km_median(days: np.ndarray, horizon: float) -> float:
    """Kaplan–Meier median day of an event censored at the horizon (NaN if not reached).

    With every censoring time at the horizon, after every event, the Kaplan–Meier curve is
    one minus the empirical distribution of the event days, so the median is the k-th
    smallest event day, k = ceil(n / 2): no curve needs to be built (sweeps ask per point).
    """
    days = np.asarray(days, dtype=float)
    events = np.sort(days[~np.isnan(days)])
    if events.size and events[-1] > horizon:  # an event after the horizon: censoring is no longer last
        return kaplan_meier(*censor_at_horizon(days, horizon)).median
    k = int(np.ceil(days.size * (0.5 - 1e-12)))
    return float(events[max(k, 1) - 1]) if 0 < max(k, 1) <= events.size else float("nan")


def paired_difference(a: np.ndarray, b: np.ndarray, confidence: float = 0.95) -> tuple[float, float, float]:
    """Difference of two paired proportions, share(b) - share(a), with a Wald interval.

    ``a``, ``b`` (N,) bool: the same replicates under two scenarios. The variance is that of
    the per-replicate differences (Agresti 2007, *An Introduction to Categorical Data
    Analysis*, 2nd ed., sec. 8.1.2): pairs that agree add nothing to it, which is why common
    random numbers need fewer replicates.
    """
    d = np.asarray(b, dtype=float) - np.asarray(a, dtype=float)
    n = len(d)
    mean = float(d.mean())
    se = float(np.sqrt(d.var() / n))
    z = stats.norm.ppf(0.5 + confidence / 2.0)
    return mean, mean - z * se, mean + z * se


def independent_variance_ratio(a: np.ndarray, b: np.ndarray) -> float:
    """Var(two independent samples) / Var(paired): how many times more replicates unpaired runs need."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    independent = a.var() + b.var()
    paired = (b - a).var()
    if paired == 0:
        return float("inf") if independent > 0 else float("nan")
    return float(independent / paired)


def sobol_table(
    f_a: np.ndarray,
    f_b: np.ndarray,
    f_ab: np.ndarray,
    parameters: list[str],
    outputs: list[str],
    confidence: float = 0.95,
    n_resamples: int = 999,
    seed: int = 0,
) -> pd.DataFrame:
    """First-order and total Sobol indices with bootstrap intervals, one row per (output, parameter).

    ``f_a``, ``f_b`` (s, n) and ``f_ab`` (d, s, n) are model outputs on Saltelli's A, B and
    A_B^(i) matrices (:func:`sim.experiments.sweep.sobol_design` builds them), as
    :func:`scipy.stats.sobol_indices` expects; the estimator is Saltelli et al. (2010). The
    intervals are percentile bootstrap intervals over the n base rows (``scipy.stats.bootstrap``,
    seeded so that a report is reproducible). An output that never varies has no indices (NaN).
    """
    f_a, f_b, f_ab = (np.asarray(x, dtype=float) for x in (f_a, f_b, f_ab))
    d, n = len(parameters), f_a.shape[1]
    varies = np.var(np.concatenate([f_a, f_b], axis=1), axis=1) > 0
    est = np.full((4, len(outputs), d), np.nan)  # first, total, and their lows ...
    ci = np.full((4, len(outputs), d), np.nan)
    if varies.any():
        fa, fb, fab = f_a[varies], f_b[varies], f_ab[:, varies]

        def indices(idx: np.ndarray) -> np.ndarray:
            res = stats.sobol_indices(func={"f_A": fa[:, idx], "f_B": fb[:, idx], "f_AB": fab[..., idx]}, n=len(idx))
            return np.concatenate([np.reshape(res.first_order, -1), np.reshape(res.total_order, -1)])

        point = indices(np.arange(n)).reshape(2, -1, d)
        with np.errstate(divide="ignore", invalid="ignore"):
            boot = stats.bootstrap(
                (np.arange(n),),
                indices,
                vectorized=False,
                n_resamples=n_resamples,
                confidence_level=confidence,
                method="percentile",
                rng=seed,
            )
        low = boot.confidence_interval.low.reshape(2, -1, d)
        high = boot.confidence_interval.high.reshape(2, -1, d)
        est[0, varies], est[1, varies] = point
        ci[0, varies], ci[1, varies] = low[0], high[0]
        ci[2, varies], ci[3, varies] = low[1], high[1]
    rows = [
        {
            "output": out,
            "parameter": param,
            "first_order": est[0, i, j],
            "first_low": ci[0, i, j],
            "first_high": ci[1, i, j],
            "total_order": est[1, i, j],
            "total_low": ci[2, i, j],
            "total_high": ci[3, i, j],
        }
        for i, out in enumerate(outputs)
        for j, param in enumerate(parameters)
    ]
    return pd.DataFrame(rows)


# --- shares for people to read --------------------------------------------------------------


def percent(x: float) -> str:
    """``x`` as a percentage with one decimal, or two significant figures below 0.1% (never '0.0%' for a non-zero share)."""
    if x == 0 or abs(x) >= 0.001:
        return f"{x:.1%}"
    return f"{float(f'{100 * x:.2g}'):g}%"


def _ceil_percent(x: float) -> tuple[float, int]:
    """Share ``x`` (0..1) as a percentage rounded up, and its decimals: one decimal from 1%,
    one significant figure below (0.0384% -> 0.04%)."""
    p = 100.0 * x
    decimals = 1 if p >= 1.0 else -math.floor(math.log10(p))
    return math.ceil(p * 10**decimals - 1e-9) / 10**decimals, decimals


def empty_bound(n: int, confidence: float = 0.95) -> str:
    """The upper end of the Wilson interval of a share of 0 in ``n``, rounded up: '0.04%' for 10,000."""
    high = float(wilson_interval(np.array([0]), n, confidence)[1][0])
    bound, decimals = _ceil_percent(high)
    return f"{bound:.{decimals}f}%"


def share_text(count: int, n: int, confidence: float = 0.95) -> str:
    """A share with its Wilson interval, e.g. ``36.2% [33.3%, 39.2%]``.

    A share of 0 (or of all) is not shown as ``0.0% [0.0%, 0.0%]``, which reads as
    impossible, but as the count and the interval's far end, rounded outward:
    ``0 of 10,000 (< 0.04%)``, ``10,000 of 10,000 (> 99.96%)``.
    """
    low, high = (float(v[0]) for v in wilson_interval(np.array([count]), n, confidence))
    if count == 0:
        return f"0 of {n:,} (< {empty_bound(n, confidence)})"
    if count == n:
        margin, decimals = _ceil_percent(1.0 - low)
        return f"{n:,} of {n:,} (> {100.0 - margin:.{decimals}f}%)"
    return f"{percent(count / n)} [{percent(low)}, {percent(high)}]"

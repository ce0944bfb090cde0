"""The headline of a sweep report: each lever's effect on each outcome class, in percentage points.

Every design point of a sweep runs the same replicate ids 0..R-1 on the same seed (common
random numbers, :mod:`sim.experiments.sweep_run`), so replicate k at one point and replicate
k at another are a pair: they differ only because the parameters differ. An interval that
treats the points as independent samples ignores this and comes out too wide for a
difference between points (and too narrow for a share pooled over points).

Every estimate here is a weighted sum of the points' outcome counts: a difference of pooled
shares, or a least-squares slope over the design points. Such a sum splits into one term per
replicate id, and terms of different ids are independent, so its variance is estimated from
the spread of those terms (the cluster-robust variance, each replicate id a cluster). With one
id per cluster this is exactly the variance of the per-replicate paired differences that
``ceasefire compare`` uses. Above :data:`MAX_CLUSTERS` ids, ids are grouped (k mod
MAX_CLUSTERS): each group holds the same ids at every point, so the pairs stay together.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from scipy import stats

from sim.errors import ScenarioError
from sim.model.outcomes import OUTCOMES, wilson_interval
from sim.scenario.schema import label

__all__ = [
    "ClusterCounts",
    "Contrast",
    "cluster_counts",
    "grid_contrasts",
    "linear_contrasts",
    "effects_table",
    "baseline_value",
    "describe_baseline",
]

#: Most clusters of replicate ids kept (memory: points x clusters x outcome classes counts).
MAX_CLUSTERS = 1000

#: Effect columns of ``effects.csv`` are in percentage points.
PP = 100.0
#: Shares closer than this to each other are equal (sums of many reciprocals carry rounding error).
TINY = 1e-9


@dataclass(frozen=True)
class ClusterCounts:
    """``counts[p, g, o]``: replicates of point ``p`` in cluster ``g`` of replicate ids ending in class ``o``.

    ``independent`` is true for a sweep whose points run different replicate ids (a
    calibration's arms): there, no two points share a replicate.
    """

    counts: np.ndarray
    independent: bool = False

    @property
    def n(self) -> np.ndarray:
        """(P,) replicates of each point."""
        return self.counts.sum(axis=(1, 2))

    @property
    def clusters(self) -> int:
        return self.counts.shape[1]

    def total(self, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(O,) value and variance of sum_p weights[p] * count[p, o] (all replicates of point p).

        The sum is a sum over independent clusters g; its variance is estimated from each
        cluster's residual, e_g = sum_p weights[p] * (counts[p, g, o] - n[p, g] * share[p, o]),
        as G/(G-1) * sum_g e_g^2 (the cluster-robust, or sandwich, variance). With one
        replicate id per cluster and the same ids at every point, e_g is replicate g's paired
        difference minus their mean.
        """
        weights = np.asarray(weights, dtype=float)
        n_pg = self.counts.sum(axis=2)
        totals = self.counts.sum(axis=1)
        share = np.divide(
            totals, n_pg.sum(axis=1)[:, None], out=np.zeros(totals.shape), where=totals.sum(1)[:, None] > 0
        )
        residual = self.counts - n_pg[:, :, None] * share[:, None, :]
        e = np.einsum("p,pgo->go", weights, residual)
        value = weights @ totals
        g = self.clusters
        if g < 2:
            return value, np.full_like(value, np.nan)
        return value, g / (g - 1) * (e**2).sum(axis=0)

    def estimate(self, weights: np.ndarray, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(O,) value, low, high of :meth:`total`: Student's t with G - 1 degrees of freedom."""
        value, variance = self.total(weights)
        half = stats.t.ppf(0.5 + confidence / 2.0, max(self.clusters - 1, 1)) * np.sqrt(variance)
        return value, value - half, value + half

    def pooled(self, members: np.ndarray, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(O,) share, low, high of the points in ``members`` (bool (P,)) pooled together.

        Wilson's interval on the effective number of replicates: the binomial variance of the
        pooled share over its cluster-robust variance. Points that share replicate ids add
        little independent evidence when they behave alike, so pooling them does not narrow
        the band as if each replicate were new. A share of 0 or 1 has no variance to judge
        by: it counts the distinct replicate ids pooled.
        """
        members = np.asarray(members, dtype=bool)
        n = self.n[members]
        share, variance = self.total(np.where(members, 1.0 / n.sum(), 0.0))
        distinct = n.sum() if self.independent else n.max()
        with np.errstate(divide="ignore", invalid="ignore"):
            effective = np.where(variance > 0, share * (1.0 - share) / variance, distinct)
        effective = np.clip(np.nan_to_num(effective, nan=distinct), 1.0, n.sum())
        low, high = wilson_interval(share * effective, effective, confidence)
        return share, low, high


def cluster_counts(
    runs: Path, n_points: int, replicate_ids: int, independent: bool = False, batch_rows: int = 1 << 20
) -> ClusterCounts:
    """Count outcome classes per (point, cluster of replicate ids), reading ``runs.parquet`` in batches.

    ``replicate_ids`` is how many distinct ids the sweep ran: R with common random numbers,
    P x R with ``independent`` points. Id k goes to cluster k mod min(ids, MAX_CLUSTERS).
    """
    file = pq.ParquetFile(runs)
    clusters = max(1, min(MAX_CLUSTERS, replicate_ids))
    counts = np.zeros((n_points, clusters, len(OUTCOMES)), dtype=np.int64)
    for batch in file.iter_batches(batch_size=batch_rows, columns=["point", "replicate", "outcome"]):
        point = batch.column("point").to_numpy()
        if len(point) and (point.min() < 0 or point.max() >= n_points):
            raise ScenarioError(
                str(runs), "point", f"point ids up to {point.max()} for {n_points} points", "the sweep's own rows"
            )
        cluster = batch.column("replicate").to_numpy() % clusters
        outcome = pd.Categorical(batch.column("outcome").to_pandas().astype(str), categories=OUTCOMES).codes
        keep = outcome >= 0
        flat = (point[keep] * clusters + cluster[keep]) * len(OUTCOMES) + outcome[keep]
        counts += np.bincount(flat, minlength=counts.size).reshape(counts.shape)
    return ClusterCounts(counts, independent)


# --- what is compared ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Contrast:
    """One lever's comparison: ``weights`` (P,) on the points' outcome counts give the effect.

    ``method`` says how it reads: ``highest_minus_lowest`` (a number on a grid: the pooled
    share at its highest value minus at its lowest), ``category_minus_reference`` (a text or
    yes/no value: pooled share with ``to_value`` minus with ``from_value``) or
    ``linear_across_range`` (lhs, sobol and other designs: a straight-line fit's change from
    ``from_value`` to ``to_value``, the other levers held fixed).
    """

    parameter: str
    method: str
    from_value: Any
    to_value: Any
    weights: np.ndarray


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def grid_contrasts(
    points: pd.DataFrame, n: np.ndarray, values: Mapping[str, Sequence], baseline: Mapping[str, Any]
) -> list[Contrast]:
    """Highest vs lowest value of each number lever; each category vs the reference for the others.

    ``n`` (P,) is the replicates of each point. A pooled share counts every replicate of the
    points with that value, so the other levers are averaged over their grid values. The
    reference category is the baseline's value if the grid has it, else the first listed.
    """
    out = []
    for name, listed in values.items():
        listed = list(listed)
        if len(listed) < 2:
            continue
        column = points[name]
        if all(is_number(v) for v in listed):
            lo, hi = min(listed), max(listed)
            out.append(Contrast(name, "highest_minus_lowest", lo, hi, _difference(column == hi, column == lo, n)))
            continue
        text = column.astype(str)
        ref = baseline.get(name)
        reference = ref if any(str(v) == str(ref) for v in listed) else listed[0]
        for value in listed:
            if str(value) != str(reference):
                weights = _difference(text == str(value), text == str(reference), n)
                out.append(Contrast(name, "category_minus_reference", reference, value, weights))
    return out


def _difference(high: pd.Series, low: pd.Series, n: np.ndarray) -> np.ndarray:
    """Weights on counts giving (pooled share of the ``high`` points) - (pooled share of the ``low`` points)."""
    high, low = np.asarray(high, dtype=bool), np.asarray(low, dtype=bool)
    return np.where(high, 1.0 / n[high].sum(), 0.0) - np.where(low, 1.0 / n[low].sum(), 0.0)


def linear_contrasts(points: pd.DataFrame, n: np.ndarray, ranges: Mapping[str, tuple[float, float]]) -> list[Contrast]:
    """For each lever: least-squares slope of the point shares on all levers, times its range.

    The slope is a fixed combination of the points' shares (row j of the pseudo-inverse of
    the design matrix); a share is a count over ``n`` (P,), so it is a weighted sum of counts
    like a grid's differences.
    """
    names = [n for n in ranges if points[n].nunique() > 1]
    if not names:
        return []
    x = points[names].to_numpy(dtype=float)
    design = np.column_stack([np.ones(len(x)), x])
    rows = np.linalg.pinv(design)[1:]  # (d, P): slope_j = rows[j] @ shares
    per_count = np.divide(rows, n, out=np.zeros_like(rows), where=n > 0)
    return [
        Contrast(name, "linear_across_range", *ranges[name], per_count[j] * (ranges[name][1] - ranges[name][0]))
        for j, name in enumerate(names)
    ]


def design_ranges(points: pd.DataFrame, parameters: Mapping[str, Any]) -> dict[str, tuple[float, float]]:
    """(min, max) of each lever: the sweep file's range where it gives one, else the points' extremes."""
    out = {}
    for name, given in parameters.items():
        if isinstance(given, (list, tuple)) and len(given) == 2 and all(is_number(v) for v in given):
            out[name] = (float(given[0]), float(given[1]))
        else:
            out[name] = (float(points[name].min()), float(points[name].max()))
    return out


# --- the table ----------------------------------------------------------------------------------------


def effects_table(
    points: pd.DataFrame,
    counts: ClusterCounts,
    design: str,
    parameters: Mapping[str, Any],
    baseline: Mapping[str, Any],
    confidence: float = 0.95,
) -> pd.DataFrame:
    """One row per (lever, comparison, outcome class): the effect in percentage points and its interval.

    ``points`` has one row per design point in id order; ``parameters`` is the sweep's
    value lists (grid) or ranges; ``baseline`` the scenario's value of each lever. Rows
    whose interval excludes zero come first, each group sorted by the size of the effect;
    classes no replicate at the compared points ended in are left out.
    """
    n = counts.n.astype(float)
    if design == "grid":
        contrasts = grid_contrasts(points, n, parameters, baseline)
    else:
        contrasts = linear_contrasts(points, n, design_ranges(points, parameters))
    seen = counts.counts.sum(axis=1) > 0  # (P, O)
    rows = []
    for c in contrasts:
        # An exact zero (no replicate changed class) must read 0, not the rounding error of a sum of reciprocals.
        value, low, high = (np.where(np.abs(x) < TINY, 0.0, x) for x in counts.estimate(c.weights, confidence))
        involved = c.weights != 0
        for o, outcome in enumerate(OUTCOMES):
            if not seen[involved, o].any():
                continue
            rows.append(
                {
                    "parameter": c.parameter,
                    "label": label(c.parameter),
                    "outcome": outcome,
                    "method": c.method,
                    "from_value": c.from_value,
                    "to_value": c.to_value,
                    "baseline": describe_baseline(baseline.get(c.parameter)),
                    "effect_pp": PP * value[o],
                    "low_pp": PP * low[o],
                    "high_pp": PP * high[o],
                    "clear": bool(low[o] > 0 or high[o] < 0),
                }
            )
    table = pd.DataFrame(rows, columns=EFFECT_COLUMNS)
    if table.empty:
        return table
    size = table["effect_pp"].abs()
    return (
        table.assign(_size=size)
        .sort_values(["clear", "_size"], ascending=False, kind="stable")
        .drop(columns="_size")
        .reset_index(drop=True)
    )


EFFECT_COLUMNS = [
    "parameter",
    "label",
    "outcome",
    "method",
    "from_value",
    "to_value",
    "baseline",
    "effect_pp",
    "low_pp",
    "high_pp",
    "clear",
]


# --- the baseline -------------------------------------------------------------------------------------


def baseline_value(scenario: Mapping[str, Any], path: str) -> Any:
    """The scenario's value at a key path: a number, a text, or a prior as written ({kind: [values]})."""
    node: Any = scenario
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def describe_baseline(value: Any) -> str:
    """A baseline value for people: '10', 'symmetric', 'true', or 'prior loguniform 36.4 to 98.9'."""
    if value is None:
        return ""
    if isinstance(value, Mapping) and len(value) == 1:
        (kind, args), *_ = value.items()
        if isinstance(args, (list, tuple)) and args:
            return f"prior {kind} {args[0]:g} to {args[-1]:g}"
    if isinstance(value, bool):
        return str(value).lower()
    return f"{value:g}" if is_number(value) else str(value)

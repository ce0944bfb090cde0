"""Counts of events by inversion of a uniform draw: Poisson and binomial, vectorised.

The model's randomness comes from counter-based uniforms (:mod:`sim.model.rng`), one per
replicate, step and purpose, so that a replicate's numbers do not depend on its batch.
Counts are drawn from those uniforms by inverting the distribution function: the
smallest ``k`` with ``F(k) > u``. Most counts in a step are 0 or 1, so the search runs on
the few replicates still undecided and stops early; a Poisson mean above
``NORMAL_ABOVE`` (only reached by ordered fire seen under a commitment, where only the
size of a large count matters) uses the normal approximation with continuity
correction.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri

__all__ = ["poisson", "binomial", "NORMAL_ABOVE"]

NORMAL_ABOVE = 30.0
_TINY = 2.0**-53


def poisson(u: np.ndarray, mean: np.ndarray | float) -> np.ndarray:
    """(R,) int64: Poisson counts with mean ``mean`` (scalar or (R,)) by inversion of ``u``.

    Exact inversion for means up to :data:`NORMAL_ABOVE`, normal approximation above. Most
    counts are 0 (``u < exp(-mean)``), so the search only visits the others.
    """
    u = np.asarray(u, dtype=float)
    mean = np.asarray(mean, dtype=float)
    out = np.zeros(u.shape, dtype=np.int64)
    big = mean > NORMAL_ABOVE
    if big.any():
        big = np.broadcast_to(big, u.shape)
        full = np.broadcast_to(mean, u.shape)
        z = ndtri(np.clip(u[big], _TINY, 1.0 - _TINY))
        out[big] = np.maximum(0, np.floor(full[big] + np.sqrt(full[big]) * z + 0.5)).astype(np.int64)
        mean = np.where(big, 0.0, full)
    zero = np.exp(-mean)
    todo = np.flatnonzero(u >= zero)
    if todo.size == 0:
        return out
    m = np.broadcast_to(mean, u.shape)[todo]
    v = u[todo]
    pmf = np.broadcast_to(zero, u.shape)[todo]
    cdf = pmf.copy()
    k = 0
    while todo.size:
        undecided = v >= cdf
        if not undecided.any():
            break
        todo, m, v, pmf, cdf = todo[undecided], m[undecided], v[undecided], pmf[undecided], cdf[undecided]
        k += 1
        out[todo] = k
        pmf = pmf * m / k
        cdf = cdf + pmf
        if k > 200:  # cannot happen below NORMAL_ABOVE except by rounding at u ~ 1
            break
    return out


def binomial(u: np.ndarray, n: np.ndarray, p: np.ndarray | float) -> np.ndarray:
    """(R,) int64: binomial counts of ``n`` (R,) trials with success ``p`` by inversion of ``u``."""
    u = np.asarray(u, dtype=float)
    n = np.asarray(n, dtype=np.int64)
    p = np.broadcast_to(np.asarray(p, dtype=float), u.shape)
    out = np.zeros(u.shape, dtype=np.int64)
    sure = (n > 0) & (p >= 1.0)
    out[sure] = n[sure]
    todo = np.flatnonzero((n > 0) & (p > 0.0) & (p < 1.0))
    if todo.size == 0:
        return out
    nn, q, v = n[todo], p[todo], u[todo]
    ratio = q / (1.0 - q)
    pmf = (1.0 - q) ** nn
    cdf = pmf.copy()
    k = 0
    while todo.size:
        undecided = (v >= cdf) & (k < nn)
        if not undecided.any():
            break
        todo, nn, ratio, v, pmf, cdf = (
            todo[undecided],
            nn[undecided],
            ratio[undecided],
            v[undecided],
            pmf[undecided],
            cdf[undecided],
        )
        k += 1
        out[todo] = k
        pmf = pmf * ratio * (nn - k + 1) / k
        cdf = cdf + pmf
    return out

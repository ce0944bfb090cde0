"""Priors: a documented range for a value the source does not give, drawn per replicate.

In a scenario file a number may be replaced by one of::

    forgiveness = { uniform = [0.1, 0.5] }
    incidents_per_day = { loguniform = [0.5, 6.0] }
    tolerance = { triangular = [4.0, 8.0, 20.0] }     # low, mode, high

Each replicate draws its own value by inverting the distribution function at a uniform
number keyed by (seed, replicate, the key path), so the draw does not depend on the batch,
and quasi-random designs (calibration) can pass their own uniforms to :meth:`Prior.ppf`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Prior", "PRIOR_KINDS"]

#: Distribution name -> number of parameters it takes.
PRIOR_KINDS = {"uniform": 2, "loguniform": 2, "triangular": 3}


@dataclass(frozen=True)
class Prior:
    """A continuous distribution over a bounded range: ``kind`` and its ``values``."""

    kind: str
    values: tuple[float, ...]

    @property
    def low(self) -> float:
        return self.values[0]

    @property
    def high(self) -> float:
        return self.values[-1]

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Values at the quantiles ``u`` in [0, 1) (inverse distribution function)."""
        u = np.asarray(u, dtype=float)
        low, high = self.low, self.high
        if self.kind == "uniform":
            return low + u * (high - low)
        if self.kind == "loguniform":
            return np.exp(np.log(low) + u * (np.log(high) - np.log(low)))
        mode = self.values[1]
        cut = (mode - low) / (high - low)
        left = low + np.sqrt(u * (high - low) * (mode - low))
        right = high - np.sqrt((1.0 - u) * (high - low) * (high - mode))
        return np.where(u < cut, left, right)

    def mean(self) -> float:
        """The prior mean (for summaries and documentation)."""
        low, high = self.low, self.high
        if self.kind == "uniform":
            return 0.5 * (low + high)
        if self.kind == "loguniform":
            return (high - low) / (np.log(high) - np.log(low))
        return sum(self.values) / 3.0

    def to_plain(self) -> dict:
        """As written in TOML: ``{kind: [values]}``."""
        return {self.kind: list(self.values)}

    def __str__(self) -> str:
        return f"{self.kind}({', '.join(f'{v:g}' for v in self.values)})"

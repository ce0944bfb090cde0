"""The model's clock: steps of ``tick_hours``, cut at every scheduled time of the scenario.

Time is kept in hours since ``clock.start``. The step grid is the regular grid of
``tick_hours`` plus every calendar time the scenario fixes (an event's time, a truce's
scheduled end), so a truce declared at 18:00 starts at 18:00 whatever the tick: a 12-hour
tick is cut into 6 + 6 hours around it. The grid depends only on the scenario, never on a
replicate, so a replicate's random numbers (keyed by step) do not depend on its batch.
Every rate in the model is per hour or per day and is applied over each step's own length.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np

__all__ = ["Clock"]

_EPS = 1e-9


class Clock:
    """Step edges in hours since ``start``; step ``k`` covers ``[edges[k], edges[k + 1])``.

    Parameters
    ----------
    start : datetime
        Calendar time of hour 0.
    tick_hours : int
        The resolution: the regular step length (divides 24).
    horizon_days : float
        Days simulated.
    breakpoints : iterable of float
        Hours since ``start`` at which a step must begin (scheduled times); those outside
        ``(0, horizon)`` are ignored.
    """

    def __init__(self, start: dt.datetime, tick_hours: int, horizon_days: float, breakpoints: Iterable[float] = ()):
        self.start = start
        self.tick_hours = tick_hours
        self.horizon_hours = float(horizon_days) * 24.0
        regular = np.arange(0.0, self.horizon_hours + _EPS, tick_hours)
        extra = [b for b in breakpoints if _EPS < b < self.horizon_hours - _EPS]
        edges = np.unique(np.round(np.concatenate([regular, extra, [self.horizon_hours]]), 9))
        self.edges: np.ndarray = edges
        self.n_steps = len(edges) - 1
        self.dt_hours: np.ndarray = np.diff(edges)

    def hours(self, when: dt.datetime) -> float:
        """Hours from ``start`` to the calendar time ``when``."""
        return (when - self.start) / dt.timedelta(hours=1)

    def time_of(self, hours: float) -> dt.datetime:
        """Calendar time ``hours`` after the start."""
        return self.start + dt.timedelta(hours=float(hours))

    def step_at(self, hours: float | np.ndarray) -> np.ndarray:
        """Index of the step whose interval contains ``hours`` (``n_steps`` at or past the horizon)."""
        return np.searchsorted(self.edges, np.asarray(hours) + _EPS, side="right") - 1

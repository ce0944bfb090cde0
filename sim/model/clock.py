"""The model's clock: ticks of ``tick_hours`` from a start time, and conversions to days and dates."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["Clock"]


class Clock:
    """Tick ``t`` covers ``[start + t * tick_hours, start + (t + 1) * tick_hours)``; ``n_ticks`` reach the horizon."""

    def __init__(self, start: dt.datetime, tick_hours: int, horizon_days: int) -> None:
        self.start = start
        self.tick_hours = tick_hours
        self.tick_days = tick_hours / 24.0
        self.n_ticks = horizon_days * 24 // tick_hours

    @classmethod
    def from_scenario(cls, clock: Mapping) -> Clock:
        """The clock of a scenario's ``[clock]`` table."""
        return cls(clock["start"], clock["tick_hours"], clock["horizon_days"])

    def ticks_for_days(self, days: float) -> int:
        """Whole ticks covering ``days`` (at least one)."""
        return max(1, math.ceil(days / self.tick_days - 1e-9))

    def day_of(self, tick: int | np.ndarray) -> Any:
        """Days since the start at the beginning of ``tick``."""
        return tick * self.tick_days

    def time_of(self, tick: int) -> dt.datetime:
        """Calendar time at the beginning of ``tick``."""
        return self.start + dt.timedelta(hours=self.tick_hours * tick)

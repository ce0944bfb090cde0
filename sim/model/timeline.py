"""Per-tick records of the first few replicates: the data behind timelines and figures."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.scenario.schema import ISSUES, TARGET_CLASSES

from .negotiation import LEVEL_NAMES, gaps

if TYPE_CHECKING:
    from .model import CeasefireModel


class TimelineRecorder:
    """Collects, after every step, the state of replicates ``0..keep-1`` (positions in the batch)."""

    def __init__(self, model: CeasefireModel, keep: int) -> None:
        self.model = model
        self.keep = keep
        self._columns: dict[str, list[np.ndarray]] = {}
        self._last_accusations = {b.side: np.zeros(keep, dtype=np.int64) for b in (model.russia, model.ukraine)}

    def _put(self, name: str, values: np.ndarray) -> None:
        self._columns.setdefault(name, []).append(np.asarray(values)[: self.keep].copy())

    def record(self, tick: int) -> None:
        """Append one row per kept replicate for ``tick``: fire and commitments during it, the rest after it."""
        if self.keep == 0:
            return
        m, k = self.model, self.keep
        self._put("replicate", m.replicate_ids)
        self._put("tick", np.full(k, tick))
        self._put("day", np.full(k, m.day_of(tick)))
        self._put("hours", np.full(k, m.dt_hours))
        for b in (m.russia, m.ukraine):
            for c, cls in enumerate(TARGET_CLASSES):
                self._put(f"fire_{b.side}_{cls}", b.fire[:, c])
        # Commitments in force *during* the tick (before this tick's lapses and collapses).
        self._put("truce", m.truce_during)
        self._put("agreement", np.array(LEVEL_NAMES, dtype=object)[m.agreement_during])
        for b in (m.russia, m.ukraine):
            now = b.accusations[:k]
            self._put(f"accusations_{b.side}", now - self._last_accusations[b.side])
            self._last_accusations[b.side] = now.copy()
        us = m.united_states
        for b in (m.russia, m.ukraine):
            for i, issue in enumerate(ISSUES):
                self._put(f"position_{b.side}_{issue}", b.position[:, i])
        for i, issue in enumerate(ISSUES):
            self._put(f"text_{issue}", us.text[:, i])
        for b in (m.russia, m.ukraine):
            self._put(f"grievance_{b.side}", b.grievance)
            self._put(f"grievance_peak_{b.side}", b.grievance_peak)
            self._put(f"tolerance_{b.side}", b.tolerance_now())
            self._put(f"trust_{b.side}", b.trust)
        gap = gaps(m.ukraine.signing_bounds(us.text), m.russia.signing_bounds(us.text))[:k].sum(axis=1)
        self._put("gap", gap)
        self._put("progress", us.progress)
        left = (us.deadline_at[:k] - m.clock.edges[tick + 1]) / 24.0
        self._put("days_to_deadline", np.where(us.engaged[:k] & ~us.deadline_met[:k], left, np.nan))
        self._put("mediator_engaged", us.engaged)
        self._put("battle_balance", m.balance)

    def frame(self) -> pd.DataFrame:
        """Rows sorted by replicate then tick, with the calendar time of each tick."""
        if not self._columns:
            return pd.DataFrame()
        df = pd.DataFrame({name: np.concatenate(parts) for name, parts in self._columns.items()})
        df.insert(2, "time", [self.model.time_of(int(t)).isoformat() for t in df["tick"]])
        return df.sort_values(["replicate", "tick"], kind="stable").reset_index(drop=True)

    def take(self) -> pd.DataFrame:
        """The rows recorded since the last take, as :meth:`frame` gives them, and forget them.

        A long run hands its rows on this way (to disk) instead of holding them all: the
        rows of each replicate, taken block after block, join into exactly ``frame()``'s.
        """
        df = self.frame()
        self._columns = {}
        return df

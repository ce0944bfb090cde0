"""The dated event log: what happened, to whom, in which replicate, in words.

Only the first ``keep`` replicates are logged, so a 100,000-replicate sweep pays nothing
for it; a classroom run of one replicate logs everything.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from .model import CeasefireModel

#: What a value in the log may be: one string for all, an (R,) array, or a function of
#: the logged replicate indices returning one string each.
Text = str | np.ndarray | Callable[[np.ndarray], list]

COLUMNS = ["replicate", "tick", "time", "actor", "kind", "detail"]


class EventLog:
    """Rows (replicate, tick, ISO time, actor, kind, detail) for the kept replicates."""

    def __init__(self, model: CeasefireModel, keep: int) -> None:
        self.model = model
        self.keep = keep
        self._rows: list[tuple] = []

    def add(
        self,
        tick: int,
        kind: str,
        actor: Text,
        mask: np.ndarray | None = None,
        detail: Text = "",
        at_end: bool = False,
        at_hours: float | np.ndarray | None = None,
    ) -> None:
        """Log ``kind`` at step ``tick`` for every kept replicate where ``mask`` is true.

        ``at_end`` stamps the time at which the step ends (a truce that lapses, a deal
        signed at the close of a round) rather than the time at which it starts;
        ``at_hours`` (hours since the start, one or one per replicate) stamps another time.
        """
        if self.keep == 0:
            return
        where = np.arange(self.keep) if mask is None else np.flatnonzero(mask[: self.keep])
        if where.size == 0:
            return
        ids = self.model.replicate_ids[where]
        if at_hours is None:
            times = [self.model.time_of(tick + at_end).isoformat(timespec="seconds")] * len(where)
        else:
            hours = np.broadcast_to(np.asarray(at_hours, dtype=float), self.model.replicate_ids.shape)[where]
            times = [self.model.clock.time_of(round(h * 3600.0) / 3600.0).isoformat(timespec="seconds") for h in hours]
        for rid, time, who, what in zip(ids, times, _pick(actor, where), _pick(detail, where), strict=True):
            self._rows.append((int(rid), tick, time, who, kind, what))

    def frame(self) -> pd.DataFrame:
        """The log as a DataFrame, sorted by replicate then time (stable within a tick)."""
        df = pd.DataFrame(self._rows, columns=COLUMNS)
        return df.sort_values(["replicate", "tick", "time"], kind="stable").reset_index(drop=True)

    def take(self) -> pd.DataFrame:
        """The rows logged since the last take, as :meth:`frame` gives them, and forget them.

        Rows are taken between steps, so sorting each block by (replicate, tick, time)
        and joining a replicate's blocks gives exactly ``frame()``'s order.
        """
        df = self.frame()
        self._rows = []
        return df


def _pick(value: Text, where: np.ndarray) -> list:
    if callable(value):
        return list(value(where))
    if isinstance(value, np.ndarray):
        return list(value[where])
    return [value] * len(where)

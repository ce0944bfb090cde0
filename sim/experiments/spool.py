"""Timelines and events written to disk while a run goes, instead of held until it ends.

A run keeps one timeline row per kept replicate and clock step: 100 timelines of a ten-year
hourly clock are 8.8 million rows, gigabytes in memory. The spool takes the model's rows
every few hundred steps (:meth:`TimelineRecorder.take`, :meth:`EventLog.take`) and appends
each replicate's rows to its own part file, so memory holds one block at a time. At the end
the parts are joined, replicate after replicate, into ``timeline.csv`` and ``events.csv``:
byte for byte the files an in-memory run writes (sorted by replicate, then step).

The parts live in a hidden folder inside the run's temporary output folder
(:func:`sim.experiments.files.atomic_folder`), so an interrupted run leaves none behind.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from sim.model.events import COLUMNS as EVENT_COLUMNS

#: Rows (kept replicates x steps) a block holds before it goes to disk: about 130 MB at most.
BLOCK_ROWS = 100_000
#: The tables a run spools, by file name.
TABLES = ("timeline", "events")


class Spool:
    """Part files, one per table and replicate, under ``folder/.spool``."""

    def __init__(self, folder: Path) -> None:
        self.root = folder / ".spool"
        self.columns: dict[str, list[str]] = {"events": list(EVENT_COLUMNS)}
        self.replicates: dict[str, list[int]] = {name: [] for name in TABLES}

    def every(self, kept: int) -> int:
        """Steps between two takes, for ``kept`` timelines: blocks of about ``BLOCK_ROWS`` rows."""
        return max(1, BLOCK_ROWS // max(kept, 1))

    def add(self, name: str, frame: pd.DataFrame) -> None:
        """Append each replicate's rows of ``frame`` (one table's block) to its part file."""
        if frame.empty:
            return
        self.columns[name] = list(frame.columns)
        folder = self.root / name
        folder.mkdir(parents=True, exist_ok=True)
        for replicate, rows in frame.groupby("replicate", sort=True):
            part = folder / f"{int(replicate)}.csv"
            if not part.exists():
                self.replicates[name].append(int(replicate))
            rows.to_csv(part, mode="a", header=False, index=False)

    def join(self, name: str, dest: Path, order: list[int]) -> None:
        """Write ``dest``: the header, then each replicate's part in ``order`` (replicates with none skipped)."""
        columns = self.columns.get(name)
        with dest.open("w", newline="") as out:
            if columns is not None:
                out.write(pd.DataFrame(columns=columns).to_csv(index=False))
            else:  # nothing recorded: what an empty frame writes
                out.write(pd.DataFrame().to_csv(index=False))
            for replicate in order:
                part = self.root / name / f"{replicate}.csv"
                if part.exists():
                    with part.open() as source:
                        shutil.copyfileobj(source, out)

    def read(self, name: str, replicate: int) -> pd.DataFrame:
        """One replicate's rows of a table, read back (for the run's figure and story)."""
        part = self.root / name / f"{replicate}.csv"
        columns = self.columns.get(name)
        if columns is None or not part.exists():
            return pd.DataFrame(columns=columns or [])
        return pd.read_csv(part, header=None, names=columns, keep_default_na=name != "events")

    def remove(self) -> None:
        """Delete the part files (once joined)."""
        shutil.rmtree(self.root, ignore_errors=True)

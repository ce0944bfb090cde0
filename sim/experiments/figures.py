"""Matplotlib for files, not screens (the Agg backend), and the outcome colours every figure shares."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

__all__ = ["OUTCOME_COLOURS", "plt"]

#: One colour per outcome class, in the order of :data:`sim.model.outcomes.OUTCOMES`: greens
#: for agreements that hold, pale yellow-green for one too recent to judge, orange for a
#: collapse, red for the mediator stepping back, grey for stalemate.
OUTCOME_COLOURS = ["#1a9850", "#66bd63", "#a6d96a", "#d9ef8b", "#fdae61", "#d73027", "#999999"]

"""Matplotlib for files, not screens (the Agg backend), and the outcome colours every figure shares."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

__all__ = ["OUTCOME_COLOURS", "plt"]

#: One colour per outcome class, in the order of :data:`sim.model.outcomes.OUTCOMES`.
OUTCOME_COLOURS = ["#1a9850", "#66bd63", "#a6d96a", "#fdae61", "#d73027", "#999999"]

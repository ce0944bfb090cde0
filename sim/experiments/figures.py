"""Matplotlib for files, not screens (the Agg backend), and the outcome colours every figure shares."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

__all__ = ["OUTCOME_COLOURS", "plt"]

#: One colour per outcome class, in the order of :data:`sim.model.outcomes.OUTCOMES`, from
#: Okabe & Ito's colour-blind-safe palette: bluish green, blue and sky blue for agreements
#: that hold, yellow for one too recent to judge, orange for a collapse, vermillion for the
#: mediator stepping back, grey for stalemate. (The earlier greens and red made "holding"
#: and "walked away" look alike under deuteranopia.)
OUTCOME_COLOURS = ["#009E73", "#0072B2", "#56B4E9", "#F0E442", "#E69F00", "#D55E00", "#999999"]

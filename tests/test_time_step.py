"""Results do not depend on the time step: tick_hours 3, 6 and 12 agree within Monte-Carlo error.

Every rate in the model is per hour or per day and every duration in hours or days; the
tick only sets the resolution. The test runs the baseline at each tick with its own seed
(independent samples) and applies, at significance level 0.01 each:

* Pearson's chi-squared test of homogeneity to the outcome classes (classes expected
  fewer than 5 times pooled into one) and to the two Easter figures (both sides accuse
  during the truce; the truce runs its term);
* Mood's median test to the day of the first agreement, of the first collapse and of the
  U.S. stepping back, each among the replicates where it happened.

A failure means a difference larger than sampling noise explains: a rate or a duration
that still depends on the tick.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim import CeasefireModel
from sim.model.outcomes import OUTCOMES

#: Three runs of 4,000 replicates: the whole module is in the slow tier.
pytestmark = pytest.mark.slow

TICKS = (3, 6, 12)
REPLICATES = 4000
ALPHA = 0.01


@pytest.fixture(scope="module")
def runs() -> dict[int, pd.DataFrame]:
    return {
        tick: CeasefireModel(
            "baseline", seed=100 + tick, replicates=REPLICATES, keep_timelines=0, clock__tick_hours=tick
        )
        .run()
        .outcomes()
        for tick in TICKS
    }


def _homogeneity(table: np.ndarray) -> float:
    """p-value of Pearson's chi-squared test of homogeneity; sparse columns are pooled."""
    table = np.asarray(table, dtype=float)
    expected = table.sum(axis=0) * table.sum(axis=1, keepdims=True) / table.sum()
    sparse = (expected < 5).any(axis=0)
    if sparse.any():
        table = np.column_stack([table[:, ~sparse], table[:, sparse].sum(axis=1)])
    table = table[:, table.sum(axis=0) > 0]
    return stats.chi2_contingency(table, correction=False).pvalue


def test_outcome_shares_agree_at_ticks_of_3_6_and_12_hours(runs):
    table = np.array(
        [runs[t]["outcome"].astype(str).value_counts().reindex(OUTCOMES, fill_value=0).to_numpy() for t in TICKS]
    )
    assert _homogeneity(table) > ALPHA, pd.DataFrame(table, index=TICKS, columns=OUTCOMES)


@pytest.mark.parametrize("figure", ["both_accuse", "truce_runs_its_term"])
def test_the_easter_figures_agree_at_ticks_of_3_6_and_12_hours(runs, figure):
    def flag(out: pd.DataFrame) -> np.ndarray:
        if figure == "both_accuse":
            return (out["truce_accusations_by_russia"] > 0) & (out["truce_accusations_by_ukraine"] > 0)
        return out["truce_hours_held"] >= 30

    table = np.array([[flag(runs[t]).sum(), (~flag(runs[t])).sum()] for t in TICKS])
    assert _homogeneity(table) > ALPHA, table


@pytest.mark.parametrize("column", ["day_first_agreement", "day_collapse", "day_walk_away"])
def test_event_day_medians_agree_at_ticks_of_3_6_and_12_hours(runs, column):
    samples = [runs[t][column].dropna().to_numpy() for t in TICKS]
    assert all(len(s) > 100 for s in samples), column
    _, p, _, _ = stats.median_test(*samples)
    assert p > ALPHA, (column, [np.median(s) for s in samples])

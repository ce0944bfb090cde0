"""Outcome classes of a replicate at the horizon, and summaries of many replicates."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

from sim.scenario.schema import ISSUES

from .negotiation import CEASEFIRE_DEAL, PARTIAL, SETTLEMENT

if TYPE_CHECKING:
    from .model import CeasefireModel

#: In order of precedence: the first that applies names the replicate's outcome.
OUTCOMES = (
    "settlement",
    "ceasefire_holding",
    "partial_ceasefire",
    "ceasefire_collapsed",
    "mediator_walked_away",
    "no_agreement",
)


def classify(agreement: np.ndarray, collapses: np.ndarray, engaged: np.ndarray) -> np.ndarray:
    """(R,) outcome names from the agreement in force, past collapses and the mediator.

    An agreement in force at the horizon wins (settlement > ceasefire > partial); else a
    collapse of an earlier agreement; else the mediator's walk-away; else no agreement.
    """
    out = np.full(len(agreement), "no_agreement", dtype=object)
    out[~engaged] = "mediator_walked_away"
    out[collapses > 0] = "ceasefire_collapsed"
    out[agreement == PARTIAL] = "partial_ceasefire"
    out[agreement == CEASEFIRE_DEAL] = "ceasefire_holding"
    out[agreement == SETTLEMENT] = "settlement"
    return out


def outcome_table(model: CeasefireModel) -> pd.DataFrame:
    """One row per replicate, the columns of ``outcomes.csv`` (dates NaN when censored)."""
    m, us = model, model.united_states
    columns = {
        "replicate": m.replicate_ids,
        "outcome": classify(m.agreement, m.collapses, us.engaged),
        "day_first_truce": m.first_truce_day,
        "day_first_agreement": m.first_agreement_day,
        "day_walk_away": us.walk_day,
        "day_collapse": m.first_collapse_day,
        "truce_hours_held": m.first_truce_hours,
        "deadline_extensions": us.extensions,
        "civilian_harm_ukraine": m.harm["ukraine"],
        "civilian_harm_russia": m.harm["russia"],
        "strikes_russia": m.russia.strike_days,
        "strikes_ukraine": m.ukraine.strike_days,
        "accusations_by_russia": m.russia.accusations,
        "accusations_by_ukraine": m.ukraine.accusations,
        "truce_accusations_by_russia": m.russia.truce_accusations,
        "truce_accusations_by_ukraine": m.ukraine.truce_accusations,
    }
    for i, issue in enumerate(ISSUES):
        columns[f"terms_{issue}"] = m.terms[:, i]
    for i, issue in enumerate(ISSUES):
        columns[f"text_{issue}"] = us.text[:, i]
    df = pd.DataFrame(columns)
    df["outcome"] = pd.Categorical(df["outcome"], categories=OUTCOMES)
    return df


def wilson_interval(
    successes: np.ndarray, n: np.ndarray | int, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a binomial share (Wilson 1927, JASA 22:209).

    Well behaved at shares of 0 and 1, unlike the normal approximation.
    """
    k = np.asarray(successes, dtype=float)
    n = np.asarray(n, dtype=float)
    z = stats.norm.ppf(0.5 + confidence / 2.0)
    p = np.divide(k, n, out=np.zeros_like(k * n), where=n > 0)
    denom = 1.0 + z**2 / n
    centre = (p + z**2 / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    # The interval always contains p; clamping to it removes rounding error at shares 0 and 1.
    return np.clip(np.minimum(centre - half, p), 0.0, 1.0), np.clip(np.maximum(centre + half, p), 0.0, 1.0)


def outcome_shares(outcomes: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Share of each outcome class with its Wilson interval (all classes, in order)."""
    n = len(outcomes)
    counts = outcomes["outcome"].astype(str).value_counts().reindex(OUTCOMES, fill_value=0).to_numpy()
    low, high = wilson_interval(counts, n, confidence)
    return pd.DataFrame({"outcome": OUTCOMES, "count": counts, "share": counts / n, "low": low, "high": high})

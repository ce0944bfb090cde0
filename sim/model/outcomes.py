"""Outcome classes of a replicate, judged over a window before the horizon, and their shares."""

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
    "recent_agreement",
    "ceasefire_collapsed",
    "mediator_walked_away",
    "no_agreement",
)

#: One line each, for summaries a student can read.
OUTCOME_MEANINGS = {
    "settlement": "a settlement of every issue, in force for at least hold_days",
    "ceasefire_holding": "a ceasefire agreement, in force for at least hold_days",
    "partial_ceasefire": "a halt on strikes against civilian targets only, in force for at least hold_days",
    "recent_agreement": "an agreement in force, but signed within the last hold_days: too new to say it holds",
    "ceasefire_collapsed": "nothing in force: an agreement was signed and then abandoned",
    "mediator_walked_away": "nothing signed that held, and the U.S. has stepped back from the talks",
    "no_agreement": "stalemate: talks go on with the U.S. engaged, nothing is signed, fighting continues",
}


def classify(
    agreement: np.ndarray,
    days_in_force: np.ndarray,
    collapses: np.ndarray,
    engaged: np.ndarray,
    hold_days: float | np.ndarray,
) -> np.ndarray:
    """(R,) outcome names over the window of the last ``hold_days`` before the horizon.

    An agreement in force counts as holding only once it has been in force for
    ``hold_days``; a younger one is ``recent_agreement``. Without one in force: a collapse
    of an earlier agreement; else the mediator stepped back at the horizon; else stalemate.
    """
    out = np.full(len(agreement), "no_agreement", dtype=object)
    out[~engaged] = "mediator_walked_away"
    out[collapses > 0] = "ceasefire_collapsed"
    held = days_in_force >= np.asarray(hold_days) - 1e-9
    out[(agreement > 0) & ~held] = "recent_agreement"
    out[(agreement == PARTIAL) & held] = "partial_ceasefire"
    out[(agreement == CEASEFIRE_DEAL) & held] = "ceasefire_holding"
    out[(agreement == SETTLEMENT) & held] = "settlement"
    return out


def outcome_table(model: CeasefireModel) -> pd.DataFrame:
    """One row per replicate, the columns of ``outcomes.csv`` (dates NaN when censored)."""
    m, us = model, model.united_states
    horizon_days = m.clock.horizon_hours / 24.0
    in_force = np.where(m.agreement > 0, horizon_days - m.agreement_since / 24.0, np.nan)
    columns = {
        "replicate": m.replicate_ids,
        "outcome": classify(m.agreement, np.nan_to_num(in_force, nan=0.0), m.collapses, us.engaged, m.hold_days),
        "day_first_truce": m.first_truce_day,
        "day_first_agreement": m.first_agreement_day,
        "day_walk_away": us.walk_day,
        "day_collapse": m.first_collapse_day,
        "days_in_force": in_force,
        "collapse_reason": m.collapse_reason.astype(str),
        "collapsed_by": m.collapsed_by.astype(str),
        "collapses": m.collapses,
        "day_bilateral_offer": m.bilateral_offer_day,
        "bilateral_accepted": m.bilateral_accepted,
        "truce_hours_held": m.first_truce_hours,
        "deadline_extensions": us.extensions,
        "mediator_step_backs": us.step_backs,
        "mediator_returns": us.returns,
        "civilian_harm_ukraine": m.harm["ukraine"],
        "civilian_harm_russia": m.harm["russia"],
        "strikes_russia": m.russia.strike_days,
        "strikes_ukraine": m.ukraine.strike_days,
        "accusations_by_russia": m.russia.accusations,
        "accusations_by_ukraine": m.ukraine.accusations,
        "truce_accusations_by_russia": m.russia.truce_accusations,
        "truce_accusations_by_ukraine": m.ukraine.truce_accusations,
        "cleared_by_monitor": m.russia.cleared + m.ukraine.cleared,
        "trust_russia": m.russia.trust,
        "trust_ukraine": m.ukraine.trust,
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

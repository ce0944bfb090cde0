"""Outcome classes, outcome tables and outcome shares with Wilson intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import OUTCOME_COLUMNS, outcomes
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import stats

from sim.model.negotiation import CEASEFIRE_DEAL, NONE, PARTIAL, SETTLEMENT
from sim.model.outcomes import OUTCOME_MEANINGS, OUTCOMES, classify, outcome_shares, wilson_interval
from sim.scenario.schema import ISSUES


def test_the_outcome_classes_are_the_briefs_six_and_a_recent_agreement_judged_over_a_window():
    assert set(OUTCOMES) == {
        "settlement",
        "ceasefire_holding",
        "partial_ceasefire",
        "recent_agreement",
        "ceasefire_collapsed",
        "mediator_walked_away",
        "no_agreement",
    }
    assert set(OUTCOME_MEANINGS) == set(OUTCOMES)


@settings(max_examples=80, deadline=None)
@given(
    agreement=hnp.arrays(np.int8, 20, elements=st.integers(0, 3)),
    in_force=hnp.arrays(np.float64, 20, elements=st.floats(0.0, 30.0)),
    collapses=hnp.arrays(np.int64, 20, elements=st.integers(0, 3)),
    engaged=hnp.arrays(np.bool_, 20),
    hold_days=st.floats(0.0, 14.0),
)
def test_an_agreement_that_held_outranks_a_recent_one_which_outranks_a_collapse_then_a_walk_away(
    agreement, in_force, collapses, engaged, hold_days
):
    names = {SETTLEMENT: "settlement", CEASEFIRE_DEAL: "ceasefire_holding", PARTIAL: "partial_ceasefire"}
    got = classify(agreement, in_force, collapses, engaged, hold_days)
    for a, d, c, e, name in zip(agreement, in_force, collapses, engaged, got, strict=True):
        if a != NONE and d >= hold_days - 1e-9:  # the classifier's tolerance for rounding in days
            assert name == names[int(a)]
        elif a != NONE:
            assert name == "recent_agreement"
        elif c > 0:
            assert name == "ceasefire_collapsed"
        elif not e:
            assert name == "mediator_walked_away"
        else:
            assert name == "no_agreement"


@pytest.mark.slow
def test_one_more_day_ages_every_agreement_by_a_day_and_a_deal_counts_as_held_only_after_a_week():
    """The class does not hinge on the last step: runs to day 30 and 31 share their first 30
    days, and an agreement in force at both has simply been in force one day longer."""
    a, b = (outcomes(seed=9, replicates=3000, clock__horizon_days=h) for h in (30, 31))
    for out in (a, b):
        recent = out["outcome"] == "recent_agreement"
        held = out["outcome"].isin(["settlement", "ceasefire_holding", "partial_ceasefire"])
        assert (out.loc[recent, "days_in_force"] < 7).all() and (out.loc[held, "days_in_force"] >= 7).all()
        assert recent.any() and held.any()
    same_deal = (a["day_first_agreement"] == b["day_first_agreement"]) & (a["collapses"] == b["collapses"])
    same_deal &= a["days_in_force"].notna() & b["days_in_force"].notna()
    # An upgrade on day 30 (a ceasefire added to a partial agreement) starts a new agreement.
    same_deal &= a["terms_ceasefire"].isna() == b["terms_ceasefire"].isna()
    aged = b.loc[same_deal, "days_in_force"] - a.loc[same_deal, "days_in_force"]
    assert same_deal.sum() > 1000
    np.testing.assert_allclose(aged, 1.0)
    was_held = a["outcome"].isin(["settlement", "ceasefire_holding", "partial_ceasefire"]) & same_deal
    assert b.loc[was_held, "outcome"].isin(["settlement", "ceasefire_holding", "partial_ceasefire"]).all()


@pytest.mark.slow
def test_the_outcome_table_has_the_documented_columns_and_sane_values():
    out = outcomes("bilateral_track", seed=3, replicates=1000)
    assert set(OUTCOME_COLUMNS) <= set(out.columns)
    assert list(out["replicate"]) == list(range(1000))
    assert set(out["outcome"].astype(str)) <= set(OUTCOMES)
    for column in ("day_first_truce", "day_first_agreement", "day_walk_away", "day_collapse"):
        days = out[column].dropna()
        assert ((days >= 0) & (days <= 30)).all(), column
    for column in ("civilian_harm_ukraine", "civilian_harm_russia", "strikes_russia", "strikes_ukraine"):
        assert (out[column] >= 0).all()
    # Strike-days on two classes of intensity at most 1 cannot exceed 2 x 30 days.
    assert (out[["strikes_russia", "strikes_ukraine"]] <= 60).all().all()
    # An agreement in force means terms were agreed; no agreement ever means none were.
    never = out["day_first_agreement"].isna()
    assert out.loc[never, [f"terms_{i}" for i in ISSUES]].isna().all().all()
    in_force = out["outcome"].isin(["settlement", "ceasefire_holding", "partial_ceasefire"])
    assert out.loc[in_force, "terms_civilian_moratorium"].notna().all()
    walked = out["outcome"] == "mediator_walked_away"
    assert out.loc[walked, "day_walk_away"].notna().all()


@pytest.mark.slow
@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from(OUTCOMES), min_size=1, max_size=300), st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_outcome_shares_sum_to_one_and_their_wilson_intervals_contain_them(names, confidence):
    df = pd.DataFrame({"outcome": pd.Categorical(names, categories=OUTCOMES)})
    shares = outcome_shares(df, confidence)
    assert list(shares["outcome"]) == list(OUTCOMES)
    assert shares["count"].sum() == len(names)
    assert shares["share"].sum() == pytest.approx(1.0)
    assert ((shares["low"] >= 0) & (shares["high"] <= 1)).all()
    assert ((shares["low"] <= shares["share"]) & (shares["share"] <= shares["high"])).all()


@settings(max_examples=80, deadline=None)
@given(n=st.integers(1, 100_000), data=st.data(), confidence=st.sampled_from([0.9, 0.95, 0.99]))
def test_wilson_interval_matches_an_independent_implementation(n, data, confidence):
    k = data.draw(st.integers(0, n))
    low, high = wilson_interval(np.array([k]), n, confidence)
    ref = stats.binomtest(k, n).proportion_ci(confidence, method="wilson")
    assert low[0] == pytest.approx(ref.low, abs=1e-9)
    assert high[0] == pytest.approx(ref.high, abs=1e-9)
    assert 0 <= low[0] <= k / n <= high[0] <= 1


def test_wilson_interval_is_one_sided_at_shares_of_zero_and_one():
    low, high = wilson_interval(np.array([0, 50]), 50)
    assert low[0] == 0 and high[0] > 0
    assert high[1] == 1 and low[1] < 1


def test_wilson_intervals_narrow_as_replicates_grow():
    widths = [np.subtract(*wilson_interval(np.array([n // 4]), n)[::-1])[0] for n in (100, 1000, 10_000)]
    assert widths[0] > widths[1] > widths[2]
    # ... roughly as 1 / sqrt(n).
    assert widths[0] / widths[2] == pytest.approx(10, rel=0.05)


@pytest.mark.slow
def test_outcome_shares_of_a_run_sum_to_one():
    shares = outcome_shares(outcomes(seed=4, replicates=1500))
    assert shares["share"].sum() == pytest.approx(1.0)
    assert shares["count"].sum() == 1500

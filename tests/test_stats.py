"""Interval and survival estimators against published textbook values."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.experiments.stats import (
    censor_at_horizon,
    independent_variance_ratio,
    kaplan_meier,
    km_median,
    paired_difference,
    percent,
    share_text,
)
from sim.model.outcomes import wilson_interval


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [
        # Newcombe (1998), Statistics in Medicine 17:857-872, Table II, method 3 (Wilson score, no correction)
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0000, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_interval_matches_newcombe_1998(successes, n, low, high):
    lo, hi = wilson_interval(np.array([successes]), n)
    assert lo[0] == pytest.approx(low, abs=6e-5)
    assert hi[0] == pytest.approx(high, abs=6e-5)


# Freireich et al. (1963) remission times (weeks), 6-MP group, + marks censoring; the
# Kaplan-Meier table is in Kleinbaum & Klein (2012), Survival Analysis, 3rd ed., ch. 2.
SIX_MP = [
    6,
    6,
    6,
    "6+",
    7,
    "9+",
    10,
    "10+",
    "11+",
    13,
    16,
    "17+",
    "19+",
    "20+",
    22,
    23,
    "25+",
    "32+",
    "32+",
    "34+",
    "35+",
]
SIX_MP_KM = {6: 0.857, 7: 0.807, 10: 0.753, 13: 0.690, 16: 0.627, 22: 0.538, 23: 0.448}


def _six_mp():
    time = np.array([float(str(t).rstrip("+")) for t in SIX_MP])
    observed = np.array([not str(t).endswith("+") for t in SIX_MP])
    return time, observed


def test_kaplan_meier_matches_the_6mp_textbook_table():
    curve = kaplan_meier(*_six_mp())
    assert list(curve.time) == list(SIX_MP_KM)
    assert curve.survival == pytest.approx(list(SIX_MP_KM.values()), abs=5e-4)
    assert curve.events == 9 and curve.n == 21


def test_kaplan_meier_is_a_right_continuous_step_function():
    curve = kaplan_meier(*_six_mp())
    assert curve.at([0.0, 5.99, 6.0, 6.5, 9.0, 40.0]) == pytest.approx([1.0, 1.0, 0.857, 0.857, 0.807, 0.448], abs=5e-4)


def test_kaplan_meier_median_of_6mp_is_23_weeks():
    assert kaplan_meier(*_six_mp()).median == 23.0


def test_kaplan_meier_band_contains_the_estimate():
    curve = kaplan_meier(*_six_mp())
    assert np.all(curve.low <= curve.survival) and np.all(curve.survival <= curve.high)


def test_missing_days_are_censored_at_the_horizon():
    time, observed = censor_at_horizon(np.array([2.0, np.nan, 5.0]), horizon=30)
    assert list(time) == [2.0, 30.0, 5.0]
    assert list(observed) == [True, False, True]


def test_median_is_undefined_when_most_replicates_never_see_the_event():
    days = np.array([1.0, 2.0, np.nan, np.nan, np.nan])
    assert np.isnan(km_median(days, horizon=10))


def test_median_without_censoring_is_the_ordinary_lower_median():
    assert km_median(np.array([4.0, 1.0, 3.0, 2.0]), horizon=10) == 2.0


def test_no_event_at_all_gives_survival_one():
    curve = kaplan_meier(np.full(5, 30.0), np.zeros(5, dtype=bool))
    assert curve.events == 0 and curve.at(29.0) == 1.0 and np.isnan(curve.median)


def _approval_pairs():
    """Agresti (2007), An Introduction to Categorical Data Analysis, 2nd ed., Table 8.1:
    1600 people's approval of the Prime Minister in two surveys (794, 150, 86, 570)."""
    first = np.r_[np.ones(794 + 150), np.zeros(86 + 570)].astype(bool)
    second = np.r_[np.ones(794), np.zeros(150), np.ones(86), np.zeros(570)].astype(bool)
    return first, second


def test_paired_difference_matches_agresti_example():
    diff, low, high = paired_difference(*_approval_pairs())
    assert diff == pytest.approx(-0.04)
    assert (low, high) == pytest.approx((-0.059, -0.021), abs=5e-4)


def test_identical_pairs_have_zero_difference_and_zero_width():
    a = np.array([True, False, True, True])
    assert paired_difference(a, a) == (0.0, 0.0, 0.0)


def test_positively_correlated_pairs_need_fewer_replicates_than_independent_samples():
    assert independent_variance_ratio(*_approval_pairs()) > 1.0


# --- shares as people read them ------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "n", "text"),
    [
        (0, 10_000, "0 of 10,000 (< 0.04%)"),  # Wilson upper bound 0.0384%
        (0, 1_000, "0 of 1,000 (< 0.4%)"),  # 0.383%
        (0, 50, "0 of 50 (< 7.2%)"),  # 7.13%
        (10_000, 10_000, "10,000 of 10,000 (> 99.96%)"),
        (50, 50, "50 of 50 (> 92.8%)"),
        (81, 263, "30.8% [25.5%, 36.6%]"),  # Newcombe (1998), as above: 0.2553 and 0.3662, to the nearest 0.1%
        (1, 10_000, "0.01% [0.0018%, 0.057%]"),
    ],
)
def test_share_text_reads_an_empty_class_as_a_bound_never_as_zero(count, n, text):
    assert share_text(count, n) == text


@pytest.mark.parametrize("n", [1, 7, 50, 999, 10_000, 1_000_000])
def test_the_printed_bound_of_an_empty_or_full_class_contains_the_wilson_interval(n):
    low, high = wilson_interval(np.array([0, n]), n)
    upper = float(share_text(0, n).split("< ")[1].rstrip("%)")) / 100
    lower = float(share_text(n, n).split("> ")[1].rstrip("%)")) / 100
    assert high[0] <= upper < high[0] * 1.5 + 1e-12  # rounded up, by less than one significant figure
    assert lower <= low[1] and 1 - lower < (1 - low[1]) * 1.5 + 1e-12


def test_percent_keeps_small_shares_visible():
    assert percent(0.0) == "0.0%" and percent(0.5) == "50.0%"
    assert percent(0.00012) == "0.012%" and percent(0.0004) == "0.04%"


@given(
    st.lists(st.one_of(st.none(), st.sampled_from([0.5, 1.0, 2.0, 7.25, 30.0]), st.floats(0.0, 30.0)), max_size=40)
)
def test_median_read_off_the_sorted_days_is_the_kaplan_meier_median(values):
    """Censored only at the horizon, the KM median is the ceil(n/2)-th event day: the shortcut sweeps use."""
    days = np.array([np.nan if v is None else v for v in values], dtype=float)
    expected = kaplan_meier(*censor_at_horizon(days, horizon=30.0)).median
    got = km_median(days, horizon=30.0)
    assert got == expected or (np.isnan(got) and np.isnan(expected))

"""Exact values of the simulation's building blocks, each derived from its documented formula.

Written for the mutation run (docs/mutation.md): every test here is fast and states a closed
form, a published reference value or an independent re-implementation of the documented
construction, so that a changed operator or constant in ``sim/model`` fails a test.
"""

from __future__ import annotations

import datetime as dt
import zlib

import numpy as np
import pandas as pd
import pytest
from conftest import BASELINE_START
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sim.model import military as mil
from sim.model import negotiation as neg
from sim.model.clock import Clock
from sim.model.counts import NORMAL_ABOVE, binomial, poisson
from sim.model.outcomes import OUTCOMES, outcome_shares, wilson_interval
from sim.model.rng import Streams, _mix, purpose_id
from sim.scenario.schema import ISSUES

# --- counter-based streams: SplitMix64 (Steele, Lea & Flood 2014), word by word ---------------

MASK = (1 << 64) - 1
GOLDEN, M1, M2 = 0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB


def splitmix_finaliser(x: int) -> int:
    """The SplitMix64 finaliser on Python integers (an implementation independent of numpy)."""
    x = ((x ^ (x >> 30)) * M1) & MASK
    x = ((x ^ (x >> 27)) * M2) & MASK
    return x ^ (x >> 31)


def reference_uniform(seed: int, replicate: int, tick: int, purpose: str) -> float:
    """The documented key schedule: seed, then replicate, then purpose and tick, each mixed in turn."""
    base = splitmix_finaliser((seed % 2**64 + GOLDEN) & MASK)
    key = splitmix_finaliser(base ^ ((replicate * GOLDEN) & MASK))
    purpose_key = splitmix_finaliser((zlib.crc32(purpose.encode()) * M1 + GOLDEN) & MASK)
    salt = splitmix_finaliser(purpose_key ^ ((tick * M2) & MASK))
    return (splitmix_finaliser(key ^ salt) >> 11) * 2.0**-53


def test_the_mixer_is_splitmix64_whose_first_outputs_from_seed_0_are_published():
    # SplitMix64 seeded with 0 adds the golden gamma before each output: its first two
    # outputs are 0xE220A8397B1DCDAF and 0x6E789E6AA1B965F4 (the reference generator's).
    states = np.array([GOLDEN, (2 * GOLDEN) & MASK], dtype=np.uint64)
    assert [int(v) for v in _mix(states)] == [0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4]


@settings(max_examples=30, deadline=None)
@given(words=st.lists(st.integers(0, MASK), min_size=1, max_size=20))
def test_the_mixer_equals_the_finaliser_on_any_64_bit_words(words):
    with np.errstate(over="ignore"):
        got = _mix(np.array(words, dtype=np.uint64))
    assert [int(v) for v in got] == [splitmix_finaliser(w) for w in words]


def test_purpose_ids_are_crc32_whose_check_value_is_cbf43926():
    assert purpose_id("123456789") == 0xCBF43926


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**64 - 1),
    ids=st.lists(st.integers(0, 10**9), min_size=1, max_size=6, unique=True),
    tick=st.integers(0, 10**5),
    purpose=st.text(min_size=1, max_size=12),
)
def test_every_draw_is_the_documented_function_of_seed_replicate_tick_and_purpose(seed, ids, tick, purpose):
    """Draws are reproducible on any machine: the same four integers give the same bits."""
    streams = Streams(seed, np.array(ids))
    expected = [reference_uniform(seed, r, tick, purpose) for r in ids]
    assert list(streams.uniform(tick, purpose)) == expected
    assert list(streams.uniforms(tick, (purpose, "other"))[:, 0]) == expected
    assert list(streams.uniforms(tick, ("other", purpose))[:, 1]) == expected
    rows = np.arange(len(ids))[::-1]
    assert list(streams.uniform_rows(tick, purpose, rows)) == expected[::-1]


def test_normal_draws_are_the_normal_quantile_of_the_uniform_draws():
    streams = Streams(5, np.arange(1000))
    np.testing.assert_allclose(streams.normal(3, "battle"), stats.norm.ppf(streams.uniform(3, "battle")), rtol=1e-12)


def test_a_second_call_for_the_same_purposes_gives_the_same_numbers():
    """Purpose keys and grouped salts are cached: the cache must not change a number."""
    streams = Streams(4, np.arange(10))
    first = streams.uniforms(2, ("a", "b")), streams.uniform(2, "a")
    second = streams.uniforms(2, ("a", "b")), streams.uniform(2, "a")
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])
    np.testing.assert_array_equal(first[0][:, 0], first[1])


# --- counts by inversion ----------------------------------------------------------------------


def test_a_large_poisson_mean_uses_the_continuity_corrected_normal_quantile():
    # At these quantiles the normal approximation and the exact inverse differ by a count or two.
    mean = np.array([40.0, 100.0, 31.0, 40.0])
    u = np.array([0.01, 0.95, 0.999, 0.5])
    expected = np.floor(mean + np.sqrt(mean) * stats.norm.ppf(u) + 0.5)
    assert (expected[:3] != stats.poisson.ppf(u[:3], mean[:3])).all()
    np.testing.assert_array_equal(poisson(u, mean), expected)


def test_small_and_large_poisson_means_side_by_side_are_each_counted_their_own_way():
    u = np.array([0.999, 0.999, 0.01, 0.7])
    mean = np.array([2.0, 40.0, 30.0, 0.0])
    expected = [stats.poisson.ppf(0.999, 2.0), np.floor(40 + np.sqrt(40) * stats.norm.ppf(0.999) + 0.5), stats.poisson.ppf(0.01, 30.0), 0]
    np.testing.assert_array_equal(poisson(u, mean), expected)  # a mean of exactly NORMAL_ABOVE is still inverted exactly
    assert NORMAL_ABOVE == 30.0


def test_poisson_counts_at_a_mean_of_zero_are_zero_and_at_small_means_invert_the_cdf():
    u = np.array([0.3, 0.999, 0.5, 0.95])
    mean = np.array([0.0, 0.0, 1.0, 2.5])
    np.testing.assert_array_equal(poisson(u, mean), [0, 0, stats.poisson.ppf(0.5, 1.0), stats.poisson.ppf(0.95, 2.5)])


def test_a_single_trial_or_a_single_replicate_is_counted_too():
    np.testing.assert_array_equal(binomial(np.array([0.3, 0.3]), np.array([1, 1]), np.array([1.0, 0.5])), [1, 0])
    np.testing.assert_array_equal(binomial(np.array([0.99]), np.array([5]), 0.5), [5])
    np.testing.assert_array_equal(binomial(np.array([0.99, 0.2]), np.array([5, 0]), 0.5), [5, 0])
    np.testing.assert_array_equal(poisson(np.array([0.99]), 1.0), [stats.poisson.ppf(0.99, 1.0)])


def test_binomial_counts_with_certain_success_are_all_trials_and_with_none_are_zero():
    u = np.array([0.2, 0.9, 0.5, 0.55])  # away from the jumps of the cdf, where ties would decide
    n = np.array([3, 7, 0, 5])
    np.testing.assert_array_equal(binomial(u, n, np.array([1.0, 1.0, 1.0, 0.0])), [3, 7, 0, 0])
    np.testing.assert_array_equal(binomial(u, n, 0.5), stats.binom.ppf(u, n, 0.5))


# --- the clock ----------------------------------------------------------------------------------


def test_the_clock_converts_hours_since_the_start_to_calendar_times_and_back():
    assert Clock(BASELINE_START, 6, 2, [10.0]).hours(BASELINE_START + dt.timedelta(days=1, hours=6)) == 30.0
    assert Clock(BASELINE_START, 6, 2, [10.0]).time_of(np.float64(30.0)) == BASELINE_START + dt.timedelta(hours=30)


def test_a_horizon_that_is_not_a_multiple_of_the_tick_ends_with_a_short_step():
    clock = Clock(BASELINE_START, 24, 2.5)
    np.testing.assert_array_equal(clock.edges, [0.0, 24.0, 48.0, 60.0])
    np.testing.assert_array_equal(clock.dt_hours, [24.0, 24.0, 12.0])
    assert clock.n_steps == 3 and clock.tick_hours == 24 and clock.horizon_hours == 60.0
    np.testing.assert_array_equal(clock.step_at(np.array([0.0, 23.9, 24.0, 59.0, 60.0])), [0, 0, 1, 2, 3])


# --- the military layer -------------------------------------------------------------------------


def test_either_target_class_counts_as_fire():
    where = np.array([[False, False], [True, False], [False, True], [True, True]])
    np.testing.assert_array_equal(mil.any_class(where), [False, True, True, True])


def test_realised_fire_leaves_the_ordered_intensity_untouched():
    intended = np.array([[0.25, 0.5]])
    fire = mil.realised_fire(intended, np.array([2]), 4.0, 1.0)
    np.testing.assert_array_equal(fire, [[0.75, 0.5]])
    np.testing.assert_array_equal(intended, [[0.25, 0.5]])


# --- the negotiation layer ----------------------------------------------------------------------


def test_positions_move_alpha_times_reach_of_the_way_to_the_limit_and_clip_to_the_unit_interval():
    opening = np.array([[0.2] * 6, [0.9] * 6, [0.2] * 6])
    limit = np.array([[0.8] * 6, [0.3] * 6, [0.8] * 6])
    alpha = np.array([0.5, 0.5, 1.0])
    reach = np.array([1.5, 1.5, 3.0])
    pos = neg.positions(opening, limit, alpha, reach)
    np.testing.assert_allclose(pos[0], 0.2 + 0.75 * 0.6)
    np.testing.assert_allclose(pos[1], 0.9 - 0.75 * 0.6)
    np.testing.assert_allclose(pos[2], 1.0)  # 0.2 + 3 x 0.6 = 2.0, clipped
    below = neg.positions(np.full((1, 6), 0.5), np.zeros((1, 6)), np.array([1.0]), np.array([2.0]))
    np.testing.assert_allclose(below, 0.0)  # 0.5 - 2 x 0.5 = -0.5, clipped


def test_the_guarantee_ukraine_gets_is_the_texts_up_to_europes_capacity():
    text = np.zeros((3, 6))
    text[:, neg.GUARANTEES] = [0.3, 0.8, 1.0]
    np.testing.assert_allclose(neg.effective_guarantee(text, 0.5), [0.5, 0.2, 0.0])
    np.testing.assert_allclose(neg.effective_guarantee(text, 0.9), [0.7, 0.2, 0.0])


def test_with_full_relief_from_guarantees_ukraine_accepts_any_neutrality():
    position = np.zeros((1, 6))
    text = np.zeros((1, 6))  # the strongest guarantees
    bounds = neg.ukraine_bounds(position, text, offset=1.0, capacity=1.0)
    assert bounds[0, neg.NEUTRALITY] == 1.0
    np.testing.assert_array_equal(np.delete(bounds[0], neg.NEUTRALITY), 0.0)
    partial = neg.ukraine_bounds(np.full((1, 6), 0.3), text, offset=0.5, capacity=0.8)
    assert partial[0, neg.NEUTRALITY] == pytest.approx(0.3 / (1 - 0.5 * 0.8))


def test_utilities_are_weighted_means_with_neutrality_discounted_by_guarantees():
    terms = np.array([[0.1, 0.2, 0.3, 0.4, 0.5, 0.6]])
    weights = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    g = min(1 - 0.5, 0.6)  # guarantees in the text (1 - 0.5) up to capacity 0.6
    ukraine_values = 1 - terms[0]
    ukraine_values[neg.NEUTRALITY] = 1 - 0.4 * (1 - 0.25 * g)
    assert neg.utility_ukraine(terms, weights, 0.25, 0.6)[0] == pytest.approx((ukraine_values * weights).sum() / 21)
    assert neg.utility_russia(terms, weights)[0] == pytest.approx((terms[0] * weights).sum() / 21)
    per_replicate = np.vstack([weights, weights[::-1]])
    both = np.vstack([terms, terms])
    np.testing.assert_allclose(
        neg.utility_russia(both, per_replicate), [(terms[0] * weights).sum() / 21, (terms[0] * weights[::-1]).sum() / 21]
    )


def test_a_text_on_either_partys_bound_is_inside_the_zone_and_a_hair_beyond_is_not():
    bound_ukraine = np.full((1, 6), 0.6)
    position_russia = np.full((1, 6), 0.4)
    for text, inside in ((0.6, True), (0.4, True), (0.5, True), (0.6 + 1e-9, False), (0.4 - 1e-9, False)):
        assert neg.in_zone(np.full((1, 6), text), bound_ukraine, position_russia).all() == inside, text
    np.testing.assert_allclose(neg.gaps(np.array([[0.2, 0.7]]), np.array([[0.5, 0.3]])), [[0.3, 0.0]])
    np.testing.assert_allclose(neg.mediator_target(np.array([[0.2, 0.7]]), np.array([[0.5, 0.3]])), [[0.35, 0.5]])


def test_each_package_settles_the_issues_of_the_design_brief():
    settled = {lvl: {ISSUES[i] for i in np.flatnonzero(row)} for lvl, row in enumerate(neg.SETTLED)}
    assert settled[neg.NONE] == set()
    assert settled[neg.PARTIAL] == {"civilian_moratorium"}
    assert settled[neg.CEASEFIRE_DEAL] == {"civilian_moratorium", "ceasefire", "sequencing"}
    assert settled[neg.SETTLEMENT] == set(ISSUES)


def test_a_settlement_needs_its_utility_test_and_an_agenda_that_allows_every_issue():
    acceptable = np.ones((2, 6), dtype=bool)
    everything = np.ones(6, dtype=bool)
    np.testing.assert_array_equal(neg.best_package(acceptable, np.array([True, False]), everything), [3, 2])
    no_territory = everything.copy()
    no_territory[neg.TERRITORY] = False
    np.testing.assert_array_equal(neg.best_package(acceptable, np.array([True, True]), no_territory), [2, 2])


# --- outcome shares ----------------------------------------------------------------------------


@pytest.mark.parametrize("confidence", [0.8, 0.95])
def test_wilson_bounds_are_clamped_to_the_unit_interval_where_rounding_would_cross_it(confidence):
    # At k = 0 of n = 21 (or 17) the score interval's lower end rounds to just below 0, and at
    # k = n = 16 (or 20) its upper end to just above 1: the interval is [0, ...] and [..., 1].
    n = np.array([21.0, 17.0, 16.0, 20.0])
    k = np.array([0.0, 0.0, 16.0, 20.0])
    low, high = wilson_interval(k, n, confidence)
    np.testing.assert_array_equal(low[:2], 0.0)
    np.testing.assert_array_equal(high[2:], 1.0)
    assert ((low >= 0) & (high <= 1)).all()


def test_outcome_shares_count_every_class_in_order_with_wilson_intervals():
    names = ["settlement"] * 3 + ["no_agreement"] * 5 + ["ceasefire_collapsed"] * 2
    df = pd.DataFrame({"outcome": pd.Categorical(names, categories=OUTCOMES)})
    shares = outcome_shares(df, 0.9)
    default = outcome_shares(df)  # 95% unless asked otherwise
    low95 = stats.binomtest(3, 10).proportion_ci(0.95, method="wilson").low
    assert default.loc[default["outcome"] == "settlement", "low"].item() == pytest.approx(low95, abs=1e-12)
    assert list(shares.columns) == ["outcome", "count", "share", "low", "high"]
    assert list(shares["outcome"]) == list(OUTCOMES)
    expected = {name: names.count(name) for name in OUTCOMES}
    assert list(shares["count"]) == [expected[o] for o in OUTCOMES]
    np.testing.assert_allclose(shares["share"], [expected[o] / 10 for o in OUTCOMES])
    for row in shares.itertuples():
        ci = stats.binomtest(int(row.count), 10).proportion_ci(0.9, method="wilson")
        assert row.low == pytest.approx(ci.low, abs=1e-12) and row.high == pytest.approx(ci.high, abs=1e-12)

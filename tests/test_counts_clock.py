"""Counts drawn by inversion, and the clock that cuts steps at scheduled times."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from conftest import BASELINE_START
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import stats

from sim.model.clock import Clock
from sim.model.counts import NORMAL_ABOVE, binomial, poisson
from sim.model.rng import Streams

# Away from 0 and 1 by more than the rounding of a sum of probabilities, where "the smallest
# k with F(k) > u" is a matter of the last bit.
uniforms = hnp.arrays(np.float64, 40, elements=st.floats(1e-12, 1.0 - 1e-12))


def _is_inverse(k: np.ndarray, u: np.ndarray, cdf) -> None:
    """k is the smallest count with F(k) > u: F(k - 1) <= u < F(k), up to rounding."""
    assert (cdf(k - 1) <= u + 1e-12).all()
    assert (u < cdf(k) + 1e-12).all()


@settings(max_examples=100, deadline=None)
@given(u=uniforms, mean=st.floats(0.0, NORMAL_ABOVE))
def test_poisson_counts_are_the_inverse_distribution_function_at_the_uniform(u, mean):
    _is_inverse(poisson(u, mean), u, lambda k: stats.poisson.cdf(k, mean))


@settings(max_examples=100, deadline=None)
@given(u=uniforms, n=hnp.arrays(np.int64, 40, elements=st.integers(0, 60)), p=st.floats(0.0, 1.0))
def test_binomial_counts_are_the_inverse_distribution_function_at_the_uniform(u, n, p):
    k = binomial(u, n, p)
    assert ((k >= 0) & (k <= n)).all()
    _is_inverse(k, u, lambda j: stats.binom.cdf(j, n, p))


def test_large_poisson_means_keep_their_mean_and_variance():
    u = Streams(1, np.arange(200_000)).uniform(0, "test")
    counts = poisson(u, 80.0)
    assert counts.mean() == pytest.approx(80.0, abs=0.1)
    assert counts.var() == pytest.approx(80.0, rel=0.03)
    assert (counts >= 0).all()


def test_counts_of_replicates_do_not_depend_on_the_others_in_the_batch():
    ids = np.arange(1000)
    mean = np.linspace(0, 5, 1000)
    batch = poisson(Streams(3, ids).uniform(7, "x"), mean)
    alone = [poisson(Streams(3, np.array([k])).uniform(7, "x"), mean[k])[0] for k in (0, 500, 999)]
    assert list(batch[[0, 500, 999]]) == alone


def test_uniform_rows_equal_the_full_draws_at_those_rows():
    streams = Streams(9, np.arange(50) * 7)
    rows = np.array([3, 17, 49])
    np.testing.assert_array_equal(streams.uniform_rows(4, "p", rows), streams.uniform(4, "p")[rows])


# --- the clock --------------------------------------------------------------------------


@pytest.mark.parametrize("tick_hours", [1, 2, 3, 4, 6, 8, 12, 24])
def test_steps_cover_the_horizon_and_begin_at_every_scheduled_time(tick_hours):
    scheduled = [12.0, 66.0, 96.0, 100.5]
    clock = Clock(BASELINE_START, tick_hours, 10, scheduled)
    assert clock.edges[0] == 0 and clock.edges[-1] == 240
    assert (clock.dt_hours > 0).all() and (clock.dt_hours <= tick_hours).all()
    assert set(np.arange(0, 241, tick_hours)) <= set(clock.edges)
    assert set(scheduled) <= set(clock.edges)
    assert clock.n_steps == len(set(np.arange(0, 240, tick_hours)) | set(scheduled))


def test_scheduled_times_outside_the_calendar_cut_nothing():
    clock = Clock(BASELINE_START, 6, 2, [-5.0, 0.0, 48.0, 100.0])
    np.testing.assert_array_equal(clock.edges, np.arange(0, 49, 6))


def test_the_clock_converts_hours_and_calendar_times_both_ways():
    clock = Clock(BASELINE_START, 6, 10, [66.0])
    saturday_evening = BASELINE_START + dt.timedelta(hours=66)
    assert clock.hours(saturday_evening) == 66.0
    assert clock.time_of(66.0) == saturday_evening
    assert clock.step_at(66.0) == np.flatnonzero(clock.edges == 66.0)[0]
    assert clock.step_at(65.9) == clock.step_at(66.0) - 1
    assert clock.step_at(240.0) == clock.n_steps

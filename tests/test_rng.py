"""Counter-based random streams: batch independence, grouping, and the distribution of draws."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sim.model.rng import Streams

seeds = st.integers(min_value=0, max_value=2**64 - 1)
ticks = st.integers(min_value=0, max_value=10**6)
purpose_names = st.text(min_size=1, max_size=20)
replicate_ids = st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=50, unique=True)


@pytest.mark.slow
@settings(max_examples=60, deadline=None)
@given(seed=seeds, ids=replicate_ids, tick=ticks, purposes=st.lists(purpose_names, min_size=1, max_size=8, unique=True))
def test_grouped_uniforms_column_j_equals_single_uniform_for_purpose_j(seed, ids, tick, purposes):
    streams = Streams(seed, np.array(ids))
    grouped = streams.uniforms(tick, tuple(purposes))
    assert grouped.shape == (len(ids), len(purposes))
    for j, purpose in enumerate(purposes):
        np.testing.assert_array_equal(grouped[:, j], streams.uniform(tick, purpose))


@settings(max_examples=60, deadline=None)
@given(seed=seeds, ids=replicate_ids, tick=ticks, purpose=purpose_names, data=st.data())
def test_a_replicates_draws_do_not_depend_on_the_batch_it_is_in(seed, ids, tick, purpose, data):
    batch = Streams(seed, np.array(ids)).uniform(tick, purpose)
    # Any single replicate, and any reordered sub-batch, sees exactly the same numbers.
    k = data.draw(st.integers(min_value=0, max_value=len(ids) - 1))
    alone = Streams(seed, np.array([ids[k]])).uniform(tick, purpose)
    assert alone[0] == batch[k]
    order = data.draw(st.permutations(range(len(ids))))
    shuffled = Streams(seed, np.array(ids)[list(order)]).uniform(tick, purpose)
    np.testing.assert_array_equal(shuffled, batch[list(order)])


@settings(max_examples=40, deadline=None)
@given(seed=seeds, ids=replicate_ids, tick=ticks, purpose=purpose_names)
def test_uniform_draws_lie_in_the_half_open_unit_interval(seed, ids, tick, purpose):
    u = Streams(seed, np.array(ids)).uniform(tick, purpose)
    assert ((u >= 0.0) & (u < 1.0)).all()


def test_uniform_draws_across_replicates_are_uniform():
    u = Streams(7, np.arange(200_000)).uniform(3, "incident:russia")
    assert stats.kstest(u, "uniform").pvalue > 1e-4


def test_uniform_draws_along_ticks_for_one_replicate_are_uniform():
    streams = Streams(11, np.array([42]))
    u = np.array([streams.uniform(t, "battle")[0] for t in range(20_000)])
    assert stats.kstest(u, "uniform").pvalue > 1e-4


@pytest.mark.slow
def test_uniform_draws_across_neighbouring_seeds_are_uniform():
    u = np.array([Streams(seed, np.array([0])).uniform(0, "battle")[0] for seed in range(20_000)])
    assert stats.kstest(u, "uniform").pvalue > 1e-4


def test_streams_for_different_purposes_ticks_and_seeds_are_uncorrelated():
    n = 100_000
    base = Streams(1, np.arange(n))
    a = base.uniform(5, "miss:russia:military")
    others = {
        "purpose": base.uniform(5, "miss:russia:civilian"),
        "tick": base.uniform(6, "miss:russia:military"),
        "seed": Streams(2, np.arange(n)).uniform(5, "miss:russia:military"),
    }
    for name, b in others.items():
        r = np.corrcoef(a, b)[0, 1]
        # Under independence r has standard error 1/sqrt(n); 6 of them is far beyond noise.
        assert abs(r) < 6 / np.sqrt(n), name
        assert not np.array_equal(a, b), name


def test_normal_draws_are_standard_normal():
    z = Streams(3, np.arange(100_000)).normal(9, "battle")
    assert np.isfinite(z).all()
    assert stats.kstest(z, "norm").pvalue > 1e-4

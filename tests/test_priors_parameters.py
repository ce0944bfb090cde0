"""Priors drawn per replicate, and parameters given one value per replicate."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sim import CeasefireModel, ScenarioError, load_scenario
from sim.scenario.priors import Prior

quantiles = st.floats(0.0, 1.0)


@settings(max_examples=100, deadline=None)
@given(low=st.floats(0.01, 10), width=st.floats(0.01, 10), u=quantiles)
def test_every_prior_maps_quantiles_into_its_range_and_its_ends_to_its_ends(low, width, u):
    high = low + width
    for prior in (Prior("uniform", (low, high)), Prior("loguniform", (low, high)), Prior("triangular", (low, low + width / 3, high))):
        value = prior.ppf(np.array([u]))[0]
        assert low - 1e-9 <= value <= high + 1e-9
        assert prior.ppf(np.array([0.0]))[0] == pytest.approx(low)
        assert prior.ppf(np.array([1.0]))[0] == pytest.approx(high)


def test_prior_quantile_functions_match_scipys_distributions():
    u = np.linspace(0.001, 0.999, 101)
    np.testing.assert_allclose(Prior("uniform", (2.0, 5.0)).ppf(u), stats.uniform(2, 3).ppf(u))
    np.testing.assert_allclose(Prior("loguniform", (0.5, 6.0)).ppf(u), stats.loguniform(0.5, 6.0).ppf(u))
    np.testing.assert_allclose(
        Prior("triangular", (4.0, 8.0, 20.0)).ppf(u), stats.triang(c=0.25, loc=4.0, scale=16.0).ppf(u)
    )
    for prior, dist in (
        (Prior("uniform", (2.0, 5.0)), stats.uniform(2, 3)),
        (Prior("loguniform", (0.5, 6.0)), stats.loguniform(0.5, 6.0)),
        (Prior("triangular", (4.0, 8.0, 20.0)), stats.triang(c=0.25, loc=4.0, scale=16.0)),
    ):
        assert prior.mean() == pytest.approx(dist.mean())


def test_each_replicate_draws_its_own_value_independent_of_its_batch():
    batch = CeasefireModel("baseline", seed=5, replicates=400, keep_timelines=0)
    table = batch.parameters()
    assert "actors.ukraine.response.forgiveness" in table and "actors.russia.limit.territory" in table
    forgiveness = table["actors.ukraine.response.forgiveness"]
    assert forgiveness.nunique() == 400
    assert forgiveness.between(0.1, 0.5).all()  # the baseline's range for it
    assert stats.kstest(forgiveness, stats.uniform(0.1, 0.4).cdf).pvalue > 1e-3
    alone = CeasefireModel("baseline", seed=5, replicates=[123], keep_timelines=0).parameters()
    pd.testing.assert_frame_equal(alone, table.iloc[[123]].reset_index(drop=True))
    # The agents read the drawn value, not the prior.
    np.testing.assert_array_equal(batch.ukraine.forgiveness, forgiveness)


def test_different_key_paths_draw_independent_values():
    table = CeasefireModel("baseline", seed=1, replicates=3000, keep_timelines=0).parameters()
    a = table["actors.russia.commitment.tolerance"]
    b = table["actors.ukraine.commitment.tolerance"]
    assert abs(stats.spearmanr(a, b).statistic) < 0.06


def test_a_number_fixes_a_value_the_baseline_draws_from_a_prior():
    model = CeasefireModel("baseline", replicates=50, keep_timelines=0, actors__ukraine__response__forgiveness=0.3)
    assert "actors.ukraine.response.forgiveness" not in model.parameters()
    assert model.ukraine.forgiveness == 0.3


def test_a_prior_can_be_set_by_override_and_replaces_the_number():
    model = CeasefireModel(
        "baseline", replicates=200, keep_timelines=0, actors__united_states__deadline_days={"uniform": [5, 15]}
    )
    drawn = model.parameters()["actors.united_states.deadline_days"]
    assert drawn.between(5, 15).all() and drawn.nunique() == 200
    np.testing.assert_allclose(model.united_states.deadline_at, drawn * 24)


def test_values_given_per_replicate_reach_each_replicate_exactly():
    values = np.linspace(0.0, 1.0, 8)
    model = CeasefireModel(
        "baseline", seed=2, replicates=8, keep_timelines=0, actors__ukraine__response__forgiveness=values
    )
    np.testing.assert_array_equal(model.parameters()["actors.ukraine.response.forgiveness"], values)
    np.testing.assert_array_equal(model.ukraine.forgiveness, values)


@pytest.mark.slow
def test_a_batch_of_design_points_gives_each_point_the_rows_it_gets_alone():
    """Several design points in one vectorised model: replicate ids repeat per point (common
    random numbers), the swept value differs by replicate, and every row equals its run alone."""
    points = [3.0, 10.0, 21.0]
    n = 40
    ids = np.tile(np.arange(n), len(points))
    deadline = np.repeat(points, n)
    together = CeasefireModel(
        "baseline", seed=8, replicates=ids, keep_timelines=0, actors__united_states__deadline_days=deadline
    ).run().outcomes()
    for i, d in enumerate(points):
        alone = CeasefireModel(
            "baseline", seed=8, replicates=n, keep_timelines=0, actors__united_states__deadline_days=d
        ).run().outcomes()
        pd.testing.assert_frame_equal(together.iloc[i * n : (i + 1) * n].reset_index(drop=True), alone)


@pytest.mark.parametrize(
    ("path", "values"),
    [
        ("actors__united_states__deadline_days", [3.0, 10.0, 21.0]),
        ("negotiation__text_step", [0.2, 0.5, 1.0]),
        ("actors__russia__concession__beta", [0.5, 1.0, 2.0]),  # NumPy's fast paths for ** 0.5 and ** 2
        ("actors__ukraine__commitment__trust_loss", [0.0, 0.05, 0.1]),
    ],
)
def test_a_value_given_per_replicate_gives_exactly_the_rows_of_that_value_given_once(path, values):
    n = 30
    together = CeasefireModel(
        "baseline", seed=3, replicates=np.tile(np.arange(n), len(values)), keep_timelines=0,
        **{path: np.repeat(values, n)},
    ).run().outcomes()
    for i, value in enumerate(values):
        alone = CeasefireModel("baseline", seed=3, replicates=n, keep_timelines=0, **{path: value}).run().outcomes()
        pd.testing.assert_frame_equal(together.iloc[i * n : (i + 1) * n].reset_index(drop=True), alone, check_exact=True)


@pytest.mark.parametrize(
    ("overrides", "path", "allowed"),
    [
        ({"actors__ukraine__response__forgiveness": np.zeros(3)}, "actors.ukraine.response.forgiveness", "array of 5"),
        ({"actors__ukraine__response__forgiveness": np.array([0.1, 0.2, 0.3, 2.0, 0.5])}, "forgiveness[3]", "from 0 to 1"),
        ({"clock__tick_hours": np.array([6, 6, 6, 6, 6])}, "clock.tick_hours", "single value"),
        ({"actors__ukraine__response__rule": ["fixed"] * 5}, "actors.ukraine.response.rule", "single value"),
        ({"actors__ukraine__limit__territory": np.array([0.5, 0.5, -0.1, 0.5, 0.5])}, "territory[2]", "from 0 to 1"),
        ({"actors__russia__limit__territory": np.full(5, 1.0), "actors__russia__opening__territory": 0.9}, "", ""),
    ],
)
def test_bad_per_replicate_values_are_refused_with_one_message(overrides, path, allowed):
    with pytest.raises(ScenarioError) as error:
        CeasefireModel("baseline", replicates=5, keep_timelines=0, **overrides)
    assert path in str(error.value) and allowed in str(error.value)


def test_the_baseline_draws_the_values_the_source_does_not_give_and_fixes_those_it_does():
    s = load_scenario("baseline")
    drawn = set(CeasefireModel(s, replicates=2, keep_timelines=0).parameters().columns) - {"replicate"}
    for path in (
        "actors.russia.incidents_per_day",
        "actors.ukraine.perception.false_alarms_per_day",
        "actors.russia.perception.miss",
        "actors.ukraine.concession.deadline_days",
        "actors.russia.reservation.base",
        "actors.ukraine.limit.ceasefire",
        "actors.russia.commitment.tolerance",
    ):
        assert path in drawn, path
    # What the source states stays fixed: the symmetric rule's own intensity, the 30-day
    # ceasefire, the openings at the stated positions.
    for path in ("actors.ukraine.response.mirror_gain", "negotiation.ceasefire_days", "actors.russia.opening.territory"):
        assert path not in drawn and not isinstance(s.get(path), Prior), path

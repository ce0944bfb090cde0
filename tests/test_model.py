"""The Mesa model: agents, clock, batch_run, batch-independent replicates, baseline behaviour."""

from __future__ import annotations

import datetime as dt

import mesa
import numpy as np
import pandas as pd
import pytest
from conftest import BASELINE_START, TRUCE_START, outcomes
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sim import CeasefireModel, ScenarioError, load_scenario
from sim.experiments.run import simulate
from sim.model.agents import Europe, Russia, Ukraine, UnitedStates


def wilson(k: int, n: int) -> tuple[float, float]:
    """95% Wilson interval, from SciPy (independent of the package's own)."""
    ci = stats.binomtest(int(k), int(n)).proportion_ci(0.95, method="wilson")
    return ci.low, ci.high


# --- Mesa integration ------------------------------------------------------------------


def test_the_model_is_a_mesa_model_whose_agents_are_the_four_actors():
    model = CeasefireModel("baseline", seed=0, replicates=4)
    assert isinstance(model, mesa.Model)
    assert len(model.agents) == 4
    assert all(isinstance(a, mesa.Agent) for a in model.agents)
    assert sorted(type(a).__name__ for a in model.agents) == sorted(
        c.__name__ for c in (Russia, Ukraine, UnitedStates, Europe)
    )
    assert model.running


#: Hours after the start of the baseline's scheduled times that are not on every grid: the
#: meetings, statements and offer at 12:00 and the truce's start at 18:00 (its end, Monday
#: 00:00, falls on every grid).
BASELINE_TIMES = [12.0, 36.0, 66.0, 84.0, 108.0, 156.0]


@pytest.mark.parametrize("tick_hours", [1, 2, 3, 4, 6, 8, 12, 24])
def test_running_turns_false_at_the_horizon_after_the_grid_steps_plus_one_per_scheduled_time_inside_a_step(
    tick_hours,
):
    horizon_days = 8
    model = CeasefireModel(
        "baseline", replicates=2, keep_timelines=0, clock__tick_hours=tick_hours, clock__horizon_days=horizon_days
    )
    steps, hours = 0, 0.0
    while model.running:
        model.step()
        steps += 1
        hours += model.dt_hours
        assert steps <= 10_000
    cuts = sum(1 for h in BASELINE_TIMES if h < horizon_days * 24 and h % tick_hours)
    assert steps == horizon_days * 24 // tick_hours + cuts
    assert model.steps == steps
    assert hours == pytest.approx(horizon_days * 24.0)
    assert model.time_of(model.tick) == BASELINE_START + dt.timedelta(days=horizon_days)


def test_run_runs_to_the_horizon_and_returns_the_model():
    model = CeasefireModel("baseline", replicates=2, keep_timelines=0)
    assert model.run() is model
    assert not model.running
    assert model.steps == 30 * 24 // 6


def test_the_datacollector_collects_model_level_reporters_every_step():
    model = CeasefireModel("baseline", seed=1, replicates=200, keep_timelines=0).run()
    df = model.datacollector.get_model_vars_dataframe()
    assert len(df) == model.n_ticks + 1  # at set-up and after every tick
    for column in ("truce_in_force", "agreement_in_force", "mediator_engaged", "russian_fire", "accusations"):
        assert column in df.columns
    shares = df[["truce_in_force", "agreement_in_force", "mediator_engaged"]].to_numpy()
    assert ((shares >= 0) & (shares <= 1)).all()
    # Russia's truce is declared in every replicate; row 0 is collected at set-up, row t + 1 after step t.
    truce_tick = int((TRUCE_START - BASELINE_START) / dt.timedelta(hours=6))
    assert model.time_of(truce_tick) == TRUCE_START
    # After its first step the truce is still in force exactly where it lasted longer than that step.
    held = model.outcomes()["truce_hours_held"]
    assert df["truce_in_force"].iloc[truce_tick + 1] == pytest.approx((held > 6).mean())
    assert df["truce_in_force"].iloc[truce_tick + 1] > 0.5
    assert df["truce_in_force"].iloc[truce_tick] == 0.0
    assert df["truce_in_force"].iloc[0] == 0.0
    assert df["accusations"].is_monotonic_increasing


@pytest.mark.slow
def test_mesa_batch_run_works_with_scenario_seed_and_overrides_as_parameters():
    rows = mesa.batch_run(
        CeasefireModel,
        parameters={"scenario": "baseline", "seed": [0, 1], "actors__united_states__deadline_days": [3, 30]},
        iterations=1,
        max_steps=500,
        number_processes=1,
        display_progress=False,
    )
    df = pd.DataFrame(rows)
    assert len(df) == 4
    assert set(zip(df["seed"], df["actors__united_states__deadline_days"], strict=True)) == {
        (0, 3),
        (0, 30),
        (1, 3),
        (1, 30),
    }
    # The model stops itself at the horizon (120 ticks), long before max_steps; Mesa labels
    # the last collected row with ``model.steps - 1``.
    assert (df["Step"] == 30 * 24 // 6 - 1).all()
    assert {"truce_in_force", "mediator_engaged", "accusations"} <= set(df.columns)


def test_replicates_must_be_a_positive_count_or_ids():
    for bad in (0, -3, [], [-1]):
        with pytest.raises(ScenarioError):
            CeasefireModel("baseline", replicates=bad)


# --- randomness independent of the batch ---------------------------------------------------


@pytest.mark.slow
@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**63), k=st.integers(0, 40), scenario=st.sampled_from(["baseline", "noisy_front"]))
def test_replicate_k_has_the_same_outcome_alone_and_in_a_batch(seed, k, scenario):
    batch = CeasefireModel(scenario, seed=seed, replicates=41, keep_timelines=0).run().outcomes()
    alone = CeasefireModel(scenario, seed=seed, replicates=[k], keep_timelines=0).run().outcomes()
    pd.testing.assert_frame_equal(alone, batch.iloc[[k]].reset_index(drop=True))


@pytest.mark.slow
def test_replicate_k_has_the_same_trajectory_and_events_alone_and_at_the_head_of_a_batch():
    k, seed = 17, 9
    alone = CeasefireModel("baseline", seed=seed, replicates=[k], keep_timelines=1).run()
    batch = CeasefireModel("baseline", seed=seed, replicates=[k, *range(17), *range(18, 300)], keep_timelines=1).run()
    pd.testing.assert_frame_equal(alone.timeline(), batch.timeline())
    pd.testing.assert_frame_equal(alone.events(), batch.events())
    assert len(alone.events()) > 0


@pytest.mark.slow
def test_any_chunking_gives_the_same_outcome_rows():
    scenario = load_scenario("baseline")
    runs = [simulate(scenario, seed=13, replicates=60, keep_timelines=0, chunk_size=c).outcomes for c in (60, 25, 7)]
    for other in runs[1:]:
        pd.testing.assert_frame_equal(runs[0], other)
    tail = simulate(scenario, seed=13, replicates=20, keep_timelines=0, first_replicate=30, chunk_size=6).outcomes
    pd.testing.assert_frame_equal(tail, runs[0].iloc[30:50].reset_index(drop=True))


@pytest.mark.slow
def test_different_seeds_give_different_runs():
    a = outcomes(seed=1, replicates=200)
    b = outcomes(seed=2, replicates=200)
    assert not a.drop(columns="replicate").equals(b.drop(columns="replicate"))


# --- behaviour of the baseline and its deadline ------------------------------------------


@pytest.mark.parametrize("tick_hours", [pytest.param(1, marks=pytest.mark.slow), pytest.param(6, marks=pytest.mark.slow), 8, 12, 24])
def test_baseline_truce_is_declared_on_saturday_evening_in_every_replicate_whatever_the_tick(tick_hours):
    out = outcomes(replicates=500, clock__tick_hours=tick_hours)
    assert (out["day_first_truce"] == (TRUCE_START - BASELINE_START) / dt.timedelta(days=1)).all()


@pytest.mark.slow
def test_baseline_both_sides_accuse_each_other_during_the_truce_and_it_still_runs_its_term_in_most_replicates():
    out = outcomes(seed=6, replicates=3000)
    both = ((out["truce_accusations_by_russia"] > 0) & (out["truce_accusations_by_ukraine"] > 0)).sum()
    low, _ = wilson(both, len(out))
    assert low > 0.5
    held = (out["truce_hours_held"] >= 30).sum()
    low, _ = wilson(held, len(out))
    assert low > 0.5
    both_and_held = (
        (out["truce_accusations_by_russia"] > 0) & (out["truce_accusations_by_ukraine"] > 0) & (out["truce_hours_held"] >= 30)
    ).sum()
    assert both_and_held > 0.25 * len(out)  # the Easter pattern: accusations without abandonment


@pytest.mark.slow
def test_baseline_truce_lapses_or_is_extended_or_collapses_in_every_replicate():
    model = CeasefireModel("baseline", seed=2, replicates=100, keep_timelines=100).run()
    ev = model.events()
    ends = ev[ev["kind"].isin(["truce_ended", "truce_extended", "truce_collapsed"])]
    assert set(ends["replicate"]) == set(range(100))
    kinds = set(ends["kind"])
    assert {"truce_ended", "truce_collapsed"} <= kinds  # both fates occur across 100 replicates
    # Every collapse of the truce is a side's decision, logged with the side and its reason.
    collapsed = ev[ev["kind"] == "truce_collapsed"]
    decided = ev[ev["kind"] == "abandoned"]
    assert set(collapsed["replicate"]) <= set(decided["replicate"])
    assert collapsed["actor"].isin(["russia", "ukraine", "both"]).all()
    assert decided["detail"].str.contains("more than it tolerates|worth more").all()


@pytest.mark.slow
def test_baseline_mediator_faces_its_deadline_on_day_10_in_every_replicate():
    s = load_scenario("baseline")
    deadline = BASELINE_START + dt.timedelta(days=s.get("actors.united_states.deadline_days"))
    model = CeasefireModel(s, seed=3, replicates=100, keep_timelines=100).run()
    ev = model.events()
    faced = ev[ev["kind"].isin(["deadline_met", "deadline_extended", "walk_away"])]
    first = faced.groupby("replicate")["time"].first()
    assert len(first) == 100
    assert (first == deadline.isoformat()).all()


@pytest.mark.slow
def test_a_deadline_beyond_the_horizon_never_produces_a_walk_away():
    out = outcomes("no_deadline", seed=8, replicates=5000)
    assert out["day_walk_away"].isna().all()
    assert not (out["outcome"] == "mediator_walked_away").any()


@pytest.mark.slow
@settings(max_examples=8, deadline=None)
@given(beyond=st.floats(0.01, 1000.0), seed=st.integers(0, 2**32))
def test_a_deadline_just_past_the_horizon_never_produces_a_walk_away_even_for_an_impatient_mediator(beyond, seed):
    impatient = {
        "actors__united_states__required_progress": 1.0,
        "actors__united_states__extension_probability": 0.0,
    }
    out = outcomes(seed=seed, replicates=1000, actors__united_states__deadline_days=30 + beyond, **impatient)
    assert out["day_walk_away"].isna().all()


@pytest.mark.slow
def test_an_impatient_mediator_walks_away_at_a_deadline_inside_the_horizon():
    model = CeasefireModel(
        "baseline",
        seed=0,
        replicates=1000,
        keep_timelines=0,
        actors__united_states__deadline_days=29,
        actors__united_states__required_progress=1.0,
        actors__united_states__extension_probability=0.0,
        actors__united_states__return_per_day=0.0,
    ).run()
    us, walked = model.united_states, model.outcomes()["day_walk_away"]
    # Without full progress (every gap closed) it leaves exactly at day 29; it never extends.
    assert (walked.dropna() == 29).all() and walked.notna().sum() > 500
    np.testing.assert_array_equal(walked.notna().to_numpy(), ~us.deadline_met)
    np.testing.assert_array_equal(walked.notna().to_numpy(), ~us.engaged)
    assert (us.extensions == 0).all()


@pytest.mark.slow
def test_a_shorter_deadline_gives_more_walk_aways_than_the_baseline():
    n = 4000
    base = outcomes("baseline", seed=10, replicates=n)["day_walk_away"].notna().sum()
    short = outcomes("short_deadline", seed=10, replicates=n)["day_walk_away"].notna().sum()
    _, base_high = wilson(base, n)
    short_low, _ = wilson(short, n)
    assert short_low > base_high


def test_stepping_back_holds_us_aid_europe_backfills_its_share_and_pressure_falls_to_its_remainder():
    s = load_scenario("baseline")
    model = CeasefireModel(
        s,
        replicates=20,
        keep_timelines=0,
        actors__united_states__deadline_days=1,
        actors__united_states__required_progress=1.0,
        actors__united_states__extension_probability=0.0,
        actors__united_states__return_per_day=0.0,
        actors__united_states__aid=0.6,
        actors__europe__aid=0.3,
        actors__united_states__aid_cut=0.7,
        actors__europe__backfill=0.4,
        actors__united_states__pressure=1.5,
        actors__united_states__step_back_pressure=0.2,
    ).run()
    assert not model.united_states.engaged.any()
    np.testing.assert_allclose(model.support, 0.6 * (1 - 0.7) + 0.3 + 0.4 * 0.6 * 0.7)
    np.testing.assert_allclose(model.initial_support, 0.6 + 0.3)
    np.testing.assert_allclose(model.united_states.pressure(model.clock.edges[model.tick]), 1.5 * 0.2)


@pytest.mark.slow
def test_a_mediator_that_stepped_back_returns_at_its_rate_with_a_fresh_deadline():
    # Progress never suffices (required 1): it steps back at day 2 and then comes back at
    # the rate return_per_day, so the share back within d days is 1 - exp(-r d) (a closed form).
    rate, n = 0.25, 4000
    model = CeasefireModel(
        "baseline",
        seed=4,
        replicates=n,
        keep_timelines=200,
        actors__united_states__deadline_days=2,
        actors__united_states__required_progress=1.0,
        actors__united_states__extension_probability=0.0,
        actors__united_states__return_per_day=rate,
        clock__horizon_days=7,
    ).run()
    us = model.united_states
    returned = (us.returns > 0).sum()
    expected = 1 - np.exp(-rate * 5.0)
    low, high = wilson(returned, n)
    assert low < expected < high
    ev = model.events()
    back = ev[ev["kind"] == "mediator_returned"]
    assert len(back) > 0
    # Each return sets a new deadline deadline_days later, at which it faces the same choice.
    for rid, t in back.groupby("replicate")["time"].first().items():
        later = ev[(ev["replicate"] == rid) & (ev["kind"] == "walk_away")]["time"]
        expected_at = (dt.datetime.fromisoformat(t) + dt.timedelta(days=2)).isoformat()
        assert expected_at in set(later) or dt.datetime.fromisoformat(expected_at) >= BASELINE_START + dt.timedelta(days=7)


@pytest.mark.slow
def test_outcome_days_match_the_dated_event_log():
    model = CeasefireModel("short_deadline", seed=12, replicates=100, keep_timelines=100).run()
    out, ev = model.outcomes().set_index("replicate"), model.events()
    ev = ev.assign(day=[(dt.datetime.fromisoformat(t) - BASELINE_START) / dt.timedelta(days=1) for t in ev["time"]])
    checks = {
        "day_walk_away": "walk_away",
        "day_first_agreement": "agreement",
        "day_collapse": "collapse",
        "day_first_truce": "truce_declared",
    }
    # The first truce's hours are those from its declaration to its end or its collapse.
    declared = ev[ev["kind"] == "truce_declared"].groupby("replicate")["day"].first()
    ended = ev[ev["kind"].isin(["truce_ended", "truce_collapsed"])].groupby("replicate")["day"].first()
    # The log gives times to the second.
    second = 1 / 86400
    held = out["truce_hours_held"].reindex(ended.index)
    np.testing.assert_allclose(held, (ended - declared.reindex(ended.index)) * 24, rtol=0, atol=24 * second)
    for column, kind in checks.items():
        logged = ev[ev["kind"] == kind].groupby("replicate")["day"].first()
        recorded = out[column].dropna()
        assert len(recorded) > 0, column
        np.testing.assert_allclose(recorded, logged.reindex(recorded.index), rtol=0, atol=second, err_msg=column)
        assert set(logged.index) == set(recorded.index), column


# --- the deadline effect ----------------------------------------------------------------------------


def test_pressure_rises_toward_the_deadline_in_proportion_to_its_credibility():
    model = CeasefireModel(
        "baseline",
        replicates=1,
        keep_timelines=0,
        actors__united_states__pressure=2.0,
        actors__united_states__deadline_days=10,
        actors__united_states__deadline_urgency=1.5,
        actors__united_states__extension_probability=0.2,
    )
    us = model.united_states
    # Closeness to the deadline grows linearly from 0 at the start to 1 at day 10 (hours in, pressure out).
    for day in (0, 2.5, 5, 10, 12):
        expected = 2.0 * (1 + 1.5 * (1 - 0.2) * min(day, 10) / 10)
        assert us.pressure(day * 24.0)[0] == pytest.approx(expected)
    us.deadline_met[:] = True
    assert us.pressure(5 * 24.0)[0] == pytest.approx(2.0)  # a deadline met threatens no more
    us.engaged[:] = False
    step_back = model.scenario.get("actors.united_states.step_back_pressure")
    assert us.pressure(5 * 24.0)[0] == pytest.approx(2.0 * step_back)  # stepped back: what it keeps


@pytest.mark.parametrize(
    "neutral", [{"actors__united_states__deadline_urgency": 0.0}, {"actors__united_states__extension_probability": 1.0}]
)
def test_an_idle_or_empty_threat_leaves_pressure_constant(neutral):
    model = CeasefireModel("baseline", replicates=1, keep_timelines=0, **neutral)
    base = model.scenario.get("actors.united_states.pressure")
    assert {float(model.united_states.pressure(h)[0]) for h in model.clock.edges} == {base}


@pytest.mark.slow
def test_a_credible_deadline_brings_agreement_sooner_than_an_empty_one():
    n = 4000
    early = {}
    for p in (0.0, 0.9):
        out = outcomes("baseline", seed=3, replicates=n, actors__united_states__extension_probability=p)
        early[p] = int((out["day_first_agreement"] <= 10).sum())
    _, empty_high = wilson(early[0.9], n)
    credible_low, _ = wilson(early[0.0], n)
    assert credible_low > empty_high


@pytest.mark.slow
def test_walk_aways_fall_gradually_as_the_deadline_lengthens():
    n = 3000
    shares = [
        outcomes("baseline", seed=5, replicates=n, actors__united_states__deadline_days=d)["day_walk_away"]
        .notna()
        .mean()
        for d in (3, 7, 10, 14, 21, 30)
    ]
    assert all(a > b for a, b in zip(shares, shares[1:], strict=False))
    assert shares[-1] == 0.0
    assert sum(0.05 < s < 0.95 for s in shares) >= 3  # graded, not a step from all to none

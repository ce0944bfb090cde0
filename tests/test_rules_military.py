"""The military layer: response rules, perception in hours, the truce, answers, abandonment."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from conftest import BASELINE_START, NOISELESS, TRUCE_HOURS, TRUCE_START, outcomes
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import stats

from sim import CeasefireModel, load_scenario
from sim.model import military as mil
from sim.model.rules import RULES, Fixed, Retaliatory, Symmetric

TRUCE_AT = (TRUCE_START - BASELINE_START) / dt.timedelta(hours=1)  # 66 hours after the start
TRUCE_END = TRUCE_AT + TRUCE_HOURS  # Monday 00:00

#: The baseline without negotiation or noise: the truce and the answers alone.
QUIET_TRUCE = """
extends = "baseline"
name = "quiet_truce"

[negotiation]
enabled = false

[actors.russia]
incidents_per_day = 0.0
[actors.russia.perception]
false_alarms_per_day = 0.0
miss = 0.0

[actors.ukraine]
incidents_per_day = 0.0
[actors.ukraine.perception]
false_alarms_per_day = 0.0
miss = 0.0
[actors.ukraine.response]
join_truce = 1.0

[[events]]
kind = "truce"
at = 2025-04-19T18:00:00+03:00
actor = "russia"
hours = 30
extension_probability = 0.0
"""

intensity = hnp.arrays(np.float64, (5, 2), elements=st.floats(0.0, 1.0))
gains = st.floats(0.0, 3.0)


# --- rules as functions -----------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(base=intensity, gain=gains, civilian=st.booleans())
def test_symmetric_rule_fights_military_targets_at_its_own_intensity_times_the_gain(base, gain, civilian):
    out = Symmetric().fighting(base, gain, civilian)
    np.testing.assert_allclose(out[:, 0], np.minimum(1.0, gain * base[:, 0]))
    expected_civilian = np.minimum(1.0, gain * base[:, 1]) if civilian else np.zeros(len(base))
    np.testing.assert_allclose(out[:, 1], expected_civilian)


@settings(max_examples=50, deadline=None)
@given(base=intensity, gain=gains, civilian=st.booleans())
def test_fixed_and_retaliatory_rules_fight_at_their_own_intensity_in_both_classes(base, gain, civilian):
    for rule in (Fixed(), Retaliatory()):
        np.testing.assert_array_equal(rule.fighting(base, gain, civilian), base)


def test_which_rules_answer_violations_and_which_wait_for_the_other_side():
    assert {name for name, rule in RULES.items() if rule.answers_violations} == {"symmetric", "retaliatory"}
    assert {name for name, rule in RULES.items() if rule.waits_for_other} == {"symmetric"}
    assert set(RULES) == {"symmetric", "retaliatory", "fixed"}


# --- the military layer as functions of hours -------------------------------------------


@settings(max_examples=100, deadline=None)
@given(resume=st.floats(-100, 100), start=st.floats(-50, 50), length=st.floats(0.1, 24))
def test_the_fighting_share_of_a_step_is_the_part_at_or_after_the_resumption(resume, start, length):
    end = start + length
    share = mil.fighting_share(np.array([resume]), start, end)[0]
    if resume <= start:
        assert share == 1.0
    elif resume >= end:
        assert share == 0.0
    else:
        assert share == pytest.approx((end - resume) / length)


@settings(max_examples=50, deadline=None)
@given(intended=intensity, local=hnp.arrays(np.int64, 5, elements=st.integers(0, 50)), dt_hours=st.floats(0.5, 24))
def test_local_strikes_add_military_fire_at_one_strike_each_and_stay_in_range(intended, local, dt_hours):
    fire = mil.realised_fire(intended, local, dt_hours, 4.0)
    assert ((fire >= 0) & (fire <= 1)).all()
    np.testing.assert_array_equal(fire[:, 1], intended[:, 1])
    np.testing.assert_allclose(fire[:, 0], np.minimum(1.0, intended[:, 0] + local / (4.0 * dt_hours)))


@settings(max_examples=100, deadline=None)
@given(rate=st.floats(0, 5), a=st.floats(0, 24), b=st.floats(0, 24))
def test_a_rate_per_hour_gives_the_same_chance_over_one_step_or_two(rate, a, b):
    """Time in hours, not ticks: the chance of an event in a+b hours is that of a then b."""
    none_in_both = (1 - mil.probability_in(rate, a)) * (1 - mil.probability_in(rate, b))
    assert 1 - none_in_both == pytest.approx(mil.probability_in(rate, a + b), abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(stock=st.floats(0, 100), a=st.floats(0, 48), b=st.floats(0, 48), memory=st.floats(1, 200))
def test_the_count_of_recent_violations_decays_the_same_over_one_step_or_two(stock, a, b, memory):
    twice = mil.decayed(mil.decayed(np.array([stock]), a, memory), b, memory)
    # Relative agreement, and absolute at the bottom of the float range (subnormals round apart).
    np.testing.assert_allclose(twice, mil.decayed(np.array([stock]), a + b, memory), rtol=1e-12, atol=1e-300)
    assert mil.decayed(np.array([stock]), memory, memory)[0] == pytest.approx(stock / np.e)


@pytest.mark.parametrize(("monitoring", "lag", "clear", "expected"), [(0.0, 6, 12, 0.0), (1.0, 12, 12, 1 - np.exp(-1)), (0.5, 6, 12, 1 - np.exp(-0.25))])
def test_a_monitor_clears_up_an_incident_before_the_side_acts_with_the_race_probability(monitoring, lag, clear, expected):
    assert mil.clearance(monitoring, lag, clear) == pytest.approx(expected)


@settings(max_examples=50, deadline=None)
@given(
    balance=hnp.arrays(np.float64, 5, elements=st.floats(-1, 1)),
    ru=intensity,
    ua=intensity,
    shock=hnp.arrays(np.float64, 5, elements=st.floats(-10, 10)),
    drift=st.floats(0, 1),
    noise=st.floats(0, 1),
)
def test_battlefield_balance_stays_in_minus_one_to_one(balance, ru, ua, shock, drift, noise):
    out = mil.battle_step(balance, ru, ua, np.ones(5), drift, noise, 0.25, shock)
    assert ((out >= -1) & (out <= 1)).all()


def test_the_battlefield_moves_by_drift_times_net_fire_weighted_by_support_plus_brownian_noise():
    balance = np.array([0.1, -0.2])
    russia = np.array([[0.6, 0.3], [0.2, 0.9]])
    ukraine = np.array([[0.5, 0.1], [0.7, 0.0]])
    support = np.array([0.8, 1.2])
    shock = np.array([0.5, -1.0])
    out = mil.battle_step(balance, russia, ukraine, support, 0.02, 0.03, 0.5, shock)
    expected = balance + 0.02 * (russia[:, 0] - ukraine[:, 0] * support) * 0.5 + 0.03 * np.sqrt(0.5) * shock
    np.testing.assert_allclose(out, expected)
    # Civilian fire does not move the front.
    russia[:, 1], ukraine[:, 1] = 0.0, 1.0
    np.testing.assert_allclose(mil.battle_step(balance, russia, ukraine, support, 0.02, 0.03, 0.5, shock), expected)


def test_fighting_reveals_information_optimism_fades_to_the_true_balance():
    balance = np.array([0.1, 0.1, 0.1])
    fighting = np.array([0.0, 10.0, 1e4])
    gain = mil.expected_gain(balance, 0.2, 0.05, fighting)
    assert gain[0] == pytest.approx(0.3)
    assert gain[1] == pytest.approx(0.1 + 0.2 * np.exp(-0.5))
    assert gain[2] == pytest.approx(0.1)


def test_each_side_expects_the_balance_in_its_own_favour():
    model = CeasefireModel("baseline", replicates=3, keep_timelines=0)
    model.balance = np.array([0.3, -0.2, 0.0])
    model.fighting = np.array([0.0, 5.0, 100.0])
    learning = model.scenario.get("military.learning")
    for side, sign in ((model.russia, 1.0), (model.ukraine, -1.0)):
        optimism = side.params["reservation"]["optimism"]
        expected = sign * model.balance + optimism * np.exp(-learning * model.fighting)
        np.testing.assert_allclose(side.expected_gain(), expected)


# --- the truce in the model ---------------------------------------------------------------


def _step_fire(rows, resume_at: float, intensity: float) -> np.ndarray:
    """Fire by step of a side that fights at ``intensity`` from ``resume_at`` on, holding fire
    during the truce: the share of each step after the resumption (closed form)."""
    start = rows["day"].to_numpy() * 24
    end = start + rows["hours"].to_numpy()
    during = (start >= TRUCE_AT) & (end <= TRUCE_END)
    after = np.clip((end - np.maximum(start, resume_at)) / (end - start), 0, 1)
    return np.where(during, 0.0, np.where(start >= TRUCE_END, intensity * after, intensity))


@pytest.mark.parametrize("tick_hours", [pytest.param(3, marks=pytest.mark.slow), 6, 12])
@pytest.mark.parametrize(("gain", "lag"), [(1.0, 1.0), (0.5, 7.0), (1.5, 15.0)])
def test_a_noise_free_truce_met_with_ceasefire_holds_its_30_hours_and_ukraine_resumes_one_lag_after_russia(
    write_scenario, tick_hours, gain, lag
):
    path = write_scenario(QUIET_TRUCE)
    model = CeasefireModel(
        path,
        seed=3,
        replicates=10,
        keep_timelines=10,
        clock__tick_hours=tick_hours,
        actors__ukraine__response__mirror_gain=gain,
        actors__ukraine__response__answer_lag_hours=lag,
    ).run()
    s = model.scenario
    ru_mil, ru_civ = s.get("actors.russia.strikes.military"), s.get("actors.russia.strikes.civilian")
    ua_mil = s.get("actors.ukraine.strikes.military")
    for _, rows in model.timeline().groupby("replicate"):
        truce = rows[rows["truce"]]
        assert truce["day"].min() * 24 == TRUCE_AT and (truce["day"] * 24 + truce["hours"]).max() == TRUCE_END
        np.testing.assert_allclose(rows["fire_russia_military"], _step_fire(rows, TRUCE_END, ru_mil))
        np.testing.assert_allclose(rows["fire_russia_civilian"], _step_fire(rows, TRUCE_END, ru_civ))
        np.testing.assert_allclose(rows["fire_ukraine_military"], _step_fire(rows, TRUCE_END + lag, min(1.0, gain * ua_mil)))
        assert (rows["fire_ukraine_civilian"] == 0).all()  # Ukraine answers on military targets only
    out = model.outcomes()
    for column in ("accusations_by_russia", "accusations_by_ukraine", "collapses"):
        assert (out[column] == 0).all(), column
    assert (out["truce_hours_held"] == TRUCE_HOURS).all()
    assert (out["day_first_truce"] == TRUCE_AT / 24).all()
    events = model.events()
    assert not events["kind"].isin(["accusation", "violation", "answer", "abandoned", "truce_collapsed"]).any()
    assert (events["kind"] == "truce_ended").sum() == 10
    assert (events["kind"] == "truce_joined").sum() == 10


def test_answering_in_the_civilian_class_is_an_option_that_mirrors_civilian_strikes_too(write_scenario):
    path = write_scenario(QUIET_TRUCE)
    model = CeasefireModel(
        path, replicates=1, keep_timelines=1, actors__ukraine__response__answer_civilian=True
    ).run()
    s = model.scenario
    lag = s.get("actors.ukraine.response.answer_lag_hours")
    lag = float(np.asarray(model.ukraine.lag_hours).ravel()[0])
    rows = model.timeline()
    expected = _step_fire(rows, TRUCE_END + lag, s.get("actors.ukraine.strikes.civilian"))
    np.testing.assert_allclose(rows["fire_ukraine_civilian"], expected)


@pytest.mark.parametrize("tick_hours", [pytest.param(1, marks=pytest.mark.slow), pytest.param(6, marks=pytest.mark.slow), 12])
def test_a_side_that_does_not_join_fights_on_and_the_declarer_abandons_at_its_tolerance_in_gamma_time(
    write_scenario, tick_hours
):
    """Closed form: Ukraine fights on at intensity 0.5, so Russia (holding, missing nothing)
    sees strikes at 4 x 0.5 = 2 an hour; with a memory of a year and a tolerance of 9.5 it
    abandons at its 10th: the truce lasts Gamma(10, rate 2) hours, whatever the step."""
    path = write_scenario(QUIET_TRUCE)
    model = CeasefireModel(
        path,
        seed=1,
        replicates=3000,
        keep_timelines=5,
        clock__tick_hours=tick_hours,
        actors__ukraine__response__join_truce=0.0,
        actors__russia__commitment__tolerance=9.5,
        actors__russia__commitment__memory_hours=8760.0,
        military__strike_events_per_hour=4.0,
        actors__ukraine__strikes__military=0.5,
    ).run()
    out = model.outcomes()
    held = out["truce_hours_held"].to_numpy()
    assert (held < TRUCE_HOURS).mean() > 0.99
    result = stats.kstest(held[held < TRUCE_HOURS], stats.gamma(10, scale=0.5).cdf)
    assert result.pvalue > 0.001, result
    events = model.events()
    assert (events["kind"] == "truce_not_joined").sum() == 5
    abandoned = events[events["kind"] == "abandoned"]
    assert set(abandoned["actor"]) == {"russia"}
    assert abandoned["detail"].str.startswith("russia: ").all()


@pytest.mark.slow
def test_the_easter_pattern_accusations_fly_but_a_tolerant_truce_runs_its_term():
    out = outcomes(
        replicates=2000,
        actors__russia__incidents_per_day=4.0,
        actors__ukraine__incidents_per_day=4.0,
        actors__russia__commitment__tolerance=1e6,
        actors__ukraine__commitment__tolerance=1e6,
        actors__ukraine__response__join_truce=1.0,
    )
    assert ((out["truce_accusations_by_russia"] > 0) & (out["truce_accusations_by_ukraine"] > 0)).mean() > 0.9
    assert (out["truce_hours_held"] >= TRUCE_HOURS).all()


@pytest.mark.slow
def test_forgiving_every_violation_means_no_answers_and_forgiving_none_answers_many():
    common = dict(actors__ukraine__response__join_truce=1.0, actors__russia__incidents_per_day=6.0)
    forgiving = CeasefireModel(
        "baseline", replicates=500, keep_timelines=50, actors__ukraine__response__forgiveness=1.0,
        actors__russia__response__forgiveness=1.0, **common
    ).run()
    assert (forgiving.ukraine.answers == 0).all() and (forgiving.russia.answers == 0).all()
    assert not (forgiving.events()["kind"] == "answer").any()
    strict = CeasefireModel(
        "baseline", replicates=500, keep_timelines=0, actors__ukraine__response__forgiveness=0.0, **common
    ).run()
    assert strict.ukraine.answers.sum() > 0.5 * strict.ukraine.truce_accusations.sum()


def _stationary_accusation_rates(p: dict) -> tuple[float, float]:
    """Perceived violations per hour of each side under a long truce (closed form).

    Each side sees the other's unordered strikes (incidents and answers) with probability
    1 - miss, plus false alarms in each target class it holds, and answers each counted one with probability
    1 - forgiveness: a two-type branching process whose mean rates solve
    x_U = (1-m_U)(l_R + (1-f_R) x_R) + a_U and x_R = (1-m_R)(l_U + (1-f_U) x_U) + a_R.
    """
    c_u = (1 - p["miss_u"]) * p["inc_r"] + 2 * p["fa_u"]  # false alarms in each of the two classes held
    c_r = (1 - p["miss_r"]) * p["inc_u"] + 2 * p["fa_r"]
    rho_r = (1 - p["miss_u"]) * (1 - p["forg_r"])  # a violation Russia sees -> one Ukraine sees
    rho_u = (1 - p["miss_r"]) * (1 - p["forg_u"])
    x_u = (c_u + rho_r * c_r) / (1 - rho_r * rho_u)
    x_r = (c_r + rho_u * c_u) / (1 - rho_r * rho_u)
    return x_r, x_u


@pytest.mark.slow
@pytest.mark.parametrize(
    "p",
    [
        dict(inc_r=0.5, inc_u=0.1, fa_r=0.05, fa_u=0.2, miss_r=0.1, miss_u=0.3, forg_r=0.6, forg_u=0.2),
        dict(inc_r=0.1, inc_u=0.4, fa_r=0.3, fa_u=0.0, miss_r=0.0, miss_u=0.2, forg_r=0.1, forg_u=0.5),
    ],
)
def test_accusations_under_a_long_truce_follow_the_closed_form_of_noisy_reciprocity(write_scenario, p):
    path = write_scenario(QUIET_TRUCE.replace("hours = 30", "hours = 1300"))
    model = CeasefireModel(
        path,
        seed=2,
        replicates=400,
        keep_timelines=0,
        clock__horizon_days=60,
        actors__russia__incidents_per_day=24 * p["inc_r"],
        actors__ukraine__incidents_per_day=24 * p["inc_u"],
        actors__russia__perception__false_alarms_per_day=24 * p["fa_r"],
        actors__ukraine__perception__false_alarms_per_day=24 * p["fa_u"],
        actors__russia__perception__miss=p["miss_r"],
        actors__ukraine__perception__miss=p["miss_u"],
        actors__russia__response__forgiveness=p["forg_r"],
        actors__ukraine__response__forgiveness=p["forg_u"],
        actors__russia__response__answer_lag_hours=2.0,
        actors__ukraine__response__answer_lag_hours=3.0,
        actors__russia__commitment__tolerance=1e6,
        actors__ukraine__commitment__tolerance=1e6,
    ).run()
    x_r, x_u = _stationary_accusation_rates(p)
    for side, expected in ((model.russia, x_r), (model.ukraine, x_u)):
        per_hour = side.truce_accusations / 1300.0
        mean, se = per_hour.mean(), per_hour.std(ddof=1) / np.sqrt(len(per_hour))
        # Within 4 standard errors plus the start-up transient (answers start one lag late: < 1%).
        assert abs(mean - expected) < 4 * se + 0.01 * expected, (side.side, mean, expected)


@pytest.mark.slow
def test_more_forgiveness_under_noise_gives_longer_lasting_truces():
    means = []
    for forgiveness in (0.0, 0.45, 0.9):
        out = outcomes(
            "noisy_front",
            seed=5,
            replicates=6000,
            actors__russia__response__forgiveness=forgiveness,
            actors__ukraine__response__forgiveness=forgiveness,
            actors__ukraine__response__join_truce=1.0,
        )
        held = out["truce_hours_held"]
        means.append((held.mean(), held.std(ddof=1) / np.sqrt(len(held))))
    for (low, se_low), (high, se_high) in zip(means, means[1:], strict=False):
        # The difference is more than 6 standard errors: far beyond noise.
        assert high - low > 6 * np.hypot(se_low, se_high), means


def test_when_russia_abandons_a_truce_ukraine_joined_it_resumes_one_lag_after_russia(write_scenario):
    path = write_scenario(QUIET_TRUCE)
    model = CeasefireModel(
        path,
        seed=4,
        replicates=300,
        keep_timelines=0,
        actors__ukraine__incidents_per_day=24.0,
        actors__russia__commitment__tolerance=0.5,
        actors__ukraine__commitment__tolerance=1e6,
        actors__ukraine__response__answer_lag_hours=5.0,
    ).run()
    out = model.outcomes()
    quit_ = (out["truce_hours_held"] < TRUCE_HOURS).to_numpy()
    assert quit_.mean() > 0.9
    ru, ua = model.russia.resume_at[quit_], model.ukraine.resume_at[quit_]
    np.testing.assert_allclose(ua - ru, 5.0)
    # Russia fights again from the moment it decided, which is when the truce ended.
    np.testing.assert_allclose(ru[:, 0], TRUCE_AT + out["truce_hours_held"].to_numpy()[quit_])


def test_each_side_bears_the_harm_and_costs_of_the_others_fire_separately(write_scenario):
    """Noise-free and without talks, every number is a sum of intensities times days."""
    path = write_scenario(QUIET_TRUCE)
    lag = 6.0
    model = CeasefireModel(
        path,
        replicates=2,
        keep_timelines=0,
        actors__ukraine__response__answer_civilian=True,
        actors__ukraine__response__mirror_gain=1.5,
        actors__ukraine__response__answer_lag_hours=lag,
    ).run()
    s = model.scenario
    ru = np.array([s.get("actors.russia.strikes.military"), s.get("actors.russia.strikes.civilian")])
    ua = np.minimum(1.0, 1.5 * np.array([s.get("actors.ukraine.strikes.military"), s.get("actors.ukraine.strikes.civilian")]))
    russia_days = 30 - TRUCE_HOURS / 24
    ukraine_days = russia_days - lag / 24
    out = model.outcomes()
    np.testing.assert_allclose(out["civilian_harm_ukraine"], ru[1] * russia_days)
    np.testing.assert_allclose(out["civilian_harm_russia"], ua[1] * ukraine_days)
    np.testing.assert_allclose(out["strikes_russia"], ru.sum() * russia_days)
    np.testing.assert_allclose(out["strikes_ukraine"], ua.sum() * ukraine_days)
    np.testing.assert_allclose(model.russia.war_cost, ru[0] * russia_days + ua.sum() * ukraine_days)
    np.testing.assert_allclose(model.ukraine.war_cost, ua[0] * ukraine_days + ru.sum() * russia_days)
    np.testing.assert_allclose(model.fighting, ru[0] * russia_days + ua[0] * ukraine_days)


def test_noise_free_sides_accuse_nobody():
    out = outcomes(replicates=300, **NOISELESS, actors__ukraine__response__join_truce=1.0)
    assert (out["accusations_by_russia"] == 0).all() and (out["accusations_by_ukraine"] == 0).all()
    assert (out["truce_hours_held"] >= TRUCE_HOURS).all()
    s = load_scenario("baseline")
    assert s.get("actors.russia.response.rule") == "retaliatory"

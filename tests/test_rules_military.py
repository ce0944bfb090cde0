"""The military layer: response rules, perception, the symmetric answer to Russia's truce."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from conftest import BASELINE_START, NOISELESS, TRUCE_HOURS, TRUCE_START, outcomes
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sim import CeasefireModel, load_scenario
from sim.model import military as mil
from sim.model.rules import RULES, Fixed, Retaliatory, Symmetric

TICK_HOURS = 6
TRUCE_TICK = int((TRUCE_START - BASELINE_START) / dt.timedelta(hours=TICK_HOURS))  # 11: Sat 18:00
TRUCE_TICKS = TRUCE_HOURS // TICK_HOURS  # 5 ticks of 6 hours
TRUCE_RANGE = range(TRUCE_TICK, TRUCE_TICK + TRUCE_TICKS)

QUIET_TRUCE = """
extends = "baseline"
name = "quiet_truce"

[negotiation]
enabled = false

[actors.russia]
incident_rate = 0.0
[actors.russia.perception]
false_alarm = 0.0
miss = 0.0

[actors.ukraine]
incident_rate = 0.0
[actors.ukraine.perception]
false_alarm = 0.0
miss = 0.0

[[events]]
kind = "truce"
at = 2025-04-19T18:00:00+03:00
actor = "russia"
hours = 30
extension_probability = 0.0
"""

intensity = hnp.arrays(np.float64, (5, 2), elements=st.floats(0.0, 1.0))
flags = hnp.arrays(np.bool_, (5, 2))


# --- rules as functions -----------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(base=intensity, mirror=intensity, answer=intensity, committed=flags)
def test_symmetric_rule_mirrors_outside_commitments_and_answers_only_violations_under_them(
    base, mirror, answer, committed
):
    out = Symmetric().intend(base, mirror, answer, committed)
    np.testing.assert_array_equal(out[~committed], mirror[~committed])
    np.testing.assert_array_equal(out[committed], answer[committed])


@settings(max_examples=50, deadline=None)
@given(base=intensity, mirror=intensity, answer=intensity, committed=flags)
def test_fixed_rule_fights_at_its_own_intensity_and_holds_fire_when_committed(base, mirror, answer, committed):
    out = Fixed().intend(base, mirror, answer, committed)
    np.testing.assert_array_equal(out[~committed], base[~committed])
    assert (out[committed] == 0).all()


@settings(max_examples=50, deadline=None)
@given(base=intensity, mirror=intensity, answer=intensity, committed=flags)
def test_retaliatory_rule_fights_at_its_own_intensity_and_answers_violations_when_committed(
    base, mirror, answer, committed
):
    out = Retaliatory().intend(base, mirror, answer, committed)
    np.testing.assert_array_equal(out[~committed], base[~committed])
    np.testing.assert_array_equal(out[committed], answer[committed])


def test_only_the_symmetric_rule_joins_a_truce_the_other_side_declares():
    assert {name for name, rule in RULES.items() if rule.reciprocates_truces} == {"symmetric"}
    assert {"symmetric", "fixed"} <= set(RULES)


# --- perception, violations, battlefield --------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(fire=intensity, missed=flags, alarm=flags, size=st.floats(0.01, 1.0))
def test_perception_sees_real_fire_unless_missed_and_imagines_fire_only_where_there_was_none(fire, missed, alarm, size):
    seen = mil.perceived_fire(fire, missed, alarm, size)
    real = fire > 0
    np.testing.assert_array_equal(seen[real & ~missed], fire[real & ~missed])
    assert (seen[real & missed] == 0).all()
    assert (seen[~real & alarm] == size).all()
    assert (seen[~real & ~alarm] == 0).all()


def test_perception_without_errors_is_exact():
    fire = np.array([[0.6, 0.3], [0.0, 0.0], [0.05, 0.0]])
    no = np.zeros_like(fire, dtype=bool)
    np.testing.assert_array_equal(mil.perceived_fire(fire, no, no, 0.05), fire)


@settings(max_examples=50, deadline=None)
@given(seen=intensity, truce=hnp.arrays(np.bool_, (5, 1)))
def test_perceived_fire_is_a_violation_only_where_a_commitment_covers_the_class(seen, truce):
    truce = np.broadcast_to(truce, seen.shape)
    np.testing.assert_array_equal(mil.violations(seen, truce), (seen > 0) & truce)


@settings(max_examples=50, deadline=None)
@given(intended=intensity, incident=hnp.arrays(np.bool_, 5), size=st.floats(0.0, 1.0))
def test_incidents_add_military_fire_even_under_a_truce_and_stay_in_range(intended, incident, size):
    fire = mil.realised_fire(intended, incident, size)
    assert ((fire >= 0) & (fire <= 1)).all()
    np.testing.assert_array_equal(fire[:, 1], intended[:, 1])
    np.testing.assert_allclose(fire[:, 0], np.minimum(1.0, intended[:, 0] + incident * size))


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


def test_battlefield_does_not_move_without_net_fire_or_noise():
    balance = np.array([-0.3, 0.0, 0.4])
    fire = np.full((3, 2), 0.5)
    out = mil.battle_step(balance, fire, fire, np.ones(3), 0.02, 0.0, 0.25, np.ones(3))
    np.testing.assert_allclose(out, balance)


def test_fighting_reveals_information_optimism_fades_to_the_true_balance():
    balance = np.array([0.1, 0.1, 0.1])
    fighting = np.array([0.0, 10.0, 1e4])
    gain = mil.expected_gain(balance, 0.2, 0.05, fighting)
    assert gain[0] == pytest.approx(0.3)
    assert gain[0] > gain[1] > gain[2]
    assert gain[2] == pytest.approx(0.1)


# --- the truce in the model ---------------------------------------------------------------


def _closed_form_fire(base_russia, gain, lag, n_ticks):
    """Fire by tick, from the rules' statement alone: Russia fights at its base intensity
    except during its truce; Ukraine holds fire during the truce and otherwise fires
    mirror_gain x the most it saw from Russia in its last ``lag`` ticks. The war is under
    way at tick 0: before it, Russia was seen firing at its base intensity."""
    russia = np.array([[0.0, 0.0] if t in TRUCE_RANGE else base_russia for t in range(n_ticks)])
    history = np.vstack([np.tile(base_russia, (lag, 1)), russia])  # row lag + t is tick t
    ukraine = np.zeros_like(russia)
    for t in range(n_ticks):
        if t not in TRUCE_RANGE:
            ukraine[t] = np.minimum(1.0, gain * history[t : t + lag].max(axis=0))
    return russia, ukraine


@pytest.mark.parametrize(("gain", "lag"), [(1.0, 1), (0.5, 2), (1.5, 3)])
def test_truce_holds_without_noise_under_symmetric_response_and_fighting_resumes_symmetrically(
    write_scenario, gain, lag
):
    path = write_scenario(QUIET_TRUCE)
    model = CeasefireModel(
        path,
        seed=3,
        replicates=20,
        keep_timelines=20,
        actors__ukraine__response__mirror_gain=gain,
        actors__ukraine__response__lag_ticks=lag,
    ).run()
    s = model.scenario
    base_russia = [s.get("actors.russia.strikes.military"), s.get("actors.russia.strikes.civilian")]
    assert min(base_russia) > 0
    tl = model.timeline()
    russia_expected, ukraine_expected = _closed_form_fire(base_russia, gain, lag, model.n_ticks)
    for _, rows in tl.groupby("replicate"):
        rows = rows.sort_values("tick")
        russia = rows[["fire_russia_military", "fire_russia_civilian"]].to_numpy()
        ukraine = rows[["fire_ukraine_military", "fire_ukraine_civilian"]].to_numpy()
        both_silent = (russia.sum(axis=1) == 0) & (ukraine.sum(axis=1) == 0)
        # Exactly the five ticks from Sat 19 Apr 18:00 are a truce, and both sides hold fire in all of them.
        truce_ticks = rows["tick"][rows["truce"].to_numpy()].tolist()
        assert truce_ticks == list(TRUCE_RANGE)
        assert both_silent[list(TRUCE_RANGE)].all()
        assert rows["time"].iloc[TRUCE_TICK] == TRUCE_START.isoformat()
        # Russia fires again (at its base intensity) from the first tick after the truce; Ukraine answers.
        np.testing.assert_allclose(russia, russia_expected)
        np.testing.assert_allclose(ukraine, ukraine_expected)
        np.testing.assert_allclose(ukraine[TRUCE_RANGE.stop + 1], np.minimum(1.0, gain * np.array(base_russia)))
    out = model.outcomes()
    for column in (
        "accusations_by_russia",
        "accusations_by_ukraine",
        "truce_accusations_by_russia",
        "truce_accusations_by_ukraine",
    ):
        assert (out[column] == 0).all(), column
    assert (out["truce_hours_held"] == TRUCE_HOURS).all()
    assert (out["day_first_truce"] == TRUCE_TICK * TICK_HOURS / 24).all()
    events = model.events()
    assert not events["kind"].isin(["accusation", "violation", "answer", "truce_collapsed"]).any()
    assert (events["kind"] == "truce_ended").sum() == 20


def test_without_the_symmetric_rule_ukraine_does_not_join_russias_truce(write_scenario):
    path = write_scenario(QUIET_TRUCE)
    model = CeasefireModel(path, replicates=1, keep_timelines=1, actors__ukraine__response__rule="fixed").run()
    tl = model.timeline().set_index("tick")
    s = model.scenario
    base = [s.get("actors.ukraine.strikes.military"), s.get("actors.ukraine.strikes.civilian")]
    for t in TRUCE_RANGE:
        np.testing.assert_allclose(tl.loc[t, ["fire_ukraine_military", "fire_ukraine_civilian"]], base)
    # Russia perceives Ukraine's fire under its own truce: accusations from noise-free perception.
    assert model.outcomes()["truce_accusations_by_russia"].iloc[0] > 0


def test_a_truce_survives_any_incidents_when_both_sides_forgive_every_violation():
    out = outcomes(
        replicates=2000,
        **{**NOISELESS, "actors__russia__incident_rate": 1.0, "actors__ukraine__incident_rate": 1.0},
        actors__russia__response__forgiveness=1.0,
        actors__ukraine__response__forgiveness=1.0,
    )
    # Accusations fly, but nobody orders fire under the truce, so it never collapses.
    assert (out["truce_accusations_by_russia"] > 0).all()
    truce = [e for e in load_scenario("baseline").data["events"] if e["kind"] == "truce"][0]
    assert (out["truce_hours_held"] >= truce["hours"]).all()


def test_a_truce_collapses_after_collapse_ticks_of_answered_incidents_when_nobody_forgives():
    # Every tick brings an incident that both sides see and answer: ordered fire starts one
    # tick into the truce and voids it after ``collapse_ticks`` ticks of it.
    s = load_scenario("baseline")
    overrides = {
        **NOISELESS,
        "actors__russia__incident_rate": 1.0,
        "actors__ukraine__incident_rate": 1.0,
        "actors__russia__response__forgiveness": 0.0,
        "actors__ukraine__response__forgiveness": 0.0,
    }
    for collapse_ticks in (1, 2, 3):
        out = outcomes(replicates=50, military__collapse_ticks=collapse_ticks, **overrides)
        expected = (1 + collapse_ticks) * s.get("clock.tick_hours")
        assert (out["truce_hours_held"] == expected).all(), collapse_ticks


def test_more_forgiveness_under_noise_gives_longer_lasting_truces():
    means = []
    for forgiveness in (0.0, 0.5, 0.9):
        out = outcomes(
            "noisy_front",
            seed=5,
            replicates=3000,
            actors__russia__response__forgiveness=forgiveness,
            actors__ukraine__response__forgiveness=forgiveness,
        )
        held = out["truce_hours_held"]
        means.append((held.mean(), held.std(ddof=1) / np.sqrt(len(held))))
    for (low, se_low), (high, se_high) in zip(means, means[1:], strict=False):
        # The difference is more than 6 standard errors: far beyond noise.
        assert high - low > 6 * np.hypot(se_low, se_high), means

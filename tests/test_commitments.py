"""Agreements: what they bind, monitoring, guarantees, trust, abandonment, the mediator's reading."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import NOISELESS

from sim import CeasefireModel
from sim.model import negotiation as neg
from sim.scenario.schema import ISSUES

#: A ceasefire signed at the Paris meeting (day 0, 12:00) in every replicate: each side's
#: positions reach its limits within hours, the limits overlap on the ceasefire package's
#: issues and nowhere else, trust is full (no distrust premium) and nothing moves the value
#: of no deal. The U.S. deadline lies beyond the horizon.
SIGNED_AT_PARIS = {
    **{f"actors__{s}__concession__deadline_days": 0.25 for s in ("russia", "ukraine")},
    **{f"actors__{s}__commitment__trust": 1.0 for s in ("russia", "ukraine")},
    **{
        f"actors__{s}__reservation__{k}": 0.0
        for s in ("russia", "ukraine")
        for k in ("battle_weight", "cost_weight", "pressure_weight")
    },
    "actors__ukraine__reservation__aid_weight": 0.0,
    **{"actors__russia__reservation__base": 0.55, "actors__ukraine__reservation__base": 0.55},
    **{f"actors__russia__limit__{i}": v for i, v in zip(ISSUES, (0.1, 0.3, 0.9, 0.9, 0.9, 0.3), strict=True)},
    **{f"actors__ukraine__limit__{i}": v for i, v in zip(ISSUES, (0.7, 0.7, 0.1, 0.1, 0.1, 0.7), strict=True)},
    "negotiation__text_step": 1.0,
    "actors__united_states__deadline_days": 36500.0,
    "actors__ukraine__response__join_truce": 1.0,
}


def signed(replicates: int = 500, seed: int = 0, keep: int = 0, **overrides) -> CeasefireModel:
    return CeasefireModel(
        "baseline", seed=seed, replicates=replicates, keep_timelines=keep, **{**SIGNED_AT_PARIS, **overrides}
    ).run()


def test_the_paris_scenario_signs_a_ceasefire_at_noon_on_day_0_everywhere():
    model = signed(replicates=200, **NOISELESS)
    out = model.outcomes()
    assert (out["day_first_agreement"] == 0.5).all()
    assert (out["outcome"] == "ceasefire_holding").all()
    assert (model.agreement == neg.CEASEFIRE_DEAL).all()


@pytest.mark.parametrize(
    ("level", "military", "civilian"),
    [(neg.NONE, False, False), (neg.PARTIAL, False, True), (neg.CEASEFIRE_DEAL, True, True), (neg.SETTLEMENT, True, True)],
)
def test_each_agreement_binds_both_sides_in_the_classes_it_covers(level, military, civilian):
    model = CeasefireModel("baseline", replicates=3, keep_timelines=0)
    model.agreement[:] = level
    model._update_commitments()
    assert (model.committed[:, :, 0] == military).all()
    assert (model.committed[:, :, 1] == civilian).all()


def test_a_truce_binds_only_the_sides_bound_by_it_in_both_classes():
    model = CeasefireModel("baseline", replicates=2, keep_timelines=0)
    model.truce_on[:] = True
    model.truce_bound[:] = [[True, False], [True, True]]
    model._update_commitments()
    np.testing.assert_array_equal(model.committed[0], [[True, True], [False, False]])
    np.testing.assert_array_equal(model.committed[1], [[True, True], [True, True]])


@pytest.mark.slow
def test_a_monitor_clears_up_unordered_strikes_with_the_race_probability_and_halves_false_alarms():
    lag, clear, monitoring = 6.0, 12.0, 0.5
    model = signed(
        replicates=1500,
        seed=3,
        actors__europe__monitoring=monitoring,
        military__clear_hours=clear,
        actors__russia__response__answer_lag_hours=lag,
        actors__ukraine__response__answer_lag_hours=lag,
        actors__russia__commitment__tolerance=1e6,
        actors__ukraine__commitment__tolerance=1e6,
    )
    out = model.outcomes()
    perceived = (out["accusations_by_russia"] + out["accusations_by_ukraine"]).sum()
    # Under a ceasefire nobody orders fire: every perceived strike is unordered.
    assert out["cleared_by_monitor"].sum() / perceived == pytest.approx(1 - np.exp(-monitoring * lag / clear), abs=0.01)
    # False alarms alone (no incidents, no answers): a monitor of strength m removes a share m of them.
    quiet = {
        "actors__russia__incidents_per_day": 0.0,
        "actors__ukraine__incidents_per_day": 0.0,
        "actors__russia__response__forgiveness": 1.0,
        "actors__ukraine__response__forgiveness": 1.0,
        "actors__russia__perception__false_alarms_per_day": 2.0,
        "actors__ukraine__perception__false_alarms_per_day": 2.0,
        "actors__russia__commitment__tolerance": 1e6,
        "actors__ukraine__commitment__tolerance": 1e6,
    }
    seen = {}
    for m in (0.0, monitoring):
        o = signed(replicates=1500, seed=4, actors__europe__monitoring=m, **quiet).outcomes()
        seen[m] = (o["accusations_by_russia"] + o["accusations_by_ukraine"]).mean()
    # Two classes held for 29.5 days at 2 a day each, per side: 236 false alarms without a monitor.
    assert seen[0.0] == pytest.approx(2 * 2 * 2.0 * 29.5, rel=0.02)
    assert seen[monitoring] / seen[0.0] == pytest.approx(1 - monitoring, abs=0.02)


def test_a_us_monitoring_role_counts_only_while_the_us_is_engaged():
    model = CeasefireModel("baseline", replicates=2, keep_timelines=0, actors__united_states__monitoring=0.6)
    model.agreement[:] = neg.PARTIAL
    model.united_states.engaged[:] = [True, False]
    model._update_commitments()
    np.testing.assert_allclose(model.monitoring, [0.6, 0.0])


def test_guarantees_raise_what_russia_bears_and_lower_what_ukraine_demands_in_proportion():
    model = CeasefireModel(
        "baseline",
        replicates=2,
        keep_timelines=0,
        actors__europe__guarantee_capacity=0.6,
        actors__europe__deterrence=1.5,
        actors__europe__reassurance=0.5,
        actors__russia__commitment__tolerance=8.0,
        actors__ukraine__commitment__distrust_premium=0.3,
        actors__ukraine__commitment__trust=0.2,
    )
    model.agreement[:] = [neg.NONE, neg.CEASEFIRE_DEAL]
    np.testing.assert_allclose(model.russia.tolerance_now(), [8.0, 8.0 * (1 + 1.5 * 0.6)])
    np.testing.assert_allclose(model.ukraine.tolerance_now(), model.ukraine.tolerance)  # no deterrence on Ukraine
    np.testing.assert_allclose(model.ukraine.margin(), 0.3 * (1 - 0.2) * (1 - 0.5 * 0.6))
    russia_premium = model.russia.params["commitment"]["distrust_premium"]
    np.testing.assert_allclose(model.russia.margin(), russia_premium * (1 - model.russia.trust))


@pytest.mark.slow
def test_each_counted_violation_costs_its_share_of_trust_exactly():
    loss = 0.03
    model = signed(
        replicates=400,
        seed=6,
        actors__russia__commitment__trust_loss=loss,
        actors__ukraine__commitment__trust_loss=loss,
        actors__russia__commitment__trust_recovery_per_day=0.0,
        actors__ukraine__commitment__trust_recovery_per_day=0.0,
        actors__russia__commitment__tolerance=1e6,
        actors__ukraine__commitment__tolerance=1e6,
    )
    out = model.outcomes()
    for side in ("russia", "ukraine"):
        counted = out[f"accusations_by_{side}"]  # no monitor: every perceived violation counts
        assert counted.sum() > 1000
        np.testing.assert_allclose(out[f"trust_{side}"], (1 - loss) ** counted)


@pytest.mark.slow
def test_a_broken_agreement_costs_both_sides_their_collapse_share_of_trust():
    cut = 0.4
    model = signed(
        replicates=600,
        seed=7,
        actors__russia__commitment__collapse_trust_loss=cut,
        actors__ukraine__commitment__collapse_trust_loss=cut,
        **{f"actors__{s}__commitment__{k}": 0.0 for s in ("russia", "ukraine") for k in ("trust_loss", "trust_recovery_per_day")},
        actors__russia__commitment__tolerance=3.0,
        actors__ukraine__commitment__tolerance=3.0,
    )
    out = model.outcomes()
    assert (out["collapses"] > 0).mean() > 0.5 and (out["collapses"] > 1).any()
    for side in ("russia", "ukraine"):
        np.testing.assert_allclose(out[f"trust_{side}"], (1 - cut) ** out["collapses"])


@pytest.mark.slow
@pytest.mark.parametrize("retry_days", [0.0, 7.0])
def test_no_agreement_is_signed_within_retry_days_of_a_collapse(retry_days):
    model = signed(
        replicates=300,
        seed=8,
        keep=300,
        negotiation__retry_days=retry_days,
        actors__russia__commitment__tolerance=3.0,
        actors__ukraine__commitment__tolerance=3.0,
    )
    ev = model.events()
    gaps = []
    for _, rows in ev[ev["kind"].isin(["collapse", "agreement"])].groupby("replicate"):
        times = rows.assign(t=pd.to_datetime(rows["time"]))
        for collapse in times[times["kind"] == "collapse"]["t"]:
            later = times[(times["kind"] == "agreement") & (times["t"] > collapse)]["t"]
            if len(later):
                gaps.append((later.iloc[0] - collapse) / pd.Timedelta(hours=1))
    assert len(gaps) > 50
    gaps = np.array(gaps)
    assert (gaps >= retry_days * 24 - 1e-6).all()
    if retry_days == 0:
        assert (gaps < 7 * 24).mean() > 0.5  # without a pause, most re-sign within a week


@pytest.mark.slow
def test_a_side_abandons_a_deal_for_value_only_when_fighting_on_is_worth_more_than_its_terms():
    # The front moves (noise) and the value of no deal follows it (battle_weight): the
    # side it favours sees the agreed terms fall outside what it would now accept.
    moving = {
        "military__battle_noise": 0.3,
        "actors__russia__reservation__battle_weight": 3.0,
        "actors__ukraine__reservation__battle_weight": 3.0,
        "actors__russia__commitment__tolerance": 1e6,
        "actors__ukraine__commitment__tolerance": 1e6,
    }
    model = signed(replicates=600, seed=9, keep=600, **moving)
    out = model.outcomes()
    value = out["collapse_reason"] == "value"
    assert value.mean() > 0.2
    assert (out["collapse_reason"].isin(["value", ""])).all()  # nobody passes an infinite tolerance
    ev = model.events()
    detail = ev[ev["kind"] == "abandoned"]["detail"]
    assert detail.str.contains("worth more").all()
    # With the value of no deal deaf to the front, nothing can make fighting on worth more.
    deaf = {"actors__russia__reservation__battle_weight": 0.0, "actors__ukraine__reservation__battle_weight": 0.0}
    still = signed(replicates=600, seed=9, **{**moving, **deaf}).outcomes()
    assert (still["collapses"] == 0).all()


def test_the_mediators_text_moves_its_step_toward_the_middle_of_what_each_side_would_sign():
    model = CeasefireModel("baseline", seed=1, replicates=4, keep_timelines=0, negotiation__text_step=0.3)
    us = model.united_states
    before = us.text.copy()
    target = 0.5 * (model.ukraine.signing_bounds(before) + model.russia.signing_bounds(before))
    us.propose(model.russia, model.ukraine, np.array([True, True, False, True]))
    np.testing.assert_allclose(us.text[[0, 1, 3]], (before + 0.3 * (target - before))[[0, 1, 3]])
    np.testing.assert_array_equal(us.text[2], before[2])


def test_progress_is_the_share_of_the_gap_closed_discounted_by_recent_accusations():
    model = CeasefireModel("baseline", seed=1, replicates=3, keep_timelines=0, actors__united_states__violation_weight=0.05)
    us = model.united_states
    us.heard = np.array([0.0, 10.0, 40.0])
    gap = neg.gaps(model.ukraine.signing_bounds(us.text), model.russia.signing_bounds(us.text)).sum(axis=1)
    us.initial_gap = 2 * gap
    us.measure_progress(model.russia, model.ukraine)
    np.testing.assert_allclose(us.progress, 0.5 * np.exp(-0.05 * us.heard))


def test_recent_accusations_fade_with_their_memory_and_add_up():
    model = CeasefireModel("baseline", replicates=2, keep_timelines=0, actors__united_states__accusation_memory_days=2.0)
    us = model.united_states
    us.heard = np.array([10.0, 0.0])
    us.hear(np.array([1, 3]), 48.0)
    np.testing.assert_allclose(us.heard, [10.0 / np.e + 1, 3.0])


def test_the_value_of_no_deal_adds_battle_hopes_and_aid_and_subtracts_costs_and_pressure():
    model = CeasefireModel("baseline", replicates=2, keep_timelines=0)
    model.balance = np.array([0.2, -0.1])
    model.fighting = np.array([3.0, 8.0])
    model.support = model.initial_support - np.array([0.0, 0.25])
    learning = model.scenario.get("military.learning")
    for side, sign in ((model.russia, 1.0), (model.ukraine, -1.0)):
        side.war_cost = np.array([5.0, 12.0])
        side.pressure_felt = np.array([1.0, 1.4])
        side.restate()
        r = side.params["reservation"]
        gain = sign * model.balance + r["optimism"] * np.exp(-learning * model.fighting)
        expected = r["base"] + r["battle_weight"] * gain - r["cost_weight"] * side.war_cost - r["pressure_weight"] * side.pressure_felt
        if side is model.ukraine:
            expected = expected + r["aid_weight"] * np.array([0.0, -0.25])
        np.testing.assert_allclose(side.no_deal_value, expected)

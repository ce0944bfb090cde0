"""What decides outcomes, pinned by exact values: per-side bookkeeping with asymmetric sides,
battle steps, no-deal values and positions, the mediator, commitments, collapses and retries.

Each test sets the two sides apart (different parameters, different fire) so that a formula
applied to the wrong side, or a sign or factor changed, gives a different number. Expected
values come from the documented formulas (docstrings and docs/model.md), computed here
independently from the model's inputs; runs are small (a few replicates, a few days) so the
whole file belongs to the fast tier used by the mutation run (docs/mutation.md).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from conftest import BASELINE_START, NOISELESS
from scipy import stats

from sim import CeasefireModel
from sim.model import military as mil
from sim.model import negotiation as neg
from sim.model.outcomes import OUTCOMES
from sim.scenario.schema import ISSUES

#: Distinct, fixed values for the two sides (no priors), so that each side's own number shows.
ASYMMETRIC = {
    "actors__russia__commitment__trust": 0.3,
    "actors__ukraine__commitment__trust": 0.6,
    "actors__russia__commitment__distrust_premium": 0.2,
    "actors__ukraine__commitment__distrust_premium": 0.1,
    "actors__russia__commitment__trust_loss": 0.05,
    "actors__ukraine__commitment__trust_loss": 0.02,
    "actors__russia__commitment__trust_recovery_per_day": 0.5,
    "actors__ukraine__commitment__trust_recovery_per_day": 0.1,
    "actors__russia__commitment__memory_hours": 20.0,
    "actors__ukraine__commitment__memory_hours": 50.0,
    "actors__russia__response__answer_lag_hours": 2.0,
    "actors__ukraine__response__answer_lag_hours": 5.0,
    "actors__ukraine__response__answer_civilian": True,
    "actors__ukraine__response__mirror_gain": 1.2,
    "military__battle_noise": 0.3,
}


def model(replicates: int = 6, seed: int = 1, **overrides) -> CeasefireModel:
    return CeasefireModel("baseline", seed=seed, replicates=replicates, keep_timelines=replicates, **{**ASYMMETRIC, **overrides})


# --- one step of consequences, side by side -------------------------------------------------


def test_each_step_adds_each_sides_harm_costs_and_strike_days_from_the_fire_of_the_right_side():
    m = model(replicates=8, seed=3)
    ru, ua = m.russia, m.ukraine
    for _ in range(24):  # six days at 6 hours, through the truce (fire changes class by class)
        before = {
            "harm_ua": m.harm["ukraine"].copy(), "harm_ru": m.harm["russia"].copy(), "fighting": m.fighting.copy(),
            "days_ru": ru.strike_days.copy(), "days_ua": ua.strike_days.copy(),
            "cost_ru": ru.war_cost.copy(), "cost_ua": ua.war_cost.copy(), "balance": m.balance.copy(),
        }
        tick = m.tick
        m.step()
        days = m.dt_hours / 24.0
        f_ru, f_ua = ru.fire, ua.fire  # the fire of the step just run, answers included
        np.testing.assert_allclose(m.harm["ukraine"], before["harm_ua"] + f_ru[:, 1] * days)
        np.testing.assert_allclose(m.harm["russia"], before["harm_ru"] + f_ua[:, 1] * days)
        np.testing.assert_allclose(m.fighting, before["fighting"] + (f_ru[:, 0] + f_ua[:, 0]) * days)
        np.testing.assert_allclose(ru.strike_days, before["days_ru"] + (f_ru[:, 0] + f_ru[:, 1]) * days)
        np.testing.assert_allclose(ua.strike_days, before["days_ua"] + (f_ua[:, 0] + f_ua[:, 1]) * days)
        rate_ru = f_ru[:, 0] + f_ua[:, 0] + f_ua[:, 1]  # its own military fire and all of the other's
        rate_ua = f_ua[:, 0] + f_ru[:, 0] + f_ru[:, 1]
        np.testing.assert_allclose(ru.cost_rate, rate_ru)
        np.testing.assert_allclose(ua.cost_rate, rate_ua)
        np.testing.assert_allclose(ru.war_cost, before["cost_ru"] + rate_ru * days)
        np.testing.assert_allclose(ua.war_cost, before["cost_ua"] + rate_ua * days)
        # The battle step: drift x net military fire (Ukraine's weighted by support) plus a Brownian shock.
        shock = m.streams.normal(tick, "battle")
        net = f_ru[:, 0] - f_ua[:, 0] * m.support
        expected = np.clip(before["balance"] + 0.02 * net * days + 0.3 * np.sqrt(days) * shock, -1.0, 1.0)
        np.testing.assert_allclose(m.balance, expected, rtol=0, atol=1e-12)
    assert (m.harm["russia"] > 0).all() and (m.harm["ukraine"] > m.harm["russia"]).all()


def test_foreign_support_is_us_aid_plus_europes_aid_plus_its_backfill_of_any_us_cut():
    m = model(
        replicates=3,
        actors__united_states__aid=0.6, actors__united_states__aid_cut=0.25,
        actors__europe__aid=0.2, actors__europe__backfill=0.4,
    )
    np.testing.assert_allclose(m.initial_support, 0.8)
    m.united_states.engaged[:] = [True, False, True]
    np.testing.assert_allclose(m.united_states.aid, [0.6, 0.6 * 0.75, 0.6])
    np.testing.assert_allclose(m.europe.aid(m.united_states), [0.2, 0.2 + 0.4 * 0.15, 0.2])
    m.step()
    np.testing.assert_allclose(m.support, [0.8, 0.45 + 0.26, 0.8])


# --- perception and trust, per side ----------------------------------------------------------


def test_trust_recovers_toward_its_start_at_each_sides_own_rate_over_the_hours_elapsed():
    m = model(replicates=2, **NOISELESS)
    m.russia.trust[:] = 0.1
    m.ukraine.trust[:] = 0.2
    hours = 0.0
    for _ in range(6):
        m.step()
        hours += m.dt_hours
    days = hours / 24.0
    np.testing.assert_allclose(m.russia.trust, 0.3 + (0.1 - 0.3) * np.exp(-0.5 * days))
    np.testing.assert_allclose(m.ukraine.trust, 0.6 + (0.2 - 0.6) * np.exp(-0.1 * days))


def test_each_counted_violation_costs_the_side_that_counts_it_its_own_share_of_trust():
    """Under a monitored ceasefire with no recovery, trust is (1 - own loss) ** (own perceived - own cleared)."""
    overrides = {
        **SIGNED_AT_PARIS,
        **ASYMMETRIC,
        "actors__russia__commitment__trust_recovery_per_day": 0.0,
        "actors__ukraine__commitment__trust_recovery_per_day": 0.0,
        "actors__russia__commitment__trust": 1.0,
        "actors__ukraine__commitment__trust": 1.0,
        "actors__russia__commitment__tolerance": 1e6,
        "actors__ukraine__commitment__tolerance": 1e6,
        "actors__russia__incidents_per_day": 6.0,
        "actors__ukraine__incidents_per_day": 3.0,
        "actors__europe__monitoring": 0.5,
        "clock__horizon_days": 7,
    }
    m = CeasefireModel("baseline", seed=5, replicates=40, keep_timelines=0, **overrides).run()
    ru, ua = m.russia, m.ukraine
    assert ru.accusations.sum() > 50 and ua.accusations.sum() > 50 and (ru.cleared + ua.cleared).sum() > 10
    np.testing.assert_allclose(ru.trust, 0.95 ** (ru.accusations - ru.cleared))
    np.testing.assert_allclose(ua.trust, 0.98 ** (ua.accusations - ua.cleared))
    out = m.outcomes()
    np.testing.assert_array_equal(out["accusations_by_russia"], ru.accusations)
    np.testing.assert_array_equal(out["accusations_by_ukraine"], ua.accusations)
    np.testing.assert_array_equal(out["cleared_by_monitor"], ru.cleared + ua.cleared)
    np.testing.assert_array_equal(out["trust_russia"], ru.trust)
    np.testing.assert_array_equal(out["trust_ukraine"], ua.trust)
    assert (ru.truce_accusations <= ru.accusations).all() and (ua.truce_accusations <= ua.accusations).all()


# --- a ceasefire signed at the Paris meeting (see test_commitments) ------------------------------

SIGNED_AT_PARIS = {
    **{f"actors__{s}__concession__deadline_days": 0.25 for s in ("russia", "ukraine")},
    **{
        f"actors__{s}__reservation__{k}": 0.0
        for s in ("russia", "ukraine")
        for k in ("battle_weight", "cost_weight", "pressure_weight")
    },
    "actors__ukraine__reservation__aid_weight": 0.0,
    "actors__russia__reservation__base": 0.55,
    "actors__ukraine__reservation__base": 0.55,
    **{f"actors__russia__limit__{i}": v for i, v in zip(ISSUES, (0.1, 0.3, 0.9, 0.9, 0.9, 0.3), strict=True)},
    **{f"actors__ukraine__limit__{i}": v for i, v in zip(ISSUES, (0.7, 0.7, 0.1, 0.1, 0.1, 0.7), strict=True)},
    "negotiation__text_step": 1.0,
    "actors__united_states__deadline_days": 36500.0,
    "actors__ukraine__response__join_truce": 1.0,
}


# --- concessions, the value of no deal, positions ---------------------------------------------


def test_effective_time_runs_faster_under_pressure_and_war_costs_and_never_backwards():
    m = model(
        replicates=3,
        actors__russia__concession__pressure_speedup=0.5,
        actors__russia__concession__cost_speedup=0.2,
        actors__ukraine__concession__pressure_speedup=0.25,
        actors__ukraine__concession__cost_speedup=0.1,
    )
    ru, ua = m.russia, m.ukraine
    ru.cost_rate = np.array([0.0, 1.0, 2.0])
    ua.cost_rate = np.array([1.5, 0.0, 0.5])
    pressure = np.array([1.0, 2.0, -20.0])  # a negative speed is held at zero
    ru.concede(pressure, 0.25, np.array([0.7, 0.8, 0.9]))
    ua.concede(pressure, 0.25, np.array([0.1, 0.2, 0.3]))
    np.testing.assert_allclose(ru.tau, 0.25 * np.maximum(1 + 0.5 * pressure + 0.2 * ru.cost_rate, 0))
    np.testing.assert_allclose(ua.tau, 0.25 * np.maximum(1 + 0.25 * pressure + 0.1 * ua.cost_rate, 0))
    np.testing.assert_allclose(ru.pressure_felt, [0.7, 0.8, 0.9])
    np.testing.assert_allclose(ua.pressure_felt, [0.1, 0.2, 0.3])
    assert ru.tau[2] == 0.0


def test_the_value_of_no_deal_starts_at_each_sides_base():
    m = model(replicates=2, actors__russia__reservation__base=0.5, actors__ukraine__reservation__base=0.6)
    np.testing.assert_array_equal(m.russia.no_deal_value, 0.5)
    np.testing.assert_array_equal(m.ukraine.no_deal_value, 0.6)


def test_a_direct_offer_on_several_issues_puts_them_all_on_the_agenda_and_in_the_log():
    m = model(replicates=2, actors__ukraine__bilateral_acceptance=1.0)
    offer = {"kind": "bilateral_offer", "actor": "russia", "issues": ("civilian_moratorium", "sequencing")}
    m._bilateral_offer(offer, 0, 30.0)
    np.testing.assert_array_equal(m.bilateral_issues, [True, False, False, False, False, True])
    np.testing.assert_array_equal(m.next_bilateral, 30.0 + 24.0)
    logged = m.events()
    assert set(logged.loc[logged["kind"] == "bilateral_offer", "detail"]) == {"civilian_moratorium, sequencing"}
    assert set(logged.loc[logged["kind"] == "bilateral_accepted", "detail"]) == {"civilian_moratorium, sequencing"}


@pytest.mark.parametrize(
    ("replicates", "message"),
    [
        (0, "replicates: replicates: found 0; allowed: a whole number >= 1"),
        ([], "replicates: replicates: found []; allowed: a count >= 1 or a non-empty list of ids >= 0"),
        ([3, -1], "replicates: replicates: found [3, -1]; allowed: a count >= 1 or a non-empty list of ids >= 0"),
    ],
)
def test_bad_replicates_are_refused_with_a_message_saying_what_is_allowed(replicates, message):
    from sim import ScenarioError

    with pytest.raises(ScenarioError) as error:
        CeasefireModel("baseline", replicates=replicates)
    assert str(error.value) == message


def test_positions_reach_further_as_the_value_of_no_deal_falls_below_its_base():
    """reach = clip(1 + base - no_deal, 0, 3); position = opening + alpha(tau) x reach x (limit - opening)."""
    m = model(replicates=3, actors__russia__reservation__base=0.5, actors__ukraine__reservation__base=0.6)
    for side, base, beta in ((m.russia, 0.5, 0.5), (m.ukraine, 0.6, 1.0)):
        r = side.params["reservation"]
        side.war_cost = np.array([0.0, 50.0, 5000.0])  # no cost, a cost, a cost that saturates the reach at 3
        side.pressure_felt = np.zeros(3)
        side.tau = np.array([5.0, 10.0, 20.0])
        side.restate()
        no_deal = base + r["battle_weight"] * side.expected_gain() - r["cost_weight"] * side.war_cost + side.support_value()
        np.testing.assert_allclose(side.no_deal_value, no_deal)
        reach = np.clip(1 + base - no_deal, 0, 3)
        assert reach[2] == 3.0
        alpha = (np.minimum(side.tau, side.deadline_days) / side.deadline_days) ** (1 / beta)
        expected = np.clip(side.opening + (alpha * reach)[:, None] * (side.limit - side.opening), 0, 1)
        np.testing.assert_allclose(side.position, expected)


def test_each_side_signs_only_inside_its_bounds_by_its_own_distrust_premium():
    m = model(replicates=2, actors__europe__guarantee_capacity=0.4, actors__europe__reassurance=0.5)
    ru, ua = m.russia, m.ukraine
    ru.position = np.full((2, 6), 0.5)
    ua.position = np.full((2, 6), 0.5)
    ru.trust = np.array([0.3, 0.0])
    ua.trust = np.array([0.6, 0.0])
    np.testing.assert_allclose(ru.margin(), 0.2 * (1 - ru.trust))
    np.testing.assert_allclose(ua.margin(), 0.1 * (1 - ua.trust) * (1 - 0.5 * 0.4))
    text = np.full((2, 6), 0.5)
    text[:, neg.GUARANTEES] = 1.0  # no guarantees in the text: Ukraine's bounds are its positions
    np.testing.assert_allclose(ru.signing_bounds(text), np.minimum(0.5 + ru.margin()[:, None], 1.0) * np.ones((2, 6)))
    np.testing.assert_allclose(ua.signing_bounds(text), np.maximum(0.5 - ua.margin()[:, None], 0.0) * np.ones((2, 6)))
    ru.position = np.full((2, 6), 0.95)
    ua.position = np.full((2, 6), 0.02)
    np.testing.assert_allclose(ru.signing_bounds(text), 1.0)  # capped at Russia's stated maximum
    np.testing.assert_allclose(ua.signing_bounds(text), 0.0)  # floored at Ukraine's


# --- the mediator ------------------------------------------------------------------------------


def test_the_opening_text_is_the_middle_of_what_each_side_would_sign_around_the_middle_of_their_positions():
    m = model(replicates=4)
    ru, ua, us = m.russia, m.ukraine, m.united_states
    middle = 0.5 * (ru.opening + ua.opening)  # positions at the start are the openings
    expected = 0.5 * (ua.signing_bounds(middle) + ru.signing_bounds(middle))
    np.testing.assert_allclose(us.text, expected)
    gap = np.maximum(0, ru.signing_bounds(us.text) - ua.signing_bounds(us.text)).sum(axis=1)
    np.testing.assert_allclose(us.initial_gap, gap)
    assert (gap > 0).all()


def test_europe_pulls_the_sequencing_issue_toward_a_ceasefire_first_at_meetings_it_attends():
    m = model(replicates=3, actors__europe__sequencing_push=0.4)
    text = np.full((3, 6), 0.5)
    pushed = m.europe.push_sequencing(text, np.array([True, False, True]))
    np.testing.assert_allclose(pushed[:, neg.SEQUENCING], [0.3, 0.5, 0.3])
    np.testing.assert_array_equal(np.delete(pushed, neg.SEQUENCING, axis=1), 0.5)
    np.testing.assert_array_equal(text, 0.5)  # the text given is not changed in place


def test_at_its_deadline_the_mediator_stays_on_progress_else_extends_with_its_probability_else_steps_back():
    m = model(
        replicates=4,
        actors__united_states__required_progress=0.5,
        actors__united_states__extension_probability=0.3,
        actors__united_states__extension_days=4,
        actors__united_states__review_days=6,
        actors__united_states__deadline_days=10,
    )
    us = m.united_states
    now = 240.0
    us.progress = np.array([0.5, 0.2, 0.2, 0.9])
    us.engaged[3] = False  # stepped back already: nothing is due
    happened = us.face_deadline(now, np.array([0.9, 0.29, 0.3, 0.0]))
    np.testing.assert_array_equal(happened["deadline_met"], [True, False, False, False])
    np.testing.assert_array_equal(happened["deadline_extended"], [False, True, False, False])
    np.testing.assert_array_equal(happened["walk_away"], [False, False, True, False])
    np.testing.assert_allclose(us.deadline_at, [now + 6 * 24, 240 + 4 * 24, 240, 240])
    np.testing.assert_array_equal(us.engaged, [True, True, False, False])
    np.testing.assert_array_equal(us.deadline_met, [True, False, False, False])
    np.testing.assert_array_equal(us.extensions, [0, 1, 0, 0])
    np.testing.assert_array_equal(us.step_backs, [0, 0, 1, 0])
    np.testing.assert_allclose(us.walk_day, [np.nan, np.nan, 10.0, np.nan])
    # Before the deadline nothing is due; a second step back keeps the first walk-away day.
    early = us.face_deadline(100.0, np.zeros(4))
    assert not any(mask.any() for mask in early.values())
    us.engaged[:] = True
    us.deadline_met[:] = False
    us.deadline_at[:] = 300.0
    us.progress[:] = 0.0
    us.face_deadline(300.0, np.ones(4))
    np.testing.assert_allclose(us.walk_day, [12.5, 12.5, 10.0, 12.5])
    np.testing.assert_array_equal(us.step_backs, [1, 1, 2, 1])  # each step back counts


def test_a_stepped_back_mediator_returns_on_progress_or_at_its_rate_with_a_fresh_deadline():
    m = model(
        replicates=4,
        actors__united_states__required_progress=0.5,
        actors__united_states__return_per_day=0.2,
        actors__united_states__deadline_days=5,
    )
    us = m.united_states
    us.engaged[:] = [False, False, False, True]
    us.deadline_met[:] = True
    us.progress = np.array([0.6, 0.1, 0.1, 0.0])
    chance = 1 - np.exp(-0.2 * 0.25)  # of returning within a quarter of a day
    u = np.array([0.99, chance - 1e-9, chance + 1e-9, 0.0])
    away = ~us.engaged
    back = us.consider_return(300.0, 0.25, u, away)
    np.testing.assert_array_equal(back, [True, True, False, False])
    np.testing.assert_array_equal(us.engaged, [True, True, False, True])
    np.testing.assert_array_equal(us.returns, [1, 1, 0, 0])
    np.testing.assert_allclose(us.deadline_at[:2], 300.0 + 5 * 24)
    np.testing.assert_array_equal(us.deadline_met, [False, False, True, True])


# --- commitments: truces, expiry, collapse, retry ------------------------------------------------

#: The baseline's calendar without talks or noise, and a truce whose extension can be set.
QUIET = {"negotiation__enabled": False, **NOISELESS}


def test_a_truce_binds_its_declarer_for_its_hours_and_the_other_side_only_where_it_joins():
    m = model(
        replicates=400, seed=2, actors__ukraine__response__join_truce=0.3, actors__russia__commitment__tolerance=1e6, **QUIET
    )
    while m.clock.edges[m.tick] < 66.0:
        m.step()
    m.step()  # the step that starts Saturday 18:00
    assert m.truce_on.all()
    np.testing.assert_array_equal(m.truce_start, 66.0)
    np.testing.assert_array_equal(m.truce_end, 96.0)
    np.testing.assert_array_equal(m.truce_declarer, 0)
    assert m.truce_bound[:, 0].all()
    joined = m.truce_bound[:, 1].mean()
    assert 0.2 < joined < 0.4  # join_truce = 0.3 of 400 replicates: 0.3 +- 0.023 (1 sd)
    np.testing.assert_array_equal(m.committed[:, 0, :], True)
    np.testing.assert_array_equal(m.committed[:, 1, :], m.truce_bound[:, 1, None] & np.ones((400, 2), dtype=bool))
    np.testing.assert_array_equal(m.first_truce_day, 66.0 / 24)


@pytest.mark.parametrize("p", [0.0, 1.0])
def test_a_truce_is_extended_by_its_extension_hours_with_its_probability_or_lapses_at_its_end(p, write_scenario):
    path = write_scenario(QUIET_TRUCE.format(p=p))
    m = CeasefireModel(path, replicates=3, keep_timelines=3, clock__horizon_days=6).run()
    ev = m.events()
    if p == 0.0:
        np.testing.assert_array_equal(m.first_truce_hours, 30.0)
        assert not m.truce_on.any()
        assert (ev["kind"] == "truce_ended").sum() == 3
        assert set(ev.loc[ev["kind"] == "truce_ended", "detail"]) == {""}  # nothing to add
        assert not (ev["kind"] == "truce_extended").any()
        np.testing.assert_array_equal(m.russia.resume_at, 96.0)
        lag = 5.0
        np.testing.assert_array_equal(m.ukraine.resume_at, 96.0 + lag)  # symmetric: one lag after Russia
    else:
        # Its term is up at 96, 108, 120, 132 and 144 (the horizon): extended each time by 12 hours.
        assert m.truce_on.all()
        np.testing.assert_array_equal(m.truce_end, 96.0 + 12 * 5)
        assert (ev["kind"] == "truce_extended").sum() == 3 * 5
        assert np.isnan(m.first_truce_hours).all()
        assert set(ev.loc[ev["kind"] == "truce_extended", "detail"]) == {"12 hours"}
        assert set(ev.loc[ev["kind"] == "truce_extended", "actor"]) == {"russia"}


QUIET_TRUCE = """
extends = "baseline"
name = "quiet_truce"

[clock]
horizon_days = 6

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
answer_lag_hours = 5.0

[[events]]
kind = "truce"
at = 2025-04-19T18:00:00+03:00
actor = "russia"
hours = 30
extension_probability = {p}
extension_hours = 12
"""


def signed(replicates: int = 4, seed: int = 0, keep: int | None = None, **overrides) -> CeasefireModel:
    """A ceasefire signed at the Paris meeting (day 0, 12:00) in every replicate, with full trust."""
    values = {
        **ASYMMETRIC,
        **SIGNED_AT_PARIS,
        "actors__russia__commitment__trust": 1.0,
        "actors__ukraine__commitment__trust": 1.0,
        **overrides,
    }
    keep = replicates if keep is None else keep
    return CeasefireModel("baseline", seed=seed, replicates=replicates, keep_timelines=keep, **values)


def test_a_ceasefire_signed_at_paris_binds_for_ceasefire_days_then_falls_back_to_the_moratorium():
    m = signed(negotiation__ceasefire_days=2, negotiation__round_days=2, clock__horizon_days=7, **NOISELESS)
    for _ in range(3):
        m.step()  # the third step starts at the meeting, 12:00
    np.testing.assert_array_equal(m.agreement, neg.CEASEFIRE_DEAL)
    np.testing.assert_array_equal(m.agreement_since, 12.0)
    np.testing.assert_array_equal(m.agreement_end, 12.0 + 48.0)
    np.testing.assert_array_equal(m.first_agreement_day, 0.5)
    signed_at = m.events()[lambda e: e["kind"] == "agreement"]
    assert set(signed_at["actor"]) == {"mediated"} and set(signed_at["detail"]) == {"ceasefire"}
    assert set(signed_at["time"]) == {"2025-04-17T12:00:00+03:00"} and len(signed_at) == 4
    assert set(signed_at["tick"]) == {2} and set(m.events()[lambda e: e["kind"] == "proposal"]["tick"]) == {2}
    terms = m.terms
    assert np.isfinite(terms[:, neg.SETTLED[neg.CEASEFIRE_DEAL]]).all()
    assert np.isnan(terms[:, ~neg.SETTLED[neg.CEASEFIRE_DEAL]]).all()
    while m.clock.edges[m.tick] < 60.0:
        m.step()
    np.testing.assert_array_equal(m.agreement, neg.PARTIAL)  # expired at hour 60
    np.testing.assert_array_equal(m.agreement_end, np.inf)
    np.testing.assert_array_equal(m.russia.resume_at[:, mil.MILITARY], 60.0)
    np.testing.assert_array_equal(m.ukraine.resume_at[:, mil.MILITARY], 60.0 + 5.0)  # waits one lag for Russia
    np.testing.assert_array_equal(m.russia.resume_at[:, mil.CIVILIAN], -np.inf)  # the moratorium still binds
    expired = m.events()[lambda e: e["kind"] == "ceasefire_expired"]
    assert len(expired) == 4 and set(expired["actor"]) == {""}
    assert set(expired["time"]) == {"2025-04-19T12:00:00+03:00"}  # the end of the step in which it expired
    assert not m.committed[:, :, mil.MILITARY].any() and m.committed[:, :, mil.CIVILIAN].all()


def test_a_collapse_costs_each_side_its_own_share_of_trust_and_pauses_new_deals_for_retry_days():
    m = signed(
        negotiation__retry_days=3,
        actors__russia__commitment__collapse_trust_loss=0.4,
        actors__ukraine__commitment__collapse_trust_loss=0.1,
        **NOISELESS,
    )
    for _ in range(3):
        m.step()  # signed at 12:00
    assert (m.agreement == neg.CEASEFIRE_DEAL).all()
    k, end = m.tick, float(m.clock.edges[m.tick + 1])
    trust_ru, trust_ua = m.russia.trust.copy(), m.ukraine.trust.copy()
    quit_ = {"russia": np.array([True, False, True, False]), "ukraine": np.array([False, True, True, False])}
    when = np.array([19.0, 20.0, 21.0, 22.0])
    m._collapse(k, quit_, "violations", when, end)
    np.testing.assert_array_equal(m.agreement, [0, 0, 0, neg.CEASEFIRE_DEAL])
    np.testing.assert_array_equal(m.collapses, [1, 1, 1, 0])
    np.testing.assert_allclose(m.first_collapse_day, [19 / 24, 20 / 24, 21 / 24, np.nan])
    assert list(m.collapsed_by) == ["russia", "ukraine", "both", ""]
    assert list(m.collapse_reason) == ["violations"] * 3 + [""]
    np.testing.assert_allclose(m.russia.trust, trust_ru * [0.6, 0.6, 0.6, 1.0])
    np.testing.assert_allclose(m.ukraine.trust, trust_ua * [0.9, 0.9, 0.9, 1.0])
    np.testing.assert_allclose(m.talks_resume[:3], end + 3 * 24)
    np.testing.assert_array_equal(m.agreement_since[:3], np.nan)
    np.testing.assert_array_equal(m.agreement_end[:3], np.inf)
    # The side that decided fires again at once; the other at once (Russia) or one lag later (Ukraine).
    np.testing.assert_allclose(m.russia.resume_at[:3, mil.MILITARY], [19.0, 20.0, 21.0])
    np.testing.assert_allclose(m.ukraine.resume_at[:3, mil.MILITARY], [19.0 + 5, 20.0, 21.0])
    np.testing.assert_array_equal(m.russia.resume_at[3], -np.inf)
    # No new agreement before talks resume, and one as soon as they do.
    text = m.united_states.text
    everywhere = np.ones(4, dtype=bool)
    m._try_agreement(k, text, everywhere, np.ones(len(ISSUES), dtype=bool), "mediated", end + 3 * 24 - 1.0)
    np.testing.assert_array_equal(m.agreement, [0, 0, 0, neg.CEASEFIRE_DEAL])
    m._try_agreement(k, text, everywhere, np.ones(len(ISSUES), dtype=bool), "mediated", end + 3 * 24)
    np.testing.assert_array_equal(m.agreement, neg.CEASEFIRE_DEAL)
    np.testing.assert_array_equal(m.agreement_since[:3], end + 3 * 24)
    np.testing.assert_array_equal(m.best_agreement, neg.CEASEFIRE_DEAL)
    np.testing.assert_array_equal(m.first_agreement_day, 0.5)  # the first one's day stays


def test_recent_violations_fade_with_each_sides_own_memory():
    m = signed(**NOISELESS)
    for _ in range(3):
        m.step()  # both sides now hold fire under the ceasefire
    m.russia.grievance = np.full(4, 3.0)
    m.ukraine.grievance = np.full(4, 3.0)
    m.step()
    hours = m.dt_hours
    np.testing.assert_allclose(m.russia.grievance, 3.0 * np.exp(-hours / 20.0))
    np.testing.assert_allclose(m.ukraine.grievance, 3.0 * np.exp(-hours / 50.0))


def test_holding_fire_afresh_starts_the_count_of_recent_violations_afresh():
    m = model(replicates=3, **NOISELESS)
    m.russia.grievance = np.array([2.0, 2.0, 2.0])
    m.ukraine.grievance = np.array([1.0, 1.0, 1.0])
    m.agreement[:] = [neg.NONE, neg.PARTIAL, neg.NONE]
    m.truce_bound[:] = [[False, False], [False, False], [False, True]]
    m._update_commitments()
    np.testing.assert_array_equal(m.russia.grievance, [2.0, 0.0, 2.0])
    np.testing.assert_array_equal(m.ukraine.grievance, [1.0, 0.0, 0.0])
    m.russia.grievance[:] = 5.0
    m._update_commitments()  # still holding: nothing is new, nothing is reset
    np.testing.assert_array_equal(m.russia.grievance, 5.0)


def test_a_side_abandons_a_deal_for_value_when_an_agreed_term_leaves_its_bounds_in_its_own_direction():
    m = signed(**NOISELESS)
    for _ in range(3):
        m.step()
    assert (m.agreement == neg.CEASEFIRE_DEAL).all()
    terms = m.terms[:, neg.CEASEFIRE]
    # Replicate 0: Ukraine now accepts less than the agreed ceasefire term; 1: Russia now asks for more;
    # 2: both; 3: both move the other way (further inside) and stay.
    m.ukraine.position[:, neg.CEASEFIRE] = terms + np.array([-0.05, 0.05, -0.05, 0.05])
    m.russia.position[:, neg.CEASEFIRE] = terms + np.array([-0.05, 0.05, 0.05, -0.05])
    start, end = float(m.clock.edges[m.tick]), float(m.clock.edges[m.tick + 1])
    m._abandon_for_value(m.tick, start, end)
    np.testing.assert_array_equal(m.agreement, [0, 0, 0, neg.CEASEFIRE_DEAL])
    assert list(m.collapsed_by) == ["ukraine", "russia", "both", ""]
    assert list(m.collapse_reason) == ["value"] * 3 + [""]
    np.testing.assert_allclose(m.first_collapse_day[:3], (start + 0.5 * (end - start)) / 24)  # dated mid-step


def test_a_settlement_is_signed_only_where_both_sides_value_its_terms_above_no_deal_plus_their_premium():
    m = model(replicates=4, **NOISELESS)
    ru, ua = m.russia, m.ukraine
    ru.position = np.zeros((4, 6))  # every text is inside both sides' bounds
    ua.position = np.ones((4, 6))
    ru.trust[:] = 1.0
    ua.trust[:] = 1.0
    text = np.full((4, 6), 0.5)
    u_ru, u_ua = ru.utility(text), ua.utility(text)
    ru.no_deal_value = u_ru + np.array([-0.01, 0.01, -0.01, 0.01])
    ua.no_deal_value = u_ua + np.array([-0.01, -0.01, 0.01, 0.01])
    m._try_agreement(0, text, np.ones(4, dtype=bool), np.ones(len(ISSUES), dtype=bool), "mediated", 30.0)
    np.testing.assert_array_equal(m.agreement, [neg.SETTLEMENT, neg.CEASEFIRE_DEAL, neg.CEASEFIRE_DEAL, neg.CEASEFIRE_DEAL])
    np.testing.assert_array_equal(m.agreement_end, [np.inf, 30.0 + 30 * 24, 30.0 + 30 * 24, 30.0 + 30 * 24])
    np.testing.assert_array_equal(m.terms[0], 0.5)
    np.testing.assert_array_equal(np.isnan(m.terms[1]), ~neg.SETTLED[neg.CEASEFIRE_DEAL])
    # A lower level than the one in force is no news: the agreement stays, its date too.
    m._try_agreement(0, text, np.ones(4, dtype=bool), np.array([True, False, False, False, False, False]), "bilateral", 40.0)
    np.testing.assert_array_equal(m.agreement_since, 30.0)
    # Only where the round is held.
    fresh = model(replicates=2, **NOISELESS)
    fresh.russia.position = np.zeros((2, 6))
    fresh.ukraine.position = np.ones((2, 6))
    fresh._try_agreement(0, np.full((2, 6), 0.5), np.array([False, True]), np.ones(6, dtype=bool), "mediated", 30.0)
    assert fresh.agreement[0] == neg.NONE and fresh.agreement[1] >= neg.CEASEFIRE_DEAL


def test_direct_talks_put_the_middle_of_what_each_side_signs_on_the_agenda_issues_only():
    m = model(replicates=2, **NOISELESS)
    m.bilateral_issues = np.array([True, False, False, False, False, False])
    captured = {}
    m._try_agreement = lambda k, text, where, allowed, track, now: captured.update(text=text, allowed=allowed, track=track)
    before = m.united_states.text.copy()
    m._bilateral_round(0, np.ones(2, dtype=bool), 24.0)
    middle = 0.5 * (m.ukraine.signing_bounds(before) + m.russia.signing_bounds(before))
    np.testing.assert_allclose(captured["text"][:, 0], middle[:, 0])
    np.testing.assert_array_equal(captured["text"][:, 1:], before[:, 1:])
    np.testing.assert_array_equal(m.united_states.text, before)  # the mediator's own text is not touched
    assert captured["track"] == "bilateral"


# --- what the model reports ---------------------------------------------------------------------


def test_the_outcome_table_reports_each_sides_own_state_and_ages_agreements_to_the_horizon():
    m = signed(replicates=5, seed=2, keep=0, clock__horizon_days=8).run()
    out = m.outcomes()
    ru, ua, us = m.russia, m.ukraine, m.united_states
    pairs = {
        "civilian_harm_ukraine": m.harm["ukraine"], "civilian_harm_russia": m.harm["russia"],
        "strikes_russia": ru.strike_days, "strikes_ukraine": ua.strike_days,
        "accusations_by_russia": ru.accusations, "accusations_by_ukraine": ua.accusations,
        "truce_accusations_by_russia": ru.truce_accusations, "truce_accusations_by_ukraine": ua.truce_accusations,
        "trust_russia": ru.trust, "trust_ukraine": ua.trust, "collapses": m.collapses,
        "day_first_truce": m.first_truce_day, "day_first_agreement": m.first_agreement_day,
        "day_walk_away": us.walk_day, "day_collapse": m.first_collapse_day, "truce_hours_held": m.first_truce_hours,
        "deadline_extensions": us.extensions, "mediator_step_backs": us.step_backs, "mediator_returns": us.returns,
    }
    for column, values in pairs.items():
        np.testing.assert_array_equal(out[column].to_numpy(), values, err_msg=column)
    assert (out["civilian_harm_ukraine"] != out["civilian_harm_russia"]).all()
    in_force = m.agreement > 0
    assert in_force.any()
    np.testing.assert_allclose(out["days_in_force"][in_force], 8.0 - m.agreement_since[in_force] / 24)
    assert out["days_in_force"][~in_force].isna().all()
    for i, issue in enumerate(ISSUES):
        np.testing.assert_array_equal(out[f"terms_{issue}"], m.terms[:, i])
        np.testing.assert_array_equal(out[f"text_{issue}"], us.text[:, i])
    np.testing.assert_array_equal(out["replicate"], m.replicate_ids)
    for column in ("collapses", "deadline_extensions", "mediator_step_backs", "mediator_returns", "accusations_by_russia"):
        assert out[column].dtype.kind == "i", column  # counts are whole numbers in outcomes.csv
    assert list(out["collapse_reason"]) == list(m.collapse_reason) and list(out["collapsed_by"]) == list(m.collapsed_by)
    assert list(out["outcome"].cat.categories) == list(OUTCOMES)
    held = in_force & (8.0 - m.agreement_since / 24 >= 7)
    assert set(out.loc[held, "outcome"].astype(str)) <= {"ceasefire_holding", "settlement", "partial_ceasefire"}


def test_the_timeline_records_each_step_of_the_kept_replicates_with_each_sides_own_values():
    m = CeasefireModel("baseline", seed=4, replicates=5, keep_timelines=3, **ASYMMETRIC)  # keep the first three
    rows_per_step = []
    for _ in range(14):
        m.step()
        k = m.tick - 1
        rows_per_step.append(
            {
                "hours": m.dt_hours, "day": m.clock.edges[k] / 24,
                "fire_russia_civilian": m.russia.fire[:3, 1].copy(), "fire_ukraine_military": m.ukraine.fire[:3, 0].copy(),
                "grievance_russia": m.russia.grievance[:3].copy(), "trust_ukraine": m.ukraine.trust[:3].copy(),
                "tolerance_russia": m.russia.tolerance_now()[:3].copy(), "progress": m.united_states.progress[:3].copy(),
                "battle_balance": m.balance[:3].copy(), "position_ukraine_territory": m.ukraine.position[:3, 2].copy(),
                "text_neutrality": m.united_states.text[:3, 3].copy(),
                "accusations_russia": m.russia.accusations[:3].copy(),
                "days_to_deadline": (m.united_states.deadline_at[:3] - m.clock.edges[k + 1]) / 24,
            }
        )
    tl = m.timeline()
    assert len(tl) == 3 * 14 and list(tl["replicate"].unique()) == [0, 1, 2]
    for k, expected in enumerate(rows_per_step):
        step = tl[tl["tick"] == k].sort_values("replicate")
        assert (step["hours"] == expected["hours"]).all() and (step["day"] == expected["day"]).all()
        for column in expected:
            if column in ("hours", "day", "accusations_russia"):
                continue
            np.testing.assert_allclose(step[column].to_numpy(), expected[column], err_msg=column)
    # Accusations are recorded per step, as whole numbers: they add up to the running total.
    assert tl["accusations_russia"].dtype.kind == "i" and tl["accusations_ukraine"].dtype.kind == "i"
    total = tl.groupby("replicate")["accusations_russia"].sum().to_numpy()
    np.testing.assert_array_equal(total, rows_per_step[-1]["accusations_russia"])
    gap = neg.gaps(m.ukraine.signing_bounds(m.united_states.text), m.russia.signing_bounds(m.united_states.text))
    np.testing.assert_allclose(tl[tl["tick"] == 13].sort_values("replicate")["gap"], gap[:3].sum(axis=1))


def test_the_event_log_stamps_step_starts_step_ends_and_given_hours_to_the_second():
    m = model(replicates=3, **NOISELESS)
    for _ in range(5):
        m.step()
    log = m.log
    log._rows.clear()
    log.add(4, "a", "russia")
    log.add(4, "b", "ukraine", mask=np.array([False, True, True]), detail=np.array(["x", "y", "z"], dtype=object), at_end=True)
    log.add(4, "c", lambda rows: [f"side{r}" for r in rows], at_hours=np.array([1.0, 2.0004, 3.5]))
    ev = m.events()
    start, end = m.time_of(4).isoformat(timespec="seconds"), m.time_of(5).isoformat(timespec="seconds")
    assert list(ev.loc[ev["kind"] == "a", "time"]) == [start] * 3
    assert list(ev.loc[ev["kind"] == "b", "replicate"]) == [1, 2]
    assert list(ev.loc[ev["kind"] == "b", "detail"]) == ["y", "z"] and set(ev.loc[ev["kind"] == "b", "time"]) == {end}
    c = ev[ev["kind"] == "c"]
    assert list(c["actor"]) == ["side0", "side1", "side2"]
    assert [t[11:19] for t in c["time"]] == ["01:00:00", "02:00:01", "03:30:00"]  # 2.0004 h is 2 h 0 min 1.44 s
    assert ev.columns.tolist() == ["replicate", "tick", "time", "actor", "kind", "detail"]
    assert ev["replicate"].is_monotonic_increasing
    # Within a replicate, rows keep the order in which they were logged at the same time.
    assert list(ev.loc[ev["replicate"] == 0, "kind"]) == ["c", "a"]


def test_a_model_keeping_no_timelines_logs_nothing():
    m = CeasefireModel("baseline", replicates=3, keep_timelines=0, **NOISELESS)
    m.log.add(0, "a", "russia")
    assert m.events().empty and m.log._rows == []


def test_accusations_and_answers_are_logged_in_words_with_their_counts():
    m = signed(
        replicates=30,
        seed=3,
        keep=30,
        actors__russia__incidents_per_day=12.0,
        actors__ukraine__incidents_per_day=12.0,
        actors__russia__commitment__tolerance=1e6,
        actors__ukraine__commitment__tolerance=1e6,
        actors__europe__monitoring=0.8,
        clock__horizon_days=7,
    ).run()
    ev = m.events()
    seen = ev[ev["kind"] == "accusation"]["detail"]
    counts = seen.str.extract(r"^(\d+) violation(s?) seen")
    assert counts[0].notna().all()
    n = counts[0].astype(int)
    assert (n >= 1).all() and ((n > 1) == (counts[1] == "s")).all() and (n == 1).any() and (n > 1).any()
    cleared = seen.str.extract(r", (\d+) cleared up by the monitor$")[0].dropna().astype(int)
    assert len(cleared) > 0 and (cleared >= 1).all()
    assert set(ev.loc[ev["kind"] == "answer", "actor"]) == {"russia", "ukraine"}
    answers = ev[ev["kind"] == "answer"]["detail"].str.extract(r"^(\d+) local answer(s?) in defence$")
    assert answers[0].notna().all() and ((answers[0].astype(int) > 1) == (answers[1] == "s")).all()
    violations = ev[ev["kind"] == "violation"]["detail"]
    assert violations.str.fullmatch(r"(\d+ unordered incidents?)?(, )?(\d+ local answers?)?").all()
    incidents = violations.str.extract(r"^(\d+) unordered incident(s?)").dropna()
    assert ((incidents[0].astype(int) > 1) == (incidents[1] == "s")).all()
    # The log's counts add up to the totals of the outcome table.
    per_side = ev[ev["kind"] == "accusation"].assign(n=n).groupby("actor")["n"].sum()
    assert per_side["russia"] == m.russia.accusations.sum() and per_side["ukraine"] == m.ukraine.accusations.sum()


def test_a_side_that_quits_at_its_first_violation_keeps_one_accusation_plus_those_before_the_collapse():
    """Accusations that fall after a collapse within its step are withdrawn. Russia holds a truce
    Ukraine fights on, sees n ~ Poisson(6) strikes in the 6-hour step from Saturday 18:00 and quits
    at the first: it keeps that one plus each of the n - 1 others with the share of the step before
    the collapse, whose mean is 1 / (n + 1) (the first of n uniform times): 1 + (n - 1) / (n + 1)."""
    m = CeasefireModel(
        "baseline",
        seed=6,
        replicates=400,
        keep_timelines=0,
        negotiation__enabled=False,
        actors__ukraine__response__join_truce=0.0,
        actors__russia__commitment__tolerance=0.5,
        actors__russia__response__forgiveness=1.0,
        military__strike_events_per_hour=2.0,  # Ukraine fights at 0.5: one strike an hour
        **NOISELESS,
    )
    while m.clock.edges[m.tick] < 72.0:
        m.step()
    quit_ = ~m.truce_on
    assert quit_.mean() > 0.99
    kept = m.russia.truce_accusations[quit_]
    assert (kept >= 1).all()
    n = np.arange(1, 60)
    p_n = stats.poisson.pmf(n, 6.0) / stats.poisson.sf(0, 6.0)
    expected = (p_n * (1 + (n - 1) / (n + 1))).sum()
    assert abs(kept.mean() - expected) < 4 * kept.std(ddof=1) / np.sqrt(kept.size), (kept.mean(), expected)
    np.testing.assert_array_equal(m.russia.accusations, m.russia.truce_accusations)
    assert (m.ukraine.accusations == 0).all()
    # The mediator hears the accusations that stand: those withdrawn are not heard.
    np.testing.assert_array_equal(m.united_states.heard, m.russia.accusations)


def test_the_timeline_dates_each_row_by_its_step_in_the_third_column():
    m = CeasefireModel("baseline", replicates=2, keep_timelines=2, clock__horizon_days=7).run()
    tl = m.timeline()
    assert tl.columns[2] == "time"
    assert list(tl["time"]) == [m.time_of(int(t)).isoformat() for t in tl["tick"]]
    assert CeasefireModel("baseline", replicates=2, keep_timelines=0).timeline().empty


def test_each_proposal_is_logged_with_the_texts_value_on_every_issue_to_two_decimals():
    m = model(replicates=3, seed=2, clock__horizon_days=7, **NOISELESS).run()
    proposals = m.events()[lambda e: e["kind"] == "proposal"]
    assert len(proposals) >= 3 * 3  # Paris, then every other day
    assert set(proposals["actor"]) == {"united_states"}
    hours = [(dt.datetime.fromisoformat(t) - BASELINE_START) / dt.timedelta(hours=1) for t in proposals["time"]]
    assert set(hours) <= {12.0, 156.0} | {48.0 * k for k in range(1, 4)}  # the meetings at noon, then every 2 days
    assert 48.0 in hours and 96.0 in hours
    for rid, rows in proposals.groupby("replicate"):
        last = rows["detail"].iloc[-1].split(", ")
        assert [part.split(" ")[0] for part in last] == list(ISSUES)
        np.testing.assert_allclose([float(part.split(" ")[1]) for part in last], m.united_states.text[rid], atol=0.005)


def test_a_released_model_lets_mesa_forget_it_and_may_be_released_twice():
    import mesa

    m = CeasefireModel("baseline", replicates=1, keep_timelines=0)
    assert m in mesa.Agent._ids
    m.release()
    assert m not in mesa.Agent._ids and len(m.agents) == 0
    m.release()


# --- per-replicate values that are refused, in one message each ----------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"actors__ukraine__no_such": np.zeros(3)},
            "overrides: actors.ukraine.no_such: found unknown key path 'actors.ukraine.no_such'; allowed: a key path of the scenario",
        ),
        (
            {"clock__horizon_days": np.full(3, 30.0)},
            "overrides: clock.horizon_days: found an array; allowed: a single value here "
            "(only number fields outside clock may vary by replicate)",
        ),
        (
            {"actors__ukraine__response__forgiveness": np.array(["a", "b", "c"])},
            "overrides: actors.ukraine.response.forgiveness: found ndarray of non-numbers; allowed: a number from 0 to 1",
        ),
        (
            {"actors__ukraine__response__forgiveness": np.zeros(2)},
            "overrides: actors.ukraine.response.forgiveness: found an array of 2 values; "
            "allowed: one value per replicate: an array of 3 numbers",
        ),
        (
            {"actors__ukraine__response__forgiveness": np.zeros((3, 1))},
            "overrides: actors.ukraine.response.forgiveness: found an array of shape (3, 1); "
            "allowed: one value per replicate: an array of 3 numbers",
        ),
        (
            {"actors__ukraine__response__forgiveness": np.array([0.1, np.nan, 0.2])},
            "overrides: actors.ukraine.response.forgiveness[1]: found nan; allowed: a number from 0 to 1",
        ),
        (
            {"actors__ukraine__response__forgiveness": np.array([0.1, 0.2, -0.5])},
            "overrides: actors.ukraine.response.forgiveness[2]: found -0.5; allowed: a number from 0 to 1",
        ),
    ],
)
def test_a_bad_per_replicate_value_is_refused_with_a_message_naming_where_what_and_what_is_allowed(overrides, message):
    from sim import ScenarioError

    with pytest.raises(ScenarioError) as error:
        CeasefireModel("baseline", replicates=3, keep_timelines=0, **overrides)
    assert str(error.value) == message


def test_the_parameter_table_has_a_replicate_column_then_one_column_per_varying_key_path():
    m = CeasefireModel(
        "baseline", replicates=[4, 9], keep_timelines=0, actors__ukraine__response__forgiveness=np.array([0.2, 0.4])
    )
    table = m.parameters()
    assert table.columns[0] == "replicate" and list(table["replicate"]) == [4, 9]
    assert list(table.columns[1:]) == sorted(table.columns[1:])
    assert list(table["actors.ukraine.response.forgiveness"]) == [0.2, 0.4]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"seed": -1}, "seed: seed: found -1; allowed: a whole number >= 0 and < 2**64"),
        ({"seed": 2**64}, "seed: seed: found 18446744073709551616; allowed: a whole number >= 0 and < 2**64"),
        (
            {"actors__ukraine__response__forgiveness": 2.0},
            "overrides: actors.ukraine.response.forgiveness: found 2.0; allowed: a number from 0 to 1",
        ),
    ],
)
def test_a_bad_seed_or_scalar_override_is_refused_naming_its_source(arguments, message):
    from sim import ScenarioError

    with pytest.raises(ScenarioError) as error:
        CeasefireModel("baseline", replicates=2, keep_timelines=0, **arguments)
    assert str(error.value) == message


def test_the_datacollector_reports_shares_of_replicates_and_mean_total_fire_after_every_step():
    m = model(replicates=4, seed=2)
    for _ in range(16):
        m.step()
        row = m.datacollector.get_model_vars_dataframe().iloc[-1]
        assert row["truce_in_force"] == m.truce_on.mean()
        assert row["agreement_in_force"] == (m.agreement > 0).mean()
        assert row["mediator_engaged"] == m.united_states.engaged.mean()
        assert row["russian_fire"] == pytest.approx(m.russia.fire.sum(axis=1).mean())
        assert row["ukrainian_fire"] == pytest.approx(m.ukraine.fire.sum(axis=1).mean())
        assert row["accusations"] == pytest.approx((m.russia.accusations + m.ukraine.accusations).mean())
    assert len(m.datacollector.get_model_vars_dataframe()) == 17
    assert m.tick_hours == 6 and m.n_ticks == m.clock.n_steps


def test_a_truce_that_ends_between_steps_cuts_the_step_there_and_holds_its_exact_hours(write_scenario):
    path = write_scenario(QUIET_TRUCE.format(p=0.0).replace("hours = 30", "hours = 31"))
    m = CeasefireModel(path, replicates=2, keep_timelines=0).run()
    assert 97.0 in m.clock.edges and 66.0 in m.clock.edges
    np.testing.assert_array_equal(m.first_truce_hours, 31.0)
    np.testing.assert_array_equal(m.russia.resume_at, 97.0)


def test_the_event_log_tells_the_calendar_as_it_happens():
    m = CeasefireModel(
        "bilateral_track", replicates=2, keep_timelines=2, actors__ukraine__response__join_truce=1.0,
        actors__ukraine__bilateral_acceptance=1.0, clock__horizon_days=7, **NOISELESS,
    ).run()
    ev = m.events()
    first = ev.groupby("kind").first()
    assert first.loc["meeting", "detail"] == "Paris" and first.loc["meeting", "actor"] == "united_states"
    assert first.loc["meeting", "time"] == "2025-04-17T12:00:00+03:00"
    statement = first.loc["statement"]
    assert statement["actor"] == "united_states" and statement["detail"].startswith("warns it may walk away")
    assert first.loc["truce_declared", "detail"] == "30 hours" and first.loc["truce_declared", "actor"] == "russia"
    assert first.loc["truce_joined", "actor"] == "ukraine" and first.loc["truce_joined", "detail"] == "ceasefire met with ceasefire"
    assert (ev["kind"] == "truce_joined").sum() == 2 and not (ev["kind"] == "truce_not_joined").any()
    offer = first.loc["bilateral_offer"]
    assert offer["actor"] == "russia" and offer["detail"] == "civilian_moratorium" and offer["time"] == "2025-04-21T12:00:00+03:00"
    assert first.loc["bilateral_accepted", "actor"] == "ukraine" and (ev["kind"] == "bilateral_accepted").sum() == 2
    assert not (ev["kind"] == "bilateral_declined").any()
    assert m.bilateral_open.all()
    np.testing.assert_array_equal(m.bilateral_issues, [True, False, False, False, False, False])
    offer_hours = 4 * 24 + 12.0
    rounds = int((m.clock.horizon_hours - 1e-9 - offer_hours) // 24)  # daily, strictly before the horizon
    np.testing.assert_array_equal(m.next_bilateral, offer_hours + 24.0 * (rounds + 1))


def test_a_declined_direct_offer_opens_no_direct_talks():
    m = CeasefireModel(
        "bilateral_track", replicates=3, keep_timelines=3, actors__ukraine__bilateral_acceptance=0.0,
        clock__horizon_days=10, **NOISELESS,
    ).run()
    ev = m.events()
    assert (ev["kind"] == "bilateral_declined").sum() == 3 and not (ev["kind"] == "bilateral_accepted").any()
    assert not m.bilateral_open.any() and np.isinf(m.next_bilateral).all()
    assert not ((ev["kind"] == "agreement") & (ev["actor"] == "bilateral")).any()


def test_violations_are_logged_as_the_truth_incidents_and_answers_of_a_side_bound_to_hold_fire():
    """A bound side never orders fire (its intended fire is zero): its violations are its unordered
    incidents and its local answers, each logged in the step it fires them, while it is bound."""
    m = CeasefireModel(
        "baseline", seed=3, replicates=20, keep_timelines=20, negotiation__enabled=False,
        actors__ukraine__response__join_truce=1.0, actors__russia__commitment__tolerance=1e6,
        actors__ukraine__commitment__tolerance=1e6, actors__ukraine__incidents_per_day=0.0,
        actors__russia__incidents_per_day=6.0, actors__ukraine__response__forgiveness=0.0,
        actors__ukraine__perception__miss=0.0, actors__ukraine__perception__false_alarms_per_day=0.0,
        actors__russia__perception__false_alarms_per_day=0.0,
    ).run()
    ev = m.events()
    truce = ev["time"].between("2025-04-19T18:00:00+03:00", "2025-04-20T23:59:59+03:00")
    assert ev.loc[ev["kind"] == "violation", "time"].min() == "2025-04-19T18:00:00+03:00"  # not before the truce
    by_russia = ev[(ev["kind"] == "violation") & (ev["actor"] == "russia") & truce]["detail"]
    by_ukraine = ev[(ev["kind"] == "violation") & (ev["actor"] == "ukraine") & truce]["detail"]
    assert by_russia.str.fullmatch(r"\d+ unordered incidents?(, \d+ local answers?)?|\d+ local answers?").all()
    assert (by_russia == "1 unordered incident").any() and by_russia.str.contains("incidents").any()
    assert len(by_ukraine) > 0 and by_ukraine.str.fullmatch(r"\d+ local answers?").all()
    logged = by_ukraine.str.extract(r"^(\d+)")[0].astype(int).sum()
    assert logged <= m.ukraine.answers.sum()


def test_false_alarms_come_at_each_sides_own_rate_in_each_class_it_holds_less_what_a_monitor_removes():
    """Under a ceasefire signed at 12:00 on day 0, with no incidents and no answers, each side's
    accusations are false alarms only: Poisson with mean rate x 2 classes x days held x (1 - monitoring)."""
    m = signed(
        replicates=300,
        seed=8,
        keep=0,
        clock__horizon_days=7,
        actors__russia__perception__false_alarms_per_day=2.0,
        actors__ukraine__perception__false_alarms_per_day=0.5,
        actors__europe__monitoring=0.25,
        actors__russia__commitment__tolerance=1e6,
        actors__ukraine__commitment__tolerance=1e6,
        actors__russia__incidents_per_day=0.0,
        actors__ukraine__incidents_per_day=0.0,
        actors__russia__response__forgiveness=1.0,
        actors__ukraine__response__forgiveness=1.0,
    ).run()
    assert (m.agreement == neg.CEASEFIRE_DEAL).all()
    days_held = 7 - 0.5
    for side, rate in ((m.russia, 2.0), (m.ukraine, 0.5)):
        mean = rate * 2 * days_held * (1 - 0.25)
        seen = side.accusations
        assert abs(seen.mean() - mean) < 4 * np.sqrt(mean / seen.size), (side.side, seen.mean(), mean)


def test_an_abandonment_is_logged_at_its_hour_by_the_side_that_quit_with_its_count_against_its_tolerance():
    m = CeasefireModel(
        "baseline", seed=6, replicates=20, keep_timelines=20, negotiation__enabled=False,
        actors__ukraine__response__join_truce=0.0, actors__russia__commitment__tolerance=0.5,
        actors__russia__response__forgiveness=1.0, military__strike_events_per_hour=2.0, **NOISELESS,
    )
    while m.clock.edges[m.tick] < 72.0:
        m.step()
    ev = m.events()
    abandoned = ev[ev["kind"] == "abandoned"]
    collapsed = ev[ev["kind"] == "truce_collapsed"]
    assert len(abandoned) == len(collapsed) == 20
    assert set(abandoned["actor"]) == {"russia"} and set(collapsed["actor"]) == {"russia"}
    assert set(collapsed["detail"]) == {"violations"}
    assert abandoned["detail"].str.fullmatch(r"russia: \d+\.\d recent violations counted, more than it tolerates \(0\.5\)").all()
    hours = 66.0 + m.first_truce_hours
    expected = [m.clock.time_of(round(h * 3600) / 3600).isoformat(timespec="seconds") for h in hours]
    assert list(abandoned.sort_values("replicate")["time"]) == expected
    assert set(abandoned["tick"]) == set(collapsed["tick"]) == {int(m.clock.step_at(66.0))}
    assert ((m.first_truce_hours > 0) & (m.first_truce_hours < 6)).all()


def test_agreed_terms_on_a_sides_bound_are_still_inside_it():
    m = signed(**NOISELESS)
    for _ in range(3):
        m.step()
    terms = m.terms[:, neg.CEASEFIRE]
    m.ukraine.position[:, neg.CEASEFIRE] = terms
    m.russia.position[:, neg.CEASEFIRE] = terms
    start, end = float(m.clock.edges[m.tick]), float(m.clock.edges[m.tick + 1])
    m._abandon_for_value(m.tick, start, end)
    np.testing.assert_array_equal(m.agreement, neg.CEASEFIRE_DEAL)


def test_days_in_force_count_from_signing_to_the_horizon_for_every_level_of_agreement():
    m = model(replicates=4, clock__horizon_days=10)
    m.agreement[:] = [neg.PARTIAL, neg.CEASEFIRE_DEAL, neg.SETTLEMENT, neg.NONE]
    m.agreement_since[:] = [24.0, 48.0, 200.0, np.nan]
    out = m.outcomes()
    np.testing.assert_allclose(out["days_in_force"], [9.0, 8.0, 10 - 200 / 24, np.nan])
    assert list(out["outcome"].astype(str)) == ["partial_ceasefire", "ceasefire_holding", "recent_agreement", "no_agreement"]


def test_local_answers_fall_one_lag_after_the_violation_in_this_step_or_the_next():
    """Under a ceasefire signed at 12:00, Ukraine sees every Russian incident (one an hour, at a
    uniform time in its step) and answers each one 6 hours later. In the 12-hour step from 12:00
    it fires the answers to incidents seen before 18:00: 12 x 1/2 = 6 on average; in the next
    step, 12 hours to the statement at noon, the 6 left over plus the answers to the 6 seen before 06:00."""
    m = signed(
        replicates=300,
        seed=11,
        keep=0,
        clock__tick_hours=24,
        actors__russia__incidents_per_day=24.0,
        actors__ukraine__incidents_per_day=0.0,
        actors__ukraine__response__answer_lag_hours=6.0,
        actors__ukraine__response__forgiveness=0.0,
        actors__russia__response__forgiveness=1.0,
        actors__ukraine__perception__miss=0.0,
        actors__ukraine__perception__false_alarms_per_day=0.0,
        actors__russia__perception__false_alarms_per_day=0.0,
        actors__russia__commitment__tolerance=1e6,
        actors__ukraine__commitment__tolerance=1e6,
    )
    m.step()  # [0, 12): nothing binds yet
    fired = []
    for _ in range(2):  # [12, 24) and [24, 36)
        m.step()
        fired.append(m.ukraine.local.copy())
    assert (m.agreement == neg.CEASEFIRE_DEAL).all()
    for got, mean in zip(fired, (6.0, 12.0), strict=True):
        assert abs(got.mean() - mean) < 4 * np.sqrt(mean / got.size) + 0.05 * mean, (got.mean(), mean)


TWO_TRUCES = """
extends = "baseline"
name = "two_truces"

[clock]
horizon_days = 6

[negotiation]
enabled = false

[actors.russia]
incidents_per_day = 0.0
[actors.russia.commitment]
tolerance = 0.5
[actors.russia.perception]
false_alarms_per_day = 0.0
miss = 0.0

[actors.ukraine]
incidents_per_day = 0.0
[actors.ukraine.response]
join_truce = 0.0
[actors.ukraine.perception]
false_alarms_per_day = 0.0
miss = 0.0

[[events]]
kind = "truce"
at = 2025-04-19T18:00:00+03:00
actor = "russia"
hours = 100
extension_probability = 0.0

[[events]]
kind = "truce"
at = 2025-04-20T18:00:00+03:00
actor = "russia"
hours = 6
extension_probability = 0.0
"""


def test_a_truce_declared_after_one_collapsed_runs_its_own_hours(write_scenario):
    """Russia abandons its 100-hour truce at the first strike it sees (Ukraine fights on); a new
    6-hour truce a day later ends after its own 6 hours, not at the end of the abandoned one."""
    m = CeasefireModel(write_scenario(TWO_TRUCES), replicates=3, keep_timelines=0)
    while m.clock.edges[m.tick] < 90.0:
        m.step()
    assert not m.truce_on.any()  # the first truce collapsed
    m.step()  # declared at 90 (and abandoned again within the step: Ukraine still fights)
    np.testing.assert_array_equal(m.truce_start, 90.0)
    np.testing.assert_array_equal(m.truce_end, 96.0)
    assert (m.first_truce_hours < 24).all()  # the first truce's hours, kept


@pytest.mark.parametrize(("hours", "logged_at"), [(12, [96, 108, 120, 132, 144]), (13, [96, 114, 126, 138])])
def test_a_truce_extended_off_the_step_grid_is_extended_again_in_the_step_where_its_term_ends(hours, logged_at, write_scenario):
    path = write_scenario(QUIET_TRUCE.format(p=1.0).replace("extension_hours = 12", f"extension_hours = {hours}"))
    m = CeasefireModel(path, replicates=1, keep_timelines=1).run()
    extended = m.events()[lambda e: e["kind"] == "truce_extended"]
    assert list(extended["time"]) == [m.clock.time_of(h).isoformat(timespec="seconds") for h in logged_at]


def test_guarantees_deter_russia_under_every_level_of_agreement_and_not_without_one():
    m = model(replicates=4, actors__europe__guarantee_capacity=0.5, actors__europe__deterrence=2.0,
              actors__russia__commitment__tolerance=4.0)
    m.agreement[:] = [neg.NONE, neg.PARTIAL, neg.CEASEFIRE_DEAL, neg.SETTLEMENT]
    np.testing.assert_allclose(m.russia.tolerance_now(), [4.0, 8.0, 8.0, 8.0])


def test_the_timeline_shows_agreements_by_name_engagement_and_days_to_a_pending_deadline_only():
    m = CeasefireModel(
        "baseline", seed=1, replicates=3, keep_timelines=3, clock__horizon_days=7, **NOISELESS,
        **{k: v for k, v in SIGNED_AT_PARIS.items() if k != "actors__united_states__deadline_days"},
        actors__united_states__deadline_days=2.0, actors__united_states__required_progress=1.0,
        actors__united_states__extension_probability=0.0, actors__united_states__return_per_day=0.0,
    )
    m.united_states.progress[:] = 0.0
    rows = []
    for _ in range(12):
        m.step()
        us = m.united_states
        rows.append((m.agreement_during.copy(), us.engaged.copy(), us.deadline_met.copy(), us.deadline_at.copy(), m.tick))
    tl = m.timeline()
    for agreement, engaged, met, deadline_at, tick in rows:
        step = tl[tl["tick"] == tick - 1].sort_values("replicate")
        assert list(step["agreement"]) == [neg.LEVEL_NAMES[a] for a in agreement]
        assert list(step["mediator_engaged"]) == list(engaged)
        pending = engaged & ~met
        left = (deadline_at - m.clock.edges[tick]) / 24
        np.testing.assert_allclose(step["days_to_deadline"], np.where(pending, left, np.nan))
    assert (tl["agreement"] == "ceasefire").any() and not tl["mediator_engaged"].all() and tl["days_to_deadline"].notna().any()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"actors__ukraine__limit__territory": np.array([0.5, 0.0, -0.0])},  # opening 0: a limit may equal it
            None,
        ),
        (
            {"actors__ukraine__opening__sequencing": np.array([0.0, 0.6, 0.0]), "actors__ukraine__limit__sequencing": 0.5},
            "overrides: actors.ukraine.limit.sequencing[1]: found a limit past the opening; allowed: at least the opening position",
        ),
        (
            {"actors__russia__limit__territory": np.array([0.9, 1.0, 0.95]), "actors__russia__opening__territory": 0.95},
            "overrides: actors.russia.limit.territory[1]: found a limit past the opening; allowed: at most the opening position",
        ),
        (
            {"actors__russia__limit__guarantees": np.array([0.5, 1.0, 1.0])},  # opening 1: equal is allowed
            None,
        ),
        (  # both vary; the first replicate's limit equals its opening, the second lies past it
            {"actors__ukraine__opening__territory": np.array([0.5, 0.6, 0.0]), "actors__ukraine__limit__territory": np.array([0.5, 0.5, 0.5])},
            "overrides: actors.ukraine.limit.territory[1]: found a limit past the opening; allowed: at least the opening position",
        ),
        (  # every other limit fixed: the check still reaches the last issue
            {**{f"actors__ukraine__limit__{i}": 0.5 for i in ISSUES[:-1]}, "actors__ukraine__opening__sequencing": 0.2,
             "actors__ukraine__limit__sequencing": np.array([0.3, 0.1, 0.3])},
            "overrides: actors.ukraine.limit.sequencing[1]: found a limit past the opening; allowed: at least the opening position",
        ),
    ],
)
def test_a_per_replicate_limit_must_not_lie_past_the_opening_on_the_other_sides_side(overrides, message):
    from sim import ScenarioError

    if message is None:
        CeasefireModel("baseline", replicates=3, keep_timelines=0, **overrides)
        return
    with pytest.raises(ScenarioError) as error:
        CeasefireModel("baseline", replicates=3, keep_timelines=0, **overrides)
    assert str(error.value) == message


@pytest.mark.parametrize("key", ["incident_rate", "lag_ticks"])
def test_an_array_under_a_retired_key_is_refused_naming_its_successor(key):
    from sim import ScenarioError
    from sim.scenario.schema import RETIRED

    with pytest.raises(ScenarioError) as error:
        CeasefireModel("baseline", replicates=2, keep_timelines=0, **{f"actors__russia__{key}": np.ones(2)})
    assert str(error.value) == f"overrides: actors.russia.{key}: found the retired key {key!r}; allowed: use {RETIRED[key]}"


def test_every_answer_fired_under_a_ceasefire_is_seen_logged_and_counted_once():
    """Under a ceasefire signed at 12:00, Ukraine answers each Russian incident it sees (all of
    them) 6 hours later, in the same 24-hour step or the next; Russia, which misses nothing and
    answers nothing, sees every one of those answers in the step it is fired, and the event log
    records each as a violation. The counts must agree exactly, side by side."""
    m = signed(
        replicates=40,
        seed=12,
        clock__tick_hours=24,
        clock__horizon_days=7,
        actors__russia__incidents_per_day=24.0,
        actors__ukraine__incidents_per_day=0.0,
        actors__ukraine__response__answer_lag_hours=6.0,
        actors__ukraine__response__forgiveness=0.0,
        actors__russia__response__forgiveness=1.0,
        actors__ukraine__perception__miss=0.0,
        actors__russia__perception__miss=0.0,
        actors__ukraine__perception__false_alarms_per_day=0.0,
        actors__russia__perception__false_alarms_per_day=0.0,
        actors__russia__commitment__tolerance=1e6,
        actors__ukraine__commitment__tolerance=1e6,
    )
    fired = np.zeros(40, dtype=np.int64)
    incidents_held = np.zeros(40, dtype=np.int64)
    while m.running:
        m.step()
        fired += m.ukraine.local
        incidents_held += m.russia.incidents * (m.agreement_during > 0)
        np.testing.assert_array_equal(m.russia.local, m.russia.incidents)  # Russia answers nothing
    assert fired.sum() > 1000
    np.testing.assert_array_equal(m.russia.accusations, fired)
    np.testing.assert_array_equal(m.ukraine.accusations, incidents_held)
    np.testing.assert_array_equal(m.ukraine.answers, m.ukraine.accusations)  # forgiveness 0: each one answered
    ev = m.events()
    logged = ev[(ev["kind"] == "violation") & (ev["actor"] == "ukraine")]
    counts = logged["detail"].str.extract(r"^(\d+) local answers?$")[0]
    assert counts.notna().all() and (counts.astype(int) == 1).any()
    assert (counts.astype(int) >= 1).all()  # a violation is at least one strike
    np.testing.assert_array_equal(logged.assign(n=counts.astype(int)).groupby("replicate")["n"].sum().reindex(range(40), fill_value=0), fired)


def test_a_ceasefire_expires_only_where_its_own_term_is_up():
    m = signed(negotiation__ceasefire_days=np.array([2.0, 2.0, 10.0, 2.0]), clock__horizon_days=7, **NOISELESS)
    while m.clock.edges[m.tick] < 60.0:
        m.step()
    np.testing.assert_array_equal(m.agreement, [neg.PARTIAL, neg.PARTIAL, neg.CEASEFIRE_DEAL, neg.PARTIAL])
    assert list(m.events()[lambda e: e["kind"] == "ceasefire_expired"]["replicate"]) == [0, 1, 3]


def test_a_mediator_that_returns_is_logged_with_its_progress():
    m = CeasefireModel(
        "baseline", seed=2, replicates=3, keep_timelines=3, clock__horizon_days=7, **NOISELESS,
        actors__united_states__deadline_days=1.0, actors__united_states__required_progress=1.0,
        actors__united_states__extension_probability=0.0, actors__united_states__return_per_day=50.0,
    ).run()
    ev = m.events()
    back = ev[ev["kind"] == "mediator_returned"]
    assert len(back) >= 3 and set(back["actor"]) == {"united_states"}
    assert back["detail"].str.fullmatch(r"progress \d+%").all()
    np.testing.assert_array_equal(back.groupby("replicate").size().to_numpy(), m.united_states.returns)


def test_effective_time_over_a_step_is_driven_by_the_pressure_at_its_middle_and_the_steps_war_costs():
    m = model(
        replicates=2,
        actors__russia__concession__pressure_speedup=0.8,
        actors__ukraine__concession__pressure_speedup=0.3,
        actors__united_states__deadline_urgency=2.0,
        actors__united_states__extension_probability=0.0,
        actors__united_states__deadline_days=3.0,
    )
    m.step()
    start, end = 0.0, m.clock.edges[1]
    us = m.united_states
    mid = us.pressure(0.5 * (start + end))
    assert not np.allclose(mid, us.pressure(end))  # pressure rises toward the deadline within the step
    for side, speedup in ((m.russia, 0.8), (m.ukraine, 0.3)):
        speed = 1 + speedup * mid + 0.1 * side.cost_rate
        np.testing.assert_allclose(side.tau, (end - start) / 24 * speed)
        np.testing.assert_allclose(side.pressure_felt, us.pressure(end))


def test_an_agreement_at_a_round_is_logged_at_the_hour_of_the_round():
    m = model(replicates=2, **NOISELESS)
    m.russia.position = np.zeros((2, 6))
    m.ukraine.position = np.ones((2, 6))
    m._mediated_round(5, np.ones(2, dtype=bool), 48.0)
    ev = m.events()
    stamps = set(ev.loc[ev["kind"].isin(["proposal", "agreement"]), "time"])
    assert stamps == {m.clock.time_of(48.0).isoformat(timespec="seconds")}
    assert set(ev.loc[ev["kind"] == "agreement", "tick"]) == {5}


TRUCE_TWICE = TWO_TRUCES.replace("tolerance = 0.5", "tolerance = 1e6").replace("join_truce = 0.0", "join_truce = 0.5")


def test_a_side_that_joined_a_truce_stays_bound_when_a_second_is_declared_that_it_does_not_join(write_scenario):
    m = CeasefireModel(
        write_scenario(TRUCE_TWICE), seed=3, replicates=60, keep_timelines=60,
        actors__russia__response__forgiveness=1.0, actors__ukraine__commitment__tolerance=1e6,
    )
    while m.clock.edges[m.tick] <= 90.0:
        m.step()
    ev = m.events()
    first = set(ev[(ev["kind"] == "truce_joined") & (ev["tick"] == m.clock.step_at(66.0))]["replicate"])
    second = set(ev[(ev["kind"] == "truce_joined") & (ev["tick"] == m.clock.step_at(90.0))]["replicate"])
    assert first - second  # some joined the first truce only
    np.testing.assert_array_equal(np.flatnonzero(m.truce_bound[:, 1]), sorted(first | second))
    np.testing.assert_array_equal(m.truce_end, 166.0)  # the longer term of the two runs on


def test_a_model_built_without_arguments_is_one_replicate_of_the_baseline_dated_from_its_start():
    m = CeasefireModel()
    assert m.scenario.name == "baseline" and m.n_replicates == 1 and m.seed == 0
    assert m.start == BASELINE_START == m.clock.start

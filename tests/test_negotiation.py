"""The negotiation layer: Faratin concession, bounds and utilities, the mediator, agreements."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import stats

from sim import CeasefireModel
from sim.model import negotiation as neg
from sim.scenario.schema import ISSUES

unit = st.floats(0.0, 1.0)
betas = st.floats(0.05, 20.0)
R = 6
issue_arrays = hnp.arrays(np.float64, (R, len(ISSUES)), elements=unit)

#: Overrides under which effective time is calendar time (no speed-up) and the reach of
#: concessions is exactly 1 (the value of no deal never moves from its base).
CALENDAR_TIME = {
    f"actors__{side}__{key}": 0.0
    for side in ("russia", "ukraine")
    for key in (
        "concession__pressure_speedup",
        "concession__cost_speedup",
        "reservation__battle_weight",
        "reservation__cost_weight",
        "reservation__pressure_weight",
    )
} | {"actors__ukraine__reservation__aid_weight": 0.0}


# --- Faratin et al. (1998) -------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(t=st.floats(0.0, 200.0), deadline=st.floats(0.25, 100.0), beta=betas)
def test_concession_follows_the_faratin_closed_form(t, deadline, beta):
    alpha = float(neg.faratin_alpha(np.array(t), deadline, beta))
    expected = (min(t, deadline) / deadline) ** (1.0 / beta)
    assert alpha == pytest.approx(expected, rel=1e-12, abs=1e-300)
    assert 0.0 <= alpha <= 1.0


@pytest.mark.parametrize(
    ("beta", "closed_form"),
    [(1.0, lambda x: x), (0.5, lambda x: x**2), (2.0, np.sqrt), (0.25, lambda x: x**4), (3.0, np.cbrt)],
)
def test_concession_special_cases_linear_quadratic_and_root(beta, closed_form):
    deadline = 40.0
    t = np.linspace(0.0, deadline, 81)
    np.testing.assert_allclose(neg.faratin_alpha(t, deadline, beta), closed_form(t / deadline), rtol=1e-12, atol=1e-15)


@settings(max_examples=60, deadline=None)
@given(deadline=st.floats(0.25, 100.0), beta=betas, k=unit)
def test_concession_starts_at_k_reaches_one_at_the_deadline_and_never_goes_back(deadline, beta, k):
    t = np.linspace(0.0, 2 * deadline, 101)
    alpha = neg.faratin_alpha(t, deadline, beta, k)
    assert alpha[0] == pytest.approx(k)
    assert alpha[50] == pytest.approx(1.0) and np.allclose(alpha[50:], 1.0)
    assert (np.diff(alpha) >= -1e-12).all()


@settings(max_examples=60, deadline=None)
@given(share=st.floats(0.01, 0.99), boulware=st.floats(0.05, 0.95), conceder=st.floats(1.05, 20.0))
def test_boulware_concedes_less_than_linear_which_concedes_less_than_conceder(share, boulware, conceder):
    deadline = 30.0
    t = np.array(share * deadline)
    b, lin, c = (float(neg.faratin_alpha(t, deadline, beta)) for beta in (boulware, 1.0, conceder))
    assert b < lin < c


@settings(max_examples=60, deadline=None)
@given(
    opening=issue_arrays,
    limit=issue_arrays,
    alpha=hnp.arrays(np.float64, R, elements=unit),
    reach=hnp.arrays(np.float64, R, elements=st.floats(0.0, 3.0)),
)
def test_positions_stay_in_the_unit_interval_and_start_at_the_opening(opening, limit, alpha, reach):
    pos = neg.positions(opening, limit, alpha, reach)
    assert ((pos >= 0) & (pos <= 1)).all()
    np.testing.assert_allclose(neg.positions(opening, limit, np.zeros(R), reach), opening)
    np.testing.assert_allclose(neg.positions(opening, limit, np.ones(R), np.ones(R)), limit, atol=1e-12)


def _elapsed_days(tl) -> np.ndarray:
    """Calendar days at the end of each recorded step (positions are restated then)."""
    return tl["day"].to_numpy() + tl["hours"].to_numpy() / 24


def _issue_values(model, side: str, table: str) -> np.ndarray:
    """(R, 6) a table of issues per replicate: fixed numbers or the drawn priors (parameters())."""
    drawn = model.parameters()
    columns = []
    for issue in ISSUES:
        path = f"actors.{side}.{table}.{issue}"
        value = drawn[path].to_numpy() if path in drawn else np.full(model.n_replicates, model.scenario.get(path))
        columns.append(value)
    return np.column_stack(columns)


@pytest.mark.parametrize(("beta_russia", "beta_ukraine"), [(0.5, 2.0), (1.0, 1.0), (3.0, 0.3)])
def test_positions_in_a_run_follow_the_faratin_curve_in_calendar_time(beta_russia, beta_ukraine):
    deadline = 20.0  # inside the 30-day horizon: positions must rest at the limit afterwards
    model = CeasefireModel(
        "baseline",
        seed=2,
        replicates=3,
        keep_timelines=3,
        actors__russia__concession__beta=beta_russia,
        actors__ukraine__concession__beta=beta_ukraine,
        actors__russia__concession__deadline_days=deadline,
        actors__ukraine__concession__deadline_days=deadline,
        **CALENDAR_TIME,
    ).run()
    tl = model.timeline()
    elapsed = _elapsed_days(tl)
    rows = tl["replicate"].to_numpy()
    for side, beta in (("russia", beta_russia), ("ukraine", beta_ukraine)):
        opening = _issue_values(model, side, "opening")[rows]
        limit = _issue_values(model, side, "limit")[rows]
        alpha = (np.minimum(elapsed, deadline) / deadline) ** (1 / beta)
        expected = opening + alpha[:, None] * (limit - opening)
        got = tl[[f"position_{side}_{i}" for i in ISSUES]].to_numpy()
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)
        after = elapsed >= deadline
        assert after.any()
        np.testing.assert_allclose(got[after], limit[after], atol=1e-12)


@pytest.mark.slow
def test_a_prior_on_patience_gives_each_replicate_its_own_faratin_deadline():
    low, high = 10.0, 40.0
    model = CeasefireModel(
        "baseline",
        seed=4,
        replicates=400,
        keep_timelines=400,
        actors__russia__concession__deadline_days={"loguniform": [low, high]},
        actors__ukraine__concession__deadline_days=25.0,
        **CALENDAR_TIME,
    ).run()
    own = model.russia.deadline_days
    np.testing.assert_array_equal(own, model.parameters()["actors.russia.concession.deadline_days"])
    assert own.min() >= low and own.max() <= high
    # Log-uniform: log(deadline) is uniform on [log low, log high] (KS test).
    assert stats.kstest(np.log(own), stats.uniform(np.log(low), np.log(high / low)).cdf).pvalue > 1e-4
    np.testing.assert_array_equal(model.ukraine.deadline_days, 25.0)
    # Each replicate's positions follow the closed form with its own deadline.
    tl = model.timeline()
    elapsed = _elapsed_days(tl)
    rows = tl["replicate"].to_numpy()
    deadline = own[rows]
    opening = _issue_values(model, "russia", "opening")[rows]
    limit = _issue_values(model, "russia", "limit")[rows]
    beta = model.scenario.get("actors.russia.concession.beta")
    alpha = (np.minimum(elapsed, deadline) / deadline) ** (1 / beta)
    expected = opening + alpha[:, None] * (limit - opening)
    got = tl[[f"position_russia_{i}" for i in ISSUES]].to_numpy()
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)


@pytest.mark.slow
def test_a_boulware_party_holds_its_opening_longer_than_a_conceder_in_a_run():
    conceded = {}
    for beta in (0.3, 1.0, 3.0):
        model = CeasefireModel(
            "baseline", replicates=1, keep_timelines=1, actors__russia__concession__beta=beta, **CALENDAR_TIME
        ).run()
        conceded[beta] = 1.0 - model.timeline()["position_russia_territory"].to_numpy()
    interior = slice(1, 100)  # before Russia's deadline (at least 36 days) every step is interior
    assert (conceded[0.3][interior] < conceded[1.0][interior]).all()
    assert (conceded[1.0][interior] < conceded[3.0][interior]).all()


# --- bounds, utilities, the mediator's text -----------------------------------------------


@settings(max_examples=60, deadline=None)
@given(position=issue_arrays, text=issue_arrays, offset=unit, capacity=unit)
def test_ukraines_bounds_stay_in_range_and_only_neutrality_depends_on_guarantees(position, text, offset, capacity):
    bounds = neg.ukraine_bounds(position, text, offset, capacity)
    assert ((bounds >= position - 1e-12) & (bounds <= 1)).all()
    others = [i for i in range(len(ISSUES)) if i != neg.NEUTRALITY]
    np.testing.assert_array_equal(bounds[:, others], position[:, others])


@settings(max_examples=60, deadline=None)
@given(neutrality=st.floats(0.01, 0.5), offset=st.floats(0.1, 1.0), capacity=st.floats(0.1, 0.9))
def test_stronger_guarantees_make_ukraine_accept_more_neutrality(neutrality, offset, capacity):
    position = np.full((2, len(ISSUES)), neutrality)
    text = np.full((2, len(ISSUES)), 0.5)
    text[0, neg.GUARANTEES] = 1.0  # no guarantees
    text[1, neg.GUARANTEES] = 0.0  # the strongest guarantees the text can give
    weak, strong = neg.ukraine_bounds(position, text, offset, capacity)[:, neg.NEUTRALITY]
    assert weak == pytest.approx(neutrality)
    assert strong == pytest.approx(min(1.0, neutrality / (1 - offset * capacity)))
    assert strong > weak


@settings(max_examples=60, deadline=None)
@given(
    terms=issue_arrays,
    weights=hnp.arrays(np.float64, len(ISSUES), elements=st.floats(0.01, 100.0)),
    offset=unit,
    capacity=unit,
)
def test_utilities_lie_in_the_unit_interval_and_each_party_prefers_its_own_stated_position(
    terms, weights, offset, capacity
):
    u_ua = neg.utility_ukraine(terms, weights, offset, capacity)
    u_ru = neg.utility_russia(terms, weights)
    assert ((u_ua >= -1e-12) & (u_ua <= 1 + 1e-12)).all()
    assert ((u_ru >= -1e-12) & (u_ru <= 1 + 1e-12)).all()
    zeros, ones = np.zeros((1, len(ISSUES))), np.ones((1, len(ISSUES)))
    assert neg.utility_ukraine(zeros, weights, offset, capacity)[0] == pytest.approx(1.0)
    assert neg.utility_russia(ones, weights)[0] == pytest.approx(1.0)


def test_ukraines_cost_of_neutrality_falls_as_guarantees_rise():
    weights = np.zeros(len(ISSUES))
    weights[neg.NEUTRALITY] = 1.0
    terms = np.zeros((3, len(ISSUES)))
    terms[:, neg.NEUTRALITY] = 1.0
    terms[:, neg.GUARANTEES] = [1.0, 0.5, 0.0]  # none, some, strong
    u = neg.utility_ukraine(terms, weights, offset=0.6, capacity=1.0)
    assert u[0] == pytest.approx(0.0)
    assert u[0] < u[1] < u[2]
    assert u[2] == pytest.approx(0.6)


@settings(max_examples=60, deadline=None)
@given(a=issue_arrays, b=issue_arrays)
def test_the_mediators_target_is_inside_the_zone_whenever_there_is_one(a, b):
    bound_ukraine, position_russia = np.maximum(a, b), np.minimum(a, b)
    target = neg.mediator_target(bound_ukraine, position_russia)
    assert neg.in_zone(target, bound_ukraine, position_russia).all()
    assert (neg.gaps(bound_ukraine, position_russia) == 0).all()
    assert ((target >= 0) & (target <= 1)).all()


@settings(max_examples=60, deadline=None)
@given(acceptable=hnp.arrays(np.bool_, (R, len(ISSUES))), settlement_ok=hnp.arrays(np.bool_, R))
def test_the_best_package_is_the_highest_level_whose_issues_are_all_acceptable(acceptable, settlement_ok):
    level = neg.best_package(acceptable, settlement_ok, np.ones(len(ISSUES), dtype=bool))
    for r in range(R):
        ok = [lvl for lvl, issues in neg.PACKAGES.items() if acceptable[r, issues].all()]
        ok = [lvl for lvl in ok if lvl != neg.SETTLEMENT or settlement_ok[r]]
        assert level[r] == max(ok, default=neg.NONE)
    only_moratorium = np.zeros(len(ISSUES), dtype=bool)
    only_moratorium[neg.MORATORIUM] = True
    direct = neg.best_package(acceptable, settlement_ok, only_moratorium)
    assert (direct == np.where(acceptable[:, neg.MORATORIUM], neg.PARTIAL, neg.NONE)).all()


# --- agreements in the model -------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("scenario", ["baseline", "bilateral_track", "europe_guarantees"])
def test_agreements_are_only_reached_inside_both_parties_acceptable_sets(scenario, monkeypatch):
    model = CeasefireModel(scenario, seed=4, replicates=600, keep_timelines=0)
    signed = []
    original = model._try_agreement

    def checked(t, text, where, allowed, track, now):
        # The parties' state at the moment the text is put to them: their bounds, and the
        # distrust premium by which a text must lie inside them before each side signs.
        margin_ua, margin_ru = model.ukraine.margin().copy(), model.russia.margin().copy()
        bound_ukraine = model.ukraine.bounds(text).copy() - margin_ua[:, None]
        least_russia = model.russia.position.copy() + margin_ru[:, None]
        u_ua, u_ru = model.ukraine.utility(text), model.russia.utility(text)
        nd_ua, nd_ru = model.ukraine.no_deal_value + margin_ua, model.russia.no_deal_value + margin_ru
        before = model.agreement.copy()
        original(t, text, where, allowed, track, now)
        for r in np.flatnonzero(model.agreement > before):
            level = int(model.agreement[r])
            issues = neg.PACKAGES[level]
            assert where[r] and (issues <= allowed).all()
            terms = model.terms[r, issues]
            np.testing.assert_array_equal(terms, text[r, issues])
            assert (terms <= bound_ukraine[r, issues] + 1e-9).all(), (track, level)
            assert (terms >= least_russia[r, issues] - 1e-9).all(), (track, level)
            assert ((terms >= 0) & (terms <= 1)).all()
            if level == neg.SETTLEMENT:
                assert u_ua[r] >= nd_ua[r] and u_ru[r] >= nd_ru[r]
            signed.append((track, level))

    monkeypatch.setattr(model, "_try_agreement", checked)
    model.run()
    assert len(signed) > 50, "too few agreements for the check to mean anything"
    assert (margin_ua > 0).any() if (margin_ua := model.ukraine.margin()).size else True
    if scenario == "bilateral_track":
        assert any(track == "bilateral" for track, _ in signed)


@pytest.mark.slow
def test_no_agreement_is_ever_reached_when_the_parties_limits_do_not_overlap():
    no_overlap = {f"actors__ukraine__limit__{i}": 0.0 for i in ISSUES} | {
        f"actors__russia__limit__{i}": 1.0 for i in ISSUES
    }
    no_overlap |= {f"actors__ukraine__opening__{i}": 0.0 for i in ISSUES}
    no_overlap |= {f"actors__russia__opening__{i}": 1.0 for i in ISSUES}
    model = CeasefireModel("bilateral_track", seed=1, replicates=2000, keep_timelines=0, **no_overlap).run()
    out = model.outcomes()
    assert out["day_first_agreement"].isna().all()
    assert set(out["outcome"].astype(str)) <= {"mediator_walked_away", "no_agreement"}
    assert (model.agreement == neg.NONE).all()


@pytest.mark.slow
@settings(max_examples=12, deadline=None)
@given(
    text_step=unit,
    beta_ru=betas,
    beta_ua=betas,
    deadline_ru=st.floats(0.25, 100.0),
    capacity=unit,
    offset=unit,
    pressure=st.floats(0.0, 10.0),
    optimism=st.floats(-1.0, 1.0),
    seed=st.integers(0, 2**32),
)
def test_terms_positions_and_the_mediators_text_stay_in_the_unit_interval(
    text_step, beta_ru, beta_ua, deadline_ru, capacity, offset, pressure, optimism, seed
):
    model = CeasefireModel(
        "bilateral_track",
        seed=seed,
        replicates=30,
        keep_timelines=30,
        negotiation__text_step=text_step,
        actors__russia__concession__beta=beta_ru,
        actors__ukraine__concession__beta=beta_ua,
        actors__russia__concession__deadline_days=deadline_ru,
        actors__europe__guarantee_capacity=capacity,
        actors__ukraine__guarantee_offset=offset,
        actors__united_states__pressure=pressure,
        actors__russia__reservation__optimism=optimism,
    ).run()
    tl = model.timeline()
    values = tl.filter(regex=r"^(position_|text_)").to_numpy()
    assert np.isfinite(values).all()
    assert ((values >= 0) & (values <= 1)).all()
    terms = model.outcomes().filter(like="terms_").to_numpy()
    agreed = ~np.isnan(terms)
    assert ((terms[agreed] >= 0) & (terms[agreed] <= 1)).all()
    fire = tl.filter(like="fire_").to_numpy()
    assert ((fire >= 0) & (fire <= 1)).all()
    assert ((tl["progress"] >= 0) & (tl["progress"] <= 1)).all()

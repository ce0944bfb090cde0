"""The four actors as Mesa agents; each holds its state as arrays over replicates.

Russia and Ukraine are belligerents: every step they *decide* (all at once, as in Mesa's
``pd_grid`` example), then *advance* (their fire happens), then *observe* each other and
keep count of the violations they perceive. The United States mediates, presses both
sides and keeps a walk-away deadline; it can step back and come back. Europe supports
Ukraine, can offer guarantees and monitors an agreement.

A parameter here is a float or an (R,) array: any numeric scenario value may differ by
replicate (a prior draw, or one design point per replicate), so every formula broadcasts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.scenario.schema import ISSUES

from . import military, negotiation
from .counts import binomial, poisson
from .player import apply_count, decide
from .rules import RULES

if TYPE_CHECKING:
    from .model import CeasefireModel


#: Violations of one side in one step timed one by one; beyond this (only ordered fire
#: seen under a commitment reaches it) the rest are put at the last time.
MAX_TIMED_VIOLATIONS = 32


def at(value: float | np.ndarray, rows: np.ndarray) -> float | np.ndarray:
    """A parameter at some replicates: a float as it is, a per-replicate array at ``rows``."""
    return value[rows] if isinstance(value, np.ndarray) and value.ndim else value


def _no_counts(R: int) -> dict[str, np.ndarray]:
    return {name: np.zeros(R, dtype=np.int64) for name in ("perceived", "cleared", "answered", "ordered")}


def issue_array(table: Mapping[str, float | np.ndarray], R: int) -> np.ndarray:
    """(R, 6) one column per issue, from a table of floats or (R,) arrays."""
    return np.column_stack([np.broadcast_to(np.asarray(table[i], dtype=float), (R,)) for i in ISSUES])


class Belligerent(mesa.Agent):
    """A warring party: fire by target class, a response rule, perception, trust, positions."""

    side = ""
    index = 0

    def __init__(self, model: CeasefireModel, params: Mapping) -> None:
        super().__init__(model)
        R = model.n_replicates
        self.params = params
        response, perception, commitment = params["response"], params["perception"], params["commitment"]
        self.rule = RULES[response["rule"]]()
        self.gain = response["mirror_gain"]
        self.forgiveness = response["forgiveness"]
        self.lag_hours = response["answer_lag_hours"]
        self.join_truce = response["join_truce"]
        self.false_alarms_per_hour = perception["false_alarms_per_day"] / 24.0
        self.miss = perception["miss"]
        self.incidents_per_hour = params["incidents_per_day"] / 24.0
        self.tolerance = commitment["tolerance"]
        self.memory_hours = commitment["memory_hours"]
        self.trust_start = np.broadcast_to(np.asarray(commitment["trust"], dtype=float), (R,))
        self.base = np.column_stack(
            [np.broadcast_to(np.asarray(params["strikes"][c], dtype=float), (R,)) for c in ("military", "civilian")]
        )
        self.fighting_intensity = self.rule.fighting(self.base, self.gain, response["answer_civilian"])
        # Fire in each class from this hour on when not committed (-inf: the war is under way).
        self.resume_at = np.full((R, 2), -np.inf)
        self.intended = self.fighting_intensity.copy()
        self.fire = self.fighting_intensity.copy()
        self.local = np.zeros(R, dtype=np.int64)  # incidents and local answers this step
        self.incidents = np.zeros(R, dtype=np.int64)
        self.answer_queue = np.zeros((R, model.queue_steps), dtype=np.int64)
        self.grievance = np.zeros(R)
        self.grievance_start = np.zeros(R)
        self.grievance_peak = np.zeros(R)
        self.counted = np.zeros(R, dtype=np.int64)
        self.trust = self.trust_start.copy()
        self.perceived = np.zeros(R, dtype=np.int64)
        self.answer_now = np.zeros(R, dtype=np.int64)  # local answers due later in this step
        self.answer_since = np.zeros(R)  # they fall in [answer_since, step end)
        self.accusations = np.zeros(R, dtype=np.int64)
        self.truce_accusations = np.zeros(R, dtype=np.int64)
        self.cleared = np.zeros(R, dtype=np.int64)
        self.answers = np.zeros(R, dtype=np.int64)
        self.strike_days = np.zeros(R)
        self.war_cost = np.zeros(R)
        self.cost_rate = np.zeros(R)
        # Negotiation: Faratin concession on effective time, reservation value of no deal.
        concession = params["concession"]
        self.beta = concession["beta"]
        self.deadline_days = np.broadcast_to(np.asarray(concession["deadline_days"], dtype=float), (R,))
        self.opening = issue_array(params["opening"], R)
        self.limit = issue_array(params["limit"], R)
        self.weights = issue_array(params["weights"], R)
        self.tau = np.zeros(R)
        self.pressure_felt = np.zeros(R)
        self.position = self.opening.copy()
        self.no_deal_value = np.broadcast_to(np.asarray(params["reservation"]["base"], dtype=float), (R,)).copy()

    @property
    def other(self) -> Belligerent:
        return self.model.ukraine if self.index == 0 else self.model.russia

    def draw(self, what: str) -> np.ndarray:
        """(R,) this step's uniform for ``what`` (e.g. ``incidents``) of this side."""
        return self.model.draws[:, self.model.draw_index[f"{what}:{self.side}"]]

    # --- military layer -------------------------------------------------------------

    def decide(self) -> None:
        """Order this step's fire: nothing where committed, else the rule's intensity once resumed."""
        start, end = self.model.window
        committed = self.model.committed[:, self.index, :]
        share = military.fighting_share(self.resume_at, start, end)
        self.intended = np.where(committed, 0.0, self.fighting_intensity * share)

    def advance(self) -> None:
        """Fire: the ordered intensity, plus unordered incidents and the local answers now due."""
        m = self.model
        dt = m.dt_hours
        self.incidents = poisson(self.draw("incidents"), self.incidents_per_hour * dt)
        slot = m.tick % m.queue_steps
        self.local = self.incidents + self.answer_queue[:, slot]
        self.answer_queue[:, slot] = 0
        self.perceived = np.zeros(m.n_replicates, dtype=np.int64)
        self.fire = military.realised_fire(self.intended, self.local, dt, m.strike_events_per_hour)

    def fire_answers_now(self) -> np.ndarray:
        """Fire the local answers that fall due later in this step; returns their count."""
        now = self.answer_now
        self.local = self.local + now
        self.fire = military.realised_fire(self.intended, self.local, self.model.dt_hours, self.model.strike_events_per_hour)
        self.answer_now = np.zeros_like(now)
        return now

    def observe(self) -> dict[str, np.ndarray]:
        """Perceive the other's fire in the classes this side holds; accuse, remember, answer.

        A violation is fire seen in a class in which this side holds fire under a
        commitment. Ordered strikes are seen with probability 1 - ``miss`` each, so are
        unordered ones (incidents and local answers); false alarms add strikes that never
        happened. Only replicates where this side holds fire perceive violations, so only
        they draw numbers (the draws of a replicate do not depend on the others). Returns
        the counts by kind, for the event log.
        """
        m, other = self.model, self.other
        dt = m.dt_hours
        self.grievance_start = self.grievance
        self.counted = np.zeros(m.n_replicates, dtype=np.int64)
        self.trust = self._trust_recovered(dt)
        self.answer_now = np.zeros(m.n_replicates, dtype=np.int64)
        holding = m.committed[:, self.index, :]
        rows = np.flatnonzero(holding[:, 0] | holding[:, 1])
        if rows.size == 0:
            return _no_counts(m.n_replicates)
        held = holding[rows]
        seen = 1.0 - at(self.miss, rows)
        strikes = at(m.strike_events_per_hour, rows) * dt * (other.intended[rows] * held).sum(axis=1)
        ordered = poisson(self.draw_rows("see_ordered", rows), seen * strikes)
        local = binomial(self.draw_rows("see_local", rows), other.local[rows] * held[:, military.MILITARY], seen)
        alarm_rate = at(self.false_alarms_per_hour, rows) * dt * (1.0 - m.monitoring[rows]) * held.sum(axis=1)
        alarms = poisson(self.draw_rows("false_alarms", rows), alarm_rate)
        u = {what: self.draw_rows(what, rows) for what in ("cleared", "answer", "answer_now")}
        return self._judge(rows, ordered, local + alarms, u, since=np.full(rows.size, m.window[0]))

    def observe_answers(self, strikes: np.ndarray, since: np.ndarray, generation: int) -> dict[str, np.ndarray]:
        """Perceive the local answers the other side fired later in this same step.

        They fall in ``[since, end)``; this side's own answers to them may fall in the step
        too, so a chain of answers plays out within a long step as it would over short ones.
        """
        m = self.model
        self.answer_now = np.zeros(m.n_replicates, dtype=np.int64)
        rows = np.flatnonzero((strikes > 0) & m.committed[:, self.index, military.MILITARY])
        if rows.size == 0:
            return _no_counts(m.n_replicates)
        u = {
            what: m.streams.uniform_rows(m.tick, f"{what}:{generation}:{self.side}", rows)
            for what in ("see_local", "cleared", "answer", "answer_now")
        }
        local = binomial(u["see_local"], strikes[rows], 1.0 - at(self.miss, rows))
        return self._judge(rows, np.zeros_like(local), local, u, since[rows], generation)

    def draw_rows(self, what: str, rows: np.ndarray) -> np.ndarray:
        """This step's uniforms for ``what`` of this side, at ``rows`` only."""
        return self.model.streams.uniform_rows(self.model.tick, f"{what}:{self.side}", rows)

    def _judge(
        self, rows: np.ndarray, ordered: np.ndarray, unordered: np.ndarray, u: dict, since: np.ndarray, generation: int = 0
    ) -> dict[str, np.ndarray]:
        """Accuse, let a monitor clear up unordered strikes, count the rest, and answer some.

        Works on the replicates ``rows``. A monitor clears an unordered strike before this
        side acts on it with the probability of :func:`military.clearance`; what is not
        cleared counts toward the side's grievance and costs trust, and each counted
        violation is answered by a local strike with probability 1 - ``forgiveness``
        (or as a player decides: see :meth:`_player_answers`).
        """
        m = self.model
        perceived = ordered + unordered
        chance = military.clearance(m.monitoring[rows], at(self.lag_hours, rows), m.clear_hours)
        cleared = binomial(u["cleared"], unordered, chance)
        counted = perceived - cleared
        self.perceived[rows] += perceived
        self.accusations[rows] += perceived
        self.truce_accusations[rows] += perceived * m.truce_on[rows]
        self.cleared[rows] += cleared
        self.counted[rows] += counted
        self.trust[rows] *= (1.0 - at(self.params["commitment"]["trust_loss"], rows)) ** counted
        answered = np.zeros_like(counted)
        if self.rule.answers_violations:
            answered = binomial(u["answer"], counted, 1.0 - at(self.forgiveness, rows))
        if m.player is not None:
            answered = self._player_answers(rows, counted, perceived, answered, generation)
        if self.rule.answers_violations or answered.any():
            self._schedule_answers(rows, answered, since, u["answer_now"])
        counts = _no_counts(m.n_replicates)
        for name, values in (("perceived", perceived), ("cleared", cleared), ("answered", answered), ("ordered", ordered)):
            counts[name][rows] = values
        return counts

    def _player_answers(
        self, rows: np.ndarray, counted: np.ndarray, perceived: np.ndarray, drawn: np.ndarray, generation: int
    ) -> np.ndarray:
        """The answers at ``rows`` when a player may decide them: all counted violations, or none.

        Asked once per step and generation of answers (key ``tick:answer:generation``),
        where this side counted violations; choosing the model's own choice (answer where
        it drew at least one answer) keeps the model's own number of answers.
        """
        m = self.model

        def spread(values: np.ndarray) -> np.ndarray:  # (R,) from the values at ``rows``
            out = np.zeros(m.n_replicates, dtype=values.dtype)
            out[rows] = values
            return out

        where, default = spread(counted > 0), spread(drawn > 0)
        choice = decide(
            m.player, "answer", self.side, m.tick, where, default, key=f"{m.tick}:answer:{generation}",
            hours=m.window[0], counted=spread(counted), perceived=spread(perceived), truce=m.truce_on, agreement=m.agreement,
            generation=generation,
        )  # fmt: skip
        return apply_count(choice[rows], default[rows], drawn, counted)

    def _trust_recovered(self, dt: float) -> np.ndarray:
        """Trust drifts back toward its starting level (exponentially, at ``trust_recovery_per_day``)."""
        rate = self.params["commitment"]["trust_recovery_per_day"]
        return self.trust_start + (self.trust - self.trust_start) * np.exp(-rate * dt / 24.0)

    def _schedule_answers(self, rows: np.ndarray, answered: np.ndarray, since: np.ndarray, u_now: np.ndarray) -> None:
        """Answer ``answer_lag_hours`` after each counted violation, seen at a uniform time in ``[since, end)``.

        Answers that fall due before the step ends are fired in it (``answer_now``, from
        ``answer_since``); the others are queued for the step in which they fall due.
        """
        m = self.model
        end = m.window[1]
        lag = np.broadcast_to(at(self.lag_hours, rows), rows.shape).astype(float)
        inside = np.clip(1.0 - lag / np.maximum(end - since, 1e-12), 0.0, 1.0)
        now = binomial(u_now, answered, inside)
        self.answer_now[rows] = now
        self.answer_since[rows] = since + lag
        self.answers[rows] += answered
        later = answered - now
        pending = np.flatnonzero(later)
        if pending.size == 0:
            return
        # The later ones were seen in [max(since, end - lag), end): they fall due in [max(since + lag, end), end + lag).
        due_at = 0.5 * (np.maximum(since[pending] + lag[pending], end) + end + lag[pending])
        due = np.maximum(m.clock.step_at(due_at), m.tick + 1)
        keep = due < m.clock.n_steps
        np.add.at(self.answer_queue, (rows[pending][keep], due[keep] % m.queue_steps), later[pending][keep])

    def reckon(self) -> np.ndarray:
        """(R,) the hour at which this step's counted violations first exceeded tolerance (NaN: never).

        The recent count is exponentially weighted (memory ``memory_hours``). The violations
        of a step are counted at their own times, drawn uniformly within the step (the
        times of a Poisson process given its count), so the moment the count first passes
        the tolerance, and the count left at the step's end, do not depend on the step's length.
        """
        m = self.model
        start, end = m.window
        R = m.n_replicates
        memory = np.broadcast_to(np.asarray(self.memory_hours, dtype=float), (R,))
        tolerance = self.tolerance_now()
        self.grievance = self.grievance_start * np.exp(-(end - start) / memory)
        self.grievance_peak = self.grievance.copy()
        when = np.full(R, np.nan)
        rows = np.flatnonzero(self.counted > 0)
        if rows.size == 0:
            return when
        n = self.counted[rows]
        width = int(min(n.max(), MAX_TIMED_VIOLATIONS))
        u = np.stack([m.streams.uniform_rows(m.tick, f"violation_time:{j}:{self.side}", rows) for j in range(width)], 1)
        hours = np.sort(np.where(np.arange(width) < n[:, None], u * (end - start), np.inf), axis=1)
        timed = np.isfinite(hours)
        weight = timed.astype(float)
        weight[:, -1] += np.maximum(n - width, 0)  # beyond the cap, the rest share the last time
        tau = memory[rows][:, None]
        at = np.where(timed, hours, 0.0)
        # G(t_j) = exp(-t_j / tau) * (G0 + sum_{i <= j} w_i exp(t_i / tau))
        summed = self.grievance_start[rows][:, None] + np.cumsum(weight * np.exp(at / tau), axis=1)
        level = np.where(timed, np.exp(-at / tau) * summed, 0.0)
        above = level > tolerance[rows][:, None]
        crossed = above.any(axis=1)
        first = np.argmax(above, axis=1)
        when[rows[crossed]] = start + hours[crossed, first[crossed]]
        self.grievance_peak[rows] = np.where(crossed, level[np.arange(rows.size), first], level.max(axis=1))
        self.grievance[rows] = np.exp(-(end - start) / tau[:, 0]) * summed[:, -1]
        return when

    def bear_costs(self, days: float) -> None:
        """Add this step's strike-days and war cost (own and enemy military fire, civilian harm)."""
        other = self.other.fire
        self.strike_days += (self.fire[:, 0] + self.fire[:, 1]) * days
        rate = self.fire[:, 0] + other[:, 0] + other[:, 1]
        self.war_cost += rate * days
        self.cost_rate = rate

    def tolerance_now(self) -> np.ndarray:
        """(R,) counted violations in memory this side tolerates before it abandons."""
        return np.broadcast_to(np.asarray(self.tolerance, dtype=float), (self.model.n_replicates,))

    def resume(self, rows: np.ndarray, classes: np.ndarray, at: np.ndarray, own_decision: bool) -> None:
        """Fight again in ``classes`` (len(rows), 2) where a commitment ended at hour ``at``.

        A side that waits for the other (policy-level mirroring) resumes one answer lag
        later, unless it is the one that decided to end the commitment.
        """
        if rows.size == 0:
            return
        when = np.asarray(at, dtype=float)
        if self.rule.waits_for_other and not own_decision:
            when = when + np.broadcast_to(np.asarray(self.lag_hours, dtype=float), self.resume_at.shape[:1])[rows]
        self.resume_at[rows] = np.where(classes, when[:, None], self.resume_at[rows])

    # --- negotiation layer ---------------------------------------------------------

    def expected_gain(self) -> np.ndarray:
        """(R,) what this side expects from fighting on: the balance in its favour."""
        sign = 1.0 if self.index == 0 else -1.0
        m = self.model
        return military.expected_gain(sign * m.balance, self.params["reservation"]["optimism"], m.learning, m.fighting)

    def support_value(self) -> np.ndarray:
        """(R,) extra value of no deal from allies' support (Ukraine only)."""
        return np.zeros(self.model.n_replicates)

    def concede(self, pressure: np.ndarray, days: float, pressure_now: np.ndarray) -> None:
        """Advance effective time over ``days``: faster under the mediator's pressure and war costs.

        ``pressure`` is the step's mean pressure (it drives the concession speed);
        ``pressure_now`` the pressure at the step's end (it enters the value of no deal).
        """
        c = self.params["concession"]
        speed = 1.0 + c["pressure_speedup"] * pressure + c["cost_speedup"] * self.cost_rate
        self.tau += days * np.maximum(speed, 0.0)
        self.pressure_felt = pressure_now

    def restate(self) -> None:
        """Restate positions by the Faratin tactic on effective time (Faratin et al. 1998).

        The reach of concessions grows as the value of no deal falls below its starting
        value (war costs, the mediator's pressure, a battlefield turning against the side,
        less foreign support) and shrinks as it rises.
        """
        r = self.params["reservation"]
        self.no_deal_value = (
            r["base"]
            + r["battle_weight"] * self.expected_gain()
            - r["cost_weight"] * self.war_cost
            - r["pressure_weight"] * self.pressure_felt
            + self.support_value()
        )
        reach = np.clip(1.0 + r["base"] - self.no_deal_value, 0.0, 3.0)
        alpha = negotiation.faratin_alpha(self.tau, self.deadline_days, self.beta)
        self.position = negotiation.positions(self.opening, self.limit, alpha, reach)

    def margin(self) -> np.ndarray:
        """(R,) distrust premium: how far inside its bounds a text must lie before it signs."""
        return self.params["commitment"]["distrust_premium"] * (1.0 - self.trust)


class Russia(Belligerent):
    """Russia: demands the land it claims and permanent neutrality; declared the Easter truce."""

    side, index = "russia", 0

    def bounds(self, text: np.ndarray) -> np.ndarray:
        """(R, 6) the least Russia accepts on each issue."""
        return self.position

    def signing_bounds(self, text: np.ndarray) -> np.ndarray:
        """(R, 6) the least Russia signs: its bounds raised by its distrust premium."""
        return np.minimum(self.position + self.margin()[:, None], 1.0)

    def utility(self, terms: np.ndarray) -> np.ndarray:
        return negotiation.utility_russia(terms, self.weights)

    def tolerance_now(self) -> np.ndarray:
        """Guarantees behind an agreement raise what breaking it would cost Russia (Fortna 2004)."""
        m = self.model
        deterrence = m.europe.params["deterrence"] * m.europe.guarantee_capacity * (m.agreement > 0)
        return super().tolerance_now() * (1.0 + deterrence)


class Ukraine(Belligerent):
    """Ukraine: ceasefire first, no land ceded, no neutrality without guarantees; mirrors fire."""

    side, index = "ukraine", 1

    def __init__(self, model: CeasefireModel, params: Mapping) -> None:
        super().__init__(model, params)
        self.guarantee_offset = params["guarantee_offset"]
        self.bilateral_acceptance = params["bilateral_acceptance"]

    def support_value(self) -> np.ndarray:
        m = self.model
        return self.params["reservation"]["aid_weight"] * (m.support - m.initial_support)

    def bounds(self, text: np.ndarray) -> np.ndarray:
        """(R, 6) the most Ukraine accepts on each issue, given the guarantees on offer."""
        capacity = self.model.europe.guarantee_capacity
        return negotiation.ukraine_bounds(self.position, text, self.guarantee_offset, capacity)

    def signing_bounds(self, text: np.ndarray) -> np.ndarray:
        """(R, 6) the most Ukraine signs: its bounds lowered by its distrust premium."""
        return np.maximum(self.bounds(text) - self.margin()[:, None], 0.0)

    def margin(self) -> np.ndarray:
        """Guarantees reassure Ukraine: they remove part of its distrust premium (Fortna 2004)."""
        europe = self.model.europe
        return super().margin() * (1.0 - europe.params["reassurance"] * europe.guarantee_capacity)

    def utility(self, terms: np.ndarray) -> np.ndarray:
        capacity = self.model.europe.guarantee_capacity
        return negotiation.utility_ukraine(terms, self.weights, self.guarantee_offset, capacity)


class UnitedStates(mesa.Agent):
    """The mediator: one negotiating text, pressure on both sides, a deadline; it can step back and return."""

    def __init__(self, model: CeasefireModel, params: Mapping) -> None:
        super().__init__(model)
        R = model.n_replicates
        self.params = params
        self.engaged = np.ones(R, dtype=bool)
        self.deadline_at = np.broadcast_to(np.asarray(params["deadline_days"], dtype=float) * 24.0, (R,)).copy()
        self.deadline_met = np.zeros(R, dtype=bool)
        self.extensions = np.zeros(R, dtype=np.int64)
        self.step_backs = np.zeros(R, dtype=np.int64)
        self.returns = np.zeros(R, dtype=np.int64)
        self.progress = np.zeros(R)
        self.heard = np.zeros(R)  # recent public accusations, exponentially weighted
        self.text = np.zeros((R, 6))
        self.initial_gap = np.ones(R)
        self.walk_day = np.full(R, np.nan)

    def pressure(self, now: float) -> np.ndarray:
        """(R,) pressure on both parties at hour ``now``.

        Full while engaged and ``step_back_pressure`` of it after stepping back; while the
        first deadline (or an extension of it) is pending it rises linearly as the deadline
        nears: the deadline effect (Roth, Murnighan & Schoumaker 1988), in proportion to
        the threat's credibility, 1 - extension_probability (Schelling 1960).
        """
        p = self.params
        days_left = (self.deadline_at - now) / 24.0
        span = np.maximum(p["deadline_days"], 1.0 / 24.0)
        pending = self.engaged & ~self.deadline_met
        closeness = np.where(pending, np.clip(1.0 - days_left / span, 0.0, 1.0), 0.0)
        threat = p["deadline_urgency"] * (1.0 - p["extension_probability"]) * closeness
        level = np.where(self.engaged, 1.0, p["step_back_pressure"])
        return p["pressure"] * level * (1.0 + threat)

    @property
    def aid(self) -> np.ndarray:
        """(R,) U.S. aid to Ukraine, ``aid_cut`` of it held while the mediator is stepped back."""
        return self.params["aid"] * np.where(self.engaged, 1.0, 1.0 - self.params["aid_cut"])

    def open_text(self, russia: Russia, ukraine: Ukraine) -> None:
        """Start from the middle of the opening positions."""
        self.text = 0.5 * (russia.position + ukraine.position)
        self.text = negotiation.mediator_target(ukraine.signing_bounds(self.text), russia.signing_bounds(self.text))
        self.initial_gap = self.gap_total(russia, ukraine)

    def gap_total(self, russia: Russia, ukraine: Ukraine) -> np.ndarray:
        """(R,) summed distance between what each side would sign, on issues not yet agreed."""
        gap = negotiation.gaps(ukraine.signing_bounds(self.text), russia.signing_bounds(self.text))
        return np.where(self.model.agreed_issues_mask(), 0.0, gap).sum(axis=1)

    def propose(self, russia: Russia, ukraine: Ukraine, where: np.ndarray) -> None:
        """Move the text part of the way toward the middle of what each side would sign."""
        target = negotiation.mediator_target(ukraine.signing_bounds(self.text), russia.signing_bounds(self.text))
        step = np.asarray(self.model.text_step, dtype=float)
        step = step[:, None] if step.ndim else step  # one step per replicate, or one for all
        self.text = np.where(where[:, None], self.text + step * (target - self.text), self.text)

    def hear(self, accusations: np.ndarray, dt_hours: float) -> None:
        """Keep count of the public accusations of the last ``accusation_memory_days`` or so."""
        self.heard = military.decayed(self.heard, dt_hours, self.params["accusation_memory_days"] * 24.0)
        self.heard = self.heard + accusations

    def measure_progress(self, russia: Russia, ukraine: Ukraine) -> None:
        """Share of the opening gap closed, discounted by recent accusations of violations."""
        with np.errstate(divide="ignore", invalid="ignore"):
            closed = 1.0 - self.gap_total(russia, ukraine) / self.initial_gap
        closed = np.clip(np.nan_to_num(closed, nan=1.0), 0.0, 1.0)
        self.progress = closed * np.exp(-self.params["violation_weight"] * self.heard)

    def face_deadline(self, now: float, u: np.ndarray) -> dict[str, np.ndarray]:
        """At a deadline or review: stay if progress suffices, else extend or step back.

        Returns masks of what happened. A met deadline is reviewed again ``review_days`` later.
        """
        p = self.params
        due = self.engaged & (self.deadline_at <= now + 1e-9)
        met = due & (self.progress >= p["required_progress"])
        extend = due & ~met & (u < p["extension_probability"])
        extend = decide(
            self.model.player, "deadline", "united_states", self.model.tick, due & ~met, extend, hours=now,
            progress=self.progress, required=p["required_progress"], extension_days=p["extension_days"],
        )  # fmt: skip
        step_back = due & ~met & ~extend
        self.deadline_met |= met
        self.deadline_at = np.where(met, now + p["review_days"] * 24.0, self.deadline_at)
        self.deadline_at = np.where(extend, self.deadline_at + p["extension_days"] * 24.0, self.deadline_at)
        self.extensions += extend
        self.engaged &= ~step_back
        self.step_backs += step_back
        self.walk_day = np.where(step_back & np.isnan(self.walk_day), now / 24.0, self.walk_day)
        return {"deadline_met": met, "deadline_extended": extend, "walk_away": step_back}

    def consider_return(self, now: float, days: float, u: np.ndarray, away: np.ndarray) -> np.ndarray:
        """(R,) bool: where the mediator, stepped back through the last ``days``, comes back.

        It returns when progress reaches what it asked for, and otherwise at the rate
        ``return_per_day`` (a U.S. that re-engages after a pause), with a fresh deadline.
        """
        p = self.params
        back = away & ~self.engaged & (
            (self.progress >= p["required_progress"]) | (u < -np.expm1(-p["return_per_day"] * days))
        )
        self.engaged |= back
        self.returns += back
        self.deadline_at = np.where(back, now + p["deadline_days"] * 24.0, self.deadline_at)
        self.deadline_met &= ~back
        return back


class Europe(mesa.Agent):
    """Ukraine's European partners: aid, backfill of a U.S. cut, guarantees, monitoring."""

    def __init__(self, model: CeasefireModel, params: Mapping) -> None:
        super().__init__(model)
        self.params = params
        self.guarantee_capacity = params["guarantee_capacity"]

    def aid(self, us: UnitedStates) -> np.ndarray:
        """(R,) European aid: its own share plus ``backfill`` of whatever the U.S. holds back."""
        cut = us.params["aid"] - us.aid
        return self.params["aid"] + self.params["backfill"] * cut

    def push_sequencing(self, text: np.ndarray, where: np.ndarray) -> np.ndarray:
        """At a meeting it attends, pull the text toward 'unconditional ceasefire first'."""
        pushed = text.copy()
        pull = self.params["sequencing_push"] * where
        pushed[:, negotiation.SEQUENCING] *= 1.0 - pull
        return pushed

"""The four actors as Mesa agents; each holds its state as arrays over replicates.

Russia and Ukraine are belligerents: every tick they *decide* (all at once, as in Mesa's
``pd_grid`` example), then *advance* (their fire happens), then *observe* each other.
The United States mediates and keeps a walk-away deadline; Europe supports Ukraine.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.scenario.schema import ISSUES

from . import military, negotiation
from .rules import RULES

if TYPE_CHECKING:
    from .model import CeasefireModel


def _issue_array(table: Mapping[str, float]) -> np.ndarray:
    return np.array([table[i] for i in ISSUES], dtype=float)


class Belligerent(mesa.Agent):
    """A warring party: strikes by target class, a response rule, perception, positions."""

    side = ""
    index = 0

    def __init__(self, model: CeasefireModel, params: Mapping) -> None:
        super().__init__(model)
        R = model.n_replicates
        self.params = params
        response = params["response"]
        self.rule = RULES[response["rule"]]()
        self.lag = response["lag_ticks"]
        self.gain = response["mirror_gain"]
        self.forgiveness = response["forgiveness"]
        self.false_alarm = params["perception"]["false_alarm"]
        self.miss = params["perception"]["miss"]
        self.incident_rate = params["incident_rate"]
        self.base = np.broadcast_to(np.array([params["strikes"]["military"], params["strikes"]["civilian"]]), (R, 2))
        # What it fires and saw: (R, 2) now, and a ring of the last ``lag`` ticks.
        self.intended = self.base.copy()
        self.fire = self.base.copy()
        self.seen = np.zeros((self.lag, R, 2))
        self.to_answer = np.zeros((self.lag, R, 2))
        self.accusations = np.zeros(R, dtype=np.int64)
        self.truce_accusations = np.zeros(R, dtype=np.int64)
        self.answers = np.zeros(R, dtype=np.int64)
        self.strike_days = np.zeros(R)
        self.war_cost = np.zeros(R)
        self.cost_rate = np.zeros(R)
        # Negotiation: Faratin concession on effective time, reservation value of no deal.
        concession = params["concession"]
        self.beta = concession["beta"]
        self.opening = _issue_array(params["opening"])
        self.limit = _issue_array(params["limit"])
        self.weights = _issue_array(params["weights"])
        self.tau = np.zeros(R)
        # Private information (Fearon 1995): a side's patience, its own concession deadline,
        # is known to it alone. Each replicate draws it once, log-uniformly within a factor
        # exp(+/- patience_spread) of the stated deadline_days.
        u = model.streams.uniform(0, f"patience:{self.side}")
        self.deadline_days = concession["deadline_days"] * np.exp(concession["patience_spread"] * (2.0 * u - 1.0))
        self.pressure_felt = np.zeros(R)
        self.position = np.broadcast_to(self.opening, (R, 6)).copy()
        self.no_deal_value = np.full(R, params["reservation"]["base"])

    def remember_war(self) -> None:
        """Start with the other side seen firing at its own intensity: the war is under way."""
        self.seen[:] = self.other.base

    @property
    def other(self) -> Belligerent:
        return self.model.ukraine if self.index == 0 else self.model.russia

    # --- military layer -------------------------------------------------------------

    def decide(self) -> None:
        """Choose this tick's intended fire from the rule, before seeing the other's."""
        memory = self.seen.max(axis=0) if self.lag > 1 else self.seen[0]
        answered = self.to_answer.max(axis=0) if self.lag > 1 else self.to_answer[0]
        committed = self.model.committed[:, self.index, :]
        intended = self.rule.intend(self.base, self.gain * memory, self.gain * answered, committed)
        self.intended = np.clip(intended, 0.0, 1.0)

    def advance(self) -> None:
        """Fire: the intended strikes plus unordered incidents."""
        incident = self.model.draws[:, self.model.draw_index[f"incident:{self.side}"]] < self.incident_rate
        self.incident = incident
        self.fire = military.realised_fire(self.intended, incident, self.model.incident_size)

    def observe(self) -> np.ndarray:
        """Perceive the other side's fire; accuse and mark violations to answer.

        Returns (R, 2) bool: where this side accuses the other this tick.
        """
        d, col = self.model.draws, self.model.draw_index
        missed = d[:, col[f"miss:{self.side}"]] < self.miss
        alarm = d[:, col[f"false_alarm:{self.side}"]] < self.false_alarm
        answers = d[:, col[f"answer:{self.side}"]] >= self.forgiveness
        seen = military.perceived_fire(self.other.fire, missed, alarm, self.model.incident_size)
        accused = military.violations(seen, self.model.covered)
        if self.lag > 1:
            self.seen = np.roll(self.seen, 1, axis=0)
            self.to_answer = np.roll(self.to_answer, 1, axis=0)
        self.seen[0] = seen
        self.to_answer[0] = np.where(accused & answers, seen, 0.0)
        accused_any = military.any_class(accused)
        self.accusations += accused_any
        self.truce_accusations += accused_any & self.model.truce_on
        return accused

    def bear_costs(self, days: float) -> None:
        """Add this tick's strike-days and war cost (own and enemy military fire, civilian harm)."""
        other = self.other.fire
        self.strike_days += (self.fire[:, 0] + self.fire[:, 1]) * days
        step = (self.fire[:, 0] + other[:, 0] + other[:, 1]) * days
        self.war_cost += step
        self.cost_rate = step / days

    # --- negotiation layer ---------------------------------------------------------

    def expected_gain(self) -> np.ndarray:
        """(R,) what this side expects from fighting on: the balance in its favour."""
        sign = 1.0 if self.index == 0 else -1.0
        m = self.model
        return military.expected_gain(sign * m.balance, self.params["reservation"]["optimism"], m.learning, m.fighting)

    def support_value(self) -> np.ndarray:
        """(R,) extra value of no deal from allies' support (Ukraine only)."""
        return np.zeros(self.model.n_replicates)

    def concede(self, pressure: np.ndarray, days: float) -> None:
        """Advance effective time: faster under the mediator's pressure and war costs."""
        c = self.params["concession"]
        speed = 1.0 + c["pressure_speedup"] * pressure + c["cost_speedup"] * self.cost_rate
        self.tau += days * np.maximum(speed, 0.0)
        self.pressure_felt = pressure

    def restate(self) -> None:
        """Restate positions by the Faratin tactic on effective time (Faratin et al. 1998).

        The reach of concessions grows as the value of no deal falls below its starting
        value (war costs, the mediator's pressure, a battlefield turning against the side,
        less foreign support) and shrinks as it rises. A pure function of the current
        state, so the model calls it only on ticks that read positions.
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


class Russia(Belligerent):
    """Russia: demands the land it claims and permanent neutrality; declared the Easter truce."""

    side, index = "russia", 0

    def bounds(self, text: np.ndarray) -> np.ndarray:
        """(R, 6) the least Russia accepts on each issue."""
        return self.position

    def utility(self, terms: np.ndarray) -> np.ndarray:
        return negotiation.utility_russia(terms, self.weights)


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

    def utility(self, terms: np.ndarray) -> np.ndarray:
        capacity = self.model.europe.guarantee_capacity
        return negotiation.utility_ukraine(terms, self.weights, self.guarantee_offset, capacity)


class UnitedStates(mesa.Agent):
    """The mediator: a single negotiating text, pressure on both sides, a walk-away deadline."""

    def __init__(self, model: CeasefireModel, params: Mapping) -> None:
        super().__init__(model)
        R = model.n_replicates
        self.params = params
        self.engaged = np.ones(R, dtype=bool)
        self.deadline_tick = np.full(R, model.clock.ticks_for_days(params["deadline_days"]), dtype=np.int64)
        self.deadline_met = np.zeros(R, dtype=bool)
        self.extensions = np.zeros(R, dtype=np.int64)
        self.progress = np.zeros(R)
        self.text = np.zeros((R, 6))
        self.walk_day = np.full(R, np.nan)

    def pressure(self, tick: int) -> np.ndarray:
        """(R,) pressure on both parties at the start of ``tick``.

        Present while engaged, gone after walking away, and rising as the walk-away
        deadline nears: the deadline effect of bargaining (Roth, Murnighan & Schoumaker
        1988), in proportion to how credible the threat is, 1 - extension_probability
        (Schelling 1960). ``deadline_urgency = 0`` gives constant pressure.
        """
        p = self.params
        days_left = (self.deadline_tick - tick) * self.model.clock.tick_days
        span = max(p["deadline_days"], self.model.clock.tick_days)
        closeness = np.where(self.deadline_met, 0.0, np.clip(1.0 - days_left / span, 0.0, 1.0))
        threat = p["deadline_urgency"] * (1.0 - p["extension_probability"]) * closeness
        return p["pressure"] * self.engaged * (1.0 + threat)

    @property
    def aid(self) -> np.ndarray:
        """(R,) U.S. aid to Ukraine, cut by ``aid_cut`` after walking away."""
        return self.params["aid"] * np.where(self.engaged, 1.0, 1.0 - self.params["aid_cut"])

    def open_text(self, russia: Russia, ukraine: Ukraine) -> None:
        """Start from the middle of the opening positions."""
        self.text = 0.5 * (russia.position + ukraine.position)
        self.text = negotiation.mediator_target(ukraine.bounds(self.text), russia.bounds(self.text))
        self.initial_gap = self.gap_total(russia, ukraine)

    def gap_total(self, russia: Russia, ukraine: Ukraine) -> np.ndarray:
        gap = negotiation.gaps(ukraine.bounds(self.text), russia.bounds(self.text))
        return np.where(self.model.agreed_issues_mask(), 0.0, gap).sum(axis=1)

    def propose(self, russia: Russia, ukraine: Ukraine, where: np.ndarray) -> None:
        """Move the text part of the way toward the middle of the current positions."""
        target = negotiation.mediator_target(ukraine.bounds(self.text), russia.bounds(self.text))
        step = self.model.text_step
        self.text = np.where(where[:, None], self.text + step * (target - self.text), self.text)

    def measure_progress(self, russia: Russia, ukraine: Ukraine) -> None:
        """Share of the opening gap between the parties that has closed (agreed issues count closed)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            closed = 1.0 - self.gap_total(russia, ukraine) / self.initial_gap
        self.progress = np.clip(np.nan_to_num(closed, nan=1.0), 0.0, 1.0)

    def face_deadline(self, tick: int, u: np.ndarray) -> dict[str, np.ndarray]:
        """At the deadline: stay if progress suffices, else extend or walk away.

        ``tick`` is the tick boundary at which the deadline is faced (the end of the tick
        just run); ``u`` (R,) uniform draws decide extensions. Returns masks of what happened.
        """
        due = self.engaged & ~self.deadline_met & (self.deadline_tick <= tick)
        met = due & (self.progress >= self.params["required_progress"])
        extend = due & ~met & (u < self.params["extension_probability"])
        walk = due & ~met & ~extend
        self.deadline_met |= met
        self.deadline_tick = np.where(
            extend,
            self.deadline_tick + self.model.clock.ticks_for_days(self.params["extension_days"]),
            self.deadline_tick,
        )
        self.extensions += extend
        self.engaged &= ~walk
        self.walk_day = np.where(walk, self.model.clock.day_of(tick), self.walk_day)
        return {"deadline_met": met, "deadline_extended": extend, "walk_away": walk}


class Europe(mesa.Agent):
    """Ukraine's European partners: aid, backfill of a U.S. cut, security guarantees."""

    def __init__(self, model: CeasefireModel, params: Mapping) -> None:
        super().__init__(model)
        self.params = params
        self.guarantee_capacity = params["guarantee_capacity"]

    def aid(self, us: UnitedStates) -> np.ndarray:
        """(R,) European aid: its own share plus ``backfill`` of whatever the U.S. cut."""
        cut = us.params["aid"] - us.aid
        return self.params["aid"] + self.params["backfill"] * cut

    def push_sequencing(self, text: np.ndarray, where: np.ndarray) -> np.ndarray:
        """At a meeting it attends, pull the text toward 'unconditional ceasefire first'."""
        pushed = text.copy()
        pull = self.params["sequencing_push"] * where
        pushed[:, negotiation.SEQUENCING] *= 1.0 - pull
        return pushed

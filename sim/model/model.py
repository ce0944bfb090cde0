"""CeasefireModel: the clock, the calendar of events, commitments, and one step of both layers.

One model holds R replicates as arrays; ``step()`` advances them all together over one
step of the clock (``tick_hours``, cut at scheduled times). One replicate is the classroom
case, 100,000 the sweep case: the same code path.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import mesa
import numpy as np
import pandas as pd

from sim.errors import ScenarioError
from sim.scenario import Scenario, load_scenario
from sim.scenario.schema import ISSUES

from . import military, negotiation
from .agents import Europe, Russia, Ukraine, UnitedStates
from .clock import Clock
from .counts import binomial
from .events import EventLog
from .negotiation import LEVEL_NAMES
from .outcomes import outcome_table
from .parameters import parameter_table, resolve_parameters
from .player import Player, apply_count, decide
from .rng import SEED_ALLOWED, SEED_LIMIT, Streams
from .timeline import TimelineRecorder

__all__ = ["CeasefireModel"]

SIDES = ("russia", "ukraine")
# Random numbers drawn every step, one column each (keyed by name, so adding one later
# changes none of the others).
DRAWS: tuple[str, ...] = tuple(
    f"{what}:{side}"
    for side in SIDES
    for what in ("incidents",)
) + ("battle", "truce_extension", "deadline_extension", "mediator_return")
#: Generations of answers to answers played out within one step (see _answer_within_step).
MAX_GENERATIONS = 6
#: How long after the step in which a collapse is decided it is dated: the middle of the
#: step, the expected time of the perception that tipped it (a Poisson event in the step).
_DECIDED_WITHIN_STEP = 0.5


class CeasefireModel(mesa.Model):
    """Russia, Ukraine, the United States and Europe over R replicates at once.

    Parameters
    ----------
    scenario : str, Path or Scenario
        A packaged scenario name, a TOML path, or a loaded scenario.
    seed : int
        Seed of the counter-based streams; replicate k's numbers depend only on (seed, k).
    replicates : int or sequence of int
        How many replicates (ids 0..R-1), or the exact replicate ids to run.
    keep_timelines : int
        Record per-step rows and the event log for the first this-many replicates.
    player : Player, optional
        Takes the decisions of one actor (see :mod:`sim.model.player`); None (the
        default): the model takes them all, and draws exactly what it drew before.
    **overrides
        Scenario values by key path with ``__`` for dots, e.g.
        ``actors__united_states__deadline_days=7``. A numeric value may be an array of
        one value per replicate (design points or prior draws run side by side).
    """

    def __init__(
        self,
        scenario: str | Scenario = "baseline",
        seed: int = 0,
        replicates: int | Sequence[int] = 1,
        keep_timelines: int = 100,
        player: Player | None = None,
        **overrides: Any,
    ) -> None:
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < SEED_LIMIT:
            raise ScenarioError("seed", "seed", repr(seed), SEED_ALLOWED)
        super().__init__(seed=seed)
        self.replicate_ids = _replicate_ids(replicates)
        self.player = player
        self.n_replicates = R = len(self.replicate_ids)
        dotted = {k.replace("__", "."): v for k, v in overrides.items()}
        scalars = {k: v for k, v in dotted.items() if not isinstance(v, (np.ndarray, list, tuple))}
        arrays = {k: v for k, v in dotted.items() if k not in scalars}
        self.scenario = load_scenario(scenario).with_overrides(scalars, source="overrides")
        self.seed = int(seed)
        self.streams = Streams(self.seed, self.replicate_ids)
        self.params, self.drawn, self.ensemble_set = resolve_parameters(
            self.scenario, self.streams, R, arrays, self.replicate_ids
        )
        self.draw_index = {name: i for i, name in enumerate(DRAWS)}
        self._setup_clock(self.scenario.data)
        self._setup_parameters(self.params)
        actors = self.params["actors"]
        self.russia = Russia(self, actors["russia"])
        self.ukraine = Ukraine(self, actors["ukraine"])
        self.united_states = UnitedStates(self, actors["united_states"])
        self.europe = Europe(self, actors["europe"])
        self.belligerents = self.agents.select(lambda a: isinstance(a, (Russia, Ukraine)))
        self._setup_state(R)
        self.log = EventLog(self, min(keep_timelines, R))
        self.recorder = TimelineRecorder(self, min(keep_timelines, R))
        self.united_states.open_text(self.russia, self.ukraine)
        self.datacollector = mesa.DataCollector(
            model_reporters={
                "truce_in_force": lambda m: float(m.truce_on.mean()),
                "agreement_in_force": lambda m: float((m.agreement > 0).mean()),
                "mediator_engaged": lambda m: float(m.united_states.engaged.mean()),
                "russian_fire": lambda m: float(m.russia.fire.mean() * 2),
                "ukrainian_fire": lambda m: float(m.ukraine.fire.mean() * 2),
                "accusations": lambda m: float((m.russia.accusations + m.ukraine.accusations).mean()),
            }
        )
        self.datacollector.collect(self)

    # --- set-up --------------------------------------------------------------------

    def _setup_clock(self, data: Mapping) -> None:
        clock = data["clock"]
        start = clock["start"]
        hours = lambda when: (when - start) / dt.timedelta(hours=1)  # noqa: E731
        breakpoints = [hours(e["at"]) for e in data["events"]]
        breakpoints += [hours(e["at"]) + e["hours"] for e in data["events"] if e["kind"] == "truce"]
        self.clock = Clock(start, clock["tick_hours"], clock["horizon_days"], breakpoints)
        self.start: dt.datetime = start
        self.tick_hours: int = clock["tick_hours"]
        self.n_ticks = self.clock.n_steps
        self.tick = 0
        self.window = (0.0, float(self.clock.edges[1]))
        self.dt_hours = float(self.clock.dt_hours[0])
        self.calendar: dict[int, list[Mapping]] = {}
        for event in data["events"]:
            self.calendar.setdefault(int(self.clock.step_at(hours(event["at"]))), []).append(event)

    def _setup_parameters(self, params: Mapping) -> None:
        mil, neg = params["military"], params["negotiation"]
        self.strike_events_per_hour = mil["strike_events_per_hour"]
        self.learning = mil["learning"]
        self.clear_hours = mil["clear_hours"]
        self.negotiating = neg["enabled"]
        self.text_step = neg["text_step"]
        self.round_hours = np.asarray(neg["round_days"], dtype=float) * 24.0
        self.bilateral_round_hours = np.asarray(neg["bilateral_round_days"], dtype=float) * 24.0
        self.ceasefire_hours = np.asarray(neg["ceasefire_days"], dtype=float) * 24.0
        self.retry_hours = np.asarray(neg["retry_days"], dtype=float) * 24.0
        self.hold_days = params["outcomes"]["hold_days"]
        lags = [np.max(params["actors"][s]["response"]["answer_lag_hours"]) for s in SIDES]
        mids = 0.5 * (self.clock.edges[:-1] + self.clock.edges[1:])
        ahead = self.clock.step_at(mids + max(lags)) - np.arange(self.clock.n_steps)
        self.queue_steps = int(max(2, ahead.max() + 2))

    def _setup_state(self, R: int) -> None:
        self.draws = np.zeros((R, len(DRAWS)))
        self.balance = np.zeros(R)
        self.fighting = np.zeros(R)
        self.support = self.united_states.aid + self.europe.aid(self.united_states)
        self.initial_support = self.support.copy()
        # Unilateral truce: in force, who is bound, when it started and ends (hours).
        self.truce_on = np.zeros(R, dtype=bool)
        self.truce_bound = np.zeros((R, 2), dtype=bool)
        self.truce_start = np.zeros(R)
        self.truce_end = np.zeros(R)
        self.truce_declarer = np.zeros(R, dtype=np.int8)
        self.truce_extension_p = np.zeros(R)
        self.truce_extension_hours = np.zeros(R)
        self.first_truce_day = np.full(R, np.nan)
        self.first_truce_hours = np.full(R, np.nan)
        # Agreements: level (0 none .. 3 settlement), since when and until when (hours), terms.
        self.agreement = np.zeros(R, dtype=np.int8)
        self.agreement_since = np.full(R, np.nan)
        self.agreement_end = np.full(R, np.inf)
        self.terms = np.full((R, len(ISSUES)), np.nan)
        self.first_agreement_day = np.full(R, np.nan)
        self.first_collapse_day = np.full(R, np.nan)
        self.collapse_reason = np.full(R, "", dtype=object)
        self.collapsed_by = np.full(R, "", dtype=object)
        self.best_agreement = np.zeros(R, dtype=np.int8)
        self.collapses = np.zeros(R, dtype=np.int64)
        self.talks_resume = np.zeros(R)
        self.next_round = np.broadcast_to(self.round_hours, (R,)).copy()
        self.bilateral_open = np.zeros(R, dtype=bool)
        self.next_bilateral = np.full(R, np.inf)
        self.bilateral_issues = np.zeros(len(ISSUES), dtype=bool)
        self.bilateral_offer_day = np.full(R, np.nan)
        self.bilateral_accepted = np.zeros(R, dtype=bool)
        self.harm = {"ukraine": np.zeros(R), "russia": np.zeros(R)}
        self.monitoring = np.zeros(R)
        self._update_commitments()
        self.truce_during = self.truce_on.copy()
        self.agreement_during = self.agreement.copy()

    # --- helpers -------------------------------------------------------------------

    def day_of(self, tick: int | np.ndarray) -> Any:
        """Days since the start at the beginning of step ``tick``."""
        return self.clock.edges[tick] / 24.0

    def time_of(self, tick: int) -> dt.datetime:
        """Calendar time at the beginning of step ``tick`` (``n_ticks``: the horizon)."""
        return self.clock.time_of(self.clock.edges[tick])

    def agreed_issues_mask(self) -> np.ndarray:
        """(R, 6) bool: issues settled by the agreement in force."""
        return negotiation.SETTLED[self.agreement]

    def holding_any(self) -> np.ndarray:
        """(R, 2) bool: where each side holds fire in at least one class."""
        return self._holding

    def _update_commitments(self) -> None:
        """Derive who must hold fire in which class (R, 2 sides, 2 classes), and the monitor.

        A side newly holding fire starts counting violations afresh.
        """
        before = getattr(self, "_holding", None)
        civilian = self.agreement >= negotiation.PARTIAL  # every agreement binds the civilian class
        military_ = self.agreement >= negotiation.CEASEFIRE_DEAL  # ceasefire and settlement bind both
        self.committed = np.empty((self.n_replicates, 2, 2), dtype=bool)
        self.committed[:, :, 0] = self.truce_bound | military_[:, None]
        self.committed[:, :, 1] = self.truce_bound | civilian[:, None]
        self._holding = self.truce_bound | civilian[:, None]  # military is bound only with civilian
        if before is not None:
            fresh = self._holding & ~before
            for b in self.belligerents:
                b.grievance[fresh[:, b.index]] = 0.0
        us, europe = self.united_states, self.europe
        mission = np.maximum(europe.params["monitoring"], us.params["monitoring"] * us.engaged)
        self.monitoring = np.where(civilian, mission, 0.0)

    # --- one step ------------------------------------------------------------------

    def step(self) -> None:
        """Advance every replicate by one step (see docs/model.md, process overview)."""
        k = self.tick
        start, end = float(self.clock.edges[k]), float(self.clock.edges[k + 1])
        self.window, self.dt_hours = (start, end), end - start
        self.draws = self.streams.uniforms(k, DRAWS)
        events = self.calendar.get(k, ())
        for event in events:
            self._fire_event(event, k, start)
        if events:
            self._update_commitments()  # a truce or a deal signed at a meeting binds this step
        self.truce_during = self.truce_on.copy()
        self.agreement_during = self.agreement.copy()
        self.belligerents.do("decide")
        self.belligerents.do("advance")
        self._log_violations(k)
        seen = {b.side: b.observe() for b in self.belligerents}
        for later in self._answer_within_step(k):
            for side, counts in later.items():
                for name in ("cleared", "answered"):
                    seen[side][name] = seen[side][name] + counts[name]
        self._consequences()
        self._abandon_for_violations(k, start, end)
        self._log_accusations(k, seen)  # after any collapse withdrew accusations that came after it
        self.united_states.hear(self.russia.perceived + self.ukraine.perceived, self.dt_hours)
        self._end_truce(k, end)
        self._expire_ceasefire(k, end)
        if self.negotiating:
            self._negotiate(k, start, end)
        self._update_commitments()
        self.recorder.record(k)
        self.tick = k + 1
        self.running = self.tick < self.n_ticks
        self.datacollector.collect(self)

    def run(self) -> CeasefireModel:
        """Run to the horizon; returns the model, for chaining."""
        while self.running:
            self.step()
        return self

    # --- calendar events -----------------------------------------------------------

    def _fire_event(self, event: Mapping, k: int, now: float) -> None:
        kind = event["kind"]
        if kind == "truce":
            self._declare_truce(event, k, now)
        elif kind == "bilateral_offer":
            self._bilateral_offer(event, k, now)
        elif kind == "meeting":
            self.log.add(k, "meeting", "united_states", detail=event["name"])
            if self.negotiating:
                engaged = self.united_states.engaged
                if "europe" in event["participants"]:
                    self.united_states.text = self.europe.push_sequencing(self.united_states.text, engaged)
                self._mediated_round(k, engaged, now)
        else:
            self.log.add(k, "statement", event["actor"], detail=event["text"])

    def _declare_truce(self, event: Mapping, k: int, now: float) -> None:
        """The declarer holds fire for ``hours``; the other side decides whether to join."""
        declarer = SIDES.index(event["actor"])
        other = 1 - declarer
        joiner = (self.russia, self.ukraine)[other]
        joins = self.streams.uniform(k, f"join_truce:{SIDES[other]}") < joiner.join_truce
        everywhere = np.ones(self.n_replicates, dtype=bool)
        joins = decide(self.player, "join_truce", SIDES[other], k, everywhere, joins, hours=now, truce_hours=event["hours"])
        fresh = ~self.truce_on
        self.truce_start = np.where(fresh, now, self.truce_start)
        self.truce_declarer = np.where(fresh, declarer, self.truce_declarer).astype(np.int8)
        self.truce_on[:] = True
        self.truce_bound[:, declarer] = True
        self.truce_bound[:, other] |= joins
        self.truce_end = np.where(fresh, now + event["hours"], np.maximum(self.truce_end, now + event["hours"]))
        self.truce_extension_p[:] = event["extension_probability"]
        self.truce_extension_hours[:] = event["extension_hours"]
        self.first_truce_day = np.where(np.isnan(self.first_truce_day), now / 24.0, self.first_truce_day)
        self.log.add(k, "truce_declared", event["actor"], detail=f"{event['hours']:g} hours")
        self.log.add(k, "truce_joined", SIDES[other], mask=joins, detail="ceasefire met with ceasefire")
        self.log.add(k, "truce_not_joined", SIDES[other], mask=~joins, detail="fights on")

    def _bilateral_offer(self, event: Mapping, k: int, now: float) -> None:
        self.log.add(k, "bilateral_offer", event["actor"], detail=", ".join(event["issues"]))
        self.bilateral_offer_day = np.where(np.isnan(self.bilateral_offer_day), now / 24.0, self.bilateral_offer_day)
        if not self.negotiating:
            return
        accept = self.streams.uniform(k, "bilateral_acceptance") < self.ukraine.bilateral_acceptance
        self.bilateral_open |= accept
        self.bilateral_accepted |= accept
        self.next_bilateral = np.where(accept, now + self.bilateral_round_hours, self.next_bilateral)
        self.bilateral_issues = np.isin(np.array(ISSUES), event["issues"])
        self.log.add(k, "bilateral_accepted", "ukraine", mask=accept, detail=", ".join(event["issues"]))
        self.log.add(k, "bilateral_declined", "ukraine", mask=~accept)

    # --- military consequences and commitments ------------------------------------

    def _log_violations(self, k: int) -> None:
        """The truth, for the event log: fire by a side in a class it is committed to hold."""
        for b in self.belligerents:
            committed = self.committed[:, b.index, :]
            ordered = (b.intended > 0) & committed
            local = (b.local > 0) & committed[:, military.MILITARY]
            fired = military.any_class(ordered) | local
            detail = _violation_text(ordered, b.incidents, b.local - b.incidents)
            self.log.add(k, "violation", b.side, mask=fired, detail=detail)

    def _log_accusations(self, k: int, seen: Mapping[str, Mapping[str, np.ndarray]]) -> None:
        """One accusation and one answer row per side and step: the step's final counts."""
        for b in self.belligerents:
            counts = dict(seen[b.side])
            counts["perceived"] = b.perceived
            counts["cleared"] = np.minimum(counts["cleared"], b.perceived)
            self.log.add(k, "accusation", b.side, mask=b.perceived > 0, detail=_accusation_text(counts))
            self.log.add(k, "answer", b.side, mask=counts["answered"] > 0, detail=_count_text(counts["answered"]))

    def _log_answers_fired(self, k: int, fired: Mapping[str, np.ndarray]) -> None:
        """Local answers fired later in the step are violations where their side holds military fire."""
        for b in self.belligerents:
            where = (fired[b.side] > 0) & self.committed[:, b.index, military.MILITARY]
            self.log.add(k, "violation", b.side, mask=where, detail=_count_text_violation(fired[b.side]))

    def _answer_within_step(self, k: int) -> list[dict[str, dict[str, np.ndarray]]]:
        """Play out, inside this step, the answers that fall due before it ends.

        Each generation of local answers is fired and perceived by the other side, whose own
        answers may again fall inside the step; the chain stops when none do (at most
        ``MAX_GENERATIONS``, a bound a 24-hour step with a 1-hour lag does not reach in practice).
        Returns each generation's counts by side.
        """
        generations = []
        for generation in range(1, MAX_GENERATIONS + 1):
            since = {b.side: b.answer_since.copy() for b in self.belligerents}
            fired = {b.side: b.fire_answers_now() for b in self.belligerents}
            if not any(n.any() for n in fired.values()):
                break
            self._log_answers_fired(k, fired)
            generations.append(
                {b.side: b.observe_answers(fired[b.other.side], since[b.other.side], generation) for b in self.belligerents}
            )
        return generations

    def _consequences(self) -> None:
        days = self.dt_hours / 24.0
        ru, ua = self.russia.fire, self.ukraine.fire
        self.harm["ukraine"] += ru[:, 1] * days
        self.harm["russia"] += ua[:, 1] * days
        for b in self.belligerents:
            b.bear_costs(days)
        self.fighting += (ru[:, 0] + ua[:, 0]) * days
        self.support = self.united_states.aid + self.europe.aid(self.united_states)
        shock = self.streams.normal(self.tick, "battle")
        mil = self.params["military"]
        self.balance = military.battle_step(
            self.balance, ru, ua, self.support, mil["battle_drift"], mil["battle_noise"], days, shock
        )

    def _abandon_for_violations(self, k: int, start: float, end: float) -> None:
        """A side abandons every commitment it holds when the violations it counts pass its tolerance.

        The side that passes it first decides, at the moment it does (both, if at the same time).
        """
        holding = self.holding_any()
        when = {b.side: np.where(holding[:, b.index], b.reckon(), np.nan) for b in self.belligerents}
        first = np.fmin(when["russia"], when["ukraine"])
        quit_ = {side: ~np.isnan(t) & (t <= first) for side, t in when.items()}
        self._collapse(k, quit_, "violations", np.where(np.isnan(first), end, first), end)

    def _collapse(
        self, k: int, quit_: Mapping[str, np.ndarray], reason: str, when: float | np.ndarray, end: float
    ) -> None:
        """End the truce and agreement in force where a side decided to abandon them.

        The deciding side fires again at once; the other side resumes at once, or one answer
        lag later if it waits for the other (policy-level mirroring). A broken agreement
        costs both sides trust and pauses new agreements for ``retry_days``. Works on the
        collapsing replicates only: most steps of a large batch have few or none.
        """
        by = quit_["russia"] | quit_["ukraine"]
        rows = np.flatnonzero(by)
        if rows.size == 0:
            return
        when = np.broadcast_to(np.asarray(when, dtype=float), by.shape)
        who = np.full(self.n_replicates, "", dtype=object)
        who[rows] = np.where(
            quit_["russia"][rows] & quit_["ukraine"][rows], "both", np.where(quit_["russia"][rows], "russia", "ukraine")
        )
        truce = by & self.truce_on
        deal = by & (self.agreement > 0)
        self._unsay_after(k, rows, quit_, when, end)
        for b in self.belligerents:
            held = self.committed[rows, b.index, :]
            b.resume(rows, held, when[rows], own_decision=False)
            own = quit_[b.side][rows]
            b.resume(rows[own], held[own], when[rows][own], own_decision=True)
            loss = b.params["commitment"]["collapse_trust_loss"]
            b.trust[deal] *= 1.0 - np.broadcast_to(loss, by.shape)[deal]
        self.log.add(k, "abandoned", who, mask=by, detail=_abandon_text(self, quit_, reason), at_hours=when)
        self.log.add(k, "truce_collapsed", who, mask=truce, detail=reason, at_hours=when)
        self.log.add(k, "collapse", who, mask=deal, detail=_LEVELS[self.agreement], at_hours=when)
        first_truce = truce & np.isnan(self.first_truce_hours)
        self.first_truce_hours[first_truce] = (when - self.truce_start)[first_truce]
        self.truce_on[truce] = False
        self.truce_bound[truce] = False
        first = deal & np.isnan(self.first_collapse_day)
        self.first_collapse_day[first] = when[first] / 24.0
        self.collapse_reason[first] = reason
        self.collapsed_by[first] = who[first]
        self.collapses[deal] += 1
        self.talks_resume[deal] = end + np.broadcast_to(self.retry_hours, by.shape)[deal]
        self.agreement[deal] = 0
        self.agreement_since[deal] = np.nan
        self.agreement_end[deal] = np.inf
        self._update_commitments()

    def _unsay_after(
        self, k: int, rows: np.ndarray, quit_: Mapping[str, np.ndarray], when: np.ndarray, end: float
    ) -> None:
        """Withdraw the accusations of this step that fell after the collapse at ``when``.

        A step's perceptions fall at uniform times within it; those after the commitment
        ended were not violations of it. The side that quit keeps at least the one that tipped it.
        """
        start = self.window[0]
        after = np.clip((end - when[rows]) / (end - start), 0.0, 1.0)
        truce = self.truce_on[rows]
        for b in self.belligerents:
            keep = quit_[b.side][rows].astype(np.int64)
            u = self.streams.uniform_rows(k, f"unsaid:{b.side}", rows)
            drop = binomial(u, np.maximum(b.perceived[rows] - keep, 0), after)
            b.accusations[rows] -= drop
            b.truce_accusations[rows] -= drop * truce
            b.perceived[rows] -= drop

    def _end_truce(self, k: int, end: float) -> None:
        """A truce whose term is up is extended (by its declarer, with a probability) or lapses."""
        due = self.truce_on & (self.truce_end <= end + 1e-9)
        if not due.any():
            return
        extend = due & (self.draws[:, self.draw_index["truce_extension"]] < self.truce_extension_p)
        if self.player is not None and self.player.side in SIDES:
            own = SIDES.index(self.player.side)
            extend = decide(
                self.player, "extend_truce", self.player.side, k, due & (self.truce_declarer == own), extend,
                hours=end, held_hours=end - self.truce_start, extension_hours=self.truce_extension_hours,
                joined=self.truce_bound[:, 1 - own], seen=(self.russia, self.ukraine)[own].truce_accusations,
            )  # fmt: skip
        lapse = due & ~extend
        declarer = np.array(SIDES, dtype=object)[self.truce_declarer]
        self.log.add(
            k, "truce_extended", declarer, mask=extend, detail=lambda i: [f"{h:g} hours" for h in self.truce_extension_hours[i]], at_end=True
        )
        self.truce_end = np.where(extend, self.truce_end + self.truce_extension_hours, self.truce_end)
        for b in self.belligerents:
            own = b.index == self.truce_declarer
            for rows, decided in ((np.flatnonzero(lapse & own), True), (np.flatnonzero(lapse & ~own), False)):
                classes = np.repeat(self.truce_bound[rows, b.index, None], 2, axis=1)
                b.resume(rows, classes, self.truce_end[rows], own_decision=decided)
        hours = self.truce_end - self.truce_start
        self.first_truce_hours = np.where(lapse & np.isnan(self.first_truce_hours), hours, self.first_truce_hours)
        self.truce_on &= ~lapse
        self.truce_bound &= ~lapse[:, None]
        self.log.add(k, "truce_ended", declarer, mask=lapse, at_end=True)

    def _expire_ceasefire(self, k: int, end: float) -> None:
        """A ceasefire deal whose term is up falls back to the partial agreement it contains."""
        expire = (self.agreement == negotiation.CEASEFIRE_DEAL) & (self.agreement_end <= end + 1e-9)
        if not expire.any():
            return
        rows = np.flatnonzero(expire)
        classes = np.zeros((rows.size, 2), dtype=bool)
        classes[:, military.MILITARY] = True
        for b in self.belligerents:
            b.resume(rows, classes, np.full(rows.size, end), own_decision=False)
        self.agreement = np.where(expire, negotiation.PARTIAL, self.agreement).astype(np.int8)
        self.agreement_end = np.where(expire, np.inf, self.agreement_end)
        self.log.add(k, "ceasefire_expired", "", mask=expire, at_end=True)

    # --- negotiation ---------------------------------------------------------------

    def _negotiate(self, k: int, start: float, end: float) -> None:
        """Concede over the step, then at its end: abandon for value, return, rounds, deadline.

        Pressure is read at the middle of the step: it grows linearly toward the deadline,
        and the midpoint rule integrates a linear rate exactly, whatever the step's length.
        A stepped-back mediator that sees enough progress returns before the round at the
        same moment, so a return and a round that fall together do not depend on the step.
        """
        us = self.united_states
        pressure, pressure_now = us.pressure(0.5 * (start + end)), us.pressure(end)
        days = (end - start) / 24.0
        for b in self.belligerents:
            b.concede(pressure, days, pressure_now)
            b.restate()
        self._abandon_for_value(k, start, end)
        # Progress is read where it is used: by a stepped-back mediator, at a deadline, in a timeline.
        away = ~us.engaged  # stepped back for the whole of this step
        if away.any() or self.recorder.keep:
            us.measure_progress(self.russia, self.ukraine)
        progress = lambda i: [f"progress {p:.0%}" for p in us.progress[i]]  # noqa: E731
        back = us.consider_return(end, days, self.draws[:, self.draw_index["mediator_return"]], away)
        self.log.add(k, "mediator_returned", "united_states", mask=back, detail=progress, at_end=True)
        # Rounds and deadlines that fall at the horizon itself are outside the run, like events.
        inside = end < self.clock.horizon_hours - 1e-9
        due_round = (self.next_round <= end + 1e-9) & inside
        mediated = us.engaged & due_round
        self.next_round = np.where(due_round, self.next_round + self.round_hours, self.next_round)
        if mediated.any():
            self._mediated_round(k, mediated, end)
        bilateral = self.bilateral_open & (self.next_bilateral <= end + 1e-9) & inside
        if bilateral.any():
            self.next_bilateral = np.where(bilateral, self.next_bilateral + self.bilateral_round_hours, self.next_bilateral)
            self._bilateral_round(k, bilateral, end)
        if not inside:
            return
        if (us.engaged & (us.deadline_at <= end + 1e-9)).any() or self.recorder.keep:
            us.measure_progress(self.russia, self.ukraine)
        for kind, mask in us.face_deadline(end, self.draws[:, self.draw_index["deadline_extension"]]).items():
            self.log.add(k, kind, "united_states", mask=mask, detail=progress, at_end=True)

    def _abandon_for_value(self, k: int, start: float, end: float) -> None:
        """A side abandons an agreement whose terms now lie outside what it would accept.

        Its bounds move with its value of no deal (battlefield, costs, pressure, aid): when
        fighting on is worth more than the deal, the agreed terms fall outside them.
        """
        if not (self.agreement > 0).any():
            return
        settled = self.agreed_issues_mask()
        terms = np.where(settled, self.terms, 0.5)
        ukraine_out = (settled & (terms > self.ukraine.bounds(terms) + 1e-9)).any(axis=1)
        russia_out = (settled & (terms < self.russia.bounds(terms) - 1e-9)).any(axis=1)
        quit_ = {"russia": russia_out, "ukraine": ukraine_out}
        self._collapse(k, quit_, "value", start + _DECIDED_WITHIN_STEP * (end - start), end)

    def _mediated_round(self, k: int, where: np.ndarray, now: float) -> None:
        """The mediator moves its text and asks both parties whether they sign it."""
        us = self.united_states
        us.propose(self.russia, self.ukraine, where)
        self.log.add(k, "proposal", "united_states", mask=where, detail=lambda i: [_terms_text(x) for x in us.text[i]], at_hours=now)
        self._try_agreement(k, us.text, where, np.ones(len(ISSUES), dtype=bool), "mediated", now)

    def _bilateral_round(self, k: int, where: np.ndarray, now: float) -> None:
        """Direct talks: the middle of what each side would sign, on the agenda's issues."""
        text = self.united_states.text.copy()
        middle = negotiation.mediator_target(self.ukraine.signing_bounds(text), self.russia.signing_bounds(text))
        text[:, self.bilateral_issues] = middle[:, self.bilateral_issues]
        self._try_agreement(k, text, where, self.bilateral_issues, "bilateral", now)

    def _try_agreement(
        self, k: int, text: np.ndarray, where: np.ndarray, allowed: np.ndarray, track: str, now: float
    ) -> None:
        ua, ru = self.ukraine, self.russia
        acceptable = negotiation.in_zone(text, ua.signing_bounds(text), ru.signing_bounds(text))
        settlement_ok = (ua.utility(text) >= ua.no_deal_value + ua.margin()) & (
            ru.utility(text) >= ru.no_deal_value + ru.margin()
        )
        level = negotiation.best_package(acceptable, settlement_ok, allowed)
        if self.player is not None and self.player.side in SIDES:
            level = self._player_signs(k, text, where, allowed, track, now, level)
        new = where & (level > self.agreement) & (self.talks_resume <= now + 1e-9)
        if not new.any():
            return
        issues = negotiation.SETTLED[level]
        self.terms = np.where(new[:, None] & issues, text, self.terms)
        self.agreement = np.where(new, level, self.agreement).astype(np.int8)
        self.agreement_since = np.where(new, now, self.agreement_since)
        self.best_agreement = np.maximum(self.best_agreement, self.agreement)
        self.agreement_end = np.where(
            new & (level == negotiation.CEASEFIRE_DEAL), now + self.ceasefire_hours, np.where(new, np.inf, self.agreement_end)
        )
        self.first_agreement_day = np.where(new & np.isnan(self.first_agreement_day), now / 24.0, self.first_agreement_day)
        self.log.add(k, "agreement", track, mask=new, detail=_LEVELS[self.agreement], at_hours=now)

    def _player_signs(
        self, k: int, text: np.ndarray, where: np.ndarray, allowed: np.ndarray, track: str, now: float, level: np.ndarray
    ) -> np.ndarray:
        """(R,) the level signed when the player's side is asked whether to sign.

        It is asked where the other side alone would sign a package above the agreement in
        force (its level: ``best_package`` with the player's side accepting every issue)
        and talks are not paused. Signing gives that package (or the model's own, where
        the model would have signed); rejecting gives none.
        """
        side = self.player.side
        other = self.russia if side == "ukraine" else self.ukraine
        bounds = other.signing_bounds(text)
        anything = np.full_like(bounds, np.inf)
        zone = negotiation.in_zone(text, anything, bounds) if side == "ukraine" else negotiation.in_zone(text, bounds, -anything)
        settles = other.utility(text) >= other.no_deal_value + other.margin()
        offered = negotiation.best_package(zone, settles, allowed)
        open_ = where & (self.talks_resume <= now + 1e-9)
        signs = open_ & (level > self.agreement)
        choice = decide(
            self.player, "sign", side, k, open_ & (offered > self.agreement), signs, key=f"{k}:sign:{track}:{now:g}",
            hours=now, level=np.where(signs, level, offered), current=self.agreement, bilateral=track == "bilateral",
        )  # fmt: skip
        return apply_count(choice, signs, level, offered)

    def release(self) -> None:
        """Let this finished model be garbage-collected.

        Mesa 3.3's ``Agent._ids`` keeps a reference to every model ever built (mesa issue
        #3179, fixed upstream in PR #3180); a process that runs chunk after chunk would
        otherwise keep every chunk's arrays. Call it once the results are read.
        """
        mesa.Agent._ids.pop(self, None)
        self.remove_all_agents()

    # --- results -------------------------------------------------------------------

    def outcomes(self) -> pd.DataFrame:
        """One row per replicate: outcome class, dates (NaN when censored), harm, terms."""
        return outcome_table(self)

    def parameters(self) -> pd.DataFrame:
        """One row per replicate: the values drawn from priors, taken from an ensemble or given per replicate."""
        return parameter_table(self)

    def timeline(self) -> pd.DataFrame:
        """One row per (replicate, step) for the first ``keep_timelines`` replicates."""
        return self.recorder.frame()

    def events(self) -> pd.DataFrame:
        """The dated event log of the first ``keep_timelines`` replicates."""
        return self.log.frame()


def _replicate_ids(replicates: int | Sequence[int]) -> np.ndarray:
    if isinstance(replicates, (int, np.integer)) and not isinstance(replicates, bool):
        if replicates < 1:
            raise ScenarioError("replicates", "replicates", repr(replicates), "a whole number >= 1")
        return np.arange(int(replicates), dtype=np.int64)
    ids = np.asarray(list(replicates), dtype=np.int64)
    if ids.ndim != 1 or len(ids) == 0 or (ids < 0).any():
        raise ScenarioError(
            "replicates", "replicates", repr(replicates), "a count >= 1 or a non-empty list of ids >= 0"
        )
    return ids


# --- texts for the event log, computed only for the logged replicates -----------------


def _violation_text(ordered: np.ndarray, incidents: np.ndarray, answers: np.ndarray):
    def text(rows: np.ndarray) -> list[str]:
        out = []
        for i in rows:
            parts = []
            if ordered[i, 0] or ordered[i, 1]:
                classes = " and ".join(c for c, on in zip(("military", "civilian"), ordered[i], strict=True) if on)
                parts.append(f"ordered fire ({classes})")
            if incidents[i]:
                parts.append(f"{incidents[i]} unordered incident{_plural(incidents[i])}")
            if answers[i]:
                parts.append(f"{answers[i]} local answer{_plural(answers[i])}")
            out.append(", ".join(parts))
        return out

    return text


def _accusation_text(counts: Mapping[str, np.ndarray]):
    perceived, cleared = counts["perceived"], counts["cleared"]

    def text(rows: np.ndarray) -> list[str]:
        out = []
        for i in rows:
            words = f"{perceived[i]} violation{_plural(perceived[i])} seen"
            if cleared[i]:
                words += f", {cleared[i]} cleared up by the monitor"
            out.append(words)
        return out

    return text


def _count_text(counts: np.ndarray):
    return lambda rows: [f"{n} local answer{_plural(n)} in defence" for n in counts[rows]]


def _count_text_violation(counts: np.ndarray):
    return lambda rows: [f"{n} local answer{_plural(n)}" for n in counts[rows]]


def _abandon_text(model: CeasefireModel, quit_: Mapping[str, np.ndarray], reason: str):
    """Why each side quit: its counted violations against its tolerance, or the value of fighting on."""
    sides = {b.side: b for b in model.belligerents}
    grievance = {s: b.grievance_peak.copy() for s, b in sides.items()}
    tolerance = {s: b.tolerance_now().copy() for s, b in sides.items()}

    def text(rows: np.ndarray) -> list[str]:
        out = []
        for i in rows:
            parts = []
            for side in SIDES:
                if not quit_[side][i]:
                    continue
                if reason == "violations":
                    parts.append(
                        f"{side}: {grievance[side][i]:.1f} recent violations counted, "
                        f"more than it tolerates ({tolerance[side][i]:.1f})"
                    )
                else:
                    parts.append(f"{side}: fighting on is now worth more to it than the agreed terms")
            out.append("; ".join(parts))
        return out

    return text


def _plural(n: int) -> str:
    return "s" if n > 1 else ""


def _terms_text(terms: np.ndarray) -> str:
    return ", ".join(f"{issue} {value:.2f}" for issue, value in zip(ISSUES, terms, strict=True))


_LEVELS = np.array(LEVEL_NAMES, dtype=object)

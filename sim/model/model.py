"""CeasefireModel: the calendar of events and one tick of both layers, on a :class:`Clock`.

One model holds R replicates as arrays; ``step()`` advances them all together. One
replicate is the classroom case, 100,000 the sweep case: the same code path.
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
from .events import EventLog
from .negotiation import LEVEL_NAMES
from .outcomes import outcome_table
from .rng import Streams
from .timeline import TimelineRecorder

__all__ = ["CeasefireModel"]

SIDES = ("russia", "ukraine")
# Random numbers drawn every tick, one column each (keyed by name, so adding one later
# changes none of the others).
DRAWS: tuple[str, ...] = (
    tuple(
        f"{what}:{side}:{cls}"
        for side in SIDES
        for what in ("miss", "false_alarm", "answer")
        for cls in ("military", "civilian")
    )
    + tuple(f"incident:{side}" for side in SIDES)
    + ("battle", "truce_extension", "deadline_extension")
)


def _draw_index() -> dict[str, Any]:
    index: dict[str, Any] = {name: i for i, name in enumerate(DRAWS)}
    for side in SIDES:
        for what in ("miss", "false_alarm", "answer"):
            first = index[f"{what}:{side}:military"]
            index[f"{what}:{side}"] = slice(first, first + 2)
    return index


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
        Record per-tick rows and the event log for the first this-many replicates.
    **overrides
        Scenario values by key path with ``__`` for dots, e.g.
        ``actors__united_states__deadline_days=7``.
    """

    def __init__(
        self,
        scenario: str | Scenario = "baseline",
        seed: int = 0,
        replicates: int | Sequence[int] = 1,
        keep_timelines: int = 100,
        **overrides: Any,
    ) -> None:
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ScenarioError("seed", "seed", repr(seed), "a whole number >= 0")
        super().__init__(seed=seed)
        self.scenario = load_scenario(scenario).with_overrides(
            {k.replace("__", "."): v for k, v in overrides.items()}, source="overrides"
        )
        self.seed = int(seed)
        self.replicate_ids = _replicate_ids(replicates)
        self.n_replicates = R = len(self.replicate_ids)
        self.streams = Streams(self.seed, self.replicate_ids)
        self.draw_index = _draw_index()
        self._setup_clock(self.scenario.data["clock"])
        self._setup_parameters(self.scenario.data)
        self.russia = Russia(self, self.scenario.data["actors"]["russia"])
        self.ukraine = Ukraine(self, self.scenario.data["actors"]["ukraine"])
        self.united_states = UnitedStates(self, self.scenario.data["actors"]["united_states"])
        self.europe = Europe(self, self.scenario.data["actors"]["europe"])
        self.belligerents = self.agents.select(lambda a: isinstance(a, (Russia, Ukraine)))
        for b in self.belligerents:
            b.remember_war()
        self._setup_state(R)
        self.calendar = self._calendar(self.scenario.data["events"])
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

    def _setup_clock(self, clock: Mapping) -> None:
        self.clock = Clock.from_scenario(clock)
        self.start: dt.datetime = self.clock.start
        self.tick_hours: int = self.clock.tick_hours
        self.tick_days = self.clock.tick_days
        self.n_ticks = self.clock.n_ticks
        self.tick = 0

    def _setup_parameters(self, data: Mapping) -> None:
        mil, neg = data["military"], data["negotiation"]
        self.incident_size = mil["incident_size"]
        self.collapse_ticks = mil["collapse_ticks"]
        self.learning = mil["learning"]
        self.negotiating = neg["enabled"]
        self.text_step = neg["text_step"]
        self.round_ticks = self.ticks_for_days(neg["round_days"])
        self.bilateral_round_ticks = self.ticks_for_days(neg["bilateral_round_days"])
        self.ceasefire_ticks = self.ticks_for_days(neg["ceasefire_days"])
        self.retry_ticks = self.ticks_for_days(neg["retry_days"])

    def _setup_state(self, R: int) -> None:
        self.draws = np.zeros((R, len(DRAWS)))
        self.balance = np.zeros(R)
        self.fighting = np.zeros(R)
        self.support = self.united_states.aid + self.europe.aid(self.united_states)
        self.initial_support = self.support.copy()
        # Unilateral truce: who is bound, until when, how often fire was ordered under it.
        self.truce_on = np.zeros(R, dtype=bool)
        self.truce_bound = np.zeros((R, 2), dtype=bool)
        self.truce_end = np.zeros(R, dtype=np.int64)
        self.truce_declarer = np.zeros(R, dtype=np.int8)
        self.truce_start = np.zeros(R, dtype=np.int64)
        self.truce_fire_ticks = np.zeros(R, dtype=np.int64)
        self.truce_extension_p = np.zeros(R)
        self.truce_extension_ticks = np.zeros(R, dtype=np.int64)
        self.first_truce_day = np.full(R, np.nan)
        self.first_truce_hours = np.full(R, np.nan)
        # Agreements: level (0 none .. 3 settlement), expiry, fire under it, agreed terms.
        self.agreement = np.zeros(R, dtype=np.int8)
        self.agreement_end = np.zeros(R, dtype=np.int64)
        self.agreement_fire_ticks = np.zeros(R, dtype=np.int64)
        self.terms = np.full((R, len(ISSUES)), np.nan)
        self.first_agreement_day = np.full(R, np.nan)
        self.first_collapse_day = np.full(R, np.nan)
        self.best_agreement = np.zeros(R, dtype=np.int8)
        self.collapses = np.zeros(R, dtype=np.int64)
        self.talks_resume = np.zeros(R, dtype=np.int64)
        self.bilateral_open = np.zeros(R, dtype=bool)
        self.bilateral_since = 0
        self.bilateral_issues = np.zeros(len(ISSUES), dtype=bool)
        self.harm = {"ukraine": np.zeros(R), "russia": np.zeros(R)}
        self._update_commitments()
        self.truce_during = self.truce_on.copy()
        self.agreement_during = self.agreement.copy()

    def _calendar(self, events: Sequence[Mapping]) -> dict[int, list[Mapping]]:
        """Scheduled events by the tick whose interval contains their time."""
        calendar: dict[int, list[Mapping]] = {}
        for event in events:
            tick = int((event["at"] - self.start) / dt.timedelta(hours=self.tick_hours))
            calendar.setdefault(tick, []).append(event)
        return calendar

    # --- helpers -------------------------------------------------------------------

    def ticks_for_days(self, days: float) -> int:
        """Whole ticks covering ``days`` (at least one); see :meth:`Clock.ticks_for_days`."""
        return self.clock.ticks_for_days(days)

    def day_of(self, tick: int | np.ndarray) -> Any:
        """Days since the start at the beginning of ``tick``; see :meth:`Clock.day_of`."""
        return self.clock.day_of(tick)

    def time_of(self, tick: int) -> dt.datetime:
        """Calendar time at the beginning of ``tick``; see :meth:`Clock.time_of`."""
        return self.clock.time_of(tick)

    def agreed_issues_mask(self) -> np.ndarray:
        """(R, 6) bool: issues settled by the agreement in force."""
        return negotiation.SETTLED[self.agreement]

    def _update_commitments(self) -> None:
        """Derive who must hold fire in which class: (R, 2 sides, 2 classes)."""
        by_agreement = np.empty((self.n_replicates, 2), dtype=bool)
        by_agreement[:, 0] = self.agreement >= negotiation.CEASEFIRE_DEAL  # military: ceasefire, settlement
        by_agreement[:, 1] = self.agreement >= negotiation.PARTIAL  # civilian: every agreement
        self.committed = self.truce_bound[:, :, None] | by_agreement[:, None, :]
        self.covered = self.truce_on[:, None] | by_agreement

    # --- one tick ------------------------------------------------------------------

    def step(self) -> None:
        """Advance every replicate by one tick (see docs/model.md, process overview)."""
        t = self.tick
        self.draws = self.streams.uniforms(t, DRAWS)
        events = self.calendar.get(t, ())
        for event in events:
            self._fire_event(event, t)
        if events:
            self._update_commitments()  # a truce or a deal signed at a meeting binds this tick
        self.truce_during = self.truce_on.copy()
        self.agreement_during = self.agreement.copy()
        self.belligerents.do("decide")
        self.belligerents.do("advance")
        self._log_violations(t)
        accused = {b.side: b.observe() for b in self.belligerents}
        self._log_accusations(t, accused)
        self._consequences()
        self._count_ordered_fire(t)
        self._end_commitments(t)
        if self.negotiating:
            self._negotiate(t)
        self._update_commitments()
        self.recorder.record(t)
        self.tick = t + 1
        self.running = self.tick < self.n_ticks
        self.datacollector.collect(self)

    def run(self) -> CeasefireModel:
        """Run to the horizon; returns the model, for chaining."""
        while self.running:
            self.step()
        return self

    # --- calendar events -----------------------------------------------------------

    def _fire_event(self, event: Mapping, t: int) -> None:
        kind = event["kind"]
        if kind == "truce":
            self._declare_truce(event, t)
        elif kind == "bilateral_offer":
            self._bilateral_offer(event, t)
        elif kind == "meeting":
            self.log.add(t, "meeting", "united_states", detail=event["name"])
            if self.negotiating:
                engaged = self.united_states.engaged
                attends = "europe" in event["participants"]
                if attends:
                    self.united_states.text = self.europe.push_sequencing(self.united_states.text, engaged)
                self._mediated_round(t, engaged)
        else:
            self.log.add(t, "statement", event["actor"], detail=event["text"])

    def _declare_truce(self, event: Mapping, t: int) -> None:
        declarer = SIDES.index(event["actor"])
        other = 1 - declarer
        reciprocates = (self.russia, self.ukraine)[other].rule.reciprocates_truces
        ticks = self.ticks_for_days(event["hours"] / 24.0)
        fresh = ~self.truce_on
        self.truce_start = np.where(fresh, t, self.truce_start)
        self.truce_declarer = np.where(fresh, declarer, self.truce_declarer).astype(np.int8)
        self.truce_fire_ticks = np.where(fresh, 0, self.truce_fire_ticks)
        self.truce_on[:] = True
        self.truce_bound[:, declarer] = True
        self.truce_bound[:, other] |= reciprocates
        self.truce_end = np.maximum(self.truce_end * ~fresh, t + ticks)
        self.truce_extension_p[:] = event["extension_probability"]
        self.truce_extension_ticks[:] = self.ticks_for_days(event["extension_hours"] / 24.0)
        self.first_truce_day = np.where(np.isnan(self.first_truce_day), self.day_of(t), self.first_truce_day)
        self._update_commitments()
        self.log.add(t, "truce_declared", event["actor"], detail=f"{event['hours']:g} hours")
        if reciprocates:
            self.log.add(t, "truce_reciprocated", SIDES[other], detail="ceasefire met with ceasefire")

    def _bilateral_offer(self, event: Mapping, t: int) -> None:
        self.log.add(t, "bilateral_offer", event["actor"], detail=", ".join(event["issues"]))
        if not self.negotiating:
            return
        u = self.streams.uniform(t, "bilateral_acceptance")
        accept = u < self.ukraine.bilateral_acceptance
        self.bilateral_open |= accept
        self.bilateral_since = t
        self.bilateral_issues = np.isin(np.array(ISSUES), event["issues"])
        self.log.add(t, "bilateral_accepted", "ukraine", mask=accept, detail=", ".join(event["issues"]))
        self.log.add(t, "bilateral_declined", "ukraine", mask=~accept)

    # --- military consequences and commitments ------------------------------------

    def _log_violations(self, t: int) -> None:
        for b in self.belligerents:
            fired = (b.fire > 0) & self.covered
            ordered = fired & (b.intended > 0)
            self.log.add(t, "violation", b.side, mask=military.any_class(fired), detail=_violation_text(fired, ordered))

    def _log_accusations(self, t: int, accused: Mapping[str, np.ndarray]) -> None:
        for side, where in accused.items():
            self.log.add(t, "accusation", side, mask=military.any_class(where), detail=_classes_text(where))

    def _consequences(self) -> None:
        days = self.tick_days
        ru, ua = self.russia.fire, self.ukraine.fire
        self.harm["ukraine"] += ru[:, 1] * days
        self.harm["russia"] += ua[:, 1] * days
        for b in self.belligerents:
            b.bear_costs(days)
        self.fighting += (ru[:, 0] + ua[:, 0]) * days
        self.support = self.united_states.aid + self.europe.aid(self.united_states)
        shock = self.streams.normal(self.tick, "battle")
        mil = self.scenario.data["military"]
        self.balance = military.battle_step(
            self.balance, ru, ua, self.support, mil["battle_drift"], mil["battle_noise"], days, shock
        )

    def _count_ordered_fire(self, t: int) -> None:
        """Count ticks in which a bound side ordered fire in a class it must hold (an answer)."""
        answered = np.zeros((self.n_replicates, 2), dtype=bool)
        for b in self.belligerents:
            ordered = (b.intended > 0) & self.committed[:, b.index, :]
            answered[:, b.index] = military.any_class(ordered)
            b.answers += answered[:, b.index]
            self.log.add(t, "answer", b.side, mask=answered[:, b.index], detail=_classes_text(ordered))
        any_answer = military.any_class(answered)
        self.truce_fire_ticks += self.truce_on & any_answer
        self.agreement_fire_ticks += (self.agreement > 0) & any_answer

    def _end_commitments(self, t: int) -> None:
        """Truces and agreements that collapse, lapse, get extended or expire this tick."""
        broke = self.truce_on & (self.truce_fire_ticks >= self.collapse_ticks)
        due = self.truce_on & ~broke & (self.truce_end <= t + 1)
        extend = due & (self.draws[:, self.draw_index["truce_extension"]] < self.truce_extension_p)
        lapse = due & ~extend
        self.truce_end = np.where(extend, self.truce_end + self.truce_extension_ticks, self.truce_end)
        ended = broke | lapse
        hours = (t + 1 - self.truce_start) * self.tick_hours
        self.first_truce_hours = np.where(ended & np.isnan(self.first_truce_hours), hours, self.first_truce_hours)
        self.truce_on &= ~ended
        self.truce_bound &= ~ended[:, None]
        declarer = np.array(SIDES, dtype=object)[self.truce_declarer]
        self.log.add(t, "truce_collapsed", declarer, mask=broke, detail="violations answered in kind", at_end=True)
        extra = self.truce_extension_ticks * self.tick_hours
        self.log.add(
            t, "truce_extended", declarer, mask=extend, detail=lambda i: [f"{h} hours" for h in extra[i]], at_end=True
        )
        self.log.add(t, "truce_ended", declarer, mask=lapse, at_end=True)

        collapse = (self.agreement > 0) & (self.agreement_fire_ticks >= self.collapse_ticks)
        expire = (self.agreement == negotiation.CEASEFIRE_DEAL) & ~collapse & (self.agreement_end <= t + 1)
        self.log.add(t, "collapse", "", mask=collapse, detail=_LEVELS[self.agreement], at_end=True)
        self.log.add(t, "ceasefire_expired", "", mask=expire, at_end=True)
        self.first_collapse_day = np.where(
            collapse & np.isnan(self.first_collapse_day), self.day_of(t + 1), self.first_collapse_day
        )
        self.collapses += collapse
        self.talks_resume = np.where(collapse, t + 1 + self.retry_ticks, self.talks_resume)
        self.agreement = np.where(collapse, 0, np.where(expire, negotiation.PARTIAL, self.agreement)).astype(np.int8)
        self.agreement_fire_ticks = np.where(collapse, 0, self.agreement_fire_ticks)

    # --- negotiation ---------------------------------------------------------------

    def _negotiate(self, t: int) -> None:
        us = self.united_states
        pressure = us.pressure(t)
        for b in self.belligerents:
            b.concede(pressure, self.tick_days)
        next_tick = t + 1
        mediated = next_tick % self.round_ticks == 0
        bilateral = self.bilateral_open.any() and (next_tick - self.bilateral_since) % self.bilateral_round_ticks == 0
        deadline_due = bool((us.engaged & ~us.deadline_met & (us.deadline_tick <= next_tick)).any())
        meeting_next = any(e["kind"] == "meeting" for e in self.calendar.get(next_tick, ()))
        if not (mediated or bilateral or deadline_due or meeting_next or self.recorder.keep):
            return  # nothing reads positions or progress this tick
        for b in self.belligerents:
            b.restate()
        if mediated:
            self._mediated_round(t, us.engaged)
        if bilateral:
            self._bilateral_round(t)
        us.measure_progress(self.russia, self.ukraine)
        u = self.draws[:, self.draw_index["deadline_extension"]]
        for kind, mask in us.face_deadline(next_tick, u).items():
            self.log.add(
                t,
                kind,
                "united_states",
                mask=mask,
                detail=lambda i: [f"progress {p:.0%}" for p in us.progress[i]],
                at_end=True,
            )

    def _mediated_round(self, t: int, where: np.ndarray) -> None:
        """The mediator moves its text and asks both parties whether they accept it."""
        us = self.united_states
        us.propose(self.russia, self.ukraine, where)
        self.log.add(t, "proposal", "united_states", mask=where, detail=lambda i: [_terms_text(x) for x in us.text[i]])
        self._try_agreement(t, us.text, where, np.ones(len(ISSUES), dtype=bool), "mediated")

    def _bilateral_round(self, t: int) -> None:
        """Direct talks: the middle of the two positions on the agenda's issues."""
        text = self.united_states.text.copy()
        middle = negotiation.mediator_target(self.ukraine.bounds(text), self.russia.bounds(text))
        text[:, self.bilateral_issues] = middle[:, self.bilateral_issues]
        self._try_agreement(t, text, self.bilateral_open, self.bilateral_issues, "bilateral")

    def _try_agreement(self, t: int, text: np.ndarray, where: np.ndarray, allowed: np.ndarray, track: str) -> None:
        acceptable = negotiation.in_zone(text, self.ukraine.bounds(text), self.russia.bounds(text))
        settlement_ok = (self.ukraine.utility(text) >= self.ukraine.no_deal_value) & (
            self.russia.utility(text) >= self.russia.no_deal_value
        )
        level = negotiation.best_package(acceptable, settlement_ok, allowed)
        new = where & (level > self.agreement) & (self.talks_resume <= t + 1)
        if not new.any():
            return
        issues = negotiation.SETTLED[level]
        self.terms = np.where(new[:, None] & issues, text, self.terms)
        self.agreement = np.where(new, level, self.agreement).astype(np.int8)
        self.best_agreement = np.maximum(self.best_agreement, self.agreement)
        self.agreement_end = np.where(new, t + 1 + self.ceasefire_ticks, self.agreement_end)
        self.agreement_fire_ticks = np.where(new, 0, self.agreement_fire_ticks)
        self.first_agreement_day = np.where(
            new & np.isnan(self.first_agreement_day), self.day_of(t + 1), self.first_agreement_day
        )
        self.log.add(t, "agreement", track, mask=new, detail=_LEVELS[self.agreement], at_end=True)

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

    def timeline(self) -> pd.DataFrame:
        """One row per (replicate, tick) for the first ``keep_timelines`` replicates."""
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


_CLASS_NAMES = np.array(["", "military", "civilian", "military and civilian"], dtype=object)


def _classes_text(where: np.ndarray):
    """Log text for rows of (R, 2) bool: 'military', 'civilian' or 'military and civilian'.

    Returned as a function of the logged rows, so that nothing is formatted for
    replicates whose events are not kept.
    """
    return lambda rows: _CLASS_NAMES[where[rows, 0].astype(int) + 2 * where[rows, 1].astype(int)]


def _violation_text(fired: np.ndarray, ordered: np.ndarray):
    """Log text for violations: the classes hit, and whether the fire was ordered."""
    classes = _classes_text(fired)
    how = np.array([" (unordered incident)", " (ordered)"], dtype=object)
    return lambda rows: classes(rows) + how[military.any_class(ordered)[rows].astype(int)]


def _terms_text(terms: np.ndarray) -> str:
    return ", ".join(f"{issue} {value:.2f}" for issue, value in zip(ISSUES, terms, strict=True))


_LEVELS = np.array(LEVEL_NAMES, dtype=object)

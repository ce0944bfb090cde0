"""Play one actor while the model plays the others: the game engine, with no terminal in it.

A :class:`Game` runs replicate 0 of a seed, one replicate, with the full event log. When
the model reaches a decision of the student's side it stops and shows a
:class:`Question`; :meth:`Game.answer` records the choice and the game goes on. Every
random number is a pure function of (seed, replicate, tick, purpose) (``sim.model.rng``),
so the same seed and the same answers always tell the same story.

How a decision in the middle of a step is met: the game's player answers from the
choices made so far and raises :class:`Pending` at a decision not yet answered; the game
then rebuilds the model and replays it, deterministically, to the start of that step
(a 30-day run takes about 0.1 s), and asks. After the answer the step runs again.

:func:`debrief` places the student's outcome among 500 runs of the model from the same
start and replays the game with each choice reversed, on the same random numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from sim.model.model import CeasefireModel
from sim.model.negotiation import LEVEL_NAMES
from sim.model.outcomes import outcome_shares
from sim.model.player import KINDS, Decision
from sim.scenario import Scenario, load_scenario

from .narrate import AGREEMENTS, BINDS, COMMITMENTS, NAMES, ending, narrate, when

__all__ = [
    "PLAYABLE",
    "OPTIONS",
    "Choice",
    "ChoiceError",
    "Debrief",
    "Game",
    "Pending",
    "Question",
    "Reversal",
    "Script",
    "debrief",
    "replay",
    "tell",
]

#: The actors a student can play.
PLAYABLE = ("ukraine", "russia", "united_states")
#: Each decision's options as (key, label): the first means yes (True), the second no.
OPTIONS: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "join_truce": (("j", "join"), ("f", "fight on")),
    "answer": (("a", "answer"), ("h", "hold")),
    "sign": (("s", "sign"), ("r", "reject")),
    "extend_truce": (("e", "extend"), ("l", "let it lapse")),
    "deadline": (("e", "extend"), ("w", "walk away")),
}
#: How the debrief measures a run besides its outcome class.
MEASURE = "days with a truce or agreement in force"
#: Runs of the model in the debrief's distribution.
RUNS = 500
_CUT = "\x00cut"


class ChoiceError(ValueError):
    """An answer that is not one of the question's options (the message lists them)."""


@dataclass(frozen=True)
class Question:
    """A decision the student takes: when, what happened and what the choice means, the options."""

    key: str
    kind: str
    side: str
    tick: int
    time: str  # ISO
    text: str
    options: tuple[tuple[str, str], ...]
    default: str  # the option the model would choose (shown in the debrief, not before)

    def option(self, text: str) -> str | None:
        """The option ``text`` names (its letter, its label or the label's first word, any case), or None."""
        said = " ".join(text.strip().lower().split())
        for key, label in self.options:
            if said in (key, label, label.split()[0]):
                return key
        return None

    def standing(self, text: str) -> str | None:
        """The option a standing order names ("hh", "always hold"), or None: that answer every time from now on."""
        said = " ".join(text.strip().lower().split())
        if said.startswith("always "):
            return self.option(said.removeprefix("always "))
        if len(said) == 2 and said[0] == said[1]:
            return self.option(said[0])
        return None

    def value(self, key: str) -> bool:
        """True for the first option (join, answer, sign, extend), False for the second."""
        return key == self.options[0][0]

    def label(self, key: str) -> str:
        return dict(self.options)[key]

    def allowed(self) -> str:
        """'j (join) or f (fight on)'."""
        return " or ".join(f"{key} ({label})" for key, label in self.options)

    def every_time(self) -> str:
        """How to give a standing order: 'jj or ff: the same every time from now on'."""
        return " or ".join(key * 2 for key, _ in self.options) + ": the same every time from now on"


@dataclass(frozen=True)
class Choice:
    """A decision the student took, with what the model would have chosen."""

    key: str
    kind: str
    tick: int
    time: str
    question: str
    option: str
    label: str
    default: str
    default_label: str
    value: bool

    @property
    def when(self) -> str:
        return when(self.time)


class Pending(Exception):
    """Raised by a :class:`Script` at a decision it has no answer for (it carries the decision)."""

    def __init__(self, decision: Decision) -> None:
        super().__init__(decision.key)
        self.decision = decision


class Script:
    """A player that answers from recorded choices, one mapping ``key -> bool`` per replicate.

    At a decision with no recorded answer it raises :class:`Pending` (``ask=True``, a game
    waiting for the student) or takes the model's own choice (``ask=False``, a replay).
    """

    def __init__(self, side: str, answers: Sequence[Mapping[str, bool]], ask: bool = False) -> None:
        self.side = side
        self.answers = answers
        self.ask = ask

    def decide(self, decision: Decision) -> np.ndarray:
        out = decision.default.copy()
        for row in np.flatnonzero(decision.where):
            answer = self.answers[row].get(decision.key)
            if answer is None and self.ask:
                raise Pending(decision)
            if answer is not None:
                out[row] = answer
        return out


class Game:
    """One student playing ``side`` in replicate 0 of ``seed``; the model plays the rest.

    ``answers``: option keys (or words) to answer the first questions with, in order
    (a replayed game, a test). The API a front end uses: :attr:`model` (the model on
    screen), :attr:`question` (pending or None), :meth:`advance`, :meth:`answer`,
    :attr:`finished`, :attr:`choices` and :meth:`story`.
    """

    def __init__(
        self, side: str, scenario: str | Scenario = "baseline", seed: int = 0, answers: Iterable[str] = ()
    ) -> None:
        if side not in PLAYABLE:
            raise ValueError(f"cannot play {side!r}; allowed: {', '.join(PLAYABLE)}")
        self.side = side
        self.scenario = load_scenario(scenario)
        self.seed = seed
        self.question: Question | None = None
        self.choices: list[Choice] = []
        self._chosen: dict[str, bool] = {}
        self._defaults: dict[str, bool] = {}
        self._queued = list(answers)
        #: Standing orders (kind -> option), given by doubling a letter ("hh") or "always hold".
        self.standing: dict[str, str] = {}
        self._cuts: list[int] = []
        self.model = self._build()

    def _build(self) -> CeasefireModel:
        player = Script(self.side, [self._chosen], ask=True)
        return CeasefireModel(self.scenario, seed=self.seed, replicates=[0], keep_timelines=1, player=player)

    @property
    def finished(self) -> bool:
        return not self.model.running

    @property
    def outcome(self) -> str | None:
        """The outcome class once the game is over (None before)."""
        return str(self.model.outcomes()["outcome"].iloc[0]) if self.finished else None

    def advance(self, max_ticks: int | None = None) -> Question | None:
        """Run until a question is pending, the horizon, or ``max_ticks`` steps; returns the question."""
        steps = 0
        while self.question is None and not self.finished and (max_ticks is None or steps < max_ticks):
            try:
                self.model.step()
                steps += 1
            except Pending as pending:
                self._ask(pending.decision)
                if self.question.kind in self.standing:
                    self.answer(self.standing[self.question.kind])
                elif self._queued:
                    self.answer(self._queued.pop(0))
        return self.question

    def _ask(self, decision: Decision) -> None:
        """Rebuild the model at the start of the decision's step and pose the question."""
        self.model.release()
        self.model = self._build()
        while self.model.tick < decision.tick:
            self.model.step()
        if decision.tick not in self._cuts:
            self._cuts.append(decision.tick)
        self.question = question(decision, self.model)
        self._defaults[decision.key] = bool(decision.default[0])

    def answer(self, option: str) -> None:
        """Take the pending question's ``option`` (key or label); :class:`ChoiceError` if it has none."""
        q = self.question
        if q is None:
            raise ChoiceError("no question is pending")
        key = q.option(option)
        if key is None and (key := q.standing(option)) is not None:
            self.standing[q.kind] = key  # the same answer to every later question of this kind
        if key is None:
            raise ChoiceError(f"unknown choice {option!r}; allowed: {q.allowed()} ({q.every_time()})")
        self._chosen[q.key] = q.value(key)
        self.choices.append(
            Choice(q.key, q.kind, q.tick, q.time, q.text, key, q.label(key), q.default, q.label(q.default), q.value(key))
        )
        self.question = None

    def story(self) -> list[str]:
        """The narrated story so far (a line per event, skirmishes grouped by day, cut at each question)."""
        return [line for part in tell(self.model.events(), self._cuts) for line in part]


# --- questions ------------------------------------------------------------------------------


def question(decision: Decision, model: CeasefireModel) -> Question:
    """The student's question for ``decision`` in replicate 0 of ``model``."""
    c = {name: values[0] for name, values in decision.context.items()}
    time = model.clock.time_of(float(c["hours"])).isoformat(timespec="seconds")
    text = f"{when(time)} — {_TEXTS[decision.kind](decision.side, c, model)}"
    options = OPTIONS[decision.kind]
    default = options[0][0] if decision.default[0] else options[1][0]
    return Question(decision.key, decision.kind, decision.side, decision.tick, time, text, options, default)


def _other(side: str) -> str:
    return NAMES["russia" if side == "ukraine" else "ukraine"]


def _plural(n: float, noun: str) -> str:
    return f"{n:g} {noun}{'s' * int(n != 1)}"


def _join_text(side: str, c: Mapping, model: CeasefireModel) -> str:
    return (
        f"{_other(side)} declares a {c['truce_hours']:g}-hour truce. Join it and hold fire too "
        "(ceasefire met with ceasefire), or fight on?"
    )


def _answer_text(side: str, c: Mapping, model: CeasefireModel) -> str:
    held = COMMITMENTS["truce"] if c["truce"] else COMMITMENTS.get(LEVEL_NAMES[int(c["agreement"])], "the agreement")
    n = c["counted"]
    seen = f"your forces count {n:g} {'more ' * bool(c['generation'])}violation{'s' * int(n != 1)} by {_other(side)}"
    where = f"Within the same hours, under {held}" if c["generation"] else f"Under {held}"
    return (
        f"{where}, {seen}. Answer with local strikes in defence ({_other(side)} may count them against you), "
        "or hold fire?"
    )


def _sign_text(side: str, c: Mapping, model: CeasefireModel) -> str:
    level = LEVEL_NAMES[int(c["level"])]
    talks = "direct talks" if c["bilateral"] else "the mediated talks"
    instead = f", in place of {AGREEMENTS[LEVEL_NAMES[int(c['current'])]]}" if c["current"] else ""
    return (
        f"At {talks}, {_other(side)} is ready to sign {AGREEMENTS[level]}{instead}. {BINDS[level]} "
        "Sign it, or reject it?"
    )


def _extend_text(side: str, c: Mapping, model: CeasefireModel) -> str:
    joined = "joined it" if c["joined"] else "did not join it"
    return (
        f"Your truce's term is up after {c['held_hours']:g} hours. {_other(side)} {joined}; your forces "
        f"reported {_plural(c['seen'], 'violation')} during it. Extend it by {c['extension_hours']:g} hours, "
        "or let it lapse?"
    )


def _deadline_text(side: str, c: Mapping, model: CeasefireModel) -> str:
    return (
        f"Your deadline has come: progress is {c['progress']:.0%} (you asked for {c['required']:.0%}). "
        f"Extend it by {c['extension_days']:g} days, or walk away (no more texts, less pressure, "
        "part of U.S. aid to Ukraine held back)?"
    )


_TEXTS = {
    "join_truce": _join_text,
    "answer": _answer_text,
    "sign": _sign_text,
    "extend_truce": _extend_text,
    "deadline": _deadline_text,
}
assert set(_TEXTS) == set(KINDS) == set(OPTIONS)


# --- the story, cut at questions ----------------------------------------------------------


def tell(events: pd.DataFrame, cuts: Iterable[int] = (), outcome: str | None = None) -> list[list[str]]:
    """The narrated story in parts: one before each tick in ``cuts``, one after the last.

    A day's skirmishes are told as one line (:func:`narrate`); a cut ends the line, so the
    lines told before a question do not change once the game goes on.
    """
    cuts = sorted(set(cuts))
    if events.empty:
        return [[] for _ in range(len(cuts) + 1)]
    replicate = int(events["replicate"].iloc[0])
    rows = events[events["replicate"] == replicate]
    pieces, start = [], 0
    for tick in cuts:
        before = int((rows["tick"] < tick).sum())
        pieces.append(rows.iloc[start:before])
        time = _time_at(rows, tick)
        pieces.append(pd.DataFrame([(replicate, tick, time, "", "cut", _CUT)], columns=rows.columns))
        start = before
    pieces.append(rows.iloc[start:])
    lines = narrate(pd.concat(pieces, ignore_index=True), replicate, outcome=outcome)
    parts: list[list[str]] = [[]]
    for line in lines:
        if _CUT in line:
            parts.append([])
        else:
            parts[-1].append(line)
    return parts


def _time_at(rows: pd.DataFrame, tick: int) -> str:
    """A time for a cut: that of the first event at or after ``tick`` (the cut sorts before it)."""
    later = rows.loc[rows["tick"] >= tick, "time"]
    return str(later.iloc[0]) if len(later) else str(rows["time"].iloc[-1])


# --- the debrief -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reversal:
    """The game replayed with one choice reversed, on the same random numbers."""

    choice: Choice
    outcome: str
    outcome_changed: bool
    distance: float
    days_in_force: float
    strikes: float
    ending: str
    story: list[str]  # the replay's story from the reversed choice on (only for the most decisive)


@dataclass(frozen=True)
class Debrief:
    """Where the student's story falls among the model's runs, and which choice mattered most."""

    side: str
    seed: int
    outcome: str
    shares: pd.DataFrame  # outcome, count, share (of ``runs`` runs), low, high
    runs: int
    model_outcome: str  # run 0: the model playing the student's side in the student's story
    measure: str
    value: float
    values: np.ndarray
    percentile: float
    strikes: float
    choices: list[Choice]
    reversals: list[Reversal]  # most decisive first

    @property
    def decisive(self) -> Reversal | None:
        return self.reversals[0] if self.reversals else None

    @property
    def median(self) -> float:
        """The runs' median of :attr:`measure`, beside the student's :attr:`value`."""
        return float(np.median(self.values))


def measured_run(model: CeasefireModel) -> np.ndarray:
    """Run ``model`` to the horizon; returns each replicate's days with a truce or agreement in force.

    A step counts whole when a truce or an agreement was in force at its start (after the
    calendar's events), so the measure is exact to within a step.
    """
    days = np.zeros(model.n_replicates)
    while model.running:
        model.step()
        days += (model.truce_during | (model.agreement_during > 0)) * (model.dt_hours / 24.0)
    return days


def replay(
    side: str, scenario: str | Scenario, seed: int, answers: Sequence[Mapping[str, bool]], keep_timelines: int = 0
) -> tuple[CeasefireModel, np.ndarray]:
    """Replicate 0 of ``seed`` once per mapping of answers, side by side; the model and :func:`measured_run`.

    Every row draws the same random numbers (same seed, same replicate id); a decision
    a row's answers do not name is taken as the model would.
    """
    player = Script(side, answers, ask=False)
    model = CeasefireModel(scenario, seed=seed, replicates=[0] * len(answers), keep_timelines=keep_timelines, player=player)
    return model, measured_run(model)


def debrief(game: Game, runs: int = RUNS) -> Debrief:
    """The debrief of a finished game.

    (a) The student's outcome and :data:`MEASURE` among ``runs`` runs of the model from
    the same start, with no player (run 0 is the model playing the student's side in the
    student's own story). (b) Each choice reversed alone, on the same random numbers,
    ranked by whether the outcome class changed, then by the distance
    ``|difference in days with a truce or agreement in force| + |difference in strike-days
    of both sides|`` (strikes_russia + strikes_ukraine of ``outcomes.csv``).
    """
    if not game.finished:
        raise ChoiceError("the game is not over yet")
    base = CeasefireModel(game.scenario, seed=game.seed, replicates=runs, keep_timelines=0)
    values = measured_run(base)
    outcomes = base.outcomes()
    base.release()  # a dashboard debriefs game after game: let Mesa forget the models
    chosen = {c.key: c.value for c in game.choices}
    rows = [chosen] + [{**chosen, c.key: not c.value} for c in game.choices]
    model, days = replay(game.side, game.scenario, game.seed, rows)
    o = model.outcomes()
    model.release()
    strikes = (o["strikes_russia"] + o["strikes_ukraine"]).to_numpy()
    outcome = str(o["outcome"].iloc[0])
    reversals = []
    for i, choice in enumerate(game.choices, start=1):
        other = str(o["outcome"].iloc[i])
        distance = abs(days[i] - days[0]) + abs(strikes[i] - strikes[0])
        reversals.append(Reversal(choice, other, other != outcome, float(distance), float(days[i]), float(strikes[i]), ending(other), []))
    reversals.sort(key=lambda r: (not r.outcome_changed, -r.distance))
    if reversals:
        top = reversals[0]
        story = _story_after(game, rows[game.choices.index(top.choice) + 1], top.choice.tick)
        reversals[0] = replace(top, story=story)
    value = float(days[0])
    percentile = 100.0 * (np.sum(values < value) + 0.5 * np.sum(values == value)) / len(values)
    shares = outcome_shares(outcomes)
    return Debrief(
        game.side, game.seed, outcome, shares, runs, str(outcomes["outcome"].iloc[0]), MEASURE, value, values,
        float(percentile), float(strikes[0]), list(game.choices), reversals,
    )  # fmt: skip


def _story_after(game: Game, answers: Mapping[str, bool], tick: int) -> list[str]:
    """The story of the replay with ``answers`` from step ``tick`` on, with how it ended."""
    model, _ = replay(game.side, game.scenario, game.seed, [answers], keep_timelines=1)
    outcome, events = str(model.outcomes()["outcome"].iloc[0]), model.events()
    model.release()
    return tell(events, [tick], outcome=outcome)[-1]

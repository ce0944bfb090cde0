"""Events in plain dated sentences, for the terminal, the dashboard and the classroom.

The event log (:mod:`sim.model.events`) records bare facts: who fired under a commitment,
who accused whom, who answered in defence, which truce or agreement began, was abandoned
and by whom, what the mediator did. Narration reads one replicate's rows in order and
keeps track of what is in force (the truce, who joined it, the agreement), so that a
sentence can say *which* commitment was broken or abandoned and for how long it had held.

Fire, accusations and answers come many to a step; the story groups the ones that follow
each other on the same day into one line (a new line starts at any other event), so that
a day of skirmishing reads as one paragraph, not a wall of lines.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

NAMES = {"russia": "Russia", "ukraine": "Ukraine", "united_states": "The United States", "europe": "Europe"}
OTHER = {"russia": "Ukraine", "ukraine": "Russia"}
OTHER_SIDE = {"russia": "ukraine", "ukraine": "russia"}
SIDES = ("russia", "ukraine")
AGREEMENTS = {
    "partial": "a moratorium on strikes against civilian targets",
    "ceasefire": "a ceasefire",
    "settlement": "a settlement of every issue",
}
#: What each agreement binds, in words (sim.model.negotiation: partial binds the civilian
#: class, a ceasefire and a settlement both classes).
BINDS = {
    "partial": "Both sides are to stop striking civilian targets; the fighting at the front goes on.",
    "ceasefire": "Both sides are to hold fire on every target.",
    "settlement": "Both sides are to hold fire on every target, for good.",
}
#: What a commitment is called in a sentence ("violating the ...", "abandons the ...").
COMMITMENTS = {
    "truce": "the truce",
    "partial": "the civilian-targets moratorium",
    "ceasefire": "the ceasefire",
    "settlement": "the settlement",
}
TRACKS = {"mediated": "mediated talks", "bilateral": "direct talks"}
#: Issues in words (sim.scenario.schema.ISSUES), for the agenda of direct talks.
ISSUE_WORDS = {
    "civilian_moratorium": "a halt to strikes on civilian targets",
    "ceasefire": "a ceasefire",
    "territory": "territory",
    "neutrality": "neutrality",
    "guarantees": "security guarantees",
    "sequencing": "what comes first, ceasefire or settlement",
}
#: The outcome classes of sim.model.outcomes.OUTCOMES, in words a student can read.
ENDINGS = {
    "settlement": "a settlement of every issue is in force and has held long enough to count",
    "ceasefire_holding": "a ceasefire agreement is in force and has held long enough to count",
    "partial_ceasefire": (
        "only the halt on strikes against civilian targets is in force (long enough to count); the front still fights"
    ),
    "recent_agreement": "an agreement is in force, but it was signed too recently to say that it holds",
    "ceasefire_collapsed": "nothing is in force: an agreement was signed, then abandoned",
    "mediator_walked_away": "nothing signed holds, and the United States has stepped back from the talks",
    "no_agreement": "stalemate: the United States is still mediating, nothing is signed, and the fighting goes on",
}

#: Event kinds told together, grouped by day (see :func:`narrate`).
SKIRMISH = frozenset({"violation", "accusation", "answer"})
#: Kinds that only confirm what the line before them said (an abandonment ends the truce or deal).
FOLDED_AFTER_ABANDON = frozenset({"truce_collapsed", "collapse"})

_SENTENCES = {
    "meeting": "Talks in {detail}: the mediator meets the parties.",
    "statement": "{Actor} {detail}.",
    "truce_joined": "{Actor} answers: ceasefire will be met with ceasefire. It joins the truce and holds fire.",
    "truce_not_joined": "{Actor} does not join the truce: its forces fight on.",
    "bilateral_offer": "{Actor} offers direct talks with Ukraine on {issues}.",
    "bilateral_accepted": "Ukraine takes up the offer: direct talks begin.",
    "bilateral_declined": "Ukraine does not answer the offer of direct talks.",
    "proposal": "The United States tables a revised text.",
    "ceasefire_expired": (
        "The ceasefire's term is over. The civilian-targets moratorium stays in force; the front fights again."
    ),
    "deadline_extended": "The U.S. deadline arrives without enough progress ({detail}); Washington extends it.",
    "mediator_returned": "The United States comes back to the talks ({detail}), with a new deadline.",
}


def when(iso_time: str) -> str:
    """'2025-04-19T18:00:00+03:00' -> 'Sat 19 Apr, 18:00'."""
    t = dt.datetime.fromisoformat(iso_time)
    return f"{t:%a} {t.day} {t:%b}, {t:%H:%M}"


def ending(outcome: str) -> str:
    """The story's last line: how it ended, in words, with the outcome class's name."""
    words = ENDINGS.get(str(outcome), str(outcome).replace("_", " "))
    return f"How this story ended: {words} ({str(outcome).replace('_', ' ')})."


@dataclass
class InForce:
    """What is in force as the story is read: a unilateral truce, who joined it, the agreement."""

    truce: bool = False
    declarer: str = ""
    joined: bool = True
    truce_start: str = ""
    truce_end: str = ""
    agreement: str = "none"
    agreement_start: str = ""
    walkouts: int = 0
    reviews: int = 0

    def broken(self) -> str:
        """The commitment a violation now breaks: the truce first, else the agreement."""
        if self.truce:
            return COMMITMENTS["truce"]
        return COMMITMENTS.get(self.agreement, "a truce or deal")

    def ends(self) -> list[str]:
        """Everything in force now, as an abandonment ends it all."""
        out = [COMMITMENTS["truce"]] if self.truce else []
        return out + ([COMMITMENTS[self.agreement]] if self.agreement in COMMITMENTS else [])

    def unjoined(self, accuser: str) -> bool:
        """Whether ``accuser`` declared the truce in force and the other side did not join it."""
        return self.truce and not self.joined and self.declarer == accuser

    def update(self, kind: str, actor: str, detail: str, time: str) -> None:
        """Follow the event ``kind`` (called after its sentence is written)."""
        if kind == "truce_declared":
            hours = _number(detail) or 0.0
            if not self.truce:
                self.truce, self.declarer, self.joined, self.truce_start = True, actor, True, time
                self.truce_end = _later(time, hours)
            else:
                self.truce_end = max(self.truce_end, _later(time, hours))
        elif kind == "truce_not_joined":
            self.joined = False
        elif kind == "truce_extended" and self.truce_end:
            self.truce_end = _later(self.truce_end, _number(detail) or 0.0)
        elif kind in ("truce_ended", "truce_collapsed"):
            self.truce = False
        elif kind == "abandoned":
            self.truce, self.agreement = False, "none"
        elif kind == "agreement":
            self.agreement, self.agreement_start = detail, time
        elif kind == "collapse":
            self.agreement = "none"
        elif kind == "ceasefire_expired":
            self.agreement = "partial"
        elif kind == "walk_away":
            self.walkouts += 1
        elif kind == "mediator_returned":
            self.reviews = 0  # it comes back with a new deadline, not a review
        elif kind == "deadline_met":
            self.reviews += 1


# --- small helpers ------------------------------------------------------------------------


def _number(text: str) -> float | None:
    found = re.search(r"\d+(?:\.\d+)?", text)
    return float(found.group()) if found else None


def _count(text: str, pattern: str) -> int:
    found = re.search(rf"(\d+) {pattern}", text)
    return int(found.group(1)) if found else 0


def _later(iso_time: str, hours: float) -> str:
    return (dt.datetime.fromisoformat(iso_time) + dt.timedelta(hours=hours)).isoformat()


def _hours_between(start: str, end: str) -> float:
    return (dt.datetime.fromisoformat(end) - dt.datetime.fromisoformat(start)) / dt.timedelta(hours=1)


def _duration(hours: float) -> str:
    """A span of time in words: '5 hours 37 minutes', '54 hours', '6.3 days' (from four days on)."""
    if hours >= 96:
        return f"{hours / 24:.1f} days".replace(".0 days", " days")
    whole, minutes = int(hours), int(round((hours - int(hours)) * 60))
    if minutes == 60:
        whole, minutes = whole + 1, 0
    text = f"{whole} hour{'s' * (whole != 1)}" if whole else ""
    if minutes:
        text += f"{' ' if text else ''}{minutes} minute{'s' * (minutes != 1)}"
    return text or "less than a minute"


def _times(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{n} times")


def _many(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"


def _name(actor: str) -> str:
    return NAMES.get(actor, actor.capitalize() if actor else "The parties")


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


# --- one event ----------------------------------------------------------------------------


def sentence(kind: str, actor: str, detail: str, in_force: InForce | None = None, time: str = "") -> str:
    """One plain sentence for one event (not fire, accusations or answers: see :func:`skirmish`).

    ``in_force`` is what is in force just before the event (it names what an abandonment
    ends and how long it had held); ``time`` (ISO) is the event's time.
    """
    detail = "" if pd.isna(detail) else str(detail)
    state = in_force or InForce()
    name = _name(actor)
    if kind == "truce_declared":
        hours = f"{_number(detail) or 0:g}"
        until = f", until {when(_later(time, float(hours)))}" if time else ""
        return f"{name} declares a {hours}-hour truce{until}."
    if kind == "truce_extended":
        until = f", until {when(_later(state.truce_end, _number(detail) or 0.0))}" if state.truce_end else ""
        return f"{name} extends its truce by {detail}{until}."
    if kind == "truce_ended":
        held = f" after {_duration(_hours_between(state.truce_start, time))}" if state.truce_start and time else ""
        return f"{name}'s truce ends{held}, as announced. Fighting resumes."
    if kind == "abandoned":
        return _abandoned(actor, detail, state, time)
    if kind in ("truce_collapsed", "collapse"):
        what = COMMITMENTS["truce"] if kind == "truce_collapsed" else COMMITMENTS.get(detail, "the agreement")
        return f"{what[0].upper()}{what[1:]} collapses."
    if kind == "agreement":
        deal = AGREEMENTS.get(detail, detail)
        return f"The parties agree on {deal} ({TRACKS.get(actor, f'{actor} talks')}). {BINDS.get(detail, '')}".strip()
    if kind == "deadline_met":
        if state.reviews:
            return f"The United States reviews progress ({detail}) and stays."
        return f"The U.S. deadline passes with enough progress ({detail}); the mediator stays."
    if kind == "walk_away":
        again = " again" if state.walkouts else ""
        return (
            f"The United States walks away from the talks{again} ({detail}): it tables no more texts, "
            "keeps only part of its pressure and holds back part of its aid to Ukraine."
        )
    template = _SENTENCES.get(kind, "{Actor}: {kind} {detail}.")
    return template.format(
        Actor=name,
        detail=detail,
        kind=kind.replace("_", " "),
        issues=" and ".join(ISSUE_WORDS.get(i.strip(), i.strip()) for i in detail.split(",")) or "civilian targets",
    )


def _abandoned(actor: str, detail: str, state: InForce, time: str) -> str:
    """'Russia abandons the truce: it has counted 7.2 recent violations, more than the 6.0 it tolerates. ...'."""
    ends = state.ends() or ["its commitment"]
    who = "Russia and Ukraine both abandon" if actor == "both" else f"{_name(actor)} abandons"
    reasons = []
    for part in detail.split(";"):
        side, _, why = part.strip().partition(":")
        counted = re.match(r"\s*([\d.]+) recent violations counted, more than it tolerates \(([\d.]+)\)", why)
        subject = "it" if actor != "both" else _name(side.strip())
        if counted:
            reasons.append(
                f"{subject} has counted {counted.group(1)} recent violations, more than the {counted.group(2)} it tolerates"
            )
        elif "worth more" in why:
            reasons.append(f"fighting on is now worth more to {subject} than the agreed terms")
        elif why.strip():
            reasons.append(why.strip())
    text = f"{who} {_join(ends)}"
    if reasons:
        text += ": " + "; ".join(reasons)
    text += "."
    held = []
    if state.truce and state.truce_start and time:
        total = _hours_between(state.truce_start, state.truce_end) if state.truce_end else 0.0
        into = _duration(_hours_between(state.truce_start, time))
        held.append(
            f"The truce collapses {into} into its {total:g} hours" if total else f"The truce collapses after {into}"
        )
    if state.agreement in COMMITMENTS and state.agreement_start and time:
        deal = COMMITMENTS[state.agreement]
        held.append(
            f"{deal[0].upper()}{deal[1:]} collapses after {_duration(_hours_between(state.agreement_start, time))} "
            "in force, and trust suffers on both sides"
        )
    if held:
        text += " " + "; ".join(held) + "."
    if not state.truce and state.agreement == "partial":
        return text + " Civilian targets are no longer spared."
    return text + " Fighting resumes."


# --- fire, accusations and answers, grouped --------------------------------------------------


@dataclass
class Skirmish:
    """The fire, accusations and answers of consecutive steps on one day, by side."""

    times: list[str] = field(default_factory=list)
    incidents: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SIDES, 0))
    landed: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SIDES, 0))
    ordered: dict[str, set[str]] = field(default_factory=lambda: {s: set() for s in SIDES})
    fired: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(SIDES, False))
    accused: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SIDES, 0))
    cleared: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SIDES, 0))
    answered: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SIDES, 0))

    def add(self, kind: str, actor: str, detail: str, time: str) -> None:
        if actor not in SIDES:
            return
        self.times.append(time)
        if kind == "violation":
            self.fired[actor] = True
            self.incidents[actor] += _count(detail, "unordered incident")
            self.landed[actor] += _count(detail, "local answer")
            ordered = re.search(r"ordered fire \(([^)]*)\)", detail)
            if ordered:
                self.ordered[actor] |= {c.strip() for c in ordered.group(1).split(" and ")}
        elif kind == "accusation":
            self.accused[actor] += _count(detail, "violation")
            self.cleared[actor] += _count(detail, "cleared")
        elif kind == "answer":
            self.answered[actor] += _count(detail, "local answer")

    def label(self) -> str:
        """The date of the line: the time of the first step, 'from' it when several steps are told."""
        first = when(self.times[0])
        return first if len(set(self.times)) == 1 else first.replace(", ", ", from ")


def skirmish(group: Skirmish, state: InForce, skip: Iterable[str] = ()) -> str:
    """One paragraph for a group: accusations, the fire on the ground behind them, the answers.

    An accusation is called a false alarm only when the accused side fired nothing the
    commitment forbids in the whole group: no fire under it in the log, and no answer in
    defence when the commitment covers military targets (answers are military fire).
    """
    skip = set(skip)
    military = state.truce or state.agreement in ("ceasefire", "settlement")
    broken = state.broken()
    out = []
    if "accusation" not in skip:
        plain = []
        for side in SIDES:
            n, other = group.accused[side], OTHER[side]
            if not n:
                continue
            if state.unjoined(side):
                out.append(f"During its truce, {_name(side)} reports {_many(n, 'strike')} by {other}, which fights on.")
            elif not plain:
                plain.append(f"{_name(side)} accuses {other} of {_many(n, 'violation')}")
            else:
                plain.append(f"{_name(side)} accuses {other} of {n}")
        if plain:
            out.insert(0, f"Under {broken}, {' and '.join(plain)}.")
        cleared = sum(group.cleared.values())
        if cleared:
            out.append(f"The monitors clear up {_many(cleared, 'report')} before anyone answers.")
    if "violation" not in skip:
        fire = [(side, group.incidents[side]) for side in SIDES if group.incidents[side]]
        if fire:
            told = [
                f"{_name(side)}'s {'forces fire ' if i == 0 else ''}{_times(n)}" for i, (side, n) in enumerate(fire)
            ]
            what = "an unordered local incident" if sum(n for _, n in fire) == 1 else "unordered local incidents"
            out.append(f"On the ground, {_join(told)} without orders ({what}).")
        for side in SIDES:
            if group.ordered[side]:
                out.append(f"{_name(side)} orders fire on {' and '.join(sorted(group.ordered[side]))} targets.")
    if "accusation" not in skip:
        alarms = [side for side in SIDES if group.accused[side] and _false_alarm(group, side, state, military)]
        if len(alarms) == 2:
            out.append("Neither side violated it: every accusation is a false alarm.")
        for side in alarms if len(alarms) == 1 else ():
            alarm = "accusation is a false alarm" if group.accused[side] == 1 else "accusations are false alarms"
            out.append(f"{OTHER[side]} did not violate it: {_name(side)}'s {alarm}.")
    if "answer" not in skip:
        answers = [(side, group.answered[side]) for side in SIDES if group.answered[side]]
        if answers:
            side, n = answers[0]
            text = f"{_name(side)} answers {'it' if n == 1 and group.accused[side] == 1 else n} with "
            text += f"{'a local strike' if n == 1 else 'local strikes'} in defence"
            if len(answers) > 1:
                text += f", {_name(answers[1][0])} {answers[1][1]}"
            out.append(text + ".")
        elif not out:
            landed = [f"{_name(side)} {group.landed[side]}" for side in SIDES if group.landed[side]]
            if landed:
                out.append(f"Answers in defence decided earlier are carried out: {_join(landed)}.")
    return " ".join(out)


def _false_alarm(group: Skirmish, accuser: str, state: InForce, military: bool) -> bool:
    """Whether the side ``accuser`` accused fired nothing in the group that the commitment forbids."""
    if state.unjoined(accuser):
        return False
    other = OTHER_SIDE[accuser]
    return not group.fired[other] and not (military and group.answered[other])


# --- the story -------------------------------------------------------------------------------


def narrate(
    events: pd.DataFrame,
    replicate: int | None = None,
    skip: Iterable[str] = ("proposal",),
    outcome: str | None = None,
) -> list[str]:
    """Dated lines 'Sat 19 Apr, 18:00 — Russia declares a 30-hour truce ...' for one replicate.

    Fire, accusations and answers that follow each other on the same day make one line
    (see :func:`skirmish`). ``skip`` names event kinds left out of the story (they still
    inform the others: a skipped violation still tells whether an accusation was a false
    alarm). ``outcome``, the replicate's outcome class (``outcomes.csv``), adds a last line
    saying how the story ended.
    """
    if events.empty:
        return [ending(outcome)] if outcome else []
    if replicate is None:
        replicate = int(events["replicate"].iloc[0])
    rows = events[events["replicate"] == replicate]
    skipped = set(skip)
    state = InForce()
    lines: list[str] = []
    group: Skirmish | None = None
    abandoned_at = ""

    def flush() -> None:
        nonlocal group
        if group is not None and group.times:
            text = skirmish(group, state, skipped)
            if text:
                lines.append(f"{group.label()} — {text}")
        group = None

    for r in rows.itertuples():
        detail = "" if pd.isna(r.detail) else str(r.detail)
        actor = "" if pd.isna(r.actor) else str(r.actor)
        if r.kind in SKIRMISH:
            if group is not None and group.times and group.times[0][:10] != r.time[:10]:
                flush()
            group = group or Skirmish()
            group.add(r.kind, actor, detail, r.time)
            continue
        if r.kind in skipped:
            state.update(r.kind, actor, detail, r.time)
            continue
        flush()
        if r.kind in FOLDED_AFTER_ABANDON and r.time == abandoned_at:
            state.update(r.kind, actor, detail, r.time)
            continue
        lines.append(f"{when(r.time)} — {sentence(r.kind, actor, detail, state, r.time)}")
        if r.kind == "abandoned":
            abandoned_at = r.time
        state.update(r.kind, actor, detail, r.time)
    flush()
    if outcome:
        lines.append(ending(outcome))
    return lines

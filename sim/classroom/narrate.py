"""Events in plain dated sentences, for the terminal, the dashboard and the classroom.

The event log (:mod:`sim.model.events`) records bare facts: who fired under a commitment, who
accused whom, which truce or agreement began or ended. Narration reads one replicate's
rows in order and keeps track of what is in force, so that a sentence can say *which*
commitment was broken ("the truce", "the ceasefire"), whether fire was ordered or a
local incident, and whether an accusation answered real fire or a false alarm.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

NAMES = {"russia": "Russia", "ukraine": "Ukraine", "united_states": "The United States", "europe": "Europe"}
OTHER = {"russia": "Ukraine", "ukraine": "Russia"}
OTHER_SIDE = {"russia": "ukraine", "ukraine": "russia"}
AGREEMENTS = {
    "partial": "a moratorium on strikes against civilian targets",
    "ceasefire": "a ceasefire",
    "settlement": "a settlement of every issue",
}
#: What a broken commitment is called in a sentence ("violating the ...").
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

_SENTENCES = {
    "meeting": "Talks in {detail}: the United States, Europe and Ukraine meet.",
    "statement": "{Actor} {detail}.",
    "truce_reciprocated": "{Actor} answers: ceasefire will be met with ceasefire.",
    "truce_extended": "{Actor} extends its truce by {detail}.",
    "truce_ended": "{Actor}'s truce ends.",
    "truce_collapsed": "{Actor}'s truce collapses: violations were answered in kind.",
    "bilateral_offer": "{Actor} offers direct talks with Ukraine on {issues}.",
    "bilateral_accepted": "Ukraine takes up the offer: direct talks begin.",
    "bilateral_declined": "Ukraine does not answer the offer of direct talks.",
    "proposal": "The United States tables a revised text.",
    "agreement": "The parties agree on {deal} ({track}).",
    "ceasefire_expired": "The ceasefire expires; the civilian-targets moratorium stays.",
    "deadline_met": "The U.S. deadline passes with enough progress ({detail}); the mediator stays.",
    "deadline_extended": "The U.S. deadline arrives without enough progress ({detail}); Washington extends it.",
    "walk_away": "The United States walks away from the talks ({detail}); part of its aid to Ukraine is cut.",
}


def when(iso_time: str) -> str:
    """'2025-04-19T18:00:00+03:00' -> 'Sat 19 Apr, 18:00'."""
    t = dt.datetime.fromisoformat(iso_time)
    return f"{t:%a} {t.day} {t:%b}, {t:%H:%M}"


@dataclass
class InForce:
    """What is in force as the story is read: a unilateral truce, and the agreement level."""

    truce: bool = False
    declarer: str = ""
    agreement: str = "none"

    def broken(self) -> str:
        """The commitment a violation now breaks: the truce first, else the agreement."""
        if self.truce:
            return COMMITMENTS["truce"]
        return COMMITMENTS.get(self.agreement, "a truce or deal")

    def update(self, kind: str, actor: str, detail: str) -> None:
        """Follow the event ``kind`` (called after its sentence is written)."""
        if kind == "truce_declared":
            self.truce, self.declarer = True, actor
        elif kind in ("truce_ended", "truce_collapsed"):
            self.truce = False
        elif kind == "agreement":
            self.agreement = detail
        elif kind == "collapse":
            self.agreement = "none"
        elif kind == "ceasefire_expired":
            self.agreement = "partial"


def _classes(detail: str) -> tuple[str, str]:
    """'military and civilian (ordered)' -> ('military and civilian', 'ordered')."""
    classes, _, how = detail.partition(" (")
    return classes.strip(), how.rstrip(")").strip()


def _class_set(classes: str) -> set[str]:
    return {c.strip() for c in classes.split(" and ") if c.strip()}


def sentence(
    kind: str,
    actor: str,
    detail: str,
    in_force: InForce | None = None,
    answered: bool = False,
    unseen: Iterable[str] = (),
    time: str = "",
) -> str:
    """One plain sentence for one event.

    ``in_force`` names the commitment a violation or accusation is about; ``answered``
    marks ordered fire that answers a perceived violation; ``unseen`` lists target classes
    of an accusation where the accused side did not fire (a false alarm); ``time`` (ISO)
    dates the end of a declared truce.
    """
    detail = "" if pd.isna(detail) else str(detail)
    state = in_force or InForce()
    name = NAMES.get(actor, actor.capitalize() if actor else "The parties")
    other = OTHER.get(actor, "the other side")
    if kind == "truce_declared":
        hours = detail.split()[0] if detail else ""
        until = ""
        if time and hours:
            end = dt.datetime.fromisoformat(time) + dt.timedelta(hours=float(hours))
            until = f", until {when(end.isoformat())}"
        return f"{name} declares a {hours}-hour truce{until}."
    if kind == "violation":
        classes, how = _classes(detail)
        broken = state.broken()
        if how.startswith("unordered"):
            return f"{name}'s forces fire on {classes} targets under {broken} (an unordered local incident)."
        if answered:
            return f"{name} orders its forces to answer in kind: they fire on {classes} targets under {broken}."
        if state.truce and state.declarer and state.declarer != actor:
            owner = NAMES.get(state.declarer, state.declarer)
            return (
                f"{name}'s forces keep firing on {classes} targets during {owner}'s truce, which {name} has not joined."
            )
        return f"{name}'s forces fire on {classes} targets under {broken} (ordered)."
    if kind == "accusation":
        classes, _ = _classes(detail)
        text = f"{name} accuses {other} of violating {state.broken()} (fire on {classes} targets)"
        unseen = sorted(set(unseen))
        if unseen:
            if set(unseen) == _class_set(classes):
                return text + f": a false alarm, {other} fired on no such targets."
            return text + f"; the report of {' and '.join(unseen)} fire is a false alarm."
        return text + "."
    if kind == "answer":
        return f"{name} answers in kind ({detail} targets)."
    if kind == "collapse":
        deal = COMMITMENTS.get(detail, "the agreement")
        return f"{deal[0].upper()}{deal[1:]} collapses: too many violations were answered in kind."
    template = _SENTENCES.get(kind, "{Actor}: {kind} {detail}.")
    return template.format(
        Actor=name,
        Other=other,
        detail=detail,
        kind=kind.replace("_", " "),
        issues=" and ".join(ISSUE_WORDS.get(i.strip(), i.strip()) for i in detail.split(",")) or "civilian targets",
        deal=AGREEMENTS.get(detail, detail),
        track=TRACKS.get(actor, f"{actor} talks"),
    )


def narrate(events: pd.DataFrame, replicate: int | None = None, skip: Iterable[str] = ("proposal",)) -> list[str]:
    """Dated lines 'Sat 19 Apr, 18:00 — Russia declares a 30-hour truce ...' for one replicate.

    ``skip`` names event kinds left out of the story (they still inform the sentences of
    the others: a skipped violation still tells whether an accusation was a false alarm).
    An ``answer`` folds into the same side's ordered violation in the same tick.
    """
    if events.empty:
        return []
    if replicate is None:
        replicate = int(events["replicate"].iloc[0])
    rows = events[events["replicate"] == replicate]
    fired: dict[tuple[int, str], set[str]] = {}
    answers: set[tuple[int, str]] = set()
    for r in rows.itertuples():
        if r.kind == "violation":
            fired[(r.tick, r.actor)] = _class_set(_classes(str(r.detail))[0])
        elif r.kind == "answer":
            answers.add((r.tick, r.actor))
    skipped = set(skip)
    state = InForce()
    lines = []
    for r in rows.itertuples():
        detail = "" if pd.isna(r.detail) else str(r.detail)
        folded = r.kind == "answer" and (r.tick, r.actor) in fired
        if r.kind not in skipped and not folded:
            unseen: set[str] = set()
            if r.kind == "accusation":
                accused = OTHER_SIDE.get(r.actor, "")
                unseen = _class_set(_classes(detail)[0]) - fired.get((r.tick, accused), set())
            text = sentence(
                r.kind, r.actor, detail, state, answered=(r.tick, r.actor) in answers, unseen=unseen, time=r.time
            )
            lines.append(f"{when(r.time)} — {text}")
        state.update(r.kind, r.actor, detail)
    return lines

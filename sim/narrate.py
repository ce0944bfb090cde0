"""Events in plain dated sentences, for the terminal, the dashboard and the classroom."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pandas as pd

NAMES = {"russia": "Russia", "ukraine": "Ukraine", "united_states": "The United States", "europe": "Europe"}
OTHER = {"russia": "Ukraine", "ukraine": "Russia"}
AGREEMENTS = {
    "partial": "a moratorium on strikes against civilian targets",
    "ceasefire": "a ceasefire",
    "settlement": "a settlement of every issue",
}

_SENTENCES = {
    "meeting": "Talks in {detail}: the United States, Europe and Ukraine meet.",
    "statement": "{Actor} {detail}.",
    "truce_declared": "{Actor} declares a {hours}-hour truce.",
    "truce_reciprocated": "{Actor} answers: ceasefire will be met with ceasefire.",
    "violation": "{Actor}'s forces fire on {detail} while a truce or deal is in force.",
    "accusation": "{Actor} accuses {Other} of violating the truce ({detail} targets).",
    "answer": "{Actor} answers in kind ({detail} targets).",
    "truce_extended": "{Actor} extends its truce by {detail}.",
    "truce_ended": "{Actor}'s truce ends.",
    "truce_collapsed": "{Actor}'s truce collapses: violations were answered in kind.",
    "bilateral_offer": "{Actor} offers direct talks with Ukraine on {issues}.",
    "bilateral_accepted": "Ukraine takes up the offer: direct talks begin.",
    "bilateral_declined": "Ukraine does not answer the offer of direct talks.",
    "proposal": "The United States tables a revised text.",
    "agreement": "The parties agree on {deal} ({track} talks).",
    "collapse": "The agreement collapses: too many violations were answered in kind.",
    "ceasefire_expired": "The ceasefire expires; the civilian-targets moratorium stays.",
    "deadline_met": "The U.S. deadline passes with enough progress ({detail}); the mediator stays.",
    "deadline_extended": "The U.S. deadline arrives without enough progress ({detail}); Washington extends it.",
    "walk_away": "The United States walks away from the talks ({detail}); part of its aid to Ukraine is cut.",
}


def when(iso_time: str) -> str:
    """'2025-04-19T18:00:00+03:00' -> 'Sat 19 Apr, 18:00'."""
    t = dt.datetime.fromisoformat(iso_time)
    return f"{t:%a} {t.day} {t:%b}, {t:%H:%M}"


def sentence(kind: str, actor: str, detail: str) -> str:
    """One plain sentence for one event."""
    template = _SENTENCES.get(kind, "{Actor}: {kind} {detail}.")
    detail = "" if pd.isna(detail) else str(detail)
    return template.format(
        Actor=NAMES.get(actor, actor.capitalize() if actor else "The parties"),
        Other=OTHER.get(actor, "the other side"),
        detail=detail,
        kind=kind.replace("_", " "),
        hours=detail.split()[0] if detail else "",
        issues=detail.replace("_", " ") or "civilian targets",
        deal=AGREEMENTS.get(detail, detail),
        track="mediated" if actor == "mediated" else "direct" if actor == "bilateral" else actor,
    )


def narrate(events: pd.DataFrame, replicate: int | None = None, skip: Iterable[str] = ("proposal",)) -> list[str]:
    """Dated lines 'Sat 19 Apr, 18:00 - Russia declares a 30-hour truce.' for one replicate."""
    if events.empty:
        return []
    if replicate is None:
        replicate = int(events["replicate"].iloc[0])
    rows = events[(events["replicate"] == replicate) & ~events["kind"].isin(list(skip))]
    return [f"{when(r.time)} — {sentence(r.kind, r.actor, r.detail)}" for r in rows.itertuples()]

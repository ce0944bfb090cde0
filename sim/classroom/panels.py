"""The dashboard's panels: Solara components that each show one :class:`CeasefireModel`.

Every panel takes the model to show (any one: the dashboard's, or a game's) and nothing
else about where it came from. A model changes in place as it steps, so the panels follow
Mesa's ``update_counter``, as Mesa's own components do: whoever steps the model calls
``mesa.visualization.utils.force_update()`` and the panels redraw. What they draw is
memoised on (model, tick): moving a slider or pressing a button elsewhere redraws nothing.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import solara
from mesa.visualization.utils import update_counter

from sim.classroom import charts
from sim.classroom.narrate import AGREEMENTS, ending, narrate, when
from sim.model.model import CeasefireModel
from sim.model.outcomes import outcome_shares

INK = "#111"
#: Font sizes in CSS px: projector (the default) and desk (a laptop).
SIZES = {"projector": 18, "desk": 14}


def _one(value: object) -> float:
    """A parameter of the replicate on screen: a number, or the first of an (R,) array of draws."""
    return float(np.asarray(value, dtype=float).ravel()[0])


def _last(model: CeasefireModel, kind: str) -> str:
    """When the event ``kind`` last happened, as 'Sun 27 Apr, 00:00' ('' if never)."""
    events = model.events()
    times = events.loc[events["kind"] == kind, "time"]
    return when(times.iloc[-1]) if len(times) else ""


def _horizon(model: CeasefireModel) -> int:
    return model.scenario.data["clock"]["horizon_days"]


def _key(model: CeasefireModel) -> list:
    """What a panel's drawing depends on: which model, and how far it has run."""
    return [id(model), model.tick]


# --- the status strip ------------------------------------------------------------------------


def truce_status(model: CeasefireModel) -> tuple[str, str]:
    """Whose truce, until when, and whether the other side joined it."""
    if not model.truce_on[0]:
        return "none", "#999"
    declarer = int(model.truce_declarer[0])
    sides = ("Russia", "Ukraine")
    until = when(model.clock.time_of(float(model.truce_end[0])).isoformat())
    joined = "joined" if model.truce_bound[0, 1 - declarer] else "fights on"
    return f"{sides[declarer]}'s to {until}, {sides[1 - declarer]} {joined}", charts.OKABE_ITO["yellow"]


def deadline_status(model: CeasefireModel) -> tuple[str, str]:
    """Days left to the U.S. deadline, met, or stepped back (and whether it came back)."""
    us = model.united_states
    if not us.engaged[0]:
        return f"stepped back {_last(model, 'walk_away')}", charts.OKABE_ITO["vermillion"]
    back = f" (back since {_last(model, 'mediator_returned')})" if us.returns[0] else ""
    if us.deadline_met[0]:
        return f"met: the U.S. stays{back}", charts.OKABE_ITO["bluish_green"]
    left = (float(us.deadline_at[0]) - float(model.clock.edges[model.tick])) / 24.0
    text = "none" if left > _horizon(model) else f"{left:g} days left"
    if us.extensions[0]:
        text += f" (extended ×{int(us.extensions[0])})"
    return text + back, charts.OKABE_ITO["blue"]


def _box(title: str, body: str, colour: str) -> str:
    return (
        f'<div style="border-left: 6px solid {colour}; padding: 0 8px; margin: 0 6px 4px 0; white-space: nowrap;">'
        f'<span style="font-size: 15px; color: #333; text-transform: uppercase;">{title}</span> '
        f'<span style="font-size: 19px; font-weight: 600; color: {INK};">{body}</span></div>'
    )


def status_html(model: CeasefireModel) -> str:
    """The status strip's boxes: now, truce, agreement, the U.S. deadline, progress, trust."""
    us = model.united_states
    now = when(model.time_of(model.tick).isoformat())
    day = f"day {model.day_of(model.tick):g} of {_horizon(model)}"
    truce, truce_colour = truce_status(model)
    level = ("none", "partial", "ceasefire", "settlement")[int(model.agreement[0])]
    deal = charts.SPAN_NAMES.get(level, "none")
    deadline, colour = deadline_status(model)
    needs = _one(us.params["required_progress"])
    ru, ua = model.russia, model.ukraine
    boxes = [
        _box(
            "Now",
            f"<span data-testid='clock'>{now}</span> <span style='font-size:16px;font-weight:400'>({day})</span>",
            INK,
        ),
        _box("Truce", truce, truce_colour),
        _box("Agreement", html.escape(deal), charts.SPAN_COLOURS["ceasefire"] if level != "none" else "#999"),
        _box("U.S. deadline", deadline, colour),
        _box("Progress", f"{us.progress[0]:.0%} (needs {needs:.0%})", charts.OKABE_ITO["blue"]),
        _box("Trust", f"Russia {ru.trust[0]:.2f}, Ukraine {ua.trust[0]:.2f}", "#555"),
    ]
    return f'<div style="display:flex; flex-wrap:wrap; row-gap:2px;">{"".join(boxes)}</div>'


@solara.component
def StatusStrip(model: CeasefireModel, note: str = ""):
    """One line of status for the run on screen; ``note`` (HTML) says which settings it uses."""
    update_counter.get()
    boxes = solara.use_memo(lambda: status_html(model), _key(model))
    extra = f'<div style="font-size:16px; color:#222; margin-top:2px;">{note}</div>' if note else ""
    solara.HTML(unsafe_innerHTML=boxes + extra, attributes={"data-testid": "status"})


# --- the timeline, the story, the negotiation ------------------------------------------------


@solara.component
def Timeline(model: CeasefireModel, font: float = 18):
    """The timeline chart (:func:`charts.timeline_svg`) and, once the run is over, how it ended."""
    update_counter.get()

    def draw() -> str:
        closing = ""
        if not model.running:
            words = ending(str(model.outcomes()["outcome"].iloc[0]))
            closing = f'<div data-testid="ending" style="font-size:{font + 1}px; font-weight:600; color:{INK}; margin-top:6px;">{html.escape(words)}</div>'
        return charts.timeline_svg(model, font=font) + closing

    solara.HTML(unsafe_innerHTML=solara.use_memo(draw, _key(model) + [font]), attributes={"data-testid": "timeline"})


def story_html(model: CeasefireModel) -> str:
    """The narrated, dated events so far, one line each; at the horizon, how the story ended."""
    outcome = None if model.running else str(model.outcomes()["outcome"].iloc[0])
    lines = narrate(model.events(), outcome=outcome) if model.tick else []
    items = "".join(_story_line(line) for line in lines)
    return items or "<div>Nothing has happened yet: press Step or Play.</div>"


def _story_line(line: str) -> str:
    """One line of the story as HTML: its date in bold; the ending, which has none, on its own."""
    date, sep, text = line.partition(" — ")
    if not sep:
        return f'<div style="margin-top:10px; font-weight:700;">{html.escape(line)}</div>'
    return f'<div style="margin-bottom:8px;"><b>{html.escape(date)}</b> — {html.escape(text)}</div>'


@solara.component
def Story(model: CeasefireModel, font: float = 18, height: str = "calc(100vh - 175px)"):
    """The story so far, newest at the bottom and kept in view (the box scrolls, newest first in reach)."""
    update_counter.get()
    items = solara.use_memo(lambda: story_html(model), _key(model))
    solara.HTML(
        unsafe_innerHTML=f'<div style="margin-bottom:auto;">{items}</div>',  # at the top until the box is full
        style=(
            f"font-size:{font}px; line-height:1.4; color:{INK}; height:{height}; min-height:240px; overflow-y:auto;"
            " display:flex; flex-direction:column-reverse; padding-right:6px;"
        ),
        attributes={"data-testid": "story"},
    )


@solara.component
def Negotiation(model: CeasefireModel, font: float = 18):
    """Each issue: what Ukraine and Russia would sign, the U.S. text, the gap; progress against what the U.S. needs."""
    update_counter.get()
    us = model.united_states

    def draw() -> str:
        head = (
            f'<div style="font-size:{font}px; color:{INK}; margin-bottom:4px;">Progress: {us.progress[0]:.0%} of the '
            f"opening gap closed (the U.S. needs {_one(us.params['required_progress']):.0%})</div>"
        )
        return head + charts.negotiation_svg(model, font=font)

    solara.HTML(unsafe_innerHTML=solara.use_memo(draw, _key(model) + [font]), attributes={"data-testid": "negotiation"})


# --- many runs, compared -----------------------------------------------------------------


def comparison_table(runs: list[dict], font: float = 18) -> str:
    """One row per set of runs: its colour, what differed from the file, agreements and walk-aways."""
    rows = []
    for i, run in enumerate(runs):
        outcomes: pd.DataFrame = run["outcomes"]
        shares = outcome_shares(outcomes).set_index("outcome")["share"]
        days = outcomes["day_first_agreement"].dropna()
        median = f"{np.median(days):g}" if len(days) else "–"
        colour = charts.RUN_COLOURS[i % len(charts.RUN_COLOURS)]
        rows.append(
            f'<tr><td><span style="display:inline-block;width:18px;height:18px;background:{colour};"></span> {i + 1}</td>'
            f"<td>{html.escape(run['label'])}</td><td>{len(days) / len(outcomes):.0%}</td>"
            f"<td>{median}</td><td>{shares.get('mediator_walked_away', 0.0):.0%}</td></tr>"
        )
    head = "<tr><th>run</th><th>settings</th><th>any agreement</th><th>median day</th><th>U.S. walked away</th></tr>"
    return (
        f'<table style="font-size:{font}px; color:{INK}; border-collapse:collapse; width:100%;" '
        f'class="cf-table">{head}{"".join(rows)}</table>'
    )


@solara.component
def Comparison(runs: list[dict], font: float = 18):
    """Every set of runs so far, side by side: grouped outcome shares with 95% intervals, and a table."""
    chart = solara.use_memo(
        lambda: charts.shares_svg([(r["label"], r["outcomes"]) for r in runs], font=font),
        [tuple(id(r) for r in runs), font],
    )
    # The table first: it is the chart's legend (each run's colour and what differed).
    solara.HTML(unsafe_innerHTML=comparison_table(runs, font), attributes={"data-testid": "comparison"})
    solara.HTML(unsafe_innerHTML=chart, attributes={"data-testid": "shares"})


__all__ = ["AGREEMENTS", "Comparison", "Negotiation", "StatusStrip", "Story", "Timeline"]

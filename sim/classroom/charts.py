"""The dashboard's charts as SVG strings (:mod:`sim.classroom.svg`), each from a model or from runs.

Each chart is drawn at its own width in user units and scales to its container: at the
projector layout (1280 CSS px wide) a container is about as wide as the chart, so a font
size of 18 is about 18 CSS px there, and more on a wider screen.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.classroom.plots import step_edges
from sim.classroom.svg import OKABE_ITO, circle, clip, group, line, path, rect, svg, text
from sim.model.negotiation import gaps
from sim.model.outcomes import OUTCOMES, outcome_shares
from sim.scenario.schema import ISSUES

SIDES = ("russia", "ukraine")
SIDE_COLOURS = {"russia": OKABE_ITO["vermillion"], "ukraine": OKABE_ITO["blue"]}
#: Shading of what is in force: a unilateral truce, and the three agreements.
SPAN_COLOURS = {"truce": "#F5E97A", "partial": "#BFE5D6", "ceasefire": "#8FD3BD", "settlement": "#5FC1A2"}
SPAN_NAMES = {"partial": "moratorium on civilian targets", "ceasefire": "ceasefire", "settlement": "settlement"}
#: Colours of runs compared side by side, one per run (Okabe-Ito, black first).
RUN_COLOURS = tuple(OKABE_ITO[c] for c in ("black", "sky_blue", "orange", "bluish_green", "reddish_purple", "blue"))
OUTCOME_WORDS = {
    "settlement": "settlement",
    "ceasefire_holding": "ceasefire holds",
    "partial_ceasefire": "partial ceasefire",
    "recent_agreement": "recent agreement",
    "ceasefire_collapsed": "agreement collapsed",
    "mediator_walked_away": "U.S. walked away",
    "no_agreement": "no agreement",
}
ISSUE_LABELS = {
    "civilian_moratorium": "Civilian targets",
    "ceasefire": "Ceasefire",
    "territory": "Territory",
    "neutrality": "Neutrality",
    "guarantees": "Guarantees",
    "sequencing": "Sequencing",
}
INK, GREY, FAINT = "#111111", "#555555", "#DDDDDD"


@dataclass(frozen=True)
class Window:
    """The days shown: ``start`` to ``end`` (days since the start), mapped onto x from ``left`` to ``right``."""

    start: float
    end: float
    left: float
    right: float

    def x(self, day: float | np.ndarray) -> float | np.ndarray:
        return self.left + (np.asarray(day) - self.start) / (self.end - self.start) * (self.right - self.left)

    @classmethod
    def around(cls, now: float, horizon: float, left: float, right: float, back: float = 3, ahead: float = 1):
        """``back`` days before now to ``ahead`` after, shifted to stay inside the run's days."""
        start = min(max(now - back, 0.0), max(horizon - back - ahead, 0.0))
        return cls(start, min(start + back + ahead, horizon), left, right)


# --- what happened, from the model ---------------------------------------------------------


def easter(year: int) -> dt.date:
    """Western Easter Sunday (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


def spans(model, timeline: pd.DataFrame) -> list[tuple[float, float, str, str]]:
    """(start day, end day, kind, label) of each truce and agreement so far, labelled in words."""
    if timeline.empty:
        return []
    edges = step_edges(timeline)
    out = []
    declared = model.events()
    declared = declared[declared["kind"] == "truce_declared"]
    for kind, on in [("truce", timeline["truce"].to_numpy(bool))] + [
        (level, (timeline["agreement"] == level).to_numpy()) for level in SPAN_NAMES
    ]:
        k = 0
        while k < len(on):
            if not on[k]:
                k += 1
                continue
            j = k
            while j < len(on) and on[j]:
                j += 1
            out.append((edges[k], edges[j], kind, _span_label(model, kind, declared, edges[k], edges[j])))
            k = j
    return out


def _span_label(model, kind: str, declared: pd.DataFrame, start: float, end: float) -> str:
    if kind != "truce":
        return SPAN_NAMES[kind]
    origin = pd.Timestamp(model.start)
    before = declared[[(pd.Timestamp(t) - origin) / pd.Timedelta(days=1) <= start + 1e-6 for t in declared["time"]]]
    who = str(before["actor"].iloc[-1]).title() + "'s " if len(before) else ""
    sunday = easter(model.start.year)
    first = (model.start + dt.timedelta(days=float(start))).date()
    last = (model.start + dt.timedelta(days=float(end))).date()
    return f"{who}{'Easter ' if first <= sunday <= last else ''}truce"


def counter(model, side: str) -> tuple[float, float]:
    """(violations counted now, violations tolerated now) for one side: the breakdown rule."""
    agent = getattr(model, side)
    return float(agent.grievance[0]), float(agent.tolerance_now()[0])


def _date(model, day: float, fmt: str) -> str:
    """The date ``day`` days after the start, as ``fmt`` ('%a %d' -> 'Sat 19', '%d %b' -> '1 May')."""
    return f"{model.start + dt.timedelta(days=float(day)):{fmt}}".replace(" 0", " ").lstrip("0")


# --- the timeline ----------------------------------------------------------------------------


def timeline_svg(model, font: float = 18, width: float = 540) -> str:
    """Russia's and Ukraine's lanes over a few days around now, above the whole run's overview strip.

    Each lane shows its side's strikes by class (bar height: intensity in that step), its
    accusations (a circle with the count in that step) and its counter towards the
    breakdown rule (violations counted against violations tolerated). Truces and agreements
    are labelled spans across both lanes.
    """
    timeline = model.timeline()
    horizon = float(model.scenario.data["clock"]["horizon_days"])
    now = float(model.day_of(model.tick))
    label_w = 5.3 * font
    win = Window.around(now, horizon, label_w, width - 8)
    edges = step_edges(timeline) if len(timeline) else np.zeros(1)
    row = 1.9 * font  # height of a strike row
    lane = 1.6 * font + 6 + 2 * row + 1.6 * font + 10  # header, gauge, two rows, accusations
    top = 1.6 * font  # span labels
    body: list[str] = [clip("zoom", win.left, 0, win.right - win.left, 10_000)]
    zoomed: list[str] = []
    y_lanes = top + 4
    bottom = y_lanes + 2 * lane
    in_force = spans(model, timeline)
    for lo, hi, kind, _ in in_force:
        zoomed.append(rect(win.x(lo), y_lanes, win.x(hi) - win.x(lo), 2 * lane, fill=SPAN_COLOURS[kind]))
    visible = [(lo, hi, lbl) for lo, hi, _, lbl in in_force if hi > win.start and lo < win.end]
    for lo, _, label in visible:
        x = min(max(win.x(lo), win.left) + 4, win.right - 0.6 * font * len(label))
        body.append(text(x, top - 4, label, font, fill=INK, font_weight=600))
    if now < win.end:  # the future: not yet played
        zoomed.append(rect(win.x(now), y_lanes, win.right - win.x(now), 2 * lane, fill="#F2F2F2"))
    for i, side in enumerate(SIDES):
        zoomed.extend(_lane(timeline, edges, win, side, y_lanes + i * lane, font, row))
    body.append(group(zoomed, clip_path="url(#zoom)"))
    for i, side in enumerate(SIDES):
        body.extend(_lane_labels(model, side, y_lanes + i * lane, font, row, label_w, win))
    body.append(line(win.x(now), y_lanes - 2, win.x(now), bottom, stroke=INK, stroke_width=2))
    body.extend(_day_axis(model, win, bottom, font))
    overview_top = bottom + 1.6 * font + 10
    body.extend(_overview(model, timeline, edges, in_force, win, horizon, now, overview_top, font, width))
    height = overview_top + 2.6 * font + 24
    if not len(timeline):
        body.append(text(width / 2, y_lanes + lane, "Press Step or Play to start", font + 2, text_anchor="middle"))
    return svg(width, height, body, label="Timeline of strikes, accusations, truces and agreements")


def _lane_labels(model, side: str, y: float, font: float, row: float, label_w: float, win: Window) -> list[str]:
    """The lane's name, its breakdown counter and gauge, and the names of its rows."""
    colour = SIDE_COLOURS[side]
    counted, tolerated = counter(model, side)
    share = min(counted / tolerated, 1.0) if tolerated > 0 else 1.0
    words = f"violations counted {counted:.1f} of {tolerated:.1f} tolerated"
    out = [
        text(4, y + 1.2 * font, side.title(), font + 2, fill=colour, font_weight=700),
        text(label_w, y + 1.2 * font, words, font, fill=INK, data_counter=side),
        rect(label_w, y + 1.6 * font, win.right - label_w, 6, fill=FAINT),
        rect(label_w, y + 1.6 * font, share * (win.right - label_w), 6, fill=colour if share < 1 else INK),
    ]
    base = y + 1.6 * font + 6
    for k, name in enumerate(("military", "civilian")):
        out.append(text(4, base + (k + 0.75) * row, name, font, fill=GREY))
    out.append(text(4, base + 2 * row + 1.15 * font, "accuses", font, fill=GREY))
    return out


def _lane(timeline: pd.DataFrame, edges: np.ndarray, win: Window, side: str, y: float, font: float, row: float):
    """One side's strike bars (military, civilian) and accusation counts, in the zoomed window."""
    out: list[str] = []
    colour = SIDE_COLOURS[side]
    base = y + 1.6 * font + 6
    for k, kind in enumerate(("military", "civilian")):
        floor = base + (k + 1) * row - 3
        out.append(line(win.left, floor, win.right, floor, stroke="#BBBBBB"))
        if timeline.empty:
            continue
        values = timeline[f"fire_{side}_{kind}"].to_numpy(float)
        for lo, hi, v in zip(edges[:-1], edges[1:], values, strict=True):
            if v > 0 and hi > win.start and lo < win.end:
                h = v * (row - 6)
                style = {"fill": colour} if kind == "military" else {"fill": colour, "fill_opacity": 0.45}
                out.append(rect(win.x(lo) + 0.5, floor - h, win.x(hi) - win.x(lo) - 1, h, **style))
    if not timeline.empty:
        cy = base + 2 * row + 0.8 * font
        counts = timeline[f"accusations_{side}"].to_numpy(int)
        for lo, hi, n in zip(edges[:-1], edges[1:], counts, strict=True):
            if n > 0 and hi > win.start and lo < win.end:
                cx = win.x(0.5 * (lo + hi))
                out.append(circle(cx, cy, 0.75 * font, fill="white", stroke=colour, stroke_width=2.5))
                out.append(text(cx, cy + 0.35 * font, str(n), font, text_anchor="middle", fill=INK, font_weight=700))
    return out


def _day_axis(model, win: Window, y: float, font: float) -> list[str]:
    """Midnights in the zoomed window, labelled 'Sat 19'; a tick every 6 hours."""
    out = [line(win.left, y, win.right, y, stroke=INK)]
    for hour in np.arange(np.ceil(win.start * 4) / 4, win.end + 1e-9, 0.25):
        x = win.x(hour)
        midnight = abs(hour - round(hour)) < 1e-9
        out.append(line(x, y, x, y + (8 if midnight else 4), stroke=INK))
        if midnight and hour < win.end - 0.2:
            out.append(text(x + 3, y + 1.2 * font, _date(model, hour, "%a %d"), font, fill=INK))
    return out


def _overview(model, timeline, edges, in_force, win: Window, horizon, now, y, font, width) -> list[str]:
    """The whole run in a strip: what was in force, each side's fire, and where the window is."""
    whole = Window(0.0, horizon, win.left, win.right)
    h = 1.4 * font
    out = [text(4, y + 0.9 * font, "all days", font, fill=GREY)]
    out.append(rect(whole.left, y, whole.right - whole.left, h, fill="#F7F7F7", stroke=FAINT))
    for lo, hi, kind, _ in in_force:
        out.append(rect(whole.x(lo), y, whole.x(hi) - whole.x(lo), h, fill=SPAN_COLOURS[kind]))
    if len(timeline):
        for k, side in enumerate(SIDES):
            fire = timeline[f"fire_{side}_military"].to_numpy(float) + timeline[f"fire_{side}_civilian"].to_numpy(float)
            x = whole.x(edges)
            top = y + (k + 1) * h / 2
            d = "".join(
                f"M{x0:.1f},{top:.1f}V{top - min(f, 1.0) * (h / 2 - 2):.1f}H{x1:.1f}V{top:.1f}"
                for x0, x1, f in zip(x[:-1], x[1:], fire / 2, strict=True)
                if f > 0
            )
            out.append(path(d or "M0,0", fill=SIDE_COLOURS[side], fill_opacity=0.8))
    out.append(
        rect(
            whole.x(win.start),
            y - 3,
            whole.x(win.end) - whole.x(win.start),
            h + 6,
            fill="none",
            stroke=INK,
            stroke_width=2.5,
        )
    )
    out.append(line(whole.x(now), y - 3, whole.x(now), y + h + 3, stroke=INK, stroke_width=2))
    for day in range(0, int(horizon) + 1, 7):
        x = whole.x(day)
        out.append(line(x, y + h, x, y + h + 5, stroke=INK))
        if x < width - 3 * font:
            out.append(
                text(
                    x,
                    y + h + 1.2 * font,
                    _date(model, day, "%d %b"),
                    font,
                    fill=INK,
                    text_anchor="middle" if day else "start",
                )
            )
    return out


# --- the negotiation -----------------------------------------------------------------------


def negotiation_svg(model, font: float = 18, width: float = 640) -> str:
    """Each issue on a line from Ukraine's opening (0) to Russia's (1): what each would sign, the text, the gap."""
    us = model.united_states
    text_now = us.text[:1]
    ukraine = model.ukraine.signing_bounds(text_now)[0]
    russia = model.russia.signing_bounds(text_now)[0]
    gap = gaps(ukraine[None], russia[None])[0]
    agreed = model.agreed_issues_mask()[0]
    left, right = 8.5 * font, width - 7 * font
    x = Window(0.0, 1.0, left, right).x
    rowh = 2.2 * font
    top = 2.4 * font
    body = [
        text(4, 1.2 * font, "● Ukraine signs at most", font, fill=SIDE_COLOURS["ukraine"], font_weight=600),
        text(width / 2, 1.2 * font, "● Russia signs at least", font, fill=SIDE_COLOURS["russia"], font_weight=600),
    ]
    for i, issue in enumerate(ISSUES):
        y = top + (i + 0.5) * rowh
        lo, hi = sorted((ukraine[i], russia[i]))
        closed = agreed[i] or gap[i] <= 0
        body.append(line(left, y, right, y, stroke=FAINT, stroke_width=2))
        body.append(
            line(
                x(lo),
                y,
                x(hi),
                y,
                stroke="#999999" if closed else OKABE_ITO["vermillion"],
                stroke_width=8,
                stroke_opacity=0.4,
            )
        )
        body.append(text(4, y + 0.35 * font, ISSUE_LABELS[issue], font, fill=INK))
        body.append(circle(x(ukraine[i]), y, 0.45 * font, fill=SIDE_COLOURS["ukraine"]))
        body.append(circle(x(russia[i]), y, 0.45 * font, fill=SIDE_COLOURS["russia"]))
        d = 0.5 * font
        tx = x(text_now[0, i])
        body.append(
            path(f"M{tx:.1f},{y - d:.1f}L{tx + d:.1f},{y:.1f}L{tx:.1f},{y + d:.1f}L{tx - d:.1f},{y:.1f}Z", fill=INK)
        )
        note = f"agreed {model.terms[0, i]:.2f}" if agreed[i] else (f"gap {gap[i]:.2f}" if gap[i] > 0 else "overlap")
        body.append(
            text(right + 0.6 * font, y + 0.35 * font, note, font, fill=INK, font_weight=700 if agreed[i] else 400)
        )
    y = top + len(ISSUES) * rowh + 0.4 * font
    body.append(text(left, y + font, "0: Ukraine's opening", font, fill=GREY))
    body.append(text(right, y + font, "1: Russia's", font, fill=GREY, text_anchor="end"))
    body.append(text(left, y + 2.3 * font, "◆ the U.S. text", font, fill=INK))
    return svg(width, y + 2.8 * font, body, label="The negotiation: what each side would sign on each issue")


# --- many runs -------------------------------------------------------------------------------


def shares_svg(runs: list[tuple[str, pd.DataFrame]], font: float = 18, width: float = 600) -> str:
    """Outcome shares with 95% intervals, one bar per run (in :data:`RUN_COLOURS`) in each outcome's group."""
    label_w = 11.5 * font
    right = width - 3.4 * font
    x = Window(0.0, 1.0, label_w, right).x
    bar = 1.15 * font
    group_h = max(len(runs), 1) * (bar + 3) + 0.7 * font
    body: list[str] = []
    shares = [outcome_shares(outcomes).set_index("outcome") for _, outcomes in runs]
    top = 4.0
    for gi, outcome in enumerate(OUTCOMES):
        y0 = top + gi * group_h
        body.append(text(4, y0 + group_h / 2 + 0.3 * font, OUTCOME_WORDS[outcome], font, fill=INK))
        for r, table in enumerate(shares):
            if outcome not in table.index:
                continue
            share, low, high = (float(table.loc[outcome, c]) for c in ("share", "low", "high"))
            y = y0 + r * (bar + 3)
            colour = RUN_COLOURS[r % len(RUN_COLOURS)]
            body.append(rect(label_w, y, x(share) - label_w, bar, fill=colour))
            body.append(line(x(low), y + bar / 2, x(high), y + bar / 2, stroke=GREY, stroke_width=2))
            body.append(text(max(x(high), x(share)) + 4, y + bar - 2, f"{share:.0%}", font, fill=INK))
        body.append(line(label_w, y0 + group_h - 0.35 * font, right, y0 + group_h - 0.35 * font, stroke=FAINT))
    bottom = top + len(OUTCOMES) * group_h
    for s in (0, 0.25, 0.5, 0.75, 1.0):
        body.append(line(x(s), top, x(s), bottom, stroke=FAINT))
        body.append(text(x(s), bottom + 1.1 * font, f"{s:.0%}", font, fill=GREY, text_anchor="middle"))
    body.append(text(label_w, bottom + 2.4 * font, "share of runs; grey line: 95% interval", font, fill=GREY))
    return svg(width, bottom + 2.8 * font, body, label="Outcome shares of each set of 500 runs")

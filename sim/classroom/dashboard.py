"""The classroom dashboard: Mesa's SolaraViz on one replicate of :class:`CeasefireModel`.

Start it with ``ceasefire demo [SCENARIO]`` (or ``solara run sim/classroom/dashboard.py``).
The sidebar is SolaraViz's own: Reset / Play / Step and the sliders (``model_params``), which
take effect at Reset. The main area shows, for the replicate on screen, the timeline of
strikes, the story so far, the state of the truce, agreement and U.S. deadline, the
negotiation, and a "run 500 times" panel that runs the same settings with the vectorised model.

SolaraViz is given no ``components``: Mesa 3.3 puts each component in a draggable grid cell
of fixed half width and height, too small to read on a projector. The panels below are
plain Solara components laid out for a projector; they follow Mesa's ``update_counter``,
as SolaraViz's own components do, so Step, Play and Reset refresh them.
"""

from __future__ import annotations

import html
import io
import os
import time
from collections.abc import Callable

import numpy as np
import pandas as pd
import solara
from matplotlib.figure import Figure
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from sim.classroom.narrate import AGREEMENTS, narrate, when
from sim.classroom.plots import SIDE_COLOURS, plot_grievance, plot_shares, plot_timeline
from sim.experiments.figures import OUTCOME_COLOURS
from sim.model.model import CeasefireModel
from sim.model.negotiation import gaps
from sim.model.outcomes import outcome_shares
from sim.scenario import Scenario, load_scenario, packaged_scenarios
from sim.scenario.priors import Prior
from sim.scenario.schema import ISSUES

#: Scenario the page opens with (``ceasefire demo SCENARIO`` sets it).
START_SCENARIO = os.environ.get("CEASEFIRE_DEMO_SCENARIO", "baseline")
MANY = 500
FONT = "font-size: 17px; line-height: 1.45;"
#: Projector-friendly sidebar: every slider shows its value, not only while dragged.
CSS = """
.v-slider__thumb-container .v-slider__thumb-label-container { display: block !important; }
.v-slider__thumb-label { font-size: 13px; }
.v-input__slot .v-label { font-size: 15px; }
.v-input__slider { margin-top: 16px; }
"""

#: The levers on the sidebar: scenario key path, label, min, max, step. A lever whose value
#: in the scenario file is a prior (a range drawn afresh for every run) starts at the
#: prior's mean and leaves the prior in place until it is moved (see :func:`fixed_levers`).
LEVERS: tuple[tuple[str, str, float, float, float], ...] = (
    ("actors.united_states.deadline_days", "U.S. deadline (days)", 0, 30, 1),
    ("actors.united_states.extension_probability", "U.S. extends, not walks (prob.)", 0.0, 1.0, 0.05),
    ("actors.ukraine.response.join_truce", "Ukraine joins a truce (prob.)", 0.0, 1.0, 0.05),
    ("actors.ukraine.response.forgiveness", "Ukraine forgives (prob.)", 0.0, 1.0, 0.05),
    ("actors.russia.response.forgiveness", "Russia forgives (prob.)", 0.0, 1.0, 0.05),
    ("actors.ukraine.commitment.tolerance", "Ukraine tolerates violations", 0.0, 30.0, 0.5),
    ("actors.russia.commitment.tolerance", "Russia tolerates violations", 0.0, 30.0, 0.5),
    ("actors.ukraine.perception.false_alarms_per_day", "Ukraine false alarms/day", 0.0, 6.0, 0.05),
    ("actors.russia.perception.false_alarms_per_day", "Russia false alarms/day", 0.0, 6.0, 0.05),
    ("actors.ukraine.incidents_per_day", "Ukraine incidents/day", 0.0, 12.0, 0.1),
    ("actors.russia.incidents_per_day", "Russia incidents/day", 0.0, 12.0, 0.1),
    ("actors.europe.monitoring", "Europe monitors an agreement (0-1)", 0.0, 1.0, 0.05),
    ("actors.europe.guarantee_capacity", "Europe's security guarantees (0-1)", 0.0, 1.0, 0.05),
    ("actors.europe.backfill", "Europe replaces cut U.S. aid (share)", 0.0, 1.0, 0.05),
    ("actors.ukraine.concession.beta", "Ukraine concedes: β (<1 late, >1 early)", 0.1, 5.0, 0.1),
    ("actors.russia.concession.beta", "Russia concedes: β (<1 late, >1 early)", 0.1, 5.0, 0.1),
)
ISSUE_LABELS = {
    "civilian_moratorium": "Civilian targets",
    "ceasefire": "Ceasefire",
    "territory": "Territory",
    "neutrality": "Neutrality",
    "guarantees": "Guarantees",
    "sequencing": "Sequencing",
}

scenario_ref = solara.reactive(START_SCENARIO)
DEADLINE_KEY = "actors__united_states__deadline_days"
NO_DEADLINE_DAYS = 36500.0  # 100 years: never reached (scenarios/no_deadline.toml)


class DashboardModel(CeasefireModel):
    """One replicate of :class:`CeasefireModel`, as SolaraViz's Reset re-creates it.

    Mesa 3.3 checks ``model_params`` against the constructor's signature and accepts extra
    keywords only under the name ``kwargs`` (CeasefireModel calls them ``overrides``).
    SolaraViz passes every slider at Reset, moved or not: a slider still at the start of a
    lever whose file value is a prior is dropped, so the run keeps drawing it from the prior.
    """

    def __init__(self, scenario: str | Scenario = "baseline", seed: int = 0, **kwargs: float) -> None:
        loaded = load_scenario(scenario)
        # The deadline slider's last stop ("none") means no deadline at all, as in the packaged
        # no_deadline scenario, not a deadline just past the horizon whose pressure still rises.
        if kwargs.get(DEADLINE_KEY, 0) > loaded.data["clock"]["horizon_days"]:
            kwargs[DEADLINE_KEY] = NO_DEADLINE_DAYS
        super().__init__(loaded, seed=seed, replicates=1, **fixed_levers(loaded, kwargs))


# --- parameters -------------------------------------------------------------------------


def lever_start(scenario: Scenario, path: str, step: float) -> float:
    """Where a lever's slider starts: the file's value, or the mean of its prior on the slider's grid."""
    value = scenario.get(path)
    if isinstance(value, Prior):
        return round(round(value.mean() / step) * step, 6)
    return value


def fixed_levers(scenario: Scenario, kwargs: dict) -> dict:
    """The slider values to pass on as overrides: all but those left at the start of a prior."""
    out = dict(kwargs)
    for path, _, _, _, step in LEVERS:
        key = path.replace(".", "__")
        if (
            key in out
            and isinstance(scenario.get(path), Prior)
            and np.isclose(out[key], lever_start(scenario, path, step))
        ):
            del out[key]
    return out


def _range(value: object) -> str:
    """A file value in words for a label: '0.1–0.5' for a prior, '10' for a number."""
    if isinstance(value, Prior):
        return f"{value.low:g}–{value.high:g}"
    return f"{value:g}"


def model_params(ref: str, scenario: Scenario) -> dict:
    """SolaraViz ``model_params``: sliders starting at the scenario's own values."""
    params: dict = {
        "scenario": ref,
        "seed": {"type": "SliderInt", "label": "Story number (seed)", "value": 0, "min": 0, "max": 99, "step": 1},
    }
    horizon = scenario.data["clock"]["horizon_days"]
    for path, label, low, high, step in LEVERS:
        value = lever_start(scenario, path, step)
        if path.endswith("deadline_days"):
            high = horizon + 1  # beyond the horizon: never reached
            label = f"U.S. deadline (days; {high} = none)"
            value = min(value, high)
        elif isinstance(scenario.get(path), Prior):
            file = f"file {_range(scenario.get(path))}"
            label = f"{label[:-1]}; {file})" if label.endswith(")") else f"{label} ({file})"
        kind = "SliderInt" if isinstance(step, int) else "SliderFloat"
        params[path.replace(".", "__")] = {
            "type": kind,
            "label": label,
            "value": value,
            "min": low,
            "max": max(high, value),
            "step": step,
        }
    return params


def changed_levers(model: CeasefireModel, ref: str) -> list[str]:
    """Levers whose value differs from the scenario file, as 'label: value (file: ...)'."""
    base = load_scenario(ref)
    out = [f"seed {model.seed}"] if model.seed else []
    for path, label, *_ in LEVERS:
        now, was = model.scenario.get(path), base.get(path)
        if isinstance(now, Prior) or isinstance(was, Prior):
            if now != was:
                out.append(f"{label.split(' (')[0]}: {_range(now)} (file: {_range(was)})")
        elif not np.isclose(now, was) and not (path.endswith("deadline_days") and min(now, was) > _horizon(model)):
            out.append(f"{label.split(' (')[0]}: {now:g} (file: {was:g})")
    return out


def _horizon(model: CeasefireModel) -> int:
    return model.scenario.data["clock"]["horizon_days"]


# --- small helpers ------------------------------------------------------------------------


def _png(draw: Callable[[Figure], None], size: tuple[float, float]) -> bytes:
    """Draw on a new figure (no pyplot state) and return it as PNG bytes."""
    fig = Figure(figsize=size, dpi=110, layout="constrained")
    draw(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def _box(title: str, body: str, colour: str = "#444") -> str:
    return (
        f'<div style="border-left: 6px solid {colour}; padding: 2px 10px; margin: 0 10px 8px 0;">'
        f'<div style="font-size: 13px; color: #555; text-transform: uppercase;">{title}</div>'
        f'<div style="font-size: 20px; font-weight: 600;">{body}</div></div>'
    )


def _one(value: object) -> float:
    """A parameter of the replicate on screen: a number, or the first of an (R,) array of draws."""
    return float(np.asarray(value, dtype=float).ravel()[0])


def _last(model: CeasefireModel, kind: str) -> str:
    """When the event ``kind`` last happened in the run on screen, as 'Sun 27 Apr, 00:00' ('' if never)."""
    events = model.events()
    times = events.loc[events["kind"] == kind, "time"]
    return when(times.iloc[-1]) if len(times) else ""


# --- panels ----------------------------------------------------------------------------


def truce_status(model: CeasefireModel) -> tuple[str, str]:
    """The truce box: whose truce, until when, and whether the other side joined it."""
    if not model.truce_on[0]:
        return "none", "#999"
    declarer = int(model.truce_declarer[0])
    sides = ("Russia", "Ukraine")
    until = when(model.clock.time_of(float(model.truce_end[0])).isoformat())
    joined = "joined" if model.truce_bound[0, 1 - declarer] else "fights on"
    return f"{sides[declarer]}'s, until {until}; {sides[1 - declarer]} {joined}", "#e6a800"


def deadline_status(model: CeasefireModel) -> tuple[str, str]:
    """The U.S. box: days left to its deadline, met, or stepped back (and whether it came back)."""
    us = model.united_states
    if not us.engaged[0]:
        return f"stepped back {_last(model, 'walk_away')}", "#b2182b"
    back = f" (back since {_last(model, 'mediator_returned')})" if us.returns[0] else ""
    if us.deadline_met[0]:
        return f"met: the U.S. stays{back}", "#1a9850"
    left = (float(us.deadline_at[0]) - float(model.clock.edges[model.tick])) / 24.0
    text = "none before the horizon" if left > _horizon(model) else f"{left:g} days left"
    if us.extensions[0]:
        text += f" (extended ×{int(us.extensions[0])})"
    return text + back, "#2166ac"


@solara.component
def StatusPanel(model: CeasefireModel, ref: str):
    """Now, truce, agreement, the U.S. deadline, progress, accusations, violations counted, trust."""
    update_counter.get()
    us = model.united_states
    now = f"{when(model.time_of(model.tick).isoformat())}"
    day = f"day {model.day_of(model.tick):g} of {_horizon(model)}"
    truce, truce_colour = truce_status(model)
    level = ("none", "partial", "ceasefire", "settlement")[int(model.agreement[0])]
    deal = AGREEMENTS.get(level, "none").replace("a moratorium on strikes against", "moratorium:")
    deadline, colour = deadline_status(model)
    progress = f"{us.progress[0]:.0%} (needs {_one(us.params['required_progress']):.0%})"
    ru, ua = model.russia, model.ukraine
    accusations = f"Russia {int(ru.accusations[0])} · Ukraine {int(ua.accusations[0])}"
    counted = " · ".join(f"{b.side.title()} {b.grievance[0]:.1f} / {b.tolerance_now()[0]:.1f}" for b in (ru, ua))
    trust = f"Russia {ru.trust[0]:.2f} · Ukraine {ua.trust[0]:.2f}"
    boxes = [
        _box(
            "Now",
            f"<span data-testid='clock'>{now}</span> <span style='font-size:15px;font-weight:400'>({day})</span>",
            "#222",
        ),
        _box("Unilateral truce", truce, truce_colour),
        _box("Agreement in force", deal, "#66bd63" if level != "none" else "#999"),
        _box("U.S. deadline", deadline, colour),
        _box("Progress in talks", progress, "#2166ac"),
        _box("Accusations", accusations, "#762a83"),
        _box("Violations counted / tolerated", counted, "#762a83"),
        _box("Trust in the other side", trust, "#444"),
    ]
    settings = changed_levers(model, ref)
    note = f"Scenario <b>{html.escape(model.scenario.name)}</b>"
    note += " with " + html.escape("; ".join(settings)) if settings else " as in its file"
    solara.HTML(
        unsafe_innerHTML=(
            f'<div style="display:flex; flex-wrap:wrap;">{"".join(boxes)}</div>'
            f'<div style="font-size:15px; color:#333;">{note}.</div>'
        ),
        attributes={"data-testid": "status"},
    )


def _date_axis(ax, model: CeasefireModel, labels: bool) -> None:
    horizon = _horizon(model)
    ticks = np.arange(0, horizon + 1, 3 if horizon <= 40 else 7)
    names = [f"{model.start + pd.Timedelta(days=int(d)):%a %d %b}".replace(" 0", " ") for d in ticks]
    ax.set_xticks(ticks, names if labels else [])
    ax.tick_params(axis="x", labelrotation=35, labelsize=11)
    ax.tick_params(axis="y", labelsize=11)
    ax.set_xlim(0, horizon)
    ax.set_xlabel("")


def draw_timeline(fig: Figure, model: CeasefireModel) -> None:
    """Strikes by side and class, truce and agreement shaded, accusations marked; below, each
    side's count of recent violations against what it tolerates; dates along the bottom."""
    ax, low = fig.subplots(2, 1, height_ratios=[3, 1.25], sharex=True)
    timeline = model.timeline()
    if timeline.empty:
        ax.text(0.5, 0.5, "Press Step or ▶ to start", ha="center", va="center", transform=ax.transAxes, fontsize=16)
    else:
        plot_timeline(ax, timeline, legend=False)
        plot_grievance(low, timeline, events=model.events())
        handles, labels = ax.get_legend_handles_labels()  # the lower panel's title explains its lines
        unique = dict(zip(labels, handles, strict=True))
        low.legend(unique.values(), unique.keys(), fontsize=10, ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.55))
    _date_axis(ax, model, labels=False)
    _date_axis(low, model, labels=True)
    ax.set_ylabel("strike intensity", fontsize=13)
    ax.set_title("Strikes; truce (yellow), agreement (green), accusations (▲▼)", fontsize=13)
    low.set_ylabel("violations", fontsize=12)
    low.set_title("Violations each side counts (solid) and tolerates (dotted); ✕ abandons", fontsize=12)


@solara.component
def FigurePanel(
    title: str, draw: Callable[[Figure, CeasefireModel], None], size: tuple[float, float], model: CeasefireModel
):
    """A card with one figure of the replicate on screen, redrawn after each step."""
    update_counter.get()
    png = solara.use_memo(lambda: _png(lambda fig: draw(fig, model), size), [id(model), model.tick])
    with solara.Card(title, margin=0, style="height: 100%;"):
        solara.Image(png, width="100%")


@solara.component
def StoryPanel(model: CeasefireModel):
    """The narrated, dated event log so far, newest at the bottom (kept in view); at the horizon, how it ended."""
    update_counter.get()
    outcome = None if model.running else str(model.outcomes()["outcome"].iloc[0])
    lines = narrate(model.events(), outcome=outcome) if model.tick else []
    items = "".join(_story_line(line) for line in lines)
    if not items:
        items = "<div>Nothing has happened yet: press Step or ▶.</div>"
    with solara.Card("The story so far", margin=0, style="height: 100%;"):
        solara.HTML(
            unsafe_innerHTML=f"<div>{items}</div>",
            style=f"{FONT} height: 640px; overflow-y: auto; display: flex; flex-direction: column-reverse;",
            attributes={"data-testid": "story"},
        )


def _story_line(line: str) -> str:
    """One line of the story as HTML: its date in bold; the ending, which has none, on its own."""
    date, sep, text = line.partition(" — ")
    if not sep:
        return f'<div style="margin-top:10px; font-weight:600;">{html.escape(line)}</div>'
    return f'<div style="margin-bottom:6px;"><b>{html.escape(date)}</b> — {html.escape(text)}</div>'


def draw_negotiation(fig: Figure, model: CeasefireModel) -> None:
    """Each issue on a line from Ukraine's opening (0) to Russia's (1): both positions, the text, the gap."""
    ax = fig.subplots()
    us = model.united_states
    text = us.text[:1]
    # What each side would sign: its bounds, less its distrust premium (what the mediator measures).
    ukraine = model.ukraine.signing_bounds(text)[0]
    russia = model.russia.signing_bounds(text)[0]
    gap = gaps(ukraine[None], russia[None])[0]
    agreed = model.agreed_issues_mask()[0]
    y = np.arange(len(ISSUES))
    for i in y:
        lo, hi = sorted((ukraine[i], russia[i]))
        colour = "#d73027" if gap[i] > 0 else "#1a9850"
        ax.plot([lo, hi], [i, i], color=colour, lw=9, alpha=0.35, solid_capstyle="butt")
        if agreed[i]:
            note, colour = f"agreed {model.terms[0, i]:.2f}", "#1a9850"
        elif gap[i] > 0:
            note = f"gap {gap[i]:.2f}"
        else:
            note = "overlap"
        ax.text(1.04, i, note, va="center", fontsize=13, color=colour, fontweight="bold")
    ax.scatter(ukraine, y, s=140, color=SIDE_COLOURS["ukraine"], zorder=3, label="Ukraine signs at most")
    ax.scatter(russia, y, s=140, color=SIDE_COLOURS["russia"], zorder=3, label="Russia signs at least")
    ax.scatter(text[0], y, s=150, marker="D", color="black", zorder=4, label="U.S. text")
    ax.set_yticks(y, [ISSUE_LABELS[i] for i in ISSUES], fontsize=13)
    ax.invert_yaxis()
    ax.set_xlim(-0.02, 1.02)
    ax.set_xticks([0, 0.5, 1], ["0: Ukraine's\nopening", "0.5", "1: Russia's\nopening"], fontsize=11)
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize=10, ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.2), handletextpad=0.2)
    needs = _one(us.params["required_progress"])
    ax.set_title(f"Progress {us.progress[0]:.0%} of the opening gap closed (the U.S. needs {needs:.0%})", fontsize=13)


def draw_many(fig: Figure, runs: list[dict], horizon: int) -> None:
    """Outcome shares with 95% intervals, and the day of first agreement; a previous run as outlines."""
    ax, hist = fig.subplots(2, 1, height_ratios=[1.2, 1])
    latest = runs[-1]
    plot_shares(ax, latest["outcomes"])
    ax.set_title(f"Outcome at day {horizon} ({MANY} runs, 95% intervals)", fontsize=12)
    ax.set_xlabel("share of runs", fontsize=11)
    ax.tick_params(labelsize=11)
    bins = np.arange(0, horizon + 2)
    days = latest["outcomes"]["day_first_agreement"].dropna()
    hist.hist(days, bins=bins, color=OUTCOME_COLOURS[1], label="these settings")
    if len(runs) > 1:
        before = runs[0]["outcomes"]
        shares = outcome_shares(before)
        ax.scatter(shares["share"], np.arange(len(shares)), s=90, facecolor="none", edgecolor="black", lw=2, zorder=5)
        ax.scatter([], [], s=90, facecolor="none", edgecolor="black", lw=2, label="previous run")
        ax.legend(fontsize=10, loc="lower right")
        hist.hist(
            before["day_first_agreement"].dropna(),
            bins=bins,
            histtype="step",
            color="black",
            lw=2,
            label="previous run",
        )
        hist.legend(fontsize=10)
    share = len(days) / len(latest["outcomes"])
    median = f", median day {np.median(days):g}" if len(days) else ""
    hist.set_title(f"First agreement: {share:.0%} of runs{median}", fontsize=12)
    hist.set_xlabel("day of first agreement", fontsize=11)
    hist.set_ylabel("runs", fontsize=11)
    hist.set_xlim(0, horizon + 1)
    hist.tick_params(labelsize=11)


@solara.component
def ManyRunsPanel(model: CeasefireModel, ref: str):
    """'Run 500 times': the settings on screen, 500 replicates at once (the vectorised model)."""
    runs, set_runs = solara.use_state([])

    def run_many() -> None:
        started = time.perf_counter()
        many = CeasefireModel(model.scenario, seed=model.seed, replicates=MANY, keep_timelines=0).run()
        settings = "; ".join(changed_levers(model, ref)) or "as in the file"
        run = {
            "outcomes": many.outcomes(),
            "seconds": time.perf_counter() - started,
            "settings": f"{model.scenario.name}: {settings}",
        }
        set_runs((runs + [run])[-2:])

    with solara.Card(f"Run it {MANY} times", margin=0, style="height: 100%;"):
        with solara.Row(style="align-items: center;"):
            solara.Button(f"Run {MANY} times", on_click=run_many, color="primary", style="font-size: 16px;")
            solara.Text(
                "the settings on screen, from the start; the run you watched is run 0 of them",
                style="font-size: 15px;",
            )
        if runs:
            png = _png(lambda fig: draw_many(fig, runs, _horizon(model)), (6.4, 6.6))
            solara.Image(png, width="100%")
            latest = runs[-1]
            text = f"{MANY} runs in {latest['seconds']:.2f} s. Settings: {latest['settings']}."
            if len(runs) > 1:
                text += f" Outlines: the run before ({runs[0]['settings']})."
            solara.HTML(
                unsafe_innerHTML=html.escape(text), style="font-size: 15px;", attributes={"data-testid": "many"}
            )


@solara.component
def ScenarioPicker():
    """Choose the scenario to start from: the sliders jump to its values and the run restarts."""
    names = list(packaged_scenarios())
    if scenario_ref.value not in names:
        names.insert(0, scenario_ref.value)
    with solara.Card("Scenario"):
        solara.Select("Start from", values=names, value=scenario_ref)
        description = html.escape(load_scenario(scenario_ref.value).data["description"])
        solara.HTML(
            unsafe_innerHTML=f"<p><i>{description}</i></p>"
            "<p>Move a slider below, then press <b>Reset</b> to start a new run with it.</p>",
            style="font-size: 15px;",
        )


@solara.component
def Dashboard(ref: str):
    """SolaraViz (controls and sliders) and the panels, for one scenario."""
    scenario = solara.use_memo(lambda: load_scenario(ref), [ref])
    first = solara.use_memo(lambda: DashboardModel(scenario), [ref])
    model = solara.use_reactive(first)
    SolaraViz(
        model,
        components=[],
        model_params=model_params(ref, scenario),
        play_interval=250,
        name="Ceasefire negotiation simulator: Easter week 2025",
    )
    current = model.value
    with solara.Column(style="padding: 8px 16px; gap: 12px;"):
        StatusPanel(current, ref)
        with solara.Columns([3, 2]):
            FigurePanel("Timeline", draw_timeline, (7.2, 6.6), current)
            StoryPanel(current)
        with solara.Columns([1, 1]):
            FigurePanel("The negotiation", draw_negotiation, (6.4, 5.0), current)
            ManyRunsPanel(current, ref)


@solara.component
def Page():
    """The page: the scenario picker above SolaraViz's sidebar, and the dashboard for it."""
    solara.Style(CSS)
    with solara.Sidebar():
        ScenarioPicker()
    Dashboard(scenario_ref.value).key(scenario_ref.value)

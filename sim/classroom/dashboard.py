"""The classroom dashboard: one replicate of :class:`CeasefireModel`, on a projector.

Start it with ``ceasefire demo [SCENARIO]`` (or ``solara run sim/classroom/dashboard.py``).

The page has its own controller, not Mesa's SolaraViz: SolaraViz applies sliders only at
Reset without showing that a change is pending, puts developer controls (play and render
intervals, threads) on the teacher's panel, and lays components out in small grid cells.
Here a moved slider is listed as pending until Reset, "Run 500 times" always runs the
settings on screen and says so, and the page fits a 1280x720 projector: a top bar with the
controls, the levers in a panel on the left, a status strip, then the timeline and the
story side by side; the negotiation and the 500-run comparison below.

The panels (:mod:`sim.classroom.panels`) each take a model, so any model can be shown.
"""

from __future__ import annotations

import html
import os
import threading
import time

import solara
from mesa.visualization.utils import force_update

from sim.classroom.game import debrief
from sim.classroom.game_panel import MODES, DebriefPanel, QuestionCard, new_game
from sim.classroom.levers import (
    LEVERS,
    DashboardModel,
    build,
    changed_levers,
    fixed_levers,
    key,
    lever_start,
    model_params,
    pending_changes,
    scenario_title,
    slider_label,
    start_values,
)
from sim.classroom.panels import SIZES, Comparison, Negotiation, StatusStrip, Story, Timeline
from sim.scenario import load_scenario, packaged_scenarios

__all__ = ["LEVERS", "DashboardModel", "Page", "changed_levers", "fixed_levers", "lever_start", "model_params"]

#: Scenario the page opens with (``ceasefire demo SCENARIO`` sets it).
START_SCENARIO = os.environ.get("CEASEFIRE_DEMO_SCENARIO", "baseline")
MANY = 500
#: Seconds between two steps while playing: with a step and its redraw in well under 0.1 s,
#: about 5 steps a second, slow enough to read the clock.
PLAY_PAUSE = 0.12
CSS = """
.solara-autorouted-content, .v-content__wrap > .container { padding: 0 !important; max-width: none !important; }
.v-application--wrap > div[style*="bottom: 0px"], a[href="https://solara.dev"] { display: none !important; }
.cf-top { align-items: center; gap: 10px; padding: 4px 12px; border-bottom: 2px solid #ccc; background: #fafafa; }
.cf-top .v-btn { font-size: 17px !important; text-transform: none; }
.cf-title { font-size: 20px; font-weight: 700; color: #111; white-space: nowrap; }
.cf-top .v-input { margin-top: 0; padding-top: 0; }
.cf-top .v-text-field__details { display: none; }
.cf-top .v-select__selection { font-size: 18px; color: #111; }
.cf-root { height: 100vh; }
.cf-body { flex: 1 1 0; min-height: 0; }
.cf-levers { width: 300px; flex: none; height: 100%; overflow-y: auto; padding: 6px 10px; border-right: 2px solid #ddd; }
.cf-main { flex: 1 1 0; min-width: 0; height: 100%; overflow-y: auto; padding: 6px 12px; }
.cf-levers .v-input__slot { flex-wrap: wrap; }
.cf-levers .v-label { flex: 1 0 100%; max-width: 100%; white-space: normal; height: auto; font-size: 16px;
                      color: #111 !important; margin-bottom: -6px; }
.cf-levers .v-input { margin-top: 2px; }
.cf-levers .v-messages { display: none; }
.cf-pending { background: #fff3c4; border: 2px solid #E69F00; padding: 4px 10px; font-size: 18px; color: #111; }
.cf-table td, .cf-table th { border-bottom: 1px solid #ddd; padding: 2px 8px; text-align: left; vertical-align: top; }
.cf-question .v-input { margin-top: 0; padding-top: 0; }
.cf-question .v-text-field__details { display: none; }
.cf-question input { font-size: 18px; color: #111; }
.cf-section { font-size: 20px; font-weight: 700; color: #111; margin: 14px 0 4px; }
"""

scenario_ref = solara.reactive(START_SCENARIO)


def _scenarios() -> dict[str, str]:
    """The scenario menu: title in words -> name or path."""
    refs = list(packaged_scenarios())
    if scenario_ref.value not in refs:
        refs.insert(0, scenario_ref.value)
    return {scenario_title(load_scenario(ref)): ref for ref in refs}


@solara.component
def Levers(ref: str, values: solara.Reactive[dict]):
    """The story number and one slider per lever; each label shows its value and the file's."""
    scenario = load_scenario(ref)
    params = model_params(ref, scenario)

    def setter(name: str):
        return lambda v: values.set({**values.value, name: v})

    solara.SliderInt(
        f"Story number (seed): {values.value['seed']}", value=values.value["seed"], min=0, max=99,
        on_value=setter("seed"),
    )  # fmt: skip
    for path, label, *_ in LEVERS:
        spec = params[key(path)]
        value = values.value[key(path)]
        slider = solara.SliderInt if spec["type"] == "SliderInt" else solara.SliderFloat
        slider(
            slider_label(scenario, path, label, value),
            value=value,
            min=spec["min"],
            max=spec["max"],
            step=spec["step"],
            on_value=setter(key(path)),
        )


@solara.component
def Dashboard(ref: str, runs: solara.Reactive[list]):
    """The controller (Reset / Step / Play, levers, pending changes) and the panels, for one scenario."""
    scenario = solara.use_memo(lambda: load_scenario(ref), [ref])
    start = solara.use_memo(lambda: start_values(scenario), [ref])
    values = solara.use_reactive(start)  # the sliders on screen
    applied = solara.use_reactive(start)  # the settings of the run on screen
    model = solara.use_reactive(solara.use_memo(lambda: build(scenario, start), [ref]))
    playing = solara.use_reactive(False)
    show_levers = solara.use_reactive(True)
    mode = solara.use_reactive("projector")
    side = solara.use_reactive("")  # the actor a student plays ("": watch the model)
    game = solara.use_reactive(None)  # the game in play, when a student plays
    lock = solara.use_memo(threading.Lock, [])
    font = SIZES[mode.value]

    def waiting() -> bool:
        """Whether the story waits for the student's answer."""
        return game.value is not None and game.value.question is not None

    def step() -> None:
        with lock:
            if game.value is not None:
                if not waiting():
                    game.value.advance(max_ticks=1)
            elif model.value.running:
                model.value.step()
        force_update()

    def reset() -> None:
        playing.set(False)
        with lock:
            applied.set(dict(values.value))
            if side.value:
                game.set(new_game(side.value, scenario, values.value))
            else:
                game.set(None)
                model.set(build(scenario, values.value))
        force_update()
        if side.value:
            playing.set(True)  # a game plays on by itself to the first question

    def choose_mode(title: str) -> None:
        side.set(MODES[title])
        reset()

    def answer(key: str) -> None:
        with lock:
            game.value.answer(key)
        force_update()
        playing.set(True)  # and on to the next question

    def play() -> None:
        """While playing: step, let the page redraw, pause; stop at the horizon or at a question."""
        while playing.value and running() and not waiting():
            time.sleep(PLAY_PAUSE)
            if playing.value:
                step()
        if playing.value:
            playing.set(False)

    def running() -> bool:
        return not game.value.finished if game.value is not None else model.value.running

    solara.lab.use_task(play, dependencies=[playing.value], prefer_threaded=True)

    def run_many() -> None:
        started = time.perf_counter()
        many = build(scenario, values.value, replicates=MANY, keep_timelines=0).run()
        settings = "; ".join(changed_levers(many, ref)) or "as in the file"
        title = scenario_title(scenario)
        runs.set(
            [
                *runs.value,
                {
                    "outcomes": many.outcomes(),
                    "seconds": time.perf_counter() - started,
                    "label": settings if ref == "baseline" else f"{title}: {settings}",
                    "settings": settings,
                    "pending": bool(pending_changes(scenario, values.value, applied.value)),
                },
            ]
        )

    pending = pending_changes(scenario, values.value, applied.value)
    current = game.value.model if game.value is not None else model.value
    finished = game.value is not None and game.value.finished
    report = solara.use_memo(lambda: debrief(game.value) if finished else None, [id(game.value), finished])
    side_title = next(t for t, s in MODES.items() if s == side.value)
    played = side_title.removeprefix("Play ")  # "Ukraine", "the United States"
    on_screen = "; ".join(changed_levers(current, ref))
    note = f"Story {current.seed} · settings {'as in the file' if not on_screen else html.escape(on_screen)}"
    if game.value is not None:
        note = f"You play {html.escape(played)} · " + note

    with solara.Column(classes=["cf-root"], gap="0px"):
        with solara.Row(classes=["cf-top"]):
            solara.HTML(unsafe_innerHTML="Ceasefire simulator", classes=["cf-title"])
            titles = _scenarios()
            solara.Select(
                "",
                dense=True,
                values=list(titles),
                value=scenario_title(scenario),
                on_value=lambda t: scenario_ref.set(titles[t]),
                style="max-width: 430px; font-size: 17px;",
            )
            solara.Select(
                "",
                dense=True,
                values=list(MODES),
                value=side_title,
                on_value=choose_mode,
                style="max-width: 230px; font-size: 17px;",
            )
            solara.Button("New game" if side.value else "Reset", on_click=reset, color="primary")
            solara.Button(
                "Step", on_click=step, disabled=playing.value or not current.running or waiting(), color="primary"
            )
            solara.Button(
                "❚❚ Pause" if playing.value else "▶ Play",
                on_click=lambda: playing.set(not playing.value),
                disabled=not current.running or waiting(),
                color="primary",
            )
            solara.Button(
                "Hide levers" if show_levers.value else "Levers", on_click=lambda: show_levers.set(not show_levers.value),
                text=True,
            )  # fmt: skip
            solara.Button(
                "Desk size" if mode.value == "projector" else "Projector size",
                on_click=lambda: mode.set("desk" if mode.value == "projector" else "projector"),
                text=True,
            )
        with solara.Row(classes=["cf-body"], gap="0px", style="align-items: stretch;"):
            if show_levers.value:
                with solara.Column(classes=["cf-levers"], gap="0px"):
                    Levers(ref, values)
            with solara.Column(classes=["cf-main"], gap="6px"):
                with solara.Column(
                    gap="6px", style="height: calc(100vh - 62px); min-height: 480px; flex-shrink: 0;"
                ):  # the first screen
                    if waiting():
                        who = f"you play {played}, story {current.seed}"
                        QuestionCard(game.value.question, answer, font, who).key(game.value.question.key)
                    if pending:
                        n = len(pending)
                        solara.HTML(
                            unsafe_innerHTML=(
                                f"<b>{n} change{'s' if n > 1 else ''} not applied — Reset to start over with "
                                f"{'them' if n > 1 else 'it'}:</b> " + html.escape("; ".join(pending))
                            ),
                            classes=["cf-pending"],
                            attributes={"data-testid": "pending"},
                        )
                    StatusStrip(current, "" if waiting() else note)
                    with solara.Row(
                        gap="14px", style="flex: 1 1 0; min-height: 0; align-items: stretch; flex-wrap: nowrap;"
                    ):
                        with solara.Column(style="flex: 3 1 0; min-width: 0;"):
                            Timeline(current, font)
                        with solara.Column(style="flex: 2 1 0; min-width: 0; height: 100%;"):
                            Story(current, font, height="100%")
                if report is not None:
                    DebriefPanel(report, played, font)
                with solara.Row(gap="20px", style="align-items: flex-start; flex-wrap: wrap; flex-shrink: 0;"):
                    with solara.Column(style="flex: 1 1 480px; min-width: 0; max-width: 700px;"):
                        solara.HTML(unsafe_innerHTML="The negotiation", classes=["cf-section"])
                        Negotiation(current, font)
                    with solara.Column(style="flex: 1 1 480px; min-width: 0; max-width: 700px;"):
                        ManyRuns(runs, run_many, scenario, values.value, applied.value, font)


@solara.component
def ManyRuns(runs: solara.Reactive[list], run_many, scenario, on_screen: dict, applied: dict, font: float):
    """'Run 500 times' with the settings on screen, and every result so far side by side until Clear."""
    solara.HTML(unsafe_innerHTML=f"Run it {MANY} times", classes=["cf-section"])
    with solara.Row(style="align-items: center;"):
        solara.Button(f"Run {MANY} times", on_click=run_many, color="primary")
        solara.Button("Clear", on_click=lambda: runs.set([]), disabled=not runs.value, text=True)
    if not runs.value:
        solara.HTML(
            unsafe_innerHTML=f"Runs the settings on screen {MANY} times from the start, and keeps each result here.",
            style=f"font-size:{font}px; color:#111;",
        )
        return
    latest = runs.value[-1]
    text = f"{MANY} runs in {latest['seconds']:.2f} s with the settings on screen: {latest['settings']}."
    if latest["pending"]:
        text += " The story on the left still uses its own settings (Reset to watch one of these runs)."
    else:
        text += " The story on the left is run 0 of them."
    solara.HTML(
        unsafe_innerHTML=html.escape(text), style=f"font-size:{font}px; color:#111;", attributes={"data-testid": "many"}
    )
    Comparison(runs.value, font)


@solara.component
def Page():
    """The page: the dashboard for the scenario chosen; 500-run results are kept across scenarios."""
    solara.Style(CSS)
    solara.Title("Ceasefire simulator")
    runs = solara.use_reactive([])
    Dashboard(scenario_ref.value, runs).key(scenario_ref.value)

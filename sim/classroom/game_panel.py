"""The dashboard's "play an actor" mode: the question card and the debrief (:mod:`sim.classroom.game`).

A student takes Ukraine's, Russia's or the United States' decisions; the model plays the
others, and the page shows the game's model in the same status strip, timeline and story
as a watched run. A question stops the story; the student answers by typing the option's
letter and Enter (keyboard only, as in ``ceasefire play``) or by pressing its button. At the
horizon the debrief says where the story falls among 500 model runs from the same start and
which choice changed the course most.
"""

from __future__ import annotations

import html

import solara

from sim.classroom.game import Debrief, Game, Question
from sim.classroom.levers import overrides
from sim.classroom.narrate import ENDINGS
from sim.classroom.svg import OKABE_ITO
from sim.experiments.stats import share_text
from sim.model.outcomes import OUTCOMES
from sim.scenario import Scenario

#: The mode menu: what the top bar shows -> the side played ("" watches the model).
MODES = {
    "Watch the model": "",
    "Play Ukraine": "ukraine",
    "Play Russia": "russia",
    "Play the United States": "united_states",
}
INK = "#111"
#: The student's outcome in the debrief's bars (the rest are grey).
YOU = OKABE_ITO["vermillion"]


def new_game(side: str, scenario: Scenario, values: dict) -> Game:
    """A game of ``side`` in the story (seed) and with the levers on screen."""
    settings = {k.replace("__", "."): v for k, v in overrides(scenario, values).items()}
    played = scenario.with_overrides(settings, source="dashboard levers") if settings else scenario
    return Game(side, played, seed=int(values.get("seed", 0)))


@solara.component
def QuestionCard(question: Question, on_answer, font: float = 18, who: str = ""):
    """The pending question, its options as buttons, and a box to type the option's letter into.

    ``who`` (e.g. "you play Ukraine, story 3") heads the card: the status strip leaves out its
    note line while a question waits, so that the timeline stays on a 1280x720 screen.
    """
    tries, set_tries = solara.use_state(0)  # a fresh, empty box after each try
    help_, set_help = solara.use_state("")

    def submit(text: str) -> None:
        if not text.strip():
            return
        key = question.option(text.strip()) or question.standing(text.strip())
        set_tries(tries + 1)
        if key is None:
            set_help(
                f"“{text.strip()}” is not a choice here; type {question.allowed()}, then Enter "
                f"({question.every_time()})."
            )
            return
        set_help("")
        on_answer(text.strip())

    with solara.Column(
        gap="0px",
        classes=["cf-question"],
        style=f"border: 3px solid {INK}; background: #fff8e1; padding: 2px 12px; font-size:{font}px; color:{INK};",
    ):
        head = f"Your decision ({html.escape(who)})" if who else "Your decision"
        solara.HTML(
            unsafe_innerHTML=f"<b>{head}.</b> {html.escape(question.text)}",
            attributes={"data-testid": "question"},
        )
        with solara.Row(style="align-items: center; gap: 10px; flex-wrap: wrap;"):
            for key, label in question.options:
                solara.Button(f"[{key}] {label}", on_click=lambda key=key: submit(key), color="primary")
            AnswerBox(submit).key(f"answer-{tries}")
            twice = " or ".join(key * 2 for key, _ in question.options)
            solara.HTML(unsafe_innerHTML=f"({html.escape(twice)}: the same every time)", style="font-size: 16px;")
        if help_:
            solara.HTML(unsafe_innerHTML=html.escape(help_), attributes={"data-testid": "game-help"})


@solara.component
def AnswerBox(submit):
    """A text box that has the keyboard's focus as soon as it shows (Vuetify's autofocus) and submits on Enter."""
    field = solara.v.TextField(
        placeholder="type a letter, then Enter", v_model="", autofocus=True, style_="max-width: 260px;"
    )
    solara.v.use_event(field, "keyup.enter", lambda widget, event, data: submit(widget.v_model or ""))
    return field


def debrief_html(report: Debrief, side_title: str, font: float = 18) -> str:
    """The debrief as HTML: the 500 runs' outcome shares with yours marked, your choices, the decisive one."""
    shares = report.shares.set_index("outcome")
    rows = []
    for outcome in OUTCOMES:
        share = float(shares.loc[outcome, "share"]) if outcome in shares.index else 0.0
        count = int(shares.loc[outcome, "count"]) if outcome in shares.index else 0
        mine = outcome == report.outcome
        colour = YOU if mine else "#999"
        mark = " ← your story" if mine else ""
        rows.append(
            f"<tr><td>{html.escape(outcome.replace('_', ' '))}</td>"
            f'<td style="width:45%;"><div style="background:{colour}; height:{font}px; width:{100 * share:.1f}%;"></div></td>'
            f"<td>{share_text(count, report.runs)}<b>{mark}</b></td></tr>"
        )
    choices = "".join(
        f"<tr><td>{html.escape(c.when)}</td><td>{html.escape(c.kind.replace('_', ' '))}</td>"
        f"<td>{html.escape(c.label)}</td><td>{'the same' if c.option == c.default else html.escape(c.default_label)}</td></tr>"
        for c in report.choices
    )
    parts = [
        f"<div class='cf-section'>Debrief: you played {html.escape(side_title)}</div>",
        f"<p>Your story ended: <b>{html.escape(ENDINGS.get(report.outcome, report.outcome))}</b>. "
        f"The model playing your side in this very story (run 0 of {report.runs}) ended: "
        f"<b>{html.escape(report.model_outcome.replace('_', ' '))}</b>.</p>",
        f"<p>Where your story falls among {report.runs} runs of the model from the same start:</p>",
        f'<table class="cf-table" style="width:100%;">{"".join(rows)}</table>',
        f"<p>{html.escape(report.measure.capitalize())}: you {report.value:.1f}; "
        f"the runs' median {report.median:.1f}; your story is at percentile {report.percentile:.0f} of the runs.</p>",
    ]
    if choices:
        parts.append(
            '<table class="cf-table"><tr><th>when</th><th>decision</th><th>you</th><th>the model</th></tr>'
            f"{choices}</table>"
        )
    decisive = report.decisive
    if decisive is not None:
        changed = (
            f"the story would have ended <b>{html.escape(decisive.outcome.replace('_', ' '))}</b> instead"
            if decisive.outcome_changed
            else "the outcome would have been the same, but the story moves most"
        )
        story = "".join(f"<div>{html.escape(line)}</div>" for line in decisive.story)
        parts.append(
            f"<p>Your most decisive choice: <b>{html.escape(decisive.choice.label)}</b> "
            f"({html.escape(decisive.choice.kind.replace('_', ' '))}) on {html.escape(decisive.choice.when)}. "
            f"Had you chosen otherwise, on the same random numbers, {changed}.</p>"
            f"<div style='border-left:4px solid #999; padding-left:8px;'>{story}</div>"
        )
    else:
        parts.append("<p>You made no decision in this story: nothing to replay.</p>")
    return f'<div style="font-size:{font}px; color:{INK};">{"".join(parts)}</div>'


@solara.component
def DebriefPanel(report: Debrief, side_title: str, font: float = 18):
    """The debrief, once the game is over."""
    solara.HTML(unsafe_innerHTML=debrief_html(report, side_title, font), attributes={"data-testid": "debrief"})


__all__ = ["MODES", "DebriefPanel", "QuestionCard", "debrief_html", "new_game"]

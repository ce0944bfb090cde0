"""Re-measure every number docs/classroom.md quotes: ``python docs/classroom_measure.py``.

Runs each ``ceasefire run`` command the lessons give (10,000 replicates, seed 0) and prints
the lesson tables in Markdown from what the command printed, adding the columns of the
lessons' Python example (:func:`measure`, the same code as in the document); then tells
the stories the lessons step through on the dashboard (a story number is a seed, run as
one replicate; a slider is an override). Paste, do not retype. Takes a few minutes.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from sim import CeasefireModel
from sim.classroom.game import Game, debrief
from sim.classroom.narrate import narrate
from sim.experiments.stats import share_text
from sim.model.negotiation import gaps
from sim.model.outcomes import outcome_shares
from sim.model.player import Stance
from sim.scenario.schema import ISSUES

CEASEFIRE = str(Path(sys.executable).parent / "ceasefire")
#: How `ceasefire run` prints a share: with its 95% interval, or as a count when it is 0 or all.
SHARE = r"no replicate|[\d,]+ of [\d,]+ \([<>] [\d.]+%\)|[\d.]+%(?: \[[\d.]+%, [\d.]+%\])?"
NOISELESS = " ".join(
    f"--set actors.{side}.{key}=0"
    for key in ("incidents_per_day", "perception.false_alarms_per_day", "perception.miss")
    for side in ("russia", "ukraine")
)


# --- the lessons' Python example (docs/classroom.md, "Lesson plans") ---------------------------


def measure(scenario="baseline", by_day=10, **overrides):
    """The lessons' extra columns for 10,000 runs, seed 0 (overrides: key paths with __ for dots)."""
    model = CeasefireModel(scenario, seed=0, replicates=10_000, keep_timelines=0, **overrides).run()
    o, us = model.outcomes(), model.united_states
    ukraine = model.ukraine.signing_bounds(us.text)  # what each side would sign at day 30
    russia = model.russia.signing_bounds(us.text)
    neutrality, territory, guarantees = 3, 2, 4  # positions in sim.scenario.schema.ISSUES
    columns = {
        f"agreement by day {by_day}": (o["day_first_agreement"] <= by_day).mean(),
        "Ukraine signs neutrality up to": ukraine[:, neutrality].mean(),
        "gap on neutrality": gaps(ukraine, russia)[:, neutrality].mean(),
        "gap on territory": gaps(ukraine, russia)[:, territory].mean(),
        "text on guarantees": us.text[:, guarantees].mean(),
    }
    return {name: round(float(value), 3) for name, value in columns.items()}


# --- the commands ------------------------------------------------------------------------------

LESSON_1 = {
    "baseline (the scenario file's ranges)": "",
    "no noise: no incidents, false alarms or misses": NOISELESS,
    "`noisy_front`: three times the noise": "noisy_front",
    "Ukraine forgives 0": "--set actors.ukraine.response.forgiveness=0",
    "Ukraine forgives 0.8": "--set actors.ukraine.response.forgiveness=0.8",
    "Ukraine forgives 1.0": "--set actors.ukraine.response.forgiveness=1",
    "both forgive 0": "--set actors.ukraine.response.forgiveness=0 --set actors.russia.response.forgiveness=0",
    "both forgive 0.8": "--set actors.ukraine.response.forgiveness=0.8 --set actors.russia.response.forgiveness=0.8",
    "both tolerate 15 violations": "--set actors.ukraine.commitment.tolerance=15 --set actors.russia.commitment.tolerance=15",
    "Ukraine always joins the truce": "--set actors.ukraine.response.join_truce=1",
    "`monitored_ceasefire`: Europe monitors agreements (0.8)": "monitored_ceasefire",
}
DEADLINE = "--set actors.united_states.deadline_days=5"
LESSON_2 = {
    "5 days, 0 (credible)": (f"{DEADLINE} --set actors.united_states.extension_probability=0", 5),
    "5 days, 0.5": (DEADLINE, 5),
    "5 days, 0.9 (not credible)": (f"{DEADLINE} --set actors.united_states.extension_probability=0.9", 5),
    "10 days, 0 (credible)": ("--set actors.united_states.extension_probability=0", 10),
    "10 days, 0.5 (baseline)": ("", 10),
    "10 days, 0.9 (not credible)": ("--set actors.united_states.extension_probability=0.9", 10),
    "none (`no_deadline`)": ("no_deadline", 10),
}
URGENCY = "--set actors.united_states.deadline_urgency=0"
LESSON_2_URGENCY = {
    "chance of extending 0 (credible)": (f"--set actors.united_states.extension_probability=0 {URGENCY}", 10),
    "chance of extending 0.5": (URGENCY, 10),
}
LESSON_3 = {
    "0": "--set actors.europe.guarantee_capacity=0",
    "0.3 (baseline)": "",
    "0.6": "--set actors.europe.guarantee_capacity=0.6",
    "0.9 (`europe_guarantees`)": "europe_guarantees",
}


def run(args: str, folder: Path) -> dict:
    """Run ``ceasefire run [SCENARIO] -r 10000 ARGS`` and read what it printed."""
    words = shlex.split(args)
    scenario = [] if not words or words[0].startswith("--") else [words.pop(0)]
    out = folder / f"run{len(list(folder.iterdir()))}"
    done = subprocess.run(
        [CEASEFIRE, "run", *scenario, "-r", "10000", *words, "--out", str(out)], capture_output=True, text=True
    )
    if done.returncode:
        sys.exit(done.stderr)
    text = done.stdout
    shares = dict(re.findall(rf"^  ([a-z ]+?)\s+({SHARE})", text, re.M))

    def after(label: str) -> tuple[str, str]:
        """The share printed after ``label`` (without its interval) and the median day, if any."""
        found = re.search(rf"{label}[^\n]*? in ({SHARE})", text)
        median = re.search(rf"{label}[^\n]*median day (\d+(?:\.\d+)?)", text)
        if found is None:
            sys.exit(f"cannot read {label!r} in:\n{text}")
        return found.group(1).split(" [")[0], median.group(1) if median else "–"

    full = re.search(rf"full term \(\d+ hours\) in ({SHARE})", text)
    return {
        "intervals": {k.strip(): v for k, v in shares.items()},
        "first": after("First agreement"),
        "steps back": after("The U.S. steps back")[0],
        "comes back": after("The U.S. comes back")[0],
        "collapse": after("An agreement collapses")[0],
        "both accuse": after("Both sides accuse")[0],
        "full term": full.group(1).split(" [")[0] if full else "?",
        "command": " ".join(["ceasefire run", *scenario, "-r 10000", *words]),
    }


def overrides(args: str) -> dict:
    return {k.replace(".", "__"): float(v) for k, v in re.findall(r"--set (\S+)=(\S+)", args)}


def scenario_of(args: str) -> str:
    return args.split()[0] if args and not args.startswith("--") else "baseline"


def percent(x: float) -> str:
    return f"{100 * x:.1f}%"


def tables(folder: Path) -> None:
    print("Lesson 1\n")
    print(
        "| settings | first truce runs its full 30 h | both sides accuse during a truce | an agreement is abandoned "
        "| outcome: ceasefire collapsed | outcome: partial ceasefire | U.S. steps back |"
    )
    print("|---|---|---|---|---|---|---|")
    for label, args in LESSON_1.items():
        r = run(args, folder)
        i = r["intervals"]
        print(
            f"| {label} | {r['full term']} | {r['both accuse']} | {r['collapse']} | {i['ceasefire collapsed']} "
            f"| {i['partial ceasefire']} | {r['steps back']} |"
        )
    print("\nLesson 2\n")
    print(
        "| deadline, chance of extending instead of leaving | U.S. steps back | U.S. comes back | agreement by the deadline "
        "| any agreement | median day of first agreement | outcome: mediator walked away | outcome: partial ceasefire "
        "| outcome: no agreement |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for label, (args, by_day) in {**LESSON_2, **LESSON_2_URGENCY}.items():
        r = run(args, folder)
        extra = measure(scenario_of(args), by_day=by_day, **overrides(args))
        i = r["intervals"]
        urgency = " (urgency 0)" if label in LESSON_2_URGENCY else ""
        print(
            f"| {label}{urgency} | {r['steps back']} | {r['comes back']} | {percent(extra[f'agreement by day {by_day}'])} "
            f"| {r['first'][0]} | {r['first'][1]} | {i['mediator walked away']} | {i['partial ceasefire']} "
            f"| {i['no agreement']} |"
        )
    print("\nLesson 3\n")
    print(
        "| Europe's guarantee capacity | Ukraine signs neutrality up to | gap on neutrality | gap on territory "
        "| text on guarantees | U.S. steps back | first agreement | outcome: mediator walked away "
        "| outcome: partial ceasefire | outcome: settlement |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for label, args in LESSON_3.items():
        r = run(args, folder)
        e = measure(scenario_of(args), **overrides(args))
        i = r["intervals"]
        print(
            f"| {label} | {e['Ukraine signs neutrality up to']:.2f} | {e['gap on neutrality']:.2f} "
            f"| {e['gap on territory']:.2f} | {e['text on guarantees']:.2f} | {r['steps back']} | {r['first'][0]} "
            f"| {i['mediator walked away']} | {i['partial ceasefire']} | {i['settlement']} |"
        )


# --- the stories on the dashboard ----------------------------------------------------------------


def story(seed: int, title: str, keep=None, until: str = "", **overrides) -> CeasefireModel:
    """Print story ``seed`` (one replicate, as the dashboard runs it) with slider ``overrides``.

    ``keep``: words a line must contain to be printed; ``until``: stop after the line that contains it.
    """
    model = CeasefireModel("baseline", seed=seed, replicates=1, **overrides).run()
    outcome = str(model.outcomes()["outcome"].iloc[0])
    print(f"\n--- story {seed}, {title}")
    for line in narrate(model.events(), outcome=outcome):
        if keep is None or any(word in line for word in keep):
            print("   ", line)
        if until and until in line:
            break
    o = model.outcomes().iloc[0]
    print(
        f"    accusations during a truce: Russia {o['truce_accusations_by_russia']}, "
        f"Ukraine {o['truce_accusations_by_ukraine']}; the first truce held {o['truce_hours_held']:.1f} hours"
    )
    tl = model.timeline()
    truce = tl[tl["truce"]]
    for side in ("russia", "ukraine"):
        if len(truce):
            print(
                f"    {side}: most violations counted during the truce {truce[f'grievance_{side}'].max():.1f}, "
                f"tolerates {truce[f'tolerance_{side}'].iloc[0]:.1f}"
            )
    required = float(np.ravel(model.united_states.params["required_progress"])[0])
    print(f"    the U.S. needs {required:.0%} progress")
    return model


def stories() -> None:
    easter = {"keep": ("truce", "joins", "abandons", "accuses", "reports"), "until": "Fighting resumes"}
    print("\nTHINGS TO NOTICE and lesson 1")
    story(0, "baseline", **easter)
    story(1, "baseline", **easter)
    story(6, "baseline", **easter)
    story(6, "no noise", **easter, **overrides(NOISELESS))
    story(6, "Ukraine forgives 1.0", **easter, actors__ukraine__response__forgiveness=1.0)
    story(6, "Russia tolerates 15", **easter, actors__russia__commitment__tolerance=15.0)
    talks = ("U.S.", "United States", "agree", "direct talks", "ended")
    print("\nLesson 2")
    for extension in (0.0, 0.9):
        story(
            0,
            f"deadline 5, extends {extension}",
            keep=talks,
            actors__united_states__deadline_days=5,
            actors__united_states__extension_probability=extension,
        )
    print("\nLesson 3: story 0 at day 10 (Sun 27 Apr, 00:00)")
    for capacity in (0.0, 0.3, 0.6, 0.9):
        model = CeasefireModel("baseline", seed=0, replicates=1, actors__europe__guarantee_capacity=capacity)
        while model.day_of(model.tick) < 10:
            model.step()
        text = model.united_states.text
        n = ISSUES.index("neutrality")
        print(
            f"    guarantees {capacity}: Ukraine signs neutrality up to {model.ukraine.signing_bounds(text)[0, n]:.2f}, "
            f"Russia at least {model.russia.signing_bounds(text)[0, n]:.2f}, "
            f"progress {model.united_states.progress[0]:.0%}"
        )
        model.run()
        o = model.outcomes().iloc[0]
        print(
            f"      by day 30: {o['outcome']}, first agreement on day {o['day_first_agreement']:g}, "
            f"U.S. first steps back on day {o['day_walk_away']:g}"
        )


# --- Lesson 4: playing an actor ---------------------------------------------------------------

#: Standing orders a class compares after playing (sim.model.player.Stance), over 10,000 stories.
LESSON_4 = {
    "Ukraine played by the model": ("ukraine", {}),
    "Ukraine always joins, holds fire, signs": ("ukraine", {"join_truce": True, "answer": False, "sign": True}),
    "Ukraine always joins, answers, signs": ("ukraine", {"join_truce": True, "answer": True, "sign": True}),
    "Ukraine fights on, answers, rejects": ("ukraine", {"join_truce": False, "answer": True, "sign": False}),
    "Russia always holds fire, extends its truce, signs": (
        "russia",
        {"answer": False, "extend_truce": True, "sign": True},
    ),
    "the U.S. always extends its deadline": ("united_states", {"deadline": True}),
    "the U.S. always walks away at its deadline": ("united_states", {"deadline": False}),
}
CLASS_SEED = 3


def lesson_4() -> None:
    """The class story (seed 3) played two ways, its debrief, and the standing orders over 10,000 stories."""
    print("\nLesson 4: the class story, seed", CLASS_SEED)
    for name, keys in (("holds every time", "h"), ("answers every time", "a")):
        game = Game("ukraine", "baseline", seed=CLASS_SEED)
        while (q := game.advance()) is not None:
            game.answer("j" if q.kind == "join_truce" else "s" if q.kind == "sign" else keys)
        report = debrief(game)
        decisive = report.decisive
        print(
            f"    Ukraine joins, {name}: {len(game.choices)} choices, outcome {game.outcome}; "
            f"days in force {report.value:.1f} (percentile {report.percentile:.0f} of {report.runs}); "
            f"the model in this story: {report.model_outcome}"
        )
        if decisive is not None:
            print(
                f"      most decisive: {decisive.choice.label} at {decisive.choice.when}: "
                f"{decisive.outcome} instead (class changed: {decisive.outcome_changed})"
            )
    shares = report.shares
    print("    the 500 runs: " + ", ".join(f"{r.outcome} {r.share:.1%}" for r in shares.itertuples()))
    print("\n| standing order (10,000 stories, seed 0) | partial ceasefire | recent agreement | ceasefire collapsed "
          "| mediator walked away | no agreement |")
    print("|---|---|---|---|---|---|")
    for label, (side, choices) in LESSON_4.items():
        player = Stance(side, **choices) if choices else None
        o = CeasefireModel("baseline", seed=0, replicates=10_000, keep_timelines=0, player=player).run().outcomes()
        table = outcome_shares(o).set_index("outcome")
        cells = [
            share_text(int(table.loc[c, "count"]), len(o))
            for c in ("partial_ceasefire", "recent_agreement", "ceasefire_collapsed", "mediator_walked_away", "no_agreement")
        ]
        print(f"| {label} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        tables(Path(tmp))
    stories()
    lesson_4()

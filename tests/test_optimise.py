"""Lever search (`ceasefire optimise`): answers known in advance, common random numbers, refusals, the command.

Runs are 12 days of the baseline (48 steps of 6 h), where the U.S. deadline decides whether
the mediator can walk away at all: a deadline after day 12 never arrives, so it never
produces a walk-away, and the baseline's 10 days does.
"""

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.experiments.lever_search import evaluate, search
from sim.experiments.optimise import load_optimise
from sim.experiments.optimise_run import run_optimise, summary

HORIZON = 12
DEADLINE = "actors.united_states.deadline_days"
PRESSURE = "actors.united_states.pressure"
RULE = "actors.ukraine.response.rule"

TINY = """
[optimise]
name = "tiny"
outcome = {outcome}
goal = "{goal}"
trials = 8
replicates = 100
seed = 3
batch = 4
confirm = 3
confirm_replicates = 300

[fixed]
"clock.horizon_days" = 12

[levers]
{levers}
"""
DEADLINE_LEVER = f'"{DEADLINE}" = {{ min = 1.0, max = 30.0 }}'
#: An agreement in force at day 12 (held a week, or signed since): common enough to compare candidates.
AGREEMENT = '["partial_ceasefire", "recent_agreement"]'
TWO_LEVERS = f'"{PRESSURE}" = {{ min = 0.0, max = 3.0 }}\n"{RULE}" = ["symmetric", "fixed"]'


def write(folder: Path, outcome: str = '"mediator_walked_away"', goal: str = "minimise", levers: str = DEADLINE_LEVER):
    path = folder / "optimise.toml"
    path.write_text(TINY.format(outcome=outcome, goal=goal, levers=levers))
    return path


@pytest.fixture(scope="module")
def walk_away(tmp_path_factory):
    """The file minimising the walk-away share over the deadline, and its finished search."""
    file = write(tmp_path_factory.mktemp("walk_away"))
    return file, run_optimise(load_optimise(file), progress=False)


# --- answers known in advance ----------------------------------------------------------------------


@pytest.mark.slow
def test_minimising_walk_away_over_the_deadline_picks_one_beyond_the_horizon(walk_away):
    _, result = walk_away
    tried = result.trials
    assert (tried[DEADLINE] > HORIZON).any() and (tried[DEADLINE] < HORIZON).any()  # the search saw both sides
    assert (tried.loc[tried[DEADLINE] > HORIZON, "count"] == 0).all()
    best, c = result.confirmation.best, result.confirmation
    assert best[DEADLINE] > HORIZON and best["count"] == 0
    assert c.baseline["count"] > 0  # the baseline's 10-day deadline arrives
    assert c.baseline["best_minus_baseline"]["high"] < 0
    # Every confirmed candidate beyond the horizon scores 0 on every replicate: none can be told apart.
    assert result.distinguishable is False
    assert "not distinguishable" in summary(result) and "the same outcome on every replicate" in summary(result)


@pytest.mark.slow
def test_maximising_the_same_share_picks_a_deadline_before_the_horizon(tmp_path):
    result = run_optimise(load_optimise(write(tmp_path, goal="maximise")), progress=False)
    best = result.confirmation.best
    assert best[DEADLINE] < HORIZON and best["count"] > 0
    assert (result.confirmation.table["share"].diff().dropna() <= 0).all()  # best first


@pytest.mark.slow
def test_the_best_interval_holds_its_share_on_fresh_replicates(tmp_path):
    spec = load_optimise(write(tmp_path, outcome=AGREEMENT, levers=TWO_LEVERS, goal="maximise"))
    c = run_optimise(spec, progress=False).confirmation
    best = {path: c.best[path] for path in spec.levers}
    again = evaluate(spec, [best], c.start, c.stop)[0]
    assert again.sum() == c.best["count"]  # the same candidate on the same ids: the identical share
    fresh = evaluate(spec, [best], 50_000, 53_000)[0].mean()  # ten times the replicates, ids never used
    assert c.best["low"] <= fresh <= c.best["high"]


# --- common random numbers ----------------------------------------------------------------------------


@pytest.mark.slow
def test_a_candidate_beside_others_draws_the_numbers_it_draws_alone(tmp_path):
    spec = load_optimise(write(tmp_path, levers=TWO_LEVERS, outcome=AGREEMENT))
    a = {PRESSURE: 2.5, RULE: "symmetric"}
    b = {PRESSURE: 0.5, RULE: "fixed"}
    c = {PRESSURE: 1.5, RULE: "symmetric"}
    together = evaluate(spec, [a, b, c, a], 0, 200)
    alone = [evaluate(spec, [x], 0, 200)[0] for x in (a, b, c)]
    assert np.array_equal(together[0], together[3])
    for row, single in zip(together[:3], alone, strict=True):
        assert np.array_equal(row, single)
    assert np.array_equal(evaluate(spec, [a], 120, 200)[0], alone[0][120:])  # replicate k depends on k alone
    assert together[0].any() and not np.array_equal(together[0], together[1])  # the levers do reach the model


@pytest.mark.slow
def test_the_same_file_gives_the_same_search_and_another_seed_another(walk_away):
    file, result = walk_away
    pd.testing.assert_frame_equal(search(load_optimise(file), progress=False), result.trials)
    other = search(load_optimise(file, seed=4), progress=False)
    assert not np.allclose(other[DEADLINE], result.trials[DEADLINE])


@pytest.mark.slow
def test_independent_searches_each_have_their_best_confirmed_and_the_first_is_the_single_search(tmp_path):
    """`searches = 3`: three searches from three seeds; the first is the one-search run; each search's best is confirmed."""
    file = write(tmp_path, goal="maximise")
    file.write_text(file.read_text().replace("confirm = 3", "confirm = 2\nsearches = 3"))
    spec = load_optimise(file)
    result = run_optimise(spec, progress=False)
    trials = result.trials
    assert trials.groupby("search").size().to_dict() == {1: spec.trials, 2: spec.trials, 3: spec.trials}
    assert trials["trial"].is_unique
    (tmp_path / "one").mkdir()
    first = search(load_optimise(write(tmp_path / "one", goal="maximise")), progress=False)
    assert np.allclose(trials.loc[trials["search"] == 1, DEADLINE], first[DEADLINE])  # search 1 = the single search
    assert not np.allclose(trials.loc[trials["search"] == 2, DEADLINE], first[DEADLINE])
    table = result.confirmation.table
    for number, tried in trials.groupby("search"):
        best = tried.sort_values("share", ascending=False, kind="stable").iloc[0]
        assert int(best["trial"]) in set(table["trial"])  # every search's own best is re-run on the fresh replicates
        assert number in set(table["search"])
    assert "Each of the 3 searches' best on the fresh replicates: search 1:" in summary(result)


# --- the command ----------------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_command_writes_its_files_and_takes_its_options(tmp_path, capsys):
    out = tmp_path / "out"
    args = ["optimise", str(write(tmp_path)), "--out", str(out), "--trials", "6", "--replicates", "60", "--seed", "9"]
    assert main([*args, "--quiet"]) == 0
    printed = capsys.readouterr()
    assert sorted(p.name for p in out.iterdir()) == [
        "best.json",
        "confirm.csv",
        "levers.png",
        "search.png",
        "trials.csv",
    ]
    trials, confirmed = pd.read_csv(out / "trials.csv"), pd.read_csv(out / "confirm.csv")
    answer = json.loads((out / "best.json").read_text())
    assert len(trials) == 6 and (trials["n"] == 60).all() and trials["confirmed"].sum() == len(confirmed)
    assert answer["seed"] == 9 and answer["search"]["replicate_ids"] == [0, 59]
    assert answer["confirmation"]["replicate_ids"][0] == 60  # fresh ids, after the search's
    assert answer["best"]["levers"][DEADLINE] == pytest.approx(confirmed[DEADLINE].iloc[0])
    assert answer["runner_up"]["trial"] == confirmed["trial"].iloc[1]
    assert "is least likely with the setting of trial" in printed.out and f"Wrote {out}/" in printed.out
    assert printed.err == ""  # --quiet: no progress bars, and no log line per trial
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary folder left


def test_the_shipped_optimise_files_are_valid():
    files = sorted(Path(__file__).resolve().parents[1].glob("scenarios/optimise/*.toml"))
    assert files
    for file in files:
        spec = load_optimise(file)
        assert spec.confirm >= 2 and spec.levers


# --- bad input: one message, exit 2, nothing written ------------------------------------------------------

BAD = {
    "unknown key": ("trials = 8", "trails = 8", "optimise.trails", "did you mean 'trials'"),
    "unknown outcome": ('"mediator_walked_away"', '"holding"', "optimise.outcome", "did you mean 'ceasefire_holding'"),
    "goal spelled otherwise": ('goal = "minimise"', 'goal = "minimize"', "optimise.goal", "'maximise' or 'minimise'"),
    "confirm beyond trials": ("confirm = 3", "confirm = 9", "optimise.confirm", "more than the 8 trials"),
    "a lever that is one number": (DEADLINE_LEVER, f'"{DEADLINE}" = 7', f"levers.{DEADLINE}", "a range"),
    "a list of one value": (DEADLINE_LEVER, f'"{DEADLINE}" = [7]', f"levers.{DEADLINE}", "[fixed]"),
    "a clock lever": (DEADLINE_LEVER, '"clock.tick_hours" = [6, 12]', "levers.clock.tick_hours", "outside clock"),
    "a range past the schema": (
        DEADLINE_LEVER,
        '"actors.united_states.extension_probability" = { min = 0.0, max = 2.0 }',
        "extension_probability",
        "2.0",
    ),
    "an unknown key path": (DEADLINE_LEVER, '"actors.united_states.deadline" = [3, 7]', "levers.", "did you mean"),
    "fixed and searched": ('"clock.horizon_days" = 12', f'"{DEADLINE}" = 5', f"fixed.{DEADLINE}", "[levers]"),
    "more replicates than memory holds": (
        "confirm_replicates = 300",
        "confirm_replicates = 1_000_000_000_000",
        "optimise.confirm_replicates",
        "fewer confirmation replicates",
    ),
    "levers the scenario refuses together": (
        DEADLINE_LEVER,
        '"actors.ukraine.limit.territory" = { min = 0.1, max = 0.5 }\n'
        '"actors.ukraine.opening.territory" = { min = 0.0, max = 0.15 }',
        "actors.ukraine.limit.territory = 0.1 with actors.ukraine.opening.territory = 0.15",
        "opening",
    ),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_files_are_refused_with_one_message(case, tmp_path, capsys):
    old, new, path, words = BAD[case]
    file = write(tmp_path)
    file.write_text(file.read_text().replace(old, new))
    _assert_refused(["optimise", str(file)], tmp_path, capsys, f"ceasefire: error: {file}: ", path, words)


def test_too_few_trials_on_the_command_line_are_refused(tmp_path, capsys):
    args = ["optimise", str(write(tmp_path)), "--trials", "1"]
    _assert_refused(args, tmp_path, capsys, "ceasefire: error: --trials", "1", "a runner-up needs two")


def test_a_missing_optuna_is_one_message_naming_the_extra(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "optuna", None)  # `import optuna` raises ImportError
    args = ["optimise", str(write(tmp_path))]
    _assert_refused(
        args, tmp_path, capsys, "ceasefire: error:", "optuna is not installed", "pip install 'ceasefire-sim[explore]'"
    )


def test_an_output_folder_holding_files_is_refused_before_any_work(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert main(["optimise", str(write(tmp_path)), "--out", str(out), "--quiet"]) == 2
    assert "non-empty folder" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


def _assert_refused(args: list[str], tmp_path: Path, capsys, start: str, path: str, words: str) -> None:
    out = tmp_path / "never"
    assert main([*args, "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith(start), err
    assert path in err and words in err, err
    assert not out.exists()

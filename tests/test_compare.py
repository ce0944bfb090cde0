"""Paired comparisons on common random numbers."""

import pandas as pd
import pytest

from sim import load_scenario
from sim.cli import main
from sim.experiments.compare import compare
from sim.model.outcomes import OUTCOMES

SHORT = {"clock.horizon_days": 12}


@pytest.fixture(scope="module")
def baseline():
    return load_scenario("baseline", SHORT)


def test_a_scenario_against_itself_differs_in_nothing(baseline):
    c = compare(baseline, baseline, replicates=400, seed=5)
    diffs = c.differences()
    assert (diffs[["difference", "low", "high"]] == 0).all().all()
    assert c.changed == 0
    transitions = c.transitions().to_numpy()
    assert transitions.sum() == 400 and (transitions.diagonal().sum() == 400)


def test_changed_replicates_are_the_off_diagonal_of_the_transition_table(baseline):
    other = baseline.with_overrides({"actors.united_states.deadline_days": 30.0}, source="test")
    c = compare(baseline, other, replicates=600, seed=5)
    table = c.transitions()
    assert list(table.index) == list(OUTCOMES) and list(table.columns) == list(OUTCOMES)
    assert c.changed == table.to_numpy().sum() - table.to_numpy().trace() > 0
    diffs = c.differences().set_index("outcome")
    counts_b = table.sum(axis=0)
    assert diffs["share_b"].to_numpy() == pytest.approx((counts_b / 600).to_numpy())


def test_a_deadline_after_the_horizon_removes_every_walk_away(baseline):
    other = baseline.with_overrides({"actors.united_states.deadline_days": 30.0}, source="test")
    c = compare(baseline, other, replicates=600, seed=5)
    walked = c.differences().set_index("outcome").loc["mediator_walked_away"]
    assert walked["share_b"] == 0 and walked["high"] < 0
    assert c.transitions().loc[:, "mediator_walked_away"].sum() == 0


def test_pairing_makes_the_interval_narrower_than_independent_runs(baseline):
    other = baseline.with_overrides({"actors.ukraine.response.forgiveness": 0.4}, source="test")
    c = compare(baseline, other, replicates=2000, seed=5)
    factors = c.differences().set_index("outcome")["independent_replicates_factor"].dropna()
    assert (factors[factors < float("inf")] >= 1.0).all() and factors.max() > 1.5


def test_compare_command_writes_its_folder(tmp_path, capsys):
    out = tmp_path / "cmp"
    code = main(
        [
            "compare",
            "baseline",
            "baseline",
            "-r",
            "300",
            "--set",
            "clock.horizon_days=12",
            "--set-b",
            "actors.united_states.deadline_days=30",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "compare.png",
        "differences.csv",
        "manifest.json",
        "pairs.csv",
        "transitions.csv",
    ]
    pairs = pd.read_csv(out / "pairs.csv")
    assert list(pairs["replicate"]) == list(range(300))
    printed = capsys.readouterr().out
    assert "changed outcome" in printed
    # Differences in percentage points, from the unrounded shares (differences.csv keeps them).
    diffs = pd.read_csv(out / "differences.csv").set_index("outcome")
    assert "percentage points (pp)" in printed
    for outcome in OUTCOMES:
        (line,) = [line for line in printed.splitlines() if line.startswith(outcome.replace("_", " ") + " ")]
        difference = diffs.loc[outcome, "difference"]
        if difference == 0:
            assert " 0.0 pp" in line, line
            continue
        points = 100 * difference
        shown = f"{points:+.2f} pp" if abs(points) < 0.995 else f"{points:+.1f} pp"
        assert shown in line, (shown, line)
    walked = diffs.loc["mediator_walked_away"]
    assert walked["share_b"] == 0 and walked["difference"] == pytest.approx(-walked["share_a"])
    assert "0.0% means in none of the 300 replicates: below 1.3% at 95% confidence." in printed


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["compare", "baseline", "no_such_scenario"], "no scenario named 'no_such_scenario'"),
        (["compare", "baseline", "baseline", "--set-b", "actors.ukraine.response.forgivenes=0.3"], "forgivenes"),
        (["compare", "baseline", "baseline", "--set", "actors.ukraine.response.forgiveness=2"], "forgiveness"),
    ],
)
def test_bad_input_is_refused_with_one_message_and_nothing_written(argv, words, tmp_path, capsys):
    out = tmp_path / "never"
    assert main([*argv, "-r", "10", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("ceasefire: error:") and words in err
    assert not out.exists()


def test_an_existing_output_folder_is_never_overwritten(tmp_path, capsys):
    out = tmp_path / "cmp"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    assert main(["compare", "baseline", "baseline", "-r", "10", "--out", str(out)]) == 2
    assert [p.name for p in out.iterdir()] == ["keep.txt"]

"""The `ceasefire` console script: scenarios, validate, run, its files, --set and exact reruns."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pandas as pd
import pytest
from conftest import OUTCOME_COLUMNS, PACKAGED, run_cli, start_cli

from sim import load_scenario
from sim.model.outcomes import OUTCOME_MEANINGS, OUTCOMES
from sim.scenario.priors import Prior
from sim.scenario.schema import ISSUES

TIMELINE_COLUMNS = [
    "replicate",
    "tick",
    "time",
    *(f"fire_{side}_{cls}" for side in ("russia", "ukraine") for cls in ("military", "civilian")),
    "truce",
    "agreement",
    "accusations_russia",
    "accusations_ukraine",
    *(f"position_{side}_{issue}" for side in ("russia", "ukraine") for issue in ISSUES),
    *(f"text_{issue}" for issue in ISSUES),
    "days_to_deadline",
]
EVENT_COLUMNS = ["replicate", "tick", "time", "actor", "kind", "detail"]
SET_ARGS = ["--set", "actors.united_states.deadline_days=36500", "--set", "actors.ukraine.response.forgiveness=0.4"]


def _without_priors() -> str:
    """A scenario file that fixes every prior of the baseline at its mean: nothing varies by replicate."""
    lines = ['extends = "baseline"', 'name = "fixed"']

    def walk(node, path):
        for key, value in node.items():
            if isinstance(value, Prior):
                lines.append(f"{path}{key} = {float(value.mean())!r}")
            elif hasattr(value, "items"):
                walk(value, f"{path}{key}.")

    walk({k: v for k, v in load_scenario("baseline").data.items() if k != "events"}, "")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Start every independent command at once (they are slow to import), then collect them."""
    root = tmp_path_factory.mktemp("cli")
    (root / "full").mkdir()
    (root / "full" / "keep.txt").write_text("do not overwrite me")
    (root / "default").mkdir()
    (root / "fixed.toml").write_text(_without_priors())
    commands = {
        "scenarios": ["scenarios"],
        "validate": ["validate"],
        "validate_path": ["validate", "baseline", str(load_scenario("no_mirror").path)],
        "many": ["run", "baseline", "-r", "50", "--seed", "3", "--out", "many"],
        "set": ["run", "baseline", "-r", "200", "--seed", "5", *SET_ARGS, "--out", "set"],
        "occupied": ["run", "--out", "full"],
        "fixed": ["run", "fixed.toml", "-r", "20", "--out", "fixed"],
        # Negotiation off: no agreement can be signed, so several classes are certainly empty.
        "large": ["run", "baseline", "-r", "10000", "--set", "negotiation.enabled=false", "--keep-timelines", "0"]
        + ["--out", "large"],
    }
    procs = {name: start_cli(*args, cwd=root) for name, args in commands.items()}
    procs["one"] = start_cli("run", "short_deadline", cwd=root / "default")
    done = {}
    for name, proc in procs.items():
        out, err = proc.communicate(timeout=180)
        done[name] = (proc.returncode, out, err)
    return root, done


def ok(runs, name):
    code, out, err = runs[1][name]
    assert code == 0, err
    assert "Traceback" not in out + err
    return out


def test_scenarios_lists_every_packaged_scenario_with_descriptions(runs):
    out = ok(runs, "scenarios")
    lines = [line for line in out.splitlines() if line.strip()]
    names = {line.split()[0] for line in lines}
    assert names == PACKAGED
    for line in lines:
        assert len(line.split()) > 3, f"no description: {line!r}"


def test_validate_says_ok_for_every_packaged_scenario_one_line_each(runs):
    out = ok(runs, "validate")
    lines = [line for line in out.splitlines() if line.strip()]
    assert len(lines) == len(PACKAGED)
    assert all(line.lower().startswith("ok") for line in lines)
    for name in PACKAGED:
        assert any(name in line for line in lines)


def test_validate_accepts_names_and_paths(runs):
    out = ok(runs, "validate_path")
    lines = [line for line in out.splitlines() if line.strip()]
    assert len(lines) == 2 and all(line.lower().startswith("ok") for line in lines)


def test_run_writes_the_documented_files(runs):
    out = ok(runs, "many")
    out_dir = runs[0] / "many"
    assert {p.name for p in out_dir.iterdir()} >= {
        "outcomes.csv",
        "parameters.csv",  # the baseline draws values from priors
        "timeline.csv",
        "events.csv",
        "manifest.json",
        "timeline.png",
    }
    wrote = out.strip().splitlines()[-1]
    for name in ("outcomes.csv", "parameters.csv", "timeline.csv", "events.csv", "manifest.json", "timeline.png"):
        assert name in wrote
    outcomes = pd.read_csv(out_dir / "outcomes.csv")
    assert set(OUTCOME_COLUMNS) <= set(outcomes.columns)
    assert list(outcomes["replicate"]) == list(range(50))
    assert set(outcomes["outcome"]) <= set(OUTCOMES)
    timeline = pd.read_csv(out_dir / "timeline.csv")
    assert set(TIMELINE_COLUMNS) <= set(timeline.columns)
    assert len(timeline) == 50 * 120  # every tick of the first (here all) 50 replicates
    events = pd.read_csv(out_dir / "events.csv")
    assert list(events.columns) == EVENT_COLUMNS
    assert {"truce_declared", "accusation", "proposal"} <= set(events["kind"])
    png = (out_dir / "timeline.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert width >= 400 and height >= 300


SHARE = r"(\d+\.\d+|0\.0\d+)% \[(\d+\.\d+|0\.0\d+)%, (\d+\.\d+|0\.0\d+)%\]"  # share [low, high]


def _class_line(out: str, outcome: str) -> str:
    (line,) = [line for line in out.splitlines() if line.strip().startswith(outcome.replace("_", " ") + " ")]
    return line


def test_run_with_many_replicates_prints_each_class_with_its_interval_and_meaning(runs):
    import re

    out = ok(runs, "many")
    counts = pd.read_csv(runs[0] / "many" / "outcomes.csv")["outcome"].value_counts()
    assert "95%" in out
    for outcome in OUTCOMES:
        line = _class_line(out, outcome)
        assert OUTCOME_MEANINGS[outcome] in line
        if counts.get(outcome, 0):  # a share and two interval ends
            assert re.search(SHARE, line), line
        else:  # an empty class reads as a count and an upper bound, never as 0.0%
            assert re.search(r"0 of 50 \(< 7\.2%\)", line), line
    assert "0.0% [0.0%, 0.0%]" not in out
    stalemate = counts.get("no_agreement", 0) / 50
    (line,) = [line for line in out.splitlines() if line.startswith("Stalemate")]
    assert "nothing signed" in line and (f"{stalemate:.1%}" in line if stalemate else "0 of 50" in line)


def test_run_says_how_often_both_sides_accuse_and_how_often_the_truce_ran_its_term(runs):
    import re

    out = ok(runs, "many")
    outcomes = pd.read_csv(runs[0] / "many" / "outcomes.csv")
    both = ((outcomes["truce_accusations_by_russia"] > 0) & (outcomes["truce_accusations_by_ukraine"] > 0)).mean()
    full = (outcomes["truce_hours_held"] >= 30).mean()
    (line,) = [line for line in out.splitlines() if line.startswith("Both sides accuse each other during a truce in")]
    found = re.search(r"truce in ([\d.]+)% .*the first truce ran its full term \(30 hours\) in ([\d.]+)%", line)
    assert found, line
    assert float(found[1]) == pytest.approx(100 * both, abs=0.051)
    assert float(found[2]) == pytest.approx(100 * full, abs=0.051)


def test_an_empty_class_at_ten_thousand_replicates_reads_as_a_bound_not_as_impossible(runs):
    out = ok(runs, "large")
    counts = pd.read_csv(runs[0] / "large" / "outcomes.csv")["outcome"].value_counts()
    empty = [o for o in OUTCOMES if not counts.get(o, 0)]
    assert {"settlement", "ceasefire_holding", "partial_ceasefire", "recent_agreement"} <= set(empty)
    for outcome in empty:
        assert "0 of 10,000 (< 0.04%)" in _class_line(out, outcome)  # Wilson upper bound 0.038%
    assert "0.0%" not in out


def test_parameters_csv_holds_the_values_drawn_per_replicate(runs):
    out_dir = runs[0] / "many"
    params = pd.read_csv(out_dir / "parameters.csv")
    assert list(params["replicate"]) == list(range(50))
    forgiveness = params["actors.ukraine.response.forgiveness"]  # a prior uniform [0.1, 0.5] in the baseline
    assert forgiveness.between(0.1, 0.5).all() and forgiveness.nunique() == 50
    assert "clock.horizon_days" not in params and "actors.united_states.deadline_days" not in params
    set_params = pd.read_csv(runs[0] / "set" / "parameters.csv")
    assert "actors.ukraine.response.forgiveness" not in set_params  # --set fixed it for every replicate


def test_parameters_csv_is_not_written_when_nothing_varies_by_replicate(runs):
    out = ok(runs, "fixed")
    assert "parameters.csv" not in out and "drawn per replicate" not in out
    assert not (runs[0] / "fixed" / "parameters.csv").exists()
    assert (runs[0] / "fixed" / "outcomes.csv").is_file()


def test_run_of_one_replicate_tells_its_dated_story(runs):
    out = ok(runs, "one")
    assert "19 Apr" in out
    assert "truce" in out.lower()
    (line,) = [line for line in out.splitlines() if line.startswith("Outcome at day 30:")]
    assert any(o.replace("_", " ") in line and OUTCOME_MEANINGS[o] in line for o in OUTCOMES), line


def test_run_without_out_writes_a_new_folder_under_results(runs):
    ok(runs, "one")
    folders = list((runs[0] / "default" / "results").iterdir())
    assert len(folders) == 1 and folders[0].name.startswith("short_deadline")
    assert (folders[0] / "manifest.json").is_file()


def test_run_refuses_to_overwrite_a_non_empty_folder(runs):
    code, out, err = runs[1]["occupied"]
    assert code == 2
    assert "Traceback" not in out + err
    assert sorted(p.name for p in (runs[0] / "full").iterdir()) == ["keep.txt"]


def test_set_overrides_reach_the_model_and_the_manifest(runs):
    ok(runs, "set")
    out_dir = runs[0] / "set"
    manifest = json.loads((out_dir / "manifest.json").read_text())
    assert manifest["overrides"] == {
        "actors.united_states.deadline_days": 36500,
        "actors.ukraine.response.forgiveness": 0.4,
    }
    assert manifest["scenario"]["actors"]["united_states"]["deadline_days"] == 36500
    assert manifest["scenario"]["actors"]["ukraine"]["response"]["forgiveness"] == 0.4
    outcomes = pd.read_csv(out_dir / "outcomes.csv")
    assert outcomes["day_walk_away"].isna().all()  # the deadline is beyond the horizon


def test_the_manifest_records_what_is_needed_to_rerun(runs):
    manifest = json.loads((runs[0] / "set" / "manifest.json").read_text())
    assert manifest["seed"] == 5 and manifest["replicates"] == 200
    assert {"ceasefire-sim", "python", "mesa", "numpy"} <= set(manifest["versions"])
    assert manifest["wall_seconds"] >= 0
    resolved = load_scenario(manifest["scenario_path"], manifest["overrides"]).to_dict()
    assert manifest["scenario"] == json.loads(json.dumps(resolved))


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)


def test_rerunning_from_the_manifest_gives_identical_outcomes(runs):
    root = runs[0]
    manifest = json.loads((root / "set" / "manifest.json").read_text())
    args = ["run", manifest["scenario_path"], "--seed", str(manifest["seed"]), "-r", str(manifest["replicates"])]
    for key, value in manifest["overrides"].items():
        args += ["--set", f"{key}={_toml_value(value)}"]
    result = run_cli(*args, "--out", "rerun", cwd=root)
    assert result.returncode == 0, result.stderr
    assert (root / "rerun" / "outcomes.csv").read_bytes() == (root / "set" / "outcomes.csv").read_bytes()
    assert (root / "rerun" / "events.csv").read_bytes() == (root / "set" / "events.csv").read_bytes()
    assert (root / "rerun" / "timeline.csv").read_bytes() == (root / "set" / "timeline.csv").read_bytes()
    assert (root / "rerun" / "parameters.csv").read_bytes() == (root / "set" / "parameters.csv").read_bytes()


def test_the_console_script_is_installed_beside_the_interpreter_or_on_path():
    from conftest import ceasefire_executable

    assert Path(ceasefire_executable()).is_file()


# --- estimates before large work: refused when it cannot fit, a warning when it will take long -------

GIB = 2**30


@pytest.fixture
def memory(monkeypatch):
    """Set the memory the machine has free (the estimate reads it), so the tests do not depend on the machine."""
    from sim.experiments import budget

    def set_free(n: int | None) -> None:
        monkeypatch.setattr(budget, "available_memory", lambda: n)

    set_free(16 * GIB)
    return set_free


def _refused(argv: list[str], capsys, *words: str) -> str:
    """Run the CLI in this process; it must refuse with one line naming ``words``."""
    from sim.cli import main

    capsys.readouterr()
    assert main(argv) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ceasefire: error: "), captured.err
    assert "Traceback" not in captured.err and not captured.out
    for word in words:
        assert word in lines[0]
    return lines[0]


@pytest.mark.parametrize("replicates", [10**9, 10**30, 10**400], ids=["1e9", "1e30", "1e400"])
def test_a_run_that_cannot_fit_in_memory_is_refused_in_one_line_writing_nothing(replicates, memory, tmp_path, capsys):
    out = tmp_path / "out"
    line = _refused(["run", "-r", str(replicates), "--out", str(out)], capsys, "--replicates", "memory", "at most")
    assert "16.0 GiB is free" in line
    assert not out.exists() and not list(tmp_path.iterdir())


def test_the_same_run_is_refused_or_allowed_by_the_memory_the_machine_has(memory, capsys):
    from sim.experiments import budget
    from sim.experiments.run import DEFAULT_CHUNK

    data = load_scenario("baseline").data
    memory(2 * GIB)
    with pytest.raises(budget.ScenarioError, match="at most 1,"):  # 1.6 GiB of budget: about 1.2 million replicates
        budget.check_run(data, 10**7, 0, DEFAULT_CHUNK)
    memory(64 * 2**40)  # a machine with 64 TiB free: allowed, with a warning that it will take long
    capsys.readouterr()
    budget.check_run(data, 10**9, 0, DEFAULT_CHUNK)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("ceasefire: warning: ") and "will take about" in err[0], err
    memory(None)  # a machine that does not say: nothing refused
    budget.check_run(data, 10**7, 0, DEFAULT_CHUNK)


def test_ten_years_of_hourly_timelines_beyond_the_free_disk_are_refused_saying_how_many_fit(
    memory, tmp_path, capsys, monkeypatch
):
    from sim.experiments import budget

    monkeypatch.setattr(budget, "free_disk", lambda folder: 2 * GIB)  # timelines stream to disk: the disk limits them
    out = tmp_path / "out"
    argv = ["run", "--set", "clock.horizon_days=3650", "--set", "clock.tick_hours=1", "-r", "100", "--out", str(out)]
    line = _refused(argv, capsys, "--keep-timelines: 100", "87,6", "free under")
    # 90% of 2 GiB over twice 650 B a row (part files and the joined file) and 87,6xx steps: 16 timelines.
    assert "--keep-timelines 16 or fewer" in line
    assert not out.exists()


def test_kept_timelines_that_fit_are_allowed(memory):
    from sim.experiments import budget

    data = load_scenario("baseline", {"clock.horizon_days": 3650, "clock.tick_hours": 1}).data
    budget.check_run(data, 100, 9, 20_000)


def test_a_comparison_that_cannot_fit_is_refused_before_either_run(memory, tmp_path, capsys):
    out = tmp_path / "out"
    _refused(["compare", "baseline", "monitored_ceasefire", "-r", str(10**9), "--out", str(out)], capsys, "comparison")
    assert not out.exists()


def test_a_sweep_of_a_trillion_replicates_is_refused_and_leaves_nothing_behind(memory, tmp_path, capsys):
    file = tmp_path / "big.toml"
    file.write_text(
        '[sweep]\nname = "big"\nscenario = "baseline"\nreplicates = 1000000000000\nseed = 7\ndesign = "grid"\n'
        '[parameters]\n"actors.united_states.deadline_days" = [2, 20]\n'
    )
    out = tmp_path / "out"
    _refused(["sweep", str(file), "--out", str(out), "--quiet"], capsys, "big.toml: replicates", "per point")
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["big.toml"]


def test_a_calibration_that_cannot_fit_is_refused_before_drawing(memory, tmp_path, capsys):
    out = tmp_path / "out"
    argv = ["calibrate", "easter_2025", "--draws", str(10**8), "--replicates-per-draw", "1000", "--out", str(out)]
    _refused(argv, capsys, "--draws x --replicates-per-draw", "parameter sets")
    assert not out.exists()

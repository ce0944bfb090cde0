"""The `ceasefire` console script: scenarios, validate, run, its files, --set and exact reruns."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pandas as pd
import pytest
from conftest import OUTCOME_COLUMNS, PACKAGED, run_cli, start_cli

from sim import load_scenario
from sim.model.outcomes import OUTCOMES
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


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Start every independent command at once (they are slow to import), then collect them."""
    root = tmp_path_factory.mktemp("cli")
    (root / "full").mkdir()
    (root / "full" / "keep.txt").write_text("do not overwrite me")
    (root / "default").mkdir()
    commands = {
        "scenarios": ["scenarios"],
        "validate": ["validate"],
        "validate_path": ["validate", "baseline", str(load_scenario("no_mirror").path)],
        "many": ["run", "baseline", "-r", "50", "--seed", "3", "--out", "many"],
        "set": ["run", "baseline", "-r", "200", "--seed", "5", *SET_ARGS, "--out", "set"],
        "occupied": ["run", "--out", "full"],
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


def test_scenarios_lists_all_seven_packaged_scenarios_with_descriptions(runs):
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


def test_run_writes_the_five_documented_files(runs):
    ok(runs, "many")
    out_dir = runs[0] / "many"
    assert {p.name for p in out_dir.iterdir()} >= {
        "outcomes.csv",
        "timeline.csv",
        "events.csv",
        "manifest.json",
        "timeline.png",
    }
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


def test_run_with_many_replicates_prints_outcome_shares_with_intervals(runs):
    out = ok(runs, "many")
    for outcome in OUTCOMES:
        assert outcome.replace("_", " ") in out
    assert "95%" in out
    assert out.count("%") >= len(OUTCOMES) * 3  # a share and two interval ends per class


def test_run_of_one_replicate_tells_its_dated_story(runs):
    out = ok(runs, "one")
    assert "19 Apr" in out
    assert "truce" in out.lower()


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


def test_the_console_script_is_installed_beside_the_interpreter_or_on_path():
    from conftest import ceasefire_executable

    assert Path(ceasefire_executable()).is_file()

"""Sweeps over text values (a rule tournament): they run, resume after SIGKILL with the same rows, and report."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main
from sim.experiments.report import load_result, write_report
from sim.experiments.sweep import load_sweep
from sim.experiments.sweep_run import run_sweep

#: Each side's rule against the other's, 2 x 2, over 8 days of the baseline.
RULES = """
[sweep]
name = "rules"
scenario = "baseline"
replicates = 40
seed = 11
design = "grid"

[fixed]
"clock.horizon_days" = 8

[parameters]
"actors.ukraine.response.rule" = ["symmetric", "fixed"]
"actors.russia.response.rule" = ["retaliatory", "fixed"]
"""


def read(out: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    return pd.read_parquet(out / "runs.parquet"), pd.read_csv(out / "points.csv")


@pytest.mark.slow
def test_a_rule_grid_resumes_after_sigkill_with_identical_rows_and_reports_categories(tmp_path):
    file = tmp_path / "rules.toml"
    file.write_text(RULES)
    killed = tmp_path / "killed"
    command = [sys.executable, "-m", "sim.cli", "sweep", str(file), "--out", str(killed), "--workers", "2"]
    proc = subprocess.Popen(
        [*command, "--chunk-size", "10", "--quiet"], start_new_session=True, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 120
    while len(list((killed / "chunks").glob("*.parquet"))) < 3:
        assert proc.poll() is None, "the sweep ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)  # the sweep and its workers
    proc.wait()
    assert not (killed / "manifest.json").exists()
    assert 3 <= len(list((killed / "chunks").glob("*.parquet"))) < 16  # 4 points x 4 chunks of 10

    assert main(["sweep", str(file), "--out", str(killed), "--resume", "--quiet", "--workers", "1"]) == 0
    run_sweep(load_sweep(file), tmp_path / "whole", workers=1, chunk_size=40, progress=False)
    for got, want in zip(read(killed), read(tmp_path / "whole"), strict=True):
        pd.testing.assert_frame_equal(got, want, check_exact=True)
    runs, points = read(killed)
    assert points["actors.ukraine.response.rule"].tolist() == ["symmetric", "symmetric", "fixed", "fixed"]
    assert runs["actors.russia.response.rule"].map(type).eq(str).all()  # text stays text

    out = write_report(load_result(killed))
    effects = pd.read_csv(out / "effects.csv")
    ukraine = effects[effects["parameter"] == "actors.ukraine.response.rule"]
    assert set(ukraine["from_value"]) == {"symmetric"} and set(ukraine["to_value"]) == {"fixed"}  # vs the baseline
    russia = effects[effects["parameter"] == "actors.russia.response.rule"]
    assert set(russia["from_value"]) == {"retaliatory"} and set(russia["to_value"]) == {"fixed"}
    page = (out / "index.html").read_text()
    assert "Ukraine&#x27;s response rule (category)" in page and "(bars)" in page


@pytest.mark.parametrize("key", ["name", "description"])
def test_a_scenario_label_is_refused_as_a_swept_parameter(key, tmp_path, capsys):
    """Sweeping a label would run the same scenario at every point under other names."""
    file = tmp_path / "labels.toml"
    file.write_text(RULES.replace('"actors.russia.response.rule" = ["retaliatory", "fixed"]', f'"{key}" = ["a", "b"]'))
    assert main(["sweep", str(file), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"parameters.{key}" in err and "ceasefire compare" in err
    assert not (tmp_path / "out").exists()


def test_a_list_of_scenarios_is_refused_with_the_way_to_compare_them(tmp_path, capsys):
    file = tmp_path / "scenarios.toml"
    file.write_text(RULES.replace('scenario = "baseline"', 'scenario = ["baseline", "no_deadline"]'))
    assert main(["sweep", str(file), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "sweep.scenario" in err and "ceasefire compare" in err

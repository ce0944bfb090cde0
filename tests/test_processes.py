"""Processes of a sweep: none outlives the command, SIGTERM is Ctrl-C, --workers is capped."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main
from sim.experiments.processes import available_cores, capped_workers
from sim.experiments.sweep import load_sweep
from sim.experiments.sweep_run import run_sweep

SMALL_GRID = """
[sweep]
name = "small-grid"
scenario = "baseline"
replicates = {replicates}
seed = 7
design = "grid"

[fixed]
"clock.horizon_days" = 8

[parameters]
"actors.united_states.deadline_days" = [2, 20]
"actors.ukraine.perception.false_alarms_per_day" = [0.0, 2.0]
"""


def grid(folder: Path, replicates: int) -> Path:
    path = folder / "sweep.toml"
    path.write_text(SMALL_GRID.format(replicates=replicates))
    return path


def session_members(sid: int) -> list[int]:
    """Live processes of session ``sid`` (zombies are dead: they hold no memory and run nothing)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getsid(int(entry.name)) != sid:
                continue
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state != "Z":
            members.append(int(entry.name))
    return members


def start_sweep(file: Path, out: Path, chunks_before_kill: int = 3) -> subprocess.Popen:
    """A real `ceasefire sweep --workers 2` in its own session, returned once it has written some chunks."""
    command = [sys.executable, "-m", "sim.cli", "sweep", str(file), "--out", str(out), "--workers", "2"]
    proc = subprocess.Popen(
        [*command, "--chunk-size", "60", "--quiet"],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while len(list((out / "chunks").glob("*.parquet"))) < chunks_before_kill:
        assert proc.poll() is None, "the sweep ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert len(session_members(proc.pid)) >= 3  # the command, the fork server and the workers
    return proc


def wait_for_no_members(sid: int, seconds: float = 5.0) -> list[int]:
    deadline = time.monotonic() + seconds
    while (left := session_members(sid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


@pytest.mark.slow
def test_sigkill_of_a_sweep_leaves_no_worker_behind(tmp_path):
    proc = start_sweep(grid(tmp_path, 3000), tmp_path / "killed")
    os.kill(proc.pid, signal.SIGKILL)  # the command only: its workers must notice by themselves
    proc.wait()
    assert wait_for_no_members(proc.pid) == []


@pytest.mark.slow
def test_sigterm_stops_a_sweep_like_ctrl_c_and_resume_finishes_it(tmp_path):
    file = grid(tmp_path, 1200)
    killed = tmp_path / "killed"
    proc = start_sweep(file, killed)
    os.kill(proc.pid, signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert err.strip() == "ceasefire: interrupted"
    assert wait_for_no_members(proc.pid) == []
    assert not (killed / "manifest.json").exists()

    assert main(["sweep", str(file), "--out", str(killed), "--resume", "--quiet"]) == 0
    run_sweep(load_sweep(file), tmp_path / "whole", workers=1, chunk_size=5000, progress=False)
    for name in ("runs.parquet", "points.csv"):
        read = pd.read_parquet if name.endswith("parquet") else pd.read_csv
        pd.testing.assert_frame_equal(read(killed / name), read(tmp_path / "whole" / name))


def test_more_workers_than_cores_are_capped_with_one_note(capsys):
    cores = available_cores()
    assert capped_workers(cores + 998) == cores
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"--workers {cores + 998}" in err and f"using {cores}" in err
    assert capped_workers(1) == 1 and capped_workers(None) == cores
    assert capsys.readouterr().err == ""


def test_a_sweep_with_too_many_workers_says_so_once_and_runs(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["sweep", str(grid(tmp_path, 20)), "--workers", "1000", "--out", str(out), "--quiet"]) == 0
    err = capsys.readouterr().err
    assert err.count("--workers 1000") == 1
    import json

    assert json.loads((out / "manifest.json").read_text())["execution"]["workers"] == available_cores()

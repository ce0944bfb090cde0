"""``ceasefire calibrate``: which sets it keeps, what it writes, and that it resumes to the same ensemble."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import run_cli

from sim.cli import main
from sim.experiments.calibrate import calibration_spec, prior_paths, run_calibration
from sim.scenario import load_scenario

PATTERNS = Path(__file__).resolve().parents[1] / "scenarios" / "patterns" / "easter_2025.toml"

#: A scenario whose one uncertain value has a closed-form pattern: Ukraine declines the
#: bilateral offer with probability 1 - a, so "declines in at least 80% of replicates"
#: keeps the sets with a small a, and says nothing about any other value.
ONE_PRIOR = """
extends = "baseline"
name = "one_prior"
[actors.ukraine]
bilateral_acceptance = { uniform = [0.0, 1.0] }
"""
DECLINES = """
[patterns]
name = "declines"
scenario = "one_prior.toml"

[[pattern]]
id = "declines"
says = "Ukraine gives no direct answer to the offer"
source = "test"
kind = "share"
when = [{ output = "bilateral_accepted", equals = 0 }]
share = [0.8, 1.0]
"""


@pytest.fixture
def declines(tmp_path) -> Path:
    (tmp_path / "one_prior.toml").write_text(ONE_PRIOR)
    path = tmp_path / "declines.toml"
    path.write_text(DECLINES)
    return path


def read_ensemble_frame(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out / "ensemble.parquet")


def test_every_prior_of_the_scenario_is_calibrated():
    spec = calibration_spec(PATTERNS, draws=8, replicates=2)
    assert set(spec.priors) == set(prior_paths(load_scenario("baseline")))
    values = spec.values()
    for path, prior in spec.priors.items():  # quasi-random draws inside each prior's range
        assert values[path].between(prior.low, prior.high).all()


@pytest.mark.slow
def test_the_ensemble_holds_the_sets_that_reproduce_the_pattern_and_they_sit_where_the_formula_says(declines, tmp_path):
    spec = calibration_spec(declines, draws=256, replicates=40)
    assert "actors.ukraine.bilateral_acceptance" in spec.priors  # beside the baseline's own priors
    result = run_calibration(spec, tmp_path / "out", workers=1, progress=False)
    draws = result.draws
    a = draws["actors.ukraine.bilateral_acceptance"].to_numpy()
    accepted = draws["accepted"].to_numpy()
    # Each set's score is the share of its replicates that decline; it is accepted iff >= 0.8.
    np.testing.assert_array_equal(accepted, draws["score.declines"].to_numpy() >= 0.8 - 1e-12)
    # Binomial(40, 1 - a) >= 32 needs a small a: nearly all sets with a < 0.1 pass, none with a > 0.45.
    assert accepted[a < 0.1].mean() > 0.9 and not accepted[a > 0.45].any()
    ensemble = read_ensemble_frame(tmp_path / "out")
    np.testing.assert_array_equal(ensemble["actors.ukraine.bilateral_acceptance"].to_numpy(), a[accepted])
    informed = result.posterior.set_index("parameter")["informed"]
    assert informed[informed].index.tolist() == ["actors.ukraine.bilateral_acceptance"]  # and nothing else
    # The fresh re-run of the accepted sets shows the pattern more often than the prior runs.
    row = result.predictive.set_index("pattern").loc["declines"]
    assert row["ensemble"] > row["prior"] + 0.2


@pytest.mark.slow
def test_the_same_ensemble_on_one_or_two_workers_or_dask(tmp_path):
    spec = calibration_spec(PATTERNS, draws=24, replicates=6)
    frames = []
    for name, kw in (("one", {"workers": 1}), ("two", {"workers": 2}), ("dask", {"workers": 2, "backend": "dask"})):
        run_calibration(spec, tmp_path / name, progress=False, **kw)
        frames.append(read_ensemble_frame(tmp_path / name))
    assert len(frames[0]) > 0
    for other in frames[1:]:
        pd.testing.assert_frame_equal(frames[0], other)


@pytest.mark.slow
def test_a_calibration_killed_with_sigkill_resumes_to_the_same_ensemble(tmp_path):
    args = [str(PATTERNS), "--draws", "512", "--replicates-per-draw", "12", "--quiet"]
    killed = tmp_path / "killed"
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim.cli", "calibrate", *args, "--out", str(killed), "--workers", "2"],
        start_new_session=True,
        stderr=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 180
    while not list((killed / "runs").glob("*/chunks/*.parquet")):
        assert proc.poll() is None, "the calibration ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # the calibration's own process group: it and its workers
    proc.wait()
    assert not (killed / "manifest.json").exists() and not (killed / "ensemble.parquet").exists()
    assert main(["calibrate", *args, "--out", str(killed)]) == 2  # unfinished: needs --resume
    assert main(["calibrate", *args, "--out", str(killed), "--resume"]) == 0
    assert main(["calibrate", *args, "--out", str(tmp_path / "whole"), "--workers", "1"]) == 0
    pd.testing.assert_frame_equal(read_ensemble_frame(killed), read_ensemble_frame(tmp_path / "whole"))


@pytest.mark.slow
def test_report_of_a_calibration_is_a_page_with_its_tables_and_figures(tmp_path):
    out = tmp_path / "cal"
    assert main(["calibrate", str(PATTERNS), "--draws", "16", "--replicates-per-draw", "4", "--out", str(out),
                 "--quiet", "--workers", "1"]) == 0
    assert main(["report", str(out)]) == 0
    page = (out / "report" / "index.html").read_text()
    for words in ("Acceptance", "Posterior-predictive check", "Which parameters the patterns inform",
                  "both_accuse_during_truce", "posterior.png", "predictive.png"):
        assert words in page
    assert (out / "report" / "posterior.png").stat().st_size > 10_000


BAD_KIND = DECLINES.replace('kind = "share"', 'kind = "likelihood"')
BAD_DATE = DECLINES.replace('when = [{ output = "bilateral_accepted", equals = 0 }]',
                            'when = [{ output = "day_first_agreement", after = 2025-09-01T00:00:00+03:00 }]')
BAD_OUTPUT = DECLINES.replace('"bilateral_accepted"', '"bilateral_answer"')
EMPTY_PRIOR = ONE_PRIOR.replace("[0.0, 1.0]", "[0.4, 0.4]")


@pytest.mark.parametrize(
    ("patterns", "scenario", "where", "words"),
    [
        (BAD_KIND, ONE_PRIOR, "pattern[0].kind", "'likelihood'"),
        (BAD_DATE, ONE_PRIOR, "pattern[0].when[0].after", "outside the calendar"),
        (BAD_OUTPUT, ONE_PRIOR, "pattern[0].when[0].output", "not a column of outcomes.csv"),
        (DECLINES, EMPTY_PRIOR, "actors.ukraine.bilateral_acceptance", "uniform"),
    ],
)
def test_bad_input_is_refused_with_one_message_and_exit_2_writing_nothing(tmp_path, patterns, scenario, where, words):
    (tmp_path / "one_prior.toml").write_text(scenario)
    (tmp_path / "declines.toml").write_text(patterns)
    done = run_cli("calibrate", "declines.toml", "--out", "out", "--draws", "8", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    err = done.stderr.strip()
    assert len(err.splitlines()) == 1 and err.startswith("ceasefire: error: ")
    assert where in err and words in err, err
    assert not (tmp_path / "out").exists()


def test_a_contrast_with_a_variant_that_changes_a_prior_is_refused(tmp_path):
    """noisy_front triples the priors of the noise: the calibrated sets would erase the difference."""
    text = PATTERNS.read_text().replace('variant = "monitored_ceasefire"', 'variant = "noisy_front"')
    (tmp_path / "p.toml").write_text(text.replace('scenario = "baseline"', 'scenario = "baseline"'))
    done = run_cli("calibrate", "p.toml", "--out", "out", "--draws", "8", cwd=tmp_path)
    assert done.returncode == 2 and "monitoring_fewer_collapses" in done.stderr, done.stderr
    assert "fixed values only" in done.stderr and not (tmp_path / "out").exists()


def test_an_ensemble_calibrated_under_other_priors_is_refused(declines, tmp_path):
    """The ensemble of one_prior fits one_prior, and is refused for the baseline (which fixes that value)."""
    spec = calibration_spec(declines, draws=16, replicates=4)
    run_calibration(spec, tmp_path / "cal", workers=1, progress=False)
    ensemble = str(tmp_path / "cal" / "ensemble.parquet")
    done = run_cli("run", str(tmp_path / "one_prior.toml"), "--ensemble", ensemble, "-r", "5", "--out", "ok",
                   cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    done = run_cli("run", "baseline", "--ensemble", ensemble, "-r", "5", "--out", "never", cwd=tmp_path)
    assert done.returncode == 2 and "actors.ukraine.bilateral_acceptance" in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and not (tmp_path / "never").exists()


class Interrupted(Exception):
    pass


def test_calibrate_resume_reruns_a_damaged_chunk_and_keeps_the_same_ensemble(tmp_path, monkeypatch, capsys):
    from sim.experiments import sweep_run

    spec = calibration_spec(PATTERNS, draws=12, replicates=3, chunk_size=9)
    real, calls = sweep_run.run_chunk, []

    def fail_fourth(task):
        calls.append(task.chunk)
        if len(calls) == 4:
            raise Interrupted
        return real(task)

    monkeypatch.setattr(sweep_run, "run_chunk", fail_fourth)
    with pytest.raises(Interrupted):
        run_calibration(spec, tmp_path / "killed", workers=1, progress=False)
    monkeypatch.setattr(sweep_run, "run_chunk", real)
    chunks = sorted((tmp_path / "killed" / "runs").glob("*/chunks/*.parquet"))
    assert len(chunks) == 3
    chunks[1].write_bytes(chunks[1].read_bytes()[:100])  # truncated
    capsys.readouterr()
    run_calibration(spec, tmp_path / "killed", workers=1, progress=False, resume=True)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and chunks[1].name in err[0] and "runs again" in err[0]
    run_calibration(spec, tmp_path / "whole", workers=1, progress=False)
    pd.testing.assert_frame_equal(read_ensemble_frame(tmp_path / "killed"), read_ensemble_frame(tmp_path / "whole"))

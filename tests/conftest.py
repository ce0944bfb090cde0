"""Shared helpers: scenario files written on the fly, the console script, quick runs."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import Phase, settings

from sim import CeasefireModel
from sim.scenario.schema import ISSUES

#: For the mutation run (docs/mutation.md, ``--hypothesis-profile=mutation``): the same examples
#: every time (derandomised, no example database shared between mutants) and no shrinking,
#: which only makes a failure easier to read and costs seconds per killed mutant.
settings.register_profile(
    "mutation", derandomize=True, database=None, phases=(Phase.explicit, Phase.reuse, Phase.generate)
)

#: The baseline calendar, from the source's dates (design brief, section 2): the model's
#: tick 0 is Thursday 17 April 2025, 00:00 Moscow/Kyiv time; Russia's truce starts
#: Saturday 19 April 18:00 and lasts 30 hours.
MSK = dt.timezone(dt.timedelta(hours=3))
BASELINE_START = dt.datetime(2025, 4, 17, 0, 0, tzinfo=MSK)
TRUCE_START = dt.datetime(2025, 4, 19, 18, 0, tzinfo=MSK)
TRUCE_HOURS = 30

PACKAGED = {
    "baseline",
    "no_deadline",
    "short_deadline",
    "bilateral_track",
    "noisy_front",
    "europe_guarantees",
    "no_mirror",
    "monitored_ceasefire",
    "calibrated",
}

#: Overrides that switch off every source of noise on both fronts.
NOISELESS = {
    f"actors__{side}__{key}": 0.0
    for side in ("russia", "ukraine")
    for key in ("incidents_per_day", "perception__false_alarms_per_day", "perception__miss")
}


def outcomes(scenario: str = "baseline", seed: int = 0, replicates: int = 2000, **overrides):
    """Outcome rows of a quick run without timelines."""
    model = CeasefireModel(scenario, seed=seed, replicates=replicates, keep_timelines=0, **overrides)
    return model.run().outcomes()


@pytest.fixture
def write_scenario(tmp_path):
    """Write a TOML scenario into the test's folder; returns its path."""

    def write(text: str, name: str = "scenario.toml") -> Path:
        path = tmp_path / name
        path.write_text(text)
        return path

    return write


def ceasefire_executable() -> str:
    """The installed console script: on PATH, or next to the running interpreter."""
    beside = Path(sys.executable).parent / "ceasefire"
    if beside.is_file():
        return str(beside)
    found = shutil.which("ceasefire")
    if found is None:
        pytest.fail("the console script `ceasefire` is not installed (pip install -e .)")
    return found


def cli_env() -> dict:
    env = dict(os.environ)
    env["MPLBACKEND"] = "Agg"
    env.pop("PYTHONSTARTUP", None)
    return env


def run_cli(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``ceasefire ARGS`` in ``cwd`` and capture its output."""
    return subprocess.run(
        [ceasefire_executable(), *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=cli_env()
    )


def start_cli(*args: str, cwd: Path) -> subprocess.Popen:
    """Start ``ceasefire ARGS`` without waiting (to run several at once)."""
    return subprocess.Popen(
        [ceasefire_executable(), *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(),
    )


#: A 2 x 2 grid over 8 days: the small sweep that sweep and process tests run, kill and resume.
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


#: The columns of outcomes.csv that the issue and the README document.
OUTCOME_COLUMNS = [
    "replicate",
    "outcome",
    "day_first_truce",
    "day_first_agreement",
    "day_walk_away",
    "day_collapse",
    "civilian_harm_ukraine",
    "civilian_harm_russia",
    "strikes_russia",
    "strikes_ukraine",
    "accusations_by_russia",
    "accusations_by_ukraine",
    "truce_accusations_by_russia",
    "truce_accusations_by_ukraine",
    "truce_hours_held",
    "days_in_force",
    "collapse_reason",
    "collapsed_by",
    "collapses",
    "day_bilateral_offer",
    "bilateral_accepted",
    "mediator_step_backs",
    "mediator_returns",
    "cleared_by_monitor",
    "trust_russia",
    "trust_ukraine",
    *(f"terms_{issue}" for issue in ISSUES),
]


@pytest.fixture(autouse=True)
def _close_figures():
    """Close every matplotlib figure a test left open: open figures pile up over the suite and hold memory."""
    yield
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")

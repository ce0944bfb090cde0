"""Morris screening (design = "morris"), its analysis, and the Sobol sample-size advice."""

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.cli import main
from sim.experiments.report import load_result
from sim.experiments.screening import (
    SOBOL_HALF_WIDTH_ROOT_N,
    SOBOL_TARGET,
    elementary_effects,
    morris_indices,
    needed_samples,
    sobol_advice,
    sobol_design_advice,
    top_parameters,
)
from sim.experiments.stats import sobol_table
from sim.experiments.sweep import QUANTILE, design_table, load_sweep, prior_paths, sobol_blocks
from sim.scenario import load_scenario

UNIT = {"x1": (0.0, 1.0), "x2": (0.0, 1.0), "x3": (0.0, 1.0)}


def write(folder: Path, text: str, name: str = "sweep.toml") -> Path:
    path = folder / name
    path.write_text(text)
    return path


def morris(parameters: dict, trajectories: int = 12, levels: int = 4, seed: int = 1) -> pd.DataFrame:
    return design_table("morris", parameters, None, seed, {"trajectories": trajectories, "levels": levels})


def quantiles(points: pd.DataFrame, names) -> np.ndarray:
    return points[[QUANTILE + n for n in names]].to_numpy()


# --- the design --------------------------------------------------------------------------------------


@pytest.mark.parametrize("levels", [4, 6])
def test_each_trajectory_moves_every_parameter_once_by_delta_on_the_level_grid(levels):
    points = morris(UNIT, trajectories=7, levels=levels)
    assert len(points) == 7 * (3 + 1) and points["point"].tolist() == list(range(28))
    assert points["trajectory"].tolist() == [t for t in range(7) for _ in range(4)]
    q = quantiles(points, UNIT)
    grid = np.arange(levels) / (levels - 1)
    assert np.isin(np.round(q, 12), np.round(grid, 12)).all()
    delta = levels / (2 * (levels - 1))  # Morris (1991)
    steps = np.diff(q.reshape(7, 4, 3), axis=1)  # (trajectory, step, parameter)
    moved = np.abs(steps) > 1e-12
    assert (moved.sum(axis=2) == 1).all()  # one parameter per step
    assert (moved.sum(axis=1) == 1).all()  # each parameter once per trajectory
    assert np.abs(steps[moved]) == pytest.approx(delta)


def test_ranges_are_mapped_linearly_from_the_quantiles():
    points = morris({"a": (2.0, 10.0), "b": (-1.0, 1.0)})
    q = quantiles(points, ["a", "b"])
    assert points["a"].to_numpy() == pytest.approx(2.0 + 8.0 * q[:, 0])
    assert points["b"].to_numpy() == pytest.approx(-1.0 + 2.0 * q[:, 1])


def test_the_seed_decides_the_trajectories():
    assert morris(UNIT, seed=1).equals(morris(UNIT, seed=1))
    assert not morris(UNIT, seed=1).equals(morris(UNIT, seed=2))


PRIORS = """
[sweep]
name = "screen"
scenario = "{scenario}"
replicates = 10
design = "morris"
parameters = "priors"
trajectories = 2
{extra}
"""

TRIANGULAR = """
extends = "baseline"
name = "triangular"
description = "the baseline with one triangular prior"

[actors.russia.commitment]
tolerance = { triangular = [4.0, 8.0, 20.0] }
"""


def test_priors_are_screened_on_their_own_distributions(tmp_path):
    write(tmp_path, TRIANGULAR, "triangular.toml")
    spec = load_sweep(write(tmp_path, PRIORS.format(scenario="triangular.toml", extra="")))
    priors = prior_paths(spec.scenario)
    assert list(spec.parameters) == list(priors) and len(priors) >= 30
    for path, prior in priors.items():
        q, x = spec.points[QUANTILE + path].to_numpy(), spec.points[path].to_numpy()
        assert ((prior.low <= x) & (x <= prior.high)).all()
        assert x[q == 0] == pytest.approx(prior.low) and x[q == 1] == pytest.approx(prior.high)
        if prior.kind == "loguniform":  # checked against SciPy's distributions, not the model's own ppf
            want = stats.loguniform(prior.low, prior.high).ppf(q)
        elif prior.kind == "triangular":
            low, mode, high = prior.values
            want = stats.triang(c=(mode - low) / (high - low), loc=low, scale=high - low).ppf(q)
        else:
            want = stats.uniform(prior.low, prior.high - prior.low).ppf(q)
        assert x == pytest.approx(want, rel=1e-9), path
    assert priors["actors.russia.commitment.tolerance"].kind == "triangular"


def test_a_fixed_prior_is_not_screened_and_a_range_replaces_a_prior(tmp_path):
    extra = """
[fixed]
"actors.russia.incidents_per_day" = 2.0

[parameters]
"actors.ukraine.response.forgiveness" = { min = 0.0, max = 0.8 }
"actors.united_states.deadline_days" = { min = 3.0, max = 30.0 }
"""
    spec = load_sweep(write(tmp_path, PRIORS.format(scenario="baseline", extra="") + extra))
    names = list(spec.parameters)
    assert "actors.russia.incidents_per_day" not in names
    assert spec.parameters["actors.ukraine.response.forgiveness"] == (0.0, 0.8)  # the range, not the prior
    assert names[-2:] == ["actors.ukraine.response.forgiveness", "actors.united_states.deadline_days"]
    assert len(names) == len(prior_paths(load_scenario("baseline"))) - 1 + 1  # one fixed; the deadline is no prior
    assert spec.point_scenario(0).data["actors"]["russia"]["incidents_per_day"] == 2.0
    q = spec.points[QUANTILE + "actors.ukraine.response.forgiveness"]
    assert spec.points["actors.ukraine.response.forgiveness"].to_numpy() == pytest.approx(0.8 * q.to_numpy())


# --- the analysis, on functions whose effects are known ------------------------------------------------


def fake_outputs(points: pd.DataFrame, **functions) -> pd.DataFrame:
    x = {n: points[n].to_numpy() for n in ("x1", "x2", "x3")}
    return pd.DataFrame({name: f(**x) for name, f in functions.items()}, index=points["point"])


def test_a_linear_effect_a_quadratic_one_and_an_inert_parameter():
    """y = 3 x1 + x2²: every effect of x1 is 3; x2's are 2x + Δ at its lower level x (in {0, 1/3}
    with 4 levels, Δ = 2/3), so between 2/3 and 4/3; x3 does nothing."""
    points = morris(UNIT, trajectories=30)
    table = morris_indices(points, fake_outputs(points, y=lambda x1, x2, x3: 3 * x1 + x2**2))
    t = table.set_index("parameter")
    assert t.loc["x1", ["mu", "mu_star"]].tolist() == pytest.approx([3.0, 3.0])
    assert t.loc["x1", ["sigma", "mu_star_low", "mu_star_high"]].tolist() == pytest.approx([0.0, 3.0, 3.0], abs=1e-9)
    assert 2 / 3 - 1e-9 <= t.loc["x2", "mu_star"] <= 4 / 3 + 1e-9
    assert t.loc["x2", "mu"] == pytest.approx(t.loc["x2", "mu_star"])  # x2's effects are all positive
    assert t.loc["x2", "sigma"] > 0 and t.loc["x2", "sigma_low"] < t.loc["x2", "sigma"] < t.loc["x2", "sigma_high"]
    assert t.loc["x3", ["mu_star", "mu_star_high", "sigma", "sigma_high"]].tolist() == [0.0, 0.0, 0.0, 0.0]
    assert t["rank"].to_dict() == {"x1": 1, "x2": 2, "x3": 3}


def test_effects_are_per_unit_of_quantile_whatever_the_range():
    points = morris({"x1": (0.0, 10.0), "x2": (5.0, 6.0), "x3": (0.0, 1.0)})
    table = morris_indices(points, fake_outputs(points, y=lambda x1, x2, x3: x1 + 20 * x2)).set_index("parameter")
    assert table["mu_star"].to_dict() == pytest.approx({"x1": 10.0, "x2": 20.0, "x3": 0.0})
    assert table["rank"].to_dict() == {"x2": 1, "x1": 2, "x3": 3}


def test_each_output_is_ranked_on_its_own_and_interactions_show_in_sigma():
    points = morris(UNIT, trajectories=40)
    outputs = fake_outputs(points, only_x3=lambda x1, x2, x3: 2 * x3, product=lambda x1, x2, x3: x1 * x2)
    table = morris_indices(points, outputs)
    assert top_parameters(table, "only_x3", 1) == ["x3"]
    only = table[table["outcome"] == "only_x3"].set_index("parameter")
    assert only.loc[["x1", "x2"], "mu_star"].tolist() == [0.0, 0.0]
    product = table[table["outcome"] == "product"].set_index("parameter")
    # x1's effect is x2 (and x2's is x1): it depends on the other parameter, so sigma is far from 0.
    assert product.loc["x1", "sigma"] > 0.25 * product.loc["x1", "mu_star"] > 0
    assert product.loc["x3", "mu_star"] == 0.0


def test_sigma_agrees_with_the_elementary_effects_and_its_interval_covers_the_truth():
    points = morris(UNIT, trajectories=200, seed=4)
    y = fake_outputs(points, y=lambda x1, x2, x3: x1 + x2**2)
    effects = elementary_effects(quantiles(points, UNIT), y["y"].to_numpy())
    assert np.unique(np.round(effects[1], 9)).tolist() == pytest.approx([2 / 3, 4 / 3])  # 2x + Δ, x in {0, 1/3}
    t = morris_indices(points, y).set_index("parameter")
    assert t.loc["x2", "sigma"] == pytest.approx(np.std(effects[1], ddof=1))
    # x2's lower level is 0 or 1/3 with equal chance: σ of {2/3, 4/3} is 1/3.
    assert t.loc["x2", "sigma_low"] < 1 / 3 < t.loc["x2", "sigma_high"]


def test_an_output_with_a_missing_value_has_no_indices():
    points = morris(UNIT, trajectories=4)
    y = fake_outputs(points, y=lambda x1, x2, x3: x1)
    y.iloc[3, 0] = np.nan
    assert morris_indices(points, y)["mu_star"].isna().all()


# --- bad input: one message, exit 2, nothing written ----------------------------------------------------

MORRIS = """
[sweep]
name = "bad-morris"
replicates = 10
design = "morris"
{keys}
[parameters]
"actors.united_states.deadline_days" = {{ min = 3.0, max = 30.0 }}
"""

BAD = {
    "no trajectories": ("", "sweep.trajectories", "nothing (a required field is missing)"),
    "one trajectory": ("trajectories = 1", "sweep.trajectories", "1 (int)"),
    "odd levels": ("trajectories = 4\nlevels = 5", "sweep.levels", "5 (an odd number); allowed: an even whole number"),
    "levels as text": ('trajectories = 4\nlevels = "4"', "sweep.levels", "'4' (str)"),
    "samples": ("trajectories = 4\nsamples = 64", "sweep.samples", "no samples for morris"),
    "too many optimal": ("trajectories = 4\noptimal_trajectories = 4", "sweep.optimal_trajectories", "4 (int)"),
    "not priors": ('trajectories = 4\nparameters = "prior"', "sweep.parameters", "'priors' (design morris)"),
    "a typo": ("trajectory = 4", "sweep.trajectory", "did you mean 'trajectories'"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_morris_keys_are_refused_with_one_message(case, tmp_path, capsys):
    keys, path, words = BAD[case]
    assert_refused(write(tmp_path, MORRIS.format(keys=keys)), tmp_path, capsys, path, words)


@pytest.mark.parametrize(
    ("keys", "path", "words"),
    [
        ("samples = 8\ntrajectories = 4", "sweep.trajectories", "no trajectories for design 'lhs'"),
        ('samples = 8\nparameters = "priors"', "sweep.parameters", "no such key for design 'lhs'"),
    ],
)
def test_morris_keys_in_another_design_are_refused(keys, path, words, tmp_path, capsys):
    text = MORRIS.format(keys=keys).replace('design = "morris"', 'design = "lhs"')
    assert_refused(write(tmp_path, text), tmp_path, capsys, path, words)


def test_a_morris_sweep_needs_parameters_or_priors(tmp_path, capsys):
    text = MORRIS.format(keys="trajectories = 4").split("[parameters]")[0]
    assert_refused(write(tmp_path, text), tmp_path, capsys, "parameters", "a required table is missing")


def test_priors_over_a_scenario_left_without_any_are_refused(tmp_path, capsys):
    fixed = "\n".join(f'"{p}" = {float(prior.mean())!r}' for p, prior in prior_paths(load_scenario("baseline")).items())
    text = PRIORS.format(scenario="baseline", extra="") + "\n[fixed]\n" + fixed + "\n"
    assert_refused(write(tmp_path, text), tmp_path, capsys, "sweep.parameters", "which has none (left after [fixed])")


def assert_refused(file: Path, tmp_path: Path, capsys, path: str, words: str) -> None:
    out = tmp_path / "never"
    assert main(["sweep", str(file), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith(f"ceasefire: error: {file}: {path}"), err
    assert words in err, err
    assert not out.exists()


# --- end to end: a tiny screening of the model, through the command line and the report -----------------

# 20 days: agreements happen, but a U.S. deadline of 25 days or more never comes, so the U.S. never
# walks away and the rate at which it returns cannot matter: on common random numbers its μ* is 0.
TINY = """
[sweep]
name = "tiny-morris"
replicates = 40
seed = 5
design = "morris"
trajectories = 4

[fixed]
"clock.horizon_days" = 20

[parameters]
"actors.united_states.deadline_days" = { min = 25.0, max = 40.0 }
"actors.ukraine.perception.false_alarms_per_day" = { min = 0.0, max = 4.0 }
"actors.united_states.return_per_day" = { min = 0.01, max = 0.2 }
"""


@pytest.mark.slow
def test_a_tiny_screening_runs_and_its_report_ranks_the_parameters(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["sweep", str(write(tmp_path, TINY)), "--out", str(out), "--quiet", "--workers", "1"]) == 0
    assert "design morris" in capsys.readouterr().out
    result = load_result(out)
    assert len(result.points) == 4 * (3 + 1)
    assert result.counts("mediator_walked_away").sum() == 0  # the premise: the U.S. never walked away
    assert main(["report", str(out)]) == 0
    table = pd.read_csv(out / "report" / "morris.csv")
    assert list(table.columns) == [
        "parameter", "outcome", "mu", "mu_star", "mu_star_low", "mu_star_high", "sigma", "sigma_low", "sigma_high", "rank"
    ]  # fmt: skip
    assert set(table["parameter"]) == set(result.parameters)
    assert set(table["outcome"]) == set(result.observed_outcomes())
    returns = table[table["parameter"] == "actors.united_states.return_per_day"]
    assert (returns[["mu_star", "mu_star_high", "sigma"]] == 0).all().all()
    assert (table.groupby("outcome")["mu_star"].max() > 0).any()  # something does matter
    moved = table[table["mu_star"] > 0]
    assert (moved["rank"] < returns.set_index("outcome").loc[moved["outcome"], "rank"].to_numpy()).all()
    page = (out / "report" / "index.html").read_text()
    assert 'src="morris_mu_star.png"' in page and 'src="morris_mu_sigma.png"' in page
    assert (out / "report" / "morris_mu_star.png").stat().st_size > 10_000


# --- Sobol: how many base samples usable intervals need ----------------------------------------------------


def test_needed_samples_follow_one_over_root_n_up_to_a_power_of_two():
    assert needed_samples(64, 0.4, 0.05) == 4096  # 64 x 8² exactly
    assert needed_samples(64, 0.5, 0.05) == 8192  # 6,400 rounded up
    assert needed_samples(1024, 0.03, 0.05) == 1024  # already narrow enough


def ishigami(samples: int, seed: int) -> pd.DataFrame:
    """Sobol indices of the Ishigami function (as in test_sweep) at ``samples`` base samples."""
    names = ["x1", "x2", "x3"]
    points = design_table("sobol", {n: (-np.pi, np.pi) for n in names}, samples=samples, seed=seed)
    x1, x2, x3 = (points[n].to_numpy() for n in names)
    y = np.sin(x1) + 7 * np.sin(x2) ** 2 + 0.1 * x3**4 * np.sin(x1)
    outputs = pd.DataFrame({"y": y}, index=points["point"])
    return sobol_table(*sobol_blocks(points, outputs, names), names, ["y"], n_resamples=300)


def widest(table: pd.DataFrame) -> float:
    return float(((table["total_high"] - table["total_low"]) / 2).max())


@pytest.mark.slow
def test_the_advised_sample_size_reaches_the_target():
    small = ishigami(64, seed=2)
    advice = sobol_advice(small, 64, 3, target=0.1)
    assert widest(small) > 0.1 and "Sobol intervals too wide" in advice
    n = needed_samples(64, widest(small), 0.1)
    assert f"(x 5 points each): share y {n:,} (now ±{widest(small):.2f}, x" in advice
    assert widest(ishigami(n, seed=3)) <= 0.1 * 1.25  # 1/sqrt(n), within the noise of one bootstrap
    assert sobol_advice(ishigami(n, seed=3), n, 3, target=0.2) == ""


def test_a_small_sobol_design_is_warned_about_before_it_runs(tmp_path):
    text = """
[sweep]
replicates = 10
design = "sobol"
samples = {samples}
[parameters]
"actors.united_states.deadline_days" = {{ min = 3.0, max = 30.0 }}
"actors.ukraine.response.forgiveness" = {{ min = 0.0, max = 0.8 }}
"""
    spec = load_sweep(write(tmp_path, text.format(samples=16)))
    small = sobol_design_advice(spec)
    n = needed_samples(16, SOBOL_HALF_WIDTH_ROOT_N / 4, SOBOL_TARGET)
    assert f"samples = 16 for 2 parameters gives Sobol intervals of about ±{SOBOL_HALF_WIDTH_ROOT_N / 4:.2f}" in small
    assert f"±{SOBOL_TARGET:g} needs about {n:,} base samples ({4 * n:,} points)" in small
    assert sobol_design_advice(dataclasses.replace(spec, samples=n)) == ""  # (not loaded: n x 4 points to check)
    assert sobol_design_advice(dataclasses.replace(spec, samples=n // 2)) != ""

"""``ceasefire discover``: PRIM finds planted boxes, feature scores rank planted causes, bad input is refused."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import SMALL_GRID

from sim.cli import main
from sim.errors import ScenarioError
from sim.experiments.discover import choose_box, discover, load_design, percent
from sim.model.outcomes import OUTCOMES

CLASS = "mediator_walked_away"
A, B, INERT = "actors.united_states.deadline_days", "actors.ukraine.response.forgiveness", "actors.europe.monitoring"


def planted_sweep(folder: Path, runs: pd.DataFrame, design: str = "grid", parameters: list[str] | None = None) -> Path:
    """A finished sweep folder holding ``runs`` (point, the parameters, replicate, outcome), as `ceasefire sweep` writes it."""
    parameters = parameters or [c for c in runs.columns if c not in ("point", "replicate", "outcome")]
    folder.mkdir(parents=True)
    runs.to_parquet(folder / "runs.parquet", index=False)
    sweep = {"name": "planted", "design": design, "seed": 1, "replicates": int(runs["replicate"].max()) + 1}
    sweep["parameters"] = {p: sorted(runs[p].unique().tolist()) for p in parameters}
    scenario = {"actors": {"united_states": {"deadline_days": 10.0}, "europe": {"monitoring": 0.0}}}
    manifest = {"sweep": sweep, "scenario": scenario, "wall_seconds": 1.0}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def grid_runs(replicates: int = 4) -> pd.DataFrame:
    """A 10 x 10 x 5 grid where the class happens exactly when A <= 2 and B >= 0.6, whatever INERT is."""
    a, b, c = np.meshgrid(np.arange(10.0), np.round(np.arange(10) / 10, 1), np.arange(5) / 4, indexing="ij")
    points = pd.DataFrame({A: a.ravel(), B: b.ravel(), INERT: c.ravel()})
    points.insert(0, "point", np.arange(len(points)))
    runs = points.loc[points.index.repeat(replicates)].reset_index(drop=True)
    runs["replicate"] = np.tile(np.arange(replicates), len(points))
    inside = (runs[A] <= 2) & (runs[B] >= 0.6)
    runs["outcome"] = np.where(inside, CLASS, "no_agreement")
    return runs


def continuous_runs(n: int = 3000, seed: int = 5) -> pd.DataFrame:
    """A Latin-hypercube-like sample, one run per point: the class exactly when A < 9 and B > 0.5."""
    rng = np.random.default_rng(seed)
    runs = pd.DataFrame({"point": np.arange(n), A: rng.uniform(3, 30, n), B: rng.uniform(0, 0.8, n)})
    runs[INERT] = rng.uniform(0, 1, n)
    runs["replicate"] = 0
    runs["outcome"] = np.where((runs[A] < 9) & (runs[B] > 0.5), CLASS, "partial_ceasefire")
    return runs


@pytest.fixture(scope="module")
def grid_discovery(tmp_path_factory):
    folder = planted_sweep(tmp_path_factory.mktemp("grid") / "sweep", grid_runs())
    return discover(load_design(folder), CLASS, threshold=1.0)


# --- planted boxes ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_prim_finds_a_box_planted_in_a_grid_exactly(grid_discovery):
    d = grid_discovery
    box = d.box
    assert box["density"] == 1.0 and box["coverage"] == 1.0
    assert box["mass"] == pytest.approx(0.3 * 0.4)
    assert d.limits[d.chosen][A] == (0.0, 2.0)
    assert d.limits[d.chosen][B] == (0.6, 0.9)
    assert d.limits[d.chosen][INERT] == (0.0, 1.0)  # never restricted


@pytest.mark.slow
def test_prim_restricts_the_two_planted_dimensions_of_a_continuous_sample_near_their_limits(tmp_path):
    d = discover(load_design(planted_sweep(tmp_path / "s", continuous_runs(), design="lhs")), CLASS, threshold=0.95)
    low_a, high_a = d.limits[d.chosen][A]
    low_b, high_b = d.limits[d.chosen][B]
    assert d.box["density"] >= 0.95 and d.box["coverage"] >= 0.85
    assert high_a == pytest.approx(9, abs=0.6) and low_a == pytest.approx(3, abs=0.1)
    assert low_b == pytest.approx(0.5, abs=0.04) and high_b == pytest.approx(0.8, abs=0.01)
    assert d.limits[d.chosen][INERT] == pytest.approx((d.design.runs[INERT].min(), d.design.runs[INERT].max()))


@pytest.mark.slow
def test_feature_scores_rank_the_planted_dimensions_first_and_the_inert_one_last(grid_discovery):
    ranking = grid_discovery.scores["parameter"].tolist()
    assert set(ranking[:2]) == {A, B} and ranking[-1] == INERT
    assert grid_discovery.scores["score"].sum() == pytest.approx(1.0)


def trajectory(*boxes: tuple[float, float]) -> pd.DataFrame:
    """A peeling trajectory of (coverage, density) pairs, the first the whole design."""
    return pd.DataFrame(boxes, columns=["coverage", "density"])


def test_the_default_box_is_the_widest_one_half_way_from_the_overall_share_to_the_densest():
    peeling = trajectory((1.0, 0.1), (0.95, 0.3), (0.8, 0.5), (0.8, 0.55), (0.6, 0.7), (0.3, 0.9))
    chosen, threshold, rule = choose_box(peeling, 0.1, None, CLASS)
    assert threshold == pytest.approx(0.5)
    assert chosen == 3  # coverage 0.8 twice: the denser of the two
    assert "half-way" in rule


def test_a_threshold_picks_the_widest_box_that_reaches_it():
    peeling = trajectory((1.0, 0.1), (0.95, 0.3), (0.8, 0.5), (0.6, 0.7), (0.3, 0.9))
    assert choose_box(peeling, 0.1, 0.7, CLASS)[0] == 3
    assert choose_box(peeling, 0.1, 0.9, CLASS)[0] == 4


@pytest.mark.parametrize("threshold", [0.05, 0.1, 0.95])
def test_a_threshold_outside_the_overall_share_and_the_densest_box_is_refused(threshold):
    with pytest.raises(ScenarioError, match="--threshold"):
        choose_box(trajectory((1.0, 0.1), (0.5, 0.9)), 0.1, threshold, CLASS)


def test_a_class_no_box_makes_more_common_is_refused():
    with pytest.raises(ScenarioError, match="more common than over all runs"):
        choose_box(trajectory((1.0, 0.1)), 0.1, None, CLASS)


@pytest.mark.slow
def test_the_default_box_of_a_planted_grid_holds_every_class_run(tmp_path):
    d = discover(load_design(planted_sweep(tmp_path / "s", grid_runs())), CLASS)
    assert d.overall == pytest.approx(0.12)
    assert d.threshold == pytest.approx(0.12 + (1.0 - 0.12) / 2)
    assert d.box["coverage"] == 1.0 and d.box["density"] >= d.threshold


@pytest.mark.slow
def test_text_parameters_are_peeled_as_categories(tmp_path):
    runs = grid_runs(replicates=2)
    runs["actors.ukraine.response.rule"] = np.where(runs[INERT] > 0.5, "fixed", "symmetric")
    rule = runs["actors.ukraine.response.rule"] == "fixed"
    runs["outcome"] = np.where(rule & (runs[A] >= 7), CLASS, "no_agreement")
    d = discover(load_design(planted_sweep(tmp_path / "s", runs)), CLASS, threshold=1.0)
    assert d.limits[d.chosen]["actors.ukraine.response.rule"] == (("fixed",),)
    assert d.limits[d.chosen][A] == (7.0, 9.0)


# --- what it writes, what it prints ----------------------------------------------------------------


@pytest.mark.slow
def test_discover_writes_csv_tables_and_figures_and_a_readable_summary(tmp_path, capsys):
    folder = planted_sweep(tmp_path / "s", grid_runs())
    assert main(["discover", str(folder), "--outcome", CLASS, "--threshold", "1"]) == 0
    out = folder / "discover" / CLASS
    boxes = pd.read_csv(out / "boxes.csv")
    limited = boxes[boxes["restricted"]].set_index("parameter")
    assert set(limited.index) == {A, B}
    assert limited.loc[A, "upper"] == 2 and limited.loc[B, "lower"] == 0.6
    assert boxes["density"].eq(1.0).all() and boxes["coverage"].eq(1.0).all()
    assert boxes.set_index("parameter").loc[A, "baseline"] == 10  # the scenario's own value
    peeling = pd.read_csv(out / "peeling.csv")
    assert peeling["chosen"].sum() == 1 and peeling.loc[0, "coverage"] == 1.0
    assert peeling.loc[peeling["chosen"], "box"].item() == boxes["box"].iloc[0]
    scores = pd.read_csv(out / "feature_scores.csv")
    assert scores["parameter"].iloc[-1] == INERT
    for figure in ("box.png", "tradeoff.png", "feature_scores.png"):
        assert (out / figure).stat().st_size > 10_000
    text = capsys.readouterr().out
    assert "The mediator walks away in 100% of runs inside:" in text
    assert "U.S. deadline (days) <= 2" in text and "Ukraine's forgiveness (probability) >= 0.6" in text
    assert "holds 100% of all walk-aways (coverage) and 12% of runs (mass)" in text


@pytest.mark.slow
def test_discover_on_a_real_sweep_names_the_short_deadline_and_the_report_shows_it(tmp_path, capsys):
    from sim.experiments.sweep import load_sweep
    from sim.experiments.sweep_run import run_sweep

    file = tmp_path / "grid.toml"
    file.write_text(SMALL_GRID.format(replicates=200))
    out = tmp_path / "sweep"
    run_sweep(load_sweep(file), out, workers=1, progress=False)
    assert main(["discover", str(out), "--outcome", CLASS]) == 0
    boxes = pd.read_csv(out / "discover" / CLASS / "boxes.csv")
    limited = boxes[boxes["restricted"]]
    assert limited["parameter"].tolist() == [A] and limited["upper"].item() == 2  # the 2-day deadline, not 20
    assert main(["report", str(out)]) == 0
    page = (out / "report" / "index.html").read_text()
    for figure in ("box.png", "tradeoff.png", "feature_scores.png"):
        assert f'src="../discover/{CLASS}/{figure}"' in page
    assert "Scenario discovery: mediator walked away" in page
    assert "coverage" in page and "density" in page


@pytest.mark.parametrize(
    ("share", "precise", "text"),
    [(0.0, False, "0%"), (0.0046, False, "0.46%"), (0.043, False, "4.3%"), (0.157, False, "16%"), (1.0, False, "100%")]
    + [(0.1218, True, "12.2%"), (0.0016, True, "0.16%"), (1.0, True, "100%")],
)
def test_shares_of_rare_classes_keep_their_digits(share, precise, text):
    assert percent(share, precise) == text  # a density of 0.46% must not read "0%"


def test_a_report_without_discoveries_has_no_discovery_section(tmp_path):
    from sim.experiments.discover import report_entries

    assert report_entries(tmp_path) == []


# --- refusals: one message, exit 2, nothing written -----------------------------------------------


def refused(argv: list[str], capsys) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("ceasefire: error: ") and err.count("\n") == 1 and "Traceback" not in err
    return err


@pytest.fixture
def small_sweep(tmp_path):
    return planted_sweep(tmp_path / "s", grid_runs(replicates=1))


def test_no_such_folder_is_refused(tmp_path, capsys):
    assert "no such folder" in refused(["discover", str(tmp_path / "nothing"), "--outcome", CLASS], capsys)


def test_an_unfinished_sweep_is_refused(tmp_path, capsys):
    (tmp_path / "runs.parquet").write_bytes(b"")
    assert "no finished sweep" in refused(["discover", str(tmp_path), "--outcome", CLASS], capsys)
    assert not (tmp_path / "discover").exists()


def test_an_unknown_class_is_refused_with_the_allowed_ones(small_sweep, capsys):
    err = refused(["discover", str(small_sweep), "--outcome", "walkaway"], capsys)
    assert "'walkaway'" in err and all(o in err for o in OUTCOMES)
    assert not (small_sweep / "discover").exists()


def test_a_class_that_never_occurs_is_refused_naming_those_that_do(small_sweep, capsys):
    err = refused(["discover", str(small_sweep), "--outcome", "settlement"], capsys)
    assert "no run" in err and "mediator_walked_away (12.0%)" in err and "no_agreement (88.0%)" in err
    assert not (small_sweep / "discover").exists()


def test_a_sweep_with_no_varied_parameter_is_refused(tmp_path, capsys):
    runs = grid_runs(replicates=1)
    runs = runs[(runs[A] == 0) & (runs[B] == 0.6) & (runs[INERT] == 0)].assign(outcome=[CLASS])
    folder = planted_sweep(tmp_path / "s", runs)
    assert "no parameter that varies" in refused(["discover", str(folder), "--outcome", CLASS], capsys)


@pytest.mark.slow
def test_a_threshold_no_box_reaches_is_refused_with_the_range_that_works(tmp_path, capsys):
    runs = grid_runs(replicates=2)
    runs.loc[runs["replicate"] == 1, "outcome"] = "no_agreement"  # at most half of a point's runs
    folder = planted_sweep(tmp_path / "s", runs)
    err = refused(["discover", str(folder), "--outcome", CLASS, "--threshold", "0.9"], capsys)
    assert "no box reaches" in err and "at most the densest box's (0.5000)" in err
    assert not (folder / "discover").exists()


@pytest.mark.parametrize(
    ("option", "value"), [("--peel-alpha", "0.5"), ("--peel-alpha", "nan"), ("--mass-min", "0"), ("--threshold", "1.5")]
)
def test_settings_prim_cannot_use_are_refused(small_sweep, capsys, option, value):
    assert option in refused(["discover", str(small_sweep), "--outcome", CLASS, option, value], capsys)


def test_without_the_explore_extra_one_message_says_what_to_install(small_sweep, capsys, monkeypatch):
    for name in [m for m in sys.modules if m == "ema_workbench" or m.startswith("ema_workbench.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "ema_workbench", None)  # import fails, as when it is not installed
    err = refused(["discover", str(small_sweep), "--outcome", CLASS], capsys)
    assert "pip install 'ceasefire-sim[explore]'" in err


# --- calibrations: discovery over the prior runs ----------------------------------------------------


def planted_calibration(folder: Path, finished: bool = True) -> Path:
    """A calibration folder whose prior runs (runs/scenario/) hold the continuous planted box."""
    runs = continuous_runs(n=1500)
    arm = planted_sweep(folder / "runs" / "scenario", runs, design="prior")
    meta = json.loads((arm / "manifest.json").read_text())
    meta["sweep"]["parameters"] = {A: "uniform(3, 30)", B: "uniform(0, 0.8)", INERT: "uniform(0, 1)"}
    (arm / "manifest.json").write_text(json.dumps(meta))
    (folder / "calibration.json").write_text("{}")
    if finished:
        (folder / "manifest.json").write_text("{}")
    return folder


@pytest.mark.slow
def test_discover_on_a_calibration_ranges_over_its_prior_runs(tmp_path, capsys):
    folder = planted_calibration(tmp_path / "cal")
    assert main(["discover", str(folder), "--outcome", CLASS, "--threshold", "0.95"]) == 0
    boxes = pd.read_csv(folder / "discover" / CLASS / "boxes.csv").set_index("parameter")
    assert boxes.loc[[A, B], "restricted"].all() and not boxes.loc[INERT, "restricted"]
    assert boxes.loc[A, "baseline"] == "uniform(3, 30)"  # the prior the sets were drawn from
    assert "runs/scenario" in capsys.readouterr().out


def test_an_unfinished_calibration_is_refused(tmp_path, capsys):
    folder = planted_calibration(tmp_path / "cal", finished=False)
    assert "unfinished calibration" in refused(["discover", str(folder), "--outcome", CLASS], capsys)

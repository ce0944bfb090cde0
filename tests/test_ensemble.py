"""Ensembles of calibrated parameter sets: the file, how replicates take sets, where they are refused."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import start_cli

from sim import CeasefireModel, ScenarioError, load_scenario
from sim.experiments.run import simulate
from sim.experiments.sweep import load_sweep
from sim.experiments.sweep_run import run_sweep
from sim.scenario import read_ensemble, thaw, validated_scenario, write_ensemble
from sim.scenario.ensemble import META_KEY
from sim.scenario.priors import Prior

#: The calibrated key paths of the small test ensembles: three of the baseline's priors.
PATHS = (
    "actors.ukraine.response.forgiveness",
    "actors.russia.incidents_per_day",
    "actors.united_states.required_progress",
)
M = 5
#: A short horizon keeps model runs fast; the ensemble does not care.
SHORT = {"clock.horizon_days": 10}


def baseline_priors(paths=PATHS) -> dict[str, Prior]:
    base = load_scenario("baseline")
    return {path: base.get(path) for path in paths}


def sets(priors: dict[str, Prior], n: int = M, seed: int = 1) -> pd.DataFrame:
    """``n`` distinct values inside each prior (its quantiles at random points)."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({path: prior.ppf(rng.random(n)) for path, prior in priors.items()})


@pytest.fixture
def ensemble_file(tmp_path) -> Path:
    path = tmp_path / "ensemble.parquet"
    write_ensemble(path, sets(baseline_priors()), scenario_name="baseline", priors=baseline_priors())
    return path


def write_raw(path: Path, frame: pd.DataFrame, record: dict | None) -> Path:
    """A Parquet file written by hand (to make files ``write_ensemble`` would refuse to write)."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    if record is not None:
        table = table.replace_schema_metadata({**table.schema.metadata, META_KEY: json.dumps(record).encode()})
    pq.write_table(table, path)
    return path


# --- the file --------------------------------------------------------------------------------


def test_an_ensemble_file_reads_back_what_was_written_with_its_hash_and_free_metadata(tmp_path):
    priors = baseline_priors()
    values = sets(priors)
    path = tmp_path / "e.parquet"
    scores = pd.DataFrame({"distance": np.linspace(0, 1, M)})
    write_ensemble(path, values, scenario_name="baseline", priors=priors, extra_columns=scores, meta={"patterns": "x"})
    e = read_ensemble(path, source="test")
    assert e.n_sets == M and e.parameters == list(PATHS) and e.scenario == "baseline"
    assert e.file == str(path.resolve())
    assert e.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert dict(e.priors) == priors
    for p in PATHS:
        np.testing.assert_array_equal(e.values[p], values[p].to_numpy())
    assert e.meta["patterns"] == "x" and e.meta["format"] == 1
    table = pd.read_parquet(path)
    assert list(table.columns) == ["set", *PATHS, "distance"]
    assert table["set"].tolist() == list(range(M))
    assert not list(tmp_path.glob(".*.tmp")), "the atomic write left its temporary file"


def test_replicate_k_takes_set_k_mod_m(ensemble_file):
    e = read_ensemble(ensemble_file, source="test")
    ids = np.array([0, 1, 4, 5, 12, 1_000_003])
    taken = e.for_replicates(ids)
    for p in PATHS:
        np.testing.assert_array_equal(taken[p], e.values[p][ids % M])


def test_the_writer_refuses_a_value_outside_its_prior(tmp_path):
    priors = baseline_priors()
    values = sets(priors)
    values.loc[2, PATHS[0]] = 0.99  # forgiveness prior is uniform(0.1, 0.5)
    with pytest.raises(ScenarioError) as info:
        write_ensemble(tmp_path / "e.parquet", values, scenario_name="baseline", priors=priors)
    assert info.value.path == PATHS[0] and "0.99" in info.value.found
    assert not list(tmp_path.iterdir()), "nothing is written"


# --- the scenario --------------------------------------------------------------------------


def test_a_scenario_records_its_ensemble_as_file_hash_and_size_not_numbers(ensemble_file):
    s = load_scenario("baseline", ensemble=ensemble_file)
    e = s.to_dict()["ensemble"]
    assert e["file"] == str(ensemble_file.resolve()) and e["n_sets"] == M
    assert e["sha256"] == hashlib.sha256(ensemble_file.read_bytes()).hexdigest()
    assert "ensemble" not in load_scenario("baseline").to_dict(), "no ensemble: the record is as before"
    json.dumps(s.to_dict())  # JSON-ready


def test_a_scenario_rebuilt_from_its_data_finds_its_ensemble(ensemble_file):
    s = load_scenario("baseline", ensemble=ensemble_file).with_overrides(SHORT)
    rebuilt = validated_scenario(thaw(s.data), s.name, s.path, {})  # what a sweep worker does
    assert rebuilt.ensemble == s.ensemble and rebuilt.to_dict() == s.to_dict()


def test_an_ensemble_path_is_relative_to_the_file_that_names_it_also_when_inherited(tmp_path, ensemble_file):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "parent.toml").write_text(f'extends = "baseline"\nensemble = "../{ensemble_file.name}"\n')
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "child.toml").write_text('extends = "../a/parent.toml"\n')
    s = load_scenario(tmp_path / "b" / "child.toml")
    assert s.ensemble.file == str(ensemble_file.resolve())
    assert load_scenario(tmp_path / "b" / "child.toml").with_ensemble(None).ensemble is None


@pytest.mark.parametrize("variant", ["europe_guarantees", "monitored_ceasefire", "calibrated"])
def test_a_baseline_ensemble_fits_the_variants_that_keep_the_baselines_priors(variant, ensemble_file):
    assert load_scenario(variant, ensemble=ensemble_file).ensemble.n_sets == M


def test_the_packaged_calibrated_scenario_extends_the_baseline_on_its_packaged_ensemble():
    s = load_scenario("calibrated")
    assert s.ensemble is not None and s.ensemble.scenario == "baseline"
    assert Path(s.ensemble.file).parent.name == "ensembles"
    assert s.data["events"] == load_scenario("baseline").data["events"]


def test_a_sweeps_identity_follows_the_ensembles_content(tmp_path, ensemble_file):
    sweep = tmp_path / "s.toml"
    sweep.write_text(
        f'[sweep]\nscenario = "baseline"\nreplicates = 4\ndesign = "grid"\nensemble = "{ensemble_file.name}"\n'
        '[parameters]\n"actors.united_states.deadline_days" = [7.0, 21.0]\n'
    )
    first = load_sweep(sweep)
    assert first.scenario.ensemble.file == str(ensemble_file.resolve())
    assert load_sweep(sweep).identity() == first.identity()
    write_ensemble(ensemble_file, sets(baseline_priors(), seed=2), scenario_name="baseline", priors=baseline_priors())
    assert load_sweep(sweep).identity() != first.identity()


# --- the model -----------------------------------------------------------------------------


def test_precedence_array_beats_ensemble_beats_prior(ensemble_file):
    scenario = load_scenario("baseline", ensemble=ensemble_file)
    e = scenario.ensemble
    ids = np.array([3, 4, 5, 6, 11])
    forced = np.array([0.0, 0.1, 0.2, 0.3, 0.4])
    m = CeasefireModel(
        scenario, seed=7, replicates=ids, keep_timelines=0, actors__ukraine__response__forgiveness=forced
    )
    plain = CeasefireModel("baseline", seed=7, replicates=ids, keep_timelines=0)
    np.testing.assert_array_equal(m.drawn[PATHS[0]], forced)  # an array passed in
    for p in PATHS[1:]:
        np.testing.assert_array_equal(m.drawn[p], e.values[p][ids % M])  # the ensemble
    other = "actors.russia.response.forgiveness"  # a prior the ensemble does not cover: drawn
    np.testing.assert_array_equal(m.drawn[other], plain.drawn[other])
    np.testing.assert_array_equal(m.ensemble_set, ids % M)


def test_a_number_set_over_a_calibrated_prior_wins_there(ensemble_file):
    scenario = load_scenario("baseline", {PATHS[1]: 2.0}, ensemble=ensemble_file)
    m = CeasefireModel(scenario, replicates=4, keep_timelines=0)
    assert PATHS[1] not in m.drawn and m.params["actors"]["russia"]["incidents_per_day"] == 2.0
    np.testing.assert_array_equal(m.drawn[PATHS[0]], scenario.ensemble.values[PATHS[0]][np.arange(4) % M])


def test_the_parameter_table_shows_the_ensemble_values_exactly(ensemble_file):
    scenario = load_scenario("baseline", ensemble=ensemble_file)
    table = CeasefireModel(scenario, replicates=[0, 6, 7], keep_timelines=0).parameters()
    assert list(table.columns[:2]) == ["replicate", "ensemble_set"]
    assert table["ensemble_set"].tolist() == [0, 1, 2]
    for p in PATHS:
        assert table[p].tolist() == scenario.ensemble.values[p][[0, 1, 2]].tolist()
    assert "ensemble_set" not in CeasefireModel("baseline", replicates=2).parameters().columns


@pytest.mark.slow
def test_rows_do_not_depend_on_the_chunking(ensemble_file):
    scenario = load_scenario("baseline", SHORT, ensemble=ensemble_file)
    small = simulate(scenario, seed=3, replicates=12, keep_timelines=0, chunk_size=3)
    large = simulate(scenario, seed=3, replicates=12, keep_timelines=0, chunk_size=7)
    pd.testing.assert_frame_equal(small.outcomes, large.outcomes, check_exact=True)
    pd.testing.assert_frame_equal(small.parameters, large.parameters, check_exact=True)
    assert small.parameters["ensemble_set"].tolist() == [k % M for k in range(12)]


@pytest.mark.slow
def test_a_packed_sweep_point_gets_the_rows_of_a_plain_run_on_the_same_ensemble(tmp_path, ensemble_file):
    sweep = tmp_path / "s.toml"
    sweep.write_text(
        '[sweep]\nname = "packed"\nscenario = "baseline"\nreplicates = 8\nseed = 5\ndesign = "grid"\n'
        '[fixed]\n"clock.horizon_days" = 10\n'
        '[parameters]\n"actors.united_states.deadline_days" = [3.0, 7.0, 21.0]\n'
    )
    spec = load_sweep(sweep, ensemble=ensemble_file)
    run_sweep(spec, tmp_path / "out", workers=1, chunk_size=100, progress=False)
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["chunking"]["points_per_chunk"] == 3 and manifest["scenario"]["ensemble"]["n_sets"] == M
    runs = pd.read_parquet(tmp_path / "out" / "runs.parquet")
    for point in range(3):
        alone = simulate(spec.point_scenario(point), seed=5, replicates=8, keep_timelines=0).outcomes
        rows = runs[runs["point"] == point].drop(columns=["point", "actors.united_states.deadline_days"])
        pd.testing.assert_frame_equal(rows.reset_index(drop=True), alone, check_exact=True, check_dtype=False)


def test_a_sweep_worker_refuses_an_ensemble_file_rebuilt_after_the_sweep_was_planned(tmp_path, ensemble_file):
    from sim.experiments.sweep_run import make_tasks, plan_chunks, run_chunk

    sweep = tmp_path / "s.toml"
    sweep.write_text(
        '[sweep]\nscenario = "baseline"\nreplicates = 2\ndesign = "grid"\n'
        '[parameters]\n"actors.united_states.deadline_days" = [7.0]\n'
    )
    spec = load_sweep(sweep, ensemble=ensemble_file)
    (task,) = make_tasks(spec, plan_chunks(1, 2, 10))
    write_ensemble(ensemble_file, sets(baseline_priors(), seed=9), scenario_name="baseline", priors=baseline_priors())
    with pytest.raises(ScenarioError) as info:
        run_chunk(task)
    assert (info.value.source, info.value.path) == (str(ensemble_file.resolve()), "ensemble")


# --- refusals ------------------------------------------------------------------------------


def _bad_files(tmp_path: Path, good: Path) -> dict[str, tuple[list[str], str, str]]:
    """Each bad input: the CLI arguments, the file the message must name, and the key path."""
    priors = baseline_priors()
    record = pq.read_schema(good).metadata[META_KEY]
    frame = pd.read_parquet(good)
    outside = frame.copy()
    outside.loc[3, PATHS[2]] = 0.95  # required_progress prior is uniform(0.3, 0.6)
    (tmp_path / "text.parquet").write_text("not parquet\n")
    write_raw(tmp_path / "plain.parquet", frame, None)
    write_ensemble(tmp_path / "empty.parquet", sets(priors).iloc[:0], scenario_name="baseline", priors=priors)
    write_raw(tmp_path / "outside.parquet", outside, json.loads(record))
    (tmp_path / "other.toml").write_text(
        'extends = "baseline"\nname = "other"\n[actors.ukraine.response]\nforgiveness = { uniform = [0.0, 0.9] }\n'
    )
    (tmp_path / "fixed.toml").write_text('extends = "baseline"\n[actors.ukraine.response]\nforgiveness = 0.3\n')
    g = str(good)
    return {
        "missing": (["run", "--ensemble", "nowhere.parquet"], "--ensemble", "ensemble"),
        "not_parquet": (["run", "--ensemble", "text.parquet"], "--ensemble", "ensemble"),
        "no_metadata": (["run", "--ensemble", "plain.parquet"], "--ensemble", "ensemble"),
        "empty": (["run", "--ensemble", "empty.parquet"], str(tmp_path / "empty.parquet"), "set"),
        "outside_prior": (["run", "--ensemble", "outside.parquet"], str(tmp_path / "outside.parquet"), PATHS[2]),
        "other_prior": (["run", "other.toml", "--ensemble", g], g, PATHS[0]),
        "fixed_number": (["run", "fixed.toml", "--ensemble", g], g, PATHS[0]),
        "compare": (["compare", "baseline", "fixed.toml", "--ensemble", g, "-r", "10"], g, PATHS[0]),
    }


def test_each_bad_ensemble_is_refused_with_one_error_naming_file_and_key(tmp_path, ensemble_file, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name, (args, file, key) in _bad_files(tmp_path, ensemble_file).items():
        with pytest.raises(ScenarioError) as info:
            scenario = args[1] if args[1] != "--ensemble" else "baseline"
            load_scenario(scenario, ensemble=args[args.index("--ensemble") + 1])
            if args[0] == "compare":
                load_scenario(args[2], ensemble=args[args.index("--ensemble") + 1])
        assert (info.value.source, info.value.path) == (file, key), name
        assert "ensemble" in str(info.value) or "calibrat" in str(info.value), name


@pytest.fixture(scope="module")
def cli(tmp_path_factory):
    """Every command of this module through the console script, started at once."""
    root = tmp_path_factory.mktemp("ensemble-cli")
    good = root / "good.parquet"
    write_ensemble(good, sets(baseline_priors()), scenario_name="baseline", priors=baseline_priors())
    sweep = root / "small.toml"
    sweep.write_text(
        '[sweep]\nname = "small"\nscenario = "baseline"\nreplicates = 6\ndesign = "grid"\n'
        '[fixed]\n"clock.horizon_days" = 10\n[parameters]\n"actors.united_states.deadline_days" = [3.0, 21.0]\n'
    )
    bad = _bad_files(root, good)
    commands = {name: [*args, "--out", f"out-{name}"] for name, (args, _, _) in bad.items()}
    commands |= {
        "calibrated": ["run", "calibrated", "-r", "50", "--out", "calibrated"],
        "run": ["run", "--ensemble", "good.parquet", "-r", "500", "--out", "run"],
        "compare_ok": ["compare", "baseline", "europe_guarantees", "--ensemble", "good.parquet", "-r", "200"]
        + ["--out", "compare"],
        "sweep": ["sweep", "small.toml", "--ensemble", "good.parquet", "--workers", "1", "--quiet", "--out", "sweep"],
        "scenarios": ["scenarios"],
    }
    procs = {name: start_cli(*args, cwd=root) for name, args in commands.items()}
    done = {name: (*proc.communicate(timeout=300), proc.returncode) for name, proc in procs.items()}
    return root, bad, done


@pytest.mark.slow
@pytest.mark.parametrize(
    "name",
    ["missing", "not_parquet", "no_metadata", "empty", "outside_prior", "other_prior", "fixed_number", "compare"],
)
def test_the_console_script_refuses_bad_ensembles_with_exit_2_and_writes_nothing(cli, name):
    root, bad, done = cli
    out, err, code = done[name]
    _, file, key = bad[name]
    assert code == 2, (code, out, err)
    assert "Traceback" not in out + err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ceasefire: error: "), err
    assert f"{file}: {key}: found" in lines[0], lines[0]
    assert not (root / f"out-{name}").exists()


@pytest.mark.slow
def test_run_calibrated_says_it_cycles_through_the_ensemble_and_records_it(cli):
    root, _, done = cli
    out, err, code = done["calibrated"]
    assert code == 0, err
    assert "replicates cycle through the sets" in out
    manifest = json.loads((root / "calibrated" / "manifest.json").read_text())
    assert manifest["ensemble"]["n_sets"] == load_scenario("calibrated").ensemble.n_sets
    assert "ensemble_set" in pd.read_csv(root / "calibrated" / "parameters.csv").columns


@pytest.mark.slow
def test_run_compare_and_sweep_take_ensemble(cli):
    root, _, done = cli
    for name in ("run", "compare_ok", "sweep", "scenarios"):
        assert done[name][2] == 0, done[name][1]
    assert f"Ensemble {root / 'good.parquet'}: {M} calibrated" in done["run"][0]
    params = pd.read_csv(root / "run" / "parameters.csv")
    assert params["ensemble_set"].tolist() == [k % M for k in range(500)]
    assert json.loads((root / "run" / "manifest.json").read_text())["ensemble"]["n_sets"] == M
    compare = json.loads((root / "compare" / "manifest.json").read_text())
    assert compare["a"]["scenario"]["ensemble"] == compare["b"]["scenario"]["ensemble"]
    assert "replicate k takes set k mod 5" in done["compare_ok"][0]
    sweep = json.loads((root / "sweep" / "manifest.json").read_text())
    assert sweep["scenario"]["ensemble"]["n_sets"] == M
    assert "calibrated" in {line.split()[0] for line in done["scenarios"][0].splitlines() if line.strip()}

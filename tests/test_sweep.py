"""Sweeps: validation, designs, chunked execution, resume after a kill, reports."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import SMALL_GRID

from sim.cli import main
from sim.experiments import sweep_run
from sim.experiments.figures import OUTCOME_COLOURS
from sim.experiments.report import load_result, write_report
from sim.experiments.stats import sobol_table
from sim.experiments.sweep import design_table, load_sweep, sobol_blocks
from sim.experiments.sweep_run import plan_chunks, points_per_chunk, run_sweep
from sim.model.model import CeasefireModel
from sim.model.outcomes import OUTCOMES

# Short runs: 8 days of the baseline (32 ticks) keep every event inside the calendar.


def write_sweep(folder: Path, text: str, name: str = "sweep.toml") -> Path:
    path = folder / name
    path.write_text(text)
    return path


@pytest.fixture
def grid_file(tmp_path):
    return write_sweep(tmp_path, SMALL_GRID.format(replicates=300))


def run(file: Path, out: Path, **kw):
    return run_sweep(load_sweep(file), out, progress=False, **kw)


def read(out: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    return pd.read_parquet(out / "runs.parquet"), pd.read_csv(out / "points.csv")


# --- what a sweep writes --------------------------------------------------------------------------


def test_sweep_writes_one_row_per_point_and_replicate(grid_file, tmp_path):
    run(grid_file, tmp_path / "out", workers=1)
    runs, points = read(tmp_path / "out")
    assert len(runs) == 4 * 300
    assert runs.groupby("point")["replicate"].apply(list).map(lambda r: r == list(range(300))).all()
    assert {"actors.united_states.deadline_days", "outcome", "day_first_agreement"} <= set(runs.columns)
    assert (points["n"] == 300).all()
    assert points["point"].tolist() == [0, 1, 2, 3]  # ids stay whole numbers, as in runs.parquet
    assert pd.api.types.is_integer_dtype(points["point"])
    shares = points[[f"share_{o}" for o in OUTCOMES]].sum(axis=1)
    assert shares.to_numpy() == pytest.approx(1.0)
    for o in OUTCOMES:
        assert (points[f"low_{o}"] <= points[f"share_{o}"]).all() and (
            points[f"share_{o}"] <= points[f"high_{o}"]
        ).all()


def test_points_csv_agrees_with_the_rows_of_runs_parquet(grid_file, tmp_path):
    run(grid_file, tmp_path / "out", workers=1)
    runs, points = read(tmp_path / "out")
    walked = runs.assign(w=runs["outcome"] == "mediator_walked_away").groupby("point")["w"].mean()
    assert points.set_index("point")["share_mediator_walked_away"].to_numpy() == pytest.approx(walked.to_numpy())


def test_the_swept_value_reaches_the_model(grid_file, tmp_path):
    run(grid_file, tmp_path / "out", workers=1)
    _, points = read(tmp_path / "out")
    by_deadline = points.groupby("actors.united_states.deadline_days")["share_mediator_walked_away"].mean()
    assert by_deadline[2] > 0 and by_deadline[20] == 0  # a deadline after the 8-day horizon never comes


def test_whole_number_parameters_stay_whole_beside_fractional_ones(tmp_path):
    file = write_sweep(
        tmp_path,
        SMALL_GRID.format(replicates=20).replace(
            '"actors.united_states.deadline_days" = [2, 20]', '"clock.tick_hours" = [4, 12]'
        ),
    )
    spec = load_sweep(file)
    assert [spec.point_overrides(p)["clock.tick_hours"] for p in range(4)] == [4, 4, 12, 12]
    assert all(isinstance(spec.point_overrides(p)["clock.tick_hours"], int) for p in range(4))
    run(file, tmp_path / "out", workers=1)  # tick_hours must be an int: 12.0 would be refused
    runs, points = read(tmp_path / "out")
    assert points["clock.tick_hours"].tolist() == [4, 4, 12, 12]
    assert pd.api.types.is_integer_dtype(runs["clock.tick_hours"])


def test_a_sweep_is_identified_by_content_not_by_where_its_scenario_file_lies(tmp_path):
    from sim.scenario import packaged_scenarios

    copy = tmp_path / "copy" / "baseline.toml"
    copy.parent.mkdir()
    copy.write_text(packaged_scenarios()["baseline"].read_text())
    by_name = load_sweep(write_sweep(tmp_path, SMALL_GRID.format(replicates=10), "a.toml"))
    by_path = load_sweep(
        write_sweep(tmp_path, SMALL_GRID.format(replicates=10).replace('"baseline"', f'"{copy}"'), "b.toml")
    )
    assert by_name.scenario.path != by_path.scenario.path
    assert by_name.identity() == by_path.identity()
    changed = load_sweep(write_sweep(tmp_path, SMALL_GRID.format(replicates=11), "c.toml"))
    assert changed.identity() != by_name.identity()


def test_grid_design_is_every_combination_last_parameter_fastest():
    table = design_table("grid", {"a": (1, 2), "b": ("x", "y", "z")}, None, seed=0)
    assert list(table["point"]) == list(range(6))
    assert list(zip(table["a"], table["b"], strict=True)) == [
        (1, "x"),
        (1, "y"),
        (1, "z"),
        (2, "x"),
        (2, "y"),
        (2, "z"),
    ]


def test_lhs_design_puts_one_point_in_each_stratum_of_each_parameter():
    table = design_table("lhs", {"a": (0.0, 1.0), "b": (10.0, 20.0)}, 8, seed=3)
    assert sorted(np.floor(table["a"] * 8).astype(int)) == list(range(8))
    assert sorted(np.floor((table["b"] - 10) / 10 * 8).astype(int)) == list(range(8))


def test_chunks_cover_every_replicate_once():
    chunks = plan_chunks(n_points=3, replicates=10, chunk_size=4)
    covered = sorted((c.point, r) for c in chunks for r in range(c.start, c.stop))
    assert covered == [(p, r) for p in range(3) for r in range(10)]


def test_packed_chunks_cover_every_replicate_once_under_unique_names():
    chunks = plan_chunks(n_points=7, replicates=10, chunk_size=30, points_per_chunk=3)
    assert [list(c.point_ids) for c in chunks] == [[0, 1, 2], [3, 4, 5], [6]]
    covered = sorted((p, r) for c in chunks for p in c.point_ids for r in range(c.start, c.stop))
    assert covered == [(p, r) for p in range(7) for r in range(10)]
    assert sum(c.size for c in chunks) == 70
    names = [c.name for c in chunks]
    assert len(set(names)) == len(names)
    assert names == [c.name for c in plan_chunks(7, 10, 30, 3)]  # the same plan, the same names (resume)
    # A name says what the chunk holds: equal names in any two plans mean the same rows.
    held = {}
    for c in [*chunks, *plan_chunks(7, 10, 4, 1), *plan_chunks(7, 10, 30, 2)]:
        assert held.setdefault(c.name, (tuple(c.point_ids), c.start, c.stop)) == (tuple(c.point_ids), c.start, c.stop)


# --- the same rows whatever runs them --------------------------------------------------------------


def test_results_do_not_depend_on_workers_chunk_size_or_backend(grid_file, tmp_path):
    run(grid_file, tmp_path / "serial", workers=1, chunk_size=1000)  # two points per chunk
    run(grid_file, tmp_path / "pool", workers=2, chunk_size=70)
    run(grid_file, tmp_path / "dask", workers=2, chunk_size=128, backend="dask")
    reference = read(tmp_path / "serial")
    for other in ("pool", "dask"):
        runs, points = read(tmp_path / other)
        pd.testing.assert_frame_equal(runs, reference[0], check_exact=True)
        pd.testing.assert_frame_equal(points, reference[1], check_exact=True)


def test_manifest_records_the_execution(grid_file, tmp_path):
    import json

    run(grid_file, tmp_path / "out", workers=2, chunk_size=100)
    meta = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert meta["execution"]["workers"] == 2 and meta["execution"]["backend"] == "local"
    assert meta["chunking"] == {
        "chunk_size": 100,
        "points_per_chunk": 1,  # a point's 300 replicates fill three chunks: nothing to pack
        "chunks": 12,
        "chunks_run_this_session": 12,
        "resumed": False,
    }
    assert meta["seed"] == 7
    assert meta["sweep"]["parameters"]["actors.ukraine.perception.false_alarms_per_day"] == [0.0, 2.0]


# --- several design points in one model (packed chunks) ---------------------------------------------------

# Every swept value is a number field outside the clock, so one model can run several points at
# once; two of the four have a prior in the baseline, which the swept value replaces.
PACKABLE_LHS = """
[sweep]
name = "packed-lhs"
scenario = "baseline"
replicates = {replicates}
seed = 11
design = "lhs"
samples = 12

[fixed]
"clock.horizon_days" = 12

[parameters]
"actors.united_states.deadline_days" = {{ min = 2.0, max = 14.0 }}
"actors.ukraine.response.forgiveness" = {{ min = 0.0, max = 0.8 }}
"actors.russia.perception.false_alarms_per_day" = {{ min = 0.0, max = 3.0 }}
"actors.europe.monitoring" = {{ min = 0.0, max = 0.9 }}
"""


def _manifest(out: Path) -> dict:
    import json

    return json.loads((out / "manifest.json").read_text())


def test_a_packed_sweep_writes_exactly_the_rows_of_an_unpacked_one(tmp_path):
    spec = load_sweep(write_sweep(tmp_path, PACKABLE_LHS.format(replicates=40)))
    run_sweep(spec, tmp_path / "packed", workers=1, chunk_size=160, progress=False)
    run_sweep(spec, tmp_path / "alone", workers=1, chunk_size=40, progress=False)
    assert _manifest(tmp_path / "packed")["chunking"]["points_per_chunk"] == 4
    assert _manifest(tmp_path / "alone")["chunking"]["points_per_chunk"] == 1
    assert len(list((tmp_path / "packed" / "chunks").glob("*.parquet"))) == 3
    assert len(list((tmp_path / "alone" / "chunks").glob("*.parquet"))) == 12
    for packed, alone in zip(read(tmp_path / "packed"), read(tmp_path / "alone"), strict=True):
        pd.testing.assert_frame_equal(packed, alone, check_exact=True)


def test_each_point_of_a_packed_chunk_gets_the_rows_it_gets_run_by_itself(tmp_path):
    spec = load_sweep(write_sweep(tmp_path, PACKABLE_LHS.format(replicates=40)))
    run_sweep(spec, tmp_path / "packed", workers=1, chunk_size=480, progress=False)
    assert _manifest(tmp_path / "packed")["chunking"]["points_per_chunk"] == 12  # one model for the sweep
    runs, _ = read(tmp_path / "packed")
    for point in (0, 5, 11):
        model = CeasefireModel(spec.point_scenario(point), seed=spec.seed, replicates=40, keep_timelines=0)
        alone = model.run().outcomes()
        assert "actors.ukraine.response.forgiveness" not in model.parameters()  # fixed by the point, not drawn
        got = runs[runs["point"] == point].drop(columns=["point", *spec.parameter_names]).reset_index(drop=True)
        got["outcome"] = pd.Categorical(got["outcome"].astype(str), categories=OUTCOMES)
        pd.testing.assert_frame_equal(got, alone, check_exact=True)


def test_points_per_chunk_fills_chunks_in_whole_rounds_of_the_workers(tmp_path):
    spec = load_sweep(write_sweep(tmp_path, PACKABLE_LHS.format(replicates=40), "lhs.toml"))
    assert points_per_chunk(spec, chunk_size=20_000, workers=1) == 12  # the whole sweep in one model
    assert points_per_chunk(spec, chunk_size=20_000, workers=2) == 6  # one chunk for each worker
    assert points_per_chunk(spec, chunk_size=100, workers=2) == 2  # 2 x 40 replicates fit in 100
    # 4 points fit in 160 replicates: 3 chunks, a round and a half of 2 workers; 4 chunks of 3 instead.
    assert points_per_chunk(spec, chunk_size=160, workers=2) == 3
    assert points_per_chunk(spec, chunk_size=160, workers=1) == 4
    assert points_per_chunk(spec, chunk_size=79, workers=1) == 1  # two points are more than a chunk
    for line in (
        '"clock.tick_hours" = [4, 12]',  # a whole number that shapes the clock
        '"actors.ukraine.response.rule" = ["symmetric", "fixed"]',  # text
    ):
        text = SMALL_GRID.format(replicates=40).replace('"actors.united_states.deadline_days" = [2, 20]', line)
        other = load_sweep(write_sweep(tmp_path, text, "grid.toml"))
        assert points_per_chunk(other, chunk_size=20_000, workers=1) == 1, line


class Interrupted(Exception):
    pass


def test_an_interrupted_packed_sweep_resumes_with_its_own_chunks_and_identical_rows(tmp_path, monkeypatch):
    spec = load_sweep(write_sweep(tmp_path, PACKABLE_LHS.format(replicates=40)))
    out = tmp_path / "out"
    calls = []
    real = sweep_run.run_chunk

    def fail_third(task):
        calls.append(task.chunk)
        if len(calls) == 3:
            raise Interrupted
        return real(task)

    monkeypatch.setattr(sweep_run, "run_chunk", fail_third)
    with pytest.raises(Interrupted):
        run_sweep(spec, out, workers=1, chunk_size=80, progress=False)
    monkeypatch.setattr(sweep_run, "run_chunk", real)
    assert len(list((out / "chunks").glob("*.parquet"))) == 2 and not (out / "manifest.json").exists()
    assert all(c.points == 2 for c in calls)
    # Resumed on two workers, which would pack differently: the plan's chunks are kept.
    run_sweep(spec, out, workers=2, resume=True, progress=False)
    chunking = _manifest(out)["chunking"]
    assert chunking == {
        "chunk_size": 80,
        "points_per_chunk": 2,
        "chunks": 6,
        "chunks_run_this_session": 4,
        "resumed": True,
    }
    run_sweep(spec, tmp_path / "whole", workers=1, chunk_size=40, progress=False)
    for got, want in zip(read(out), read(tmp_path / "whole"), strict=True):
        pd.testing.assert_frame_equal(got, want, check_exact=True)


def test_a_grid_over_a_text_key_runs_end_to_end(tmp_path):
    text = SMALL_GRID.format(replicates=100).replace(
        '"actors.united_states.deadline_days" = [2, 20]', '"actors.ukraine.response.rule" = ["symmetric", "fixed"]'
    )
    file = write_sweep(tmp_path, text.replace('"clock.horizon_days" = 8', '"clock.horizon_days" = 12'))
    spec = load_sweep(file)
    run(file, tmp_path / "out", workers=1)
    runs, points = read(tmp_path / "out")
    assert points["actors.ukraine.response.rule"].tolist() == ["symmetric", "symmetric", "fixed", "fixed"]
    assert runs.groupby("point")["actors.ukraine.response.rule"].agg(set).map(len).eq(1).all()
    assert set(runs["actors.ukraine.response.rule"]) == {"symmetric", "fixed"}
    assert len(list((tmp_path / "out" / "chunks").glob("*.parquet"))) == 4  # text: one point per chunk
    for point in (1, 2):  # the value reached the model: each point's rows are its own run's
        alone = CeasefireModel(spec.point_scenario(point), seed=7, replicates=100, keep_timelines=0).run().outcomes()
        got = runs[runs["point"] == point].reset_index(drop=True)
        assert got["strikes_ukraine"].to_numpy() == pytest.approx(alone["strikes_ukraine"].to_numpy(), rel=0, abs=0)
    by_rule = runs.groupby("actors.ukraine.response.rule")["strikes_ukraine"].mean()
    assert by_rule["fixed"] > by_rule["symmetric"]  # a fixed rule keeps firing while a symmetric one holds
    assert main(["report", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "report" / "shares_0.png").stat().st_size > 10_000


def test_every_outcome_class_has_its_own_colour():
    assert len(OUTCOME_COLOURS) == len(OUTCOMES) == len(set(OUTCOME_COLOURS))


# --- resume -------------------------------------------------------------------------------------------


def test_resume_after_sigkill_gives_identical_results(tmp_path):
    file = write_sweep(tmp_path, SMALL_GRID.format(replicates=3000))
    killed = tmp_path / "killed"
    command = [sys.executable, "-m", "sim.cli", "sweep", str(file), "--out", str(killed), "--workers", "2"]
    proc = subprocess.Popen(
        [*command, "--chunk-size", "60", "--quiet"], start_new_session=True, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 120
    while len(list((killed / "chunks").glob("*.parquet"))) < 5:
        assert proc.poll() is None, "the sweep ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # the sweep's own process group: it and its workers
    proc.wait()
    done = len(list((killed / "chunks").glob("*.parquet")))
    assert not (killed / "manifest.json").exists() and 5 <= done < 200

    assert main(["sweep", str(file), "--out", str(killed), "--quiet"]) == 2  # unfinished: needs --resume
    assert main(["sweep", str(file), "--out", str(killed), "--resume", "--quiet"]) == 0
    run(file, tmp_path / "whole", workers=1, chunk_size=5000)
    for got, want in zip(read(killed), read(tmp_path / "whole"), strict=True):
        pd.testing.assert_frame_equal(got, want)


def test_rerunning_into_a_finished_folder_is_refused_and_changes_nothing(grid_file, tmp_path, capsys):
    out = tmp_path / "out"
    run(grid_file, out, workers=1)
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    assert main(["sweep", str(grid_file), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("ceasefire: error: --out") and "finished" in err and len(err.splitlines()) == 1
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == before


def test_resume_of_a_finished_sweep_has_nothing_to_do(grid_file, tmp_path, capsys):
    run(grid_file, tmp_path / "out", workers=1)
    assert main(["sweep", str(grid_file), "--out", str(tmp_path / "out"), "--resume", "--quiet"]) == 0
    assert "nothing to do" in capsys.readouterr().out


def test_a_folder_of_another_sweep_is_refused_even_with_resume(grid_file, tmp_path, capsys):
    run(grid_file, tmp_path / "out", workers=1)
    other = write_sweep(tmp_path, SMALL_GRID.format(replicates=301), "other.toml")
    assert main(["sweep", str(other), "--out", str(tmp_path / "out"), "--resume", "--quiet"]) == 2
    assert "another sweep" in capsys.readouterr().err


# --- bad input: one message, exit 2, nothing written ---------------------------------------------------


BAD = {
    "unknown parameter path": (
        '"actors.ukraine.perception.false_alarm_per_day" = [0.1]',
        "parameters.actors.ukraine.perception.false_alarm_per_day",
        "did you mean 'actors.ukraine.perception.false_alarms_per_day'",
    ),
    "retired per-tick key": (
        '"actors.ukraine.perception.false_alarm" = [0.1]',
        "parameters.actors.ukraine.perception.false_alarm",
        "the retired key 'false_alarm'; allowed: use false_alarms_per_day",
    ),
    "value the scenario refuses": (
        '"actors.ukraine.perception.false_alarms_per_day" = [0.1, -1.5]',
        "false_alarms_per_day",
        "-1.5",
    ),
    "grid with no values": (
        '"actors.ukraine.perception.false_alarms_per_day" = []',
        "false_alarms_per_day",
        "empty list",
    ),
    "range in a grid": (
        '"actors.ukraine.perception.false_alarms_per_day" = { min = 0.0, max = 2.0 }',
        "false_alarms_per_day",
        "list",
    ),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_parameters_are_refused_with_one_message(case, tmp_path, capsys):
    line, path, words = BAD[case]
    text = SMALL_GRID.format(replicates=10).split("[parameters]")[0] + "[parameters]\n" + line + "\n"
    _assert_refused(write_sweep(tmp_path, text), tmp_path, capsys, path, words)


@pytest.mark.parametrize(("samples", "words"), [("48", "not a power of two"), ("1", "power of two"), ('"64"', "str")])
def test_sobol_sample_size_must_be_a_power_of_two(samples, words, tmp_path, capsys):
    text = f"""
[sweep]
name = "bad-sobol"
replicates = 10
design = "sobol"
samples = {samples}
[parameters]
"actors.united_states.deadline_days" = {{ min = 3.0, max = 30.0 }}
"""
    _assert_refused(write_sweep(tmp_path, text), tmp_path, capsys, "sweep.samples", words)


def test_a_range_beyond_what_the_scenario_allows_is_refused(tmp_path, capsys):
    text = """
[sweep]
replicates = 10
design = "lhs"
samples = 4
[parameters]
"actors.ukraine.response.forgiveness" = { min = 0.5, max = 1.2 }
"""
    _assert_refused(write_sweep(tmp_path, text), tmp_path, capsys, "forgiveness", "1.2")


def test_unknown_sweep_key_is_refused_with_a_suggestion(tmp_path, capsys):
    text = SMALL_GRID.format(replicates=10).replace("replicates =", "replicate =")
    _assert_refused(write_sweep(tmp_path, text), tmp_path, capsys, "sweep.replicate", "did you mean 'replicates'")


def test_an_output_folder_holding_other_files_is_refused(grid_file, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert main(["sweep", str(grid_file), "--out", str(out), "--quiet"]) == 2
    assert "holds no sweep" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


def _assert_refused(file: Path, tmp_path: Path, capsys, path: str, words: str) -> None:
    out = tmp_path / "never"
    assert main(["sweep", str(file), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith(f"ceasefire: error: {file}")
    assert path in err and words in err
    assert not out.exists()


@pytest.mark.slow  # every point of main_levers_sobol's 2,560 is checked against the scenario: seconds
def test_shipped_sweep_files_are_valid():
    files = sorted(Path(__file__).resolve().parents[1].glob("scenarios/sweeps/*.toml"))
    specs = [load_sweep(f) for f in files]
    assert len(files) >= 4 and {s.design for s in specs} >= {"grid", "sobol", "morris"}
    assert any(len(s.parameters) >= 6 for s in specs if s.design == "sobol")
    assert any(len(s.parameters) >= 30 for s in specs if s.design == "morris")  # every prior of the baseline


# --- Sobol indices through the sweep's own design -------------------------------------------------------


def test_sobol_indices_of_the_ishigami_function_are_recovered():
    """Ishigami & Homma (1990), a = 7, b = 0.1; analytic indices as in Saltelli et al. (2008),
    Global Sensitivity Analysis: The Primer, sec. 4.3 (S1, S2, S3 = 0.314, 0.442, 0;
    ST1, ST2, ST3 = 0.558, 0.442, 0.244)."""
    names = ["x1", "x2", "x3"]
    points = design_table("sobol", {n: (-np.pi, np.pi) for n in names}, samples=2048, seed=1)
    x1, x2, x3 = (points[n].to_numpy() for n in names)
    y = np.sin(x1) + 7 * np.sin(x2) ** 2 + 0.1 * x3**4 * np.sin(x1)
    outputs = pd.DataFrame({"y": y}, index=points["point"])
    table = sobol_table(*sobol_blocks(points, outputs, names), names, ["y"], n_resamples=200).set_index("parameter")
    assert table["first_order"].to_numpy() == pytest.approx([0.314, 0.442, 0.0], abs=0.04)
    assert table["total_order"].to_numpy() == pytest.approx([0.558, 0.442, 0.244], abs=0.04)
    assert (table["first_low"] < table["first_high"]).all()


# --- reports ------------------------------------------------------------------------------------------------


def test_report_of_a_grid_has_shares_heatmap_and_survival_with_captions(grid_file, tmp_path):
    run(grid_file, tmp_path / "out", workers=1)
    assert main(["report", str(tmp_path / "out")]) == 0
    report = tmp_path / "out" / "report"
    page = (report / "index.html").read_text()
    for figure in ("shares_0.png", "shares_1.png", "heatmap_0.png", "survival.png"):
        assert (report / figure).stat().st_size > 10_000 and f'src="{figure}"' in page
    assert page.count("<figcaption>") == 4


def test_report_of_a_sobol_sweep_has_indices_for_each_varying_outcome(tmp_path, capsys):
    text = """
[sweep]
name = "tiny-sobol"
replicates = 60
seed = 3
design = "sobol"
samples = 8
[fixed]
"clock.horizon_days" = 8
[parameters]
"actors.united_states.deadline_days" = { min = 1.0, max = 7.0 }
"actors.ukraine.response.forgiveness" = { min = 0.0, max = 0.8 }
"clock.tick_hours" = { min = 1, max = 4 }
"""
    out = tmp_path / "out"
    run(write_sweep(tmp_path, text), out, workers=1)
    result = load_result(out)
    assert len(result.points) == 8 * (3 + 2)
    assert result.points["clock.tick_hours"].isin([1, 2, 3, 4]).all()
    write_report(result)
    sobol = pd.read_csv(out / "report" / "sobol.csv")
    assert set(sobol["parameter"]) == set(result.parameters)
    walked = sobol[sobol["output"] == "mediator_walked_away"].set_index("parameter")
    assert walked.loc["actors.united_states.deadline_days", "total_order"] > 0.5
    assert (out / "report" / "sobol.png").exists()
    # Eight base samples give intervals far wider than usable: the report says so, and what would do.
    warning = capsys.readouterr().err.strip()
    assert warning.startswith("ceasefire: warning: Sobol intervals too wide to use: with samples = 8")
    assert "Sobol intervals too wide" in (out / "report" / "index.html").read_text()


def test_report_of_an_unfinished_folder_is_refused(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 2
    assert "no finished sweep" in capsys.readouterr().err


# --- resume trusts no chunk file: each is checked against the checksum record written with it ----------


def _corrupt_truncated(chunks: list[Path]) -> None:
    data = chunks[0].read_bytes()
    chunks[0].write_bytes(data[: len(data) // 2])


def _corrupt_empty(chunks: list[Path]) -> None:
    chunks[0].write_bytes(b"")


def _corrupt_random(chunks: list[Path]) -> None:
    chunks[0].write_bytes(np.random.default_rng(1).bytes(chunks[0].stat().st_size))


def _copy_other_point(chunks: list[Path]) -> None:
    """A valid chunk and its record copied under another point's name: the checksum agrees, the rows do not."""
    other = chunks[-1]
    chunks[0].write_bytes(other.read_bytes())
    Path(f"{chunks[0]}.json").write_bytes(Path(f"{other}.json").read_bytes())


def _copy_other_range(chunks: list[Path]) -> None:
    """The same point's next replicate range copied over the first."""
    chunks[0].write_bytes(chunks[1].read_bytes())
    Path(f"{chunks[0]}.json").write_bytes(Path(f"{chunks[1]}.json").read_bytes())


def _checksum_mismatch(chunks: list[Path]) -> None:
    record = Path(f"{chunks[0]}.json")
    record.write_text(record.read_text().replace('"sha256": "', '"sha256": "0'))


def _no_record(chunks: list[Path]) -> None:
    Path(f"{chunks[0]}.json").unlink()


CORRUPTIONS = [
    _corrupt_truncated,
    _corrupt_empty,
    _corrupt_random,
    _copy_other_point,
    _copy_other_range,
    _checksum_mismatch,
    _no_record,
]


def _unfinish(out: Path) -> None:
    """Make a finished sweep folder look killed before its final files."""
    for name in ("manifest.json", "points.csv", "runs.parquet"):
        (out / name).unlink()


@pytest.fixture(scope="module")
def resumable(tmp_path_factory):
    """A small sweep of 8 one-point chunks, run whole once: the reference and the copy to damage."""
    folder = tmp_path_factory.mktemp("resumable")
    file = write_sweep(folder, SMALL_GRID.format(replicates=100))
    run(file, folder / "whole", workers=1, chunk_size=50)
    return file, folder / "whole"


@pytest.mark.parametrize("corrupt", CORRUPTIONS, ids=lambda f: f.__name__.strip("_"))
def test_resume_replaces_a_bad_chunk_and_says_so_in_one_line(corrupt, resumable, tmp_path, capsys):
    import shutil

    file, whole = resumable
    out = tmp_path / "out"
    shutil.copytree(whole, out)
    _unfinish(out)
    chunks = sorted((out / "chunks").glob("*.parquet"))
    corrupt(chunks)
    capsys.readouterr()
    assert main(["sweep", str(file), "--out", str(out), "--resume", "--quiet", "--workers", "1"]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and chunks[0].name in err[0] and "runs again" in err[0], err
    assert _manifest(out)["chunking"]["chunks_run_this_session"] == 1
    for got, want in zip(read(out), read(whole), strict=True):
        pd.testing.assert_frame_equal(got, want, check_exact=True)


def test_resume_replaces_every_bad_chunk_with_one_line_each(resumable, tmp_path, capsys):
    import shutil

    file, whole = resumable
    out = tmp_path / "out"
    shutil.copytree(whole, out)
    _unfinish(out)
    chunks = sorted((out / "chunks").glob("*.parquet"))
    _corrupt_truncated(chunks[0:])
    _corrupt_empty(chunks[2:])
    _corrupt_random(chunks[3:])
    _checksum_mismatch(chunks[5:])
    _copy_other_point(chunks[6:])  # chunk 6 takes chunk 7's rows
    capsys.readouterr()
    assert main(["sweep", str(file), "--out", str(out), "--resume", "--quiet", "--workers", "1"]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert sorted(line.split(": ")[2] for line in err) == sorted(str(chunks[i]) for i in (0, 2, 3, 5, 6))
    for got, want in zip(read(out), read(whole), strict=True):
        pd.testing.assert_frame_equal(got, want, check_exact=True)


def test_each_chunk_is_written_with_a_checksum_record(resumable):
    import hashlib
    import json

    _, whole = resumable
    chunks = sorted((whole / "chunks").glob("*.parquet"))
    assert len(chunks) == 8
    for path in chunks:
        record = json.loads(Path(f"{path}.json").read_text())
        assert record["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert record["rows"] == 50


@pytest.mark.slow
@pytest.mark.parametrize(("after_chunks", "delay"), [(1, 0.0), (6, 0.027)])
def test_sigkill_at_different_moments_then_resume_gives_identical_rows(after_chunks, delay, resumable, tmp_path):
    """Killed after a few chunks plus a delay that lands anywhere in a chunk's write; resumed: the same rows."""
    file, _ = resumable
    killed = tmp_path / "killed"
    command = [sys.executable, "-m", "sim.cli", "sweep", str(file), "--out", str(killed), "--workers", "2"]
    proc = subprocess.Popen(
        [*command, "--chunk-size", "10", "--quiet"], start_new_session=True, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while len(list((killed / "chunks").glob("*.parquet"))) < after_chunks:
        assert proc.poll() is None, "the sweep ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.005)
    time.sleep(delay)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (killed / "manifest.json").exists()
    assert main(["sweep", str(file), "--out", str(killed), "--resume", "--quiet", "--workers", "1"]) == 0
    run(file, tmp_path / "whole", workers=1, chunk_size=1000)
    for got, want in zip(read(killed), read(tmp_path / "whole"), strict=True):
        pd.testing.assert_frame_equal(got, want, check_exact=True)


LHS_SEEDED = """
[sweep]
name = "lhs-seeded"
scenario = "baseline"
replicates = 20
seed = {seed}
design = "lhs"
samples = 3

[fixed]
"clock.horizon_days" = 8

[parameters]
"actors.united_states.deadline_days" = {{ min = 1.0, max = 6.0 }}
"""


def test_seed_option_reseeds_design_and_runs_as_if_the_file_said_so(tmp_path, monkeypatch):
    """`--seed N` is the file with `seed = N`: same design points, same rows; its default folder says the seed."""
    (tmp_path / "a.toml").write_text(LHS_SEEDED.format(seed=1))
    (tmp_path / "b.toml").write_text(LHS_SEEDED.format(seed=2))
    overridden = load_sweep(tmp_path / "a.toml", seed=2)
    written = load_sweep(tmp_path / "b.toml")
    assert overridden.seed == 2 and overridden.identity() == written.identity()
    pd.testing.assert_frame_equal(overridden.points, written.points)
    assert not load_sweep(tmp_path / "a.toml").points.equals(written.points)

    monkeypatch.chdir(tmp_path)
    assert main(["sweep", "a.toml", "--seed", "2", "--workers", "1", "--quiet"]) == 0
    assert main(["sweep", "b.toml", "--out", "b", "--workers", "1", "--quiet"]) == 0
    folder = tmp_path / "results" / "lhs-seeded-seed2"
    assert json.loads((folder / "manifest.json").read_text())["seed"] == 2
    pd.testing.assert_frame_equal(pd.read_parquet(folder / "runs.parquet"), pd.read_parquet(tmp_path / "b" / "runs.parquet"))

"""Kept timelines and events stream to disk as a run goes (sim/experiments/spool.py).

What is checked: the streamed files are byte for byte those an in-memory run writes,
whatever the block size; the model never holds more than one block of rows; and kept
timelines that would not fit on the disk are refused before any work, in one message.
"""

from __future__ import annotations

import pytest

from sim.experiments import budget, spool
from sim.experiments.run import simulate
from sim.experiments.spool import Spool
from sim.scenario import load_scenario


def _in_memory(scenario, tmp_path, **kw):
    result = simulate(scenario, **kw)
    result.timeline.to_csv(tmp_path / "timeline.csv", index=False)
    result.events.to_csv(tmp_path / "events.csv", index=False)
    return result


@pytest.mark.parametrize(
    ("replicates", "keep", "block"),
    [(5, 3, 7), (4, 10, 1), (6, 2, 100_000), (3, 1, 13)],
    ids=["blocks-of-2-steps", "keep-more-than-run", "one-block", "one-timeline"],
)
def test_streamed_timelines_and_events_equal_the_in_memory_files_byte_for_byte(
    tmp_path, monkeypatch, replicates, keep, block
):
    monkeypatch.setattr(spool, "BLOCK_ROWS", block)
    scenario = load_scenario("baseline")
    memory, disk = tmp_path / "memory", tmp_path / "disk"
    memory.mkdir(), disk.mkdir()
    plain = _in_memory(scenario, memory, seed=4, replicates=replicates, keep_timelines=keep, first_replicate=2)
    streamed = simulate(
        scenario, seed=4, replicates=replicates, keep_timelines=keep, first_replicate=2, spool=Spool(disk)
    )
    for name in ("timeline", "events"):
        streamed.spool.join(name, disk / f"{name}.csv", streamed.kept_ids)
        assert (disk / f"{name}.csv").read_bytes() == (memory / f"{name}.csv").read_bytes(), name
    assert streamed.outcomes.equals(plain.outcomes)
    # The first kept replicate's rows come back for the run's figure and story.
    assert streamed.timeline["replicate"].unique().tolist() == [2]
    first = plain.timeline[plain.timeline["replicate"] == 2].reset_index(drop=True)
    assert streamed.timeline[first.columns].astype(str).equals(first.astype(str))
    streamed.spool.remove()
    assert not (disk / ".spool").exists()


def test_the_model_never_holds_more_than_one_block_of_rows(tmp_path, monkeypatch):
    monkeypatch.setattr(spool, "BLOCK_ROWS", 12)  # 4 timelines: a block every 3 steps
    held = []
    original = spool.Spool.add

    def add(self, name, frame):
        if name == "timeline":
            held.append(len(frame))
        original(self, name, frame)

    monkeypatch.setattr(spool.Spool, "add", add)
    result = simulate(load_scenario("baseline"), seed=1, replicates=4, keep_timelines=4, spool=Spool(tmp_path))
    assert max(held) <= 12
    assert sum(held) == 4 * result.steps, "every row is handed on once"


def test_a_run_with_no_kept_timelines_writes_the_in_memory_empty_files(tmp_path):
    result = simulate(load_scenario("baseline"), seed=1, replicates=3, keep_timelines=0, spool=Spool(tmp_path))
    assert result.spool is None and result.timeline.empty and result.events.empty


def test_ten_years_of_hourly_timelines_run_on_memory_but_are_refused_beyond_the_disk(tmp_path, monkeypatch, capsys):
    data = load_scenario("baseline", {"clock.horizon_days": 3650, "clock.tick_hours": 1}).data
    steps = budget.clock_steps(data)
    monkeypatch.setattr(budget, "free_disk", lambda folder: 2**30)
    with pytest.raises(budget.ScenarioError) as refused:
        budget.check_run_disk(data, 100, 100, tmp_path / "out")
    fit = int(2**30 * budget.DISK_SHARE) // (2 * steps * budget.SPOOLED_BYTES_PER_ROW)
    assert f"--keep-timelines {fit} or fewer" in str(refused.value)
    assert fit >= 1
    budget.check_run_disk(data, 100, fit, tmp_path / "out")  # what it says fits, fits
    monkeypatch.setattr(budget, "free_disk", lambda folder: 2**40)
    capsys.readouterr()
    budget.check_run_disk(data, 100, 100, tmp_path / "out")  # a large disk: allowed, with a warning of its size
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "on disk" in err[0], err
    budget.check_run(data, 100, 0, 20_000)  # memory no longer holds the timelines

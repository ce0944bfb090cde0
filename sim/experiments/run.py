"""Running a scenario for many replicates in chunks, with a progress bar.

Chunking bounds memory; because every replicate's numbers depend only on (seed, id),
the rows are identical whatever the chunk size.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from sim.model.model import CeasefireModel
from sim.scenario import Scenario

from .budget import check_run
from .spool import Spool

DEFAULT_CHUNK = 20_000


@dataclass
class RunResult:
    """What one scenario run produced, ready to write or to show.

    ``parameters`` has one row per replicate and a column per key path whose value differs
    by replicate (drawn from a prior); just ``replicate`` when none does. ``steps`` is the
    number of steps of the clock (``tick_hours`` cut at scheduled times).
    """

    scenario: Scenario
    seed: int
    replicates: int
    outcomes: pd.DataFrame
    timeline: pd.DataFrame
    events: pd.DataFrame
    wall_seconds: float
    chunk_size: int
    parameters: pd.DataFrame = field(default_factory=pd.DataFrame)
    steps: int = 0
    extra: dict = field(default_factory=dict)
    #: Where the kept timelines and events went, when spooled to disk (then ``timeline`` and
    #: ``events`` hold the first kept replicate's rows only, for its figure and story).
    spool: Spool | None = None
    kept_ids: list[int] = field(default_factory=list)

    @property
    def varies_by_replicate(self) -> bool:
        """Whether any scenario value differs by replicate (then ``parameters.csv`` is worth writing)."""
        return len(self.parameters.columns) > 1


def simulate(
    scenario: Scenario,
    seed: int = 0,
    replicates: int = 1,
    keep_timelines: int = 100,
    chunk_size: int = DEFAULT_CHUNK,
    progress: bool | None = None,
    first_replicate: int = 0,
    check: bool = True,
    spool: Spool | None = None,
) -> RunResult:
    """Run replicates ``first_replicate .. first_replicate + replicates - 1`` to the horizon.

    ``progress=None`` shows a bar only when the work is long enough to want one. Unless
    ``check`` is false (the caller checked), a run that cannot fit in memory is refused and
    a long one warned about before it starts (:mod:`.budget`). Each chunk's ids are made
    only when it runs, so the ids of a huge run are never all in memory at once. With a
    ``spool``, the kept timelines and events go to disk as the run goes (:mod:`.spool`).
    """
    if check:
        check_run(scenario.data, replicates, keep_timelines if spool is None else 0, chunk_size)
    started = time.perf_counter()
    chunks = (
        np.arange(start, min(start + chunk_size, first_replicate + replicates), dtype=np.int64)
        for start in range(first_replicate, first_replicate + replicates, chunk_size)
    )
    # At least this many steps (scheduled times may cut more): enough to decide on a bar.
    ticks = scenario.data["clock"]["horizon_days"] * 24 // scenario.data["clock"]["tick_hours"]
    show = progress if progress is not None else replicates * ticks >= 2_000_000
    outcomes, parameters, timeline, events, steps = [], [], pd.DataFrame(), pd.DataFrame(), 0
    spooled = spool is not None and keep_timelines > 0
    with tqdm(total=replicates, unit="rep", desc=scenario.name, disable=not show, leave=False) as bar:
        for i, chunk in enumerate(chunks):
            model = CeasefireModel(
                scenario, seed=seed, replicates=chunk, keep_timelines=keep_timelines if i == 0 else 0
            )
            if i == 0 and spooled:
                run_spooled(model, spool)
            else:
                model.run()
            outcomes.append(model.outcomes())
            parameters.append(model.parameters())
            if i == 0:
                steps = model.n_ticks
                if spooled:  # only the first kept replicate's rows come back, for its figure and story
                    timeline, events = spool.read("timeline", first_replicate), spool.read("events", first_replicate)
                else:
                    timeline, events = model.timeline(), model.events()
            model.release()
            bar.update(len(chunk))
    return RunResult(
        scenario=scenario,
        seed=seed,
        replicates=replicates,
        outcomes=pd.concat(outcomes, ignore_index=True),
        timeline=timeline,
        events=events,
        wall_seconds=time.perf_counter() - started,
        chunk_size=chunk_size,
        parameters=pd.concat(parameters, ignore_index=True),
        steps=steps,
        spool=spool if spooled else None,
        kept_ids=list(range(first_replicate, first_replicate + min(keep_timelines, replicates))),
    )


def run_spooled(model: CeasefireModel, spool: Spool) -> None:
    """Run ``model`` to the horizon, handing its kept rows to ``spool`` every few hundred steps."""
    every = spool.every(model.recorder.keep)
    while model.running:
        model.step()
        if model.tick % every == 0 or not model.running:
            spool.add("timeline", model.recorder.take())
            spool.add("events", model.log.take())


def versions() -> dict[str, str]:
    """Versions that make a run reproducible: this package, Python, Mesa, NumPy."""
    import platform

    import mesa

    from sim import __version__

    return {
        "ceasefire-sim": __version__,
        "python": platform.python_version(),
        "mesa": mesa.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
    }


def manifest(result: RunResult, overrides: Mapping[str, Any], command: str) -> dict:
    """Everything needed to rerun ``result`` exactly."""
    return {
        "command": command,
        "scenario_name": result.scenario.name,
        "scenario_path": result.scenario.path,
        "seed": result.seed,
        "replicates": result.replicates,
        "overrides": dict(overrides),
        "chunk_size": result.chunk_size,
        "wall_seconds": round(result.wall_seconds, 3),
        "versions": versions(),
        "scenario": result.scenario.to_dict(),
        **({"ensemble": result.scenario.ensemble.describe()} if result.scenario.ensemble is not None else {}),
        **result.extra,
    }

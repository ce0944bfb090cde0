"""Memory and time a run will need, estimated from its sizes before anything starts.

A run that cannot fit in memory used to allocate for hours and then die (or give a
``MemoryError`` traceback and leave half a folder behind); a run that will take hours gave
no hint. Here the sizes (replicates, clock steps, chunk size, kept timelines, workers)
are turned into bytes and seconds with constants measured once, and compared with the
memory the machine has free: what cannot fit is refused with one message that says what
would fit, and what will take long gets a one-line warning on stderr.

The constants were measured on the project's 2-core test machine (Python 3.11.7, numpy
1.26, pandas 2, model v2, load average about 1) with a script that runs one
``CeasefireModel`` in a fresh process and reads ``ru_maxrss`` before and after:

- a model of 20,000 replicates of the 30-day baseline (120 steps of 6 h) grew the peak by
  73 MiB, and one of 120 days (480 steps) by 75 MiB: a model's state does not grow with the
  steps, about 3.8 KB per replicate (with its outcome and drawn-value frames);
- the rows kept for every replicate of a run (``outcomes``: about 300 B a row, ``parameters``:
  about 340 B, measured with ``DataFrame.memory_usage(deep=True)``), doubled while
  ``pd.concat`` joins the chunks;
- 100 kept timelines of 120 days at 1 h (288,000 timeline rows, with the 50,400 events
  logged alongside) grew the peak by 361 MiB: 1,314 B per kept replicate-step, counting
  the recorder's arrays, the frame and its sorted copy;
- speed: 20,000 x 120 replicate-steps in 2.38 s (about 1.0 million replicate-steps/s), and
  a fixed cost of 2.6 to 2.9 ms per step at 100 to 1,000 replicates (Python's work per step);
- ``plan_chunks`` holds 176 B per chunk (``tracemalloc``), 300 B with the sweep's own sets;
- a sweep worker idles at about 210 MiB (docs/sweeps.md, section 8).
"""

from __future__ import annotations

import math
import os
import shutil
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from sim.errors import ScenarioError

#: Peak bytes per replicate of one model run (does not grow with the steps; see above).
MODEL_BYTES_PER_REPLICATE = 4_000
#: Bytes per replicate of the rows a run keeps for all its replicates (outcomes and drawn values, with concat's copy).
RESULT_BYTES_PER_REPLICATE = 1_300
#: Peak bytes per kept replicate-step: a timeline row, its share of the event log, the frame and its sorted copy.
TIMELINE_BYTES_PER_ROW = 1_320
#: Bytes per replicate of the summary columns a sweep holds for a point until its last chunk is read.
SUMMARY_BYTES_PER_REPLICATE = 100
#: Bytes per planned chunk of a sweep (the Chunk, its place in the plan's lists and sets).
CHUNK_PLAN_BYTES = 300
#: Resident memory of an idle sweep worker (Python, numpy, pandas, pyarrow, the model's modules).
WORKER_BASE_BYTES = 210 * 2**20
#: Replicate-steps per second of one model on one core, past the fixed cost per step.
REPLICATE_STEPS_PER_SECOND = 1_000_000
#: Seconds of Python's fixed work per step of one model run, whatever its replicates.
STEP_SECONDS = 0.003
#: Seconds per kept replicate-step (recording a timeline row and its events): a 3,650-day hourly run of 100
#: replicates keeping all 100 took 400 s for 87,600 steps on the busy test machine, 137 s past the fixed cost.
KEPT_ROW_SECONDS = 1.5e-5
#: Most memory the kept timelines may take, whatever the machine has free: 1 GiB is about 800,000 rows
#: (100 timelines of 330 days at 1 h), more than anyone reads or plots; beyond it, fewer timelines are asked for.
TIMELINE_MAX_BYTES = 2**30
#: Bytes on disk per kept replicate-step: a row of timeline.csv and its share of events.csv
#: (measured: 100 timelines of the baseline at 120 days and 1 h, 288,000 rows, wrote 181.1 MB of
#: timeline.csv and 4.0 MB of events.csv: 643 B a row).
SPOOLED_BYTES_PER_ROW = 650
#: Share of the free disk a run may plan to fill.
DISK_SHARE = 0.9
#: Kept timelines larger than this on disk get a warning.
LARGE_OUTPUT_BYTES = 2**30
#: Share of the free memory a run may plan to use (the rest is for the others on the machine).
MEMORY_SHARE = 0.8
#: Runs estimated to last longer than this get a warning on stderr.
LONG_SECONDS = 600.0


@dataclass(frozen=True)
class Estimate:
    """Peak bytes and wall seconds a piece of work is expected to need."""

    bytes: int
    seconds: float


def available_memory() -> int | None:
    """Bytes of memory free for a new run (MemAvailable, else free pages); None if unknown."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def clock_steps(data: Mapping) -> int:
    """At least the clock's steps, at most a few more: the regular grid plus a cut per scheduled time.

    Computed from the numbers alone, so that a horizon of a million years costs nothing here.
    """
    clock = data["clock"]
    regular = math.ceil(float(clock["horizon_days"]) * 24 / clock["tick_hours"])
    return regular + 2 * len(data.get("events", ()))


def run_estimate(replicates: int, steps: int, chunk_size: int, keep: int, runs: int = 1) -> Estimate:
    """A ``simulate`` call (``runs`` of them held together, as ``compare`` does)."""
    chunk = min(replicates, chunk_size)
    kept = min(keep, replicates)
    memory = chunk * MODEL_BYTES_PER_REPLICATE + runs * replicates * RESULT_BYTES_PER_REPLICATE
    memory += kept * steps * TIMELINE_BYTES_PER_ROW
    chunks = -(-replicates // chunk_size)
    seconds = runs * (_real(replicates * steps) / REPLICATE_STEPS_PER_SECOND + _real(chunks * steps) * STEP_SECONDS)
    return Estimate(memory, seconds + kept * steps * KEPT_ROW_SECONDS)


def sweep_estimate(
    points: int, replicates: int, steps: int, chunk_size: int, packing: int, workers: int, held: int = 0
) -> Estimate:
    """A sweep: workers each holding one chunk's model, the main process the plan and a point's summaries.

    ``held`` adds rows the caller keeps besides (a calibration reads its arms' rows back).
    """
    per_chunk = packing * replicates if packing > 1 else min(chunk_size, replicates)
    n_chunks = -(-points // packing) if packing > 1 else points * -(-replicates // chunk_size)
    workers = max(1, workers)
    worker = (WORKER_BASE_BYTES if workers > 1 else 0) + per_chunk * MODEL_BYTES_PER_REPLICATE
    main = n_chunks * CHUNK_PLAN_BYTES + max(packing, 1) * replicates * SUMMARY_BYTES_PER_REPLICATE
    main += per_chunk * RESULT_BYTES_PER_REPLICATE + held * RESULT_BYTES_PER_REPLICATE
    total = points * replicates
    seconds = (_real(total * steps) / REPLICATE_STEPS_PER_SECOND + _real(n_chunks * steps) * STEP_SECONDS) / workers
    return Estimate(workers * worker + main, seconds)


def _real(n: int | float) -> float:
    """``n`` as a float, or infinity where a float cannot hold it (a count typed as 10**400)."""
    try:
        return float(n)
    except OverflowError:
        return math.inf


def size_text(n: float) -> str:
    """Bytes in words a reader can compare (MiB, GiB, TiB, or a power of ten beyond)."""
    n = _real(n)
    for unit, scale in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20)):
        if n >= scale:
            value = n / scale
            return f"{value:,.1f} {unit}" if value < 10**6 else f"{value:.2g} {unit}"
    return f"{n / 2**20:.1f} MiB"


def memory_text(n: float) -> str:
    """'about 1.2 TiB of memory', or words for a need no float can hold."""
    return "more memory than any machine has" if math.isinf(_real(n)) else f"about {size_text(n)} of memory"


def count_text(n: int) -> str:
    """A whole number with separators, or as a power of ten when it would not fit on a line."""
    return f"{n:,}" if n < 10**15 else f"about 10^{len(str(n)) - 1}"


def time_text(seconds: float) -> str:
    """A duration as a person says it."""
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 3 * 86400:
        return f"{seconds / 3600:.1f} h"
    if seconds < 10**6 * 86400:
        return f"{seconds / 86400:,.0f} days"
    if math.isinf(seconds):
        return "longer than anyone can wait"
    return f"{seconds / 86400 / 365:.2g} years"


def largest(fits: Callable[[int], bool], high: int) -> int:
    """The largest n in 0..high with ``fits(n)`` (``fits`` false from some n on); 0 if none fits."""
    low = 0
    while low < high:
        mid = (low + high + 1) // 2
        if fits(mid):
            low = mid
        else:
            high = mid - 1
    return low


def memory_budget() -> int | None:
    """Bytes a run may plan to use, or None when the machine does not say what is free."""
    free = available_memory()
    return None if free is None else int(free * MEMORY_SHARE)


def warn_if_long(estimate: Estimate, what: str, quicker: str) -> None:
    """One line on stderr before work that will take long, so nobody waits hours without knowing."""
    if estimate.seconds > LONG_SECONDS:
        print(
            f"ceasefire: warning: {what} will take about {time_text(estimate.seconds)} "
            f"(estimated at {REPLICATE_STEPS_PER_SECOND:,} replicate-steps/s per core); {quicker}",
            file=sys.stderr,
        )


def check_run(data: Mapping, replicates: int, keep: int, chunk_size: int, runs: int = 1, what: str = "the run") -> None:
    """Refuse a ``simulate`` (or ``compare``) that cannot fit in memory; warn before a long one.

    The rows of every replicate stay in memory (they make ``outcomes.csv``), and so do the
    kept timelines, one row per step: the first limits the replicates, the second the
    timelines (an hourly clock over ten years is 87,600 rows per timeline).
    """
    steps = clock_steps(data)
    need = run_estimate(replicates, steps, chunk_size, keep, runs)
    budget = memory_budget()
    check_timelines(replicates, steps, chunk_size, keep, runs, budget)
    if budget is not None and need.bytes > budget:
        free = f"{size_text(budget / MEMORY_SHARE)} is free"
        fit = largest(lambda r: run_estimate(r, steps, chunk_size, 0, runs).bytes <= budget, replicates)
        raise ScenarioError(
            "--replicates",
            count_text(replicates),
            f"{what} needing {memory_text(need.bytes)} (the rows of every replicate are kept), "
            f"where only {free}",
            f"at most {fit:,} replicates here, or `ceasefire sweep`, which writes rows in chunks as they finish",
        )
    warn_if_long(need, f"{what} ({count_text(replicates)} replicates x {steps:,} steps)", "fewer replicates or a coarser clock would be quicker")


def check_timelines(replicates: int, steps: int, chunk_size: int, keep: int, runs: int, budget: int | None) -> None:
    """Refuse kept timelines beyond ``TIMELINE_MAX_BYTES`` or the free memory, saying how many would fit.

    The timelines are held in memory until the run ends (one row per kept replicate and
    step), so a ten-year hourly clock with the default 100 grows by gigabytes.
    """
    kept = min(keep, replicates)
    rows = kept * steps * TIMELINE_BYTES_PER_ROW
    bare = run_estimate(replicates, steps, chunk_size, 0, runs).bytes
    room = TIMELINE_MAX_BYTES if budget is None else min(TIMELINE_MAX_BYTES, budget - bare)
    if kept == 0 or rows <= room or room < 0:  # room < 0: the replicates alone do not fit; said by the caller
        return
    fit = max(0, room) // (steps * TIMELINE_BYTES_PER_ROW)
    raise ScenarioError(
        "--keep-timelines",
        str(keep),
        f"{count_text(kept)} kept timelines of {steps:,} steps each, about {size_text(rows)} held in memory "
        f"(at most {size_text(room)} here)",
        f"--keep-timelines {fit} or fewer (timelines and events of the first {fit} replicates), "
        "or a coarser clock.tick_hours or a shorter clock.horizon_days",
    )


def free_disk(folder: Path) -> int | None:
    """Bytes free on the file system that will hold ``folder`` (its nearest existing parent); None if unknown."""
    for place in (folder, *folder.parents):
        if place.exists():
            try:
                return shutil.disk_usage(place).free
            except OSError:
                return None
    return None


def check_run_disk(data: Mapping, replicates: int, keep: int, out: Path) -> None:
    """Refuse kept timelines that will not fit on the disk under ``out``; warn when they will be large.

    A run streams its kept timelines and events to disk as it goes (:mod:`.spool`), so
    memory does not limit them; the disk does, twice over while the part files are joined.
    """
    steps = clock_steps(data)
    rows = min(keep, replicates) * steps
    need = 2 * rows * SPOOLED_BYTES_PER_ROW
    free = free_disk(out)
    if free is not None and need > free * DISK_SHARE:
        fit = int(free * DISK_SHARE) // (2 * steps * SPOOLED_BYTES_PER_ROW)
        raise ScenarioError(
            "--keep-timelines",
            str(keep),
            f"{count_text(min(keep, replicates))} kept timelines of {steps:,} steps each, about "
            f"{size_text(need / 2)} of CSV (twice that while it is joined), where {size_text(free)} is free under {out.parent}",
            f"--keep-timelines {fit} or fewer, a coarser clock.tick_hours, or an --out on a larger disk",
        )
    if need / 2 > LARGE_OUTPUT_BYTES:
        print(
            f"ceasefire: warning: the kept timelines will take about {size_text(need / 2)} on disk "
            f"({count_text(rows)} rows); --keep-timelines with a smaller number writes fewer",
            file=sys.stderr,
        )


def check_sweep(
    source: str,
    points: int,
    replicates: int,
    steps: int,
    chunk_size: int,
    packing: int,
    workers: int,
    held: int = 0,
    runs: int = 1,
    key: str = "replicates",
    unit: str = "point",
) -> None:
    """Refuse a sweep of ``steps`` clock steps that cannot fit in memory; warn before a long one.

    ``runs`` sweeps of this size run one after another (a calibration's arms): they add
    time, not memory, except the ``held`` rows the caller keeps from all of them. ``unit``
    names a point in the message (a calibration's points are parameter sets).
    """
    need = sweep_estimate(points, replicates, steps, chunk_size, packing, workers, held)
    need = Estimate(need.bytes, need.seconds * runs)
    budget = memory_budget()
    if budget is not None and need.bytes > budget:
        free = f"{size_text(budget / MEMORY_SHARE)} is free"
        fit_chunk = largest(
            lambda c: sweep_estimate(points, replicates, steps, c, 1, workers, held).bytes <= budget, chunk_size
        )
        per_rep = held / max(1, points * replicates)  # rows kept besides, per replicate run

        def fits(n_points: int, n_replicates: int) -> bool:
            extra = int(n_points * n_replicates * per_rep)
            return sweep_estimate(n_points, n_replicates, steps, chunk_size, 1, workers, extra).bytes <= budget

        fit_replicates = largest(lambda r: fits(points, r), replicates)
        fit_points = largest(lambda n: fits(n, replicates), points)
        hints = [f"chunk_size (or --chunk-size) {fit_chunk:,} or smaller"] if packing == 1 and fit_chunk >= 1 else []
        if fit_replicates >= 1:
            hints.append(f"at most {fit_replicates:,} replicates per {unit}")
        if fit_points >= 1:
            hints.append(f"at most {fit_points:,} {unit}s of {count_text(replicates)} replicates")
        raise ScenarioError(
            source,
            key,
            f"{count_text(points)} {unit}s x {count_text(replicates)} replicates needing "
            f"{memory_text(need.bytes)}, where only {free}",
            " or ".join(hints) or f"far fewer {unit}s and replicates",
        )
    what = f"the sweep ({count_text(runs * points * replicates)} replicates x {steps:,} steps, {workers} worker(s))"
    warn_if_long(need, what, "fewer replicates or points would be quicker")

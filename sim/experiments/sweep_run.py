"""Running a sweep: chunks of (design points, replicate range) on a process pool or Dask.

Every finished chunk is written atomically (a temporary file, then ``os.replace``) under
``DIR/chunks/``, so a sweep killed at any moment loses only the chunks in flight. Because
replicate k of a point draws its numbers from (seed, k) alone, the rows do not depend on
the chunk size, the number of workers or the backend. The final files are assembled from
the chunk files in a fixed order: ``runs.parquet``, ``points.csv`` and, last,
``manifest.json`` (its presence marks a finished sweep).

When every swept value is a number that may differ by replicate (a ``float`` field outside
``clock``), one chunk runs several design points in one vectorised model: its replicate ids
repeat once per point and the swept values are per-replicate arrays. A point's replicate k
still draws from (seed, k) alone, so its rows are the ones it would get run by itself, and
the points share common random numbers. Other sweeps (whole numbers, text, switches, the
clock) run one point per chunk.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import os
import resource
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from tqdm.auto import tqdm

from sim.errors import ScenarioError
from sim.model.model import CeasefireModel
from sim.model.outcomes import OUTCOMES, wilson_interval
from sim.scenario import thaw, validated_scenario
from sim.scenario.schema import scenario_fields

from .budget import check_sweep, clock_steps
from .dask_backend import RETRIES, DaskBackend, checked_versions
from .files import check_writable, folder_lock, is_empty, refuse_if_locked, write_atomic
from .processes import available_cores, capped_workers, watch_parent
from .stats import km_median
from .sweep import SweepSpec

__all__ = [
    "Chunk",
    "plan_chunks",
    "packable",
    "points_per_chunk",
    "run_sweep",
    "SweepOutput",
    "available_cores",
    "point_summary",
]

PLAN = "sweep.json"
MANIFEST = "manifest.json"
CHUNKS = "chunks"


@dataclass(frozen=True, order=True)
class Chunk:
    """Replicates ``start .. stop - 1`` of the design points ``point .. point + points - 1``."""

    point: int
    start: int
    stop: int
    points: int = 1

    @property
    def point_ids(self) -> range:
        return range(self.point, self.point + self.points)

    @property
    def name(self) -> str:
        """A file name unique within the sweep's plan, the same every time the plan is made."""
        if self.points == 1:
            return f"p{self.point:06d}-r{self.start:010d}-{self.stop:010d}.parquet"
        last = self.point + self.points - 1
        return f"p{self.point:06d}-p{last:06d}-r{self.start:010d}-{self.stop:010d}.parquet"

    @property
    def size(self) -> int:
        """Replicates run by this chunk, over all its points."""
        return self.points * (self.stop - self.start)


@dataclass(frozen=True)
class ChunkTask:
    """What a worker needs to run one chunk: plain, picklable data (no open files).

    ``overrides`` are scalar scenario values (one point's, or the fixed ones of a packed
    chunk); ``arrays`` map each swept key path to its value at each point of a packed chunk.
    ``ensemble_sha256`` is the content hash of the scenario's ensemble file when the sweep
    was planned: the worker reads the file again and refuses one rebuilt since.
    """

    scenario_name: str
    scenario_path: str
    scenario_data: dict
    overrides: dict
    seed: int
    chunk: Chunk
    arrays: dict = field(default_factory=dict)
    ensemble_sha256: str = ""
    #: Replicate ids of point p start at p * stride (0: every point runs the same ids).
    stride: int = 0


def plan_chunks(n_points: int, replicates: int, chunk_size: int, points_per_chunk: int = 1) -> list[Chunk]:
    """All chunks of a sweep, in the order their rows appear in ``runs.parquet``.

    With ``points_per_chunk`` 1, each point's replicates are cut into ranges of at most
    ``chunk_size``; otherwise each chunk runs every replicate of ``points_per_chunk``
    consecutive points (the last chunk fewer).
    """
    if points_per_chunk > 1:
        return [
            Chunk(p, 0, replicates, min(points_per_chunk, n_points - p)) for p in range(0, n_points, points_per_chunk)
        ]
    return [
        Chunk(p, start, min(start + chunk_size, replicates))
        for p in range(n_points)
        for start in range(0, replicates, chunk_size)
    ]


def packable(spec: SweepSpec) -> bool:
    """Whether one model can run several of the sweep's points side by side.

    It can when every swept value is a number of a ``float`` field outside ``clock`` (the
    clock shapes the steps that every replicate of a model shares): the model then takes
    it as one value per replicate. Whole numbers, text and switches stay one value per model.
    """
    fields = scenario_fields()
    for name in spec.parameter_names:
        if fields[name].kind != "float" or name.startswith("clock."):
            return False
        if not pd.api.types.is_numeric_dtype(spec.points[name]):
            return False
    return True


def points_per_chunk(spec: SweepSpec, chunk_size: int, workers: int) -> int:
    """Design points per chunk, when the sweep is packable: at most ``chunk_size`` replicates a chunk.

    The fewest chunks that hold ``chunk_size`` replicates or fewer each, rounded up to a
    whole number of rounds of the ``workers`` (so none waits while another runs a last
    chunk alone), shared evenly between them. 1 when two points do not fit in a chunk or
    the swept values cannot be per-replicate arrays.
    """
    fit = chunk_size // spec.replicates
    if fit < 2 or not packable(spec):
        return 1
    points = len(spec.points)
    rounds = -(-points // fit)
    chunks = -(-rounds // max(1, workers)) * max(1, workers)
    return max(1, -(-points // chunks))


# --- the worker side ------------------------------------------------------------------------


def run_chunk(task: ChunkTask) -> tuple[Chunk, pd.DataFrame, int]:
    """Run one chunk; returns it, its outcome rows and this process's peak memory (KiB)."""
    chunk = task.chunk
    base = validated_scenario(task.scenario_data, task.scenario_name, task.scenario_path, {})
    if base.ensemble is not None and base.ensemble.sha256 != task.ensemble_sha256:
        raise ScenarioError(
            base.ensemble.file,
            "ensemble",
            "a file that changed while the sweep ran (another sha256)",
            "an ensemble file left as it was until the sweep ends; rerun the sweep into a new --out",
        )
    scenario = base.with_overrides(task.overrides, source=f"point {chunk.point}")
    ids = np.arange(chunk.start, chunk.stop, dtype=np.int64)
    per_point = len(ids)
    arrays = {}
    offsets = np.arange(chunk.point, chunk.point + chunk.points, dtype=np.int64) * task.stride
    if task.arrays:  # several points side by side: ids repeat per point, swept values per replicate
        ids = (offsets[:, None] + ids[None, :]).ravel()
        arrays = {
            name.replace(".", "__"): np.repeat(np.asarray(values, dtype=float), per_point)
            for name, values in task.arrays.items()
        }
    if not task.arrays:
        ids = ids + offsets[0]
    model = CeasefireModel(scenario, seed=task.seed, replicates=ids, keep_timelines=0, **arrays).run()
    rows = model.outcomes()
    model.release()
    del model
    gc.collect()  # the model's reference cycles hold a chunk's arrays until a full collection
    rows.insert(0, "point", np.repeat(np.arange(chunk.point, chunk.point + chunk.points, dtype=np.int64), per_point))
    return chunk, rows, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def make_tasks(spec: SweepSpec, chunks: Iterable[Chunk]) -> Iterator[ChunkTask]:
    data = thaw(spec.scenario.data)
    sha = spec.scenario.ensemble.sha256 if spec.scenario.ensemble is not None else ""
    stride = spec.replicates if spec.independent_points else 0
    for chunk in chunks:
        if chunk.points == 1:
            overrides = spec.point_overrides(chunk.point)
            yield ChunkTask(
                spec.scenario.name, spec.scenario.path, data, overrides, spec.seed, chunk, {}, sha, stride
            )
            continue
        rows = slice(chunk.point, chunk.point + chunk.points)
        values = {name: spec.points[name].iloc[rows].tolist() for name in spec.parameter_names}
        yield ChunkTask(
            spec.scenario.name, spec.scenario.path, data, dict(spec.fixed), spec.seed, chunk, values, sha, stride
        )


# --- backends: each yields results as chunks finish, with a bounded number in flight --------


def serial_results(tasks: Iterable[ChunkTask]) -> Iterator[tuple]:
    """One worker: run in this process (no pool to start)."""
    for task in tasks:
        yield run_chunk(task)


def local_results(tasks: Iterable[ChunkTask], workers: int) -> Iterator[tuple]:
    """A local process pool (``forkserver`` workers with the package preloaded)."""
    import multiprocessing as mp
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["sim.experiments.sweep_run"])
    tasks = iter(tasks)
    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=ctx, initializer=watch_parent, initargs=(os.getpid(),)
    )
    try:
        running = {pool.submit(run_chunk, t) for t in _take(tasks, 2 * workers)}
        while running:
            done, running = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()
                running |= {pool.submit(run_chunk, t) for t in _take(tasks, 1)}
    except BaseException:  # Ctrl-C, SIGTERM, a failed chunk, or the caller closing early
        _stop_pool(pool)
        raise
    pool.shutdown(wait=True)


def _stop_pool(pool) -> None:
    """End the pool's workers now: waiting for their chunks could take minutes, and those are redone on --resume."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=5)
    pool.shutdown(wait=True)  # the pool's own thread sees its workers gone and releases its queues


def _take(iterator: Iterator, n: int) -> list:
    out = []
    for _ in range(n):
        try:
            out.append(next(iterator))
        except StopIteration:
            break
    return out


# --- the output folder --------------------------------------------------------------------------


def check_output(out: Path, spec: SweepSpec, resume: bool) -> str:
    """What ``out`` holds for this sweep: 'new', 'partial' or 'finished'; refuse anything else.

    Nothing is left here (the writability probe is removed), so a refusal leaves the disk as it was.
    """
    check_writable(out)
    if not out.exists() or (out.is_dir() and is_empty(out)):
        return "new"
    if not out.is_dir():
        raise ScenarioError("--out", str(out), "an existing file", "a new or empty folder, or a sweep's own folder")
    plan_path = out / PLAN
    if not plan_path.is_file():
        raise ScenarioError(
            "--out",
            str(out),
            "a non-empty folder that holds no sweep",
            "a new or empty folder (nothing is overwritten)",
        )
    try:
        plan = json.loads(plan_path.read_text())
    except (OSError, ValueError):  # ValueError: not UTF-8, or not JSON
        plan = None
    if not isinstance(plan, dict):  # a list or a number is no plan either
        raise ScenarioError("--out", str(out), f"an unreadable {PLAN}", "a folder written by `ceasefire sweep`")
    if plan.get("identity") != spec.identity():
        other = plan.get("sweep", {}).get("name", "?")
        raise ScenarioError(
            "--out",
            str(out),
            f"a folder that holds another sweep ({other!r}, id {plan.get('identity')}; this one is id {spec.identity()})",
            "a new or empty folder; --resume only continues the same sweep file with the same values",
        )
    finished = (out / MANIFEST).is_file()
    if not resume:
        state = "a finished" if finished else "an unfinished"
        hint = (
            "another --out (results are never overwritten)" if finished else "--resume to finish it, or another --out"
        )
        raise ScenarioError("--out", str(out), f"a folder that holds {state} run of this sweep", hint)
    return "finished" if finished else "partial"


def start_output(out: Path, spec: SweepSpec, chunk_size: int, points_per_chunk: int = 1) -> None:
    """Create ``out`` with its plan (the sweep's identity and chunking)."""
    (out / CHUNKS).mkdir(parents=True, exist_ok=True)
    plan = {
        "identity": spec.identity(),
        "sweep": spec.resolved(),
        "chunk_size": chunk_size,
        "points_per_chunk": points_per_chunk,
    }
    write_atomic(out / PLAN, json.dumps(plan, indent=2, default=str).encode())


def read_plan(out: Path) -> dict:
    return json.loads((out / PLAN).read_text())


def finished_chunks(out: Path, chunks: Iterable[Chunk] = (), stride: int = 0) -> set[str]:
    """Names of the planned chunks whose files are whole and are what their names say.

    A resumed sweep must not trust the disk: a chunk may be truncated or empty (a crash
    before the data reached it), or hold another chunk's rows (copied by hand). Each chunk
    of ``chunks`` found on disk is checked against the record written beside it
    (:func:`verify_chunk`); a bad one is removed, with one line on stderr, and so runs
    again. Stale temporaries of a killed run are removed too.
    """
    folder = out / CHUNKS
    for tmp in folder.glob(".*.tmp"):
        tmp.unlink(missing_ok=True)
    good = set()
    for chunk in chunks:
        path = folder / chunk.name
        record = _record_path(path)
        if not path.exists() and not record.exists():
            continue
        problem = verify_chunk(path, chunk, stride)
        if problem is None:
            good.add(chunk.name)
            continue
        path.unlink(missing_ok=True)
        record.unlink(missing_ok=True)
        print(f"ceasefire: warning: {path}: {problem}; removed, it runs again", file=sys.stderr)
    return good


def _record_path(path: Path) -> Path:
    """The small JSON written beside a chunk file: its sha256, row count, points and replicates."""
    return path.with_name(path.name + ".json")


def expected_ids(chunk: Chunk, stride: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``point`` and ``replicate`` columns a chunk must hold, row by row."""
    per_point = np.arange(chunk.start, chunk.stop, dtype=np.int64)
    points = np.arange(chunk.point, chunk.point + chunk.points, dtype=np.int64)
    ids = (points[:, None] * stride + per_point[None, :]).ravel()
    return np.repeat(points, len(per_point)), ids


def verify_chunk(path: Path, chunk: Chunk, stride: int) -> str | None:
    """Why the chunk file at ``path`` cannot be used (None if it can).

    The sha256 of the bytes must be the one recorded when the chunk was written (so a
    truncated, empty, overwritten or random file is caught), and the rows must be the
    chunk's: its points and replicate range, in order, one row each.
    """
    record_path = _record_path(path)
    if not path.is_file():
        return "a record without its chunk file"
    try:
        record = json.loads(record_path.read_text())
    except (OSError, ValueError):
        return "no readable checksum record beside it (written by a run killed mid-write, or not by this sweep)"
    data = path.read_bytes()
    if not isinstance(record, dict) or record.get("sha256") != hashlib.sha256(data).hexdigest():
        return "its sha256 is not the one recorded when it was written (truncated, emptied or overwritten)"
    try:
        table = pq.read_table(pa.BufferReader(data), columns=["point", "replicate"])
    except (pa.ArrowException, OSError, KeyError, ValueError) as exc:
        return f"not a readable chunk ({exc.__class__.__name__})"
    points, ids = expected_ids(chunk, stride)
    if table.num_rows != len(ids):
        return f"{table.num_rows:,} rows where its name says {len(ids):,}"
    if not np.array_equal(table.column("point").to_numpy(), points):
        return "rows of other design points than its name says"
    if not np.array_equal(table.column("replicate").to_numpy(), ids):
        return "another replicate range than its name says"
    return None


def write_chunk(out: Path, chunk: Chunk, rows: pd.DataFrame) -> None:
    """Write a chunk durably, then its checksum record; a resume trusts only the pair.

    The file is fsynced before the rename and the folder after it, so a power cut cannot
    leave a renamed but empty chunk; the record comes second, so a chunk without one is
    treated as unfinished.
    """
    sink = pa.BufferOutputStream()
    rows.to_parquet(sink, index=False)
    data = sink.getvalue().to_pybytes()
    path = out / CHUNKS / chunk.name
    _write_durably(path, data)
    record = {
        "sha256": hashlib.sha256(data).hexdigest(),
        "rows": len(rows),
        "point": chunk.point,
        "points": chunk.points,
        "start": chunk.start,
        "stop": chunk.stop,
    }
    _write_durably(_record_path(path), json.dumps(record).encode())


def _write_durably(path: Path, data: bytes) -> None:
    """Temporary file, fsync, rename, fsync of the folder: the file is whole on disk or absent."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def check_budget(spec: SweepSpec, chunk_size: int, packing: int, workers: int, held: int = 0) -> None:
    """Refuse a sweep that cannot fit in memory before its folder is made; warn before a long one.

    The largest scenario of the design counts (a swept horizon or tick changes the steps).
    """
    steps = [clock_steps(spec.scenario.data)]
    if any(name.startswith("clock.") for name in (*spec.parameters, *spec.fixed)):
        steps += [clock_steps(spec.point_scenario(p).data) for p in range(len(spec.points))]
    check_sweep(spec.path, len(spec.points), spec.replicates, max(steps), chunk_size, packing, workers, held)


# --- running ---------------------------------------------------------------------------------------


@dataclass
class SweepOutput:
    """What a finished ``run_sweep`` did."""

    out: Path
    chunks_total: int
    chunks_run: int
    replicates_run: int
    wall_seconds: float
    already_finished: bool = False


def run_sweep(
    spec: SweepSpec,
    out: Path,
    workers: int | None = None,
    backend: str = "local",
    scheduler: str | None = None,
    resume: bool = False,
    chunk_size: int | None = None,
    progress: bool = True,
    command: str = "",
    check: bool = True,
    cluster: DaskBackend | None = None,
) -> SweepOutput:
    """Run (or finish) ``spec`` into ``out``; see the module docstring for the files.

    Refusals (the folder, a --scheduler, Dask workers whose versions differ from this
    process's) come before anything is written. The folder is then locked, so a second run
    into it is refused instead of replacing its files.

    Unless ``check`` is false (the caller checked), a sweep that cannot fit in memory is
    refused before anything is written, and a long one warned about (:func:`check_budget`).
    ``cluster`` is an open Dask backend to run on (the caller closes it; a calibration runs
    all its sweeps on one); otherwise ``backend="dask"`` opens one for this sweep alone.
    """
    started = time.perf_counter()
    refuse_if_locked(out)
    state = check_output(out, spec, resume)
    if state == "finished":
        return SweepOutput(out, 0, 0, 0, 0.0, already_finished=True)
    workers = capped_workers(workers)
    if check:
        plan = read_plan(out) if state == "partial" else {}
        size = plan.get("chunk_size") or chunk_size or spec.chunk_size
        packing = plan.get("points_per_chunk") or points_per_chunk(spec, size, workers)
        check_budget(spec, size, packing, workers)
    own = None
    if backend == "dask" and cluster is None:
        DaskBackend.check(scheduler)
        cluster = own = DaskBackend(scheduler, workers)
    try:
        with folder_lock(out):
            state = check_output(out, spec, resume)  # again: another run may have moved it on before the lock
            if state == "finished":
                return SweepOutput(out, 0, 0, 0, 0.0, already_finished=True)
            dask = cluster if backend == "dask" else None
            return _run_locked(spec, out, state, workers, dask, chunk_size, progress, command, started)
    finally:
        if own is not None:
            own.close()


def _run_locked(
    spec: SweepSpec,
    out: Path,
    state: str,
    workers: int,
    dask: DaskBackend | None,
    chunk_size: int | None,
    progress: bool,
    command: str,
    started: float,
) -> SweepOutput:
    """The sweep itself, with ``out`` locked: run the missing chunks, then write the final files."""
    plan = read_plan(out) if state == "partial" else {}
    chunk_size = plan.get("chunk_size") or chunk_size or spec.chunk_size
    if state == "new":
        packing = points_per_chunk(spec, chunk_size, dask.n_workers if dask else workers)
        start_output(out, spec, chunk_size, packing)
    else:  # a resumed sweep keeps its first run's chunks, whatever runs it now
        packing = plan.get("points_per_chunk", 1)
    chunks = plan_chunks(len(spec.points), spec.replicates, chunk_size, packing)
    done = finished_chunks(out, chunks, spec.replicates if spec.independent_points else 0)
    todo = [c for c in chunks if c.name not in done]
    tasks = make_tasks(spec, todo)
    if dask is not None:
        results = dask.results(run_chunk, tasks)
    elif workers == 1:
        results = serial_results(tasks)
    else:
        results = local_results(tasks, workers)
    with contextlib.closing(results):  # an interrupted drain stops the workers before the error goes up
        worker_peak = _drain(results, out, spec, chunks, done, progress)
    execution = dask_execution(dask) if dask else {"backend": "local", "workers": workers, "scheduler": None}
    summaries = assemble(out, spec, chunks)
    wall = time.perf_counter() - started
    replicates_run = sum(c.size for c in todo)
    meta = manifest(
        spec,
        command,
        execution,
        chunk_size,
        packing,
        chunks,
        todo,
        wall,
        replicates_run,
        worker_peak,
        resumed=state == "partial",
    )
    write_atomic(out / "points.csv", summaries.to_csv(index=False).encode())
    write_atomic(out / MANIFEST, (json.dumps(meta, indent=2, default=str) + "\n").encode())
    return SweepOutput(out, len(chunks), len(todo), replicates_run, wall)


def dask_execution(dask: DaskBackend) -> dict:
    """How a Dask sweep ran: the workers that ran its chunks, each with its versions and chunk count."""
    return {
        "backend": "dask",
        "workers": len(dask.ran) or dask.n_workers,
        "scheduler": dask.label,
        "retries": RETRIES,
        "dask_workers": {address: dask.ran[address] for address in sorted(dask.ran)},
    }


def _drain(
    results: Iterator[tuple], out: Path, spec: SweepSpec, chunks: list[Chunk], done: set[str], progress: bool
) -> int:
    """Write each finished chunk as it arrives, with a progress bar; returns workers' peak memory (KiB).

    A chunk that arrives twice (a worker lost after it finished, its chunk run again) is
    written once: the second copy, the same rows, is dropped.
    """
    written: set[str] = set()
    left: dict[int, int] = {}
    for c in chunks:
        if c.name not in done:
            for p in c.point_ids:
                left[p] = left.get(p, 0) + 1
    n_points = len(spec.points)
    total = sum(c.size for c in chunks)
    initial = sum(c.size for c in chunks if c.name in done)
    peak = 0
    with tqdm(
        total=total,
        initial=initial,
        unit="rep",
        unit_scale=True,
        desc=spec.name,
        disable=not progress,
        file=sys.stderr,
        mininterval=0.5,
        smoothing=0.1,
    ) as bar:
        bar.set_postfix_str(f"points {n_points - len(left)}/{n_points}")
        for chunk, rows, rss in results:
            if chunk.name in written:
                continue
            written.add(chunk.name)
            write_chunk(out, chunk, rows)
            peak = max(peak, rss)
            for p in chunk.point_ids:
                left[p] -= 1
                if not left[p]:
                    del left[p]
            bar.update(chunk.size)
            bar.set_postfix_str(f"points {n_points - len(left)}/{n_points}", refresh=False)
    return peak


# --- assembling the final files ----------------------------------------------------------------------


def assemble(out: Path, spec: SweepSpec, chunks: list[Chunk]) -> pd.DataFrame:
    """Stream the chunk files, in order, into ``runs.parquet``; return the per-point summaries.

    Memory holds one chunk plus the summary columns of the points it has not finished.
    """
    names = spec.parameter_names
    remaining: dict[int, int] = {}
    for c in chunks:
        for p in c.point_ids:
            remaining[p] = remaining.get(p, 0) + 1
    # Each swept column as a NumPy array indexed by point id (text stays text, whole numbers whole).
    columns = {name: spec.points[name].to_numpy() for name in names}
    # Column by column: a row Series would upcast whole numbers (point ids) to floats.
    listed = {name: spec.points[name].tolist() for name in spec.points.columns}
    design = [{name: listed[name][i] for name in listed} for i in range(len(spec.points))]
    parts: dict[int, list[pd.DataFrame]] = {}
    summaries = []
    writer: pq.ParquetWriter | None = None
    tmp = out / f".runs.parquet.{os.getpid()}.tmp"
    try:
        for c in chunks:
            table = pq.read_table(out / CHUNKS / c.name)
            point = table.column("point").to_numpy()
            for j, name in enumerate(names):
                table = table.add_column(1 + j, name, pa.array(columns[name][point]))
            if writer is None:
                writer = pq.ParquetWriter(tmp, table.schema)
            writer.write_table(table.replace_schema_metadata(writer.schema.metadata))
            rows = table.select(SUMMARY_COLUMNS).to_pandas()
            order = np.argsort(point, kind="stable")
            ids, starts = np.unique(point[order], return_index=True)
            for p, rows_of_p in zip(ids, np.split(order, starts[1:]), strict=True):
                parts.setdefault(int(p), []).append(rows.iloc[rows_of_p])
            for p in c.point_ids:
                remaining[p] -= 1
                if not remaining[p]:
                    done = parts.pop(p)
                    rows = done[0] if len(done) == 1 else pd.concat(done, ignore_index=True)
                    summaries.append(_summarise(spec, p, rows, design[p]))
        if writer is not None:
            writer.close()
            writer = None
        os.replace(tmp, out / "runs.parquet")
    finally:
        if writer is not None:
            writer.close()
        tmp.unlink(missing_ok=True)
    return pd.DataFrame(summaries)


def _summarise(spec: SweepSpec, point: int, rows: pd.DataFrame, values: dict[str, Any]) -> dict[str, Any]:
    """One row of ``points.csv``: the point's design values, its horizon and its summary."""
    swept = "clock.horizon_days" in spec.parameters or "clock.horizon_days" in spec.fixed
    horizon = spec.point_scenario(point).data["clock"]["horizon_days"] if swept else spec.scenario.data["clock"]["horizon_days"]
    return {**values, "horizon_days": horizon, **point_summary(rows, horizon)}


def _native(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


SUMMARY_COLUMNS = ["outcome", "day_first_agreement", "day_walk_away", "civilian_harm_ukraine", "civilian_harm_russia"]


def point_summary(rows: pd.DataFrame, horizon: float) -> dict[str, Any]:
    """n, share of each outcome class with its 95% Wilson interval, KM medians, mean harm."""
    n = len(rows)
    outcome = rows["outcome"]
    if isinstance(outcome.dtype, pd.CategoricalDtype) and list(outcome.cat.categories) == list(OUTCOMES):
        codes = outcome.cat.codes.to_numpy()  # as written by the model: no strings to compare
    else:
        codes = pd.Categorical(outcome, categories=OUTCOMES).codes
    counts = np.bincount(codes[codes >= 0], minlength=len(OUTCOMES))
    low, high = wilson_interval(counts, n)
    out: dict[str, Any] = {"n": n}
    for i, name in enumerate(OUTCOMES):
        out[f"share_{name}"] = counts[i] / n
        out[f"low_{name}"] = low[i]
        out[f"high_{name}"] = high[i]
    out["km_median_day_first_agreement"] = km_median(rows["day_first_agreement"].to_numpy(), horizon)
    out["km_median_day_walk_away"] = km_median(rows["day_walk_away"].to_numpy(), horizon)
    out["mean_civilian_harm_ukraine"] = float(rows["civilian_harm_ukraine"].mean())
    out["mean_civilian_harm_russia"] = float(rows["civilian_harm_russia"].mean())
    return out


def manifest(
    spec: SweepSpec,
    command: str,
    execution: dict,
    chunk_size: int,
    packing: int,
    chunks: list[Chunk],
    todo: list[Chunk],
    wall: float,
    replicates_run: int,
    worker_peak_kib: int,
    resumed: bool,
) -> dict:
    """Everything needed to rerun the sweep and to judge how it ran."""
    extra = {}
    if execution["backend"] == "dask":
        import dask

        extra["dask"] = dask.__version__
    main_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "command": command,
        "identity": spec.identity(),
        "sweep": spec.resolved(),
        "seed": spec.seed,
        "replicates_total": len(spec.points) * spec.replicates,
        "versions": {**checked_versions(), **extra},
        "execution": execution,
        "chunking": {
            "chunk_size": chunk_size,
            "points_per_chunk": packing,
            "chunks": len(chunks),
            "chunks_run_this_session": len(todo),
            "resumed": resumed,
        },
        "wall_seconds": round(wall, 3),
        "replicates_per_second_this_session": round(replicates_run / wall, 1) if wall > 0 else None,
        "peak_memory_mib": {"main": round(main_peak / 1024, 1), "largest_worker": round(worker_peak_kib / 1024, 1)},
        "scenario": spec.scenario.to_dict(),
        "files": ["runs.parquet", "points.csv", "manifest.json", f"{PLAN}", f"{CHUNKS}/"],
    }


# --- the command ---------------------------------------------------------------------------------------


def check_backend_options(args) -> None:
    """``--scheduler`` only with ``--backend dask`` (sweep and calibrate share these options)."""
    if args.scheduler and args.backend != "dask":
        raise ScenarioError("--scheduler", args.scheduler, "a scheduler address with --backend local", "--backend dask")


def command_line() -> str:
    """The command as typed, for manifests (so a run can be repeated)."""
    import shlex

    return "ceasefire " + " ".join(shlex.quote(a) for a in sys.argv[1:])


def cmd_sweep(args) -> int:
    """``ceasefire sweep FILE``: run a sweep file, or finish it with ``--resume``."""
    from .screening import sobol_design_advice, warn
    from .sweep import load_sweep

    check_backend_options(args)
    seed = getattr(args, "seed", None)
    spec = load_sweep(args.file, ensemble=args.ensemble, seed=seed)
    warn(sobol_design_advice(spec))  # before the work: a Sobol sample too small for usable intervals
    out = args.out or Path("results") / (spec.name if seed is None else f"{spec.name}-seed{seed}")
    command = command_line()
    result = run_sweep(
        spec,
        out,
        workers=args.workers,
        backend=args.backend,
        scheduler=args.scheduler,
        resume=args.resume,
        chunk_size=args.chunk_size,
        progress=not args.quiet,
        command=command,
    )
    if result.already_finished:
        print(f"{out}/ already holds the finished sweep {spec.name!r}; nothing to do.")
        return 0
    rate = result.replicates_run / result.wall_seconds if result.wall_seconds else 0.0
    resumed = (
        f" ({result.chunks_total - result.chunks_run} chunks were already done)"
        if result.chunks_run < result.chunks_total
        else ""
    )
    ensemble = spec.scenario.ensemble
    if ensemble is not None:
        print(
            f"Ensemble {ensemble.file}: {ensemble.n_sets:,} calibrated sets; "
            f"replicate k of every point takes set k mod {ensemble.n_sets:,}"
        )
    print(
        f"Sweep {spec.name!r}: {len(spec.points):,} points x {spec.replicates:,} replicates, design {spec.design}, "
        f"seed {spec.seed}\nRan {result.chunks_run} of {result.chunks_total} chunks{resumed}: "
        f"{result.replicates_run:,} replicates in {result.wall_seconds:.1f} s ({rate:,.0f} replicates/s)"
    )
    print(
        f"Wrote {out}/ (runs.parquet, points.csv, manifest.json); load with pandas.read_parquet('{out}/runs.parquet')"
    )
    return 0

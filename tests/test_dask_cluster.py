"""Dask sweeps on a cluster that changes while they run: workers join and leave, die, or differ.

Each cluster test starts its own scheduler on 127.0.0.1 (a LocalCluster of worker processes) and
runs ``ceasefire sweep --backend dask --scheduler ADDRESS`` as a separate process, as a user
would, while the test scales the cluster, kills a worker or adds one with another version.
Rows are compared with a serial run of the same sweep.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest
from conftest import SMALL_GRID

from sim.experiments.sweep import load_sweep
from sim.experiments.sweep_run import run_sweep

pytest.importorskip("distributed")

#: 4 points x 120 replicates in chunks of 10: 48 chunks of about 0.15 s, enough to act mid-sweep.
REPLICATES = 120
CHUNK = 10
CHUNKS = 4 * REPLICATES // CHUNK


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> tuple[Path, pd.DataFrame]:
    """The sweep file, and the rows of a serial run of it (one chunk per point, no Dask)."""
    folder = tmp_path_factory.mktemp("dask-cluster")
    file = folder / "sweep.toml"
    file.write_text(SMALL_GRID.format(replicates=REPLICATES))
    run_sweep(load_sweep(file), folder / "serial", workers=1, chunk_size=REPLICATES, progress=False)
    return file, pd.read_parquet(folder / "serial" / "runs.parquet")


@contextmanager
def cluster(n_workers: int) -> Iterator[tuple]:
    """A scheduler on 127.0.0.1 with ``n_workers`` single-threaded worker processes, and a client of it."""
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=True,
            protocol="tcp://",
            host="127.0.0.1",
            dashboard_address=None,
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},  # its HTTP server: not on 8787
        ) as local,
        Client(local) as client,
    ):
        yield local, client


def start_sweep(file: Path, out: Path, address: str, *extra: str, chunk: int = CHUNK) -> subprocess.Popen:
    command = [sys.executable, "-m", "sim.cli", "sweep", str(file), "--out", str(out), "--quiet"]
    return subprocess.Popen(
        [*command, "--backend", "dask", "--scheduler", address, "--chunk-size", str(chunk), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def chunk_files(out: Path) -> list[str]:
    return sorted(p.name for p in (out / "chunks").glob("*.parquet"))


def wait_for_chunks(out: Path, n: int, proc: subprocess.Popen) -> None:
    """Return once the sweep has written ``n`` chunks; it must still be running then."""
    deadline = time.monotonic() + 120
    while len(chunk_files(out)) < n:
        assert proc.poll() is None, proc.communicate()[1]
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert proc.poll() is None, "the sweep ended before the test could act"


def finish(proc: subprocess.Popen) -> str:
    """Wait for the sweep; it must succeed. Returns its stderr."""
    _, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, err
    return err


def rows(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out / "runs.parquet")


def dask_workers(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text())["execution"]["dask_workers"]


def busy_workers(client) -> int:
    """Workers that hold a chunk to run now."""
    return sum(1 for keys in client.processing().values() if keys)


def workers_that_delivered_a_chunk(client) -> set[str]:
    """Workers that ran a chunk which the sweep has since received (the scheduler forgot it)."""
    known = set(client.run_on_scheduler(lambda dask_scheduler: list(dask_scheduler.tasks)))
    return {record["worker"] for record in client.get_task_stream() if record["key"] not in known}


@pytest.mark.slow
def test_a_sweep_started_on_one_worker_uses_every_worker_added_and_survives_a_scale_down(sweep, tmp_path):
    file, serial = sweep
    out = tmp_path / "elastic"
    with cluster(1) as (local, client):
        client.get_task_stream()  # the scheduler records, from now on, which worker ran each chunk
        proc = start_sweep(file, out, local.scheduler_address)
        wait_for_chunks(out, 1, proc)  # running, on one worker
        local.scale(4)
        busiest = 0  # the most workers holding chunks at one moment
        while (busiest < 4 or len(workers_that_delivered_a_chunk(client)) < 4) and proc.poll() is None:
            busiest = max(busiest, busy_workers(client))
            time.sleep(0.02)
        local.scale(2)  # two workers leave mid-sweep, with the chunks they hold
        finish(proc)
    assert busiest == 4  # a window fixed at the start (2 chunks for 1 worker) keeps 2 workers busy at most
    ran = dask_workers(out)
    assert len(ran) == 4 and sum(w["chunks"] for w in ran.values()) == CHUNKS  # each chunk once
    pd.testing.assert_frame_equal(rows(out), serial, check_exact=True)


@pytest.mark.slow
def test_a_worker_killed_mid_sweep_costs_no_row(sweep, tmp_path):
    file, serial = sweep
    out = tmp_path / "killed"
    with cluster(2) as (local, client):
        pids = client.run(os.getpid)
        proc = start_sweep(file, out, local.scheduler_address, chunk=2 * CHUNK)  # fewer chunks: only one needs to die
        wait_for_chunks(out, 3, proc)
        victim = None
        while victim is None:  # a worker with a chunk in hand at the moment it dies
            assert proc.poll() is None, "the sweep ended before a worker could be killed"
            victim = next((w for w, keys in client.processing().items() if keys), None)
            time.sleep(0.01)
        os.kill(pids[victim], signal.SIGKILL)
        finish(proc)
    assert sum(w["chunks"] for w in dask_workers(out).values()) == CHUNKS // 2
    pd.testing.assert_frame_equal(rows(out), serial, check_exact=True)


OTHER_VERSION = '''"""Preloaded in a test worker: it reports another version of ceasefire-sim than the client."""
import sim

sim.__version__ = "0.0.0+other"
'''


def start_worker(address: str, preload: Path) -> subprocess.Popen:
    """A ``dask worker`` process named 'odd' that runs ``preload`` before it joins ``address``."""
    command = [sys.executable, "-m", "distributed.cli.dask_worker", address, "--name", "odd", "--no-nanny"]
    return subprocess.Popen(
        [*command, "--nthreads", "1", "--host", "127.0.0.1", "--no-dashboard", "--preload", str(preload)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.mark.slow
def test_a_worker_with_another_version_is_refused_and_the_sweep_resumes_without_it(sweep, tmp_path):
    from sim import __version__

    file, serial = sweep
    out = tmp_path / "mixed"
    preload = tmp_path / "other_version.py"
    preload.write_text(OTHER_VERSION)
    with cluster(1) as (local, client):
        address = local.scheduler_address
        proc = start_sweep(file, out, address)
        wait_for_chunks(out, 1, proc)
        odd = start_worker(address, preload)  # joins mid-sweep
        try:
            _, err = proc.communicate(timeout=180)
            assert proc.returncode == 2
            odd_address = next(a for a, w in client.scheduler_info()["workers"].items() if w["name"] == "odd")
            message = (
                f"ceasefire: error: --scheduler: {address}: found worker {odd_address} running ceasefire-sim "
                f"0.0.0+other where the client has {__version__}; allowed: workers with the client's versions of "
                "ceasefire-sim, python, mesa, numpy, pandas, scipy, pyarrow (install the same on every node, "
                "then run again, with --resume if the sweep had started)\n"
            )
            assert err == message
            assert not (out / "manifest.json").exists()
            written = chunk_files(out)
            assert 0 < len(written) < CHUNKS
            # With the odd worker still there, a resume is refused before it runs or writes anything.
            again = start_sweep(file, out, address, "--resume")
            assert again.communicate(timeout=120)[1] == message and again.returncode == 2
            assert chunk_files(out) == written
        finally:
            odd.terminate()
            odd.wait(timeout=30)
    # The folder is left to finish: here serially, on a machine with the client's versions.
    run_sweep(load_sweep(file), out, workers=1, resume=True, progress=False)
    pd.testing.assert_frame_equal(rows(out), serial, check_exact=True)


def fails_the_first_time(task, marks: Path):
    """A chunk that raises on its first try (a flaky node, say) and runs on the next."""
    from sim.experiments.sweep_run import run_chunk

    mark = marks / task.chunk.name
    if not mark.exists():
        mark.touch()
        raise OSError("a flaky node")
    return run_chunk(task)


@pytest.mark.slow
def test_a_chunk_that_fails_is_retried_and_gives_the_same_rows(sweep, tmp_path, monkeypatch):
    import functools

    import cloudpickle

    from sim.experiments import sweep_run

    file, serial = sweep
    marks = tmp_path / "tried"
    marks.mkdir()
    monkeypatch.setattr(sweep_run, "run_chunk", functools.partial(fails_the_first_time, marks=marks))
    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the workers cannot import this file
    try:
        with cluster(1) as (local, _):
            spec = load_sweep(file)
            run_sweep(
                spec, tmp_path / "out", backend="dask", scheduler=local.scheduler_address, chunk_size=40, progress=False
            )
    finally:
        cloudpickle.unregister_pickle_by_value(sys.modules[__name__])
    assert len(list(marks.iterdir())) == 4 * REPLICATES // 40  # every chunk failed once
    pd.testing.assert_frame_equal(rows(tmp_path / "out"), serial, check_exact=True)


def test_a_tls_scheduler_without_usable_credentials_is_refused_before_connecting(tmp_path):
    import dask

    from sim.errors import ScenarioError
    from sim.experiments.dask_backend import check_scheduler

    keys = ["distributed.comm.tls.ca-file", "distributed.comm.tls.client.cert", "distributed.comm.tls.client.key"]
    address = "tls://127.0.0.1:9"  # nothing listens there: a refusal that connected would say so instead
    with dask.config.set(dict.fromkeys(keys)), pytest.raises(ScenarioError) as refused:
        check_scheduler(address)
    assert (refused.value.source, refused.value.path) == ("--scheduler", address)
    assert refused.value.found == "a tls:// address but no TLS credentials"
    assert "DASK_DISTRIBUTED__COMM__TLS__CA_FILE" in refused.value.allowed
    missing = tmp_path / "ca.pem"
    with dask.config.set({keys[0]: str(missing)}), pytest.raises(ScenarioError) as refused:
        check_scheduler(address)
    assert refused.value.found == f"distributed.comm.tls.ca-file = {missing}, which is no file"
    not_pem = tmp_path / "not.pem"
    not_pem.write_text("not a certificate")
    with dask.config.set(dict.fromkeys(keys, str(not_pem))), pytest.raises(ScenarioError) as refused:
        check_scheduler(address)
    assert refused.value.found.startswith("TLS credentials that cannot be read (SSLError")


@pytest.mark.slow
def test_an_adaptive_cluster_with_no_worker_grows_for_a_sweep(sweep, tmp_path):
    """`adapt(minimum=0)` with Dask's default settings: the queued chunks are the demand it scales up to.

    With only two chunks per worker submitted, the cluster saw too little waiting work and ran
    every chunk on its first worker.
    """
    file, serial = sweep
    out = tmp_path / "adaptive"
    with cluster(0) as (local, _):
        local.adapt(minimum=0, maximum=3)
        finish(start_sweep(file, out, local.scheduler_address))
    ran = dask_workers(out)
    assert len(ran) >= 2 and sum(w["chunks"] for w in ran.values()) == CHUNKS
    pd.testing.assert_frame_equal(rows(out), serial, check_exact=True)

"""Processes of a sweep: none outlives the command, SIGTERM and SIGHUP are Ctrl-C, --workers is capped."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from conftest import SMALL_GRID

from sim.cli import main
from sim.experiments.processes import available_cores, capped_workers
from sim.experiments.sweep import load_sweep
from sim.experiments.sweep_run import run_sweep


def grid(folder: Path, replicates: int) -> Path:
    path = folder / "sweep.toml"
    path.write_text(SMALL_GRID.format(replicates=replicates))
    return path


def session_members(sid: int) -> list[int]:
    """Live processes of session ``sid`` (zombies are dead: they hold no memory and run nothing)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getsid(int(entry.name)) != sid:
                continue
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state != "Z":
            members.append(int(entry.name))
    return members


def start_sweep(file: Path, out: Path, *extra: str, chunks_before_kill: int = 3) -> subprocess.Popen:
    """A real `ceasefire sweep --workers 2` in its own session, returned once it has written some chunks."""
    command = [sys.executable, "-m", "sim.cli", "sweep", str(file), "--out", str(out), "--workers", "2"]
    proc = subprocess.Popen(
        [*command, "--chunk-size", "60", "--quiet", *extra],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while len(list((out / "chunks").glob("*.parquet"))) < chunks_before_kill:
        assert proc.poll() is None, "the sweep ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert len(session_members(proc.pid)) >= 3  # the command, the fork server and the workers
    return proc


def wait_for_no_members(sid: int, seconds: float = 5.0) -> list[int]:
    deadline = time.monotonic() + seconds
    while (left := session_members(sid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["local", "dask"])
def test_sigkill_of_a_sweep_leaves_no_worker_behind(backend, tmp_path):
    if backend == "dask":
        pytest.importorskip("distributed")
    proc = start_sweep(grid(tmp_path, 3000), tmp_path / "killed", "--backend", backend)
    os.kill(proc.pid, signal.SIGKILL)  # the command only: its workers must notice by themselves
    proc.wait()
    assert wait_for_no_members(proc.pid) == []


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_sigterm_or_sighup_stops_a_sweep_like_ctrl_c_and_resume_finishes_it(signum, tmp_path):
    file = grid(tmp_path, 1200)
    killed = tmp_path / "killed"
    proc = start_sweep(file, killed)
    os.kill(proc.pid, signum)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert err.strip() == "ceasefire: interrupted"
    assert wait_for_no_members(proc.pid) == []
    assert not (killed / "manifest.json").exists()

    assert main(["sweep", str(file), "--out", str(killed), "--resume", "--quiet"]) == 0
    run_sweep(load_sweep(file), tmp_path / "whole", workers=1, chunk_size=5000, progress=False)
    for name in ("runs.parquet", "points.csv"):
        read = pd.read_parquet if name.endswith("parquet") else pd.read_csv
        pd.testing.assert_frame_equal(read(killed / name), read(tmp_path / "whole" / name))


def test_more_workers_than_cores_are_capped_with_one_note(capsys):
    cores = available_cores()
    assert capped_workers(cores + 998) == cores
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"--workers {cores + 998}" in err and f"using {cores}" in err
    assert capped_workers(1) == 1 and capped_workers(None) == cores
    assert capsys.readouterr().err == ""


@pytest.mark.slow
def test_a_sweep_with_too_many_workers_says_so_once_and_runs(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["sweep", str(grid(tmp_path, 20)), "--workers", "1000", "--out", str(out), "--quiet"]) == 0
    err = capsys.readouterr().err
    assert err.count("--workers 1000") == 1
    import json

    assert json.loads((out / "manifest.json").read_text())["execution"]["workers"] == available_cores()


# --- Dask: a --scheduler that is not one, and a LocalCluster no one else can use ----------------------


@pytest.fixture
def http_server():
    """An HTTP server on loopback: answers, but not in Dask's protocol."""
    import http.server
    import threading

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"tcp://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def silent_listener():
    """A TCP listener on loopback that accepts connections (the kernel does) and never says a word."""
    import socket

    with socket.create_server(("127.0.0.1", 0)) as sock:
        yield f"127.0.0.1:{sock.getsockname()[1]}"


@pytest.mark.slow
@pytest.mark.parametrize("server", ["http_server", "silent_listener"])
def test_a_scheduler_that_is_not_dask_is_refused_with_one_message(server, request, tmp_path):
    pytest.importorskip("distributed")
    address = request.getfixturevalue(server)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "sim.cli", "sweep", str(grid(tmp_path, 20)), "--out", str(out)]
    # The timeout only keeps a regression from hanging the suite: the refusal itself comes in seconds.
    done = subprocess.run(
        [*command, "--backend", "dask", "--scheduler", address], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"ceasefire: error: --scheduler: {address}: found no Dask scheduler answering")
    assert not out.exists()


@pytest.mark.slow
def test_the_local_dask_cluster_takes_only_its_own_tls_clients_and_serves_no_http():
    pytest.importorskip("distributed")
    pytest.importorskip("cryptography")
    import http.client

    import psutil
    from distributed import Client
    from distributed.security import Security

    from sim.experiments.sweep_run import DaskBackend

    backend = DaskBackend(None, 2)
    try:
        assert backend.address.startswith("tls://127.0.0.1:")
        assert backend.n_workers == 2
        plain = backend.address.replace("tls://", "tcp://")
        for address, security in ((plain, None), (backend.address, Security.temporary())):
            with pytest.raises(Exception):  # noqa: B017 - refused, however Dask words it
                Client(address, security=security, timeout="3s")
        me = psutil.Process()
        ports = {
            c.laddr.port
            for p in [me, *me.children(recursive=True)]
            for c in p.net_connections(kind="inet")
            if c.status == psutil.CONN_LISTEN
        }
        assert 8787 not in ports and len(ports) >= 3  # the scheduler, and each worker and nanny
        for port in ports:  # every port is TLS or closed to HTTP: no page is served
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            with pytest.raises((OSError, http.client.HTTPException)):
                conn.request("GET", "/health")
                conn.getresponse()
            conn.close()
    finally:
        backend.close()


# --- one run at a time in a folder ------------------------------------------------------------------------


def hold_lock(folder: Path) -> subprocess.Popen:
    """Another process that holds ``folder``'s lock, as a running sweep does, until it is ended."""
    code = (
        "import sys; from pathlib import Path; from sim.experiments.files import folder_lock\n"
        "with folder_lock(Path(sys.argv[1])):\n    print('held', flush=True); sys.stdin.read()"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(folder)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "held"
    return proc


def release(proc: subprocess.Popen) -> None:
    proc.stdin.close()
    assert proc.wait(timeout=30) == 0


@pytest.mark.slow
def test_a_second_run_into_a_folder_being_written_is_refused_and_changes_nothing(tmp_path, capsys):
    file = grid(tmp_path, 20)
    out = tmp_path / "out"
    holder = hold_lock(out)
    try:
        for extra in ([], ["--resume"]):
            assert main(["sweep", str(file), "--out", str(out), "--quiet", *extra]) == 2
            err = capsys.readouterr().err
            assert err == f"ceasefire: error: --out: {out}: found that another ceasefire process is writing {out}; " \
                "allowed: wait for it to end (then --resume if it was interrupted), or another --out\n"
        assert [p.name for p in out.iterdir()] == [".ceasefire.lock"]
    finally:
        release(holder)
    # The lock goes with the process that held it: a folder holding only the lock file is a new folder.
    assert main(["sweep", str(file), "--out", str(out), "--quiet"]) == 0
    assert (out / "manifest.json").is_file()


@pytest.mark.slow
def test_a_second_resume_of_an_interrupted_sweep_is_refused_while_the_first_writes(tmp_path, capsys):
    file = grid(tmp_path, 20)
    out = tmp_path / "out"
    assert main(["sweep", str(file), "--out", str(out), "--quiet"]) == 0
    (out / "manifest.json").unlink()  # as if interrupted before its last file
    holder = hold_lock(out)
    try:
        assert main(["sweep", str(file), "--out", str(out), "--quiet", "--resume"]) == 2
        assert "another ceasefire process is writing" in capsys.readouterr().err
        assert not (out / "manifest.json").exists()
    finally:
        release(holder)
    assert main(["sweep", str(file), "--out", str(out), "--quiet", "--resume"]) == 0
    assert (out / "manifest.json").is_file()


@pytest.mark.slow
def test_a_calibration_folder_being_written_is_refused(tmp_path, capsys):
    out = tmp_path / "cal"
    holder = hold_lock(out)
    try:
        args = ["calibrate", "easter_2025", "--draws", "8", "--replicates-per-draw", "2", "--out", str(out), "--quiet"]
        assert main(args) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and f"another ceasefire process is writing {out}" in err
    finally:
        release(holder)


@pytest.mark.slow
def test_a_real_scheduler_passes_the_check_and_gives_the_same_rows(tmp_path, capsys):
    pytest.importorskip("distributed")
    from distributed import LocalCluster

    file = grid(tmp_path, 30)
    with LocalCluster(
        n_workers=1,
        processes=False,
        protocol="tcp://",
        host="127.0.0.1",
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},  # its HTTP server: not on 8787
    ) as cluster:
        args = ["--backend", "dask", "--scheduler", cluster.scheduler_address, "--quiet"]
        assert main(["sweep", str(file), "--out", str(tmp_path / "remote"), *args]) == 0
    run_sweep(load_sweep(file), tmp_path / "here", workers=1, progress=False)
    for name in ("runs.parquet", "points.csv"):
        read = pd.read_parquet if name.endswith("parquet") else pd.read_csv
        pd.testing.assert_frame_equal(read(tmp_path / "remote" / name), read(tmp_path / "here" / name))

"""The Dask backend of sweeps: a private LocalCluster, or a running scheduler; elastic and checked.

- Elastic: the number of chunks in flight is twice the worker threads present, recounted at
  least every ``POLL_SECONDS`` while chunks run, so workers that join mid-sweep (``scale``, an
  adaptive dask-jobqueue or dask-kubernetes cluster) get chunks at once, and a cluster that
  shrinks is not flooded. On a ``--scheduler`` cluster at least ``QUEUED`` chunks wait in the
  scheduler's queue, so that an adaptive cluster, which sizes itself from the work it sees
  waiting, grows (docs/sweeps.md).
- Safe: a chunk that raises is retried ``RETRIES`` times; a chunk whose worker dies or leaves
  is run again by the scheduler (up to ``distributed.scheduler.allowed-failures`` deaths).
  Either way its rows are the same, since they depend only on (seed, replicate).
- Checked: each worker's versions (:func:`checked_versions`) are compared with the client's
  when the sweep starts and again, on the worker, before each chunk runs there (so a worker
  that joins later is checked too); a worker that differs refuses the whole sweep, leaving its
  folder to ``--resume`` on a cluster that matches.

The functions to run are passed in (``results(fn, tasks)``), so this module knows nothing of
chunks or folders.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any

from sim.errors import ScenarioError

from .run import versions

__all__ = ["DaskBackend", "check_scheduler", "checked_versions", "private_cluster", "HANDSHAKE_SECONDS", "RETRIES"]

#: Seconds a --scheduler has to connect and answer Dask's handshake.
HANDSHAKE_SECONDS = 5
#: Times a chunk that raised is run again (on any worker) before the sweep stops with its error.
RETRIES = 3
#: Longest wait between two counts of the workers present (a scale-up is noticed within it).
POLL_SECONDS = 1.0
#: Chunks kept submitted on a ``--scheduler`` cluster however few workers it has yet: the
#: demand an adaptive cluster scales up to (its target is the queued work over its
#: ``target_duration``). Each is a small task description until a worker takes it.
QUEUED = 32


def checked_versions() -> dict[str, str]:
    """Versions that decide a chunk's rows, which every worker must share with the client.

    The ones :func:`sim.experiments.run.versions` reports (this package, Python, Mesa, NumPy,
    pandas), and SciPy and PyArrow. Read afresh at each call, in whatever process calls it.
    """
    import pyarrow
    import scipy

    return {**versions(), "scipy": scipy.__version__, "pyarrow": pyarrow.__version__}


def differences(found: dict[str, str], expected: dict[str, str]) -> list[str]:
    """``"numpy 1.26.4 where the client has 2.1.0"`` for each package whose version differs."""
    return [
        f"{name} {found.get(name, 'missing')} where the client has {version}"
        for name, version in expected.items()
        if found.get(name) != version
    ]


def run_checked(fn: Callable[[Any], Any], task: Any, expected: dict[str, str]) -> tuple[str, dict, Any]:
    """Run on a worker: ``fn(task)``, unless this worker's versions differ from the client's.

    Returns the worker's address, its versions, and the result (None, the task not run, on a
    mismatch). A mismatch is a value, not an error, so that ``retries`` cannot move the task
    to another worker and let the sweep succeed without saying so.
    """
    from distributed import get_worker

    found = checked_versions()
    address = get_worker().address
    return address, found, fn(task) if not differences(found, expected) else None


class DaskBackend:
    """A Dask client: a fresh private ``LocalCluster``, or an existing scheduler at ``address``."""

    @staticmethod
    def check(address: str | None) -> None:
        """Refuse, before anything is written, a missing dask.distributed or a --scheduler that is none."""
        try:
            import dask.distributed  # noqa: F401
        except ImportError:
            raise ScenarioError(
                "--backend", "dask", "dask.distributed is not installed", "pip install 'ceasefire-sim[dask]'"
            ) from None
        if address is not None:
            check_scheduler(address)

    def __init__(self, address: str | None, workers: int) -> None:
        """Connect to ``address`` (checked with ``check`` first) or start a private LocalCluster.

        Workers whose versions differ from this process's are refused here, before any work.
        """
        from dask.distributed import Client, LocalCluster

        self.cluster = None
        if address is None:
            self.cluster, self.client = private_cluster(LocalCluster, Client, workers)
        else:
            try:
                self.client = Client(address, timeout=f"{HANDSHAKE_SECONDS}s")
            except (OSError, TimeoutError, ValueError) as exc:
                raise _no_scheduler(address, exc) from None
        self.address = self.client.scheduler.address
        self.label = address or "LocalCluster"
        #: The workers that ran chunks in the last ``results``: address -> {"versions", "chunks"}.
        self.ran: dict[str, dict[str, Any]] = {}
        self._threads, self._counted = 0, float("-inf")
        try:
            self.check_versions()
        except BaseException:
            self.close()
            raise

    @property
    def n_workers(self) -> int:
        return max(1, len(self.client.nthreads()))

    def check_versions(self) -> None:
        """Refuse the workers present now if any runs other versions than this process."""
        expected = checked_versions()
        found = self.client.run(checked_versions, on_error="ignore")  # a worker leaving now is no answer
        for address in sorted(found):
            self._refuse_if_different(address, found[address], expected)

    def in_flight(self) -> int:
        """Chunks to keep submitted: two per worker thread present (recounted at most every POLL_SECONDS).

        On a ``--scheduler`` cluster at least ``QUEUED`` too: an adaptive cluster (dask-jobqueue,
        dask-kubernetes) asks for workers in proportion to the work it sees waiting, so with
        only two chunks per worker it would never grow past its first worker. The scheduler
        holds the extra chunks in its own queue and hands them to workers as they free up or join.
        """
        now = time.monotonic()
        if now - self._counted >= POLL_SECONDS:
            self._threads = sum(self.client.nthreads().values())
            self._counted = now
        queued = QUEUED if self.cluster is None else 0
        return max(1, 2 * self._threads, queued)

    def results(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        """``fn(task)`` for each task, yielded as they finish, with ``in_flight()`` submitted at a time.

        A worker whose versions differ from this process's stops the sweep with one
        ScenarioError; the chunks still running are cancelled. Records ``ran``.
        """
        from distributed import wait

        tasks = iter(tasks)
        expected = checked_versions()
        self.ran = {}
        running: set = set()
        try:
            while True:
                room = self.in_flight() - len(running)
                running |= {self._submit(fn, t, expected) for t in islice(tasks, max(0, room))}
                if not running:
                    return
                try:
                    done, running = wait(running, timeout=POLL_SECONDS, return_when="FIRST_COMPLETED")
                except TimeoutError:  # every chunk still running: count the workers again
                    continue
                for future in done:
                    address, found, result = future.result()
                    future.release()
                    self._refuse_if_different(address, found, expected)
                    entry = self.ran.setdefault(address, {"versions": found, "chunks": 0})
                    entry["chunks"] += 1
                    yield result
        finally:
            if running:
                with contextlib.suppress(Exception):  # the client may be closing already
                    self.client.cancel(list(running))

    def _submit(self, fn: Callable[[Any], Any], task: Any, expected: dict[str, str]):
        return self.client.submit(run_checked, fn, task, expected, pure=False, retries=RETRIES)

    def _refuse_if_different(self, address: str, found: dict[str, str], expected: dict[str, str]) -> None:
        problems = differences(found, expected)
        if problems:
            option, value = ("--scheduler", self.label) if self.cluster is None else ("--backend", "dask")
            raise ScenarioError(
                option,
                value,
                f"worker {address} running " + ", ".join(problems),
                "workers with the client's versions of "
                + ", ".join(expected)
                + " (install the same on every node, then run again, with --resume if the sweep had started)",
            )

    def close(self) -> None:
        """Close the client and any LocalCluster; an interrupted close says so once, not in Dask's log lines."""
        import logging

        log = logging.getLogger("distributed")
        level = log.level
        log.setLevel(logging.ERROR)  # e.g. "Worker process still alive ..., killing"
        try:
            if self.cluster is not None:
                with contextlib.suppress(Exception):  # e.g. "... ended with CancelledError" from each worker
                    self.client.run(_quiet_logs)
            self.client.close()
            if self.cluster is not None:
                self.cluster.close()
        finally:
            log.setLevel(level)


def check_scheduler(address: str) -> None:
    """Refuse ``address`` unless a Dask scheduler there answers the handshake within seconds.

    dask.distributed bounds the connection but not the handshake after it: a server that
    accepts and stays silent kept ``Client`` waiting for minutes, and one that answers
    something else (an HTTP server) made it read a frame length of exabytes.
    """
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from distributed.comm import connect

    args = tls_connection_args(address)

    async def handshake() -> dict:
        comm = await connect(address, timeout=HANDSHAKE_SECONDS, **args)
        try:
            return comm.remote_info
        finally:
            comm.abort()

    try:  # in a thread of its own: the caller may be inside an event loop already (a notebook)
        with ThreadPoolExecutor(1) as thread:
            info = thread.submit(asyncio.run, asyncio.wait_for(handshake(), HANDSHAKE_SECONDS + 1)).result()
    except Exception as exc:  # any failure, e.g. MemoryError from a non-Dask reply: one message
        raise _no_scheduler(address, exc) from None
    if not isinstance(info, dict) or "pickle-protocol" not in info:
        raise _no_scheduler(address, ValueError("not a Dask handshake"))


#: Where a client's TLS credentials go (what ``distributed.security.Security()`` reads).
TLS_ALLOWED = (
    "a CA file, certificate and key for clients in Dask's configuration: DASK_DISTRIBUTED__COMM__TLS__CA_FILE, "
    "DASK_DISTRIBUTED__COMM__TLS__CLIENT__CERT and DASK_DISTRIBUTED__COMM__TLS__CLIENT__KEY, or distributed.comm.tls "
    "in a Dask YAML file (docs/sweeps.md, Running on a cluster)"
)


def tls_connection_args(address: str) -> dict:
    """The client's connection arguments from Dask's configuration, refused if they cannot serve ``address``.

    Said here, a missing or unreadable credential is one clear message; found while
    connecting, it read as "no Dask scheduler answering".
    """
    import dask
    from distributed.security import Security

    for key in ("distributed.comm.tls.ca-file", "distributed.comm.tls.client.cert", "distributed.comm.tls.client.key"):
        path = dask.config.get(key, None)
        if path and "\n" not in path and not os.path.isfile(path):  # a PEM text holds newlines; a path does not
            raise ScenarioError("--scheduler", address, f"{key} = {path}, which is no file", TLS_ALLOWED)
    try:
        args = Security().get_connection_args("client")
    except (OSError, ValueError) as exc:  # a configured file missing, or not a certificate or key
        found = "TLS credentials that cannot be read (" + " ".join(f"{exc.__class__.__name__}: {exc}".split())[:160]
        raise ScenarioError("--scheduler", address, found + ")", TLS_ALLOWED) from None
    if address.startswith("tls://") and args.get("ssl_context") is None:
        raise ScenarioError("--scheduler", address, "a tls:// address but no TLS credentials", TLS_ALLOWED)
    return args


def _no_scheduler(address: str, exc: BaseException) -> ScenarioError:
    reason = (
        "timed out" if isinstance(exc, TimeoutError) else " ".join(f"{exc.__class__.__name__}: {exc}".split())[:160]
    )
    return ScenarioError(
        "--scheduler",
        address,
        f"no Dask scheduler answering within {HANDSHAKE_SECONDS} s ({reason})",
        "the address of a running `dask scheduler` on a trusted, private network, e.g. tcp://10.0.0.5:8786",
    )


def private_cluster(local_cluster, client, workers: int):
    """A LocalCluster only this process can use: TLS with throw-away credentials, no HTTP.

    A plain LocalCluster accepts any local user's client, and a client runs pickled code
    in the workers; it also serves status pages over HTTP (the scheduler on 8787 even
    with no dashboard). Here every connection needs the temporary certificate held only by
    this process, and the HTTP servers serve no routes and are closed once started.
    """
    import dask

    try:
        import cryptography  # noqa: F401  - Security.temporary() needs it
    except ImportError:
        raise ScenarioError(
            "--backend", "dask", "the cryptography package missing", "pip install 'ceasefire-sim[dask]'"
        ) from None
    with dask.config.set({"distributed.scheduler.http.routes": [], "distributed.worker.http.routes": []}):
        cluster = local_cluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            security=True,
            dashboard_address=None,
            worker_dashboard_address=None,
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},  # not 8787, which it would take otherwise
        )
    try:
        connected = client(cluster)
        connected.run_on_scheduler(_stop_http_server)  # on the servers' own event loops
        connected.run(_stop_http_server)
    except BaseException:
        cluster.close()
        raise
    return cluster, connected


def _stop_http_server(dask_worker=None, dask_scheduler=None) -> None:
    """Run on the scheduler and each worker: close the HTTP server each starts (nothing needs it here)."""
    (dask_worker or dask_scheduler).http_server.stop()


def _quiet_logs() -> None:
    """Run in each worker of our LocalCluster as it closes: only errors are worth a line then."""
    import logging

    logging.getLogger("distributed").setLevel(logging.ERROR)

"""Worker processes that never outlive the command that started them, and how many to start.

A local sweep runs on ``forkserver`` workers. Their parent is the fork server, not the
command, and each holds the write end of the fork server's "alive" pipe, so when the
command dies (``kill -9`` included) neither the fork server nor the workers notice: they
would sit idle under PID 1 for good. Each worker therefore watches the command's own
process and exits the moment it is gone; once the workers are gone, the fork server and
the resource tracker see their pipes close and exit too.
"""

from __future__ import annotations

import os
import select
import signal
import sys
import threading
import time

__all__ = ["watch_parent", "capped_workers", "available_cores"]

#: Seconds between two checks that the command is alive, where a pidfd cannot be had.
POLL_SECONDS = 0.5


def available_cores() -> int:
    """Cores this process may use (the CPU affinity mask where there is one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def capped_workers(requested: int | None) -> int:
    """The worker processes to start: ``requested``, but never more than the cores available.

    More single-threaded workers than cores only share the cores (each holding its own copy
    of the model's memory), so a larger ``--workers`` is capped, with one note on stderr.
    """
    cores = available_cores()
    if requested is None:
        return cores
    if requested > cores:
        print(
            f"ceasefire: note: --workers {requested} is more than the {cores} cores available; using {cores}",
            file=sys.stderr,
        )
        return cores
    return requested


def watch_parent(main_pid: int) -> None:
    """Worker initializer: exit when process ``main_pid`` (the command) ends; leave Ctrl-C to it.

    SIGINT is ignored because a terminal sends it to the whole process group: the command
    handles it and stops the workers itself, instead of every worker printing a traceback.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_when_gone, args=(main_pid,), name="watch-parent", daemon=True).start()


def _exit_when_gone(pid: int) -> None:
    """Block until ``pid`` ends, then end this process at once (no cleanup to hang in)."""
    try:
        fd = os.pidfd_open(pid)  # Linux >= 5.3: readable when the process ends, no pid reuse race
    except ProcessLookupError:
        os._exit(1)
    except (AttributeError, OSError):  # pragma: no cover - no pidfd: poll
        while _alive(pid):
            time.sleep(POLL_SECONDS)
        os._exit(1)
    select.select([fd], [], [])
    os._exit(1)


def _alive(pid: int) -> bool:  # pragma: no cover - used only without pidfd
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

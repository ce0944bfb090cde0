"""Output folders and files: a new folder to write, and writes that are either complete or absent."""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sim.errors import ScenarioError


def output_dir(out: Path | None, name: str) -> Path:
    """The folder to write; refused if it exists and is not empty (nothing is overwritten)."""
    if out is None:
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        out = Path("results") / f"{name}-{stamp}"
        n = 1
        while out.exists():
            n += 1
            out = Path("results") / f"{name}-{stamp}-{n}"
        return out
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ScenarioError(
            "--out", str(out), "an existing, non-empty path", "a new or empty folder (results are never overwritten)"
        )
    return out


@contextmanager
def atomic_folder(out: Path, replace: bool = False) -> Iterator[Path]:
    """Yield a temporary folder beside ``out``; move it to ``out`` only if the block succeeds.

    ``out`` must be absent or an empty folder, unless ``replace`` is true, in which case an
    existing ``out`` is swapped for the new one only once the new one is complete. On any
    error or interruption the temporary folder is removed: nothing half-written is left.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o777 & ~umask)  # mkdtemp makes it private (0700); results are for sharing
    try:
        yield tmp
        old = out.with_name(f".{out.name}.old.{os.getpid()}")
        if out.exists():
            out.rename(old) if replace else out.rmdir()
        tmp.rename(out)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_atomic(path: Path, data: bytes | Callable[[Path], None]) -> None:
    """Write ``path`` via a temporary file in the same folder and ``os.replace``."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        if callable(data):
            data(tmp)
        else:
            tmp.write_bytes(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


#: The lock file a sweep or calibration holds while it writes its folder.
LOCK = ".ceasefire.lock"


def is_empty(folder: Path) -> bool:
    """Whether ``folder`` holds nothing but, perhaps, the lock file of a run that wrote nothing."""
    return all(p.name == LOCK for p in folder.iterdir())


def _busy(folder: Path) -> ScenarioError:
    return ScenarioError(
        "--out",
        str(folder),
        f"that another ceasefire process is writing {folder}",
        "wait for it to end (then --resume if it was interrupted), or another --out",
    )


def refuse_if_locked(folder: Path) -> None:
    """Refuse a folder another run holds, without writing anything (the lock file may not exist)."""
    try:
        fd = os.open(folder / LOCK, os.O_RDONLY)
    except OSError:
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        raise _busy(folder) from None
    finally:
        os.close(fd)


@contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Hold ``folder`` for this process: a second run into it at once would replace its files.

    ``flock`` is released by the kernel when the process ends, however it ends, so a
    killed run never leaves a stale lock; the lock file itself stays (removing it would
    let a third run lock a new file while a second still holds the old one).
    """
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise _busy(folder) from None
        yield
    finally:
        os.close(fd)

"""Output folders and files: a new folder to write, and writes that are either complete or absent."""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sim.errors import ScenarioError

#: Room kept in a folder name for the temporary names made beside it (``.NAME.XXXXXXXX``, ``.NAME.old.PID``).
TEMP_NAME_ROOM = 24
OUT_ALLOWED = "a new or empty folder that can be written (results are never overwritten)"


def output_dir(out: Path | None, name: str) -> Path:
    """The folder to write, checked before any work; refused if it exists and is not empty.

    A symbolic link to an empty folder stands for that folder (the files go there).
    """
    if out is None:
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        out = Path("results") / f"{name}-{stamp}"
        n = 1
        while out.exists():
            n += 1
            out = Path("results") / f"{name}-{stamp}-{n}"
    _check_name_lengths(out)
    if out.is_symlink() and out.is_dir():
        out = out.resolve()  # its temporary sibling must be made beside the real folder
    check_writable(out, beside=True)
    if out.exists() and any(out.iterdir()):
        raise ScenarioError("--out", str(out), "an existing, non-empty folder", OUT_ALLOWED)
    return out


def check_writable(out: Path, beside: bool = False) -> None:
    """Refuse ``out`` now if writing it later would fail: found after a long run, it would waste the run.

    ``out`` must be a folder or absent, every name in it short enough for the file system,
    and the folder that will be written (``out`` itself, or with ``beside`` the one that
    holds it, where temporary folders are made) must exist or be creatable, and accept a
    new entry. Nothing is left behind: the probe folder is removed at once.
    """
    _check_name_lengths(out)
    if out.is_symlink() and not out.exists():
        raise ScenarioError("--out", str(out), "a broken symbolic link", OUT_ALLOWED)
    if out.exists() and not out.is_dir():
        raise ScenarioError("--out", str(out), "an existing file", OUT_ALLOWED)
    anchor = _nearest_existing(out.parent if beside or not out.exists() else out)
    if not anchor.is_dir():
        raise ScenarioError("--out", str(out), f"a path under the file {anchor}", OUT_ALLOWED)
    try:
        Path(tempfile.mkdtemp(prefix=".ceasefire-probe-", dir=anchor)).rmdir()
    except OSError as exc:
        found = f"a folder in {anchor}, which cannot be written ({exc.strerror})"
        raise ScenarioError("--out", str(out), found, OUT_ALLOWED) from None


def _nearest_existing(path: Path) -> Path:
    """``path`` or its nearest existing parent (the current folder's parents count)."""
    path = path.absolute()
    return next((p for p in (path, *path.parents) if p.exists() or p.is_symlink()), Path(path.anchor))


def _check_name_lengths(out: Path) -> None:
    """Refuse a name longer than the file system allows (checked first: a too-long name breaks ``exists``)."""
    try:
        limit = os.pathconf(Path.cwd(), "PC_NAME_MAX")
    except (OSError, ValueError):
        limit = 255
    parts = out.absolute().parts
    for i, part in enumerate(parts):
        room = TEMP_NAME_ROOM if i == len(parts) - 1 else 0
        if len(os.fsencode(part)) + room > limit:
            found = f"a name of {len(os.fsencode(part))} bytes ({part[:20]}...)"
            raise ScenarioError("--out", str(out), found, f"names of at most {limit - room} bytes; {OUT_ALLOWED}")


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


def read_json_object(path: Path, allowed: str) -> dict:
    """The JSON object in ``path``; one ScenarioError naming the file if it is unreadable, not JSON, or not an object."""
    try:
        value = json.loads(path.read_bytes().decode("utf-8"))
    except OSError as exc:
        raise ScenarioError(str(path), "", f"an unreadable file ({exc.strerror})", allowed) from None
    except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise ScenarioError(str(path), "", f"no valid JSON ({exc})", allowed) from None
    if not isinstance(value, dict):
        raise ScenarioError(str(path), "", f"a JSON {type(value).__name__}, not an object", allowed)
    return value


def read_csv_table(path: Path, columns: list[str], allowed: str):
    """The table in the CSV file ``path`` with at least ``columns``; one ScenarioError naming the file otherwise."""
    import pandas as pd

    try:
        table = pd.read_csv(path)
    except (OSError, ValueError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ScenarioError(str(path), "", f"an unreadable CSV table ({str(exc).splitlines()[0]})", allowed) from None
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ScenarioError(str(path), "", f"no column {missing[0]!r}", allowed)
    # One block per dtype: read_csv leaves one per column, and pandas then warns on every column
    # added to a wide table (points.csv of a Morris screening has over a hundred).
    return table.copy()


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

"""Results are written whole or not at all, and are readable like any other folder."""

import os

import pytest

from sim.experiments.files import atomic_folder, write_atomic


def test_a_finished_folder_appears_whole_with_the_users_usual_permissions(tmp_path):
    out = tmp_path / "run"
    with atomic_folder(out) as tmp:
        (tmp / "a.csv").write_text("x\n")
        assert not out.exists()  # nothing at the final path until the block ends
    umask = os.umask(0)
    os.umask(umask)
    assert (out / "a.csv").read_text() == "x\n"
    assert out.stat().st_mode & 0o777 == 0o777 & ~umask
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_an_error_midway_leaves_nothing_on_disk(tmp_path):
    out = tmp_path / "run"
    with pytest.raises(RuntimeError), atomic_folder(out) as tmp:
        (tmp / "a.csv").write_text("x\n")
        raise RuntimeError("disk full")
    assert list(tmp_path.iterdir()) == []


def test_replace_swaps_an_old_folder_only_once_the_new_one_is_complete(tmp_path):
    out = tmp_path / "report"
    out.mkdir()
    (out / "old.png").write_text("old")
    with pytest.raises(RuntimeError), atomic_folder(out, replace=True) as tmp:
        (tmp / "new.png").write_text("new")
        raise RuntimeError("interrupted")
    assert [p.name for p in out.iterdir()] == ["old.png"]
    with atomic_folder(out, replace=True) as tmp:
        (tmp / "new.png").write_text("new")
    assert [p.name for p in out.iterdir()] == ["new.png"]
    assert [p.name for p in tmp_path.iterdir()] == ["report"]


def test_write_atomic_leaves_the_old_file_when_writing_fails(tmp_path):
    path = tmp_path / "points.csv"
    path.write_text("old")

    def fail(tmp):
        tmp.write_text("half")
        raise OSError("no space")

    with pytest.raises(OSError):
        write_atomic(path, fail)
    assert path.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["points.csv"]

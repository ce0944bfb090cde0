"""A catalogue of hostile input: every case ends in one line, exit 2, no traceback, nothing written.

Each case is a broken file, folder or option given to the console script. Whatever the
command (run, compare, sweep, calibrate, report, demo), the answer must be exactly one
stderr line "ceasefire: error: ..." naming the file or option at fault, exit status 2, no
traceback, and the folder it ran in left exactly as it was (no --out, no results/, no
temporary files). The cases run through the real console script, a few at a time.
"""

from __future__ import annotations

import errno
import io
import json
import os
import socket
import string
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest
from conftest import run_cli, start_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import CeasefireModel, ScenarioError, load_scenario
from sim.experiments.files import check_writable, output_dir
from sim.scenario.textfile import MAX_DEPTH, check_name, read_toml

BASE = b'extends = "baseline"\n'
TINY_SWEEP = (
    '[sweep]\nname = "tiny"\nscenario = "baseline"\nreplicates = 2\ndesign = "grid"\n'
    '[parameters]\n"actors.united_states.deadline_days" = [3, 7]\n'
)
PATTERNS = (Path(__file__).resolve().parents[1] / "scenarios" / "patterns" / "easter_2025.toml").read_text()
SEED_2_64 = str(2**64)


def _finished_sweep(**broken: bytes) -> dict[str, bytes]:
    """The three files `ceasefire report` reads from a finished sweep, with some replaced by ``broken``."""
    manifest = {"sweep": {"parameters": {"p": [1]}, "design": "grid", "replicates": 2}, "wall_seconds": 1.0}
    runs = io.BytesIO()
    pd.DataFrame({"point": [0, 0], "outcome": ["no_agreement"] * 2}).to_parquet(runs, index=False)
    files = {
        "sw/manifest.json": json.dumps(manifest).encode(),
        "sw/points.csv": b"point,n,horizon_days,p\n0,2,30,1\n",
        "sw/runs.parquet": runs.getvalue(),
    }
    return {**files, **{f"sw/{name.replace('_', '.')}": data for name, data in broken.items()}}


def _chain(n: int) -> dict[str, bytes]:
    """``n`` scenario files, each extending the next, the last extending the baseline."""
    files = {f"c{i}.toml": f'extends = "c{i + 1}.toml"\n'.encode() for i in range(n)}
    return {**files, f"c{n}.toml": BASE}


@dataclass
class Hostile:
    """One hostile input: the command's arguments, the files it finds, what the message must name and say."""

    args: tuple[str, ...]
    names: str
    says: str = ""
    files: dict[str, bytes] = field(default_factory=dict)
    folders: tuple[str, ...] = ()
    links: dict[str, str] = field(default_factory=dict)


CATALOGUE: dict[str, Hostile] = {
    # 1. Files that are not UTF-8, for every command that reads a TOML file.
    "run_utf16": Hostile(
        ("run", "bad.toml", "--out", "out"), "bad.toml", "UTF-16", {"bad.toml": BASE.decode().encode("utf-16")}
    ),
    "run_utf16_without_bom": Hostile(
        ("run", "bad.toml", "--out", "out"), "bad.toml", "UTF-16", {"bad.toml": BASE.decode().encode("utf-16-le")}
    ),
    "run_utf32": Hostile(
        ("run", "bad.toml", "--out", "out"), "bad.toml", "UTF-32", {"bad.toml": BASE.decode().encode("utf-32")}
    ),
    "run_latin1": Hostile(
        ("run", "bad.toml", "--out", "out"),
        "bad.toml",
        "not UTF-8",
        {"bad.toml": BASE + 'description = "caf\u00e9"\n'.encode("latin-1")},
    ),
    "run_binary": Hostile(
        ("run", "bad.toml", "--out", "out"), "bad.toml", "not UTF-8", {"bad.toml": bytes(range(256))}
    ),
    "compare_utf16": Hostile(
        ("compare", "baseline", "bad.toml", "--out", "out"),
        "bad.toml",
        "UTF-16",
        {"bad.toml": BASE.decode().encode("utf-16")},
    ),
    "demo_utf16": Hostile(
        ("demo", "bad.toml", "--port", "0"), "bad.toml", "UTF-16", {"bad.toml": BASE.decode().encode("utf-16")}
    ),
    "sweep_utf16": Hostile(
        ("sweep", "s.toml", "--out", "out"), "s.toml", "UTF-16", {"s.toml": TINY_SWEEP.encode("utf-16")}
    ),
    "sweep_of_a_utf16_scenario": Hostile(
        ("sweep", "s.toml", "--out", "out"),
        "bad.toml",
        "UTF-16",
        {"s.toml": TINY_SWEEP.replace('"baseline"', '"bad.toml"').encode(), "bad.toml": BASE.decode().encode("utf-16")},
    ),
    "calibrate_utf16": Hostile(
        ("calibrate", "p.toml", "--out", "out"), "p.toml", "UTF-16", {"p.toml": PATTERNS.encode("utf-16")}
    ),
    # 2. A bad --out, found before any work.
    "run_out_is_a_file": Hostile(("run", "--out", "f"), "--out", "an existing file", {"f": b"x"}),
    "run_out_under_a_file": Hostile(("run", "--out", "f/out"), "--out", "under the file", {"f": b"x"}),
    "run_out_name_too_long": Hostile(("run", "--out", "a" * 300), "--out", "300 bytes"),
    "run_out_not_empty": Hostile(("run", "--out", "o"), "--out", "non-empty", {"o/keep": b"x"}),
    "run_out_broken_link": Hostile(("run", "--out", "l"), "--out", "broken symbolic link", links={"l": "nowhere"}),
    "compare_out_under_a_file": Hostile(
        ("compare", "baseline", "baseline", "--out", "f/out"), "--out", "under the file", {"f": b"x"}
    ),
    "sweep_out_is_a_file": Hostile(
        ("sweep", "s.toml", "--out", "f"), "--out", "an existing file", {"f": b"x", "s.toml": TINY_SWEEP.encode()}
    ),
    "sweep_out_under_a_file": Hostile(
        ("sweep", "s.toml", "--out", "f/out"), "--out", "under the file", {"f": b"x", "s.toml": TINY_SWEEP.encode()}
    ),
    "sweep_out_name_too_long": Hostile(
        ("sweep", "s.toml", "--out", "b" * 300), "--out", "300 bytes", {"s.toml": TINY_SWEEP.encode()}
    ),
    "sweep_plan_is_a_list": Hostile(
        ("sweep", "s.toml", "--out", "o"),
        "--out",
        "sweep.json",
        {"o/sweep.json": b"[1, 2]", "s.toml": TINY_SWEEP.encode()},
    ),
    "calibrate_out_under_a_file": Hostile(
        ("calibrate", "easter_2025", "--out", "f/out"), "--out", "under the file", {"f": b"x"}
    ),
    # 3. Names are identifiers: they choose where default output goes.
    "scenario_name_escapes": Hostile(
        ("run", "bad.toml"), "bad.toml: name", "'../../escape'", {"bad.toml": BASE + b'name = "../../escape"\n'}
    ),
    "scenario_name_absolute": Hostile(
        ("run", "bad.toml"), "bad.toml: name", "/tmp", {"bad.toml": BASE + b'name = "/tmp/anywhere"\n'}
    ),
    "set_name_escapes": Hostile(("run", "--set", 'name="../x"'), "--set: name", "'../x'"),
    "sweep_name_escapes": Hostile(
        ("sweep", "s.toml"), "sweep.name", "'../x'", {"s.toml": TINY_SWEEP.replace('"tiny"', '"../x"').encode()}
    ),
    "patterns_name_escapes": Hostile(
        ("calibrate", "p.toml"),
        "patterns.name",
        "'../x'",
        {"p.toml": PATTERNS.replace('name = "easter_2025"', 'name = "../x"').encode()},
    ),
    # 4. The smaller ones.
    "deep_arrays": Hostile(
        ("run", "bad.toml", "--out", "out"),
        "bad.toml",
        "nest",
        {"bad.toml": b"x = " + b"[" * 3000 + b"]" * 3000 + b"\n"},
    ),
    "deep_dotted_keys": Hostile(
        ("run", "bad.toml", "--out", "out"),
        "bad.toml",
        f"more than {MAX_DEPTH} levels",
        {"bad.toml": b".".join([b"a"] * 1200) + b" = 1\n"},
    ),
    "long_extends_chain": Hostile(
        ("run", "c0.toml", "--out", "out"), "c0.toml: extends", "more than 64 files", _chain(1200)
    ),
    "year_9999": Hostile(
        ("run", "bad.toml", "--out", "out"),
        "clock.start",
        "9999",
        {"bad.toml": BASE + b"[clock]\nstart = 9999-12-01T00:00:00+03:00\n"},
    ),
    "scenario_is_root": Hostile(("run", "/", "--out", "out"), "scenario", "a folder, not a scenario file"),
    "scenario_is_a_folder": Hostile(
        ("run", "sub", "--out", "out"), "scenario", "a folder, not a scenario file", folders=("sub",)
    ),
    "sweep_file_is_a_folder": Hostile(("sweep", "sub", "--out", "out"), "sub", "a folder", folders=("sub",)),
    "report_manifest_not_json": Hostile(
        ("report", "sw"), "manifest.json", "no valid JSON", _finished_sweep(manifest_json=b"{")
    ),
    "report_manifest_a_list": Hostile(
        ("report", "sw"), "manifest.json", "JSON list", _finished_sweep(manifest_json=b"[]")
    ),
    "report_points_not_utf8": Hostile(
        ("report", "sw"), "points.csv", "unreadable CSV", _finished_sweep(points_csv=b"\xff\x00\xfe")
    ),
    "report_points_without_columns": Hostile(
        ("report", "sw"), "points.csv", "no column 'point'", _finished_sweep(points_csv=b"a,b\n1,2\n")
    ),
    "report_runs_not_parquet": Hostile(
        ("report", "sw"), "runs.parquet", "no readable Parquet", _finished_sweep(runs_parquet=b"junk")
    ),
    "run_seed_2_64": Hostile(("run", "--seed", SEED_2_64, "--out", "out"), "--seed", "2**64"),
    "compare_seed_2_64": Hostile(
        ("compare", "baseline", "baseline", "--seed", SEED_2_64, "--out", "out"), "--seed", "2**64"
    ),
    "calibrate_seed_2_64": Hostile(
        ("calibrate", "easter_2025", "--seed", SEED_2_64, "--out", "out"), "--seed", "2**64"
    ),
    "sweep_seed_2_64": Hostile(
        ("sweep", "s.toml", "--out", "out"),
        "sweep.seed",
        SEED_2_64,
        {"s.toml": TINY_SWEEP.replace("[parameters]", f"seed = {SEED_2_64}\n[parameters]").encode()},
    ),
    "sweep_key_fixed_and_swept": Hostile(
        ("sweep", "s.toml", "--out", "out"),
        "fixed.actors.united_states.deadline_days",
        "also in [parameters]",
        {"s.toml": (TINY_SWEEP + '[fixed]\n"actors.united_states.deadline_days" = 5\n').encode()},
    ),
    "offer_without_issues": Hostile(
        ("run", "bad.toml", "--out", "out"),
        "events[0].issues",
        "no issues",
        {
            "bad.toml": BASE
            + b'[[events]]\nkind = "bilateral_offer"\nat = 2025-04-20T00:00:00+03:00\nactor = "russia"\nissues = []\n'
        },
    ),
    "replicates_negative": Hostile(("run", "-r", "-1", "--out", "out"), "--replicates", ">= 1"),
    "set_too_deep": Hostile(
        ("run", "--set", "clock.horizon_days=" + "[" * 3000 + "]" * 3000, "--out", "out"), "--set", "too deep"
    ),
}


def _make(folder: Path, case: Hostile) -> None:
    folder.mkdir()
    for name in case.folders:
        (folder / name).mkdir()
    for name, data in case.files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    for name, target in case.links.items():
        (folder / name).symlink_to(target)


def _tree(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


@pytest.fixture(scope="module")
def catalogue_results(tmp_path_factory):
    """Run the catalogue four cases at a time (each pays Python's start-up; the machine is shared)."""
    root = tmp_path_factory.mktemp("hostile")
    results, names = {}, list(CATALOGUE)
    for start in range(0, len(names), 4):
        procs = {}
        for name in names[start : start + 4]:
            folder = root / name
            _make(folder, CATALOGUE[name])
            procs[name] = (folder, _tree(folder), start_cli(*CATALOGUE[name].args, cwd=folder))
        for name, (folder, before, proc) in procs.items():
            out, err = proc.communicate(timeout=120)
            results[name] = (folder, before, proc.returncode, out, err)
    return results


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CATALOGUE))
def test_hostile_input_ends_in_one_line_exit_2_and_writes_nothing(name, catalogue_results):
    case = CATALOGUE[name]
    folder, before, code, out, err = catalogue_results[name]
    assert "Traceback" not in out + err, err
    assert code == 2, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ceasefire: error: "), err
    assert case.names in lines[0] and case.says in lines[0], lines[0]
    assert _tree(folder) == before  # no --out, no results/, no temporary files


def _unwritable_folder(tmp_path: Path) -> Path:
    """A folder nobody may write into: read-only for a normal user; /sys for root, if it refuses."""
    if os.geteuid() != 0:
        folder = tmp_path / "ro"
        folder.mkdir()
        folder.chmod(0o500)
        return folder
    try:
        check_writable(Path("/sys/ceasefire-probe"))
    except ScenarioError:
        return Path("/sys")
    pytest.skip("no unwritable folder for root here")


@pytest.mark.slow
@pytest.mark.parametrize(
    "command", [("run",), ("compare", "baseline", "baseline"), ("sweep", "s.toml"), ("calibrate", "easter_2025")]
)
def test_an_unwritable_out_is_refused_before_any_work(command, tmp_path):
    (tmp_path / "s.toml").write_text(TINY_SWEEP)
    out = _unwritable_folder(tmp_path) / "out"
    done = run_cli(*command, "--out", str(out), cwd=tmp_path)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert len(lines) == 1 and lines[0].startswith("ceasefire: error: --out") and "cannot be written" in lines[0]
    assert not out.exists()


@pytest.mark.slow
def test_validate_reports_every_bad_file_and_goes_on(tmp_path):
    (tmp_path / "u16.toml").write_bytes(BASE.decode().encode("utf-16"))
    (tmp_path / "latin.toml").write_bytes(BASE + 'description = "caf\u00e9"\n'.encode("latin-1"))
    done = run_cli("validate", "u16.toml", "baseline", "latin.toml", cwd=tmp_path)
    lines = done.stdout.strip().splitlines()
    assert done.returncode == 2 and "Traceback" not in done.stdout + done.stderr
    assert [line.split()[0] for line in lines] == ["FAIL", "ok", "FAIL"]
    assert "u16.toml" in lines[0] and "UTF-16" in lines[0]
    assert "latin.toml" in lines[2] and "not UTF-8" in lines[2]


@pytest.mark.slow
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(min_size=1, max_size=200).filter(lambda b: b"\x00" in b or not _is_utf8(b)))
def test_any_non_utf8_scenario_file_gets_one_message_from_the_console_script(data, tmp_path_factory):
    folder = tmp_path_factory.mktemp("bytes")
    (folder / "bad.toml").write_bytes(data)
    done = run_cli("run", "bad.toml", "--out", "out", cwd=folder)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert len(lines) == 1 and lines[0].startswith("ceasefire: error: ") and "bad.toml" in lines[0]
    assert not (folder / "out").exists()


# --- the same rules in the Python API (fast) -----------------------------------------------------


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=300))
def test_reading_any_bytes_gives_a_table_or_one_scenario_error(data, tmp_path_factory):
    path = tmp_path_factory.mktemp("b") / "x.toml"
    path.write_bytes(data)
    try:
        table = read_toml(path)
    except ScenarioError as error:
        assert error.source == str(path) and "\n" not in str(error)
    else:
        assert isinstance(table, dict)


@settings(max_examples=50, deadline=None)
@given(text=st.text(alphabet=string.printable.replace("\x0b", "").replace("\x0c", ""), min_size=2, max_size=200))
def test_utf16_text_is_named_as_utf16(text, tmp_path_factory):
    folder = tmp_path_factory.mktemp("u")
    for encoding in ("utf-16", "utf-16-le", "utf-16-be"):
        path = folder / f"{encoding}.toml"
        path.write_bytes(text.encode(encoding))
        with pytest.raises(ScenarioError, match="it looks like UTF-16"):
            read_toml(path)


def test_a_utf8_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + BASE + b'name = "bom"\n')
    assert load_scenario(str(path)).name == "bom"


@settings(max_examples=300, deadline=None)
@given(name=st.text(max_size=120))
def test_an_accepted_name_never_leaves_the_results_folder(name):
    results = Path("/results")
    try:
        check_name(name, "file", "name")
    except ScenarioError:
        return
    path = Path(os.path.normpath(results / f"{name}-20250101-000000"))
    assert path.parent == results and not name.startswith((".", "-"))


@pytest.mark.parametrize("name", ["../x", "/abs", ".hidden", "-flag", "a b", "a/b", "", "x" * 101, "caf\u00e9"])
def test_names_that_are_not_identifiers_are_refused(name):
    with pytest.raises(ScenarioError, match="letters, digits"):
        check_name(name, "file", "name")


def test_set_name_renames_the_scenario_and_set_description_describes_it():
    scenario = load_scenario("baseline", {"name": "renamed", "description": "one line"})
    assert scenario.name == "renamed" and scenario.data["description"] == "one line"


@pytest.mark.parametrize("seed", [2**64, 2**64 + 1, 2**70])
def test_a_seed_from_2_64_is_refused_by_the_python_api(seed):
    with pytest.raises(ScenarioError, match="< 2\\*\\*64"):
        CeasefireModel("baseline", seed=seed)


def test_the_largest_seed_is_accepted():
    assert CeasefireModel("baseline", seed=2**64 - 1, keep_timelines=0).seed == 2**64 - 1


def test_a_symlink_to_an_empty_folder_is_a_fine_out(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "empty")
    assert output_dir(tmp_path / "link", "x") == (tmp_path / "empty").resolve()
    assert list((tmp_path / "empty").iterdir()) == []  # the probe left nothing


def test_checking_out_leaves_nothing_behind(tmp_path):
    check_writable(tmp_path / "new" / "deeper", beside=True)
    assert list(tmp_path.iterdir()) == []


def test_a_privileged_port_is_blamed_on_the_port(monkeypatch):
    from sim.classroom import server

    def refuse(self, address):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(socket.socket, "bind", refuse)
    with pytest.raises(ScenarioError) as info:
        server.bind("127.0.0.1", 80)
    assert info.value.source == "--port" and "80" in str(info.value) and "1024" in str(info.value)


@pytest.mark.parametrize(
    "host, exposed",
    [("0.0.0.0", True), ("::", True), ("192.0.2.7", True), ("127.0.0.1", False), ("::1", False), ("localhost", False)],
)
def test_a_host_reachable_from_other_machines_gets_a_one_line_warning(host, exposed, capsys):
    from sim.classroom.server import warn_if_exposed

    warn_if_exposed(host)
    err = capsys.readouterr().err
    assert (err.count("\n") == 1 and err.startswith("ceasefire: warning: --host") and host in err) == exposed
    assert exposed or err == ""

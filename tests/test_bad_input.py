"""Bad input is refused before anything runs: one message naming the file, the key path,
what was found and what is allowed; exit status 2; no traceback; no output folder."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from conftest import start_cli

from sim import CeasefireModel, ScenarioError, load_scenario
from sim.scenario import packaged_scenarios, parse_override

EXTENDS = 'extends = "baseline"\n'


def _without_line(prefix: str) -> str:
    text = packaged_scenarios()["baseline"].read_text()
    lines = [line for line in text.splitlines() if not line.startswith(prefix)]
    assert len(lines) == len(text.splitlines()) - 1
    return "\n".join(lines) + "\n"


def _truce_at(when: str) -> str:
    return (
        EXTENDS + f'[[events]]\nkind = "truce"\nat = {when}\nactor = "russia"\nhours = 30\nextension_probability = 0\n'
    )


@dataclass
class Case:
    """A bad input: files to write, the scenario argument, extra CLI args, and what the message must say."""

    files: dict[str, str]
    scenario: str = "bad.toml"
    args: tuple[str, ...] = ()
    path: str = ""  # the key path the message must name
    says: tuple[str, ...] = ()  # what was found and what is allowed
    source: str = "bad.toml"  # the file (or --set) the message must name
    cli: bool = True  # also run through the console script
    marker: str | None = None  # a file the input tries to create by running code


CASES = {
    "unknown_key": Case(
        {"bad.toml": EXTENDS + "[actors.ukraine.response]\nanswer_lag_hour = 2\n"},
        path="actors.ukraine.response.answer_lag_hour",
        says=("unknown key 'answer_lag_hour'", "did you mean 'answer_lag_hours'", "forgiveness"),
    ),
    "unknown_table": Case(
        {"bad.toml": EXTENDS + "[clok]\nhorizon_days = 5\n"},
        path="clok",
        says=("unknown key 'clok'", "did you mean 'clock'"),
        cli=False,
    ),
    "wrong_type": Case(
        {"bad.toml": EXTENDS + '[actors.ukraine.response]\nanswer_lag_hours = "two"\n'},
        path="actors.ukraine.response.answer_lag_hours",
        says=("'two'", "a number from 0 to 240"),
    ),
    "float_for_int": Case(
        {"bad.toml": EXTENDS + "[clock]\nhorizon_days = 7.5\n"},
        path="clock.horizon_days",
        says=("7.5", "a whole number"),
        cli=False,
    ),
    "bool_for_number": Case(
        {"bad.toml": EXTENDS + "[actors.ukraine.response]\nmirror_gain = true\n"},
        path="actors.ukraine.response.mirror_gain",
        says=("True", "a number from 0 to 3"),
        cli=False,
    ),
    "table_for_value": Case(
        {"bad.toml": EXTENDS + "[actors.ukraine.response.forgiveness]\nx = 1\n"},
        path="actors.ukraine.response.forgiveness",
        says=("a table", "a number from 0 to 1"),
        cli=False,
    ),
    "value_for_table": Case(
        {"bad.toml": EXTENDS + "clock = 5\n"},
        path="clock",
        says=("5", "a table"),
        cli=False,
    ),
    "out_of_range": Case(
        {"bad.toml": EXTENDS + "[actors.ukraine.response]\nforgiveness = 1.5\n"},
        path="actors.ukraine.response.forgiveness",
        says=("1.5", "a number from 0 to 1"),
    ),
    "nan": Case(
        {"bad.toml": EXTENDS + "[actors.ukraine.response]\nforgiveness = nan\n"},
        path="actors.ukraine.response.forgiveness",
        says=("nan", "a number from 0 to 1"),
        cli=False,
    ),
    "unknown_choice": Case(
        {"bad.toml": EXTENDS + '[actors.ukraine.response]\nrule = "tit_for_tat"\n'},
        path="actors.ukraine.response.rule",
        says=("'tit_for_tat'", "'symmetric'", "'fixed'"),
        cli=False,
    ),
    # --- priors: a range drawn per replicate (model v2) ---
    "prior_empty_range": Case(
        {"bad.toml": EXTENDS + "[actors.ukraine.response]\nforgiveness = { uniform = [0.3, 0.3] }\n"},
        path="actors.ukraine.response.forgiveness.uniform",
        says=("[0.3, 0.3]", "an empty range", "low < high", "a number from 0 to 1"),
    ),
    "prior_inverted_range": Case(
        {"bad.toml": EXTENDS + "[actors.ukraine.response]\nforgiveness = { uniform = [0.5, 0.1] }\n"},
        path="actors.ukraine.response.forgiveness.uniform",
        says=("[0.5, 0.1]", "an inverted range", "low < high"),
    ),
    "prior_on_an_event_time_span": Case(
        {
            "bad.toml": EXTENDS
            + '[[events]]\nkind = "truce"\nat = 2025-04-19T18:00:00+03:00\nactor = "russia"\n'
            + "hours = { uniform = [24, 48] }\nextension_probability = 0\n"
        },
        path="events[0].hours",
        says=("a table", "a number from 0.25 to 87600", "a single value here, not a prior"),
    ),
    "prior_on_the_tick": Case(
        {"bad.toml": EXTENDS + "[clock]\ntick_hours = { uniform = [4, 8] }\n"},
        path="clock.tick_hours",
        says=("a table", "a whole number from 1 to 24", "a single value here, not a prior"),
    ),
    "set_prior_inverted_range": Case(
        {},
        scenario="baseline",
        args=("--set", "actors.ukraine.response.forgiveness={ uniform = [0.5, 0.1] }"),
        source="--set",
        path="actors.ukraine.response.forgiveness.uniform",
        says=("[0.5, 0.1]", "an inverted range", "low < high"),
        cli=False,
    ),
    # --- a rate per tick where v2 wants one per day or hour: the retired key names its successor ---
    "per_tick_incident_rate": Case(
        {"bad.toml": EXTENDS + "[actors.russia]\nincident_rate = 0.05\n"},
        path="actors.russia.incident_rate",
        says=("the retired key 'incident_rate'", "incidents_per_day", "per day", "not ticks"),
    ),
    "per_tick_false_alarm": Case(
        {"bad.toml": EXTENDS + "[actors.ukraine.perception]\nfalse_alarm = 0.1\n"},
        path="actors.ukraine.perception.false_alarm",
        says=("the retired key 'false_alarm'", "false_alarms_per_day", "per day", "not ticks"),
    ),
    "per_tick_lag": Case(
        {"bad.toml": EXTENDS + "[actors.ukraine.response]\nlag_ticks = 2\n"},
        path="actors.ukraine.response.lag_ticks",
        says=("the retired key 'lag_ticks'", "answer_lag_hours", "not ticks"),
    ),
    "set_per_tick_lag": Case(
        {},
        scenario="baseline",
        args=("--set", "actors.ukraine.response.lag_ticks=2"),
        source="--set",
        path="actors.ukraine.response.lag_ticks",
        says=("the retired key 'lag_ticks'", "answer_lag_hours", "not ticks"),
    ),
    "event_before_start": Case(
        {"bad.toml": _truce_at("2025-04-16T12:00:00+03:00")},
        path="events[0].at",
        says=("2025-04-16T12:00:00+03:00", "2025-04-17T00:00:00+03:00"),
    ),
    "event_after_horizon": Case(
        {"bad.toml": _truce_at("2025-05-20T12:00:00+03:00")},
        path="events[0].at",
        says=("2025-05-20T12:00:00+03:00", "2025-05-17T00:00:00+03:00"),
    ),
    "event_at_the_horizon": Case(
        {"bad.toml": _truce_at("2025-05-17T00:00:00+03:00")},
        path="events[0].at",
        says=("2025-05-17T00:00:00+03:00",),
        cli=False,
    ),
    "event_without_offset": Case(
        {"bad.toml": _truce_at("2025-04-19T18:00:00")},
        path="events[0].at",
        says=("2025-04-19T18:00:00", "UTC offset"),
        cli=False,
    ),
    "event_missing_key": Case(
        {"bad.toml": EXTENDS + '[[events]]\nkind = "truce"\nat = 2025-04-19T18:00:00+03:00\nactor = "russia"\n'},
        path="events[0].hours",
        says=("required",),
        cli=False,
    ),
    "event_unknown_kind": Case(
        {"bad.toml": EXTENDS + '[[events]]\nkind = "parade"\nat = 2025-04-19T18:00:00+03:00\n'},
        path="events[0].kind",
        says=("'parade'", "'truce'", "'meeting'", "'bilateral_offer'"),
        cli=False,
    ),
    "unknown_scenario": Case(
        {}, scenario="no_such_scenario", source="no_such_scenario", says=("baseline", "short_deadline", ".toml")
    ),
    "missing_required_field": Case(
        {"bad.toml": _without_line("horizon_days")},
        path="clock.horizon_days",
        says=("missing", "a whole number from 1 to 3650"),
    ),
    "tick_hours_not_dividing_24": Case(
        {"bad.toml": EXTENDS + "[clock]\ntick_hours = 5\n"},
        path="clock.tick_hours",
        says=("5", "a divisor of 24"),
    ),
    "limit_behind_opening": Case(
        {"bad.toml": EXTENDS + "[actors.russia.opening]\nterritory = 0.5\n[actors.russia.limit]\nterritory = 0.6\n"},
        path="actors.russia.limit.territory",
        says=("0.6", "at most the opening position 0.5"),
        cli=False,
    ),
    "extends_cycle": Case(
        {"bad.toml": 'extends = "other.toml"\n', "other.toml": 'extends = "bad.toml"\n'},
        path="extends",
        says=("cycle", "bad.toml -> other.toml -> bad.toml"),
        cli=False,
    ),
    "extends_not_a_string": Case(
        {"bad.toml": "extends = 3\n"},
        path="extends",
        says=("3", "a string"),
        cli=False,
    ),
    "extends_unknown": Case(
        {"bad.toml": 'extends = "nowhere"\n'},
        says=("'nowhere'", "baseline"),
        cli=False,
    ),
    "invalid_toml": Case({"bad.toml": EXTENDS + "[clock\n"}, says=("invalid TOML", "a TOML file"), cli=False),
    "python_in_a_number": Case(
        {"bad.toml": EXTENDS + "[actors.ukraine.response]\nmirror_gain = \"__import__('os').system('touch PWNED')\"\n"},
        path="actors.ukraine.response.mirror_gain",
        says=("__import__", "a number from 0 to 3"),
        marker="PWNED",
        cli=False,
    ),
    "set_unknown_path": Case(
        {},
        scenario="baseline",
        args=("--set", "actors.ukraine.response.forgivness=0.3"),
        source="--set",
        path="actors.ukraine.response.forgivness",
        says=("unknown key 'forgivness'", "did you mean 'forgiveness'"),
    ),
    "set_unknown_table": Case(
        {},
        scenario="baseline",
        args=("--set", "actors.mexico.aid=0.5"),
        source="--set",
        path="actors.mexico",
        says=("unknown key 'mexico'", "europe", "united_states"),
        cli=False,
    ),
    "set_wrong_type": Case(
        {},
        scenario="baseline",
        args=("--set", "actors.united_states.deadline_days=soon"),
        source="--set",
        path="actors.united_states.deadline_days",
        says=("'soon'", "a number from 0 to 36500"),
    ),
    "set_out_of_range": Case(
        {},
        scenario="baseline",
        args=("--set", "clock.horizon_days=0"),
        source="--set",
        path="clock.horizon_days",
        says=("0", "a whole number from 1 to 3650"),
        cli=False,
    ),
}


def _write(case: Case, folder):
    folder.mkdir()
    for name, text in case.files.items():
        (folder / name).write_text(text)


@pytest.fixture(scope="module")
def cli_results(tmp_path_factory):
    """Run every console-script case at once (each pays Python's start-up), then collect."""
    root = tmp_path_factory.mktemp("bad")
    procs = {}
    for name, case in CASES.items():
        if not case.cli:
            continue
        folder = root / name
        _write(case, folder)
        procs[name] = (folder, start_cli("run", case.scenario, *case.args, "--out", "out", cwd=folder))
    results = {}
    for name, (folder, proc) in procs.items():
        out, err = proc.communicate(timeout=120)
        results[name] = (folder, proc.returncode, out, err)
    return results


@pytest.mark.parametrize("name", [n for n, c in CASES.items() if c.cli])
def test_bad_input_through_the_console_script_exits_2_with_one_message_and_writes_nothing(name, cli_results):
    case = CASES[name]
    folder, code, out, err = cli_results[name]
    assert code == 2, (out, err)
    assert "Traceback" not in out + err
    assert out.strip() == ""
    message = err.strip()
    assert message and "\n" not in message, f"expected one line, got: {err!r}"
    for fragment in (case.source, case.path, *case.says):
        assert fragment in message, f"{fragment!r} not in {message!r}"
    # Nothing was created: not the output folder, not a results/ folder, no temporary files.
    assert sorted(p.name for p in folder.iterdir()) == sorted(case.files)


@pytest.mark.parametrize("name", [n for n, c in CASES.items() if not c.args])
def test_bad_scenario_files_are_refused_by_the_python_api_before_a_model_exists(name, tmp_path, monkeypatch):
    case = CASES[name]
    folder = tmp_path / name
    _write(case, folder)
    monkeypatch.chdir(folder)
    with pytest.raises(ScenarioError) as info:
        CeasefireModel(case.scenario)
    error = info.value
    assert case.source in str(error)
    if case.files:
        assert case.source in error.source  # the file that holds the bad value, not its parent
    assert error.path == case.path
    for fragment in case.says:
        assert fragment in str(error)
    if case.marker:
        assert not (folder / case.marker).exists()


@pytest.mark.parametrize("name", [n for n, c in CASES.items() if c.args and "=" in c.args[1]])
def test_bad_overrides_are_refused_by_the_python_api(name):
    case = CASES[name]
    key, value = parse_override(case.args[1])
    with pytest.raises(ScenarioError) as info:
        load_scenario(case.scenario, {key: value})
    assert info.value.path == case.path
    for fragment in case.says:
        assert fragment in str(info.value)


# Per-replicate arrays (one value per replicate: design points or draws side by side) are
# Python API only; each refusal names the key path, what was found and what is allowed.
ARRAYS = {
    "wrong_length": (
        {"actors__ukraine__response__forgiveness": np.array([0.1, 0.2, 0.3])},
        "actors.ukraine.response.forgiveness",
        ("an array of 3 values", "one value per replicate: an array of 4 numbers"),
    ),
    "two_dimensional": (
        {"actors__ukraine__response__forgiveness": np.zeros((4, 2))},
        "actors.ukraine.response.forgiveness",
        ("shape (4, 2)", "an array of 4 numbers"),
    ),
    "one_value_out_of_range": (
        {"actors__ukraine__response__forgiveness": np.array([0.1, 0.2, 0.3, 1.5])},
        "actors.ukraine.response.forgiveness[3]",
        ("1.5", "a number from 0 to 1"),
    ),
    "on_the_clock": (
        {"clock__tick_hours": np.array([6, 6, 6, 6])},
        "clock.tick_hours",
        ("an array", "a single value here"),
    ),
    "on_a_text_field": (
        {"actors__ukraine__response__rule": np.array(["fixed"] * 4)},
        "actors.ukraine.response.rule",
        ("an array", "a single value here"),
    ),
}


@pytest.mark.parametrize("name", list(ARRAYS))
def test_bad_per_replicate_arrays_are_refused_by_the_python_api(name):
    overrides, path, says = ARRAYS[name]
    with pytest.raises(ScenarioError) as info:
        CeasefireModel("baseline", replicates=4, **overrides)
    assert info.value.source == "overrides" and info.value.path == path
    assert str(info.value).count("\n") == 0
    for fragment in says:
        assert fragment in str(info.value)


def test_a_per_tick_key_given_as_a_keyword_names_its_successor():
    with pytest.raises(ScenarioError) as info:
        CeasefireModel("baseline", replicates=4, actors__ukraine__perception__false_alarm=0.1)
    assert info.value.path == "actors.ukraine.perception.false_alarm"
    assert "the retired key 'false_alarm'" in str(info.value) and "false_alarms_per_day" in str(info.value)


def test_a_per_tick_key_given_as_a_per_replicate_array_names_its_successor():
    with pytest.raises(ScenarioError) as info:
        CeasefireModel("baseline", replicates=4, actors__ukraine__perception__false_alarm=np.full(4, 0.1))
    assert "false_alarms_per_day" in str(info.value)


def test_validate_reports_a_bad_file_and_exits_2(tmp_path):
    (tmp_path / "bad.toml").write_text(CASES["out_of_range"].files["bad.toml"])
    proc = start_cli("validate", "baseline", "bad.toml", cwd=tmp_path)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 2
    assert "Traceback" not in out + err
    lines = [line for line in (out + err).splitlines() if line.strip()]
    assert len(lines) == 2
    assert lines[0].lower().startswith("ok") and "baseline" in lines[0]
    assert "bad.toml" in lines[1] and "actors.ukraine.response.forgiveness" in lines[1] and "1.5" in lines[1]


def test_a_set_without_a_value_is_refused():
    with pytest.raises(ScenarioError, match="KEY.PATH=VALUE"):
        parse_override("clock.horizon_days")


@pytest.mark.parametrize("seed", [-1, 1.5, "0"])
def test_a_seed_that_is_not_a_whole_number_from_zero_is_refused_by_name(seed):
    with pytest.raises(ScenarioError, match="seed: found .*allowed: a whole number >= 0"):
        CeasefireModel("baseline", seed=seed)


@pytest.mark.parametrize("command", ["run", "compare"])
def test_a_negative_seed_on_the_command_line_is_refused_before_anything_runs(command, tmp_path, capsys):
    from sim.cli import main

    out = tmp_path / "out"
    args = [command, "baseline", *(["baseline"] if command == "compare" else []), "--seed", "-1", "--out", str(out)]
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    err = capsys.readouterr().err
    assert exit_info.value.code == 2
    assert "--seed" in err and "'-1'" in err and "a whole number >= 0" in err and "Traceback" not in err
    assert not out.exists()

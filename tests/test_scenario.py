"""Scenario files: the packaged set, the baseline's calendar, inheritance, overrides, safety."""

from __future__ import annotations

import datetime as dt
import tomllib

import pytest
from conftest import BASELINE_START, PACKAGED, TRUCE_HOURS, TRUCE_START

from sim import CeasefireModel, ScenarioError, load_scenario
from sim.scenario import packaged_scenarios, parse_override
from sim.scenario.priors import Prior

REQUIRED_PATHS = [
    "clock.start",
    "clock.tick_hours",
    "clock.horizon_days",
    "negotiation.enabled",
    *(
        f"actors.{side}.{key}"
        for side in ("russia", "ukraine")
        for key in (
            "response.rule",
            "response.answer_lag_hours",
            "response.mirror_gain",
            "response.forgiveness",
            "response.join_truce",
            "perception.false_alarms_per_day",
            "perception.miss",
            "incidents_per_day",
            "commitment.tolerance",
            "concession.beta",
            "concession.deadline_days",
        )
    ),
    "outcomes.hold_days",
    "actors.united_states.deadline_days",
    "actors.united_states.extension_probability",
    "actors.united_states.required_progress",
    "actors.united_states.aid_cut",
    "actors.europe.backfill",
    "actors.europe.guarantee_capacity",
]


def test_the_packaged_scenarios_are_found_by_name_and_load():
    assert set(packaged_scenarios()) == PACKAGED
    for name in PACKAGED:
        scenario = load_scenario(name)
        assert scenario.name == name
        assert scenario.data["description"], f"{name} has no one-line description"


@pytest.mark.parametrize("path", REQUIRED_PATHS)
def test_the_issue_key_paths_exist_in_the_baseline(path):
    load_scenario("baseline").get(path)


def test_the_baseline_carries_the_articles_calendar():
    s = load_scenario("baseline")
    clock = s.data["clock"]
    assert clock["start"] == BASELINE_START
    assert clock["tick_hours"] == 6
    by_kind = {}
    for event in s.data["events"]:
        by_kind.setdefault(event["kind"], []).append(event)
    (truce,) = by_kind["truce"]
    assert truce["actor"] == "russia"
    assert truce["at"] == TRUCE_START
    assert truce["hours"] == TRUCE_HOURS
    # The truce ends at Monday 21 April 00:00 Moscow time.
    assert truce["at"] + dt.timedelta(hours=truce["hours"]) == dt.datetime(2025, 4, 21, tzinfo=BASELINE_START.tzinfo)
    (offer,) = by_kind["bilateral_offer"]
    assert offer["actor"] == "russia" and offer["at"].date() == dt.date(2025, 4, 21)
    assert "civilian_moratorium" in offer["issues"]
    meetings = {e["name"]: e["at"].date() for e in by_kind["meeting"]}
    assert meetings.get("London") == dt.date(2025, 4, 23)
    assert s.get("actors.ukraine.response.rule") == "symmetric"
    assert s.get("actors.ukraine.response.mirror_gain") == 1.0


def test_every_variant_extends_the_baseline_and_names_what_it_changes():
    base = load_scenario("baseline")
    for name, path in packaged_scenarios().items():
        if name == "baseline":
            continue
        raw = tomllib.loads(path.read_text())
        assert raw.get("extends") == "baseline", name
        assert "events" not in raw and "clock" not in raw, f"{name} should not copy the baseline"
        assert load_scenario(name).data["events"] == base.data["events"]


def test_the_variants_change_what_their_names_say():
    base = load_scenario("baseline")
    get = lambda name, path: load_scenario(name).get(path)  # noqa: E731
    assert get("short_deadline", "actors.united_states.deadline_days") == 3
    assert get("no_deadline", "actors.united_states.deadline_days") > base.get("clock.horizon_days")
    assert get("no_mirror", "actors.ukraine.response.rule") != "symmetric"
    assert get("no_mirror", "actors.ukraine.response.join_truce") == 0.0
    assert get("europe_guarantees", "actors.europe.guarantee_capacity") > base.get("actors.europe.guarantee_capacity")
    assert get("bilateral_track", "actors.ukraine.bilateral_acceptance") == 1.0
    assert get("monitored_ceasefire", "actors.europe.monitoring") > base.get("actors.europe.monitoring")
    for side in ("russia", "ukraine"):
        for key in ("incidents_per_day", "perception.false_alarms_per_day", "perception.miss"):
            path = f"actors.{side}.{key}"
            noisy, usual = get("noisy_front", path), base.get(path)
            # Priors in v2: the same kind of range, every bound three times the baseline's.
            assert isinstance(noisy, Prior) and noisy.kind == usual.kind, path
            assert noisy.values == pytest.approx(tuple(3 * v for v in usual.values)), path


def test_a_child_scenario_overrides_its_parent_and_arrays_replace(write_scenario):
    path = write_scenario(
        """
extends = "baseline"
name = "child"
[actors.ukraine.response]
forgiveness = 0.9
[[events]]
kind = "meeting"
at = 2025-04-20T12:00:00+03:00
name = "Geneva"
"""
    )
    s = load_scenario(path)
    base = load_scenario("baseline")
    assert s.name == "child"
    assert s.get("actors.ukraine.response.forgiveness") == 0.9
    # Siblings of an overridden key are inherited.
    assert s.get("actors.ukraine.response.answer_lag_hours") == base.get("actors.ukraine.response.answer_lag_hours")
    assert [e["name"] for e in s.data["events"]] == ["Geneva"]


def test_a_chain_of_extends_resolves_relative_to_each_file(write_scenario):
    write_scenario('extends = "baseline"\n[actors.europe]\nbackfill = 0.9\n', "middle.toml")
    leaf = write_scenario('extends = "middle.toml"\n[actors.europe]\naid = 0.4\n', "leaf.toml")
    s = load_scenario(leaf)
    assert s.get("actors.europe.backfill") == 0.9
    assert s.get("actors.europe.aid") == 0.4


def test_an_omitted_tick_length_defaults_to_six_hours(write_scenario):
    text = (packaged_scenarios()["baseline"]).read_text()
    lines = [line for line in text.splitlines() if not line.startswith("tick_hours")]
    assert len(lines) == len(text.splitlines()) - 1
    s = load_scenario(write_scenario("\n".join(lines)))
    assert s.get("clock.tick_hours") == 6


def test_overrides_use_double_underscores_for_dots_and_are_validated():
    model = CeasefireModel("baseline", replicates=1, actors__united_states__deadline_days=7)
    assert model.scenario.get("actors.united_states.deadline_days") == 7
    assert load_scenario("baseline").get("actors.united_states.deadline_days") != 7
    with pytest.raises(ScenarioError, match=r"actors\.united_states\.deadline_days"):
        CeasefireModel("baseline", actors__united_states__deadline_days=-1)


def test_a_loaded_scenario_is_read_only():
    s = load_scenario("baseline")
    with pytest.raises(TypeError):
        s.data["clock"]["horizon_days"] = 1  # type: ignore[index]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a.b=7", 7),
        ("a.b=0.25", 0.25),
        ("a.b=true", True),
        ('a.b="fixed"', "fixed"),
        ("a.b=fixed", "fixed"),
        ('a.b=["x", "y"]', ["x", "y"]),
        ("a.b=2025-04-19T18:00:00+03:00", TRUCE_START),
    ],
)
def test_set_values_are_read_as_toml_values(text, expected):
    assert parse_override(text) == ("a.b", expected)


def test_python_in_a_string_is_kept_as_text_never_run(write_scenario, tmp_path):
    marker = tmp_path / "PWNED"
    payload = f"__import__('pathlib').Path({str(marker)!r}).touch()"
    s = load_scenario(write_scenario(f'extends = "baseline"\ndescription = "{payload}"\n'))
    CeasefireModel(s, replicates=2).run()
    assert s.data["description"] == payload
    assert not marker.exists()


def test_python_in_a_numeric_field_is_refused_by_type(write_scenario, tmp_path):
    marker = tmp_path / "PWNED"
    payload = f"__import__('pathlib').Path({str(marker)!r}).touch() or 0.5"
    path = write_scenario(f'extends = "baseline"\n[actors.ukraine.response]\nforgiveness = "{payload}"\n')
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.path == "actors.ukraine.response.forgiveness"
    assert not marker.exists()


def test_an_extends_cycle_is_refused(write_scenario):
    write_scenario('extends = "b.toml"\n', "a.toml")
    b = write_scenario('extends = "a.toml"\n', "b.toml")
    with pytest.raises(ScenarioError, match="cycle"):
        load_scenario(b)


def test_a_scenario_extending_itself_is_refused(write_scenario):
    path = write_scenario('extends = "self.toml"\n', "self.toml")
    with pytest.raises(ScenarioError, match="cycle"):
        load_scenario(path)

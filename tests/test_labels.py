"""Names and units of scenario key paths, as figures and tables show them (sim.scenario.schema.label)."""

import re

import pytest

from sim.scenario.schema import LABELS, label, scenario_fields

PATHS = list(scenario_fields())


@pytest.mark.parametrize("path", PATHS)
def test_every_key_path_has_a_readable_label_with_a_unit(path):
    text = label(path)
    assert text != path
    assert "." not in text.replace("U.S.", "").replace("0-1", ""), f"{text!r} still reads like a key path"
    assert "_" not in text
    unit = re.fullmatch(r"(.+) \(([^()]+)\)", text)
    assert unit is not None, f"{text!r} does not end with its unit in brackets"
    assert unit.group(1).strip() and unit.group(2).strip()


def test_the_example_of_the_issue_reads_as_a_person_would_say_it():
    assert label("actors.united_states.deadline_days") == "U.S. deadline (days)"
    assert label("actors.ukraine.perception.false_alarms_per_day") == "Ukraine's false alarms (per day)"
    assert (
        label("actors.russia.opening.civilian_moratorium")
        == "Russia's opening position on civilian moratorium (position, 0-1)"
    )


def test_no_two_key_paths_share_a_label():
    labels = [label(p) for p in PATHS]
    assert len(set(labels)) == len(labels)


@pytest.mark.parametrize(
    ("suffix", "unit"),
    [("_days", "days"), ("_hours", "hours"), ("_per_day", "per day"), ("_per_hour", "per hour")],
)
def test_units_agree_with_the_units_the_key_names_carry(suffix, unit):
    named = [p for p in PATHS if p.endswith(suffix)]
    assert named
    for path in named:
        assert label(path).endswith(f"({unit})"), path


def test_switches_choices_and_probabilities_say_so_in_their_unit():
    for path, spec in scenario_fields().items():
        if spec.doc.startswith("probability"):
            assert label(path).endswith("(probability)"), path
        if spec.kind == "bool":
            assert label(path).endswith(("(yes/no)", "(on/off)")), path
        if spec.choices is not None:
            assert label(path).endswith("(category)"), path


def test_every_label_entry_still_names_a_key_path():
    """A renamed key would otherwise leave its old entry behind and its new path unnamed."""
    for key in LABELS:
        pattern = re.compile("^" + re.escape(key).replace(r"\*", "[a-z_]+") + "$")
        assert any(pattern.match(p) for p in PATHS), key


def test_an_unknown_path_is_returned_as_it_is():
    assert label("actors.nobody.thing") == "actors.nobody.thing"
    assert label("not_a_key") == "not_a_key"

"""Pattern files: what they accept, what they refuse, and how a parameter set is scored on them."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.errors import ScenarioError
from sim.experiments.patterns import Condition, Pattern, collapse_hazards, load_patterns, pattern_scores, ratio
from sim.model.model import CeasefireModel

PACKAGED = Path(__file__).resolve().parents[1] / "scenarios" / "patterns" / "easter_2025.toml"

HEADER = '[patterns]\nname = "t"\nscenario = "baseline"\n'
GOOD = """
[[pattern]]
id = "quiet_start"
says = "nothing signed in the first week"
source = "test"
kind = "share"
when = [{ output = "day_first_agreement", after = 2025-04-24T00:00:00+03:00 }]
share = [0.5, 1.0]
"""


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "patterns.toml"
    path.write_text(HEADER + textwrap.dedent(body))
    return path


def test_the_packaged_patterns_load_and_cite_a_source_each():
    spec = load_patterns(PACKAGED)
    assert spec.scenario.name == "baseline"
    assert {p.kind for p in spec.patterns} == {"share", "contrast", "hazard"}
    assert all(p.source.strip() for p in spec.patterns)
    assert set(spec.variants()) == {p.id for p in spec.patterns if p.kind == "contrast"}


def test_a_packaged_patterns_file_is_found_by_name_from_any_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    found = Path(load_patterns("easter_2025").path)  # the repository's file, or the installed wheel's copy
    assert found.name == "easter_2025.toml" and found.read_bytes() == PACKAGED.read_bytes()


def test_a_date_becomes_days_since_the_start_of_the_calendar(tmp_path):
    (pattern,) = load_patterns(write(tmp_path, GOOD)).patterns
    # The baseline starts Thu 17 Apr 2025 00:00 (+03:00): Thu 24 Apr 00:00 is day 7.
    assert pattern.when == (Condition("day_first_agreement", "after", 7.0),)


def test_after_counts_an_event_that_never_happened_and_before_does_not():
    rows = pd.DataFrame({"day": [1.0, 7.0, 9.0, np.nan]})
    assert Condition("day", "after", 7.0).holds(rows).tolist() == [False, False, True, True]
    assert Condition("day", "before", 7.0).holds(rows).tolist() == [True, True, False, False]
    assert Condition("day", "missing", True).holds(rows).tolist() == [False, False, False, True]
    assert Condition("day", "equals", 7.0).holds(rows).tolist() == [False, True, False, False]


def test_a_share_is_taken_per_parameter_set_and_among_the_rows_asked_for():
    rows = pd.DataFrame(
        {"point": [0, 0, 0, 0, 1, 1], "x": [1.0, 0.0, 1.0, 1.0, 0.0, 0.0], "signed": [1.0, 1.0, 0.0, 0.0, 0.0, 0.0]}
    )
    p = Pattern(
        "p", "", "", "share",
        when=(Condition("x", "at_least", 1.0),),
        among=(Condition("signed", "at_least", 1.0),),
    )
    share = p.condition_share(rows, rows["point"].to_numpy(), 2)
    assert share[0] == 0.5  # one of the two signed rows of set 0
    assert np.isnan(share[1])  # set 1 has no row to take the share over: not judged


def test_distances_measure_how_far_a_set_is_from_its_target():
    share = Pattern("s", "", "", "share", share=(0.5, 0.8))
    np.testing.assert_allclose(share.distance(np.array([0.2, 0.5, 0.7, 0.9])), [0.3, 0.0, 0.0, 0.1])
    # Relations are ratios (variant / scenario; late / early): 1 is no difference.
    lower = Pattern("c", "", "", "contrast", direction="lower")
    np.testing.assert_allclose(lower.distance(np.array([0.5, 1.0, 1.3, np.inf])), [0.0, 0.0, 0.3, np.inf])
    rises = Pattern("h", "", "", "hazard", direction="rises")
    np.testing.assert_allclose(rises.distance(np.array([0.25, 2.0])), [0.75, 0.0])
    assert np.isnan(lower.distance(np.array([np.nan]))[0])  # nothing to compare: not judged


def test_a_ratio_of_nothing_to_nothing_is_not_judged_and_of_something_to_nothing_is_infinite():
    got = ratio(np.array([0.0, 0.2, 0.1, 0.0]), np.array([0.0, 0.0, 0.4, 0.5]))
    assert np.isnan(got[0]) and got[1] == np.inf and got[2] == 0.25 and got[3] == 0.0


def test_collapse_hazards_are_events_over_days_at_risk_in_each_window():
    # Set 0: signed on day 2; one collapses on day 4 (2 days in), one on day 20 (18 in), one holds to day 30 (28).
    rows = pd.DataFrame(
        {
            "point": [0, 0, 0, 1],
            "day_first_agreement": [2.0, 2.0, 2.0, np.nan],
            "day_collapse": [4.0, 20.0, np.nan, np.nan],
        }
    )
    early, late = collapse_hazards(rows, rows["point"].to_numpy(), 2, split_days=7.0, horizon_days=30.0)
    # Early window: days at risk 2 + 7 + 7 = 16 with one collapse; late: 0 + 11 + 21 = 32 with one.
    assert early[0] == pytest.approx(1 / 16) and late[0] == pytest.approx(1 / 32)
    assert np.isnan(early[1]) and np.isnan(late[1])  # nothing signed: not judged


def test_a_share_score_is_the_share_of_replicates_showing_it_in_outcomes_csv():
    model = CeasefireModel("baseline", seed=3, replicates=200, keep_timelines=0).run()
    rows = model.outcomes().assign(point=np.repeat([0, 1], 100))
    spec = load_patterns(PACKAGED)
    accuse = next(p for p in spec.patterns if p.id == "both_accuse_during_truce")
    got = pattern_scores(accuse, rows, 2, 30.0)
    both = (rows["truce_accusations_by_russia"] > 0) & (rows["truce_accusations_by_ukraine"] > 0)
    np.testing.assert_allclose(got, both.groupby(rows["point"]).mean().to_numpy())


@pytest.mark.parametrize(
    ("body", "path", "found"),
    [
        (GOOD.replace('kind = "share"', 'kind = "likelihood"'), "pattern[0].kind", "'likelihood'"),
        (GOOD.replace("2025-04-24T00:00:00+03:00", "2025-06-24T00:00:00+03:00"), "pattern[0].when[0].after", "outside the calendar"),
        (GOOD.replace("2025-04-24T00:00:00+03:00", "2025-04-01T00:00:00+03:00"), "pattern[0].when[0].after", "outside the calendar"),
        (GOOD.replace('"day_first_agreement"', '"day_first_agreemnt"'), "pattern[0].when[0].output", "did you mean 'day_first_agreement'"),
        (GOOD.replace('"day_first_agreement"', '"walkaway"'), "pattern[0].when[0].output", "not a column of outcomes.csv"),
        (GOOD.replace("share = [0.5, 1.0]", "share = [0.8, 0.5]"), "pattern[0].share", "[0.8, 0.5]"),
        (GOOD.replace("share = [0.5, 1.0]", "shares = [0.5, 1.0]"), "pattern[0].shares", "did you mean 'share'"),
        (GOOD.replace('says = "nothing signed in the first week"\n', ""), "pattern[0].says", "nothing"),
        (GOOD.replace('"day_first_agreement", after', '"collapses", after'), "pattern[0].when[0].after", "a date test"),
        (GOOD.replace('after = 2025-04-24T00:00:00+03:00', 'is = "x"'), "pattern[0].when[0].is", "a text test"),
        (GOOD + GOOD, "pattern[1].id", "'quiet_start'"),
        (GOOD.replace('kind = "share"', 'kind = "contrast"\nvariant = "no_such_scenario"\ndirection = "lower"').replace(
            "share = [0.5, 1.0]\n", ""), "variant", "no scenario named"),
    ],
)
def test_bad_patterns_are_refused_naming_the_file_and_key(tmp_path, body, path, found):
    file = write(tmp_path, body)
    with pytest.raises(ScenarioError) as error:
        load_patterns(file)
    message = str(error.value)
    assert path in message and found in message, message
    assert str(file) in message or "variant" in message

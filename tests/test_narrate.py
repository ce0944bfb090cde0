"""Narration: events become dated plain sentences that name the actors and what is in force."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from conftest import BASELINE_START, NOISELESS, TRUCE_START

from sim import CeasefireModel
from sim.classroom.narrate import narrate, when


def log(*rows: tuple[int, str, str, str]) -> pd.DataFrame:
    """An event log of replicate 0 from (tick, actor, kind, detail), 6-hour ticks from the baseline start."""
    return pd.DataFrame(
        [
            (0, tick, (BASELINE_START + dt.timedelta(hours=6 * tick)).isoformat(), actor, kind, detail)
            for tick, actor, kind, detail in rows
        ],
        columns=["replicate", "tick", "time", "actor", "kind", "detail"],
    )


def story_of(**overrides) -> list[str]:
    model = CeasefireModel("baseline", seed=0, **overrides).run()
    return narrate(model.events(), 0)


def test_when_gives_weekday_day_month_and_clock_time():
    assert when("2025-04-19T18:00:00+03:00") == "Sat 19 Apr, 18:00"
    assert when("2025-05-01T06:00:00+03:00") == "Thu 1 May, 06:00"


def test_a_declared_truce_is_dated_and_says_how_long_and_until_when():
    lines = narrate(log((11, "russia", "truce_declared", "30 hours")))
    assert lines == ["Sat 19 Apr, 18:00 — Russia declares a 30-hour truce, until Mon 21 Apr, 00:00."]


def test_an_unordered_incident_under_the_truce_is_called_one():
    lines = narrate(
        log((11, "russia", "truce_declared", "30 hours"), (12, "ukraine", "violation", "military (unordered incident)"))
    )
    assert lines[1] == (
        "Sun 20 Apr, 00:00 — Ukraine's forces fire on military targets under the truce (an unordered local incident)."
    )


def test_ordered_fire_that_answers_a_violation_reads_as_an_answer_in_kind_once():
    lines = narrate(
        log(
            (11, "russia", "truce_declared", "30 hours"),
            (12, "russia", "violation", "military (ordered)"),
            (12, "russia", "answer", "military"),
        )
    )
    assert len(lines) == 2, "the answer folds into the ordered violation"
    assert lines[1] == (
        "Sun 20 Apr, 00:00 — Russia orders its forces to answer in kind: they fire on military targets under the truce."
    )


def test_fire_by_a_side_that_has_not_joined_the_truce_says_so():
    lines = narrate(
        log(
            (11, "russia", "truce_declared", "30 hours"),
            (11, "ukraine", "violation", "military and civilian (ordered)"),
        )
    )
    assert "Ukraine's forces keep firing on military and civilian targets during Russia's truce" in lines[1]
    assert "which Ukraine has not joined" in lines[1]


def test_an_accusation_names_the_agreement_in_force_not_a_truce():
    lines = narrate(
        log(
            (40, "mediated", "agreement", "ceasefire"),
            (41, "russia", "violation", "military (unordered incident)"),
            (41, "ukraine", "accusation", "military"),
        )
    )
    assert lines[0].endswith("The parties agree on a ceasefire (mediated talks).")
    assert "under the ceasefire" in lines[1]
    assert lines[2].endswith("Ukraine accuses Russia of violating the ceasefire (fire on military targets).")
    assert "truce" not in lines[2]


def test_an_accusation_under_the_civilian_moratorium_names_the_moratorium():
    lines = narrate(
        log((40, "bilateral", "agreement", "partial"), (42, "russia", "accusation", "civilian")),
    )
    assert "a moratorium on strikes against civilian targets (direct talks)" in lines[0]
    assert "Russia accuses Ukraine of violating the civilian-targets moratorium" in lines[1]


def test_an_accusation_with_no_fire_behind_it_is_a_false_alarm():
    lines = narrate(log((11, "russia", "truce_declared", "30 hours"), (13, "ukraine", "accusation", "civilian")))
    assert lines[1].endswith("a false alarm, Russia fired on no such targets.")


def test_an_accusation_is_not_a_false_alarm_when_the_other_side_fired_in_that_class():
    lines = narrate(
        log(
            (11, "russia", "truce_declared", "30 hours"),
            (13, "russia", "violation", "military (unordered incident)"),
            (13, "ukraine", "accusation", "military and civilian"),
        ),
        skip=("violation",),
    )
    assert len(lines) == 2, "a skipped kind is left out of the story"
    assert "false alarm" in lines[1]
    assert lines[1].endswith("the report of civilian fire is a false alarm.")


def test_after_the_truce_ends_a_violation_names_the_agreement_again():
    lines = narrate(
        log(
            (5, "bilateral", "agreement", "partial"),
            (11, "russia", "truce_declared", "30 hours"),
            (15, "russia", "truce_ended", ""),
            (16, "ukraine", "violation", "civilian (unordered incident)"),
        )
    )
    assert lines[2].endswith("Russia's truce ends.")
    assert "under the civilian-targets moratorium" in lines[3]


def test_a_collapse_names_what_collapsed_and_the_deadline_sentences_name_the_mediator():
    lines = narrate(
        log(
            (40, "", "collapse", "ceasefire"),
            (41, "united_states", "deadline_extended", "progress 20%"),
            (60, "united_states", "walk_away", "progress 25%"),
        )
    )
    assert lines[0].endswith("The ceasefire collapses: too many violations were answered in kind.")
    assert "The U.S. deadline arrives without enough progress (progress 20%); Washington extends it." in lines[1]
    assert "The United States walks away from the talks (progress 25%)" in lines[2]


def test_narrate_keeps_to_one_replicate_and_skips_proposals_by_default():
    events = pd.concat(
        [
            log((10, "united_states", "proposal", "civilian_moratorium 0.30")),
            log((11, "russia", "truce_declared", "30 hours")).assign(replicate=7),
        ]
    )
    assert narrate(events, 0) == []
    assert len(narrate(events, 7)) == 1
    assert narrate(events.iloc[:0]) == []


def test_the_baseline_story_dates_the_easter_truce_and_names_both_sides():
    story = story_of()
    assert f"{when(TRUCE_START.isoformat())} — Russia declares a 30-hour truce, until Mon 21 Apr, 00:00." in story
    assert any("Ukraine answers: ceasefire will be met with ceasefire." in line for line in story)
    accusers = {line.split(" — ")[1].split()[0] for line in story if " accuses " in line}
    assert accusers == {"Russia", "Ukraine"}, "each side accuses the other, as the source reports"
    assert all(" — " in line and line[:3] in {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"} for line in story)


def test_without_noise_the_story_has_no_accusation_and_no_violation():
    story = story_of(**NOISELESS)
    assert story, "the calendar still tells the truce and the talks"
    assert not any("accuses" in line or "fire on" in line for line in story)
    assert any("Russia's truce ends." in line for line in story)

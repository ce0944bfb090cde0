"""Narration: events become dated plain sentences that name the actors and what is in force."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest
from conftest import BASELINE_START, NOISELESS, TRUCE_START

from sim import CeasefireModel
from sim.classroom.narrate import narrate, when
from sim.model.outcomes import OUTCOMES

WEEKDAYS = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}


def log(*rows: tuple) -> pd.DataFrame:
    """An event log of replicate 0 from (tick, actor, kind, detail[, minutes after the tick]).

    Ticks are 6 hours from the baseline start, as in the baseline scenario.
    """
    out = []
    for row in rows:
        tick, actor, kind, detail, *minutes = row
        time = BASELINE_START + dt.timedelta(hours=6 * tick, minutes=minutes[0] if minutes else 0)
        out.append((0, tick, time.isoformat(), actor, kind, detail))
    return pd.DataFrame(out, columns=["replicate", "tick", "time", "actor", "kind", "detail"])


TRUCE = [(11, "russia", "truce_declared", "30 hours"), (11, "ukraine", "truce_joined", "ceasefire met with ceasefire")]


def story_of(replicate: int = 0, **overrides) -> tuple[list[str], str]:
    model = CeasefireModel("baseline", seed=0, replicates=[replicate], **overrides).run()
    outcome = str(model.outcomes()["outcome"].iloc[0])
    return narrate(model.events(), replicate, outcome=outcome), outcome


def accused(lines: list[str]) -> dict[tuple[str, str], int]:
    """Accusations told in the story: (accuser, accused) -> count."""
    out: dict[tuple[str, str], int] = {}
    for line in lines:
        for who, whom, n in re.findall(r"(Russia|Ukraine) accuses (Russia|Ukraine) of (\d+)", line):
            out[(who, whom)] = out.get((who, whom), 0) + int(n)
        for who, n, whom in re.findall(r"(Russia|Ukraine) reports (\d+) strikes? by (Russia|Ukraine)", line):
            out[(who, whom)] = out.get((who, whom), 0) + int(n)
    return out


# --- single events -----------------------------------------------------------------------------


def test_when_gives_weekday_day_month_and_clock_time():
    assert when("2025-04-19T18:00:00+03:00") == "Sat 19 Apr, 18:00"
    assert when("2025-05-01T06:00:00+03:00") == "Thu 1 May, 06:00"


def test_a_declared_truce_is_dated_and_says_how_long_and_until_when():
    lines = narrate(log((11, "russia", "truce_declared", "30 hours")))
    assert lines == ["Sat 19 Apr, 18:00 — Russia declares a 30-hour truce, until Mon 21 Apr, 00:00."]


def test_joining_the_truce_is_ceasefire_met_with_ceasefire_and_fighting_on_is_said_too():
    joined = narrate(log(*TRUCE))
    assert joined[1] == (
        "Sat 19 Apr, 18:00 — Ukraine answers: ceasefire will be met with ceasefire. It joins the truce and holds fire."
    )
    not_joined = narrate(
        log(
            (11, "russia", "truce_declared", "30 hours"),
            (11, "ukraine", "truce_not_joined", "fights on"),
            (11, "russia", "accusation", "9 violations seen"),
        )
    )
    assert not_joined[1].endswith("Ukraine does not join the truce: its forces fight on.")
    assert "During its truce, Russia reports 9 strikes by Ukraine, which fights on." in not_joined[2]
    assert "false alarm" not in not_joined[2], "fire by a side that never joined is real fire"


def test_an_extended_truce_says_until_when_and_ends_after_its_whole_length():
    # Both are stamped at the end of their step, as the model does.
    lines = narrate(
        log(*TRUCE, (15, "russia", "truce_extended", "24 hours", 360), (19, "russia", "truce_ended", "", 360))
    )
    assert lines[2] == "Mon 21 Apr, 00:00 — Russia extends its truce by 24 hours, until Tue 22 Apr, 00:00."
    assert lines[3] == "Tue 22 Apr, 00:00 — Russia's truce ends after 54 hours, as announced. Fighting resumes."


# --- fire, accusations, answers ---------------------------------------------------------------


def test_accusations_of_one_day_make_one_line_with_the_counts_summed():
    lines = narrate(
        log(
            *TRUCE,
            (12, "ukraine", "violation", "1 unordered incident"),
            (12, "russia", "accusation", "1 violation seen"),
            (12, "russia", "answer", "1 local answer in defence"),
            (13, "russia", "violation", "1 local answer"),
            (13, "ukraine", "accusation", "2 violations seen"),
            (13, "ukraine", "answer", "2 local answers in defence"),
            (13, "russia", "accusation", "3 violations seen"),
        )
    )
    assert len(lines) == 3, "a day of skirmishing is one line"
    assert lines[2].startswith("Sun 20 Apr, from 00:00 — Under the truce, ")
    assert "Russia accuses Ukraine of 4 violations and Ukraine accuses Russia of 2." in lines[2]
    assert "Ukraine's forces fire once without orders (an unordered local incident)" in lines[2]
    assert "Russia answers 1 with a local strike in defence, Ukraine 2." in lines[2]
    assert "false alarm" not in lines[2]


def test_a_new_day_or_another_event_starts_a_new_line_so_the_story_stays_in_order():
    lines = narrate(
        log(
            *TRUCE,
            (11, "russia", "accusation", "1 violation seen"),
            (12, "russia", "accusation", "1 violation seen"),
            (14, "united_states", "statement", "hopes the two sides will make a deal this week"),
            (15, "russia", "accusation", "2 violations seen"),
        )
    )
    dates = [line.split(" — ")[0] for line in lines[2:]]
    assert dates == ["Sat 19 Apr, 18:00", "Sun 20 Apr, 00:00", "Sun 20 Apr, 12:00", "Sun 20 Apr, 18:00"]
    assert "hopes the two sides" in lines[4]
    assert "accuses Ukraine of 2 violations" in lines[5]


def test_an_accusation_with_no_fire_behind_it_is_a_false_alarm():
    lines = narrate(log(*TRUCE, (13, "ukraine", "accusation", "1 violation seen")))
    assert lines[2].endswith(
        "Under the truce, Ukraine accuses Russia of 1 violation. Russia did not violate it: "
        "Ukraine's accusation is a false alarm."
    )
    both = narrate(
        log(
            *TRUCE, (13, "ukraine", "accusation", "1 violation seen"), (13, "russia", "accusation", "2 violations seen")
        )
    )
    assert "Neither side violated it: every accusation is a false alarm." in both[2]


def test_an_accusation_is_not_a_false_alarm_when_the_other_side_fired_or_answered():
    fired = narrate(
        log(
            *TRUCE,
            (13, "russia", "violation", "1 unordered incident"),
            (13, "ukraine", "accusation", "1 violation seen"),
        ),
        skip=("violation",),
    )
    assert "false alarm" not in fired[2]
    assert "without orders" not in fired[2], "a skipped kind is left out of the story but still informs it"
    answered = narrate(
        log(
            *TRUCE,
            (13, "russia", "answer", "1 local answer in defence"),
            (13, "ukraine", "accusation", "1 violation seen"),
        )
    )
    assert "false alarm" not in answered[2], "an answer in defence within the step is fire under the truce"


def test_under_the_civilian_moratorium_an_answer_on_military_targets_is_no_violation():
    lines = narrate(
        log(
            (40, "mediated", "agreement", "partial"),
            (42, "russia", "accusation", "1 violation seen"),
            (42, "ukraine", "answer", "1 local answer in defence"),
            (42, "ukraine", "accusation", "1 violation seen, 1 cleared up by the monitor"),
        )
    )
    assert "The parties agree on a moratorium on strikes against civilian targets (mediated talks)." in lines[0]
    assert "the fighting at the front goes on" in lines[0]
    assert "Under the civilian-targets moratorium, Russia accuses Ukraine of 1 violation" in lines[1]
    assert "every accusation is a false alarm" in lines[1]
    assert "The monitors clear up 1 report before anyone answers." in lines[1]


def test_after_the_truce_ends_an_accusation_names_the_agreement_again():
    lines = narrate(
        log(
            (5, "bilateral", "agreement", "partial"),
            *TRUCE,
            (15, "russia", "truce_ended", "", 360),
            (16, "ukraine", "accusation", "1 violation seen"),
        )
    )
    assert "(direct talks)" in lines[0]
    assert lines[3].endswith("Russia's truce ends after 30 hours, as announced. Fighting resumes.")
    assert "Under the civilian-targets moratorium, Ukraine accuses Russia" in lines[4]


# --- abandonment, the mediator, the end ------------------------------------------------------


def test_an_abandoned_truce_says_who_decided_why_and_how_long_it_held_in_one_line():
    detail = "ukraine: 7.7 recent violations counted, more than it tolerates (7.2)"
    lines = narrate(
        log(
            *TRUCE,
            (15, "ukraine", "accusation", "3 violations seen"),
            (15, "ukraine", "abandoned", detail, 50),
            (15, "ukraine", "truce_collapsed", "violations", 50),
        )
    )
    assert lines[3] == (
        "Sun 20 Apr, 18:50 — Ukraine abandons the truce: it has counted 7.7 recent violations, more than the 7.2 it "
        "tolerates. The truce collapses 24 hours 50 minutes into its 30 hours. Fighting resumes."
    )
    assert len(lines) == 4, "the collapse is told with the decision, once"


def test_an_agreement_abandoned_for_its_value_says_so_and_how_long_it_was_in_force():
    lines = narrate(
        log(
            (40, "mediated", "agreement", "ceasefire"),
            (60, "russia", "abandoned", "russia: fighting on is now worth more to it than the agreed terms", 180),
            (60, "russia", "collapse", "ceasefire", 180),
        )
    )
    assert lines[0].endswith(
        "The parties agree on a ceasefire (mediated talks). Both sides are to hold fire on every target."
    )
    assert lines[1].startswith("Fri 2 May, 03:00 — Russia abandons the ceasefire: fighting on is now worth more to it")
    assert "The ceasefire collapses after 5.1 days in force, and trust suffers on both sides." in lines[1]
    assert len(lines) == 2


def test_both_sides_abandoning_at_once_names_both_and_each_ones_count():
    detail = (
        "russia: 6.1 recent violations counted, more than it tolerates (6.0); "
        "ukraine: 9.5 recent violations counted, more than it tolerates (9.0)"
    )
    lines = narrate(log(*TRUCE, (13, "both", "abandoned", detail, 10)))
    assert "Russia and Ukraine both abandon the truce: Russia has counted 6.1" in lines[2]
    assert "Ukraine has counted 9.5 recent violations, more than the 9.0 it tolerates." in lines[2]


def test_the_mediator_extends_walks_away_returns_and_walks_away_again():
    lines = narrate(
        log(
            (39, "united_states", "deadline_extended", "progress 20%"),
            (67, "united_states", "walk_away", "progress 25%"),
            (80, "united_states", "mediator_returned", "progress 51%"),
            (100, "united_states", "walk_away", "progress 30%"),
            (104, "united_states", "mediator_returned", "progress 52%"),
            (108, "united_states", "deadline_met", "progress 55%"),
            (110, "", "ceasefire_expired", ""),
            (112, "united_states", "deadline_met", "progress 56%"),
        )
    )
    assert "The U.S. deadline arrives without enough progress (progress 20%); Washington extends it." in lines[0]
    assert "The United States walks away from the talks (progress 25%)" in lines[1]
    assert "The United States comes back to the talks (progress 51%), with a new deadline." in lines[2]
    assert "The United States walks away from the talks again (progress 30%)" in lines[3]
    assert "The U.S. deadline passes with enough progress (progress 55%); the mediator stays." in lines[5]
    assert "The ceasefire's term is over. The civilian-targets moratorium stays in force" in lines[6]
    assert "The United States reviews progress (progress 56%) and stays." in lines[7]


def test_the_story_ends_by_saying_how_it_ended_in_words_for_every_outcome_class():
    endings = {outcome: narrate(log(*TRUCE), outcome=outcome)[-1] for outcome in OUTCOMES}
    assert all(line.startswith("How this story ended: ") for line in endings.values())
    assert all(line.endswith(f"({outcome.replace('_', ' ')}).") for outcome, line in endings.items())
    assert len(set(endings.values())) == len(OUTCOMES), "each class in its own words"
    assert "stalemate" in endings["no_agreement"]
    assert "stepped back" in endings["mediator_walked_away"]
    assert len(narrate(log(*TRUCE))) == 2, "no ending line without the outcome"


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


# --- the model's own stories ------------------------------------------------------------------


def test_the_baseline_story_dates_the_easter_truce_and_names_both_sides():
    story, outcome = story_of()
    assert f"{when(TRUCE_START.isoformat())} — Russia declares a 30-hour truce, until Mon 21 Apr, 00:00." in story
    assert any("Ukraine answers: ceasefire will be met with ceasefire." in line for line in story)
    assert {who for who, _ in accused(story)} == {"Russia", "Ukraine"}, (
        "each side accuses the other, as the source reports"
    )
    assert all(" — " in line and line[:3] in WEEKDAYS for line in story[:-1])
    assert story[-1].startswith("How this story ended:") and outcome.replace("_", " ") in story[-1]


def test_without_noise_the_story_has_no_accusation_and_no_violation():
    story, _ = story_of(**NOISELESS)
    assert any("Russia declares a 30-hour truce" in line for line in story), "the calendar still tells the truce"
    assert not any(word in line for line in story for word in ("accuses", "reports", "without orders", "false alarm"))
    assert not any("abandons" in line for line in story)
    assert any(re.search(r"Russia's truce ends after \d+ hours, as announced", line) for line in story)


@pytest.mark.parametrize("replicate", [2, 3, 11, 23])
def test_grouped_lines_tell_every_accusation_and_every_abandonment_of_a_model_run(replicate):
    model = CeasefireModel("baseline", seed=0, replicates=[replicate]).run()
    events = model.events()
    story = narrate(events, replicate)
    logged: dict[tuple[str, str], int] = {}
    for r in events[events["kind"] == "accusation"].itertuples():
        key = (r.actor.title(), "Ukraine" if r.actor == "russia" else "Russia")
        logged[key] = logged.get(key, 0) + int(r.detail.split()[0])
    assert accused(story) == logged
    abandoned = events[events["kind"] == "abandoned"]
    told = [line for line in story if " abandon" in line]
    assert len(told) == len(abandoned) >= 1
    for line, r in zip(told, abandoned.itertuples(), strict=True):
        assert line.startswith(when(r.time))
        assert re.search(r"more than the [\d.]+ it tolerates|worth more", line)
    days = pd.Series([line.split(",")[0] for line in story if "accuses" in line or "reports" in line])
    events_per_day = pd.Series(
        [line.split(",")[0] for line in story if "accuses" not in line and "reports" not in line]
    )
    for day, n in days.value_counts().items():
        assert n <= 1 + (events_per_day == day).sum(), f"{day}: one line of skirmishing between other events"

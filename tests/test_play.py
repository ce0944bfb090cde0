"""Playing one actor: the model's decision hook, the game engine, the debrief and `ceasefire play`."""

from __future__ import annotations

import subprocess

import numpy as np
import pandas as pd
import pytest
from conftest import ceasefire_executable, cli_env

from sim import CeasefireModel
from sim.classroom.game import ChoiceError, Game, debrief, replay
from sim.model.outcomes import OUTCOMES


class Echo:
    """A player that always takes the model's own choice, and notes what it was asked."""

    def __init__(self, side: str) -> None:
        self.side = side
        self.asked: dict[str, int] = {}

    def decide(self, decision):
        self.asked[decision.kind] = self.asked.get(decision.kind, 0) + int(decision.where.sum())
        return decision.default


class Always:
    """A player that gives one fixed answer to every decision of ``kind`` and the model's own to the rest."""

    def __init__(self, side: str, kind: str, value: bool) -> None:
        self.side, self.kind, self.value = side, kind, value

    def decide(self, decision):
        return np.full_like(decision.default, self.value) if decision.kind == self.kind else decision.default


def run(player=None, seed: int = 3, replicates: int = 40) -> CeasefireModel:
    return CeasefireModel("baseline", seed=seed, replicates=replicates, keep_timelines=replicates, player=player).run()


def play_through(side: str, seed: int = 3, pick=lambda q: q.options[1][0]) -> Game:
    """A finished game in which ``pick`` answers every question."""
    game = Game(side, seed=seed)
    while game.advance() is not None:
        game.answer(pick(game.question))
    return game


# --- (a) the hook is faithful ---------------------------------------------------------------


@pytest.mark.parametrize("side", ["ukraine", "russia", "united_states"])
@pytest.mark.parametrize("seed", [0, 3])
def test_a_player_taking_the_models_own_choices_changes_nothing(side, seed):
    plain, echo = run(seed=seed), Echo(side)
    played = run(echo, seed=seed)
    assert echo.asked, "the player was never asked: the test would prove nothing"
    pd.testing.assert_frame_equal(plain.outcomes(), played.outcomes())
    pd.testing.assert_frame_equal(plain.timeline(), played.timeline())
    pd.testing.assert_frame_equal(plain.events(), played.events())


def test_a_game_answered_with_the_models_own_choices_is_the_models_own_story():
    game = play_through("russia", pick=lambda q: q.default)
    plain = CeasefireModel("baseline", seed=3, replicates=1, keep_timelines=1).run()
    pd.testing.assert_frame_equal(plain.events(), game.model.events())
    assert game.outcome == str(plain.outcomes()["outcome"].iloc[0])


# --- (e) directional checks that follow from the model ---------------------------------------


def test_ukraine_that_holds_fire_never_answers_more_than_ukraine_that_answers():
    hold, answer = run(Always("ukraine", "answer", False)), run(Always("ukraine", "answer", True))
    assert (hold.ukraine.answers <= answer.ukraine.answers).all()
    assert (hold.ukraine.answers == 0).all() and answer.ukraine.answers.sum() > 0
    assert not ((hold.events()["kind"] == "answer") & (hold.events()["actor"] == "ukraine")).any()


def test_a_us_that_always_walks_away_never_extends_its_deadline():
    plain, walker = run(), run(Always("united_states", "deadline", False))
    events = walker.events()
    assert not (events["kind"] == "deadline_extended").any()
    assert (walker.outcomes()["deadline_extensions"] == 0).all()
    # Up to the first deadline missed the two runs are one; there this one walks away.
    o = plain.outcomes()
    missed = (o["deadline_extensions"] + o["mediator_step_backs"]).to_numpy() > 0
    assert missed.any()
    assert (walker.outcomes()["mediator_step_backs"].to_numpy()[missed] > 0).all()
    left = walker.outcomes()
    assert (~walker.united_states.engaged | (left["mediator_returns"] > 0).to_numpy() | ~missed).all()


@pytest.mark.parametrize("join, kind", [(True, "truce_joined"), (False, "truce_not_joined")])
def test_joining_the_truce_or_not_decides_whether_ukraine_is_bound(join, kind):
    model = run(Always("ukraine", "join_truce", join))
    events = model.events()
    said = events[events["kind"].isin(["truce_joined", "truce_not_joined"]) & (events["actor"] == "ukraine")]
    assert len(said) == model.n_replicates and (said["kind"] == kind).all()


# --- the game engine ---------------------------------------------------------------------------


def test_the_same_seed_and_answers_tell_the_same_story():
    first = play_through("ukraine", pick=lambda q: q.options[0][0])
    answers = [c.option for c in first.choices]
    second = Game("ukraine", seed=3, answers=answers)
    assert second.advance() is None and second.finished
    assert second.story() == first.story() and len(first.choices) >= 2


def test_an_unknown_answer_raises_a_choice_error_naming_the_options():
    game = Game("ukraine", seed=3)
    q = game.advance()
    assert q is not None and q.kind == "join_truce"
    with pytest.raises(ChoiceError, match=r"allowed: j \(join\) or f \(fight on\)"):
        game.answer("maybe")
    game.answer("Fight On")
    assert game.choices[-1].value is False and game.question is None


def test_advance_can_step_tick_by_tick():
    game = Game("united_states", seed=3)
    assert game.advance(max_ticks=1) is None and game.model.tick == 1 and not game.finished


# --- (d) and (f) the debrief ------------------------------------------------------------------------


def test_a_reversed_choice_replays_the_game_on_the_same_random_numbers():
    game = play_through("ukraine", pick=lambda q: q.options[0][0])
    chosen = {c.key: c.value for c in game.choices}
    events = game.model.events()
    for choice in game.choices:
        model, _ = replay("ukraine", game.scenario, game.seed, [{**chosen, choice.key: not choice.value}], 1)
        pd.testing.assert_frame_equal(_before(events, choice.tick), _before(model.events(), choice.tick))
    model, _ = replay("ukraine", game.scenario, game.seed, [chosen], 1)
    pd.testing.assert_frame_equal(events, model.events())


def _before(events: pd.DataFrame, tick: int) -> pd.DataFrame:
    return events[events["tick"] < tick].reset_index(drop=True)


def test_the_debrief_places_the_story_among_500_runs_and_ranks_the_reversed_choices():
    game = play_through("russia", seed=5, pick=lambda q: q.options[0][0])
    d = debrief(game)
    assert d.shares["share"].sum() == pytest.approx(1.0)
    assert d.outcome in set(d.shares["outcome"]) == set(OUTCOMES)
    assert d.outcome == game.outcome and len(d.values) == 500 and 0 <= d.percentile <= 100
    assert len(d.reversals) == len(game.choices) > 0
    ranks = [(not r.outcome_changed, -r.distance) for r in d.reversals]
    assert ranks == sorted(ranks)
    assert d.decisive.story and d.decisive.story[-1].startswith("How this story ended")


# --- (b), (c) `ceasefire play` -------------------------------------------------------------------


def play_cli(*args: str, stdin: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run(
        [ceasefire_executable(), "play", *args],
        input=stdin,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env=cli_env(),
    )


def test_ceasefire_play_plays_to_the_end_and_tells_the_same_story_twice(tmp_path):
    answers = "".join(f"{c.option}\n" for c in play_through("ukraine").choices)
    first = play_cli("--as", "ukraine", "--seed", "3", stdin=answers, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "How this story ended" in first.stdout and "Debrief" in first.stdout
    assert "Your most decisive choice" in first.stdout and "<- you" in first.stdout
    second = play_cli("--as", "ukraine", "--seed", "3", stdin=answers, cwd=tmp_path)
    assert second.stdout == first.stdout


def test_an_unknown_choice_gets_one_line_of_help_and_the_game_goes_on(tmp_path):
    answers = "".join(f"{c.option}\n" for c in play_through("ukraine").choices)
    done = play_cli("--as", "ukraine", "--seed", "3", stdin="maybe\n" + answers, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    help_lines = [line for line in done.stdout.splitlines() if "Not a choice here" in line]
    assert len(help_lines) == 1 and "j (join) or f (fight on)" in help_lines[0]


def test_input_that_ends_before_the_game_gives_one_line_and_exit_2(tmp_path):
    done = play_cli("--as", "ukraine", "--seed", "3", stdin="j\n", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().startswith("ceasefire: input ended at") and len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr


def test_an_unknown_side_is_one_usage_error(tmp_path):
    done = play_cli("--as", "europe", stdin="", cwd=tmp_path)
    assert done.returncode == 2 and "invalid choice" in done.stderr and "Traceback" not in done.stderr


def test_a_stance_that_repeats_the_models_own_choice_is_the_model_and_an_unknown_kind_is_refused():
    from sim.model.player import Stance

    plain = CeasefireModel("baseline", seed=5, replicates=200, keep_timelines=0).run().outcomes()
    never_asked = Stance("united_states")  # no kinds given: the model's own choice everywhere
    same = CeasefireModel("baseline", seed=5, replicates=200, keep_timelines=0, player=never_asked).run().outcomes()
    assert same.equals(plain)
    # Rejecting every text Russia would sign leaves Ukraine with no agreement in any story.
    hawk = Stance("ukraine", sign=False)
    signed = CeasefireModel("baseline", seed=5, replicates=200, keep_timelines=0, player=hawk).run().outcomes()
    assert signed["day_first_agreement"].isna().all()
    with pytest.raises(ValueError, match="takes no decision deadline"):
        Stance("ukraine", deadline=True)


def test_a_standing_order_answers_every_later_question_of_its_kind_as_one_answer_each_would():
    def answers_each_time(game: Game) -> int:
        asked = 0
        while (q := game.advance()) is not None:
            asked += 1
            game.answer({"answer": "h", "sign": "s", "extend_truce": "e"}[q.kind])
        return asked

    one_by_one = Game("russia", "baseline", seed=3)
    asked = answers_each_time(one_by_one)
    standing = Game("russia", "baseline", seed=3)
    orders = 0
    while (q := standing.advance()) is not None:
        orders += 1
        standing.answer({"answer": "hh", "sign": "ss", "extend_truce": "always extend"}[q.kind])
    assert orders <= 3 < asked, "each kind is asked once, then answered by the order"
    assert [c.option for c in standing.choices] == [c.option for c in one_by_one.choices]
    assert standing.model.events().equals(one_by_one.model.events())
    with pytest.raises(ChoiceError, match="aa or hh: the same every time"):
        game = Game("russia", "baseline", seed=3)
        while (q := game.advance()) is not None and q.kind != "answer":
            game.answer(q.options[0][0])
        game.answer("ah")

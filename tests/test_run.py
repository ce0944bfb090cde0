"""Running a scenario in chunks (sim/experiments/run.py): rows and drawn values gathered across chunks."""

import pandas as pd

from sim import CeasefireModel, load_scenario
from sim.experiments.run import simulate

SHORT = {"clock.horizon_days": 8}


def test_values_drawn_per_replicate_are_gathered_across_chunks_in_replicate_order():
    scenario = load_scenario("baseline", SHORT)
    whole = CeasefireModel(scenario, seed=4, replicates=60, keep_timelines=0).run().parameters()
    for chunk_size in (60, 25, 7):
        result = simulate(scenario, seed=4, replicates=60, keep_timelines=0, chunk_size=chunk_size)
        pd.testing.assert_frame_equal(result.parameters, whole, check_exact=True)
        assert list(result.outcomes["replicate"]) == list(result.parameters["replicate"])
    assert result.varies_by_replicate
    assert "actors.ukraine.response.forgiveness" in result.parameters


def test_a_value_fixed_for_every_replicate_is_not_a_column_of_the_drawn_values():
    scenario = load_scenario("baseline", {**SHORT, "actors.ukraine.response.forgiveness": 0.3})
    result = simulate(scenario, seed=4, replicates=10, keep_timelines=0)
    assert "actors.ukraine.response.forgiveness" not in result.parameters
    assert "actors.russia.response.forgiveness" in result.parameters  # still a prior


def test_the_result_counts_the_clocks_steps_cut_at_scheduled_times():
    # A 12-hour tick is cut at the truce's start (Saturday 18:00): one step more than 8 x 2.
    scenario = load_scenario("baseline", {**SHORT, "clock.tick_hours": 12})
    result = simulate(scenario, seed=4, replicates=3, keep_timelines=3)
    assert result.steps == CeasefireModel(scenario, replicates=1).n_ticks
    assert result.steps > 8 * 24 // 12
    assert result.timeline["tick"].nunique() == result.steps

"""The dashboard's SVG charts (sim/classroom/charts.py), read as a browser would read them.

The browser test (tests/test_dashboard.py) checks sizes on screen; these check what the
charts say: a truce wide enough to see, labelled by who declared it, each side's counter
equal to the model's own numbers, one bar per run and outcome.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

import pytest

from sim import CeasefireModel
from sim.classroom import charts

NS = {"s": "http://www.w3.org/2000/svg"}


def _stepped(ticks: int, **overrides) -> CeasefireModel:
    model = CeasefireModel("baseline", seed=0, replicates=1, **overrides)
    for _ in range(ticks):
        model.step()
    return model


def _texts(svg: str) -> list[str]:
    return [t.text or "" for t in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text")]


@pytest.mark.parametrize(
    ("year", "sunday"),
    [(2025, dt.date(2025, 4, 20)), (2024, dt.date(2024, 3, 31)), (2000, dt.date(2000, 4, 23)), (2038, dt.date(2038, 4, 25))],
)
def test_easter_sunday_is_the_churches_date(year, sunday):
    assert charts.easter(year) == sunday  # published tables of Western Easter


def test_the_30_hour_truce_is_wide_labelled_by_its_declarer_and_the_counters_are_the_models():
    model = _stepped(16)  # Monday 21 April 00:00: through Russia's truce (story 0: extended)
    svg = charts.timeline_svg(model)
    words = _texts(svg)
    assert "Russia's Easter truce" in words
    truce = [s for s in charts.spans(model, model.timeline()) if s[2] == "truce"]
    assert len(truce) == 1
    lo, hi, _, _ = truce[0]
    assert hi - lo == pytest.approx(30 / 24)  # Saturday 18:00 to Monday 00:00 so far
    width = 540
    win = charts.Window.around(model.day_of(model.tick), 30, 5.3 * 18, width - 8)
    assert win.x(hi) - win.x(lo) > 0.25 * width, "a quarter of the chart, not a 25-pixel sliver"
    for side in ("russia", "ukraine"):
        counted, tolerated = charts.counter(model, side)
        agent = getattr(model, side)
        assert (counted, tolerated) == (float(agent.grievance[0]), float(agent.tolerance_now()[0]))
        assert f"violations counted {counted:.1f} of {tolerated:.1f} tolerated" in words


@pytest.mark.slow
def test_an_agreement_is_labelled_by_its_kind():
    model = CeasefireModel("baseline", seed=0, replicates=1).run()  # story 0 signs the moratorium on 15 May
    kinds = {label for *_, label in charts.spans(model, model.timeline())}
    agreed = set(model.timeline()["agreement"]) - {"none"}
    assert {charts.SPAN_NAMES[a] for a in agreed} <= kinds
    assert agreed, "story 0 reaches an agreement (docs/classroom.md, lesson 2)"


@pytest.mark.slow
def test_the_comparison_draws_one_bar_per_run_and_outcome_with_shares_in_words():
    runs = [
        (str(d), CeasefireModel("baseline", seed=0, replicates=200, keep_timelines=0, actors__united_states__deadline_days=d).run().outcomes())
        for d in (5, 10, 20)
    ]
    svg = charts.shares_svg(runs)
    root = ET.fromstring(svg)
    bars = [r for r in root.iter("{http://www.w3.org/2000/svg}rect") if r.get("fill") in charts.RUN_COLOURS]
    assert len(bars) == 3 * 7
    shares = [float(m) for m in re.findall(r">(\d+)%<", svg)]
    assert len(shares) >= 21 and all(0 <= s <= 100 for s in shares)

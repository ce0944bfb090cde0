"""The sweep report: the effects table on constructed sweeps whose answer is known by hand, its
intervals under common random numbers, and the page a person reads (order, labels, baseline, text size)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import matplotlib.text
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.experiments import report
from sim.experiments.effects import ClusterCounts, cluster_counts, effects_table
from sim.experiments.report import load_result, write_report
from sim.model.outcomes import OUTCOMES, wilson_interval
from sim.scenario.schema import label

DEADLINE = "actors.united_states.deadline_days"
ALARMS = "actors.ukraine.perception.false_alarms_per_day"
RULE = "actors.ukraine.response.rule"
#: The scenario's own values of the levers above, as a manifest records them.
SCENARIO = {
    "actors": {
        "united_states": {"deadline_days": 10},
        "ukraine": {
            "perception": {"false_alarms_per_day": {"loguniform": [0.1, 2.0]}},
            "response": {"rule": "symmetric"},
        },
    }
}
T95 = stats.t.ppf(0.975, 199)  # Student's t for 200 replicates (199 degrees of freedom)


def write_sweep(
    folder: Path,
    values: dict[str, list],
    outcomes: np.ndarray,
    design: str = "grid",
    parameters: dict | None = None,
    replicate_ids: np.ndarray | None = None,
    independent: bool = False,
) -> Path:
    """A finished sweep folder as ``ceasefire sweep`` writes it, from (P, R) outcome names per point and replicate."""
    folder.mkdir(parents=True, exist_ok=True)
    n_points, r = outcomes.shape
    points = pd.DataFrame({"point": np.arange(n_points), **values})
    ids = np.tile(np.arange(r), (n_points, 1)) if replicate_ids is None else replicate_ids
    runs = pd.DataFrame(
        {
            "point": np.repeat(np.arange(n_points), r),
            "replicate": ids.ravel(),
            "outcome": outcomes.ravel(),
            "day_first_agreement": np.nan,
            "day_walk_away": np.where(outcomes.ravel() == "mediator_walked_away", 5.0, np.nan),
        }
    )
    runs.to_parquet(folder / "runs.parquet", index=False)
    points["horizon_days"], points["n"] = 30, r
    for o in OUTCOMES:
        points[f"share_{o}"] = (outcomes == o).mean(axis=1)
    points.to_csv(folder / "points.csv", index=False)
    sweep = {
        "name": "constructed",
        "description": "",
        "scenario": "baseline",
        "replicates": r,
        "seed": 0,
        "design": design,
        "samples": None,
        "parameters": parameters or {k: sorted(set(v), key=v.index) for k, v in values.items()},
        "fixed": {},
        "n_points": n_points,
        **({"independent_points": True} if independent else {}),
    }
    manifest = {"sweep": sweep, "scenario": SCENARIO, "wall_seconds": 1.0}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def effects(folder: Path) -> pd.DataFrame:
    result = load_result(folder)
    baseline = {p: result.baseline(p) for p in result.parameters}
    return effects_table(
        result.points, result.clusters, result.design, result.manifest["sweep"]["parameters"], baseline
    )


def row(table: pd.DataFrame, parameter: str, outcome: str, to_value=None) -> pd.Series:
    rows = table[(table["parameter"] == parameter) & (table["outcome"] == outcome)]
    if to_value is not None:
        rows = rows[rows["to_value"].astype(str) == str(to_value)]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def paired_interval(d: np.ndarray) -> tuple[float, float]:
    """By hand: mean of per-replicate differences, +/- t * sd / sqrt(n), in percentage points."""
    half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))
    return 100 * (d.mean() - half), 100 * (d.mean() + half)


# --- a 2 x 2 grid with a planted effect of the deadline and none of the false alarms -----------------------


#: Replicate k's difference (30 days minus 3 days): -1 for the 80 replicates that walk away only under the short deadline.
PLANTED_D = -((np.arange(200) >= 40) & (np.arange(200) < 120)).astype(float)


@pytest.fixture
def planted(tmp_path) -> Path:
    """Deadline 3: replicates 0..119 see the mediator walk away; deadline 30: only 0..39. Alarms change nothing."""
    k = np.arange(200)
    short = np.where(k < 120, "mediator_walked_away", "no_agreement")
    long = np.where(k < 40, "mediator_walked_away", "no_agreement")
    outcomes = np.stack([short, short, long, long])
    return write_sweep(tmp_path / "sw", {DEADLINE: [3, 3, 30, 30], ALARMS: [0.0, 2.0, 0.0, 2.0]}, outcomes)


def test_a_planted_grid_effect_is_recovered_with_its_paired_interval(planted):
    table = effects(planted)
    walked = row(table, DEADLINE, "mediator_walked_away")
    assert walked["effect_pp"] == pytest.approx(100 * (40 - 120) / 200)  # share at 30 days minus at 3 days
    assert (walked["from_value"], walked["to_value"]) == (3, 30)
    assert (walked["low_pp"], walked["high_pp"]) == pytest.approx(paired_interval(PLANTED_D))
    stalemate = row(table, DEADLINE, "no_agreement")
    assert stalemate["effect_pp"] == pytest.approx(40.0)
    for outcome in ("mediator_walked_away", "no_agreement"):
        none = row(table, ALARMS, outcome)
        assert none["effect_pp"] == pytest.approx(0.0, abs=1e-9) and not none["clear"]
    assert set(table["outcome"]) == {"mediator_walked_away", "no_agreement"}  # classes never seen are left out


def test_the_largest_effect_is_said_in_one_sentence(planted):
    sentence = report.headline_sentence(effects(planted).iloc[0])
    assert sentence == (
        "Largest effect: raising the U.S. deadline from 3 to 30 days lowers the share of replicates ending in "
        f"mediator walked away by 40.0 percentage points (95% interval {-paired_interval(PLANTED_D)[1]:.1f} to "
        f"{-paired_interval(PLANTED_D)[0]:.1f})."
    )


def test_rows_with_a_clear_effect_come_first_each_group_sorted_by_size(planted):
    table = effects(planted)
    clear = table["clear"].to_numpy()
    assert clear[0] and not clear[-1]
    assert (np.diff(clear.astype(int)) <= 0).all()  # no clear row after an unclear one
    for _, group in table.groupby("clear"):
        size = group["effect_pp"].abs().to_numpy()
        assert (np.diff(size) <= 1e-12).all()


@pytest.mark.slow
def test_the_effects_table_is_written_as_csv_and_leads_the_page(planted):
    write_report(load_result(planted))
    page = (planted / "report" / "index.html").read_text()
    csv = pd.read_csv(planted / "report" / "effects.csv")
    assert {"parameter", "label", "outcome", "effect_pp", "low_pp", "high_pp", "baseline"} <= set(csv.columns)
    assert csv.loc[0, "label"] == "U.S. deadline (days)" and csv.loc[0, "effect_pp"] == pytest.approx(-40.0)
    headings = re.findall(r"<h[23]>([^<]+)</h[23]>", page)
    assert headings[0] == "What each lever does" and headings[1] == "Details"
    assert page.index('class="effects"') < page.index("<img")
    assert "Scenario discovery" not in page  # nothing until `ceasefire discover` has run
    table = page[page.index('class="effects"') : page.index("</table>")]
    assert "U.S. deadline (days)" in table and "3 → 30 (baseline 10)" in table and "-40.0" in table
    assert "false alarms" not in table  # no detectable effect: named below the table instead
    assert "No detectable effect on any outcome: Ukraine&#x27;s false alarms (per day)" in page
    assert "actors." not in page  # every lever by its name and unit, never by its key path


# --- common random numbers --------------------------------------------------------------------------------


def test_on_correlated_points_the_interval_is_the_paired_one_and_narrower_than_independent(tmp_path):
    rng = np.random.default_rng(5)
    a = rng.random(200) < 0.5
    b = a.copy()
    flip = rng.choice(200, 12, replace=False)  # 12 replicates end otherwise at the other point
    b[flip] = ~b[flip]
    outcomes = np.stack([np.where(x, "no_agreement", "mediator_walked_away") for x in (a, b)])
    table = effects(write_sweep(tmp_path / "sw", {DEADLINE: [3, 30]}, outcomes))
    got = row(table, DEADLINE, "no_agreement")
    d = b.astype(float) - a.astype(float)
    assert got["effect_pp"] == pytest.approx(100 * d.mean())
    assert (got["low_pp"], got["high_pp"]) == pytest.approx(paired_interval(d))
    independent = 100 * stats.norm.ppf(0.975) * np.sqrt(a.var() / 200 + b.var() / 200)
    assert (got["high_pp"] - got["low_pp"]) / 2 < independent / 2.5


def test_points_on_independent_replicates_get_the_independent_interval(tmp_path):
    """A calibration's arms run other replicate ids per point: no pairing, so no narrowing."""
    rng = np.random.default_rng(6)
    a, b = rng.random(200) < 0.3, rng.random(200) < 0.6
    outcomes = np.stack([np.where(x, "no_agreement", "mediator_walked_away") for x in (a, b)])
    ids = np.stack([np.arange(200), 200 + np.arange(200)])
    table = effects(write_sweep(tmp_path / "sw", {DEADLINE: [3, 30]}, outcomes, replicate_ids=ids, independent=True))
    got = row(table, DEADLINE, "no_agreement")
    assert got["effect_pp"] == pytest.approx(100 * (b.mean() - a.mean()))
    independent = 100 * stats.norm.ppf(0.975) * np.sqrt(a.var() / 200 + b.var() / 200)
    assert (got["high_pp"] - got["low_pp"]) / 2 == pytest.approx(independent, rel=0.03)


def test_a_pooled_share_counts_each_shared_replicate_once():
    """Two points that end alike replicate by replicate are one sample, not two; two unrelated ones are two."""
    rng = np.random.default_rng(7)
    x = rng.random(400) < 0.3
    one = np.zeros((1, 400, len(OUTCOMES)), dtype=np.int64)
    one[0, np.arange(400), np.where(x, 0, 6)] = 1
    twins = ClusterCounts(np.concatenate([one, one]))
    share, low, high = twins.pooled(np.array([True, True]))
    wilson = wilson_interval(np.array([x.sum()]), 400)
    assert share[0] == pytest.approx(x.mean())
    assert (low[0], high[0]) == pytest.approx((wilson[0][0], wilson[1][0]), rel=0.02)
    y = rng.random(400) < 0.3
    other = np.zeros_like(one)
    other[0, np.arange(400), np.where(y, 0, 6)] = 1
    strangers = ClusterCounts(np.concatenate([one, other]))
    share, low, high = strangers.pooled(np.array([True, True]))
    wilson = wilson_interval(np.array([x.sum() + y.sum()]), 800)
    assert (low[0], high[0]) == pytest.approx((wilson[0][0], wilson[1][0]), rel=0.05)


def test_cluster_counts_group_replicate_ids_beyond_the_cap_keeping_pairs_together(tmp_path, monkeypatch):
    from sim.experiments import effects as module

    monkeypatch.setattr(module, "MAX_CLUSTERS", 7)
    outcomes = np.stack([np.where(np.arange(50) % 2 == 0, "no_agreement", "settlement")] * 2)
    folder = write_sweep(tmp_path / "sw", {DEADLINE: [3, 30]}, outcomes)
    counts = cluster_counts(folder / "runs.parquet", 2, 50).counts
    assert counts.shape == (2, 7, len(OUTCOMES)) and counts.sum() == 100
    assert (counts[0] == counts[1]).all()  # replicate k of both points lands in the same cluster
    assert counts[0, 3, OUTCOMES.index("settlement")] == len([k for k in range(50) if k % 7 == 3 and k % 2])


# --- text levers and continuous designs --------------------------------------------------------------------


def test_each_category_is_compared_with_the_baseline_value_wherever_the_grid_lists_it(tmp_path):
    k = np.arange(200)
    collapsed = np.where(k < 80, "ceasefire_collapsed", "partial_ceasefire")  # 'fixed': 50 more collapse
    base = np.where(k < 30, "ceasefire_collapsed", "partial_ceasefire")
    outcomes = np.stack([collapsed, base, base])
    folder = write_sweep(tmp_path / "sw", {RULE: ["fixed", "symmetric", "retaliatory"]}, outcomes)
    table = effects(folder)
    fixed = row(table, RULE, "ceasefire_collapsed", "fixed")
    assert fixed["from_value"] == "symmetric"  # the baseline's rule, though listed second
    assert fixed["effect_pp"] == pytest.approx(25.0)
    assert row(table, RULE, "ceasefire_collapsed", "retaliatory")["effect_pp"] == pytest.approx(0.0, abs=1e-9)
    assert set(table["to_value"]) == {"fixed", "retaliatory"}


def test_a_planted_straight_line_effect_is_recovered_over_a_continuous_design(tmp_path):
    """Share walked away = 0.2 + 0.03 x on x in [0, 10] (30 pp across the range); the other lever does nothing."""
    rng = np.random.default_rng(8)
    x1, x2 = rng.uniform(0, 10, 40), rng.uniform(0, 4, 40)
    u = (np.arange(200) + 0.5) / 200  # one number per replicate, shared by every point (CRN)
    outcomes = np.where(u[None, :] < (0.2 + 0.03 * x1)[:, None], "mediator_walked_away", "no_agreement")
    parameters = {DEADLINE: [0.0, 10.0], ALARMS: [0.0, 4.0]}
    folder = write_sweep(tmp_path / "sw", {DEADLINE: x1, ALARMS: x2}, outcomes, design="lhs", parameters=parameters)
    table = effects(folder)
    walked = row(table, DEADLINE, "mediator_walked_away")
    shares = (outcomes == "mediator_walked_away").mean(axis=1)
    fit = np.linalg.lstsq(np.column_stack([np.ones(40), x1, x2]), shares, rcond=None)[0]
    assert walked["effect_pp"] == pytest.approx(100 * fit[1] * 10)
    assert walked["effect_pp"] == pytest.approx(30.0, abs=1.0)
    assert walked["low_pp"] < walked["effect_pp"] < walked["high_pp"] and walked["clear"]
    assert walked["method"] == "linear_across_range" and (walked["from_value"], walked["to_value"]) == (0, 10)
    assert abs(row(table, ALARMS, "mediator_walked_away")["effect_pp"]) < 1.0


# --- the page a person reads ------------------------------------------------------------------------------------


def test_a_text_lever_is_drawn_as_categories_with_the_baseline_marked(tmp_path):
    k = np.arange(200)
    outcomes = np.stack([np.where(k < n, "ceasefire_collapsed", "partial_ceasefire") for n in (80, 30, 30)])
    result = load_result(write_sweep(tmp_path / "sw", {RULE: ["fixed", "symmetric", "retaliatory"]}, outcomes))
    with report.plt.rc_context(report.READABLE):
        fig, caption = report.figure_shares(result, RULE)
    ax = fig.axes[0]
    drawn = [ln for ln in ax.lines if ln.get_linestyle() not in ("None", "none", "")]
    assert not drawn  # no line across categories as if they were numbers (error-bar caps are markers)
    assert len(ax.patches) == 3 * len(result.observed_outcomes())  # one bar per category and class
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert ticks == ["fixed", "symmetric\n(baseline)", "retaliatory"]
    assert ax.get_xlabel() == label(RULE) == "Ukraine's response rule (category)"
    assert "baseline" in caption
    report.plt.close(fig)


def test_numbers_and_priors_of_the_baseline_are_marked_on_the_axis(planted):
    result = load_result(planted)
    with report.plt.rc_context(report.READABLE):
        fig, _ = report.figure_shares(result, DEADLINE)
        line = [ln for ln in fig.axes[0].lines if ln.get_label().startswith("baseline")]
        assert len(line) == 1 and line[0].get_xdata()[0] == 10
        assert fig.axes[0].get_xlabel() == "U.S. deadline (days)"
        fig2, _ = report.figure_shares(result, ALARMS)
        spans = [p for p in fig2.axes[0].patches if p.get_label() == "baseline prior range"]
        assert len(spans) == 1
        start = spans[0].get_x()
        assert (start, start + spans[0].get_width()) == pytest.approx((0.1, 2.0))  # the prior's range
    report.plt.close("all")


@pytest.mark.slow
def test_figures_are_shown_at_native_size_with_text_legible_at_100_percent_zoom(planted):
    """At least 11 CSS pixels of text (pt x DPI / 72, shrunk by the page's width / the PNG's width), no wider than the page."""
    result = load_result(planted)
    out = write_report(result)
    page = (out / "index.html").read_text()
    shown_at = re.findall(r'<img src="([^"]+)" width="(\d+)" height="(\d+)"', page)
    assert len(shown_at) == page.count("<img") == 4  # every figure has its display size
    for name, width, _ in shown_at:
        png = (out / name).read_bytes()
        px_w = int.from_bytes(png[16:20], "big")  # the PNG header: width, then height
        assert int(width) <= 1100 and abs(int(width) * report.DISPLAY_SCALE - px_w) <= 1
        shown = int(width) / px_w  # CSS pixels per PNG pixel
        with report.plt.rc_context(report.READABLE):
            figures = {
                "shares_0.png": lambda: report.figure_shares(result, DEADLINE)[0],
                "heatmap_0.png": lambda: report.figure_heatmap(result, DEADLINE, ALARMS),
                "survival.png": lambda: report.figure_survival(result, [0, 3]),
            }
            if name in figures:
                fig = figures[name]()
                sizes = [t.get_fontsize() for t in fig.findobj(matplotlib.text.Text) if t.get_text().strip()]
                assert min(sizes) * report.DPI / 72 * shown >= 11, name
                report.plt.close(fig)


def test_detail_figures_of_many_levers_are_drawn_for_those_with_the_largest_effects(tmp_path):
    """Beyond MAX_DETAIL levers (a screening of 41 priors) only the largest effects get a figure each."""
    from types import SimpleNamespace

    levers = [f"lever_{i}" for i in range(report.MAX_DETAIL + 2)]
    sizes = {p: float(i) for i, p in enumerate(levers)}  # lever_13 largest, then 12, ...
    rows = [{"parameter": p, "outcome": o, "effect_pp": s * sign} for p, s in sizes.items() for o, sign in (("a", 1), ("b", -1))]
    pd.DataFrame(rows).to_csv(tmp_path / "effects.csv", index=False)
    drawn, sentence = report._detail_parameters(SimpleNamespace(parameters=levers), tmp_path)
    assert drawn == levers[::-1][: report.MAX_DETAIL]
    assert f"{report.MAX_DETAIL} of the {len(levers)} levers" in sentence
    few = levers[: report.MAX_DETAIL]
    assert report._detail_parameters(SimpleNamespace(parameters=few), tmp_path) == (few, "")

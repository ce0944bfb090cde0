"""Re-measure every figure docs/model.md quotes: ``python docs/measure.py [--replicates R]``.

Prints Markdown tables (the baseline's outcome shares with Wilson intervals, the Easter
figures, robustness to the time step, the horizon and the seed, and the effect of each
mechanism on paired runs) so the document can be refreshed by pasting, not by retyping.
Paired runs share their seed, so every replicate meets the same random numbers in both
(common random numbers): a difference is the mechanism's, not the draw's.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from scipy import stats

from sim import CeasefireModel
from sim.model.outcomes import OUTCOMES, wilson_interval


def run(scenario: str = "baseline", replicates: int = 10_000, seed: int = 1, **overrides) -> pd.DataFrame:
    return CeasefireModel(scenario, seed=seed, replicates=replicates, keep_timelines=0, **overrides).run().outcomes()


def shares(out: pd.DataFrame) -> pd.Series:
    return out["outcome"].astype(str).value_counts(normalize=True).reindex(OUTCOMES, fill_value=0.0)


def easter(out: pd.DataFrame) -> dict[str, float]:
    both = (out["truce_accusations_by_russia"] > 0) & (out["truce_accusations_by_ukraine"] > 0)
    term = out["truce_hours_held"] >= 30
    return {
        "both accuse during the truce": both.mean(),
        "the truce runs its 30 hours": term.mean(),
        "both accuse and it runs its term": (both & term).mean(),
    }


def pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def interval(k: int, n: int) -> str:
    low, high = wilson_interval(np.array([k]), n)
    return f"[{100 * low[0]:.1f}, {100 * high[0]:.1f}]"


def baseline_table(out: pd.DataFrame) -> str:
    n = len(out)
    counts = out["outcome"].astype(str).value_counts().reindex(OUTCOMES, fill_value=0)
    rows = ["| outcome | share | 95% interval |", "|---|---|---|"]
    rows += [f"| `{name}` | {pct(c / n)} | {interval(int(c), n)} |" for name, c in counts.items()]
    for label, share in easter(out).items():
        rows.append(f"| {label} | {pct(share)} | {interval(int(round(share * n)), n)} |")
    reasons = out["collapse_reason"].value_counts()
    rows.append(
        f"| first collapse decided on violations / on value | {reasons.get('violations', 0)} / "
        f"{reasons.get('value', 0)} replicates | |"
    )
    for column, label in (
        ("day_first_agreement", "day of the first agreement"),
        ("day_collapse", "day of the first collapse"),
        ("day_walk_away", "day the U.S. first steps back"),
    ):
        days = out[column].dropna()
        rows.append(f"| {label} (median, where it happens) | {days.median():.2f} in {pct(len(days) / n)} | |")
    return "\n".join(rows)


def robustness_table(replicates: int) -> str:
    cases = {
        "baseline (6 h, 30 days, seed 1)": {},
        "tick 3 h": {"clock__tick_hours": 3},
        "tick 12 h": {"clock__tick_hours": 12},
        "horizon 29 days": {"clock__horizon_days": 29},
        "horizon 31 days": {"clock__horizon_days": 31},
        "seed 2": {"seed": 2},
    }
    header = "| run | " + " | ".join(f"`{o}`" for o in OUTCOMES) + " | both accuse | truce runs its term |"
    rows = [header, "|" + "---|" * (len(OUTCOMES) + 3)]
    for label, kw in cases.items():
        kw = dict(kw)
        seed = kw.pop("seed", 1)
        out = run(replicates=replicates, seed=seed, **kw)
        e = easter(out)
        cells = [pct(v) for v in shares(out)]
        both, term = e["both accuse during the truce"], e["the truce runs its 30 hours"]
        rows.append(f"| {label} | " + " | ".join(cells) + f" | {pct(both)} | {pct(term)} |")
    return "\n".join(rows)


def paired(a: pd.DataFrame, b: pd.DataFrame) -> dict:
    """Share differences in percentage points, with a 95% interval from the paired indicators."""
    out = {}
    n = len(a)
    for name in OUTCOMES:
        d = (b["outcome"].astype(str) == name).astype(float) - (a["outcome"].astype(str) == name).astype(float)
        half = 1.96 * d.std(ddof=1) / np.sqrt(n)
        out[name] = (100 * d.mean(), 100 * half)
    out["changed"] = (a["outcome"].astype(str) != b["outcome"].astype(str)).mean()
    return out


def mechanism_table(replicates: int) -> str:
    base = run(replicates=replicates)
    cases = {
        "europe_guarantees (capacity 0.3 -> 0.9)": ("europe_guarantees", {}),
        "monitored_ceasefire (European monitor 0.8)": ("monitored_ceasefire", {}),
        "no Europe (no aid, guarantees, push)": (
            "baseline",
            {
                "actors__europe__aid": 0.0,
                "actors__europe__backfill": 0.0,
                "actors__europe__guarantee_capacity": 0.0,
                "actors__europe__sequencing_push": 0.0,
            },
        ),
        "no_mirror (Ukraine rule fixed, never joins)": ("no_mirror", {}),
        "noisy_front (incidents, false alarms, misses x3)": ("noisy_front", {}),
        "forgiveness 0 on both sides": (
            "baseline",
            {"actors__russia__response__forgiveness": 0.0, "actors__ukraine__response__forgiveness": 0.0},
        ),
        "forgiveness 0.9 on both sides": (
            "baseline",
            {"actors__russia__response__forgiveness": 0.9, "actors__ukraine__response__forgiveness": 0.9},
        ),
        "short_deadline (3 days)": ("short_deadline", {}),
        "no_deadline": ("no_deadline", {}),
        "bilateral_track (Ukraine takes up the offer)": ("bilateral_track", {}),
    }
    header = "| variant (paired with the baseline) | " + " | ".join(f"`{o}`" for o in OUTCOMES) + " | replicates changed |"
    rows = [header, "|" + "---|" * (len(OUTCOMES) + 2)]
    for label, (scenario, kw) in cases.items():
        d = paired(base, run(scenario, replicates=replicates, **kw))
        cells = [f"{d[o][0]:+.1f} ± {d[o][1]:.1f}" for o in OUTCOMES]
        rows.append(f"| {label} | " + " | ".join(cells) + f" | {pct(d['changed'])} |")
    return "\n".join(rows)


def tick_tests(replicates: int) -> str:
    """The time-step test of tests/test_time_step.py, at a larger size."""
    outs = {t: run(replicates=replicates, seed=100 + t, clock__tick_hours=t) for t in (3, 6, 12)}
    table = np.array([outs[t]["outcome"].astype(str).value_counts().reindex(OUTCOMES, fill_value=0) for t in outs])
    sparse = table.sum(axis=0) < 15  # pooled, as in the test: expected counts of at least 5 per tick
    pooled = np.column_stack([table[:, ~sparse], table[:, sparse].sum(axis=1)])
    p_shares = stats.chi2_contingency(pooled[:, pooled.sum(axis=0) > 0], correction=False).pvalue
    lines = [f"- outcome shares, chi-squared test of homogeneity over ticks 3 / 6 / 12 h: p = {p_shares:.2f}"]
    for column in ("day_first_agreement", "day_collapse", "day_walk_away"):
        samples = [outs[t][column].dropna() for t in outs]
        p = stats.median_test(*samples)[1]
        medians = " / ".join(f"{s.median():.2f}" for s in samples)
        lines.append(f"- `{column}` medians {medians} days, Mood's median test p = {p:.2f}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=10_000)
    args = parser.parse_args()
    started = time.perf_counter()
    print(f"## Baseline, {args.replicates:,} replicates, seed 1\n")
    print(baseline_table(run(replicates=args.replicates)))
    print(f"\n## Robustness ({args.replicates:,} replicates each)\n")
    print(robustness_table(args.replicates))
    print(f"\n## Time step ({args.replicates:,} replicates per tick, seeds 103 / 106 / 112)\n")
    print(tick_tests(args.replicates))
    print(f"\n## Mechanisms: paired differences in percentage points ({args.replicates:,} replicates, seed 1)\n")
    print(mechanism_table(args.replicates))
    print(f"\n(measured in {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()

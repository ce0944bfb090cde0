"""Two scenarios on common random numbers: paired differences of outcome shares.

Replicate k of A and replicate k of B draw the same random numbers (the streams are keyed
by seed and replicate id alone), so the two runs differ only where the scenarios differ.
The variance of a paired difference counts only replicates whose outcome changed, which
is why a paired comparison needs far fewer replicates than two independent runs.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.model.outcomes import OUTCOMES
from sim.scenario import Scenario, load_scenario, parse_override

from .budget import check_run, clock_steps
from .files import atomic_folder, output_dir
from .run import DEFAULT_CHUNK, simulate, versions
from .stats import empty_bound, independent_variance_ratio, paired_difference, percent

__all__ = ["Comparison", "compare", "cmd_compare"]


@dataclass
class Comparison:
    """Paired outcomes of A and B over the same replicates."""

    a: Scenario
    b: Scenario
    seed: int
    pairs: pd.DataFrame  # replicate, outcome_a, outcome_b
    wall_seconds: float

    @property
    def changed(self) -> int:
        """Replicates whose outcome class differs between A and B."""
        return int((self.pairs["outcome_a"] != self.pairs["outcome_b"]).sum())

    def differences(self, confidence: float = 0.95) -> pd.DataFrame:
        """Per outcome class: share in A and B, B - A with a paired interval, and the
        variance ratio an independent comparison would pay (its replicate multiplier)."""
        rows = []
        for name in OUTCOMES:
            in_a = (self.pairs["outcome_a"] == name).to_numpy()
            in_b = (self.pairs["outcome_b"] == name).to_numpy()
            diff, low, high = paired_difference(in_a, in_b, confidence)
            rows.append(
                {
                    "outcome": name,
                    "share_a": in_a.mean(),
                    "share_b": in_b.mean(),
                    "difference": diff,
                    "low": low,
                    "high": high,
                    "independent_replicates_factor": independent_variance_ratio(in_a, in_b),
                }
            )
        return pd.DataFrame(rows)

    def transitions(self) -> pd.DataFrame:
        """Counts of replicates by outcome in A (rows) and in B (columns), all classes."""
        table = pd.crosstab(self.pairs["outcome_a"].astype(str), self.pairs["outcome_b"].astype(str))
        return table.reindex(index=list(OUTCOMES), columns=list(OUTCOMES), fill_value=0).rename_axis(
            index="outcome in A", columns="outcome in B"
        )


def compare(a: Scenario, b: Scenario, replicates: int, seed: int = 0) -> Comparison:
    """Run A and B on the same seed and replicate ids (both runs' rows are held: checked together first)."""
    longer = max(a, b, key=lambda s: clock_steps(s.data))
    check_run(longer.data, replicates, 0, DEFAULT_CHUNK, runs=2, what="the comparison")
    ra = simulate(a, seed=seed, replicates=replicates, keep_timelines=0, check=False)
    rb = simulate(b, seed=seed, replicates=replicates, keep_timelines=0, check=False)
    pairs = pd.DataFrame(
        {
            "replicate": ra.outcomes["replicate"].to_numpy(),
            "outcome_a": ra.outcomes["outcome"].to_numpy(),
            "outcome_b": rb.outcomes["outcome"].to_numpy(),
        }
    )
    return Comparison(a, b, seed, pairs, ra.wall_seconds + rb.wall_seconds)


# --- writing and showing --------------------------------------------------------------------


def summary(c: Comparison) -> str:
    """The table a user reads in the terminal."""
    n = len(c.pairs)
    lines = [
        f"A = {c.a.name}, B = {c.b.name}: {n:,} paired replicates (common random numbers), seed {c.seed}, "
        f"{c.wall_seconds:.1f} s",
        "B - A in percentage points (pp), from the unrounded shares",
        "",
        f"{'outcome':<22} {'A':>7} {'B':>7} {'B - A':>9}   {'paired 95% interval':<20}   independent runs need",
    ]
    for r in c.differences().itertuples():
        factor = r.independent_replicates_factor
        need = f"{factor:,.1f}x the replicates" if np.isfinite(factor) else "-"
        interval = f"[{_pp(r.low)}, {_pp(r.high)}]"
        lines.append(
            f"{r.outcome.replace('_', ' '):<22} {percent(r.share_a):>7} {percent(r.share_b):>7} "
            f"{_pp(r.difference) + ' pp':>9}   {interval:<20}   {need}"
        )
    diffs = c.differences()
    if ((diffs["share_a"] == 0) | (diffs["share_b"] == 0)).any():
        lines.append(f"0.0% means in none of the {n:,} replicates: below {empty_bound(n)} at 95% confidence.")
    lines += ["", f"{c.changed:,} of {n:,} replicates ({percent(c.changed / n)}) changed outcome:"]
    moves = c.transitions().stack()
    moves = moves[(moves > 0) & (moves.index.get_level_values(0) != moves.index.get_level_values(1))]
    for (frm, to), count in moves.sort_values(ascending=False).items():
        lines.append(f"  {frm.replace('_', ' '):<22} -> {to.replace('_', ' '):<22} {count:>8,}")
    return "\n".join(lines)


def _pp(difference: float) -> str:
    """A difference of shares in percentage points, signed: 0.0234 -> '+2.3', 0.0004 -> '+0.04'.

    Below one point it keeps two decimals, so that a small change does not read as none.
    """
    points = 100 * difference
    if points == 0:
        return "0.0"
    return f"{points:+.2f}" if abs(points) < 0.995 else f"{points:+.1f}"


def figure(c: Comparison):
    """Paired differences with intervals, and the transition table as a heatmap."""
    from .figures import plt

    diffs = c.differences()
    trans = c.transitions()
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4.8), gridspec_kw={"width_ratios": [1, 1.1]})
    y = np.arange(len(diffs))
    pp = 100 * diffs[["difference", "low", "high"]]
    err = np.vstack([pp["difference"] - pp["low"], pp["high"] - pp["difference"]])
    left.errorbar(pp["difference"], y, xerr=err, fmt="o", color="k", capsize=3)
    left.axvline(0, color="grey", lw=0.8)
    left.set_yticks(y, [o.replace("_", " ") for o in diffs["outcome"]])
    left.invert_yaxis()
    left.set_xlabel("share in B minus share in A, percentage points (paired 95% interval)")
    left.set_title(f"{c.b.name} vs {c.a.name}: {len(c.pairs):,} paired replicates")
    counts = trans.to_numpy()
    right.imshow(np.log1p(counts), cmap="Blues")
    for (i, j), v in np.ndenumerate(counts):
        if v:
            right.text(j, i, f"{v:,}", ha="center", va="center", fontsize=8, color="k" if i != j else "w")
    labels = [o.replace("_", "\n") for o in OUTCOMES]
    right.set_xticks(range(len(OUTCOMES)), labels, fontsize=7)
    right.set_yticks(range(len(OUTCOMES)), labels, fontsize=7)
    right.set_xlabel(f"outcome in B ({c.b.name})")
    right.set_ylabel(f"outcome in A ({c.a.name})")
    right.set_title(f"Transitions: {c.changed:,} replicates changed outcome")
    fig.tight_layout()
    return fig


def write_comparison(out: Path, c: Comparison, meta: dict) -> None:
    """Write every file into a temporary folder beside ``out``, then move it into place."""
    from .figures import plt

    with atomic_folder(out) as tmp:
        c.differences().to_csv(tmp / "differences.csv", index=False)
        c.transitions().to_csv(tmp / "transitions.csv")
        c.pairs.to_csv(tmp / "pairs.csv", index=False)
        (tmp / "manifest.json").write_text(json.dumps(meta, indent=2, default=str) + "\n")
        fig = figure(c)
        fig.savefig(tmp / "compare.png", dpi=120)
        plt.close(fig)


def _on_ensemble(scenario: Scenario) -> str:
    """How a side's values vary: on an ensemble's sets (replicate k takes set k mod M), or drawn."""
    e = scenario.ensemble
    if e is None:
        return ""
    return f", on the ensemble {e.file} ({e.n_sets:,} sets; replicate k takes set k mod {e.n_sets:,})"


def cmd_compare(args: argparse.Namespace) -> int:
    """``ceasefire compare A B``: everything is validated before anything runs or is written."""
    both = dict(parse_override(t) for t in args.overrides)
    set_a = {**both, **dict(parse_override(t) for t in args.overrides_a)}
    set_b = {**both, **dict(parse_override(t) for t in args.overrides_b)}
    a = load_scenario(args.a, set_a, ensemble=args.ensemble)
    b = load_scenario(args.b, set_b, ensemble=args.ensemble)
    name = f"compare-{a.name}-vs-{b.name}" if a.name != b.name else f"compare-{a.name}"
    out = output_dir(args.out, name)
    c = compare(a, b, args.replicates, args.seed)
    meta = {
        "command": "ceasefire " + " ".join(shlex.quote(x) for x in sys.argv[1:]),
        "a": {"name": a.name, "path": a.path, "overrides": set_a, "scenario": a.to_dict()},
        "b": {"name": b.name, "path": b.path, "overrides": set_b, "scenario": b.to_dict()},
        "seed": c.seed,
        "replicates": len(c.pairs),
        "pairing": "common random numbers: replicate k of A and of B use the streams of (seed, k)",
        "interval": "paired Wald interval of the per-replicate difference (Agresti 2007, sec. 8.1.2)",
        "changed_replicates": c.changed,
        "wall_seconds": round(c.wall_seconds, 3),
        "versions": versions(),
    }
    write_comparison(out, c, meta)
    for label, scenario, values in (("A", a, set_a), ("B", b, set_b)):
        changes = ", ".join(f"{k}={v}" for k, v in values.items())
        print(f"{label}: {scenario.name}" + (f" with {changes}" if changes else "") + _on_ensemble(scenario))
    print(summary(c))
    print(f"\nWrote {out}/ (differences.csv, transitions.csv, pairs.csv, compare.png, manifest.json)")
    return 0

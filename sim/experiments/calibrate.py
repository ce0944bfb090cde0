"""``ceasefire calibrate``: keep the parameter sets under which the model reproduces what was observed.

Rejection ABC over a quasi-random sample of the priors (Pritchard et al. 1999; with several
patterns at once, the pattern-oriented modelling of Grimm et al. 2005). Every value the
scenario draws from a prior is calibrated: ``--draws`` sets are taken from a scrambled
Sobol' sequence mapped through each prior's inverse distribution function, each set runs
``--replicates-per-draw`` replicates, and a set is accepted when its distance from every
pattern's target is within the pattern's tolerance (:mod:`sim.experiments.patterns`).

The runs are sweeps (:mod:`sim.experiments.sweep_run`), one per arm (the scenario, and each
variant a contrast pattern compares with), so they are chunked, resumable after a kill and
identical on 1 or 2 workers or Dask. The accepted sets are then run again on fresh random
numbers (seed + 1), which gives an honest posterior-predictive check. Files in ``--out``:

- ``calibration.json``: the plan (identity, patterns, settings), written first;
- ``runs/<arm>/``: one sweep folder per arm; ``check/<arm>/``: the re-run of the accepted sets;
- ``draws.parquet``: every set drawn, with its scores, distances and acceptance per pattern;
- ``ensemble.parquet``: the accepted sets (``ceasefire run --ensemble``);
- ``acceptance.csv``, ``predictive.csv``, ``posterior.csv`` and their figures;
- ``manifest.json``: written last, it marks a finished calibration.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from scipy import stats
from scipy.stats import qmc

from sim.errors import ScenarioError
from sim.scenario import Scenario
from sim.scenario.ensemble import write_ensemble
from sim.scenario.priors import Prior

from .budget import check_sweep, clock_steps
from .files import check_writable, folder_lock, is_empty, refuse_if_locked, write_atomic
from .patterns import Pattern, PatternSet, collapse_hazards, load_patterns, pattern_scores, ratio
from .processes import available_cores, capped_workers
from .run import versions
from .sweep import SweepSpec, prior_paths, prior_values
from .sweep_run import DaskBackend, check_backend_options, command_line, run_sweep

__all__ = ["CalibrationSpec", "calibration_spec", "run_calibration", "prior_paths", "cmd_calibrate"]

PLAN = "calibration.json"
MANIFEST = "manifest.json"
DEFAULT_DRAWS = 4096
DEFAULT_REPLICATES = 50
#: Significance of the per-parameter test of "the patterns moved this prior" (Bonferroni over parameters).
INFORMED_ALPHA = 0.01
#: Bytes per replicate row on disk (Parquet, measured on runs.parquet of the baseline), for the disk check.
BYTES_PER_ROW = 400


@dataclass(frozen=True)
class CalibrationSpec:
    """A calibration's plan: the patterns, the priors it samples and how."""

    patterns: PatternSet
    draws: int
    replicates: int
    seed: int
    chunk_size: int
    priors: Mapping[str, Prior]
    unit: np.ndarray  # (draws, len(priors)): the quasi-random quantiles of every set

    @property
    def parameters(self) -> list[str]:
        return list(self.priors)

    def values(self, rows: np.ndarray | slice = slice(None)) -> pd.DataFrame:
        """The parameter sets (values, by key path) of the given draws."""
        return prior_values(self.priors, self.unit[rows])

    def arms(self) -> dict[str, Scenario]:
        """The scenario, and the variant of each contrast pattern (arms that share a variant run once)."""
        arms = {"scenario": self.patterns.scenario}
        for pid, scenario in self.patterns.variants().items():
            arms[arm_name(self.patterns, pid)] = scenario
        return arms

    def resolved(self) -> dict:
        return {
            "patterns_file": self.patterns.path,
            "patterns": self.patterns.to_plain(),
            "scenario": self.patterns.scenario.name,
            "draws": self.draws,
            "replicates_per_draw": self.replicates,
            "seed": self.seed,
            "chunk_size": self.chunk_size,
            "priors": {p: prior.to_plain() for p, prior in self.priors.items()},
            "design": "scrambled Sobol' sequence over the prior quantiles (scipy.stats.qmc.Sobol)",
        }

    def identity(self) -> str:
        """A hash of what decides the ensemble (not where files are, not how many workers)."""
        blob = {k: v for k, v in self.resolved().items() if k != "patterns_file"}
        blob["scenarios"] = {name: s.to_dict() for name, s in self.arms().items()}
        text = json.dumps(blob, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def arm_name(patterns: PatternSet, pattern_id: str) -> str:
    """The arm a contrast pattern's variant runs in: the variant's name (shared by patterns naming it)."""
    pattern = next(p for p in patterns.patterns if p.id == pattern_id)
    if isinstance(pattern.variant, str):
        return "variant-" + Path(pattern.variant).stem
    return "variant-" + pattern.id


def calibration_spec(
    patterns_path: str | Path,
    scenario: str | None = None,
    draws: int = DEFAULT_DRAWS,
    replicates: int = DEFAULT_REPLICATES,
    seed: int = 0,
    chunk_size: int = 20_000,
) -> CalibrationSpec:
    """Validate the patterns (against ``scenario`` if given) and draw the parameter sets."""
    patterns = load_patterns(patterns_path, scenario)
    if patterns.scenario.ensemble is not None:  # calibrate the priors themselves, not an earlier ensemble's sets
        patterns = dataclasses.replace(patterns, scenario=patterns.scenario.with_ensemble(None))
    priors = prior_paths(patterns.scenario)
    if not priors:
        raise ScenarioError(
            patterns.scenario.path, "", "a scenario with no priors", "a scenario with at least one value given as a prior"
        )
    for pid, variant in patterns.variants().items():
        _check_variant_priors(patterns.path, pid, priors, prior_paths(variant))

    check_calibration_budget(patterns, draws, replicates, chunk_size)
    with warnings.catch_warnings():  # a draw count that is not a power of two loses some balance, no more
        warnings.simplefilter("ignore", UserWarning)
        unit = qmc.Sobol(d=len(priors), scramble=True, rng=seed).random(draws)
    return CalibrationSpec(patterns, draws, replicates, seed, chunk_size, priors, unit)


def _check_variant_priors(src: str, pattern_id: str, priors: Mapping[str, Prior], variant: Mapping[str, Prior]) -> None:
    """A contrast's variant may change fixed values only: each set's values replace its priors in both arms."""
    for path in sorted(set(priors) | set(variant)):
        if priors.get(path) != variant.get(path):
            found = variant.get(path, "a fixed value")
            raise ScenarioError(
                src,
                f"pattern {pattern_id!r} variant",
                f"a variant with {found} at {path}, where the scenario has {priors.get(path, 'a fixed value')}",
                "a variant that changes fixed values only (the calibrated sets set every prior in both arms)",
            )

def check_calibration_budget(patterns: PatternSet, draws: int, replicates: int, chunk_size: int) -> None:
    """Refuse a calibration that cannot fit in memory before the draws are made; warn before a long one.

    Each arm runs as a sweep of ``draws`` points (at most twice: the prior runs and the
    check), one after another; the rows the patterns read stay in memory for every arm.
    """
    arms = [patterns.scenario, *patterns.variants().values()]
    steps = max(clock_steps(s.data) for s in arms)
    fit = chunk_size // replicates
    packing = max(1, min(fit, draws)) if fit >= 2 else 1
    held = 2 * len(arms) * draws * replicates + draws
    check_sweep(
        patterns.path, draws, replicates, steps, chunk_size, packing, available_cores(), held, runs=2 * len(arms),
        key="--draws x --replicates-per-draw",
        unit="parameter set",
    )


# --- the runs -----------------------------------------------------------------------------------


def arm_sweep(spec: CalibrationSpec, arm: str, scenario: Scenario, values: pd.DataFrame, seed: int, tag: str) -> SweepSpec:
    """One arm as a sweep whose design points are parameter sets (packed side by side in chunks)."""
    points = values.reset_index(drop=True)
    points.insert(0, "point", np.arange(len(points), dtype=np.int64))
    return SweepSpec(
        path=spec.patterns.path,
        name=f"{spec.patterns.name}-{tag}-{arm}",
        description=f"calibration of {spec.patterns.scenario.name} on {spec.patterns.name}: {tag} runs of {arm}",
        scenario=scenario,
        replicates=spec.replicates,
        seed=seed,
        design="prior",
        samples=None,
        chunk_size=spec.chunk_size,
        parameters=dict(spec.priors),
        fixed={},
        points=points,
        independent_points=True,
    )


NEEDED = ("point", "replicate")


def read_rows(folder: Path, patterns: PatternSet) -> pd.DataFrame:
    """The columns of ``runs.parquet`` the patterns read (the file is never loaded whole)."""
    columns = set(NEEDED)
    for p in patterns.patterns:
        columns |= {c.output for c in (*p.when, *p.among)}
        if p.kind == "hazard":
            columns |= {"day_first_agreement", "day_collapse"}
    return pq.read_table(folder / "runs.parquet", columns=sorted(columns)).to_pandas()


def score_draws(spec: CalibrationSpec, rows: Mapping[str, pd.DataFrame], n_points: int) -> pd.DataFrame:
    """Per parameter set: each pattern's statistic, distance and whether it is reproduced, and jointly."""
    horizon = float(spec.patterns.scenario.data["clock"]["horizon_days"])
    table: dict[str, np.ndarray] = {}
    accepted_all = np.ones(n_points, dtype=bool)
    for p in spec.patterns.patterns:
        variant = rows[arm_name(spec.patterns, p.id)] if p.kind == "contrast" else None
        score = pattern_scores(p, rows["scenario"], n_points, horizon, variant)
        distance = p.distance(score)
        # Not judged (no replicate to take the share over, no day at risk): no evidence against the set.
        ok = np.isnan(distance) | (distance <= p.tolerance + 1e-12)
        table[f"score.{p.id}"] = score
        table[f"distance.{p.id}"] = distance
        table[f"accepted.{p.id}"] = ok
        accepted_all &= ok
    table["accepted"] = accepted_all
    return pd.DataFrame(table)


def pooled_statistic(pattern: Pattern, rows: Mapping[str, pd.DataFrame], horizon: float, arm: str) -> dict:
    """A pattern's statistic over all replicates of an arm's runs (prior or ensemble), pooled."""
    base = rows["scenario"]
    one = np.zeros(len(base), dtype=np.int64)
    if pattern.kind == "share":
        return {"statistic": "share of replicates showing it", "value": float(pattern.condition_share(base, one, 1)[0])}
    if pattern.kind == "contrast":
        other = rows[arm]
        a = float(pattern.condition_share(base, one, 1)[0])
        b = float(pattern.condition_share(other, np.zeros(len(other), dtype=np.int64), 1)[0])
        return {"statistic": "share under the variant / under the scenario", "value": float(ratio(b, a)),
                "scenario": a, "variant": b}
    early, late = collapse_hazards(base, one, 1, pattern.split_days, horizon)
    return {"statistic": f"collapse hazard after day {pattern.split_days:g} / before", "value": float(ratio(late, early)[0]),
            "scenario": float(early[0]), "variant": float(late[0])}


# --- the output folder ----------------------------------------------------------------------------


def check_output(out: Path, spec: CalibrationSpec, resume: bool) -> str:
    """'new', 'partial' or 'finished'; refuses anything else before anything is written."""
    check_writable(out)
    if not out.exists() or (out.is_dir() and is_empty(out)):
        return "new"
    if not out.is_dir():
        raise ScenarioError("--out", str(out), "an existing file", "a new or empty folder, or this calibration's own folder")
    plan = out / PLAN
    if not plan.is_file():
        raise ScenarioError("--out", str(out), "a non-empty folder that holds no calibration", "a new or empty folder")
    try:
        record = json.loads(plan.read_text())
    except (OSError, ValueError):  # ValueError: not UTF-8, or not JSON
        record = None
    if not isinstance(record, dict):  # a list or a number is no plan either
        raise ScenarioError("--out", str(out), f"an unreadable {PLAN}", "a folder written by `ceasefire calibrate`")
    identity = record.get("identity")
    if identity != spec.identity():
        raise ScenarioError(
            "--out",
            str(out),
            f"a folder that holds another calibration (id {identity}; this one is id {spec.identity()})",
            "a new or empty folder; --resume only continues the same patterns, scenario and settings",
        )
    finished = (out / MANIFEST).is_file()
    if not resume:
        state = "a finished" if finished else "an unfinished"
        hint = "another --out (results are never overwritten)" if finished else "--resume to finish it, or another --out"
        raise ScenarioError("--out", str(out), f"a folder that holds {state} run of this calibration", hint)
    return "finished" if finished else "partial"


def check_disk(out: Path, spec: CalibrationSpec) -> None:
    """Refuse before the work if the runs cannot fit on the disk that holds ``out``."""
    rows = spec.draws * spec.replicates * len(spec.arms()) * 2  # the prior runs, and at most as many for the check
    need = rows * BYTES_PER_ROW
    probe = out if out.exists() else next((p for p in out.parents if p.exists()), Path.cwd())
    free = shutil.disk_usage(probe).free
    if free < need:
        raise ScenarioError(
            "--out", str(out), f"{free / 2**20:,.0f} MiB free on its disk", f"at least {need / 2**20:,.0f} MiB for the runs"
        )


# --- running ----------------------------------------------------------------------------------------


@dataclass
class CalibrationResult:
    """What a calibration found (also written to files)."""

    out: Path
    draws: pd.DataFrame
    acceptance: pd.DataFrame
    predictive: pd.DataFrame
    posterior: pd.DataFrame
    wall_seconds: float
    already_finished: bool = False


def run_calibration(
    spec: CalibrationSpec,
    out: Path,
    workers: int | None = None,
    backend: str = "local",
    scheduler: str | None = None,
    resume: bool = False,
    progress: bool = True,
    command: str = "",
) -> CalibrationResult:
    """Run the prior draws, score them, re-run the accepted sets, and write every file.

    Refusals come before anything is written; the folder is then locked, so a second run
    into it is refused instead of replacing its files.
    """
    started = time.perf_counter()
    refuse_if_locked(out)
    state = check_output(out, spec, resume)
    if state == "finished":
        return load_calibration(out, already_finished=True)
    check_disk(out, spec)
    workers = capped_workers(workers)
    cluster = None
    if backend == "dask":  # one cluster for every arm; workers with other versions are refused here
        DaskBackend.check(scheduler)
        cluster = DaskBackend(scheduler, workers)
    try:
        with folder_lock(out):
            state = check_output(out, spec, resume)  # again: another run may have moved it on before the lock
            if state == "finished":
                return load_calibration(out, already_finished=True)
            return _calibrate_locked(spec, out, state, workers, backend, scheduler, progress, command, started, cluster)
    finally:
        if cluster is not None:
            cluster.close()


def _calibrate_locked(
    spec: CalibrationSpec,
    out: Path,
    state: str,
    workers: int | None,
    backend: str,
    scheduler: str | None,
    progress: bool,
    command: str,
    started: float,
    cluster: DaskBackend | None = None,
) -> CalibrationResult:
    """The calibration itself, with ``out`` locked (each arm's sweep folder is locked too).

    With Dask, every arm's sweep runs on ``cluster``, opened once by the caller.
    """
    if state == "new":
        plan = {"identity": spec.identity(), "calibration": spec.resolved()}
        write_atomic(out / PLAN, (json.dumps(plan, indent=2, default=str) + "\n").encode())
    run = dict(workers=workers, backend=backend, scheduler=scheduler, cluster=cluster, resume=True, progress=progress)
    arms = spec.arms()
    values = spec.values()
    rows = {}
    for arm, scenario in arms.items():
        sweep = arm_sweep(spec, arm, scenario, values, spec.seed, "prior")
        run_sweep(sweep, out / "runs" / arm, command=command, check=False, **run)
        rows[arm] = read_rows(out / "runs" / arm, spec.patterns)
    scores = score_draws(spec, rows, spec.draws)
    accepted = np.flatnonzero(scores["accepted"].to_numpy())
    if accepted.size == 0:
        draws = pd.concat([pd.DataFrame({"draw": np.arange(spec.draws)}), values, scores], axis=1)
        write_atomic(out / "draws.parquet", lambda tmp: draws.to_parquet(tmp, index=False))
        table = acceptance_table(spec, scores)
        raise ScenarioError(
            spec.patterns.path,
            "",
            f"no parameter set of {spec.draws:,} reproduces every pattern (accepted per pattern: "
            + ", ".join(f"{r.pattern} {r.accepted}" for r in table.itertuples() if r.pattern != "all patterns")
            + ")",
            "patterns the model can reproduce together: more --draws, a wider share range or tolerance, or other priors",
        )
    check = {}
    for arm, scenario in arms.items():
        sweep = arm_sweep(spec, arm, scenario, values.iloc[accepted], spec.seed + 1, "check")
        run_sweep(sweep, out / "check" / arm, command=command, check=False, **run)
        check[arm] = read_rows(out / "check" / arm, spec.patterns)
    return write_outputs(spec, out, values, scores, rows, check, time.perf_counter() - started, command, run)


def write_outputs(
    spec: CalibrationSpec,
    out: Path,
    values: pd.DataFrame,
    scores: pd.DataFrame,
    rows: Mapping[str, pd.DataFrame],
    check: Mapping[str, pd.DataFrame],
    wall: float,
    command: str,
    run: Mapping[str, Any],
) -> CalibrationResult:
    """Every output file; ``manifest.json`` last."""
    from .calibration_figures import figure_posterior, figure_predictive

    draws = pd.concat([pd.DataFrame({"draw": np.arange(spec.draws)}), values, scores], axis=1)
    accepted = draws[draws["accepted"]].reset_index(drop=True)
    ensemble_values = accepted[spec.parameters]
    extra = accepted.drop(columns=[*spec.parameters, "accepted"])
    acceptance = acceptance_table(spec, scores)
    predictive = predictive_table(spec, rows, check)
    posterior = posterior_table(spec, scores["accepted"].to_numpy())
    write_atomic(out / "draws.parquet", lambda tmp: draws.to_parquet(tmp, index=False))
    write_ensemble(
        out / "ensemble.parquet",
        ensemble_values,
        scenario_name=spec.patterns.scenario.name,
        priors=spec.priors,
        extra_columns=extra,
        meta={
            "patterns": spec.patterns.name,
            "patterns_file": spec.patterns.path,
            "identity": spec.identity(),
            "draws": spec.draws,
            "replicates_per_draw": spec.replicates,
            "seed": spec.seed,
            "command": command,
        },
    )
    for name, table in (("acceptance", acceptance), ("predictive", predictive), ("posterior", posterior)):
        write_atomic(out / f"{name}.csv", table.to_csv(index=False).encode())
    for name, fig in (
        ("posterior.png", figure_posterior(spec, values, scores["accepted"].to_numpy(), posterior)),
        ("predictive.png", figure_predictive(predictive)),
    ):
        write_atomic(out / name, lambda tmp, fig=fig: fig.savefig(tmp, dpi=110, bbox_inches="tight", format="png"))
    meta = {
        "command": command,
        "identity": spec.identity(),
        "calibration": spec.resolved(),
        "method": "rejection ABC over a scrambled Sobol' sample of the priors; accepted sets re-run on seed + 1",
        "accepted": int(len(accepted)),
        "acceptance_rate": len(accepted) / spec.draws,
        "informed": posterior.loc[posterior["informed"], "parameter"].tolist(),
        "versions": versions(),
        "execution": {k: run[k] for k in ("workers", "backend", "scheduler")},
        "wall_seconds_last_session": round(wall, 1),
        "files": [
            "ensemble.parquet", "draws.parquet", "acceptance.csv", "predictive.csv", "posterior.csv",
            "posterior.png", "predictive.png", PLAN, "runs/", "check/", MANIFEST,
        ],
    }
    write_atomic(out / MANIFEST, (json.dumps(meta, indent=2, default=str) + "\n").encode())
    for chunks in (*out.glob("runs/*/chunks"), *out.glob("check/*/chunks")):
        shutil.rmtree(chunks, ignore_errors=True)  # each arm's runs.parquet holds them all; only a resume needed them
    return CalibrationResult(out, draws, acceptance, predictive, posterior, wall)


def acceptance_table(spec: CalibrationSpec, scores: pd.DataFrame) -> pd.DataFrame:
    """Per pattern and jointly: how many of the drawn sets reproduce it, and how many could be judged."""
    n = len(scores)
    records = []
    for p in spec.patterns.patterns:
        ok = scores[f"accepted.{p.id}"].to_numpy()
        judged = ~np.isnan(scores[f"distance.{p.id}"].to_numpy())
        records.append(
            {"pattern": p.id, "kind": p.kind, "target": p.target, "tolerance": p.tolerance, "accepted": int(ok.sum()),
             "share": ok.sum() / n, "judged": int(judged.sum()), "says": p.says}
        )
    total = int(scores["accepted"].sum())
    records.append({"pattern": "all patterns", "kind": "", "target": "every pattern at once", "tolerance": np.nan,
                    "accepted": total, "share": total / n, "judged": n, "says": ""})
    return pd.DataFrame(records)


def predictive_table(
    spec: CalibrationSpec, prior: Mapping[str, pd.DataFrame], ensemble: Mapping[str, pd.DataFrame]
) -> pd.DataFrame:
    """Each pattern under the priors and over the ensemble (its sets re-run on fresh numbers).

    Two views: the pattern's statistic pooled over all replicates (``prior``, ``ensemble``),
    and the share of parameter sets that reproduce it (``sets_prior``: of the draws;
    ``sets_ensemble``: of the accepted sets, judged again on their fresh runs).
    """
    horizon = float(spec.patterns.scenario.data["clock"]["horizon_days"])
    n_prior = int(prior["scenario"]["point"].max()) + 1
    n_check = int(ensemble["scenario"]["point"].max()) + 1
    sets_prior, sets_check = score_draws(spec, prior, n_prior), score_draws(spec, ensemble, n_check)
    records = []
    for p in spec.patterns.patterns:
        arm = arm_name(spec.patterns, p.id) if p.kind == "contrast" else "scenario"
        a = pooled_statistic(p, prior, horizon, arm)
        b = pooled_statistic(p, ensemble, horizon, arm)
        better = _closer(p, a["value"], b["value"])
        records.append({"pattern": p.id, "kind": p.kind, "statistic": a["statistic"], "target": p.target,
                        "prior": a["value"], "ensemble": b["value"], "closer_to_target": better,
                        "prior_parts": _parts(a), "ensemble_parts": _parts(b),
                        "sets_prior": float(sets_prior[f"accepted.{p.id}"].mean()),
                        "sets_ensemble": float(sets_check[f"accepted.{p.id}"].mean())})
    shares = [p for p in spec.patterns.patterns if p.kind == "share"]
    if shares:
        def joint(rows: Mapping[str, pd.DataFrame]) -> float:
            hit = np.ones(len(rows["scenario"]), dtype=bool)
            for p in shares:
                hit &= _all_conditions(p, rows["scenario"])
            return float(hit.mean())

        a, b = joint(prior), joint(ensemble)
        records.append({"pattern": "all share patterns", "kind": "share", "statistic": "share of replicates showing every one",
                        "target": "", "prior": a, "ensemble": b, "closer_to_target": b > a, "prior_parts": "",
                        "ensemble_parts": "", "sets_prior": np.nan, "sets_ensemble": np.nan})
    records.append({"pattern": "all patterns", "kind": "", "statistic": "sets that reproduce every pattern",
                    "target": "", "prior": np.nan, "ensemble": np.nan, "closer_to_target": True, "prior_parts": "",
                    "ensemble_parts": "", "sets_prior": float(sets_prior["accepted"].mean()),
                    "sets_ensemble": float(sets_check["accepted"].mean())})
    return pd.DataFrame(records)


def _parts(stat: dict) -> str:
    """The two numbers behind a ratio, for the table (empty for a share)."""
    if "scenario" not in stat:
        return ""
    return f"{stat['variant']:.4g} / {stat['scenario']:.4g}"


def _all_conditions(p: Pattern, rows: pd.DataFrame) -> np.ndarray:
    hit = np.ones(len(rows), dtype=bool)
    for c in (*p.when, *p.among):
        hit &= c.holds(rows)
    return hit


def _closer(p: Pattern, prior: float, ensemble: float) -> bool:
    """Whether the ensemble's pooled statistic moved toward (or stayed at) the pattern's target."""
    if np.isnan(prior) or np.isnan(ensemble):
        return False
    if p.kind == "share":
        low, high = p.share
        return max(0.0, low - ensemble, ensemble - high) <= max(0.0, low - prior, prior - high) and (
            ensemble >= prior if high >= 1.0 else True
        )
    return ensemble >= prior if p.direction in ("higher", "rises") else ensemble <= prior


def posterior_table(spec: CalibrationSpec, accepted: np.ndarray) -> pd.DataFrame:
    """Per parameter: prior vs posterior, and whether the patterns moved it (KS test on the quantile scale).

    The draws are uniform on each prior's quantile scale, so the accepted quantiles are
    tested against the uniform distribution; "informed" means p < 0.01 / (number of parameters).
    """
    d = len(spec.priors)
    values = spec.values()
    records = []
    for j, (path, prior) in enumerate(spec.priors.items()):
        u = spec.unit[accepted, j]
        ks = stats.kstest(u, "uniform") if u.size else None
        x = values[path].to_numpy()
        post = x[accepted]
        records.append(
            {
                "parameter": path,
                "prior": str(prior),
                "prior_median": float(np.median(x)),
                "posterior_median": float(np.median(post)) if post.size else np.nan,
                "posterior_q05": float(np.quantile(post, 0.05)) if post.size else np.nan,
                "posterior_q95": float(np.quantile(post, 0.95)) if post.size else np.nan,
                "quantile_shift": float(np.mean(u) - 0.5) if u.size else np.nan,
                "ks_distance": float(ks.statistic) if ks else np.nan,
                "p_value": float(ks.pvalue) if ks else np.nan,
                "informed": bool(ks is not None and ks.pvalue < INFORMED_ALPHA / d),
            }
        )
    return pd.DataFrame(records).sort_values("ks_distance", ascending=False, ignore_index=True)


def load_calibration(out: Path, already_finished: bool = False) -> CalibrationResult:
    """A finished calibration folder's tables (what ``ceasefire report`` and ``--resume`` read)."""
    manifest = json.loads((out / MANIFEST).read_text())
    return CalibrationResult(
        out,
        pd.read_parquet(out / "draws.parquet"),
        pd.read_csv(out / "acceptance.csv"),
        pd.read_csv(out / "predictive.csv"),
        pd.read_csv(out / "posterior.csv"),
        manifest.get("wall_seconds_last_session", 0.0),
        already_finished,
    )


# --- the command ------------------------------------------------------------------------------------


def summary(spec: CalibrationSpec, result: CalibrationResult) -> str:
    """What a student reads after a calibration."""
    a, p, q = result.acceptance, result.predictive, result.posterior
    lines = [
        f"Calibration of {spec.patterns.scenario.name} on {spec.patterns.name}: {spec.draws:,} parameter sets "
        f"({len(spec.priors)} priors) x {spec.replicates} replicates, seed {spec.seed}",
        "",
        "Sets that reproduce each pattern (of all drawn):",
    ]
    for r in a.itertuples():
        judged = "" if r.judged == len(result.draws) else f"  (judged in {r.judged:,}; the rest not contradicted)"
        lines.append(f"  {r.pattern:<38} {r.accepted:>6,}  {r.share:6.1%}{judged}")
    lines += [
        "",
        "Posterior-predictive check: under the priors -> over the ensemble (its sets re-run on fresh numbers)",
        f"  {'':<38} {'over all replicates':>24}   {'sets reproducing it':>19}",
    ]
    for r in p.itertuples():
        pooled = f"{_show(r.kind, r.prior):>9} -> {_show(r.kind, r.ensemble):<9}" if r.kind else " " * 22
        sets = f"{r.sets_prior:6.1%} -> {r.sets_ensemble:6.1%}" if not np.isnan(r.sets_prior) else ""
        lines.append(f"  {r.pattern:<38} {pooled:>24}   {sets:>19}")
    lines.append("  (shares: of replicates showing the pattern; x: the ratio a relation is judged on, below 1 as it should be)")
    informed = q[q["informed"]]
    lines += ["", f"Parameters the patterns inform ({len(informed)} of {len(q)}; KS test on the quantile scale, "
              f"p < {INFORMED_ALPHA}/{len(q)}), prior median -> posterior median [5%, 95%]:"]
    for r in informed.itertuples():
        lines.append(
            f"  {r.parameter:<48} {r.prior_median:8.3g} -> {r.posterior_median:8.3g} "
            f"[{r.posterior_q05:.3g}, {r.posterior_q95:.3g}]"
        )
    lines.append(f"The other {len(q) - len(informed)} stay at their priors (posterior.csv, posterior.png).")
    return "\n".join(lines)


def _show(kind: str, value: float) -> str:
    if np.isnan(value):
        return "n/a"
    return f"{value:.1%}" if kind == "share" else f"x {value:.3g}"


def cmd_calibrate(args) -> int:
    """``ceasefire calibrate PATTERNS``."""
    check_backend_options(args)
    spec = calibration_spec(
        args.patterns,
        scenario=args.scenario,
        draws=args.draws,
        replicates=args.replicates_per_draw,
        seed=args.seed,
    )
    out = args.out or Path("results") / f"calibrate-{spec.patterns.name}"
    command = command_line()
    result = run_calibration(
        spec,
        out,
        workers=args.workers,
        backend=args.backend,
        scheduler=args.scheduler,
        resume=args.resume,
        progress=not args.quiet,
        command=command,
    )
    if result.already_finished:
        print(f"{out}/ already holds this finished calibration; nothing to do.\n")
    print(summary(spec, result))
    n = int(result.acceptance["accepted"].iloc[-1])
    print(
        f"\nWrote {out}/ in {result.wall_seconds:.0f} s: ensemble.parquet ({n:,} sets), draws.parquet, acceptance.csv, "
        f"predictive.csv, posterior.csv, posterior.png, predictive.png, manifest.json.\n"
        f"Use it: ceasefire run --ensemble {out}/ensemble.parquet -r 1000; a page: ceasefire report {out}"
    )
    return 0

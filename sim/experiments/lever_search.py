"""Lever search on common random numbers: candidates side by side, a TPE search, a confirmation.

Every candidate runs on the same replicate ids, and replicate k draws its numbers from
(seed, k) alone, so two candidates differ on a replicate only where their levers change
its course: their outcome indicators are paired. Levers that may differ by replicate run
many candidates in one vectorised model (ids repeated once per candidate, the levers as
per-replicate arrays), exactly as a packed sweep chunk does (:func:`.sweep_run.run_chunk`);
text, switches and whole numbers split the candidates into one model per value.

The search (Optuna's TPE sampler, seeded: the same file gives the same answer) judges
each candidate on replicates ``0 .. R-1``. The candidate that looks best after many looks
is flattered by having been chosen (the winner's curse), so the best few are re-run on
fresh common ids ``R .. R + R_c - 1`` and judged there, against each other and against the
scenario as it stands (the baseline), by paired differences.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from sim.errors import ScenarioError
from sim.model.outcomes import wilson_interval
from sim.scenario import thaw

from .budget import (
    MODEL_BYTES_PER_REPLICATE,
    RESULT_BYTES_PER_REPLICATE,
    Estimate,
    clock_steps,
    count_text,
    memory_budget,
    memory_text,
    size_text,
    sweep_estimate,
    warn_if_long,
)
from .optimise import OptimiseSpec
from .run import DEFAULT_CHUNK
from .stats import paired_difference, percent
from .sweep_run import Chunk, ChunkTask, run_chunk

__all__ = ["require_optuna", "check_budget", "evaluate", "search", "confirm", "Confirmation"]

#: What a missing optional dependency says, as DaskBackend.check says it for dask.
INSTALL = "pip install 'ceasefire-sim[explore]'"


def require_optuna():
    """The optuna module with its per-trial log lines silenced; one refusal if it is not installed."""
    try:
        import optuna
    except ImportError:
        raise ScenarioError("ceasefire optimise", "optuna", "optuna is not installed", INSTALL) from None
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


def check_budget(spec: OptimiseSpec) -> None:
    """Refuse a search whose held indicators cannot fit in memory; warn before a long one.

    A model holds at most ``DEFAULT_CHUNK`` replicates; the confirmation keeps one byte per
    replicate of each confirmed candidate (and the baseline) to pair them.
    """
    steps = clock_steps(spec.scenario.data)
    packing = max(1, DEFAULT_CHUNK // spec.replicates)
    stages = [
        sweep_estimate(spec.trials + 1, spec.replicates, steps, DEFAULT_CHUNK, packing, 1),
        sweep_estimate(spec.confirm + 1, spec.confirm_replicates, steps, DEFAULT_CHUNK, 1, 1),
    ]
    held = (spec.confirm + 1) * spec.confirm_replicates
    need = DEFAULT_CHUNK * (MODEL_BYTES_PER_REPLICATE + RESULT_BYTES_PER_REPLICATE) + held
    budget = memory_budget()
    if budget is not None and need > budget:
        raise ScenarioError(
            spec.path,
            "optimise.confirm_replicates",
            f"{count_text(spec.confirm_replicates)} replicates for each of {spec.confirm + 1} runs, "
            f"needing {memory_text(need)} where {size_text(budget)} may be used",
            "fewer confirmation replicates",
        )
    what = f"the lever search ({count_text(spec.trials)} candidates and a confirmation, {steps:,} steps each)"
    warn_if_long(Estimate(need, sum(s.seconds for s in stages)), what, "fewer trials or replicates would be quicker")


# --- running candidates ------------------------------------------------------------------------------


def evaluate(
    spec: OptimiseSpec,
    candidates: Sequence[Mapping[str, Any]],
    start: int,
    stop: int,
    done: Callable[[int], Any] | None = None,
) -> np.ndarray:
    """(C, stop - start) bool: whether replicate ``start + j`` of candidate c ends in the named outcome.

    A candidate maps lever key paths to values; ``{}`` is the scenario as it stands.
    Candidates that differ only in per-replicate levers share a model, at most
    ``DEFAULT_CHUNK`` replicates a model. ``done`` is told the replicates of each model run.
    """
    hits = np.zeros((len(candidates), stop - start), dtype=bool)
    for members, scalars, arrays in _groups(spec, candidates):
        for task, rows in _tasks(spec, members, scalars, arrays, start, stop):
            chunk, table, _ = run_chunk(task)
            hit = table["outcome"].isin(spec.outcome).to_numpy().reshape(chunk.points, -1)
            hits[rows, chunk.start - start : chunk.stop - start] = hit
            if done is not None:
                done(chunk.size)
    return hits


def _groups(spec: OptimiseSpec, candidates: Sequence[Mapping[str, Any]]):
    """Candidates that can share a model: (their indices, the scalar overrides, per-replicate levers' values)."""
    groups: dict[tuple, list[int]] = {}
    for i, candidate in enumerate(candidates):
        scalars = tuple((k, v) for k, v in candidate.items() if not spec.per_replicate(k))
        arrays = tuple(k for k in candidate if spec.per_replicate(k))
        groups.setdefault((scalars, arrays), []).append(i)
    for (scalars, paths), members in groups.items():
        yield members, dict(scalars), {path: [candidates[i][path] for i in members] for path in paths}


def _tasks(spec: OptimiseSpec, members: list[int], scalars: dict, arrays: dict, start: int, stop: int):
    """The chunk tasks of one group, each with the candidate indices of its rows, in order.

    As many candidates side by side as ``DEFAULT_CHUNK`` replicates hold (one, without
    per-replicate levers), and one candidate's replicates cut into ``DEFAULT_CHUNK`` pieces.
    """
    data = thaw(spec.scenario.data)
    ensemble = spec.scenario.ensemble
    sha = ensemble.sha256 if ensemble is not None else ""
    n = stop - start
    per_model = max(1, DEFAULT_CHUNK // n) if arrays else 1
    step = DEFAULT_CHUNK if per_model == 1 else n
    for first in range(0, len(members), per_model):
        part = slice(first, first + per_model)
        values = {path: v[part] for path, v in arrays.items()}
        for lo in range(start, stop, step):
            chunk = Chunk(0, lo, min(lo + step, stop), len(members[part]))
            yield (
                ChunkTask(spec.scenario.name, spec.scenario.path, data, scalars, spec.seed, chunk, values, sha),
                members[part],
            )


# --- the search ------------------------------------------------------------------------------------


def search(spec: OptimiseSpec, progress: bool = True) -> pd.DataFrame:
    """Every candidate the searches tried, in order: ``search``, ``trial``, the levers, ``count``, ``n``, ``share``, ``low``, ``high``.

    ``spec.searches`` independent TPE searches of ``spec.trials`` candidates each (trial
    numbers run on from one search to the next). Candidates are asked for ``batch`` at a time
    and run side by side on ids ``0 .. R-1``, the same for every search. The TPE sampler's
    "constant liar" keeps a batch's candidates apart while none is told.
    """
    optuna = require_optuna()
    direction = "maximize" if spec.goal == "maximise" else "minimize"
    space = _space(optuna, spec)
    rows = []
    total = spec.trials * spec.searches
    bar = tqdm(total=total, unit="trial", desc=spec.name, disable=not progress, file=sys.stderr, mininterval=0.5)
    with bar:
        for number in range(spec.searches):
            study = optuna.create_study(direction=direction, sampler=_sampler(optuna, spec.seed, number))
            offset = number * spec.trials
            for first in range(0, spec.trials, spec.batch):
                asked = [study.ask(space) for _ in range(min(spec.batch, spec.trials - first))]
                candidates = [{path: trial.params[path] for path in spec.levers} for trial in asked]
                counts = evaluate(spec, candidates, 0, spec.replicates).sum(axis=1)
                for trial, candidate, count in zip(asked, candidates, counts, strict=True):
                    study.tell(trial, count / spec.replicates)
                    rows.append(
                        {"search": number + 1, "trial": offset + trial.number, **candidate, "count": int(count)}
                    )
                bar.update(len(asked))
                bar.set_postfix_str(f"best so far {percent(study.best_value)}", refresh=False)
    return with_shares(pd.DataFrame(rows), spec.replicates)


def _sampler(optuna, seed: int, number: int = 0):
    """TPE seeded from the file's seed (and the search's number after the first), folded into 32 bits."""
    entropy = seed if number == 0 else [seed, number]  # the first search keeps the seed a single search had
    seed32 = int(np.random.SeedSequence(entropy).generate_state(1)[0])
    with warnings.catch_warnings():  # multivariate and constant_liar were experimental before Optuna 5
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return optuna.samplers.TPESampler(seed=seed32, multivariate=True, constant_liar=True)


def _space(optuna, spec: OptimiseSpec) -> dict:
    """Optuna's distributions of the levers: ranges are continuous, lists categorical."""
    d = optuna.distributions
    ranges = {path: d.FloatDistribution(low, high) for path, (low, high) in spec.ranges.items()}
    return {**ranges, **{path: d.CategoricalDistribution(values) for path, values in spec.choices.items()}}


def with_shares(table: pd.DataFrame, n: int) -> pd.DataFrame:
    """``table`` with ``n``, ``share`` and its 95% Wilson interval (``low``, ``high``) from ``count``."""
    low, high = wilson_interval(table["count"].to_numpy(), n)
    return table.assign(n=n, share=table["count"] / n, low=low, high=high)


# --- the confirmation ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Confirmation:
    """The best few candidates of the search, re-run on fresh common ids ``start .. stop - 1``.

    ``table`` has one row per candidate, best first: ``rank``, ``trial``, the levers,
    ``search_share``, ``count``, ``n``, ``share``, ``low``, ``high`` and the paired difference
    best − this candidate (``difference``, ``difference_low``, ``difference_high``; 0 for the
    best itself). ``baseline`` is the scenario as it stands on the same ids, with best − baseline.
    """

    table: pd.DataFrame
    baseline: dict
    start: int
    stop: int

    @property
    def best(self) -> pd.Series:
        return self.table.iloc[0]

    @property
    def runner_up(self) -> pd.Series | None:
        return self.table.iloc[1] if len(self.table) > 1 else None

    @property
    def tied_with_best(self) -> int:
        """Confirmed candidates besides the best whose difference from it has an interval that holds 0."""
        rest = self.table.iloc[1:]
        return int(((rest["difference_low"] <= 0) & (rest["difference_high"] >= 0)).sum())


def confirm(spec: OptimiseSpec, trials: pd.DataFrame, progress: bool = True) -> Confirmation:
    """Re-run the ``confirm`` best distinct candidates of ``trials`` and the baseline on fresh common ids."""
    top = top_candidates(spec, trials)
    candidates = [{path: _native(row[path]) for path in spec.levers} for _, row in top.iterrows()]
    start, stop = spec.replicates, spec.replicates + spec.confirm_replicates
    total = (len(candidates) + 1) * (stop - start)
    with tqdm(total=total, unit="rep", unit_scale=True, desc="confirm", disable=not progress, file=sys.stderr) as bar:
        hits = evaluate(spec, [*candidates, {}], start, stop, done=bar.update)
    found, base = hits[:-1], hits[-1]
    shares = found.mean(axis=1)
    order = np.argsort(-shares if spec.goal == "maximise" else shares, kind="stable")  # ties: the search's order
    best = found[order[0]]
    rows = []
    for rank, i in enumerate(order, start=1):
        difference, low, high = paired_difference(found[i], best)
        rows.append(
            {
                "rank": rank,
                "search": int(top["search"].iloc[i]) if "search" in top else 1,
                "trial": int(top["trial"].iloc[i]),
                **candidates[i],
                "search_share": float(top["share"].iloc[i]),
                "count": int(found[i].sum()),
                "difference": difference,
                "difference_low": low,
                "difference_high": high,
            }
        )
    table = with_shares(pd.DataFrame(rows), stop - start)
    columns = ["rank", "search", "trial", *spec.levers, "search_share", "count", "n", "share", "low", "high"]
    table = table[columns + ["difference", "difference_low", "difference_high"]]
    difference, low, high = paired_difference(base, best)
    counted = with_shares(pd.DataFrame({"count": [int(base.sum())]}), stop - start).iloc[0]
    baseline = {
        "count": int(counted["count"]),
        "n": stop - start,
        **{k: float(counted[k]) for k in ("share", "low", "high")},
        "best_minus_baseline": {"difference": difference, "low": low, "high": high},
    }
    return Confirmation(table, baseline, start, stop)


def top_candidates(spec: OptimiseSpec, trials: pd.DataFrame) -> pd.DataFrame:
    """The ``confirm`` best distinct candidates of the searches, best first (ties: the earlier trial).

    With several searches, each search's own best is among them too, so that the
    confirmation can say whether the searches reached the same answer.
    """
    ranked = trials.sort_values("share", ascending=spec.goal == "minimise", kind="stable")
    ranked = ranked.drop_duplicates(subset=spec.levers)
    top = ranked.head(spec.confirm)
    if "search" in ranked and spec.searches > 1:
        firsts = ranked.drop_duplicates(subset="search")
        top = pd.concat([top, firsts[~firsts["trial"].isin(top["trial"])]])
    return top.reset_index(drop=True)


def _native(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value

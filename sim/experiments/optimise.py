"""Optimise files: which levers to search, for which outcome, and how hard; their validation.

An optimise file names a scenario, an outcome class (or several counted together), a goal
(``maximise`` or ``minimise`` its share) and the levers to search: a range ``{ min, max }``
for a number, or a list of values (text, switches, or numbers to choose among). ``[fixed]``
sets other values, as in a sweep file. Errors follow the sweep rules, with the sweep's own
helpers: one :class:`~sim.errors.ScenarioError` naming the file, the key path, what was found
and what is allowed, before anything runs or is written.
"""

from __future__ import annotations

import difflib
import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.errors import ScenarioError
from sim.model.outcomes import OUTCOMES
from sim.model.rng import SEED_LIMIT
from sim.scenario import Scenario, load_scenario, resolve_scenario
from sim.scenario.schema import label, scenario_fields
from sim.scenario.textfile import NAME_ALLOWED, check_name, read_toml, safe_stem

from .sweep import (
    _apply,
    _check_disjoint,
    _check_paths,
    _grid_values,
    _integer,
    _plain,
    _range,
    _show,
    _string,
    _table,
    head_table,
)

__all__ = ["OptimiseSpec", "load_optimise", "lever_label", "outcome_words", "GOALS"]

GOALS = ("maximise", "minimise")
OPTIMISE_KEYS: dict[str, str] = {
    "name": NAME_ALLOWED,
    "description": "one line (a string)",
    "scenario": "a packaged scenario name or a path relative to the optimise file",
    "outcome": f"an outcome class, or a list of them counted together: {', '.join(OUTCOMES)}",
    "goal": "'maximise' or 'minimise' (the share of the outcome)",
    "trials": "a whole number >= 2 (candidate settings the search tries)",
    "replicates": "a whole number >= 1 (replicates per candidate in the search)",
    "seed": "a whole number from 0 to 2**64 - 1 (of the runs and of the sampler)",
    "batch": "a whole number >= 1 (candidates asked for at once and run side by side in one model)",
    "confirm": "a whole number from 2 to trials (best candidates of the search re-run on fresh replicates)",
    "confirm_replicates": "a whole number >= 1 (replicates per candidate in the confirmation)",
    "searches": "a whole number from 1 to 16 (independent searches of `trials` candidates each, from seeds drawn from `seed`)",
}
TOP_KEYS = ("optimise", "levers", "fixed")
LEVER_ALLOWED = "a range { min = LOW, max = HIGH } (a number) or a list of at least two values to choose among"
DEFAULT_BATCH = 8
DEFAULT_CONFIRM = 5
MAX_SEARCHES = 16
#: Confirmation replicates per search replicate, unless the file says: the confirmation decides, so it gets more.
CONFIRM_FACTOR = 10


def lever_label(path: str) -> str:
    """The words a reader sees for a key path: the schema's name and unit, e.g. 'U.S. deadline (days)'."""
    return label(path)


def outcome_words(outcome: tuple[str, ...]) -> str:
    """'ceasefire holding', or 'ceasefire holding or settlement' for classes counted together."""
    return " or ".join(name.replace("_", " ") for name in outcome)


@dataclass(frozen=True)
class OptimiseSpec:
    """A validated optimise file.

    A lever is in ``ranges`` (key path: ``(low, high)``) or in ``choices`` (key path: the
    tuple of values listed); ``scenario`` already holds the ``[fixed]`` values.
    """

    path: str
    name: str
    description: str
    scenario: Scenario
    outcome: tuple[str, ...]
    goal: str
    trials: int
    replicates: int
    seed: int
    batch: int
    confirm: int
    confirm_replicates: int
    ranges: Mapping[str, tuple[float, float]]
    choices: Mapping[str, tuple]
    fixed: Mapping[str, Any]
    #: Independent searches: a search can settle on a local best, so the searches' bests are
    #: all confirmed, and the summary says whether they agree.
    searches: int = 1

    @property
    def levers(self) -> list[str]:
        """Every lever's key path: the ranges, then the lists, each in the file's order."""
        return list(self.ranges) + list(self.choices)

    @property
    def horizon_days(self) -> int:
        return self.scenario.data["clock"]["horizon_days"]

    def per_replicate(self, path: str) -> bool:
        """Whether a lever can take one value per replicate, so candidates run side by side in one model."""
        if path in self.ranges:
            return True  # ranges are over number fields outside clock (checked when read)
        return scenario_fields()[path].kind == "float" and all(_is_number(v) for v in self.choices[path])

    def resolved(self) -> dict:
        """A JSON-ready description of everything that decides the answer."""
        return {
            "path": self.path,
            "name": self.name,
            "description": self.description,
            "scenario": self.scenario.name,
            "scenario_path": self.scenario.path,
            "outcome": list(self.outcome),
            "goal": self.goal,
            "trials": self.trials,
            "replicates": self.replicates,
            "seed": self.seed,
            "batch": self.batch,
            "confirm": self.confirm,
            "confirm_replicates": self.confirm_replicates,
            "searches": self.searches,
            "levers": {
                **{k: {"min": lo, "max": hi} for k, (lo, hi) in self.ranges.items()},
                **{k: _plain(v) for k, v in self.choices.items()},
            },
            "fixed": {k: _plain(v) for k, v in self.fixed.items()},
        }


# --- reading and validation ---------------------------------------------------------------


def load_optimise(
    path: str | Path, trials: int | None = None, replicates: int | None = None, seed: int | None = None
) -> OptimiseSpec:
    """Read and validate an optimise file; ``trials``, ``replicates`` and ``seed`` replace the file's
    (the command line's options, already checked as whole numbers)."""
    path = Path(path)
    src = str(path)
    raw = _read(path)
    table = head_table(raw, src, TOP_KEYS, "optimise", OPTIMISE_KEYS)
    text = lambda key, default: _string(table, key, src, default, head="optimise", keys=OPTIMISE_KEYS)  # noqa: E731
    number = lambda key, low, **kw: _integer(table, key, src, low, head="optimise", keys=OPTIMISE_KEYS, **kw)  # noqa: E731
    name = safe_stem(path) if "name" not in table else check_name(text("name", None), src, "optimise.name")
    goal = text("goal", "maximise")
    if goal not in GOALS:
        raise ScenarioError(src, "optimise.goal", repr(goal), OPTIMISE_KEYS["goal"])
    # An option replaces the file's value, which is still checked: a typo in the file stays a typo.
    file_trials = number("trials", 2) if "trials" in table or trials is None else None
    file_replicates = number("replicates", 1) if "replicates" in table or replicates is None else None
    file_seed = number("seed", 0, default=0, high=SEED_LIMIT - 1)
    trials, replicates = trials or file_trials, replicates or file_replicates
    if trials < 2:
        raise ScenarioError(
            "--trials", str(trials), "fewer than two candidates", "a whole number >= 2 (a runner-up needs two)"
        )
    confirm = number("confirm", 2, default=min(DEFAULT_CONFIRM, trials))
    if confirm > trials:
        raise ScenarioError(
            src, "optimise.confirm", f"{confirm}, more than the {trials} trials", OPTIMISE_KEYS["confirm"]
        )
    scenario_path = resolve_scenario(text("scenario", "baseline"), base=path.parent, source=f"{src}: optimise.scenario")
    base = load_scenario(scenario_path)
    fixed = dict(_table(raw, "fixed", src, required=False))
    _check_paths(fixed, base, src, "fixed")
    base = _apply(base, fixed, src, "fixed")
    levers = _table(raw, "levers", src, required=True)
    _check_disjoint(fixed, levers, src, table="levers")
    ranges, choices = _levers(levers, base, src)
    return OptimiseSpec(
        path=src,
        name=name,
        description=text("description", ""),
        scenario=base,
        outcome=_outcome(table, src),
        goal=goal,
        trials=trials,
        replicates=replicates,
        seed=file_seed if seed is None else seed,
        batch=number("batch", 1, default=DEFAULT_BATCH),
        confirm=confirm,
        confirm_replicates=number("confirm_replicates", 1, default=CONFIRM_FACTOR * replicates),
        ranges=ranges,
        choices=choices,
        fixed=fixed,
        searches=number("searches", 1, default=1, high=MAX_SEARCHES),
    )


def _read(path: Path) -> dict:
    if not path.exists():
        raise ScenarioError(
            str(path), "", "no such file", "an optimise file (TOML), e.g. scenarios/optimise/holding.toml"
        )
    return read_toml(path, "a TOML file (an optimise file)")


def _outcome(table: Mapping, src: str) -> tuple[str, ...]:
    """The outcome classes whose share is the objective: one name, or a list counted together."""
    if "outcome" not in table:
        raise ScenarioError(src, "optimise.outcome", "nothing (a required field is missing)", OPTIMISE_KEYS["outcome"])
    value = table["outcome"]
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not names:
        raise ScenarioError(src, "optimise.outcome", repr(value), OPTIMISE_KEYS["outcome"])
    for name in names:
        if name not in OUTCOMES:
            near = difflib.get_close_matches(str(name), OUTCOMES, n=2, cutoff=0.5)
            hint = f" (did you mean {', '.join(repr(n) for n in near)}?)" if near else ""
            raise ScenarioError(src, "optimise.outcome", f"{name!r}{hint}", OPTIMISE_KEYS["outcome"])
    if len(set(names)) != len(names):
        raise ScenarioError(src, "optimise.outcome", f"repeated classes {names!r}", OPTIMISE_KEYS["outcome"])
    return tuple(names)


def _levers(table: Mapping, base: Scenario, src: str) -> tuple[dict, dict]:
    """Validated levers: (low, high) ranges and tuples of values, every value one the scenario accepts."""
    if not table:
        raise ScenarioError(src, "levers", "an empty table", "at least one scenario key path to search")
    _check_paths(table, base, src, "levers")
    fields = scenario_fields()
    ranges: dict[str, tuple[float, float]] = {}
    choices: dict[str, tuple] = {}
    for key, value in table.items():
        where = f"levers.{key}"
        if key.startswith("clock."):
            raise ScenarioError(
                src,
                where,
                "a clock value",
                "a lever outside clock: the clock decides when outcomes are judged, "
                "the same for every candidate (set it in [fixed])",
            )
        if isinstance(value, dict):
            ranges[key] = _range(value, fields[key], src, where, "optimise")
        elif isinstance(value, list):
            choices[key] = _choices(value, src, where)
        else:
            raise ScenarioError(src, where, _show(value), LEVER_ALLOWED)
        for v in ranges.get(key) or choices[key]:
            _apply(base, {key: v}, src, "levers")
    _check_pairs({**ranges, **choices}, base, src)
    return ranges, choices


def _choices(value: list, src: str, where: str) -> tuple:
    """A list of at least two plain values (numbers, text, true or false), none repeated."""
    values = _grid_values(value, src, where)
    if len(values) < 2:
        raise ScenarioError(src, where, f"one value {value!r}", "at least two values (a single value goes in [fixed])")
    for v in values:
        if isinstance(v, (dict, list)):
            raise ScenarioError(src, where, _show(v), "a list of numbers, text or true/false to choose among")
    return values


def _check_pairs(levers: Mapping[str, tuple], base: Scenario, src: str) -> None:
    """Refuse levers whose values the scenario refuses together (e.g. a limit past an opening).

    The scenario's cross-field rules relate two key paths at a time, and are monotonic in
    each, so every pair of levers at the ends of their ranges (every value of a list) finds
    any candidate the search could propose that they would refuse.
    """
    for (a, values_a), (b, values_b) in itertools.combinations(levers.items(), 2):
        for x, y in itertools.product(values_a, values_b):
            try:
                base.with_overrides({a: x, b: y}, source=src)
            except ScenarioError as error:
                raise ScenarioError(
                    src, f"levers ({a} = {x!r} with {b} = {y!r})", f"{error.path}: {error.found}", error.allowed
                ) from None


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)

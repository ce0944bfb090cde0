"""Sweep files: what they may contain, how they are validated, and their design points.

A sweep file names a scenario, a design (``grid``, ``lhs``, ``sobol`` or ``morris``) and the
scenario values to vary: value lists, ranges, or (Morris screening) every prior of the
scenario, each sampled on its own distribution. Errors follow the scenario rules: one
:class:`~sim.errors.ScenarioError` naming the file, the key path, what was found and what
is allowed, before anything runs.
"""

from __future__ import annotations

import difflib
import hashlib
import itertools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import qmc

from sim.errors import ScenarioError
from sim.model.rng import SEED_LIMIT
from sim.scenario import Scenario, load_scenario, resolve_scenario, thaw
from sim.scenario.priors import Prior
from sim.scenario.schema import RETIRED, Field, scenario_fields
from sim.scenario.textfile import NAME_ALLOWED, check_name, read_toml, safe_stem

__all__ = [
    "SweepSpec",
    "load_sweep",
    "design_table",
    "grid_design",
    "lhs_design",
    "sobol_design",
    "sobol_blocks",
    "morris_design",
    "prior_paths",
    "prior_values",
]

DESIGNS = ("grid", "lhs", "sobol", "morris")
SWEEP_KEYS: dict[str, str] = {
    "name": NAME_ALLOWED,
    "description": "one line (a string)",
    "scenario": "one packaged scenario name or a path relative to the sweep file (to compare scenarios: `ceasefire compare A B`)",
    "replicates": "a whole number >= 1 (replicates per design point)",
    "seed": "a whole number from 0 to 2**64 - 1",
    "design": "one of 'grid', 'lhs', 'sobol', 'morris'",
    "samples": "a whole number: points for lhs (>= 2); base sample size for sobol (a power of two >= 2)",
    "parameters": "'priors' (design morris): every value the scenario draws from a prior, on its own distribution",
    "trajectories": "a whole number >= 2 (Morris trajectories of parameters + 1 points each; SALib's N)",
    "levels": "an even whole number >= 2 (the Morris grid's levels p per parameter; default 4)",
    "optimal_trajectories": "a whole number from 2 to trajectories - 1: keep the most spread of the trajectories"
    " (Campolongo et al. 2007)",
    "chunk_size": "a whole number >= 1 (replicates per chunk of work)",
    "ensemble": "an ensemble file (from `ceasefire calibrate`) for the scenario, relative to the sweep file",
}
TOP_KEYS = ("sweep", "parameters", "fixed")
DEFAULT_CHUNK = 20_000
#: Keys of [sweep] that only a Morris design takes.
MORRIS_KEYS = ("trajectories", "levels", "optimal_trajectories")
DEFAULT_LEVELS = 4
#: Column prefix of a Morris point's place in the unit hypercube: the quantile of each parameter's
#: distribution (its prior, or uniform over its range), which the elementary effects are taken on.
QUANTILE = "quantile."


@dataclass(frozen=True)
class SweepSpec:
    """A validated sweep: the base scenario, the design and its points.

    ``points`` has one row per design point: ``point`` (0..P-1), one column per swept key
    path, and for a Sobol design ``block`` ('A', 'B' or 'AB'), ``block_param`` (the column
    swapped in an AB block, else '') and ``row`` (0..n-1, the base sample); for a Morris
    design ``trajectory`` and, per parameter, ``quantile.<key path>`` (the unit design).
    ``parameters`` maps each swept key path to its value list (grid), its (min, max) range,
    or its :class:`Prior` (a Morris design over the scenario's priors).
    """

    path: str
    name: str
    description: str
    scenario: Scenario
    replicates: int
    seed: int
    design: str
    samples: int | None
    chunk_size: int
    parameters: Mapping[str, Any]
    fixed: Mapping[str, Any]
    points: pd.DataFrame = field(repr=False)
    #: False: every point runs replicates 0..R-1 (common random numbers across points, as a
    #: sweep wants, to compare points). True: point p runs replicates p*R .. p*R + R - 1, so
    #: points draw independent numbers (as a calibration wants, to judge each set on its own).
    independent_points: bool = False
    #: Keys of the design beyond ``samples``: a Morris design's trajectories, levels, optimal_trajectories.
    options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def parameter_names(self) -> list[str]:
        return list(self.parameters)

    def point_overrides(self, point: int) -> dict[str, Any]:
        """The scenario overrides of one design point (fixed values, then swept values)."""
        values = {name: column[point] for name, column in self._columns.items()}
        return {**self.fixed, **values}

    @cached_property
    def _columns(self) -> dict[str, list]:
        """Each swept column as Python values, read once: a value at a time through pandas took
        half of loading a screening of 41 priors (840 points). Column by column: a row Series
        would upcast whole numbers (tick_hours) to floats."""
        return {name: self.points[name].tolist() for name in self.parameters}

    def point_scenario(self, point: int) -> Scenario:
        return self.scenario.with_overrides(self.point_overrides(point), source=f"{self.path}: point {point}")

    def resolved(self) -> dict:
        """A JSON-ready description of everything that decides the results."""
        return {
            "path": self.path,
            "name": self.name,
            "description": self.description,
            "scenario": self.scenario.name,
            "scenario_path": self.scenario.path,
            "replicates": self.replicates,
            "seed": self.seed,
            "design": self.design,
            "samples": self.samples,
            "parameters": {k: _plain(v) for k, v in self.parameters.items()},
            "fixed": {k: _plain(v) for k, v in self.fixed.items()},
            "n_points": len(self.points),
            **({"ensemble": self.scenario.ensemble.describe()} if self.scenario.ensemble is not None else {}),
            # Only when set: the identity of every sweep written before these keys existed stays the same.
            **({"independent_points": True} if self.independent_points else {}),
            **dict(self.options),
        }

    def identity(self) -> str:
        """A hash of what decides the rows: the resolved sweep, the scenario and the points.

        An ensemble counts by its content (sha256), so a rebuilt ensemble file makes another sweep.
        """
        scenario = self.scenario.to_dict()
        if "ensemble" in scenario:
            scenario["ensemble"] = {k: v for k, v in scenario["ensemble"].items() if k != "file"}
        blob = json.dumps(
            {
                # Content, not file locations: the same sweep run from an installed copy and
                # from a source tree (or another folder) must resume the same folder.
                "sweep": {
                    k: v
                    for k, v in self.resolved().items()
                    if k not in ("path", "scenario_path", "description", "ensemble")
                },
                "scenario": scenario,
                "points": self.points.to_dict(orient="list"),
            },
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


# --- reading and validation ---------------------------------------------------------------


def load_sweep(path: str | Path, ensemble: str | Path | None = None, seed: int | None = None) -> SweepSpec:
    """Read and validate a sweep file; every design point is checked against the scenario.

    ``ensemble`` (relative to the current folder; the CLI's ``--ensemble``) replaces the
    file's ``sweep.ensemble`` and the scenario's own ensemble. ``seed`` (the CLI's
    ``--seed``) replaces the file's: it seeds both the design (lhs, sobol, morris) and the
    runs, so a result can be checked on another seed without copying the file.
    """
    path = Path(path)
    src = str(path)
    raw = _read(path)
    table = head_table(raw, src, TOP_KEYS, "sweep", SWEEP_KEYS)
    # The name is the default output folder (results/<name>): an identifier, never a path.
    name = safe_stem(path) if "name" not in table else check_name(_string(table, "name", src, None), src, "sweep.name")
    description = _string(table, "description", src, default="")
    design = _string(table, "design", src, default=None)
    if design not in DESIGNS:
        raise ScenarioError(src, "sweep.design", repr(design), SWEEP_KEYS["design"])
    replicates = _integer(table, "replicates", src, low=1)
    seed = _integer(table, "seed", src, low=0, default=0, high=SEED_LIMIT - 1) if seed is None else seed
    chunk_size = _integer(table, "chunk_size", src, low=1, default=DEFAULT_CHUNK)
    samples = _samples(table, design, src)
    options = _morris_options(table, design, src)
    over_priors = _over_priors(table, design, src)
    scenario_ref = _string(table, "scenario", src, default="baseline")
    scenario_path = resolve_scenario(scenario_ref, base=path.parent, source=f"{src}: sweep.scenario")
    fixed = dict(_table(raw, "fixed", src, required=False))
    base = load_scenario(scenario_path)
    if ensemble:
        base = base.with_ensemble(ensemble, source="--ensemble")
    elif "ensemble" in table:
        ref = _string(table, "ensemble", src, default=None)
        base = base.with_ensemble((path.parent / ref).resolve() if ref else None, source=src)
    _check_paths(fixed, base, src, "fixed")
    base = _apply(base, fixed, src, "fixed")
    swept = _table(raw, "parameters", src, required=not over_priors)
    _check_disjoint(fixed, swept, src)
    parameters = _parameters(swept, design, base, src) if swept or not over_priors else {}
    if over_priors:
        parameters = _with_priors(parameters, base, src)
    points = design_table(design, parameters, samples, seed, options)
    spec = SweepSpec(
        path=src,
        name=name,
        description=description,
        scenario=base,
        replicates=replicates,
        seed=seed,
        design=design,
        samples=samples,
        chunk_size=chunk_size,
        parameters=parameters,
        fixed=fixed,
        points=points,
        options=options,
    )
    _check_points(spec)
    return spec


def _read(path: Path) -> dict:
    if not path.exists():
        raise ScenarioError(
            str(path), "", "no such file", "a sweep file (TOML), e.g. scenarios/sweeps/deadline_noise.toml"
        )
    return read_toml(path, "a TOML file (a sweep)")


def _table(raw: Mapping, key: str, src: str, required: bool) -> Mapping:
    if key not in raw:
        if required:
            raise ScenarioError(src, key, "nothing (a required table is missing)", f"a [{key}] table")
        return {}
    if not isinstance(raw[key], dict):
        raise ScenarioError(src, key, _show(raw[key]), f"a [{key}] table")
    return raw[key]


def head_table(raw: Mapping, src: str, top_keys: tuple, head: str, keys: Mapping) -> Mapping:
    """The file's ``[head]`` table, once every top-level key and every key in it is known.

    Sweep and optimise files share this shape: a few top-level tables, one of which
    (``[sweep]``, ``[optimise]``) holds the settings ``keys`` lists.
    """
    for key in raw:
        if key not in top_keys:
            raise _unknown_key(src, key, key, top_keys)
    table = _table(raw, head, src, required=True)
    for key in table:
        if key not in keys:
            raise _unknown_key(src, f"{head}.{key}", key, keys)
    return table


def _unknown_key(src: str, path: str, key: str, allowed: Mapping | tuple) -> ScenarioError:
    near = difflib.get_close_matches(key, list(allowed), n=3, cutoff=0.5)
    hint = f" (did you mean {', '.join(repr(n) for n in near)}?)" if near else ""
    return ScenarioError(src, path, f"unknown key {key!r}{hint}", f"keys here are {', '.join(allowed)}")


def _string(
    table: Mapping, key: str, src: str, default: str | None, head: str = "sweep", keys: Mapping = SWEEP_KEYS
) -> str:
    """``head.key`` of the file as text; ``keys`` says what each key allows (other files reuse this)."""
    if key not in table:
        if default is None:
            raise ScenarioError(src, f"{head}.{key}", "nothing (a required field is missing)", keys[key])
        return default
    value = table[key]
    if not isinstance(value, str):
        raise ScenarioError(src, f"{head}.{key}", _show(value), keys[key])
    return value


def _integer(
    table: Mapping,
    key: str,
    src: str,
    low: int,
    default: int | None = None,
    high: int | None = None,
    head: str = "sweep",
    keys: Mapping = SWEEP_KEYS,
) -> int:
    if key not in table:
        if default is None:
            raise ScenarioError(src, f"{head}.{key}", "nothing (a required field is missing)", keys[key])
        return default
    value = table[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
        raise ScenarioError(src, f"{head}.{key}", _show(value), keys[key])
    return value


def _samples(table: Mapping, design: str, src: str) -> int | None:
    if design in ("grid", "morris"):
        if "samples" in table:
            why = (
                "no samples for a grid (its points are the value lists)"
                if design == "grid"
                else "no samples for morris (its size is trajectories x (parameters + 1) points: set trajectories)"
            )
            raise ScenarioError(src, "sweep.samples", _show(table["samples"]), why)
        return None
    allowed = "a power of two >= 2 (Sobol' balance)" if design == "sobol" else "a whole number >= 2"
    value = table.get("samples")
    if value is None:
        raise ScenarioError(src, "sweep.samples", f"nothing (required for design {design!r})", allowed)
    if isinstance(value, bool) or not isinstance(value, int) or value < 2:
        raise ScenarioError(src, "sweep.samples", _show(value), allowed)
    if design == "sobol" and value & (value - 1):
        raise ScenarioError(src, "sweep.samples", f"{value} (not a power of two)", allowed)
    return value


def _morris_options(table: Mapping, design: str, src: str) -> dict[str, int]:
    """A Morris design's trajectories, levels and (if given) optimal_trajectories; no such key elsewhere."""
    if design != "morris":
        for key in MORRIS_KEYS:
            if key in table:
                raise ScenarioError(
                    src, f"sweep.{key}", _show(table[key]), f"no {key} for design {design!r} (a key of design 'morris')"
                )
        return {}
    trajectories = _integer(table, "trajectories", src, low=2)
    levels = _integer(table, "levels", src, low=2, default=DEFAULT_LEVELS)
    if levels % 2:  # Morris (1991): with p even, every level is reached equally often
        raise ScenarioError(src, "sweep.levels", f"{levels} (an odd number)", SWEEP_KEYS["levels"])
    options = {"trajectories": trajectories, "levels": levels}
    optimal = _integer(table, "optimal_trajectories", src, low=2, high=trajectories - 1, default=0)
    if optimal:
        options["optimal_trajectories"] = optimal
    return options


def _over_priors(table: Mapping, design: str, src: str) -> bool:
    """Whether ``sweep.parameters = "priors"``: vary every prior of the scenario (Morris only)."""
    if "parameters" not in table:
        return False
    value = table["parameters"]
    if design != "morris":
        raise ScenarioError(
            src,
            "sweep.parameters",
            _show(value),
            f"no such key for design {design!r}: the [parameters] table says what varies",
        )
    if value != "priors":
        raise ScenarioError(src, "sweep.parameters", _show(value), SWEEP_KEYS["parameters"])
    return True


def _with_priors(ranges: Mapping[str, Any], base: Scenario, src: str) -> dict[str, Any]:
    """Every prior of ``base`` (not fixed), then the [parameters] ranges; a range replaces its key's prior."""
    priors = {path: prior for path, prior in prior_paths(base).items() if path not in ranges}
    if not priors and not ranges:
        raise ScenarioError(
            src,
            "sweep.parameters",
            f"'priors' over scenario {base.name!r}, which has none (left after [fixed])",
            "a scenario with values given as priors, or a [parameters] table of ranges",
        )
    return {**priors, **ranges}


def prior_paths(scenario: Scenario) -> dict[str, Prior]:
    """Every value the scenario draws from a prior, by key path (in file order)."""
    found: dict[str, Prior] = {}

    def walk(node: Any, prefix: str) -> None:
        if isinstance(node, Mapping):
            for key, value in node.items():
                walk(value, f"{prefix}{key}.")
        elif isinstance(node, Prior):
            found[prefix[:-1]] = node

    for key, value in scenario.data.items():
        if key != "events":
            walk(value, f"{key}.")
    return found


def prior_values(priors: Mapping[str, Prior], unit: np.ndarray) -> pd.DataFrame:
    """Values of each prior at the quantiles ``unit`` (n, len(priors)), by key path."""
    return pd.DataFrame({p: prior.ppf(unit[:, j]) for j, (p, prior) in enumerate(priors.items())})


def _check_paths(values: Mapping[str, Any], base: Scenario, src: str, table: str) -> None:
    fields = scenario_fields()
    for key in values:
        retired = key.rpartition(".")[2]
        if key not in fields and retired in RETIRED:
            raise ScenarioError(src, f"{table}.{key}", f"the retired key {retired!r}", f"use {RETIRED[retired]}")
        if key not in fields:
            near = difflib.get_close_matches(key, list(fields), n=3, cutoff=0.6)
            hint = f" (did you mean {', '.join(repr(n) for n in near)}?)" if near else ""
            raise ScenarioError(
                src,
                f"{table}.{key}",
                f"unknown scenario key path {key!r}{hint}",
                "a key path of the scenario, e.g. actors.united_states.deadline_days (see docs/model.md)",
            )


def _apply(base: Scenario, overrides: Mapping[str, Any], src: str, where: str) -> Scenario:
    """``base`` with ``overrides``; a refusal names the sweep file and ``where`` in it."""
    try:
        return base.with_overrides(overrides, source=src)
    except ScenarioError as error:
        raise ScenarioError(src, f"{where}.{error.path}" if error.path else where, error.found, error.allowed) from None


def _check_disjoint(fixed: Mapping[str, Any], swept: Mapping[str, Any], src: str, table: str = "parameters") -> None:
    """Refuse a key path both fixed and swept (in ``[table]``): one of the two values would be silently dropped."""
    both = [key for key in swept if key in fixed]
    if both:
        raise ScenarioError(
            src, f"fixed.{both[0]}", f"a key path also in [{table}]", f"each key path in [fixed] or [{table}], not both"
        )


def _parameters(table: Mapping, design: str, base: Scenario, src: str) -> dict[str, Any]:
    """Validated swept parameters: a value list (grid) or a (min, max) pair (lhs, sobol, morris)."""
    if not table:
        raise ScenarioError(src, "parameters", "an empty table", "at least one scenario key path to vary")
    _check_paths(table, base, src, "parameters")
    _check_model_inputs(table, src)
    fields = scenario_fields()
    out: dict[str, Any] = {}
    for key, value in table.items():
        where = f"parameters.{key}"
        if design == "grid":
            out[key] = _grid_values(value, src, where)
            for v in out[key]:
                _apply(base, {key: v}, src, "parameters")
        else:
            low, high = _range(value, fields[key], src, where, design)
            for v in (low, high):
                _apply(base, {key: v}, src, "parameters")
            out[key] = (low, high)
    return out


#: Scenario keys that label a scenario without changing its model: sweeping them would run the same model at every point.
LABEL_KEYS = ("name", "description")


def _check_model_inputs(table: Mapping, src: str) -> None:
    """Refuse a swept scenario label: every point would be the same scenario under another name."""
    for key in table:
        if key in LABEL_KEYS:
            raise ScenarioError(
                src,
                f"parameters.{key}",
                f"the scenario's {key}, which labels it and changes nothing in the model",
                "a key path the model reads; to compare whole scenarios, `ceasefire compare A B` (or one sweep each)",
            )


def _grid_values(value: Any, src: str, where: str) -> tuple:
    allowed = "a non-empty list of values, e.g. [3, 7, 14]"
    if not isinstance(value, list):
        raise ScenarioError(src, where, _show(value), allowed + " (ranges {min, max} are for lhs, sobol and morris)")
    if not value:
        raise ScenarioError(src, where, "an empty list (a grid with no values)", allowed)
    if len(set(map(repr, value))) != len(value):
        raise ScenarioError(src, where, f"repeated values {value!r}", allowed + " without repeats")
    return tuple(value)


def _range(value: Any, spec: Field, src: str, where: str, design: str) -> tuple[float, float]:
    allowed = "a range { min = LOW, max = HIGH } with LOW < HIGH"
    if not isinstance(value, dict):
        raise ScenarioError(src, where, _show(value), f"{allowed} (value lists are for grids; design is {design!r})")
    if spec.kind not in ("float", "int"):
        raise ScenarioError(
            src, where, f"a range over a {spec.kind} field", "a range only over a number field; use a grid"
        )
    extra = set(value) - {"min", "max"}
    if extra or not {"min", "max"} <= set(value):
        raise ScenarioError(src, where, f"keys {sorted(value)}", allowed)
    low, high = value["min"], value["max"]
    for v in (low, high):
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ScenarioError(src, where, _show(v), allowed)
    if not low < high:
        raise ScenarioError(src, where, f"min {low!r} >= max {high!r}", allowed)
    return low, high


def _check_points(spec: SweepSpec) -> None:
    """Refuse a design point the scenario's validation would refuse (e.g. crossing limits).

    Values drawn from a prior need no check, and are left to the prior here: the scenario
    was validated for every value its priors can draw (their ranges against the fields'
    limits, cross-field rules at their extremes). So a screening of 41 priors checks one
    point, not 12,600 (half a minute), and a design's other values are checked once per
    distinct combination.
    """
    checked = [name for name, values in spec.parameters.items() if not isinstance(values, Prior)]
    seen: set[tuple] = set()
    for point in range(len(spec.points)):
        overrides = spec.point_overrides(point)
        combination = tuple(overrides[name] for name in checked)
        if combination in seen:
            continue
        seen.add(combination)
        try:
            spec.scenario.with_overrides(
                {**spec.fixed, **dict(zip(checked, combination, strict=True))}, source=spec.path
            )
        except ScenarioError as error:
            values = ", ".join(f"{k} = {v!r}" for k, v in spec.point_overrides(point).items())
            raise ScenarioError(
                spec.path, f"parameters (design point {point}: {values})", f"{error.path}: {error.found}", error.allowed
            ) from None


# --- designs ---------------------------------------------------------------------------------


def design_table(
    design: str,
    parameters: Mapping[str, Any],
    samples: int | None,
    seed: int,
    options: Mapping[str, int] | None = None,
) -> pd.DataFrame:
    """The design points of a sweep: one row each, ``point`` first."""
    if design == "grid":
        table = grid_design(parameters)
    else:
        integer = [name for name in parameters if _is_int(name)]
        if design == "morris":
            options = options or {}
            table = morris_design(
                parameters,
                options["trajectories"],
                options.get("levels", DEFAULT_LEVELS),
                options.get("optimal_trajectories"),
                seed,
            )
        else:
            build = lhs_design if design == "lhs" else sobol_design
            table = build(parameters, samples, seed)
        for name in integer:
            table[name] = np.rint(table[name]).astype(np.int64)
    table.insert(0, "point", np.arange(len(table), dtype=np.int64))
    return table


def grid_design(values: Mapping[str, tuple]) -> pd.DataFrame:
    """Every combination of the value lists, the last parameter varying fastest."""
    rows = list(itertools.product(*values.values()))
    return pd.DataFrame(rows, columns=list(values))


def lhs_design(ranges: Mapping[str, tuple[float, float]], samples: int, seed: int) -> pd.DataFrame:
    """A Latin hypercube of ``samples`` points, scaled to each (min, max)."""
    unit = qmc.LatinHypercube(d=len(ranges), rng=seed).random(samples)
    return pd.DataFrame(_scale(unit, ranges), columns=list(ranges))


def sobol_design(ranges: Mapping[str, tuple[float, float]], samples: int, seed: int) -> pd.DataFrame:
    """Saltelli's design for ``scipy.stats.sobol_indices``: A, B, then A_B^(i) for each parameter.

    As in SciPy's own sampler, A and B are the two halves of one scrambled Sobol' sequence in
    2d dimensions, and A_B^(i) is A with column i taken from B. n(d + 2) points in all.
    """
    d, n = len(ranges), samples
    unit = qmc.Sobol(d=2 * d, scramble=True, rng=seed).random(n)
    a, b = _scale(unit[:, :d], ranges), _scale(unit[:, d:], ranges)
    names = list(ranges)
    blocks = [(a, "A", ""), (b, "B", "")]
    for i, name in enumerate(names):
        ab = a.copy()
        ab[:, i] = b[:, i]
        blocks.append((ab, "AB", name))
    frames = []
    for values, block, param in blocks:
        frame = pd.DataFrame(values, columns=names)
        frame["block"], frame["block_param"], frame["row"] = block, param, np.arange(n)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def morris_design(
    parameters: Mapping[str, Any],
    trajectories: int,
    levels: int = DEFAULT_LEVELS,
    optimal: int | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """Morris (1991) trajectories from ``SALib.sample.morris``, mapped to each parameter's values.

    SALib draws them on the unit hypercube: each of d + 1 points moves one parameter by
    Δ = p / (2(p - 1)) on a grid of ``levels`` p. A unit coordinate is a quantile: a prior
    maps it through its inverse distribution function (so it is screened on its own
    distribution), a range linearly. The quantiles are kept as ``quantile.<key path>``
    columns, which the elementary effects are taken on. With ``optimal``, that many of the
    ``trajectories`` drawn are kept, the most spread out (Campolongo et al. 2007).
    """
    from SALib.sample import morris

    names = list(parameters)
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    unit = morris.sample(problem, trajectories, num_levels=levels, optimal_trajectories=optimal, seed=seed)
    columns = dict(zip(names, _scale(unit, parameters).T, strict=True))
    columns["trajectory"] = np.repeat(np.arange(len(unit) // (len(names) + 1)), len(names) + 1)
    columns |= {QUANTILE + name: unit[:, j] for j, name in enumerate(names)}
    return pd.DataFrame(columns)


def sobol_blocks(points: pd.DataFrame, outputs: pd.DataFrame, parameters: list[str]):
    """Reshape ``outputs`` (P, s), indexed by point id, into SciPy's f_A, f_B (s, n) and f_AB (d, s, n)."""

    def block(mask: pd.Series) -> np.ndarray:
        rows = points[mask].sort_values("row")
        return outputs.loc[rows["point"].to_numpy()].to_numpy(dtype=float).T

    f_a = block(points["block"] == "A")
    f_b = block(points["block"] == "B")
    f_ab = np.stack([block((points["block"] == "AB") & (points["block_param"] == p)) for p in parameters])
    return f_a, f_b, f_ab


def _scale(unit: np.ndarray, parameters: Mapping[str, Any]) -> np.ndarray:
    """Unit coordinates as values: linearly over a (min, max) range, through a prior's inverse distribution function.

    A prior's values are clipped to its range: at quantile 1 a log-uniform's exp(log(high))
    can come out a rounding error above ``high`` (98.90000000000001 for 98.9).
    """
    columns = [
        np.clip(p.ppf(unit[:, j]), p.low, p.high) if isinstance(p, Prior) else qmc.scale(unit[:, [j]], p[0], p[1])[:, 0]
        for j, p in enumerate(parameters.values())
    ]
    return np.column_stack(columns)


def _is_int(name: str) -> bool:
    spec = scenario_fields().get(name)
    return spec is not None and spec.kind == "int"


# --- small helpers -----------------------------------------------------------------------------


def _show(value: Any) -> str:
    return "a table" if isinstance(value, dict) else f"{value!r} ({type(value).__name__})"


def _plain(value: Any) -> Any:
    return [_plain(v) for v in value] if isinstance(value, (tuple, list)) else thaw(value)

"""Resolving a scenario's values for R replicates: fixed numbers, prior draws, ensembles, arrays.

Every numeric value the simulation reads is a float (the same in every replicate) or an
(R,) array: a prior's draw for each replicate, a calibrated ensemble's value, or an array
passed in by the caller (one design point or calibration draw per replicate, so one
vectorised model runs many of them at once). Values that shape the clock or the code path
(the calendar, the response rule, switches) stay scalars.

Precedence at a key path: an array passed in > the scenario's ensemble (replicate id k takes
set k mod M, where the scenario still holds the prior the ensemble was calibrated under) >
the prior's own draw. A number or another prior set over a calibrated prior (``--set``, a
dashboard lever, a sweep's point) replaces the prior, and so the ensemble, there.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.errors import ScenarioError
from sim.scenario import Scenario
from sim.scenario.priors import Prior
from sim.scenario.schema import ISSUES, RETIRED, scenario_fields

from .rng import Streams

if TYPE_CHECKING:
    from .model import CeasefireModel

__all__ = ["resolve_parameters", "parameter_table", "PRIOR_STREAM_TICK"]

#: The tick key of prior draws: the streams' tick 0, with purposes ``prior:<key path>``
#: that no per-step draw uses.
PRIOR_STREAM_TICK = 0
_STRUCTURAL = ("clock.", "events")


def resolve_parameters(
    scenario: Scenario,
    streams: Streams,
    R: int,
    arrays: Mapping[str, Any],
    replicate_ids: np.ndarray | None = None,
) -> tuple[dict, dict[str, np.ndarray], np.ndarray | None]:
    """The scenario's data with every prior drawn (or taken from the ensemble) and every array in place.

    Returns the nested values, the (R,) arrays that differ by replicate by key path, and
    the (R,) ensemble set of each replicate (None when no value came from an ensemble).
    ``replicate_ids`` (default 0..R-1) choose the sets.
    """
    fields = scenario_fields()
    checked = {path: _check_array(path, value, R, fields) for path, value in arrays.items()}
    varying: dict[str, np.ndarray] = {}
    ensemble = scenario.ensemble
    ids = np.arange(R, dtype=np.int64) if replicate_ids is None else np.asarray(replicate_ids, dtype=np.int64)
    calibrated = ensemble.for_replicates(ids) if ensemble is not None else {}
    used: list[str] = []

    def walk(node: Any, prefix: str) -> Any:
        if isinstance(node, Mapping):
            return {key: walk(value, f"{prefix}{key}.") for key, value in node.items()}
        path = prefix[:-1]
        if path in checked:
            varying[path] = checked[path]
            return checked[path]
        if isinstance(node, Prior):
            if path in calibrated and ensemble.priors[path] == node:
                varying[path] = calibrated[path]
                used.append(path)
            else:
                varying[path] = node.ppf(streams.uniform(PRIOR_STREAM_TICK, f"prior:{path}"))
            return varying[path]
        return node

    resolved = {key: walk(value, f"{key}.") if key != "events" else value for key, value in scenario.data.items()}
    _check_orders(resolved, varying)
    return resolved, varying, (ensemble.set_ids(ids) if used else None)


def _check_array(path: str, value: Any, R: int, fields: Mapping) -> np.ndarray:
    """One value per replicate for a numeric, non-structural key path, within its range."""
    spec = fields.get(path)
    if spec is None:
        key = path.rsplit(".", 1)[-1]
        if key in RETIRED:
            raise ScenarioError("overrides", path, f"the retired key {key!r}", f"use {RETIRED[key]}")
        raise ScenarioError("overrides", path, f"unknown key path {path!r}", "a key path of the scenario")
    if path.startswith(_STRUCTURAL) or spec.kind != "float":
        raise ScenarioError(
            "overrides", path, "an array", "a single value here (only number fields outside clock may vary by replicate)"
        )
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ScenarioError("overrides", path, f"{type(value).__name__} of non-numbers", spec.allowed()) from None
    if array.ndim != 1 or len(array) != R:
        shape = f"an array of {len(array)} values" if array.ndim == 1 else f"an array of shape {array.shape}"
        raise ScenarioError("overrides", path, shape, f"one value per replicate: an array of {R} numbers")
    bad = ~np.isfinite(array)
    if spec.low is not None:
        bad |= array < spec.low
    if spec.high is not None:
        bad |= array > spec.high
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ScenarioError("overrides", f"{path}[{i}]", repr(float(array[i])), spec.allowed())
    return array


def _check_orders(resolved: Mapping, varying: Mapping[str, np.ndarray]) -> None:
    """Where a limit or opening varies by replicate, each replicate's concessions must move toward the other side."""
    for side, sign in (("ukraine", 1.0), ("russia", -1.0)):
        actor = resolved["actors"][side]
        for issue in ISSUES:
            paths = (f"actors.{side}.opening.{issue}", f"actors.{side}.limit.{issue}")
            if not any(p in varying for p in paths):
                continue
            gap = sign * (np.asarray(actor["limit"][issue]) - np.asarray(actor["opening"][issue]))
            if (np.atleast_1d(gap) < 0).any():
                i = int(np.flatnonzero(np.atleast_1d(gap) < 0)[0])
                bound = "at least" if sign > 0 else "at most"
                raise ScenarioError(
                    "overrides", f"{paths[1]}[{i}]", "a limit past the opening", f"{bound} the opening position"
                )


def parameter_table(model: CeasefireModel) -> pd.DataFrame:
    """One row per replicate: every value that differs by replicate, by key path.

    With an ensemble in use, ``ensemble_set`` says which calibrated set each replicate took.
    """
    table = {"replicate": model.replicate_ids}
    if model.ensemble_set is not None:
        table["ensemble_set"] = model.ensemble_set
    for path, values in sorted(model.drawn.items()):
        table[path] = np.broadcast_to(values, (model.n_replicates,))
    return pd.DataFrame(table)

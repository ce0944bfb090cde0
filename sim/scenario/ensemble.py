"""Ensemble files: calibrated parameter sets that replace a scenario's prior draws.

A calibration (``ceasefire calibrate``) draws values from a scenario's priors, keeps the
sets that reproduce observed patterns and writes them to a Parquet file: one row per
accepted set, a ``set`` column (0..M-1), one float column per calibrated key path (dotted,
e.g. ``actors.russia.incidents_per_day``), then any other columns (scores) for the record.
The schema's metadata key ``ceasefire.ensemble`` holds JSON::

    {"format": 1, "scenario": "baseline", "parameters": [paths in order],
     "priors": {path: {"uniform": [a, b]}, ...}, ...free keys: "patterns", "created", ...}

A scenario that names an ensemble runs replicate ``k`` on set ``k mod M``: a replicate's
values depend on its id alone (not on the chunking), and the replicates cycle through the
sets. An ensemble fits a scenario only where the scenario still holds the priors it was
calibrated under (:func:`check_ensemble`).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Protocol

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.errors import ScenarioError

from .priors import PRIOR_KINDS, Prior

__all__ = ["Ensemble", "read_ensemble", "write_ensemble", "check_ensemble", "META_KEY", "FORMAT"]

#: The Parquet schema metadata key that marks an ensemble file.
META_KEY = b"ceasefire.ensemble"
FORMAT = 1
SET_COLUMN = "set"
_WRITTEN_BY = "an ensemble file (Parquet) written by `ceasefire calibrate`"


class _HasPriors(Protocol):
    """What :func:`check_ensemble` needs of a scenario (a :class:`~sim.scenario.load.Scenario`)."""

    name: str
    origin: Mapping[str, str]

    def get(self, path: str) -> Any: ...


@dataclass(frozen=True, eq=False)
class Ensemble:
    """M calibrated parameter sets, read from an ensemble file.

    ``values`` maps each calibrated key path to an (M,) float64 array (read-only); ``priors``
    are the priors the sets were drawn from; ``meta`` is the file's whole metadata record.
    Two ensembles are equal when they come from the same file with the same content.
    """

    file: str
    sha256: str
    scenario: str
    priors: Mapping[str, Prior] = field(repr=False)
    values: Mapping[str, np.ndarray] = field(repr=False)
    meta: Mapping[str, Any] = field(repr=False)

    @property
    def n_sets(self) -> int:
        """M, the number of parameter sets."""
        return len(next(iter(self.values.values())))

    @property
    def parameters(self) -> list[str]:
        """The calibrated key paths, in the file's order."""
        return list(self.values)

    def set_ids(self, ids: np.ndarray) -> np.ndarray:
        """(R,) the set each replicate id takes: ``id mod M``, whatever the batch it runs in."""
        return np.asarray(ids, dtype=np.int64) % self.n_sets

    def for_replicates(self, ids: np.ndarray) -> dict[str, np.ndarray]:
        """Each calibrated key path's (R,) values for the replicate ids ``ids``."""
        sets = self.set_ids(ids)
        return {path: values[sets] for path, values in self.values.items()}

    def describe(self) -> dict[str, Any]:
        """What a manifest records: the file, its content hash and its size, not its numbers."""
        return {"file": self.file, "sha256": self.sha256, "n_sets": self.n_sets, "scenario": self.scenario}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Ensemble) and (self.file, self.sha256) == (other.file, other.sha256)

    def __hash__(self) -> int:
        return hash((self.file, self.sha256))


# --- writing -------------------------------------------------------------------------------


def write_ensemble(
    path: str | Path,
    values: pd.DataFrame,
    *,
    scenario_name: str,
    priors: Mapping[str, Prior],
    extra_columns: pd.DataFrame | None = None,
    meta: Mapping[str, Any] | None = None,
) -> None:
    """Write accepted parameter sets as an ensemble file, atomically.

    ``values`` has one row per set and one column per calibrated key path, each with its
    prior in ``priors``; ``extra_columns`` (same rows: scores, distances) are kept beside
    them; ``meta`` adds free keys to the metadata record (patterns, identity, command).
    Values outside their prior are refused here, so that no file is written that
    :func:`read_ensemble` would refuse (an empty ensemble aside: it records a calibration
    that accepted nothing).
    """
    path = Path(path)
    names = [str(c) for c in values.columns]
    frame = pd.DataFrame({SET_COLUMN: np.arange(len(values), dtype=np.int64)})
    for name in names:
        if name not in priors:
            raise ScenarioError(str(path), name, "a column without a prior", "one prior per calibrated key path")
        column = values[name].to_numpy(dtype=float)
        _check_values(column, priors[name], str(path), name)
        frame[name] = column
    if extra_columns is not None:
        if len(extra_columns) != len(values):
            raise ScenarioError(
                str(path), "extra_columns", f"{len(extra_columns)} rows", f"one row per set ({len(values)})"
            )
        clash = [c for c in extra_columns.columns if c in frame.columns]
        if clash:
            raise ScenarioError(str(path), "extra_columns", f"the column {clash[0]!r} twice", "distinct column names")
        for name in extra_columns.columns:
            frame[name] = extra_columns[name].to_numpy()
    record = {
        **dict(meta or {}),
        "format": FORMAT,
        "scenario": scenario_name,
        "parameters": names,
        "priors": {name: priors[name].to_plain() for name in names},
    }
    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.replace_schema_metadata(
        {**(table.schema.metadata or {}), META_KEY: json.dumps(record, default=str).encode()}
    )
    _write_atomic(path, lambda tmp: pq.write_table(table, tmp))


def _write_atomic(path: Path, write) -> None:
    """``write(tmp)`` beside ``path``, then ``os.replace``: the file is complete or absent.

    (The experiments layer has its own; the scenario layer may not import it.)
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


# --- reading -------------------------------------------------------------------------------


def read_ensemble(path: str | Path, source: str, key: str = "ensemble") -> Ensemble:
    """Read and check an ensemble file; ``source`` and ``key`` say who named it (for errors).

    Reads are cached by file, modification time and size: a sweep rebuilds its scenario
    once per chunk, and each rebuild finds the same ensemble.
    """
    file = Path(path).expanduser().resolve()
    try:
        stat = file.stat()
    except OSError:
        raise ScenarioError(source, key, f"no such file {file}", _WRITTEN_BY) from None
    if not file.is_file():
        raise ScenarioError(source, key, f"{file}, which is not a file", _WRITTEN_BY)
    return _read_cached(str(file), stat.st_mtime_ns, stat.st_size, source, key)


@lru_cache(maxsize=16)
def _read_cached(file: str, _mtime_ns: int, _size: int, source: str, key: str) -> Ensemble:
    try:
        blob = Path(file).read_bytes()
    except OSError as exc:
        raise ScenarioError(source, key, f"an unreadable file {file} ({exc.strerror})", _WRITTEN_BY) from None
    try:
        # One thread: a read that ends in an error must not leave Arrow threads for the exit to abort on.
        table = pq.read_table(pa.BufferReader(blob), use_threads=False)
    except (pa.ArrowException, OSError, ValueError):
        raise ScenarioError(source, key, f"{file}, which is not a Parquet file", _WRITTEN_BY) from None
    record = _metadata(table, file, source, key)
    if table.num_rows == 0:
        raise ScenarioError(
            file, SET_COLUMN, "no parameter sets (the calibration accepted none)", "an ensemble of at least one set"
        )
    priors, values = {}, {}
    for name in record["parameters"]:
        priors[name] = _prior(record["priors"].get(name), file, name)
        if name not in table.column_names:
            raise ScenarioError(file, name, "no column for this calibrated key path", "a column per listed parameter")
        try:
            column = table.column(name).to_numpy().astype(float)
        except (pa.ArrowException, TypeError, ValueError):
            raise ScenarioError(file, name, f"a {table.schema.field(name).type} column", "numbers") from None
        _check_values(column, priors[name], file, name)
        column.setflags(write=False)
        values[name] = column
    return Ensemble(
        file=file,
        sha256=hashlib.sha256(blob).hexdigest(),
        scenario=str(record["scenario"]),
        priors=MappingProxyType(priors),
        values=MappingProxyType(values),
        meta=MappingProxyType(record),
    )


def _metadata(table: pa.Table, file: str, source: str, key: str) -> dict:
    """The file's ensemble record, with the keys a reader relies on."""
    raw = (table.schema.metadata or {}).get(META_KEY)
    bad = ScenarioError(source, key, f"{file}, a Parquet file without valid ensemble metadata", _WRITTEN_BY)
    if raw is None:
        raise ScenarioError(source, key, f"{file}, not an ensemble file written by `ceasefire calibrate`", _WRITTEN_BY)
    try:
        record = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise bad from None
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        raise bad
    params, priors = record.get("parameters"), record.get("priors")
    if (
        not isinstance(record.get("scenario"), str)
        or not isinstance(params, list)
        or not params
        or not all(isinstance(p, str) for p in params)
        or len(set(params)) != len(params)
        or not isinstance(priors, dict)
    ):
        raise bad
    return record


def _prior(plain: Any, file: str, name: str) -> Prior:
    """A prior as the metadata records it (``{"uniform": [a, b]}``), checked."""
    allowed = "a prior such as {'uniform': [low, high]} for every listed parameter"
    if not isinstance(plain, dict) or len(plain) != 1:
        raise ScenarioError(file, name, f"the recorded prior {plain!r}", allowed)
    kind, numbers = next(iter(plain.items()))
    ok = (
        kind in PRIOR_KINDS
        and isinstance(numbers, list)
        and len(numbers) == PRIOR_KINDS[kind]
        and all(isinstance(v, int | float) and not isinstance(v, bool) and np.isfinite(v) for v in numbers)
        and numbers[0] < numbers[-1]
    )
    if not ok:
        raise ScenarioError(file, name, f"the recorded prior {plain!r}", allowed)
    return Prior(kind, tuple(float(v) for v in numbers))


def _check_values(column: np.ndarray, prior: Prior, file: str, name: str) -> None:
    """Every value finite and inside the prior's range (the prior could not have drawn it otherwise)."""
    bad = ~np.isfinite(column) | (column < prior.low) | (column > prior.high)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ScenarioError(
            file,
            name,
            f"{float(column[i])!r} in set {i}, outside the prior {prior} it was calibrated under",
            f"finite values from {prior.low:g} to {prior.high:g}",
        )


# --- fitting a scenario -----------------------------------------------------------------------


def check_ensemble(ensemble: Ensemble, scenario: _HasPriors, source: str) -> None:
    """Refuse an ensemble calibrated under other priors than the scenario's (e.g. another scenario's).

    It fits when, at every calibrated key path, the scenario holds the very prior the sets
    were drawn from; other priors of the scenario are still drawn per replicate. Variants
    that extend the calibrated scenario and keep its priors fit too.
    """
    allowed = "an ensemble calibrated on this scenario's priors (rebuild it with `ceasefire calibrate`)"
    for name, prior in ensemble.priors.items():
        try:
            here = scenario.get(name)
        except (KeyError, TypeError):
            here = None
        if here == prior:
            continue
        has = "no such key path" if here is None else f"{here} there"
        where = scenario.origin.get(name, source)
        raise ScenarioError(
            ensemble.file,
            name,
            f"an ensemble calibrated on scenario {ensemble.scenario!r} under {prior} at {name}; "
            f"this scenario ({scenario.name!r}, {where}) has {has}",
            allowed,
        )

"""Scenario files: find, read, inherit (``extends``) and override; the :class:`Scenario` they give.

A scenario is data read with :mod:`tomllib`; nothing in it is executed. Every error is a
:class:`~sim.errors.ScenarioError` naming the file, the key path, what was found and what
is allowed, raised before anything runs. The checks themselves are in :mod:`sim.scenario.validate`.
"""

from __future__ import annotations

import copy
import datetime as dt
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from sim.errors import ScenarioError

from .ensemble import Ensemble, check_ensemble, read_ensemble
from .priors import PRIOR_KINDS, Prior
from .schema import SCHEMA
from .textfile import check_name, read_toml, safe_stem
from .validate import check_scenario, unknown_key

__all__ = [
    "Scenario",
    "load_scenario",
    "packaged_scenarios",
    "scenario_dir",
    "parse_override",
    "resolve_scenario",
    "validated_scenario",
    "thaw",
]


#: Longest ``extends`` chain: each file is read recursively, and no real chain is longer than a few.
MAX_EXTENDS = 64


def scenario_dir() -> Path:
    """The folder of packaged scenarios: inside an installed wheel, else the repository's."""
    packaged = Path(str(resources.files("sim"))) / "scenarios"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "scenarios"  # sim/scenario/load.py -> the repository


def packaged_scenarios() -> dict[str, Path]:
    """Packaged scenario names mapped to their files, sorted by name."""
    return {p.stem: p for p in sorted(scenario_dir().glob("*.toml"))}


@dataclass(frozen=True)
class Scenario:
    """A validated, fully resolved scenario: read-only nested mappings.

    ``origin`` maps each key path to the file (or ``--set``) that gave its value, so that
    later errors can still name where a value came from. ``ensemble`` holds the calibrated
    parameter sets read from the file at ``data["ensemble"]`` (an absolute path), if any.
    """

    name: str
    path: str
    data: Mapping[str, Any]
    origin: Mapping[str, str] = field(repr=False)
    ensemble: Ensemble | None = field(default=None, repr=False)

    def get(self, path: str) -> Any:
        """The value at a dotted key path, e.g. ``actors.ukraine.response.lag_ticks``."""
        node: Any = self.data
        for part in path.split("."):
            node = node[part]
        return node

    def to_dict(self) -> dict:
        """A plain, JSON-ready copy (date-times as ISO 8601 strings).

        An ensemble is recorded as its file, content hash and number of sets, not its
        numbers; a scenario without one has no ``ensemble`` key (as before ensembles existed).
        """
        plain = _plain(self.data)
        if self.ensemble is None:
            plain.pop("ensemble", None)
        else:
            plain["ensemble"] = self.ensemble.describe()
        return plain

    def with_ensemble(self, file: str | Path | None, source: str = "with_ensemble") -> Scenario:
        """This scenario on the ensemble in ``file`` (relative to the current folder), or on none.

        Refused unless the ensemble was calibrated under this scenario's priors.
        """
        return self.with_overrides({"ensemble": str(file) if file else ""}, source=source)

    def with_overrides(self, overrides: Mapping[str, Any], source: str = "overrides") -> Scenario:
        """A new scenario with dotted-path ``overrides`` applied and validated."""
        if not overrides:
            return self
        raw = thaw(self.data)
        origin = dict(self.origin)
        for path, value in overrides.items():
            _set_path(raw, path, value, source)
            origin[path] = source
        # A new name (``--set name=...``) is used, not just recorded: it names the default output folder.
        name = check_name(overrides["name"], source, "name") if "name" in overrides else self.name
        scenario = validated_scenario(raw, name, self.path, origin, self.ensemble)
        if "ensemble" in overrides and scenario.ensemble is not None:
            check_ensemble(scenario.ensemble, scenario, source)
        return scenario


def load_scenario(
    scenario: str | Path | Scenario = "baseline",
    overrides: Mapping[str, Any] | None = None,
    ensemble: str | Path | None = None,
) -> Scenario:
    """Load a packaged scenario by name, or a TOML file by path, and validate it.

    ``overrides`` maps dotted key paths to values (the CLI's ``--set``). ``ensemble`` names
    an ensemble file (relative to the current folder; the CLI's ``--ensemble``) to use
    instead of the file's own; it must fit the scenario's priors before the overrides.
    An override of a calibrated key path then wins over the ensemble there.
    """
    if isinstance(scenario, Scenario):
        resolved = scenario.with_ensemble(ensemble, source="--ensemble") if ensemble else scenario
        return resolved.with_overrides(overrides or {})
    path = resolve_scenario(str(scenario), base=Path.cwd(), source="scenario")
    raw, origin = _read_with_parents(path, chain=())
    name = check_name(raw["name"], origin.get("name", str(path)), "name") if raw.get("name") else safe_stem(path)
    resolved = validated_scenario(raw, name, str(path), origin)
    if ensemble:
        resolved = resolved.with_ensemble(ensemble, source="--ensemble")
    elif resolved.ensemble is not None:
        check_ensemble(resolved.ensemble, resolved, resolved.origin.get("ensemble", str(path)))
    return resolved.with_overrides(overrides or {}, source="--set")


def parse_override(text: str) -> tuple[str, Any]:
    """Parse ``KEY.PATH=VALUE``; the value is read as TOML, or else taken as a string."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise ScenarioError("--set", text, repr(text), "KEY.PATH=VALUE, e.g. actors.ukraine.response.forgiveness=0.2")
    try:
        parsed = tomllib.loads(f"v = {value.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        parsed = value.strip()
    except RecursionError:  # tomllib reads nested arrays recursively
        raise ScenarioError("--set", key.strip(), "a value nested too deep to read", "a TOML value") from None
    return key.strip(), parsed


# --- reading and inheritance -------------------------------------------------------


def resolve_scenario(ref: str, base: Path, source: str) -> Path:
    """The file ``ref`` names: a packaged scenario, else a path relative to ``base`` (``.toml`` optional)."""
    packaged = packaged_scenarios()
    if ref in packaged:
        return packaged[ref]
    candidate = (base / ref).expanduser()
    if candidate.is_file():
        return candidate.resolve()
    if candidate.is_dir():
        raise ScenarioError(source, "", f"{ref!r}, a folder, not a scenario file", "a packaged name or a path to a .toml file")
    if candidate.name and candidate.suffix != ".toml" and candidate.with_suffix(".toml").is_file():
        return candidate.with_suffix(".toml").resolve()
    names = ", ".join(packaged) or "none"
    raise ScenarioError(
        source, "", f"no scenario named {ref!r}", f"a packaged name ({names}) or a path to a .toml file"
    )


def _read_with_parents(path: Path, chain: tuple[Path, ...]) -> tuple[dict, dict[str, str]]:
    """Read ``path`` and the files it extends; the child's values win, arrays replace."""
    if path in chain:
        cycle = " -> ".join(p.name for p in (*chain, path))
        raise ScenarioError(str(path), "extends", f"a cycle ({cycle})", "a chain of scenarios without cycles")
    if len(chain) >= MAX_EXTENDS:
        raise ScenarioError(
            str(chain[0]), "extends", f"a chain of more than {MAX_EXTENDS} files", f"at most {MAX_EXTENDS} files"
        )
    raw = read_toml(path, "a TOML file (a scenario)")
    parent_ref = raw.pop("extends", None)
    origin = {p: str(path) for p in _leaf_paths(raw)}
    if parent_ref is None:
        return raw, origin
    if not isinstance(parent_ref, str):
        raise ScenarioError(str(path), "extends", repr(parent_ref), "a scenario name or path (a string)")
    parent_path = resolve_scenario(parent_ref, base=path.parent, source=f"{path}: extends")
    parent, parent_origin = _read_with_parents(parent_path, (*chain, path))
    parent.pop("name", None)
    parent.pop("description", None)
    return _merge(parent, raw), {**parent_origin, **origin}


def _merge(parent: dict, child: dict) -> dict:
    out = copy.deepcopy(parent)
    for key, value in child.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict) and not _is_prior(value):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _is_prior(value: dict) -> bool:
    """A prior table (``{ uniform = [...] }``) replaces the parent's value whole, like a number."""
    return len(value) == 1 and next(iter(value)) in PRIOR_KINDS


def _leaf_paths(tree: dict, prefix: str = "") -> list[str]:
    paths = []
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            # The table's own path too: a child's table replaces a parent's value there.
            paths += [path, *_leaf_paths(value, path + ".")]
        else:
            paths.append(path)
    return paths


def _set_path(tree: dict, path: str, value: Any, source: str) -> None:
    parts = path.split(".")
    node, schema = tree, SCHEMA
    for i, part in enumerate(parts[:-1]):
        sub = schema.get(part) if isinstance(schema, dict) else None
        if not isinstance(sub, dict):
            raise unknown_key(source, ".".join(parts[: i + 1]), part, schema if isinstance(schema, dict) else {})
        node = node.setdefault(part, {})
        schema = sub
    if parts[-1] not in schema:
        raise unknown_key(source, path, parts[-1], schema)
    node[parts[-1]] = value


# --- building, immutability and plain copies -----------------------------------------


def validated_scenario(
    raw: dict, name: str, path: str, origin: Mapping[str, str], ensemble: Ensemble | None = None
) -> Scenario:
    """A :class:`Scenario` from a plain table (as read from TOML, or :func:`thaw` of one), validated.

    The file at ``raw["ensemble"]`` is read and checked as a file (``ensemble``, when it is
    that file already read, is kept); whether it fits the scenario's priors is checked where
    it is attached (:func:`load_scenario`, :meth:`Scenario.with_ensemble`), not here, so a
    scenario rebuilt from its data (a sweep worker's) is the same scenario.
    """
    checked = check_scenario(raw, name, path, origin)
    file = checked["ensemble"]
    if not file:
        ensemble = None
    elif ensemble is None or ensemble.file != file:
        ensemble = read_ensemble(file, source=origin.get("ensemble", path))
    return Scenario(
        name=name, path=path, data=_freeze(checked), origin=MappingProxyType(dict(origin)), ensemble=ensemble
    )


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    return value


def thaw(value: Any) -> Any:
    """Frozen scenario data as plain dicts and lists: a mutable copy, to override or to send to a worker."""
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [thaw(v) for v in value]
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, Prior):
        return value.to_plain()
    return value

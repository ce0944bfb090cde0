"""Scenario files: find, read, inherit (``extends``), override and validate.

A scenario is data read with :mod:`tomllib`; nothing in it is executed. Every error is a
:class:`~sim.errors.ScenarioError` naming the file, the key path, what was found and what
is allowed, raised before anything runs.
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from sim.errors import ScenarioError

from .schema import EVENT_COMMON, EVENT_SCHEMA, PY_TYPES, SCHEMA, Field

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
    later errors can still name where a value came from.
    """

    name: str
    path: str
    data: Mapping[str, Any]
    origin: Mapping[str, str] = field(repr=False)

    def get(self, path: str) -> Any:
        """The value at a dotted key path, e.g. ``actors.ukraine.response.lag_ticks``."""
        node: Any = self.data
        for part in path.split("."):
            node = node[part]
        return node

    def to_dict(self) -> dict:
        """A plain, JSON-ready copy (date-times as ISO 8601 strings)."""
        return _plain(self.data)

    def with_overrides(self, overrides: Mapping[str, Any], source: str = "overrides") -> Scenario:
        """A new scenario with dotted-path ``overrides`` applied and validated."""
        if not overrides:
            return self
        raw = thaw(self.data)
        origin = dict(self.origin)
        for path, value in overrides.items():
            _set_path(raw, path, value, source)
            origin[path] = source
        return validated_scenario(raw, self.name, self.path, origin)


def load_scenario(scenario: str | Path | Scenario = "baseline", overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Load a packaged scenario by name, or a TOML file by path, and validate it.

    ``overrides`` maps dotted key paths to values (the CLI's ``--set``).
    """
    if isinstance(scenario, Scenario):
        return scenario.with_overrides(overrides or {})
    path = resolve_scenario(str(scenario), base=Path.cwd(), source="scenario")
    raw, origin = _read_with_parents(path, chain=())
    name = raw.get("name") or path.stem
    resolved = validated_scenario(raw, name, str(path), origin)
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
    if candidate.suffix != ".toml" and candidate.with_suffix(".toml").is_file():
        return candidate.with_suffix(".toml").resolve()
    names = ", ".join(packaged) or "none"
    raise ScenarioError(
        source, "", f"no scenario named {ref!r}", f"a packaged name ({names}) or a path to a .toml file"
    )


def _read_toml(path: Path) -> dict:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(str(path), "", f"invalid TOML ({exc})", "a TOML file") from None
    except OSError as exc:
        raise ScenarioError(str(path), "", f"unreadable file ({exc.strerror})", "a readable TOML file") from None


def _read_with_parents(path: Path, chain: tuple[Path, ...]) -> tuple[dict, dict[str, str]]:
    """Read ``path`` and the files it extends; the child's values win, arrays replace."""
    if path in chain:
        cycle = " -> ".join(p.name for p in (*chain, path))
        raise ScenarioError(str(path), "extends", f"a cycle ({cycle})", "a chain of scenarios without cycles")
    raw = _read_toml(path)
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
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


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
            raise _unknown(source, ".".join(parts[: i + 1]), part, schema if isinstance(schema, dict) else {})
        node = node.setdefault(part, {})
        schema = sub
    if parts[-1] not in schema:
        raise _unknown(source, path, parts[-1], schema)
    node[parts[-1]] = value


# --- validation -------------------------------------------------------------------------


def validated_scenario(raw: dict, name: str, path: str, origin: Mapping[str, str]) -> Scenario:
    """A :class:`Scenario` from a plain table (as read from TOML, or :func:`thaw` of one), validated."""
    raw = copy.deepcopy(raw)
    raw["name"] = name
    src = lambda key_path: origin.get(key_path, path)  # noqa: E731 - a tiny lookup
    _check_table(raw, SCHEMA, "", src)
    _check_cross_fields(raw, src)
    raw["events"] = _check_events(raw.get("events", []), raw["clock"], src)
    return Scenario(name=name, path=path, data=_freeze(raw), origin=MappingProxyType(dict(origin)))


def _unknown(source: str, path: str, key: str, table: Mapping) -> ScenarioError:
    near = difflib.get_close_matches(key, list(table), n=3, cutoff=0.5)
    hint = f" (did you mean {', '.join(repr(n) for n in near)}?)" if near else ""
    keys = ", ".join(sorted(table)) or "none"
    return ScenarioError(source, path, f"unknown key {key!r}{hint}", f"keys here are {keys}")


def _check_table(tree: dict, schema: dict, prefix: str, src) -> None:
    for key in list(tree):
        path = f"{prefix}{key}"
        if prefix == "" and key == "events":
            continue
        if key not in schema:
            raise _unknown(src(path), path, key, schema if prefix else {**schema, "events": None, "extends": None})
        spec = schema[key]
        if isinstance(spec, dict):
            if not isinstance(tree[key], dict):
                raise ScenarioError(src(path), path, _show(tree[key]), "a table")
            _check_table(tree[key], spec, path + ".", src)
        else:
            tree[key] = _check_value(tree[key], spec, path, src(path))
    for key, spec in schema.items():
        path = f"{prefix}{key}"
        if key in tree:
            continue
        if isinstance(spec, dict):
            tree[key] = {}
            _check_table(tree[key], spec, path + ".", src)
        elif spec.required:
            raise ScenarioError(
                src(prefix.rstrip(".") or path), path, "nothing (a required field is missing)", spec.allowed()
            )
        else:
            tree[key] = spec.default


def _show(value: Any) -> str:
    kind = type(value).__name__
    return f"{value!r} ({kind})" if not isinstance(value, dict) else "a table"


def _check_value(value: Any, spec: Field, path: str, source: str) -> Any:
    if spec.kind == "str_list":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ScenarioError(source, path, _show(value), spec.allowed())
        bad = [v for v in value if spec.choices and v not in spec.choices]
        if bad:
            raise ScenarioError(source, path, repr(bad[0]), spec.allowed())
        return tuple(value)
    ok_types = PY_TYPES[spec.kind]
    if isinstance(value, bool) and spec.kind != "bool" or not isinstance(value, ok_types):
        raise ScenarioError(source, path, _show(value), spec.allowed())
    if spec.kind == "datetime" and isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        raise ScenarioError(source, path, _show(value), spec.allowed())
    if spec.choices is not None and value not in spec.choices:
        raise ScenarioError(source, path, repr(value), spec.allowed())
    if spec.kind in ("float", "int"):
        if (
            value != value
            or (spec.low is not None and value < spec.low)
            or (spec.high is not None and value > spec.high)
        ):
            raise ScenarioError(source, path, repr(value), spec.allowed())
        return float(value) if spec.kind == "float" else int(value)
    return value


def _check_cross_fields(raw: dict, src) -> None:
    hours = raw["clock"]["tick_hours"]
    if 24 % hours:
        raise ScenarioError(
            src("clock.tick_hours"), "clock.tick_hours", repr(hours), "a divisor of 24 (1, 2, 3, 4, 6, 8, 12, 24)"
        )
    for side, sign in (("ukraine", 1), ("russia", -1)):
        actor = raw["actors"][side]
        for issue, opening in actor["opening"].items():
            limit = actor["limit"][issue]
            if sign * (limit - opening) < 0:
                path = f"actors.{side}.limit.{issue}"
                bound = "at least" if sign > 0 else "at most"
                raise ScenarioError(
                    src(path),
                    path,
                    repr(limit),
                    f"{bound} the opening position {opening:g} (concessions move toward the other side)",
                )
        if sum(actor["weights"].values()) <= 0:
            path = f"actors.{side}.weights"
            raise ScenarioError(src(path), path, "all weights zero", "weights with a positive sum")


def _check_events(events: Any, clock: dict, src) -> tuple:
    if not isinstance(events, list):
        raise ScenarioError(src("events"), "events", _show(events), "an array of [[events]] tables")
    start = clock["start"]
    end = start + dt.timedelta(days=clock["horizon_days"])
    checked = []
    for i, event in enumerate(events):
        prefix = f"events[{i}]"
        source = src("events")
        if not isinstance(event, dict):
            raise ScenarioError(source, prefix, _show(event), "a table with kind and at")
        kind = event.get("kind")
        if kind not in EVENT_SCHEMA:
            spec = EVENT_COMMON["kind"]
            raise ScenarioError(source, f"{prefix}.kind", repr(kind) if kind is not None else "nothing", spec.allowed())
        schema = {**EVENT_COMMON, **EVENT_SCHEMA[kind]}
        event = dict(event)
        _check_table(event, schema, prefix + ".", lambda _p, source=source: source)
        at = event["at"]
        if (at.tzinfo is None) != (start.tzinfo is None):
            raise ScenarioError(
                source, f"{prefix}.at", at.isoformat(), "a date-time with a UTC offset exactly when clock.start has one"
            )
        if not start <= at < end:
            raise ScenarioError(
                source,
                f"{prefix}.at",
                at.isoformat(),
                f"a time from {start.isoformat()} to before {end.isoformat()} (the scenario's calendar)",
            )
        checked.append(event)
    return tuple(sorted(checked, key=lambda e: e["at"]))


# --- immutability and plain copies ---------------------------------------------------


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
    return value

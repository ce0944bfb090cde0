"""Scenario validation: every value against the schema, cross-field rules, the calendar of events.

Works on plain nested dicts as read from TOML; every error is a
:class:`~sim.errors.ScenarioError` naming the file, the key path, what was found and what
is allowed. :func:`sim.scenario.load.validated_scenario` turns the result into a :class:`Scenario`.
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sim.errors import ScenarioError

from .priors import PRIOR_KINDS, Prior
from .schema import EVENT_COMMON, EVENT_SCHEMA, PY_TYPES, RETIRED, SCHEMA, Field

__all__ = ["check_scenario", "ensemble_path", "unknown_key"]


def check_scenario(raw: dict, name: str, path: str, origin: Mapping[str, str]) -> dict:
    """A checked copy of ``raw``: defaults filled in, values typed, events sorted by time.

    ``origin`` maps key paths to the file that gave them (errors name it); else ``path``.
    """
    raw = copy.deepcopy(raw)
    raw["name"] = name
    src = lambda key_path: origin.get(key_path, path)  # noqa: E731 - a tiny lookup
    _check_table(raw, SCHEMA, "", src)
    _check_cross_fields(raw, src)
    raw["ensemble"] = ensemble_path(raw["ensemble"], src("ensemble"))
    raw["events"] = _check_events(raw.get("events", []), raw["clock"], src)
    return raw


def ensemble_path(value: str, source: str) -> str:
    """The absolute path of an ``ensemble`` file ('' for none).

    A relative path is relative to the scenario file that names it (inherited values keep
    their file's folder), else, when it came from the command line or code, to the current
    folder. Absolute, it still finds the file once the scenario is sent to a sweep worker.
    """
    if not value:
        return ""
    path = Path(value).expanduser()
    if not path.is_absolute():
        named_by = Path(source)
        path = (named_by.parent if named_by.suffix == ".toml" and named_by.is_file() else Path.cwd()) / path
    return str(path.resolve())


def unknown_key(source: str, path: str, key: str, table: Mapping) -> ScenarioError:
    """The error for a key that ``table`` does not have, suggesting the nearest ones.

    A key of version 1 that no longer exists (most measured time in ticks) names its successor.
    """
    if key in RETIRED:
        return ScenarioError(source, path, f"the retired key {key!r}", f"use {RETIRED[key]}")
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
            raise unknown_key(src(path), path, key, schema if prefix else {**schema, "events": None, "extends": None})
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
    if isinstance(value, (dict, Prior)):
        return _check_prior(value, spec, path, source)
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


def _check_prior(value: dict | Prior, spec: Field, path: str, source: str) -> Prior:
    """A prior table, e.g. ``{ uniform = [0.1, 0.5] }``: one kind, a non-empty range inside the field's."""
    if spec.kind != "float" or not spec.prior:
        raise ScenarioError(source, path, "a table", f"{spec.allowed()} (a single value here, not a prior)")
    example = "{ uniform = [low, high] }, { loguniform = [low, high] } or { triangular = [low, mode, high] }"
    allowed = f"a number, or a prior {example}, within {spec.allowed()}"
    if isinstance(value, Prior):
        value = value.to_plain()
    if len(value) != 1 or next(iter(value)) not in PRIOR_KINDS:
        raise ScenarioError(source, path, f"a table with keys {sorted(value)}", allowed)
    kind, numbers = next(iter(value.items()))
    count = PRIOR_KINDS[kind]
    if (
        not isinstance(numbers, list | tuple)
        or len(numbers) != count
        or not all(isinstance(v, int | float) and not isinstance(v, bool) and v == v for v in numbers)
    ):
        raise ScenarioError(source, f"{path}.{kind}", _show(numbers), f"a list of {count} numbers; {allowed}")
    values = tuple(float(v) for v in numbers)
    if not values[0] < values[-1]:
        what = "an empty range" if values[0] == values[-1] else "an inverted range"
        raise ScenarioError(source, f"{path}.{kind}", f"{list(numbers)} ({what})", f"low < high; {allowed}")
    if kind == "triangular" and not values[0] <= values[1] <= values[2]:
        raise ScenarioError(source, f"{path}.{kind}", f"{list(numbers)} (mode outside)", f"low <= mode <= high; {allowed}")
    if kind == "loguniform" and values[0] <= 0:
        raise ScenarioError(source, f"{path}.{kind}", f"{list(numbers)}", f"low > 0 for a log-uniform prior; {allowed}")
    if (spec.low is not None and values[0] < spec.low) or (spec.high is not None and values[-1] > spec.high):
        raise ScenarioError(source, f"{path}.{kind}", f"{list(numbers)}", f"a range within {spec.allowed()}")
    return Prior(kind, values)


def _lowest(value: float | Prior) -> float:
    return value.low if isinstance(value, Prior) else value


def _highest(value: float | Prior) -> float:
    return value.high if isinstance(value, Prior) else value


#: The years a calendar may span: any real negotiation, with room; dates further out overflow
#: Python's dates (year 9999) or pandas' timestamps (year 2262) in the plots.
YEARS = (1900, 2200)


def _check_calendar(clock: dict, src) -> None:
    """Refuse a calendar (``clock.start`` to the horizon) outside YEARS, before any date arithmetic."""
    start = clock["start"]
    allowed = f"a start from {YEARS[0]} on, with start + horizon_days before the end of {YEARS[1]}"
    last = dt.datetime(YEARS[1], 12, 31, tzinfo=start.tzinfo)
    if start.year < YEARS[0] or start > last or (last - start).days < clock["horizon_days"]:
        raise ScenarioError(src("clock.start"), "clock.start", start.isoformat(), allowed)


def _check_cross_fields(raw: dict, src) -> None:
    _check_calendar(raw["clock"], src)
    hours = raw["clock"]["tick_hours"]
    if 24 % hours:
        raise ScenarioError(
            src("clock.tick_hours"), "clock.tick_hours", repr(hours), "a divisor of 24 (1, 2, 3, 4, 6, 8, 12, 24)"
        )
    for side, sign in (("ukraine", 1), ("russia", -1)):
        actor = raw["actors"][side]
        for issue, opening in actor["opening"].items():
            limit = actor["limit"][issue]
            # Every value a prior can draw must keep the limit on the right side of the opening.
            worst = _lowest(limit) - _highest(opening) if sign > 0 else _lowest(opening) - _highest(limit)
            if worst < 0:
                path = f"actors.{side}.limit.{issue}"
                bound = "at least" if sign > 0 else "at most"
                where = _highest(opening) if sign > 0 else _lowest(opening)
                raise ScenarioError(
                    src(path),
                    path,
                    str(limit) if isinstance(limit, Prior) else repr(limit),
                    f"{bound} the opening position {where:g} (concessions move toward the other side)",
                )
        if sum(_lowest(w) for w in actor["weights"].values()) <= 0:
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
        if kind == "bilateral_offer" and not event["issues"]:  # an empty track is not an offer of anything
            choices = ", ".join(repr(c) for c in schema["issues"].choices)
            raise ScenarioError(source, f"{prefix}.issues", "[] (no issues)", f"a list of at least one of {choices}")
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

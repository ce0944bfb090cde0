"""Pattern files: what was observed, as statements about the model's outputs, and their scores.

A pattern file (TOML, validated like a scenario) lists the patterns a calibration keeps
parameter sets for (pattern-oriented modelling: Grimm et al. 2005, *Science* 310:987)::

    [patterns]
    name = "easter_2025"
    scenario = "baseline"

    [[pattern]]
    id = "both_accuse_during_truce"
    says = "each side accuses the other of breaking the Easter truce while it is in force"
    source = "[A] ..."
    kind = "share"
    when = [{ output = "truce_accusations_by_russia", at_least = 1 },
            { output = "truce_accusations_by_ukraine", at_least = 1 }]
    share = [0.5, 1.0]

Three kinds, each scored per parameter set over its replicates:

``share``
    the share of replicates where every condition of ``when`` holds (among those where
    every condition of ``among`` holds, if given) must lie in ``share = [low, high]``.
``contrast``
    a relation between runs: the same share under a ``variant`` (a scenario name, or a
    table of key-path overrides) must be ``lower`` or ``higher`` than under the scenario,
    on common random numbers (Fortna 2004: monitored ceasefires last longer). Scored as
    the ratio of the two shares, so that it means the same whether collapses are common or rare.
``hazard``
    the hazard of collapse per day of an agreement in force must ``fall`` (or ``rise``)
    from the first ``split_days`` after signing to the time after them (Fortna 2004).
    Scored as the ratio of the late hazard to the early one.

A set reproduces a pattern when its distance from the target (how far the share lies
outside its range; by how much the ratio is past 1 the wrong way) is at most ``tolerance``.
A relation with nothing to compare (no collapse in either arm or window) is not judged. A
condition is ``{ output = COLUMN, OP = VALUE }`` over a column of ``outcomes.csv``: ``at_least``,
``at_most``, ``equals`` (numbers), ``before``, ``after`` (a date in the calendar, for the
``day_*`` columns; an event that never happened by the horizon counts as after), ``is``,
``is_not`` (text) and ``missing`` (true or false).
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import ScenarioError
from sim.model.model import CeasefireModel
from sim.model.outcomes import OUTCOMES
from sim.scenario import Scenario, load_scenario, resolve_scenario, scenario_dir
from sim.scenario.textfile import NAME_ALLOWED, check_name, read_toml, safe_stem

__all__ = ["Condition", "Pattern", "PatternSet", "load_patterns", "packaged_patterns", "resolve_patterns", "pattern_scores", "ratio", "output_columns", "KINDS"]

KINDS = ("share", "contrast", "hazard")
TOP_KEYS = ("patterns", "pattern")
HEADER_KEYS = {
    "name": NAME_ALLOWED,
    "description": "one line (a string)",
    "scenario": "a packaged scenario name or a path relative to the patterns file",
}
PATTERN_KEYS = {
    "id": "a short identifier: letters, digits and underscores",
    "says": "the observed statement, in words (a string)",
    "source": "where it comes from: [A] for the news report, or a paper (a string)",
    "kind": f"one of {', '.join(repr(k) for k in KINDS)}",
    "when": "a list of conditions, e.g. [{ output = 'day_first_agreement', after = 2025-04-21T12:00:00+03:00 }]",
    "among": "a list of conditions: the replicates the share is taken over (default: all)",
    "share": "[low, high]: the range of shares that reproduces the pattern, 0 <= low <= high <= 1",
    "variant": "a scenario name, or a table of key-path overrides, e.g. { 'actors.europe.monitoring' = 0.8 }",
    "direction": "'lower' or 'higher' (contrast); 'falls' or 'rises' (hazard)",
    "split_days": "a number > 0: days after signing that divide early from late (hazard)",
    "tolerance": "a number >= 0: how far from the target still counts as reproduced (default 0)",
}
REQUIRED = {
    "share": ("id", "says", "source", "kind", "when", "share"),
    "contrast": ("id", "says", "source", "kind", "when", "variant", "direction"),
    "hazard": ("id", "says", "source", "kind", "direction", "split_days"),
}
ALLOWED = {
    "share": REQUIRED["share"] + ("among", "tolerance"),
    "contrast": REQUIRED["contrast"] + ("among", "tolerance"),
    "hazard": REQUIRED["hazard"] + ("tolerance",),
}
DIRECTIONS = {"contrast": ("lower", "higher"), "hazard": ("falls", "rises")}
OPS = {
    "at_least": "number",
    "at_most": "number",
    "equals": "number",
    "before": "date",
    "after": "date",
    "is": "text",
    "is_not": "text",
    "missing": "bool",
}


@dataclass(frozen=True)
class Condition:
    """One test on one output column: ``output OP value`` (dates already in days since the start)."""

    output: str
    op: str
    value: Any

    def holds(self, rows: pd.DataFrame) -> np.ndarray:
        """(n,) bool: the rows where the condition holds."""
        column = rows[self.output]
        if self.op in ("is", "is_not"):
            same = column.astype(str).to_numpy() == self.value
            return same if self.op == "is" else ~same
        x = column.to_numpy(dtype=float)
        if self.op == "missing":
            return np.isnan(x) == bool(self.value)
        if self.op == "after":
            return np.isnan(x) | (x > self.value)
        with np.errstate(invalid="ignore"):
            if self.op in ("at_least",):
                return x >= self.value
            if self.op in ("at_most", "before"):
                return x <= self.value
            return np.abs(x - self.value) <= 1e-9


@dataclass(frozen=True)
class Pattern:
    """One observed pattern and how a parameter set is judged on it."""

    id: str
    says: str
    source: str
    kind: str
    when: tuple[Condition, ...] = ()
    among: tuple[Condition, ...] = ()
    share: tuple[float, float] = (0.0, 1.0)
    variant: str | Mapping[str, Any] | None = None
    direction: str = ""
    split_days: float = 0.0
    tolerance: float = 0.0

    @property
    def target(self) -> str:
        """The target in words, for tables."""
        if self.kind == "share":
            return f"share in [{self.share[0]:g}, {self.share[1]:g}]"
        if self.kind == "contrast":
            return f"share {self.direction} under {self.variant_name}"
        return f"hazard {self.direction} after day {self.split_days:g}"

    @property
    def variant_name(self) -> str:
        if isinstance(self.variant, str):
            return self.variant
        return ", ".join(f"{k}={v}" for k, v in (self.variant or {}).items())

    def condition_share(self, rows: pd.DataFrame, point: np.ndarray, n_points: int) -> np.ndarray:
        """(n_points,) share of each point's replicates meeting ``when`` among ``among`` (NaN: none among)."""
        hit = _all(self.when, rows)
        base = _all(self.among, rows)
        num = np.bincount(point, weights=hit & base, minlength=n_points)
        den = np.bincount(point, weights=base, minlength=n_points)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(den > 0, num / np.maximum(den, 1), np.nan)

    def distance(self, score: np.ndarray) -> np.ndarray:
        """How far each score is from reproducing the pattern (0: reproduced; NaN: not judged)."""
        if self.kind == "share":
            low, high = self.share
            return np.maximum(0.0, np.maximum(low - score, score - high))
        with np.errstate(invalid="ignore"):
            if self.direction in ("higher", "rises"):
                return np.maximum(0.0, 1.0 - score)
            return np.maximum(0.0, score - 1.0)


@dataclass(frozen=True)
class PatternSet:
    """A validated patterns file: its header, the scenario it is judged on, and its patterns."""

    path: str
    name: str
    description: str
    scenario: Scenario
    patterns: tuple[Pattern, ...]

    def variants(self) -> dict[str, Scenario]:
        """The scenario of each contrast pattern's variant, by pattern id."""
        return {p.id: variant_scenario(self.scenario, p, self.path) for p in self.patterns if p.kind == "contrast"}

    def to_plain(self) -> dict:
        """A JSON-ready description (for manifests and identities)."""
        return {
            "name": self.name,
            "description": self.description,
            "scenario": self.scenario.name,
            "patterns": [
                {
                    "id": p.id,
                    "says": p.says,
                    "source": p.source,
                    "kind": p.kind,
                    "when": [[c.output, c.op, c.value] for c in p.when],
                    "among": [[c.output, c.op, c.value] for c in p.among],
                    "share": list(p.share),
                    "variant": p.variant if isinstance(p.variant, str) else dict(p.variant or {}),
                    "direction": p.direction,
                    "split_days": p.split_days,
                    "tolerance": p.tolerance,
                }
                for p in self.patterns
            ],
        }


# --- scoring ------------------------------------------------------------------------------------


def pattern_scores(
    pattern: Pattern,
    rows: pd.DataFrame,
    n_points: int,
    horizon_days: float,
    variant_rows: pd.DataFrame | None = None,
) -> np.ndarray:
    """(n_points,) the pattern's statistic for each parameter set (``rows['point']`` says whose row).

    share: the share; contrast: the variant's share over the scenario's; hazard: the late
    hazard over the early one (collapses per day in force). NaN where there is nothing to
    compare (0 over 0, or no replicate to take a share over); infinite where only the
    numerator has events.
    """
    point = rows["point"].to_numpy()
    if pattern.kind == "share":
        return pattern.condition_share(rows, point, n_points)
    if pattern.kind == "contrast":
        other = variant_rows["point"].to_numpy()
        return ratio(pattern.condition_share(variant_rows, other, n_points), pattern.condition_share(rows, point, n_points))
    early, late = collapse_hazards(rows, point, n_points, pattern.split_days, horizon_days)
    return ratio(late, early)


def ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a / b, with 0 / 0 (and anything with NaN) NaN and x / 0 infinite for x > 0."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where((a == 0) & (b == 0), np.nan, a / b)


def collapse_hazards(
    rows: pd.DataFrame, point: np.ndarray, n_points: int, split_days: float, horizon_days: float
) -> tuple[np.ndarray, np.ndarray]:
    """Collapses per day of the first agreement in force, in its first ``split_days`` and after.

    Exposure runs from the first signing to the first collapse or the horizon (censored);
    each window's hazard is its collapses over its days at risk (NaN without days at risk).
    """
    signed = rows["day_first_agreement"].to_numpy(dtype=float)
    collapse = rows["day_collapse"].to_numpy(dtype=float)
    ok = ~np.isnan(signed)
    ended = np.where(np.isnan(collapse), horizon_days, collapse)
    life = np.where(ok, np.maximum(ended - signed, 0.0), 0.0)
    event = ok & ~np.isnan(collapse)
    early_days = np.minimum(life, split_days)
    late_days = np.maximum(life - split_days, 0.0)
    early_events = event & (life < split_days)
    late_events = event & (life >= split_days)

    def rate(events: np.ndarray, days: np.ndarray) -> np.ndarray:
        n = np.bincount(point, weights=events, minlength=n_points)
        d = np.bincount(point, weights=days, minlength=n_points)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(d > 0, n / np.maximum(d, 1e-300), np.nan)

    return rate(early_events, early_days), rate(late_events, late_days)


def _all(conditions: tuple[Condition, ...], rows: pd.DataFrame) -> np.ndarray:
    out = np.ones(len(rows), dtype=bool)
    for c in conditions:
        out &= c.holds(rows)
    return out


# --- reading and validation -----------------------------------------------------------------------


def output_columns(scenario: Scenario) -> dict[str, str]:
    """The columns of ``outcomes.csv`` and their type (number, date or text), from a one-replicate run."""
    rows = CeasefireModel(scenario, seed=0, replicates=1, keep_timelines=0).run().outcomes()
    kinds = {}
    for name in rows.columns:
        if name == "replicate":
            continue
        if name.startswith("day_"):
            kinds[name] = "date"
        elif pd.api.types.is_numeric_dtype(rows[name]) or pd.api.types.is_bool_dtype(rows[name]):
            kinds[name] = "number"
        else:
            kinds[name] = "text"
    return kinds


def load_patterns(path: str | Path, scenario: str | None = None) -> PatternSet:
    """Read and validate a patterns file against its scenario (or ``scenario``, if given)."""
    path = resolve_patterns(path)
    src = str(path)
    raw = _read(path)
    for key in raw:
        if key not in TOP_KEYS:
            raise _unknown(src, key, key, TOP_KEYS)
    header = raw.get("patterns", {})
    if not isinstance(header, dict):
        raise ScenarioError(src, "patterns", repr(header), "a table: [patterns] with name, description, scenario")
    for key in header:
        if key not in HEADER_KEYS:
            raise _unknown(src, f"patterns.{key}", key, HEADER_KEYS)
    name = check_name(header["name"], src, "patterns.name") if "name" in header else safe_stem(path)
    description = _text(header, "description", src, "patterns", default="")
    if scenario is None:
        ref = _text(header, "scenario", src, "patterns", default="baseline")
        scenario_path = resolve_scenario(ref, base=path.parent, source=f"{src}: patterns.scenario")
    else:
        scenario_path = resolve_scenario(scenario, base=Path.cwd(), source="--scenario")
    base = load_scenario(scenario_path)
    items = raw.get("pattern")
    if not isinstance(items, list) or not items or not all(isinstance(p, dict) for p in items):
        raise ScenarioError(src, "pattern", "no [[pattern]] tables", "one or more [[pattern]] tables")
    columns = output_columns(base)
    seen: set[str] = set()
    patterns = []
    for i, item in enumerate(items):
        pattern = _pattern(item, f"pattern[{i}]", src, base, columns)
        if pattern.id in seen:
            raise ScenarioError(src, f"pattern[{i}].id", repr(pattern.id), "an id not used by another pattern")
        seen.add(pattern.id)
        patterns.append(pattern)
    spec = PatternSet(src, name, description, base, tuple(patterns))
    for p in spec.patterns:  # a variant must load and keep the calibrated priors
        if p.kind == "contrast":
            variant_scenario(base, p, src)
    return spec


def variant_scenario(base: Scenario, pattern: Pattern, src: str) -> Scenario:
    """The scenario a contrast pattern compares with: a named scenario, or ``base`` with overrides."""
    where = f"{src}: pattern {pattern.id!r} variant"
    if isinstance(pattern.variant, str):
        return load_scenario(resolve_scenario(pattern.variant, base=Path(src).parent, source=where))
    return base.with_overrides(dict(pattern.variant or {}), source=where)


def packaged_patterns() -> dict[str, Path]:
    """Packaged patterns files by name (``scenarios/patterns/*.toml``, also inside an installed wheel)."""
    return {p.stem: p for p in sorted((scenario_dir() / "patterns").glob("*.toml"))}


def resolve_patterns(ref: str | Path) -> Path:
    """A patterns file by path, or a packaged one by name (``easter_2025``)."""
    path = Path(ref)
    if not path.is_file() and str(ref) in packaged_patterns():
        return packaged_patterns()[str(ref)]
    return path


def _read(path: Path) -> dict:
    if not path.exists():
        names = ", ".join(packaged_patterns()) or "none"
        raise ScenarioError(
            str(path), "", "no such file", f"a patterns file (TOML) or a packaged one by name ({names})"
        )
    return read_toml(path, "a TOML file (patterns)")


def _pattern(item: Mapping, where: str, src: str, base: Scenario, columns: Mapping[str, str]) -> Pattern:
    kind = item.get("kind")
    if kind not in KINDS:
        raise ScenarioError(src, f"{where}.kind", repr(kind), PATTERN_KEYS["kind"])
    for key in item:
        if key not in ALLOWED[kind]:
            raise _unknown(src, f"{where}.{key}", key, {k: PATTERN_KEYS[k] for k in ALLOWED[kind]})
    for key in REQUIRED[kind]:
        if key not in item:
            raise ScenarioError(src, f"{where}.{key}", "nothing", f"{PATTERN_KEYS[key]} (required for kind {kind!r})")
    pid = _text(item, "id", src, where)
    if not pid.replace("_", "").isalnum():
        raise ScenarioError(src, f"{where}.id", repr(pid), PATTERN_KEYS["id"])
    fields: dict[str, Any] = {
        "id": pid,
        "says": _text(item, "says", src, where),
        "source": _text(item, "source", src, where),
        "kind": kind,
        "tolerance": _number(item, "tolerance", src, where, low=0.0, default=0.0),
    }
    if "when" in item:
        fields["when"] = _conditions(item["when"], f"{where}.when", src, base, columns)
    if "among" in item:
        fields["among"] = _conditions(item["among"], f"{where}.among", src, base, columns)
    if kind == "share":
        fields["share"] = _share(item["share"], f"{where}.share", src)
    if kind in DIRECTIONS:
        direction = item["direction"]
        if direction not in DIRECTIONS[kind]:
            raise ScenarioError(
                src, f"{where}.direction", repr(direction), " or ".join(repr(d) for d in DIRECTIONS[kind])
            )
        fields["direction"] = direction
    if kind == "contrast":
        fields["variant"] = _variant(item["variant"], f"{where}.variant", src)
    if kind == "hazard":
        horizon = base.data["clock"]["horizon_days"]
        fields["split_days"] = _number(item, "split_days", src, where, low=0.0, high=float(horizon))
        if fields["split_days"] <= 0:
            raise ScenarioError(src, f"{where}.split_days", "0", f"a number > 0 and < the horizon ({horizon} days)")
    return Pattern(**fields)


def _conditions(value: Any, where: str, src: str, base: Scenario, columns: Mapping[str, str]) -> tuple[Condition, ...]:
    if not isinstance(value, list) or not value:
        raise ScenarioError(src, where, repr(value), PATTERN_KEYS["when"])
    return tuple(_condition(c, f"{where}[{i}]", src, base, columns) for i, c in enumerate(value))


def _condition(value: Any, where: str, src: str, base: Scenario, columns: Mapping[str, str]) -> Condition:
    if not isinstance(value, dict) or "output" not in value or len(value) != 2:
        raise ScenarioError(src, where, repr(value), "a table { output = COLUMN, OP = VALUE } with one OP of " + ", ".join(OPS))
    output = value["output"]
    if output not in columns:
        close = difflib.get_close_matches(str(output), list(columns), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ScenarioError(
            src, f"{where}.output", f"{output!r}, not a column of outcomes.csv{hint}", "one of " + ", ".join(columns)
        )
    op = next(k for k in value if k != "output")
    if op not in OPS:
        raise _unknown(src, f"{where}.{op}", op, OPS)
    kind, x = columns[output], value[op]
    wanted = OPS[op]
    if wanted == "date":
        if kind != "date":
            raise ScenarioError(src, f"{where}.{op}", f"a date test on {output!r} ({kind})", "at_least, at_most or equals")
        return Condition(output, op, _day(x, f"{where}.{op}", src, base))
    if wanted == "bool":
        if not isinstance(x, bool):
            raise ScenarioError(src, f"{where}.{op}", repr(x), "true or false")
        return Condition(output, op, x)
    if wanted == "text":
        if kind != "text":
            raise ScenarioError(src, f"{where}.{op}", f"a text test on {output!r} ({kind})", "at_least, at_most, equals, before or after")
        if output == "outcome" and x not in OUTCOMES:
            raise ScenarioError(src, f"{where}.{op}", repr(x), "one of " + ", ".join(OUTCOMES))
        if not isinstance(x, str):
            raise ScenarioError(src, f"{where}.{op}", repr(x), "a string")
        return Condition(output, op, x)
    if kind == "text":
        raise ScenarioError(src, f"{where}.{op}", f"a number test on the text column {output!r}", "is or is_not")
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise ScenarioError(src, f"{where}.{op}", repr(x), "a number")
    return Condition(output, op, float(x))


def _day(value: Any, where: str, src: str, base: Scenario) -> float:
    """A date in the scenario's calendar, as days since its start."""
    start = base.data["clock"]["start"]
    horizon = base.data["clock"]["horizon_days"]
    if isinstance(value, dt.datetime):
        when = value if value.tzinfo is not None else value.replace(tzinfo=start.tzinfo)
    elif isinstance(value, dt.date):
        when = dt.datetime.combine(value, dt.time(), tzinfo=start.tzinfo)
    else:
        raise ScenarioError(src, where, repr(value), "a TOML date-time such as 2025-04-21T12:00:00+03:00")
    end = start + dt.timedelta(days=horizon)
    if not start <= when <= end:
        raise ScenarioError(
            src,
            where,
            f"{when.isoformat()}, outside the calendar",
            f"a date from {start.isoformat()} to {end.isoformat()} (the scenario's {horizon} days)",
        )
    return (when - start) / dt.timedelta(days=1)


def _share(value: Any, where: str, src: str) -> tuple[float, float]:
    ok = (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
        and 0.0 <= value[0] <= value[1] <= 1.0
    )
    if not ok:
        raise ScenarioError(src, where, repr(value), PATTERN_KEYS["share"])
    return float(value[0]), float(value[1])


def _variant(value: Any, where: str, src: str) -> str | dict:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and value and all(not isinstance(v, dict) for v in value.values()):
        return dict(value)
    raise ScenarioError(src, where, repr(value), PATTERN_KEYS["variant"])


def _text(table: Mapping, key: str, src: str, where: str, default: str | None = None) -> str:
    value = table.get(key, default)
    if not isinstance(value, str) or (default is None and not value.strip()):
        raise ScenarioError(src, f"{where}.{key}", repr(value), PATTERN_KEYS.get(key) or HEADER_KEYS.get(key, "a string"))
    return value


def _number(table: Mapping, key: str, src: str, where: str, low: float, high: float | None = None, default=None) -> float:
    value = table.get(key, default)
    bad = isinstance(value, bool) or not isinstance(value, (int, float)) or value < low
    if not bad and high is not None and value > high:
        bad = True
    if bad:
        bound = f"a number >= {low:g}" + (f" and <= {high:g}" if high is not None else "")
        raise ScenarioError(src, f"{where}.{key}", repr(value), bound)
    return float(value)


def _unknown(src: str, path: str, key: str, allowed: Mapping | tuple) -> ScenarioError:
    close = difflib.get_close_matches(str(key), list(allowed), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return ScenarioError(src, path, f"unknown key {key!r}{hint}", "one of " + ", ".join(allowed))

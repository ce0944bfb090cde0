"""The levers a class can move, and how slider values become a model.

A lever whose value in the scenario file is a prior (a range drawn afresh for every run)
starts at the prior's mean on the slider's grid; as long as the slider stays there, the
run keeps drawing from the prior (:func:`fixed_levers`).
"""

from __future__ import annotations

import numpy as np

from sim.model.model import CeasefireModel
from sim.scenario import Scenario, load_scenario
from sim.scenario.priors import Prior

#: The levers: scenario key path, label, min, max, step.
LEVERS: tuple[tuple[str, str, float, float, float], ...] = (
    ("actors.united_states.deadline_days", "U.S. deadline (days)", 0, 30, 1),
    ("actors.united_states.extension_probability", "U.S. extends, not walks (prob.)", 0.0, 1.0, 0.05),
    ("actors.ukraine.response.join_truce", "Ukraine joins a truce (prob.)", 0.0, 1.0, 0.05),
    ("actors.ukraine.response.forgiveness", "Ukraine forgives (prob.)", 0.0, 1.0, 0.05),
    ("actors.russia.response.forgiveness", "Russia forgives (prob.)", 0.0, 1.0, 0.05),
    ("actors.ukraine.commitment.tolerance", "Ukraine tolerates violations", 0.0, 30.0, 0.5),
    ("actors.russia.commitment.tolerance", "Russia tolerates violations", 0.0, 30.0, 0.5),
    ("actors.ukraine.perception.false_alarms_per_day", "Ukraine false alarms/day", 0.0, 6.0, 0.05),
    ("actors.russia.perception.false_alarms_per_day", "Russia false alarms/day", 0.0, 6.0, 0.05),
    ("actors.ukraine.incidents_per_day", "Ukraine incidents/day", 0.0, 12.0, 0.1),
    ("actors.russia.incidents_per_day", "Russia incidents/day", 0.0, 12.0, 0.1),
    ("actors.europe.monitoring", "Europe monitors an agreement (0-1)", 0.0, 1.0, 0.05),
    ("actors.europe.guarantee_capacity", "Europe's security guarantees (0-1)", 0.0, 1.0, 0.05),
    ("actors.europe.backfill", "Europe replaces cut U.S. aid (share)", 0.0, 1.0, 0.05),
    ("actors.ukraine.concession.beta", "Ukraine concedes: β (<1 late, >1 early)", 0.1, 5.0, 0.1),
    ("actors.russia.concession.beta", "Russia concedes: β (<1 late, >1 early)", 0.1, 5.0, 0.1),
)
DEADLINE = "actors.united_states.deadline_days"
DEADLINE_KEY = DEADLINE.replace(".", "__")
NO_DEADLINE_DAYS = 36500.0  # 100 years: never reached (scenarios/no_deadline.toml)


def key(path: str) -> str:
    """A lever's keyword for :class:`CeasefireModel`: 'a.b.c' -> 'a__b__c'."""
    return path.replace(".", "__")


def horizon(scenario: Scenario) -> int:
    return scenario.data["clock"]["horizon_days"]


def scenario_title(scenario: Scenario) -> str:
    """The scenario in words, from its name and description: 'Baseline: Easter week 2025'."""
    words = scenario.data.get("description", "").strip()
    if words.lower().startswith("baseline, "):
        return words.split(" (")[0].split(":")[0]
    name = scenario.name.replace("_", " ").capitalize()
    first = words.split(":")[0].split(" (")[0]
    return f"{name}: {first}" if first and first.lower() != name.lower() else name


def overrides(scenario: Scenario, values: dict) -> dict:
    """Slider values (lever keywords, no seed) as model overrides.

    The deadline slider's last stop ("none") means no deadline at all, as in the packaged
    no_deadline scenario: pressure stays at its base level, not rising towards a deadline
    just past the horizon. Sliders left at the start of a prior keep the prior.
    """
    levers = {k: v for k, v in values.items() if k != "seed"}
    if levers.get(DEADLINE_KEY, 0) > horizon(scenario):
        levers[DEADLINE_KEY] = NO_DEADLINE_DAYS
    return fixed_levers(scenario, levers)


def build(scenario: Scenario, values: dict, replicates: int = 1, **options) -> CeasefireModel:
    """A model of ``scenario`` with the slider ``values`` ('seed' and lever keywords) applied."""
    seed = int(values.get("seed", 0))
    return CeasefireModel(scenario, seed=seed, replicates=replicates, **options, **overrides(scenario, values))


class DashboardModel(CeasefireModel):
    """One replicate of :class:`CeasefireModel` with slider values as keyword arguments."""

    def __init__(self, scenario: str | Scenario = "baseline", seed: int = 0, **kwargs: float) -> None:
        loaded = load_scenario(scenario)
        super().__init__(loaded, seed=seed, replicates=1, **overrides(loaded, kwargs))


def lever_start(scenario: Scenario, path: str, step: float) -> float:
    """Where a lever's slider starts: the file's value, or the mean of its prior on the slider's grid."""
    value = scenario.get(path)
    if isinstance(value, Prior):
        return round(round(value.mean() / step) * step, 6)
    if path == DEADLINE and value > horizon(scenario):
        return horizon(scenario) + 1
    return value


def fixed_levers(scenario: Scenario, kwargs: dict) -> dict:
    """The slider values to pass on as overrides: all but those left at the start of a prior."""
    out = dict(kwargs)
    for path, _, _, _, step in LEVERS:
        name = key(path)
        if (
            name in out
            and isinstance(scenario.get(path), Prior)
            and np.isclose(out[name], lever_start(scenario, path, step))
        ):
            del out[name]
    return out


def start_values(scenario: Scenario) -> dict:
    """Every slider at its start: the story number 0 and each lever's :func:`lever_start`."""
    return {"seed": 0} | {key(p): lever_start(scenario, p, step) for p, _, _, _, step in LEVERS}


def model_params(ref: str, scenario: Scenario) -> dict:
    """The sliders: for each keyword, its label, start value, range and step."""
    params: dict = {
        "scenario": ref,
        "seed": {"type": "SliderInt", "label": "Story number (seed)", "value": 0, "min": 0, "max": 99, "step": 1},
    }
    for path, label, low, high, step in LEVERS:
        value = lever_start(scenario, path, step)
        if path == DEADLINE:
            high = horizon(scenario) + 1  # beyond the horizon: no deadline
            value = min(value, high)
        params[key(path)] = {
            "type": "SliderInt" if isinstance(step, int) else "SliderFloat",
            "label": label.split(" (")[0],
            "value": value,
            "min": low,
            "max": max(high, value),
            "step": step,
        }
    return params


def file_value(value: object) -> str:
    """A file value in words for a label: '0.1–0.5' for a prior, '10' for a number."""
    if isinstance(value, Prior):
        return f"{value.low:g}–{value.high:g}"
    return f"{value:g}"


def shown(scenario: Scenario, path: str, value: float) -> str:
    """A slider value in words: the deadline's last stop (or any deadline past the horizon) is 'none'."""
    if path == DEADLINE and value > horizon(scenario):
        return "none"
    return f"{value:g}"


def _file(scenario: Scenario, path: str) -> str:
    value = scenario.get(path)
    return file_value(value) if isinstance(value, Prior) else shown(scenario, path, value)


def _name(label: str) -> str:
    return label.split(" (")[0]


def slider_label(scenario: Scenario, path: str, label: str, value: float) -> str:
    """'U.S. deadline: none (file: 10)': the lever, the value on screen, the file's value."""
    return f"{_name(label)}: {shown(scenario, path, value)} (file: {_file(scenario, path)})"


def changed_levers(model: CeasefireModel, ref: str) -> list[str]:
    """Levers whose value differs from the scenario file, as 'label: value (file: ...)'."""
    base = load_scenario(ref)
    out = [f"seed {model.seed}"] if model.seed else []
    for path, label, *_ in LEVERS:
        now, was = model.scenario.get(path), base.get(path)
        if isinstance(now, Prior) or isinstance(was, Prior):
            if now != was:
                out.append(f"{_name(label)}: {file_value(now)} (file: {file_value(was)})")
        elif shown(base, path, now) != shown(base, path, was):
            out.append(f"{_name(label)}: {shown(base, path, now)} (file: {shown(base, path, was)})")
    return out


def pending_changes(scenario: Scenario, on_screen: dict, applied: dict) -> list[str]:
    """Sliders moved since the run on screen started, as 'U.S. deadline: 5 (now 10)'."""
    out = []
    if on_screen.get("seed") != applied.get("seed"):
        out.append(f"story number {on_screen['seed']} (now {applied['seed']})")
    for path, label, *_ in LEVERS:
        new, old = on_screen[key(path)], applied[key(path)]
        if not np.isclose(new, old):
            out.append(f"{_name(label)}: {shown(scenario, path, new)} (now {shown(scenario, path, old)})")
    return out

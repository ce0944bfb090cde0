"""The scenario layer: what a scenario file may contain, how it is read, inherited and validated.

Above :mod:`sim.errors` only; every other layer reads scenarios through the names below.
"""

from .ensemble import Ensemble, check_ensemble, read_ensemble, write_ensemble
from .load import (
    Scenario,
    load_scenario,
    packaged_scenarios,
    parse_override,
    resolve_scenario,
    scenario_dir,
    thaw,
    validated_scenario,
)

__all__ = [
    "Ensemble",
    "Scenario",
    "check_ensemble",
    "read_ensemble",
    "write_ensemble",
    "load_scenario",
    "packaged_scenarios",
    "parse_override",
    "resolve_scenario",
    "scenario_dir",
    "thaw",
    "validated_scenario",
]

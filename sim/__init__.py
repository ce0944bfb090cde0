"""Ceasefire negotiation simulator: Russia, Ukraine, the United States and Europe, April 2025.

Public API::

    from sim import load_scenario, CeasefireModel
    model = CeasefireModel("baseline", seed=1, replicates=1000).run()
    model.outcomes()
"""

from importlib.metadata import PackageNotFoundError, version

from .errors import ScenarioError
from .model.model import CeasefireModel
from .scenario import Scenario, load_scenario

try:
    __version__ = version("ceasefire-sim")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

__all__ = ["CeasefireModel", "Scenario", "ScenarioError", "load_scenario", "__version__"]

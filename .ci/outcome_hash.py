"""Fingerprint of every number the model produces: one sha256 per packaged scenario, and one of all.

Runs each packaged scenario with ``CeasefireModel(name, seed=7, replicates=2000, keep_timelines=3)``
and hashes the CSV text of its outcomes, timeline and events. A refactoring that claims to change
no number must leave every line of the output unchanged. Uses only the installed, public API.

    python .ci/outcome_hash.py > before.txt   # ... change the code ...
    python .ci/outcome_hash.py | diff before.txt -
"""

from __future__ import annotations

import hashlib

from sim import CeasefireModel

try:  # the layered package (sim/scenario/load.py) ...
    from sim.scenario.load import packaged_scenarios
except ImportError:  # ... or the flat one it came from (sim/scenario.py)
    from sim.scenario import packaged_scenarios

SEED, REPLICATES, KEEP = 7, 2000, 3


def scenario_hash(name: str) -> str:
    model = CeasefireModel(name, seed=SEED, replicates=REPLICATES, keep_timelines=KEEP).run()
    digest = hashlib.sha256()
    for frame in (model.outcomes(), model.timeline(), model.events()):
        digest.update(frame.to_csv(index=False).encode())
    return digest.hexdigest()


def main() -> None:
    combined = hashlib.sha256()
    for name in packaged_scenarios():
        h = scenario_hash(name)
        combined.update(f"{name} {h}\n".encode())
        print(f"{name:<24} {h}", flush=True)
    print(f"{'ALL':<24} {combined.hexdigest()}")


if __name__ == "__main__":
    main()

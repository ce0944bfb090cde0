"""The mutants of the documented mutation run (docs/mutation.md), one name a line.

Every mutant of the small modules of ``sim/model``, and a seeded random sample of the two
large ones (``agents.py`` and ``model.py``: three quarters of all mutants, whose tests run
whole simulations), read from mutmut's ``mutants/`` folder after ``mutmut run`` has
generated them. Random sampling of mutants estimates the mutation score at a fraction of
the cost (Acree 1980; Wong & Mathur 1995, "Reducing the cost of mutation testing: an
empirical study", JSS 31:185). Usage, from the repository root::

    python benchmarks/mutation_sample.py > mutants/sample.txt
    mutmut run --max-children 2 $(cat mutants/sample.txt)

``--fraction`` and ``--seed`` change the sample; ``--summary`` prints the score by stratum
((killed + timeout) / all run: a timeout counts as killed, a suspicious one as not) and the estimate for the whole layer.
"""

from __future__ import annotations

import argparse
import json
import math
import random
from pathlib import Path

SAMPLED = ("agents.py", "model.py")
META = Path("mutants/sim/model")
KILLED = {1, 3}  # mutmut's exit codes of a killed mutant (a test failed, or pytest's internal error)
TIMEOUT = {24, -24, 36, 152, 255}


def strata(fraction: float, seed: int) -> dict[str, tuple[int, list[str]]]:
    """Module name -> (number of mutants in the module, the mutants run)."""
    out = {}
    for meta in sorted(META.glob("*.py.meta")):
        names = sorted(json.loads(meta.read_text())["exit_code_by_key"])
        module = meta.name[: -len(".meta")]
        if not names:
            continue
        if module in SAMPLED:
            chosen = sorted(random.Random(f"{seed}:{module}").sample(names, math.ceil(fraction * len(names))))
        else:
            chosen = names
        out[module] = (len(names), chosen)
    return out


def summary(fraction: float, seed: int) -> None:
    total_estimate = total_weight = 0.0
    for module, (size, chosen) in strata(fraction, seed).items():
        codes = json.loads((META / f"{module}.meta").read_text())["exit_code_by_key"]
        status = [codes.get(n) for n in chosen]
        killed = sum(c in KILLED for c in status)
        timeout = sum(c in TIMEOUT for c in status)
        survived = sum(c == 0 for c in status)
        no_tests = sum(c == 33 for c in status)
        pending = sum(c is None for c in status)
        other = len(status) - killed - timeout - survived - no_tests - pending  # suspicious, segfault: not killed
        done = killed + timeout + survived + no_tests + other
        score = (killed + timeout) / done if done else float("nan")
        print(
            f"{module:16} mutants {size:5}  run {len(chosen):5}  killed {killed:5}  timeout {timeout:3}  "
            f"survived {survived:4}  no tests {no_tests:3}  other {other:2}  pending {pending:4}  score {score:.3f}"
        )
        if done:
            total_estimate += size * score
            total_weight += size
    print(f"estimated score over sim/model (weighted by module size): {total_estimate / total_weight:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fraction", type=float, default=0.1, help="share of agents.py and model.py mutants run")
    parser.add_argument("--seed", default="20261127", help="seed of the sample")
    parser.add_argument("--summary", action="store_true", help="print the scores of the sample instead")
    args = parser.parse_args()
    if args.summary:
        summary(args.fraction, args.seed)
        return
    for _, chosen in strata(args.fraction, args.seed).values():
        print("\n".join(chosen))


if __name__ == "__main__":
    main()

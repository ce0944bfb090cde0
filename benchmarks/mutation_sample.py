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
((killed + timeout) / all run: a timeout counts as killed, a suspicious one as not) and the
estimate for the whole layer, with and without the survivors that docs/mutation.md lists as
equivalent (``--equivalents`` names another file). The sample depends on the list of mutants,
so on the source of ``sim/model``: the same commit gives the same sample.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
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


def equivalents(path: Path) -> set[str]:
    """Mutant names in the table rows of ``path`` (a row starting with a backquoted name)."""
    if not path.exists():
        return set()
    return set(re.findall(r"^\| `(sim\.model\.[^`]+)`", path.read_text(), flags=re.M))


def summary(fraction: float, seed: int, equivalent: set[str]) -> None:
    total_estimate = total_weight = total_strict = 0.0
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
        equal = sum(c is not None and c not in KILLED | TIMEOUT and n in equivalent for n, c in zip(chosen, status, strict=True))
        score = (killed + timeout) / done if done else float("nan")
        strict = (killed + timeout) / (done - equal) if done > equal else float("nan")
        print(
            f"{module:15} mutants {size:4}  run {len(chosen):4}  killed {killed:4}  timeout {timeout:2}  "
            f"survived {survived:3} (equivalent {equal:3})  no tests {no_tests:2}  other {other:2}  pending {pending:3}  "
            f"score {score:.3f}  without equivalents {strict:.3f}"
        )
        if done:
            total_estimate += size * score
            total_strict += size * strict
            total_weight += size
    print(
        f"estimated score over sim/model (weighted by module size): {total_estimate / total_weight:.3f}; "
        f"without the equivalent mutants: {total_strict / total_weight:.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fraction", type=float, default=0.1, help="share of agents.py and model.py mutants run")
    parser.add_argument("--seed", default="20261127", help="seed of the sample")
    parser.add_argument("--summary", action="store_true", help="print the scores of the sample instead")
    parser.add_argument("--equivalents", type=Path, default=Path("docs/mutation.md"), help="where equivalents are listed")
    args = parser.parse_args()
    if args.summary:
        summary(args.fraction, args.seed, equivalents(args.equivalents))
        return
    for _, chosen in strata(args.fraction, args.seed).values():
        print("\n".join(chosen))


if __name__ == "__main__":
    main()

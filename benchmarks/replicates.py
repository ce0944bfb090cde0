"""Replicates per second and peak memory: Mesa's batch_run, the vectorised model, a sweep.

Not a test: run ``python benchmarks/replicates.py`` and read the table. Each case runs in a
fresh Python process so that its peak resident memory (``ru_maxrss``) is its own:

(a) ``mesa.batch_run`` with one replicate per model run (``number_processes=1``);
(b) one vectorised ``CeasefireModel`` holding 10^3, 10^4 and 10^5 replicates;
(c) one design point of 10^5 and 10^6 replicates through ``ceasefire sweep --workers 2``
    (chunks of 20,000), whose manifest records its own and its workers' peak memory;
(d) a Latin hypercube of 64 points x 300 replicates through ``ceasefire sweep --workers 2``,
    with several points per chunk (the default chunk size of 20,000: 32 points per chunk, two
    chunks) and with one point per chunk (``--chunk-size 300``), alternately, three times
    each; the ratio of their replicates per second is what packing points gains;
(e) a Sobol' design of 1,024 points (six levers, 128 base samples) x 100 replicates against one
    point x 100,000 replicates, both through ``ceasefire sweep --workers 2`` with the default
    chunk size, alternately, three times each: a design of many points with few replicates
    each should run at the replicates/s of a single large point (issue 10: within 20%).

All on the packaged 30-day baseline (120 ticks of 6 hours). ``--packing-only`` runs (d) alone,
``--designs-only`` runs (e) alone.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SWEEP = """
[sweep]
name = "benchmark"
scenario = "baseline"
replicates = {replicates}
seed = 1
design = "grid"
[parameters]
"actors.united_states.deadline_days" = [10.0]
"""


def peak_mib() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def case_batch_run(runs: int) -> dict:
    """(a) Mesa's own batch runner, one replicate per model, seeds as a parameter."""
    import mesa

    from sim import CeasefireModel

    started = time.perf_counter()
    rows = mesa.batch_run(
        CeasefireModel,
        parameters={"scenario": "baseline", "seed": list(range(runs)), "replicates": 1, "keep_timelines": 0},
        number_processes=1,
        iterations=1,
        data_collection_period=-1,
        max_steps=120,
        display_progress=False,
    )
    wall = time.perf_counter() - started
    assert len(rows) == runs
    return {"replicates": runs, "seconds": wall, "peak_mib": peak_mib()}


def case_vectorised(replicates: int) -> dict:
    """(b) One model holding every replicate."""
    from sim import CeasefireModel

    started = time.perf_counter()
    model = CeasefireModel("baseline", seed=1, replicates=replicates, keep_timelines=0).run()
    model.outcomes()
    return {"replicates": replicates, "seconds": time.perf_counter() - started, "peak_mib": peak_mib()}


def run_sweep_file(text: str, *options: str) -> tuple[float, dict]:
    """Run the sweep file ``text`` through ``ceasefire sweep --workers 2 --quiet``: whole wall time and its manifest."""
    with tempfile.TemporaryDirectory() as tmp:
        file = Path(tmp) / "sweep.toml"
        file.write_text(text)
        out = Path(tmp) / "out"
        started = time.perf_counter()
        command = [sys.executable, "-m", "sim.cli", "sweep", str(file), "--out", str(out), "--workers", "2", "--quiet"]
        subprocess.run([*command, *options], check=True, stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - started
        return wall, json.loads((out / "manifest.json").read_text())


def case_sweep(replicates: int) -> dict:
    """(c) ``ceasefire sweep`` with two workers; wall time includes start-up and writing files."""
    wall, meta = run_sweep_file(SWEEP.format(replicates=replicates))
    memory = meta["peak_memory_mib"]
    return {
        "replicates": replicates,
        "seconds": wall,
        "sweep_seconds": meta["wall_seconds"],
        "peak_mib": memory["main"] + 2 * memory["largest_worker"],
        "detail": f"main {memory['main']:.0f} + 2 workers x {memory['largest_worker']:.0f} MiB",
    }


LHS = """
[sweep]
name = "benchmark-lhs"
scenario = "baseline"
replicates = 300
seed = 1
design = "lhs"
samples = 64
[parameters]
"actors.united_states.deadline_days" = { min = 3.0, max = 30.0 }
"actors.ukraine.response.forgiveness" = { min = 0.0, max = 0.8 }
"actors.ukraine.perception.false_alarms_per_day" = { min = 0.0, max = 4.0 }
"actors.europe.monitoring" = { min = 0.0, max = 0.9 }
"""


def case_lhs(chunk_size: int) -> dict:
    """(d) A 64-point LHS sweep of 300 replicates per point on two workers, ``--chunk-size chunk_size``."""
    wall, meta = run_sweep_file(LHS, "--chunk-size", str(chunk_size))
    return {
        "replicates": 64 * 300,
        "seconds": wall,
        "sweep_seconds": meta["wall_seconds"],
        "chunks": meta["chunking"]["chunks"],
        "points_per_chunk": meta["chunking"]["points_per_chunk"],
        "peak_mib": meta["peak_memory_mib"]["main"] + 2 * meta["peak_memory_mib"]["largest_worker"],
    }


SOBOL = """
[sweep]
name = "benchmark-sobol"
scenario = "baseline"
replicates = 100
seed = 1
design = "sobol"
samples = 128
[parameters]
"actors.united_states.deadline_days" = { min = 3.0, max = 30.0 }
"actors.united_states.extension_probability" = { min = 0.0, max = 1.0 }
"actors.ukraine.perception.false_alarms_per_day" = { min = 0.0, max = 4.0 }
"actors.russia.perception.false_alarms_per_day" = { min = 0.0, max = 4.0 }
"actors.ukraine.response.forgiveness" = { min = 0.0, max = 0.8 }
"actors.europe.guarantee_capacity" = { min = 0.0, max = 0.6 }
"""

DESIGNS = {"sobol": SOBOL, "single": SWEEP.format(replicates=100_000)}


def case_design(which: int) -> dict:
    """(e) The 1,024-point Sobol' design (``which`` 0) or the single 100,000-replicate point (1)."""
    wall, meta = run_sweep_file(DESIGNS[list(DESIGNS)[which]])
    return {
        "replicates": meta["replicates_total"],
        "points": meta["sweep"]["n_points"],
        "seconds": wall,
        "sweep_seconds": meta["wall_seconds"],
        "chunks": meta["chunking"]["chunks"],
        "points_per_chunk": meta["chunking"]["points_per_chunk"],
    }


CASES = {
    "batch_run": case_batch_run,
    "vectorised": case_vectorised,
    "sweep": case_sweep,
    "lhs": case_lhs,
    "design": case_design,
}


def measure(case: str, n: int) -> dict:
    """Run one case in a fresh interpreter and return what it printed."""
    out = subprocess.run(
        [sys.executable, __file__, "--case", case, "--n", str(n)], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def table(batch_runs: int) -> str:
    plan = [("(a) mesa.batch_run, 1 replicate per run", "batch_run", batch_runs)]
    plan += [(f"(b) vectorised model, 10^{k}", "vectorised", 10**k) for k in (3, 4, 5)]
    plan += [(f"(c) ceasefire sweep, 2 workers, 10^{k}", "sweep", 10**k) for k in (5, 6)]
    results = []
    for label, case, n in plan:
        print(f"  running {label} ...", file=sys.stderr, flush=True)
        results.append((label, measure(case, n)))
    base = results[0][1]["replicates"] / results[0][1]["seconds"]
    lines = [
        f"{'case':<42} {'replicates':>10} {'seconds':>8} {'replicates/s':>13} {'x (a)':>7} {'peak MiB':>9}",
        "-" * 94,
    ]
    for label, r in results:
        rate = r["replicates"] / r["seconds"]
        lines.append(
            f"{label:<42} {r['replicates']:>10,} {r['seconds']:>8.2f} {rate:>13,.0f} {rate / base:>7,.0f} "
            f"{r['peak_mib']:>9,.0f}"
        )
    sweeps = [r for label, r in results if label.startswith("(c)")]
    lines.append("")
    lines += [
        f"(c) 10^{len(str(r['replicates'])) - 1}: {r['detail']}; sweep's own wall time {r['sweep_seconds']:.1f} s"
        for r in sweeps
    ]
    lines.append(f"machine: {os.cpu_count()} cores; Python {sys.version.split()[0]}")
    return "\n".join(lines)


def packing_table(repeats: int = 3) -> str:
    """(d): packed and unpacked runs alternately, so that a change of load hits both alike."""
    runs: dict[str, list[dict]] = {"packed": [], "one point per chunk": []}
    for i in range(repeats):
        for label, chunk_size in (("packed", 20_000), ("one point per chunk", 300)):
            print(f"  running (d) {label}, round {i + 1} ...", file=sys.stderr, flush=True)
            runs[label].append(measure("lhs", chunk_size))
    lines = [
        f"{'(d) LHS 64 points x 300, 2 workers':<42} {'chunks':>6} {'points/chunk':>12} {'sweep s':>8} "
        f"{'replicates/s':>13} {'wall s':>7} {'peak MiB':>9}",
        "-" * 104,
    ]
    rates = {}
    for label, results in runs.items():
        for r in results:
            lines.append(
                f"{label:<42} {r['chunks']:>6} {r['points_per_chunk']:>12} {r['sweep_seconds']:>8.2f} "
                f"{r['replicates'] / r['sweep_seconds']:>13,.0f} {r['seconds']:>7.2f} {r['peak_mib']:>9,.0f}"
            )
        rates[label] = sorted(r["replicates"] / r["sweep_seconds"] for r in results)[len(results) // 2]
    ratio = rates["packed"] / rates["one point per chunk"]
    lines.append("")
    lines.append(
        f"median replicates/s (sweep's own wall time): packed {rates['packed']:,.0f}, one point per chunk "
        f"{rates['one point per chunk']:,.0f}; ratio {ratio:.1f}x"
    )
    lines.append(f"machine: {os.cpu_count()} cores; Python {sys.version.split()[0]}; load average {os.getloadavg()}")
    return "\n".join(lines)


def designs_table(repeats: int = 3) -> str:
    """(e): the Sobol' design and the single point alternately, so that a change of load hits both alike."""
    labels = {"sobol": "Sobol' 1,024 points x 100", "single": "1 point x 100,000"}
    runs: dict[str, list[dict]] = {name: [] for name in DESIGNS}
    for i in range(repeats):
        for which, name in enumerate(DESIGNS):
            print(f"  running (e) {labels[name]}, round {i + 1} ...", file=sys.stderr, flush=True)
            runs[name].append(measure("design", which))
    lines = [
        f"{'(e) 2 workers':<28} {'replicates':>10} {'chunks':>6} {'points/chunk':>12} {'sweep s':>8} "
        f"{'replicates/s':>13} {'wall s':>7} {'wall rep/s':>11}",
        "-" * 104,
    ]
    rates, walls = {}, {}
    for name, results in runs.items():
        for r in results:
            lines.append(
                f"{labels[name]:<28} {r['replicates']:>10,} {r['chunks']:>6} {r['points_per_chunk']:>12} "
                f"{r['sweep_seconds']:>8.2f} {r['replicates'] / r['sweep_seconds']:>13,.0f} {r['seconds']:>7.2f} "
                f"{r['replicates'] / r['seconds']:>11,.0f}"
            )
        rates[name] = sorted(r["replicates"] / r["sweep_seconds"] for r in results)[len(results) // 2]
        walls[name] = sorted(r["replicates"] / r["seconds"] for r in results)[len(results) // 2]
    lines.append("")
    lines.append(
        f"median replicates/s, Sobol' design / single point: {rates['sobol'] / rates['single']:.2f} "
        f"(sweep's own wall time; {rates['sobol']:,.0f} / {rates['single']:,.0f}), "
        f"{walls['sobol'] / walls['single']:.2f} (whole command, start-up included)"
    )
    lines.append(f"machine: {os.cpu_count()} cores; Python {sys.version.split()[0]}; load average {os.getloadavg()}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", choices=list(CASES), help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--batch-runs", type=int, default=300, help="model runs for case (a) (default 300)")
    parser.add_argument("--packing-only", action="store_true", help="run case (d) alone: packed vs unpacked")
    parser.add_argument("--designs-only", action="store_true", help="run case (e) alone: a Sobol' design vs one point")
    args = parser.parse_args()
    if args.case:
        print(json.dumps(CASES[args.case](args.n)))
        return
    if args.designs_only:
        print(designs_table())
        return
    if not args.packing_only:
        print(table(args.batch_runs))
        print()
    print(packing_table())
    if not args.packing_only:
        print()
        print(designs_table())


if __name__ == "__main__":
    main()

"""The ``ceasefire`` command: validate, list and run scenarios (and, later, sweeps).

User errors end in one message on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shlex
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

import numpy as np
import pandas as pd

from sim.classroom.narrate import narrate
from sim.errors import ScenarioError
from sim.experiments.budget import check_run_disk
from sim.experiments.files import atomic_folder, output_dir
from sim.experiments.run import manifest, simulate
from sim.experiments.spool import Spool
from sim.experiments.stats import share_text
from sim.model.outcomes import OUTCOME_MEANINGS, outcome_shares
from sim.model.rng import SEED_ALLOWED, SEED_LIMIT
from sim.scenario import load_scenario, packaged_scenarios, parse_override

EXIT_USAGE = 2


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return EXIT_USAGE
    previous = _interrupt_on_signals()
    try:
        return args.handler(args) or 0
    except ScenarioError as error:
        print(f"ceasefire: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        with contextlib.suppress(OSError):  # after SIGHUP the terminal may be gone
            print("ceasefire: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into a reader that closed early, e.g. `| head`
        sys.stderr.close()
        return 0
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


#: Signals that stop a command as Ctrl-C does: ``kill`` or a batch system's time limit
#: (SIGTERM), a closed terminal or a dropped SSH session (SIGHUP).
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


def _interrupt_on_signals() -> dict:
    """Make the ``STOP_SIGNALS`` stop a command as Ctrl-C does.

    Python's default for them ends the process at once, with no ``finally``: worker pools
    would not be stopped, temporary folders not removed and no message printed. As a
    KeyboardInterrupt, the command stops its workers, keeps every finished chunk for
    ``--resume`` and exits 130. Returns the previous handlers (none when not in the main
    thread, where none can be set).
    """
    if threading.current_thread() is not threading.main_thread():
        return {}

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    return {signum: signal.signal(signum, interrupt) for signum in STOP_SIGNALS}


class _Parser(argparse.ArgumentParser):
    """argparse with the CLI's one-line error format, so a bad option reads like a bad file."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"ceasefire: error: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="ceasefire",
        description="Ceasefire negotiation simulator: Russia, Ukraine, the United States and Europe, April 2025.",
    )
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    p = sub.add_parser("scenarios", help="list the packaged scenarios")
    p.set_defaults(handler=cmd_scenarios)

    p = sub.add_parser("validate", help="check scenario files (names or paths)")
    p.add_argument("scenarios", nargs="*", metavar="SCENARIO", help="packaged names or paths (default: all packaged)")
    p.set_defaults(handler=cmd_validate)

    p = sub.add_parser("run", help="run a scenario for R replicates and write results")
    p.add_argument("scenario", nargs="?", default="baseline", help="packaged name or path (default: baseline)")
    p.add_argument("--seed", type=_seed, default=0, help="seed of the random streams (default 0)")
    p.add_argument("--replicates", "-r", type=_positive_int, default=1, metavar="R", help="replicates (default 1)")
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY.PATH=VALUE",
        help="override a scenario value (TOML syntax), e.g. actors.united_states.deadline_days=7",
    )
    p.add_argument("--out", type=Path, help="output folder (default: a new folder under results/)")
    _add_ensemble_option(p, "the scenario")
    p.add_argument(
        "--keep-timelines",
        type=_non_negative_int,
        default=100,
        metavar="N",
        help="write timelines and events for the first N replicates (default 100)",
    )
    p.add_argument("--narrate", action="store_true", help="print the dated story of the first replicate")
    p.set_defaults(handler=cmd_run)
    _add_batch_commands(sub)

    p = sub.add_parser("demo", help="serve the classroom dashboard in a browser (needs the [demo] extra)")
    p.add_argument("scenario", nargs="?", default="baseline", help="packaged name or path (default: baseline)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=_non_negative_int, default=8765, help="port (default 8765; 0: any free port)")
    p.set_defaults(handler=_lazy("classroom.server", "cmd_demo"))  # the dashboard's dependencies are the [demo] extra

    p = sub.add_parser("play", help="play Ukraine, Russia or the United States in the terminal; the model plays the rest")
    p.add_argument(
        "--as", dest="side", required=True, choices=("ukraine", "russia", "united_states"), help="the actor you play"
    )
    p.add_argument("scenario", nargs="?", default="baseline", help="packaged name or path (default: baseline)")
    p.add_argument(
        "--seed", type=_seed, default=0, help="seed of the story (default 0; a class on one seed plays one story)"
    )
    p.set_defaults(handler=_lazy("classroom.play", "cmd_play"))
    return parser


def _lazy(module: str, name: str):
    """A handler that imports ``sim.<module>`` only when its command runs (fast start-up)."""

    def handler(args: argparse.Namespace) -> int:
        import importlib

        return getattr(importlib.import_module(f"sim.{module}"), name)(args)

    return handler


def _add_batch_commands(sub: argparse._SubParsersAction) -> None:
    """The batch-run commands: sweep, report, compare (handlers are imported when used)."""

    p = sub.add_parser("sweep", help="run a sweep file: design points x replicates, in chunks")
    p.add_argument("file", type=Path, metavar="FILE", help="a sweep file, e.g. scenarios/sweeps/deadline_noise.toml")
    p.add_argument("--workers", type=_positive_int, metavar="N", help="worker processes (default: the cores available)")
    p.add_argument("--backend", choices=("local", "dask"), default="local", help="local process pool (default) or Dask")
    p.add_argument("--scheduler", metavar="ADDRESS", help="address of a running Dask scheduler (with --backend dask)")
    p.add_argument(
        "--resume", action="store_true", help="finish an interrupted sweep in --out, keeping finished chunks"
    )
    p.add_argument("--out", type=Path, metavar="DIR", help="output folder (default: results/<sweep name>)")
    p.add_argument(
        "--chunk-size", type=_positive_int, metavar="R", help="replicates per chunk (default: the file's, else 20000)"
    )
    p.add_argument(
        "--seed",
        type=_seed,
        help="seed of the design and the runs, instead of the file's (default output: results/<name>-seed<N>)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    _add_ensemble_option(p, "the sweep's scenario")
    p.set_defaults(handler=_lazy("experiments.sweep_run", "cmd_sweep"))

    p = sub.add_parser(
        "calibrate", help="keep the parameter sets drawn from the priors that reproduce observed patterns"
    )
    p.add_argument(
        "patterns",
        metavar="PATTERNS",
        help="a patterns file, or a packaged one by name, e.g. easter_2025 (scenarios/patterns/easter_2025.toml)",
    )
    p.add_argument("--scenario", metavar="S", help="packaged name or path (default: the patterns file's scenario)")
    p.add_argument(
        "--draws", type=_positive_int, default=4096, metavar="N", help="parameter sets drawn from the priors (default 4096)"
    )
    p.add_argument(
        "--replicates-per-draw", type=_positive_int, default=50, metavar="K", help="replicates of each set (default 50)"
    )
    p.add_argument("--seed", type=_seed, default=0, help="seed of the draws and the runs (default 0)")
    p.add_argument("--workers", type=_positive_int, metavar="W", help="worker processes (default: the cores available)")
    p.add_argument("--backend", choices=("local", "dask"), default="local", help="local process pool (default) or Dask")
    p.add_argument("--scheduler", metavar="ADDRESS", help="address of a running Dask scheduler (with --backend dask)")
    p.add_argument("--out", type=Path, metavar="DIR", help="output folder (default: results/calibrate-<patterns name>)")
    p.add_argument("--resume", action="store_true", help="finish an interrupted calibration in --out")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(handler=_lazy("experiments.calibrate", "cmd_calibrate"))

    p = sub.add_parser("report", help="figures and index.html for a finished sweep or calibration folder")
    p.add_argument("dir", type=Path, metavar="DIR", help="a folder written by `ceasefire sweep` or `ceasefire calibrate`")
    p.add_argument(
        "--points", metavar="IDS", help="comma-separated point ids for the survival curves (default: chosen)"
    )
    p.set_defaults(handler=_lazy("experiments.report", "cmd_report"))

    p = sub.add_parser(
        "discover", help="scenario discovery: the swept conditions under which an outcome happens (needs [explore])"
    )
    p.add_argument(
        "dir", type=Path, metavar="DIR", help="a folder written by `ceasefire sweep` or `ceasefire calibrate`"
    )
    p.add_argument("--outcome", required=True, metavar="CLASS", help="an outcome class, e.g. mediator_walked_away")
    p.add_argument(
        "--threshold",
        type=float,
        metavar="D",
        help="density the chosen box must reach (default: half-way from the share over all runs to the densest box)",
    )
    p.add_argument(
        "--peel-alpha", type=float, default=0.05, metavar="A", help="share peeled per PRIM step (default 0.05)"
    )
    p.add_argument(
        "--mass-min", type=float, default=0.05, metavar="M", help="smallest share of runs in a box (default 0.05)"
    )
    p.add_argument("--out", type=Path, metavar="OUT", help="output folder (default: DIR/discover/CLASS, replaced)")
    p.set_defaults(handler=_lazy("experiments.discover", "cmd_discover"))

    p = sub.add_parser("compare", help="two scenarios on common random numbers: paired differences")
    p.add_argument("a", metavar="A", help="packaged name or path of the first scenario")
    p.add_argument("b", metavar="B", help="packaged name or path of the second scenario")
    p.add_argument(
        "--replicates", "-r", type=_positive_int, default=10_000, metavar="R", help="replicates (default 10000)"
    )
    p.add_argument("--seed", type=_seed, default=0, help="seed shared by both runs (default 0)")
    for flag, dest, which in (
        ("--set", "overrides", "both"),
        ("--set-a", "overrides_a", "A"),
        ("--set-b", "overrides_b", "B"),
    ):
        p.add_argument(
            flag, dest=dest, action="append", default=[], metavar="KEY.PATH=VALUE", help=f"override a value in {which}"
        )
    p.add_argument("--out", type=Path, help="output folder (default: a new folder under results/)")
    _add_ensemble_option(p, "both A and B")
    p.set_defaults(handler=_lazy("experiments.compare", "cmd_compare"))

    p = sub.add_parser(
        "optimise", help="search the levers a file names for the setting that makes an outcome most (least) likely"
    )
    p.add_argument("file", type=Path, metavar="FILE", help="an optimise file, e.g. scenarios/optimise/holding.toml")
    p.add_argument("--out", type=Path, metavar="DIR", help="output folder (default: results/<name>)")
    p.add_argument("--trials", type=_positive_int, metavar="N", help="candidates to try (default: the file's)")
    p.add_argument(
        "--replicates", "-r", type=_positive_int, metavar="R", help="replicates per candidate (default: the file's)"
    )
    p.add_argument("--seed", type=_seed, help="seed of the runs and the sampler (default: the file's)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(handler=_lazy("experiments.optimise_run", "cmd_optimise"))


def _add_ensemble_option(p: argparse.ArgumentParser, what: str) -> None:
    """``--ensemble FILE``: calibrated parameter sets in place of the prior draws of ``what``."""
    p.add_argument(
        "--ensemble",
        metavar="FILE",
        help=f"an ensemble file (from `ceasefire calibrate`) for {what}: replicate k takes "
        "calibrated set k mod M instead of drawing the priors it was calibrated under",
    )


def _positive_int(text: str) -> int:
    value = _whole_number(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"found {text!r}; allowed: a whole number >= 1")
    return value


def _seed(text: str) -> int:
    """A seed: seeds are folded into 64 bits, so 2**64 and above would repeat smaller ones."""
    value = _whole_number(text)
    if not 0 <= value < SEED_LIMIT:
        raise argparse.ArgumentTypeError(f"found {text!r}; allowed: {SEED_ALLOWED}")
    return value


def _whole_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"found {text!r}; allowed: a whole number") from None


def _non_negative_int(text: str) -> int:
    value = _whole_number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"found {text!r}; allowed: a whole number >= 0")
    return value


# --- scenarios and validate ------------------------------------------------------------


def cmd_scenarios(args: argparse.Namespace) -> int:
    for name, path in packaged_scenarios().items():
        try:
            description = load_scenario(path).data["description"]
        except ScenarioError as error:  # listed anyway: `ceasefire validate` says what is wrong
            description = f"(cannot be used: {error})"
        print(f"{name:<20} {description}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    refs = args.scenarios or list(packaged_scenarios())
    failed = 0
    for ref in refs:
        try:
            scenario = load_scenario(ref)
        except ScenarioError as error:
            print(f"FAIL {ref}: {error}")
            failed += 1
            continue
        clock = scenario.data["clock"]
        ensemble = f", ensemble {Path(e.file).name} ({e.n_sets:,} sets)" if (e := scenario.ensemble) else ""
        print(
            f"ok   {ref}: {scenario.name}, {clock['horizon_days']} days from {clock['start']:%d %b %Y}, "
            f"{len(scenario.data['events'])} events{ensemble}"
        )
    return EXIT_USAGE if failed else 0


# --- run ----------------------------------------------------------------------------------


def cmd_run(args: argparse.Namespace) -> int:
    overrides = dict(parse_override(text) for text in args.overrides)
    scenario = load_scenario(args.scenario, overrides, ensemble=args.ensemble)
    out = output_dir(args.out, scenario.name)
    check_run_disk(scenario.data, args.replicates, args.keep_timelines, out)
    command = "ceasefire " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    # Kept timelines and events stream into the temporary folder as the run goes (a ten-year
    # hourly clock would not fit in memory); an interrupted run leaves nothing behind.
    with atomic_folder(out) as tmp:
        spool = Spool(tmp)
        result = simulate(
            scenario, seed=args.seed, replicates=args.replicates, keep_timelines=args.keep_timelines, spool=spool
        )
        result.extra["keep_timelines"] = args.keep_timelines
        files = write_run(tmp, result, manifest(result, overrides, command))
    print(summary(result, narrate_story=args.narrate or args.replicates == 1))
    print(f"\nWrote {out}/ ({', '.join(files)})")
    return 0


def write_run(tmp: Path, result, meta: dict) -> list[str]:
    """Write every file into ``tmp`` (the run's temporary folder, moved into place once complete).

    ``parameters.csv`` (the values drawn per replicate) is written only when some value
    differs by replicate; spooled timelines and events are joined from their part files.
    Returns the names of the files written.
    """
    import matplotlib.pyplot as plt

    from sim.classroom.plots import timeline_figure

    files = ["outcomes.csv", "timeline.csv", "events.csv", "manifest.json", "timeline.png"]
    result.outcomes.to_csv(tmp / "outcomes.csv", index=False)
    if result.varies_by_replicate:
        result.parameters.to_csv(tmp / "parameters.csv", index=False)
        files.insert(1, "parameters.csv")
    if result.spool is not None:
        for name in ("timeline", "events"):
            result.spool.join(name, tmp / f"{name}.csv", result.kept_ids)
        result.spool.remove()
    else:
        result.timeline.to_csv(tmp / "timeline.csv", index=False)
        result.events.to_csv(tmp / "events.csv", index=False)
    (tmp / "manifest.json").write_text(json.dumps(meta, indent=2, default=str) + "\n")
    fig = timeline_figure(result.timeline, result.outcomes)
    fig.savefig(tmp / "timeline.png", dpi=120)
    plt.close(fig)
    return files


def summary(result, narrate_story: bool = False) -> str:
    """A summary a student can read: the story of one replicate, or outcome shares."""
    s, o = result.scenario, result.outcomes
    clock = s.data["clock"]
    hold = s.data["outcomes"]["hold_days"]
    steps = (
        f"{result.steps} steps of at most {clock['tick_hours']} h" if result.steps else f"{clock['tick_hours']} h steps"
    )
    lines = [
        f"Scenario {s.name}: {s.data['description']}",
        f"{result.replicates:,} replicate(s), seed {result.seed}, {clock['horizon_days']} days "
        f"from {clock['start']:%a %d %b %Y} ({steps}), {result.wall_seconds:.1f} s",
    ]
    if s.ensemble is not None:
        lines.append(ensemble_line(s, result.parameters))
    drawn = [c for c in result.parameters.columns if c not in ("replicate", "ensemble_set")]
    if drawn:
        where = "from the ensemble or their priors" if s.ensemble is not None else "from their priors"
        lines.append(f"{len(drawn)} values drawn per replicate {where} (parameters.csv)")
    lines.append("")
    if narrate_story and not result.events.empty:
        first = int(result.events["replicate"].iloc[0])
        lines += [f"The story of replicate {first}:"] + ["  " + line for line in narrate(result.events, first)] + [""]
    if result.replicates == 1:
        row = o.iloc[0]
        name = str(row["outcome"])
        lines.append(f"Outcome at day {clock['horizon_days']}: {name.replace('_', ' ')} ({OUTCOME_MEANINGS[name]}).")
        lines.append(
            f"Accusations: Russia {row['accusations_by_russia']}, Ukraine {row['accusations_by_ukraine']}. "
            f"Civilian harm (strike-days on civilian targets): in Ukraine {row['civilian_harm_ukraine']:.1f}, "
            f"in Russia {row['civilian_harm_russia']:.1f}."
        )
        return "\n".join(lines)
    n = len(o)
    shares = outcome_shares(o)
    lines.append(f"Outcome at day {clock['horizon_days']} (hold_days = {hold:g}): share, 95% interval, meaning")
    for r in shares.itertuples():
        text = share_text(r.count, n)
        lines.append(f"  {r.outcome.replace('_', ' '):<22} {text:<26} {OUTCOME_MEANINGS[r.outcome]}")
    stalemate = int(shares.set_index("outcome").loc["no_agreement", "count"])
    lines.append(f"Stalemate (talks go on, nothing signed, fighting continues): {share_text(stalemate, n)}.")
    lines.append("")
    lines += [
        _timing(o, "day_first_agreement", "First agreement"),
        _timing(o, "day_walk_away", "The U.S. steps back"),
        _timing(o, "day_collapse", "An agreement collapses"),
    ]
    returned = int((o["mediator_returns"] > 0).sum())
    lines.append(f"The U.S. comes back after stepping back in {share_text(returned, n)} of replicates.")
    both = int(((o["truce_accusations_by_russia"] > 0) & (o["truce_accusations_by_ukraine"] > 0)).sum())
    line = f"Both sides accuse each other during a truce in {share_text(both, n)} of replicates"
    truces = [e for e in s.data["events"] if e["kind"] == "truce"]
    if truces:
        term = truces[0]["hours"]
        full = int((o["truce_hours_held"] >= term - 1e-9).sum())
        line += f"; the first truce ran its full term ({term:g} hours) in {share_text(full, n)}"
    lines.append(line + ".")
    return "\n".join(lines)


def ensemble_line(scenario, parameters: pd.DataFrame) -> str:
    """One line on the ensemble in use: its file, its M sets, and that replicates cycle through them."""
    e = scenario.ensemble
    line = (
        f"Ensemble {e.file}: {e.n_sets:,} calibrated parameter sets of {len(e.parameters)} values; "
        f"replicate k takes set k mod {e.n_sets:,}, so the replicates cycle through the sets"
    )
    n = len(parameters)
    if n == 1:
        line += " (one replicate: set 0 only)"
    elif 1 < n < e.n_sets:
        line += f" ({n:,} replicates: the first {n:,} sets only)"
    replaced = [p for p in e.parameters if p not in parameters.columns]
    if replaced:
        line += f" (overridden here: {', '.join(replaced)})"
    return line


def _timing(o: pd.DataFrame, column: str, label: str) -> str:
    days = o[column].dropna()
    if days.empty:
        return f"{label}: in no replicate ({share_text(0, len(o))})."
    return f"{label}: in {share_text(len(days), len(o))} of replicates, median day {np.median(days):.1f}."


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

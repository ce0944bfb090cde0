"""``ceasefire discover DIR --outcome CLASS``: under which swept conditions does an outcome happen?

Scenario discovery (Bryant and Lempert 2010) with the EMA Workbench's analysis modules
(Kwakkel 2017): PRIM (Friedman and Fisher 1999) peels the swept parameters down to a box in
which CLASS is common, and extra-trees feature scores rank the parameters by how much they
say about CLASS.

**One case per replicate.** PRIM's cases are the runs, y = 1 when a run ends in CLASS, so a
box's *density* is the share of its runs that end in CLASS, its *coverage* the share of all
CLASS runs that fall inside it and its *mass* the share of all runs inside it: the numbers a
student reads as "the mediator walks away in 16% of runs inside, which hold 78% of all
walk-aways". (Marking a point when its share of CLASS reaches a threshold would throw away
how often CLASS happens there and add a cut-off to choose.) The replicates of a point share
its inputs, so feature scoring regresses each point's share of CLASS on its values: the same
information in R times fewer rows.

**Which box.** PRIM's peeling trajectory runs from the whole design (coverage 1, density =
CLASS's share over all runs) to small dense boxes. The chosen box is the one with the highest
coverage whose density reaches ``threshold``; by default the threshold is half-way from the
overall share to the densest box on the trajectory, so the rule works for rare and common
classes alike; ``--threshold`` sets it outright (EMA's examples use 0.8).

**Defaults.** ``peel_alpha`` 0.05 and ``mass_min`` 0.05 are the EMA Workbench's (Friedman and
Fisher recommend peels of 0.05 to 0.1): small peels give a fine trajectory, and a box keeps at
least 5% of the runs, so it is never a handful of points.

**Grids.** A swept number with few values is handed to PRIM as its rank (0, 1, ...), an
integer, so every peel removes whole values (EMA's discrete peel; a quantile peel would stall
on the ties); the box's limits are mapped back to the swept values. Text values are
categories, which PRIM peels one at a time.

A calibration folder is read through its prior runs (``runs/scenario/``: every parameter set
drawn from the priors, with its replicates), so discovery ranges over the priors.
"""

from __future__ import annotations

import argparse
import json
import math
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from sim.errors import ScenarioError
from sim.model.outcomes import OUTCOMES
from sim.scenario.schema import label as schema_label

from .files import atomic_folder, check_writable, output_dir, read_json_object

__all__ = ["Design", "Discovery", "load_design", "discover", "write_discovery", "report_entries", "cmd_discover"]

PEEL_ALPHA = 0.05
MASS_MIN = 0.05
#: Trees in the feature-scoring forest (more than EMA's 100: scores settle, and points are few).
TREES = 250
#: Feature scores named in the printed summary (all are in feature_scores.csv and the figure).
TOP_SCORES = 5
EXPLORE = "pip install 'ceasefire-sim[explore]'"
SWEEP_ALLOWED = "a folder written by `ceasefire sweep` or `ceasefire calibrate` that ran to the end"
FILES = ("boxes.csv", "peeling.csv", "feature_scores.csv", "box.png", "tradeoff.png", "feature_scores.png")

#: How a summary names each class: (what happens, the runs that end so).
CLASS_WORDS = {
    "settlement": ("a settlement holds", "settlements"),
    "ceasefire_holding": ("a ceasefire holds", "holding ceasefires"),
    "partial_ceasefire": ("a partial ceasefire holds", "partial ceasefires"),
    "recent_agreement": ("an agreement is too recent to judge", "recent agreements"),
    "ceasefire_collapsed": ("an agreement collapses", "collapses"),
    "mediator_walked_away": ("the mediator walks away", "walk-aways"),
    "no_agreement": ("the talks stall with nothing signed", "stalemates"),
}


def label(path: str) -> str:
    """A key path as figures and summaries show it: the schema's name and unit, e.g. 'U.S. deadline (days)'."""
    return schema_label(str(path))


# --- reading ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Design:
    """What discovery reads from a finished sweep: each run's swept values and outcome."""

    source: Path  # the sweep folder read (DIR, or DIR/runs/scenario for a calibration)
    grid: bool
    seed: int
    parameters: list[str]  # the swept parameters that vary
    constant: list[str]  # swept, but with one value only: left out
    runs: pd.DataFrame  # point, the parameters, outcome (str)
    baseline: dict[str, str]  # each parameter's value in the scenario, as text


def load_design(folder: Path) -> Design:
    """A finished sweep, or a calibration's prior runs; refuse anything else with one message."""
    source = _sweep_folder(folder)
    manifest = source / "manifest.json"
    if not manifest.is_file() or not (source / "runs.parquet").is_file():
        raise ScenarioError(
            "discover", str(folder), "no finished sweep (manifest.json or runs.parquet missing)", SWEEP_ALLOWED
        )
    written_by = f"the file as `ceasefire sweep` writes it; {SWEEP_ALLOWED}"
    meta = read_json_object(manifest, written_by)
    sweep = meta.get("sweep")
    if not isinstance(sweep, dict) or not isinstance(sweep.get("parameters"), dict):
        raise ScenarioError(str(manifest), "sweep.parameters", "nothing (no swept parameters recorded)", written_by)
    swept = list(sweep["parameters"])
    runs = _read_runs(source / "runs.parquet", swept, written_by)
    varied = [p for p in swept if runs[p].nunique() > 1]
    if not varied:
        raise ScenarioError(
            str(source),
            "sweep.parameters",
            f"no parameter that varies ({', '.join(swept) or 'none swept'})",
            "a sweep over at least one parameter with two or more values",
        )
    return Design(
        source=source,
        grid=sweep.get("design") == "grid",
        seed=int(sweep.get("seed", 0)),
        parameters=varied,
        constant=[p for p in swept if p not in varied],
        runs=runs,
        baseline={p: _baseline(meta, p) for p in varied},
    )


def _sweep_folder(folder: Path) -> Path:
    """``folder``, or for a finished calibration the sweep of its prior runs."""
    if not folder.is_dir():
        raise ScenarioError("discover", str(folder), "no such folder", SWEEP_ALLOWED)
    if not (folder / "calibration.json").is_file():
        return folder
    if not (folder / "manifest.json").is_file():
        raise ScenarioError(
            "discover", str(folder), "an unfinished calibration (manifest.json missing)", "finish it with --resume"
        )
    return folder / "runs" / "scenario"


def _read_runs(file: Path, swept: list[str], allowed: str) -> pd.DataFrame:
    """The columns discovery needs from ``runs.parquet`` (only those are read)."""
    try:
        names = pq.read_schema(file).names
    except Exception:  # pyarrow raises ArrowInvalid, OSError or others on a damaged file
        raise ScenarioError(str(file), "", "no readable Parquet file", allowed) from None
    missing = [c for c in ("point", *swept, "outcome") if c not in names]
    if missing:
        raise ScenarioError(str(file), "", f"no column {missing[0]!r}", allowed)
    runs = pq.read_table(file, columns=["point", *swept, "outcome"]).to_pandas()
    runs["outcome"] = runs["outcome"].astype(str)
    for p in swept:
        if not pd.api.types.is_numeric_dtype(runs[p]) or pd.api.types.is_bool_dtype(runs[p]):
            runs[p] = runs[p].astype(str)  # text and switches: categories
    return runs


def _baseline(meta: dict, path: str) -> str:
    """The scenario's own value of ``path``: a number, a switch, text or the prior it is drawn from."""
    if meta["sweep"].get("design") == "prior":  # a calibration arm: the parameters are the priors
        return str(meta["sweep"]["parameters"][path])
    node = meta.get("scenario", {})
    for key in path.split("."):
        if not isinstance(node, dict) or key not in node:
            return ""
        node = node[key]
    if isinstance(node, dict) and len(node) == 1:  # a prior, e.g. {"uniform": [0.1, 0.5]}
        ((kind, args),) = node.items()
        return f"{kind}({', '.join(fmt(a) for a in args)}) per replicate" if isinstance(args, list) else str(node)
    return fmt(node)


def class_indicator(design: Design, outcome: str) -> tuple[str, np.ndarray]:
    """The outcome class as written in the runs, and y: 1 for each run that ended in it."""
    name = outcome.strip().replace(" ", "_").replace("-", "_")
    if name not in OUTCOMES:
        raise ScenarioError("--outcome", "", repr(outcome), f"one of {', '.join(OUTCOMES)}")
    y = (design.runs["outcome"] == name).to_numpy().astype(np.int64)
    seen = design.runs["outcome"].value_counts(normalize=True)
    observed = ", ".join(f"{o} ({percent(seen[o], True)})" for o in OUTCOMES if o in seen.index)
    if y.sum() == 0:
        raise ScenarioError(
            "--outcome", name, f"a class that no run of {design.source} ended in", f"a class seen here: {observed}"
        )
    if y.all():
        raise ScenarioError(
            "--outcome", name, "a class every run ended in (nothing to tell apart)", f"a class seen here: {observed}"
        )
    return name, y


# --- PRIM -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Discovery:
    """PRIM's trajectory and chosen box, and the feature scores, for one outcome class."""

    design: Design
    outcome: str
    overall: float  # the class's share over all runs
    threshold: float
    threshold_rule: str
    peel_alpha: float
    mass_min: float
    peeling: pd.DataFrame  # one row per box on the trajectory
    chosen: int
    limits: list[dict[str, tuple]]  # per box: parameter -> (lower, upper) or (categories,)
    quasi_p: list[dict[str, float]]  # per box: restricted parameter -> quasi-p value
    scores: pd.DataFrame  # parameter, score, rank

    @property
    def box(self) -> pd.Series:
        return self.peeling.iloc[self.chosen]


def import_ema():
    """The EMA Workbench's PRIM and feature scoring, or one message on how to install them."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "ipyparallel not installed", seaborn and altair notes
            from ema_workbench.analysis import feature_scoring, prim
    except ImportError:
        raise ScenarioError("discover", "", "the EMA Workbench (ema_workbench) is not installed", EXPLORE) from None
    return prim, feature_scoring


def check_settings(threshold: float | None, peel_alpha: float, mass_min: float) -> None:
    """Refuse settings PRIM cannot use, before any work."""
    if not 0 < peel_alpha < 0.5:
        raise ScenarioError("--peel-alpha", "", repr(peel_alpha), "a share above 0 and below 0.5 (default 0.05)")
    if not 0 < mass_min < 1:
        raise ScenarioError("--mass-min", "", repr(mass_min), "a share above 0 and below 1 (default 0.05)")
    if threshold is not None and not 0 < threshold <= 1:
        raise ScenarioError("--threshold", "", repr(threshold), "a density above 0 and at most 1")


def encode(design: Design) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """PRIM's inputs: grid numbers as their rank, text as categories, other numbers as they are.

    Returns the table and, for each ranked parameter, its sorted values (rank -> value).
    """
    x, ranked = {}, {}
    for p in design.parameters:
        column = design.runs[p]
        if design.grid and pd.api.types.is_numeric_dtype(column):
            ranked[p] = np.sort(column.unique())
            x[p] = np.searchsorted(ranked[p], column.to_numpy()).astype(np.int64)
        elif pd.api.types.is_numeric_dtype(column):
            x[p] = column.to_numpy(dtype=np.int64 if pd.api.types.is_integer_dtype(column) else float)
        else:
            x[p] = column.to_numpy(dtype=object)
    return pd.DataFrame(x), ranked


def discover(
    design: Design,
    outcome: str,
    threshold: float | None = None,
    peel_alpha: float = PEEL_ALPHA,
    mass_min: float = MASS_MIN,
) -> Discovery:
    """Run PRIM and feature scoring for ``outcome``; choose the box by the module's stated rule."""
    prim, feature_scoring = import_ema()
    check_settings(threshold, peel_alpha, mass_min)
    name, y = class_indicator(design, outcome)
    x, ranked = encode(design)
    overall = float(y.mean())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas deprecation notes from inside the EMA Workbench
        # PRIM's own threshold: a case of interest is y >= it (y = 1), and a box is kept when
        # its density reaches it; the overall share keeps any box that improves on it.
        algorithm = prim.Prim(x, y, threshold=overall, peel_alpha=peel_alpha, mass_min=mass_min)
        box = algorithm.find_box()
    peeling = box.peeling_trajectory[["id", "coverage", "density", "mass", "n", "k", "res_dim"]].copy()
    peeling = peeling.astype({"id": int, "n": int, "k": int, "res_dim": int}).reset_index(drop=True)
    chosen, threshold, rule = choose_box(peeling, overall, threshold, name)
    limits = [_limits(lims, ranked) for lims in box.box_lims]
    quasi_p = [{p: float(min(v for v in qp[p] if v >= 0)) for p in qp if any(v >= 0 for v in qp[p])} for qp in box.qp]
    return Discovery(
        design=design,
        outcome=name,
        overall=overall,
        threshold=threshold,
        threshold_rule=rule,
        peel_alpha=peel_alpha,
        mass_min=mass_min,
        peeling=peeling,
        chosen=chosen,
        limits=limits,
        quasi_p=quasi_p,
        scores=feature_scores(design, name, feature_scoring),
    )


def choose_box(peeling: pd.DataFrame, overall: float, threshold: float | None, name: str) -> tuple[int, float, str]:
    """The highest-coverage box whose density reaches the threshold (ties: the denser); its row and the rule."""
    densest = float(peeling["density"].max())
    if densest <= overall + 1e-12:
        raise ScenarioError(
            "--outcome",
            name,
            f"no box of the swept parameters where it is more common than over all runs ({percent(overall, True)})",
            "a class whose share moves with the swept parameters (see the report's outcome shares)",
        )
    if threshold is None:
        threshold = overall + (densest - overall) / 2
        rule = (
            f"the highest-coverage box with density >= {percent(threshold, True)}, half-way from the share over all "
            f"runs ({percent(overall, True)}) to the densest box found ({percent(densest, True)})"
        )
    else:
        if not overall < threshold <= densest + 1e-12:
            raise ScenarioError(
                "--threshold",
                "",
                f"{threshold:g}, which {'the whole design already meets' if threshold <= overall else 'no box reaches'}",
                f"a density above the share over all runs ({overall:.4f}) and at most the densest box's "
                f"({densest:.4f}), or no --threshold (half-way between them)",
            )
        rule = f"the highest-coverage box with density >= {percent(threshold, True)} (--threshold)"
    eligible = peeling[peeling["density"] >= threshold - 1e-12]
    best = eligible.sort_values(["coverage", "density"], ascending=False, kind="stable").index[0]
    return int(best), float(threshold), rule


def _limits(lims: pd.DataFrame, ranked: dict[str, np.ndarray]) -> dict[str, tuple]:
    """One box's limits by parameter, in swept values: (lower, upper), or (categories,) for text."""
    out = {}
    for p in lims.columns:
        low, high = lims[p].iloc[0], lims[p].iloc[1]
        if isinstance(low, set):
            out[p] = (tuple(sorted(low, key=str)),)
        elif p in ranked:  # ranks back to values; a pasted limit between two ranks keeps the values inside
            values = ranked[p]
            out[p] = (values[int(math.ceil(low - 1e-9))].item(), values[int(math.floor(high + 1e-9))].item())
        else:
            out[p] = (float(low), float(high))
    return out


def feature_scores(design: Design, name: str, feature_scoring) -> pd.DataFrame:
    """Extra-trees scores of each parameter for the points' share of the class (EMA's ``get_ex_feature_scores``)."""
    runs = design.runs.assign(_y=(design.runs["outcome"] == name).astype(float))
    points = runs.groupby("point", sort=True).agg({**{p: "first" for p in design.parameters}, "_y": "mean"})
    x = points[design.parameters].reset_index(drop=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas deprecation notes from inside the EMA Workbench
        scores, _ = feature_scoring.get_ex_feature_scores(
            x,
            points["_y"].to_numpy(),
            mode=feature_scoring.RuleInductionType.REGRESSION,
            nr_trees=TREES,
            max_features=max(1, round(len(design.parameters) / 3)),  # EMA's d/3, at least 1
            random_state=design.seed % 2**32,
        )
    table = pd.DataFrame({"parameter": scores.index.astype(str), "score": scores.iloc[:, 0].to_numpy(dtype=float)})
    table["label"] = table["parameter"].map(label)
    table["rank"] = np.arange(1, len(table) + 1)
    return table[["rank", "parameter", "label", "score"]]


# --- tables and text ------------------------------------------------------------------------------


def full_range(design: Design, p: str) -> tuple:
    """(lowest, highest) swept value of ``p``, or (categories,) for text."""
    column = design.runs[p]
    if pd.api.types.is_numeric_dtype(column):
        return (column.min().item(), column.max().item())
    return (tuple(sorted(column.unique(), key=str)),)


def restricted(d: Discovery, i: int) -> list[str]:
    """The parameters box ``i`` restricts, the most significant (lowest quasi-p) first."""
    names = [p for p in d.design.parameters if d.limits[i][p] != full_range(d.design, p)]
    return sorted(names, key=lambda p: (d.quasi_p[i].get(p, 1.0), d.design.parameters.index(p)))


def condition(d: Discovery, i: int, p: str) -> str:
    """Box ``i`` on parameter ``p`` in words, e.g. 'united_states.deadline_days <= 10'."""
    lims, whole = d.limits[i][p], full_range(d.design, p)
    if len(lims) == 1:
        return f"{label(p)} in {{{', '.join(map(str, lims[0]))}}}"
    (low, high), (lowest, highest) = lims, whole
    show = fmt if d.design.grid else significant  # a grid's limits are swept values, shown whole
    if low == high:
        return f"{label(p)} = {show(low)}"
    if low > lowest and high < highest:
        return f"{show(low)} <= {label(p)} <= {show(high)}"
    if high < highest:
        return f"{label(p)} <= {show(high)}"
    if low > lowest:
        return f"{label(p)} >= {show(low)}"
    return f"{label(p)}: any"


def conditions(d: Discovery, i: int) -> str:
    return " and ".join(condition(d, i, p) for p in restricted(d, i)) or "anywhere (no restriction)"


def boxes_table(d: Discovery) -> pd.DataFrame:
    """boxes.csv: the chosen box, one row per varied parameter (restricted ones first)."""
    i, box = d.chosen, d.box
    limited = restricted(d, i)
    rows = []
    for p in limited + [p for p in d.design.parameters if p not in limited]:
        lims, whole = d.limits[i][p], full_range(d.design, p)
        text = len(lims) == 1
        rows.append(
            {
                "box": int(box["id"]),
                "parameter": p,
                "label": label(p),
                "restricted": p in limited,
                "condition": condition(d, i, p),
                "lower": np.nan if text else lims[0],
                "upper": np.nan if text else lims[1],
                "categories": "; ".join(map(str, lims[0])) if text else "",
                "swept_min": np.nan if text else whole[0],
                "swept_max": np.nan if text else whole[1],
                "swept_categories": "; ".join(map(str, whole[0])) if text else "",
                "baseline": d.design.baseline.get(p, ""),
                "quasi_p": d.quasi_p[i].get(p, np.nan),
                "coverage": box["coverage"],
                "density": box["density"],
                "mass": box["mass"],
                "runs_in_box": int(box["n"]),
                "class_runs_in_box": int(box["k"]),
                "share_over_all_runs": d.overall,
            }
        )
    return pd.DataFrame(rows)


def peeling_table(d: Discovery) -> pd.DataFrame:
    """peeling.csv: every box on PRIM's trajectory, the chosen one marked."""
    t = d.peeling.rename(
        columns={"id": "box", "n": "runs_in_box", "k": "class_runs_in_box", "res_dim": "restricted_dimensions"}
    )
    t["restrictions"] = [conditions(d, i) for i in range(len(t))]
    t["chosen"] = t.index == d.chosen
    return t


def box_sentence(d: Discovery, bullets: bool = False) -> str:
    """The chosen box in the words of the analyst's question: density, conditions, coverage, mass."""
    happens, runs = CLASS_WORDS[d.outcome]
    box = d.box
    inside = [condition(d, d.chosen, p) for p in restricted(d, d.chosen)]
    listed = bullets and len(inside) > 2  # one condition a line, when there are many
    where = "".join(f"\n  - {c}" for c in inside) if listed else " " + " and ".join(inside)
    return (
        f"{happens[0].upper()}{happens[1:]} in {percent(box['density'])} of runs inside:{where};\n"
        f"this box holds {percent(box['coverage'])} of all {runs} (coverage) and {percent(box['mass'])} of runs (mass)."
    )


def summary(d: Discovery) -> str:
    """What a student reads: the box in words, how it was chosen, and the feature ranking."""
    box, n = d.box, len(d.design.runs)
    lines = [
        f"Scenario discovery on {d.design.source}: {n:,} runs ({d.design.runs['point'].nunique():,} points) "
        f"over {len(d.design.parameters)} swept parameters; outcome {d.outcome} in {percent(d.overall, True)} of all runs.",
        "",
        box_sentence(d, bullets=True),
        f"(Box {int(box['id'])} of {len(d.peeling)} on PRIM's peeling trajectory: {d.threshold_rule}.)",
    ]
    if d.design.constant:
        lines.append(f"Swept with one value only, left out: {', '.join(map(label, d.design.constant))}.")
    top = d.scores.head(TOP_SCORES)
    more = f", ... ({len(d.scores)} in feature_scores.csv)" if len(d.scores) > TOP_SCORES else ""
    ranking = ", ".join(f"{r.label} {r.score:.2f}" for r in top.itertuples())
    lines.append(f"Feature scores (extra trees, share of {d.outcome} per point): {ranking}{more}.")
    return "\n".join(lines)


# --- writing ------------------------------------------------------------------------------------


def write_discovery(d: Discovery, out: Path, command: str = "", replace: bool = True) -> Path:
    """Write the tables, figures and ``discover.json`` into ``out`` via a temporary folder."""
    from .discover_figures import figure_box, figure_scores, figure_tradeoff, save

    with atomic_folder(out, replace=replace) as tmp:
        boxes_table(d).to_csv(tmp / "boxes.csv", index=False)
        peeling_table(d).to_csv(tmp / "peeling.csv", index=False)
        d.scores.to_csv(tmp / "feature_scores.csv", index=False)
        save(figure_box(d), tmp / "box.png")
        save(figure_tradeoff(d), tmp / "tradeoff.png")
        save(figure_scores(d), tmp / "feature_scores.png")
        (tmp / "discover.json").write_text(json.dumps(_record(d, command), indent=2, default=str) + "\n")
    return out


def _record(d: Discovery, command: str) -> dict:
    import ema_workbench
    import sklearn

    box = d.box
    return {
        "command": command,
        "source": str(d.design.source),
        "outcome": d.outcome,
        "runs": len(d.design.runs),
        "parameters": d.design.parameters,
        "left_out": d.design.constant,
        "share_over_all_runs": d.overall,
        "settings": {
            "threshold": d.threshold,
            "rule": d.threshold_rule,
            "peel_alpha": d.peel_alpha,
            "mass_min": d.mass_min,
        },
        "box": {
            "id": int(box["id"]),
            "conditions": conditions(d, d.chosen),
            "sentence": box_sentence(d).replace("\n", " "),
            **{k: float(box[k]) for k in ("coverage", "density", "mass")},
        },
        "summary": summary(d),
        "versions": {"ema_workbench": ema_workbench.__version__, "scikit-learn": sklearn.__version__},
        "files": [*FILES, "discover.json"],
    }


def report_entries(folder: Path) -> list[tuple[str, str, str]]:
    """(file, heading, caption) of each discovery in ``folder/discover/``, files relative to ``folder/report/``."""
    found = []
    root = folder / "discover"
    for sub in sorted(root.iterdir()) if root.is_dir() else []:
        if (sub / "discover.json").is_file():
            found.append((sub, read_json_object(sub / "discover.json", "the file as `ceasefire discover` writes it")))
    found.sort(
        key=lambda e: (OUTCOMES.index(e[1]["outcome"]) if e[1].get("outcome") in OUTCOMES else len(OUTCOMES), e[0].name)
    )
    entries = []
    for sub, record in found:
        where = f"../discover/{sub.name}"
        outcome = str(record.get("outcome", sub.name))
        s, box = record.get("settings", {}), record.get("box", {})
        entries += [
            (
                f"{where}/box.png",
                f"Scenario discovery: {outcome.replace('_', ' ')}",
                f"{box.get('sentence', '')} The bars show each swept parameter's "
                f"range, the box's part of it coloured. PRIM (EMA Workbench), one case per run; box chosen as "
                f"{s.get('rule', '')}. Table: {where}/boxes.csv.",
            ),
            (
                f"{where}/tradeoff.png",
                f"Coverage and density along PRIM's peeling: {outcome.replace('_', ' ')}",
                f"Each dot is a box on the peeling trajectory (peel alpha {s.get('peel_alpha')}, minimum mass "
                f"{s.get('mass_min')}), coloured by how many parameters it restricts; the ring marks the chosen box "
                f"(box {box.get('id')}). Table: {where}/peeling.csv.",
            ),
            (
                f"{where}/feature_scores.png",
                f"Feature scores: {outcome.replace('_', ' ')}",
                "Extra-trees feature scores (EMA Workbench) of each swept parameter for the share of runs per point "
                f"that end in {outcome.replace('_', ' ')}; they sum to 1. Table: {where}/feature_scores.csv.",
            ),
        ]
    return entries


# --- the command --------------------------------------------------------------------------------


def cmd_discover(args: argparse.Namespace) -> int:
    """``ceasefire discover DIR --outcome CLASS``."""
    from .sweep_run import command_line

    check_settings(args.threshold, args.peel_alpha, args.mass_min)
    design = load_design(args.dir)
    name, _ = class_indicator(design, args.outcome)
    import_ema()
    if args.out is None:
        out, replace = args.dir / "discover" / name, True
        check_writable(out, beside=True)
    else:
        out, replace = output_dir(args.out, name), False
    result = discover(design, name, args.threshold, args.peel_alpha, args.mass_min)
    write_discovery(result, out, command_line(), replace=replace)
    print(summary(result))
    shown = f"; `ceasefire report {args.dir}` shows it" if replace else ""
    print(f"\nWrote {out}/ ({', '.join(FILES)}, discover.json){shown}")
    return 0


def fmt(value) -> str:
    number = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    return f"{value:g}" if number else str(value)


def percent(share: float, precise: bool = False) -> str:
    """A share in percent, with decimals only where whole percent would read 0% or 1% (0.46%, 4.3%, 16%).

    ``precise`` keeps one decimal more (12.2%, 0.46%), for thresholds next to the densities they cut.
    """
    if share == 0 or share >= (1.0 if precise else 0.1):
        return f"{share:.0%}"
    return f"{share:.2%}" if share < 0.01 else f"{share:.1%}"


def significant(value: float) -> str:
    """A limit PRIM placed between sampled values, to three significant digits (52.7606 -> 52.8)."""
    return f"{float(f'{value:.3g}'):g}"

"""``ceasefire report`` on a calibration folder: one page with its tables and figures."""

from __future__ import annotations

import html
import shutil
from pathlib import Path

import pandas as pd

from sim.errors import ScenarioError

from .files import atomic_folder, check_writable, read_csv_table, read_json_object

__all__ = ["is_calibration", "write_calibration_report"]

FILES = ("manifest.json", "acceptance.csv", "predictive.csv", "posterior.csv", "posterior.png", "predictive.png")


def is_calibration(path: Path) -> bool:
    return (path / "calibration.json").is_file()


def write_calibration_report(path: Path) -> Path:
    """Write ``DIR/report/index.html`` (with copies of the figures) via a temporary folder."""
    missing = [f for f in FILES if not (path / f).is_file()]
    if missing:
        raise ScenarioError(
            "report",
            str(path),
            f"an unfinished calibration ({', '.join(missing)} missing)",
            "a folder written by `ceasefire calibrate` that ran to the end (finish it with --resume)",
        )
    written_by = "the file as `ceasefire calibrate` writes it (run it again into a new --out)"
    meta = read_json_object(path / "manifest.json", written_by)
    if not isinstance(meta.get("calibration"), dict):
        raise ScenarioError(str(path / "manifest.json"), "calibration", "nothing (no calibration record)", written_by)
    tables = {name: read_csv_table(path / f"{name}.csv", [], written_by) for name in ("acceptance", "predictive", "posterior")}
    out = path / "report"
    check_writable(out, beside=True)
    with atomic_folder(out, replace=True) as tmp:
        for figure in ("posterior.png", "predictive.png"):
            shutil.copy2(path / figure, tmp / figure)
        (tmp / "index.html").write_text(_page(meta, tables, _discovery(path)))
    return out


def _page(meta: dict, t: dict[str, pd.DataFrame], discovery: str = "") -> str:
    c = meta["calibration"]
    informed = t["posterior"][t["posterior"]["informed"]]
    facts = [
        ("patterns", f"{c['patterns']['name']} ({c['patterns_file']})"),
        ("scenario", c["scenario"]),
        ("method", meta["method"]),
        ("parameter sets drawn", f"{c['draws']:,} over {len(c['priors'])} priors, {c['replicates_per_draw']} replicates each"),
        ("accepted", f"{meta['accepted']:,} ({meta['acceptance_rate']:.1%})"),
        ("seed", str(c["seed"])),
        ("command", meta["command"]),
    ]
    facts_html = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>" for k, v in facts)
    acceptance = t["acceptance"].assign(share=lambda d: (d["share"] * 100).round(1).astype(str) + "%")
    predictive = t["predictive"].copy()
    for col in ("prior", "ensemble"):
        predictive[col] = [
            f"{v:.1%}" if k == "share" else f"x {v:.3g}" for k, v in zip(predictive["kind"], predictive[col], strict=True)
        ]
    posterior = t["posterior"][
        ["parameter", "prior", "prior_median", "posterior_median", "posterior_q05", "posterior_q95", "ks_distance", "p_value", "informed"]
    ]
    title = html.escape(f"Calibration of {c['scenario']} on {c['patterns']['name']}")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;max-width:75em;margin:2em auto;color:#222}}img{{max-width:100%}}
table{{border-collapse:collapse;margin:1em 0}}td,th{{padding:2px 8px;text-align:left;font-size:90%}}
tr:nth-child(even){{background:#f4f4f4}}p.caption{{color:#444;max-width:60em}}</style>
</head><body>
<h1>{title}</h1>
<table>{facts_html}</table>
<h2>Acceptance: the sets drawn from the priors that reproduce each pattern</h2>
<p class="caption">A set reproduces a pattern when its statistic over its replicates is within the pattern's
target (plus tolerance); relations that cannot be judged for a set (no agreement signed, no day at risk) count as
not contradicted. The ensemble is the sets that reproduce every pattern at once.</p>
{_table(acceptance)}
<h2>Posterior-predictive check</h2>
<p class="caption">Each pattern over all replicates: under the priors (the calibration's own runs) and over the
ensemble (its sets run again on fresh random numbers, seed + 1).</p>
<img src="predictive.png" alt="posterior-predictive check">
{_table(predictive)}
<h2>Which parameters the patterns inform</h2>
<p class="caption">{len(informed)} of {len(t['posterior'])} parameters moved from their prior (Kolmogorov–Smirnov
test of the accepted sets' quantiles against the uniform, p &lt; 0.01 / {len(t['posterior'])}); the others stay
at their prior: the patterns say nothing about them.</p>
<img src="posterior.png" alt="prior and posterior per parameter">
{_table(posterior)}
{discovery}<p>Data: <a href="../ensemble.parquet">ensemble.parquet</a>, <a href="../draws.parquet">draws.parquet</a>,
<a href="../acceptance.csv">acceptance.csv</a>, <a href="../predictive.csv">predictive.csv</a>,
<a href="../posterior.csv">posterior.csv</a>, <a href="../manifest.json">manifest.json</a>.</p>
</body></html>
"""


def _discovery(path: Path) -> str:
    """Figures of `ceasefire discover` on this calibration (DIR/discover/), if any, after the page."""
    from .discover import report_entries

    return "".join(
        f'<h2>{html.escape(h)}</h2><img src="{html.escape(f)}" alt="{html.escape(h)}"><p class="caption">{html.escape(c)}</p>\n'
        for f, h, c in report_entries(path)
    )


def _table(frame: pd.DataFrame) -> str:
    return frame.to_html(index=False, float_format=lambda v: f"{v:.4g}", na_rep="", border=0, escape=True)

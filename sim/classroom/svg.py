"""A few SVG primitives, as strings: the dashboard's charts are drawn with them.

Why not matplotlib or Vega-Lite: a matplotlib PNG of the timeline took about half a second
a tick, and Solara's Vega-Lite widget loads vega from a CDN, which a classroom without the
internet cannot reach. An SVG string takes milliseconds to build, stays crisp on a
projector, and its text is in the page, where a browser test can read it.
"""

from __future__ import annotations

from html import escape

#: Okabe & Ito's palette, safe under the common colour-vision deficiencies.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif"


def _attrs(attrs: dict) -> str:
    """Keyword attributes as SVG ones: ``font_size=18`` becomes ``font-size="18"``; None is left out."""
    return "".join(
        f' {key.rstrip("_").replace("_", "-")}="{escape(str(value), quote=True)}"'
        for key, value in attrs.items()
        if value is not None
    )


def svg(width: float, height: float, body: list[str], label: str = "", **attrs: object) -> str:
    """An ``<svg>`` that scales to its container's width; ``label`` is its accessible name."""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:g} {height:g}" width="100%"'
        f' role="img" aria-label="{escape(label, quote=True)}" font-family="{FONT_FAMILY}"'
        f' style="display:block; max-height:100%;"{_attrs(attrs)}>' + "".join(body) + "</svg>"
    )


def rect(x: float, y: float, width: float, height: float, **attrs: object) -> str:
    return f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(width, 0):.1f}" height="{max(height, 0):.1f}"{_attrs(attrs)}/>'


def line(x1: float, y1: float, x2: float, y2: float, **attrs: object) -> str:
    return f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}"{_attrs(attrs)}/>'


def circle(cx: float, cy: float, r: float, **attrs: object) -> str:
    return f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r:.1f}"{_attrs(attrs)}/>'


def path(d: str, **attrs: object) -> str:
    return f'<path d="{d}"{_attrs(attrs)}/>'


def text(x: float, y: float, words: str, size: float = 18, **attrs: object) -> str:
    """Text at (x, y) (its baseline), ``size`` in user units: 1 CSS px when the chart is at its own width."""
    return f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size:g}"{_attrs(attrs)}>{escape(words)}</text>'


def group(body: list[str], **attrs: object) -> str:
    return f"<g{_attrs(attrs)}>" + "".join(body) + "</g>"


def clip(name: str, x: float, y: float, width: float, height: float) -> str:
    """A rectangular clip path, used as ``clip_path=f"url(#{name})"``."""
    return f'<defs><clipPath id="{name}">{rect(x, y, width, height)}</clipPath></defs>'

"""Small-multiple line charts as SVG: the live time series (firms by region, HHI, ...)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

from viz.figures.palette import FONT, GRID, INK, MUTED, fmt_number, text

WIDTH, HEIGHT = 340, 190
LEFT, RIGHT, TOP, BOTTOM = 46, 12, 26, 24


@dataclass(frozen=True)
class Series:
    """One line: a name, a colour and its values (None or NaN for gaps)."""

    name: str
    color: str
    values: list[float | None]
    dashed: bool = False


def _finite(v: float | None) -> bool:
    return v is not None and not (isinstance(v, float) and (math.isnan(v) or math.isinf(v)))


def nice_ticks(lo: float, hi: float, count: int = 4) -> list[float]:
    """Round tick values covering [lo, hi] (Heckbert's 'nice numbers')."""
    if hi <= lo:
        hi = lo + (abs(lo) or 1.0)
    raw = (hi - lo) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(lo / step) * step
    ticks, t = [], first
    while t <= hi + step * 1e-9:
        ticks.append(round(t, 12))
        t += step
    if ticks[-1] < hi:
        ticks.append(round(t, 12))
    return ticks


def line_chart_svg(
    title: str,
    x: list[float],
    series: list[Series],
    *,
    step: int = 0,
    y_min: float | None = None,
    y_max: float | None = None,
    x_label: str = "",
    legend: bool = True,
    chart_id: str = "",
    width: int = WIDTH,
    height: int = HEIGHT,
) -> str:
    """A line chart of ``series`` against ``x`` (typically the step), with a last-value dot."""
    values = [v for s in series for v in s.values if _finite(v)]
    lo = min(values, default=0.0) if y_min is None else y_min
    hi = max(values, default=1.0) if y_max is None else y_max
    if y_min is None and lo > 0 and lo < 0.5 * hi:
        lo = 0.0  # counts and shares read better from zero
    ticks = nice_ticks(lo, hi)
    lo, hi = ticks[0], ticks[-1]
    x0, x1 = (x[0], x[-1]) if x else (0.0, 1.0)
    if x1 <= x0:
        x1 = x0 + 1
    legend_items: list[tuple[float, float, Series, str]] = []
    if legend and len(series) > 1:
        lx, ly = float(LEFT), 30.0
        for s in series[:12]:
            label = s.name if len(s.name) <= 16 else s.name[:15] + "…"
            w = 14 + 6.0 * len(label)
            if lx + w > width - RIGHT and lx > LEFT:
                lx, ly = float(LEFT), ly + 11
            legend_items.append((lx, ly, s, label))
            lx += w
    top = TOP + (legend_items[-1][1] - 30 + 14 if legend_items else 0)
    pw, ph = width - LEFT - RIGHT, height - top - BOTTOM

    def px(v: float) -> float:
        return LEFT + (v - x0) / (x1 - x0) * pw

    def py(v: float) -> float:
        return top + ph - (v - lo) / (hi - lo) * ph

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="abm-figure abm-chart" '
        f'data-chart="{escape(chart_id)}" data-step="{step}" viewBox="0 0 {width} {height}" '
        f'width="100%" style="max-width:{width}px" font-family="{FONT}" font-size="10">',
        f'<rect width="{width}" height="{height}" fill="#fff"/>',
        text(LEFT, 15, title, fill=INK, font_size="12", font_weight="600"),
    ]
    for t in ticks:
        y = py(t)
        parts.append(
            f'<line x1="{LEFT}" x2="{width - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
        )
        parts.append(text(LEFT - 5, y + 3, fmt_number(t), text_anchor="end", fill=MUTED))
    for t in nice_ticks(x0, x1, 4):
        if x0 <= t <= x1:
            parts.append(
                text(px(t), height - BOTTOM + 13, fmt_number(t), text_anchor="middle", fill=MUTED)
            )
    if x_label:
        parts.append(text(width - RIGHT, height - 3, x_label, text_anchor="end", fill=MUTED))
    for s in series:
        runs, current = [], []
        for xv, yv in zip(x, s.values, strict=False):
            if _finite(yv):
                current.append(f"{px(xv):.1f},{py(yv):.1f}")
            elif current:
                runs.append(current)
                current = []
        if current:
            runs.append(current)
        dash = ' stroke-dasharray="4 3"' if s.dashed else ""
        for run in runs:
            if len(run) == 1:
                cx, cy = run[0].split(",")
                parts.append(f'<circle cx="{cx}" cy="{cy}" r="2" fill="{s.color}"/>')
            else:
                parts.append(
                    f'<polyline fill="none" stroke="{s.color}" stroke-width="1.6"{dash} '
                    f'points="{" ".join(run)}"><title>{escape(s.name)}</title>'
                    "</polyline>"
                )
        last = next(
            (
                (xv, yv)
                for xv, yv in zip(reversed(x), reversed(s.values), strict=False)
                if _finite(yv)
            ),
            None,
        )
        if last:
            parts.append(
                f'<circle cx="{px(last[0]):.1f}" cy="{py(last[1]):.1f}" r="2.4" '
                f'fill="{s.color}"><title>{escape(s.name)}: {fmt_number(last[1])}'
                "</title></circle>"
            )
    for lx, ly, s, label in legend_items:
        parts.append(f'<rect x="{lx:.1f}" y="{ly - 6:.1f}" width="8" height="3" fill="{s.color}"/>')
        parts.append(text(lx + 10, ly - 2, label, fill=INK, font_size="9"))
    parts.append("</svg>")
    return "".join(parts)

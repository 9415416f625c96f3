"""Small-multiple line charts as SVG: the live time series (firms by region, HHI, ...).

Robust to any value a valid scenario can produce: huge, tiny, constant, missing or
infinite values never raise (the axis falls back to a plain range), because a chart that
throws takes the page with it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from html import escape

from viz.figures.palette import FONT, GRID, INK, MUTED, fmt_number, text

WIDTH, HEIGHT = 340, 190
LEFT, RIGHT, TOP, BOTTOM = 50, 12, 26, 24
CHAR_W = 5.6  # approximate width of a 9 px Latin legend character
WIDE_W = 9.2  # ... and of a Hangul (or other wide) one


def text_width(s: str, char: float = CHAR_W, wide: float = WIDE_W) -> float:
    """Estimated width of ``s`` at 9 px: wide characters count almost double."""
    return sum(wide if ord(c) > 0x2E80 else char for c in s)


@dataclass(frozen=True)
class Band:
    """A faint band behind a line: ``lo``/``hi`` per step (index = step), in its colour."""

    color: str
    lo: list[float | None]
    hi: list[float | None]


@dataclass(frozen=True)
class Mark:
    """A policy event on the chart's timeline strip: the step, its colour and its text."""

    step: int
    color: str
    label: str
    strong: bool = False  # a center's start: a faint line through the plot as well


@dataclass(frozen=True)
class Series:
    """One line: a name, a colour and its values (None or NaN for gaps)."""

    name: str
    color: str
    values: list[float | None]
    dashed: bool = False


def _finite(v: float | None) -> bool:
    return v is not None and isinstance(v, (int, float)) and math.isfinite(v)


def nice_ticks(lo: float, hi: float, count: int = 4) -> list[float]:
    """Round tick values covering [lo, hi] (Heckbert's 'nice numbers'); never raises."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return [0.0, 1.0]
    if hi <= lo:
        hi = lo + (abs(lo) or 1.0)
    raw = (hi - lo) / count
    if raw <= 0 or not math.isfinite(raw) or raw < abs(hi) * 1e-12:
        return [lo, hi]  # a span too small for the float's precision
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(lo / step) * step
    ticks, t = [], first
    while t <= hi + step * 1e-9 and len(ticks) < 20:
        ticks.append(t)
        t = first + step * len(ticks)
    if ticks[-1] < hi:
        ticks.append(t)
    if ticks[-1] <= ticks[0]:
        return [lo, hi]
    return ticks


def date_ticks(dates: list[str], most: int = 5) -> list[tuple[int, str]]:
    """(index, label) of x ticks for monthly dates "YYYY-MM": Januaries, else months."""
    if not dates:
        return []
    januaries = [i for i, d in enumerate(dates) if d.endswith("-01")]
    if len(januaries) >= 2:
        every = max(1, math.ceil(len(januaries) / most))
        return [(i, dates[i][:4]) for i in januaries[::every]]
    every = max(1, math.ceil(len(dates) / most))
    return [(i, dates[i]) for i in range(0, len(dates), every)]


def legend_layout(
    names: list[str], width: int, left: float = LEFT, right: float = RIGHT
) -> list[tuple[float, float]]:
    """(x, y) of each legend entry, wrapped onto rows; names are never cut."""
    out, lx, ly = [], float(left), 30.0
    for name in names:
        w = 16 + text_width(name)
        if lx + w > width - right and lx > left:
            lx, ly = float(left), ly + 11
        out.append((lx, ly))
        lx += w
    return out


def _history_band(history: tuple[str, str], dates: list[str], x, px, top, ph) -> list[str]:
    """The band over the months up to ``history[1]`` (observed, replayed) and the line
    where it ends."""
    label, end = history
    inside = [i for i, d in enumerate(dates) if isinstance(d, str) and d[:7] <= end]
    if not inside or not x:
        return []
    a, b = px(x[0]), px(x[min(inside[-1], len(x) - 1)])
    out = [
        f'<g class="history-band" data-until="{escape(end)}"><title>{escape(label)} ≤ '
        f'{escape(end)}</title><rect x="{a:.1f}" y="{top:.1f}" width="{max(b - a, 0):.1f}" '
        f'height="{ph:.1f}" fill="#efe9dc" fill-opacity=".7"/>'
    ]
    out.append(
        f'<line x1="{b:.1f}" x2="{b:.1f}" y1="{top:.1f}" y2="{top + ph:.1f}" stroke="#a08a5c" '
        'stroke-width="1" stroke-dasharray="3 2"/>'
    )
    out.append(text(a + 3, top + 9, label, fill="#7a6640", font_size="9"))
    out.append("</g>")
    return out


def _band_path(band: Band, px, py, most: int = 40) -> str:
    """A band as one polygon, thinned to at most ``most`` points a side and in whole pixels
    (it is faint, and sent with every frame: its size matters more than its detail)."""
    steps = [
        i
        for i, (a, b) in enumerate(zip(band.lo, band.hi, strict=False))
        if _finite(a) and _finite(b)
    ]
    if len(steps) < 2:
        return ""
    every = max(1, math.ceil(len(steps) / most))
    kept = steps[::every] + ([steps[-1]] if steps[-1] not in steps[::every] else [])
    upper = " ".join(f"{px(i):.0f},{py(float(band.hi[i])):.0f}" for i in kept)
    lower = " ".join(f"{px(i):.0f},{py(float(band.lo[i])):.0f}" for i in reversed(kept))
    return (
        f'<polygon class="ensemble-band" points="{upper} {lower}" fill="{band.color}" '
        'fill-opacity=".13"/>'
    )


def _marks(marks: list[Mark], px, top: float, ph: float) -> list[str]:
    """The policy timeline at the foot of the plot: a tick per event month in its kind's
    colour, and a faint line up the plot where a center gets its first GPUs. One path per
    colour, no hover text: the chart is sent with every frame, so the timeline's details
    are in the strip above the charts (:func:`timeline_strip_svg`), drawn once."""
    if not marks:
        return []
    foot = top + ph
    ticks: dict[str, list[str]] = {}
    lines = []
    for m in sorted(marks, key=lambda m: m.step):
        x = px(m.step)
        ticks.setdefault(m.color, []).append(f"M{x - 1.5:.1f} {foot - 6:.0f}h3v6h-3z")
        if m.strong:
            lines.append(f"M{x:.1f} {top:.0f}V{foot:.0f}")
    out = ['<g class="timeline">']
    if lines:
        out.append(
            f'<path d="{"".join(lines)}" stroke="#222" stroke-opacity=".18" '
            'stroke-dasharray="2 3"/>'
        )
    out += [f'<path d="{"".join(d)}" fill="{color}"/>' for color, d in ticks.items()]
    out.append("</g>")
    return out


def timeline_strip_svg(
    dates: list[str],
    marks: list[Mark],
    legend: list[tuple[str, str]],
    title: str,
    width: int = 720,
) -> str:
    """The run's policy timeline once, with the details on hover: years along the run, a
    tick per event month (its events in the tooltip), the kinds' colours."""
    left, right, height = 10, 10, 46
    n = max(len(dates) - 1, 1)

    def px(step: float) -> float:
        return left + step / n * (width - left - right)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="abm-figure abm-timeline" '
        f'viewBox="0 0 {width} {height}" width="100%" style="max-width:{width}px" '
        f'font-family="{FONT}" font-size="9">',
        f'<rect width="{width}" height="{height}" fill="#fff"/>',
        text(left, 11, title, fill=INK, font_size="10", font_weight="600"),
        f'<line x1="{left}" x2="{width - right}" y1="30" y2="30" stroke="{GRID}"/>',
    ]
    for i, label in date_ticks(dates[1:], most=12):
        parts.append(text(px(i + 1), 43, label, text_anchor="middle", fill=MUTED))
    by_step: dict[int, list[Mark]] = {}
    for m in marks:
        by_step.setdefault(m.step, []).append(m)
    for step, here in sorted(by_step.items()):
        x = px(step)
        color = next((m.color for m in here if m.strong), here[0].color)
        tip = escape("\n".join(m.label for m in here))
        parts.append(
            f'<rect class="event" x="{x - 2:.1f}" y="20" width="4" height="10" '
            f'fill="{color}"><title>{tip}</title></rect>'
        )
    lx = width - right
    for label, color in reversed(legend):
        w = text_width(label) + 16
        lx -= w
        parts.append(f'<rect x="{lx:.1f}" y="5" width="8" height="8" fill="{color}"/>')
        parts.append(text(lx + 11, 12, label, fill=MUTED))
    parts.append("</svg>")
    return "".join(parts)


def line_chart_svg(
    title: str,
    x: list[float],
    series: list[Series],
    *,
    step: int = 0,
    y_min: float | None = None,
    y_max: float | None = None,
    x_label: str = "",
    x_dates: list[str] | None = None,
    legend: bool = True,
    chart_id: str = "",
    explain: str = "",
    y_format: Callable[[float], str] = fmt_number,
    width: int = WIDTH,
    height: int = HEIGHT,
    history: tuple[str, str] | None = None,
    axis_dates: list[str] | None = None,
    bands: list[Band] = (),
    marks: list[Mark] = (),
) -> str:
    """A line chart of ``series`` against ``x`` (the step), with a last-value dot.

    ``x_dates`` labels the x axis with years (or months) instead of steps; ``explain``
    is the hover text of the title (what the chart means); ``y_format`` writes the ticks.
    ``history`` = (label, "YYYY-MM"): a shaded band up to that month (the replayed,
    observed history) with a vertical line where it ends.

    ``axis_dates`` (the month of every step of the run, index = step) fixes the x axis to
    the whole run, so the lines grow into a fixed frame with the policy timeline
    (``marks``) and the uncertainty ``bands`` already in place.
    """
    values = [float(v) for s in series for v in s.values if _finite(v)]
    values += [float(v) for b in bands for v in (*b.lo, *b.hi) if _finite(v)]
    lo = min(values, default=0.0) if y_min is None else y_min
    hi = max(values, default=1.0) if y_max is None else y_max
    if y_max is not None and values and max(values) > y_max:
        hi = max(values)
    if y_min is None and lo > 0 and lo < 0.5 * hi:
        lo = 0.0  # counts and shares read better from zero
    ticks = nice_ticks(lo, hi)
    lo, hi = ticks[0], ticks[-1]
    span = (hi - lo) if hi > lo else 1.0
    x0, x1 = (x[0], x[-1]) if x else (0.0, 1.0)
    if axis_dates:
        x0, x1 = 0.0, float(len(axis_dates) - 1)
    if x1 <= x0:
        x1 = x0 + 1
    shown = [s for s in series if legend and len(series) > 1]
    spots = legend_layout([s.name for s in shown], width)
    top = TOP + (spots[-1][1] - 30 + 14 if spots else 0)
    pw, ph = width - LEFT - RIGHT, height - top - BOTTOM

    def px(v: float) -> float:
        return LEFT + (v - x0) / (x1 - x0) * pw

    def py(v: float) -> float:
        return top + ph - (v - lo) / span * ph

    title_tip = f"<title>{escape(explain)}</title>" if explain else ""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="abm-figure abm-chart" '
        f'data-chart="{escape(chart_id)}" data-step="{step}" viewBox="0 0 {width} {height}" '
        f'width="100%" style="max-width:{width}px" font-family="{FONT}" font-size="10">',
        f'<rect width="{width}" height="{height}" fill="#fff"/>',
        f'<g class="chart-title">{title_tip}'
        + text(
            LEFT - 40,
            15,
            title + (" ⓘ" if explain else ""),
            fill=INK,
            font_size="12",
            font_weight="600",
        )
        + "</g>",
    ]
    if history and axis_dates:
        parts += _history_band(history, axis_dates, list(range(len(axis_dates))), px, top, ph)
    elif history and x_dates and x:
        parts += _history_band(history, x_dates[: len(x)], x, px, top, ph)
    for band in bands:
        parts.append(_band_path(band, px, py))
    parts += _marks(marks, px, top, ph)
    labels = [y_format(t) for t in ticks]
    if len(set(labels)) < len(labels):  # a narrow range: more digits, so ticks differ
        try:
            labels = [y_format(t, digits=6) for t in ticks]  # type: ignore[call-arg]
        except TypeError:
            labels = [fmt_number(t, digits=6) for t in ticks]
    for t, label in zip(ticks, labels, strict=True):
        y = py(t)
        parts.append(
            f'<line x1="{LEFT}" x2="{width - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
        )
        parts.append(text(LEFT - 5, y + 3, label, text_anchor="end", fill=MUTED))
    if axis_dates:
        for i, label in date_ticks(axis_dates[1:]):  # step 0 is the state before the start
            tx = px(i + 1)
            room = text_width(label, 5.4)
            anchor = "end" if tx + room / 2 > width - 2 else "middle"
            parts.append(text(tx, height - BOTTOM + 13, label, text_anchor=anchor, fill=MUTED))
    elif x_dates:
        for i, label in date_ticks(x_dates[: len(x)]):
            if i < len(x):
                tx = px(x[i])
                room = text_width(label, 5.4)  # 10 px digits
                anchor = "end" if tx + room / 2 > width - 2 else "middle"
                parts.append(text(tx, height - BOTTOM + 13, label, text_anchor=anchor, fill=MUTED))
    else:
        for t in nice_ticks(x0, x1, 4):
            if x0 <= t <= x1:
                parts.append(
                    text(
                        px(t), height - BOTTOM + 13, fmt_number(t), text_anchor="middle", fill=MUTED
                    )
                )
    if x_label:
        parts.append(text(width - RIGHT, height - 3, x_label, text_anchor="end", fill=MUTED))
    for s in series:
        runs, current = [], []
        for xv, yv in zip(x, s.values, strict=False):
            if _finite(yv):
                current.append(f"{px(xv):.1f},{py(float(yv)):.1f}")
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
                (xv, float(yv))
                for xv, yv in zip(reversed(x), reversed(s.values), strict=False)
                if _finite(yv)
            ),
            None,
        )
        if last:
            parts.append(
                f'<circle cx="{px(last[0]):.1f}" cy="{py(last[1]):.1f}" r="2.4" '
                f'fill="{s.color}"><title>{escape(s.name)}: {escape(y_format(last[1]))}'
                "</title></circle>"
            )
    for (lx, ly), s in zip(spots, shown, strict=True):
        parts.append(
            f'<g class="legend-item"><rect x="{lx:.1f}" y="{ly - 6:.1f}" width="9" height="3" '
            f'fill="{s.color}"/>' + text(lx + 12, ly - 2, s.name, fill=INK, font_size="9") + "</g>"
        )
    parts.append("</svg>")
    return "".join(parts)

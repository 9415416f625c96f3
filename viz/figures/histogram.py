"""A histogram as SVG: the distribution of one firm attribute in one region."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from viz.figures.palette import FONT, INK, MUTED, fmt_number, text

WIDTH, HEIGHT = 250, 150
LEFT, RIGHT, TOP, BOTTOM = 34, 8, 30, 22


def histogram_svg(
    title: str,
    edges: tuple[float, ...],
    counts: tuple[int, ...],
    *,
    color: str = "#4e79a7",
    note: str = "",
    x_format: Callable[[float], str] = fmt_number,
    hist_id: str = "",
    step: int = 0,
    width: int = WIDTH,
    height: int = HEIGHT,
    count_format: Callable[[float], str] = fmt_number,
) -> str:
    """Bars of ``counts`` (real firms: may be fractional) over bins ``edges``
    (len(edges) == len(counts) + 1)."""
    top_count = max(counts, default=0) or 1
    pw, ph = width - LEFT - RIGHT, height - TOP - BOTTOM
    n = max(len(counts), 1)
    bar = pw / n
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="abm-figure abm-hist" '
        f'data-hist="{escape(hist_id)}" data-step="{step}" viewBox="0 0 {width} {height}" '
        f'width="100%" style="max-width:{width}px" font-family="{FONT}" font-size="9">',
        f'<rect width="{width}" height="{height}" fill="#fff"/>',
        text(6, 13, title, fill=INK, font_size="11", font_weight="600"),
    ]
    if note:
        parts.append(text(6, 24, note, fill=MUTED, font_size="9"))
    for i, c in enumerate(counts):
        h = ph * c / top_count
        x = LEFT + i * bar
        lo, hi = edges[i], edges[i + 1]
        parts.append(
            f'<rect x="{x + 0.5:.1f}" y="{TOP + ph - h:.1f}" width="{max(bar - 1, 0.5):.1f}" '
            f'height="{h:.1f}" fill="{color}"><title>{escape(x_format(lo))} – '
            f"{escape(x_format(hi))}: {escape(count_format(c))}</title></rect>"
        )
    parts.append(text(LEFT - 4, TOP + 4, count_format(top_count), text_anchor="end", fill=MUTED))
    parts.append(text(LEFT - 4, TOP + ph, "0", text_anchor="end", fill=MUTED))
    if edges:
        y = height - 6
        parts.append(text(LEFT, y, x_format(edges[0]), text_anchor="start", fill=MUTED))
        parts.append(text(width - RIGHT, y, x_format(edges[-1]), text_anchor="end", fill=MUTED))
    parts.append("</svg>")
    return "".join(parts)

"""Colours and number formats shared by every figure, so a region looks the same everywhere."""

from __future__ import annotations

import math
from html import escape

# Tableau 10 then 10 more distinguishable hues: a region keeps its colour in every view.
REGION_COLORS = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
    "#1f77b4",
    "#8c564b",
    "#17becf",
    "#bcbd22",
    "#7f7f7f",
    "#aec7e8",
    "#ffbb78",
    "#98df8a",
    "#c5b0d5",
    "#c49c94",
)
KIND_SHAPES = {"firm": "circle", "university": "square", "government": "diamond"}
INK = "#333"
MUTED = "#888"
GRID = "#e6e6e6"
FONT = "Roboto, 'Noto Sans KR', NanumGothic, 'Malgun Gothic', sans-serif"


def region_colors(region_ids: list[str]) -> dict[str, str]:
    """Colour of each region, by its position in the scenario (stable within a run)."""
    return {rid: REGION_COLORS[i % len(REGION_COLORS)] for i, rid in enumerate(region_ids)}


def fmt_number(value: float | None, digits: int = 3) -> str:
    """Compact human number: 1234 -> 1.23k, 0.1234 -> 0.123; '–' for missing."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    v = float(value)
    for limit, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(v) >= limit:
            return f"{v / limit:.{digits}g}{suffix}"
    if v == int(v) and abs(v) < 1e3:
        return str(int(v))
    return plain(v, digits)


def fmt_krw(value: float | None) -> str:
    """Won amounts in the Korean units people read: 억 (1e8) and 조 (1e12)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if abs(value) >= 1e12:
        jo = value / 1e12
        return f"{jo:,.0f}조 원" if abs(jo) >= 1000 else f"{jo:.3g}조 원"
    if abs(value) >= 1e8:
        eok = value / 1e8
        return f"{eok:,.0f}억 원" if abs(eok) >= 100 else f"{eok:.3g}억 원"
    return f"{value:,.0f} 원"


def fmt_krw_short(value: float | None) -> str:
    """Won on an axis: 350억, 1.2조 (the same units as the KPI cards, without 원)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    v = float(value)
    if abs(v) >= 1e12:
        return f"{v / 1e12:.3g}조"
    if abs(v) >= 1e8:
        return f"{v / 1e8:.3g}억"
    if abs(v) >= 1e4:
        return f"{v / 1e4:.3g}만"
    return f"{v:.3g}" if v != int(v) else f"{int(v)}"


def fmt_count(value: float | None, lang: str = "en") -> str:
    """Counts: 1.23k / 4.5M in English, 1.2만 / 3.4억 in Korean (cards and axes alike)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if lang != "ko":
        return fmt_number(value)
    v = float(value)
    if abs(v) >= 1e8:
        return f"{v / 1e8:.3g}억"
    if abs(v) >= 1e4:
        return f"{v / 1e4:.3g}만"
    if v == int(v):
        return f"{int(v):,}"
    return f"{v:.3g}"


def fmt_value(
    value: float | None,
    kind: str = "number",
    lang: str = "en",
    axis: bool = False,
    digits: int = 3,
) -> str:
    """A value of an output of ``kind`` (abm.outputs): won in 억/조, shares in %;
    ``digits`` significant digits where the format has a choice (never an exponent)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if kind == "money":
        return fmt_krw_short(value) if axis else fmt_krw(value)
    if kind == "share":
        return f"{plain(100 * float(value), digits)}%"
    if kind in ("count", "gpus"):
        return fmt_count(value, lang) if digits <= 3 else fmt_number(value, digits)
    return fmt_number(value, digits)


def plain(value: float, digits: int = 3) -> str:
    """``value`` to ``digits`` significant digits, never in exponent notation."""
    if value == 0 or not math.isfinite(value):
        return "0" if value == 0 else "–"
    places = max(0, digits - 1 - math.floor(math.log10(abs(value))))
    text = f"{value:.{places}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def text(x: float, y: float, content: str, **attrs: str | float) -> str:
    """An SVG <text>, escaped; attribute names use '_' for '-'."""
    extra = " ".join(f'{k.replace("_", "-")}="{v}"' for k, v in attrs.items())
    return f'<text x="{x:.1f}" y="{y:.1f}" {extra}>{escape(content)}</text>'

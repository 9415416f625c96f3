"""Map of South Korea: province outline, region bubbles, compute centers, relocation flows.

The outline is the committed, simplified Natural Earth file in ``viz/geo`` (no tile
server: the app runs offline). Coordinates are projected equirectangularly with the
longitude scaled by cos(36°), which is accurate to a few percent over Korea.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from html import escape
from pathlib import Path

from viz.figures.palette import FONT, INK, MUTED, fmt_number, text

OUTLINE = Path(__file__).resolve().parent.parent / "geo" / "korea_provinces.geojson"
WIDTH, HEIGHT = 460, 520
PAD = 14
_COS = math.cos(math.radians(36.0))
MAX_BUBBLE = 34.0
MIN_BUBBLE = 5.0  # a region with no firms still shows (as a dashed ring)


@dataclass(frozen=True)
class Place:
    """A region as the map shows it."""

    id: str
    label: str
    lat: float
    lon: float
    color: str


@dataclass(frozen=True)
class CenterMark:
    """A compute center on the map."""

    id: str
    label: str
    lat: float
    lon: float
    detail: str = ""
    state: str = "open"  # open (filled) or building (hollow: construction, no GPUs yet)


@dataclass(frozen=True)
class DistrictMark:
    """A district on the map: at its own coordinates, or (none given) beside its region."""

    id: str  # what a click sends: "d:<district id>"
    label: str
    region: str
    value: float  # firms or employment, as the bubbles
    lat: float = 0.0
    lon: float = 0.0
    color: str = "#555"
    lines: tuple[str, ...] = ()  # what the map writes (default: the label); a second line
    # smaller (the English name under the Korean one)


MAX_DISTRICT = 11.0
MIN_DISTRICT = 3.0


@cache
def _outline() -> tuple[list[dict], tuple[float, float, float, float]]:
    features = json.loads(OUTLINE.read_text(encoding="utf-8"))["features"]
    xs, ys = [], []
    for f in features:
        for polygon in f["geometry"]["coordinates"]:
            for ring in polygon:
                xs += [p[0] * _COS for p in ring]
                ys += [p[1] for p in ring]
    return features, (min(xs), min(ys), max(xs), max(ys))


def _projector(width: float, height: float):
    _, (x0, y0, x1, y1) = _outline()
    scale = min((width - 2 * PAD) / (x1 - x0), (height - 2 * PAD) / (y1 - y0))
    dx = (width - scale * (x1 - x0)) / 2
    dy = (height - scale * (y1 - y0)) / 2

    def project(lon: float, lat: float) -> tuple[float, float]:
        return dx + (lon * _COS - x0) * scale, height - dy - (lat - y0) * scale

    return project


@cache
def outline_paths(width: int = WIDTH, height: int = HEIGHT) -> str:
    """The provinces as SVG paths (computed once per size)."""
    project = _projector(width, height)
    out = []
    for f in _outline()[0]:
        d = []
        for polygon in f["geometry"]["coordinates"]:
            for ring in polygon:
                pts = [project(lon, lat) for lon, lat in ring]
                d.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in pts) + "Z")
        name = escape(f"{f['properties']['name_ko']} {f['properties']['name']}")
        out.append(f'<path class="province" d="{"".join(d)}"><title>{name}</title></path>')
    return "".join(out)


def _district_marks(
    districts: list[DistrictMark], where, radius, project, size_label: str, selected
) -> list[str]:
    """A square per district, its area on the districts' own scale (a district is far
    smaller than its region); beside its region's bubble when it has no coordinates."""
    top = max([d.value for d in districts if d.value > 0] or [1.0])
    beside: dict[str, int] = {}
    out = []
    for d in districts:
        s = MIN_DISTRICT + (MAX_DISTRICT - MIN_DISTRICT) * math.sqrt(max(d.value, 0) / top)
        if d.lat or d.lon:
            x, y = project(d.lon, d.lat)
        elif d.region in where:
            nth = beside.get(d.region, 0)
            beside[d.region] = nth + 1
            x0, y0 = where[d.region]
            x, y = x0 - radius.get(d.region, MIN_BUBBLE) - s - 3, y0 - 4 + 24 * nth
        else:
            continue
        picked = d.id == selected
        out.append(
            f'<rect class="district{" selected" if picked else ""}" data-region="{escape(d.id)}" '
            f'x="{x - s:.1f}" y="{y - s:.1f}" width="{2 * s:.1f}" height="{2 * s:.1f}" '
            f'fill="{d.color}" fill-opacity="{".15" if d.value <= 0 else ".8"}" '
            f'stroke="{"#111" if picked else "#fff"}" stroke-width="{"2.5" if picked else "1.2"}" '
            f'style="cursor:pointer"><title>{escape(d.label)}: {fmt_number(d.value)} '
            f"{escape(size_label)}</title></rect>"
        )
        room = x - s - 3 - 2  # labels sit left of the square and never leave the map
        lines = [line for line in (d.lines or (d.label,)) if line]
        for k, line in enumerate(lines):
            out.append(
                text(
                    x - s - 3,
                    y + 3 + 9 * k - 4.5 * (len(lines) - 1),
                    _fit(line, room),
                    text_anchor="end",
                    fill=INK if k == 0 else MUTED,
                    font_size="8.5" if k == 0 else "7.5",
                    stroke="#fbfcfd",
                    stroke_width="2.5",
                    paint_order="stroke",
                )
            )
    return out


def wrap(line: str, room: float) -> list[str]:
    """``line`` broken at "; " (else at spaces) into lines that fit ``room`` px at 10 px."""
    from viz.figures.lines import text_width

    words = line.split("; ")
    sep = "; "
    if len(words) == 1:
        words, sep = line.split(" "), " "
    lines: list[str] = []
    for word in words:
        joined = f"{lines[-1]}{sep}{word}" if lines else word
        if lines and text_width(joined, 5.6, 10.0) > room:
            lines.append(word)
        elif lines:
            lines[-1] = joined
        else:
            lines.append(word)
    return lines


def _fit(label: str, room: float) -> str:
    """``label`` cut (with …) to ``room`` px at 8.5 px; the full name is in the tooltip."""
    from viz.figures.lines import text_width

    if text_width(label, 4.6, 8.2) <= room:
        return label
    while label and text_width(label + "…", 4.6, 8.2) > room:
        label = label[:-1]
    return label.rstrip() + "…" if label else ""


@dataclass(frozen=True)
class FlowStyle:
    """How the map draws its arrows: relocations of firms, or GPUs served by centers."""

    css: str = "relocation"
    color: str = "#c0392b"
    marker: str = "arrow"
    unit: str = "firms"
    title: str = "relocations since the start"
    local_word: str = "in the region"
    names: dict[str, str] = field(default_factory=dict)
    format: Callable[[float], str] = fmt_number


FLOW_MIN_W, FLOW_MAX_W = 0.8, 6.0


def flow_width(value: float, biggest: float) -> float:
    """Arrow width: area-like (square root) between FLOW_MIN_W and FLOW_MAX_W."""
    return FLOW_MIN_W + (FLOW_MAX_W - FLOW_MIN_W) * math.sqrt(max(value, 0) / (biggest or 1))


def scale_values(biggest: float) -> list[float]:
    """Up to three round values (1-2-5 steps, a tenfold apart) no larger than ``biggest``,
    for the arrows' legend."""
    if not biggest > 0 or not math.isfinite(biggest):
        return []
    power = 10.0 ** math.floor(math.log10(biggest))
    top = max(m * power for m in (1, 2, 5) if m * power <= biggest * (1 + 1e-9))
    return [v for v in (top / 100, top / 10, top) if v >= biggest / 200]


def flow_legend(biggest: float, style: FlowStyle, width: int, height: int) -> list[str]:
    """The arrows' scale: a sample arrow for a few round values, and what they count."""
    values = scale_values(biggest)
    if not values:
        return []
    x0, y0 = width - 150, height - 28 - 14 * len(values)
    out = [
        f'<g class="flow-legend {style.css}">',
        f'<rect x="{x0 - 6:.1f}" y="{y0 - 14:.1f}" width="150" '
        f'height="{18 + 14 * len(values):.1f}" fill="#fbfcfd" fill-opacity=".85" '
        'stroke="#dde2e7"/>',
        text(x0, y0 - 3, style.title, fill=INK, font_size="9"),
    ]
    for i, v in enumerate(values):
        y = y0 + 10 + 14 * i
        w = flow_width(v, biggest)
        out.append(
            f'<line x1="{x0:.1f}" x2="{x0 + 34:.1f}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{style.color}" stroke-opacity=".7" stroke-width="{w:.1f}"/>'
        )
        out.append(
            text(x0 + 42, y + 3, f"{style.format(v)} {style.unit}", fill=MUTED, font_size="9")
        )
    out.append("</g>")
    return out


def map_svg(
    places: list[Place],
    sizes: dict[str, float],
    *,
    size_label: str,
    centers: list[CenterMark] = (),
    districts: list[DistrictMark] = (),
    flows: dict[tuple[str, str], float] | None = None,
    step: int = 0,
    title: str = "",
    legend: str = "",
    selected: str | None = None,
    width: int = WIDTH,
    height: int = HEIGHT,
    flow_style: FlowStyle | None = None,
    local: dict[str, float] | None = None,
) -> str:
    """The whole map as one SVG element.

    ``sizes`` (e.g. firms per region) set bubble areas, scaled to the largest value;
    ``flows`` maps (origin, destination) to a count of relocations, drawn as arrows
    whose width grows with the count.
    """
    project = _projector(width, height)
    where = {p.id: project(p.lon, p.lat) for p in places}
    top = max([v for v in sizes.values() if v > 0] or [1.0])
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="abm-figure abm-map" data-step="{step}" '
        f'viewBox="0 0 {width} {height}" width="100%" style="max-width:{width}px" '
        f'font-family="{FONT}" font-size="11">',
        "<style>.province{fill:#eef1f4;stroke:#b9c2cc;stroke-width:.7}"
        ".flow{fill:none;stroke-opacity:.55;pointer-events:none}"
        "text{pointer-events:none}</style>",
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" '
        'markerHeight="8" markerUnits="userSpaceOnUse" orient="auto"><path d="M0,0L10,5L0,10z" '
        'fill="#c0392b"/></marker><marker id="arrow-compute" viewBox="0 0 10 10" refX="9" '
        'refY="5" markerWidth="8" markerHeight="8" markerUnits="userSpaceOnUse" orient="auto">'
        '<path d="M0,0L10,5L0,10z" fill="#2266aa"/></marker></defs>',
        f'<rect width="{width}" height="{height}" fill="#fbfcfd"/>',
        outline_paths(width, height),
    ]
    radius = {
        p.id: MIN_BUBBLE + (MAX_BUBBLE - MIN_BUBBLE) * math.sqrt(max(sizes.get(p.id, 0.0), 0) / top)
        for p in places
    }
    for p in sorted(places, key=lambda p: -sizes.get(p.id, 0)):
        x, y = where[p.id]
        value = sizes.get(p.id, 0.0)
        r = radius[p.id]
        empty = value <= 0
        ring = ' stroke-dasharray="3 2"' if empty else ""
        width_ = "3" if p.id == selected else "1.2"
        parts.append(
            f'<circle class="bubble{" selected" if p.id == selected else ""}" '
            f'data-region="{escape(p.id)}" cx="{x:.1f}" cy="{y:.1f}" '
            f'r="{r:.1f}" fill="{p.color}" fill-opacity="{".12" if empty else ".55"}" '
            f'stroke="{"#111" if p.id == selected else p.color}" stroke-width="{width_}"{ring} '
            f'style="cursor:pointer"><title>{escape(p.label)}: {fmt_number(value)} '
            f"{escape(size_label)}</title></circle>"
        )
    style = flow_style or FlowStyle()
    if flows:
        biggest = max(flows.values()) or 1
        for (origin, dest), count in sorted(flows.items(), key=lambda kv: kv[1]):
            if count <= 0 or origin == dest or origin not in where or dest not in where:
                continue
            (x1, y1), (x2, y2) = where[origin], where[dest]
            mx, my = (x1 + x2) / 2 - (y2 - y1) * 0.2, (y1 + y2) / 2 + (x2 - x1) * 0.2
            # stop at the rim of the destination bubble, along the curve's last tangent
            tx, ty = x2 - mx, y2 - my
            cut = (radius[dest] + 2) / max(math.hypot(tx, ty), 1e-9)
            x2, y2 = x2 - tx * cut, y2 - ty * cut
            w = flow_width(count, biggest)
            parts.append(
                f'<path class="flow {style.css}" d="M{x1:.1f},{y1:.1f}Q{mx:.1f},{my:.1f} '
                f'{x2:.1f},{y2:.1f}" stroke="{style.color}" stroke-width="{w:.1f}" '
                f'marker-end="url(#{style.marker})">'
                f"<title>{escape(style.names.get(origin, origin))} "
                f"→ {escape(style.names.get(dest, dest))}: {escape(style.format(count))} "
                f"{escape(style.unit)}</title></path>"
            )
        parts += flow_legend(biggest, style, width, height)
    for rid, amount in (local or {}).items():
        if rid in where and amount > 0:
            x, y = where[rid]
            parts.append(
                f'<circle class="flow-local" cx="{x:.1f}" cy="{y:.1f}" '
                f'r="{radius[rid] + 3:.1f}" fill="none" stroke="{style.color}" '
                f'stroke-width="{flow_width(amount, max(local.values())):.1f}" '
                f'stroke-opacity=".5"><title>{escape(style.names.get(rid, rid))} '
                f"({escape(style.local_word)}): {escape(style.format(amount))} "
                f"{escape(style.unit)}</title></circle>"
            )
    for p in places:
        x, y = where[p.id]
        parts.append(
            text(
                x,
                y + radius[p.id] + 11,  # below the bubble, so a small bubble is not covered
                p.label,
                text_anchor="middle",
                fill=INK,
                font_weight="500",
                stroke="#fbfcfd",
                stroke_width="3",
                paint_order="stroke",
            )
        )
    parts += _district_marks(districts, where, radius, project, size_label, selected)
    stacked: dict[tuple[float, float], int] = {}
    for c in centers:
        x, y = project(c.lon, c.lat)
        nth = stacked.get((x, y), 0)
        stacked[(x, y)] = nth + 1
        x, y = x + 10, y - 10 - 16 * nth  # several centers at one site stack upwards
        fill = "#111" if c.state == "open" else "#fff"
        parts.append(
            f'<g class="center-marker {escape(c.state)}" data-center="{escape(c.id)}">'
            f'<path d="M{x:.1f},{y - 7:.1f}l7,7l-7,7l-7,-7z" '
            f'fill="{fill}" stroke="#111" stroke-width="1.5"/>'
            f"<title>{escape(c.label)} {escape(c.detail)}</title></g>"
        )
        parts.append(
            text(
                x + 9,
                y + 4,
                c.label,
                fill="#111",
                font_size="10",
                stroke="#fbfcfd",
                stroke_width="3",
                paint_order="stroke",
            )
        )
    legend = legend or f"bubble area ∝ {size_label}; ◆ compute center; arrows: relocations"
    if title:
        parts.append(text(PAD, PAD + 4, title, fill=INK, font_size="13", font_weight="600"))
    for k, line in enumerate(reversed(wrap(legend, width - 2 * PAD))):
        parts.append(text(PAD, height - 6 - 12 * k, line, fill=MUTED, font_size="10"))
    parts.append("</svg>")
    return "".join(parts)

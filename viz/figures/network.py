"""Collaboration network, readable at any size: region bundles plus a stable agent sample.

Why not draw every node: at 10,000+ agents and tens of thousands of ties a node-link
drawing is a hairball and an SVG of that size freezes the page. Instead:

* ties are **aggregated by region pair** and drawn as bundles whose width grows with the
  number of ties (ties within a region are given in the region's label);
* a **stable sample** of agents, the same number from each region (the lowest hashes
  of their ids, so the same agents stay in view from step to step), is drawn as dots
  coloured by region and shaped by kind, with the ties among them.

The summary costs one pass over nodes and edges (~10-30 ms at 10k nodes / 50k ties).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from html import escape

import networkx as nx
import numpy as np

from viz.figures.lines import text_width
from viz.figures.palette import FONT, INK, MUTED, fmt_number, text

KINDS = ("firm", "university", "government")
WIDTH, HEIGHT = 520, 520
SAMPLE_SIZE = 240  # spread evenly over the regions, at most PER_REGION each
PER_REGION = 60
_GOLDEN = math.pi * (3 - math.sqrt(5))


@dataclass(frozen=True)
class NetworkSummary:
    """What the network view needs, computed once per step."""

    step: int
    nodes: int
    edges: int
    kinds: dict[tuple[str, str], int]  # (region, kind) -> agents
    pairs: dict[tuple[str, str], int]  # sorted (region, region) -> ties
    sample: list[tuple[int, str, str]] = field(default_factory=list)  # (uid, region, kind)
    sample_edges: list[tuple[int, int]] = field(default_factory=list)
    details: dict[int, dict[str, float]] = field(default_factory=dict)  # uid -> key state

    @property
    def inter_share(self) -> float:
        inter = sum(n for (a, b), n in self.pairs.items() if a != b)
        return inter / self.edges if self.edges else float("nan")


def _hash(uid: int) -> int:
    """Knuth's multiplicative hash: a stable pseudo-random rank for an agent id."""
    return (uid * 2654435761) & 0xFFFFFFFF


def summarize(
    graph: nx.Graph, region_ids: list[str], step: int = 0, sample_size: int = SAMPLE_SIZE
) -> NetworkSummary:
    """Aggregate ``graph`` (node attributes ``kind`` and ``region``) for drawing.

    ``region`` may be a region id or an index into ``region_ids``.
    """
    n = graph.number_of_nodes()
    where: dict[int, str] = {}
    kinds: Counter[tuple[str, str]] = Counter()
    ranked: dict[str, list[tuple[int, int, str]]] = {}
    for uid, data in graph.nodes(data=True):
        region = data.get("region")
        if isinstance(region, int) and 0 <= region < len(region_ids):
            region = region_ids[region]
        region = str(region)
        kind = str(data.get("kind", "firm"))
        where[uid] = region
        kinds[region, kind] += 1
        ranked.setdefault(region, []).append((_hash(int(uid)), int(uid), kind))
    per_region = min(PER_REGION, max(1, sample_size // max(1, len(region_ids))))
    sample = [
        (uid, region, kind)
        for region, members in ranked.items()
        for _, uid, kind in sorted(members)[:per_region]
    ]
    pairs: Counter[tuple[str, str]] = Counter()
    for u, v in graph.edges():
        a, b = where[u], where[v]
        pairs[(a, b) if a <= b else (b, a)] += 1
    sampled = {uid for uid, _, _ in sample}
    sample_edges = [(int(u), int(v)) for u, v in graph.subgraph(sampled).edges() if u != v]
    return NetworkSummary(
        step, n, graph.number_of_edges(), dict(kinds), dict(pairs), sample, sample_edges
    )


def _anchors(
    region_ids: list[str], latlon: dict[str, tuple[float, float]], cx: float, cy: float, r: float
) -> dict[str, tuple[float, float]]:
    """Regions on a circle, in the order of their bearing from the centre of Korea."""
    if not region_ids:
        return {}
    lat0 = sum(latlon.get(rid, (36.0, 127.8))[0] for rid in region_ids) / len(region_ids)
    lon0 = sum(latlon.get(rid, (36.0, 127.8))[1] for rid in region_ids) / len(region_ids)

    def bearing(rid: str) -> float:
        lat, lon = latlon.get(rid, (lat0, lon0))
        return math.atan2(lon - lon0, lat - lat0)  # clockwise from north

    ordered = sorted(region_ids, key=bearing)
    start = bearing(ordered[0])
    out = {}
    for i, rid in enumerate(ordered):
        angle = start + 2 * math.pi * i / len(ordered)
        out[rid] = (cx + r * math.sin(angle), cy - r * math.cos(angle))
    return out


def _shape(
    kind: str, x: float, y: float, color: str, s: float = 2.6, tip: str = "", pick: str = ""
) -> str:
    """A dot shaped by agent kind; ``tip`` (escaped here) is its hover text; ``pick`` is
    what a click on it sends (a firm: ``f:<uid>``, followed by the firm inspector)."""
    title = f"<title>{escape(tip)}</title>" if tip else ""
    extra = f' class="node" data-kind="{escape(kind)}"' if tip else ""
    if pick:
        extra += f' data-region="{escape(pick)}"'  # the pointer: style.css
        s = s * 1.25
    if kind == "university":
        return (
            f'<rect{extra} x="{x - s:.1f}" y="{y - s:.1f}" width="{2 * s:.1f}" '
            f'height="{2 * s:.1f}" fill="{color}" stroke="#fff" stroke-width=".6">{title}</rect>'
        )
    if kind == "government":
        t = s * 1.9
        return (
            f'<path{extra} d="M{x:.1f},{y - t:.1f}l{t:.1f},{t:.1f}l{-t:.1f},{t:.1f}'
            f'l{-t:.1f},{-t:.1f}z" fill="{color}" stroke="#111" stroke-width=".8">{title}</path>'
        )
    return f'<circle{extra} cx="{x:.1f}" cy="{y:.1f}" r="{s:.1f}" fill="{color}">{title}</circle>'


WORDS_EN = {
    "agents": "agents",
    "ties": "ties",
    "sampled": "sampled",
    "per_region": "a region",
    "bands": "bands = ties between regions",
    "firm": "firm",
    "university": "university",
    "government": "government",
    "employees": "employees",
    "knowledge": "knowledge",
    "compute_met": "compute need met",
    "region": "region",
    "follow": "click: follow this firm",
}


def node_tip(kind: str, region: str, state: dict[str, float], words: dict[str, str]) -> str:
    """Hover text of one agent: kind, region and key state."""
    parts = [f"{words.get(kind, kind)} · {region}", f"{words['ties']}: {state.get('ties', 0)}"]
    if "employees" in state:
        parts.append(f"{words['employees']}: {fmt_number(state['employees'])}")
        parts.append(f"{words['knowledge']}: {fmt_number(state['knowledge'])}")
        parts.append(f"{words['compute_met']}: {100 * state['compute_met']:.0f}%")
    if kind == "firm":
        parts.append(words["follow"])
    return "\n".join(parts)


def network_svg(
    summary: NetworkSummary,
    labels: dict[str, str],
    colors: dict[str, str],
    latlon: dict[str, tuple[float, float]],
    *,
    title: str = "",
    width: int = WIDTH,
    height: int = HEIGHT,
    words: dict[str, str] | None = None,
    followed: int | None = None,
) -> str:
    """The network view as one SVG element (see the module docstring); a click on a firm
    follows it (``followed``: ringed)."""
    words = {**WORDS_EN, **(words or {})}
    region_ids = list(labels)
    cx, cy = width / 2, height / 2 - 4
    ring = min(width, height) / 2 - 120
    anchors = _anchors(region_ids, latlon, cx, cy, ring)
    agents = Counter()
    for (region, _), count in summary.kinds.items():
        agents[region] += count
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="abm-figure abm-network" '
        f'data-step="{summary.step}" viewBox="0 0 {width} {height}" width="100%" '
        f'style="max-width:{width}px" font-family="{FONT}" font-size="11">',
        f'<rect width="{width}" height="{height}" fill="#fbfcfd"/>',
    ]
    inter = {p: n for p, n in summary.pairs.items() if p[0] != p[1]}
    top = max(inter.values(), default=1)
    for (a, b), count in sorted(inter.items(), key=lambda kv: kv[1]):
        if a not in anchors or b not in anchors:
            continue
        (x1, y1), (x2, y2) = anchors[a], anchors[b]
        qx, qy = (x1 + x2) / 4 + cx / 2, (y1 + y2) / 4 + cy / 2  # bend towards the centre
        w = 0.6 + 9 * math.sqrt(count / top)
        parts.append(
            f'<path d="M{x1:.1f},{y1:.1f}Q{qx:.1f},{qy:.1f} {x2:.1f},{y2:.1f}" fill="none" '
            f'stroke="#7b8794" stroke-opacity=".35" stroke-width="{w:.1f}">'
            f"<title>{escape(labels[a])} – {escape(labels[b])}: {count} {escape(words['ties'])}"
            "</title></path>"
        )
    # sampled agents around their region's anchor, placed on a sunflower spiral by rank
    position: dict[int, tuple[float, float]] = {}
    by_region: dict[str, list[tuple[int, str]]] = {}
    for uid, region, kind in summary.sample:
        by_region.setdefault(region, []).append((uid, kind))
    dots = []
    for region, members in by_region.items():
        if region not in anchors:
            continue
        ax, ay = anchors[region]
        members.sort(key=lambda m: _hash(m[0]))
        spread = 4.2
        for i, (uid, kind) in enumerate(members):
            rr = spread * math.sqrt(i + 0.5)
            x, y = ax + rr * math.cos(i * _GOLDEN), ay + rr * math.sin(i * _GOLDEN)
            position[uid] = (x, y)
            tip = node_tip(kind, labels.get(region, region), summary.details.get(uid, {}), words)
            pick = f"f:{uid}" if kind == "firm" else ""
            dots.append(_shape(kind, x, y, colors.get(region, "#999"), tip=tip, pick=pick))
            if uid == followed:
                dots.append(
                    f'<circle class="followed" cx="{x:.1f}" cy="{y:.1f}" r="6" fill="none" '
                    'stroke="#111" stroke-width="1.6"/>'
                )
    lines = []
    for u, v in summary.sample_edges:
        if u in position and v in position:
            (x1, y1), (x2, y2) = position[u], position[v]
            lines.append(f"M{x1:.1f},{y1:.1f}L{x2:.1f},{y2:.1f}")
    if lines:
        parts.append(
            f'<path d="{"".join(lines)}" stroke="#34495e" stroke-opacity=".22" '
            f'stroke-width=".6" fill="none"/>'
        )
    parts += dots
    for rid, (x, y) in anchors.items():
        lx, ly = cx + (x - cx) * 1.42, cy + (y - cy) * 1.36
        anchor = "middle" if abs(lx - cx) < 60 else ("start" if lx > cx else "end")
        within = summary.pairs.get((rid, rid), 0)
        detail = (
            f"{fmt_number(agents[rid])} {words['agents']}, {fmt_number(within)} {words['ties']}"
        )
        longest = max(text_width(labels[rid], 6.2, 11.0), text_width(detail, 5.3, 9.5))
        if anchor == "end":
            lx = max(lx, longest + 4)  # keep the label inside the figure
        elif anchor == "start":
            lx = min(lx, width - longest - 4)
        parts.append(
            text(
                lx,
                ly,
                labels[rid],
                text_anchor=anchor,
                fill=colors.get(rid, INK),
                font_weight="600",
            )
        )
        parts.append(
            text(
                lx,
                ly + 12,
                detail,
                text_anchor=anchor,
                fill=MUTED,
                font_size="9.5",
            )
        )
    shown = len(summary.sample)
    most = max(Counter(region for _, region, _ in summary.sample).values(), default=0)
    if title:
        parts.append(text(12, 18, title, fill=INK, font_size="13", font_weight="600"))
    parts.append(
        text(
            12,
            height - 22,
            f"{fmt_number(summary.nodes)} {words['agents']}, {fmt_number(summary.edges)} "
            f"{words['ties']}; {shown} {words['sampled']} (≤ {most} {words['per_region']}); "
            f"{words['bands']}",
            fill=MUTED,
            font_size="10",
        )
    )
    legend_x = 12
    for kind in KINDS:
        parts.append(_shape(kind, legend_x + 4, height - 9, "#666", 3.2))
        label = words.get(kind, kind)
        parts.append(text(legend_x + 12, height - 5, label, fill=MUTED, font_size="10"))
        legend_x += 24 + 7 * len(label)
    parts.append("</svg>")
    return "".join(parts)


def summarize_rows(
    u: np.ndarray,
    v: np.ndarray,
    region: np.ndarray,
    kind: np.ndarray,
    uid: np.ndarray,
    alive: np.ndarray,
    region_ids: list[str],
    step: int = 0,
    sample_size: int = SAMPLE_SIZE,
) -> NetworkSummary:
    """The same summary as :func:`summarize`, vectorised over the model's node table.

    ``u``/``v`` are the tie end rows, the other arrays are per row (``kind`` indexes
    :data:`KINDS`, ``region`` indexes ``region_ids``). Sub-millisecond at 10k nodes.
    """
    n_regions = len(region_ids)
    rows = np.flatnonzero(alive)
    counts = np.bincount(
        region[rows].astype(np.int64) * len(KINDS) + kind[rows], minlength=n_regions * len(KINDS)
    )
    kinds = {
        (region_ids[i // len(KINDS)], KINDS[i % len(KINDS)]): int(c)
        for i, c in enumerate(counts)
        if c
    }
    a, b = region[u].astype(np.int64), region[v].astype(np.int64)
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    pair_counts = np.bincount(lo * n_regions + hi, minlength=n_regions * n_regions)
    pairs = {
        (region_ids[i // n_regions], region_ids[i % n_regions]): int(c)
        for i, c in enumerate(pair_counts)
        if c
    }
    per_region = min(PER_REGION, max(1, sample_size // max(1, n_regions)))
    in_sample = np.zeros(len(alive), dtype=bool)
    ranks = (uid[rows].astype(np.int64) * 2654435761) & 0xFFFFFFFF
    order = np.lexsort((ranks, region[rows]))  # by region, then by hash
    ordered_regions = region[rows][order]
    starts = np.searchsorted(ordered_regions, ordered_regions, side="left")
    keep = (np.arange(len(order)) - starts) < per_region
    in_sample[rows[order[keep]]] = True
    chosen = np.flatnonzero(in_sample)
    sample = [(int(uid[r]), region_ids[int(region[r])], KINDS[int(kind[r])]) for r in chosen]
    both = in_sample[u] & in_sample[v]
    sample_edges = [(int(uid[x]), int(uid[y])) for x, y in zip(u[both], v[both], strict=True)]
    return NetworkSummary(step, len(rows), len(u), kinds, pairs, sample, sample_edges)

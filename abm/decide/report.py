"""The decision report: figures a policy analyst would put in a report, one offline HTML page.

Figures (PNG, in ``DIR/figures`` and embedded in ``DIR/report.html`` as data URIs, so the
page works offline and can be mailed as one file):

* ``p_best.png``: probability of being best, one panel per objective;
* ``bands.png``: median and 5-95 % band of each option, one panel per objective;
* ``reference.png``: each option minus the reference option, future by future;
* ``prim-<objective>-<a>-<b>.png``: the futures of a pair of leading options in the two
  parameters PRIM cut first, coloured by which option wins, with the boxes drawn;
* ``effects.png``: every pair's mean paired difference with its 95 % interval (and the
  objective's minimum detectable effect of interest, when the spec sets one);
* ``variance.png``: where each pair's difference varies: seeds, calibrated parameters,
  deep-uncertainty ranges, the rest;
* ``voi.png``: the value of information (EVPPI) of each parameter and group, ranked, in
  the objective's units, with the noise floor.

Uses matplotlib's object API (``Figure``), not pyplot: no global state, no GUI backend.
"""

from __future__ import annotations

import base64
import html
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from abm.decide.model import OPTION_KEY

FIGURES = "figures"
TOP_FIGURES = (
    "p_best.png",
    "bands.png",
    "reference.png",
    "effects.png",
    "variance.png",
    "voi.png",
)
_COLORS = [
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#9467bd",
    "#ff7f0e",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
]


def _panels(n: int, cols: int = 3, size: tuple[float, float] = (4.4, 3.0)) -> tuple[Figure, list]:
    cols = 2 if n in (2, 4) else max(1, min(cols, n))
    rows = math.ceil(n / cols)
    fig = Figure(figsize=(size[0] * cols, size[1] * rows + 0.3), layout="constrained")
    axes = list(fig.subplots(rows, cols, squeeze=False).ravel())
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes[:n]


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)


def _title(o: dict[str, Any]) -> str:
    arrow = "higher is better" if o["direction"] == "max" else "lower is better"
    unit = f" [{o['unit']}]" if o.get("unit") else ""
    return f"{o['label']}{unit}, {o['at']}\n({arrow})"


def _compared(decision: dict[str, Any]) -> list[dict[str, Any]]:
    return [o for o in decision["objectives"] if o.get("options")]


def fig_p_best(decision: dict[str, Any]) -> Figure | None:
    objectives = _compared(decision)
    if not objectives:
        return None
    fig, axes = _panels(len(objectives))
    for ax, o in zip(axes, objectives, strict=True):
        names = [x["name"] for x in o["options"]][::-1]
        values = [x["p_best"] for x in o["options"]][::-1]
        colors = [_COLORS[i % len(_COLORS)] for i in range(len(names))][::-1]
        ax.barh(names, values, color=colors)
        low = np.array([x.get("p_best_low", x["p_best"]) for x in o["options"]][::-1], float)
        high = np.array([x.get("p_best_high", x["p_best"]) for x in o["options"]][::-1], float)
        ax.errorbar(
            values,
            range(len(names)),
            xerr=np.vstack([np.array(values) - low, high - np.array(values)]),
            fmt="none",
            ecolor="black",
            capsize=3,
            lw=1,
        )
        for y, value in enumerate(values):
            inside = high[y] > 0.85  # no room right of the interval: write it inside the bar
            x = low[y] - 0.02 if inside else high[y] + 0.02
            ax.text(
                x,
                y,
                f"{100 * value:.0f} %",
                va="center",
                ha="right" if inside else "left",
                color="white" if inside else "black",
                fontsize=8,
            )
        ax.set_xlim(0, 1)
        ax.set_xlabel("probability of being best (95 % interval)", fontsize=8)
        ax.set_title(_title(o), fontsize=9)
    return fig


def fig_bands(decision: dict[str, Any], values: dict[str, np.ndarray] | None) -> Figure | None:
    objectives = _compared(decision)
    if not objectives:
        return None
    fig, axes = _panels(len(objectives))
    for ax, o in zip(axes, objectives, strict=True):
        rows = o["options"]
        x = np.arange(len(rows))
        if values is not None and o["name"] in values:
            rng = np.random.default_rng(0)  # jitter only: the same picture every time
            for i, v in enumerate(values[o["name"]]):
                v = v[np.isfinite(v)]
                ax.scatter(
                    i + rng.uniform(-0.18, 0.18, len(v)),
                    v,
                    s=6,
                    alpha=0.35,
                    color=_COLORS[i % len(_COLORS)],
                    linewidths=0,
                )
        med = np.array([r["median"] for r in rows], dtype=float)
        low = np.array([r["p5"] for r in rows], dtype=float)
        high = np.array([r["p95"] for r in rows], dtype=float)
        ax.errorbar(
            x,
            med,
            yerr=np.vstack([med - low, high - med]),
            fmt="o",
            color="black",
            capsize=4,
            lw=1.5,
            zorder=3,
        )
        if o.get("threshold") is not None:
            ax.axhline(o["threshold"], color="#a40", ls="--", lw=1)
            ax.text(
                len(rows) - 0.5,
                o["threshold"],
                " threshold",
                color="#a40",
                fontsize=7,
                va="bottom",
                ha="right",
            )
        ax.set_xticks(x, [r["name"] for r in rows], rotation=20 if len(rows) > 3 else 0, fontsize=8)
        ax.set_title(_title(o), fontsize=9)
        ax.tick_params(axis="y", labelsize=8)
    return fig


def fig_reference(decision: dict[str, Any]) -> Figure | None:
    objectives = [o for o in _compared(decision) if o.get("reference")]
    if not objectives:
        return None
    fig, axes = _panels(len(objectives))
    for ax, o in zip(axes, objectives, strict=True):
        diffs = o["reference"]["differences"]
        y = np.arange(len(diffs))[::-1]
        med = np.array([d["median"] for d in diffs], dtype=float)
        low = np.array([d["p5"] for d in diffs], dtype=float)
        high = np.array([d["p95"] for d in diffs], dtype=float)
        ax.errorbar(
            med, y, xerr=np.vstack([med - low, high - med]), fmt="o", capsize=4, color="black"
        )
        ax.axvline(0, color="grey", lw=1)
        ax.set_yticks(y, [d["option"] for d in diffs], fontsize=8)
        for yy, d in zip(y, diffs, strict=True):
            ax.annotate(
                f"better in {100 * d['p_better']:.0f} %",
                (med[len(y) - 1 - yy], yy),
                textcoords="offset points",
                xytext=(0, 6),
                fontsize=7,
                ha="center",
            )
        ax.set_title(
            f"{o['label']} minus {o['reference']['option']}, {o['at']}\n"
            f"({'higher' if o['direction'] == 'max' else 'lower'} is better)",
            fontsize=9,
        )
        ax.tick_params(axis="x", labelsize=8)
    return fig


def fig_effects(decision: dict[str, Any]) -> Figure | None:
    """Every pair's mean paired difference (a minus b) with its 95 % interval."""
    objectives = [o for o in _compared(decision) if o.get("effects")]
    if not objectives:
        return None
    fig, axes = _panels(len(objectives), size=(4.6, 0.35 * len(objectives[0]["effects"]) + 1.4))
    for ax, o in zip(axes, objectives, strict=True):
        rows = o["effects"]
        y = np.arange(len(rows))[::-1]
        mean = np.array([r["mean"] for r in rows], dtype=float)
        low = np.array([r["low"] if r["low"] is not None else np.nan for r in rows], float)
        high = np.array([r["high"] if r["high"] is not None else np.nan for r in rows], float)
        colors = ["black" if r["significant"] else "grey" for r in rows]
        for yy, m, lo, hi, c in zip(y, mean, low, high, colors, strict=True):
            ax.errorbar(m, yy, xerr=[[m - lo], [hi - m]], fmt="o", color=c, capsize=3, ms=4)
        ax.axvline(0, color="grey", lw=1)
        if o.get("mde"):
            for edge in (-o["mde"], o["mde"]):
                ax.axvline(edge, color="#a40", ls=":", lw=1)
        ax.set_yticks(y, [f"{r['a']} - {r['b']}" for r in rows], fontsize=7)
        ax.tick_params(axis="x", labelsize=7)
        ax.set_title(
            f"{o['label']}, {o['at']}\n(a minus b; black: interval excludes 0)", fontsize=9
        )
    return fig


_SHARES = (
    ("seeds", "seeds", "#bbbbbb"),
    ("posterior", "calibrated parameters", "#1f77b4"),
    ("ranges", "deep-uncertainty ranges", "#ff7f0e"),
    ("other", "interactions and rest", "#9467bd"),
)


def fig_variance(decision: dict[str, Any]) -> Figure | None:
    """Each pair's variance of the paired difference, split into its sources."""
    objectives = [o for o in _compared(decision) if o.get("variance")]
    if not objectives:
        return None
    fig, axes = _panels(len(objectives), size=(4.6, 0.3 * len(objectives[0]["variance"]) + 1.6))
    for ax, o in zip(axes, objectives, strict=True):
        rows = [r for r in o["variance"] if r.get("variance")]
        y = np.arange(len(rows))[::-1]
        left = np.zeros(len(rows))
        for key, label, color in _SHARES:
            width = np.array([r.get(key) or 0.0 for r in rows], dtype=float)
            if width.any():
                ax.barh(y, width, left=left, color=color, label=label, height=0.7)
            left += width
        ax.set_yticks(y, [f"{r['a']} - {r['b']}" for r in rows], fontsize=7)
        ax.set_xlim(0, 1)
        ax.set_xlabel("share of the paired difference's variance", fontsize=8)
        ax.set_title(f"{o['label']}, {o['at']}", fontsize=9)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=4, fontsize=7)
    return fig


def fig_voi(decision: dict[str, Any], top: int = 12) -> Figure | None:
    """EVPPI of each parameter and group, ranked (largest first), in the objective's units."""
    objectives = [
        o for o in _compared(decision) if (o.get("value_of_information") or {}).get("rows")
    ]
    if not objectives:
        return None
    fig, axes = _panels(len(objectives), cols=2, size=(5.6, 3.6))
    for ax, o in zip(axes, objectives, strict=True):
        voi = o["value_of_information"]
        rows = voi["rows"][:top]
        y = np.arange(len(rows))[::-1]
        colors = ["#d62728" if r["kind"] == "group" else "#1f77b4" for r in rows]
        ax.barh(y, [r["evppi"] for r in rows], color=colors, height=0.7)
        ax.set_yticks(y, [r.get("label", r["name"]) for r in rows], fontsize=7)
        if voi.get("noise_floor"):
            ax.axvline(voi["noise_floor"], color="black", ls=":", lw=1)
        unit = f" [{o['unit']}]" if o.get("unit") else ""
        ax.set_xlabel(f"EVPPI{unit} (red: groups; dotted: noise floor)", fontsize=8)
        ax.tick_params(axis="x", labelsize=7)
        ax.set_title(f"{o['label']}, {o['at']}", fontsize=9)
    return fig


def fig_prim(
    o: dict[str, Any], pair: dict[str, Any], futures: pd.DataFrame, signed: dict[str, np.ndarray]
) -> Figure | None:
    """The futures of a pair in the two parameters PRIM cut first; wins coloured; boxes."""
    params = o["discovery"].get("parameters", [])
    cut = [c["parameter"] for b in pair["boxes"] for c in b.get("limits", [])]
    dims = list(dict.fromkeys(cut + params))[:2]
    if not dims or pair["a"] not in signed or pair["b"] not in signed:
        return None
    a, b = signed[pair["a"]], signed[pair["b"]]
    valid = np.isfinite(a) & np.isfinite(b)
    frame = futures.loc[valid]
    wins_a = (a > b)[valid]
    wins_b = (b > a)[valid]
    fig = Figure(figsize=(5.2, 4.0), layout="constrained")
    ax = fig.subplots()
    xs = frame[dims[0]].to_numpy(dtype=float)
    ys = frame[dims[1]].to_numpy(dtype=float) if len(dims) > 1 else np.zeros(len(frame))
    # the seeds of one parameter set share its point: spread them a little, side by side
    if "replication" in frame and frame["replication"].nunique() > 1:
        r = frame["replication"].to_numpy(dtype=float)
        width = (np.ptp(xs) or 1.0) * 0.012
        xs_shown = xs + (r - r.max() / 2) * width
    else:
        xs_shown = xs
    for mask, name, color in ((wins_a, pair["a"], _COLORS[0]), (wins_b, pair["b"], _COLORS[1])):
        ax.scatter(xs_shown[mask], ys[mask], s=14, color=color, label=f"{name} wins", alpha=0.8)
    tie = ~(wins_a | wins_b)
    if tie.any():
        ax.scatter(xs_shown[tie], ys[tie], s=14, color="grey", label="tie", alpha=0.8)
    for box, color in zip(pair["boxes"], (_COLORS[0], _COLORS[1]), strict=False):
        color = _COLORS[0] if box["winner"] == pair["a"] else _COLORS[1]
        lim = {c["parameter"]: c for c in box.get("limits", [])}
        if not lim:
            continue
        x0, x1 = _extent(lim.get(dims[0]), xs)
        y0, y1 = _extent(lim.get(dims[1]) if len(dims) > 1 else None, ys)
        weak = box.get("meets_density") is False  # the densest box, below the target
        ax.add_patch(_rect(x0, y0, x1 - x0, y1 - y0, color, weak))
        ax.text(
            x0,
            y1,
            f" {box['winner']}: cov {box['coverage']:.2f}, dens {box['density']:.2f}"
            + (" (below target)" if weak else ""),
            color=color,
            fontsize=7,
            va="bottom",
        )
    ax.set_xlabel(dims[0], fontsize=8)
    ax.set_ylabel(dims[1] if len(dims) > 1 else "", fontsize=8)
    ax.legend(fontsize=7, loc="best")
    ax.set_title(f"{o['label']}: {pair['a']} vs {pair['b']}", fontsize=9)
    return fig


def _extent(cut: dict[str, Any] | None, values: np.ndarray) -> tuple[float, float]:
    lo, hi = float(np.min(values)), float(np.max(values))
    if cut is None:
        return lo, hi
    return (
        cut["low"] if cut["low"] is not None else lo,
        cut["high"] if cut["high"] is not None else hi,
    )


def _rect(x: float, y: float, w: float, h: float, color: str, weak: bool = False) -> Any:
    from matplotlib.patches import Rectangle

    return Rectangle(
        (x, y), w, h, fill=False, edgecolor=color, lw=1 if weak else 2, ls=":" if weak else "--"
    )


def per_future(
    decision: dict[str, Any], folder: Path
) -> tuple[dict[str, Any], pd.DataFrame] | None:
    """Each objective's values by option (futures in order), and the futures table, read
    from the folder (None if the folder has no runs)."""
    from abm.decide.run import load_folder_runs

    try:
        runs, futures = load_folder_runs(folder, decision)
    except Exception:  # the report still renders from decision.json alone
        return None
    n = int(decision["futures"]["count"])
    if runs.empty:
        return None
    ok = runs[runs["status"] == "ok"]
    index = ok["future"].to_numpy(dtype=np.int64)
    out: dict[str, Any] = {}
    for o in decision["objectives"]:
        by_option = {}
        for option in (x["name"] for x in decision["options"]):
            v = np.full(n, np.nan)
            mask = (ok[OPTION_KEY] == option).to_numpy()
            if o["name"] in ok:
                v[index[mask]] = ok.loc[mask, o["name"]].to_numpy(dtype=float)
            by_option[option] = v
        out[o["name"]] = by_option
    return out, futures.reset_index(drop=True)


def write_figures(decision: dict[str, Any], folder: Path) -> list[tuple[str, str]]:
    """Write every figure to ``folder/figures``; (file name, caption) pairs in report order."""
    target = folder / FIGURES
    target.mkdir(parents=True, exist_ok=True)
    data = per_future(decision, folder)
    written: list[tuple[str, str]] = []

    def save(fig: Figure | None, name: str, caption: str) -> None:
        if fig is not None:
            fig.savefig(target / name, dpi=110)
            written.append((name, caption))

    save(
        fig_p_best(decision),
        "p_best.png",
        "Probability of being best: the share of futures in which each option does best "
        "(ties split).",
    )
    values = None
    if data is not None:
        values = {k: np.vstack(list(v.values())) for k, v in data[0].items()}
    save(
        fig_bands(decision, values),
        "bands.png",
        "Outcomes by option: median and 5-95 % band over the futures (dots: single futures).",
    )
    save(
        fig_reference(decision),
        "reference.png",
        "Each option minus the reference option, future by future: median and 5-95 % band.",
    )
    save(
        fig_effects(decision),
        "effects.png",
        "Effects: the mean paired difference of every pair of options (a minus b, future by "
        "future) with its 95 % interval; dotted: the minimum detectable effect of interest.",
    )
    save(
        fig_variance(decision),
        "variance.png",
        "Where each paired difference varies: seeds, calibrated parameters, deep-uncertainty "
        "ranges, and what no single group explains.",
    )
    save(
        fig_voi(decision),
        "voi.png",
        "Value of information: what learning a parameter (or group) before choosing would "
        "gain on average (EVPPI, in the objective's units), ranked.",
    )
    if data is not None:
        by_objective, futures = data
        for o in _compared(decision):
            sign = 1.0 if o["direction"] == "max" else -1.0
            signed = {k: sign * v for k, v in by_objective[o["name"]].items()}
            for pair in (o.get("discovery") or {}).get("pairs", []):
                if not any(b.get("limits") for b in pair["boxes"]):
                    continue
                name = _safe(f"prim-{o['name']}-{pair['a']}-{pair['b']}.png")
                save(
                    fig_prim(o, pair, futures, signed),
                    name,
                    f"{o['label']}: where {pair['a']} or {pair['b']} wins (PRIM boxes).",
                )
    return written


# ---------------------------------------------------------------------- HTML
def _num(x: Any, digits: int = 4) -> str:
    if x is None:
        return "-"
    x = float(x)
    if abs(x) >= 1e6 or (abs(x) < 1e-3 and x != 0):
        return f"{x:.{digits - 1}e}"
    return f"{x:,.{digits}g}" if abs(x) < 1e4 else f"{x:,.0f}"


def _pct(x: Any) -> str:
    return "-" if x is None else f"{100 * float(x):.0f} %"


def options_table(o: dict[str, Any]) -> str:
    """Bands, P(best), regret and satisficing of one objective (HTML)."""
    esc = html.escape
    sat = o.get("threshold") is not None
    head = (
        "<tr><th>option</th><th>median</th><th>5-95 %</th><th>P(best)</th>"
        "<th>expected regret</th><th>worst regret</th>"
        + (f"<th>meets {esc(_num(o['threshold']))}</th>" if sat else "")
        + "</tr>"
    )
    rows = []
    for x in o["options"]:
        lead = " class='lead'" if x["name"] == o.get("leader") else ""
        rows.append(
            f"<tr{lead}><td>{esc(x['name'])}</td><td>{_num(x['median'])}</td>"
            f"<td>{_num(x['p5'])} to {_num(x['p95'])}</td><td>{_pct(x['p_best'])}"
            f"{_interval(x)}</td>"
            f"<td>{_num(x['regret_mean'])}</td><td>{_num(x['regret_max'])}</td>"
            + (f"<td>{_pct(x.get('satisficing'))}</td>" if sat else "")
            + "</tr>"
        )
    return f"<table class='t'>{head}{''.join(rows)}</table>"


def reference_table(o: dict[str, Any]) -> str:
    ref = o.get("reference")
    if not ref:
        return ""
    esc = html.escape
    rows = "".join(
        f"<tr><td>{esc(d['option'])}</td><td>{_num(d['median'])}</td>"
        f"<td>{_num(d['p5'])} to {_num(d['p95'])}</td><td>{_pct(d['p_better'])}</td>"
        f"<td>{_pct(d['p_worse'])}</td></tr>"
        for d in ref["differences"]
    )
    return (
        f"<h4>Against {esc(ref['option'])} (option minus {esc(ref['option'])})</h4>"
        "<table class='t'><tr><th>option</th><th>median difference</th><th>5-95 %</th>"
        f"<th>better</th><th>worse</th></tr>{rows}</table>"
    )


def prim_table(o: dict[str, Any]) -> str:
    disc = o.get("discovery")
    if not disc:
        return ""
    esc = html.escape
    if not disc.get("pairs"):
        return f"<p class='note'>Scenario discovery: {esc(disc.get('note', 'no pairs'))}</p>"
    rows = []
    for pair in disc["pairs"]:
        for b in pair["boxes"]:
            flag = (
                ""
                if b.get("meets_density", True)
                else (
                    "<span class='note'>no box reaches density "
                    f"{disc['density_target']:g}; densest:</span> "
                )
            )
            rows.append(
                f"<tr><td>{esc(pair['a'])} vs {esc(pair['b'])}</td><td>{esc(b['winner'])}</td>"
                f"<td>{_pct(b['base_rate'])}</td><td>{flag}{esc(b.get('note') or b['rule'])}</td>"
                f"<td>{_num(b['coverage'], 3)}</td><td>{_num(b['density'], 3)}</td>"
                f"<td>{_num(b['mass'], 3)}</td></tr>"
            )
        if not pair["boxes"]:
            rows.append(
                f"<tr><td>{esc(pair['a'])} vs {esc(pair['b'])}</td>"
                "<td colspan='6'>a tie in every future</td></tr>"
            )
    return (
        "<h4>Scenario discovery (PRIM): where each option of a leading pair wins</h4>"
        "<table class='t'><tr><th>pair</th><th>winner</th><th>wins in</th><th>box</th>"
        "<th>coverage</th><th>density</th><th>mass</th></tr>" + "".join(rows) + "</table>"
        "<p class='small'>Coverage: the share of the winner's futures inside the box; "
        "density: the share of futures in the box that the winner wins; mass: the share "
        "of all futures in the box.</p>"
    )


def effects_table(o: dict[str, Any]) -> str:
    """Every pair's paired difference, P(a better), and the minimum detectable effect."""
    rows = o.get("effects") or []
    if not rows:
        return ""
    esc = html.escape
    unit = f" [{esc(o['unit'])}]" if o.get("unit") else ""
    body = "".join(
        f"<tr{' class=sig' if r['significant'] else ''}><td>{esc(r['a'])} - {esc(r['b'])}</td>"
        f"<td>{_num(r['mean'])}</td><td>{_num(r['low'])} to {_num(r['high'])}</td>"
        f"<td>{_pct(r['p_better'])} ({_pct(r['p_better_low'])} to {_pct(r['p_better_high'])})"
        f"</td><td>{_num(r['mde'])}</td><td>{_count(r.get('futures_for_mde'))}</td>"
        f"<td>{_count(r.get('futures_for_observed'))}</td></tr>"
        for r in rows
    )
    target = f" of {_num(o['mde'])}" if o.get("mde") else ""
    return (
        f"<h4>Effects: every pair, a minus b{unit}, paired by future</h4><table class='t'>"
        "<tr><th>pair</th><th>mean difference</th><th>95 % interval</th>"
        "<th>P(a better) (95 % interval)</th><th>minimum detectable effect</th>"
        f"<th>futures for an MDE{esc(target)}</th><th>futures to detect the mean</th></tr>"
        f"{body}</table><p class='small'>Bold: the interval excludes 0. Intervals are over "
        "parameter draws (a draw's seeds are not independent); the minimum detectable effect "
        "is the difference a two-sided 5 % test detects with 80 % power at the runs spent."
        "</p>"
    )


def variance_table(o: dict[str, Any]) -> str:
    rows = [r for r in o.get("variance") or [] if r.get("variance")]
    if not rows:
        return ""
    esc = html.escape
    body = "".join(
        f"<tr><td>{esc(r['a'])} - {esc(r['b'])}</td><td>{_num(r['variance'])}</td>"
        + "".join(f"<td>{_pct(r.get(key))}</td>" for key, _, _ in _SHARES)
        + "</tr>"
        for r in rows
    )
    head = "".join(f"<th>{esc(label)}</th>" for _, label, _ in _SHARES)
    return (
        "<h4>Where the variance of each paired difference comes from</h4><table class='t'>"
        f"<tr><th>pair</th><th>variance</th>{head}</tr>{body}</table><p class='small'>"
        "Seeds: the variance between seeds of one parameter draw (nested ANOVA); groups: "
        "the variance of the regression of the draws' means on the group (first-order "
        "effect); the rest: what no single group explains. '-': not in this decision, or "
        "not separable (one seed per draw).</p>"
    )


def voi_table(o: dict[str, Any]) -> str:
    voi = o.get("value_of_information") or {}
    esc = html.escape
    if not voi.get("rows"):
        note = voi.get("note")
        return f"<p class='note'>Value of information: {esc(note)}</p>" if note else ""
    unit = f" [{esc(o['unit'])}]" if o.get("unit") else ""
    body = "".join(
        f"<tr><td>{esc(r.get('label', r['name']))}</td><td>{esc(r['kind'])}</td>"
        f"<td>{_num(r['evppi'])}</td></tr>"
        for r in voi["rows"]
    )
    return (
        f"<h4>Value of information (EVPPI{unit})</h4><table class='t'><tr><th>parameter or "
        f"group</th><th>kind</th><th>EVPPI</th></tr>{body}</table><p class='small'>What "
        "resolving the uncertainty before choosing would gain on average, in the objective's "
        f"units (Strong, Oakley and Brennan 2014). Noise floor: {_num(voi.get('noise_floor'))}"
        " (what a parameter unrelated to the runs gets).</p>"
    )


def stopping_line(o: dict[str, Any]) -> str:
    state = o.get("stopping")
    if not state:
        return ""
    mark = "" if state["status"] == "open" else " class='lead'"
    return f"<p{mark}><b>Answer:</b> {html.escape(state['sentence'])}.</p>"


def _interval(x: dict[str, Any]) -> str:
    if x.get("p_best_low") is None:
        return ""
    return f" <span class='small'>({_pct(x['p_best_low'])} to {_pct(x['p_best_high'])})</span>"


def _count(x: Any) -> str:
    return "-" if x is None else f"{int(x):,}"


def header_notes(decision: dict[str, Any], folder: Path) -> list[str]:
    """The agents' scale and the sequential design's course, as report paragraphs."""
    from abm.decide.population import approximation_note

    esc = html.escape
    parts = []
    agents = decision.get("agents")
    if agents:
        note = approximation_note(agents)
        parts.append(
            f"<p class='note'><b>{esc(note[0].upper() + note[1:])}.</b></p>"
            if note
            else f"<p>One firm agent per real firm ({agents['real_firms']:,} firms).</p>"
        )
    record = sequential_record(folder)
    seq = decision.get("sequential")
    if seq and record:
        parts.append(
            f"<p><b>Sequential design:</b> {seq['batches']} batch"
            f"{'es' if seq['batches'] > 1 else ''}, {record['runs']:,} runs, "
            f"{record['minutes']:.1f} minutes; stopped: {esc(str(record['stopped']))} (rule: "
            f"P(best) to +/- {100 * seq['rule']['width']:.0f} points, or indistinguishable at "
            "each objective's minimum detectable effect).</p>"
        )
    return parts


def sequential_record(folder: Path) -> dict[str, Any] | None:
    """The folder's ``sequential.json`` (runs and minutes of each batch), if any."""
    import json

    try:
        return json.loads((folder / "sequential.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _img(path: Path, caption: str) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return (
        f"<figure><img alt='{html.escape(caption)}' src='data:image/png;base64,{data}'>"
        f"<figcaption>{html.escape(caption)}</figcaption></figure>"
    )


def render_html(decision: dict[str, Any], folder: Path, figures: list[tuple[str, str]]) -> str:
    esc = html.escape
    f = decision["futures"]
    runs = decision["runs"]
    c = runs["counts"]
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Decision {esc(decision['name'])}</title><style>"
        "body{font-family:sans-serif;max-width:1200px;margin:2em auto;padding:0 1em}"
        ".t{border-collapse:collapse;margin:.5em 0}.t td,.t th{border:1px solid #ccc;"
        "padding:.25em .6em;text-align:right}.t td:first-child,.t th:first-child{text-align:left}"
        ".lead{background:#eef6ee;font-weight:bold}img{max-width:100%}.note{color:#a40}"
        ".small{font-size:.85em;color:#555}figure{margin:1em 0}.sig{font-weight:bold}"
        "</style></head><body>",
        f"<h1>Decision: {esc(decision['name'])}</h1>",
        f"<p>{len(decision['options'])} options x {f['count']} futures ({f['draws']} parameter "
        f"draw{'s' if f['draws'] > 1 else ''} x {f['seeds']} seed{'s' if f['seeds'] > 1 else ''}"
        f", common random numbers: every option runs on the same futures), horizon "
        f"{esc(str(decision['horizon']))}. {runs['recorded']} of {runs['total']} runs recorded: "
        f"{c['ok']} ok, {c['error']} failed, {c['timeout']} timed out.</p>",
        f"<p><b>Futures:</b> {esc(f['uncertainty'])}.</p>",
        *header_notes(decision, folder),
    ]
    if f["parameters_at_scenario_values"]:
        parts.append(
            "<p class='note'>No posterior and no deep-uncertainty ranges: the "
            "parameters are at the scenario's values, so these probabilities "
            "describe seed noise only, not parameter uncertainty.</p>"
        )
    if not runs["complete"]:
        parts.append("<p class='note'>The decision is unfinished: finish it with --resume.</p>")
    parts.append(
        "<h2>Summary</h2><ul>"
        + "".join(f"<li>{esc(s)}</li>" for s in decision["summary"])
        + "</ul>"
    )
    parts.append(
        "<h2>Options</h2><ul>"
        + "".join(
            f"<li><b>{esc(o['name'])}</b>{': ' + esc(o['description']) if o['description'] else ''}"
            "</li>"
            for o in decision["options"]
        )
        + "</ul>"
    )
    by_name = dict(figures)
    for name in TOP_FIGURES:
        if name in by_name:
            parts.append(_img(folder / FIGURES / name, by_name[name]))
    for o in decision["objectives"]:
        parts.append(f"<h2>{esc(o['label'])} ({esc(o['direction'])}, {esc(str(o['at']))})</h2>")
        if o["futures_dropped"]:
            parts.append(
                f"<p class='note'>{o['futures_dropped']} futures left out: an option "
                "has no value there (a failed run, or a zero denominator).</p>"
            )
        if not o.get("options"):
            parts.append(f"<p class='note'>{esc(o.get('note', ''))}</p>")
            continue
        parts.append(stopping_line(o))
        parts.append(options_table(o))
        parts.append(
            "<p class='small'>Regret: in each future, how far the option falls short "
            "of the best option of that future, in the objective's units.</p>"
        )
        parts.append(effects_table(o))
        parts.append(reference_table(o))
        parts.append(variance_table(o))
        parts.append(voi_table(o))
        parts.append(prim_table(o))
        for name, caption in figures:
            if name.startswith(_safe(f"prim-{o['name']}-")):
                parts.append(_img(folder / FIGURES / name, caption))
    joint = decision.get("joint_satisficing")
    if joint:
        parts.append(
            "<h2>Meeting every threshold at once</h2><table class='t'><tr><th>option"
            "</th><th>share of futures</th></tr>"
            + "".join(
                f"<tr><td>{esc(k)}</td><td>{_pct(v)}</td></tr>" for k, v in joint["options"].items()
            )
            + "</table>"
        )
    parts.append("<p class='small'>Method: docs/decisions.md. All figures: decision.json.</p>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(decision: dict[str, Any], folder: str | Path) -> Path:
    """Write the figures and ``report.html`` into the decision folder; returns the page."""
    folder = Path(folder)
    figures = write_figures(decision, folder)
    page = folder / "report.html"
    page.write_text(render_html(decision, folder, figures), encoding="utf-8")
    return page

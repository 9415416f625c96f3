"""Figures (PNG) and one HTML report for a sweep, as a policy analyst would use them.

Uses matplotlib's object API (``Figure``), not pyplot: no global state and no
GUI backend, so it runs the same on a laptop, in CI and on a cluster node.
Figures that would be unreadable (too many settings or panels) are skipped or
capped, and the report says so.
"""

from __future__ import annotations

import html
import math
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from abm.sweep.analysis import SweepAnalysis, bands_table, fmt_value, short_names

MAX_PANELS = 8
MAX_SETTINGS = 10


def _panels(n: int, cols: int = 4, size: tuple[float, float] = (3.8, 2.9)) -> tuple[Figure, list]:
    cols = max(1, min(cols, n))
    rows = math.ceil(n / cols)
    fig = Figure(figsize=(size[0] * cols, size[1] * rows + 0.4), layout="constrained")
    axes = list(fig.subplots(rows, cols, squeeze=False).ravel())
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes[:n]


def _save(fig: Figure, folder: Path, name: str) -> str:
    fig.savefig(folder / name, dpi=110)
    return name


def _band_err(frame: pd.DataFrame) -> np.ndarray:
    return np.vstack(
        [
            (frame["mean"] - frame["p5"]).clip(lower=0).to_numpy(),
            (frame["p95"] - frame["mean"]).clip(lower=0).to_numpy(),
        ]
    )


def fig_metrics_by_setting(a: SweepAnalysis, folder: Path) -> list[tuple[str, str]]:
    labels = a.labels
    metrics = a.headline[: MAX_PANELS * 2]
    if not metrics or not 1 <= len(labels) <= 3 * MAX_SETTINGS:
        return []
    fig, axes = _panels(len(metrics))
    x = np.arange(len(labels))
    for ax, metric in zip(axes, metrics, strict=True):
        rows = a.bands[a.bands["metric"] == metric].set_index("setting").reindex(labels)
        ax.errorbar(x, rows["mean"], yerr=_band_err(rows), fmt="o", capsize=3)
        ax.set_title(metric, fontsize=10)
        tilt = len(labels) > 3
        ax.set_xticks(x, labels, rotation=30 if tilt else 0, ha="right" if tilt else "center")
        ax.tick_params(axis="x", labelsize=7)
        ax.margins(x=0.15)
        ax.grid(alpha=0.3)
    fig.suptitle("Metrics by setting: mean and 5-95 % band over runs")
    return [("Metrics by setting", _save(fig, folder, "metrics_by_setting.png"))]


def fig_regions(a: SweepAnalysis, folder: Path) -> list[tuple[str, str]]:
    labels = a.labels
    out: list[tuple[str, str]] = []
    if not 1 <= len(labels) <= MAX_SETTINGS:
        return out
    for family, cols in a.region_families.items():
        regions = [c.split(".", 1)[1] for c in cols]
        fig = Figure(figsize=(max(6.0, 0.9 * len(regions) * max(1, len(labels)) / 2), 4.2))
        ax = fig.add_subplot()
        width = 0.8 / len(labels)
        x = np.arange(len(regions))
        for i, label in enumerate(labels):
            rows = a.bands[a.bands["setting"] == label].set_index("metric").reindex(cols)
            ax.bar(
                x + (i - (len(labels) - 1) / 2) * width,
                rows["mean"],
                width,
                yerr=_band_err(rows),
                capsize=2,
                label=label,
            )
        ax.set_xticks(x, regions, rotation=30 if len(regions) > 6 else 0, ha="right")
        ax.set_ylabel(family)
        ax.set_title(f"{family} by region and setting (mean, 5-95 % band)")
        ax.legend(fontsize=8)
        ax.grid(axis="y", alpha=0.3)
        fig.tight_layout()
        out.append((f"{family} by region", _save(fig, folder, f"regions_{family}.png")))
    return out


def _bin(values: pd.Series, max_exact: int = 12, bins: int = 10) -> pd.Series:
    """Group x values: exact if few distinct values, else by quantile bins."""
    if values.nunique() <= max_exact:
        return values
    codes = pd.qcut(values, bins, duplicates="drop")
    return values.groupby(codes, observed=True).transform("mean")


def fig_by_parameter(a: SweepAnalysis, folder: Path) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    metrics = a.headline[:MAX_PANELS]
    ok = a.ok
    if not metrics or ok.empty:
        return out
    names = short_names(a.spec_keys())
    levels = [k for k, p in a.spec["parameters"].items() if p["kind"] == "levels"]
    for param in a.numeric_params():
        others = [k for k in levels if k != param]
        if others:
            colour = [
                ", ".join(f"{names[k]}={fmt_value(v)}" for k, v in zip(others, row, strict=True))
                for row in ok[others].itertuples(index=False)
            ]
        else:
            colour = ["all runs"] * len(ok)
        frame = ok.assign(_x=_bin(ok[param].astype(float)), _c=colour)
        groups = list(dict.fromkeys(frame["_c"]))
        if len(groups) > MAX_SETTINGS:
            frame["_c"], groups = "all runs", ["all runs"]
        fig, axes = _panels(len(metrics))
        for ax, metric in zip(axes, metrics, strict=True):
            for group in groups:
                part = frame[frame["_c"] == group]
                stats = part.groupby("_x")[metric].agg(
                    mean="mean",
                    p5=lambda s: s.quantile(0.05),
                    p95=lambda s: s.quantile(0.95),
                )
                (line,) = ax.plot(stats.index, stats["mean"], marker=".", label=group)
                colour = line.get_color()
                ax.fill_between(stats.index, stats["p5"], stats["p95"], alpha=0.2, color=colour)
                if len(part) <= 4000:
                    ax.scatter(part[param], part[metric], s=5, alpha=0.15, color=colour)
            ax.set_title(metric, fontsize=10)
            ax.set_xlabel(names[param], fontsize=8)
            ax.grid(alpha=0.3)
        if len(groups) > 1:
            axes[0].legend(fontsize=7)
        fig.suptitle(f"Metrics by {param} (mean and 5-95 % band)")
        out.append((f"Metrics by {param}", _save(fig, folder, f"by_{names[param]}.png")))
    return out


def fig_sensitivity(a: SweepAnalysis, folder: Path) -> list[tuple[str, str]]:
    sens = a.sensitivity
    if sens is None or sens.empty:
        return []
    out = []
    names = short_names(a.spec_keys())
    metrics = [m for m in a.headline if m in set(sens["metric"])][:MAX_PANELS]
    for i, label in enumerate(list(dict.fromkeys(sens["setting"]))[:MAX_SETTINGS]):
        part = sens[sens["setting"] == label]
        fig, axes = _panels(len(metrics))
        for ax, metric in zip(axes, metrics, strict=True):
            rows = part[part["metric"] == metric]
            params = [names[p] for p in rows["parameter"]]
            y = np.arange(len(params))
            if a.method == "sobol":
                ax.barh(y + 0.2, rows["ST"], 0.4, xerr=rows["ST_conf"], label="total ST")
                ax.barh(y - 0.2, rows["S1"], 0.4, xerr=rows["S1_conf"], label="first-order S1")
                ax.set_yticks(y, params, fontsize=8)
                ax.set_xlim(left=min(0.0, float(np.nanmin(rows["S1"], initial=0.0))))
            else:
                ax.errorbar(rows["mu_star"], rows["sigma"], xerr=rows["mu_star_conf"], fmt="o")
                for name, mx, sy in zip(params, rows["mu_star"], rows["sigma"], strict=True):
                    ax.annotate(name, (mx, sy), fontsize=7)
                ax.set_xlabel("mu*", fontsize=8)
                ax.set_ylabel("sigma", fontsize=8)
            ax.set_title(metric, fontsize=10)
            ax.grid(alpha=0.3)
        if a.method == "sobol" and metrics:
            axes[0].legend(fontsize=7)
        kind = "Sobol indices (95 % CI)" if a.method == "sobol" else "Morris mu* and sigma"
        fig.suptitle(f"{kind}: {label}")
        out.append((f"{kind}: {label}", _save(fig, folder, f"sensitivity_{i}.png")))
    return out


def fig_series(a: SweepAnalysis, folder: Path) -> list[tuple[str, str]]:
    sb = a.series_bands
    if sb is None or sb.empty:
        return []
    metrics = list(dict.fromkeys(sb["metric"]))[:MAX_PANELS]
    labels = list(dict.fromkeys(sb["setting"]))[:MAX_SETTINGS]
    fig, axes = _panels(len(metrics))
    for ax, metric in zip(axes, metrics, strict=True):
        for label in labels:
            rows = sb[(sb["metric"] == metric) & (sb["setting"] == label)]
            (line,) = ax.plot(rows["step"], rows["mean"], label=label)
            ax.fill_between(
                rows["step"], rows["p5"], rows["p95"], alpha=0.2, color=line.get_color()
            )
        ax.set_title(metric, fontsize=10)
        ax.set_xlabel("step", fontsize=8)
        ax.grid(alpha=0.3)
    if len(labels) > 1:
        axes[0].legend(fontsize=7)
    fig.suptitle("Series by setting: mean and 5-95 % band over runs")
    return [("Series over time", _save(fig, folder, "series.png"))]


def sensitivity_tables(
    a: SweepAnalysis, metrics: list[str] | None = None
) -> dict[str, pd.DataFrame]:
    """Per setting: metric x parameter, cells "S1±CI / ST±CI" or "mu*±CI (sigma)"."""
    sens = a.sensitivity
    if sens is None or sens.empty:
        return {}
    if metrics is not None:
        sens = sens[sens["metric"].isin(metrics)]
    if a.method == "sobol":
        cell = [
            f"{s1:.2f}±{c1:.2f} / {st:.2f}±{ct:.2f}"
            for s1, c1, st, ct in sens[["S1", "S1_conf", "ST", "ST_conf"]].itertuples(index=False)
        ]
    else:
        cell = [
            f"{m:.3g}±{c:.2g} ({s:.3g})"
            for m, c, s in sens[["mu_star", "mu_star_conf", "sigma"]].itertuples(index=False)
        ]
    names = short_names(a.spec_keys())
    sens = sens.assign(cell=cell, parameter=sens["parameter"].map(names))
    tables = {}
    for label, part in sens.groupby("setting", sort=False):
        table = part.pivot(index="metric", columns="parameter", values="cell")
        tables[str(label)] = table.reindex(
            index=list(dict.fromkeys(part["metric"])),
            columns=list(dict.fromkeys(part["parameter"])),
        )
    return tables


def _table_html(frame: pd.DataFrame) -> str:
    return frame.to_html(classes="t", border=0, na_rep="") if not frame.empty else "<p>none</p>"


def overview(a: SweepAnalysis) -> list[tuple[str, str]]:
    m, s = a.manifest, a.spec
    counts = m.get("counts", {})
    return [
        ("sweep", str(m.get("name"))),
        ("state", str(m.get("state"))),
        ("runs recorded", f"{len(a.runs)} of {m.get('runs_total')}"),
        (
            "outcomes",
            f"{counts.get('ok', 0)} ok, {counts.get('error', 0)} failed, "
            f"{counts.get('timeout', 0)} timed out",
        ),
        (
            "design",
            f"{s['design']['method']}, {m['design']['samples']} points x "
            f"{m['design']['settings']} settings x {s['replications']} replications",
        ),
        ("base scenario", f"{s.get('scenario_name', '')} ({s.get('scenario', '')})"),
        ("steps", str(s.get("steps") or "as the scenario")),
        ("root seed", f"{s['seed']} (common random numbers: {s['common_random_numbers']})"),
    ]


def write_report(a: SweepAnalysis, out: Path) -> Path:
    """Write figures/*.png, bands.csv, sensitivity.csv and report.html into ``out``."""
    figures_dir = out / "figures"
    figures_dir.mkdir(parents=True, exist_ok=True)
    for old in figures_dir.glob("*.png"):
        old.unlink()
    figures = (
        fig_metrics_by_setting(a, figures_dir)
        + fig_regions(a, figures_dir)
        + fig_by_parameter(a, figures_dir)
        + fig_sensitivity(a, figures_dir)
        + fig_series(a, figures_dir)
    )
    a.bands.to_csv(out / "bands.csv", index=False)
    if a.sensitivity is not None:
        a.sensitivity.to_csv(out / "sensitivity.csv", index=False)
    esc = html.escape
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>Sweep {esc(str(a.manifest.get('name')))}</title>",
        "<style>body{font-family:sans-serif;max-width:1200px;margin:2em auto;padding:0 1em}"
        "table.t{border-collapse:collapse;font-size:12px}"
        "table.t td,table.t th{padding:2px 8px;border-bottom:1px solid #ddd;text-align:right}"
        "img{max-width:100%;margin:1em 0}.note{color:#a40}</style></head><body>",
        f"<h1>Sweep {esc(str(a.manifest.get('name')))}</h1><table class='t'>",
        *(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in overview(a)),
        "</table>",
        *(f"<p class='note'>{esc(n)}</p>" for n in a.notes),
        "<h2>Metrics by setting</h2><p>mean [5 %, 95 %] over runs "
        "(replications, and sampled parameters for sampled designs)</p>",
        _table_html(bands_table(a)),
        "<p><a href='bands.csv'>bands.csv</a> has n, mean, median, 5 % and 95 % of every metric.",
    ]
    if a.sensitivity is not None:
        what = (
            "Sobol first-order / total-order index ± 95 % CI"
            if a.method == "sobol"
            else "Morris mu* ± 95 % CI (sigma)"
        )
        parts += [
            f"<h2>Sensitivity</h2><p>{what}, on the mean over replications of each design "
            "point; all metrics in <a href='sensitivity.csv'>sensitivity.csv</a>.</p>",
        ]
        for label, table in sensitivity_tables(a, a.headline).items():
            parts += [f"<h3>{esc(label)}</h3>", _table_html(table)]
    parts.append("<h2>Figures</h2>")
    for title, name in figures:
        parts.append(f"<h3>{esc(title)}</h3><img src='figures/{esc(name)}' alt='{esc(title)}'>")
    parts.append("</body></html>")
    report = out / "report.html"
    report.write_text("\n".join(parts), encoding="utf-8")
    return report

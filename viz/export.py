"""Downloads of the current run: metrics as CSV and Parquet, figures as PNG.

Figures are the same SVG the page shows, rasterised by vl-convert (bundled fonts and
the system's Korean font; no browser needed), so an export matches the screen.
"""

from __future__ import annotations

import io
import re
import zipfile

import pandas as pd
import vl_convert

from viz.figures.live import chart_figures, map_figure, network_figure
from viz.live import LiveRun

PNG_SCALE = 2.0


def stem(run: LiveRun) -> str:
    """File name stem: scenario name, seed and step, safe on every file system."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", run.scenario.name or "run").strip("-") or "run"
    return f"{name}_seed{run.seed}_step{run.frame.step}"


def metrics_csv(run: LiveRun, table: str = "model") -> bytes:
    model, regions = run.history()
    return (model if table == "model" else regions).to_csv(index=False).encode("utf-8")


def metrics_parquet(run: LiveRun, table: str = "model") -> bytes:
    model, regions = run.history()
    buffer = io.BytesIO()
    (model if table == "model" else regions).to_parquet(buffer, index=False)
    return buffer.getvalue()


def svg_png(svg: str, scale: float = PNG_SCALE) -> bytes:
    return vl_convert.svg_to_png(svg, scale=scale)


def figures_zip(run: LiveRun, lang: str = "en", size_by: str = "firms") -> bytes:
    """map.png, network.png and one PNG per time series, zipped."""
    frame, scenario = run.frame, run.scenario
    figures = [("map", map_figure(frame, scenario, lang, size_by))]
    if network := network_figure(frame, scenario, lang):
        figures.append(("network", network))
    figures += [(f"chart_{cid}", svg) for cid, svg in chart_figures(frame, scenario, lang)]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, svg in figures:
            archive.writestr(f"{name}.png", svg_png(svg))
    return buffer.getvalue()


def read_back_csv(data: bytes) -> pd.DataFrame:
    """Parse an exported CSV (used by tests to check a download is valid)."""
    return pd.read_csv(io.BytesIO(data))

"""Exports of the live run: data tables, the resolved scenario, and figures as PNG.

PNGs are rendered from the same SVG the page shows, with the view options the page
uses (bubble size, language), by ``vl_convert`` (resvg, with the system's Korean font; no
browser needed), so an export matches the screen. File names carry the scenario, seed,
step and, when controls were edited, ``edited-<hash>``; every archive holds the resolved
scenario (``scenario.toml``, which ``abm run`` accepts) and the edited controls.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import threading
import time
import zipfile

import pandas as pd
import vl_convert

from viz.figures.live import chart_figures, map_figure, network_figure
from viz.live import LiveRun
from viz.scenario_file import scenario_toml

PNG_SCALE = 2.0


def edits_tag(edits: dict[str, str]) -> str:
    """``edited-1a2b3c`` for a set of edited controls; empty when nothing was edited."""
    if not edits:
        return ""
    digest = hashlib.sha1(json.dumps(edits, sort_keys=True).encode()).hexdigest()[:6]
    return f"edited-{digest}"


def stem(run: LiveRun, edits: dict[str, str] | None = None, when: float | None = None) -> str:
    """File name stem: scenario name, edits, seed, the month and step shown, and the time of
    the download (so two downloads of one run never share a name); safe on every file
    system. ``when`` (seconds since the epoch) defaults to now."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", run.scenario.name or "run").strip("-") or "run"
    tag = edits_tag(edits or {})
    frame = run.frame
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(when))
    return f"{name}{'_' + tag if tag else ''}_seed{run.seed}_{frame.date}_step{frame.step}_{stamp}"


class Names:
    """Download names of one page: a name given once is never given again (two clicks in
    the same second get ``-2``, ``-3``...)."""

    def __init__(self) -> None:
        self._given: set[str] = set()
        self._lock = threading.Lock()

    def unique(self, name: str) -> str:
        stem, dot, ext = name.rpartition(".")
        if not dot:
            stem, ext = name, ""
        with self._lock:
            candidate, n = name, 1
            while candidate in self._given:
                n += 1
                candidate = f"{stem}-{n}{dot}{ext}"
            self._given.add(candidate)
            return candidate


def header(run: LiveRun, edits: dict[str, str] | None) -> str:
    lines = [
        f"Scenario {run.scenario.name!r} as run in the browser app (seed {run.seed}).",
        f"Run it: abm run THIS_FILE --seed {run.seed}",
    ]
    if edits:
        lines.append("Edited controls: " + ", ".join(f"{k}={v}" for k, v in sorted(edits.items())))
    return "\n".join(lines)


def scenario_file(run: LiveRun, edits: dict[str, str] | None = None) -> bytes:
    """The resolved scenario of the run, with the run's seed, as TOML."""
    scenario = run.scenario.with_overrides({"scenario.seed": run.seed})
    return scenario_toml(scenario, header(run, edits)).encode("utf-8")


def metrics_csv(run: LiveRun, table: str = "model") -> bytes:
    return run.tables()[table].to_csv(index=False).encode("utf-8")


def metrics_parquet(run: LiveRun, table: str = "model") -> bytes:
    buffer = io.BytesIO()
    run.tables()[table].to_parquet(buffer, index=False)
    return buffer.getvalue()


def data_zip(run: LiveRun, edits: dict[str, str] | None = None) -> bytes:
    """Every recorded table (model, regions, districts when present) as Parquet and CSV,
    plus ``scenario.toml`` and ``settings.json`` (seed, step, edited controls)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, table in run.tables().items():
            parquet = io.BytesIO()
            table.to_parquet(parquet, index=False)
            archive.writestr(f"{name}.parquet", parquet.getvalue())
            archive.writestr(f"{name}.csv", table.to_csv(index=False))
        archive.writestr("scenario.toml", scenario_file(run, edits))
        archive.writestr("settings.json", json.dumps(settings(run, edits), indent=2))
    return buffer.getvalue()


def settings(run: LiveRun, edits: dict[str, str] | None) -> dict:
    return {
        "scenario": run.scenario.name,
        "seed": run.seed,
        "step": run.frame.step,
        "date": run.frame.date,
        "edited_controls": dict(sorted((edits or {}).items())),
    }


def svg_png(svg: str, scale: float = PNG_SCALE) -> bytes:
    return vl_convert.svg_to_png(svg, scale=scale)


def figures_zip(
    run: LiveRun, lang: str = "en", size_by: str = "firms", edits: dict[str, str] | None = None
) -> bytes:
    """map.png (bubbles as on screen), network.png and one PNG per time series, zipped,
    with the scenario and settings they were drawn from."""
    frame, scenario = run.frame, run.scenario
    figures = [("map", map_figure(frame, scenario, lang, size_by))]
    if network := network_figure(frame, scenario, lang):
        figures.append(("network", network))
    figures += [(f"chart_{cid}", svg) for cid, svg in chart_figures(frame, scenario, lang)]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, svg in figures:
            archive.writestr(f"{name}.png", svg_png(svg))
        archive.writestr("scenario.toml", scenario_file(run, edits))
        archive.writestr(
            "settings.json", json.dumps({**settings(run, edits), "bubble_size": size_by}, indent=2)
        )
    return buffer.getvalue()


def read_back_csv(data: bytes) -> pd.DataFrame:
    """Parse an exported CSV (used by tests to check a download is valid)."""
    return pd.read_csv(io.BytesIO(data))

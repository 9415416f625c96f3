"""Download buttons for the live run (built lazily, on click)."""

from __future__ import annotations

import solara

from viz import export
from viz.i18n import tr
from viz.live import LiveRun


@solara.component
def ExportPanel(run: LiveRun, step: int, lang: str = "en"):
    """``step`` is only there so the file names follow the run."""
    name = export.stem(run)
    with solara.Row(gap="6px", style={"flex-wrap": "wrap"}, classes=["abm-export"]):
        solara.FileDownload(
            lambda: export.metrics_csv(run, "model"),
            f"{name}_metrics.csv",
            label=tr("download_csv", lang),
            mime_type="text/csv",
        )
        solara.FileDownload(
            lambda: export.metrics_csv(run, "regions"),
            f"{name}_regions.csv",
            label=tr("download_csv", lang).replace("CSV", "CSV (regions)")
            if lang == "en"
            else "지역 지표 CSV",
            mime_type="text/csv",
        )
        solara.FileDownload(
            lambda: export.metrics_parquet(run, "model"),
            f"{name}_metrics.parquet",
            label=tr("download_parquet", lang),
        )
        solara.FileDownload(
            lambda: export.metrics_parquet(run, "regions"),
            f"{name}_regions.parquet",
            label=tr("download_parquet", lang).replace("Parquet", "Parquet (regions)")
            if lang == "en"
            else "지역 지표 Parquet",
        )
        solara.FileDownload(
            lambda: export.figures_zip(run, lang),
            f"{name}_figures.zip",
            label=tr("download_png", lang),
            mime_type="application/zip",
        )

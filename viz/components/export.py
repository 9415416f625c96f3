"""Downloads of the live run (built lazily, on click) and "save and share"."""

from __future__ import annotations

import solara

from viz import export
from viz.components.common import Heading
from viz.i18n import tr
from viz.live import LiveRun


@solara.component
def ExportPanel(
    run: LiveRun, step: int, edits: dict[str, str], size_by: str = "firms", lang: str = "en"
):
    """``step`` is only there so the file names follow the run."""
    name = export.stem(run, edits)
    Heading(tr("export", lang))
    with solara.Row(gap="6px", style={"flex-wrap": "wrap"}, classes=["abm-export"]):
        solara.FileDownload(
            lambda: export.data_zip(run, edits),
            f"{name}_data.zip",
            label=tr("download_data", lang),
            mime_type="application/zip",
        )
        solara.FileDownload(
            lambda: export.metrics_csv(run, "model"),
            f"{name}_metrics.csv",
            label=tr("download_csv", lang),
            mime_type="text/csv",
        )
        solara.FileDownload(
            lambda: export.metrics_parquet(run, "model"),
            f"{name}_metrics.parquet",
            label=tr("download_parquet", lang),
        )
        solara.FileDownload(
            lambda: export.figures_zip(run, lang, size_by, edits),
            f"{name}_figures.zip",
            label=tr("download_png", lang),
            mime_type="application/zip",
        )
    Heading(tr("share", lang))
    solara.v.Html(tag="div", children=[tr("share_note", lang)], class_="abm-note")
    with solara.Row(gap="6px", classes=["abm-share"]):
        solara.FileDownload(
            lambda: export.scenario_file(run, edits),
            f"{name}.toml",
            label=tr("download_toml", lang),
            mime_type="application/toml",
        )

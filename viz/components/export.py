"""Downloads of the live run (built on click, named at the click) and "save and share"."""

from __future__ import annotations

import solara

from viz import export
from viz.components.common import Download, Heading
from viz.feed import Feed
from viz.i18n import tr
from viz.live import LiveRun


@solara.component
def ExportPanel(
    run: LiveRun,
    edits: dict[str, str],
    size_by: str = "firms",
    lang: str = "en",
    frames: Feed | None = None,
):
    """The downloads. Each file's name is made when it is clicked, from the run as it is
    then: scenario, edits, seed, month and step shown, and the time (unique per page)."""
    names = solara.use_memo(export.Names, [])

    def named(suffix: str, make):
        return lambda: (names.unique(export.stem(run, edits) + suffix), make())

    with solara.Column(gap="4px", classes=["abm-downloads"]):
        Heading(tr("export", lang))
        with solara.Row(gap="6px", style={"flex-wrap": "wrap"}, classes=["abm-export"]):
            Download(
                tr("download_data", lang),
                named("_data.zip", lambda: export.data_zip(run, edits)),
                "application/zip",
                classes=["btn-download-data"],
            )
            Download(
                tr("download_csv", lang),
                named("_metrics.csv", lambda: export.metrics_csv(run, "model")),
                "text/csv",
                classes=["btn-download-csv"],
            )
            Download(
                tr("download_parquet", lang),
                named("_metrics.parquet", lambda: export.metrics_parquet(run, "model")),
                classes=["btn-download-parquet"],
            )
            Download(
                tr("download_png", lang),
                named("_figures.zip", lambda: export.figures_zip(run, lang, size_by, edits)),
                "application/zip",
                classes=["btn-download-png"],
            )
        Heading(tr("share", lang))
        solara.v.Html(tag="div", children=[tr("share_note", lang)], class_="abm-note")
        with solara.Row(gap="6px", classes=["abm-share"]):
            Download(
                tr("download_toml", lang),
                named(".toml", lambda: export.scenario_file(run, edits)),
                "application/toml",
                classes=["btn-download-toml"],
            )

"""Downloads of the live run (built lazily, on click) and "save and share"."""

from __future__ import annotations

import solara
from solara.components.file_download import FileDownloadWidget

from viz import export
from viz.components.common import Heading
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
    """The downloads; their file names carry the step, and follow ``frames`` without a
    render of the page (:mod:`viz.feed`)."""
    name = export.stem(run, edits)
    box = _Downloads(run, name, edits, size_by, lang)

    def follow():
        if frames is None:
            return None
        widgets = [w for w in _walk(solara.get_widget(box)) if isinstance(w, FileDownloadWidget)]
        first = [w.filename for w in widgets]

        def rename(_frame) -> None:
            now = export.stem(run, edits)
            for widget, original in zip(widgets, first, strict=True):
                widget.filename = now + original[len(name) :]

        return frames.subscribe(rename)

    solara.use_effect(follow, [frames, run, name])


def _walk(widget):
    yield widget
    for child in getattr(widget, "children", None) or []:
        if hasattr(child, "trait_names"):
            yield from _walk(child)


@solara.component
def _Downloads(run: LiveRun, name: str, edits: dict[str, str], size_by: str, lang: str):
    with solara.Column(gap="4px", classes=["abm-downloads"]):
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

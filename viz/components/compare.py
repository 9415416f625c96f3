"""Compare two scenarios as ensembles of N seeds, side by side with 5-95 % bands."""

from __future__ import annotations

import threading
import traceback

import solara

from abm.errors import UserError
from abm.scenario import load_scenario
from viz import compare
from viz.i18n import tr
from viz.paths import Choice, lookup

DEFAULT_SEEDS = 3
DEFAULT_MONTHS = 36


def _parse_int(text: str, lo: int, hi: int) -> tuple[int | None, str | None]:
    try:
        value = int(text.strip())
    except ValueError:
        return None, "not a whole number"
    if not lo <= value <= hi:
        return None, f"must be in [{lo}, {hi}]"
    return value, None


@solara.component
def CompareView(choices: list[Choice], current_key: str, lang: str = "en"):
    other = next((c.key for c in choices if c.key != current_key), current_key)
    key_a = solara.use_reactive(current_key)
    key_b = solara.use_reactive(other)
    seeds_text = solara.use_reactive(str(DEFAULT_SEEDS))
    months_text = solara.use_reactive(str(DEFAULT_MONTHS))
    metric = solara.use_reactive("hhi")
    request = solara.use_reactive(None)  # (key_a, key_b, seeds, months), set by Run
    progress = solara.use_reactive("")
    result = solara.use_reactive(None)
    error = solara.use_reactive("")

    seeds, seeds_error = _parse_int(seeds_text.value, 1, compare.MAX_SEEDS)
    months, months_error = _parse_int(months_text.value, 1, 1200)

    def work(cancel: threading.Event) -> None:
        if request.value is None:
            return
        a, b, n, steps = request.value
        try:
            ensembles = []
            for i, key in enumerate((a, b)):
                choice = lookup(choices, key)
                if choice is None:
                    raise UserError(f"unknown scenario {key!r}")
                scenario = load_scenario(choice.path)
                label = choice.label if a != b else f"{choice.label} ({'AB'[i]})"

                def report(done: int, i: int = i, label: str = label) -> None:
                    progress.set(f"{tr('running', lang)} {label}: {done}/{n}")

                ensembles.append(
                    compare.run_ensemble(label, scenario, n, steps, report, cancel.is_set)
                )
                if cancel.is_set():
                    return
            result.set(ensembles)
            error.set("")
        except UserError as exc:
            error.set(str(exc))
        except Exception as exc:  # the page stays up; the message says what failed
            traceback.print_exc()
            error.set(f"comparison failed: {exc}")
        finally:
            progress.set("")
            request.set(None)

    solara.use_thread(work, dependencies=[request.value], intrusive_cancel=False)

    items = [{"text": c.label, "value": c.key} for c in choices]
    with solara.Column(gap="8px", classes=["abm-compare"]):
        with solara.Row(gap="12px", style={"flex-wrap": "wrap", "align-items": "baseline"}):
            solara.v.Select(
                label=tr("scenario_a", lang),
                items=items,
                v_model=key_a.value,
                on_v_model=key_a.set,
                class_="ctl-compare-a",
                dense=True,
                style_="max-width: 260px",
            )
            solara.v.Select(
                label=tr("scenario_b", lang),
                items=items,
                v_model=key_b.value,
                on_v_model=key_b.set,
                class_="ctl-compare-b",
                dense=True,
                style_="max-width: 260px",
            )
            solara.InputText(
                tr("seeds", lang),
                value=seeds_text,
                error=seeds_error or False,
                classes=["ctl-compare-seeds"],
                style={"max-width": "150px"},
            )
            solara.InputText(
                tr("steps", lang),
                value=months_text,
                error=months_error or False,
                classes=["ctl-compare-months"],
                style={"max-width": "110px"},
            )
            solara.Button(
                tr("run_compare", lang),
                color="primary",
                on_click=lambda: request.set((key_a.value, key_b.value, seeds, months)),
                disabled=bool(seeds_error or months_error or request.value is not None),
                classes=["btn-compare"],
            )
        if progress.value:
            solara.Info(progress.value, dense=True)
        if error.value:
            solara.Error(error.value, dense=True)
        ensembles = result.value
        if not ensembles:
            return
        solara.v.Select(
            label=tr("metric", lang),
            v_model=metric.value,
            on_v_model=metric.set,
            items=[{"text": t, "value": k} for k, t in compare.METRICS.items()],
            class_="ctl-compare-metric",
            dense=True,
            style_="max-width: 320px",
        )
        data = compare.bands(ensembles, metric.value)
        n = len(ensembles[0].seeds)
        chart = compare.band_chart(
            data, metric.value, f"{compare.METRICS[metric.value]} — {n} seeds each"
        )
        with solara.Div(classes=["compare-chart", f"metric-{metric.value}"]):
            solara.FigureAltair(chart)
        solara.HTML(tag="div", unsafe_innerHTML=tr("band_note", lang), classes=["abm-note"])
        table = compare.final_table(ensembles)
        solara.HTML(
            tag="div",
            classes=["compare-table"],
            unsafe_innerHTML=table.to_html(index=False, border=0),
        )
        with solara.Row(gap="6px"):
            solara.FileDownload(
                lambda: compare.chart_png(chart),
                f"compare_{metric.value}.png",
                label="PNG",
                mime_type="image/png",
            )
            solara.FileDownload(
                lambda: data.to_csv(index=False).encode(),
                f"compare_{metric.value}_bands.csv",
                label="CSV",
                mime_type="text/csv",
            )

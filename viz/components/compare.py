"""Compare two scenarios as ensembles of N seeds, side by side with 5-95 % bands.

Its state (choices, seeds, result, a comparison under way) lives in a
:class:`CompareState` owned by the page's session, not in the component, so switching
tabs loses nothing and a running comparison goes on in its own thread. One side may be
"current settings": the scenario applied in the sidebar (after Reset), which the note
under the pickers says.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable

import solara

from abm.errors import UserError
from abm.scenario import Scenario, load_scenario
from viz import compare
from viz.components.common import Table, one_line
from viz.i18n import tr, trf
from viz.paths import Choice, lookup

DEFAULT_SEEDS = 3
DEFAULT_MONTHS = 36
CURRENT = "__current__"


class CompareState:
    """One page's comparison: reactives that survive tab switches, and its worker."""

    def __init__(self, current_key: str, other_key: str):
        self.key_a = solara.reactive(CURRENT)
        self.key_b = solara.reactive(other_key)
        self.seeds_text = solara.reactive(str(DEFAULT_SEEDS))
        self.months_text = solara.reactive(str(DEFAULT_MONTHS))
        self.metric = solara.reactive("hhi")
        self.running = solara.reactive(False)
        self.progress = solara.reactive("")
        self.result = solara.reactive(None)
        self.error = solara.reactive("")
        self.posterior = compare.shipped()
        self.use_posterior = solara.reactive(self.posterior.available)  # on when shipped
        self._cancel = threading.Event()

    def start(
        self,
        sides: list[tuple[str, Scenario, int]],
        seeds: int,
        months: int,
        lang: str,
    ) -> None:
        """Run the ensembles of ``sides`` ((label, scenario, first seed)) in a thread."""
        if self.running.value:
            return
        self._cancel = threading.Event()
        cancel = self._cancel
        self.running.set(True)
        self.error.set("")

        post = self.posterior if self.use_posterior.value else compare.Posterior(None)

        def work() -> None:
            try:
                # as abm compare --posterior: draws follow the first side's seed, same for both
                draws = compare.posterior_draws(post, seeds, sides[0][2]) if sides else []
                ensembles = []
                for label, scenario, first_seed in sides:

                    def report(done: int, label: str = label) -> None:
                        self.progress.set(f"{tr('running', lang)} {label}: {done}/{seeds}")

                    seeded = scenario.with_overrides({"scenario.seed": first_seed})
                    ensembles.append(
                        compare.run_ensemble(
                            label, seeded, seeds, months, report, cancel.is_set, draws
                        )
                    )
                    if cancel.is_set():
                        return
                self.result.set(ensembles)
            except UserError as exc:
                self.error.set(str(exc))
            except Exception as exc:  # the page stays up; the message says what failed
                traceback.print_exc()
                self.error.set(trf("compare_failed", lang, err=one_line(exc)))
            finally:
                self.progress.set("")
                self.running.set(False)

        threading.Thread(target=work, name="abm-compare", daemon=True).start()

    def close(self) -> None:
        self._cancel.set()


def _parse_int(text: str, lo: int, hi: int, lang: str) -> tuple[int | None, str | None]:
    try:
        value = int(text.strip())
    except ValueError:
        return None, trf("range_msg", lang, lo=lo, hi=hi)
    if not lo <= value <= hi:
        return None, trf("range_msg", lang, lo=lo, hi=hi)
    return value, None


@solara.component
def PosteriorChoice(state: CompareState, lang: str):
    """Parameter uncertainty from the shipped posterior: on by default when there is one;
    without one the box is disabled and says why."""
    post = state.posterior
    solara.v.Checkbox(
        label=tr("use_posterior", lang),
        v_model=bool(state.use_posterior.value and post.available),
        on_v_model=lambda on: state.use_posterior.set(bool(on)),
        disabled=not post.available or state.running.value,
        hide_details=True,
        dense=True,
        class_="ctl-compare-posterior",
    )
    if not post.available:
        why = tr("no_posterior", lang) if post.problem == "absent" else post.problem
        solara.v.Html(tag="div", children=[why], class_="abm-note posterior-note")
    else:
        note = trf("posterior_keys", lang, n=len(post.table), k=len(post.keys))
        solara.v.Html(tag="div", children=[note], class_="abm-note posterior-note")


def used_note(ensembles: list, lang: str) -> str:
    """What the shown comparison varied: seeds only, or seeds and posterior draws."""
    n = len(ensembles[0].seeds) if ensembles else 0
    if ensembles and ensembles[0].draws:
        return trf("used_posterior", lang, n=n)
    return trf("used_seeds", lang, n=n)


@solara.component
def CompareView(
    state: CompareState,
    choices: list[Choice],
    current: Callable[[], tuple[Scenario, int]],
    lang: str = "en",
):
    seeds, seeds_error = _parse_int(state.seeds_text.value, 1, compare.MAX_SEEDS, lang)
    months, months_error = _parse_int(state.months_text.value, 1, 1200, lang)
    items = [{"text": tr("current_settings", lang), "value": CURRENT}] + [
        {"text": c.label, "value": c.key} for c in choices
    ]

    def side(key: str, letter: str, same: bool) -> tuple[str, Scenario, int]:
        if key == CURRENT:
            scenario, seed = current()
            label = tr("current_settings", lang).split(" (")[0]
        else:
            choice = lookup(choices, key)
            if choice is None:
                raise UserError(f"unknown scenario {key!r}")
            scenario = load_scenario(choice.path)
            seed, label = scenario.seed, choice.label
        return (f"{label} ({letter})" if same else label), scenario, seed

    def run() -> None:
        same = state.key_a.value == state.key_b.value
        try:
            sides = [side(state.key_a.value, "A", same), side(state.key_b.value, "B", same)]
        except UserError as exc:
            state.error.set(str(exc))
            return
        state.start(sides, seeds, months, lang)

    with solara.Column(gap="8px", classes=["abm-compare"]):
        with solara.Row(gap="12px", style={"flex-wrap": "wrap", "align-items": "baseline"}):
            for reactive, label_key, css in (
                (state.key_a, "scenario_a", "ctl-compare-a"),
                (state.key_b, "scenario_b", "ctl-compare-b"),
            ):
                solara.v.Select(
                    label=tr(label_key, lang),
                    items=items,
                    v_model=reactive.value,
                    on_v_model=reactive.set,
                    class_=css,
                    dense=True,
                    style_="max-width: 260px",
                )
            solara.InputText(
                tr("seeds", lang),
                value=state.seeds_text,
                error=seeds_error or False,
                classes=["ctl-compare-seeds"],
                style={"max-width": "150px"},
            )
            solara.InputText(
                tr("steps", lang),
                value=state.months_text,
                error=months_error or False,
                classes=["ctl-compare-months"],
                style={"max-width": "110px"},
            )
            solara.Button(
                tr("run_compare", lang),
                color="primary",
                on_click=run,
                disabled=bool(seeds_error or months_error or state.running.value),
                loading=state.running.value,
                classes=["btn-compare"],
            )
        solara.v.Html(tag="div", children=[tr("compare_note", lang)], class_="abm-note")
        PosteriorChoice(state, lang)
        if state.progress.value:
            solara.Info(state.progress.value, dense=True, classes=["compare-progress"])
        if state.error.value:
            solara.Error(state.error.value, dense=True)
        ensembles = state.result.value
        if not ensembles:
            return
        names = compare.metric_names(ensembles)
        metric = state.metric.value if state.metric.value in names else names[0]
        solara.v.Select(
            label=tr("metric", lang),
            v_model=metric,
            on_v_model=state.metric.set,
            items=[{"text": compare.metric_label(k, lang), "value": k} for k in names],
            class_="ctl-compare-metric",
            dense=True,
            style_="max-width: 360px",
        )
        data = compare.bands(ensembles, metric)
        n = len(ensembles[0].seeds)
        start = current()[0].scenario.start
        chart = compare.band_chart(
            data,
            metric,
            f"{compare.metric_label(metric, lang)} — {trf('seeds_each', lang, n=n)}",
            lang,
            start,
        )
        with solara.Div(classes=["compare-chart", f"metric-{metric}"]):
            solara.FigureAltair(chart)
        solara.v.Html(tag="div", children=[tr("band_note", lang)], class_="abm-note")
        solara.v.Html(tag="div", children=[used_note(ensembles, lang)], class_="compare-used")
        table = compare.final_table(ensembles, lang)
        Table(
            [tr("table_metric", lang), *list(table.columns[1:])],
            table.values.tolist(),
            classes=["compare-table"],
        )
        with solara.Row(gap="6px"):
            solara.FileDownload(
                lambda: compare.chart_png(chart),
                f"compare_{metric}.png",
                label="PNG",
                mime_type="image/png",
            )
            solara.FileDownload(
                lambda: data.to_csv(index=False).encode(),
                f"compare_{metric}_bands.csv",
                label="CSV",
                mime_type="text/csv",
            )

"""The Compare tab: two or more options as paired ensembles, their levels and differences.

Its state (options, runs, horizon, result, a comparison under way) lives in a
:class:`CompareState` owned by the page, not in the component, so switching tabs loses
nothing and a running comparison goes on. Runs go to the low-priority background workers
(:mod:`viz.background`); the page only gathers them. Any option may be "current
settings": the scenario applied in the sidebar (after Reset).

The horizon defaults to the options' common end (the scenarios' last month), and the
tab says, before anything runs, when a horizon ends before the options differ at all.
"""

from __future__ import annotations

import re
import threading
import time
import traceback
from collections.abc import Callable

import solara

from abm.errors import UserError
from abm.scenario import Scenario, load_scenario
from viz import compare, report
from viz.background import Jobs
from viz.components.common import Download, Table, TextInput, one_line
from viz.i18n import tr, trf
from viz.paths import Choice, lookup

DEFAULT_RUNS = 3
CURRENT = "__current__"
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def default_other(choices: list[Choice], current: Scenario) -> str:
    """The first scenario file whose policy differs from the current settings' (a
    comparison of identical options shows nothing), else the first file."""
    from viz.timeline import first_difference

    for c in choices:
        try:
            other = load_scenario(c.path)
        except UserError:
            continue
        if other.start == current.start and first_difference(current, other) is not None:
            return c.key
    return choices[0].key if choices else CURRENT


class CompareState:
    """One page's comparison: reactives that survive tab switches, and its jobs."""

    def __init__(self, other_key: str):
        self.keys = solara.reactive([CURRENT, other_key])
        self.runs_text = solara.reactive(str(DEFAULT_RUNS))
        self.end_text = solara.reactive("")  # "" = the options' common end
        self.metric = solara.reactive("capital_share")
        self.view = solara.reactive("levels")  # levels | difference
        self.question = solara.reactive("")
        self.running = solara.reactive(False)
        self.progress = solara.reactive("")
        self.result = solara.reactive(None)
        self.error = solara.reactive("")
        self.posterior = compare.shipped()
        self.use_posterior = solara.reactive(self.posterior.available)  # on when shipped
        self.per_firm = solara.reactive(True)  # one firm agent per real firm: abm compare's
        self._jobs = Jobs()

    def start(self, plan: compare.Plan, lang: str) -> None:
        """Run ``plan`` in the background workers; gather it in a thread of this page."""
        if self.running.value:
            return
        self._jobs.cancel()
        jobs = self._jobs = Jobs()
        self.running.set(True)
        self.error.set("")
        self.progress.set(trf("compare_progress", lang, done=0, total=plan.total))

        def work() -> None:
            try:
                started = time.monotonic()
                result = compare.run_plan(
                    plan,
                    jobs.submit,
                    lambda done: self.progress.set(
                        trf("compare_progress", lang, done=done, total=plan.total)
                    ),
                    jobs.cancelled.is_set,
                )
                if result is not None:
                    self.result.set(result)
                    print(
                        f"abm-diagnostic: comparison of {plan.total} runs in "
                        f"{time.monotonic() - started:.1f} s",
                        flush=True,
                    )
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
        self._jobs.cancel()


def parse_runs(text: str, lang: str) -> tuple[int | None, str | None]:
    try:
        value = int(text.strip())
    except ValueError:
        value = -1
    if not 1 <= value <= compare.MAX_SEEDS:
        return None, trf("range_msg", lang, lo=1, hi=compare.MAX_SEEDS)
    return value, None


def parse_end(text: str, first: str, last: str, lang: str) -> tuple[str | None, str | None]:
    """The horizon: "" = the options' end; else a month between the start and that end."""
    text = text.strip()
    if not text:
        return last, None
    if not MONTH.match(text) or not first <= text <= last:
        return None, trf("bad_month", lang, a=first, b=last)
    return text, None


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


def used_note(result: compare.Result, lang: str) -> str:
    """What the shown comparison varied: seeds only, or seeds and posterior draws."""
    n = result.plan.runs
    if result.plan.draws:
        return trf("used_posterior", lang, n=n)
    return trf("used_seeds", lang, n=n)


@solara.component
def OptionRows(state: CompareState, items: list[dict], lang: str):
    """One select per option; the first is the reference; add or remove options."""
    keys = list(state.keys.value)

    def set_key(i: int, key: str) -> None:
        new = list(state.keys.value)
        new[i] = key
        state.keys.set(new)

    def remove(i: int) -> None:
        new = list(state.keys.value)
        del new[i]
        state.keys.set(new)

    def add() -> None:
        new = list(state.keys.value)
        used = set(new)
        spare = next((i["value"] for i in items if i["value"] not in used), items[0]["value"])
        state.keys.set([*new, spare])

    with solara.Row(gap="10px", style={"flex-wrap": "wrap", "align-items": "baseline"}):
        for i, key in enumerate(keys):
            letter = chr(ord("A") + i)
            label = trf("option_ref" if i == 0 else "option_n", lang, letter=letter)
            with solara.Row(gap="0px", style={"align-items": "baseline"}):
                solara.v.Select(
                    label=label,
                    items=items,
                    v_model=key,
                    on_v_model=lambda k, i=i: set_key(i, k),
                    class_=f"ctl-compare-option ctl-compare-{letter.lower()}",
                    dense=True,
                    style_="max-width: 240px; min-width: 200px",
                )
                if i >= 2:
                    solara.Button(
                        "×",
                        text=True,
                        small=True,
                        on_click=lambda i=i: remove(i),
                        classes=[f"btn-remove-option btn-remove-{letter.lower()}"],
                    )
        if len(keys) < compare.MAX_OPTIONS:
            solara.Button(
                tr("add_option", lang),
                icon_name="mdi-plus",
                text=True,
                small=True,
                on_click=add,
                classes=["btn-add-option"],
                disabled=state.running.value,
            )


@solara.component
def CompareView(
    state: CompareState,
    choices: list[Choice],
    current: Callable[[], tuple[Scenario, int]],
    lang: str = "en",
):
    items = [{"text": tr("current_settings", lang), "value": CURRENT}] + [
        {"text": c.label, "value": c.key} for c in choices
    ]

    def option(key: str, seen: dict[str, int]) -> compare.Option:
        if key == CURRENT:
            scenario, seed = current()
            scenario = scenario.with_overrides({"scenario.seed": seed})
            label, label_ko = tr("current_settings", "en"), tr("current_settings", "ko")
            about, about_ko = scenario.description, scenario.scenario.description_ko
        else:
            choice = lookup(choices, key)
            if choice is None:
                raise UserError(f"unknown scenario {key!r}")
            scenario = load_scenario(choice.path)
            label = label_ko = choice.label
            about, about_ko = choice.description, choice.description_ko
        n = seen.get(label, 0)
        seen[label] = n + 1
        if n:  # the same option twice: tell them apart
            label, label_ko = f"{label} ({n + 1})", f"{label_ko} ({n + 1})"
        return compare.Option(key, label, scenario, about, about_ko, label_ko)

    keys = list(state.keys.value)
    run_version = id(current()[0])

    def build() -> tuple[list[compare.Option], str]:
        try:
            seen: dict[str, int] = {}
            return [option(k, seen) for k in keys], ""
        except UserError as exc:
            return [], str(exc)

    options, problem = solara.use_memo(build, [tuple(keys), run_version])
    runs, runs_error = parse_runs(state.runs_text.value, lang)
    scenarios = [o.scenario for o in options]
    last = compare.common_end(scenarios) if scenarios else ""
    first = compare.first_month(scenarios) if scenarios else ""
    end, end_error = parse_end(state.end_text.value, first, last, lang) if scenarios else ("", None)
    per_firm = state.per_firm.value
    # the plan as it will run (one agent per real firm applied), for what the tab says
    # before anything runs; the posterior's draws are made at the click
    plan = solara.use_memo(
        lambda: (
            compare.make_plan(options, runs, end, None, per_firm)
            if options and runs and end
            else None
        ),
        [tuple(keys), run_version, runs, end, per_firm],
    )
    difference = solara.use_memo(
        lambda: plan.predicted() if plan else None, [tuple(keys), run_version, per_firm]
    )

    def run() -> None:
        if plan is None:
            return
        post = state.posterior if state.use_posterior.value else None
        state.start(
            compare.make_plan(list(plan.options), plan.runs, plan.end, post, state.per_firm.value),
            lang,
        )

    with solara.Column(gap="8px", classes=["abm-compare"]):
        OptionRows(state, items, lang)
        with solara.Row(gap="12px", style={"flex-wrap": "wrap", "align-items": "baseline"}):
            TextInput(
                tr("runs_per_option", lang),
                state.runs_text.value,
                state.runs_text.set,
                error=runs_error or "",
                classes=["ctl-compare-seeds"],
                style="max-width: 170px",
            )
            TextInput(
                tr("horizon", lang),
                state.end_text.value,
                state.end_text.set,
                error=end_error or "",
                message=trf("horizon_default", lang, end=last) if last else "",
                placeholder=last,
                classes=["ctl-compare-end"],
                style="max-width: 230px",
            )
            solara.Button(
                tr("run_compare", lang),
                color="primary",
                on_click=run,
                disabled=bool(plan is None or state.running.value),
                loading=state.running.value,
                classes=["btn-compare"],
            )
        solara.v.Html(tag="div", children=[tr("compare_note", lang)], class_="abm-note")
        PosteriorChoice(state, lang)
        solara.v.Checkbox(
            label=tr("per_firm", lang),
            v_model=state.per_firm.value,
            on_v_model=lambda on: state.per_firm.set(bool(on)),
            disabled=state.running.value,
            hide_details=True,
            dense=True,
            class_="ctl-compare-per-firm",
        )
        if not state.per_firm.value:
            solara.v.Html(
                tag="div", children=[tr("per_firm_off", lang)], class_="abm-note per-firm-note"
            )
        with solara.Column(gap="4px", classes=["compare-notes"]):  # stable: see ControlsBox
            CompareNotes(state, plan, difference, problem, len(options), lang)
        result = state.result.value
        if result is not None:
            CompareResult(state, result, lang)


def difference_label(found, plan, lang: str) -> str:
    """What the options first differ by, as the user reads it: a named table's name and
    what starts ("National AI Computing Center (Haenam): construction starts"), a control's
    title ("Run › Firm agents"), else the scenario's path."""
    if found.name or found.what:
        return found.label(lang)
    if plan is not None:
        from viz import controls as ctl

        base = plan.options[0].scenario
        for control in ctl.controls_for(base):
            if found.path == control.field or found.path.startswith(control.field + "."):
                return ctl.full_title(base, control, lang)
    return found.path


@solara.component
def CompareNotes(state: CompareState, plan, difference, problem: str, n: int, lang: str):
    """What the horizon shows (or not), progress and errors."""
    if problem:
        solara.Error(problem, dense=True)
    if plan is not None:
        too_soon = plan.ends_too_soon()
        if too_soon is not None:
            solara.Warning(
                trf(
                    "ends_too_soon",
                    lang,
                    end=plan.end,
                    month=too_soon.month,
                    what=difference_label(too_soon, plan, lang),
                ),
                dense=True,
                classes=["compare-too-soon"],
            )
        elif difference is not None:
            solara.v.Html(
                tag="div",
                children=[
                    trf(
                        "differ_from",
                        lang,
                        month=difference.month,
                        what=difference_label(difference, plan, lang),
                    )
                ],
                class_="abm-note compare-differ",
            )
        elif n > 1:
            solara.Warning(tr("options_identical", lang), dense=True, classes=["compare-identical"])
    if state.progress.value:
        solara.Info(state.progress.value, dense=True, classes=["compare-progress"])
    if state.error.value:
        solara.Error(state.error.value, dense=True)


@solara.component
def CompareResult(state: CompareState, result: compare.Result, lang: str):
    names = result.metrics
    metric = state.metric.value if state.metric.value in names else names[0]
    with solara.Row(gap="12px", style={"flex-wrap": "wrap", "align-items": "center"}):
        solara.v.Select(
            label=tr("metric", lang),
            v_model=metric,
            on_v_model=state.metric.set,
            items=[{"text": compare.metric_label(k, lang), "value": k} for k in names],
            class_="ctl-compare-metric",
            dense=True,
            style_="max-width: 360px",
        )
        if len(result.plan.options) > 1:
            with solara.v.BtnToggle(
                v_model=state.view.value,
                on_v_model=lambda v: v and state.view.set(v),
                mandatory=True,
                dense=True,
                class_="compare-view",
            ):
                solara.v.Btn(
                    children=[tr("view_levels", lang)],
                    value="levels",
                    small=True,
                    class_="btn-view-levels",
                )
                solara.v.Btn(
                    children=[trf("view_difference", lang, ref=result.names(lang)[0])],
                    value="difference",
                    small=True,
                    class_="btn-view-difference",
                )
    view = state.view.value if len(result.plan.options) > 1 else "levels"
    chart = solara.use_memo(
        lambda: report.chart_for(result, metric, view, lang), [id(result), metric, view, lang]
    )
    if chart is not None:
        with solara.Div(classes=["compare-chart", f"metric-{metric}", f"view-{view}"]):
            solara.FigureAltair(chart)
    note = "band_note_difference" if view == "difference" else "band_note"
    solara.v.Html(tag="div", children=[trf(note, lang, n=result.plan.runs)], class_="abm-note")
    solara.v.Html(tag="div", children=[used_note(result, lang)], class_="compare-used")
    if agents := result.plan.agents_note(lang):
        solara.v.Html(tag="div", children=[agents], class_="abm-note compare-agents")
    measured = result.observed_first()
    solara.v.Html(
        tag="div",
        children=[
            trf("measured_first", lang, month=measured) if measured else tr("measured_none", lang)
        ],
        class_="compare-measured" + ("" if measured else " abm-warning-text"),
    )
    headers, rows = result.table(lang)
    solara.v.Html(
        tag="div",
        children=[trf("table_at", lang, month=result.last_month())],
        class_="abm-group",
    )
    Table([tr("table_metric", lang), *headers], rows, classes=["compare-table"])
    TextInput(
        tr("question", lang),
        state.question.value,
        state.question.set,
        placeholder=default_question(result, lang),
        classes=["ctl-compare-question"],
        style="max-width: 640px",
    )
    stem = file_stem(result)
    with solara.Row(gap="6px", style={"flex-wrap": "wrap"}, classes=["compare-downloads"]):
        Download(
            tr("download_report", lang),
            lambda: (
                f"{stem()}_report.html",
                report.report_html(
                    result, state.question.value or default_question(result, lang), metric, lang
                ).encode("utf-8"),
            ),
            "text/html",
            classes=["btn-compare-report"],
        )
        Download(
            tr("download_chart_csv", lang),
            lambda: (f"{stem()}_{metric}.csv", result.csv(metric)),
            "text/csv",
            classes=["btn-compare-csv"],
        )
        Download(
            tr("download_runs_csv", lang),
            lambda: (f"{stem()}_runs.csv", result.runs_csv()),
            "text/csv",
            classes=["btn-compare-runs"],
        )
        Download(
            "PNG",
            lambda: (f"{stem()}_{metric}_{view}.png", chart_png(chart)),
            "image/png",
            classes=["btn-compare-png"],
        )


def chart_png(chart) -> bytes:
    import vl_convert

    return vl_convert.vegalite_to_png(chart.to_dict(validate=False), scale=2)


def default_question(result: compare.Result, lang: str) -> str:
    names = result.names(lang)
    return trf(
        "default_question", lang, options=", ".join(names[1:]), ref=names[0], end=result.plan.end
    )


def safe_part(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:40] or "option"


def file_stem(result: compare.Result) -> Callable[[], str]:
    """compare_<options>_<runs>runs_to-<end>_<time>: made at click time, so two downloads
    never share a name."""

    def stem() -> str:
        names = "-vs-".join(
            safe_part(o.label if o.key != CURRENT else "current") for o in result.plan.options
        )
        when = time.strftime("%Y%m%d-%H%M%S")
        return f"compare_{names}_{result.plan.runs}runs_to-{result.plan.end}_{when}"

    return stem

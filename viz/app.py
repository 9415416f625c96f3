"""The browser app's page (``solara run viz.app``; started by ``abm app``).

Why not Mesa's SolaraViz as the whole page: its Reset rebuilds the model with
``type(model)(**params)``, with no hook to validate a scenario and show a message next
to the control at fault, and it assumes Mesa's own scenario class. The page therefore
keeps Mesa's model (``RegionalModel``, stepped with ``model.step()``) and Solara's
components, with its own controller. Every piece of state lives in this component's
hooks, so each browser page (each Solara kernel) has its own model.
"""

from __future__ import annotations

import threading
import time
import traceback
from pathlib import Path

import solara

from abm.errors import UserError
from abm.scenario import load_scenario
from viz.components.compare import CompareView
from viz.components.controls import ControlPanel, ScenarioPicker
from viz.components.export import ExportPanel
from viz.components.live_view import LiveView, StepCounter
from viz.components.player import Player
from viz.components.sweep import SweepView
from viz.controls import defaults, validate
from viz.i18n import tr
from viz.live import Frame, LiveRun
from viz.paths import Choice, lookup, scenario_choices

CSS = (Path(__file__).with_name("style.css")).read_text(encoding="utf-8")
DEFAULT_SCENARIO = "baseline"


def default_choice(choices: list[Choice]) -> Choice | None:
    return next(
        (c for c in choices if c.label == DEFAULT_SCENARIO), choices[0] if choices else None
    )


class Session:
    """One browser page's state: its reactives, model run and publish lock.

    Created once per page (``use_memo`` in :func:`App`), never shared: two tabs are two
    Solara kernels, each with its own Session and so its own model.
    """

    def __init__(self, first: Choice):
        base = load_scenario(first.path)
        run = LiveRun(base, base.seed)
        self.lock = threading.Lock()
        self.lang = solara.reactive("en")
        self.choice_key = solara.reactive(first.key)
        self.pick_error = solara.reactive("")
        self.base = solara.reactive(base)
        self.draft = solara.reactive(defaults(base))
        self.applied = solara.reactive(defaults(base))
        self.run = solara.reactive(run)
        self.frame = solara.reactive(run.frame)
        self.playing = solara.reactive(False)
        self.speed = solara.reactive(5)
        self.reset_error = solara.reactive("")
        self.tab = solara.reactive(0)


@solara.component
def Page():
    """Solara's entry point: the app, or why it cannot start."""
    choices = solara.use_memo(scenario_choices, [])
    first = default_choice(choices)
    if first is None:
        solara.Error(tr("no_scenarios"))
    else:
        App(choices, first)


@solara.component
def App(choices: list[Choice], first: Choice):
    session = solara.use_memo(lambda: Session(first), [])
    lang, choice_key, pick_error = session.lang, session.choice_key, session.pick_error
    base, draft, applied = session.base, session.draft, session.applied
    run, frame, playing, speed = session.run, session.frame, session.playing, session.speed
    reset_error, tab = session.reset_error, session.tab

    checked = solara.use_memo(
        lambda: validate(base.value, draft.value, lang.value), [base.value, draft.value, lang.value]
    )

    def publish(owner: LiveRun, new_frame: Frame) -> None:
        """Show a frame, unless a Reset replaced its run meanwhile."""
        with session.lock:
            if run.value is owner:
                frame.set(new_frame)

    def replace_run(new_run: LiveRun) -> None:
        playing.set(False)
        with session.lock:
            run.set(new_run)
            frame.set(new_run.frame)

    def play_loop(cancel: threading.Event) -> None:
        if not playing.value:
            return
        owner = run.value
        try:
            while not cancel.is_set():
                started = time.perf_counter()
                new_frame = owner.step(force_network=False)
                if cancel.is_set():
                    break
                publish(owner, new_frame)
                if new_frame.done:
                    playing.set(False)
                    break
                cancel.wait(max(1.0 / max(speed.value, 1) - (time.perf_counter() - started), 0.005))
        except Exception as exc:  # keep the server and the page alive; say what happened
            traceback.print_exc()
            reset_error.set(f"error while playing: {exc}")
            playing.set(False)

    solara.use_thread(play_loop, dependencies=[playing.value, run.value], intrusive_cancel=False)

    def on_pick(key: str) -> None:
        choice = lookup(choices, key)
        if choice is None:
            return
        try:
            new_base = load_scenario(choice.path)
            new_run = LiveRun(new_base, new_base.seed)
        except UserError as exc:
            pick_error.set(str(exc))
            return
        pick_error.set("")
        choice_key.set(key)
        base.set(new_base)
        draft.set(defaults(new_base))
        applied.set(defaults(new_base))
        reset_error.set("")
        replace_run(new_run)

    def on_step() -> None:
        if not playing.value:
            owner = run.value
            publish(owner, owner.step())

    def on_reset() -> None:
        result = validate(base.value, draft.value, lang.value)
        if not result.ok:
            reset_error.set(tr("fix_errors", lang.value))
            return
        try:
            new_run = LiveRun(result.scenario, result.seed)
        except Exception as exc:  # a valid scenario the model still rejects: keep the old run
            traceback.print_exc()
            reset_error.set(f"could not build the model: {exc}")
            return
        reset_error.set("")
        applied.set(dict(draft.value))
        replace_run(new_run)

    solara.Style(CSS)
    with solara.AppBar():
        solara.AppBarTitle(tr("title", lang.value))
        solara.Button(
            tr("language", lang.value),
            text=True,
            on_click=lambda: lang.set("en" if lang.value == "ko" else "ko"),
            classes=["btn-language"],
        )

    with solara.Row(gap="0px", classes=["abm-layout"]):
        with solara.Column(gap="4px", classes=["abm-sidebar"]):
            ScenarioPicker(choices, choice_key.value, on_pick, pick_error.value, lang.value)
            PlayerBox(
                frame,
                playing,
                speed,
                on_step,
                on_reset,
                reset_error,
                checked.ok,
                draft.value != applied.value,
                lang.value,
            )
            ControlPanel(base.value, draft, checked, lang.value)
        with solara.Column(gap="6px", classes=["abm-main"]):
            with solara.v.Tabs(v_model=tab.value, on_v_model=tab.set, class_="abm-tabs"):
                solara.v.Tab(children=[tr("live", lang.value)])
                solara.v.Tab(children=[tr("compare", lang.value)])
                solara.v.Tab(children=[tr("sweep", lang.value)])
            if tab.value == 0:
                LivePane(frame, run, lang.value)
            elif tab.value == 1:
                CompareView(choices, choice_key.value, lang.value)
            else:
                SweepView(lang.value)


@solara.component
def PlayerBox(
    frame: solara.Reactive[Frame],
    playing: solara.Reactive[bool],
    speed: solara.Reactive[int],
    on_step,
    on_reset,
    reset_error: solara.Reactive[str],
    valid: bool,
    pending: bool,
    lang: str,
):
    """Reads the frame itself, so a step re-renders only this and the live pane."""
    current = frame.value
    StepCounter(current, lang)
    if reset_error.value:
        message, is_error = reset_error.value, True
    elif not valid:
        message, is_error = tr("fix_errors", lang), True
    elif pending:
        message, is_error = tr("pending", lang), False
    else:
        message, is_error = "", False
    Player(
        playing.value,
        current.done,
        lambda: playing.set(not playing.value),
        on_step,
        on_reset,
        speed,
        message,
        is_error,
        lang,
    )


@solara.component
def LivePane(frame: solara.Reactive[Frame], run: solara.Reactive[LiveRun], lang: str):
    current = frame.value
    LiveView(current, run.value.scenario, lang)
    solara.HTML(tag="div", unsafe_innerHTML=tr("export", lang), classes=["abm-group"])
    ExportPanel(run.value, current.step, lang)

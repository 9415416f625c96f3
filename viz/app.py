"""The browser app's page (``solara run viz.app``; started by ``abm app``).

Why not Mesa's SolaraViz as the whole page: its Reset rebuilds the model with
``type(model)(**params)``, with no hook to validate a scenario and show a message next
to the control at fault, and it assumes Mesa's own scenario class. The page therefore
keeps Mesa's model (``RegionalModel``, stepped with ``model.step()``) and Solara's
components, with its own controller (:class:`viz.session.Session`). Every piece of
state lives in the page's Session, so each browser page (each Solara kernel) has its own
model, and every tab keeps its state while another is shown.

Tabs are declared once in :data:`TABS`; a new tab is one more line there.
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import solara

from viz import controls as ctl
from viz import offline
from viz.components.common import Boundary
from viz.components.compare import CompareState, CompareView, default_other
from viz.components.controls import ControlPanel, FixBanner, ScenarioPicker
from viz.components.decide import DecidePanel, DecideState
from viz.components.export import ExportPanel
from viz.components.info import InfoView
from viz.components.live_view import LiveView
from viz.components.player import PlayerBox
from viz.components.sweep import SweepState, SweepView
from viz.controls import validate
from viz.i18n import tr, trf
from viz.paths import Choice, scenario_choices
from viz.session import Session

offline.install()


def _prepare_default_run() -> None:
    """Build the run a new page opens with before the first page asks for it."""
    try:
        from abm.scenario import load_scenario
        from viz.live import SPARES

        first = default_choice(scenario_choices())
        if first is not None:
            scenario = load_scenario(first.path)
            SPARES.prepare(scenario, scenario.seed)
    except Exception:  # only an optimisation
        pass


CSS = (Path(__file__).with_name("style.css")).read_text(encoding="utf-8")
DEFAULT_SCENARIO = "baseline"
_SESSIONS: weakref.WeakSet[Session] = weakref.WeakSet()
_OPEN = [0]  # pages whose kernel is open (diagnostics)


def default_choice(choices: list[Choice]) -> Choice | None:
    return next(
        (c for c in choices if c.label == DEFAULT_SCENARIO), choices[0] if choices else None
    )


class Page_state:
    """The session plus the per-tab states that outlive a tab switch."""

    def __init__(self, choices: list[Choice], first: Choice, search: str | None):
        self.session = Session(choices, first, search)
        self.compare = CompareState(default_other(choices, self.session.run.value.scenario))
        self.sweep = SweepState()
        self.decide = DecideState()
        self.visited: set[int] = set()
        _SESSIONS.add(self.session)
        _OPEN[0] += 1
        _on_kernel_close(self.close)
        offline.diagnostic(f"page opened; {_OPEN[0]} pages open")

    def close(self) -> None:
        self.session.close()
        self.compare.close()
        self.decide.close()
        _OPEN[0] -= 1
        gc.collect()
        offline.diagnostic(
            f"page closed; {_OPEN[0]} pages open, {len(_SESSIONS)} sessions in memory"
        )


def _on_kernel_close(callback: Callable[[], None]) -> None:
    """Stop this page's threads when its kernel closes (tab closed, or culled)."""
    try:
        from solara.server import kernel_context

        kernel_context.get_current_context().on_close(callback)
    except Exception:  # no server (headless render in tests): nothing to hook
        pass


_prepare_default_run()


# ------------------------------------------------------------------------------ tabs


@dataclass(frozen=True)
class Tab:
    """One tab: its CSS key, label (i18n key) and view (a component of (state, lang))."""

    key: str
    label: str
    view: Callable


@solara.component
def LiveTab(state: Page_state, lang: str):
    s = state.session
    run = s.run.value  # a new run renders the tab; a new frame only redraws the figures
    LiveView(
        s.frames,
        run.scenario,
        lang,
        s.size_by,
        s.selected,
        s.plot_scope,
        s.plot_name,
        s.flows,
        s.follow,
        run.largest_firms,
        s.bands_of,
        s.band_status,
        s.followed.value,
    )
    ExportPanel(run, s.edits, s.size_by.value, lang, s.frames)


@solara.component
def CompareTab(state: Page_state, lang: str):
    s = state.session

    def current():
        run = s.run.value
        return run.scenario, run.seed

    CompareView(state.compare, s.choices, current, lang)


@solara.component
def SweepTab(state: Page_state, lang: str):
    SweepView(state.sweep, lang)


@solara.component
def InfoTab(state: Page_state, lang: str):
    InfoView(state.session.run.value.scenario, lang)


@solara.component
def DecideTab(state: Page_state, lang: str):
    DecidePanel(lang, state.decide)


TABS: tuple[Tab, ...] = (
    Tab("live", "live", LiveTab),
    Tab("compare", "compare", CompareTab),
    Tab("sweep", "sweep", SweepTab),
    Tab("info", "info", InfoTab),
    Tab("decide", "decide", DecideTab),
)


# ------------------------------------------------------------------------------ page


@solara.component
def Page():
    """Solara's entry point: the app, or why it cannot start."""
    choices = solara.use_memo(scenario_choices, [])
    first = default_choice(choices)
    if first is None:
        solara.Error(tr("no_scenarios"))
    else:
        App(choices, first)


def _router_search() -> tuple[str | None, Callable[[str], None] | None]:
    try:
        router = solara.use_router()
    except Exception:
        return None, None
    setter = router.push if router.set_path is not None else None
    return router.search, setter


@solara.component
def SidebarTop(s: Session, lang: str):
    """The scenario picker and the rescan button: the only part of the sidebar that
    follows ``busy`` besides the player, so a Reset re-renders little (feedback at once)."""
    busy = s.busy.value
    _ = s.choices_version.value  # re-render after a rescan
    ScenarioPicker(s.choices, s.choice_key.value, s.pick, s.pick_error.value, lang, busy)
    solara.Button(
        tr("rescan", lang),
        icon_name="mdi-refresh",
        text=True,
        small=True,
        on_click=s.rescan,
        classes=["btn-rescan"],
        disabled=busy,
        style={"align-self": "flex-start"},
    )


@solara.component
def ControlsBox(s: Session, lang: str):
    """The controls, the banner of a refused Reset, and what is (not yet) applied."""
    base, draft, applied = s.base.value, s.draft.value, s.applied.value
    checked = solara.use_memo(lambda: validate(base, draft, lang), [base, draft, lang])
    waiting = ctl.changed_between(base, applied, draft)
    # The notes sit in a box that is always there: a note appearing before the controls
    # must not shift them, or every control is mounted anew (its widget replaced while the
    # user types in it: the text and the focus are lost).
    with solara.Column(gap="4px", classes=["abm-notes"]):
        FixBanner(base, checked, s.attempted.value, lang)
        if checked.ok and waiting and not s.attempted.value:
            names = "; ".join(ctl.full_title(base, c, lang) for c in waiting)
            solara.Info(trf("pending_list", lang, edits=names), dense=True, classes=["abm-pending"])
        elif s.applied_note.value and not waiting:
            solara.v.Html(tag="div", children=[s.applied_note.value], class_="abm-note abm-applied")
    ControlPanel(base, s.draft, checked, lang)


@solara.component
def App(choices: list[Choice], first: Choice):
    search, push = _router_search()
    state = solara.use_memo(lambda: Page_state(choices, first, search), [])
    s = state.session
    s.url_setter = push
    lang = s.lang.value

    solara.Style(CSS)
    with solara.AppBar():
        solara.AppBarTitle(tr("title", lang))
        solara.Button(
            tr("language", lang),
            text=True,
            on_click=lambda: s.lang.set("en" if s.lang.value == "ko" else "ko"),
            classes=["btn-language"],
        )

    with solara.Row(gap="0px", classes=["abm-layout"]):
        with solara.Column(gap="4px", classes=["abm-sidebar"]):
            SidebarTop(s, lang)
            PlayerBox(s, lang)
            ControlsBox(s, lang)
        with solara.Column(gap="6px", classes=["abm-main"]):
            with solara.v.Tabs(v_model=s.tab.value, on_v_model=s.tab.set, class_="abm-tabs"):
                for tab in TABS:
                    solara.v.Tab(children=[tr(tab.label, lang)], class_=f"tab-{tab.key}")
            visited = state.visited
            visited.add(s.tab.value)
            for i, tab in enumerate(TABS):
                if i not in visited:  # mounted on first visit, then kept (and its state)
                    continue
                hidden = {} if s.tab.value == i else {"display": "none"}
                with solara.Div(classes=["abm-pane", f"pane-{tab.key}"], style=hidden):
                    Boundary(children=[tab.view(state, lang)], lang=lang, name=tab.key)

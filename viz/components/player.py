"""Play / Pause / Step / Reset, the speed slider (with its value), run-until and draw-every."""

from __future__ import annotations

from html import escape

import solara

from viz import controls as ctl
from viz.components.common import LiveHtml, TextInput
from viz.feed import Feed
from viz.figures.live import history_end
from viz.i18n import tr, trf
from viz.live import Frame
from viz.session import MAX_SPEED, Session


def counter_html(
    frame: Frame, lang: str = "en", history_end: str | None = None
) -> tuple[str, dict[str, str]]:
    """The step, its month and, when the scenario replays history, whether that month is
    still history or past it ("Step 3 / 24 · 2025-03 · history"); and the step."""
    text = (
        f"{escape(tr('step_label', lang))} <b>{frame.step}</b> / {frame.steps} · "
        f"{escape(frame.date)}"
    )
    rate = frame.timing_ms.get("rate", 0.0)
    if rate > 0:  # measured while playing: what runs, not what the slider asks
        text += (
            f' <span class="step-rate">{escape(trf("rate_value", lang, n=f"{rate:.1f}"))}</span>'
        )
    attrs = {"data-step": str(frame.step)}
    if history_end:
        past = frame.date[:7] > history_end
        key, state = ("past_history", "past") if past else ("in_history", "in")
        words = escape(trf(key, lang, end=history_end))
        text += f' <span class="history-state {state}">{words}</span>'
        attrs["data-history"] = state
    return text, attrs


@solara.component
def StepCounter(frames: Feed | Frame, lang: str = "en", history_end: str | None = None):
    feed = frames if isinstance(frames, Feed) else Feed(frames)
    LiveHtml(
        feed,
        lambda f: counter_html(f, lang, history_end),
        [lang, history_end],
        ["step-counter"],
        "counter",
    )


@solara.component
def PlayerBox(session: Session, lang: str = "en"):
    """The counter follows the frame feed; the buttons render only when their state changes."""
    playing, busy = session.playing.value, session.busy.value
    at_end = session.at_end.value
    status = session.status.value
    StepCounter(session.frames, lang, history_end(session.run.value.scenario))
    with solara.Row(gap="6px", style={"flex-wrap": "wrap"}):
        solara.Button(
            tr("pause" if playing else "play", lang),
            icon_name="mdi-pause" if playing else "mdi-play",
            on_click=session.toggle,
            disabled=busy or (at_end and not playing),
            color="primary",
            classes=["btn-play"],
        )
        solara.Button(
            tr("step", lang),
            icon_name="mdi-step-forward",
            on_click=session.step,
            disabled=playing or at_end,
            color="primary",
            outlined=True,
            classes=["btn-step"],
        )
        solara.Button(
            tr("reset", lang),
            icon_name="mdi-restore",
            on_click=session.reset,
            disabled=busy,
            loading=busy,
            color="primary",
            outlined=True,
            classes=["btn-reset"],
        )
    speed = session.speed.value
    label = tr("speed_max", lang) if speed >= MAX_SPEED else trf("speed_value", lang, n=speed)
    solara.v.Html(tag="div", children=[label], class_="speed-value abm-note")
    with solara.Div(classes=["ctl-speed"]):
        solara.SliderInt("", value=session.speed, min=1, max=MAX_SPEED, thumb_label=False)
    _, until_problem = session.until_step()
    every_problem = ctl.parse_whole(session.render_every_text.value, 1, 120, lang)[1]
    with solara.Row(gap="8px"):
        TextInput(
            tr("run_until", lang),
            session.until.value,
            session.until.set,
            error=until_problem or "",
            message=tr("run_until_hint", lang),
            placeholder="YYYY-MM",
            classes=["ctl-until"],
            style="max-width: 140px",
        )
        TextInput(
            tr("render_every", lang),
            session.render_every_text.value,
            session.set_render_every,
            error=every_problem or "",
            message=tr("render_every_hint", lang),
            classes=["ctl-render-every"],
            style="max-width: 150px",
        )
    if busy:
        solara.ProgressLinear(True)
    if status.text:
        if status.error:
            solara.Error(status.text, dense=True, classes=["abm-reset-message"])
        else:
            solara.Info(status.text, dense=True, classes=["abm-reset-message"])

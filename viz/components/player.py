"""Play / Pause / Step / Reset and the speed slider."""

from __future__ import annotations

from collections.abc import Callable

import solara

from viz.i18n import tr


@solara.component
def Player(
    playing: bool,
    done: bool,
    on_play: Callable[[], None],
    on_step: Callable[[], None],
    on_reset: Callable[[], None],
    speed: solara.Reactive[int],
    message: str = "",
    message_is_error: bool = False,
    lang: str = "en",
):
    with solara.Row(gap="6px", style={"flex-wrap": "wrap"}):
        solara.Button(
            tr("pause" if playing else "play", lang),
            icon_name="mdi-pause" if playing else "mdi-play",
            on_click=on_play,
            disabled=done and not playing,
            color="primary",
            classes=["btn-play"],
        )
        solara.Button(
            tr("step", lang),
            icon_name="mdi-step-forward",
            on_click=on_step,
            disabled=playing or done,
            color="primary",
            outlined=True,
            classes=["btn-step"],
        )
        solara.Button(
            tr("reset", lang),
            icon_name="mdi-restore",
            on_click=on_reset,
            color="primary",
            outlined=True,
            classes=["btn-reset"],
        )
    solara.SliderInt(tr("speed", lang), value=speed, min=1, max=20)
    if message:
        if message_is_error:
            solara.Error(message, dense=True, classes=["abm-reset-message"])
        else:
            solara.Info(message, dense=True, classes=["abm-reset-message"])

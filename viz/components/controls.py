"""Scenario picker and the control panel, both generated from the declarations in
:mod:`viz.controls`: each control shows its range and default, and its own message."""

from __future__ import annotations

from collections.abc import Callable

import solara

from abm.scenario import Scenario
from viz import controls as ctl
from viz.components.common import Heading, TextInput
from viz.figures.palette import fmt_krw
from viz.i18n import choice_label, in_lang, region_label, tr
from viz.paths import Choice


@solara.component
def ScenarioPicker(
    choices: list[Choice],
    value: str,
    on_value: Callable[[str], None],
    error: str = "",
    lang: str = "en",
    disabled: bool = False,
):
    """A select over the scenario files the server allows; sends back a key, never a path."""
    items = []
    for c in choices:
        about = in_lang(c.description, c.description_ko, lang)
        items.append({"text": f"{c.label} — {about}" if about else c.label, "value": c.key})
    solara.v.Select(
        label=tr("scenario", lang),
        items=items,
        v_model=value,
        on_v_model=on_value,
        error_messages=[error] if error else [],
        class_="ctl-scenario",
        dense=True,
        hide_details="auto",
        disabled=disabled,
    )


def _echo(control: ctl.Control, raw: str) -> str:
    """A readable echo of a won amount (억/조), so 12000 억 is not a guess."""
    value, problem = ctl.parse(control, raw)
    if problem or value is None or control.unit not in ("KRW", "억 KRW"):
        return ""
    return "= " + fmt_krw(value * (ctl.EOK if control.unit == "억 KRW" else 1))


@solara.component
def ControlField(
    control: ctl.Control,
    base: Scenario,
    raw: str,
    error: str | None,
    on_value: Callable[[str, str], None],
    lang: str = "en",
):
    label = control.title(lang)
    unit = control.unit_text(lang)
    if unit and control.kind != "choice" and unit.lower() not in label.lower():
        label = f"{label} ({unit})"  # "Final capacity (GPUs)"; never "Firm agents (agents)"
    hint = ctl.hint(control, base, lang)
    if echo := _echo(control, raw):
        hint = f"{echo} · {hint}"
    classes = f"{control.css} abm-control"
    if control.kind == "choice":
        if control.key.endswith(".site"):
            items = [
                {"text": region_label(r.name, r.name_ko, lang), "value": rid}
                for rid, r in base.regions.items()
            ]
        else:
            items = [{"text": choice_label(c, lang), "value": c} for c in control.choices]
        widget = solara.v.Select(
            label=label,
            items=items,
            v_model=raw,
            on_v_model=lambda v: on_value(control.key, v),
            error_messages=[error] if error else [],
            class_=classes,
            dense=True,
            hide_details="auto",
        )
    else:
        widget = TextInput(
            label,
            raw,
            lambda v: on_value(control.key, v or ""),
            error=error or "",
            message=hint,
            classes=[control.css, "abm-control"],
        )
    solara.v.Html(tag="div", attributes={"id": control.css}, children=[widget])


@solara.component
def ControlPanel(
    base: Scenario,
    draft: solara.Reactive[ctl.Draft],
    checked: ctl.Checked,
    lang: str = "en",
    disabled: bool = False,
):
    """All controls of the scenario, grouped as declared; edits go to the draft."""

    def set_value(key: str, value: str) -> None:
        """One control's committed text into the draft: only its own key changes."""
        if draft.value.get(key) != value:
            draft.set({**draft.value, key: value})

    group = None
    for control in ctl.controls_for(base):
        if control.group != group:
            group = control.group
            Heading(ctl.group_title(base, group, lang), classes=[f"grp-{group}"])
            if group in base.centers:
                center = base.centers[group]
                name = ctl.center_title(center.name, center.name_ko, lang)
                solara.v.Html(tag="div", children=[name], class_="abm-note center-name")
        ControlField(
            control,
            base,
            draft.value.get(control.key, ""),
            checked.errors.get(control.key),
            set_value,
            lang,
        )
    for message in checked.general:
        solara.Error(message, dense=True, classes=["abm-general-error"])


@solara.component
def FixBanner(base: Scenario, checked: ctl.Checked, attempted: bool, lang: str = "en"):
    """After a refused Reset: which controls to fix, each a link that scrolls to it.
    Computed from the current draft, so it goes away as soon as the values are fixed."""
    if not attempted or checked.ok:
        return
    by_key = {c.key: c for c in ctl.controls_for(base)}
    with solara.v.Alert(type="error", dense=True, text=True, class_="abm-fix-banner"):
        solara.v.Html(tag="div", children=[tr("fix_these", lang)])
        for key in checked.errors:
            control = by_key.get(key)
            if control is None:
                continue
            group = ctl.group_title(base, control.group, lang)
            solara.v.Html(
                tag="a",
                attributes={"href": f"#{control.css}"},
                children=[f"{group} › {control.title(lang)}"],
                class_=f"fix-link fix-{control.css}",
                style_="display:block",
            )
        for message in checked.general:
            solara.v.Html(tag="div", children=[message])

"""Scenario picker and the control panel: each control shows its own error message."""

from __future__ import annotations

from collections.abc import Callable

import solara

from abm.scenario import Scenario
from viz.controls import Checked, Draft, Field, fields_for
from viz.figures.palette import fmt_krw, fmt_number
from viz.i18n import region_label, tr
from viz.paths import Choice


@solara.component
def ScenarioPicker(
    choices: list[Choice], value: str, on_value: Callable[[str], None], error: str = "", lang="en"
):
    """A select over the scenario files the server allows; sends back a key, never a path."""
    items = [
        {"text": f"{c.label} — {c.description}" if c.description else c.label, "value": c.key}
        for c in choices
    ]
    solara.v.Select(
        label=tr("scenario", lang),
        items=items,
        v_model=value,
        on_v_model=on_value,
        error_messages=[error] if error else [],
        class_="ctl-scenario",
        dense=True,
        hide_details="auto",
    )


def _label(field: Field, base: Scenario, lang: str) -> str:
    if field.key.startswith("incentive."):
        region = base.regions[field.label]
        return region_label(region.name, region.name_ko, lang)
    return tr(field.label, lang)


def _hint(field: Field, raw: str) -> str | None:
    """A readable echo of big numbers (won in 억/조), so typing 1e12 is not a guess."""
    try:
        value = float(raw.replace(",", "").replace("_", ""))
    except ValueError:
        return None
    if field.key == "fund" or field.key.endswith(".price"):
        return fmt_krw(value)
    if field.key.endswith(".capacity") or field.key == "firms":
        return fmt_number(value)
    return None


@solara.component
def ControlField(
    field: Field,
    base: Scenario,
    raw: str,
    error: str | None,
    on_value: Callable[[str, str], None],
    lang: str = "en",
):
    label = _label(field, base, lang)
    classes = [field.css, "abm-control"]
    if field.kind == "choice":
        if field.key.endswith(".site"):
            items = [
                {"text": region_label(r.name, r.name_ko, lang), "value": rid}
                for rid, r in base.regions.items()
            ]
        else:
            items = [{"text": c, "value": c} for c in field.choices]
        solara.v.Select(
            label=label,
            items=items,
            v_model=raw,
            on_v_model=lambda v: on_value(field.key, v),
            error_messages=[error] if error else [],
            class_=" ".join(classes),
            dense=True,
            hide_details="auto",
        )
        return
    solara.InputText(
        label,
        value=raw,
        on_value=lambda v: on_value(field.key, v or ""),
        error=error or False,
        message=_hint(field, raw),
        classes=classes,
        dense=True,
    )


@solara.component
def ControlPanel(
    base: Scenario,
    draft: solara.Reactive[Draft],
    checked: Checked,
    lang: str = "en",
):
    """All controls of the scenario, grouped; edits go to the draft, applied on Reset."""

    def set_value(key: str, value: str) -> None:
        draft.set({**draft.value, key: value})

    fields = fields_for(base)
    groups: dict[str, list[Field]] = {}
    for field in fields:
        groups.setdefault(field.group, []).append(field)

    def render(field: Field) -> None:
        ControlField(
            field,
            base,
            draft.value.get(field.key, ""),
            checked.errors.get(field.key),
            set_value,
            lang,
        )

    for field in groups.get("", [])[:2]:  # seed, firms
        render(field)
    for cid, center in base.centers.items():
        solara.HTML(
            tag="div",
            unsafe_innerHTML=f"{tr('center', lang)}: {center.name}",
            classes=["abm-group"],
        )
        for field in groups.get(cid, []):
            render(field)
    solara.HTML(tag="div", unsafe_innerHTML=tr("fund", lang).split(" (")[0], classes=["abm-group"])
    for field in groups.get("", [])[2:4]:  # fund, allocation
        render(field)
    solara.HTML(tag="div", unsafe_innerHTML=tr("incentives", lang), classes=["abm-group"])
    for field in groups.get("incentives", []):
        render(field)
    solara.HTML(tag="div", unsafe_innerHTML=tr("agglomeration", lang), classes=["abm-group"])
    for field in groups.get("", [])[4:]:
        render(field)
    for message in checked.general:
        solara.Error(message, dense=True, classes=["abm-general-error"])

"""The Info panel: what the model is, what each control and output means, and where the
scenario's numbers come from. Built from the ODD (docs/ODD.md, section 1), the control
declarations (which carry the schema's docs and sources), the output declarations and
the scenario's ``sources`` tables; labels in both languages, docs as the schema has them.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import solara

from abm import outputs
from abm.scenario import Scenario
from viz import controls as ctl
from viz import timeline
from viz.charts import tr_kind
from viz.components.common import Heading, Table
from viz.i18n import choice_label, in_lang, region_label, tr, unit_text
from viz.paths import PROJECT_ROOT

ODD = PROJECT_ROOT / "docs" / "ODD.md"
SUMMARY_KO = (
    "국가 AI 컴퓨팅 센터를 어디에 두어야 하며, 재원과 인센티브는 주변 지역에 어떤 영향을 "
    "주는가? 이 모델은 수도권·대구·광주·전남(해남)의 AI/ICT 기업, 대학, 정부를 매월 따라가며, "
    "센터 입지·용량·가격·배분 규칙·국가 재원·지방 인센티브가 기업의 입지, 협력, 혁신, 성장과 "
    "공공 지출의 성과에 미치는 효과를 비교합니다. 전체 설명은 docs/ODD.md (영문)에 있습니다."
)


@cache
def odd_purpose(path: Path = ODD) -> str:
    """The ODD's question paragraph (section 1), as plain text without Markdown marks."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return ""
    match = re.search(r"## 1\. Purpose[^\n]*\n+(.*?)\n\n", text, re.S)
    if not match:
        return ""
    return re.sub(r"[*`]", "", " ".join(match.group(1).split()))


def sources(scenario: Scenario) -> list[list[str]]:
    """(where, field, source) for every sourced number of the scenario."""
    rows = []
    for rid, region in scenario.regions.items():
        rows += [[f"regions.{rid}", k, v] for k, v in region.sources.items()]
        rows += [[f"regions.{rid}.incentives", k, v] for k, v in region.incentives.sources.items()]
        for i, uni in enumerate(region.universities):
            rows += [[f"regions.{rid}.universities[{i}]", k, v] for k, v in uni.sources.items()]
    for cid, center in scenario.centers.items():
        rows += [[f"centers.{cid}", k, v] for k, v in center.sources.items()]
    rows += [["government.central", k, v] for k, v in scenario.government.central.sources.items()]
    return rows


@solara.component
def InfoView(scenario: Scenario, lang: str = "en"):
    with solara.Column(gap="8px", classes=["abm-info"]):
        Heading(tr("info_model", lang))
        solara.v.Html(tag="p", children=[SUMMARY_KO if lang == "ko" else odd_purpose()])
        about = in_lang(scenario.description, scenario.scenario.description_ko, lang)
        if about:
            solara.v.Html(tag="p", children=[f"{scenario.name}: {about}"], class_="info-about")
        Heading(tr("info_timeline", lang))
        Table(
            [tr("date", lang), tr("kind", lang), tr("event", lang)],
            [[e.month, tr_kind(e.kind, lang), e.label(lang)] for e in timeline.events(scenario)],
            classes=["info-timeline"],
            original=frozenset({2}),
        )
        Heading(tr("info_controls", lang))
        rows = [
            [
                ctl.full_title(scenario, c, lang) if c.group in scenario.centers else c.title(lang),
                c.unit_text(lang),
                (
                    "/".join(choice_text(scenario, c, lang, x) for x in c.choices)
                    if c.kind == "choice"
                    else ctl.range_text(c, lang)
                ),
                choice_text(scenario, c, lang)
                if c.kind == "choice"
                else ctl.number_text(c.read(scenario)),
                c.meaning(lang),
                c.field,
                c.source,
            ]
            for c in ctl.controls_for(scenario)
        ]
        Table(
            [
                tr(k, lang)
                for k in ("name", "unit", "range", "default", "meaning", "field", "source")
            ],
            rows,
            classes=["info-controls"],
            original=frozenset({5, 6}),
        )
        Heading(tr("info_outputs", lang))
        if lang == "ko":
            solara.v.Html(tag="div", children=[tr("original_note", lang)], class_="abm-note")
        Table(
            [tr(k, lang) for k in ("name", "unit", "scope", "meaning", "field")],
            output_rows(lang),
            classes=["info-outputs"],
            original=frozenset({3, 4}) if lang == "ko" else frozenset({4}),
        )
        Heading(tr("info_sources", lang))
        Table(
            [tr("field", lang), tr("item", lang), tr("source", lang)],
            sources(scenario),
            classes=["info-sources"],
            original=frozenset({0, 1, 2}),
        )


def choice_text(scenario: Scenario, control: ctl.Control, lang: str, value=None) -> str:
    """A choice as the user reads it: a region by its name, a rule by its word."""
    value = control.read(scenario) if value is None else value
    region = scenario.regions.get(value) if control.key.endswith(".site") else None
    if region is not None:
        return region_label(region.name, region.name_ko, lang)
    return choice_label(str(value), lang)


def output_rows(lang: str) -> list[list[str]]:
    """One row a declared output (keys, dates and ids left out): its label, unit, the scopes
    it is recorded at and what it means at each."""
    where = {s: tr(f"scope_{s}", lang) for s in outputs.SCOPES}
    return [
        [
            d.label_ko if lang == "ko" else d.label,
            "%" if d.kind == "share" else unit_text(d.unit, lang),
            ", ".join(where[s] for s in d.scopes),
            getattr(d, "doc_ko", "")
            if lang == "ko" and getattr(d, "doc_ko", "")
            else d.meaning(where),
            d.name,
        ]
        for d in outputs.DECLARATIONS
        if d.kind not in ("step", "date", "id")
    ]

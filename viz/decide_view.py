"""A decision (``decision.json`` of ``abm decide``) as the Decide tab shows it, in English or
Korean: the verdicts, the tables and the figures, rebuilt from the structured figures of
the analysis (never from its English sentences), numbers written as the KPI cards write
them (no ``1.17e+03``).

The figures are Altair charts (:mod:`viz.charts`: one chart stack for the app and its
reports); the per-future values for the outcome and PRIM figures are read with
:func:`abm.decide.report.per_future`, as the command's report reads them.

The analysis' newer figures are drawn when a decision has them: every pair's paired
effect (``effects``), where the variance of each paired difference comes from
(``variance``), the value of information (``value_of_information``: EVPPI per parameter
and group) and where the sequential stopping rule stands (``stopping``); a decision
without them shows the rest.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from abm import outputs
from viz.charts import bars, finish
from viz.figures.palette import REGION_COLORS, fmt_value
from viz.i18n import region_label, unit_text

_TEXT: dict[str, tuple[str, str]] = {
    "max": ("higher is better", "높을수록 좋음"),
    "min": ("lower is better", "낮을수록 좋음"),
    "verdict": (
        "{label} ({direction}, {at}): {leader} is best in {p} of {n} futures (expected "
        "regret {regret}, worst {worst})",
        "{label} ({direction}, {at}): {leader}이(가) 미래 {n}개 중 {p}에서 가장 좋음 "
        "(기대 후회 {regret}, 최악 {worst})",
    ),
    "no_comparison": ("{label}: no comparison ({note})", "{label}: 비교 없음 ({note})"),
    "futures": (
        "{k} options × {n} futures ({how}); runs: {ok} ok of {total}",
        "선택지 {k}개 × 미래 {n}개 ({how}); 실행: {total}회 중 {ok}회 성공",
    ),
    "posterior": (
        "{d} weighted draws from the calibration posterior ({rows} rows)",
        "보정 사후분포에서 가중 추출 {d}개 (행 {rows}개)",
    ),
    "ranges": (
        "Latin-hypercube samples of {r} deep-uncertainty range(s)",
        "깊은 불확실성 범위 {r}개의 라틴 하이퍼큐브 표본",
    ),
    "ranges_only": (
        "{d} Latin-hypercube samples of {r} deep-uncertainty range(s)",
        "깊은 불확실성 범위 {r}개의 라틴 하이퍼큐브 표본 {d}개",
    ),
    "and": ("combined with", "및"),
    "times_seeds": ("times {s} seed(s)", "× 시드 {s}개"),
    "seed_only": (
        "no posterior and no ranges: parameters at the scenario's values; futures differ "
        "only by their random seed",
        "사후분포와 범위 없음: 매개변수는 시나리오 값, 미래는 난수 시드만 다름",
    ),
    "option": ("option", "선택지"),
    "median": ("median", "중앙값"),
    "band": ("5-95 %", "5-95 %"),
    "p_best": ("P(best)", "최선 확률"),
    "regret_mean": ("expected regret", "기대 후회"),
    "regret_max": ("worst regret", "최악 후회"),
    "meets": ("meets {t}", "{t} 충족"),
    "against": ("Against {ref} (option minus {ref})", "{ref} 대비 (선택지 − {ref})"),
    "median_diff": ("median difference", "차이 중앙값"),
    "better": ("better", "더 좋음"),
    "worse": ("worse", "더 나쁨"),
    "prim": (
        "Scenario discovery (PRIM): where each option of a leading pair wins",
        "시나리오 발견 (PRIM): 선두 선택지 쌍에서 각 선택지가 이기는 조건",
    ),
    "pair": ("pair", "쌍"),
    "winner": ("winner", "우세"),
    "wins_in": ("wins in", "우세 비율"),
    "box": ("box", "조건 상자"),
    "coverage": ("coverage", "포괄도"),
    "density": ("density", "밀도"),
    "mass": ("mass", "질량"),
    "prim_note": (
        "Coverage: the share of the winner's futures inside the box; density: the share of "
        "futures in the box that the winner wins; mass: the share of all futures in the box.",
        "포괄도: 우세 선택지가 이긴 미래 중 상자 안의 비율; 밀도: 상자 안 미래 중 우세 "
        "선택지가 이긴 비율; 질량: 전체 미래 중 상자 안의 비율.",
    ),
    "tie_everywhere": ("a tie in every future", "모든 미래에서 동률"),
    "anywhere": ("anywhere in the ranges explored", "탐색한 범위 전체"),
    "wins_everywhere": ("wins in every future", "모든 미래에서 우세"),
    "too_few": (
        "wins in only {n} futures: too few for a box",
        "미래 {n}개에서만 우세: 상자를 만들기에 너무 적음",
    ),
    "below_density": (
        "no box reaches density {d}; densest:",
        "밀도 {d}에 이르는 상자 없음; 가장 밀한 상자:",
    ),
    "regret_note": (
        "Regret: in each future, how far the option falls short of the best option of that "
        "future, in the objective's units.",
        "후회: 각 미래에서 그 미래의 최선 선택지보다 얼마나 못한지 (목표의 단위).",
    ),
    "p_best_title": ("Probability of being best", "최선일 확률"),
    "bands_title": ("Outcomes by option (median, 5-95 %)", "선택지별 결과 (중앙값, 5-95 %)"),
    "reference_title": ("{label} minus {ref}", "{label}: {ref} 대비 차이"),
    "better_in": ("better in {p}", "{p}에서 더 좋음"),
    "prim_title": ("{label}: {a} vs {b}", "{label}: {a} 대 {b}"),
    "wins": ("{name} wins", "{name} 우세"),
    "tie": ("tie", "동률"),
    "joint": ("Meeting every threshold at once", "모든 기준을 동시에 충족"),
    "share_futures": ("share of futures", "미래 비율"),
    "dropped": (
        "{n} futures left out: an option has no value there (a failed run, or a zero denominator).",
        "미래 {n}개 제외: 어떤 선택지의 값이 없음 (실패한 실행이나 분모 0).",
    ),
    "no_future": (
        "no future in which every option has a value",
        "모든 선택지에 값이 있는 미래가 없음",
    ),
    "evppi_title": (
        "Value of information (EVPPI): what learning each parameter is worth",
        "정보의 가치 (EVPPI): 각 매개변수를 알게 되면 얻는 가치",
    ),
    "voi_note": (
        "What resolving the uncertainty before choosing would gain on average, in the "
        "objective's units (Strong, Oakley and Brennan 2014). Noise floor: {floor} (what a "
        "parameter unrelated to the runs gets).",
        "선택 전에 불확실성을 해소하면 평균적으로 얻는 이득 (목표의 단위; Strong, Oakley, "
        "Brennan 2014). 잡음 바닥: {floor} (실행과 무관한 매개변수가 얻는 값).",
    ),
    "voi_none": ("Value of information: {note}", "정보의 가치: {note}"),
    "parameter_or_group": ("parameter or group", "매개변수 또는 묶음"),
    "kind": ("kind", "종류"),
    "group": ("group", "묶음"),
    "parameter": ("parameter", "매개변수"),
    "effects": (
        "Effects: every pair, a minus b, paired by future",
        "효과: 모든 쌍, a − b, 미래별로 짝지음",
    ),
    "mean_diff": ("mean difference", "평균 차이"),
    "ci95": ("95 % interval", "95 % 구간"),
    "p_a_better": ("P(a better) (95 % interval)", "a가 나을 확률 (95 % 구간)"),
    "mde": ("minimum detectable effect", "최소 검출 효과"),
    "futures_mde": ("futures for an MDE{target}", "MDE{target}에 필요한 미래 수"),
    "futures_mean": ("futures to detect the mean", "평균을 검출하는 데 필요한 미래 수"),
    "effects_note": (
        "Bold: the interval excludes 0. Intervals are over parameter draws (a draw's seeds are "
        "not independent); the minimum detectable effect is the difference a two-sided 5 % "
        "test detects with 80 % power at the runs spent.",
        "굵게: 구간이 0을 포함하지 않음. 구간은 매개변수 추출에 대한 것(한 추출의 시드는 "
        "독립이 아님); 최소 검출 효과는 쓴 실행으로 양측 5 % 검정이 80 % 검정력으로 "
        "검출하는 차이.",
    ),
    "effects_title": ("{label}: a minus b (95 % interval)", "{label}: a − b (95 % 구간)"),
    "variance_head": (
        "Where the variance of each paired difference comes from",
        "짝지은 차이의 분산은 어디서 오는가",
    ),
    "variance": ("variance", "분산"),
    "share_seeds": ("seeds", "시드"),
    "share_posterior": ("calibrated parameters", "보정된 매개변수"),
    "share_ranges": ("deep-uncertainty ranges", "깊은 불확실성 범위"),
    "share_other": ("interactions and rest", "상호작용과 나머지"),
    "group_posterior": (
        "calibrated parameters (posterior draws)",
        "보정된 매개변수 (사후분포 추출)",
    ),
    "group_ranges": ("deep-uncertainty ranges", "깊은 불확실성 범위"),
    "group_all": ("all uncertain parameters", "불확실한 매개변수 전체"),
    "variance_note": (
        "Seeds: the variance between seeds of one parameter draw (nested ANOVA); groups: the "
        "variance of the regression of the draws' means on the group (first-order effect); "
        "the rest: what no single group explains. '–': not in this decision, or not separable "
        "(one seed per draw).",
        "시드: 한 매개변수 추출 안에서 시드 간 분산 (내포 분산분석); 묶음: 추출 평균을 그 "
        "묶음에 회귀한 분산 (1차 효과); 나머지: 어느 한 묶음도 설명하지 못하는 부분. '–': "
        "이 분석에 없거나 나눌 수 없음 (추출당 시드 1개).",
    ),
    "variance_axis": ("share of the paired difference's variance", "짝지은 차이 분산의 비율"),
    "answer": ("Answer", "답"),
    "lead_p": (
        "{leader} leads, P(best) {p} [{low}, {high}]",
        "{leader} 선두, 최선 확률 {p} [{low}, {high}]",
    ),
    "precise": ("known to ± {w} points", "± {w}%p 안에서 확정"),
    "indistinguishable": (
        "indistinguishable from {others} at effect {mde}{unit} (a difference that large would "
        "be detected with 80 % power: minimum detectable effect {worst}; none is significant)",
        "효과 {mde}{unit}에서 {others}와(과) 구별되지 않음 (그만큼의 차이는 80 % 검정력으로 "
        "검출됨: 최소 검출 효과 {worst}; 유의한 차이 없음)",
    ),
    "open": ("not yet ± {w} points", "아직 ± {w}%p 안이 아님"),
    "open_mde": (" nor indistinguishable at effect {mde}", ", 효과 {mde}에서 구별 불가도 아님"),
    "approximation": (
        "Approximation: {firms} firm agents for {real} real firms (one agent for {per} firms); "
        "effects are measured at one agent per real firm, and fewer agents add noise to every "
        "paired difference.",
        "근사: 실제 기업 {real}개를 기업 에이전트 {firms}개로 (에이전트 하나가 기업 {per}개). "
        "효과는 실제 기업 하나당 에이전트 하나에서 측정하며, 에이전트가 적으면 모든 짝지은 "
        "차이에 잡음이 더해집니다.",
    ),
    "one_per_firm": (
        "One firm agent per real firm ({real} firms).",
        "실제 기업 하나당 에이전트 하나 (기업 {real}개).",
    ),
    "sequential": (
        "Sequential design: {batches} batch(es), {runs} runs, {minutes} minutes; stopped: "
        "{stopped} (rule: P(best) to ± {w} points, or indistinguishable at each objective's "
        "minimum detectable effect).",
        "순차 설계: {batches}개 묶음, {runs}회 실행, {minutes}분; 멈춘 이유: {stopped} (규칙: "
        "최선 확률 ± {w}%p, 또는 각 목표의 최소 검출 효과에서 구별 불가).",
    ),
    "unfinished": (
        "The decision is unfinished: finish it with --resume.",
        "의사결정 분석이 끝나지 않았습니다: --resume으로 마저 실행하세요.",
    ),
    "change": ("change", "변화"),
    "since": ("since {m}", "{m}부터"),
    "per": ("per", "당"),
}

_NOTES = (  # the analysis' English notes -> keys above (anything else is shown as written)
    (re.compile(r"^wins in every future$"), "wins_everywhere"),
    (re.compile(r"^wins in only (\d+) futures: too few for a box$"), "too_few"),
    (re.compile(r"^no future in which every option has a value$"), "no_future"),
)


def t(key: str, lang: str, **values: Any) -> str:
    en, ko = _TEXT[key]
    return (ko if lang == "ko" else en).format(**values)


def note_text(note: str, lang: str) -> str:
    for pattern, key in _NOTES:
        if m := pattern.match(note or ""):
            return t(key, lang, n=m.group(1) if m.groups() else "")
    return note


# ---------------------------------------------------------------------- numbers and names
def _declared(name: str | None) -> outputs.Output | None:
    if not name:
        return None
    for scope in (outputs.MODEL, outputs.REGION):
        try:
            return outputs.get(name, scope)
        except KeyError:
            continue
    return None


def objective_kind(o: dict[str, Any]) -> str:
    """How an objective's values are written: its output's kind, unless it is a ratio."""
    term = o.get("term") or {}
    declared = _declared(term.get("output"))
    if o.get("per"):
        return "money" if declared is not None and declared.kind == "money" else "number"
    return declared.kind if declared else "number"


def num(value: Any, kind: str, lang: str) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return fmt_value(float(value), kind, lang)


def pct(value: Any) -> str:
    return "–" if value is None else f"{100 * float(value):.0f} %"


def objective_label(o: dict[str, Any], lang: str, regions: dict[str, Any] | None = None) -> str:
    """The objective's label: as the spec gives it in English; in Korean, built from its
    declared output (label_ko), regions, aggregate and denominator. An objective whose
    output has no declaration keeps its own label (shown as written)."""
    if lang != "ko":
        return str(o.get("label") or o.get("name"))
    term = o.get("term") or {}
    declared = _declared(term.get("output"))
    if declared is None:
        return str(o.get("label") or o.get("name"))
    label = declared.label_ko
    where = term.get("regions")
    if where:
        names = [
            region_label(regions[r].name, regions[r].name_ko, "ko")
            if regions and r in regions
            else r
            for r in where
        ]
        label += f" ({'·'.join(names)})"
    if term.get("aggregate") == "change":
        label += f" {t('change', 'ko')}"
    per = o.get("per")
    if per and (d := _declared(per.get("output"))):
        label += f" / {d.label_ko}"
        if per.get("regions"):
            label += (
                " ("
                + "·".join(
                    region_label(regions[r].name, regions[r].name_ko, "ko")
                    if regions and r in regions
                    else r
                    for r in per["regions"]
                )
                + ")"
            )
    return label


def unit_of(o: dict[str, Any], lang: str) -> str:
    unit = str(o.get("unit") or "")
    if objective_kind(o) == "share":
        return "%"
    return unit_text(unit, lang)


def title_of(o: dict[str, Any], lang: str, regions=None) -> str:
    unit = unit_of(o, lang)
    label = objective_label(o, lang, regions)
    return f"{label} ({unit})" if unit else label


# ---------------------------------------------------------------------- sentences
def uncertainty_text(f: dict[str, Any], lang: str) -> str:
    parts = []
    if f.get("posterior"):
        parts.append(t("posterior", lang, d=f.get("draws"), rows=f.get("posterior_rows", 0)))
    ranges = f.get("ranges") or {}
    if ranges:
        if parts:
            parts.append(t("and", lang) + " " + t("ranges", lang, r=len(ranges)))
        else:
            parts.append(t("ranges_only", lang, d=f.get("draws"), r=len(ranges)))
    if not parts:
        return t("seed_only", lang)
    return " ".join(parts) + ", " + t("times_seeds", lang, s=f.get("seeds"))


def futures_line(d: dict[str, Any], lang: str) -> str:
    f, runs = d["futures"], d["runs"]
    return t(
        "futures",
        lang,
        k=len(d["options"]),
        n=f["count"],
        how=uncertainty_text(f, lang),
        ok=runs["counts"].get("ok", 0),
        total=runs["total"],
    )


def verdicts(d: dict[str, Any], lang: str, regions=None) -> list[str]:
    """One sentence per objective: who leads, how often, at what regret."""
    lines = []
    for o in d["objectives"]:
        label = objective_label(o, lang, regions)
        if not o.get("options"):
            lines.append(
                t("no_comparison", lang, label=label, note=note_text(o.get("note", ""), lang))
            )
            continue
        lead = next(x for x in o["options"] if x["name"] == o["leader"])
        kind = objective_kind(o)
        lines.append(
            t(
                "verdict",
                lang,
                label=label,
                direction=t(o["direction"], lang),
                at=o["at"],
                leader=o["leader"],
                p=pct(lead["p_best"]),
                n=o["futures_used"],
                regret=num(lead["regret_mean"], kind, lang),
                worst=num(lead["regret_max"], kind, lang),
            )
        )
    return lines


# ---------------------------------------------------------------------- tables
def options_table(o: dict[str, Any], lang: str) -> tuple[list[str], list[list[str]]]:
    kind = objective_kind(o)
    threshold = o.get("threshold")
    headers = [
        t(k, lang) for k in ("option", "median", "band", "p_best", "regret_mean", "regret_max")
    ]
    if threshold is not None:
        headers.append(t("meets", lang, t=num(threshold, kind, lang)))
    rows = []
    for x in o["options"]:
        row = [
            x["name"],
            num(x["median"], kind, lang),
            f"{num(x['p5'], kind, lang)} – {num(x['p95'], kind, lang)}",
            pct(x["p_best"]),
            num(x["regret_mean"], kind, lang),
            num(x["regret_max"], kind, lang),
        ]
        if threshold is not None:
            row.append(pct(x.get("satisficing")))
        rows.append(row)
    return headers, rows


def reference_table(o: dict[str, Any], lang: str) -> tuple[str, list[str], list[list[str]]] | None:
    ref = o.get("reference")
    if not ref:
        return None
    kind = objective_kind(o)
    headers = [t(k, lang) for k in ("option", "median_diff", "band", "better", "worse")]
    rows = [
        [
            x["option"],
            signed(x["median"], kind, lang),
            f"{signed(x['p5'], kind, lang)} – {signed(x['p95'], kind, lang)}",
            pct(x["p_better"]),
            pct(x["p_worse"]),
        ]
        for x in ref["differences"]
    ]
    return t("against", lang, ref=ref["option"]), headers, rows


def signed(value: Any, kind: str, lang: str) -> str:
    text = num(value, kind, lang)
    return "+" + text if value is not None and float(value) > 0 else text


def rule_text(limits: list[dict[str, Any]], lang: str) -> str:
    parts = []
    for c in limits:
        low, high, name = c.get("low"), c.get("high"), c["parameter"]
        if low is not None and high is not None:
            parts.append(f"{low:.3g} ≤ {name} ≤ {high:.3g}")
        elif low is not None:
            parts.append(f"{name} ≥ {low:.3g}")
        elif high is not None:
            parts.append(f"{name} ≤ {high:.3g}")
    joiner = " 그리고 " if lang == "ko" else " and "
    return joiner.join(parts) if parts else t("anywhere", lang)


def prim_table(o: dict[str, Any], lang: str) -> tuple[str, list[str], list[list[str]], str] | None:
    disc = o.get("discovery")
    if not disc:
        return None
    headers = [
        t(k, lang) for k in ("pair", "winner", "wins_in", "box", "coverage", "density", "mass")
    ]
    if not disc.get("pairs"):
        return t("prim", lang), headers, [], note_text(disc.get("note", ""), lang)
    rows = []
    for pair in disc["pairs"]:
        name = f"{pair['a']} – {pair['b']}"
        for b in pair["boxes"]:
            box = (
                note_text(b["note"], lang)
                if b.get("note") and not b.get("limits")
                else rule_text(b.get("limits", []), lang)
            )
            if b.get("meets_density") is False:
                box = t("below_density", lang, d=f"{disc['density_target']:g}") + " " + box
            rows.append(
                [
                    name,
                    b["winner"],
                    pct(b.get("base_rate")),
                    box,
                    _ratio(b.get("coverage")),
                    _ratio(b.get("density")),
                    _ratio(b.get("mass")),
                ]
            )
        if not pair["boxes"]:
            rows.append([name, "–", "–", t("tie_everywhere", lang), "–", "–", "–"])
    return t("prim", lang), headers, rows, t("prim_note", lang)


def _ratio(value: Any) -> str:
    return "–" if value is None else f"{float(value):.2f}"


# ---------------------------------------------------------------------- figures
def _colors(names: list[str]) -> alt.Scale:
    return alt.Scale(domain=names, range=[REGION_COLORS[i % 10] for i in range(len(names))])


def p_best_chart(o: dict[str, Any], lang: str, regions=None) -> alt.TopLevelMixin:
    data = pd.DataFrame(
        {
            "option": [x["name"] for x in o["options"]],
            "p": [100 * float(x["p_best"]) for x in o["options"]],
        }
    )
    return bars(
        data,
        x="p",
        y="option",
        x_title=f"{t('p_best_title', lang)} (%)",
        value_format=".0f",
        domain=(0, 100),
        color="#4e79a7",
        title=f"{title_of(o, lang, regions)} · {t(o['direction'], lang)}",
        width=300,
    )


def bands_chart(
    o: dict[str, Any], lang: str, values: dict[str, np.ndarray] | None = None, regions=None
) -> alt.TopLevelMixin:
    """Median and 5-95 % of each option over the futures; the futures themselves as dots."""
    kind = objective_kind(o)
    scale = 100.0 if kind == "share" else 1.0
    names = [x["name"] for x in o["options"]]
    summary = pd.DataFrame(
        {
            "option": names,
            "median": [scale * float(x["median"]) for x in o["options"]],
            "p5": [scale * float(x["p5"]) for x in o["options"]],
            "p95": [scale * float(x["p95"]) for x in o["options"]],
        }
    )
    y_title = title_of(o, lang, regions)
    x = alt.X("option:N", sort=names, title=None, axis=alt.Axis(labelAngle=0))
    layers = []
    if values:
        dots = pd.DataFrame(
            [
                {"option": n, "value": scale * float(v)}
                for n in names
                for v in values.get(n, ())
                if np.isfinite(v)
            ]
        )
        if not dots.empty:
            layers.append(
                alt.Chart(dots)
                .mark_circle(size=14, opacity=0.35)
                .encode(
                    x=x,
                    y=alt.Y("value:Q", title=y_title, scale=alt.Scale(zero=False)),
                    xOffset=alt.XOffset("jitter:Q"),
                    color=alt.Color("option:N", scale=_colors(names), legend=None),
                )
                .transform_calculate(jitter="random()")
            )
    base = alt.Chart(summary).encode(x=x)
    layers.append(
        base.mark_rule(strokeWidth=2, color="#222").encode(
            y=alt.Y("p5:Q", title=y_title, scale=alt.Scale(zero=False)), y2="p95:Q"
        )
    )
    layers.append(base.mark_point(filled=True, size=60, color="#222").encode(y="median:Q"))
    if o.get("threshold") is not None:
        rule = pd.DataFrame({"t": [scale * float(o["threshold"])]})
        layers.append(alt.Chart(rule).mark_rule(color="#a40", strokeDash=[4, 3]).encode(y="t:Q"))
    chart = alt.layer(*layers).properties(width=max(160, 70 * len(names)), height=220)
    return finish(chart, f"{t('bands_title', lang)} · {t(o['direction'], lang)}")


def reference_chart(o: dict[str, Any], lang: str, regions=None) -> alt.TopLevelMixin | None:
    ref = o.get("reference")
    if not ref or not ref.get("differences"):
        return None
    kind = objective_kind(o)
    scale = 100.0 if kind == "share" else 1.0
    data = pd.DataFrame(
        [
            {
                "option": x["option"],
                "median": scale * float(x["median"]),
                "p5": scale * float(x["p5"]),
                "p95": scale * float(x["p95"]),
                "label": t("better_in", lang, p=pct(x["p_better"])),
            }
            for x in ref["differences"]
        ]
    )
    y = alt.Y("option:N", sort=None, title=None)
    unit = (
        "%p"
        if kind == "share" and lang == "ko"
        else ("pp" if kind == "share" else unit_of(o, lang))
    )
    x_title = (
        f"{objective_label(o, lang, regions)} ({unit})"
        if unit
        else objective_label(o, lang, regions)
    )
    base = alt.Chart(data).encode(y=y)
    chart = alt.layer(
        alt.Chart(pd.DataFrame({"z": [0.0]})).mark_rule(color="#999").encode(x="z:Q"),
        base.mark_rule(strokeWidth=2, color="#222").encode(
            x=alt.X("p5:Q", title=x_title), x2="p95:Q"
        ),
        base.mark_point(filled=True, size=60, color="#222").encode(x="median:Q"),
        base.mark_text(dy=-10, fontSize=9, color="#333").encode(x="median:Q", text="label:N"),
    ).properties(width=360, height=max(60, 34 * len(data)))
    return finish(
        chart,
        t("reference_title", lang, label=objective_label(o, lang, regions), ref=ref["option"]),
    )


def prim_chart(
    o: dict[str, Any],
    pair: dict[str, Any],
    futures: pd.DataFrame,
    signed_values: dict,
    lang: str,
    regions=None,
) -> alt.TopLevelMixin | None:
    """The futures of a leading pair in the two parameters PRIM cut first, coloured by the
    winner, with the boxes drawn."""
    params = (o.get("discovery") or {}).get("parameters", [])
    cut = [c["parameter"] for b in pair["boxes"] for c in b.get("limits", [])]
    dims = list(dict.fromkeys(cut + params))[:2]
    if len(dims) < 2 or pair["a"] not in signed_values or pair["b"] not in signed_values:
        return None
    a, b = signed_values[pair["a"]], signed_values[pair["b"]]
    valid = np.isfinite(a) & np.isfinite(b)
    frame = futures.loc[valid, dims].reset_index(drop=True)
    winner = np.where(
        a[valid] > b[valid],
        t("wins", lang, name=pair["a"]),
        np.where(b[valid] > a[valid], t("wins", lang, name=pair["b"]), t("tie", lang)),
    )
    frame = frame.rename(columns={dims[0]: "x", dims[1]: "y"}).assign(winner=winner)
    names = [t("wins", lang, name=pair["a"]), t("wins", lang, name=pair["b"]), t("tie", lang)]
    layers = [
        alt.Chart(frame)
        .mark_circle(size=28, opacity=0.8)
        .encode(
            x=alt.X("x:Q", title=dims[0], scale=alt.Scale(zero=False)),
            y=alt.Y("y:Q", title=dims[1], scale=alt.Scale(zero=False)),
            color=alt.Color(
                "winner:N",
                scale=alt.Scale(domain=names, range=["#1f77b4", "#d62728", "#999"]),
                legend=alt.Legend(orient="top", title=None),
            ),
        )
    ]
    boxes = []
    for box in pair["boxes"]:
        lim = {c["parameter"]: c for c in box.get("limits", [])}
        if not lim:
            continue
        x0, x1 = _extent(lim.get(dims[0]), frame["x"].to_numpy(float))
        y0, y1 = _extent(lim.get(dims[1]), frame["y"].to_numpy(float))
        boxes.append(
            {"x0": x0, "x1": x1, "y0": y0, "y1": y1, "winner": t("wins", lang, name=box["winner"])}
        )
    if boxes:
        layers.append(
            alt.Chart(pd.DataFrame(boxes))
            .mark_rect(fillOpacity=0, strokeWidth=2, strokeDash=[5, 3])
            .encode(
                x="x0:Q",
                x2="x1:Q",
                y="y0:Q",
                y2="y1:Q",
                stroke=alt.Color(
                    "winner:N",
                    scale=alt.Scale(domain=names, range=["#1f77b4", "#d62728", "#999"]),
                    legend=None,
                ),
            )
        )
    chart = alt.layer(*layers).properties(width=300, height=240)
    return finish(
        chart,
        t("prim_title", lang, label=objective_label(o, lang, regions), a=pair["a"], b=pair["b"]),
    )


def _extent(cut: dict[str, Any] | None, values: np.ndarray) -> tuple[float, float]:
    lo, hi = float(np.min(values)), float(np.max(values))
    if cut is None:
        return lo, hi
    return (
        cut["low"] if cut.get("low") is not None else lo,
        cut["high"] if cut.get("high") is not None else hi,
    )


# ---------------------------------------------------------------------- the newer analysis
SHARES = ("seeds", "posterior", "ranges", "other")
SHARE_COLORS = ("#bbbbbb", "#1f77b4", "#ff7f0e", "#9467bd")


def _pair(r: dict[str, Any]) -> str:
    return f"{r['a']} − {r['b']}"


def _count(x: Any) -> str:
    return "–" if x is None else f"{int(x):,}"


def stopping_text(o: dict[str, Any], lang: str) -> str:
    """Where the sequential stopping rule stands for one objective ("" without one)."""
    state = o.get("stopping")
    if not state:
        return ""
    head = t(
        "lead_p",
        lang,
        leader=state["leader"],
        p=pct(state["p_best"]),
        low=pct(state.get("low")),
        high=pct(state.get("high")),
    )
    w = f"{100 * float(state.get('width') or 0):.0f}"
    kind = objective_kind(o)
    if state["status"] == "precise":
        return f"{head}: {t('precise', lang, w=w)}"
    if state["status"] == "indistinguishable":
        contenders = state.get("contenders") or []
        worst = max((c["mde"] for c in contenders), default=None)
        unit = unit_of(o, lang)
        return f"{head}; " + t(
            "indistinguishable",
            lang,
            others=", ".join(c["option"] for c in contenders),
            mde=num(state.get("mde_target"), kind, lang),
            unit=f" {unit}" if unit else "",
            worst=num(worst, kind, lang),
        )
    tail = t("open", lang, w=w)
    if state.get("mde_target") is not None:
        tail += t("open_mde", lang, mde=num(state["mde_target"], kind, lang))
    return f"{head}: {tail}"


Section = tuple[str, list[str], list[list[str]], str]


def effects_table(o: dict[str, Any], lang: str) -> Section | None:
    """Every pair's paired difference, P(a better) and minimum detectable effect."""
    rows = o.get("effects") or []
    if not rows:
        return None
    kind = objective_kind(o)
    target = f" {num(o['mde'], kind, lang)}" if o.get("mde") else ""
    headers = [
        t("pair", lang),
        t("mean_diff", lang),
        t("ci95", lang),
        t("p_a_better", lang),
        t("mde", lang),
        t("futures_mde", lang, target=target),
        t("futures_mean", lang),
    ]
    body = [
        [
            _pair(r) + (" *" if r.get("significant") else ""),
            signed(r["mean"], kind, lang),
            f"{signed(r.get('low'), kind, lang)} – {signed(r.get('high'), kind, lang)}",
            f"{pct(r.get('p_better'))} ({pct(r.get('p_better_low'))} – "
            f"{pct(r.get('p_better_high'))})",
            num(r.get("mde"), kind, lang),
            _count(r.get("futures_for_mde")),
            _count(r.get("futures_for_observed")),
        ]
        for r in rows
    ]
    note = t("effects_note", lang).replace("Bold:", "*:").replace("굵게:", "*:")
    return t("effects", lang), headers, body, note


def effects_chart(o: dict[str, Any], lang: str, regions=None) -> alt.TopLevelMixin | None:
    """Every pair's mean paired difference with its 95 % interval (black: it excludes 0)."""
    rows = o.get("effects") or []
    if not rows:
        return None
    scale = 100.0 if objective_kind(o) == "share" else 1.0

    def at(r: dict[str, Any], key: str) -> float:
        return scale * float(r[key] if r.get(key) is not None else r["mean"])

    data = pd.DataFrame(
        [
            {
                "pair": _pair(r),
                "mean": at(r, "mean"),
                "low": at(r, "low"),
                "high": at(r, "high"),
                "significant": bool(r.get("significant")),
            }
            for r in rows
        ]
    )
    color = alt.condition("datum.significant", alt.value("#111"), alt.value("#999"))
    base = alt.Chart(data).encode(
        y=alt.Y("pair:N", sort=None, title=None, axis=alt.Axis(labelLimit=220))
    )
    layers = [
        alt.Chart(pd.DataFrame({"z": [0.0]})).mark_rule(color="#999").encode(x="z:Q"),
        base.mark_rule(strokeWidth=2).encode(
            x=alt.X("low:Q", title=unit_of(o, lang) or None), x2="high:Q", color=color
        ),
        base.mark_point(filled=True, size=50).encode(x="mean:Q", color=color),
    ]
    if o.get("mde"):
        edges = pd.DataFrame({"e": [-scale * o["mde"], scale * o["mde"]]})
        layers.append(alt.Chart(edges).mark_rule(color="#a40", strokeDash=[2, 2]).encode(x="e:Q"))
    chart = alt.layer(*layers).properties(width=360, height=max(60, 22 * len(data)))
    return finish(chart, t("effects_title", lang, label=objective_label(o, lang, regions)))


def variance_table(o: dict[str, Any], lang: str) -> Section | None:
    """Each pair's variance of the paired difference and the shares of its sources."""
    rows = [r for r in o.get("variance") or [] if r.get("variance")]
    if not rows:
        return None
    kind = objective_kind(o)
    headers = [t("pair", lang), t("variance", lang)] + [t(f"share_{k}", lang) for k in SHARES]
    body = [
        [_pair(r), num(r["variance"], "number" if kind == "share" else kind, lang)]
        + [pct(r.get(k)) for k in SHARES]
        for r in rows
    ]
    return t("variance_head", lang), headers, body, t("variance_note", lang)


def variance_chart(o: dict[str, Any], lang: str, regions=None) -> alt.TopLevelMixin | None:
    rows = [r for r in o.get("variance") or [] if r.get("variance")]
    if not rows:
        return None
    names = [t(f"share_{k}", lang) for k in SHARES]
    data = pd.DataFrame(
        [
            {
                "pair": _pair(r),
                "source": t(f"share_{k}", lang),
                "share": 100 * float(r.get(k) or 0),
            }
            for r in rows
            for k in SHARES
        ]
    )
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("pair:N", sort=None, title=None),
            x=alt.X(
                "share:Q",
                title=f"{t('variance_axis', lang)} (%)",
                scale=alt.Scale(domain=[0, 100]),
            ),
            color=alt.Color(
                "source:N",
                scale=alt.Scale(domain=names, range=list(SHARE_COLORS)),
                legend=alt.Legend(orient="bottom", title=None),
            ),
        )
        .properties(width=360, height=max(60, 22 * len(rows)))
    )
    return finish(chart, f"{objective_label(o, lang, regions)}: {t('variance_head', lang)}")


def voi_table(o: dict[str, Any], lang: str) -> tuple[list[str], list[list[str]], str] | None:
    """The value of information of each parameter and group (EVPPI), ranked."""
    voi = o.get("value_of_information") or {}
    if not voi.get("rows"):
        return None
    kind = objective_kind(o)
    headers = [t("parameter_or_group", lang), t("kind", lang), "EVPPI"]
    body = [
        [
            voi_label(r, lang),
            t("group" if r["kind"] == "group" else "parameter", lang),
            num(r["evppi"], kind, lang),
        ]
        for r in voi["rows"]
    ]
    return headers, body, t("voi_note", lang, floor=num(voi.get("noise_floor"), kind, lang))


def voi_label(row: dict[str, Any], lang: str) -> str:
    """A row of the value of information: a parameter by its dotted name, a group by its
    name in the chosen language (the analysis labels groups in English)."""
    if row.get("kind") == "group" and f"group_{row['name']}" in _TEXT:
        return t(f"group_{row['name']}", lang)
    return str(row.get("label", row["name"]))


def voi_missing(o: dict[str, Any], lang: str) -> str:
    voi = o.get("value_of_information") or {}
    return t("voi_none", lang, note=voi["note"]) if not voi.get("rows") and voi.get("note") else ""


def evppi_chart(o: dict[str, Any], lang: str, top: int = 12) -> alt.TopLevelMixin | None:
    """The expected value of partial perfect information of each parameter and group,
    ranked, in the objective's units (``value_of_information.rows``)."""
    rows = ((o.get("value_of_information") or {}).get("rows") or [])[:top]
    if not rows:
        return None
    kind = objective_kind(o)
    data = pd.DataFrame(
        {
            "parameter": [voi_label(r, lang) for r in rows],
            "value": [float(r["evppi"]) for r in rows],
        }
    )
    unit = unit_of(o, lang)
    return bars(
        data,
        x="value",
        y="parameter",
        x_title=f"EVPPI ({unit})" if unit else "EVPPI",
        value_format=".3~s" if kind in ("money", "count") else ".3~r",
        color="#59a14f",
        title=t("evppi_title", lang),
    )


def header_notes(d: dict[str, Any], folder: Path, lang: str) -> list[str]:
    """The agents' scale and the sequential design's course (none when absent)."""
    out = []
    agents = d.get("agents")
    if agents and agents.get("approximation"):
        out.append(
            t(
                "approximation",
                lang,
                firms=f"{agents['firms']:,}",
                real=f"{agents['real_firms']:,}",
                per=f"{agents['real_firms_per_agent']:.3g}",
            )
        )
    elif agents and agents.get("real_firms"):
        out.append(t("one_per_firm", lang, real=f"{agents['real_firms']:,}"))
    seq = d.get("sequential")
    if seq:
        try:
            from abm.decide.report import sequential_record

            record = sequential_record(folder)
        except Exception:  # an older analysis: no record
            record = None
        if record:
            out.append(
                t(
                    "sequential",
                    lang,
                    batches=seq.get("batches"),
                    runs=f"{record['runs']:,}",
                    minutes=f"{record['minutes']:.1f}",
                    stopped=record.get("stopped"),
                    w=f"{100 * seq['rule']['width']:.0f}",
                )
            )
    return out


def per_future_values(d: dict[str, Any], folder: Path):
    """(objective -> option -> values per future, futures table) or None."""
    from abm.decide.report import per_future

    return per_future(d, folder)

"""The control panel, declared once: each control is one :class:`Control`.

A declaration says what the control is called (English and Korean), its unit, the range
the user may type (taken from the schema's parameter metadata in :mod:`abm.schema`,
converted to the unit the user types in), its default (read from the scenario) and how a
typed value becomes a scenario override. The form, the range hint under each control,
the validation message and the override all come from that one declaration.

Why text values: a control keeps what the user typed, even when it is not valid, so the
message can sit next to it and nothing else changes. Numbers are parsed strictly:
``"1,5"`` is an error (not 15), ``","`` is allowed only between groups of three digits,
and ``inf`` / ``-inf`` only where the range is open on that side. Messages speak of what
the user typed, in the user's language, never of a scaled per-programme value.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from abm import schema
from abm.errors import ScenarioError
from abm.scenario import Scenario

Draft = dict[str, str]

EOK = 1e8  # 1억 원: the national fund is typed in 억 원
# The schema bounds a capacity schedule's GPUs (``schema.Center.capacity`` hi: 1,000,000,
# 20 x the national plan of >= 50,000 GPUs), which keeps 1e30 out of the model.
CAPACITY_MAX_GPUS = float(
    next(f for f in dataclasses.fields(schema.Center) if f.name == "capacity").metadata["hi"]
)


def meta(cls: type, name: str) -> dict[str, Any]:
    """The schema metadata (doc, lo, hi, unit, source, choices) of ``cls.name``."""
    return dict(next(f for f in dataclasses.fields(cls) if f.name == name).metadata)


@dataclass(frozen=True)
class Control:
    """One control of the panel.

    ``lo``/``hi`` are in the unit the user types (``None`` = open); ``read`` gives the
    default from a scenario in that unit; ``write`` turns a parsed value into dotted
    scenario overrides; ``field`` is the scenario field it sets (for problems and docs).
    """

    key: str
    label: str
    label_ko: str
    kind: str  # "int" | "float" | "choice"
    group: str
    field: str
    read: Callable[[Scenario], Any]
    write: Callable[[Scenario, Any], dict[str, Any]]
    unit: str = ""
    unit_ko: str = ""
    lo: float | None = None
    hi: float | None = None
    choices: tuple[str, ...] = ()
    doc: str = ""
    source: str = ""
    doc_ko: str = ""

    @property
    def css(self) -> str:
        """A class name tests and styles can select the control by."""
        return "ctl-" + self.key.replace(".", "-").replace("_", "-")

    def title(self, lang: str) -> str:
        return self.label_ko if lang == "ko" else self.label

    def unit_text(self, lang: str) -> str:
        return self.unit_ko if lang == "ko" and self.unit_ko else self.unit

    def meaning(self, lang: str) -> str:
        return self.doc_ko if lang == "ko" and self.doc_ko else self.doc


# ----------------------------------------------------------------------------- helpers


def final_capacity(base: Scenario, cid: str) -> float:
    schedule = base.centers[cid].capacity
    return float(schedule[-1][1]) if schedule else 0.0


def fund_total(base: Scenario) -> float:
    return float(sum(p.amount_krw for p in base.government.central.programs))


def _scaled_schedule(base: Scenario, cid: str, final: float) -> list[list[Any]]:
    """The center's capacity schedule with the same shape, ending at ``final`` GPUs."""
    schedule = base.centers[cid].capacity
    old = final_capacity(base, cid)
    if not schedule or old <= 0:
        month = schedule[-1][0] if schedule else base.scenario.start
        return [[month, final]]
    return [[month, gpus * final / old] for month, gpus in schedule]


def _scaled_programs(base: Scenario, total: float) -> list[dict[str, Any]]:
    """The national fund lines scaled to sum to ``total`` (one line if there were none)."""
    programs = [dataclasses.asdict(p) for p in base.government.central.programs]
    old = fund_total(base)
    if not programs or old <= 0:
        start = base.scenario.start
        return [{"name": "national fund", "amount_krw": total, "start": start, "end": start}]
    for p in programs:
        p["amount_krw"] = p["amount_krw"] * total / old
    return programs


def _fund_hi(base: Scenario) -> float:
    """The largest total (in 억 원) whose largest scaled programme stays in the schema range."""
    per_line = meta(schema.Program, "amount_krw")["hi"]
    amounts = [p.amount_krw for p in base.government.central.programs]
    total, biggest = sum(amounts), max(amounts, default=0.0)
    factor = total / biggest if biggest > 0 else 1.0
    return math.floor(per_line * factor / EOK)


def _set(path: str) -> Callable[[Scenario, Any], dict[str, Any]]:
    return lambda base, value: {path: value}


def _set_site(cid: str) -> Callable[[Scenario, Any], dict[str, Any]]:
    """Move a center to a region: it keeps its district only if that lies in the new region."""

    def override(base: Scenario, value: Any) -> dict[str, Any]:
        district = base.centers[cid].district
        keep = (
            district and base.districts.get(district) and base.districts[district].region == value
        )
        return {f"centers.{cid}.site": value, f"centers.{cid}.district": district if keep else ""}

    return override


def _number(cls: type, name: str, **extra: Any) -> dict[str, Any]:
    m = meta(cls, name)
    return {"lo": m.get("lo"), "hi": m.get("hi"), "doc": m["doc"], "source": m["source"], **extra}


def cited(sources: dict[str, str] | None, field: str, fallback: str, *also: str) -> str:
    """The scenario's own citation of ``field`` (or of the first of ``also`` it has: a
    center's site is cited by its district): each center cites its own price. Else the
    schema default's citation, marked as such."""
    for key in (field, *also):
        if own := (sources or {}).get(key):
            return own
    return f"schema default: {fallback}" if fallback else ""


# ----------------------------------------------------------------------------- declarations

GROUPS: dict[str, tuple[str, str]] = {
    "run": ("Run", "실행"),
    "fund": ("National fund", "국가 재원"),
    "incentives": ("Local subsidy rate", "지방 투자 보조율"),
    "agglomeration": ("Agglomeration", "집적 효과"),
}


def controls_for(base: Scenario) -> list[Control]:
    """Every control the page shows for scenario ``base``, in display order."""
    out = [
        Control(
            "seed",
            "Seed",
            "시드",
            "int",
            "run",
            "scenario.seed",
            lambda s: s.seed,
            _set("scenario.seed"),
            **_number(schema.Meta, "seed"),
            doc_ko="난수 시드: 같은 시나리오와 시드는 같은 결과를 냅니다",
        ),
        Control(
            "firms",
            "Firm agents",
            "기업 에이전트",
            "int",
            "run",
            "population.firms",
            lambda s: s.population.firms,
            _set("population.firms"),
            unit="agents",
            unit_ko="개",
            **_number(schema.Population, "firms"),
            doc_ko="모형의 기업 에이전트 수 (모형 단위): 에이전트 하나가 실제 기업 여러 개를 "
            "대표하며, 결과는 실제 단위로 기록됩니다",
        ),
    ]
    for cid in base.centers:
        prefix = f"centers.{cid}"
        site = meta(schema.Center, "site")
        own = base.centers[cid].sources
        out += [
            Control(
                f"center.{cid}.site",
                "Site",
                "입지",
                "choice",
                cid,
                f"{prefix}.site",
                lambda s, c=cid: s.centers[c].site,
                _set_site(cid),
                choices=tuple(base.regions),
                doc=site["doc"],
                source=cited(own, "site", site["source"], "district"),
                doc_ko="센터가 있는 지역",
            ),
            Control(
                f"center.{cid}.capacity",
                "Final capacity",
                "최종 용량",
                "float",
                cid,
                f"{prefix}.capacity",
                lambda s, c=cid: final_capacity(s, c),
                lambda s, v, c=cid: {f"centers.{c}.capacity": _scaled_schedule(s, c, v)},
                unit="GPUs",
                unit_ko="GPU",
                lo=0.0,
                hi=CAPACITY_MAX_GPUS,
                doc="Final GPUs of the capacity schedule; earlier points scale with it",
                source=cited(own, "capacity", meta(schema.Center, "capacity")["source"]),
                doc_ko="용량 일정의 최종 GPU 수; 앞선 시점의 용량도 같은 비율로 바뀝니다",
            ),
            Control(
                f"center.{cid}.price",
                "Price per GPU-month",
                "GPU·월 가격",
                "float",
                cid,
                f"{prefix}.price_krw",
                lambda s, c=cid: s.centers[c].price_krw,
                _set(f"{prefix}.price_krw"),
                unit="KRW",
                unit_ko="원",
                **{
                    **_number(schema.Center, "price_krw"),
                    "source": cited(own, "price_krw", meta(schema.Center, "price_krw")["source"]),
                },
                doc_ko="GPU 한 장을 한 달 쓰는 가격",
            ),
        ]
    amount = meta(schema.Program, "amount_krw")
    allocation = meta(schema.Central, "allocation")
    out += [
        Control(
            "fund",
            "National fund (total)",
            "국가 재원 (총액)",
            "float",
            "fund",
            "government.central.programs",
            lambda s: fund_total(s) / EOK,
            lambda s, v: {"government.central.programs": _scaled_programs(s, v * EOK)},
            unit="억 KRW",
            unit_ko="억 원",
            lo=0.0,
            hi=_fund_hi(base),
            doc="All national fund lines, scaled together",
            source=cited(base.government.central.sources, "programs", amount["source"]),
            doc_ko="모든 국가 재원 사업을 같은 비율로 조정한 총액",
        ),
        Control(
            "allocation",
            "Allocation rule",
            "배분 규칙",
            "choice",
            "fund",
            "government.central.allocation",
            lambda s: s.government.central.allocation,
            _set("government.central.allocation"),
            choices=tuple(allocation["choices"]),
            doc=allocation["doc"],
            source=cited(base.government.central.sources, "allocation", allocation["source"]),
            doc_ko="국가 재원을 지역에 나누는 규칙",
        ),
    ]
    for rid, region in base.regions.items():
        out.append(
            Control(
                f"incentive.{rid}",
                region.name or rid,
                region.name_ko or rid,
                "float",
                "incentives",
                f"regions.{rid}.incentives.subsidy_rate",
                lambda s, r=rid: s.regions[r].incentives.subsidy_rate,
                _set(f"regions.{rid}.incentives.subsidy_rate"),
                unit="share",
                unit_ko="비율",
                **{
                    **_number(schema.Incentives, "subsidy_rate"),
                    "source": cited(
                        region.incentives.sources,
                        "subsidy_rate",
                        meta(schema.Incentives, "subsidy_rate")["source"],
                    ),
                },
                doc_ko="지방 투자 보조금: 투자액 대비 보조 비율",
            )
        )
    out += [
        Control(
            "agglo.strength",
            "Strength",
            "강도",
            "float",
            "agglomeration",
            "params.agglomeration.strength",
            lambda s: s.params.agglomeration.strength,
            _set("params.agglomeration.strength"),
            **_number(schema.Agglomeration, "strength"),
            doc_ko="같은 지역 기업이 많을수록 입지 매력이 커지는 정도",
        ),
        Control(
            "agglo.cap",
            "Cap (inf = none)",
            "상한 (inf = 없음)",
            "float",
            "agglomeration",
            "params.agglomeration.cap",
            lambda s: s.params.agglomeration.cap,
            _set("params.agglomeration.cap"),
            **_number(schema.Agglomeration, "cap"),
            doc_ko="집적 효과의 상한 (inf = 상한 없음)",
        ),
    ]
    return out


def group_title(base: Scenario, group: str, lang: str) -> str:
    """A group heading; a center's follows its current site (never a stale name)."""
    if group in GROUPS:
        return GROUPS[group][1 if lang == "ko" else 0]
    center = base.centers.get(group)
    if center is None:
        return group
    region = base.regions.get(center.site)
    site = (region.name_ko if lang == "ko" else region.name) if region else center.site
    word = "컴퓨팅 센터" if lang == "ko" else "Compute center"
    return f"{word} · {site}"


def full_title(base: Scenario, control: Control, lang: str) -> str:
    """ "Compute center · Gwangju › Final capacity": the control as the banner names it."""
    return f"{group_title(base, control.group, lang)} › {control.title(lang)}"


def center_title(name: str, name_ko: str = "", lang: str = "en") -> str:
    """A center's name in ``lang`` (``name_ko`` in Korean when the scenario has one),
    without a site in parentheses, which may no longer hold."""
    name = name_ko if lang == "ko" and name_ko else name
    return re.sub(r"\s*\([^)]*\)\s*$", "", name).strip() or name


# ----------------------------------------------------------------------------- numbers

_PLAIN = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_INF = re.compile(r"^([+-]?)(inf|infinity|∞)$", re.IGNORECASE)


def number_text(value: float | None) -> str:
    """How a number is written in a control, a range or a message (no scaled exponents)."""
    if value is None:
        return ""
    v = float(value)
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if v.is_integer() and abs(v) < 1e15:
        return f"{int(v):,}"
    if abs(v) >= 1e15:
        return power_text(v)
    return f"{v:.6g}"


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def power_text(value: float) -> str:
    """9.22 × 10¹⁸: a huge number as people write it, never 9.223e+18."""
    exponent = math.floor(math.log10(abs(value)))
    mantissa = value / 10**exponent
    return f"{mantissa:.3g} × 10{str(exponent).translate(_SUPERSCRIPT)}"


def parse_whole(text: str, lo: int, hi: int, lang: str = "en") -> tuple[int | None, str | None]:
    """A whole number from ``lo`` to ``hi`` typed into a small control, or a message."""
    raw = (text or "").strip()
    try:
        value = int(raw)
    except ValueError:
        return None, message("not_integer", lang, raw=raw) + f" ({lo}–{hi})"
    if not lo <= value <= hi:
        return None, message("range", lang, raw=raw, unit="", range=f"{lo} – {hi}")
    return value, None


def _draft_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    v = float(value)
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return f"{v:.10g}"


_MESSAGES = {
    "not_number": (
        "“{raw}” is not a number (use “.” for decimals; “,” only between thousands)",
        "“{raw}”은(는) 숫자가 아닙니다 (소수점은 “.”, “,”는 천 단위 구분에만)",
    ),
    "not_integer": ("“{raw}” is not a whole number", "“{raw}”은(는) 정수가 아닙니다"),
    "empty": ("enter a value", "값을 입력하세요"),
    "range": (
        "{raw} {unit} is outside the allowed range {range}",
        "{raw} {unit}: 허용 범위 {range} 밖입니다",
    ),
    "choice": ("choose one of {choices}", "{choices} 중에서 고르세요"),
    "hint": ("range {range} · default {default}", "범위 {range} · 기본값 {default}"),
}


def message(key: str, lang: str, **values: str) -> str:
    en, ko = _MESSAGES[key]
    return (ko if lang == "ko" else en).format(**values).replace("  ", " ").strip()


def range_text(control: Control, lang: str = "en") -> str:
    lo = "-inf" if control.lo is None else number_text(control.lo)
    hi = "inf" if control.hi is None else number_text(control.hi)
    unit = control.unit_text(lang)
    return f"{lo} – {hi}" + (f" {unit}" if unit else "")


def hint(control: Control, base: Scenario, lang: str = "en") -> str:
    """The range and default, shown under a control before anything is wrong."""
    default = control.read(base)
    if control.kind == "choice":
        return message("hint", lang, range="/".join(control.choices), default=str(default))
    return message("hint", lang, range=range_text(control, lang), default=number_text(default))


def parse(control: Control, raw: str, lang: str = "en") -> tuple[Any, str | None]:
    """(value, None) or (None, message about what was typed) for one control's text."""
    text = (raw or "").strip()
    if control.kind == "choice":
        if text not in control.choices:
            return None, message("choice", lang, choices=", ".join(control.choices))
        return text, None
    if not text:
        return None, message("empty", lang)
    shown = text
    if m := _INF.match(text):
        value = -math.inf if m.group(1) == "-" else math.inf
    elif _PLAIN.match(text):
        value = float(text)
    elif _GROUPED.match(text):
        value = float(text.replace(",", ""))
    else:
        return None, message("not_number", lang, raw=shown)
    if control.kind == "int" and (math.isinf(value) or not value.is_integer()):
        return None, message("not_integer", lang, raw=shown)
    too_low = value < control.lo if control.lo is not None else value == -math.inf
    too_high = value > control.hi if control.hi is not None else False
    if too_low or too_high:
        unit = control.unit_text(lang)
        return None, message("range", lang, raw=shown, unit=unit, range=range_text(control, lang))
    return (int(value) if control.kind == "int" else value), None


# ----------------------------------------------------------------------------- drafts


def defaults(base: Scenario, seed: int | None = None) -> Draft:
    """The controls' text values for an unchanged ``base``."""
    draft = {c.key: _draft_text(c.read(base)) for c in controls_for(base)}
    if seed is not None:
        draft["seed"] = str(seed)
    return draft


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    return a == b or math.isclose(float(a), float(b), rel_tol=1e-12)


def overrides_for(base: Scenario, values: dict[str, Any]) -> dict[str, Any]:
    """Dotted scenario overrides for the parsed control values that differ from ``base``."""
    out: dict[str, Any] = {}
    for control in controls_for(base):
        if control.key in values and not _same(values[control.key], control.read(base)):
            out.update(control.write(base, values[control.key]))
    return out


def changed(base: Scenario, draft: Draft) -> dict[str, str]:
    """The draft entries that differ from the scenario's defaults (what the URL keeps)."""
    reference = defaults(base)
    out = {}
    for control in controls_for(base):
        raw = draft.get(control.key)
        if raw is None:
            continue
        value, problem = parse(control, raw)
        default, _ = parse(control, reference[control.key])
        if problem or not _same(value, default):
            out[control.key] = raw
    return out


def changed_between(base: Scenario, before: Draft, after: Draft) -> list[Control]:
    """The controls whose value differs between two drafts (edits not yet applied)."""
    out = []
    for control in controls_for(base):
        a, b = before.get(control.key), after.get(control.key)
        if a == b:
            continue
        va, pa = parse(control, a or "")
        vb, pb = parse(control, b or "")
        if pa or pb or not _same(va, vb):
            out.append(control)
    return out


@dataclass(frozen=True)
class Checked:
    """The outcome of validating a draft."""

    scenario: Scenario | None
    seed: int | None
    errors: dict[str, str]  # control key -> message
    general: tuple[str, ...] = ()  # problems no control owns

    @property
    def ok(self) -> bool:
        return self.scenario is not None


def validate(base: Scenario, draft: Draft, lang: str = "en") -> Checked:
    """Parse every control against its range, then build the scenario from the overrides."""
    controls = controls_for(base)
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for control in controls:
        value, problem = parse(control, draft.get(control.key, ""), lang)
        if problem:
            errors[control.key] = problem
        else:
            values[control.key] = value
    if errors:
        return Checked(None, None, errors)
    try:
        scenario = base.with_overrides(overrides_for(base, values))
    except ScenarioError as exc:  # a cross-field rule of the scenario: name the control
        general = []
        for problem in exc.problems:
            owner = _owner(controls, problem.field)
            if owner is None:
                general.append(str(problem))
            else:
                errors.setdefault(owner.key, problem.message)
        return Checked(None, None, errors, tuple(general))
    return Checked(scenario, int(values["seed"]), {})


def _owner(controls: list[Control], path: str) -> Control | None:
    owners = [
        c for c in controls if path == c.field or path.startswith((c.field + ".", c.field + "["))
    ]
    return max(owners, key=lambda c: len(c.field), default=None)


# ----------------------------------------------------------------------------- the URL


def to_query(scenario_key: str, base: Scenario, draft: Draft) -> str:
    """``scenario=...&firms=600...``: the scenario and every changed control."""
    return urlencode({"scenario": scenario_key, **changed(base, draft)})


def from_query(search: str | None) -> tuple[str | None, Draft]:
    """(scenario key, control values) from a URL's query string; unknown keys are ignored
    by :func:`apply_query`, so a stale link never breaks the page."""
    pairs = dict(parse_qsl(search or "", keep_blank_values=True))
    return pairs.pop("scenario", None), pairs


def apply_query(base: Scenario, values: Draft) -> Draft:
    """The default draft of ``base`` with the URL's values for controls that exist."""
    draft = defaults(base)
    keys = set(draft)
    draft.update({k: v for k, v in values.items() if k in keys})
    return draft

"""The Decide tab: open a decision folder (``abm decide``) and run a small decision live.

What it shows is rebuilt from ``DIR/decision.json`` (:mod:`viz.decide_view`): the verdicts,
the tables and the figures, in the page's language, with the KPI cards' number formats.
Folders and spec files are offered only from the app's allowed roots (:mod:`viz.paths`)
and this page's own live decisions; the page sends back a key, never a path.

A live run is a real decision through the sweep engine, as small as the user sets it. Its
controls start at the spec's own values (draws, seeds, firm agents) and the tab says
what it will run; it runs in its own low-priority process (:mod:`viz.decide_job`), never
on the server's threads, and writes to a temporary folder of this page (not into the
project), from which the report and the folder can be downloaded.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import solara

from abm.errors import UserError
from viz import decide_view as dv
from viz.components.common import Download, Table
from viz.i18n import tr
from viz.paths import Choice, allowed_roots, folder_choices, label, lookup

_TEXT: dict[str, tuple[str, str]] = {
    "open": ("Open a decision", "의사결정 분석 열기"),
    "folder": ("Decision folder", "의사결정 폴더"),
    "none": (
        "No decision folders yet: run `abm decide SPEC --out DIR`, or a small one below.",
        "의사결정 폴더가 없습니다: `abm decide SPEC --out DIR`를 실행하거나 아래에서 작게 "
        "실행하세요.",
    ),
    "run": ("Run a small decision", "작은 의사결정 분석 실행"),
    "spec": ("Decision spec", "의사결정 명세"),
    "draws": ("Parameter draws", "매개변수 추출 수"),
    "seeds": ("Seeds per draw", "추출당 시드 수"),
    "firms": ("Firm agents per run", "실행당 기업 에이전트 수"),
    "start": ("Run", "실행"),
    "stop": ("Stop", "중지"),
    "running": ("Running", "실행 중"),
    "done": ("Done", "완료"),
    "stopped": ("Stopped", "중지됨"),
    "failed": ("Failed", "실패"),
    "no_specs": (
        "No decision spec files under the allowed roots.",
        "허용된 폴더에 의사결정 명세가 없습니다.",
    ),
    "summary": ("Summary", "요약"),
    "futures": ("Futures", "미래"),
    "scenario_values": (
        "No posterior and no ranges: parameters at the scenario's values (seed noise only).",
        "사후분포와 범위가 없습니다: 매개변수는 시나리오 값 그대로입니다 (시드 잡음만 반영).",
    ),
    "will_run": (
        "Will run {k} options × {d} draws × {s} seeds = {runs} runs of {firms} firm agents "
        "each, to {horizon}.",
        "선택지 {k}개 × 추출 {d}개 × 시드 {s}개 = {runs}회 실행 (실행당 기업 에이전트 "
        "{firms}개, {horizon}까지).",
    ),
    "will_run_model": (
        "Will run {k} options × {d} draws × {s} seeds = {runs} runs of the spec's model, to "
        "{horizon}.",
        "선택지 {k}개 × 추출 {d}개 × 시드 {s}개 = 명세 모형 {runs}회 실행 ({horizon}까지).",
    ),
    "from_spec": ("spec: {v}", "명세: {v}"),
    "value": ("{v}", "{v}"),
    "where": (
        "Results go to a temporary folder of this page ({path}), not into the project; "
        "download the report or the folder to keep them.",
        "결과는 이 페이지의 임시 폴더({path})에 저장되며 프로젝트에는 쓰지 않습니다. 보관하려면 "
        "보고서나 폴더를 내려받으세요.",
    ),
    "background": (
        "It runs in a separate low-priority process: the live run is not slowed.",
        "별도의 낮은 우선순위 프로세스에서 실행되어 실시간 실행을 느리게 하지 않습니다.",
    ),
    "this_page": ("this page", "이 페이지"),
    "download_report": ("Report (HTML)", "보고서 (HTML)"),
    "download_folder": ("Decision folder (zip)", "의사결정 폴더 (zip)"),
    "no_model": (
        "The spec's own model and options are used; the firm agents apply to the ABM only.",
        "명세의 모형과 선택지를 그대로 씁니다. 기업 에이전트 수는 ABM에만 적용됩니다.",
    ),
}


def t(key: str, lang: str, **values: Any) -> str:
    en, ko = _TEXT[key]
    return (ko if lang == "ko" else en).format(**values)


# ---------------------------------------------------------------------- what the page may open
def decision_choices(extra: list[Path] = ()) -> list[Choice]:
    """Decision folders (with a ``decision.json``) under the allowed roots, and ``extra``
    folders (this page's live decisions); a decision's own sweep folder is not searched."""
    found = folder_choices(lambda f: (f / "decision.json").is_file(), frozenset({"sweep"}))
    for folder in extra:
        if (folder / "decision.json").is_file():
            found.append(Choice(f"{t('this_page', 'en')}/{folder.name}", folder.name, folder))
    return found


def spec_choices() -> list[Choice]:
    """Decision spec files (TOML with a ``[decision]`` table) in each root's ``examples/``."""
    found = []
    for root in allowed_roots():
        for folder in (root / "examples", root):
            if not folder.is_dir():
                continue
            for path in sorted(folder.glob("*.toml")):
                try:
                    data = tomllib.loads(path.read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    continue
                if isinstance(data.get("decision"), dict):
                    found.append(Choice(label(path, root), path.stem, path.resolve()))
    unique = {c.path: c for c in found}
    return sorted(unique.values(), key=lambda c: c.key)


def folder_text(key: str, lang: str) -> str:
    """A folder's key as the select shows it ("this page/..." in the page's language)."""
    prefix = f"{t('this_page', 'en')}/"
    return t("this_page", lang) + "/" + key[len(prefix) :] if key.startswith(prefix) else key


# ---------------------------------------------------------------------- reading a folder
@dataclass(frozen=True)
class DecisionView:
    """A decision folder as the tab shows it: its JSON and, when the runs are there, each
    objective's values per future and the futures table (for the outcome and PRIM
    figures)."""

    folder: Path
    decision: dict[str, Any]
    per_future: Any = None


def load_view(folder: Path) -> DecisionView:
    from abm.decide.run import read_decision

    decision = read_decision(folder)
    if decision.get("format") != "abm-decision/1":
        raise UserError(f"{folder}: not a decision folder of format abm-decision/1")
    try:
        values = dv.per_future_values(decision, folder)
    except Exception:  # the tab still shows everything from decision.json alone
        values = None
    return DecisionView(folder, decision, values)


def region_names() -> dict[str, Any]:
    """Region names for objective labels (the project's baseline regions)."""
    from abm.scenario import load_scenario
    from viz.paths import PROJECT_ROOT

    try:
        return dict(load_scenario(PROJECT_ROOT / "scenarios" / "baseline.toml").regions)
    except Exception:
        return {}


# ---------------------------------------------------------------------- the spec's own sizes
@dataclass(frozen=True)
class SpecSizes:
    """What a spec runs unless the user changes it."""

    options: int
    draws: int
    seeds: int
    firms: int | None  # firm agents per run (None: not the ABM, or not known)
    horizon: str
    uncertain: bool  # has [uncertainty]: the draws control applies


def spec_sizes(path: Path) -> SpecSizes:
    from abm.decide.spec import load_decision

    data = tomllib.loads(path.read_text(encoding="utf-8"))
    spec = load_decision(path)
    decision = data.get("decision", {})
    firms = None
    if decision.get("model", "abm") == "abm":
        firms = (decision.get("set") or {}).get("population.firms")
        if firms is None:
            try:
                from abm.scenario import load_scenario

                firms = load_scenario(path.parent / decision["scenario"]).population.firms
            except Exception:
                firms = None
    return SpecSizes(
        len(spec.options),
        len(spec.draws),
        spec.seeds,
        None if firms is None else int(firms),
        str(spec.horizon),
        bool(data.get("uncertainty")),
    )


# ---------------------------------------------------------------------- a live run
def session_folder() -> Path:
    """A temporary folder for one page's live decisions (removed when the page closes)."""
    return Path(tempfile.mkdtemp(prefix="abm-decisions-"))


@dataclass(eq=False)  # compared by identity: the page re-polls when a new run starts
class LiveDecision:
    """A small decision in its own low-priority process; progress from the sweep manifest."""

    spec: Path
    draws: int
    seeds: int
    firms: int | None
    out: Path | None = None
    state: str = "idle"  # idle | running | done | failed | stopped
    message: str = ""
    total: int = 0
    _proc: subprocess.Popen | None = field(default=None, repr=False)

    def overrides(self) -> dict[str, Any]:
        data = tomllib.loads(self.spec.read_text(encoding="utf-8"))
        out: dict[str, Any] = {"seeds.count": self.seeds}
        if data.get("uncertainty"):
            out["uncertainty.draws"] = self.draws
        if data.get("sequential"):
            out["sequential"] = None  # a live run is one batch, as the controls ask
        decision = data.get("decision", {})
        if self.firms is not None and decision.get("model", "abm") == "abm":
            out["decision.set"] = {**(decision.get("set") or {}), "population.firms": self.firms}
        return out

    def start(self, root: Path) -> None:
        """Check the spec with the overrides, then start the process writing into ``root``."""
        from abm.decide.spec import load_decision

        overrides = self.overrides()
        try:
            spec = load_decision(self.spec, overrides)
        except UserError as exc:
            self.state, self.message = "failed", str(exc)
            return
        stamp = time.strftime("%Y%m%d-%H%M%S")
        self.out = root / f"{spec.name}-{stamp}"
        self.total = len(spec.options) * spec.n_futures
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        self._proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "viz.decide_job",
                str(self.spec),
                str(self.out),
                json.dumps(overrides),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=str(self.spec.parent),
        )
        self.state = "running"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def poll(self) -> str:
        """Update and return the state from the process."""
        if self._proc is None or self.state != "running":
            return self.state
        code = self._proc.poll()
        if code is None:
            return self.state
        if code == 0:
            self.state = "done"
        elif self.state != "stopped":
            err = (self._proc.stderr.read() if self._proc.stderr else "").strip().splitlines()
            self.state = "failed"
            self.message = err[-1] if err else f"exit status {code}"
        return self.state

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self.state = "stopped"
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()

    def done(self) -> int:
        """Runs finished so far (from the sweep's manifest, written at every flush)."""
        from abm.sweep.store import read_manifest

        if self.out is None or not (self.out / "sweep").is_dir():
            return 0
        try:
            manifest = read_manifest(self.out / "sweep") or {}
        except UserError:
            return 0
        return int(manifest.get("runs_done", 0))

    def join(self, timeout: float | None = None) -> None:
        if self._proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._proc.wait(timeout)
        self.poll()


class DecideState:
    """One page's Decide tab: its temporary folder and its live decision (kept across tab
    switches; stopped and removed when the page closes)."""

    def __init__(self) -> None:
        self._folder: Path | None = None
        self.live: LiveDecision | None = None

    @property
    def folder(self) -> Path:
        if self._folder is None:
            self._folder = session_folder()
        return self._folder

    def folders(self) -> list[Path]:
        if self._folder is None or not self._folder.is_dir():
            return []
        return sorted(p for p in self._folder.iterdir() if p.is_dir())

    def close(self) -> None:
        if self.live is not None:
            self.live.stop()
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)


# ---------------------------------------------------------------------- components
@solara.component
def ObjectiveSection(view: DecisionView, o: dict[str, Any], lang: str, regions: dict):
    title = dv.title_of(o, lang, regions)
    direction = dv.t(o["direction"], lang)
    solara.v.Html(
        tag="h3", children=[f"{title} · {direction} · {o['at']}"], class_="decide-objective-title"
    )
    if o.get("futures_dropped"):
        solara.Warning(dv.t("dropped", lang, n=o["futures_dropped"]), dense=True)
    if not o.get("options"):
        solara.v.Html(
            tag="div", children=[dv.note_text(o.get("note", ""), lang)], class_="abm-note"
        )
        return
    if answer := dv.stopping_text(o, lang):
        solara.v.Html(
            tag="div", children=[f"{dv.t('answer', lang)}: {answer}"], class_="decide-answer"
        )
    headers, rows = dv.options_table(o, lang)
    Table(headers, rows, classes=["decide-options"], original=frozenset({0}))
    solara.v.Html(tag="div", children=[dv.t("regret_note", lang)], class_="abm-note")
    for part, css in (
        (dv.effects_table(o, lang), "decide-effects"),
        (dv.variance_table(o, lang), "decide-variance"),
    ):
        if part is not None:
            heading, headers, rows, note = part
            solara.v.Html(tag="div", children=[heading], class_="abm-group")
            Table(headers, rows, classes=[css], original=frozenset({0}))
            solara.v.Html(tag="div", children=[note], class_="abm-note")
    ref = dv.reference_table(o, lang)
    if ref is not None:
        heading, headers, rows = ref
        solara.v.Html(tag="div", children=[heading], class_="abm-group")
        Table(headers, rows, classes=["decide-reference"], original=frozenset({0}))
    voi = dv.voi_table(o, lang)
    if voi is not None:
        headers, rows, note = voi
        solara.v.Html(tag="div", children=[dv.t("evppi_title", lang)], class_="abm-group")
        Table(headers, rows, classes=["decide-voi"], original=frozenset({0}))
        solara.v.Html(tag="div", children=[note], class_="abm-note")
    elif missing := dv.voi_missing(o, lang):
        solara.v.Html(tag="div", children=[missing], class_="abm-note")
    with solara.Row(gap="10px", style={"flex-wrap": "wrap"}, classes=["decide-figures"]):
        with solara.Div(classes=["decide-fig", "fig-p-best"]):
            solara.FigureAltair(dv.p_best_chart(o, lang, regions))
        values = view.per_future[0].get(o["name"]) if view.per_future else None
        with solara.Div(classes=["decide-fig", "fig-bands"]):
            solara.FigureAltair(dv.bands_chart(o, lang, values, regions))
        if (chart := dv.reference_chart(o, lang, regions)) is not None:
            with solara.Div(classes=["decide-fig", "fig-reference"]):
                solara.FigureAltair(chart)
        for chart, css in (
            (dv.effects_chart(o, lang, regions), "fig-effects"),
            (dv.variance_chart(o, lang, regions), "fig-variance"),
            (dv.evppi_chart(o, lang), "fig-evppi"),  # the value of information
        ):
            if chart is not None:
                with solara.Div(classes=["decide-fig", css]):
                    solara.FigureAltair(chart)
    prim = dv.prim_table(o, lang)
    if prim is not None:
        heading, headers, rows, note = prim
        solara.v.Html(tag="div", children=[heading], class_="abm-group")
        if rows:
            Table(headers, rows, classes=["decide-prim"], original=frozenset({0, 1}))
        solara.v.Html(tag="div", children=[note], class_="abm-note")
        if view.per_future and rows:
            import numpy as np

            by_objective, futures = view.per_future
            sign = 1.0 if o["direction"] == "max" else -1.0
            signed = {k: sign * np.asarray(v) for k, v in by_objective[o["name"]].items()}
            with solara.Row(gap="10px", style={"flex-wrap": "wrap"}):
                for pair in (o.get("discovery") or {}).get("pairs", []):
                    if not any(b.get("limits") for b in pair["boxes"]):
                        continue
                    chart = dv.prim_chart(o, pair, futures, signed, lang, regions)
                    if chart is not None:
                        with solara.Div(classes=["decide-fig", "fig-prim"]):
                            solara.FigureAltair(chart)


@solara.component
def DecisionReport(view: DecisionView, lang: str = "en"):
    """The verdicts, tables and figures of one decision, in ``lang``."""
    d = view.decision
    regions = solara.use_memo(region_names, [])
    with solara.Column(gap="6px", classes=["decide-report"]):
        solara.v.Html(
            tag="div",
            children=[f"{t('futures', lang)}: {dv.futures_line(d, lang)}"],
            class_="decide-futures",
        )
        for note in dv.header_notes(d, view.folder, lang):
            solara.v.Html(tag="div", children=[note], class_="abm-note decide-header-note")
        if d["futures"].get("parameters_at_scenario_values"):
            solara.Warning(t("scenario_values", lang), dense=True)
        if not d["runs"].get("complete", True):
            solara.Warning(dv.t("unfinished", lang), dense=True)
        solara.v.Html(tag="div", children=[t("summary", lang)], class_="abm-group")
        with solara.v.Html(tag="ul", class_="decide-summary"):
            for line in dv.verdicts(d, lang, regions):
                solara.v.Html(tag="li", children=[line])
        for o in d["objectives"]:
            ObjectiveSection(view, o, lang, regions)
        joint = d.get("joint_satisficing")
        if joint:
            solara.v.Html(tag="div", children=[dv.t("joint", lang)], class_="abm-group")
            Table(
                [dv.t("option", lang), dv.t("share_futures", lang)],
                [[k, dv.pct(v)] for k, v in joint["options"].items()],
                classes=["decide-joint"],
                original=frozenset({0}),
            )
        with solara.Row(gap="6px"):
            Download(
                t("download_report", lang),
                lambda: (
                    f"{view.folder.name}_report_{lang}.html",
                    report_html(view, lang).encode("utf-8"),
                ),
                "text/html",
                classes=["btn-decide-report"],
            )
            Download(
                t("download_folder", lang),
                lambda: (f"{view.folder.name}.zip", folder_zip(view.folder)),
                "application/zip",
                classes=["btn-decide-zip"],
            )


def report_html(view: DecisionView, lang: str) -> str:
    """The tab's content as one offline HTML page (charts as inline SVG)."""
    from html import escape

    from viz.report import CSS, svg_of

    d = view.decision
    regions = region_names()
    parts = [
        f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'>",
        f"<title>{escape(d['name'])}</title><style>{CSS}</style></head><body>",
        f"<h1>{escape(tr('decide', lang))}: {escape(d['name'])}</h1>",
        f"<p>{escape(dv.futures_line(d, lang))}</p>",
        *(f"<p class='note'>{escape(n)}</p>" for n in dv.header_notes(d, view.folder, lang)),
        "<ul>"
        + "".join(f"<li>{escape(line)}</li>" for line in dv.verdicts(d, lang, regions))
        + "</ul>",
    ]
    for o in d["objectives"]:
        parts.append(f"<h2>{escape(dv.title_of(o, lang, regions))}</h2>")
        if not o.get("options"):
            continue
        if answer := dv.stopping_text(o, lang):
            parts.append(f"<p><b>{escape(dv.t('answer', lang))}:</b> {escape(answer)}</p>")
        headers, rows = dv.options_table(o, lang)
        parts.append(_table(headers, rows))
        for part in (dv.effects_table(o, lang), dv.variance_table(o, lang)):
            if part is not None:
                parts.append(f"<h3>{escape(part[0])}</h3>" + _table(part[1], part[2]))
                parts.append(f"<p class='note'>{escape(part[3])}</p>")
        ref = dv.reference_table(o, lang)
        if ref:
            parts.append(f"<h3>{escape(ref[0])}</h3>" + _table(ref[1], ref[2]))
        voi = dv.voi_table(o, lang)
        if voi is not None:
            parts.append(f"<h3>{escape(dv.t('evppi_title', lang))}</h3>" + _table(voi[0], voi[1]))
        values = view.per_future[0].get(o["name"]) if view.per_future else None
        for chart in (
            dv.p_best_chart(o, lang, regions),
            dv.bands_chart(o, lang, values, regions),
            dv.reference_chart(o, lang, regions),
        ):
            if chart is not None:
                parts.append(f"<figure>{svg_of(chart)}</figure>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _table(headers: list[str], rows: list[list[str]]) -> str:
    from html import escape

    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def folder_zip(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder.parent))
    return buffer.getvalue()


@solara.component
def SizeSlider(
    label_text: str,
    value: solara.Reactive[int],
    spec_value: int,
    lo: int,
    hi: int,
    step: int,
    css: str,
    lang: str,
):
    """A slider that shows its value, and the spec's own when the user moved away from it."""
    shown = f"{label_text}: {value.value:,}"
    if value.value != spec_value:
        shown += f" ({t('from_spec', lang, v=f'{spec_value:,}')})"
    with solara.Column(gap="0px", classes=[css], style={"min-width": "220px"}):
        solara.v.Html(tag="div", children=[shown], class_="abm-note slider-value")
        solara.SliderInt("", value=value, min=lo, max=hi, step=step, thumb_label=True)


@solara.component
def LiveRunPanel(state: DecideState, lang: str = "en", on_done: Any = None):
    specs = solara.use_memo(spec_choices, [])
    key = solara.use_reactive(specs[0].key if specs else "")
    choice = lookup(specs, key.value)

    def read_sizes():
        if choice is None:
            return None, ""
        try:
            return spec_sizes(choice.path), ""
        except UserError as exc:
            return None, str(exc)

    sizes, problem = solara.use_memo(read_sizes, [key.value])
    draws = solara.use_reactive(sizes.draws if sizes else 1)
    seeds = solara.use_reactive(sizes.seeds if sizes else 1)
    firms = solara.use_reactive(sizes.firms if sizes and sizes.firms else 300)

    def follow_spec():  # a new spec: its own sizes, until the user moves a slider
        if sizes is not None:
            draws.set(sizes.draws)
            seeds.set(sizes.seeds)
            if sizes.firms:
                firms.set(sizes.firms)

    solara.use_effect(follow_spec, [key.value, sizes is not None])
    live = solara.use_reactive(state.live)
    done = solara.use_reactive(0)

    def poll(cancel: threading.Event) -> None:
        job = live.value
        while job is not None and job.poll() == "running" and not cancel.is_set():
            done.set(job.done())
            time.sleep(0.3)
        if job is not None:
            done.set(job.done())
            live.set(job)  # the final state renders
            if job.state == "done" and on_done is not None:
                on_done(job.out)

    solara.use_thread(poll, dependencies=[live.value])

    if not specs:
        solara.Info(t("no_specs", lang), dense=True)
        return

    def start() -> None:
        if choice is None:
            return
        job = LiveDecision(
            choice.path, draws.value, seeds.value, firms.value if sizes and sizes.firms else None
        )
        job.start(state.folder)
        state.live = job
        done.set(0)
        live.set(job)

    job = live.value
    running = job is not None and job.state == "running"
    with solara.Column(gap="6px", classes=["decide-live"]):
        solara.v.Select(
            label=t("spec", lang),
            v_model=key.value,
            on_v_model=key.set,
            items=[{"text": c.key, "value": c.key} for c in specs],
            class_="ctl-decide-spec",
            dense=True,
            style_="max-width: 420px",
        )
        if problem:
            solara.Error(problem, dense=True)
        if sizes is not None:
            with solara.Row(gap="18px", style={"flex-wrap": "wrap"}):
                if sizes.uncertain:
                    SizeSlider(
                        t("draws", lang),
                        draws,
                        sizes.draws,
                        1,
                        max(64, sizes.draws),
                        1,
                        "ctl-decide-draws",
                        lang,
                    )
                SizeSlider(
                    t("seeds", lang),
                    seeds,
                    sizes.seeds,
                    1,
                    max(8, sizes.seeds),
                    1,
                    "ctl-decide-seeds",
                    lang,
                )
                if sizes.firms:
                    SizeSlider(
                        t("firms", lang),
                        firms,
                        sizes.firms,
                        100,
                        max(5000, sizes.firms),
                        100,
                        "ctl-decide-firms",
                        lang,
                    )
            d = draws.value if sizes.uncertain else sizes.draws
            runs = f"{sizes.options * d * seeds.value:,}"
            text = (
                t(
                    "will_run",
                    lang,
                    k=sizes.options,
                    d=d,
                    s=seeds.value,
                    runs=runs,
                    firms=f"{firms.value:,}",
                    horizon=sizes.horizon,
                )
                if sizes.firms
                else t(
                    "will_run_model",
                    lang,
                    k=sizes.options,
                    d=d,
                    s=seeds.value,
                    runs=runs,
                    horizon=sizes.horizon,
                )
            )
            solara.v.Html(tag="div", children=[text], class_="decide-will-run")
            solara.v.Html(
                tag="div",
                children=[t("where", lang, path=state.folder)],
                class_="abm-note decide-where",
            )
            solara.v.Html(tag="div", children=[t("background", lang)], class_="abm-note")
        with solara.Row(gap="6px"):
            solara.Button(
                t("start", lang),
                icon_name="mdi-play",
                on_click=start,
                disabled=running or sizes is None,
                color="primary",
                classes=["btn-decide-run"],
            )
            if running:
                solara.Button(
                    t("stop", lang),
                    icon_name="mdi-stop",
                    on_click=lambda: (job.stop(), live.set(job)),
                    outlined=True,
                    classes=["btn-decide-stop"],
                )
        if job is not None and job.state != "idle":
            total = max(job.total, 1)
            value = 100.0 * min(done.value, total) / total
            solara.ProgressLinear(value=value if running else 100, classes=["decide-progress"])
            word = (
                t(job.state, lang) if job.state in ("running", "done", "stopped", "failed") else ""
            )
            solara.v.Html(
                tag="div",
                children=[f"{word} {min(done.value, job.total)} / {job.total}"],
                class_="decide-progress-text",
            )
            if job.state == "failed":
                solara.Error(job.message, dense=True, classes=["decide-live-error"])


@solara.component
def DecidePanel(lang: str = "en", state: DecideState | None = None):
    """The Decide tab: pick a decision folder and see its figures; run a small one live."""
    own = solara.use_memo(DecideState, [])
    state = own if state is None else state
    refresh = solara.use_reactive(0)
    choices = solara.use_memo(lambda: decision_choices(state.folders()), [refresh.value])
    key = solara.use_reactive(choices[0].key if choices else "")
    choice = lookup(choices, key.value)
    if choice is None and choices:
        choice = choices[0]

    def read() -> tuple[DecisionView | None, str]:
        if choice is None:
            return None, ""
        try:
            return load_view(choice.path), ""
        except UserError as exc:
            return None, str(exc)

    view, error = solara.use_memo(read, [choice.key if choice else "", refresh.value])

    def finished(out: Path) -> None:
        refresh.set(refresh.value + 1)
        key.set(f"{t('this_page', 'en')}/{out.name}")

    with solara.Column(gap="10px", classes=["abm-decide"]):
        solara.v.Html(tag="h3", children=[t("open", lang)])
        if not choices:
            solara.Info(t("none", lang), dense=True)
        else:
            solara.v.Select(
                label=t("folder", lang),
                v_model=choice.key if choice else "",
                on_v_model=key.set,
                items=[{"text": folder_text(c.key, lang), "value": c.key} for c in choices],
                class_="ctl-decide-folder",
                dense=True,
                style_="max-width: 480px",
            )
            if view is None:
                solara.Error(error, dense=True)
            else:
                DecisionReport(view, lang)
        solara.v.Html(tag="h3", children=[t("run", lang)])
        LiveRunPanel(state, lang, on_done=finished)

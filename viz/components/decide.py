"""The Decide tab: open a decision folder (``abm decide``) and run a small decision live.

Shows what the HTML report shows (the same PNG figures from ``DIR/figures`` and the same
tables, rendered by :mod:`abm.decide.report` from ``DIR/decision.json``), so the app and
the report never disagree. Folders and spec files are offered only from the app's allowed
roots (:mod:`viz.paths`); the page sends back a key, never a path.

A live run is a real decision through the sweep engine, made small (few draws, seeds and
firm agents) and written to ``results/decisions/`` of the project, where the folder list
finds it afterwards. It runs on a background thread; the page polls the sweep's manifest
for the progress bar.
"""

from __future__ import annotations

import base64
import threading
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import solara

from abm.errors import UserError
from viz.paths import PROJECT_ROOT, Choice, allowed_roots, folder_choices, label, lookup

LIVE_FOLDER = Path("results") / "decisions"

_TEXT: dict[str, tuple[str, str]] = {
    "open": ("Open a decision", "결정 분석 열기"),
    "folder": ("Decision folder", "결정 분석 폴더"),
    "none": (
        "No decision folders yet: run `abm decide SPEC --out DIR`, or a small one below.",
        "결정 분석 폴더가 없습니다: `abm decide SPEC --out DIR`를 실행하거나 "
        "아래에서 작게 실행하세요.",
    ),
    "run": ("Run a small decision", "작은 결정 분석 실행"),
    "spec": ("Decision spec", "결정 분석 명세"),
    "draws": ("Parameter draws", "매개변수 추출 수"),
    "seeds": ("Seeds", "시드 수"),
    "firms": ("Firm agents", "기업 에이전트 수"),
    "start": ("Run", "실행"),
    "running": ("Running", "실행 중"),
    "done": ("Done", "완료"),
    "no_specs": (
        "No decision spec files under the allowed roots.",
        "허용된 폴더에 결정 분석 명세가 없습니다.",
    ),
    "summary": ("Summary", "요약"),
    "futures": ("Futures", "미래 시나리오"),
    "scenario_values": (
        "No posterior and no ranges: parameters at the scenario's values (seed noise only).",
        "사후분포와 범위가 없습니다: 매개변수는 시나리오 값 그대로입니다 (시드 잡음만 반영).",
    ),
}


def t(key: str, lang: str) -> str:
    en, ko = _TEXT[key]
    return ko if lang == "ko" else en


# ---------------------------------------------------------------------- what the page may open
def decision_choices() -> list[Choice]:
    """Decision folders (with a ``decision.json``) under the allowed roots; a decision's own
    sweep folder is not searched."""
    return folder_choices(lambda f: (f / "decision.json").is_file(), frozenset({"sweep"}))


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


# ---------------------------------------------------------------------- reading a folder
@dataclass(frozen=True)
class DecisionView:
    """A decision folder as the tab shows it: the JSON, the tables, the figures."""

    folder: Path
    decision: dict[str, Any]
    figures: list[tuple[str, str]]  # (file name, base64 PNG)

    def figure(self, name: str) -> str | None:
        return next((data for n, data in self.figures if n == name), None)


def load_view(folder: Path) -> DecisionView:
    from abm.decide.run import read_decision

    decision = read_decision(folder)
    if decision.get("format") != "abm-decision/1":
        raise UserError(f"{folder}: not a decision folder of format abm-decision/1")
    figures = []
    target = folder / "figures"
    if target.is_dir():
        for path in sorted(target.glob("*.png")):
            figures.append((path.name, base64.b64encode(path.read_bytes()).decode("ascii")))
    return DecisionView(folder, decision, figures)


def _img(data: str, name: str) -> str:
    return f"<img class='decide-figure' data-name='{name}' src='data:image/png;base64,{data}'>"


# ---------------------------------------------------------------------- a live run
def live_root() -> Path:
    """Where live runs write ``results/decisions/...``: the project (an allowed root)."""
    return PROJECT_ROOT


@dataclass(eq=False)  # compared by identity: the page re-polls when a new run starts
class LiveDecision:
    """A small decision on a background thread; its progress read from the sweep manifest."""

    spec: Path
    draws: int
    seeds: int
    firms: int | None
    out: Path | None = None
    state: str = "idle"  # idle | running | done | failed
    message: str = ""
    total: int = 0
    _thread: threading.Thread | None = field(default=None, repr=False)

    def start(self, root: Path | None = None) -> None:
        from abm.decide.spec import load_decision

        root = root or live_root()
        overrides: dict[str, Any] = {"seeds.count": self.seeds}
        data = tomllib.loads(self.spec.read_text(encoding="utf-8"))
        if data.get("uncertainty"):
            overrides["uncertainty.draws"] = self.draws
        if data.get("sequential"):
            overrides["sequential"] = None  # a live run is one batch, as the controls ask
        if self.firms is not None and data["decision"].get("model", "abm") == "abm":
            overrides["decision.set"] = {"population.firms": self.firms}
        try:
            spec = load_decision(self.spec, overrides)
        except UserError as exc:
            self.state, self.message = "failed", str(exc)
            return
        stamp = time.strftime("%Y%m%d-%H%M%S")
        self.out = root / LIVE_FOLDER / f"{spec.name}-{stamp}"
        self.total = len(spec.options) * spec.n_futures
        self.state = "running"
        self._thread = threading.Thread(target=self._run, args=(spec,), daemon=True)
        self._thread.start()

    def _run(self, spec: Any) -> None:
        from abm.decide.run import run_decision

        try:
            run_decision(spec, self.out, workers=2, progress=False, flush_seconds=0.5)
        except UserError as exc:
            self.state, self.message = "failed", str(exc)
            return
        except Exception as exc:  # shown next to the button: the page must not die
            self.state, self.message = "failed", f"{type(exc).__name__}: {exc}"
            return
        self.state = "done"

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
        if self._thread is not None:
            self._thread.join(timeout)


# ---------------------------------------------------------------------- components
@solara.component
def DecisionReport(view: DecisionView, lang: str = "en"):
    """The figures and tables of one decision."""
    from abm.decide.report import (
        TOP_FIGURES,
        effects_table,
        options_table,
        prim_table,
        reference_table,
        stopping_line,
        variance_table,
        voi_table,
    )

    d = view.decision
    f = d["futures"]
    with solara.Column(gap="6px", classes=["decide-report"]):
        solara.HTML(
            tag="div",
            classes=["decide-futures"],
            unsafe_innerHTML=(
                f"<b>{t('futures', lang)}:</b> {len(d['options'])} options x {f['count']} "
                f"({f['uncertainty']}); runs {d['runs']['counts']['ok']} ok of "
                f"{d['runs']['total']}"
            ),
        )
        if f["parameters_at_scenario_values"]:
            solara.Warning(t("scenario_values", lang), dense=True)
        solara.HTML(
            tag="ul",
            classes=["decide-summary"],
            unsafe_innerHTML="".join(f"<li>{line}</li>" for line in d["summary"]),
        )
        figures = "".join(_img(data, name) for name in TOP_FIGURES if (data := view.figure(name)))
        if figures:
            solara.HTML(tag="div", classes=["decide-figures"], unsafe_innerHTML=figures)
        for o in d["objectives"]:
            if not o.get("options"):
                continue
            prims = "".join(
                _img(data, name)
                for name, data in view.figures
                if name.startswith(f"prim-{o['name']}-")
            )
            solara.HTML(
                tag="div",
                classes=["decide-objective"],
                unsafe_innerHTML=(
                    f"<h3>{o['label']} ({o['direction']}, {o['at']})</h3>"
                    + stopping_line(o)
                    + options_table(o)
                    + effects_table(o)
                    + reference_table(o)
                    + variance_table(o)
                    + voi_table(o)
                    + prim_table(o)
                    + prims
                ),
            )


@solara.component
def LiveRunPanel(lang: str = "en", on_done: Any = None):
    specs = solara.use_memo(spec_choices, [])
    key = solara.use_reactive(specs[0].key if specs else "")
    draws = solara.use_reactive(2)
    seeds = solara.use_reactive(1)
    firms = solara.use_reactive(300)
    live = solara.use_reactive(None)
    done = solara.use_reactive(0)

    def poll(cancel: threading.Event) -> None:
        job = live.value
        while job is not None and job.state == "running" and not cancel.is_set():
            done.set(job.done())
            time.sleep(0.3)
        if job is not None and job.state == "done":
            done.set(job.total)
            if on_done is not None:
                on_done(job.out)

    solara.use_thread(poll, dependencies=[live.value])

    if not specs:
        solara.Info(t("no_specs", lang), dense=True)
        return

    def start() -> None:
        choice = lookup(specs, key.value)
        if choice is None:
            return
        job = LiveDecision(choice.path, draws.value, seeds.value, firms.value)
        job.start()
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
        with solara.Row(gap="12px", style={"flex-wrap": "wrap"}):
            solara.SliderInt(t("draws", lang), value=draws, min=1, max=16)
            solara.SliderInt(t("seeds", lang), value=seeds, min=1, max=4)
            solara.SliderInt(t("firms", lang), value=firms, min=100, max=2000, step=100)
        solara.Button(
            t("start", lang),
            icon_name="mdi-play",
            on_click=start,
            disabled=running,
            color="primary",
            classes=["btn-decide-run"],
        )
        if job is not None and job.state != "idle":
            total = max(job.total, 1)
            value = 100.0 * min(done.value, total) / total
            solara.ProgressLinear(value=value if running else 100, classes=["decide-progress"])
            word = {"running": t("running", lang), "done": t("done", lang)}.get(job.state, "")
            solara.Text(
                f"{word} {min(done.value, job.total)} / {job.total}",
                classes=["decide-progress-text"],
            )
            if job.state == "failed":
                solara.Error(job.message, dense=True, classes=["decide-live-error"])


@solara.component
def DecidePanel(lang: str = "en"):
    """The Decide tab: pick a decision folder and see its figures; run a small one live."""
    refresh = solara.use_reactive(0)
    choices = solara.use_memo(decision_choices, [refresh.value])
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
        for root in allowed_roots():
            try:
                key.set(label(out.resolve(), root))
                return
            except ValueError:
                continue

    with solara.Column(gap="10px", classes=["abm-decide"]):
        solara.HTML(tag="h3", unsafe_innerHTML=t("open", lang))
        if not choices:
            solara.Info(t("none", lang), dense=True)
        else:
            solara.v.Select(
                label=t("folder", lang),
                v_model=choice.key if choice else "",
                on_v_model=key.set,
                items=[{"text": c.key, "value": c.key} for c in choices],
                class_="ctl-decide-folder",
                dense=True,
                style_="max-width: 480px",
            )
            if view is None:
                solara.Error(error, dense=True)
            else:
                DecisionReport(view, lang)
        solara.HTML(tag="h3", unsafe_innerHTML=t("run", lang))
        LiveRunPanel(lang, on_done=finished)

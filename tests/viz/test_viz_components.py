"""Headless renders (solara.render) of the app's components: no server, no browser."""

from __future__ import annotations

import json
import re
import threading
import time

import ipyvue
import ipyvuetify as v
import pandas as pd
import solara
import solara.widgets

from tests.viz.widgets import texts
from viz import session as session_module
from viz.components.compare import CURRENT, CompareState, CompareView
from viz.components.controls import ControlPanel
from viz.components.live_view import LiveView
from viz.components.sweep import SweepView
from viz.controls import defaults, validate
from viz.live import LiveRun
from viz.paths import PROJECT_ROOT, scenario_choices
from viz.session import MAX_SPEED, Session


def html_of(rc) -> str:
    """Every HTML string the page holds: HTML widgets and the clickable SVG (the map)."""
    html = [w.unsafe_innerHTML or "" for w in rc.find(solara.widgets.HTML).widgets]
    html += [getattr(w, "html", "") or "" for w in rc.find(ipyvue.VueTemplate).widgets]
    return "".join(html)


def wait_for(predicate, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def live_box(rc, css: str):
    """The live view's box with CSS class ``css`` (drawn from the frame feed)."""
    boxes = rc.find(ipyvue.VueTemplate).widgets
    return next(w for w in boxes if css in (getattr(w, "box_class", "") or "").split())


def step_of(rc) -> int:
    return int(live_box(rc, "step-counter").attrs["data-step"])


def commit(widget, text: str) -> None:
    """What the browser does when a user types ``text`` and presses Enter (or leaves the
    field): the typed text is synced, then Vuetify's change event carries it."""
    widget.v_model = text
    widget.fire_event("change", text)


def test_live_view_renders_every_figure(small):
    run = LiveRun(small, 3)
    frame = run.step()
    selected = solara.reactive("capital")
    _, rc = solara.render(LiveView(frame, small, "en", selected=selected), handle_error=False)
    text = html_of(rc)
    assert text.count('class="abm-figure abm-chart"') == 8  # 7 charts + the picked one
    assert "abm-map" in text and "abm-network" in text
    assert text.count('class="abm-figure abm-hist"') == 4
    assert 'data-kpi="firms"' in text


def test_control_panel_shows_ranges_and_messages(baseline):
    draft = solara.reactive({**defaults(baseline), "firms": "-3"})
    checked = validate(baseline, draft.value)
    _, rc = solara.render(ControlPanel(baseline, draft, checked, "en"), handle_error=False)
    field = rc.find(v.TextField, label="Firm agents").widget
    assert field.error
    assert any("-3 agents is outside the allowed range 0 – 2,000,000" in m for m in field.messages)
    seed = rc.find(v.TextField, label="Seed").widget
    assert any(m.startswith("range 0 – ") and "default" in m for m in seed.messages)


def _page():
    from viz.app import Page

    return solara.render(Page(), handle_error=False)


def test_page_steps_resets_and_keeps_the_model_on_bad_values():
    _, rc = _page()
    rc.find(v.Btn, class_="btn-step").widget.click()
    rc.find(v.Btn, class_="btn-step").widget.click()
    wait_for(lambda: step_of(rc) == 2)

    firms = rc.find(v.TextField, label="Firm agents").widget
    commit(firms, "abc")
    wait_for(lambda: any("not a number" in m for m in firms.messages or []))
    rc.find(v.Btn, class_="btn-reset").widget.click()
    wait_for(lambda: rc.find(v.Alert, class_="abm-fix-banner").widgets)
    assert step_of(rc) == 2  # the model is kept
    assert "Run › Firm agents" in texts(rc)

    commit(firms, "250")
    # defect 4: the banner goes as soon as the value is fixed, before any Reset
    wait_for(lambda: not rc.find(v.Alert, class_="abm-fix-banner").widgets)
    rc.find(v.Btn, class_="btn-reset").widget.click()
    wait_for(lambda: step_of(rc) == 0 and live_box(rc, "kpi-row").attrs.get("data-agents") == "250")


def test_reset_shows_progress_and_a_step_clicked_meanwhile_is_not_lost(monkeypatch):
    """Defect 5 (issue 10): a long build says so, and Play/Reset wait for it. Issue 23,
    defect 12: a Step clicked while the model is built is queued, said so, and run once
    the model is there (it was silently dropped)."""
    gate = threading.Event()
    real = session_module.LiveRun

    def slow(scenario, seed):
        gate.wait(10)
        return real(scenario, seed)

    _, rc = _page()
    monkeypatch.setattr(session_module, "LiveRun", slow)
    rc.find(v.Btn, class_="btn-reset").widget.click()
    wait_for(lambda: rc.find(v.Btn, class_="btn-reset").widget.disabled)
    assert rc.find(v.Btn, class_="btn-play").widget.disabled
    assert "Building the model" in texts(rc)
    rc.find(v.Btn, class_="btn-step").widget.click()  # during the build
    wait_for(lambda: "Step queued (1)" in texts(rc))
    gate.set()
    wait_for(lambda: not rc.find(v.Btn, class_="btn-reset").widget.disabled)
    wait_for(lambda: step_of(rc) == 1)
    wait_for(lambda: "Ran 1 step(s) clicked while the model was being built" in texts(rc))


def test_a_failing_step_is_one_line_and_keeps_the_page(monkeypatch):
    """Defect 2: an exception in a step never reaches the page as a traceback."""
    _, rc = _page()
    rc.find(v.Btn, class_="btn-step").widget.click()
    wait_for(lambda: step_of(rc) == 1)

    def boom(self):
        raise ZeroDivisionError("float division by zero")

    monkeypatch.setattr(LiveRun, "advance", boom)
    rc.find(v.Btn, class_="btn-step").widget.click()
    wait_for(lambda: "The run stopped: ZeroDivisionError" in texts(rc))
    assert step_of(rc) == 1
    assert rc.find(v.TextField, label="Seed").widgets  # the controls stay


def test_a_failing_view_is_one_line_and_keeps_the_controls(monkeypatch):
    import viz.components.live_view as live_view

    def boom(*args, **kwargs):
        raise ZeroDivisionError("float division by zero")

    monkeypatch.setattr(live_view, "kpis", boom)
    _, rc = _page()
    # the view that fails says so in one line, in its place; the other figures draw
    wait_for(lambda: "kpis: ZeroDivisionError: float division by zero" in html_of(rc))
    assert "abm-broken" in live_box(rc, "kpi-row").html
    assert "abm-map" in live_box(rc, "fig-map").html
    rc.find(v.Btn, class_="btn-step").widget.click()
    wait_for(lambda: step_of(rc) == 1)  # and the run goes on
    assert rc.find(v.TextField, label="Seed").widgets
    assert rc.find(v.Btn, class_="btn-step").widgets


def _session(**overrides) -> Session:
    choices = scenario_choices()
    first = next(c for c in choices if c.label == "baseline")
    return Session(choices, first, **overrides)


def test_pause_stops_the_stepper_at_top_speed():
    """Defect 1: Pause at any speed stops stepping; at most the step under way finishes."""
    s = _session()
    s.speed.set(MAX_SPEED)
    s.play()
    wait_for(lambda: s.run.value.steps_done >= 3)
    s.pause()
    assert not s.playing.value  # the button flips at once
    s._thread.join(timeout=5)
    stopped = s.run.value.steps_done
    time.sleep(0.3)
    assert s.run.value.steps_done == stopped
    assert s.frame.value.step == stopped  # the screen shows where it stopped


def test_drawing_is_throttled_below_the_stepping_rate():
    s = _session()
    s.speed.set(MAX_SPEED)
    s.render_every.set(5)
    frames = []
    s.frame.subscribe(lambda f: frames.append(f.step))
    s.play()
    wait_for(lambda: s.run.value.steps_done >= 20)
    s.pause()
    s._thread.join(timeout=5)
    assert len(frames) <= s.run.value.steps_done / 5 + 1


def test_run_until_a_date():
    s = _session()
    s.until.set("2019-06")  # the scenarios start in 2019-01
    s.speed.set(MAX_SPEED)
    s.play()
    wait_for(lambda: not s.playing.value)
    assert s.run.value.steps_done == 6 and s.frame.value.date == "2019-06"
    s.until.set("2019-13")
    assert s.until_step()[1]


def test_settings_in_the_url_restore_the_run():
    s = _session(search="scenario=scenarios/baseline.toml&firms=300&agglo.cap=2")
    assert s.draft.value["firms"] == "300"
    assert s.run.value.scenario.population.firms == 300
    assert s.run.value.scenario.params.agglomeration.cap == 2
    pushed = []
    s.url_setter = pushed.append
    s.draft.set({**s.draft.value, "seed": "9"})
    s.reset()
    wait_for(lambda: pushed)
    assert "seed=9" in pushed[0] and "firms=300" in pushed[0]


def test_compare_offers_current_settings_and_keeps_its_state(small):
    state = CompareState("scenarios/nacc_haenam.toml")
    assert state.keys.value[0] == CURRENT
    state.runs_text.set("1")
    state.end_text.set("2019-02")
    state.keys.set([CURRENT, CURRENT])
    state.use_posterior.set(False)  # seeds only: the sidebar's run is what is compared
    choices = scenario_choices()
    _, rc = solara.render(CompareView(state, choices, lambda: (small, 4), "ko"), handle_error=False)
    assert "현재 설정" in texts(rc) and "비교 실행" in texts(rc)
    rc.find(v.Btn, class_="btn-compare").widget.click()
    wait_for(lambda: state.result.value is not None, timeout=60)
    result = state.result.value
    assert result.plan.seeds == (4,)  # the sidebar's seed and scenario
    first = result.runs[(result.runs["option"] == 0) & (result.runs["step"] == 0)]
    assert first["firms"].iloc[0] == LiveRun(small, 4).frame.current["firms"]
    rc.close()
    # a new view (after a tab switch) shows the same result from the same state
    _, rc = solara.render(CompareView(state, choices, lambda: (small, 4), "en"), handle_error=False)
    wait_for(lambda: "<table" in html_of(rc))


def test_tabs_keep_their_state_across_switches():
    from viz.app import TABS

    _, rc = _page()
    tabs = rc.find(v.Tabs).widget
    assert not rc.find(v.TextField, label="Runs per option").widgets  # mounted on demand
    tabs.v_model = 1
    wait_for(lambda: rc.find(v.TextField, label="Runs per option").widgets)
    seeds = rc.find(v.TextField, label="Runs per option").widget
    commit(seeds, "7")
    pane = rc.find(v.Html, class_="abm-pane pane-compare").widget
    tabs.v_model = 1
    wait_for(lambda: "none" not in (pane.style_ or ""))
    tabs.v_model = 2
    wait_for(lambda: "none" in (pane.style_ or ""))
    tabs.v_model = 1
    wait_for(lambda: "none" not in (pane.style_ or ""))
    assert rc.find(v.TextField, label="Runs per option").widget.v_model == "7"
    assert len(TABS) >= 4


def test_korean_covers_the_live_view_controls_and_compare(small):
    """Defect 8: the Korean interface is translated everywhere."""
    frame = LiveRun(small, 1).step()
    _, rc = solara.render(LiveView(frame, small, "ko"), handle_error=False)
    text, html = texts(rc), html_of(rc)
    for phrase in ("기업 수", "고용", "지역·지구 기업 분포 보기", "그래프 선택"):
        assert phrase in text, phrase
    assert "원 면적 ∝ 기업 수" in html and "에이전트" in html and "센터별 GPU 가동률" in html
    draft = solara.reactive(defaults(small))
    _, rc = solara.render(
        ControlPanel(small, draft, validate(small, draft.value), "ko"), handle_error=False
    )
    text = texts(rc)
    assert "균형" in text and "컴퓨팅 센터 · 광주" in text and "국가 재원 (총액) (억 원)" in text
    state = CompareState(CURRENT)
    _, rc = solara.render(CompareView(state, [], lambda: (small, 1), "ko"), handle_error=False)
    assert "선택지 A (기준)" in texts(rc) and "선택지별 실행 수" in texts(rc)


def test_sweep_view_reads_a_results_folder_and_escapes_its_name(tmp_path, monkeypatch):
    folder = tmp_path / "results" / "demo"
    (folder / "runs").mkdir(parents=True)
    (folder / "series").mkdir()
    runs = pd.DataFrame(
        {
            "run_id": range(12),
            "params.agglomeration.strength": [0.1 + 0.0123456789 * i for i in range(12)],
            "status": ["ok"] * 12,
            "hhi": [0.5 + 0.01 * i for i in range(12)],
        }
    )
    runs.to_parquet(folder / "runs" / "part-0.parquet")
    pd.DataFrame(
        {"run_id": [0, 0, 1, 1], "step": [0, 1, 0, 1], "hhi": [0.5, 0.6, 0.5, 0.7]}
    ).to_parquet(folder / "series" / "part-0.parquet")
    manifest = {
        "format": "abm-sweep/1",
        "name": "<img src=x onerror=alert(1)>",
        "state": "complete",
        "runs_total": 12,
        "runs_done": 12,
        "design": {"method": "grid"},
        "columns": {
            "parameters": ["params.agglomeration.strength"],
            "metrics": ["hhi"],
            "series": ["hhi"],
        },
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    monkeypatch.setenv("ABM_APP_ROOTS", str(tmp_path))
    # an empty project root, so results the working copy holds are not offered first
    (tmp_path / "project").mkdir()
    monkeypatch.setattr("viz.paths.PROJECT_ROOT", tmp_path / "project")
    _, rc = solara.render(SweepView(None, "en"), handle_error=False)
    assert "<img src=x onerror=alert(1)>: grid design, 12/12 runs" in texts(rc)
    assert "<img" not in html_of(rc)  # only as text, never as markup
    charts = rc.find(solara.widgets.VegaLite).widgets
    assert len(charts) == 3
    spec = json.dumps(charts[0].spec, ensure_ascii=False)
    labels = set(re.findall(r'"params_agglomeration_strength": "([^"]+)"', spec))
    assert len(labels) == 5 and all(re.fullmatch(r"[\d.]{1,5}–[\d.]{1,5}", x) for x in labels)


def test_info_panel_lists_controls_outputs_and_sources(baseline):
    from viz.components.info import InfoView

    _, rc = solara.render(InfoView(baseline, "ko"), handle_error=False)
    text, html = texts(rc), html_of(rc)
    assert "조절 항목" in text and "출력 변수" in text and "이 시나리오 수치의 출처" in text
    assert "공공 지출" in html and "H100 = 100,000원/month" in html


def test_tables_escape_every_cell():
    from viz.components.common import table_html

    html = table_html(["<b>h</b>"], [["<img src=x onerror=alert(1)>", "a & b"]])
    assert "<img" not in html and "<b>" not in html and "&lt;img" in html and "a &amp; b" in html
    assert (PROJECT_ROOT / "docs" / "ODD.md").exists()


def test_rescan_offers_a_scenario_file_saved_into_an_allowed_folder(small, tmp_path, monkeypatch):
    """Load a scenario file from an allowed folder: one saved after the page opened."""
    from viz import export
    from viz.paths import ROOTS_ENV

    monkeypatch.setenv(ROOTS_ENV, str(tmp_path))
    s = _session()
    assert not any(c.label == "mine" for c in s.choices)
    run = LiveRun(small.with_overrides({"population.firms": 120}), 3)
    (tmp_path / "mine.toml").write_bytes(export.scenario_file(run))
    s.rescan()
    choice = next(c for c in s.choices if c.label == "mine")
    s.pick(choice.key)
    wait_for(lambda: s.run.value.scenario.population.firms == 120)


def test_a_step_redraws_the_figures_without_rendering_the_page(monkeypatch):
    """Performance: a step sets the figures' widgets from the frame feed; no component of
    the page renders again (a render reconciles the whole page: 40-80 ms a step)."""
    import viz.components.live_view as live_view

    renders = []
    real = live_view.plottable
    monkeypatch.setattr(live_view, "plottable", lambda *a: renders.append(1) or real(*a))
    _, rc = _page()
    before = len(renders)
    charts = live_box(rc, "abm-charts-box").html
    for n in (1, 2, 3):
        rc.find(v.Btn, class_="btn-step").widget.click()
        wait_for(lambda n=n: step_of(rc) == n)
    assert len(renders) == before  # the live view did not render
    assert live_box(rc, "kpi-row").attrs["data-step"] == "3"
    assert live_box(rc, "abm-charts-box").html != charts  # but its figures show step 3
    assert 'data-step="3"' in live_box(rc, "fig-map").html
    # an option still renders the view, with the current frame
    rc.find(v.BtnToggle, class_="size-by").widget.v_model = "employment"
    wait_for(lambda: "∝ employment" in live_box(rc, "fig-map").html)
    assert 'data-step="3"' in live_box(rc, "fig-map").html

"""Headless renders (solara.render) of the app's components: no server, no browser."""

from __future__ import annotations

import json
import time

import ipyvuetify as v
import pandas as pd
import solara
import solara.widgets

from viz.components.controls import ControlPanel
from viz.components.live_view import LiveView
from viz.components.sweep import SweepView
from viz.controls import defaults, validate
from viz.live import LiveRun


def html_of(rc) -> str:
    return "".join(w.unsafe_innerHTML or "" for w in rc.find(solara.widgets.HTML).widgets)


def wait_for(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def test_live_view_renders_every_figure(small):
    run = LiveRun(small, 3)
    frame = run.step()
    _, rc = solara.render(LiveView(frame, small, "en"), handle_error=False)
    text = html_of(rc)
    assert text.count('class="abm-figure abm-chart"') == 7
    assert "abm-map" in text and "abm-network" in text and 'data-kpi="firms"' in text


def test_control_panel_shows_messages_next_to_controls(baseline):
    draft = solara.reactive({**defaults(baseline), "firms": "-3"})
    checked = validate(baseline, draft.value)
    _, rc = solara.render(ControlPanel(baseline, draft, checked, "en"), handle_error=False)
    field = rc.find(v.TextField, label="Number of firms (agents)").widget
    assert field.error
    assert any("must be in [0, 2e+06]" in m for m in field.messages)


def test_page_steps_resets_and_keeps_the_model_on_bad_values():
    from viz.app import Page

    _, rc = solara.render(Page(), handle_error=False)

    def step() -> int:
        text = html_of(rc)
        return int(text.split('class="step-counter" data-step="')[1].split('"')[0])

    rc.find(v.Btn, class_="btn-step").widget.click()
    rc.find(v.Btn, class_="btn-step").widget.click()
    wait_for(lambda: step() == 2)

    firms = rc.find(v.TextField, label="Number of firms (agents)").widget
    firms.v_model = "abc"
    firms.fire_event("keyup.enter", None)
    wait_for(lambda: "not a number" in (firms.messages or []))
    rc.find(v.Btn, class_="btn-reset").widget.click()
    wait_for(lambda: "Fix the marked controls" in str(rc.find(v.Alert).widgets[0].children))
    assert step() == 2  # the model is kept

    firms.v_model = "250"
    firms.fire_event("keyup.enter", None)
    wait_for(lambda: not firms.error)
    rc.find(v.Btn, class_="btn-reset").widget.click()
    wait_for(
        lambda: (
            step() == 0
            and 'data-kpi="firms"><div class="kpi-label">Firms</div><div class="kpi-value">250<'
            in html_of(rc)
        )
    )


def test_sweep_view_reads_a_results_folder(tmp_path, monkeypatch):
    folder = tmp_path / "results" / "demo"
    (folder / "runs").mkdir(parents=True)
    (folder / "series").mkdir()
    runs = pd.DataFrame(
        {
            "run_id": range(6),
            "params.agglomeration.strength": [0.1, 0.5, 1.0] * 2,
            "status": ["ok"] * 6,
            "hhi": [0.5, 0.6, 0.8, 0.52, 0.61, 0.79],
        }
    )
    runs.to_parquet(folder / "runs" / "part-0.parquet")
    pd.DataFrame(
        {"run_id": [0, 0, 1, 1], "step": [0, 1, 0, 1], "hhi": [0.5, 0.6, 0.5, 0.7]}
    ).to_parquet(folder / "series" / "part-0.parquet")
    manifest = {
        "name": "demo",
        "state": "complete",
        "runs_total": 6,
        "runs_done": 6,
        "design": {"method": "grid"},
        "columns": {
            "parameters": ["params.agglomeration.strength"],
            "metrics": ["hhi"],
            "series": ["hhi"],
        },
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    monkeypatch.setenv("ABM_APP_ROOTS", str(tmp_path))
    _, rc = solara.render(SweepView("en"), handle_error=False)
    assert "demo: grid design, 6/6 runs" in html_of(rc)
    assert len(rc.find(solara.widgets.VegaLite).widgets) == 3

"""The Decide tab (viz.components.decide), rendered headless: folders, figures, a live run."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import ipyvuetify as v
import pytest
import solara
import solara.widgets

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "decide"))
from decide_helpers import PLANTED_SPEC, write_spec

from abm.decide import load_decision, run_decision
from viz.components import decide
from viz.paths import ROOTS_ENV


def html_of(rc) -> str:
    return "".join(w.unsafe_innerHTML or "" for w in rc.find(solara.widgets.HTML).widgets)


def wait_for(predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    """An allowed root with one finished decision folder and one decision spec."""
    folder = tmp_path_factory.mktemp("root")
    (folder / "examples").mkdir()
    spec_path = write_spec(folder / "examples", PLANTED_SPEC, "planted.toml")
    run_decision(load_decision(spec_path), folder / "runs" / "planted", workers=2, progress=False)
    return folder


@pytest.fixture
def allowed(root, monkeypatch) -> Path:
    monkeypatch.setenv(ROOTS_ENV, str(root))
    monkeypatch.setattr(decide, "live_root", lambda: root)
    return root


def test_decision_folders_and_specs_are_offered_from_the_allowed_roots_only(allowed):
    keys = [c.key for c in decide.decision_choices()]
    assert f"{allowed.name}/runs/planted" in keys
    assert not any(k.endswith("/sweep") for k in keys)
    specs = [c.key for c in decide.spec_choices()]
    assert f"{allowed.name}/examples/planted.toml" in specs
    assert "examples/decide_sites.toml" in specs  # the project's own example
    assert decide.lookup(decide.decision_choices(), "/etc") is None


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_panel_shows_the_figures_and_tables_of_a_decision(allowed, lang):
    _, rc = solara.render(decide.DecidePanel(lang), handle_error=False)
    select = rc.find(v.Select, class_="ctl-decide-folder").widget
    select.v_model = f"{allowed.name}/runs/planted"
    wait_for(lambda: "prim-planted-" in html_of(rc))
    text = html_of(rc)
    figures = sorted(p.name for p in (allowed / "runs" / "planted" / "figures").iterdir())
    assert text.count("class='decide-figure'") == len(figures)
    assert "P(best)" in text and "expected regret" in text and "Scenario discovery" in text
    assert "capital is best in 100 %" in text
    assert ("결정 분석 열기" in text) == (lang == "ko")


def test_a_small_decision_runs_live_with_progress(allowed):
    _, rc = solara.render(decide.DecidePanel("en"), handle_error=False)
    rc.find(
        v.Select, class_="ctl-decide-spec"
    ).widget.v_model = f"{allowed.name}/examples/planted.toml"
    rc.find(v.Btn, class_="btn-decide-run").widget.click()
    wait_for(lambda: rc.find(v.ProgressLinear, class_="decide-progress").widgets)

    def text() -> str:
        found = rc.find(v.Html, class_="decide-progress-text").widgets
        return "".join(str(w.children) for w in found)

    wait_for(lambda: "Done" in text(), timeout=120)
    assert "Done 6 / 6" in text()  # 3 options x 2 draws x 1 seed, as the controls ask
    live = sorted((allowed / "results" / "decisions").iterdir())
    assert live and (live[-1] / "decision.json").is_file()
    wait_for(
        lambda: any(
            k.startswith(f"{allowed.name}/results/decisions/")
            for k in (c.key for c in decide.decision_choices())
        )
    )


def test_a_failing_live_run_says_why(allowed, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(PLANTED_SPEC.replace('direction = "max"', 'direction = "up"', 1))
    (tmp_path / "toy.toml").write_text("steps = 3\n")
    job = decide.LiveDecision(bad, draws=2, seeds=1, firms=None)
    job.start(root=tmp_path)
    assert job.state == "failed" and "objectives[0].direction" in job.message


def test_a_decision_without_uncertainty_is_flagged(allowed):
    import copy
    import dataclasses

    view = decide.load_view(allowed / "runs" / "planted")
    decision = copy.deepcopy(view.decision)
    decision["futures"]["parameters_at_scenario_values"] = True
    flagged = dataclasses.replace(view, decision=decision)
    _, rc = solara.render(decide.DecisionReport(flagged, "en"), handle_error=False)
    alerts = rc.find(v.Alert).widgets
    assert any("parameters at the scenario's values" in str(a.children) for a in alerts)
    _, rc = solara.render(decide.DecisionReport(view, "en"), handle_error=False)
    assert not any("scenario's values" in str(a.children) for a in rc.find(v.Alert).widgets)

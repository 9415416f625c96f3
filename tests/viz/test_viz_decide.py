"""The Decide tab (viz.components.decide), rendered headless: folders, tables and figures in
both languages, the live run's controls and where and how a live run runs."""

from __future__ import annotations

import os
import re
import sys
import tempfile
import time
from pathlib import Path

import ipyvuetify as v
import psutil
import pytest
import solara
import solara.widgets

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "decide"))
from decide_helpers import PLANTED_SPEC, write_spec

from abm.decide import load_decision, run_decision
from viz.components import decide
from viz.paths import PROJECT_ROOT, ROOTS_ENV


def html_of(rc) -> str:
    return "".join(w.unsafe_innerHTML or "" for w in rc.find(solara.widgets.HTML).widgets)


def texts_of(rc) -> str:
    from tests.viz.widgets import texts

    return texts(rc)


def wait_for(predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


# a decision on the project's own model (the app imports no other model), 2 options x 2
# seeds of 100 firm agents for 3 months: seconds
TINY = """
[decision]
name = "tiny"
scenario = "{root}/scenarios/baseline.toml"
horizon = "2019-03"
set = {{ "population.firms" = 100 }}

[[options]]
name = "none"
scenario = "{root}/scenarios/baseline.toml"

[[options]]
name = "haenam"
scenario = "{root}/scenarios/nacc_haenam.toml"

[[objectives]]
name = "jobs"
output = "employment"
direction = "max"

[uncertainty]
posterior = ""  # a point run: seeds only

[seeds]
count = 2
seed = 1
"""


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    """An allowed root with one finished decision folder and two decision specs (the
    planted one, 24 draws x 2 seeds, and a copy with 3 draws)."""
    folder = tmp_path_factory.mktemp("root")
    (folder / "examples").mkdir()
    spec_path = write_spec(folder / "examples", PLANTED_SPEC, "planted.toml")
    three = PLANTED_SPEC.replace("draws = 24", "draws = 3").replace(
        'name = "planted"', 'name = "three"'
    )
    write_spec(folder / "examples", three, "three.toml")
    (folder / "examples" / "tiny.toml").write_text(TINY.format(root=PROJECT_ROOT))
    run_decision(load_decision(spec_path), folder / "runs" / "planted", workers=2, progress=False)
    return folder


@pytest.fixture
def allowed(root, monkeypatch) -> Path:
    monkeypatch.setenv(ROOTS_ENV, str(root))
    return root


def test_decision_folders_and_specs_are_offered_from_the_allowed_roots_only(allowed):
    keys = [c.key for c in decide.decision_choices()]
    assert f"{allowed.name}/runs/planted" in keys
    assert not any(k.endswith("/sweep") for k in keys)
    specs = [c.key for c in decide.spec_choices()]
    assert f"{allowed.name}/examples/planted.toml" in specs
    assert "examples/decide_sites.toml" in specs  # the project's own example
    assert decide.lookup(decide.decision_choices(), "/etc") is None
    # a decision's own sweep is a decision, not a sweep to explore
    from viz.components.sweep import sweep_folders
    from viz.paths import result_choices

    inside = allowed / "runs" / "planted" / "sweep"
    assert inside in [c.path for c in result_choices()]
    assert inside not in [c.path for c in sweep_folders()]


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_panel_shows_the_tables_and_figures_of_a_decision(allowed, lang):
    """Issue 23, defect 4: the verdicts, tables and figures are in the page's language,
    numbers as the KPI cards write them (no 1.17e+03)."""
    _, rc = solara.render(decide.DecidePanel(lang), handle_error=False)
    select = rc.find(v.Select, class_="ctl-decide-folder").widget
    select.v_model = f"{allowed.name}/runs/planted"
    wait_for(lambda: rc.find(v.Html, class_="decide-futures").widgets)
    wait_for(lambda: len(rc.find(solara.widgets.VegaLite).widgets) >= 6)
    text, html = texts_of(rc), html_of(rc)
    if lang == "en":
        assert "P(best)" in html and "expected regret" in html and "Scenario discovery" in text
        assert "capital is best in 100 % of 48 futures" in text
    else:
        assert "최선 확률" in html and "기대 후회" in html and "시나리오 발견" in text
        assert "capital이(가) 미래 48개 중 100 %에서 가장 좋음" in text
        assert "의사결정 분석 열기" in text and "결정 분석" not in text.replace("의사결정 분석", "")
        _, report = solara.render(
            decide.DecisionReport(decide.load_view(allowed / "runs" / "planted"), "ko"),
            handle_error=False,
        )
        words = set(re.findall(r"[A-Za-z]{3,}", texts_of(report)))
        # only identifiers of the spec (option, objective and parameter names) and acronyms
        assert words <= {
            "capital",
            "daegu",
            "gwangju",
            "dominant",
            "planted",
            "params",
            "pull",
            "growth",
            "noise",
            "PRIM",
            "HTML",
            "zip",
            "disabled",
            "EVPPI",
            "MDE",
            "Strong",  # the authors of a cited paper
            "Oakley",
            "Brennan",
        }, words
    assert not re.search(r"\d\.\d+e[+-]\d", html + text)
    specs = [w.spec for w in rc.find(solara.widgets.VegaLite).widgets]
    assert all(s["usermeta"]["embedOptions"]["actions"] is False for s in specs)


def test_the_sliders_start_at_the_spec_and_say_what_will_run(allowed):
    """Issue 23, defect 5: the controls start at the spec's own draws and seeds (a spec with
    3 draws runs 3 unless the user changes it), show their values, and the tab says what
    it will run."""
    _, rc = solara.render(decide.DecidePanel("en"), handle_error=False)
    spec = rc.find(v.Select, class_="ctl-decide-spec").widget

    def will_run() -> str:
        return "".join(str(w.children) for w in rc.find(v.Html, class_="decide-will-run").widgets)

    spec.v_model = f"{allowed.name}/examples/three.toml"
    wait_for(lambda: "3 draws" in will_run())
    assert "3 options × 3 draws × 2 seeds = 18 runs" in will_run()
    values = [str(w.children) for w in rc.find(v.Html, class_="abm-note slider-value").widgets]
    assert any("Parameter draws: 3" in x for x in values)
    spec.v_model = f"{allowed.name}/examples/planted.toml"
    wait_for(lambda: "24 draws" in will_run())
    slider = rc.find(v.Slider, class_=None).widgets
    draws = next(w for w in slider if w.max == 64)
    draws.v_model = 5
    wait_for(lambda: "5 draws" in will_run())
    values = [str(w.children) for w in rc.find(v.Html, class_="abm-note slider-value").widgets]
    assert any("Parameter draws: 5 (spec: 24)" in x for x in values)


def test_a_small_decision_runs_in_its_own_process_not_into_the_project(allowed):
    """Issue 23, defect 10: a live decision writes into a temporary folder of the page (not
    into the project or a root), in its own process at a lower priority than the
    server's; its progress shows and its folder is offered when it is done."""
    state = decide.DecideState()
    _, rc = solara.render(decide.DecidePanel("en", state), handle_error=False)
    rc.find(
        v.Select, class_="ctl-decide-spec"
    ).widget.v_model = f"{allowed.name}/examples/tiny.toml"
    wait_for(lambda: "= 4 runs of 100 firm agents each" in texts_of(rc))
    before = (
        {p for p in (PROJECT_ROOT / "results").glob("**/*") if p.is_dir()}
        if (PROJECT_ROOT / "results").is_dir()
        else set()
    )
    rc.find(v.Btn, class_="btn-decide-run").widget.click()
    wait_for(lambda: state.live is not None and state.live.pid is not None)
    job = state.live
    assert job.pid != os.getpid()
    try:
        child = psutil.Process(job.pid)
        wait_for(lambda: child.nice() > psutil.Process().nice(), timeout=30)
    except psutil.NoSuchProcess:  # already finished: its exit status says it ran
        pass
    wait_for(lambda: job.poll() != "running", timeout=180)
    assert job.state == "done", job.message
    assert Path(tempfile.gettempdir()) in job.out.parents
    assert PROJECT_ROOT not in job.out.parents and allowed not in job.out.parents
    assert (job.out / "decision.json").is_file()
    assert not (allowed / "results").exists()
    after = (
        {p for p in (PROJECT_ROOT / "results").glob("**/*") if p.is_dir()}
        if (PROJECT_ROOT / "results").is_dir()
        else set()
    )
    assert after == before
    wait_for(lambda: "Done 4 / 4" in texts_of(rc), timeout=30)
    keys = [c.key for c in decide.decision_choices(state.folders())]
    assert any(k.startswith("this page/tiny-") for k in keys)
    state.close()
    assert not job.out.exists()  # the page's folder goes with the page


def test_a_failing_live_run_says_why(allowed, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(PLANTED_SPEC.replace('direction = "max"', 'direction = "up"', 1))
    (tmp_path / "toy.toml").write_text("steps = 3\n")
    job = decide.LiveDecision(bad, draws=2, seeds=1, firms=None)
    job.start(tmp_path / "out")
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


def test_the_decision_report_downloads_in_the_pages_language(allowed):
    view = decide.load_view(allowed / "runs" / "planted")
    html = decide.report_html(view, "ko")
    assert (
        "<svg" in html
        and "최선 확률" in html
        and "http" not in html.replace("http://www.w3.org", "")
    )

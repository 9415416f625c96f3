"""Korean names and descriptions, districts on the map, the history band, the sweep
reader and the posterior in Compare: the second round of the app's issue."""

from __future__ import annotations

import ipyvuetify as v
import solara

from viz.components.controls import ControlPanel, ScenarioPicker
from viz.components.info import InfoView
from viz.controls import defaults, validate
from viz.figures.live import chart_figures, map_figure
from viz.live import LiveRun
from viz.paths import scenario_choices


def test_center_names_are_korean_in_the_korean_interface(baseline):
    # from 2024: the NADC (built from 2021) is on the map; a planned center is not drawn
    after = {"population.firms": 200, "scenario.steps": 3, "scenario.start": "2024-01"}
    run = LiveRun(baseline.with_overrides(after), 1)
    ko, en = map_figure(run.frame, run.scenario, "ko"), map_figure(run.frame, run.scenario, "en")
    assert "국가AI데이터센터" in ko and "National AI Data Center" not in ko
    assert "National AI Data Center" in en and "국가AI데이터센터" not in en
    gpu_ko = dict(chart_figures(run.frame, run.scenario, "ko"))["gpu_utilisation"]
    assert "국가 슈퍼컴퓨터 6호기" in gpu_ko
    draft = solara.reactive(defaults(baseline))
    checked = validate(baseline, draft.value)
    _, rc = solara.render(ControlPanel(baseline, draft, checked, "ko"), handle_error=False)
    names = [w.children[0] for w in rc.find(v.Html, class_="abm-note center-name").widgets]
    assert "국가AI데이터센터" in names and "SK AI 데이터센터" in names


def test_scenario_descriptions_are_korean_in_the_korean_interface(baseline):
    choices = scenario_choices()
    base = next(c for c in choices if c.path.name == "baseline.toml")
    assert base.description_ko.startswith("새 센터 없음")
    _, rc = solara.render(ScenarioPicker(choices, base.key, print, "", "ko"), handle_error=False)
    items = rc.find(v.Select, class_="ctl-scenario").widget.items
    assert any("새 센터 없음" in i["text"] for i in items)
    _, rc = solara.render(InfoView(baseline, "ko"), handle_error=False)
    about = rc.find(v.Html, class_="info-about").widget.children[0]
    assert "새 센터 없음" in about and "No new center" not in about
    _, rc = solara.render(InfoView(baseline, "en"), handle_error=False)
    assert "No new center" in rc.find(v.Html, class_="info-about").widget.children[0]


def test_capacity_control_is_bounded_by_the_schema(baseline):
    import dataclasses

    from abm import schema
    from viz.controls import controls_for

    hi = next(f for f in dataclasses.fields(schema.Center) if f.name == "capacity").metadata["hi"]
    capacity = next(c for c in controls_for(baseline) if c.key.endswith(".capacity"))
    assert capacity.hi == hi == 1e6
    draft = {**defaults(baseline), capacity.key: "1e30"}
    assert capacity.key in validate(baseline, draft).errors


def test_sweep_explorer_reads_through_the_stores_reader(tmp_path):
    """Parts with different schemas (string in one, large_string in another, as pandas 2
    and 3 write them) and a half-written file are read as the store reads them."""
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    from viz import sweep_results

    folder = tmp_path / "demo"
    (folder / "runs").mkdir(parents=True)
    first = pa.table(
        {
            "run_id": pa.array([0, 1], pa.int64()),
            "params.site": pa.array(["daegu", "gwangju"], pa.string()),
            "status": pa.array(["ok", "ok"], pa.string()),
            "hhi": [0.5, 0.6],
            "compute_met": [0.8, 0.7],
        }
    )
    later = pa.table(
        {
            "run_id": pa.array([2, 3], pa.int64()),
            "params.site": pa.array(["daegu", "haenam"], pa.large_string()),
            "status": pa.array(["ok", "failed"], pa.large_string()),
            "hhi": [0.55, None],
            "compute_met": [0.9, None],
        }
    )
    pq.write_table(first, folder / "runs" / "part-0.parquet")
    pq.write_table(later, folder / "runs" / "part-1.parquet")
    (folder / "runs" / "part-2.parquet.tmp").write_bytes(b"half written")
    manifest = {
        "format": "abm-sweep/1",
        "name": "demo",
        "state": "complete",
        "columns": {"parameters": ["params.site"], "metrics": ["hhi", "compute_met"]},
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    results = sweep_results.load(folder)
    assert list(results.runs["run_id"]) == [0, 1, 2]  # the failed run is left out
    assert list(results.runs["params.site"]) == ["daegu", "gwangju", "daegu"]
    assert results.metrics == ["hhi", "compute_met"]
    assert results.series is None


def _district_run(baseline, steps: int = 3) -> LiveRun:
    run = LiveRun(baseline.with_overrides({"population.firms": 2000, "scenario.steps": steps}), 1)
    run.step()
    return run


def test_map_shows_each_district_sized_by_firms_in_both_languages(baseline):
    import re

    run = _district_run(baseline)
    en = map_figure(run.frame, run.scenario, "en")
    marks = re.findall(
        r'<rect class="district" data-region="d:([a-z_]+)"[^>]* width="([\d.]+)"', en
    )
    assert {d for d, _ in marks} == set(baseline.districts)
    size = {d: float(w) for d, w in marks}
    firms = {r["district"]: r["firms"] for r in run.frame.districts_now}
    assert firms["pangyo"] > firms["suseong_alpha_city"] > firms["solaseado"] == 0
    assert size["pangyo"] > size["suseong_alpha_city"] > size["solaseado"]  # area ∝ firms
    assert "수성알파시티 Suseong Alpha City" in en  # both names in the English interface
    ko = map_figure(run.frame, run.scenario, "ko")
    assert "수성알파시티" in ko and "Suseong Alpha City" not in ko
    assert "■ district" in en and "■ 지구" in ko


def test_a_district_with_coordinates_is_drawn_there(baseline):
    import re

    base = baseline.with_overrides({"districts.pangyo.lat": 37.40, "districts.pangyo.lon": 127.11})
    run = _district_run(base)
    beside = _district_run(baseline)
    at = re.search(r'data-region="d:pangyo" x="([\d.]+)"', map_figure(run.frame, base, "en"))
    near = re.search(
        r'data-region="d:pangyo" x="([\d.]+)"', map_figure(beside.frame, baseline, "en")
    )
    assert at and near and at.group(1) != near.group(1)


def test_inspecting_a_district_or_a_region_shows_the_districts_firms(baseline):
    from viz.figures.live import district_note, histograms, inspect_choices

    run = _district_run(baseline)
    frame = run.frame
    assert "d:suseong_alpha_city" in {i["value"] for i in inspect_choices(baseline, "en")}
    counts = frame.firm_hist["size"].counts
    agents = sum(counts["d:suseong_alpha_city"])
    assert 0 < agents < sum(counts["daegu"])
    svgs = dict(histograms(frame, baseline, "d:suseong_alpha_city", "en"))
    # real firms, with the agents they come from (issue 23, defect 9)
    assert f"({agents} agents)" in svgs["size"]
    region_line = district_note(frame, baseline, "daegu", "en")
    assert region_line.startswith("Districts: 수성알파시티 Suseong Alpha City")
    district_line = district_note(frame, baseline, "d:suseong_alpha_city", "ko")
    assert district_line.startswith("수성알파시티, 대구:") and "지역 대비" in district_line


def test_clicking_a_district_on_the_map_inspects_it(baseline):
    from tests.viz.test_viz_components import live_box, wait_for
    from viz.components.live_view import LiveView

    run = _district_run(baseline)
    selected = solara.reactive("")
    _, rc = solara.render(LiveView(run.frame, run.scenario, "en", selected=selected))
    live_box(rc, "fig-map").vue_pick("d:pangyo")  # what the map's click handler sends
    wait_for(lambda: selected.value == "d:pangyo")
    wait_for(lambda: "Pangyo Techno Valley" in live_box(rc, "inspect-d-pangyo").html)
    assert 'class="district selected" data-region="d:pangyo"' in live_box(rc, "fig-map").html


def test_full_data_download_has_the_districts(baseline):
    import io
    import zipfile

    import pandas as pd

    from viz import export

    run = _district_run(baseline)
    archive = zipfile.ZipFile(io.BytesIO(export.data_zip(run)))
    assert {"districts.parquet", "districts.csv"} <= set(archive.namelist())
    table = pd.read_parquet(io.BytesIO(archive.read("districts.parquet")))
    assert set(table["district"]) == set(baseline.districts) and table["step"].max() == 1


def test_time_charts_shade_the_history_and_the_counter_says_when_it_is_passed(baseline):
    import re

    from viz.components.player import counter_html
    from viz.figures.live import custom_chart, history_end

    scenario = baseline.with_overrides(
        {
            "population.firms": 300,
            "scenario.start": "2025-01",
            "scenario.steps": 6,
            "scenario.history_end": "2025-02",
        }
    )
    assert history_end(scenario) == "2025-02"
    run = LiveRun(scenario, 1)
    frames = [run.step() for _ in range(4)]
    charts = dict(chart_figures(frames[-1], scenario, "en"))
    assert all('class="history-band" data-until="2025-02"' in svg for svg in charts.values())
    band = re.search(
        r'class="history-band".*?<rect x="([\d.]+)"[^>]* width="([\d.]+)"', charts["hhi"]
    )
    assert band and float(band.group(2)) > 0
    line = re.search(r'class="history-band".*?<line x1="([\d.]+)"', charts["hhi"])
    assert float(band.group(1)) < float(line.group(1))  # it ends inside the chart
    assert ">실적<" in dict(chart_figures(frames[-1], scenario, "ko"))["hhi"]
    assert "history-band" in custom_chart(frames[-1], scenario, "en", "firms", "model")
    states = [counter_html(f, "en", "2025-02")[1]["data-history"] for f in frames]
    assert [f.date for f in frames] == ["2025-01", "2025-02", "2025-03", "2025-04"]
    assert states == ["in", "in", "past", "past"]
    assert "projection (observed to 2025-02)" in counter_html(frames[-1], "en", "2025-02")[0]
    assert "전망" in counter_html(frames[-1], "ko", "2025-02")[0]
    # no history, or a value that is not a month: no band, no badge, no error
    import dataclasses

    none = scenario.with_overrides({"scenario.history_end": ""})
    # a scenario object that bypassed the loader's check of the month
    bad = dataclasses.replace(
        scenario, scenario=dataclasses.replace(scenario.scenario, history_end="2025-13")
    )
    for other in (none, bad):
        assert history_end(other) is None
        assert "history-band" not in dict(chart_figures(frames[-1], other, "en"))["hhi"]
    assert "data-history" not in counter_html(frames[-1], "en", None)[1]


def _posterior(folder, values=(0.01, 0.1), weights=(1.0, 3.0)):
    """A posterior of compute need per employee: it acts from the first month (agglomeration,
    say, would not: the backed-out amenities absorb it at the start)."""
    import pandas as pd

    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(
        {"params.compute.gpu_per_employee": list(values), "weight": list(weights)}
    ).to_parquet(folder / "posterior.parquet")
    return folder


def _compare(small, monkeypatch, shipped, use=None):
    from abm.calibrate import posterior
    from tests.viz.test_viz_components import wait_for
    from viz.components.compare import CURRENT, CompareState, CompareView

    monkeypatch.setattr(posterior, "SHIPPED", shipped)
    state = CompareState(CURRENT)
    state.keys.set([CURRENT, CURRENT])
    state.runs_text.set("3")
    state.end_text.set("2019-03")
    if use is not None:
        state.use_posterior.set(use)
    _, rc = solara.render(CompareView(state, [], lambda: (small, 4), "en"), handle_error=False)
    box = rc.find(v.Checkbox, class_="ctl-compare-posterior").widget
    rc.find(v.Btn, class_="btn-compare").widget.click()
    wait_for(lambda: state.result.value is not None or state.error.value, timeout=60)
    wait_for(lambda: not state.running.value)
    assert not state.error.value, state.error.value
    return state, rc, box


def test_compare_draws_parameter_sets_from_the_shipped_posterior(small, monkeypatch, tmp_path):
    from abm.calibrate.posterior import posterior_overrides
    from tests.viz.test_viz_components import wait_for
    from tests.viz.widgets import texts

    folder = _posterior(tmp_path / "calibration" / "posterior")
    state, rc, box = _compare(small, monkeypatch, folder)
    assert box.label == "parameter uncertainty (calibrated posterior)"
    wait_for(lambda: not box.disabled)  # (disabled only while running)
    assert box.v_model is True  # on by default when shipped
    result = state.result.value
    expected = posterior_overrides(folder, 3, 4)  # what abm compare --posterior draws
    assert [dict(d) for d in result.plan.draws] == expected
    assert {d["params.compute.gpu_per_employee"] for d in expected} <= {0.01, 0.1}
    assert "parameter set drawn from the calibrated posterior" in texts(rc)
    # run i of every option takes draw i: two identical options give identical runs
    numbers = [c for c in result.runs.select_dtypes("number").columns if c != "option"]
    a = result.runs[result.runs["option"] == 0][numbers].reset_index(drop=True)
    b = result.runs[result.runs["option"] == 1][numbers].reset_index(drop=True)
    assert a.equals(b)
    # the draws change the runs: the same seeds without the posterior differ
    plain, rc2, _ = _compare(small, monkeypatch, folder, use=False)
    assert plain.result.value.plan.draws == ()
    assert "no posterior" in texts(rc2)
    c = plain.result.value.runs
    assert not a.equals(c[c["option"] == 0][numbers].reset_index(drop=True))


def test_without_a_shipped_posterior_the_box_is_disabled_with_a_note(small, monkeypatch, tmp_path):
    from tests.viz.widgets import texts

    state, rc, box = _compare(small, monkeypatch, tmp_path / "nothing-here")
    assert box.disabled and box.v_model is False
    assert "No calibrated posterior is shipped yet" in texts(rc)
    assert state.result.value.plan.draws == ()
    assert "seeds a side; parameters as in the scenarios" in texts(rc)

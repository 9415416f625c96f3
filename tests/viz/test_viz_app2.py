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
    run = LiveRun(baseline.with_overrides({"population.firms": 200, "scenario.steps": 3}), 1)
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

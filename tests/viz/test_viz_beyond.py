"""Issue 23's "beyond the anchors": the policy timeline, the background ensemble's band,
the printable comparison report, the single-firm inspector and the flow map; and that
background work runs in other, lower-priority processes."""

from __future__ import annotations

import os
import re
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from abm.scenario import load_scenario
from viz.live import LiveRun
from viz.paths import PROJECT_ROOT


def wait_for(predicate, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def _who() -> tuple[int, int]:
    return os.getpid(), os.nice(0)


@pytest.fixture(scope="module")
def haenam():
    return load_scenario(PROJECT_ROOT / "scenarios" / "nacc_haenam.toml")


def test_policy_events_are_read_from_the_scenario_and_drawn_on_every_chart(haenam):
    from viz import timeline
    from viz.figures.live import chart_figures, custom_chart, timeline_strip

    events = timeline.events(haenam)
    nacc = [e for e in events if e.path == "centers.nacc"]
    assert [(e.month, e.what) for e in nacc] == [
        ("2026-09", "build_start"),
        ("2026-10", "first_gpus"),
    ]
    assert any(e.kind == "zone" and e.month == "2024-06" for e in events)  # Daegu, Jeonnam
    assert any(e.kind == "fund" and e.month == "2026-01" for e in events)  # programmes
    assert any(e.kind == "district" and e.month == "2024-06" for e in events)  # Solaseado
    # a table added later (a fund with its own start) is read without a change here
    data = haenam.to_dict()
    data["funds"] = {"ai_fund": {"name": "Regional AI fund", "start": "2027-03"}}
    assert any(e.month == "2027-03" and e.kind == "fund" for e in timeline.events(data))
    small = haenam.with_overrides({"population.firms": 200})  # the axis spans the whole run
    frame = LiveRun(small, 1).step()
    for _, svg in chart_figures(frame, small, "en"):
        assert 'class="timeline"' in svg  # the ticks, on every chart
    assert 'class="timeline"' in custom_chart(frame, small, "en", "firms", "model")
    strip = timeline_strip(small, "en")  # and the details once, above the charts
    assert "2026-09 · National AI Computing Center (Haenam): construction starts" in strip
    assert "국가AI컴퓨팅센터 (해남): 착공" in timeline_strip(small, "ko")


def test_background_work_runs_in_other_lower_priority_processes():
    from viz.background import POOL

    pid, nice = POOL.submit(_who).result(timeout=120)
    assert pid != os.getpid() and nice > os.nice(0)


def test_the_live_band_comes_from_other_seeds_in_the_background(monkeypatch):
    from viz.ensemble import SEEDS_ENV, Ensemble
    from viz.figures.live import chart_figures

    monkeypatch.setenv(SEEDS_ENV, "3")
    base = load_scenario(PROJECT_ROOT / "scenarios" / "baseline.toml")
    small = base.with_overrides({"population.firms": 200, "scenario.steps": 8})
    calls = []
    ensemble = Ensemble(small, 5, lambda: calls.append(1)).start()
    assert ensemble.seeds == (6, 7, 8)
    wait_for(lambda: ensemble.done == 3)
    lo, hi = ensemble.bands("hhi")
    assert len(lo) == 9 and all(a <= b for a, b in zip(lo, hi, strict=True))
    assert any(a < b for a, b in zip(lo[1:], hi[1:], strict=True))  # seeds differ
    from viz.runs import run_tables

    runs = [run_tables(small, s, 8)[0]["hhi"].to_numpy() for s in (6, 7, 8)]
    assert np.allclose(lo, np.min(runs, axis=0)) and np.allclose(hi, np.max(runs, axis=0))
    assert len(calls) == 3  # the page redraws as each seed comes in
    frame = LiveRun(small, 5).step()
    charts = dict(chart_figures(frame, small, "en", ensemble.bands))
    assert "ensemble-band" in charts["hhi"] and "ensemble-band" in charts["firms"]


def test_the_comparison_report_is_one_offline_page(haenam):
    from viz import compare, report

    base = load_scenario(PROJECT_ROOT / "scenarios" / "baseline.toml")
    small = {"population.firms": 200}
    options = [
        compare.Option("a", "baseline", base.with_overrides(small), "no new center"),
        compare.Option("b", "nacc_haenam", haenam.with_overrides(small), "NACC at Haenam"),
    ]
    plan = compare.make_plan(options, 2, "2027-06")
    with ThreadPoolExecutor(2) as pool:
        result = compare.run_plan(plan, pool.submit)
    html = report.report_html(result, "Does the NACC at Haenam move firms?", "capital_share")
    assert "<h1>Does the NACC at Haenam move firms?</h1>" in html
    assert "nacc_haenam − baseline" in html and "Differences at 2027-06" in html
    assert html.count("<svg") >= 4 and "<script" not in html
    assert not re.search(r"(src|href)=['\"]?https?:", html)
    assert "centers.nacc.build_start" in html and "construction Q3 2026" in html  # sources
    assert "2026-09" in html  # the options differ from the NACC's construction start
    ko = report.report_html(result, "질문", "capital_share", "ko")
    assert "선택지" in ko and "차이를 만드는 가정" in ko


def test_one_firm_is_followed_month_by_month(small):
    from viz.figures.firm import firm_panel, place_names

    run = LiveRun(small, 3)
    run.step()
    uid, employees = run.largest_firms("capital", 1)[0]
    run.follow(uid)
    for _ in range(3):
        run.advance()
    frame = run.snapshot()
    assert frame.followed_uid == uid and len(frame.followed) == 4
    assert [s.step for s in frame.followed] == [1, 2, 3, 4]
    assert frame.followed[0].employees == pytest.approx(employees)
    assert all(s.region == "capital" or not s.alive for s in frame.followed)
    panel = firm_panel(frame.followed, uid, place_names(small, "en"), "en")
    assert f"Firm #{uid}" in panel and panel.count("<svg") == 5
    from viz.figures.live import network_figure  # a network node sends the firm's uid

    svg = network_figure(frame, small, "en")
    assert re.search(r'data-region="f:\d+"', svg)


def test_compute_served_by_each_center_adds_up_and_is_drawn_with_a_scale(haenam):
    from viz.figures.live import map_figure

    scenario = haenam.with_overrides({"population.firms": 300})
    run = LiveRun(scenario, 1)
    for _ in range(70):
        run.advance()
    frame = run.snapshot()
    for c in run.model.centers:  # every GPU granted is served to some region
        assert c.served.sum() == pytest.approx(c.granted)
    by_center = {}
    for (cid, _), gpus in frame.served.items():
        by_center[cid] = by_center.get(cid, 0) + gpus
    for c in frame.centers:
        assert by_center.get(c.id, 0.0) == pytest.approx(c.granted, rel=1e-9, abs=1e-9)
    svg = map_figure(frame, scenario, "en", flows="compute")
    assert 'class="flow compute"' in svg and "GPUs served this month" in svg
    assert "flow-legend compute" in svg


def test_a_background_worker_ends_with_the_process_that_started_it(tmp_path):
    """A killed server (SIGKILL: no exit handler) leaves no worker behind."""
    import signal
    import subprocess
    import sys

    script = (
        "from viz.background import POOL\n"
        "import os, sys\n"
        "print(POOL.submit(os.getpid).result(timeout=120), flush=True)\n"
        "sys.stdin.read()\n"
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", script],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=PROJECT_ROOT,
    )
    worker = int(parent.stdout.readline())
    parent.send_signal(signal.SIGKILL)
    parent.wait(timeout=30)

    def gone() -> bool:
        try:
            os.kill(worker, 0)
        except ProcessLookupError:
            return True
        with open(f"/proc/{worker}/stat") as stat:  # a zombie of a reaped tree is gone too
            return stat.read().split()[2] == "Z"

    wait_for(gone, timeout=60)


def test_an_idle_pool_ends_its_workers_and_starts_again():
    from viz.background import Pool

    pool = Pool(idle_s=0.5)
    first, _ = pool.submit(_who).result(timeout=120)
    wait_for(lambda: not pool.started, timeout=30)  # idle: its worker ended
    second, _ = pool.submit(_who).result(timeout=120)  # and a new one for the next job
    assert second != first
    pool.shutdown()

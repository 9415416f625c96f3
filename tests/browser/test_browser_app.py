"""The app in a real browser (Debian's Chromium) against a real ``abm app`` server."""

from __future__ import annotations

import statistics
import time

import pytest
from browser_helpers import (
    control_message,
    open_app,
    screenshot,
    set_control,
    step_of,
    timed_step,
)
from playwright.sync_api import Browser, Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

STEP_BUDGET_MS = 300


def test_page_loads_steps_and_renders_within_budget(page: Page, app_url: str) -> None:
    open_app(page, app_url)
    assert step_of(page) == 0
    expect(page.locator(".abm-charts svg.abm-chart")).to_have_count(7)
    expect(page.locator(".fig-map .bubble")).not_to_have_count(0)
    expect(page.locator(".fig-map .center-marker")).not_to_have_count(0)
    chart_before = page.locator(".fig-chart-firms").inner_html()

    timings = [timed_step(page) for _ in range(12)]
    assert step_of(page) == 12
    assert page.locator(".fig-chart-firms").inner_html() != chart_before
    median = statistics.median(timings)
    print(
        f"\nstep render ms (default scenario): median {median:.0f}, "
        f"max {max(timings):.0f}, all {[round(t) for t in timings]}"
    )
    screenshot(page, "01-live-after-12-steps")
    assert median <= STEP_BUDGET_MS, timings


def test_play_and_pause_advance_the_step_counter(page: Page, app_url: str) -> None:
    open_app(page, app_url)
    chart_before = page.locator(".fig-chart-hhi").inner_html()
    page.locator(".btn-play").click()
    deadline = time.monotonic() + 30
    while step_of(page) < 4 and time.monotonic() < deadline:
        time.sleep(0.2)
    page.locator(".btn-play").click()  # now "Pause"
    paused_at = step_of(page)
    assert paused_at >= 4
    time.sleep(1.0)
    assert step_of(page) - paused_at <= 1  # at most the step already under way
    assert page.locator(".fig-chart-hhi").inner_html() != chart_before
    screenshot(page, "02-after-play-pause")


def test_scenario_picker_switches_model(page: Page, app_url: str) -> None:
    open_app(page, app_url)
    page.locator(".btn-step").click()
    expect(page.locator(".step-counter")).to_have_attribute("data-step", "1")
    page.locator(".ctl-scenario").click()
    page.get_by_role("option", name="small_center_daegu").click()
    expect(page.locator(".step-counter")).to_have_attribute("data-step", "0")
    expect(page.locator(".step-counter")).to_contain_text("/ 24")
    expect(page.locator(".kpi[data-kpi=firms] .kpi-value")).to_have_text("400")
    screenshot(page, "03-picked-small-scenario")


def test_changed_control_takes_effect_after_reset(page: Page, app_url: str) -> None:
    open_app(page, app_url)
    firms = page.locator(".kpi[data-kpi=firms] .kpi-value")
    expect(firms).to_have_text("2k")
    set_control(page, "ctl-firms", "600")
    expect(page.locator(".abm-reset-message")).to_contain_text("take effect on Reset")
    expect(firms).to_have_text("2k")  # not before Reset
    page.locator(".btn-reset").click()
    expect(firms).to_have_text("600")
    expect(page.locator(".abm-reset-message")).to_have_count(0)
    screenshot(page, "04-after-reset-600-firms")


def test_bad_value_shows_message_and_keeps_the_model(page: Page, app_url: str) -> None:
    open_app(page, app_url)
    for n in (1, 2):
        page.locator(".btn-step").click()
        expect(page.locator(".step-counter")).to_have_attribute("data-step", str(n))
    set_control(page, "ctl-center-gwangju-nadc-capacity", "-500")
    expect(control_message(page, "ctl-center-gwangju-nadc-capacity")).to_contain_text("GPUs >= 0")
    set_control(page, "ctl-fund", "1e17")
    expect(control_message(page, "ctl-fund")).to_contain_text("must be in [0, 1e+14]")
    set_control(page, "ctl-firms", "many")
    expect(control_message(page, "ctl-firms")).to_contain_text("not a number")
    page.locator(".btn-reset").click()
    expect(page.locator(".abm-reset-message")).to_contain_text("Fix the marked controls")
    assert step_of(page) == 2  # the running model is kept
    page.locator(".btn-step").click()
    expect(page.locator(".step-counter")).to_have_attribute("data-step", "3")
    screenshot(page, "05-bad-values")


def test_csv_export_downloads_a_valid_file(page: Page, app_url: str, tmp_path) -> None:
    import pandas as pd

    open_app(page, app_url)
    for n in (1, 2, 3):
        page.locator(".btn-step").click()
        expect(page.locator(".step-counter")).to_have_attribute("data-step", str(n))
    with page.expect_download() as info:
        page.get_by_role("button", name="Metrics CSV").first.click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert path.name.endswith("_metrics.csv")
    table = pd.read_csv(path)
    assert list(table["step"]) == [0, 1, 2, 3]
    assert {"firms", "hhi", "inter_edge_share", "gpu_utilisation"} <= set(table.columns)


def test_two_pages_keep_separate_state(browser: Browser, app_url: str) -> None:
    contexts = [browser.new_context(viewport={"width": 1400, "height": 1000}) for _ in range(2)]
    try:
        one, two = (open_app(c.new_page(), app_url) for c in contexts)
        for n in (1, 2, 3):
            one.locator(".btn-step").click()
            expect(one.locator(".step-counter")).to_have_attribute("data-step", str(n))
        assert step_of(two) == 0
        set_control(two, "ctl-firms", "500")
        two.locator(".btn-reset").click()
        expect(two.locator(".kpi[data-kpi=firms] .kpi-value")).to_have_text("500")
        two.locator(".btn-step").click()
        expect(two.locator(".step-counter")).to_have_attribute("data-step", "1")
        assert step_of(one) == 3
        expect(one.locator(".kpi[data-kpi=firms] .kpi-value")).not_to_have_text("500")
        screenshot(one, "06-page-one")
        screenshot(two, "06-page-two")
    finally:
        for c in contexts:
            c.close()


def test_korean_toggle_keeps_the_model(page: Page, app_url: str) -> None:
    open_app(page, app_url)
    page.locator(".btn-step").click()
    expect(page.locator(".step-counter")).to_have_attribute("data-step", "1")
    page.locator(".btn-language").click()
    expect(page.locator(".abm-tabs")).to_contain_text("실시간 실행")
    expect(page.locator(".kpi[data-kpi=firms] .kpi-label")).to_have_text("기업")
    expect(page.locator(".fig-map svg")).to_contain_text("대구")
    assert step_of(page) == 1
    screenshot(page, "07-korean")


def test_two_scenarios_compared_with_bands(page: Page, app_url: str) -> None:
    open_app(page, app_url)
    page.locator(".abm-tabs .v-tab").nth(1).click()
    page.locator(".ctl-compare-b").click()
    page.get_by_role("option", name="nacc_haenam", exact=True).click()
    set_control(page, "ctl-compare-seeds", "2")
    set_control(page, "ctl-compare-months", "12")
    page.locator(".btn-compare").click()
    table = page.locator(".compare-table")
    expect(table).to_contain_text("baseline", timeout=90_000)
    expect(table).to_contain_text("nacc_haenam")
    expect(page.locator(".compare-chart .vega-embed")).to_be_visible(timeout=30_000)
    expect(page.locator(".compare-chart canvas, .compare-chart svg").first).to_be_visible()
    page.locator(".ctl-compare-metric").click()
    page.get_by_role("option", name="GPU utilisation").click()
    expect(page.locator(".compare-chart.metric-gpu_utilisation .vega-embed")).to_be_visible()
    expect(page.get_by_role("listbox")).to_be_hidden()
    screenshot(page, "08-compare")


def test_sweep_explorer_opens_a_results_folder(page: Page, app_url: str) -> None:
    open_app(page, app_url)
    page.locator(".abm-tabs .v-tab").nth(2).click()
    page.locator(".ctl-sweep-folder").click()
    page.get_by_role("option", name="browser_test_sweep").click()
    expect(page.locator(".sweep-summary")).to_contain_text("4/4 runs")
    expect(page.locator(".sweep-distribution .vega-embed")).to_be_visible(timeout=30_000)
    expect(page.locator(".sweep-sensitivity .vega-embed")).to_be_visible()
    expect(page.locator(".sweep-series .vega-embed")).to_be_visible()
    screenshot(page, "09-sweep")


def test_responsive_at_10000_firms(page: Page, app_url: str) -> None:
    open_app(page, app_url)
    set_control(page, "ctl-firms", "10000")
    started = time.monotonic()
    page.locator(".btn-reset").click()
    expect(page.locator(".kpi[data-kpi=firms] .kpi-value")).to_have_text("10k", timeout=60_000)
    reset_s = time.monotonic() - started
    steps = [timed_step(page) for _ in range(3)]

    page.locator(".btn-play").click()
    time.sleep(4)
    at = step_of(page)
    # while playing: a view control answers, and Pause stops the run promptly
    started = time.monotonic()
    page.locator(".size-by button").nth(1).click()
    expect(page.locator(".fig-map svg")).to_contain_text("∝ employment", timeout=10_000)
    toggle_ms = 1000 * (time.monotonic() - started)
    started = time.monotonic()
    page.locator(".btn-play").click()
    expect(page.locator(".btn-play")).to_contain_text("Play", timeout=10_000)
    pause_ms = 1000 * (time.monotonic() - started)
    played = step_of(page) - 3
    print(
        f"\n10,000 firms: reset {reset_s:.1f} s; step render ms {[round(s) for s in steps]}; "
        f"played {played} steps in ~4 s (at step {at} after 4 s); view toggle while playing "
        f"{toggle_ms:.0f} ms; pause {pause_ms:.0f} ms"
    )
    screenshot(page, "10-ten-thousand-firms")
    assert toggle_ms < 3000 and pause_ms < 3000

"""Browser benchmark of the app: a real ``abm app`` server, Debian's Chromium, Playwright.

    .venv/bin/python benchmarks/bench_app.py            # ~6 minutes on 2 cores
    .venv/bin/python benchmarks/bench_app.py --quick    # ~2 minutes (fewer speeds, 8 tabs)

Figures (targets from issue 10), all measured inside the page with
``performance.now()`` and a MutationObserver, so Playwright's own round trips do not
count:

* first full render: navigation start to the step counter, map, network and every
  chart drawn (target <= 3 s);
* step with all views updated, median of N Step clicks at 2,000 and 10,000 firms
  (targets <= 150 ms and <= 300 ms);
* Pause latency at each speed and size: Play, wait 2.5 s, click Pause; latency is the
  later of the button showing "Play" and the last change of the step counter
  (target <= 300 ms at every speed and size); also the steps/s reached while playing;
* server memory (RSS) before, after 25 tabs were opened and closed, and after the
  kernel cull timeout has passed (closed tabs must release their kernels).

Nothing is asserted: other work on the machine changes the figures (the load average is
printed). Results go to ``benchmarks/results/bench_app.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import psutil
from playwright.sync_api import Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "browser"))
from browser_helpers import AppServer, open_app, set_control, timed_step  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
SPEEDS = (1, 5, 10, 20, 30)  # 30 = the slider's top, "as fast as possible"
RESULTS = ROOT / "benchmarks" / "results"

_FIRST_RENDER_JS = """
() => new Promise((resolve) => {
  const done = () => document.querySelector('.step-counter')
    && document.querySelector('.fig-map svg') && document.querySelector('.fig-network svg')
    && document.querySelectorAll('.abm-charts svg.abm-chart').length === 7;
  const check = () => done() ? resolve(performance.now()) : requestAnimationFrame(check);
  check();
})
"""

# Click Pause; resolve with (ms to the button saying Play, ms to the last counter change,
# steps seen after the click), watching for 1.5 s after the click.
_PAUSE_JS = """
() => new Promise((resolve) => {
  const counter = () => document.querySelector('.step-counter');
  const button = () => document.querySelector('.btn-play');
  let flipped = null, lastChange = 0, step0 = Number(counter().dataset.step), step = step0;
  const t0 = performance.now();
  const observer = new MutationObserver(() => {
    const now = performance.now();
    const s = Number(counter().dataset.step);
    if (s !== step) { step = s; lastChange = now - t0; }
    if (flipped === null && button().textContent.includes('Play')) flipped = now - t0;
  });
  observer.observe(document.body, {subtree: true, childList: true, attributes: true,
                                   characterData: true});
  button().click();
  setTimeout(() => { observer.disconnect(); resolve([flipped, lastChange, step - step0]); },
             1500);
})
"""


def set_speed(page: Page, speed: int) -> None:
    slider = page.locator(".ctl-speed [role=slider]")
    slider.focus()
    slider.press("Home")
    for _ in range(speed - 1):
        slider.press("ArrowRight")


def reset_to(page: Page, firms: int) -> None:
    set_control(page, "ctl-firms", str(firms))
    page.locator(".btn-reset").click()
    expect(page.locator(".kpi-row")).to_have_attribute("data-agents", str(firms), timeout=120_000)
    expect(page.locator(".step-counter")).to_have_attribute("data-step", "0", timeout=120_000)
    expect(page.locator(".btn-play")).to_be_enabled()


def pause_latency(page: Page, speed: int, play_s: float = 2.5) -> dict:
    set_speed(page, speed)
    start_step = int(page.locator(".step-counter").get_attribute("data-step"))
    page.locator(".btn-play").click()
    expect(page.locator(".btn-play")).to_contain_text("Pause")
    time.sleep(play_s)
    flipped, last_change, after = page.evaluate(_PAUSE_JS)
    end_step = int(page.locator(".step-counter").get_attribute("data-step"))
    return {
        "speed": speed,
        "button_ms": round(flipped or -1),
        "last_change_ms": round(last_change),
        "latency_ms": round(max(flipped or 0, last_change)),
        "steps_after_click": after,
        "steps_per_s": round((end_step - start_step) / play_s, 1),
    }


def rss_mb(pid: int) -> float:
    proc = psutil.Process(pid)
    return (proc.memory_info().rss + sum(c.memory_info().rss for c in proc.children(True))) / 2**20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer speeds and tabs")
    args = parser.parse_args()
    speeds = (5, 30) if args.quick else SPEEDS
    tabs = 8 if args.quick else 25
    out: dict = {"load_average_start": os.getloadavg(), "quick": args.quick}
    server = AppServer("bench").start()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM, args=["--disable-gpu", "--disable-quic"]
            )
            context = browser.new_context(viewport={"width": 1440, "height": 900})
            page = context.new_page()
            page.set_default_timeout(60_000)
            firsts = []
            for _ in range(3):
                page.goto(server.url)
                firsts.append(page.evaluate(_FIRST_RENDER_JS))
            out["first_render_ms"] = [round(x) for x in firsts]
            print(f"first full render ms: {out['first_render_ms']}", flush=True)
            open_app(page, server.url)
            for firms in (2000, 10000):
                if firms != 2000:
                    reset_to(page, firms)
                steps = [timed_step(page) for _ in range(5 if args.quick else 12)]
                out[f"step_ms_{firms}"] = {
                    "median": round(statistics.median(steps)),
                    "max": round(max(steps)),
                }
                print(f"{firms} firms: step ms {out[f'step_ms_{firms}']}", flush=True)
                rows = []
                for speed in speeds:
                    reset_to(page, firms)  # a fresh run: the top speed must not reach its end
                    rows.append(pause_latency(page, speed))
                    print(f"  pause {rows[-1]}", flush=True)
                out[f"pause_{firms}"] = rows
            page.close()
            context.close()
            # memory: 25 tabs opened (each steps once) and closed
            pid = server.proc.pid
            out["rss_mb_before_tabs"] = round(rss_mb(pid))
            context = browser.new_context(viewport={"width": 1280, "height": 720})
            for _ in range(tabs):
                tab = open_app(context.new_page(), server.url)
                tab.locator(".btn-step").click()
                tab.close()
            out["rss_mb_after_tabs_closed"] = round(rss_mb(pid))
            time.sleep(35)  # SOLARA_KERNEL_CULL_TIMEOUT is 20 s in abm app
            out["rss_mb_after_cull"] = round(rss_mb(pid))
            out["tabs"] = tabs
            context.close()
            browser.close()
            print(
                f"server RSS MB: before {out['rss_mb_before_tabs']}, after {tabs} closed tabs "
                f"{out['rss_mb_after_tabs_closed']}, after the cull timeout "
                f"{out['rss_mb_after_cull']}",
                flush=True,
            )
    finally:
        server.stop()
    out["pages_open_at_end"] = [
        line for line in server.log().splitlines() if "abm-diagnostic: page closed" in line
    ][-1:]
    out["load_average_end"] = os.getloadavg()
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "bench_app.json").write_text(json.dumps(out, indent=2))
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Retake the screenshots of docs/app.md, in English and Korean, from a real app.

    .venv/bin/python scripts/screenshots.py [--only NAME ...] [--out DIR]

Starts ``abm app`` on a free port (with the browser tests' scenarios, a tiny sweep and a
small finished decision as extra roots, all made here), drives Debian's Chromium with
Playwright and writes ``docs/img/<name>.png`` (palette PNGs: small in git). Every wait is
for a state of the page, never a fixed time, so the script works on a loaded machine.
Needs ``make browser`` once (Chromium and the offline asset cache).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "browser"))
sys.path.insert(0, str(ROOT))

from browser_helpers import AppServer, abm_command, open_app  # noqa: E402
from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402

DATA = ROOT / "tests" / "browser" / "data"
SIZE = {"width": 1280, "height": 800}
TAB = {"live": 0, "compare": 1, "sweep": 2, "info": 3, "decide": 4}


def save(page: Page, out: Path, name: str, full: bool = False) -> Path:
    """A palette PNG of the page (96 colours: a tenth of the bytes, no visible loss)."""
    from PIL import Image

    out.mkdir(parents=True, exist_ok=True)
    raw = out / f".{name}.raw.png"
    page.screenshot(path=str(raw), full_page=full)
    image = Image.open(raw).convert("RGB")
    path = out / f"{name}.png"
    image.quantize(colors=96, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
    raw.unlink()
    print(f"screenshots: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return path


def menus_closed(page: Page) -> None:
    """A select's menu fades out after the choice: wait until none is open."""
    expect(page.locator(".v-menu__content.menuable__content__active")).to_have_count(0)
    expect(page.locator(".v-menu__content:visible")).to_have_count(0)  # faded out


def korean(page: Page) -> None:
    page.locator(".btn-language").click()
    expect(page.locator(".abm-tabs")).to_contain_text("실시간 실행")


def tab(page: Page, name: str) -> None:
    page.locator(".abm-tabs .v-tab").nth(TAB[name]).click()


def steps(page: Page, n: int) -> None:
    for i in range(1, n + 1):
        page.locator(".btn-step").click()
        expect(page.locator(".step-counter")).to_have_attribute("data-step", str(i))


def scroll_main(page: Page, selector: str) -> None:
    page.locator(selector).first.scroll_into_view_if_needed()


def live(page: Page, url: str, out: Path, lang: str) -> None:
    """The live run in 2026 (past the observed years), with the band of other seeds."""
    open_app(page, url + "?scenario=scenarios/nacc_haenam.toml&firms=1000")
    page.locator(".ctl-until input").fill("2026-12")
    page.locator(".ctl-until input").press("Enter")
    from browser_helpers import set_control

    set_control(page, "ctl-render-every", "12")
    page.locator(".ctl-speed [role=slider]").focus()
    page.locator(".ctl-speed [role=slider]").press("End")
    page.locator(".btn-play").click()
    expect(page.locator(".abm-reset-message")).to_contain_text("2026-12", timeout=600_000)
    expect(page.locator(".band-note")).to_have_attribute("data-done", "4", timeout=600_000)
    if lang == "ko":
        korean(page)
    save(page, out, "live" if lang == "en" else "live-ko")
    page.locator(".flows-by button").nth(1).click()
    expect(page.locator(".fig-map .flow-legend.compute")).to_be_visible()
    scroll_main(page, ".fig-map")
    if lang == "en":
        save(page, out, "flow-map")
    page.locator(".fig-timeline").evaluate("el => el.scrollIntoView({block: 'start'})")
    save(page, out, "charts" if lang == "en" else "charts-ko")


def inspect(page: Page, url: str, out: Path, lang: str) -> None:
    open_app(page, url + "?firms=1000")
    if lang == "ko":
        korean(page)
    steps(page, 3)
    page.locator('.fig-map .district[data-region="d:suseong_alpha_city"]').click()
    expect(page.locator(".abm-hists svg.abm-hist").first).to_be_visible()
    page.locator(".fig-network .node[data-region]").first.click()
    expect(page.locator(".firm-panel svg").first).to_be_visible()
    steps_more = 4
    for i in range(4, 4 + steps_more):
        page.locator(".btn-step").click()
        expect(page.locator(".step-counter")).to_have_attribute("data-step", str(i))
    scroll_main(page, ".firm-panel")
    save(page, out, "inspect" if lang == "en" else "inspect-ko")


def history(page: Page, url: str, out: Path) -> None:
    open_app(page, url)
    page.locator(".ctl-scenario").click()
    page.get_by_role("option", name="history_short").click()
    expect(page.locator(".step-counter")).to_contain_text("/ 6")
    steps(page, 4)
    scroll_main(page, ".abm-charts")
    save(page, out, "history")


def bad_values(page: Page, url: str, out: Path) -> None:
    from browser_helpers import set_control

    open_app(page, url)
    set_control(page, "ctl-center-gwangju-nadc-capacity", "1e30")
    set_control(page, "ctl-fund", "-5")
    page.locator(".btn-reset").click()
    expect(page.locator(".abm-fix-banner")).to_be_visible()
    save(page, out, "bad-values")


def compare(page: Page, url: str, out: Path, lang: str) -> None:
    """baseline against nacc_haenam and nacc_daegu to the scenarios' end (every option at
    the scenarios' own 2,000 firm agents)."""
    open_app(page, url)
    if lang == "ko":
        korean(page)
    tab(page, "compare")
    page.locator(".ctl-compare-b").click()
    page.get_by_role("option", name="nacc_haenam", exact=True).click()
    page.locator(".btn-add-option").click()
    page.locator(".ctl-compare-c").click()
    page.get_by_role("option", name="nacc_daegu", exact=True).click()
    page.locator(".ctl-compare-seeds input").fill("3")
    page.locator(".ctl-compare-seeds input").press("Enter")
    page.locator(".btn-compare").click()
    expect(page.locator(".compare-table")).to_be_visible(timeout=1_800_000)
    menus_closed(page)
    expect(page.locator(".compare-chart .vega-embed svg")).to_be_visible(timeout=60_000)
    save(page, out, "compare" if lang == "en" else "compare-ko")
    page.locator(".btn-view-difference").click()
    expect(page.locator(".compare-chart.view-difference .vega-embed svg")).to_be_visible(
        timeout=60_000
    )
    scroll_main(page, ".compare-chart")
    save(page, out, "compare-difference" if lang == "en" else "compare-difference-ko")


def sweep(page: Page, url: str, out: Path) -> None:
    open_app(page, url)
    tab(page, "sweep")
    page.locator(".ctl-sweep-folder").click()
    page.get_by_role("option", name=re.compile("browser_test_sweep")).click()
    expect(page.locator(".sweep-series .vega-embed svg")).to_be_visible(timeout=60_000)
    menus_closed(page)
    save(page, out, "sweep")


def info(page: Page, url: str, out: Path) -> None:
    open_app(page, url)
    tab(page, "info")
    expect(page.locator(".info-timeline")).to_be_visible(timeout=60_000)
    save(page, out, "info")


def decide(page: Page, url: str, out: Path, lang: str) -> None:
    open_app(page, url)
    if lang == "ko":
        korean(page)
    tab(page, "decide")
    page.locator(".ctl-decide-folder").click()
    page.get_by_role("option", name=re.compile(r"decisions.planted")).click()
    expect(page.locator(".decide-report .vega-embed svg").first).to_be_visible(timeout=120_000)
    menus_closed(page)
    save(page, out, "decide" if lang == "en" else "decide-ko")


SHOTS = {
    "live": lambda p, u, o: live(p, u, o, "en"),
    "live-ko": lambda p, u, o: live(p, u, o, "ko"),
    "inspect": lambda p, u, o: inspect(p, u, o, "en"),
    "inspect-ko": lambda p, u, o: inspect(p, u, o, "ko"),
    "history": history,
    "bad-values": bad_values,
    "compare": lambda p, u, o: compare(p, u, o, "en"),
    "compare-ko": lambda p, u, o: compare(p, u, o, "ko"),
    "sweep": sweep,
    "info": info,
    "decide": lambda p, u, o: decide(p, u, o, "en"),
    "decide-ko": lambda p, u, o: decide(p, u, o, "ko"),
}


def extra_root() -> Path:
    """A tiny sweep and a small finished decision, for the sweep and Decide tabs."""
    sys.path.insert(0, str(ROOT / "tests" / "browser"))
    from conftest import make_decision

    root = Path(tempfile.mkdtemp(prefix="abm-screenshots-"))
    subprocess.run(
        [
            *abm_command(),
            "sweep",
            str(DATA / "sweep_small.toml"),
            "--out",
            str(root / "browser_test_sweep"),
            "--workers",
            "1",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=600,
    )
    make_decision(root)
    return root


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=sorted(SHOTS), help="just these")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    args = parser.parse_args()
    root = extra_root()
    server = AppServer("screenshots", roots=[DATA, root]).start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path="/usr/bin/chromium", args=["--disable-gpu", "--disable-quic"]
            )
            for name in args.only or list(SHOTS):
                context = browser.new_context(viewport=SIZE)
                page = context.new_page()
                page.set_default_timeout(60_000)
                SHOTS[name](page, server.url, args.out)
                context.close()
            browser.close()
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())

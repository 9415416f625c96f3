"""A real ``abm app`` server for the browser tests: free port, bounded waits, clean stop."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import Page, expect

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
BAD_LOG_LINES = ("Could not load URL", "Traceback (most recent call last)", "samesite=none")
PROBE = "abm-offline-probe"  # an asset path tests request on purpose; not a failure
FIRST_RENDER_MS = 60_000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def abm_command() -> list[str]:
    """The project's ``abm`` command (the console script, else ``python -m abm.cli``)."""
    abm = Path(sys.executable).with_name("abm")
    return [str(abm)] if abm.exists() else [sys.executable, "-m", "abm.cli"]


def app_command() -> list[str]:
    """``abm app``: the real command line, as a user starts the app."""
    return [*abm_command(), "app"]


class AppServer:
    """One server process; ``stop()`` signals only this process (never by name)."""

    def __init__(self, name: str, roots: list[Path] = (), env: dict[str, str] | None = None):
        self.extra_env = {"ABM_APP_DIAGNOSTICS": "1", **(env or {})}
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.log_path = ARTIFACTS / f"server-{name}.log"
        self.roots = list(roots)
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 90.0) -> AppServer:
        command = [*app_command(), "--host", "127.0.0.1", "--port", str(self.port)]
        for root in self.roots:
            command += ["--root", str(root)]
        log = self.log_path.open("w", encoding="utf-8")
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **self.extra_env}
        self.proc = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, env=env
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"abm app exited with {self.proc.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(self.url + "readyz", timeout=2):
                    return self
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"abm app not ready after {timeout:.0f} s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def bad_lines(self) -> list[str]:
        """Lines that mean something went wrong: a missing asset, a traceback (the app
        catches every exception it expects and logs it without one), a cookie warning."""
        return [
            line
            for line in self.log().splitlines()
            if any(bad in line for bad in BAD_LOG_LINES) and PROBE not in line
        ]

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


def open_app(page: Page, url: str) -> Page:
    page.set_default_timeout(30_000)
    page.goto(url)
    failure = page.locator(".v-alert.error").or_(page.get_by_text("Traceback (most recent"))
    first = page.locator(".step-counter").or_(failure).first
    expect(first).to_be_visible(timeout=FIRST_RENDER_MS)
    if failure.count():
        raise AssertionError(
            "the page shows an error: " + page.locator("[role=alert]").first.inner_text()
        )
    expect(page.locator(".step-counter")).to_be_visible()
    expect(page.locator(".fig-map svg")).to_be_visible(timeout=FIRST_RENDER_MS)
    return page


def screenshot(page: Page, name: str) -> Path:
    """A screenshot in test-artifacts/ (docs/img is retaken by scripts/screenshots.py)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


LIVE_VIEWS = ".step-counter, .kpi-row, .fig-map svg, .fig-network svg, .abm-charts svg.abm-chart"
N_CHARTS = 7

# Clicks Step inside the page and resolves, in ms, once the step counter, the KPI cards,
# the map, the network and every chart carry the new step, plus two animation frames
# (so the browser has laid out and painted them).
_TIMED_STEP_JS = """
([selector, nCharts]) => new Promise((resolve, reject) => {
  const counter = document.querySelector('.step-counter');
  const target = String(Number(counter.dataset.step) + 1);
  const updated = () => {
    const els = [...document.querySelectorAll(selector)];
    const charts = els.filter(e => e.matches('.abm-charts svg'));
    return charts.length === nCharts && els.length === nCharts + 4
      && els.every(e => e.getAttribute('data-step') === target);
  };
  const t0 = performance.now();
  const observer = new MutationObserver(() => {
    if (!updated()) return;
    observer.disconnect();
    requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now() - t0)));
  });
  observer.observe(document.body, {subtree: true, childList: true, attributes: true,
                                   characterData: true});
  setTimeout(() => { observer.disconnect(); reject(new Error('step not rendered in 20 s')); },
             20000);
  document.querySelector('.btn-step').click();
})
"""


def timed_step(page: Page) -> float:
    """Milliseconds from clicking Step to every live view showing the new step."""
    return float(page.evaluate(_TIMED_STEP_JS, [LIVE_VIEWS, N_CHARTS]))


def step_of(page: Page) -> int:
    return int(page.locator(".step-counter").get_attribute("data-step"))


def set_control(page: Page, css: str, value: str) -> None:
    """Type into a text control and commit it (Enter), as a user would."""
    field = page.locator(f".{css} input")
    field.fill(value)
    field.press("Enter")


def control_message(page: Page, css: str):
    """The message line under a control (Vuetify renders it in .v-messages)."""
    return page.locator(f".{css} .v-messages__message")

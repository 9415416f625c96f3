"""The server side of the app: closed tabs release their kernels (and models)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from browser_helpers import AppServer, open_app
from playwright.sync_api import Browser

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]


@pytest.fixture(scope="module")
def short_cull_server(browser_ready: None) -> Iterator[AppServer]:
    server = AppServer("server", env={"SOLARA_KERNEL_CULL_TIMEOUT": "2s"})
    try:
        yield server.start()
    finally:
        server.stop()


def open_pages(log: str) -> int | None:
    counts = re.findall(r"abm-diagnostic: page (?:opened|closed); (\d+) pages open", log)
    return int(counts[-1]) if counts else None


def test_closed_tabs_release_their_kernels(browser: Browser, short_cull_server) -> None:
    """Defect 10: every closed tab's kernel closes (and with it the page's model)."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    try:
        for _ in range(3):
            page = open_app(context.new_page(), short_cull_server.url)
            page.locator(".btn-step").click()
            page.close()
        deadline = time.monotonic() + 60
        while open_pages(short_cull_server.log()) != 0 and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        context.close()
    log = short_cull_server.log()
    assert log.count("abm-diagnostic: page opened") == 3
    assert open_pages(log) == 0, log[-2000:]
    assert "samesite=none" not in log  # no cookie warning per page load

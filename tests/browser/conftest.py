"""Browser-test fixtures: Debian's Chromium, the offline asset cache, a real app server.

Run with ``pytest -m browser tests/browser``. Missing Chromium or assets are installed by
``scripts/setup_browser.sh`` (never ``playwright install``). Screenshots and server logs
go to ``test-artifacts/browser/``.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_helpers import ROOT, AppServer, abm_command

from viz.assets import missing_packages
from viz.paths import asset_cache_dir

CHROMIUM = Path("/usr/bin/chromium")
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def browser_ready() -> None:
    """Install Chromium and fill the asset cache when either is missing."""
    if not CHROMIUM.exists() or missing_packages(asset_cache_dir()):
        subprocess.run(
            ["bash", str(ROOT / "scripts" / "setup_browser.sh")], check=True, timeout=900
        )


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict, browser_ready: None) -> dict:
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": ["--disable-gpu", "--disable-quic"],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {
        **browser_context_args,
        "viewport": {"width": 1400, "height": 1000},
        "accept_downloads": True,
    }


@pytest.fixture(scope="module")
def app_server(
    browser_ready: None, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AppServer]:
    """One server per test module (each page still gets its own model).

    Its --root folders are the test scenarios in ``data/`` and a fresh folder holding a
    tiny sweep, run with ``abm sweep`` while the server starts, for the sweep explorer,
    and a small finished decision (the planted model of tests/decide: seconds), for the
    Decide tab.
    """
    sweeps = tmp_path_factory.mktemp("sweeps")
    make_decision(sweeps)
    sweep = subprocess.Popen(
        [
            *abm_command(),
            "sweep",
            str(DATA / "sweep_small.toml"),
            "--out",
            str(sweeps / "browser_test_sweep"),
            "--workers",
            "1",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    server = AppServer(
        request.module.__name__.rsplit(".", 1)[-1],
        roots=[DATA, sweeps],
        env={"SOLARA_KERNEL_CULL_TIMEOUT": "3s"},  # closed tabs go quickly (tested)
    )
    try:
        server.start()
        output, _ = sweep.communicate(timeout=300)
        assert sweep.returncode == 0, f"abm sweep failed:\n{output}"
        yield server
    finally:
        if sweep.poll() is None:
            sweep.kill()
            sweep.wait(timeout=10)
        server.stop()


def make_decision(root: Path) -> Path:
    """``abm decide`` on the planted spec of tests/decide into ``root/decisions/planted``."""
    import os
    import sys

    decide = ROOT / "tests" / "decide"
    sys.path.insert(0, str(decide))
    from decide_helpers import PLANTED_SPEC, write_spec

    specs = root / "specs"
    specs.mkdir(exist_ok=True)
    spec = write_spec(specs, PLANTED_SPEC, "planted.toml")
    out = root / "decisions" / "planted"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(decide)])}
    subprocess.run(
        [
            *abm_command(),
            "decide",
            str(spec),
            "--out",
            str(out),
            "--workers",
            "1",
            "--allow-model-import",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=600,
    )
    return out


@pytest.fixture
def app_url(app_server: AppServer) -> Iterator[str]:
    """The server's URL; the test fails if the server could not load an asset meanwhile."""
    yield app_server.url
    if bad := app_server.bad_lines():
        pytest.fail("server log: " + "; ".join(bad[:3]))


SCRIPT_ERRORS = ("ReferenceError", "TypeError", "SyntaxError", "[Vue warn]")


@pytest.fixture(autouse=True)
def no_script_errors(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a test whose page logged a script error (a Vue template that does not render
    shows nothing and raises nothing in Python: only the browser's console says so)."""
    if "page" not in request.fixturenames:
        yield
        return
    page = request.getfixturevalue("page")
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and any(e in m.text for e in SCRIPT_ERRORS)
            else None
        ),
    )
    yield
    if errors:
        pytest.fail("script errors in the page: " + " | ".join(e[:200] for e in errors[:3]))

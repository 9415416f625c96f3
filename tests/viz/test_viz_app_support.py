"""Command line, allowed paths, comparison and export: the app's non-visual parts."""

from __future__ import annotations

import argparse
import io
import json
import os
import socket
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from abm.errors import UsageError
from abm.scenario import load_scenario
from viz import cli, compare, export, offline
from viz.figures.live import map_figure
from viz.live import LiveRun
from viz.paths import PROJECT_ROOT, lookup, result_choices, scenario_choices


def test_register_adds_the_app_command():
    parser = argparse.ArgumentParser(prog="abm")
    cli.register(parser.add_subparsers())
    args = parser.parse_args(["app"])
    assert (args.host, args.port, args.root, args.func) == ("127.0.0.1", 8765, [], cli.run)


def test_server_command_is_offline_and_local(tmp_path):
    argv, env = cli.server_command("127.0.0.1", 8799, [tmp_path])
    assert argv[-9:] == [
        "--host",
        "127.0.0.1",
        "--port",
        "8799",
        "--no-open",
        "--no-check-version",
        "--production",
        "--log-level",
        "warning",
    ]
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "false"
    assert env["SOLARA_ASSETS_PROXY_CACHE_DIR"].endswith("solara-assets")
    assert env["ABM_APP_ROOTS"] == str(tmp_path.resolve())
    assert env["SOLARA_ASSETS_CDN"].startswith("http://127.0.0.1:")  # never a public CDN
    assert env["SOLARA_KERNEL_CULL_TIMEOUT"] == "20s"  # closed tabs release their kernels


def abm_cli() -> list[str]:
    abm = Path(sys.executable).with_name("abm")
    return [str(abm)] if abm.exists() else [sys.executable, "-m", "abm.cli"]


def test_uncached_assets_are_refused_locally(tmp_path):
    """Defect 10: a file missing from the asset cache fails at once, without a fetch."""
    from solara.server import cdn_helper

    offline.install()
    started = __import__("time").perf_counter()
    with pytest.raises(PermissionError, match="not in the local asset cache"):
        cdn_helper.get_path(tmp_path, "left-pad@1.3.0/index.js")
    assert __import__("time").perf_counter() - started < 1.0
    assert not (tmp_path / "left-pad@1.3.0").exists()


@pytest.mark.parametrize(
    ("host", "port", "root", "message"),
    [
        ("127.0.0.1", 0, None, "--port"),
        ("127.0.0.1", 70000, None, "--port"),
        ("", 8799, None, "--host"),
        ("127.0.0.1", 8799, "missing", "not a directory"),
    ],
)
def test_bad_flags_are_usage_errors(tmp_path, host, port, root, message):
    roots = [tmp_path / root] if root else []
    with pytest.raises(UsageError, match=message):
        cli.server_command(host, port, roots)


def test_busy_port_is_a_usage_error():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        with pytest.raises(UsageError, match="cannot listen"):
            cli.server_command("127.0.0.1", sock.getsockname()[1], [])


def test_missing_assets_are_a_usage_error(tmp_path, monkeypatch):
    monkeypatch.setenv("ABM_ASSET_CACHE", str(tmp_path))
    with pytest.raises(UsageError, match=r"setup_browser\.sh"):
        cli.server_command("127.0.0.1", 8799, [])


def test_pickers_offer_only_files_under_allowed_roots(tmp_path, monkeypatch):
    (tmp_path / "mine.toml").write_text(
        'inherit = "%s"\n' % (PROJECT_ROOT / "scenarios" / "baseline.toml")
    )
    sweep = tmp_path / "deep" / "sw"
    (sweep / "runs").mkdir(parents=True)
    (sweep / "manifest.json").write_text("{}")
    monkeypatch.setenv("ABM_APP_ROOTS", str(tmp_path))
    keys = [c.key for c in scenario_choices()]
    assert "scenarios/baseline.toml" in keys and f"{tmp_path.name}/mine.toml" in keys
    assert [c.path for c in result_choices() if c.path == sweep] == [sweep]
    assert lookup(scenario_choices(), "/etc/passwd") is None
    assert lookup(scenario_choices(), "../../etc/passwd") is None


def test_compare_bands_and_table(small):
    from concurrent.futures import ThreadPoolExecutor

    from viz import report
    from viz.components.compare import chart_png

    other = small.with_overrides({"params.agglomeration.strength": 2.0})
    options = [compare.Option("a", "a", small), compare.Option("b", "b", other)]
    plan = compare.make_plan(options, 2, "2019-03")
    with ThreadPoolExecutor(1) as pool:
        result = compare.run_plan(plan, pool.submit)
    bands = result.bands("hhi")
    assert len(bands) == 2 * 3 and (bands["p5"] <= bands["median"]).all()
    assert (bands["median"] <= bands["p95"]).all()
    assert list(bands["month"].unique()) == ["2019-01", "2019-02", "2019-03"]
    headers, rows = result.table()
    assert headers == ["a", "b", "b − a"]
    assert not any("e+" in c or "e-0" in c for row in rows for c in row[1:])
    spend = [row for row in rows if row[0].startswith("Public spending")]
    assert not spend or "원" in spend[0][1]  # 억/조 as the KPI cards
    chart = report.chart_for(result, "hhi", "levels", "en")
    assert chart_png(chart)[:4] == b"\x89PNG"


def test_exports_are_valid_files(small):
    run = LiveRun(small, 2)
    run.step()
    run.step()
    table = pd.read_csv(io.BytesIO(export.metrics_csv(run)))
    assert list(table["step"]) == [0, 1, 2]
    regions = pd.read_parquet(io.BytesIO(export.metrics_parquet(run, "regions")))
    assert len(regions) == 3 * len(small.regions)
    with zipfile.ZipFile(io.BytesIO(export.figures_zip(run, size_by="employment"))) as archive:
        names = archive.namelist()
        assert "map.png" in names and "network.png" in names and len(names) == 11
        assert archive.read("map.png")[:4] == b"\x89PNG"
        assert json.loads(archive.read("settings.json"))["bubble_size"] == "employment"
    import re

    assert re.fullmatch(rf"{small.name}_seed2_2019-02_step2_\d{{8}}-\d{{6}}", export.stem(run))


def test_exports_record_edited_controls(small):
    """Defect 7: file names and contents say which controls were edited."""
    run = LiveRun(small, 2)
    run.step()
    edits = {"firms": "300"}
    name = export.stem(run, edits)
    assert name.startswith(f"{small.name}_edited-") and name != export.stem(run, {"firms": "301"})
    with zipfile.ZipFile(io.BytesIO(export.data_zip(run, edits))) as archive:
        names = set(archive.namelist())
        assert {"model.parquet", "model.csv", "regions.parquet", "regions.csv"} <= names
        assert json.loads(archive.read("settings.json"))["edited_controls"] == edits
        assert "firms=300" in archive.read("scenario.toml").decode()


def test_exported_map_legend_matches_the_bubbles(small):
    run = LiveRun(small, 2)
    assert "∝ employment" in map_figure(run.frame, small, "en", "employment")
    assert "∝ 고용" in map_figure(run.frame, small, "ko", "employment")


def test_scenario_toml_round_trips_through_abm_run(small, tmp_path):
    """The downloaded scenario is what ``abm run`` accepts, and reproduces the run."""
    edited = small.with_overrides({"population.firms": 250, "params.agglomeration.cap": 2.0})
    run = LiveRun(edited, 5)
    for _ in range(3):
        run.step()
    path = tmp_path / "shared.toml"
    path.write_bytes(export.scenario_file(run, {"firms": "250"}))
    assert load_scenario(path).to_dict() == edited.with_overrides({"scenario.seed": 5}).to_dict()
    out = tmp_path / "out"
    done = subprocess.run(
        [*abm_cli(), "run", str(path), "--steps", "3", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    model = pd.read_parquet(out / "model.parquet")
    live, _ = run.history()
    assert list(model["firms"]) == list(live["firms"])


def test_folder_choices_search_to_the_depth_skip_what_they_are_told_and_list_once(
    tmp_path, monkeypatch
):
    from viz.paths import folder_choices

    for rel in ("a/x", "a/sweep/x", "b/c/d/x", "b/c/d/e/x", ".hidden/x", "node_modules/x"):
        (tmp_path / rel).mkdir(parents=True)
    monkeypatch.setenv("ABM_APP_ROOTS", os.pathsep.join([str(tmp_path), str(tmp_path)]))
    mine = [c for c in folder_choices(lambda f: f.name == "x") if tmp_path in c.path.parents]
    labels = [c.key for c in mine]
    root = tmp_path.name
    assert labels == [f"{root}/a/sweep/x", f"{root}/a/x", f"{root}/b/c/d/x"]  # 4 levels deep
    skipped = folder_choices(lambda f: f.name == "x", frozenset({"sweep"}))
    assert f"{root}/a/sweep/x" not in [c.key for c in skipped]

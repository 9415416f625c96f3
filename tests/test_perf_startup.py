"""`abm run` imports what a run needs, not the app's, sweeps', decisions' or calibrations'
stacks (issue 12: start-up CPU of `abm run ... --steps 1`)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from abm.cli import CORE_COMMANDS, build_parser, main

ROOT = Path(__file__).resolve().parent.parent

STACKS = ("abm.sweep.engines", "abm.sweep.cli", "abm.decide.cli", "abm.calibrate.cli", "viz.cli")


def test_run_in_a_fresh_process_does_not_import_the_other_stacks(tmp_path):
    code = (
        "import json, sys; from abm.cli import main; "
        f"rc = main(['run', {str(ROOT / 'scenarios' / 'baseline.toml')!r}, '--steps', '1', "
        f"'--set', 'population.firms=200', '--out', {str(tmp_path / 'out')!r}]); "
        f"print(json.dumps([rc, [m for m in {STACKS!r} if m in sys.modules]]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    rc, loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert rc == 0 and (tmp_path / "out" / "model.parquet").is_file()
    assert loaded == []


def test_core_parser_has_only_core_commands_and_the_full_one_has_all():
    def commands(parser):
        return set(parser._subparsers._group_actions[0].choices)

    assert commands(build_parser("run")) == set(CORE_COMMANDS)
    full = commands(build_parser())
    assert set(CORE_COMMANDS) < full and {"sweep", "calibrate", "decide"} <= full


@pytest.mark.parametrize("argv", [["sweep", "--help"], ["--help"]])
def test_other_commands_still_parse(argv, capsys):
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 0
    assert "sweep" in capsys.readouterr().out

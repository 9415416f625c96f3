"""Allowed paths: a scenario file linked from outside the allowed roots is skipped with a
note, and the app's lists still build (issue 24, defect 4)."""

from __future__ import annotations

import os

from viz.paths import ROOTS_ENV, scenario_choices

SCENARIO = '[scenario]\nname = "outside"\ndescription = "a file outside the roots"\n'


def test_a_symlink_to_a_file_outside_the_roots_is_skipped_with_a_note(
    tmp_path, monkeypatch, capsys
):
    root, outside = tmp_path / "root", tmp_path / "outside"
    (root / "scenarios").mkdir(parents=True)
    outside.mkdir()
    (outside / "secret.toml").write_text(SCENARIO)
    (root / "scenarios" / "linked.toml").symlink_to(outside / "secret.toml")
    (root / "scenarios" / "own.toml").write_text(SCENARIO.replace("outside", "inside"))
    (root / "scenarios" / "alias.toml").symlink_to(root / "scenarios" / "own.toml")
    monkeypatch.setenv(ROOTS_ENV, str(root))
    choices = scenario_choices()
    paths = [c.path for c in choices]
    assert (outside / "secret.toml").resolve() not in paths
    assert (root / "scenarios" / "own.toml").resolve() in paths  # a link inside stays
    assert any(c.key == "root/scenarios/own.toml" for c in choices)
    err = capsys.readouterr().err
    assert "linked.toml" in err and "outside the allowed roots" in err
    assert len(err.strip().splitlines()) == 1
    scenario_choices()  # said once, not at every render
    assert capsys.readouterr().err == ""
    assert os.path.islink(root / "scenarios" / "linked.toml")

"""A finished decision whose sweep holds a damaged part: ``abm decide --resume`` runs that
part's runs again and gives the same decision (it used to skip a finished sweep and then
fail reading it)."""

from __future__ import annotations

from decide_helpers import PLANTED_SPEC, abm_main, write_spec

from abm.sweep.store import RUNS, _parts


def test_resume_of_a_finished_decision_runs_a_damaged_part_again(tmp_path, capsys):
    spec = write_spec(tmp_path, PLANTED_SPEC)
    out = tmp_path / "out"
    assert abm_main("decide", spec, "--out", out, "--workers", "1") == 0
    before = (out / "decision.json").read_bytes()
    (part,) = _parts(out / "sweep" / RUNS).values()
    part.write_bytes(part.read_bytes()[:-100])  # cut short
    capsys.readouterr()
    assert abm_main("decide", spec, "--out", out, "--resume", "--workers", "1") == 0
    err = capsys.readouterr().err
    assert str(part) in err and "run again" in err, err
    assert (out / "decision.json").read_bytes() == before

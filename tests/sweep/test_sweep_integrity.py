"""Results folders that detect duplicated and damaged parts (issue 24, defects 1, 3 and 5).

A part copied under another number (a merge of two folders of one sweep, a restore) is
read once; copies that differ are refused naming both files. A part whose bytes changed
(flipped, truncated, emptied) fails the digest the manifest recorded when it was written:
``--resume`` moves it aside and runs its runs again, ``compact``, ``analyze`` and the
readers refuse it in one line naming the file (exit status 2).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from sweep_helpers import TOY_SPEC, abm_main, assert_same_results, results, written_in_parts

from abm.errors import UserError
from abm.sweep import load_results, load_series, load_spec, run_sweep
from abm.sweep.store import MANIFEST, RUNS, SERIES, _parts, read_manifest


def _name(number: int) -> str:
    return f"part-{number:05d}.parquet"


@pytest.fixture
def sweep(write_spec, tmp_path):
    """(spec path, reference folder, a folder of the same sweep in 4 parts of 3 runs)."""
    spec_path = write_spec(TOY_SPEC)
    spec = load_spec(spec_path)
    reference = tmp_path / "reference"
    run_sweep(spec, reference, workers=1, progress=False)
    out = tmp_path / "out"
    written_in_parts(spec, out, per_part=3)
    assert len(_parts(out / RUNS)) == 4 and len(_parts(out / SERIES)) == 4
    return spec_path, reference, out


def _cli(capsys, *args) -> tuple[int, str, str]:
    code = abm_main(*args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _resume(capsys, spec_path: Path, out: Path) -> tuple[int, str, str]:
    return _cli(capsys, "sweep", spec_path, "--out", out, "--resume", "--workers", "1")


def digests_hold(out: Path) -> bool:
    """Every part in the folder has the digest the manifest records for it."""
    recorded = read_manifest(out).get("parts")
    files = [p for folder in (RUNS, SERIES) for p in (out / folder).glob("part-*")]
    on_disk = {f"{p.parent.name}/{p.name}": p for p in files}
    return (
        recorded is not None
        and set(recorded) == set(on_disk)
        and all(
            hashlib.sha256(p.read_bytes()).hexdigest() == recorded[key]["sha256"]
            for key, p in on_disk.items()
        )
    )


# ------------------------------------------------------------------ duplicated runs


def test_a_copied_runs_part_is_kept_once_by_resume_and_said_so(sweep, capsys):
    spec_path, reference, out = sweep
    abm_main("sweep", spec_path, "--out", out, "--resume", "--workers", "1")  # complete: 1 part
    capsys.readouterr()
    (only,) = _parts(out / RUNS).values()
    shutil.copyfile(only, out / RUNS / _name(7))  # what a restore or a merge of folders does
    code, stdout, stderr = _resume(capsys, spec_path, out)
    assert code == 0, stderr
    notes = [line for line in stderr.splitlines() if "identical" in line]
    assert len(notes) == 1 and _name(7) in notes[0] and only.name in notes[0], stderr
    assert "12 runs, 12 ok" in stdout
    assert len(load_results(out)) == 12 and len(pd.read_parquet(out / RUNS)) == 12
    assert_same_results(reference, out)
    assert digests_hold(out)
    code, _, stderr = _cli(capsys, "analyze", out, "--report", out.parent / "report")
    assert code == 0, stderr


def test_copied_parts_are_read_once_by_load_results_analyze_and_compact(sweep, capsys):
    _spec_path, reference, out = sweep
    for number in (1, 2):  # runs and series of two parts, under new numbers
        for folder in (RUNS, SERIES):
            shutil.copyfile(out / folder / _name(number), out / folder / _name(8 + number))
    with pytest.warns(UserWarning, match="identical"):
        runs = load_results(out)
    assert runs["run_id"].is_unique and len(runs) == 12
    with pytest.warns(UserWarning, match="identical"):
        series = load_series(out)
    assert not series.duplicated(["run_id", "step"]).any()
    code, stdout, stderr = _cli(capsys, "analyze", out, "--report", out.parent / "report")
    assert code == 0, stderr
    assert "note:" in stdout and "identical" in stdout
    code, stdout, stderr = _cli(capsys, "sweep", "compact", out)
    assert code == 0, stderr
    assert "12 runs" in stdout and "identical" in stderr
    assert_same_results(reference, out)
    assert len(pd.read_parquet(out / RUNS)) == 12 and digests_hold(out)


def test_copies_that_differ_are_refused_naming_both_files(sweep, capsys):
    spec_path, _reference, out = sweep
    other = pd.read_parquet(out / RUNS / _name(2))
    other.loc[0, "hhi"] += 0.25  # the same run with another result: which one is right?
    other.to_parquet(out / RUNS / _name(9), index=False)
    before = sorted(p.name for p in (out / RUNS).iterdir())
    for args in (
        ("sweep", spec_path, "--out", out, "--resume", "--workers", "1"),
        ("sweep", "compact", out),
        ("analyze", out),
    ):
        code, _, stderr = _cli(capsys, *args)
        assert code == 2, (args, stderr)
        assert _name(2) in stderr and _name(9) in stderr and "Traceback" not in stderr, stderr
        assert len(stderr.strip().splitlines()) == 1, stderr
    with pytest.raises(UserError, match=_name(9)):
        load_results(out)
    assert sorted(p.name for p in (out / RUNS).iterdir()) == before  # nothing removed


def test_two_folders_of_one_sweep_merge_into_one(write_spec, tmp_path, capsys):
    """Runs 0-5 in one folder, 3-11 in another: copying the parts together and resuming
    gives every run once, and runs none again."""
    spec_path = write_spec(TOY_SPEC)
    spec = load_spec(spec_path)
    reference = tmp_path / "reference"
    run_sweep(spec, reference, workers=1, progress=False)
    a, b = tmp_path / "a", tmp_path / "b"
    written_in_parts(spec, a, per_part=2, runs=6)
    written_in_parts(spec, b, per_part=3)
    runs_b = pd.read_parquet(b / RUNS).sort_values("run_id")
    keep = runs_b[runs_b.run_id >= 3]  # b as if it had started at run 3
    for i, part in enumerate(_parts(b / RUNS).values()):
        rows = pd.read_parquet(part)
        rows = rows[rows.run_id.isin(keep.run_id)]
        series = pd.read_parquet(b / SERIES / part.name)
        rows.to_parquet(a / RUNS / _name(20 + i), index=False)
        series[series.run_id.isin(rows.run_id)].to_parquet(a / SERIES / _name(20 + i), index=False)
    code, stdout, stderr = _resume(capsys, spec_path, a)
    assert code == 0, stderr
    assert "(0 run now" in stdout
    assert_same_results(reference, a)
    assert digests_hold(a)


# ------------------------------------------------------------------ damaged parts


def damage(path: Path, kind: str) -> None:
    data = path.read_bytes()
    if kind == "flipped":
        at = len(data) // 3
        data = data[:at] + bytes([data[at] ^ 0x10]) + data[at + 1 :]
    elif kind == "truncated":
        data = data[: len(data) // 2]
    else:
        data = b""
    path.write_bytes(data)


KINDS = ("flipped", "truncated", "zero-length")


@pytest.mark.parametrize("folder", [RUNS, SERIES])
@pytest.mark.parametrize("kind", KINDS)
def test_resume_runs_the_runs_of_a_damaged_part_again(sweep, capsys, folder, kind):
    spec_path, reference, out = sweep
    damage(out / folder / _name(1), kind)
    code, stdout, stderr = _resume(capsys, spec_path, out)
    assert code == 0, stderr
    said = [line for line in stderr.splitlines() if "damaged" in line]
    assert len(said) == 1 and f"{folder}/{_name(1)}" in said[0] and "3 runs" in said[0], stderr
    assert "(3 run now" in stdout
    assert_same_results(reference, out)
    assert digests_hold(out)
    assert (out / "damaged").is_dir()  # kept aside, not deleted


@pytest.mark.parametrize("folder", [RUNS, SERIES])
@pytest.mark.parametrize("kind", KINDS)
def test_compact_analyze_and_readers_refuse_a_damaged_part(sweep, capsys, folder, kind):
    _spec_path, _reference, out = sweep
    damaged = out / folder / _name(1)
    damage(damaged, kind)
    for args in (("sweep", "compact", out), ("analyze", out)):
        code, _, stderr = _cli(capsys, *args)
        assert code == 2, (args, stderr)
        assert str(damaged) in stderr and "--resume" in stderr and "Traceback" not in stderr
    reader = load_results if folder == RUNS else load_series
    with pytest.raises(UserError, match=_name(1)):
        reader(out)
    assert damaged.exists()


def test_a_corrupt_part_of_an_old_folder_is_bad_input(sweep, capsys):
    """A folder written before digests were kept: a part that is not Parquet is named, exit
    status 2 (it was "a bug: please report it"), and --resume runs its runs again."""
    spec_path, reference, out = sweep
    manifest = read_manifest(out)
    manifest.pop("parts", None)
    (out / MANIFEST).write_text(json.dumps(manifest))
    bad = out / RUNS / _name(2)
    bad.write_bytes(bad.read_bytes()[:100])
    for args in (("sweep", "compact", out), ("analyze", out)):
        code, _, stderr = _cli(capsys, *args)
        assert code == 2 and str(bad) in stderr and "Parquet" in stderr, (args, stderr)
    code, _, stderr = _resume(capsys, spec_path, out)
    assert code == 0 and str(bad.relative_to(out)) in stderr, stderr
    assert_same_results(reference, out)


def test_an_old_folder_reads_as_before_and_gets_digests_on_resume(sweep, capsys):
    spec_path, reference, out = sweep
    manifest = read_manifest(out)
    manifest.pop("parts", None)
    (out / MANIFEST).write_text(json.dumps(manifest))
    assert_same_results(reference, out)  # readable without digests
    code, _, stderr = _resume(capsys, spec_path, out)
    assert code == 0, stderr
    assert digests_hold(out)


def test_a_rewrite_killed_before_it_landed_is_not_damage(sweep, capsys):
    """The manifest records a part's new digest before the part lands (a kill in between
    leaves the old file under its old digest, which still counts): nothing runs again."""
    spec_path, reference, out = sweep
    manifest = read_manifest(out)
    key = f"{RUNS}/{_name(1)}"
    record = manifest["parts"][key]
    manifest["parts"][key] = {"sha256": "0" * 64, "rows": 2, "bytes": 1, "previous": record}
    manifest["parts"][f"{RUNS}/{_name(9)}"] = {"sha256": "1" * 64, "rows": 3, "bytes": 1}
    (out / MANIFEST).write_text(json.dumps(manifest))
    assert_same_results(reference, out)
    code, stdout, stderr = _resume(capsys, spec_path, out)
    assert code == 0 and "damaged" not in stderr, stderr
    assert "(0 run now" in stdout
    assert digests_hold(out)


def test_retry_failed_keeps_the_digests_true(write_spec, tmp_path, monkeypatch):
    from test_sweep_reliability import FLAKY

    spec = load_spec(write_spec(FLAKY))
    out = tmp_path / "out"
    monkeypatch.setenv("ABM_TOY_FLAKY", "1")
    run_sweep(spec, out, workers=1, progress=False)
    monkeypatch.delenv("ABM_TOY_FLAKY")
    assert digests_hold(out)
    report = run_sweep(spec, out, workers=1, progress=False, resume=True, retry_failed=True)
    assert report.retried == 4 and digests_hold(out)
    runs, _ = results(out)
    assert (runs["status"] == "ok").all()


@pytest.mark.parametrize("recorded", [True, False])
def test_a_column_name_changed_in_a_footer_is_refused_by_compact(sweep, capsys, recorded):
    """Found by the damage soak: compaction took the merged file's schema from the parts'
    footers before checking them, and a flipped byte in a column name ("step" read "sdep")
    failed the merge with an internal error instead of naming the part."""
    _spec_path, _reference, out = sweep
    if not recorded:
        manifest = read_manifest(out)
        del manifest["parts"]
        (out / MANIFEST).write_text(json.dumps(manifest))
    damaged = out / SERIES / _name(2)
    data = damaged.read_bytes()
    footer = len(data) - 8 - int.from_bytes(data[-8:-4], "little")
    at = data.index(b"step", footer)  # the schema's own name of the column (comes first)
    damaged.write_bytes(data[:at] + b"sdep" + data[at + 4 :])
    code, _, stderr = _cli(capsys, "sweep", "compact", out)
    assert code == 2 and str(damaged) in stderr, stderr

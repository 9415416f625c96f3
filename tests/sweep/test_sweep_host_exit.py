"""A run process whose parent is gone exits quietly (issue 24, defect 9): killing only the
main process of a sweep made 3 of 7 run processes print a ``BrokenPipeError`` traceback,
when the run they were doing ended before they noticed the parent had gone."""

from __future__ import annotations

import dataclasses
import pickle
import subprocess
import sys

import pytest
from sweep_helpers import TOY_SPEC, write_files

from abm.sweep.host import Job, _child_env, _read_frame, _write_frame
from abm.sweep.plan import Plan
from abm.sweep.spec import load_spec
from tests.procs import work_units


@pytest.mark.timeout(120)
def test_a_run_process_exits_quietly_when_its_parent_is_gone(tmp_path):
    spec = load_spec(write_files(tmp_path, TOY_SPEC))
    job = Job(spec.model, spec.base, spec.steps, spec.metrics, spec.timeout)
    task = Plan(spec).task(0)
    task = dataclasses.replace(task, overrides={**task.overrides, "params.work": work_units(0.3)})
    with open(tmp_path / "stderr", "wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "abm.sweep.host", spec.model],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=err,
            env=_child_env(),
        )
    try:
        assert pickle.loads(_read_frame(proc.stdout))[0] == "ready"
        _write_frame(proc.stdin, (job, task))
        # the parent's ends of the channel close, as when the parent dies mid-run
        proc.stdout.close()
        proc.stdin.close()
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    stderr = (tmp_path / "stderr").read_text()
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr, stderr

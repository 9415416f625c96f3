"""The mutation score the repository commits to (docs/mutation.md, scripts/mutation.py).

The full mutation run (``make mutation``) takes hours (4,006 mutants, about 15 a minute on a
loaded 2-core machine); CI runs its small version: the mutants of one rule against the same
tests, which must kill at least the committed share.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _script():
    spec = importlib.util.spec_from_file_location("mutation", ROOT / "scripts" / "mutation.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_docs_name_what_ci_mutates_and_commit_a_floor():
    mutation = _script()
    doc = mutation.DOC.read_text(encoding="utf-8")
    assert f"`{mutation.CI_MODULE}`" in doc
    assert 0.5 < mutation.committed_floor() <= 1.0
    assert mutation.BEGIN in doc and mutation.END in doc


@pytest.mark.slow
def test_the_innovation_rules_mutants_are_killed_at_least_at_the_committed_share():
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "mutation.py"), "--ci"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert "mutants killed" in run.stdout

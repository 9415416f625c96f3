"""The mutation score the repository commits to (docs/mutation.md, scripts/mutation.py).

The full mutation run (``make mutation``) takes about an hour; CI runs its small version: the
mutants of one rule against the same tests, which must kill at least the committed share.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter

import pytest

from tests.conftest import ROOT
from tests.doc_blocks import block, script


def test_the_docs_name_what_ci_mutates_and_commit_a_floor():
    mutation = script("mutation")
    doc = mutation.DOC.read_text(encoding="utf-8")
    assert f"`{mutation.CI_MODULE}`" in doc
    assert 0.5 < mutation.committed_floor() <= 1.0


def test_the_docs_table_of_the_mutation_score_is_the_scripts():
    """docs/mutation.md's table is what scripts/mutation.py writes for the counts in its rows:
    the shares killed, and the total row, follow from them."""
    mutation = script("mutation")
    found = block("docs/mutation.md", mutation.BLOCK)
    assert found.command == mutation.COMMAND
    stamp, table = found.text.split("\n\n", 1)
    assert stamp.startswith("Made by `make mutation` on ")
    counts = {}
    for name, *cells, _ in found.rows()[:-1]:  # the last row is the total
        n, checked, killed, survived, uncovered = map(int, cells)
        left = checked - killed - survived - uncovered  # mutmut's other verdicts
        assert left >= 0, name
        counts[name.strip("`")] = Counter(
            killed=killed,
            survived=survived,
            other=left,
            **{"no tests": uncovered, "not checked": n - checked},
        )
    assert table == mutation.table(counts), (
        "docs/mutation.md is not what scripts/mutation.py writes: run `make mutation`"
    )


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

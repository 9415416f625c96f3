"""docs/ODD.md shows what scripts/npu_share.py printed: its command, its header, every row, and
numbers that are what its paired arithmetic gives (tests/doc_blocks.py)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from tests.doc_blocks import Block, block, interval, number, script, written

npu_share = script("npu_share")


def _check(found: Block) -> None:
    """A table of scripts/npu_share.py: its header and rows, each difference the difference of
    the means (paired: the mean of the differences is the difference of the means), centred in
    its t-interval."""
    assert found.command == npu_share.COMMAND
    assert found.text.splitlines()[2] == npu_share.HEADER, "run scripts/npu_share.py --write"
    rows = found.rows()
    assert [row[0] for row in rows] == list(npu_share.ROWS), "run scripts/npu_share.py --write"
    others = len(npu_share.SHARES) - 1  # the shares compared with share 0
    for label, zero, *cells in rows:
        for mean, diff in zip(cells[:others], cells[others:], strict=True):
            assert interval(diff)[0].agrees(number(mean) - number(zero)), f"{label}: {diff}"


def test_the_docs_table_of_npu_shares_is_the_scripts():
    found = block("docs/ODD.md", npu_share.BLOCK)
    _check(found)
    seeds = re.search(r"(\d+) paired seeds, ([\d,]+) firm agents \(([^)]*)\)", found.text)
    assert seeds and int(seeds.group(1)) >= 10
    # fewer agents than real firms must say it is an approximation
    real = "one agent per real firm" in seeds.group(3)
    assert real or seeds.group(3).startswith("an APPROXIMATION")


def test_the_check_passes_the_scripts_own_table_and_fails_an_edited_one(tmp_path: Path):
    """The table npu_share.py makes of fixed numbers, written by its ``--write``, reads back
    as those numbers and passes the docs' check; one number edited fails it."""
    rng = np.random.default_rng(5)
    base = [{label: float(rng.uniform(1, 5000)) for label in npu_share.ROWS} for _ in range(10)]
    results = {
        s: [{k: v * (1 + s * rng.normal(0.1, 0.02)) for k, v in seed.items()} for seed in base]
        for s in npu_share.SHARES
    }
    text = npu_share.table(results, 2000, 24000)
    found = written(tmp_path / "doc.md", npu_share, text)
    _check(found)
    first = found.rows()[0]
    label = first[0]
    assert number(first[2]).agrees(np.mean([r[label] for r in results[npu_share.SHARES[1]]]))
    edited = number(first[2]).value + 1.0
    with pytest.raises(AssertionError, match=re.escape(label)):
        _check(found.with_cell(0, 2, npu_share._f(edited)))

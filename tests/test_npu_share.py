"""docs/ODD.md shows what scripts/npu_share.py printed: its command, its header, every row."""

from __future__ import annotations

import importlib.util
import re

from tests.conftest import ROOT


def _script():
    spec = importlib.util.spec_from_file_location("npu_share", ROOT / "scripts" / "npu_share.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_docs_table_of_npu_shares_is_the_scripts():
    npu_share = _script()
    odd = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- npu-share:begin(.*?)-->\n(.*?)<!-- npu-share:end -->", odd, re.S)
    assert block and npu_share.COMMAND in block.group(1)
    text = block.group(2)
    assert text.splitlines()[2] == npu_share.HEADER, "run scripts/npu_share.py --write"
    for label in npu_share.ROWS:
        assert f"| {label} |" in text
    found = re.search(r"(\d+) paired seeds, ([\d,]+) firm agents \(([^)]*)\)", text)
    assert found and int(found.group(1)) >= 10
    # fewer agents than real firms must say it is an approximation
    real = "one agent per real firm" in found.group(3)
    assert real or found.group(3).startswith("an APPROXIMATION")

"""Fixtures for the sweep tests (helpers live in sweep_helpers.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sweep_helpers import TOY_SPEC, write_files


@pytest.fixture
def write_spec(tmp_path: Path) -> Callable[..., Path]:
    """Write a spec (and the toy scenario beside it) into tmp_path; returns the spec path."""

    def write(text: str = TOY_SPEC, name: str = "spec.toml") -> Path:
        return write_files(tmp_path, text, name)

    return write

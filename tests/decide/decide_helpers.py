"""Shared helpers for the decision tests (a unique module name: test folders have no
__init__). The specs run :mod:`decide_planted` (this folder), whose answers are known."""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path

from abm.specutil import trust_model
from tests import procs
from tests.procs import abm_main  # noqa: F401  (the tests import it from here)

# The planted model is this suite's own code, trusted by code (a spec cannot do this; a
# child process is told with --allow-model-import, see abm_subprocess).
trust_model("decide_planted")

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent

TOY_SCENARIO = 'name = "planted"\nsteps = 3\n'

# 3 options x 24 draws x 2 seeds = 144 runs of the planted model (milliseconds each)
PLANTED_SPEC = """
[decision]
name = "planted"
scenario = "toy.toml"
model = "decide_planted"
horizon = 3
reference = "gwangju"

[[options]]
name = "capital"
set = { "centers.site" = "capital" }

[[options]]
name = "daegu"
set = { "centers.site" = "daegu" }

[[options]]
name = "gwangju"
set = { "centers.site" = "gwangju" }

[[objectives]]
name = "dominant"
output = "dominant"
direction = "max"
threshold = 5

[[objectives]]
name = "planted"
output = "planted"
direction = "max"

[uncertainty]
draws = 24
ranges = { "params.pull" = [0.0, 5.0], "params.growth" = [0.0, 1.0], "params.noise" = [0.0, 1.0] }

[seeds]
count = 2
seed = 3

[discovery]
leaders = 2
"""


def write_spec(folder: Path, text: str = PLANTED_SPEC, name: str = "spec.toml") -> Path:
    (folder / "toy.toml").write_text(TOY_SCENARIO)
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path


def abm_subprocess(*args, **kwargs) -> subprocess.Popen:
    """``python -m abm.cli ...`` as a real child process that can import decide_planted: a
    decision there names it, so the child is told it may (--allow-model-import)."""
    if args and args[0] == "decide":
        args = (*args, "--allow-model-import")
    return procs.abm_subprocess(*args, path=[HERE], **kwargs)

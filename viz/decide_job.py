"""Run one small decision for the app, in its own low-priority process.

    python -m viz.decide_job SPEC OUT OVERRIDES_JSON

Why a process of its own: a decision is hundreds of model runs; on a thread of the server
it held the GIL and a live run's Step took 1.5 s. Here it runs at a lower priority
(``os.nice``), with one worker (the other core stays with the server), and the page reads
its progress from the sweep's manifest; the page stops it with SIGTERM (the sweep keeps
what it finished, and ``--resume`` would finish it). Exit status 2 and one line on stderr
for a spec the overrides make invalid.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from pathlib import Path

NICE = 10


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 3:
        print("usage: python -m viz.decide_job SPEC OUT OVERRIDES_JSON", file=sys.stderr)
        return 2
    spec_path, out, overrides = Path(args[0]), Path(args[1]), json.loads(args[2])
    with contextlib.suppress(OSError):
        os.nice(NICE)
    from viz.background import die_with_parent

    die_with_parent()  # a server that is killed takes its decision with it
    from abm.decide.run import run_decision
    from abm.decide.spec import load_decision
    from abm.errors import UserError

    try:
        spec = load_decision(spec_path, overrides)
        run_decision(spec, out, workers=1, progress=False, flush_seconds=0.5)
    except UserError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

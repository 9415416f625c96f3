"""The ``abm calibrate`` subcommand (registered by :mod:`abm.cli`).

A calibration spec names no model (its runs are the project's model, through
``abm.calibrate.simmodel``), so it imports no code and takes no ``--allow-model-import``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from abm.cliutil import RESUME, add_spec_command, engine_args, interrupted, run_spec
from abm.cliutil import interrupt_on_sigterm as interrupt_on_sigterm  # (tests stub it here)


def register(subparsers: Any) -> None:
    p = add_spec_command(
        subparsers,
        "calibrate",
        "calibration spec",
        "finish the calibration already in --out",
        help="fit parameters to observed targets (ABC-SMC) into a results folder",
        description="Estimate the parameters a calibration spec names from its targets file "
        "with ABC-SMC (pyabc), running every model run through the sweep engine. Writes "
        "posterior.parquet, fit.json and report.html to --out; an interrupted calibration "
        "continues with --resume. See docs/calibration.md.",
    )
    p.set_defaults(func=calibrate_command)


def calibrate_command(args: argparse.Namespace) -> int:
    from abm.calibrate import smc
    from abm.calibrate import spec as calibrate_spec

    def saved() -> int:
        manifest = smc.read_manifest(Path(args.out)) or {}
        generations = f"{manifest.get('generations_done', 0)} finished generations"
        return interrupted("calibration", generations, args.out, RESUME)

    done = run_spec(
        args,
        lambda: calibrate_spec.load_calibration_spec(args.spec),
        lambda spec: smc.Calibrator(spec, Path(args.out), **engine_args(args)).run(
            resume=args.resume
        ),
        saved,
    )
    if isinstance(done, int):
        return done
    spec, report = done
    print(
        f"calibrate {spec.name}: {report.generations} generations, {report.runs} runs, "
        f"final tolerance {report.epsilon:.4g} ({report.stopped}; {report.wall_s:.1f} s); "
        f"posterior.parquet, fit.json and report.html in {args.out}"
    )
    return 0

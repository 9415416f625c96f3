"""The ``abm calibrate`` subcommand (registered by :mod:`abm.cli`)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from abm.cliutil import RESUME, add_run_flags, interrupt_on_sigterm, interrupted


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "calibrate",
        help="fit parameters to observed targets (ABC-SMC) into a results folder",
        description="Estimate the parameters a calibration spec names from its targets file "
        "with ABC-SMC (pyabc), running every model run through the sweep engine. Writes "
        "posterior.parquet, fit.json and report.html to --out; an interrupted calibration "
        "continues with --resume. See docs/calibration.md.",
    )
    p.add_argument("spec", metavar="SPEC.toml", help="the calibration spec")
    add_run_flags(p, "finish the calibration already in --out")
    p.set_defaults(func=calibrate_command)


def calibrate_command(args: argparse.Namespace) -> int:
    from abm.calibrate.smc import Calibrator, read_manifest
    from abm.calibrate.spec import load_calibration_spec

    spec = load_calibration_spec(args.spec)
    interrupt_on_sigterm()
    try:
        report = Calibrator(
            spec,
            Path(args.out),
            workers=args.workers,
            engine=args.engine,
            scheduler=args.scheduler,
        ).run(resume=args.resume)
    except KeyboardInterrupt:
        manifest = read_manifest(Path(args.out)) or {}
        saved = f"{manifest.get('generations_done', 0)} finished generations"
        return interrupted("calibration", saved, args.out, RESUME)
    print(
        f"calibrate {spec.name}: {report.generations} generations, {report.runs} runs, "
        f"final tolerance {report.epsilon:.4g} ({report.stopped}; {report.wall_s:.1f} s); "
        f"posterior.parquet, fit.json and report.html in {args.out}"
    )
    return 0

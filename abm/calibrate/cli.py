"""The ``abm calibrate`` subcommand (registered by :mod:`abm.cli`)."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
from pathlib import Path
from typing import Any

from abm.cli import int_at_least
from abm.sweep.engines import ENGINES


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
    p.add_argument("--out", required=True, metavar="DIR", help="results folder")
    p.add_argument(
        "--workers", type=int_at_least(1), metavar="N", help="parallel runs (default: CPU count)"
    )
    p.add_argument("--engine", choices=ENGINES, default="local", help="where runs execute")
    p.add_argument(
        "--scheduler", metavar="ADDRESS", help="Dask scheduler to use (with --engine dask)"
    )
    p.add_argument("--resume", action="store_true", help="finish the calibration already in --out")
    p.set_defaults(func=calibrate_command)


def _interrupt_on_sigterm() -> None:
    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    with contextlib.suppress(ValueError):
        signal.signal(signal.SIGTERM, handler)


def calibrate_command(args: argparse.Namespace) -> int:
    from abm.calibrate.smc import Calibrator, read_manifest
    from abm.calibrate.spec import load_calibration_spec

    spec = load_calibration_spec(args.spec)
    _interrupt_on_sigterm()
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
        print(
            f"abm: calibration interrupted; {manifest.get('generations_done', 0)} finished "
            f"generations are saved in {args.out}; run the same command with --resume to finish",
            file=sys.stderr,
        )
        return 130
    print(
        f"calibrate {spec.name}: {report.generations} generations, {report.runs} runs, "
        f"final tolerance {report.epsilon:.4g} ({report.stopped}; {report.wall_s:.1f} s); "
        f"posterior.parquet, fit.json and report.html in {args.out}"
    )
    return 0

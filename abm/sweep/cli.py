"""The ``abm sweep`` and ``abm analyze`` subcommands (registered by :mod:`abm.cli`)."""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path
from typing import Any

from abm.cliutil import add_spec_command, engine_args, interrupted, run_spec
from abm.cliutil import interrupt_on_sigterm as interrupt_on_sigterm  # (tests stub it here)
from abm.errors import UsageError, UserError, check_path_text
from abm.sweep.engines import MAX_WORKERS


def register(subparsers: Any) -> None:
    """Add ``sweep`` and ``analyze`` to the ``abm`` command's subparsers."""
    p = add_spec_command(
        subparsers,
        "sweep",
        "sweep spec (or: compact)",
        "finish the sweep already in --out (runs only what is missing)",
        model_field="sweep.model",
        out_required=False,  # ``abm sweep compact DIR`` takes none
        max_workers=MAX_WORKERS,
        extra=lambda p: p.add_argument("dir", nargs="?", metavar="DIR", help=argparse.SUPPRESS),
        help="run a parameter sweep from a spec file into a results folder",
        description="Run every run of a sweep spec (TOML) and stream the results to Parquet "
        "files in --out. Interrupted sweeps continue with --resume. 'abm sweep compact DIR' "
        "merges the part files of an interrupted sweep. See docs/sweeps.md.",
    )
    p.add_argument("--posterior", metavar="DIR", help="each run draws parameters from it")
    p.add_argument(
        "--retry-failed",
        action="store_true",
        help="with --resume: run again the runs that failed, timed out or whose process died",
    )
    p.add_argument(
        "--dashboard",
        metavar="ADDRESS",
        help="serve the Dask dashboard of the LocalCluster at ADDRESS (e.g. 127.0.0.1:8787); "
        "off by default",
    )
    p.set_defaults(func=sweep_command)

    a = subparsers.add_parser(
        "analyze",
        help="summarise a sweep folder: bands, sensitivity indices, figures, HTML report",
        description="Print each setting's metrics with 5-95 % bands and, for Sobol or Morris "
        "designs, sensitivity indices; write PNG figures and report.html.",
    )
    a.add_argument("dir", metavar="DIR", help="a sweep results folder (the --out of abm sweep)")
    a.add_argument(
        "--report",
        metavar="OUT",
        help="where to write figures and report.html (default DIR/report)",
    )
    a.set_defaults(func=analyze_command)


def _resume_command(args: argparse.Namespace) -> str:
    """The command that continues this sweep (for messages)."""
    parts = ["abm sweep", shlex.quote(str(args.spec)), "--out", shlex.quote(str(args.out))]
    if args.engine != "local":
        parts += ["--engine", args.engine]
    if args.scheduler:
        parts += ["--scheduler", shlex.quote(args.scheduler)]
    if args.allow_model_import:
        parts.append("--allow-model-import")
    return " ".join([*parts, "--resume"])


def sweep_command(args: argparse.Namespace) -> int:
    from abm.sweep.runner import EngineLost, run_sweep
    from abm.sweep.spec import load_spec
    from abm.sweep.store import read_manifest

    if args.spec == "compact":
        return compact_command(args)
    if args.dir is not None:
        raise UsageError(f"unexpected argument {args.dir[:80]!r} (see 'abm sweep --help')")
    if args.out is None:
        raise UsageError("--out DIR is required (the results folder)")
    for flag, text in (("SPEC.toml", args.spec), ("--out", args.out)):
        try:
            check_path_text(text)
        except UserError as exc:
            raise UsageError(f"{flag}: {exc}") from None

    def load() -> Any:
        spec = load_spec(args.spec)
        if args.posterior:  # runs also draw parameter sets from a calibration
            from abm.calibrate.posterior import with_posterior

            spec = with_posterior(spec, args.posterior)
        return spec

    def run(spec: Any) -> Any:
        try:
            return run_sweep(
                spec,
                Path(args.out),
                **engine_args(args),
                resume=args.resume,
                retry_failed=args.retry_failed,
                dashboard=args.dashboard,
            )
        except EngineLost as exc:
            raise EngineLost(f"{exc}; continue with: {_resume_command(args)}") from None

    def saved() -> int:
        manifest = read_manifest(Path(args.out)) or {}
        runs = f"{manifest.get('runs_done', 0)} of {manifest.get('runs_total', '?')} runs"
        return interrupted("sweep", runs, args.out, f"continue with: {_resume_command(args)}")

    done = run_spec(args, load, run, saved)
    if isinstance(done, int):
        return done
    spec, report = done
    c = report.counts
    retried = f", {report.retried} failed runs retried" if report.retried else ""
    print(
        f"sweep {spec.name}: {report.runs_total} runs, {c['ok']} ok, {c['error']} failed, "
        f"{c['timeout']} timed out ({report.ran} run now{retried}, {report.wall_s:.1f} s, "
        f"{report.engine}); results in {args.out}"
    )
    return 0


def compact_command(args: argparse.Namespace) -> int:
    """``abm sweep compact DIR``: merge the part files of a sweep folder."""
    from abm.sweep.store import compact_folder

    folder = args.dir or args.out
    if folder is None:
        raise UsageError("usage: abm sweep compact DIR")
    try:
        check_path_text(folder)
    except UserError as exc:
        raise UsageError(f"DIR: {exc}") from None
    merged, runs = compact_folder(Path(folder))
    what = f"merged {merged} part files" if merged else "already one part file"
    print(f"{folder}: {what}; {runs} runs")
    return 0


def analyze_command(args: argparse.Namespace) -> int:
    import pandas as pd

    from abm.sweep.analysis import analyze, bands_table
    from abm.sweep.report import overview, sensitivity_tables, write_report

    analysis = analyze(Path(args.dir))
    out = Path(args.report) if args.report else Path(args.dir) / "report"
    report = write_report(analysis, out)
    with pd.option_context("display.width", 160, "display.max_columns", 12):
        for key, value in overview(analysis):
            print(f"{key:>14}: {value}")
        for note in analysis.notes:
            print(f"note: {note}")
        print("\nMetrics by setting: mean [5 %, 95 %] over runs")
        regional = [m for cols in analysis.region_families.values() for m in cols]
        table = bands_table(analysis, analysis.headline + regional)
        for first in range(0, len(table.columns), 4):  # a few settings at a time: readable width
            print(("\n" if first else "") + table.iloc[:, first : first + 4].to_string())
        print(f"(all {len(analysis.metrics)} metrics: {out / 'bands.csv'})")
        if analysis.sensitivity is not None:
            what = "S1±CI / ST±CI" if analysis.method == "sobol" else "mu*±CI (sigma)"
            for label, table in sensitivity_tables(analysis, analysis.headline).items():
                print(f"\nSensitivity, {label} ({analysis.method}: {what})")
                print(table.to_string())
    print(f"\nreport: {report}")
    return 0

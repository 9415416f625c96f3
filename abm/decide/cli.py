"""The ``abm decide`` subcommand (registered by :mod:`abm.cli`)."""

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
    """Add ``decide`` to the ``abm`` command's subparsers."""
    p = subparsers.add_parser(
        "decide",
        help="decision analysis: which option wins, how often, at what regret, and when",
        description="Run every option of a decision spec (TOML) on the same futures "
        "(posterior draws, deep-uncertainty samples and seeds) through the sweep engine, "
        "then write DIR/decision.json and DIR/report.html: outcome bands, probability of "
        "being best, regret, satisficing robustness and PRIM boxes. See docs/decisions.md.",
    )
    p.add_argument("spec", metavar="SPEC.toml", help="the decision spec")
    p.add_argument("--out", required=True, metavar="DIR", help="results folder")
    p.add_argument(
        "--workers", type=int_at_least(1), metavar="N", help="parallel runs (default: CPU count)"
    )
    p.add_argument("--engine", choices=ENGINES, default="local", help="where runs execute")
    p.add_argument(
        "--scheduler", metavar="ADDRESS", help="Dask scheduler to use (with --engine dask)"
    )
    p.add_argument(
        "--resume",
        action="store_true",
        help="finish the decision already in --out (runs only what is missing)",
    )
    p.set_defaults(func=decide_command)


def _interrupt_on_sigterm() -> None:
    """Treat SIGTERM (e.g. a batch system's time limit) like Ctrl-C: save and stop."""

    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    with contextlib.suppress(ValueError):  # not the main thread
        signal.signal(signal.SIGTERM, handler)


def decide_command(args: argparse.Namespace) -> int:
    from abm.decide.run import REPORT_HTML, SWEEP_DIR, run_decision
    from abm.decide.spec import load_decision
    from abm.sweep.store import read_manifest

    spec = load_decision(args.spec)
    _interrupt_on_sigterm()
    out = Path(args.out)
    try:
        done = run_decision(
            spec,
            out,
            workers=args.workers,
            engine=args.engine,
            scheduler=args.scheduler,
            resume=args.resume,
        )
    except KeyboardInterrupt:
        manifest = read_manifest(out / SWEEP_DIR) if (out / SWEEP_DIR).is_dir() else None
        manifest = manifest or {}
        print(
            f"abm: decision interrupted; {manifest.get('runs_done', 0)} of "
            f"{manifest.get('runs_total', '?')} runs are saved in {out}; "
            "run the same command with --resume to finish",
            file=sys.stderr,
        )
        return 130
    decision = done.decision
    c = done.counts
    print(
        f"decision {spec.name}: {len(spec.options)} options x {spec.n_futures} futures = "
        f"{done.runs_total} runs, {c['ok']} ok, {c['error']} failed, {c['timeout']} timed out "
        f"({done.ran} run now, {done.wall_s:.1f} s, {done.engine})"
    )
    print(f"futures: {decision['futures']['uncertainty']}")
    for line in decision["summary"]:
        print(f"  {line}")
    print(f"decision: {out / 'decision.json'}\nreport: {out / REPORT_HTML}")
    return 0

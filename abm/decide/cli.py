"""The ``abm decide`` subcommand (registered by :mod:`abm.cli`)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from abm.cliutil import RESUME, add_run_flags, interrupt_on_sigterm, interrupted


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
    add_run_flags(p, "finish the decision already in --out (runs only what is missing)")
    p.set_defaults(func=decide_command)


def decide_command(args: argparse.Namespace) -> int:
    from abm.decide.run import REPORT_HTML, SWEEP_DIR, run_decision
    from abm.decide.spec import load_decision
    from abm.sweep.store import read_manifest

    spec = load_decision(args.spec)
    interrupt_on_sigterm()
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
        saved = f"{manifest.get('runs_done', 0)} of {manifest.get('runs_total', '?')} runs"
        return interrupted("decision", saved, out, RESUME)
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

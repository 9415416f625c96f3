"""The ``abm decide`` subcommand (registered by :mod:`abm.cli`)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from abm.cliutil import RESUME, add_spec_command, engine_args, interrupted, run_spec
from abm.cliutil import interrupt_on_sigterm as interrupt_on_sigterm  # (tests stub it here)


def register(subparsers: Any) -> None:
    """Add ``decide`` to the ``abm`` command's subparsers."""
    p = add_spec_command(
        subparsers,
        "decide",
        "decision spec",
        "finish the decision already in --out (runs only what is missing)",
        model_field="decision.model",
        help="decision analysis: which option wins, how often, at what regret, and when",
        description="Run every option of a decision spec (TOML) on the same futures "
        "(posterior draws, deep-uncertainty samples and seeds) through the sweep engine, "
        "then write DIR/decision.json and DIR/report.html: outcome bands, probability of "
        "being best, regret, satisficing robustness and PRIM boxes. See docs/decisions.md.",
    )
    p.set_defaults(func=decide_command)


def decide_command(args: argparse.Namespace) -> int:
    from abm.decide import run as decide_run
    from abm.decide import spec as decide_spec
    from abm.sweep.store import read_manifest

    out = Path(args.out)

    def saved() -> int:
        folder = out / decide_run.SWEEP_DIR
        manifest = (read_manifest(folder) if folder.is_dir() else None) or {}
        runs = f"{manifest.get('runs_done', 0)} of {manifest.get('runs_total', '?')} runs"
        return interrupted("decision", runs, out, RESUME)

    done = run_spec(
        args,
        lambda: decide_spec.load_decision(args.spec),
        lambda spec: decide_run.run_decision(spec, out, resume=args.resume, **engine_args(args)),
        saved,
    )
    if isinstance(done, int):
        return done
    spec, result = done
    decision, c = result.decision, result.counts
    print(
        f"decision {spec.name}: {len(spec.options)} options x {spec.n_futures} futures = "
        f"{result.runs_total} runs, {c['ok']} ok, {c['error']} failed, {c['timeout']} timed out "
        f"({result.ran} run now, {result.wall_s:.1f} s, {result.engine})"
    )
    print(f"futures: {decision['futures']['uncertainty']}")
    for line in decision["summary"]:
        print(f"  {line}")
    print(f"decision: {out / 'decision.json'}\nreport: {out / decide_run.REPORT_HTML}")
    return 0

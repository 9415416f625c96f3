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
    from abm.decide.run import REPORT_HTML, run_decision, runs_done
    from abm.decide.spec import load_decision

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
            on_batch=_batch_line,
        )
    except KeyboardInterrupt:
        finished, begun = runs_done(out)
        return interrupted("decision", f"{finished} of {begun or '?'} runs", out, RESUME)
    decision = done.decision
    c = done.counts
    f = decision["futures"]
    print(
        f"decision {spec.name}: {len(spec.options)} options x {f['count']} futures = "
        f"{done.runs_total} runs, {c['ok']} ok, {c['error']} failed, {c['timeout']} timed out "
        f"({done.ran} run now, {done.wall_s:.1f} s, {done.engine}; "
        f"{done.minutes:.1f} minutes in all)"
    )
    print(f"futures: {f['uncertainty']}")
    for line in decision["summary"]:
        print(f"  {line}")
    for o in decision["objectives"]:
        if o.get("stopping"):
            print(f"  {o['name']}: {o['stopping']['sentence']}")
    print(f"decision: {out / 'decision.json'}\nreport: {out / REPORT_HTML}")
    return 0


def _batch_line(entry: dict[str, Any]) -> None:
    """A sequential decision's progress: after each batch, where each objective stands (a
    decision in one batch has no stopping rule to report)."""
    import sys

    if "objectives" not in entry:
        return
    states = "; ".join(f"{s['objective']}: {s['status']}" for s in entry.get("objectives", []))
    stop = f" -> stop ({entry['stop']})" if entry.get("stop") else ""
    print(
        f"batch {entry['batch']}: {entry['runs']} runs, {entry['minutes']:.1f} min; {states}{stop}",
        file=sys.stderr,
    )

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

    out = Path(args.out)

    def saved() -> int:
        finished, begun = decide_run.runs_done(out)  # every batch begun (sequential design)
        return interrupted("decision", f"{finished} of {begun or '?'} runs", out, RESUME)

    done = run_spec(
        args,
        lambda: decide_spec.load_decision(args.spec),
        lambda spec: decide_run.run_decision(
            spec, out, resume=args.resume, on_batch=_batch_line, **engine_args(args)
        ),
        saved,
    )
    if isinstance(done, int):
        return done
    spec, result = done
    decision, c = result.decision, result.counts
    f = decision["futures"]
    print(
        f"decision {spec.name}: {len(spec.options)} options x {f['count']} futures = "
        f"{result.runs_total} runs, {c['ok']} ok, {c['error']} failed, {c['timeout']} timed out "
        f"({result.ran} run now, {result.wall_s:.1f} s, {result.engine}; "
        f"{result.minutes:.1f} minutes in all)"
    )
    print(f"futures: {f['uncertainty']}")
    for line in decision["summary"]:
        print(f"  {line}")
    for o in decision["objectives"]:
        if o.get("stopping"):
            print(f"  {o['name']}: {o['stopping']['sentence']}")
    print(f"decision: {out / 'decision.json'}\nreport: {out / decide_run.REPORT_HTML}")
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

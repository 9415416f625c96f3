"""What the ``abm sweep``, ``abm calibrate`` and ``abm decide`` subcommands share: the flags
of a resumable batch of runs, SIGTERM as Ctrl-C, and the message of an interrupted batch.

Written once so that the three commands take the same flags with the same checks and stop
the same way (exit status 130, with where the results are and how to finish).
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
from typing import Any

from abm.cli import MAX_SEED, int_at_least

INTERRUPTED = 130  # the shell's status for a process stopped by Ctrl-C
RESUME = "run the same command with --resume to finish"


def add_run_flags(
    p: argparse.ArgumentParser,
    resume_help: str,
    *,
    out_required: bool = True,
    max_workers: int = MAX_SEED,
) -> None:
    """--out, --workers, --engine, --scheduler and --resume, in that order."""
    from abm.sweep.engines import ENGINES

    out_help = "results folder" if out_required else "results folder (required)"
    p.add_argument("--out", required=out_required, metavar="DIR", help=out_help)
    p.add_argument(
        "--workers",
        type=int_at_least(1, max_workers),
        metavar="N",
        help="parallel runs (default: CPU count)",
    )
    p.add_argument("--engine", choices=ENGINES, default="local", help="where runs execute")
    p.add_argument(
        "--scheduler", metavar="ADDRESS", help="Dask scheduler to use (with --engine dask)"
    )
    p.add_argument("--resume", action="store_true", help=resume_help)


def interrupt_on_sigterm() -> None:
    """Treat SIGTERM (e.g. a batch system's time limit) like Ctrl-C: save and stop."""

    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    with contextlib.suppress(ValueError):  # not the main thread
        signal.signal(signal.SIGTERM, handler)


def interrupted(what: str, saved: str, folder: Any, then: str) -> int:
    """Say on stderr that ``what`` was interrupted, that ``saved`` are in ``folder`` and what
    to do ``then``; the exit status of an interrupted command."""
    print(f"abm: {what} interrupted; {saved} are saved in {folder}; {then}", file=sys.stderr)
    return INTERRUPTED

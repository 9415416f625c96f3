"""What the ``abm sweep``, ``abm calibrate`` and ``abm decide`` subcommands share: the
parser of a spec command and the flags of a resumable batch of runs, reading the spec with
the model imports the flags allow, SIGTERM as Ctrl-C, and the message of an interrupted batch.

Written once so that the three commands take the same flags with the same checks and stop
the same way (exit status 130, with where the results are and how to finish).
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
from collections.abc import Callable
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


def add_spec_command(
    subparsers: Any,
    name: str,
    what: str,
    resume_help: str,
    *,
    model_field: str | None = None,
    **flags: Any,
) -> argparse.ArgumentParser:
    """``abm NAME SPEC.toml --out DIR ...``: the parser of a command that runs a spec (``what``
    it is called); ``model_field``: the spec field naming a model, which then needs
    ``--allow-model-import`` to name one outside the project. Help texts are the caller's."""
    help_text, description = flags.pop("help"), flags.pop("description")
    p = subparsers.add_parser(name, help=help_text, description=description)
    p.add_argument("spec", metavar="SPEC.toml", help=f"the {what}")
    extra = flags.pop("extra", None)
    if extra:
        extra(p)
    add_run_flags(p, resume_help, **flags)
    if model_field:
        p.add_argument(
            "--allow-model-import",
            action="store_true",
            help=f"let the spec's {model_field} name a module outside this project (it is "
            "imported and run: a spec naming a model is code)",
        )
    return p


def run_spec(
    args: argparse.Namespace,
    load: Callable[[], Any],
    run: Callable[[Any], Any],
    on_interrupt: Callable[[], int],
) -> tuple[Any, Any] | int:
    """Read the spec (importing a model only as ``--allow-model-import`` allows), then run
    it with SIGTERM as Ctrl-C: (spec, what ``run`` returned), or the status of
    ``on_interrupt`` when the run was interrupted."""
    from abm.specutil import model_imports

    with model_imports(getattr(args, "allow_model_import", False)):
        spec = load()
    interrupt_on_sigterm()
    try:
        return spec, run(spec)
    except KeyboardInterrupt:
        return on_interrupt()


def engine_args(args: argparse.Namespace) -> dict[str, Any]:
    """The flags that say where a batch runs, as keyword arguments."""
    return {"workers": args.workers, "engine": args.engine, "scheduler": args.scheduler}


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

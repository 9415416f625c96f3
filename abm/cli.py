"""The ``abm`` command: run scenarios, compare them, list and validate scenario files.

Other tools depend on this contract (see README): ``abm run SCENARIO.toml [--seed N]
[--steps N] [--set dotted.key=value ...] [--out DIR]`` writes model.parquet,
regions.parquet and summary.json. Bad input exits with status 2 and one line naming
the file, the field and what is allowed; never a traceback. The browser app (``abm
app``) and sweeps (``abm sweep``, ``abm analyze``) register their own subcommands.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from abm.errors import ScenarioError, UsageError, UserError, check_path_text, one_line

EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors are one line and raise instead of exiting."""

    def error(self, message: str) -> None:  # type: ignore[override]
        if len(message) > 300:  # an argument of 5,000 characters is not worth repeating
            message = message[:297] + "..."
        raise UsageError(f"{message} (see '{self.prog} --help')")


MAX_SEED = 2**63 - 1  # what a scenario's seed field takes (and Parquet's int64)
MAX_SEEDS = 1000  # seeds per scenario in abm compare (use a sweep for more)


def int_at_least(minimum: int, maximum: int = MAX_SEED):
    """An argparse type: an integer in [``minimum``, ``maximum``] (shared by every subcommand)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"must be an integer >= {minimum}, got {text[:40]!r}"
            ) from None
        if not minimum <= value <= maximum:
            raise argparse.ArgumentTypeError(
                f"must be an integer in [{minimum}, {maximum}], got {str(value)[:40]}"
            )
        return value

    return parse


def _load(path: str, overrides: Sequence[str] = (), steps: int | None = None):
    from abm.scenario import load_scenario, parse_assignments

    assignments = parse_assignments(overrides)
    if steps is not None:
        assignments["scenario.steps"] = steps
    return load_scenario(path, assignments, via="--set")


# ------------------------------------------------------------------------ commands


def cmd_run(args: argparse.Namespace) -> int:
    from abm.cliutil import interrupt_on_sigterm
    from abm.run import OUTPUT_FILES, check_out, open_staging, run_scenario, write_outputs
    from abm.scenario import safe_name

    interrupt_on_sigterm()  # SIGTERM cleans up like Ctrl-C: no staging folder left, status 130

    scenario = _load(args.scenario, args.set or (), args.steps)
    seed = scenario.seed if args.seed is None else args.seed
    if args.out is not None:
        _check_path_flag("--out", args.out)
    # a scenario's name is a file name here, never a path: default results stay under ./out
    out = Path(args.out) if args.out else Path("out") / f"{safe_name(scenario.name)}-seed{seed}"
    check_out(out, args.overwrite)
    if args.posterior:  # a parameter set drawn from a calibration's posterior
        from abm.calibrate.posterior import posterior_overrides

        mine = {a.split("=", 1)[0].strip() for a in args.set or ()}  # the user's stay
        draw = posterior_overrides(args.posterior, 1, seed)[0]
        scenario = scenario.with_overrides({k: v for k, v in draw.items() if k not in mine})
    staging = open_staging(out)  # a path that cannot take the results fails before the run
    try:
        result = run_scenario(scenario, seed=seed)
        write_outputs(result, out, staging)
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # gone already unless the run failed
    print(final_table(result.summary))
    print(f"\nwrote {out}/: {', '.join(OUTPUT_FILES)}")
    return 0


def _check_path_flag(flag: str, text: str) -> None:
    try:
        check_path_text(text)
    except UserError as exc:
        raise UsageError(f"{flag}: {exc}") from None
    if not text.strip():
        raise UsageError(f"{flag}: must not be empty")


def cmd_compare(args: argparse.Namespace) -> int:
    from abm.branching import run_options
    from abm.decide.population import FIRMS, agents, approximation_note, one_agent_per_firm

    scenarios = [_load(path, args.set or (), args.steps) for path in args.scenarios]
    if not any(a.split("=", 1)[0].strip() == FIRMS for a in args.set or ()):
        scenarios = [one_agent_per_firm(s) for s in scenarios]  # the default (issue 20)
    notes = {approximation_note(agents(s)) for s in scenarios}
    draws, source = _compare_draws(args, scenarios[0].seed)
    notes.add(source)
    # every scenario runs on the first one's seeds (common random numbers: abm/streams.py)
    seeds = [scenarios[0].seed + i for i in range(args.seeds)]
    # one future (a seed and its draw) at a time: its shared months once (abm/branching.py)
    summaries: list[list[dict]] = [[] for _ in scenarios]
    for i, (s, d) in enumerate(zip(seeds, draws, strict=True)):
        options = [x.with_overrides(d) if d else x for x in scenarios]
        for runs, result in zip(
            summaries, run_options(options, s, outputs=compare_reads()), strict=True
        ):
            runs.append(result.summary)
        print(f"ran seed {s} ({i + 1} of {args.seeds})", file=sys.stderr)
    print(compare_table(summaries))
    for note in sorted(n for n in notes if n is not None):
        print(f"({note})")
    return 0


def _compare_draws(args: argparse.Namespace, seed: int) -> tuple[list[dict[str, Any]], str]:
    """Parameter sets for ``abm compare``'s seeds, and the sentence that says where they come
    from (issue 22: one answer per question). By default seed i runs with draw i of the
    shipped posterior, so the comparison carries parameter uncertainty as the app's Compare
    and ``abm decide`` do; ``--at-medians`` is the point run at the scenarios' values (the
    posterior medians of scenarios/calibrated.toml), labelled as such. A parameter the user
    sets with ``--set`` is theirs: the posterior's draw of it is dropped."""
    from abm.calibrate.posterior import POSTERIOR, SHIPPED, posterior_overrides

    path = args.posterior
    if path is None and not args.at_medians and (SHIPPED / POSTERIOR).is_file():
        path = str(SHIPPED)
    if path is None:
        why = "--at-medians" if args.at_medians else "no shipped posterior"
        return [{}] * args.seeds, (
            f"parameters: a point run at the scenarios' values, the posterior medians ({why}); "
            "no parameter uncertainty in these figures"
        )
    draws = posterior_overrides(path, args.seeds, seed)
    mine = {a.split("=", 1)[0].strip() for a in args.set or ()} & set(draws[0])
    draws = [{k: v for k, v in d.items() if k not in mine} for d in draws]
    name = "the shipped posterior" if path == str(SHIPPED) else "the posterior"
    if path == str(SHIPPED):
        path = "calibration/posterior"
    kept = f"; your --set of {', '.join(sorted(mine))} kept" if mine else ""
    return draws, (
        f"parameters: seed i runs with draw i of {name} ({path}, {len(draws[0])} parameters"
        f"{kept}); --at-medians for a point run"
    )


def cmd_scenarios(args: argparse.Namespace) -> int:
    from abm.scenario import list_scenarios

    found = list_scenarios(args.root)
    if not found:
        print(f"no scenario files in {args.root or 'scenarios/'}")
        return 0
    width = max(len(str(p)) for p, _ in found)
    for path, description in found:
        print(f"{path!s:<{width}}  {description}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from abm.scenario import validate_file

    bad = 0
    for path in args.files:
        problems = validate_file(path)
        if problems:
            bad += 1
            for problem in problems:
                print(problem)
        else:
            print(one_line(f"{path}: ok"))
    return EXIT_USAGE if bad else 0


# ------------------------------------------------------------------------ tables


# Which outputs the tables show; labels, units and formats come from their declarations
# (abm/outputs.py).
REGION_COLUMNS = ("firms", "firm_share", "employment", "compute_used", "graduate_retention")
MODEL_LINES = (
    ("hhi", "hhi_norm", "capital_share", "locked_in"),
    ("inter_edge_share", "clustering", "modularity", "uig_triangles"),
    ("gpu_utilisation", "oversubscription", "compute_met", "innovations_cum"),
    ("public_spending_cum", "tax_expenditure_cum", "crowding_in"),
)
COMPARE_REGION_ROWS = ("firm_share", "compute_used")
COMPARE_MODEL_ROWS = (
    "firms",
    "employment",
    "hhi",
    "capital_share",
    "inter_edge_share",
    "clustering",
    "gpu_utilisation",
    "oversubscription",
    "compute_met",
    "innovations_cum",
    "public_spending_cum",
    "crowding_in",
)
UNITS_NOTE = "real units, as declared in abm/outputs.py"


def compare_reads() -> tuple[str, ...]:
    """The outputs ``abm compare`` reads (its table's): the only ones its runs compute."""
    return (*COMPARE_MODEL_ROWS, *COMPARE_REGION_ROWS)


def _declared(name: str, scope: str):
    from abm import outputs

    return outputs.find(name, scope)


def _unit(out) -> str:
    """The unit to print beside a label: the one its format prints in (won in 억원), but
    none for percentages (the value says %), indices, or where the label says it already
    ("Firms", "GPUs used")."""
    unit = "" if out is None else out.shown_unit
    if not unit or unit == "%" or unit.split("/")[0].lower() in out.label.lower():
        return ""
    return unit


def _label(name: str, scope: str) -> str:
    out = _declared(name, scope)
    label = out.label if out is not None else name
    unit = _unit(out)
    return f"{label} [{unit}]" if unit else label


def _value(value, name: str, scope: str) -> str:
    """A value in its declared format (``str`` for a name no declaration has)."""
    out = _declared(name, scope)
    if out is None:
        return "-" if value is None or value != value else str(value)
    return out.format(value)


def final_table(summary: dict) -> str:
    """A short table of the final state of one run, in real units with declared labels."""
    from abm.outputs import MODEL, REGION

    final, regions = summary["final"], summary["final_regions"]
    per_agent = summary.get("firms_per_agent")
    scale = "-" if per_agent is None else f"{per_agent:,.1f}"
    heads = [_label(name, REGION) for name in REGION_COLUMNS]
    widths = [max(9, len(h)) for h in heads]
    lines = [
        f"{summary['scenario']} | seed {summary['seed']} | {summary['steps']} months to "
        f"{summary['end']} | {UNITS_NOTE}; 1 firm agent = {scale} real firms",
        "",
        f"{'region':<10} {'name':<18} "
        + " ".join(f"{h:>{w}}" for h, w in zip(heads, widths, strict=True)),
    ]
    for rid, r in regions.items():
        name = summary["regions"].get(rid, {}).get("name", rid)
        cells = [_value(r.get(col), col, REGION) for col in REGION_COLUMNS]
        lines.append(
            f"{rid:<10} {name[:18]:<18} "
            + " ".join(f"{c:>{w}}" for c, w in zip(cells, widths, strict=True))
        )
    lines.append("")
    for row in MODEL_LINES:
        cells = [
            f"{_label(col, MODEL)} {_value(final.get(col), col, MODEL)}"
            for col in row
            if col in final
        ]
        if cells:
            lines.append("  ".join(cells))
    return "\n".join(lines)


def compare_table(runs_per_scenario: list[list[dict]]) -> str:
    """Scenarios side by side: mean over seeds of final shares and key metrics (real units)."""
    import numpy as np

    from abm.outputs import MODEL, REGION

    names = [runs[0]["scenario"] for runs in runs_per_scenario]
    region_ids = list(runs_per_scenario[0][0]["firm_share"])

    def mean(runs: list[dict], get) -> float:
        values = [get(r) for r in runs]
        values = [v for v in values if v is not None]
        return float(np.mean(values)) if values else float("nan")

    rows: list[tuple[str, list[str]]] = []
    for col in COMPARE_REGION_ROWS:
        for rid in region_ids:
            region = runs_per_scenario[0][0]["regions"].get(rid, {}).get("name", rid)
            values = [
                _value(
                    mean(runs, lambda r, rid=rid, col=col: r["final_regions"][rid].get(col)),
                    col,
                    REGION,
                )
                for runs in runs_per_scenario
            ]
            out = _declared(col, REGION)
            label = out.label if out is not None else col
            unit = _unit(out)
            rows.append((f"{label} {region}" + (f" [{unit}]" if unit else ""), values))
    for col in COMPARE_MODEL_ROWS:
        if not any(col in r["final"] for runs in runs_per_scenario for r in runs):
            continue  # not recorded by the model that made these runs
        values = [
            _value(mean(runs, lambda r, col=col: r["final"].get(col)), col, MODEL)
            for runs in runs_per_scenario
        ]
        rows.append((_label(col, MODEL), values))
    seeds = len(runs_per_scenario[0])
    width = max(12, *(len(n) for n in names))
    label_width = max(32, *(len(label) + 1 for label, _ in rows))
    head = f"{'final state (mean of ' + str(seeds) + ' seeds)':<{label_width}}" + "".join(
        f"{n:>{width + 2}}" for n in names
    )
    return "\n".join(
        [head]
        + [
            f"{label:<{label_width}}" + "".join(f"{v:>{width + 2}}" for v in values)
            for label, values in rows
        ]
        + [f"({UNITS_NOTE})"]
    )


# ------------------------------------------------------------------------ parser


CORE_COMMANDS = ("run", "compare", "scenarios", "validate")
EXTENSIONS = ("viz.cli", "abm.sweep.cli", "abm.decide.cli", "abm.calibrate.cli")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The full parser; for one of :data:`CORE_COMMANDS` (``command``), only the core
    subcommands: registering the app's, sweeps', decisions' and calibrations' own
    imports their stacks (the sweep engines alone cost ~0.18 s), which ``abm run``
    never uses."""
    parser = _Parser(prog="abm", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser("run", help="run one scenario and write its outputs")
    run.add_argument("scenario", help="scenario TOML file")
    run.add_argument("--seed", type=int_at_least(0), help="random seed (default: the file's)")
    run.add_argument("--steps", type=int_at_least(0), help="months to simulate")
    run.add_argument(
        "--set",
        action="append",
        metavar="dotted.key=value",
        help="override any scenario parameter (repeatable)",
    )
    run.add_argument("--out", help="output folder (default: out/NAME-seedN)")
    run.add_argument("--overwrite", action="store_true", help="replace results already in --out")
    run.add_argument("--posterior", metavar="DIR", help="draw parameters from a calibration")
    run.set_defaults(func=cmd_run)

    compare = sub.add_parser(
        "compare",
        help="run scenarios and print them side by side (one firm agent per real firm "
        "unless --set population.firms=N; parameters drawn from the shipped posterior "
        "unless --at-medians)",
    )
    compare.add_argument("scenarios", nargs="+", help="scenario TOML files")
    compare.add_argument(
        "--seeds",
        type=int_at_least(1, MAX_SEEDS),
        default=1,
        help="seeds per scenario (mean is shown); every scenario runs on the first one's seeds",
    )
    compare.add_argument("--steps", type=int_at_least(0), help="months to simulate")
    compare.add_argument(
        "--set",
        action="append",
        metavar="dotted.key=value",
        help="override a parameter in every scenario (repeatable)",
    )
    source = compare.add_mutually_exclusive_group()
    source.add_argument(
        "--posterior",
        metavar="DIR",
        help="draw parameters per seed from this calibration (default: the shipped one, "
        "calibration/posterior)",
    )
    source.add_argument(
        "--at-medians",
        action="store_true",
        help="a point run at the scenarios' parameter values (the posterior medians): "
        "no parameter uncertainty",
    )
    compare.set_defaults(func=cmd_compare)

    scenarios = sub.add_parser("scenarios", help="list scenario files with descriptions")
    scenarios.add_argument("--root", help="folder to list (default: the project's scenarios/)")
    scenarios.set_defaults(func=cmd_scenarios)

    validate = sub.add_parser("validate", help="report every problem in scenario files")
    validate.add_argument("files", nargs="+", help="scenario TOML files")
    validate.set_defaults(func=cmd_validate)

    if command in CORE_COMMANDS:
        return parser
    for module in EXTENSIONS:
        if importlib.util.find_spec(module.rsplit(".", 1)[0]) and importlib.util.find_spec(module):
            importlib.import_module(module).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """The ``abm`` command. Bad input is one line on stderr and exit status 2, never a
    traceback; a defect of the tool itself is one line and exit status 1 (set
    ``ABM_TRACEBACK=1`` to see the traceback)."""
    try:
        argv = sys.argv[1:] if argv is None else list(argv)
        args = build_parser(argv[0] if argv else None).parse_args(argv)
        return int(args.func(args) or 0)
    except ScenarioError as exc:
        for problem in exc.problems:
            print(f"abm: error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    except UserError as exc:
        print(f"abm: error: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("abm: interrupted", file=sys.stderr)
        return 130
    except RecursionError:
        print("abm: error: input nested too deeply", file=sys.stderr)
        return EXIT_USAGE
    except MemoryError:
        print("abm: error: out of memory (is an input or a design too large?)", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:  # a file system problem no command anticipated
        where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
        print(f"abm: error: {one_line(f'{exc.strerror or exc}{where}')}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:
        if os.environ.get("ABM_TRACEBACK"):
            raise
        text = one_line(str(exc)[:300])
        print(
            f"abm: internal error: {type(exc).__name__}: {text} (a bug: please report it with "
            "the command; ABM_TRACEBACK=1 shows the traceback)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())

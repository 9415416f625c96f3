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
import sys
from collections.abc import Sequence
from pathlib import Path

from abm.errors import ScenarioError, UsageError, UserError

EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors are one line and raise instead of exiting."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see '{self.prog} --help')")


def int_at_least(minimum: int):
    """An argparse type: an integer >= ``minimum`` (shared by every subcommand)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"must be an integer >= {minimum}, got {text!r}"
            ) from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be an integer >= {minimum}, got {value}")
        return value

    return parse


def _load(path: str, overrides: Sequence[str] = (), steps: int | None = None):
    from abm.scenario import load_scenario, parse_assignments

    assignments = parse_assignments(overrides)
    if steps is not None:
        assignments["scenario.steps"] = steps
    return load_scenario(path, assignments)


# ------------------------------------------------------------------------ commands


def cmd_run(args: argparse.Namespace) -> int:
    from abm.run import OUTPUT_FILES, run_scenario, write_outputs

    scenario = _load(args.scenario, args.set or (), args.steps)
    seed = scenario.seed if args.seed is None else args.seed
    out = Path(args.out) if args.out else Path("out") / f"{scenario.name}-seed{seed}"
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out: {out} exists and is not a folder")
    existing = [n for n in OUTPUT_FILES if (out / n).exists()]
    if existing and not args.overwrite:
        raise UsageError(
            f"--out: {out} already holds results ({', '.join(existing)}); "
            "choose another folder or pass --overwrite"
        )
    if args.posterior:  # issue 8: a parameter set drawn from a calibration's posterior
        from abm.calibrate.posterior import posterior_overrides

        scenario = scenario.with_overrides(posterior_overrides(args.posterior, 1, seed)[0])
    result = run_scenario(scenario, seed=seed)
    write_outputs(result, out)
    print(final_table(result.summary))
    print(f"\nwrote {out}/model.parquet, regions.parquet, summary.json")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from abm.run import run_scenario

    scenarios = [_load(path, args.set or (), args.steps) for path in args.scenarios]
    summaries = []
    draws = [{}] * args.seeds  # issue 8: with --posterior, seed i also gets posterior draw i
    if args.posterior:
        from abm.calibrate.posterior import posterior_overrides

        draws = posterior_overrides(args.posterior, args.seeds, scenarios[0].seed)
    for scenario in scenarios:
        runs = [
            run_scenario(
                scenario.with_overrides(draws[i]) if draws[i] else scenario, seed=scenario.seed + i
            ).summary
            for i in range(args.seeds)
        ]
        summaries.append(runs)
        print(
            f"ran {scenario.name} ({args.seeds} seed{'s' if args.seeds > 1 else ''})",
            file=sys.stderr,
        )
    print(compare_table(summaries))
    return 0


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
            print(f"{path}: ok")
    return EXIT_USAGE if bad else 0


# ------------------------------------------------------------------------ tables


def final_table(summary: dict) -> str:
    """A short table of the final state of one run."""
    final, regions = summary["final"], summary["final_regions"]
    lines = [
        f"{summary['scenario']} | seed {summary['seed']} | {summary['steps']} months to "
        f"{summary['end']} | 1 firm agent = {summary['firms_per_agent']:.1f} real firms",
        "",
        f"{'region':<10} {'name':<18} {'firms':>6} {'share':>7} {'employment':>11} "
        f"{'GPUs used':>10} {'retention':>9}",
    ]
    for rid, r in regions.items():
        name = summary["regions"][rid]["name"]
        retention = r.get("graduate_retention")
        lines.append(
            f"{rid:<10} {name[:18]:<18} {r['firms']:>6} {r['firm_share']:>7.1%} "
            f"{r['employment']:>11,.0f} {r['compute_used']:>10,.1f} "
            f"{'-' if retention is None else f'{retention:.0%}':>9}"
        )
    lines += [
        "",
        f"HHI {_f(final['hhi'], '.3f')}  normalised {_f(final['hhi_norm'], '.3f')}  "
        f"capital share {_f(final['capital_share'], '.1%')}  locked in: "
        f"{'yes' if final['locked_in'] else 'no'}",
        f"inter-region ties {_f(final['inter_edge_share'], '.1%')}  clustering "
        f"{_f(final['clustering'], '.3f')}  modularity {_f(final['modularity'], '.3f')}  "
        f"U-I-G triangles {final['uig_triangles']}",
        f"public GPU utilisation {_f(final['gpu_utilisation'], '.0%')}  oversubscription "
        f"{_f(final['oversubscription'], '.2f')}  innovations {final['innovations_cum']:,}",
        f"public spending {_krw(final['public_spending_cum'])}  tax expenditure "
        f"{_krw(final['tax_expenditure_cum'])}  crowding-in {_f(final['crowding_in'], '.1f')}x",
    ]
    return "\n".join(lines)


def compare_table(runs_per_scenario: list[list[dict]]) -> str:
    """Scenarios side by side: mean over seeds of final shares and key metrics."""
    import numpy as np

    names = [runs[0]["scenario"] for runs in runs_per_scenario]
    region_ids = list(runs_per_scenario[0][0]["firm_share"])

    def mean(runs: list[dict], get) -> float:
        values = [get(r) for r in runs]
        values = [v for v in values if v is not None]
        return float(np.mean(values)) if values else float("nan")

    rows: list[tuple[str, list[str]]] = []
    for rid in region_ids:
        label = runs_per_scenario[0][0]["regions"][rid]["name"]
        rows.append(
            (
                f"firm share {label}",
                [
                    f"{mean(runs, lambda r, rid=rid: r['firm_share'].get(rid)):.1%}"
                    for runs in runs_per_scenario
                ],
            )
        )
    for rid in region_ids:
        label = runs_per_scenario[0][0]["regions"][rid]["name"]
        rows.append(
            (
                f"GPUs used {label}",
                [
                    f"{mean(runs, lambda r, rid=rid: r['final_regions'][rid]['compute_used']):,.1f}"
                    for runs in runs_per_scenario
                ],
            )
        )
    for key, label, fmt in (
        ("firms", "firms", ",.0f"),
        ("hhi", "HHI", ".3f"),
        ("capital_share", "capital share", ".1%"),
        ("inter_edge_share", "inter-region ties", ".1%"),
        ("clustering", "clustering", ".3f"),
        ("gpu_utilisation", "public GPU utilisation", ".0%"),
        ("oversubscription", "oversubscription", ".2f"),
        ("innovations_cum", "innovations (total)", ",.0f"),
        ("crowding_in", "crowding-in", ".1f"),
    ):
        rows.append(
            (
                label,
                [
                    _f(mean(runs, lambda r, key=key: r["final"].get(key)), fmt)
                    for runs in runs_per_scenario
                ],
            )
        )
    seeds = len(runs_per_scenario[0])
    width = max(12, *(len(n) for n in names))
    head = f"{'final state (mean of ' + str(seeds) + ' seeds)':<32}" + "".join(
        f"{n:>{width + 2}}" for n in names
    )
    return "\n".join(
        [head]
        + [f"{label:<32}" + "".join(f"{v:>{width + 2}}" for v in values) for label, values in rows]
    )


def _f(value, fmt: str) -> str:
    if value is None or value != value:
        return "-"
    return format(value, fmt)


def _krw(value) -> str:
    if value is None:
        return "-"
    return f"{value / 1e8:,.0f}억원 (model units)"


# ------------------------------------------------------------------------ parser


def build_parser() -> argparse.ArgumentParser:
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

    compare = sub.add_parser("compare", help="run scenarios and print them side by side")
    compare.add_argument("scenarios", nargs="+", help="scenario TOML files")
    compare.add_argument(
        "--seeds", type=int_at_least(1), default=1, help="seeds per scenario (mean is shown)"
    )
    compare.add_argument("--steps", type=int_at_least(0), help="months to simulate")
    compare.add_argument(
        "--set",
        action="append",
        metavar="dotted.key=value",
        help="override a parameter in every scenario (repeatable)",
    )
    compare.add_argument("--posterior", metavar="DIR", help="draw parameters per seed from it")
    compare.set_defaults(func=cmd_compare)

    scenarios = sub.add_parser("scenarios", help="list scenario files with descriptions")
    scenarios.add_argument("--root", help="folder to list (default: the project's scenarios/)")
    scenarios.set_defaults(func=cmd_scenarios)

    validate = sub.add_parser("validate", help="report every problem in scenario files")
    validate.add_argument("files", nargs="+", help="scenario TOML files")
    validate.set_defaults(func=cmd_validate)

    for module in ("viz.cli", "abm.sweep.cli", "abm.decide.cli", "abm.calibrate.cli"):
        if importlib.util.find_spec(module.rsplit(".", 1)[0]) and importlib.util.find_spec(module):
            importlib.import_module(module).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return int(args.func(args) or 0)
    except ScenarioError as exc:
        for problem in exc.problems:
            print(f"abm: error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    except UserError as exc:
        print(f"abm: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("abm: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

"""Firm demography by year: exits (out of cash vs closed by the age hazard), knowledge, size.

Runs a scenario for each seed and prints, per year, the mean over seeds of: the exit rate
(exits / mean firms), split into cash exits (cash below zero) and closures (the age hazard of
``params.demography``), the sd of log knowledge across firms in December, the mean staff per
firm in December and the firm count in December; the last line gives the 2026-2035 means
with the range across seeds. docs/ODD.md (section on demography and finance) shows its
tables.

    .venv/bin/python scripts/exit_rates.py [--seeds 1 2 3 4] [--firms 2000] [--workers 2]
        [--scenario scenarios/baseline.toml] [--set params.firm.knowledge_catchup=0] [--write]

``--write`` puts the table (at the defaults) between the ``exit-rates`` markers of
docs/ODD.md; a slow test checks that the table there is what this script prints.

The split wraps :func:`abm.rules.finance.exits` (the rule the model calls) and reads the
cash of the rows it returns: a measurement, the rule itself is unchanged.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from _doc_tables import write_block

from abm.model import RegionalModel
from abm.rules import finance
from abm.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
ODD = ROOT / "docs" / "ODD.md"
COMMAND = "scripts/exit_rates.py"
BLOCK = "exit-rates"  # the markers of docs/ODD.md its table goes between
SEEDS = (1, 2, 3, 4)
COLUMNS = ("exit", "cash", "closure", "mean_log_k", "sd_log_k", "mean_size", "firms")


def run(path: str, seed: int, firms: int, overrides: dict) -> dict[int, dict[str, float]]:
    """Per year: exit, cash and closure rates, and December's dispersion, size and count."""
    scenario = load_scenario(Path(path), {"population.firms": firms, **overrides})
    model = RegionalModel(scenario, rng=seed)
    rule, counts = finance.exits, {"cash": 0, "closure": 0}

    def exits(m: RegionalModel, rows: np.ndarray) -> np.ndarray:
        out = rule(m, rows)
        cash = int((m.nodes.cash[out] < 0.0).sum())
        counts["cash"] += cash
        counts["closure"] += len(out) - cash
        return out

    finance.exits = exits
    try:
        return _years(model, scenario.steps, counts)
    finally:
        finance.exits = rule


def _years(model: RegionalModel, steps: int, counts: dict[str, int]) -> dict:
    years: dict[int, dict[str, float]] = {}
    firm_months: defaultdict[int, list[int]] = defaultdict(list)
    for _ in range(steps):
        model.step()
        date = model.date
        rows = model.firm_rows()
        firm_months[date.year].append(len(rows))
        if date.month == 12:
            mean = float(np.mean(firm_months[date.year]))
            log_k = np.log(np.maximum(model.nodes.knowledge[rows], 1e-9))
            years[date.year] = {
                "exit": (counts["cash"] + counts["closure"]) / mean,
                "cash": counts["cash"] / mean,
                "closure": counts["closure"] / mean,
                "mean_log_k": float(log_k.mean()),
                "sd_log_k": float(log_k.std()),
                "mean_size": float(model.nodes.size[rows].mean()),
                "firms": float(len(rows)),
            }
            counts.update(cash=0, closure=0)
    return years


def table(results: list[dict]) -> str:
    """A Markdown table of the seeds' means per year, and the 2026-2035 means [min, max]."""
    head = (
        "| year | exit %/yr | cash %/yr | closure %/yr | mean log knowledge "
        "| sd log knowledge | mean size | firms |"
    )
    lines = [head, "|" + "---|" * 8]
    for year in sorted(results[0]):
        v = {c: np.mean([r[year][c] for r in results]) for c in COLUMNS}
        cells = [
            f"{100 * v['exit']:.1f}",
            f"{100 * v['cash']:.1f}",
            f"{100 * v['closure']:.1f}",
            f"{v['mean_log_k']:.2f}",
            f"{v['sd_log_k']:.2f}",
            f"{v['mean_size']:.1f}",
            f"{v['firms']:.0f}",
        ]
        lines.append(f"| {year} | " + " | ".join(cells) + " |")
    future = [y for y in results[0] if y >= 2026]
    per_seed = [np.mean([r[y]["exit"] for y in future]) for r in results]
    top = [max(r[y]["exit"] for y in future) for r in results]
    lines.append(
        f"\n2026-2035 exit %/yr: mean {100 * np.mean(per_seed):.1f} "
        f"[seeds {100 * min(per_seed):.1f}-{100 * max(per_seed):.1f}]; "
        f"highest single-seed year {100 * max(top):.1f}; {len(results)} seeds"
    )
    return "\n".join(lines)


def _overrides(pairs: list[str]) -> dict:
    out = {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        out[key] = float(value) if value.replace(".", "", 1).lstrip("-").isdigit() else value
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS))
    parser.add_argument("--firms", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "baseline.toml"))
    parser.add_argument("--set", nargs="*", default=[], help="overrides key=value")
    parser.add_argument("--write", action="store_true", help="put the table in docs/ODD.md")
    args = parser.parse_args()
    over = _overrides(args.set)
    with ProcessPoolExecutor(args.workers) as pool:
        jobs = [pool.submit(run, args.scenario, s, args.firms, over) for s in args.seeds]
        results = [j.result() for j in jobs]
    print(table(results))
    if args.write:
        write_block(ODD, BLOCK, COMMAND, table(results))


if __name__ == "__main__":
    main()

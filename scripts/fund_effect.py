"""What Daegu's ABB funds did by 2025, over paired seeds: the replay with the funds against the
same replay with every fund's size set to 0 (docs/ODD.md, "Venture funds").

For each seed, both runs replay 2019-01 to 2025-12 at one agent per real firm (``--firms``
defaults to the scenario's real count) and on the same seed, so they differ only where the
funds make them differ. Prints a Markdown table: per quantity, the mean paired difference
(funds minus size 0) with its 95 % t-interval, the sd of the differences, and the smallest
effect the design detects with 80 % power in a two-sided paired t-test at 5 %.

    .venv/bin/python scripts/fund_effect.py --seeds 20 [--firms N] [--workers 2] [--write]

``--write`` replaces the table between the ``fund-effect`` markers in docs/ODD.md.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from _doc_tables import interval, paired_parser, real_firms, scale_label, spread, write_block
from scipy import stats

from abm.model import RegionalModel
from abm.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "baseline.toml"
END = "2025-12"
REGION = "daegu"
COMMAND = "scripts/fund_effect.py"
BLOCK = "fund-effect"  # the markers of docs/ODD.md its table goes between
HEADER = "| quantity | funds | size 0 | difference [95 %] | sd | detectable (80 %) |"
#: (row label, how a run's region frame gives it)
ROWS = {
    "Daegu firms, Dec 2025": lambda d: float(d.firms.iloc[-1]),
    "Daegu employment, Dec 2025": lambda d: float(d.employment.iloc[-1]),
    "firms that moved to Daegu for a fund, 2019-2025": lambda d: float(d.fund_movers.sum()),
    "all relocations into Daegu, 2019-2025": lambda d: float(d.relocations_in.sum()),
    "Daegu firms invested in, 2019-2025": lambda d: float(d.fund_firms.sum()),
    "invested in Daegu firms, 억원, 2019-2025": lambda d: float(d.fund_investment.sum()) / 1e8,
}


def overrides(firms: int, off: bool) -> dict:
    scenario = load_scenario(SCENARIO)
    steps = (int(END[:4]) - scenario.start.year) * 12 + int(END[5:]) - scenario.start.month + 1
    out: dict = {"population.firms": firms, "scenario.steps": steps}
    if off:
        out |= {f"funds.{f}.size_krw": 0.0 for f in scenario.funds}
    return out


def one(seed: int, firms: int, off: bool) -> dict[str, float]:
    scenario = load_scenario(SCENARIO, overrides(firms, off))
    model = RegionalModel(scenario, rng=seed)
    while model.running:
        model.step()
    regions = model.history()[1]
    daegu = regions[regions.region == REGION].sort_values("step")
    return {label: get(daegu) for label, get in ROWS.items()}


def mde(sd: float, n: int, power: float = 0.8, alpha: float = 0.05) -> float:
    """Smallest mean difference a two-sided paired t-test of n pairs detects with ``power``
    (the noncentral t, solved by bisection on the effect)."""
    if n < 2 or sd == 0:
        return 0.0
    crit = stats.t.ppf(1 - alpha / 2, n - 1)
    lo, hi = 0.0, 20.0 * sd
    for _ in range(60):
        mid = (lo + hi) / 2
        nc = mid / (sd / np.sqrt(n))
        got = 1 - stats.nct.cdf(crit, n - 1, nc) + stats.nct.cdf(-crit, n - 1, nc)
        lo, hi = (mid, hi) if got < power else (lo, mid)
    return hi


def _tenth(x: float) -> str:
    return f"{x:+,.1f}"


def table(on: list[dict], off: list[dict], firms: int, real: int) -> str:
    n = len(on)
    lines = [
        f"ABB funds against size 0, Daegu, {n} paired seeds, {firms:,} firm agents "
        f"({scale_label(firms, real)}), 2019-01 to {END}; mean paired difference [95 % "
        "t-interval], sd of the "
        "differences, and the smallest difference detectable with 80 % power (paired t, 5 %).",
        "",
        HEADER,
        "|---|---|---|---|---|---|",
    ]
    for label in ROWS:
        a = np.array([r[label] for r in on])
        b = np.array([r[label] for r in off])
        sd = spread(a - b)[0]
        lines.append(
            f"| {label} | {a.mean():,.1f} | {b.mean():,.1f} | {interval(a - b, _tenth)} "
            f"| {sd:,.1f} | {mde(sd, n):,.1f} |"
        )
    return "\n".join(lines)


def main() -> None:
    args = paired_parser(__doc__, seeds=20, firms=0).parse_args()
    real = real_firms(SCENARIO)
    firms = args.firms or real
    seeds = range(1, args.seeds + 1)
    with ProcessPoolExecutor(args.workers) as pool:
        on = [pool.submit(one, s, firms, False) for s in seeds]
        off = [pool.submit(one, s, firms, True) for s in seeds]
        text = table([j.result() for j in on], [j.result() for j in off], firms, real)
    print(text)
    if args.write:
        write_block(ROOT / "docs" / "ODD.md", BLOCK, COMMAND, text)


if __name__ == "__main__":
    main()

"""What a domestic-NPU share of the Haenam center does, over paired seeds: the NACC at
Haenam with ``npu_share`` 0, 0.3 and 0.5 (docs/ODD.md, "Domestic NPUs").

For each seed the three runs share the seed, so they differ only where the NPUs make them
differ. Each quantity is summed (or averaged) over 2026-2035; the table gives the mean of
each share and the mean paired difference from share 0 with its 95 % t-interval. The
shares are those of the 2025 plan (50 % domestic chips by 2030) and of the dropped 30 %
NACC share (korea-facts B8).

    .venv/bin/python scripts/npu_share.py [--seeds 10] [--firms 2000] [--workers 2] [--write]

``--firms`` below the real count (~24,000) is an approximation and the table says so.
``--write`` replaces the table between the ``npu-share`` markers in docs/ODD.md.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
from _doc_tables import interval, paired_parser, real_firms, scale_label, write_block

from abm.model import RegionalModel
from abm.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "nacc_haenam.toml"
CENTER = "nacc"
SHARES = (0.0, 0.3, 0.5)
FROM = "2026-01"
COMMAND = "scripts/npu_share.py"
BLOCK = "npu-share"  # the markers of docs/ODD.md its table goes between
HEADER = (
    "| quantity, 2026-2035 | NPU 0 % | NPU 30 % | NPU 50 % "
    "| 30 % - 0 % [95 %] | 50 % - 0 % [95 %] |"
)


def _sum(name: str, unit: float = 1.0):
    return lambda m: float(m[name].sum()) / unit


def _mean(name: str, unit: float = 1.0):
    return lambda m: float(m[name].mean()) / unit


#: (row label, how the model frame of 2026-2035 gives it)
ROWS = {
    "public GPU-months used, thousands": _sum("gpus_public", 1e3),
    "effective GPU-months (access and NPU discount), thousands": _sum("compute_effective", 1e3),
    "commercial GPU-months bought (private + cloud), thousands": lambda m: (
        float(m.gpus_private.sum() + m.gpus_cloud.sum()) / 1e3
    ),
    "share of compute need met, mean": _mean("compute_met"),
    "market price, 만원/GPU-month, mean": _mean("market_price", 1e4),
    "public money paid, 억원": _sum("public_spending", 1e8),
    "firms' and universities' compute spending, 억원": _sum("compute_spending", 1e8),
    "domestic NPU makers' revenue, 억원": _sum("npu_revenue", 1e8),
    "domestic NPU jobs, peak month": lambda m: float(m.npu_jobs.max()),
    "AI firms in Korea, Dec 2035": lambda m: float(m.firms.iloc[-1]),
}


def one(seed: int, firms: int, share: float) -> dict[str, float]:
    overrides = {"population.firms": firms, f"centers.{CENTER}.npu_share": share}
    model = RegionalModel(load_scenario(SCENARIO, overrides), rng=seed)
    while model.running:
        model.step()
    frame, regions = model.history()[:2]
    # the region-only outputs, summed over regions, beside the model-wide ones
    frame = frame.assign(compute_effective=regions.groupby("step").compute_effective.sum().values)
    frame = frame[pd.to_datetime(frame.date) >= pd.Timestamp(f"{FROM}-01")]
    return {label: get(frame) for label, get in ROWS.items()}


def _f(x: float, sign: str = "") -> str:
    """Shares with three decimals, counts and money with one."""
    return f"{x:{sign},.3f}" if abs(x) < 10 else f"{x:{sign},.1f}"


def _signed(x: float) -> str:
    return _f(x, "+")


def _diff(a: np.ndarray, b: np.ndarray) -> str:
    """The paired difference with its interval; one pair has none, the difference alone."""
    return interval(a - b, _signed) if len(a) > 1 else _signed((a - b).mean())


def table(results: dict[float, list[dict]], firms: int, real: int) -> str:
    n = len(results[SHARES[0]])
    scale = scale_label(firms, real)
    lines = [
        f"NACC at Haenam with domestic NPUs, {n} paired seeds, {firms:,} firm agents ({scale}); "
        f"sums over {FROM[:4]}-2035 in real units; mean per share and mean paired difference "
        "from 0 % [95 % t-interval].",
        "",
        HEADER,
        "|---|---|---|---|---|---|",
    ]
    for label in ROWS:
        cols = [np.array([r[label] for r in results[s]]) for s in SHARES]
        means = " | ".join(_f(c.mean()) for c in cols)
        lines.append(
            f"| {label} | {means} | {_diff(cols[1], cols[0])} | {_diff(cols[2], cols[0])} |"
        )
    return "\n".join(lines)


def main() -> None:
    args = paired_parser(__doc__, seeds=10, firms=2000).parse_args()
    real = real_firms(SCENARIO)
    firms = args.firms or real
    seeds = range(1, args.seeds + 1)
    with ProcessPoolExecutor(args.workers) as pool:
        jobs = {s: [pool.submit(one, seed, firms, s) for seed in seeds] for s in SHARES}
        text = table({s: [j.result() for j in js] for s, js in jobs.items()}, firms, real)
    print(text)
    if args.write:
        write_block(ROOT / "docs" / "ODD.md", BLOCK, COMMAND, text)


if __name__ == "__main__":
    main()

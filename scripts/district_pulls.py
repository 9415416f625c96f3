"""Estimate a district's residual constant pull: what its dated programmes leave unexplained.

Runs the 2019-2025 replay (``scenarios/history.toml``, stopped at the last in-sample date)
for each pull on a grid and several seeds, reads the district's firms (real) at the dates of
its in-sample targets (``calibration/targets.toml``), and picks the pull with the least sum
of squared z-scores of the seeds' mean (the targets' sds). Then it reports the replay at
that pull: mean and 90 % band over the seeds at each target, and Pangyo's (the capital's
district, not re-estimated) against its band.

    python scripts/district_pulls.py --firms 24000 --seeds 6 --write

``--write`` puts the table in docs/calibration.md between its markers (a test checks the doc
against this script's rows) and each estimated pull in scenarios/calibrated.toml, with its
provenance. Fewer agents than real firms (24,000 in 2019) are an approximation, and the
table says so.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path

import numpy as np
from _doc_tables import write_block

from abm.calibrate.targets import load_targets
from abm.errors import UserError, one_line
from abm.model import RegionalModel
from abm.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
TARGETS = ROOT / "calibration" / "targets.toml"
DOC = ROOT / "docs" / "calibration.md"
CALIBRATED = ROOT / "scenarios" / "calibrated.toml"
REAL_FIRMS = 24000  # the scenario's real firms in 2019: one agent each
COMMAND = "python scripts/district_pulls.py"
BLOCK = "district-pulls"  # the markers of docs/calibration.md its table goes between
FITTED = {
    "suseong_alpha_city": (
        "alpha_city_firms_2019",
        "alpha_city_firms_2021",
        "alpha_city_firms_2022_11",
        "alpha_city_firms_2023_02",
    ),
}
REPORTED = {"pangyo": ("pangyo_firms_2019", "pangyo_firms_2023")}
HEADER = "| target | date | observed | 2 sd band | model mean | model 90 % over seeds | z |"


def district_series(
    scenario: str, firms: int, seed: int, pulls: dict[str, float], dates: dict[str, list[str]]
) -> dict[str, list[float]]:
    """Each district's firms (real) at each of its ``dates`` ("YYYY-MM") in one replay."""
    last = max(d for ds in dates.values() for d in ds)
    steps = (int(last[:4]) - 2019) * 12 + int(last[5:]) + 1
    sets = {f"districts.{d}.pull": v for d, v in pulls.items()}
    model = RegionalModel(
        load_scenario(scenario, {"population.firms": firms, "scenario.steps": steps} | sets),
        rng=seed,
    )
    while model.running:
        model.step()
    frame = model.district_history()
    month = frame.date.astype(str).str[:7]
    out = {}
    for d, ds in dates.items():
        here = frame[frame.district == d]
        out[d] = [float(here.firms[month[here.index] == m].iloc[0]) for m in ds]
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "history.toml"))
    parser.add_argument(
        "--firms", type=int, default=24000, help="agents (24,000: one per real firm)"
    )
    parser.add_argument("--seeds", type=int, default=6)
    parser.add_argument("--grid", default="-1,-0.5,0,0.5,1,1.5,2", help="pulls to try")
    parser.add_argument("--refine", type=int, default=2, help="halvings of the grid step")
    parser.add_argument(
        "--check",
        action="store_true",
        help="no estimate: the replay at the pulls calibrated.toml ships (the posterior's "
        "medians), as a check at one agent per real firm; --write then updates the docs only",
    )
    parser.add_argument("--write", action="store_true", help="update docs/calibration.md")
    args = parser.parse_args(argv)
    try:
        targets = load_targets(TARGETS)
        grid = [float(x) for x in args.grid.split(",")]
    except (UserError, ValueError) as e:
        print(one_line(f"district_pulls: {e}"), file=sys.stderr)
        return 2
    wanted = {d: [targets.get(i) for i in ids] for d, ids in (FITTED | REPORTED).items()}
    dates = {d: [str(t.date)[:7] for t in ts] for d, ts in wanted.items()}
    seeds = range(1, args.seeds + 1)
    best: dict[str, float] = {}
    for d in FITTED:
        best[d] = shipped_pull(d) if args.check else estimate(args, d, wanted[d], grid, dates)
    runs_at = [district_series(args.scenario, args.firms, s, best, dates) for s in seeds]
    lines = table(best, wanted, runs_at, args)
    print("\n".join(lines))
    if args.write:
        write_block(DOC, BLOCK, COMMAND, "\n".join(lines))
        if not args.check:
            write_pulls(best, lines[0])
    return 0


def shipped_pull(d: str) -> float:
    """District ``d``'s pull in calibrated.toml (the calibration's posterior median)."""
    with CALIBRATED.open("rb") as f:
        return float(tomllib.load(f)["districts"][d]["pull"])


def estimate(args, d: str, ts: list, grid: list[float], dates: dict[str, list[str]]) -> float:
    """The pull of district ``d`` with the least sum of squared z-scores of the seeds' mean
    against its targets ``ts``: the ``grid``, then ``--refine`` halvings of its step around
    the best so far."""
    obs, sd = np.array([t.observed for t in ts]), np.array([t.sd for t in ts])
    seeds = range(1, args.seeds + 1)
    tried: dict[float, float] = {}

    def loss(pull: float) -> None:
        runs = [district_series(args.scenario, args.firms, s, {d: pull}, dates)[d] for s in seeds]
        tried[pull] = float((((np.mean(runs, axis=0) - obs) / sd) ** 2).sum())
        print(f"# {d} pull {pull:+.3f}: sum z^2 {tried[pull]:.2f}", file=sys.stderr)

    for pull in grid:
        loss(pull)
    step = float(min(np.diff(sorted(grid)), default=0.0))
    for _ in range(args.refine):
        step /= 2
        at = min(tried, key=tried.__getitem__)
        for pull in (at - step, at + step):
            if pull not in tried:
                loss(pull)
    return min(tried, key=tried.__getitem__)


def table(best, wanted, runs_at, args) -> list[str]:
    """The replay at the estimated (or, with ``--check``, shipped) pulls, one row per target
    (the doc's table)."""
    how = "--check" if args.check else f"--grid={args.grid} --refine {args.refine}"
    head = (
        f"`python scripts/district_pulls.py --firms {args.firms} --seeds {args.seeds} "
        f"{how}`: {args.firms} agents"
        + (" (one per real firm)" if args.firms == REAL_FIRMS else " (an approximation)")
        + f", seeds 1-{args.seeds}; "
        + (
            "shipped pulls (posterior medians, calibrated.toml): "
            if args.check
            else "estimated pulls: "
        )
        + ", ".join(f"{d} {v:+g}" for d, v in best.items())
    )
    lines = [
        head,
        "",
        HEADER,
        "|---|---|---|---|---|---|---|",
    ]
    for d, ts in wanted.items():
        values = np.array([r[d] for r in runs_at])
        for j, t in enumerate(ts):
            v = values[:, j]
            lo, hi = np.quantile(v, [0.05, 0.95])
            z = (v.mean() - t.observed) / t.sd
            lines.append(
                f"| {t.id} | {str(t.date)[:7]} | {t.observed:g} | "
                f"{t.observed - 2 * t.sd:.0f}-{t.observed + 2 * t.sd:.0f} | {v.mean():.1f} | "
                f"{lo:.1f}-{hi:.1f} | {z:+.2f} |"
            )
    return lines


def write_pulls(best: dict[str, float], provenance: str) -> None:
    """Each estimated pull into its ``[districts.<id>]`` table of calibrated.toml, with the
    command and grid that made it."""
    lines = CALIBRATED.read_text(encoding="utf-8").splitlines()
    for d, value in best.items():
        head = lines.index(f"[districts.{d}]")
        at = next(i for i in range(head + 1, len(lines)) if lines[i].startswith("pull ="))
        note = provenance.split(":", 1)[0].strip("`")
        lines[at] = f"pull = {value:g}  # residual after the dated programmes; {note}"
    CALIBRATED.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

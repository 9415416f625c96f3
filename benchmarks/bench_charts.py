"""The app's and the reports' three chart stacks, measured side by side (issue 19 / 23).

    .venv/bin/python benchmarks/bench_charts.py [--quick] [--decision DIR]

What is measured, each in a fresh interpreter where an import is timed, CPU time:

* import cost: ``matplotlib.figure`` (the reports' stack) against ``altair`` +
  ``vl_convert`` (the app's Compare, sweep explorer and Decide tab);
* a decision's three summary figures (probability of being best, outcome bands, the
  difference from the reference) drawn to PNG by matplotlib (``abm.decide.report``'s own
  functions) and by Altair + vl-convert (``viz.decide_view``'s), and to SVG by Altair;
* the live view's seven time series drawn as the hand-written SVG of ``viz.figures``
  against the same data as Altair specs rendered to SVG by vl-convert (what the live
  view would cost on the server if it used the one Altair stack);
* the installed size of each stack.

Nothing is asserted: the machine is shared (the load average is printed). Results go to
``benchmarks/results/bench_charts.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
SITE = Path(sys.prefix) / "lib"


def cpu_ms(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        started = time.process_time()
        fn()
        out.append(1000 * (time.process_time() - started))
    return out


def import_ms(statement: str, repeat: int) -> list[float]:
    """CPU time of ``statement`` in a fresh interpreter (each import cold in its process)."""
    code = (
        "import time; s = time.process_time(); "
        f"{statement}; print(1000 * (time.process_time() - s))"
    )
    return [
        float(
            subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
            ).stdout
        )
        for _ in range(repeat)
    ]


def size_mb(*names: str) -> float:
    total = 0
    for base in SITE.glob("python3*/site-packages"):
        for name in names:
            for path in (base / name).rglob("*") if (base / name).is_dir() else ():
                if path.is_file():
                    total += path.stat().st_size
    return total / 1e6


def decision_folder(given: str | None) -> Path:
    """A finished decision to draw: ``--decision``, else the planted one of tests/decide."""
    if given:
        return Path(given)
    folder = RESULTS / "bench_charts_decision"
    if not (folder / "decision.json").is_file():
        sys.path.insert(0, str(ROOT / "tests" / "decide"))
        from decide_helpers import PLANTED_SPEC, write_spec

        from abm.decide import load_decision, run_decision

        specs = RESULTS / "bench_charts_spec"
        specs.mkdir(parents=True, exist_ok=True)
        spec = write_spec(specs, PLANTED_SPEC, "planted.toml")
        run_decision(load_decision(spec), folder, workers=1, progress=False, report=False)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--decision", help="a decision folder (default: the planted toy)")
    args = parser.parse_args()
    repeat = 3 if args.quick else 7
    sys.path.insert(0, str(ROOT))
    out: dict = {"load_average": os.getloadavg(), "repeat": repeat}

    out["import_ms"] = {
        "matplotlib.figure": import_ms("from matplotlib.figure import Figure", repeat),
        "altair+vl_convert": import_ms("import altair, vl_convert", repeat),
    }

    import vl_convert

    from abm.decide import report as mpl
    from abm.decide.run import read_decision
    from viz import decide_view as dv

    folder = decision_folder(args.decision)
    decision = read_decision(folder)
    values = dv.per_future_values(decision, folder)
    compared = [x for x in decision["objectives"] if x.get("options")]

    def mpl_png() -> None:
        import io

        stacked = {k: __import__("numpy").vstack(list(v.values())) for k, v in values[0].items()}
        for fig in (
            mpl.fig_p_best(decision),
            mpl.fig_bands(decision, stacked),
            mpl.fig_reference(decision),
        ):
            if fig is not None:
                fig.savefig(io.BytesIO(), format="png", dpi=110)

    def altair_charts():
        charts = []
        for o in compared:
            vals = values[0][o["name"]] if values else None
            charts += [
                dv.p_best_chart(o, "en"),
                dv.bands_chart(o, "en", vals),
                dv.reference_chart(o, "en"),
            ]
        return [c for c in charts if c is not None]

    def alt_png() -> None:
        for chart in altair_charts():
            vl_convert.vegalite_to_png(chart.to_dict(validate=False), scale=1.5)

    def alt_svg() -> None:
        for chart in altair_charts():
            vl_convert.vegalite_to_svg(chart.to_dict(validate=False))

    mpl_png()  # warm both: fonts and first-use caches are not the figure's cost
    alt_png()
    out["decision_figures_ms"] = {
        "matplotlib png (3 figures, all objectives)": cpu_ms(mpl_png, repeat),
        "altair+vl-convert png (3 charts, all objectives)": cpu_ms(alt_png, repeat),
        "altair+vl-convert svg (3 charts, all objectives)": cpu_ms(alt_svg, repeat),
    }

    from abm.scenario import load_scenario
    from viz.charts import finish
    from viz.figures.live import chart_figures
    from viz.live import LiveRun

    scenario = load_scenario(ROOT / "scenarios" / "baseline.toml").with_overrides(
        {"population.firms": 2000}
    )
    run = LiveRun(scenario, 1)
    for _ in range(60):
        run.advance()
    frame = run.snapshot()

    def live_svg() -> None:
        chart_figures(frame, scenario, "en")

    import altair as alt
    import pandas as pd

    model = pd.DataFrame(frame.model_rows).drop(columns=["date"], errors="ignore")
    regions = pd.DataFrame([r for rows in frame.region_rows for r in rows]).drop(
        columns=["date"], errors="ignore"
    )

    def live_altair() -> None:
        charts = [
            alt.Chart(regions).mark_line().encode(x="step:Q", y="firms:Q", color="region:N"),
            alt.Chart(model).mark_line().encode(x="step:Q", y="hhi:Q"),
            alt.Chart(model).mark_line().encode(x="step:Q", y="inter_edge_share:Q"),
            alt.Chart(model).mark_line().encode(x="step:Q", y="gpu_utilisation:Q"),
            alt.Chart(model).mark_line().encode(x="step:Q", y="oversubscription:Q"),
            alt.Chart(regions).mark_line().encode(x="step:Q", y="innovations:Q", color="region:N"),
            alt.Chart(model).mark_line().encode(x="step:Q", y="public_spending:Q"),
        ]
        for chart in charts:
            vl_convert.vegalite_to_svg(finish(chart.properties(width=300, height=150)).to_dict())

    live_svg()
    live_altair()
    out["live_seven_charts_ms"] = {
        "hand-written svg (viz.figures)": cpu_ms(live_svg, repeat),
        "altair specs -> vl-convert svg": cpu_ms(live_altair, repeat),
    }
    out["installed_mb"] = {
        "matplotlib (+contourpy, kiwisolver, fonttools, pillow, cycler, pyparsing)": size_mb(
            "matplotlib", "contourpy", "kiwisolver", "fontTools", "PIL", "cycler", "pyparsing"
        ),
        "altair (+narwhals, jsonschema) and vl-convert": size_mb(
            "altair", "narwhals", "jsonschema", "vl_convert"
        ),
    }
    summary = {
        group: {
            k: round(statistics.median(v), 1) if isinstance(v, list) else round(v, 1)
            for k, v in values.items()
        }
        for group, values in out.items()
        if isinstance(values, dict)
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "bench_charts.json").write_text(json.dumps({**out, "median": summary}, indent=2))
    print(f"load average {out['load_average']}")
    for group, values in summary.items():
        print(group)
        for k, v in values.items():
            print(f"  {k}: {v}")


if __name__ == "__main__":
    main()

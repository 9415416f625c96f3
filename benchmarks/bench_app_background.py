"""A live run's Step while the app works in the background (issue 23, defect 10).

    .venv/bin/python benchmarks/bench_app_background.py [--quick]

The live run (baseline, 2,000 firm agents) is stepped N times in this process, timing each
``LiveRun.step()`` (wall and this thread's CPU time), while one of these runs beside it:

* nothing (the reference);
* a small decision as the app now runs it: ``viz.decide_job`` in its own process at a
  lower priority, one worker;
* the same decision as the app ran it before: ``run_decision`` on a thread of this process
  with two workers at the server's priority (a Step took 1.5 s in the review);
* a Compare of two options in the app's background pool (low-priority worker processes),
  and as it ran before: the runs on a thread of this process;
* the live band's ensemble (four other seeds) in the same pool.

Nothing is asserted: the machine is shared (the load average is printed). Results go to
``benchmarks/results/bench_app_background.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
SPEC = ROOT / "examples" / "decide_sites.toml"
SMALL = {"seeds.count": 1, "uncertainty.draws": 2, "decision.set": {"population.firms": 500}}


def steps(run, n: int) -> dict[str, float]:
    wall, cpu = [], []
    for _ in range(n):
        w, c = time.perf_counter(), time.thread_time()
        run.step(force_network=False)
        wall.append(1000 * (time.perf_counter() - w))
        cpu.append(1000 * (time.thread_time() - c))
    return {
        "wall_median_ms": statistics.median(wall),
        "wall_max_ms": max(wall),
        "cpu_median_ms": statistics.median(cpu),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n = 15 if args.quick else 40
    sys.path.insert(0, str(ROOT))
    from abm.scenario import load_scenario
    from viz import compare
    from viz.background import POOL, Jobs
    from viz.ensemble import Ensemble
    from viz.live import LiveRun

    scenario = load_scenario(ROOT / "scenarios" / "baseline.toml")
    out: dict = {"load_average_start": os.getloadavg(), "steps": n}

    def fresh():
        run = LiveRun(scenario, 1)
        run.step()
        return run

    POOL.submit(int).result()  # the pool's workers are up before anything is timed
    out["idle"] = steps(fresh(), n)

    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "viz.decide_job",
                str(SPEC),
                str(Path(tmp) / "d"),
                json.dumps(SMALL),
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(3)  # past its start-up: the decision's runs are under way
        out["decision_in_its_own_niced_process"] = steps(fresh(), n)
        proc.terminate()
        proc.wait(timeout=30)

    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
        from abm.decide.run import run_decision
        from abm.decide.spec import load_decision

        spec = load_decision(SPEC, SMALL)
        thread = threading.Thread(
            target=run_decision,
            args=(spec, Path(tmp) / "d"),
            kwargs={"workers": 2, "progress": False, "flush_seconds": 0.5},
            daemon=True,
        )
        thread.start()
        time.sleep(3)
        out["decision_on_a_thread_of_the_server_before"] = steps(fresh(), n)
        thread.join(timeout=0)

    base = load_scenario(ROOT / "scenarios" / "baseline.toml")
    haenam = load_scenario(ROOT / "scenarios" / "nacc_haenam.toml")
    plan = compare.make_plan(
        [compare.Option("a", "a", base), compare.Option("b", "b", haenam)], 2, "2035-12"
    )
    jobs = Jobs()
    gather = threading.Thread(target=compare.run_plan, args=(plan, jobs.submit), daemon=True)
    gather.start()
    time.sleep(2)
    out["compare_in_the_background_pool"] = steps(fresh(), n)
    jobs.cancel()

    def on_a_thread() -> None:  # the old Compare: every run on a thread of the server
        from abm.run import run_scenario

        for option in plan.options:
            for seed in plan.seeds:
                if stop.is_set():
                    return
                run_scenario(option.scenario, seed=seed)

    stop = threading.Event()
    old = threading.Thread(target=on_a_thread, daemon=True)
    old.start()
    time.sleep(2)
    out["compare_on_a_thread_of_the_server_before"] = steps(fresh(), n)
    stop.set()

    ensemble = Ensemble(scenario, 1, lambda: None, k=4).start()
    time.sleep(2)
    out["live_band_ensemble_in_the_pool"] = steps(fresh(), n)
    ensemble.cancel()
    out["load_average_end"] = os.getloadavg()
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "bench_app_background.json").write_text(json.dumps(out, indent=2))
    print(f"load average {out['load_average_start']} -> {out['load_average_end']}")
    for key, value in out.items():
        if isinstance(value, dict):
            print(f"{key}: " + ", ".join(f"{k} {v:.0f}" for k, v in value.items()))
    POOL.shutdown()


if __name__ == "__main__":
    main()

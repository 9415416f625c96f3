"""Sequential decisions end to end on the planted model: batches until the answer is known,
within a budget, resumable."""

from __future__ import annotations

import json

import pandas as pd
from decide_helpers import PLANTED_SPEC, abm_main, write_spec

from abm.decide import load_decision, run_decision
from abm.decide.batches import folder

# 3 options x 8 draws x 2 seeds = 48 runs a batch
BATCHED = PLANTED_SPEC.replace("draws = 24", "draws = 8")


def _spec(objectives: str, sequential: str) -> str:
    head = BATCHED.split("[[objectives]]")[0]
    tail = "[uncertainty]" + BATCHED.split("[uncertainty]")[1]
    return head + objectives + tail + sequential


DOMINANT = '[[objectives]]\nname = "dominant"\noutput = "dominant"\ndirection = "max"\n\n'
TIED = '[[objectives]]\nname = "tied"\noutput = "tied"\ndirection = "max"\nmde = 1.5\n\n'


def test_batches_run_until_the_leaders_p_best_is_known_to_5_points(tmp_path):
    """capital wins every future: its Wilson interval at n draws is [n/(n + 3.84), 1],
    +/- 5 points from 35 draws on: 5 batches of 8."""
    text = _spec(DOMINANT, "\n[sequential]\nmax_runs = 1000\n")
    spec = load_decision(write_spec(tmp_path, text))
    seen = []
    done = run_decision(spec, tmp_path / "out", workers=2, progress=False, on_batch=seen.append)
    assert [e["batch"] for e in seen] == [0, 1, 2, 3, 4]
    assert [e["stop"] for e in seen] == [None] * 4 + ["settled"]
    assert [e["objectives"][0]["status"] for e in seen] == ["open"] * 4 + ["precise"]
    d = done.decision
    assert d["futures"]["count"] == 80 and d["futures"]["batches"] == 5
    assert d["runs"]["counts"]["ok"] == 240 and done.runs_total == 240
    lead = d["objectives"][0]["options"][0]
    assert lead["p_best"] == 1.0 and lead["p_best_high"] - lead["p_best_low"] <= 0.1
    assert d["sequential"]["stopped"] == "settled"
    # every batch is its own sweep, with new draws and new seeds
    assert all(folder(tmp_path / "out", b).is_dir() for b in range(5))
    futures = pd.read_parquet(tmp_path / "out" / "futures.parquet")
    assert futures["future"].tolist() == list(range(80))
    assert futures.groupby("batch")["seed"].nunique().eq(2).all()
    assert futures["seed"].nunique() == 10
    assert futures["params.pull"].nunique() == 40
    record = json.loads((tmp_path / "out" / "sequential.json").read_text())
    assert record["runs"] == 240 and len(record["batches"]) == 5


def test_equal_options_are_declared_indistinguishable_at_the_stated_effect(tmp_path):
    text = _spec(TIED, "\n[sequential]\nmax_runs = 1000\n")
    spec = load_decision(write_spec(tmp_path, text))
    done = run_decision(spec, tmp_path / "out", workers=2, progress=False)
    o = done.decision["objectives"][0]
    assert o["stopping"]["status"] == "indistinguishable"
    assert all(c["mde"] <= 1.5 for c in o["stopping"]["contenders"])
    assert "indistinguishable from" in o["stopping"]["sentence"]
    assert done.decision["sequential"]["stopped"] == "settled"
    assert done.decision["futures"]["batches"] < 1000 // 48


def test_the_budget_stops_it_and_a_larger_budget_continues_it(tmp_path, capsys):
    path = write_spec(tmp_path, _spec(TIED, "\n[sequential]\nwidth = 0.01\nmax_runs = 96\n"))
    assert abm_main("decide", path, "--out", tmp_path / "out", "--workers", "1") == 0
    out, err = capsys.readouterr()
    assert "batch 1: 48 runs" in err and "run budget" in err
    d = json.loads((tmp_path / "out" / "decision.json").read_text())
    assert d["futures"]["batches"] == 2 and d["sequential"]["stopped"].startswith("run budget")
    assert "tied: " in out and "not yet +/- 1 points" in out
    first = (tmp_path / "out" / "sweep").stat().st_mtime_ns

    # the same futures with a larger budget: the finished batches stay, more are run
    path.write_text(path.read_text().replace("max_runs = 96", "max_runs = 192"))
    assert abm_main("decide", path, "--out", tmp_path / "out", "--resume") == 0
    out = capsys.readouterr().out
    assert "(96 run now" in out
    d = json.loads((tmp_path / "out" / "decision.json").read_text())
    assert d["futures"]["batches"] == 4 and d["runs"]["counts"]["ok"] == 192
    assert (tmp_path / "out" / "sweep").stat().st_mtime_ns == first


def test_a_sequential_spec_needs_a_budget_of_at_least_one_batch(tmp_path, capsys):
    for sequential, message in (
        ("\n[sequential]\nwidth = 0.05\n", "give a budget"),
        ("\n[sequential]\nmax_runs = 40\n", "at least one batch (48 runs"),
        ("\n[sequential]\nmax_runs = 100\nwidth = 0.7\n", "sequential.width"),
    ):
        path = write_spec(tmp_path, _spec(DOMINANT, sequential))
        assert abm_main("decide", path, "--out", tmp_path / "never") == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and message in err[0], err
    assert not (tmp_path / "never").exists()


def test_an_override_can_make_a_sequential_spec_one_batch(tmp_path):
    """What the app's live run does with the shipped (sequential) site decision."""
    path = write_spec(tmp_path, _spec(DOMINANT, "\n[sequential]\nmax_runs = 1000\n"))
    assert load_decision(path).sequential is not None
    assert load_decision(path, {"sequential": None}).sequential is None

"""Decisions run end to end through the sweep engine on the planted model."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from decide_helpers import PLANTED_SPEC, abm_main, write_spec
from decide_planted import in_box

from abm.decide import load_decision, run_decision
from abm.sweep.store import load_results

BIG = PLANTED_SPEC.replace("draws = 24", "draws = 64")


@pytest.fixture(scope="module")
def planted(tmp_path_factory) -> Path:
    """The planted decision run once with 2 workers (3 options x 128 futures)."""
    folder = tmp_path_factory.mktemp("planted")
    spec = load_decision(write_spec(folder, BIG))
    run_decision(spec, folder / "out", workers=2, progress=False)
    return folder / "out"


def _objective(decision: dict, name: str) -> dict:
    return next(o for o in decision["objectives"] if o["name"] == name)


def _option(objective: dict, name: str) -> dict:
    return next(x for x in objective["options"] if x["name"] == name)


def test_an_option_dominating_every_future_has_p_best_1_and_regret_0(planted):
    decision = json.loads((planted / "decision.json").read_text())
    o = _objective(decision, "dominant")
    capital = _option(o, "capital")
    assert o["futures_used"] == 128 and o["leader"] == "capital"
    assert capital["p_best"] == 1.0
    assert capital["regret_mean"] == 0.0 and capital["regret_max"] == 0.0
    assert capital["satisficing"] == 1.0
    for other in ("daegu", "gwangju"):
        assert _option(o, other)["p_best"] == 0.0
        assert _option(o, other)["regret_mean"] > 7.0
        assert _option(o, other)["satisficing"] == 0.0


def test_every_option_runs_on_the_same_futures(planted):
    runs = load_results(planted / "sweep")
    assert (runs["status"] == "ok").all() and len(runs) == 3 * 128
    per_future = runs.groupby(["draw", "replication"])
    assert (per_future["seed"].nunique() == 1).all()  # common random numbers
    assert per_future["option"].nunique().eq(3).all()
    assert runs.groupby("replication")["seed"].first().nunique() == 2
    futures = pd.read_parquet(planted / "futures.parquet")
    assert len(futures) == 128 and futures["future"].tolist() == list(range(128))


def test_prim_finds_where_the_planted_option_wins(planted):
    decision = json.loads((planted / "decision.json").read_text())
    o = _objective(decision, "planted")
    futures = pd.read_parquet(planted / "futures.parquet")
    truth = np.mean(
        [
            in_box(p, g)
            for p, g in zip(futures["params.pull"], futures["params.growth"], strict=True)
        ]
    )
    daegu = _option(o, "daegu")
    assert daegu["p_best"] == pytest.approx(truth)  # wins exactly in the planted box
    pair = next(p for p in o["discovery"]["pairs"] if {p["a"], p["b"]} == {"daegu", "gwangju"})
    box = next(b for b in pair["boxes"] if b["winner"] == "daegu")
    cuts = {c["parameter"]: c for c in box["limits"]}
    assert 2.4 < cuts["params.pull"]["low"] < 3.6
    assert 0.2 < cuts["params.growth"]["high"] < 0.45
    assert "params.noise" not in cuts
    assert box["density"] >= 0.8 and box["coverage"] >= 0.8
    other = next(b for b in pair["boxes"] if b["winner"] == "gwangju")
    assert other["base_rate"] == pytest.approx(1 - truth)
    ref = {d["option"]: d for d in o["reference"]["differences"]}
    assert ref["daegu"]["p_better"] == pytest.approx(truth)
    assert ref["capital"]["p_worse"] == 1.0


def test_the_report_embeds_its_figures(planted):
    page = (planted / "report.html").read_text()
    figures = sorted(p.name for p in (planted / "figures").iterdir())
    assert {"p_best.png", "bands.png", "reference.png"} <= set(figures)
    assert any(name.startswith("prim-planted-") for name in figures)
    assert page.count("src='data:image/png;base64,") == len(figures)
    assert "http://" not in page and "https://" not in page  # works offline
    assert "Scenario discovery (PRIM)" in page and "coverage" in page


def test_same_decision_for_one_and_two_workers_and_for_dask(planted, tmp_path):
    spec = load_decision(write_spec(tmp_path, BIG))
    run_decision(spec, tmp_path / "one", workers=1, progress=False, report=False)
    run_decision(spec, tmp_path / "dask", workers=2, engine="dask", progress=False, report=False)
    reference = (planted / "decision.json").read_bytes()
    assert (tmp_path / "one" / "decision.json").read_bytes() == reference
    assert (tmp_path / "dask" / "decision.json").read_bytes() == reference


def test_without_uncertainty_the_decision_says_parameters_are_the_scenarios(tmp_path, capsys):
    text = PLANTED_SPEC.split("[uncertainty]")[0] + "[seeds]\ncount = 2\n"
    path = write_spec(tmp_path, text)
    assert abm_main("decide", path, "--out", tmp_path / "out", "--workers", "1") == 0
    out = capsys.readouterr().out
    assert "parameters at the scenario's values" in out
    decision = json.loads((tmp_path / "out" / "decision.json").read_text())
    assert decision["futures"]["parameters_at_scenario_values"] is True
    assert decision["futures"]["count"] == 2
    assert (
        "parameters are at the scenario's values" in (tmp_path / "out" / "report.html").read_text()
    )
    o = _objective(decision, "planted")
    assert "no uncertain parameters" in o["discovery"]["note"]

    # the same folder again: refused without --resume; with it, nothing is rerun
    assert abm_main("decide", path, "--out", tmp_path / "out") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "already holds this decision" in err[0] and "--resume" in err[0]
    before = (tmp_path / "out" / "decision.json").read_bytes()
    assert abm_main("decide", path, "--out", tmp_path / "out", "--resume") == 0
    assert "0 run now" in capsys.readouterr().out
    assert (tmp_path / "out" / "decision.json").read_bytes() == before

    # a different decision in the same folder: refused, nothing touched
    other = write_spec(tmp_path, text.replace("count = 2", "count = 3"), "other.toml")
    assert abm_main("decide", other, "--out", tmp_path / "out", "--resume") == 2
    assert "holds a different decision" in capsys.readouterr().err
    assert (tmp_path / "out" / "decision.json").read_bytes() == before


def test_the_results_section_for_the_docs_comes_from_the_folder(planted, tmp_path):
    from abm.decide.markdown import BEGIN, END, main

    doc = tmp_path / "doc.md"
    doc.write_text(f"# Title\n\nprose\n\n{BEGIN}\nold\n{END}\n\nmore prose\n")
    assert (
        main(
            [
                str(planted),
                "--write",
                str(doc),
                "--figures",
                str(tmp_path / "fig"),
                "--note",
                "a test run",
            ]
        )
        == 0
    )
    text = doc.read_text()
    assert text.startswith("# Title\n\nprose\n\n") and text.endswith(f"{END}\n\nmore prose\n")
    assert "old" not in text and "a test run" in text
    assert "| **capital** | 10 |" in text and "| 100 % | 0 | 0 |" in text
    assert "![p_best.png](fig/p_best.png)" in text and (tmp_path / "fig" / "p_best.png").is_file()
    assert "daegu vs gwangju" in text or "gwangju vs daegu" in text


def test_failed_runs_leave_their_futures_out_and_say_so(tmp_path, capsys):
    text = (
        PLANTED_SPEC.split("[uncertainty]")[0].replace(
            'set = { "centers.site" = "daegu" }',
            'set = { "centers.site" = "daegu", "params.mode" = "fail" }',
        )
        + "[seeds]\ncount = 2\n"
    )
    path = write_spec(tmp_path, text)
    assert abm_main("decide", path, "--out", tmp_path / "out", "--workers", "1") == 0
    assert "2 failed" in capsys.readouterr().out
    decision = json.loads((tmp_path / "out" / "decision.json").read_text())
    assert decision["runs"]["counts"] == {"ok": 4, "error": 2, "timeout": 0}
    o = _objective(decision, "dominant")
    assert o["futures_used"] == 0 and o["futures_dropped"] == 2
    assert o["options"] == [] and "no future" in o["note"]
    assert (
        "no future in which every option has a value"
        in (tmp_path / "out" / "report.html").read_text()
    )

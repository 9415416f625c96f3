"""A small decision on the real model: the site question in miniature."""

from __future__ import annotations

import json

import pytest
from decide_helpers import ROOT, abm_main


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_small_site_decision_on_the_real_model(tmp_path, capsys):
    spec = tmp_path / "sites.toml"
    spec.write_text(f"""
[decision]
name = "mini_sites"
horizon = "2026-12"
reference = "haenam"
set = {{ "population.firms" = 300, "scenario.start" = "2025-01" }}  # the period of today's centers

[[options]]
name = "none"
scenario = "{ROOT}/scenarios/baseline.toml"

[[options]]
name = "haenam"
scenario = "{ROOT}/scenarios/nacc_haenam.toml"

[[options]]
name = "split"
scenario = "{ROOT}/scenarios/nacc_split.toml"

[[objectives]]
name = "noncapital_jobs"
output = "employment"
regions = "noncapital"
direction = "max"

[[objectives]]
name = "innovations"
output = "innovations"
aggregate = "cumulative"
at = "2026-06"
direction = "max"

[[objectives]]
name = "cost_per_job"
output = "public_cost_cum"
per = {{ output = "employment", regions = "noncapital", aggregate = "change" }}
direction = "min"

[uncertainty]
posterior = ""  # a point run: seeds only (the default draws from the shipped posterior)

[seeds]
count = 3
""")
    assert abm_main("decide", spec, "--out", tmp_path / "out", "--workers", "2") == 0
    assert "parameters at the scenario's values" in capsys.readouterr().out
    decision = json.loads((tmp_path / "out" / "decision.json").read_text())
    assert decision["runs"]["counts"] == {"ok": 9, "error": 0, "timeout": 0}
    jobs, innovations, cost = decision["objectives"]
    assert jobs["label"] == "Employment (non-capital)" and jobs["at"] == "2026-12"
    assert innovations["term"]["step"] == 18 and innovations["at"] == "2026-06"
    for o in (jobs, innovations):
        assert o["futures_used"] == 3
        assert abs(sum(x["p_best"] for x in o["options"]) - 1.0) < 1e-9
        assert all(x["median"] is not None and x["median"] > 0 for x in o["options"])
    assert cost["unit"] == "KRW/persons"
    assert {d["option"] for d in jobs["reference"]["differences"]} == {"none", "split"}
    assert (tmp_path / "out" / "report.html").stat().st_size > 10_000

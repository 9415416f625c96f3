"""One firm agent per real firm by default (decide and compare); fewer is an approximation,
and says so."""

from __future__ import annotations

from decide_helpers import ROOT, abm_main

from abm.decide import load_decision
from abm.decide.population import agents, approximation_note, one_agent_per_firm, real_firms
from abm.scenario import load_scenario

SCENARIOS = ROOT / "scenarios"
REAL = 24000  # the scenarios' regions' firms_real summed (18,720 + 572 + 402 + 367 + 3,939)


def _spec(set_line: str = "", options: str = "") -> str:
    return f"""
[decision]
horizon = "2026-12"
{set_line}

[[options]]
name = "none"
scenario = "{SCENARIOS}/baseline.toml"

[[options]]
name = "haenam"
scenario = "{SCENARIOS}/nacc_haenam.toml"
{options}

[[objectives]]
name = "jobs"
output = "employment"
regions = "noncapital"
direction = "max"
"""


def test_the_real_firm_count_is_the_regions_firms_real():
    scenario = load_scenario(SCENARIOS / "baseline.toml")
    assert real_firms(scenario) == REAL
    assert scenario.population.firms != REAL  # the scenario's own default is smaller
    full = one_agent_per_firm(scenario)
    assert full.population.firms == REAL and full.scale == 1.0
    assert agents(full)["approximation"] is False and approximation_note(agents(full)) is None


def test_a_decision_runs_one_agent_per_real_firm_unless_its_spec_says_otherwise(tmp_path):
    path = tmp_path / "d.toml"
    path.write_text(_spec())
    spec = load_decision(path)
    assert {s.population.firms for _, s in spec.scenario.options} == {REAL}

    path.write_text(_spec('set = { "population.firms" = 2400 }'))
    spec = load_decision(path)
    assert {s.population.firms for _, s in spec.scenario.options} == {2400}
    # an option's own `set` counts too
    path.write_text(_spec(options='set = { "population.firms" = 1200 }'))
    spec = load_decision(path)
    assert dict((n, s.population.firms) for n, s in spec.scenario.options) == {
        "none": REAL,
        "haenam": 1200,
    }


def test_fewer_agents_are_labelled_an_approximation():
    note = approximation_note(
        {"firms": 2400, "real_firms": REAL, "real_firms_per_agent": 10.0, "approximation": True}
    )
    assert note.startswith("approximation: 2,400 firm agents for 24,000 real firms")
    assert "one agent for 10 firms" in note


def test_compare_defaults_to_one_agent_per_real_firm_and_labels_fewer(capsys):
    base = str(SCENARIOS / "baseline.toml")
    assert abm_main("compare", base, "--steps", "1") == 0
    out = capsys.readouterr().out
    assert "approximation" not in out
    assert abm_main("compare", base, "--steps", "1", "--set", "population.firms=240") == 0
    out = capsys.readouterr().out
    assert "(approximation: 240 firm agents for 24,000 real firms (one agent for 100 firms)" in out

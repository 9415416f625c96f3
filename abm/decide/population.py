"""One firm agent per real firm: the default of decisions and comparisons.

Claims about effects are measured at one agent per real firm: with fewer agents each
agent stands for several firms, and the noise of a paired difference grows with that
ratio (issue 20: at 2,000 agents for Korea's 24,000 AI/ICT firms the sd of a paired
difference in non-capital firms was 5.2-5.7 times that at 24,000). So ``abm decide`` and
``abm compare`` set ``population.firms`` to the scenario's real firm count (the sum of
its regions' ``firms_real``) unless told otherwise; a smaller count stays available and
is labelled an approximation wherever results are shown.
"""

from __future__ import annotations

from typing import Any

FIRMS = "population.firms"


def real_firms(scenario: Any) -> int | None:
    """The scenario's real firm count at its start (None for a model without regions'
    ``firms_real``: a plug-in model has its own notion of population)."""
    regions = getattr(scenario, "regions", None)
    if not isinstance(regions, dict) or not hasattr(getattr(scenario, "population", None), "firms"):
        return None
    total = sum(float(getattr(r, "firms_real", 0.0)) for r in regions.values())
    return round(total) if total > 0 else None


def one_agent_per_firm(scenario: Any) -> Any:
    """The scenario with one firm agent per real firm (unchanged if it has no real count)."""
    real = real_firms(scenario)
    if real is None or scenario.population.firms == real:
        return scenario
    return scenario.with_overrides({FIRMS: real})


def agents(scenario: Any) -> dict[str, Any] | None:
    """How the scenario's agents stand for real firms, for a results header."""
    real = real_firms(scenario)
    if real is None:
        return None
    firms = int(scenario.population.firms)
    return {
        "firms": firms,
        "real_firms": real,
        "real_firms_per_agent": real / firms if firms else None,
        "approximation": firms < real,
    }


def approximation_note(info: dict[str, Any] | None) -> str | None:
    """One sentence when agents are fewer than real firms (None at one per firm)."""
    if not info or not info["approximation"]:
        return None
    return (
        f"approximation: {info['firms']:,} firm agents for {info['real_firms']:,} real firms "
        f"(one agent for {info['real_firms_per_agent']:.3g} firms); effects are measured at "
        "one agent per real firm, and fewer agents add noise to every paired difference"
    )

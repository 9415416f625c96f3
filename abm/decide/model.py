"""The decision as a model the sweep engine can run: one run = one option in one future.

The sweep engine runs any module with ``load_scenario`` and ``run_scenario`` (see
:mod:`abm.sweep.model`). This module is one: its scenario, :class:`DecisionScenario`,
holds every option's validated scenario, the parameter draws of the futures and the
objectives; the overrides ``option`` (a name) and ``draw`` (an index) pick the run. So a
decision is an ordinary sweep with one list parameter (the options, compared) and one
grid parameter (the draws), whose replications are the seeds: the sweep's common random
numbers then give every option the same futures, and its resume, engines and Parquet
store work unchanged. The run itself is the underlying model's; only the objectives'
values come back (one float each), computed in the run process.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from abm.decide.objectives import DERIVED, MissingOutput, Objective, evaluate
from abm.errors import Problem, ScenarioError

OPTION_KEY, DRAW_KEY = "option", "draw"


@dataclass(frozen=True)
class DecisionScenario:
    """Every option and future of a decision; ``option``/``draw`` select one run."""

    name: str
    model: str  # the module that really runs (e.g. "abm")
    options: tuple[tuple[str, Any], ...]  # (name, the model's validated scenario)
    draws: tuple[dict[str, Any], ...]  # parameter overrides of each draw ({} = as given)
    objectives: tuple[Objective, ...]
    option: int = 0
    draw: int = 0
    source: str = ""

    @property
    def steps(self) -> int:
        return int(self.options[self.option][1].steps)

    @property
    def seed(self) -> int:
        return int(self.options[self.option][1].seed)

    def to_dict(self) -> dict[str, Any]:
        """Everything that decides the results (the sweep digests it to guard --resume)."""
        return {
            "model": self.model,
            "options": {name: scenario.to_dict() for name, scenario in self.options},
            "draws": [dict(d) for d in self.draws],
            "objectives": [o.to_dict() for o in self.objectives],
        }

    def with_overrides(self, overrides: dict[str, Any]) -> DecisionScenario:
        option, draw = self.option, self.draw
        problems = []
        names = [name for name, _ in self.options]
        for key, value in overrides.items():
            if key == OPTION_KEY and value in names:
                option = names.index(value)
            elif key == DRAW_KEY and isinstance(value, int) and 0 <= value < len(self.draws):
                draw = value
            else:
                problems.append(Problem(self.source, key, f"{value!r} is not an option or draw"))
        if problems:
            raise ScenarioError(problems)
        return dataclasses.replace(self, option=option, draw=draw)

    def run_scenario_of(self) -> Any:
        """The underlying model's scenario of the selected option and draw."""
        scenario = self.options[self.option][1]
        draw = self.draws[self.draw]
        return scenario.with_overrides(draw) if draw else scenario


@dataclass(frozen=True)
class DecisionResult:
    """One run's objectives, shaped as a run result (a one-row ``model`` frame)."""

    model: pd.DataFrame
    regions: None = None


def load_scenario(path: str | Path) -> DecisionScenario:
    """Decisions are built from their spec (:func:`abm.decide.load_decision`), not a file."""
    raise ScenarioError([Problem(str(path), "", "a decision is read with abm.decide")])


def outputs_read(scenario: DecisionScenario) -> tuple[str, ...]:
    """The model outputs the objectives read (a derived output's parts): all a run computes."""
    names: list[str] = []
    for objective in scenario.objectives:
        for term in (objective.term, objective.per):
            if term is not None:
                names.extend(DERIVED[term.output][2] if term.output in DERIVED else [term.output])
    return tuple(dict.fromkeys(names))


def run_scenario(scenario: DecisionScenario, seed: int, steps: int | None = None) -> Any:
    """Run the selected option in the selected future; return its objectives' values."""
    from abm.sweep.model import load_model

    result = load_model(scenario.model).run_scenario(
        scenario.run_scenario_of(), seed=seed, steps=steps, outputs=outputs_read(scenario)
    )
    return _objectives(scenario, result)


def run_options(
    scenarios: list[DecisionScenario], seed: int, steps: int | None = None, outputs: Any = None
) -> list[Any]:
    """Run the selected options of one future (one draw and seed) together: the months they
    share once, each option continued from there (:func:`abm.branching.run_options`), the
    results those of :func:`run_scenario` for each. A model other than the project's runs
    each option on its own."""
    first = scenarios[0]
    if first.model != "abm" or any(
        (s.model, s.draw, s.options) != (first.model, first.draw, first.options) for s in scenarios
    ):
        return [run_scenario(s, seed, steps) for s in scenarios]
    from abm.branching import run_options as branched

    results = branched([s.run_scenario_of() for s in scenarios], seed, steps, outputs_read(first))
    return [_objectives(s, r) for s, r in zip(scenarios, results, strict=True)]


def _objectives(scenario: DecisionScenario, result: Any) -> DecisionResult:
    """A run's objectives' values, as a one-row frame."""
    from abm.sweep.model import MetricError

    values: dict[str, float] = {"step": 0.0}
    for i, objective in enumerate(scenario.objectives):
        try:
            values[objective.name] = evaluate(result, objective)
        except MissingOutput as exc:
            # the sweep's trial run turns a MetricError into one line naming the field
            raise MetricError(f"objectives[{i}].output: {exc}") from None
    frame = pd.DataFrame([{k: (math.nan if v is None else v) for k, v in values.items()}])
    return DecisionResult(frame)

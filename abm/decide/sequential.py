"""As many runs as the question needs: when a sequential decision stops.

A sequential decision runs its futures in batches (each batch: ``uncertainty.draws``
new parameter draws times ``seeds.count`` new seeds, every option on each) and, after
each batch, asks of every objective whether the answer is known well enough:

* **precise**: the leader's probability of being best is known to +/- ``width`` (the
  half-width of its 95 % Wilson interval at the effective number of futures,
  :func:`abm.decide.effects.proportion`), or
* **indistinguishable**: with the objective's ``mde`` (minimum detectable effect, in its
  units): every option whose paired difference from the leader is not significant would
  have been told apart, at 80 % power, had it differed by ``mde`` or more. The leading
  options are then equivalent for the purpose of the decision, and more runs would only
  confirm it. Not before :data:`MIN_DRAWS` parameter draws: the minimum detectable effect
  rests on an estimated standard error, and a small pilot's underestimate would stop early.

The decision stops when every objective is settled, or before a batch that would exceed
the budget (``max_runs`` runs, ``max_minutes`` minutes of wall-clock time, the next
batch's time estimated by the last one's). The rule reads only the finished batches'
runs, so a decision resumed after a kill takes the same path to the same answer (a time
budget excepted: its batches were timed, and the recorded times are reused).

**Why a Wilson interval for P(best).** P(best) is a mean of per-future win shares; its
sampling distribution over futures is a (clustered) binomial. A bootstrap over futures
collapses to a zero-width interval when the leader wins every future so far, exactly when
a stopping rule must not trust it, and a Dirichlet posterior over the multinomial of
winners treats futures as independent, which the seeds of one draw are not. Wilson's
interval at the effective sample size has neither failure and needs no random numbers.
Stopping on an interval's *width* (not on a significance test) keeps the optional
stopping bias small: the width depends on the data only through p(1 - p), which
varies slowly near the leader's value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from abm.decide.effects import paired, proportion

PRECISE, INDISTINGUISHABLE, OPEN = "precise", "indistinguishable", "open"
DEFAULT_WIDTH = 0.05
# Draws before options may be declared indistinguishable: the minimum detectable effect rests
# on an estimated standard error, itself uncertain by ~1/sqrt(2(G - 1)) (27 % at 8 draws, 18 %
# at 16); stopping on an underestimate would declare equal what more runs would separate.
MIN_DRAWS = 16


@dataclass(frozen=True)
class StopRule:
    """When a sequential decision stops: precision, and the budget (at least one given)."""

    width: float = DEFAULT_WIDTH  # half-width of the leader's P(best) interval
    max_runs: int | None = None
    max_minutes: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"width": self.width, "max_runs": self.max_runs, "max_minutes": self.max_minutes}


def assess_objective(
    values: np.ndarray,
    weights: np.ndarray,
    leader: int,
    names: list[str] | tuple[str, ...],
    sign: float,
    clusters: np.ndarray,
    width: float,
    mde_target: float | None,
) -> dict[str, Any]:
    """Whether one objective is settled. ``values``: options x futures (every option has a
    value); ``weights``: the options' win shares per future; ``leader``: its index."""
    p = proportion(weights[leader], clusters)
    contenders: list[dict[str, Any]] = []
    for j in range(len(names)):
        if j == leader:
            continue
        r = paired(values[leader], values[j], sign, clusters, mde_target)
        if not r["significant"]:
            contenders.append({"option": names[j], "mde": r["mde"], "mean": r["mean"]})
    state = {
        "leader": names[leader],
        "p_best": p.value,
        "low": p.low,
        "high": p.high,
        "half_width": p.half_width,
        "width": width,
        "mde_target": mde_target,
        "contenders": contenders,
    }
    if p.half_width <= width:
        return state | {"status": PRECISE}
    detectable = [c["mde"] for c in contenders]
    if (
        mde_target is not None
        and len(np.unique(clusters)) >= MIN_DRAWS
        and contenders
        and all(math.isfinite(m) and m <= mde_target for m in detectable)
    ):
        return state | {"status": INDISTINGUISHABLE}
    return state | {"status": OPEN}


def settled(states: list[dict[str, Any]]) -> bool:
    """Every objective (with a comparison) is precise or indistinguishable."""
    return bool(states) and all(s["status"] != OPEN for s in states)


def over_budget(
    rule: StopRule,
    runs_done: int,
    batch_runs: int,
    minutes_done: float,
    batch_minutes: float | None,
) -> str | None:
    """Why the next batch must not start (None: it may)."""
    if rule.max_runs is not None and runs_done + batch_runs > rule.max_runs:
        return (
            f"run budget: {runs_done} runs done; another batch of {batch_runs} would pass "
            f"max_runs = {rule.max_runs}"
        )
    if rule.max_minutes is not None:
        estimate = batch_minutes or 0.0
        if minutes_done + estimate > rule.max_minutes:
            return (
                f"time budget: {minutes_done:.1f} minutes spent; another batch (about "
                f"{estimate:.1f}) would pass max_minutes = {rule.max_minutes:g}"
            )
    return None


def describe(state: dict[str, Any], unit: str = "") -> str:
    """One line on where an objective stands, for the command's output and the report."""
    head = (
        f"{state['leader']} leads, P(best) {100 * state['p_best']:.0f} % "
        f"[{100 * state['low']:.0f}, {100 * state['high']:.0f}]"
    )
    if state["status"] == PRECISE:
        return f"{head}: known to +/- {100 * state['width']:.0f} points"
    if state["status"] == INDISTINGUISHABLE:
        others = ", ".join(c["option"] for c in state["contenders"])
        worst = max(c["mde"] for c in state["contenders"])
        return (
            f"{head}; indistinguishable from {others} at effect {_num(state['mde_target'])}"
            f"{' ' + unit if unit else ''} (a difference that large would be detected with "
            f"80 % power: minimum detectable effect {_num(worst)}; none is significant)"
        )
    return f"{head}: not yet +/- {100 * state['width']:.0f} points" + (
        ""
        if state["mde_target"] is None
        else f" nor indistinguishable at effect {_num(state['mde_target'])}"
    )


def _num(x: float | None) -> str:
    if x is None or not math.isfinite(x):
        return "-"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"

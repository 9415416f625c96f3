"""Compare options (scenarios) as ensembles of paired runs: levels, differences, a report.

Why paired: every option runs with the same seeds (and, with the posterior, the same
parameter draws), so run *i* of option B and run *i* of option A differ only by the
policy. The difference B - A is taken run by run and then summarised, which is far
tighter than two overlapping bands (Law & Kelton's common random numbers).

Why the horizon defaults to the scenarios' end: options differ only from the month their
policies differ (a center's construction start); a horizon that ends before then shows
identical options. :func:`viz.timeline.first_difference` finds that month from the
scenarios, and the view says so before anything runs; after a run, the month the runs
first differ is measured too.

Runs go through :func:`abm.run.run_scenario` (as ``abm run`` and ``abm compare``), in
the low-priority workers of :mod:`viz.background`, so a comparison never slows the live
run's Step.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import CancelledError
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from abm import outputs
from abm.dates import add_months
from abm.scenario import Scenario, parse_month
from viz import timeline
from viz.figures.palette import fmt_value
from viz.i18n import unit_text

# the outputs offered first (names read from the declarations: one not declared is skipped)
FEATURED = (
    "capital_share",
    "hhi",
    "firms",
    "employment",
    "inter_edge_share",
    "gpu_utilisation",
    "oversubscription",
    "innovations",
    "innovations_cum",
    "public_spending",
    "public_spending_cum",
)
MAX_SEEDS = 50
MAX_OPTIONS = 6


# ---------------------------------------------------------------------- outputs
def declared(name: str) -> outputs.Output | None:
    try:
        return outputs.get(name, outputs.MODEL)
    except KeyError:
        return None


def metric_label(name: str, lang: str = "en", with_unit: bool = True) -> str:
    """The declared label of a model output in ``lang``, with its unit ("%" for shares)."""
    o = declared(name)
    if o is None:
        return name
    label = o.label_ko if lang == "ko" else o.label
    if not with_unit:
        return label
    unit = "%" if o.kind == "share" else unit_text(o.unit, lang)
    return f"{label} ({unit})" if unit else label


def kind_of(name: str) -> str:
    o = declared(name)
    return o.kind if o else "number"


def metric_names(columns: list[str] | set[str]) -> list[str]:
    """The featured outputs, then every other declared numeric model output, that the runs
    recorded."""
    have = set(columns)
    rest = [o.name for o in outputs.metrics(outputs.MODEL) if o.name not in FEATURED]
    return [m for m in [*FEATURED, *rest] if m in have and declared(m) is not None]


# ---------------------------------------------------------------------- months
def month_of(date: Any) -> str:
    return f"{date.year:04d}-{date.month:02d}"


def end_month(scenario: Scenario) -> str:
    """The last month a scenario simulates (step ``steps`` simulates start + steps - 1)."""
    return month_of(add_months(scenario.start, max(scenario.steps - 1, 0)))


def steps_to(scenario: Scenario, month: str) -> int:
    """Steps from the scenario's start through ``month`` (inclusive)."""
    end = parse_month(month)
    start = scenario.start
    return (end.year - start.year) * 12 + end.month - start.month + 1


def common_end(scenarios: list[Scenario]) -> str:
    """The last month every option simulates: the default horizon."""
    return min(end_month(s) for s in scenarios)


def first_month(scenarios: list[Scenario]) -> str:
    return min(month_of(s.start) for s in scenarios)


def history_end(scenarios: list[Scenario]) -> str | None:
    """The observed (replayed) period the options share: the earliest history end."""
    ends = [getattr(s.scenario, "history_end", "") or "" for s in scenarios]
    ends = [e for e in ends if timeline.MONTH.match(e)]
    return min(ends) if ends and len(ends) == len(scenarios) else None


# ---------------------------------------------------------------------- the plan
@dataclass(frozen=True)
class Option:
    """One option of a comparison: a scenario (a file, or the sidebar's current settings)."""

    key: str
    label: str
    scenario: Scenario
    description: str = ""
    description_ko: str = ""
    label_ko: str = ""

    def title(self, lang: str = "en") -> str:
        return self.label_ko if lang == "ko" and self.label_ko else self.label


@dataclass(frozen=True)
class Plan:
    """What a comparison runs: options x paired runs (seeds, and posterior draws) to ``end``."""

    options: tuple[Option, ...]
    runs: int
    end: str
    first_seed: int
    draws: tuple[dict, ...] = ()

    @property
    def seeds(self) -> tuple[int, ...]:
        """The seeds, the same for every option (paired runs)."""
        return tuple(self.first_seed + i for i in range(self.runs))

    @property
    def scenarios(self) -> list[Scenario]:
        return [o.scenario for o in self.options]

    @property
    def total(self) -> int:
        return len(self.options) * self.runs

    def predicted(self) -> timeline.Difference | None:
        return timeline.first_difference_of(self.scenarios)

    def agents_note(self, lang: str = "en") -> str:
        """How the runs' firm agents stand for real firms: one per firm, or an
        approximation (named, with the ratio)."""
        from abm.decide.population import agents
        from viz.i18n import trf

        info = [agents(s) for s in self.scenarios]
        if not all(info):
            return ""
        if not any(i["approximation"] for i in info):
            return trf("agents_per_firm", lang, real=f"{info[0]['real_firms']:,}")
        shown = ", ".join(sorted({f"{i['firms']:,}" for i in info}))
        return trf(
            "agents_approximation",
            lang,
            firms=shown,
            real=f"{info[0]['real_firms']:,}",
            per=f"{info[0]['real_firms_per_agent']:.3g}",
        )

    def ends_too_soon(self) -> timeline.Difference | None:
        """The first difference when the horizon ends before it (every option alike)."""
        first = self.predicted()
        return first if first is not None and self.end < first.month else None


def make_plan(
    options: list[Option], runs: int, end: str, posterior: Any = None, per_firm: bool = False
) -> Plan:
    """Seeds from the reference option (the first); posterior draws as ``abm compare
    --posterior`` makes them (draw i with seed i, the same for every option); with
    ``per_firm``, every option at one firm agent per real firm (``abm compare``'s default:
    fewer agents are an approximation, issue 20)."""
    if per_firm:
        from dataclasses import replace

        from abm.decide.population import one_agent_per_firm

        options = [replace(o, scenario=one_agent_per_firm(o.scenario)) for o in options]
    first_seed = options[0].scenario.seed
    draws: list[dict] = []
    if posterior is not None and getattr(posterior, "table", None) is not None:
        from abm.calibrate.posterior import draw_overrides, posterior_rng

        draws = draw_overrides(posterior.table, runs, posterior_rng(first_seed))
    return Plan(tuple(options), runs, end, first_seed, tuple(draws))


def jobs_of(plan: Plan) -> list[tuple[int, int, Scenario, int, int]]:
    """(option index, run index, scenario with the run's draw, seed, steps) of every run."""
    out = []
    for j, option in enumerate(plan.options):
        steps = steps_to(option.scenario, plan.end)
        for i, seed in enumerate(plan.seeds):
            draw = plan.draws[i] if i < len(plan.draws) else {}
            scenario = option.scenario.with_overrides(draw) if draw else option.scenario
            out.append((j, i, scenario, seed, steps))
    return out


def run_plan(
    plan: Plan,
    submit: Callable[..., Any],
    progress: Callable[[int], None] = lambda done: None,
    cancelled: Callable[[], bool] = lambda: False,
) -> Result | None:
    """Run every job of ``plan`` through ``submit`` (the background pool's) and gather the
    result; None if cancelled."""
    from viz.runs import run_tables

    futures = [(j, i, submit(run_tables, s, seed, steps)) for j, i, s, seed, steps in jobs_of(plan)]
    tables = []
    for done, (j, i, future) in enumerate(futures, start=1):
        if cancelled() or future.cancelled():
            for _, _, f in futures:
                f.cancel()
            return None
        try:
            model, _ = future.result()
        except CancelledError:  # cancelled while it waited: a newer request or a closed page
            return None
        tables.append(model.assign(option=j, run=i, seed=plan.seeds[i]))
        progress(done)
    return Result(plan, pd.concat(tables, ignore_index=True))


# ---------------------------------------------------------------------- the result
@dataclass(frozen=True)
class Result:
    """The runs of a plan; every summary pairs runs by run index (same seed and draw)."""

    plan: Plan
    runs: pd.DataFrame  # option (index), run, seed, step, month, every recorded output
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    def names(self, lang: str = "en") -> list[str]:
        return [o.title(lang) for o in self.plan.options]

    def difference_name(self, j: int, lang: str = "en") -> str:
        names = self.names(lang)
        return f"{names[j]} − {names[0]}"

    @property
    def metrics(self) -> list[str]:
        return metric_names(self.runs.columns)

    def _shown(self) -> pd.DataFrame:
        """The months up to the horizon (step 0, the state before the first month, is left
        out)."""
        return self.runs[(self.runs["step"] > 0) & (self.runs["month"] <= self.plan.end)]

    def bands(self, metric: str, lang: str = "en") -> pd.DataFrame:
        """Per option and month: 5 %, median and 95 % over the runs."""
        grouped = self._shown().groupby(["option", "month"])[metric]
        out = grouped.quantile([0.05, 0.5, 0.95]).unstack()
        out.columns = ["p5", "median", "p95"]
        out = out.reset_index().sort_values(["option", "month"])
        out["option"] = [self.names(lang)[j] for j in out["option"]]
        return out.reset_index(drop=True)

    def paired(self, metric: str) -> pd.DataFrame:
        """Run by run and month, each option minus the reference (same seed and draw).
        Columns: option (index, 1...), run, month, diff."""
        key = ("paired", metric)
        if key not in self._cache:
            wide = self._shown().pivot_table(
                index=["run", "month"], columns="option", values=metric
            )
            rows = [
                (wide[j] - wide[0]).rename("diff").reset_index().assign(option=j)
                for j in range(1, len(self.plan.options))
                if j in wide and 0 in wide
            ]
            self._cache[key] = (
                pd.concat(rows, ignore_index=True)
                if rows
                else pd.DataFrame(columns=["run", "month", "diff", "option"])
            )
        return self._cache[key]

    def differences(self, metric: str, lang: str = "en") -> pd.DataFrame:
        """Per option (not the reference) and month: the paired difference's 5 %, median and
        95 %, and the share of runs in which the option is higher."""
        paired = self.paired(metric)
        columns = ["option", "month", "p5", "median", "p95", "p_higher"]
        if paired.empty:
            return pd.DataFrame(columns=columns)
        grouped = paired.groupby(["option", "month"])["diff"]
        q = grouped.quantile([0.05, 0.5, 0.95]).unstack()
        q.columns = ["p5", "median", "p95"]
        q["p_higher"] = grouped.apply(lambda d: float(np.mean(d > 0)))
        q = q.reset_index().sort_values(["option", "month"])
        q["option"] = [self.difference_name(int(j), lang) for j in q["option"]]
        return q[columns].reset_index(drop=True)

    def observed_first(self) -> str | None:
        """The first month any option's run differs from its paired reference run in any
        recorded output (None: identical over the whole horizon)."""
        data = self._shown()
        numeric = [
            c
            for c in data.columns
            if c not in ("step", "run", "seed", "option")
            and pd.api.types.is_numeric_dtype(data[c])
            and not pd.api.types.is_bool_dtype(data[c])
        ]
        ref = data[data["option"] == 0].set_index(["run", "month"])[numeric]
        first = None
        for j in range(1, len(self.plan.options)):
            other = data[data["option"] == j].set_index(["run", "month"])[numeric]
            index = ref.index.intersection(other.index)
            a = ref.loc[index].to_numpy(dtype=float)
            b = other.loc[index].to_numpy(dtype=float)
            joined = ref.loc[index]
            differs = ~((a == b) | (np.isnan(a) & np.isnan(b)))
            months = joined.index.get_level_values("month")[differs.any(axis=1)]
            if len(months):
                first = min(months) if first is None else min(first, min(months))
        return first

    def last_month(self) -> str:
        return str(self._shown().groupby("option")["month"].max().min())

    def table(
        self, lang: str = "en", month: str | None = None
    ) -> tuple[list[str], list[list[str]]]:
        """At ``month`` (default the horizon), per featured output: each option's median
        [5 %, 95 %], then each option's paired difference from the reference with how many
        runs it is higher in; numbers written as the KPI cards write them."""
        month = month or self.last_month()
        at = self._shown()
        at = at[at["month"] == month]
        n = len(self.plan.options)
        rows = []
        for metric in self.metrics:
            if metric not in FEATURED:
                continue
            kind = kind_of(metric)
            row = [metric_label(metric, lang)]
            row += [
                interval(at[at["option"] == j][metric].astype(float), kind, lang) for j in range(n)
            ]
            paired = self.paired(metric)
            for j in range(1, n):
                d = paired[(paired["option"] == j) & (paired["month"] == month)]["diff"]
                row.append(difference_text(d.astype(float), kind, lang))
            rows.append(row)
        headers = self.names(lang) + [self.difference_name(j, lang) for j in range(1, n)]
        return headers, rows

    def csv(self, metric: str) -> bytes:
        """The chart's numbers, months as YYYY-MM: each option's levels and each option's
        paired difference from the reference."""
        levels = self.bands(metric).assign(series="level")
        diffs = self.differences(metric).assign(series="difference from " + self.names()[0])
        table = pd.concat([levels, diffs], ignore_index=True)
        table.insert(0, "output", metric)
        return table.to_csv(index=False).encode("utf-8")

    def runs_csv(self) -> bytes:
        """Every run's every recorded output, with option, run, seed and month."""
        data = self.runs.assign(option=[self.names()[j] for j in self.runs["option"]])
        front = ["option", "run", "seed", "month", "step"]
        cols = front + [c for c in data.columns if c not in front and c != "date"]
        return data[cols].to_csv(index=False).encode("utf-8")


def interval(values: pd.Series, kind: str, lang: str) -> str:
    if values.empty:
        return "–"
    q = values.quantile([0.05, 0.5, 0.95])
    return (
        f"{fmt_value(q[0.5], kind, lang)} "
        f"[{fmt_value(q[0.05], kind, lang)}, {fmt_value(q[0.95], kind, lang)}]"
    )


def difference_text(diffs: pd.Series, kind: str, lang: str) -> str:
    """ "+1.2%p [+0.3, +2.0] · higher in 3/3": a paired difference and how often it is
    positive."""
    if diffs.empty:
        return "–"
    q = diffs.quantile([0.05, 0.5, 0.95])
    higher = int((diffs > 0).sum())

    def f(v: float) -> str:
        text = fmt_value(v, kind, lang)
        if kind == "share":  # a difference of shares is in percentage points
            text = text.replace("%", " %p" if lang == "ko" else " pp")
        return "+" + text if v > 0 else text

    word = "높음" if lang == "ko" else "higher in"
    count = f"{higher}/{len(diffs)}"
    tail = f"{count} {word}" if lang == "ko" else f"{word} {count}"
    return f"{f(q[0.5])} [{f(q[0.05])}, {f(q[0.95])}] · {tail}"


# ---------------------------------------------------------------------- the posterior
@dataclass(frozen=True)
class Posterior:
    """The calibrated posterior the repository ships, as Compare offers it."""

    table: pd.DataFrame | None
    problem: str = ""  # why there is none to use (absent, or unreadable)

    @property
    def available(self) -> bool:
        return self.table is not None

    @property
    def keys(self) -> list[str]:
        return [] if self.table is None else [c for c in self.table.columns if c != "weight"]


def shipped() -> Posterior:
    """``calibration/posterior/`` through :func:`abm.calibrate.posterior.shipped_posterior`;
    a damaged file is reported, not raised."""
    from abm.calibrate import posterior

    try:
        table = posterior.shipped_posterior()
    except Exception as exc:  # UsageError for a bad file: Compare then varies seeds only
        return Posterior(None, str(exc))
    return Posterior(table, "" if table is not None else "absent")

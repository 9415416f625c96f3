"""The decision analysis: bands, probability of being best, regret, robustness, PRIM.

Everything is computed on the matrix of one objective's values, options x futures, where
a *future* is one parameter draw with one seed and every option ran on every future
(common random numbers). Only futures where every option has a value enter an
objective's comparison (a failed run removes its future from that objective, and the
counts say so). Values are oriented by ``sign`` (+1 max, -1 min) so that larger is always
better inside this module; reported values are in the objective's own units.

* **bands**: median and the 5-95 % band over futures;
* **P(best)**: share of futures in which the option is best, ties split equally;
* **regret**: in each future, how far the option falls short of the best option of that
  future (Savage regret), averaged (expected) and at its worst;
* **satisficing**: share of futures where the option meets the spec's threshold;
* **against the reference** (the option the decision questions, e.g. the 2026 choice):
  the difference in each future, its band, and the chance each option does better;
* **scenario discovery**: for each pair of leading options, PRIM (Friedman and Fisher
  1999, as in EMA Workbench; the ``prim`` package) finds the box of uncertain parameters
  in which one option beats the other, with its coverage and density;
* **effects** (:mod:`abm.decide.effects`): every pair's mean paired difference with its
  95 % interval, P(A better than B) with its interval, and the minimum detectable effect;
  each option's P(best) with its interval; where the sequential rule stands
  (:mod:`abm.decide.sequential`);
* **where the variance comes from** (:mod:`abm.decide.variance`) and the **value of
  information** (:mod:`abm.decide.voi`), from one set of regressions on the parameters.
"""

from __future__ import annotations

import itertools
import math
import warnings
from typing import Any

import numpy as np
import pandas as pd

from abm.decide import effects
from abm.decide.effects import TIE as _TIE  # values within this relative distance tie
from abm.decide.model import DRAW_KEY, OPTION_KEY
from abm.decide.spec import DecisionSpec

FORMAT = "abm-decision/1"  # fields added since (effects, intervals, variance, EVPPI): .get them
# the parameter groups of the value of information and the variance shares
POSTERIOR, RANGES, ALL = "posterior", "ranges", "all"
GROUP_LABELS = {
    POSTERIOR: "calibrated parameters (posterior draws)",
    RANGES: "deep-uncertainty ranges",
    ALL: "all uncertain parameters",
}
_MIN_FUTURES_PRIM = 10


def _f(x: Any) -> float | None:
    """A JSON-safe float (None for NaN), rounded to 12 significant digits: the same on every
    platform's last-bit differences of numpy reductions."""
    if x is None:
        return None
    x = float(x)
    if not math.isfinite(x):
        return None
    return float(f"{x:.12g}")


def values_matrix(spec: DecisionSpec, runs: pd.DataFrame, objective: str) -> np.ndarray:
    """options x futures of one objective, NaN where the run failed or is missing."""
    out = np.full((len(spec.options), spec.n_futures), np.nan)
    if runs.empty:
        return out
    ok = runs[runs["status"] == "ok"]
    option = ok[OPTION_KEY].map({name: i for i, name in enumerate(spec.options)}).to_numpy()
    future = ok[DRAW_KEY].to_numpy(dtype=np.int64) * spec.seeds + ok["replication"].to_numpy()
    out[option.astype(np.int64), future] = ok[objective].to_numpy(dtype=np.float64)
    return out


def winners(signed: np.ndarray) -> np.ndarray:
    """options x futures weights of being best: 1/k for each of k tied best options."""
    best = signed.max(axis=0)
    tol = _TIE * np.maximum(1.0, np.abs(best))
    top = signed >= best - tol
    return top / top.sum(axis=0)


def regret(signed: np.ndarray) -> np.ndarray:
    """options x futures shortfall from the best option of each future (0 for ties)."""
    best = signed.max(axis=0)
    gap = best - signed
    gap[gap <= _TIE * np.maximum(1.0, np.abs(best))] = 0.0
    return gap


def compare(values: np.ndarray, sign: float, threshold: float | None) -> dict[str, np.ndarray]:
    """The per-option statistics of one objective over futures where all options have values."""
    signed = sign * values
    w = winners(signed)
    r = regret(signed)
    stats = {
        "median": np.median(values, axis=1),
        "p5": np.percentile(values, 5, axis=1),
        "p95": np.percentile(values, 95, axis=1),
        "mean": values.mean(axis=1),
        "p_best": w.mean(axis=1),
        "regret_mean": r.mean(axis=1),
        "regret_max": r.max(axis=1),
        "regret_p95": np.percentile(r, 95, axis=1),
    }
    if threshold is not None:
        meets = values >= threshold if sign > 0 else values <= threshold
        stats["satisficing"] = meets.mean(axis=1)
    return stats


def _ranking(stats: dict[str, np.ndarray]) -> list[int]:
    """Options by P(best), then by expected regret (lower first), then by spec order."""
    n = len(stats["p_best"])
    return sorted(
        range(n),
        key=lambda i: (
            -round(float(stats["p_best"][i]), 12),
            round(float(stats["regret_mean"][i]), 12),
            i,
        ),
    )


def analyze_decision(
    spec: DecisionSpec,
    runs: pd.DataFrame,
    futures: pd.DataFrame | None = None,
    sequential: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Every figure of the decision as JSON-ready data (deterministic for the same runs).

    ``spec`` covers every batch run (:func:`abm.decide.batches.combined`), ``futures`` is
    their table (default: ``spec.futures()``, one batch), ``sequential`` the sequential
    design's rule, batches and why it stopped.
    """
    from abm.decide.population import agents, approximation_note

    counts = runs["status"].value_counts().to_dict() if not runs.empty else {}
    counts = {k: int(counts.get(k, 0)) for k in ("ok", "error", "timeout")}
    total = len(spec.options) * spec.n_futures
    futures = spec.futures() if futures is None else futures
    objectives = []
    for objective in spec.objectives:
        objectives.append(_objective(spec, runs, objective, futures))
    joint = _joint(spec, runs)
    population = [agents(s) for _, s in spec.scenario.options]
    info = population[0] if population and all(p == population[0] for p in population) else None
    note = approximation_note(info)
    batches = 1 if sequential is None else int(sequential["batches"])
    return {
        "format": FORMAT,
        "name": spec.name,
        "horizon": spec.horizon,
        "model": spec.model,
        "options": [
            {"name": n, "description": d}
            for n, d in zip(spec.options, spec.descriptions, strict=True)
        ],
        "reference": spec.reference,
        "agents": info,
        "sequential": sequential,
        "futures": {
            "count": spec.n_futures,
            "draws": len(spec.draws),
            "batches": batches,
            "draws_per_batch": len(spec.draws) // batches,
            "seeds": spec.seeds,
            "root_seed": spec.seed,
            "common_random_numbers": True,
            "parameters": list(spec.uncertain),
            "posterior": spec.posterior,
            "posterior_rows": spec.posterior_rows,
            "ranges": {r.key: [r.low, r.high] for r in spec.ranges},
            "uncertainty": spec.uncertainty_note(),
            "parameters_at_scenario_values": not spec.uncertain,
        },
        "runs": {
            "total": total,
            "recorded": len(runs),
            "complete": len(runs) == total,
            "counts": counts,
        },
        "objectives": objectives,
        "joint_satisficing": joint,
        "summary": ([f"{note[0].upper()}{note[1:]}."] if note else []) + _summary(spec, objectives),
    }


def _objective(
    spec: DecisionSpec, runs: pd.DataFrame, objective: Any, futures: pd.DataFrame
) -> dict[str, Any]:
    values = values_matrix(spec, runs, objective.name)
    valid = np.all(np.isfinite(values), axis=0)
    entry: dict[str, Any] = {
        **objective.to_dict(),
        "futures_used": int(valid.sum()),
        "futures_dropped": int((~valid).sum()),
    }
    if not valid.any():
        entry.update(
            options=[],
            ranking=[],
            leader=None,
            reference=None,
            discovery=None,
            mde=spec.mde.get(objective.name),
            effects=[],
            stopping=None,
            value_of_information=None,
            variance=[],
            note="no future in which every option has a value",
        )
        return entry
    v = values[:, valid]
    stats = compare(v, objective.sign, objective.threshold)
    order = _ranking(stats)
    draws = (np.arange(spec.n_futures) // spec.seeds)[valid]
    clusters = effects.clusters_of(draws)
    intervals = effects.p_best(winners(objective.sign * v), clusters)
    entry["options"] = [
        {"name": name}
        | {k: _f(s[i]) for k, s in stats.items()}
        | {"p_best_low": _f(intervals[i].low), "p_best_high": _f(intervals[i].high)}
        for i, name in enumerate(spec.options)
    ]
    entry["ranking"] = [spec.options[i] for i in order]
    entry["leader"] = spec.options[order[0]]
    entry["reference"] = _against_reference(spec, v, objective.sign)
    mde = spec.mde.get(objective.name)
    entry["mde"] = mde
    entry["effects"] = [
        {k: _f(x) if isinstance(x, float) else x for k, x in row.items()}
        for row in effects.pairwise(v, spec.options, objective.sign, clusters, mde)
    ]
    entry["stopping"] = _settle(spec, objective, v, order[0], clusters)
    params = futures.loc[valid, list(spec.uncertain)].reset_index(drop=True)
    entry["discovery"] = _discovery(spec, v, objective.sign, order, params)
    voi, variance = _information(spec, v, objective.sign, draws, params)
    entry["value_of_information"] = voi
    entry["variance"] = variance
    return entry


def _settle(
    spec: DecisionSpec, objective: Any, v: np.ndarray, leader: int, clusters: np.ndarray
) -> dict[str, Any]:
    """Where the objective stands against the sequential design's stopping rule."""
    from abm.decide.sequential import DEFAULT_WIDTH, assess_objective, describe

    width = DEFAULT_WIDTH if spec.sequential is None else spec.sequential.width
    w = winners(objective.sign * v)
    state = assess_objective(
        v, w, leader, spec.options, objective.sign, clusters, width, spec.mde.get(objective.name)
    )
    state["sentence"] = describe(state, objective.unit)
    return _json(state)


def _json(x: Any) -> Any:
    """Floats rounded as :func:`_f` does, in nested dicts and lists."""
    if isinstance(x, dict):
        return {k: _json(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_json(v) for v in x]
    if isinstance(x, float | np.floating):
        return _f(x)
    return x


def stopping(spec: DecisionSpec, runs: pd.DataFrame) -> list[dict[str, Any]]:
    """Where every objective stands against the stopping rule (the sequential design's
    test after each batch: no PRIM, no regressions)."""
    out = []
    for objective in spec.objectives:
        values = values_matrix(spec, runs, objective.name)
        valid = np.all(np.isfinite(values), axis=0)
        if not valid.any():
            continue
        v = values[:, valid]
        order = _ranking(compare(v, objective.sign, None))
        clusters = effects.clusters_of((np.arange(spec.n_futures) // spec.seeds)[valid])
        out.append({"objective": objective.name} | _settle(spec, objective, v, order[0], clusters))
    return out


def _groups(spec: DecisionSpec, numeric: list[str]) -> dict[str, list[str]]:
    """The parameter groups: the posterior's, the ranges', and all of them."""
    ranges = {r.key for r in spec.ranges}
    return {
        POSTERIOR: [k for k in numeric if k not in ranges],
        RANGES: [k for k in numeric if k in ranges],
        ALL: list(numeric),
    }


def _information(
    spec: DecisionSpec, v: np.ndarray, sign: float, draws: np.ndarray, params: pd.DataFrame
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The value of information of each parameter and group, and each pair's variance
    shares, from one set of regressions on the draws (see :mod:`abm.decide.voi`)."""
    from abm.decide import variance, voi

    x, _ = _numeric_params(params) if spec.uncertain else (pd.DataFrame(), [])
    numeric = list(x.columns)
    matrix = x.to_numpy(dtype=np.float64) if numeric else np.zeros((v.shape[1], 0))
    nb, xd, w = voi.by_draw(sign * v, draws, matrix)
    groups = _groups(spec, numeric)
    fits: dict[frozenset[str], np.ndarray] = {}
    if numeric and len(nb) >= 2:
        columns = {name: xd[:, j] for j, name in enumerate(numeric)}
        result, fits = voi.value_of_information(nb, columns, groups, w, spec.seed)
        for row in result["rows"]:
            row["label"] = GROUP_LABELS.get(row["name"], row["name"])
    else:
        why = "no uncertain parameter varies" if not numeric else "one parameter draw"
        result = {"rows": [], "note": f"{why}: nothing to learn but seeds"}
    explained_by = {
        g: fits[frozenset(members)]
        for g, members in groups.items()
        if g != ALL and members and frozenset(members) in fits
    }
    shares = []
    for i, j in itertools.combinations(range(len(spec.options)), 2):
        explained = {g: f[:, i] - f[:, j] for g, f in explained_by.items()}
        s = variance.shares(v[i] - v[j], draws, explained, w)
        shares.append({"a": spec.options[i], "b": spec.options[j]} | _json(s))
    return _json(result), shares


def _against_reference(spec: DecisionSpec, v: np.ndarray, sign: float) -> dict[str, Any] | None:
    """Each option minus the reference, future by future (the cost or gain of the choice)."""
    if spec.reference is None:
        return None
    ref = spec.options.index(spec.reference)
    out = []
    for i, name in enumerate(spec.options):
        if i == ref:
            continue
        diff = v[i] - v[ref]
        better = sign * diff
        tol = _TIE * np.maximum(1.0, np.abs(v[ref]))
        out.append(
            {
                "option": name,
                "median": _f(np.median(diff)),
                "p5": _f(np.percentile(diff, 5)),
                "p95": _f(np.percentile(diff, 95)),
                "mean": _f(diff.mean()),
                "p_better": _f(np.mean(better > tol)),
                "p_worse": _f(np.mean(better < -tol)),
            }
        )
    return {"option": spec.reference, "differences": out}


def _joint(spec: DecisionSpec, runs: pd.DataFrame) -> dict[str, Any] | None:
    """Share of futures in which an option meets every threshold at once."""
    with_threshold = [o for o in spec.objectives if o.threshold is not None]
    if len(with_threshold) < 2:
        return None
    meets = []
    valid = np.ones(spec.n_futures, dtype=bool)
    for o in with_threshold:
        values = values_matrix(spec, runs, o.name)
        valid &= np.all(np.isfinite(values), axis=0)
        meets.append(o.meets(np.nan_to_num(values, nan=-o.sign * np.inf)))
    if not valid.any():
        return None
    together = np.logical_and.reduce(meets)[:, valid]
    return {
        "objectives": [o.name for o in with_threshold],
        "futures_used": int(valid.sum()),
        "options": {n: _f(together[i].mean()) for i, n in enumerate(spec.options)},
    }


# ---------------------------------------------------------------------- scenario discovery
def _numeric_params(params: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The parameters PRIM can cut: numeric and not constant over the futures."""
    keep, dropped = [], []
    for column in params.columns:
        values = params[column]
        if pd.api.types.is_bool_dtype(values):
            params = params.assign(**{column: values.astype(np.int64)})
            values = params[column]
        if pd.api.types.is_numeric_dtype(values) and values.nunique() > 1:
            keep.append(column)
        else:
            dropped.append(column)
    return params[keep].astype(np.float64), dropped


def prim_box(x: pd.DataFrame, y: np.ndarray, density: float) -> dict[str, Any]:
    """PRIM's box for ``y`` (booleans) over ``x``: on the peeling trajectory, the box of
    largest coverage whose density reaches ``density``; if none does, the densest box."""
    import prim

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        finder = prim.Prim(x, y.astype(np.float64), threshold=0.5, threshold_type=">")
        box = finder.find_box()
        trajectory = box.peeling_trajectory.reset_index(drop=True)
        meets = trajectory["density"] >= density - 1e-12
        if meets.any():
            candidates = trajectory[meets]
            i = int(candidates.index[np.argmax(candidates["coverage"].to_numpy())])
        else:
            dens = trajectory["density"].to_numpy()
            best = np.flatnonzero(dens >= dens.max() - 1e-12)
            i = int(best[np.argmax(trajectory["coverage"].to_numpy()[best])])
        box.select(i)
        limits = box.limits
    row = trajectory.iloc[i]
    inside = np.ones(len(x), dtype=bool)
    cuts = []
    for name in limits.index:
        low, high = float(limits.at[name, "min"]), float(limits.at[name, "max"])
        lo_all, hi_all = float(x[name].min()), float(x[name].max())
        cut_low, cut_high = low > lo_all, high < hi_all
        inside &= (x[name].to_numpy() >= low) & (x[name].to_numpy() <= high)
        cuts.append(
            {
                "parameter": str(name),
                "low": _f(low) if cut_low else None,
                "high": _f(high) if cut_high else None,
                "range": [_f(lo_all), _f(hi_all)],
                "quasi_p": _f(limits.at[name, "qp values"]),
            }
        )
    return {
        "coverage": _f(row["coverage"]),
        "density": _f(row["density"]),
        "mass": _f(row["mass"]),
        "futures_in_box": int(inside.sum()),
        "meets_density": bool(meets.any()),
        "limits": cuts,
        "rule": rule_text(cuts),
        "trajectory_index": i,
        "trajectory_length": len(trajectory),
    }


def rule_text(cuts: list[dict[str, Any]]) -> str:
    """The box as a sentence: ``a >= 0.61 and 0.1 <= b <= 0.3``."""
    parts = []
    for c in cuts:
        low, high, name = c["low"], c["high"], c["parameter"]
        if low is not None and high is not None:
            parts.append(f"{low:.3g} <= {name} <= {high:.3g}")
        elif low is not None:
            parts.append(f"{name} >= {low:.3g}")
        elif high is not None:
            parts.append(f"{name} <= {high:.3g}")
    return " and ".join(parts) if parts else "anywhere in the ranges explored"


def _discovery(
    spec: DecisionSpec, v: np.ndarray, sign: float, order: list[int], params: pd.DataFrame
) -> dict[str, Any]:
    if not spec.uncertain:
        return {
            "pairs": [],
            "note": "no uncertain parameters (parameters at the scenario's "
            "values): the futures differ only by seed, so there are no conditions to find",
        }
    x, dropped = _numeric_params(params)
    if x.shape[1] == 0:
        return {"pairs": [], "note": "no uncertain parameter varies numerically over the futures"}
    if v.shape[1] < _MIN_FUTURES_PRIM:
        return {"pairs": [], "note": f"fewer than {_MIN_FUTURES_PRIM} futures: too few for PRIM"}
    leaders = order[: spec.leaders]
    signed = sign * v
    pairs = []
    for a, b in itertools.combinations(leaders, 2):
        tol = _TIE * np.maximum(1.0, np.maximum(np.abs(signed[a]), np.abs(signed[b])))
        pair: dict[str, Any] = {"a": spec.options[a], "b": spec.options[b], "boxes": []}
        for winner, loser in ((a, b), (b, a)):
            wins = signed[winner] > signed[loser] + tol
            share = float(wins.mean())
            pair[f"share_{'a' if winner == a else 'b'}_wins"] = _f(share)
            if wins.sum() == 0:
                continue
            few = max(3, math.ceil(0.05 * len(wins)))
            box: dict[str, Any]
            if wins.sum() < few and not wins.all():
                box = {
                    "note": f"wins in only {int(wins.sum())} futures: too few for a box",
                    "coverage": None,
                    "density": None,
                    "mass": None,
                    "limits": [],
                    "rule": "",
                }
            elif wins.all():
                box = {
                    "note": "wins in every future",
                    "coverage": 1.0,
                    "density": 1.0,
                    "mass": 1.0,
                    "limits": [],
                    "rule": rule_text([]),
                }
            else:
                box = prim_box(x, wins, spec.density)
            pair["boxes"].append({"winner": spec.options[winner], "base_rate": _f(share)} | box)
        pairs.append(pair)
    out: dict[str, Any] = {
        "parameters": list(x.columns),
        "density_target": spec.density,
        "pairs": pairs,
    }
    if dropped:
        out["not_used"] = dropped
    return out


def _summary(spec: DecisionSpec, objectives: list[dict[str, Any]]) -> list[str]:
    """One sentence per objective: who leads, how often, at what regret."""
    lines = []
    for o in objectives:
        if not o.get("options"):
            lines.append(f"{o['label']}: no comparison ({o.get('note', '')})")
            continue
        lead = next(x for x in o["options"] if x["name"] == o["leader"])
        lines.append(
            f"{o['label']} ({o['direction']}, {o['at']}): {o['leader']} is best in "
            f"{100 * lead['p_best']:.0f} % [{100 * lead['p_best_low']:.0f}, "
            f"{100 * lead['p_best_high']:.0f}] of {o['futures_used']} futures "
            f"(expected regret {lead['regret_mean']:.4g}, worst {lead['regret_max']:.4g})"
        )
    return lines


def tables(decision: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """The effects, variance shares and value of information of every objective as flat
    tables (``effects.csv``, ``variance.csv``, ``voi.csv`` of a decision folder)."""
    eff, var, info = [], [], []
    for o in decision["objectives"]:
        head = {"objective": o["name"], "unit": o.get("unit", "")}
        eff += [head | row for row in o.get("effects") or []]
        var += [head | row for row in o.get("variance") or []]
        voi = o.get("value_of_information") or {}
        for rank, row in enumerate(voi.get("rows", []), start=1):
            members = ";".join(row["members"])
            info.append(
                head
                | {"rank": rank, "name": row["name"], "kind": row["kind"], "members": members}
                | {"evppi": row["evppi"], "noise_floor": voi.get("noise_floor")}
            )
    return {
        "effects.csv": pd.DataFrame(eff),
        "variance.csv": pd.DataFrame(var),
        "voi.csv": pd.DataFrame(info),
    }

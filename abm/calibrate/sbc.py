"""Simulation-based calibration (SBC): does the calibration recover what it estimates?

    python -m abm.calibrate.sbc calibration/history.toml --out results/sbc --n 50 --resume
    make sbc                                    # the full run, written to calibration/sbc/

Talts, Betancourt, Simpson, Vehtari and Gelman (2018, "Validating Bayesian inference
algorithms with simulation-based calibration", arXiv:1804.06788): if parameters are drawn
from the prior and data from the model at them, the rank of each true value among L draws of
its posterior is uniform on 0..L, and every central q interval covers the truth with
probability q, whatever the model, for an exact method. A method that is overconfident gives
U-shaped rank histograms and coverage below q; one that returns the prior back covers
correctly but does not contract, so contraction is reported beside coverage.

For each of ``n`` synthetic calibrations (a *unit*), on the spec's own parameters, priors,
targets, dates and run length, at a reduced budget (particles, generations, run budget and
firm agents, all stated in the summary):

1. the true vector is drawn from the prior with ``SeedSequence(seed, (i, 0))``;
2. the model runs once at it through the sweep engine (:func:`abm.calibrate.smc.simulate`),
   giving every fitted target's statistic; each pseudo-observation adds Gaussian noise with
   the target's stated sd (``SeedSequence(seed, (i, 2))``), as the distance assumes;
3. the calibration runs on those pseudo-observations with its own seed, on the engine that
   stays open for the whole SBC (:class:`abm.calibrate.smc.Calibrator`, ``outputs=False``);
4. from the last generation: L draws by weight (``SeedSequence(seed, (i, 4))``), the truth's
   rank among them, its weighted posterior CDF, whether the central 50 % and 90 % intervals
   hold it, and the contraction 1 - posterior 90 % width / prior 90 % width (in the prior's
   working space: logs for log-scaled priors);
5. ``units/NNN.json`` is written atomically: a unit counts as done once it exists.

A killed SBC continues with ``--resume``: finished units are read, an unfinished unit's
truth sweep and calibration resume as sweeps and calibrations do, so the summary is the
same, bit for bit. Unit i's draws depend only on the seed and i, so ``--n`` may grow on a
resumed folder. :func:`summarize` (pure: tested on a conjugate normal model whose posterior
is known, and on a deliberately overconfident one that must fail) gives, per parameter, the
rank histogram, a chi-square test of its uniformity, the coverage of the 50 % and 90 %
intervals with Clopper-Pearson 95 % intervals, and the mean contraction.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from abm.calibrate.abc import weighted_quantile
from abm.calibrate.adjust import posterior
from abm.calibrate.smc import (
    Calibrator,
    _int_seed,
    load_population,
    lock_folder,
    simulate,
    write_json,
)
from abm.calibrate.spec import CalibrationSpec, load_calibration_spec
from abm.calibrate.targets import TargetSet
from abm.errors import UserError

FORMAT = "abm-sbc/1"
MANIFEST = "sbc.json"
SUMMARY = "summary.json"
FIGURE = "ranks.png"
# the posteriors each unit is judged on: the sampler's last generation, and the same
# particles after the regression adjustment (abm/calibrate/adjust.py), at no extra runs
METHODS = {
    "parameters": ("ABC-SMC (abm calibrate), last generation", FIGURE),
    "adjusted": (
        "the same particles after the regression adjustment (abm/calibrate/adjust.py)",
        "ranks-adjusted.png",
    ),
}
LEVELS = (0.5, 0.9)
# the acceptance bands for the coverage of each central interval
BANDS = {0.5: (0.45, 0.55), 0.9: (0.85, 0.95)}
FULL = 50  # synthetic calibrations the Done-when asks for; fewer is labelled a toy run
DRAWS = 99  # L: ranks run 0..99, so 100 values bin evenly into 4, 5, 10 or 20 bins
UNIFORM_P = 0.01  # a rank histogram with a chi-square p below this is not uniform
REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "calibration" / "sbc"
DOC = REPO / "docs" / "calibration.md"
BEGIN, END = "<!-- sbc:begin -->", "<!-- sbc:end -->"


@dataclass(frozen=True)
class Settings:
    """What decides every unit's result (the SBC folder's identity), beside the spec."""

    seed: int = 1
    particles: int = 40
    generations: int = 1
    max_runs: int = 200
    firms: int = 200
    draws: int = DRAWS


# ----------------------------------------------------------------------------- statistics


def rank(truth: float, draws: np.ndarray) -> int:
    """Talts et al.'s rank statistic: how many of the L posterior draws lie below the truth
    (0..L)."""
    return int(np.sum(np.asarray(draws, dtype=float) < truth))


def unit_statistics(
    truth: float,
    sample: np.ndarray,
    weights: np.ndarray,
    prior_width: float,
    draws: np.ndarray,
    log: bool = False,
) -> dict[str, Any]:
    """One parameter of one synthetic calibration: the truth's rank among ``draws``, its
    weighted posterior CDF ``u``, the posterior quantiles, whether each central interval of
    :data:`LEVELS` holds it, and the contraction against the prior's 90 % width (widths in
    logs when ``log``)."""
    x = np.asarray(sample, dtype=float)
    w = np.asarray(weights, dtype=float) / np.sum(weights)
    qs = {q: weighted_quantile(x, w, q) for q in (0.05, 0.25, 0.5, 0.75, 0.95)}
    out: dict[str, Any] = {
        "truth": float(truth),
        "rank": rank(truth, draws),
        "u": float(np.sum(w[x < truth])),
        **{f"q{round(q * 100):02d}": float(v) for q, v in qs.items()},
    }
    for level in LEVELS:
        lo, hi = weighted_quantile(x, w, (1 - level) / 2), weighted_quantile(x, w, (1 + level) / 2)
        out[f"covered_{round(level * 100)}"] = bool(lo <= truth <= hi)
    width = (math.log(qs[0.95]) - math.log(qs[0.05])) if log else qs[0.95] - qs[0.05]
    out["contraction"] = 1.0 - width / prior_width if prior_width > 0 else math.nan
    return out


def prior_width(prior: Any, log: bool) -> float:
    """A prior's central 90 % width, in logs when ``log``: what contraction is measured against."""
    lo, hi = prior.quantiles([0.05, 0.95])
    return math.log(hi) - math.log(lo) if log else hi - lo


def resample(weights: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of ``size`` draws from a weighted sample, with replacement, by weight: the L
    posterior draws the ranks are taken among."""
    w = np.asarray(weights, dtype=float)
    return rng.choice(len(w), size=size, p=w / w.sum())


def clopper_pearson(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """The exact binomial interval of a proportion k / n."""
    from scipy.stats import binomtest

    if n == 0:
        return math.nan, math.nan
    ci = binomtest(k, n).proportion_ci(confidence, method="exact")
    return float(ci.low), float(ci.high)


def rank_bins(n: int, draws: int) -> int:
    """Bins of a rank histogram: the most of 20, 10, 5 that divide L + 1 and leave at least
    5 units a bin, else 4 (Talts et al. bin ranks so each bin's count is not too small)."""
    for bins in (20, 10, 5):
        if (draws + 1) % bins == 0 and n >= 5 * bins:
            return bins
    return 4 if (draws + 1) % 4 == 0 else 1


def summarize_parameter(records: list[dict[str, Any]], draws: int) -> dict[str, Any]:
    """One parameter over all units: rank histogram and its uniformity, coverage of each
    central interval with its binomial interval and whether it lies in the issue's band, and
    the contraction."""
    from scipy.stats import binom, chisquare

    n = len(records)
    ranks = np.array([r["rank"] for r in records], dtype=int)
    bins = rank_bins(n, draws)
    counts = np.bincount(ranks * bins // (draws + 1), minlength=bins)
    p = float(chisquare(counts).pvalue) if n and bins > 1 else math.nan
    expected = n / bins
    out: dict[str, Any] = {
        "units": n,
        "ranks": ranks.tolist(),
        "bins": bins,
        "histogram": counts.tolist(),
        # where 99 % of a bin's counts fall when the ranks are uniform (the figure's band)
        "uniform_band": [
            float(binom.ppf(0.005, n, 1 / bins)),
            float(binom.ppf(0.995, n, 1 / bins)),
        ],
        "expected_per_bin": expected,
        "uniformity_p": p,
        "uniform": bool(not p < UNIFORM_P),
    }
    for level in LEVELS:
        key = round(level * 100)
        k = sum(bool(r[f"covered_{key}"]) for r in records)
        lo, hi = clopper_pearson(k, n)
        band = BANDS[level]
        share = k / n if n else math.nan
        out[f"coverage_{key}"] = {
            "covered": k,
            "share": share,
            "ci95": [lo, hi],
            "band": list(band),
            "in_band": bool(band[0] <= share <= band[1]),
        }
    c = np.array([r["contraction"] for r in records], dtype=float)
    out["contraction_mean"] = float(np.nanmean(c)) if n else math.nan
    out["contraction_median"] = float(np.nanmedian(c)) if n else math.nan
    out["passed"] = bool(out["coverage_90"]["in_band"])
    return out


def summarize(units: list[dict[str, Any]], keys: list[str], draws: int) -> dict[str, Any]:
    """Every parameter's summary (:func:`summarize_parameter`) over the finished units, and
    the verdict: the issue's criterion, 90 % coverage within 85-95 % for every parameter."""
    params = {k: summarize_parameter([u["parameters"][k] for u in units], draws) for k in keys}
    return {
        "parameters": params,
        "passed": all(p["passed"] for p in params.values()),
        "failed": [k for k, p in params.items() if not p["passed"]],
    }


# ----------------------------------------------------------------------------- the runs


def reduced(spec: CalibrationSpec, s: Settings) -> CalibrationSpec:
    """The spec at the SBC's budget: its particles, generations, run budget and firm
    agents; parameters, priors, targets, dates and run length unchanged."""
    fixed = {**spec.fixed, "population.firms": s.firms}
    return dataclasses.replace(
        spec,
        base=spec.base.with_overrides({"population.firms": s.firms}),
        method=dataclasses.replace(spec.method, particles=s.particles),
        budget=dataclasses.replace(spec.budget, generations=s.generations, max_runs=s.max_runs),
        fixed=fixed,
        text=None,
    )


def _rng(seed: int, key: tuple[int, ...]) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))


class SBC:
    """Runs (or resumes) an SBC of one calibration spec into a folder."""

    def __init__(
        self,
        spec: CalibrationSpec,
        out: str | Path,
        settings: Settings,
        *,
        workers: int | None = None,
        engine: str = "local",
        scheduler: str | None = None,
        progress: bool | None = False,
        log: Any = None,
    ):
        if settings.max_runs < settings.particles:
            raise UserError(
                f"--max-runs {settings.max_runs} cannot fill one generation of "
                f"{settings.particles} particles"
            )
        self.source = spec
        self.spec = reduced(spec, settings)
        self.settings = settings
        self.root = Path(out)
        self.workers, self.engine, self.scheduler = workers, engine, scheduler
        self.progress = progress
        self.log = log if log is not None else (lambda m: print(m, file=sys.stderr, flush=True))
        base = self.spec.base
        self.targets, _ = self.spec.targets.split(
            base.start, self.spec.steps, list(base.regions), list(base.districts)
        )
        self.sd = np.array([t.sd for t in self.targets])

    # ------------------------------------------------------------ folder
    def identity(self) -> dict[str, Any]:
        return {"spec_digest": self.source.digest(), **dataclasses.asdict(self.settings)}

    def _open(self, resume: bool) -> dict[str, Any]:
        root = self.root
        if root.exists() and not root.is_dir():
            raise UserError(f"--out {root}: exists and is not a folder")
        path = root / MANIFEST
        if path.is_file():
            try:
                manifest = json.loads(path.read_text())
            except ValueError as exc:
                raise UserError(f"{path}: unreadable SBC manifest ({exc})") from None
            if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
                raise UserError(f"{path}: not an SBC manifest of format {FORMAT}")
            if manifest.get("identity") != self.identity():
                raise UserError(
                    f"--out {root}: holds an SBC of another spec or budget; use a new --out, "
                    "or the spec and flags that made it"
                )
            if not resume:
                raise UserError(
                    f"--out {root}: already holds this SBC; add --resume to continue it, or "
                    "choose a new --out"
                )
            return manifest
        if root.is_dir() and any(p.name != ".lock" for p in root.iterdir()):
            raise UserError(f"--out {root}: folder is not empty and holds no SBC")
        root.mkdir(parents=True, exist_ok=True)
        manifest = {
            "format": FORMAT,
            "spec": self.source.source,
            "name": self.source.name,
            "identity": self.identity(),
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        write_json(path, manifest)
        return manifest

    def _unit_path(self, i: int) -> Path:
        return self.root / "units" / f"{i:03d}.json"

    def run(self, n: int, resume: bool = False) -> dict[str, Any]:
        """Run units 0..n-1 (those not yet written), then write the summary and figure."""
        from abm.sweep.engines import check_engine_args, open_engine

        check_engine_args(self.engine, self.workers, self.scheduler)
        began = time.monotonic()
        self._open(resume)
        lock = lock_folder(self.root, "SBC")
        try:
            todo = [i for i in range(n) if not self._unit_path(i).is_file()]
            if todo:
                with open_engine(self.engine, self.workers, self.scheduler) as eng:
                    for i in todo:
                        self._unit(eng, i)
                        self.log(f"sbc {self.source.name}: unit {i + 1} of {n} done")
            return self.write_summary(n, time.monotonic() - began)
        finally:
            lock.close()

    def _unit(self, eng: Any, i: int) -> None:
        s = self.settings
        folder = self.root / "units" / f"{i:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        truth = self.spec.prior.sample(1, _rng(s.seed, (i, 0)))
        stats, ok = simulate(
            eng,
            self.spec,
            self.targets,
            folder / "truth",
            truth,
            seed=_int_seed(s.seed, (i, 1)),
            title=f"sbc {self.source.name} unit {i} truth",
            progress=self.progress,
        )
        record: dict[str, Any] = {
            "unit": i,
            "truth": dict(zip(self.spec.keys, truth[0].tolist(), strict=True)),
        }
        if not ok[0]:  # a statistic undefined at this truth: reported, not calibrated
            write_json(self._unit_path(i), record | {"status": "truth run failed"})
            return
        noise = _rng(s.seed, (i, 2)).standard_normal(len(self.targets)) * self.sd
        observed = stats[0] + noise
        record["observed"] = dict(zip([t.id for t in self.targets], observed.tolist(), strict=True))
        cal = dataclasses.replace(
            self.spec,
            name=f"{self.source.name}-sbc-{i:03d}",
            seed=_int_seed(s.seed, (i, 3)),
            targets=TargetSet(
                f"<sbc unit {i}>",
                tuple(
                    dataclasses.replace(t, observed=float(y), note="SBC pseudo-observation")
                    for t, y in zip(self.targets, observed, strict=True)
                ),
                "SBC pseudo-observations",
            ),
        )
        out = folder / "calibration"
        if out.is_dir() and not (out / "calibration.json").is_file():
            shutil.rmtree(out)  # killed before its manifest: nothing in it to keep
        calibrator = Calibrator(cal, out, progress=self.progress, log=lambda m: None)
        report = calibrator.run(resume=True, eng=eng, outputs=False)
        last = load_population(out, report.generations - 1, calibrator.keys, calibrator.ids)
        assert last is not None
        record.update(
            status="ok",
            generations=report.generations,
            runs=report.runs,
            stopped=report.stopped,
            epsilon=report.epsilon,
            ess=float(last.meta["ess"]),
            parameters=self._posterior(i, truth[0], observed, last, "none"),
            adjusted=self._posterior(i, truth[0], observed, last, "linear"),
        )
        write_json(self._unit_path(i), record)

    def _posterior(
        self, i: int, truth: np.ndarray, observed: np.ndarray, last: Any, how: str
    ) -> Any:
        """The unit's statistics on the posterior its last generation gives, as the spec
        keeps it, plain (``how = "none"``) or regression-adjusted (``"linear"``)."""
        m = self.spec.method
        params, weights = posterior(
            last.params, last.stats, last.weights, observed, self.sd, self.spec.prior,
            accept=m.accept, how=how, ridge=m.ridge,
        )  # fmt: skip
        return self._statistics(i, truth, params, weights)

    def _statistics(
        self, i: int, truth: np.ndarray, params: np.ndarray, weights: np.ndarray
    ) -> dict[str, Any]:
        idx = resample(weights, self.settings.draws, _rng(self.settings.seed, (i, 4)))
        prior = self.spec.prior
        out = {}
        for j, p in enumerate(self.spec.priors):
            log = bool(prior.log_scaled[j])
            width = prior_width(p, log)
            out[p.key] = unit_statistics(
                truth[j], params[:, j], weights, width, params[idx, j], log
            )
        return out

    # ------------------------------------------------------------ summary
    def units(self, n: int) -> list[dict[str, Any]]:
        """The finished units; a unit written before the adjustment existed gets it from
        its calibration folder (the last generation's particles and statistics)."""
        out = []
        for i in range(n):
            unit = json.loads(self._unit_path(i).read_text())
            if unit.get("status") == "ok" and "adjusted" not in unit:
                folder = self.root / "units" / f"{i:03d}" / "calibration"
                ids = [t.id for t in self.targets]
                last = load_population(folder, unit["generations"] - 1, self.spec.keys, ids)
                if last is not None:
                    truth = np.array([unit["truth"][k] for k in self.spec.keys])
                    observed = np.array([unit["observed"][t] for t in ids])
                    unit["adjusted"] = self._posterior(i, truth, observed, last, "linear")
            out.append(unit)
        return out

    def write_summary(self, n: int, wall_s: float = math.nan) -> dict[str, Any]:
        units = self.units(n)
        done = [u for u in units if u.get("status") == "ok"]
        s = self.settings
        summary = {
            "format": FORMAT,
            "spec": _relative(self.source.source),
            "name": self.source.name,
            "command": command_line(self.source.source, n, s),
            "method": METHODS["parameters"][0],
            "units": n,
            "calibrated": len(done),
            "truth_failed": n - len(done),
            "full": len(done) >= FULL,
            "budget": {
                "particles": s.particles,
                "generations": s.generations,
                "max_runs": s.max_runs,
                "firms": s.firms,
                "steps": self.spec.steps,
                "start": f"{self.spec.base.start:%Y-%m}",
                "draws": s.draws,
                "seed": s.seed,
            },
            "shipped_budget": {
                "particles": self.source.method.particles,
                "generations": self.source.budget.generations,
                "max_runs": self.source.budget.max_runs,
                "firms": int(self.source.base.population.firms),
            },
            "targets": [t.id for t in self.targets],
            "priors": {p.key: p.describe() for p in self.spec.priors},
            "runs": int(sum(u["runs"] for u in done)),
            "runs_per_unit": float(np.mean([u["runs"] for u in done])) if done else math.nan,
            "ess_mean": float(np.mean([u["ess"] for u in done])) if done else math.nan,
            "ess_min": float(np.min([u["ess"] for u in done])) if done else math.nan,
            **summarize(done, self.spec.keys, s.draws),
        }
        if done and all("adjusted" in u for u in done):
            summary["adjusted"] = summarize(
                [{"parameters": u["adjusted"]} for u in done], self.spec.keys, s.draws
            ) | {"method": METHODS["adjusted"][0]}
        write_json(self.root / SUMMARY, summary)
        figure(summary, self.root / FIGURE)
        if "adjusted" in summary:
            figure(summary, self.root / METHODS["adjusted"][1], "adjusted")
        self.log(
            f"sbc {self.source.name}: {len(done)} calibrations, {summary['runs']} runs"
            + (f", {wall_s:.0f} s" if math.isfinite(wall_s) else "")
            + f"; summary.json and {FIGURE} in {self.root}"
        )
        return summary


def _relative(path: str) -> str:
    try:
        return str(Path(path).resolve().relative_to(REPO))
    except ValueError:
        return path


def command_line(spec: str, n: int, s: Settings) -> str:
    return (
        f"python -m abm.calibrate.sbc {_relative(spec)} --n {n} --particles {s.particles} "
        f"--generations {s.generations} --max-runs {s.max_runs} --firms {s.firms} "
        f"--seed {s.seed} --out DIR"
    )


# ----------------------------------------------------------------------------- report


def figure(summary: dict[str, Any], path: Path, method: str = "parameters") -> None:
    """The rank histograms of one method (:data:`METHODS`), one panel per parameter, with
    the band where 99 % of a bin's counts fall when the ranks are uniform (Talts et al.'s
    figure)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    params = (summary if method == "parameters" else summary[method])["parameters"]
    cols = min(4, max(1, len(params)))
    rows = math.ceil(len(params) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.4 * rows), squeeze=False)
    for ax, (key, p) in zip(axes.flat, params.items(), strict=False):
        bins = p["bins"]
        lo, hi = p["uniform_band"]
        ax.axhspan(lo, hi, color="0.85", zorder=0)
        ax.axhline(p["expected_per_bin"], color="0.5", lw=0.8)
        ax.bar(range(bins), p["histogram"], width=0.9, color="#4c78a8")
        ax.set_title(".".join(key.split(".")[-2:]), fontsize=9)
        c90 = p["coverage_90"]["share"]
        ax.set_xlabel(f"rank bin (90 % cov. {c90:.0%})", fontsize=8)
        ax.set_xticks([])
    for ax in list(axes.flat)[len(params) :]:
        ax.axis("off")
    kind = "" if summary["full"] else "TOY run: "
    what = "" if method == "parameters" else " after the regression adjustment"
    fig.suptitle(
        f"{kind}SBC rank histograms{what}, {summary['calibrated']} synthetic calibrations "
        "(grey: 99 % band of uniform ranks)",
        fontsize=9,
    )
    fig.tight_layout()
    tmp = path.with_name(f".{path.name}.tmp.png")
    fig.savefig(tmp, dpi=90)
    plt.close(fig)
    tmp.replace(path)


def _pct(x: float) -> str:
    return f"{100 * x:.0f} %" if math.isfinite(x) else "-"


def markdown(summary: dict[str, Any], figure_path: str = "../calibration/sbc/ranks.png") -> str:
    """The SBC section of docs/calibration.md, from a summary.json."""
    b, sh = summary["budget"], summary["shipped_budget"]
    n = summary["calibrated"]
    head = (
        f"**A toy run** ({n} synthetic calibrations, fewer than the {FULL} the check asks for): "
        "it shows the machinery, not the method's calibration at the shipped budget."
        if not summary["full"]
        else f"{n} synthetic calibrations."
    )
    lines = [
        head,
        "",
        f"Made by `{summary['command']}` (then `--write`), on `{summary['spec']}`: "
        f"{len(summary['priors'])} parameters, {len(summary['targets'])} fitted targets, "
        f"{b['steps']} months from {b['start']}. Budget of each synthetic calibration: "
        f"{b['particles']} particles, {b['generations']} generation(s) after the prior, at "
        f"most {b['max_runs']} runs, {b['firms']:,} firm agents (the shipped calibration: "
        f"{sh['particles']} particles, {sh['generations']} generations, {sh['max_runs']:,} "
        f"runs, {sh['firms']:,} agents). {summary['runs']:,} model runs in all "
        f"({summary['runs_per_unit']:.0f} a calibration); effective sample size of the last "
        f"generation {summary['ess_mean']:.0f} on average, {summary['ess_min']:.1f} at the "
        f"least, of {b['particles']} particles; {summary['truth_failed']} truth run(s) failed. "
        f"Ranks among L = {b['draws']} posterior draws.",
        "",
    ]
    lines += _table(summary, summary["priors"])
    lines += ["", f"![SBC rank histograms]({figure_path})"]
    if "adjusted" in summary:
        adjusted = figure_path.replace(FIGURE, METHODS["adjusted"][1])
        lines += [
            "",
            f"**After the regression adjustment** ({summary['adjusted']['method']}; the same "
            "units, particles and runs):",
            "",
            *_table(summary["adjusted"], summary["priors"]),
            "",
            f"![SBC rank histograms after the regression adjustment]({adjusted})",
        ]
    return "\n".join(lines)


def _table(result: dict[str, Any], priors: dict[str, str]) -> list[str]:
    """One method's coverage table and verdict."""
    lines = [
        "| parameter | prior | 50 % coverage [95 % CI] | 90 % coverage [95 % CI] | "
        "rank uniformity p | contraction (mean) | 90 % in 85-95 % |",
        "|---|---|---|---|---|---|---|",
    ]
    for key, p in result["parameters"].items():
        cells = []
        for level in (50, 90):
            c = p[f"coverage_{level}"]
            lo, hi = c["ci95"]
            cells.append(
                f"{_pct(c['share'])} ({c['covered']}/{p['units']}) [{_pct(lo)}, {_pct(hi)}]"
            )
        lines.append(
            f"| `{key}` | {priors[key]} | {cells[0]} | {cells[1]} | "
            f"{p['uniformity_p']:.2f} | {p['contraction_mean']:.2f} | "
            f"{'yes' if p['passed'] else '**no**'} |"
        )
    verdict = (
        "every parameter's 90 % coverage lies within 85-95 %"
        if result["passed"]
        else "90 % coverage outside 85-95 % for " + ", ".join(f"`{k}`" for k in result["failed"])
    )
    shares = [p["coverage_90"]["share"] for p in result["parameters"].values()]
    mean = float(np.mean(shares)) if shares else math.nan
    lo, hi = BANDS[0.9]
    reading = (
        "below the band: the intervals are too narrow (overconfident)"
        if mean < lo
        else "above the band: the intervals are too wide (conservative)"
        if mean > hi
        else "within the band"
    )
    return [
        *lines,
        "",
        f"Verdict: {verdict}. Mean 90 % coverage over the parameters {_pct(mean)}, {reading}.",
    ]


def write(folder: Path, dest: Path = SHIPPED, doc: Path | None = DOC) -> list[Path]:
    """Copy an SBC's summary and figure to ``dest`` (the repository's calibration/sbc/) and
    rewrite the SBC section of the docs from it."""
    from abm.calibrate.ship import write_table

    if not (folder / SUMMARY).is_file():
        raise UserError(f"{folder}: no {SUMMARY} (run the SBC first)")
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for name in (SUMMARY, *(f for _, f in METHODS.values())):
        if (folder / name).is_file():
            shutil.copyfile(folder / name, dest / name)
            written.append(dest / name)
    if doc is not None:
        summary = json.loads((dest / SUMMARY).read_text())
        if write_table(doc, markdown(summary), BEGIN, END):
            written.append(doc)
    return written


# ----------------------------------------------------------------------------- command


def main(argv: list[str] | None = None) -> int:
    from abm.cli import MAX_SEED, int_at_least
    from abm.cliutil import INTERRUPTED, add_run_flags, interrupt_on_sigterm
    from abm.errors import ScenarioError

    p = argparse.ArgumentParser(
        prog="python -m abm.calibrate.sbc", description=__doc__.split("\n")[0]
    )
    p.add_argument("spec", metavar="SPEC.toml", help="the calibration spec")
    d = Settings()
    for flag, default, least, what in (
        ("--n", 12, 1, "synthetic calibrations"),
        ("--particles", d.particles, 4, "particles of each"),
        ("--generations", d.generations, 0, "generations after the prior, at most"),
        ("--max-runs", d.max_runs, 1, "model runs of each, at most"),
        ("--firms", d.firms, 1, "firm agents of every run"),
        ("--seed", d.seed, 0, "root seed of every draw"),
    ):
        p.add_argument(flag, type=int_at_least(least, MAX_SEED), default=default, help=what)
    p.add_argument(
        "--write",
        metavar="DIR",
        help="copy summary.json and ranks.png to DIR (calibration/sbc: also the docs' section)",
    )
    add_run_flags(p, "continue the SBC already in --out")
    args = p.parse_args(argv)
    settings = Settings(args.seed, args.particles, args.generations, args.max_runs, args.firms)
    try:
        spec = load_calibration_spec(args.spec)
        sbc = SBC(spec, args.out, settings, workers=args.workers, engine=args.engine,
                  scheduler=args.scheduler)  # fmt: skip
        interrupt_on_sigterm()
        summary = sbc.run(args.n, resume=args.resume)
        if args.write:
            dest = Path(args.write)
            doc = DOC if dest.resolve() == SHIPPED.resolve() else None
            for path in write(Path(args.out), dest, doc):
                print(f"wrote {path}")
    except ScenarioError as exc:
        for problem in exc.problems:
            print(f"abm: error: {problem}", file=sys.stderr)
        return 2
    except UserError as exc:
        print(f"abm: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            f"abm: sbc interrupted; finished units are saved in {args.out}; run the same "
            "command with --resume to finish",
            file=sys.stderr,
        )
        return INTERRUPTED
    print(markdown(summary, FIGURE))
    return 0


if __name__ == "__main__":
    sys.exit(main())

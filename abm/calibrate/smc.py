"""ABC-SMC as pyabc defines it, driven one generation at a time through the sweep engine.

Why not ``pyabc.ABCSMC`` itself: its samplers draw from numpy's global random state in
worker processes and keep their state in SQLite, so a run cannot be repeated from a seed
or resumed after ``kill -9`` with the same draws, and its runs would bypass the project's
sweep engine. This driver keeps pyabc's method and its pieces, in a few lines each in
:mod:`abm.calibrate.abc` (the perturbation kernel of ``MultivariateNormalTransition``, the
tolerance schedule of ``QuantileEpsilon``, the distance ``PNormDistance`` and its median
absolute deviation scale; tested against pyabc's own results), and replaces the sampler:

* generation 0 is ``particles`` draws from the prior (every draw accepted, the
  calibration sample that pyabc also starts from);
* generation t >= 1: the distance weights are set (``uncertainty``: 1 / the stated sd of
  each target; ``adaptive``: 1 / the median absolute deviation of generation t-1's
  simulations, Prangle 2017); the tolerance is the ``epsilon_quantile`` of generation
  t-1's weighted distances; the kernel is fitted to generation t-1. Proposals are drawn
  in batches from the kernel with a ``numpy.random.Generator`` seeded by
  ``SeedSequence(seed, (t, batch))``, outside the prior's support redrawn; each batch runs
  as one sweep (local or Dask, streamed to Parquet, resumable); particles are accepted in
  proposal order while ``distance <= epsilon`` until ``particles`` are accepted (the
  first n by proposal order, as pyabc's batch samplers do, so nothing depends on which
  run finished first); weights are prior / kernel density, normalised.
* A generation is written atomically once complete (``generations/gen-NN.parquet``), so
  a resumed calibration restarts at the first unfinished generation, whose batches the
  sweep engine resumes: the same spec and seed give the same posterior, killed or not.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from abm.calibrate import abc
from abm.calibrate.spec import CalibrationSpec
from abm.calibrate.targets import Target
from abm.errors import UserError

FORMAT = "abm-calibration/1"
MANIFEST = "calibration.json"
GENERATIONS, RUNS = "generations", "runs"
_LOCK = ".lock"
_MIN_BATCH = 8


# ----------------------------------------------------------------------------- files


def _atomic_write(path: Path, write: Any) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    write(tmp)
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def write_json(path: Path, data: dict[str, Any]) -> None:
    _atomic_write(
        path,
        lambda p: Path(p).write_text(json.dumps(data, indent=2, default=_json_default) + "\n"),
    )


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return str(value)


def read_manifest(root: Path) -> dict[str, Any] | None:
    path = Path(root) / MANIFEST
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise UserError(f"{path}: unreadable calibration manifest ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise UserError(f"{path}: not a calibration manifest of format {FORMAT}")
    return data


def _seed(root: int, key: tuple[int, ...]) -> np.random.SeedSequence:
    return np.random.SeedSequence(root, spawn_key=key)


def _int_seed(root: int, key: tuple[int, ...]) -> int:
    """A 63-bit seed for a sweep (fits its int64 columns), from the root seed and a key."""
    return int(_seed(root, key).generate_state(1, np.uint64)[0] >> np.uint64(1))


def lock_folder(root: Path, what: str) -> Any:
    """Hold ``root/.lock`` exclusively (close the returned file to release it): a second
    process writing the same folder stops with one line instead of mixing its files in."""
    import fcntl

    fh = open(root / _LOCK, "a+")  # noqa: SIM115 - held while the caller writes
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.close()
        raise UserError(f"--out {root}: another {what} is writing to it now") from None
    return fh


# ----------------------------------------------------------------------------- data


@dataclass
class Population:
    """One finished generation: accepted particles and what the next generation needs."""

    t: int
    params: np.ndarray  # accepted, n x d
    weights: np.ndarray  # normalised
    distances: np.ndarray  # under this generation's distance
    stats: np.ndarray  # accepted particles' statistics, n x k
    where: list[tuple[int, int]]  # (batch, run_id) of each accepted particle's run
    all_stats: np.ndarray  # statistics of every proposal simulated (for adaptive scales)
    meta: dict[str, Any] = field(default_factory=dict)

    def frame(self, keys: list[str], stat_ids: list[str]) -> pd.DataFrame:
        data: dict[str, Any] = {k: self.params[:, i] for i, k in enumerate(keys)}
        data["weight"] = self.weights
        data["distance"] = self.distances
        data["batch"] = np.array([b for b, _ in self.where], dtype=np.int64)
        data["run_id"] = np.array([r for _, r in self.where], dtype=np.int64)
        for j, s in enumerate(stat_ids):
            data[f"stat:{s}"] = self.stats[:, j]
        return pd.DataFrame(data)


def _save_population(root: Path, pop: Population, keys: list[str], ids: list[str]) -> None:
    folder = root / GENERATIONS
    folder.mkdir(exist_ok=True)
    table = pa.Table.from_pandas(pop.frame(keys, ids), preserve_index=False)
    allstats = pa.table({f"stat:{s}": pop.all_stats[:, j] for j, s in enumerate(ids)})
    _atomic_write(folder / f"all-{pop.t:02d}.parquet", lambda p: pq.write_table(allstats, p))
    write_json(folder / f"gen-{pop.t:02d}.json", pop.meta)
    # the population file last: a generation counts as done once it exists
    _atomic_write(folder / f"gen-{pop.t:02d}.parquet", lambda p: pq.write_table(table, p))


def load_population(root: Path, t: int, keys: list[str], ids: list[str]) -> Population | None:
    folder = Path(root) / GENERATIONS
    path = folder / f"gen-{t:02d}.parquet"
    if not path.is_file():
        return None
    frame = pd.read_parquet(path)
    allstats = pd.read_parquet(folder / f"all-{t:02d}.parquet")
    meta = json.loads((folder / f"gen-{t:02d}.json").read_text())

    def rows(table: pd.DataFrame, columns: list[str]) -> np.ndarray:
        # row-major, as the generation had them in memory: pandas gives column-major
        # blocks, and BLAS sums a column-major matrix in another order, so the kernel of
        # a resumed calibration differed in the last bits (and with it every later draw)
        return np.ascontiguousarray(table[columns].to_numpy(dtype=float))

    return Population(
        t,
        rows(frame, keys),
        frame["weight"].to_numpy(dtype=float),
        frame["distance"].to_numpy(dtype=float),
        rows(frame, [f"stat:{s}" for s in ids]),
        list(zip(frame["batch"].tolist(), frame["run_id"].tolist(), strict=True)),
        rows(allstats, [f"stat:{s}" for s in ids]),
        meta,
    )


# ----------------------------------------------------------------------------- the driver


@dataclass
class CalibrationReport:
    out: Path
    generations: int
    runs: int
    epsilon: float
    stopped: str
    wall_s: float
    setup_s: float


class Calibrator:
    """Runs (or resumes) one calibration into a folder."""

    def __init__(
        self,
        spec: CalibrationSpec,
        out: str | Path,
        *,
        workers: int | None = None,
        engine: str = "local",
        scheduler: str | None = None,
        progress: bool | None = None,
        log: Any = None,
    ):
        self.spec = spec
        self.root = Path(out)
        self.workers, self.engine, self.scheduler = workers, engine, scheduler
        self.progress = progress
        self.log = log if log is not None else (lambda msg: print(msg, file=sys.stderr, flush=True))
        self.keys = spec.keys
        self.prior = spec.prior
        used, skipped = spec.targets.split(
            spec.base.start, spec.steps, list(spec.base.regions), list(spec.base.districts)
        )
        self.targets: list[Target] = used
        self.skipped = skipped
        self.ids = [t.id for t in used]
        self.observed = np.array([t.observed for t in used])
        self.sd = np.array([t.sd for t in used])
        self.setup_s = 0.0

    # ------------------------------------------------------------ folder
    def _open(self, resume: bool) -> dict[str, Any]:
        root = self.root
        if root.exists() and not root.is_dir():
            raise UserError(f"--out {root}: exists and is not a folder")
        manifest = read_manifest(root) if root.is_dir() else None
        if manifest is None:
            if root.is_dir() and any(p.name != _LOCK for p in root.iterdir()):
                raise UserError(
                    f"--out {root}: folder is not empty and holds no calibration; "
                    "choose a new or empty folder"
                )
        else:
            if manifest.get("spec_digest") != self.spec.digest():
                raise UserError(
                    f"--out {root}: holds a different calibration "
                    f"({manifest.get('name')}); use a new --out, or the spec that made it"
                )
            if not resume:
                state = manifest.get("state", "unfinished")
                raise UserError(
                    f"--out {root}: already holds this calibration ({state}, "
                    f"{manifest.get('generations_done', 0)} generations); add --resume to "
                    "finish it, or choose a new --out"
                )
        root.mkdir(parents=True, exist_ok=True)
        if manifest is None:
            manifest = {
                "format": FORMAT,
                "name": self.spec.name,
                "spec_digest": self.spec.digest(),
                "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "state": "running",
                "parameters": self.keys,
                "targets_used": self.ids,
                "targets_skipped": self.skipped,
                "generations_done": 0,
                "runs": 0,
                "method": "ABC-SMC (pyabc 0.13's kernel, tolerance and distance; "
                "generation-by-generation driver)",
                "files": {
                    "posterior": "posterior.parquet",
                    "fit": "fit.json",
                    "report": "report.html",
                    "generations": f"{GENERATIONS}/gen-NN.parquet",
                    "runs": f"{RUNS}/gNN-bNN/ (sweep folders)",
                },
            }
            write_json(root / "spec.json", self.spec.resolved())
            if self.spec.text is not None:
                text = self.spec.text
                _atomic_write(root / "spec.toml", lambda p: Path(p).write_text(text))
            write_json(root / MANIFEST, manifest)
        return manifest

    def _lock(self) -> Any:
        return lock_folder(self.root, "calibration")

    # ------------------------------------------------------------ running
    def run(
        self, resume: bool = False, *, eng: Any = None, outputs: bool = True
    ) -> CalibrationReport:
        """Run or resume. ``eng``: an engine already open (the SBC runs many calibrations
        on one, :mod:`abm.calibrate.sbc`); ``outputs=False`` skips posterior.parquet,
        fit.json and report.html (the generations hold the posterior)."""
        began = time.monotonic()
        from abm.sweep.engines import check_engine_args

        check_engine_args(self.engine, self.workers, self.scheduler)
        manifest = self._open(resume)
        lock = self._lock()
        try:
            from contextlib import nullcontext

            from abm.sweep.engines import open_engine

            opened = open_engine(self.engine, self.workers, self.scheduler)
            with nullcontext(eng) if eng is not None else opened as engine:
                self._eng = engine
                self.setup_s = time.monotonic() - began
                report = self._generations(manifest, began)
            manifest.update(
                state="complete",
                stopped=report.stopped,
                epsilon=report.epsilon,
                generations_done=report.generations,
                runs=report.runs,
                updated=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            )
            write_json(self.root / MANIFEST, manifest)
            if outputs:
                from abm.calibrate.report import write_outputs

                write_outputs(self.root, self.spec)
        except KeyboardInterrupt:
            manifest.update(state="interrupted", updated=time.strftime("%Y-%m-%dT%H:%M:%S%z"))
            write_json(self.root / MANIFEST, manifest)
            raise
        finally:
            lock.close()
        report.wall_s = time.monotonic() - began
        return report

    def _generations(self, manifest: dict[str, Any], began: float) -> CalibrationReport:
        budget = self.spec.budget
        runs = 0
        previous: Population | None = None
        t = 0
        stopped = ""
        while True:
            pop = load_population(self.root, t, self.keys, self.ids)
            if pop is None:
                if t > 0 and (why := self._stop(previous, t, runs)):
                    stopped = why
                    break
                pop = self._generation(t, previous, runs)
                if pop is None:
                    stopped = (
                        f"the run budget ({budget.max_runs}) ran out during generation {t}; "
                        f"the posterior is generation {t - 1}"
                    )
                    break
                _save_population(self.root, pop, self.keys, self.ids)
                self._say(pop)
            runs += int(pop.meta["runs"])
            manifest.update(generations_done=t + 1, runs=runs, epsilon=pop.meta["epsilon"])
            write_json(self.root / MANIFEST, manifest)
            previous = pop
            t += 1
        assert previous is not None
        return CalibrationReport(
            self.root,
            previous.t + 1,
            runs,
            float(previous.meta["epsilon"]),
            stopped,
            time.monotonic() - began,
            self.setup_s,
        )

    def _stop(self, previous: Population | None, t: int, runs: int) -> str | None:
        budget = self.spec.budget
        assert previous is not None
        eps = float(previous.meta["epsilon"])
        acc = float(previous.meta["acceptance_rate"])
        if t > budget.generations:
            return f"reached {budget.generations} generations after the prior sample"
        if t > 1 and eps <= budget.min_epsilon:
            return f"tolerance {eps:.4g} <= min_epsilon {budget.min_epsilon:g}"
        if t > 1 and acc < budget.min_acceptance:
            return f"acceptance rate {acc:.3f} < min_acceptance {budget.min_acceptance:g}"
        if runs >= budget.max_runs:
            return f"used the run budget ({budget.max_runs} runs)"
        return None

    def _say(self, pop: Population) -> None:
        m = pop.meta
        self.log(
            f"calibrate {self.spec.name}: generation {pop.t}: tolerance {m['epsilon']:.4g}, "
            f"accepted {len(pop.weights)} of {m['proposed']} ({m['acceptance_rate']:.0%}), "
            f"ESS {m['ess']:.0f}, {m['runs']} runs ({m['failed']} failed)"
        )

    # ------------------------------------------------------------ one generation
    def _weights(self, t: int, previous: Population | None) -> np.ndarray:
        """Distance weights of generation t (one per used target)."""
        if self.spec.method.distance == "uncertainty" or previous is None:
            return 1.0 / self.sd
        finite = previous.all_stats[np.all(np.isfinite(previous.all_stats), axis=1)]
        scale = abc.median_absolute_deviation(finite)
        scale = np.where(np.isfinite(scale) & (scale > 0), scale, self.sd)
        return 1.0 / scale

    def _distances(self, weights: np.ndarray, stats: np.ndarray) -> np.ndarray:
        """The weighted 2-norm distance of each run's statistics to the observed ones;
        infinite for a run with a statistic missing."""
        out = np.full(len(stats), np.inf)
        ok = np.all(np.isfinite(stats), axis=1)
        out[ok] = abc.pnorm_distances(stats[ok], self.observed, weights, p=2)
        return out

    def _generation(
        self, t: int, previous: Population | None, runs_before: int
    ) -> Population | None:
        spec, n = self.spec, self.spec.method.particles
        weights = self._weights(t, previous)
        if previous is None:
            eps, kernel = math.inf, None
        else:
            prev_d = self._distances(weights, previous.stats)
            eps = abc.quantile_epsilon(prev_d, previous.weights, spec.method.epsilon_quantile)
            kernel = fit_kernel(
                self.prior, previous.params, previous.weights, spec.method.kernel_scaling
            )
        rate = 1.0 if previous is None else max(float(previous.meta["acceptance_rate"]), 0.02)
        if previous is not None and t == 1:
            rate = spec.method.epsilon_quantile
        accepted: list[tuple[int, int, np.ndarray, np.ndarray, float]] = []
        all_stats: list[np.ndarray] = []
        runs = failed = proposed = 0
        batch = 0
        while len(accepted) < n:
            left = spec.budget.max_runs - runs_before - runs
            if left <= 0:
                return None
            need = n - len(accepted)
            size = need if previous is None else max(_MIN_BATCH, math.ceil(1.15 * need / rate))
            size = max(2, min(size, left))
            rng = np.random.Generator(np.random.PCG64(_seed(spec.seed, (t, batch))))
            params = self._propose(size, rng, kernel)
            stats, ok = self._simulate(t, batch, params, eps)
            runs += size
            failed += int((~ok).sum())
            all_stats.append(stats[ok])
            dist = self._distances(weights, stats)
            for i in range(size):
                proposed += 1
                if ok[i] and dist[i] <= eps:
                    accepted.append((batch, i, params[i], stats[i], dist[i]))
                    if len(accepted) == n:
                        break
            rate = max(len(accepted) / proposed, 0.01)
            batch += 1
        theta = np.array([a[2] for a in accepted])
        w = np.full(n, 1.0 / n) if kernel is None else importance_weights(self.prior, kernel, theta)
        meta = {
            "t": t,
            "epsilon": eps,
            "distance": spec.method.distance,
            "distance_weights": dict(zip(self.ids, weights.tolist(), strict=True)),
            "proposed": proposed,
            "runs": runs,
            "failed": failed,
            "batches": batch,
            "acceptance_rate": n / proposed,
            "ess": abc.effective_sample_size(w),
        }
        return Population(
            t,
            theta,
            w,
            np.array([a[4] for a in accepted]),
            np.array([a[3] for a in accepted]),
            [(a[0], a[1]) for a in accepted],
            np.vstack(all_stats) if all_stats else np.zeros((0, len(self.ids))),
            meta,
        )

    def _propose(self, size: int, rng: np.random.Generator, kernel: Any) -> np.ndarray:
        if kernel is None:
            return self.prior.sample(size, rng)
        return propose(self.prior, kernel, size, rng)

    def _simulate(
        self, t: int, batch: int, params: np.ndarray, eps: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """Run one batch through the sweep engine; (statistics n x k, run succeeded)."""
        label = "prior" if math.isinf(eps) else f"tolerance {eps:.3g}"
        return simulate(
            self._eng,
            self.spec,
            self.targets,
            self.root / RUNS / f"g{t:02d}-b{batch:02d}",
            params,
            seed=_int_seed(self.spec.seed, (t, batch, 1)),
            title=f"{self.spec.name} gen {t} batch {batch} ({label})",
            progress=self.progress,
        )


def simulate(
    eng: Any,
    spec: CalibrationSpec,
    targets: list[Target],
    out: Path,
    params: np.ndarray,
    *,
    seed: int,
    title: str,
    progress: bool | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Run the spec's base scenario at each row of ``params`` as one sweep into ``out`` (a
    batch file ``out.json`` beside it names the particles) on the open engine, resuming a
    batch already begun; (the targets' statistics n x k, run succeeded). What a
    calibration's batches and the SBC's pseudo-observations (:mod:`abm.calibrate.sbc`)
    both run."""
    from abm.calibrate.batches import run_batch
    from abm.calibrate.check import keep_for
    from abm.calibrate.simmodel import write_batch
    from abm.sweep.spec import load_spec
    from abm.sweep.store import MANIFEST as MANIFEST_FILE
    from abm.sweep.store import damaged_parts, load_results, load_series, read_manifest

    out.parent.mkdir(parents=True, exist_ok=True)
    batch_file = out.with_name(f"{out.name}.json")
    write_batch(batch_file, spec.base, spec.keys, params.tolist())
    keep = keep_for(targets)  # what the check's runs keep too
    model_cols = list(keep.series)
    region_cols = list(keep.region_series)
    district_cols = list(keep.district_series)
    sweep = {
        "sweep": {
            "name": title,
            "scenario": str(batch_file.resolve()),
            "model": "abm.calibrate.simmodel",
            "steps": spec.steps,
            "seed": seed,
            "common_random_numbers": False,
            **({"timeout": spec.timeout} if spec.timeout else {}),
        },
        "design": {"method": "grid"},
        "parameters": {"particle": _particles(len(params))},
        "metrics": {
            "final": [],
            "regions": [],
            "series": model_cols,
            "region_series": region_cols,
            "district_series": district_cols,
        },
    }
    if out.is_dir() and not (out / MANIFEST_FILE).is_file():
        # killed as the sweep opened, before its manifest (no run is recorded before it):
        # the sweep store would refuse the folder, so a resume starts the batch afresh
        shutil.rmtree(out)
    manifest = read_manifest(out) if out.is_dir() else None
    finished = manifest is not None and manifest.get("state") == "complete"
    if not finished or damaged_parts(out):  # a damaged part's runs run again
        regions = list(spec.base.regions)
        districts = list(spec.base.districts)
        series = (
            model_cols
            + [f"{c}.{r}" for c in region_cols for r in regions]
            + [f"{c}.{d}" for c in district_cols for d in districts]
        )
        run_batch(
            eng, load_spec(sweep), out, series, resume=manifest is not None, progress=progress
        )
    runs = load_results(out, columns=["run_id", "status"])
    ok = np.zeros(len(params), dtype=bool)
    ok[runs["run_id"].to_numpy()] = (runs["status"] == "ok").to_numpy()
    frames = load_series(out)
    stats = np.full((len(params), len(targets)), np.nan)
    start = spec.base.start
    for run_id, frame in frames.groupby("run_id", sort=True):
        steps = frame["step"].to_numpy()
        cols = {c: frame[c].to_numpy() for c in frame.columns if c not in ("run_id", "step")}
        row = int(run_id)  # type: ignore[arg-type]  # run_id is an integer column
        stats[row] = [tg.compute(steps, cols, start) for tg in targets]
    ok &= np.all(np.isfinite(stats), axis=1)
    return stats, ok


def _particles(n: int) -> Any:
    """The sweep's one parameter, the particle number 0..n-1 (a range needs two values)."""
    return {"low": 0, "high": n - 1, "num": n} if n > 1 else [0]


def fit_kernel(
    prior: Any, params: np.ndarray, weights: np.ndarray, scaling: float
) -> abc.GaussianKernel:
    """The perturbation kernel (pyabc's MultivariateNormalTransition) fitted to a generation
    in the prior's working space (the log of log-scaled parameters: see
    ``PriorSet.to_work``)."""
    return abc.GaussianKernel(prior.to_work(params), weights, scaling)


def propose(prior: Any, kernel: Any, size: int, rng: np.random.Generator) -> np.ndarray:
    """``size`` parameter vectors from the fitted kernel within the prior's support: a
    particle of the last generation by weight, moved by the kernel's Gaussian in the working
    space, drawn with our generator (pyabc's own sampler reads numpy's global state)."""
    x, w = kernel.X, kernel.w
    out = np.empty((0, len(prior.keys)))
    for _ in range(1000):
        k = size - len(out)
        idx = rng.choice(len(x), size=k, p=w / w.sum())
        step = rng.multivariate_normal(np.zeros(len(prior.keys)), kernel.cov, size=k)
        draw = prior.from_work(x[idx] + step)
        out = np.vstack([out, draw[prior.pdf(draw) > 0]])
        if len(out) >= size:
            return out[:size]
    raise UserError("the perturbation kernel keeps leaving the prior's support")


def importance_weights(prior: Any, kernel: Any, theta: np.ndarray) -> np.ndarray:
    """Normalised weights prior / proposal of accepted particles, both in the working space."""
    u = prior.to_work(theta)
    w = prior.work_pdf(u) / kernel.pdf(u)
    return w / w.sum()


def calibrate(
    spec: Any,
    out: str | Path,
    *,
    workers: int | None = None,
    engine: str = "local",
    scheduler: str | None = None,
    resume: bool = False,
    progress: bool | None = None,
) -> CalibrationReport:
    """Run (or resume) a calibration from a spec file, dict or loaded spec (from Python)."""
    from abm.calibrate.spec import load_calibration_spec

    loaded = spec if isinstance(spec, CalibrationSpec) else load_calibration_spec(spec)
    return Calibrator(
        loaded, out, workers=workers, engine=engine, scheduler=scheduler, progress=progress
    ).run(resume=resume)

"""The results folder: Parquet part files written atomically, a manifest, and resume.

Layout of a sweep folder ``DIR``::

    manifest.json        what the folder holds, columns, progress (rewritten atomically)
    spec.json            the resolved spec (base scenario inlined); spec.toml: the file as given
    design.parquet       the design matrix of the range parameters (one row per sample)
    runs/part-NNNNN.parquet     one row per finished run
    series/part-NNNNN.parquet   per-step series of the runs in runs/part-NNNNN (if kept)

Every part is written to a dot-named temporary file (readers skip those) and
renamed into place, so a ``kill -9`` at any moment leaves only whole parts.
A series part is written before the runs part with the same number: a run
counts as done only once its runs part exists, and on resume series parts
without their runs part are removed, so series rows are never duplicated.
Row order inside parts follows completion order; :func:`load_results` sorts by
``run_id`` (do the same when reading the folder with other tools).

**Compaction.** A finished sweep merges its parts into one runs part and one series
part (``abm sweep compact DIR`` does it for an interrupted one), so reading stays fast
however many restarts and flushes made them. It is crash-safe through a journal in
the manifest: ``compaction = {into: N, parts: [...]}`` is saved first, then the merged
series part N and the merged runs part N are written (the runs part is the commit
point), then the old parts are deleted and the journal cleared. Opening the folder
finishes or undoes a compaction that was interrupted, and the readers here skip the
superseded parts meanwhile, so rows are never lost or counted twice.

**Retrying failures.** ``--resume --retry-failed`` rewrites each runs part without its
failed and timed-out rows (one atomic replace per part), so those runs are missing
again and run anew; a kill part-way leaves each part either filtered or not, and the
next call does the rest.

**State.** ``manifest.json`` says ``running``, ``complete``, ``interrupted`` (Ctrl-C,
SIGTERM) or ``failed`` (with ``error``). A sweep killed with SIGKILL cannot say so: its
manifest still says ``running`` but no process holds the folder's lock, which
:func:`folder_state` reports as ``killed``.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from abm.errors import UserError
from abm.sweep.host import Outcome
from abm.sweep.plan import Plan
from abm.sweep.spec import SweepSpec, identity_of

FORMAT = "abm-sweep/1"
MANIFEST, SPEC_JSON, SPEC_TOML, DESIGN = "manifest.json", "spec.json", "spec.toml", "design.parquet"
RUNS, SERIES = "runs", "series"
ID_COLUMNS = ("run_id", "setting", "sample", "replication", "seed")
STATUS_COLUMNS = ("status", "error")
TAIL_COLUMNS = ("elapsed_s", "traceback")  # wall-clock and diagnostics: not part of results
_LOCK = ".lock"
_PART = re.compile(r"^part-(\d+)\.parquet$")


def _atomic_write(path: Path, write: Any) -> None:
    """Write through a dot-named temp file in the same folder, fsync, then rename.

    A failed write (a full disk) removes its temp file, freeing the space it took."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def _write_json(path: Path, data: dict[str, Any]) -> None:
    _atomic_write(path, lambda p: p.write_text(json.dumps(data, indent=2, default=str) + "\n"))


def _parts(folder: Path) -> dict[int, Path]:
    if not folder.is_dir():
        return {}
    found = {}
    for entry in folder.iterdir():
        match = _PART.match(entry.name)
        if match:
            found[int(match.group(1))] = entry
    return dict(sorted(found.items()))


def _param_type(values: list[Any]) -> pa.DataType:
    if all(isinstance(v, bool) for v in values):
        return pa.bool_()
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return pa.int64()
    if all(isinstance(v, str) for v in values):
        return pa.string()
    return pa.float64()


def runs_schema(spec: SweepSpec, metrics: list[str]) -> pa.Schema:
    """Column order: ids, varied parameters, status, metrics, then wall-clock/diagnostics."""
    fields = [pa.field(c, pa.int64()) for c in ID_COLUMNS]
    for lv in spec.levels:
        fields.append(pa.field(lv.key, _param_type(list(lv.values))))
    for r in spec.ranges:
        fields.append(pa.field(r.key, pa.int64() if r.integer else pa.float64()))
    fields += [pa.field(c, pa.string()) for c in STATUS_COLUMNS]
    fields += [pa.field(m, pa.float64()) for m in metrics]
    fields += [pa.field("elapsed_s", pa.float64()), pa.field("traceback", pa.string())]
    return pa.schema(fields)


def series_schema(columns: list[str]) -> pa.Schema:
    return pa.schema(
        [pa.field("run_id", pa.int64()), pa.field("step", pa.int64())]
        + [pa.field(c, pa.float64()) for c in columns]
    )


def _live_parts(root: Path, manifest: dict[str, Any] | None) -> tuple[dict, dict]:
    """Runs and series parts that hold the results (superseded parts of a compaction that
    was interrupted after its commit point are left out; see the module doc)."""
    runs, series = _parts(root / RUNS), _parts(root / SERIES)
    pending = (manifest or {}).get("compaction")
    if isinstance(pending, dict) and pending.get("into") in runs:
        old = set(pending.get("parts", ())) - {pending["into"]}
        runs = {n: p for n, p in runs.items() if n not in old}
        series = {n: p for n, p in series.items() if n not in old}
    return runs, {n: p for n, p in series.items() if n in runs}


def folder_state(root: Path) -> str | None:
    """The state of a sweep folder: the manifest's, or ``killed`` for a ``running`` sweep
    whose process is gone (no one holds its lock)."""
    manifest = read_manifest(root)
    if manifest is None:
        return None
    state = manifest.get("state")
    if state != "running":
        return state
    try:
        with open(root / _LOCK, "a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return "running"
    except OSError:
        return state
    return "killed"


def read_manifest(root: Path) -> dict[str, Any] | None:
    path = root / MANIFEST
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise UserError(f"{path}: unreadable sweep manifest ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise UserError(f"{path}: not a sweep manifest of format {FORMAT}")
    return data


def _differences(old: dict[str, Any], new: dict[str, Any], prefix: str = "") -> list[str]:
    keys = sorted(set(old) | set(new))
    out = []
    for key in keys:
        a, b = old.get(key), new.get(key)
        if a == b:
            continue
        if isinstance(a, dict) and isinstance(b, dict) and key != "base":
            out += _differences(a, b, f"{prefix}{key}.")
        else:
            out.append(f"{prefix}{key}")
    return out


class SweepStore:
    """Writes one sweep's results; holds a lock on the folder while open."""

    def __init__(self, root: Path, spec: SweepSpec, plan: Plan, manifest: dict[str, Any]):
        self.root = root
        self.spec = spec
        self.plan = plan
        self.manifest = manifest
        self.done = np.zeros(plan.n_runs if plan is not None else 0, dtype=bool)
        self.counts: Counter[str] = Counter()
        self._rows: list[dict[str, Any]] = []
        self._series: list[Outcome] = []
        self._series_rows = 0
        self._next_part = 0
        self._last_flush = time.monotonic()
        self._lock_file: Any = None
        self._new = False  # this call created the sweep in the folder
        self._made_dir = False
        self._retry_failed = False
        self.retried = 0  # failed runs dropped to run again
        self.runs_schema: pa.Schema | None = None
        self.series_schema: pa.Schema | None = None

    # ----------------------------------------------------------------- opening
    @staticmethod
    def check(root: Path, spec: SweepSpec, resume: bool) -> dict[str, Any] | None:
        """Refuse a folder that could lose data (without writing anything); its manifest."""
        if root.exists() and not root.is_dir():
            raise UserError(f"--out {root}: exists and is not a folder")
        manifest = read_manifest(root) if root.is_dir() else None
        if manifest is None:
            leftovers = [p.name for p in root.iterdir() if p.name != _LOCK] if root.is_dir() else []
            if leftovers:
                raise UserError(
                    f"--out {root}: folder is not empty and holds no sweep; "
                    "choose a new or empty folder"
                )
        else:
            SweepStore._check_same(root, spec, manifest, resume)
        return manifest

    @classmethod
    def open(
        cls, root: Path, spec: SweepSpec, plan: Plan, resume: bool, retry_failed: bool = False
    ) -> SweepStore:
        """Open ``root`` for this spec: new, or resumed; refuse anything that could lose data.

        With ``retry_failed`` the failed and timed-out runs recorded so far are dropped, so
        that they run again."""
        root = Path(root)
        cls.check(root, spec, resume)  # before creating anything
        store = cls(root, spec, plan, {})
        store._retry_failed = retry_failed
        store._made_dir = not root.exists()
        root.mkdir(parents=True, exist_ok=True)
        store._lock()
        try:
            manifest = cls.check(root, spec, resume)  # again, now that no one else can write
            store._new = manifest is None
            store.manifest = store._new_manifest() if manifest is None else manifest
            store.manifest["state"] = "running"
            store.manifest.pop("error", None)
            _write_json(root / MANIFEST, store.manifest)
            store._write_spec_files()
            store._recover()
        except BaseException:
            store.close("failed")
            raise
        return store

    @staticmethod
    def _check_same(root: Path, spec: SweepSpec, manifest: dict[str, Any], resume: bool) -> None:
        done, total = manifest.get("runs_done", 0), manifest.get("runs_total", "?")
        if manifest.get("spec_digest") != spec.digest():
            try:
                old = identity_of(json.loads((root / SPEC_JSON).read_text()))
                changed = ", ".join(_differences(old, spec.identity())[:6]) or "the spec"
            except (OSError, ValueError):
                changed = "the spec"
            raise UserError(
                f"--out {root}: holds a different sweep ({done} of {total} runs; differs in "
                f"{changed}); use a new --out, or the spec that made it"
            )
        if not resume:
            state = "complete" if manifest.get("state") == "complete" else "unfinished"
            raise UserError(
                f"--out {root}: already holds this sweep ({state}, {done} of {total} runs); "
                "add --resume to finish it, or choose a new --out"
            )

    def _lock(self) -> None:
        self._lock_file = open(self.root / _LOCK, "a+")  # noqa: SIM115 - held while the sweep runs
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock_file.close()
            raise UserError(f"--out {self.root}: another sweep is writing to it now") from None

    def _new_manifest(self) -> dict[str, Any]:
        spec = self.spec
        return {
            "format": FORMAT,
            "name": spec.name,
            "spec_digest": spec.digest(),
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "state": "running",
            "runs_total": self.plan.n_runs,
            "runs_done": 0,
            "counts": {"ok": 0, "error": 0, "timeout": 0},
            "design": {
                "method": spec.design.method,
                "samples": self.plan.n_samples,
                "settings": len(self.plan.settings),
                "replications": spec.replications,
            },
            "parameters": {
                "levels": {lv.key: list(lv.values) for lv in spec.levels},
                "ranges": {
                    r.key: {"low": r.low, "high": r.high, "integer": r.integer} for r in spec.ranges
                },
                "fixed": {f.key: f.value for f in spec.fixed},
            },
            "columns": None,  # filled once the first trial run shows the model's outputs
            "files": {
                "runs": f"{RUNS}/",
                "series": f"{SERIES}/",
                "design": DESIGN,
                "spec": SPEC_JSON,
            },
            "read_with": "abm.sweep.load_results(DIR), or pandas.read_parquet(DIR / 'runs') "
            "sorted by run_id",
            "seeds": "SeedSequence(root seed, spawn_key=(1, replication)) when "
            "common_random_numbers, else spawn_key=(2, run_id); 63-bit",
        }

    def _write_spec_files(self) -> None:
        """Write the resolved spec and design (deterministic, so rewriting on resume is safe)."""
        _write_json(self.root / SPEC_JSON, self.spec.resolved())
        if self.spec.text is not None:
            text = self.spec.text
            _atomic_write(self.root / SPEC_TOML, lambda p: p.write_text(text))
        design = pa.table(
            {"sample": pa.array(np.arange(self.plan.n_samples), pa.int64())}
            | {r.key: self.plan.design[:, i] for i, r in enumerate(self.spec.ranges)}
        )
        _atomic_write(self.root / DESIGN, lambda p: pq.write_table(design, p))

    def _recover(self) -> None:
        """Finish or undo an interrupted compaction, drop temp files and orphaned series
        parts, drop failed runs to retry them (if asked), and mark the runs recorded."""
        self._settle_compaction()
        for folder in (self.root, self.root / RUNS, self.root / SERIES):
            if folder.is_dir():
                for entry in folder.iterdir():
                    if entry.name.startswith(".") and entry.name.endswith(".tmp"):
                        entry.unlink(missing_ok=True)
        runs, series = _parts(self.root / RUNS), _parts(self.root / SERIES)
        for number, path in series.items():
            if number not in runs:
                path.unlink()
        if self._retry_failed:
            self._drop_failed(runs)
        for path in runs.values():
            table = pq.read_table(path, columns=["run_id", "status"])
            self.done[table.column("run_id").to_numpy()] = True
            self.counts.update(table.column("status").to_pylist())
        self._next_part = max(runs, default=-1) + 1  # orphaned series parts are gone
        columns = self.manifest.get("columns")
        if columns:
            self.set_columns(columns["metrics"], columns["series"])

    def _drop_failed(self, runs: dict[int, Path]) -> None:
        """Rewrite each runs part without its failed rows (each part atomically)."""
        for path in runs.values():
            table = pq.read_table(path)
            ok = pc.equal(table.column("status"), "ok")
            kept = table.filter(ok)
            if kept.num_rows == table.num_rows:
                continue
            self.retried += table.num_rows - kept.num_rows
            # an empty part stays (with its schema), so part numbers keep pairing with series
            _atomic_write(path, lambda p, kept=kept: pq.write_table(kept, p))

    def _settle_compaction(self) -> None:
        """Finish a compaction that reached its commit point; undo one that did not."""
        pending = self.manifest.get("compaction")
        if not isinstance(pending, dict):
            return
        into = pending.get("into")
        runs_into = self.root / RUNS / f"part-{into:05d}.parquet"
        if runs_into.is_file():
            for number in pending.get("parts", ()):
                if number != into:
                    for folder in (RUNS, SERIES):  # runs first: series alone is ignored
                        (self.root / folder / f"part-{number:05d}.parquet").unlink(missing_ok=True)
        else:
            (self.root / SERIES / f"part-{into:05d}.parquet").unlink(missing_ok=True)
        del self.manifest["compaction"]
        _write_json(self.root / MANIFEST, self.manifest)

    def compact(self) -> int:
        """Merge every part into one runs and one series part; how many parts were merged."""
        self.flush()
        runs, series = _parts(self.root / RUNS), _parts(self.root / SERIES)
        if len(runs) <= 1:
            return 0
        into = self._next_part
        name = f"part-{into:05d}.parquet"
        self.manifest["compaction"] = {"into": into, "parts": sorted(runs)}
        _write_json(self.root / MANIFEST, self.manifest)
        kept_series = [p for n, p in series.items() if n in runs]
        if kept_series:
            _atomic_write(self.root / SERIES / name, lambda p: _concat(kept_series, p, None))
        _atomic_write(self.root / RUNS / name, lambda p: _concat(list(runs.values()), p, "run_id"))
        self._next_part = into + 1
        self._settle_compaction()  # past the commit point: delete the old parts
        return len(runs)

    # ----------------------------------------------------------------- writing
    def set_columns(self, metrics: list[str], series: list[str]) -> None:
        """Fix the output columns (from the first trial run, or the manifest on resume)."""
        clash = set(metrics) & (set(ID_COLUMNS) | set(self.spec.varied) | set(STATUS_COLUMNS))
        if clash:
            raise UserError(f"metric names clash with run columns: {', '.join(sorted(clash))}")
        self.runs_schema = runs_schema(self.spec, metrics)
        self.series_schema = series_schema(series) if series else None
        self.manifest["columns"] = {
            "ids": list(ID_COLUMNS),
            "parameters": list(self.spec.varied),
            "status": list(STATUS_COLUMNS),
            "metrics": list(metrics),
            "wall_clock": list(TAIL_COLUMNS),
            "series": list(series),
        }
        self._save_manifest()

    @property
    def n_done(self) -> int:
        return int(self.done.sum())

    def missing(self) -> Iterator[int]:
        """Run ids not yet recorded, in order."""
        for run_id in np.flatnonzero(~self.done):
            yield int(run_id)

    def add(self, outcome: Outcome) -> None:
        assert self.runs_schema is not None
        row = self.plan.row(outcome.run_id)
        row["status"] = outcome.status
        row["error"] = outcome.error
        row.update(outcome.finals)
        row["elapsed_s"] = outcome.elapsed_s
        row["traceback"] = outcome.traceback
        self._rows.append(row)
        if self.series_schema is not None and outcome.steps is not None:
            self._series.append(outcome)
            self._series_rows += len(outcome.steps)

    def should_flush(self, max_rows: int, max_series_rows: int, max_age_s: float) -> bool:
        return bool(self._rows) and (
            len(self._rows) >= max_rows
            or self._series_rows >= max_series_rows
            or time.monotonic() - self._last_flush >= max_age_s
        )

    def flush(self) -> None:
        """Write buffered rows as the next part (series first, then runs: see module doc)."""
        self._last_flush = time.monotonic()
        if not self._rows:
            return
        assert self.runs_schema is not None
        name = f"part-{self._next_part:05d}.parquet"
        if self._series:
            table = self._series_table()
            (self.root / SERIES).mkdir(exist_ok=True)
            _atomic_write(self.root / SERIES / name, lambda p: pq.write_table(table, p))
        runs = pa.Table.from_pylist(self._rows, schema=self.runs_schema)
        (self.root / RUNS).mkdir(exist_ok=True)
        _atomic_write(self.root / RUNS / name, lambda p: pq.write_table(runs, p))
        self._next_part += 1
        for row in self._rows:
            self.done[row["run_id"]] = True
            self.counts[row["status"]] += 1
        self._rows, self._series, self._series_rows = [], [], 0
        self._save_manifest()

    def _series_table(self) -> pa.Table:
        """One table of the buffered runs' series (add() keeps only runs that have steps)."""
        assert self.series_schema is not None
        steps = [np.asarray(o.steps, dtype=np.int64) for o in self._series]
        columns: dict[str, Any] = {
            "run_id": np.repeat([o.run_id for o in self._series], [len(s) for s in steps]),
            "step": np.concatenate(steps),
        }
        for name in self.series_schema.names[2:]:
            columns[name] = np.concatenate(
                [
                    o.series.get(name, np.full(len(s), np.nan))
                    for o, s in zip(self._series, steps, strict=True)
                ]
            )
        return pa.Table.from_pydict(columns, schema=self.series_schema)

    def _save_manifest(self) -> None:
        self.manifest["runs_done"] = self.n_done
        self.manifest["counts"] = {k: self.counts.get(k, 0) for k in ("ok", "error", "timeout")}
        self.manifest["updated"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        _write_json(self.root / MANIFEST, self.manifest)

    def close(self, state: str, error: str | None = None) -> None:
        """Flush what is buffered, record the state ("complete", "interrupted", "failed"
        with ``error``), merge the parts of a complete sweep, unlock.

        A sweep this call created that recorded no run (it failed or was stopped while
        starting) is removed again, so a corrected spec can use the same --out. A write
        that fails here (a full disk, a folder made read-only) is reported as a
        :class:`UserError` after the lock is released; what was written stays.
        """
        problem: OSError | None = None
        try:
            if self.runs_schema is not None:
                try:
                    self.flush()
                except OSError as exc:
                    problem, state = exc, "failed"
                    error = error or f"cannot write results: {exc.strerror or exc}"
            if self._new and not self.done.any() and problem is None:
                self._remove()
            elif self.manifest:
                if state == "complete" and problem is None:
                    with contextlib.suppress(OSError):  # the parts stay as they are
                        self.compact()
                self.manifest["state"] = state
                if error:
                    self.manifest["error"] = error
                with contextlib.suppress(OSError):  # read-only now: the parts are the record
                    self._save_manifest()
        finally:
            if self._lock_file is not None:
                self._lock_file.close()
                self._lock_file = None
        if problem is not None:
            raise UserError(
                f"--out {self.root}: cannot write results ({problem.strerror or problem}); the "
                f"{self.n_done} runs written before are kept: fix that, then --resume"
            )

    def _remove(self) -> None:
        for name in (MANIFEST, SPEC_JSON, SPEC_TOML, DESIGN, _LOCK):
            (self.root / name).unlink(missing_ok=True)
        for folder in (self.root / RUNS, self.root / SERIES):
            if folder.is_dir():
                for entry in folder.iterdir():  # only temp files: no part was written
                    entry.unlink()
                folder.rmdir()
        if self._made_dir:
            self.root.rmdir()


def _concat(files: list[Path], out: Path, sort_by: str | None) -> None:
    """Write the rows of ``files`` into one Parquet file (sorted by ``sort_by`` if given;
    else streamed file by file, so a large series needs little memory)."""
    # parts written by different pandas/pyarrow paths may type text as string or
    # large_string (or a column as null where a part had no values): one schema for all
    schema = pa.unify_schemas([pq.read_schema(p) for p in files], promote_options="permissive")
    if sort_by is not None:
        # file by file: the dataset reader's discovery costs ~20 ms a file, measured
        table = pa.concat_tables([pq.ParquetFile(p).read().cast(schema) for p in files])
        pq.write_table(table.sort_by(sort_by), out)
        return
    with pq.ParquetWriter(out, schema) as writer:
        for path in files:
            writer.write_table(pq.ParquetFile(path).read().cast(schema))


def compact_folder(root: str | Path) -> tuple[int, int]:
    """Merge the parts of a sweep folder (e.g. an interrupted one): (parts merged, runs).

    Takes the folder's lock, so it refuses a folder a sweep is writing to."""
    root = Path(root)
    manifest = read_manifest(root)
    if manifest is None:
        raise UserError(f"{root}: not a sweep folder (no {MANIFEST})")
    store = SweepStore(root, None, None, manifest)  # type: ignore[arg-type]
    store._lock()
    try:
        store._settle_compaction()
        runs = _parts(root / RUNS)
        store._next_part = max(runs, default=-1) + 1
        merged = store.compact()
        if manifest.get("state") == "running":  # not running: we hold its lock
            manifest["state"] = "interrupted"
            _write_json(root / MANIFEST, manifest)
        total = sum(pq.read_metadata(p).num_rows for p in _parts(root / RUNS).values())
    finally:
        store._lock_file.close()
    return merged, total


def _read(files: list[Path], columns: list[str] | None) -> pd.DataFrame | None:
    if not files:
        return None
    return _read_table(files, columns).to_pandas()


def _read_table(files: list[Path], columns: list[str] | None) -> pa.Table:
    """The rows of ``files`` as one table, their schemas unified (string / large_string)."""
    schema = pa.unify_schemas([pq.read_schema(p) for p in files], promote_options="permissive")
    if columns is not None:
        schema = pa.schema([schema.field(c) for c in columns if c in schema.names])
    tables = [pq.read_table(p, columns=schema.names).cast(schema) for p in files]
    return pa.concat_tables(tables)


def load_results(root: str | Path, columns: list[str] | None = None) -> pd.DataFrame:
    """All recorded runs of a sweep folder, one row per run, sorted by ``run_id``."""
    root = Path(root)
    manifest = read_manifest(root)
    if manifest is None:
        raise UserError(f"{root}: not a sweep folder (no {MANIFEST})")
    runs, _ = _live_parts(root, manifest)
    frame = _read(list(runs.values()), columns)
    if frame is None:
        names = ["run_id", *(manifest.get("columns") or {}).get("parameters", [])]
        return pd.DataFrame(columns=columns or names)
    return frame.sort_values("run_id", kind="stable").reset_index(drop=True)


def load_series(root: str | Path, columns: list[str] | None = None) -> pd.DataFrame:
    """Per-step series of the recorded runs, sorted by ``run_id`` then ``step``."""
    root = Path(root)
    manifest = read_manifest(root)
    if manifest is None:
        raise UserError(f"{root}: not a sweep folder (no {MANIFEST})")
    _, series = _live_parts(root, manifest)
    files = list(series.values())
    if not files:
        return pd.DataFrame(columns=["run_id", "step", *(columns or [])])
    wanted = None if columns is None else ["run_id", "step", *columns]
    frame = _read_table(files, wanted).to_pandas()
    return frame.sort_values(["run_id", "step"], kind="stable").reset_index(drop=True)

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

**Integrity.** The manifest records the SHA-256 of every part file (``parts``: its size,
rows and digest, by its path in the folder), saved before the part is renamed into place, so
every part this code wrote has a record before it exists (a rewrite keeps the record it
replaces as ``previous`` until it lands). A part whose bytes no longer match (flipped,
truncated, emptied) is *damaged*: ``--resume`` moves it (and its series part) to
``damaged/`` and runs its runs again, saying so in one line; ``compact``, ``analyze`` and
the readers refuse it, naming the file. A part without a record (copied in by hand, or
written by a version that kept no digests) is read whole, with Parquet's page checksums,
and its run ids and columns are checked; ``--resume`` and ``compact`` then record it.
Folders written before digests were kept have no ``parts`` at all and read as before; their
next ``--resume`` or ``compact`` records every part.

**One row per run.** A ``run_id`` in two parts (a part copied under another number, two
folders of one sweep merged) is read once if both copies hold the same results (the
wall-clock columns aside), with a one-line note; ``--resume`` and ``compact`` remove the
repeated rows for good. Copies that differ are refused, naming both files.

**State.** ``manifest.json`` says ``running``, ``complete``, ``interrupted`` (Ctrl-C,
SIGTERM) or ``failed`` (with ``error``). A sweep killed with SIGKILL cannot say so: its
manifest still says ``running`` but no process holds the folder's lock, which
:func:`folder_state` reports as ``killed``.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from abm.errors import UserError, one_line
from abm.sweep.host import Outcome
from abm.sweep.plan import Plan
from abm.sweep.spec import SweepSpec, identity_of

FORMAT = "abm-sweep/1"
MANIFEST, SPEC_JSON, SPEC_TOML, DESIGN = "manifest.json", "spec.json", "spec.toml", "design.parquet"
RUNS, SERIES = "runs", "series"
ID_COLUMNS = ("run_id", "setting", "sample", "replication", "seed")
STATUS_COLUMNS = ("status", "error")
TAIL_COLUMNS = ("elapsed_s", "traceback")  # wall-clock and diagnostics: not part of results
RECORDS = "parts"  # manifest key: {"runs/part-00000.parquet": {"sha256", "bytes", "rows"}}
DAMAGED = "damaged"  # where --resume moves damaged parts
_LOCK = ".lock"
_PART = re.compile(r"^part-(\d+)\.parquet$")
# Parquet's CRC of each page: a flipped bit in a part with no record is found too
_WRITE = {"write_page_checksum": True}


def _stage(path: Path, write: Callable[[Path], Any]) -> tuple[Path, Any]:
    """Write ``path``'s new content to a dot-named temp file beside it (readers skip those)
    and fsync it: (the temp file, what ``write`` returned). A failed write (a full disk)
    removes its temp file, freeing the space it took."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        result = write(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return tmp, result


def _land(tmp: Path, path: Path) -> None:
    """Rename a staged temp file into place (atomic); remove it if that fails."""
    try:
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def _atomic_write(path: Path, write: Callable[[Path], Any]) -> None:
    """Write through a dot-named temp file in the same folder, fsync, then rename."""
    _land(_stage(path, write)[0], path)


def _write_json(path: Path, data: dict[str, Any]) -> None:
    _atomic_write(path, lambda p: p.write_text(_json_text(data)))


def _json_text(data: dict[str, Any]) -> str:
    """Indented JSON, but one line per part record: a sweep of thousands of parts rewrites
    its manifest at every flush, so it stays about 150 bytes a part."""
    records = data.get(RECORDS)
    if not isinstance(records, dict) or not records:
        return json.dumps(data, indent=2, default=str) + "\n"
    mark = "\u0000records\u0000"
    text = json.dumps({**data, RECORDS: mark}, indent=2, default=str)
    lines = ",\n".join(
        f"    {json.dumps(key)}: {json.dumps(value, default=str)}" for key, value in records.items()
    )
    return text.replace(json.dumps(mark), "{\n" + lines + "\n  }") + "\n"


def _write_part(table: pa.Table, path: Path) -> int:
    pq.write_table(table, path, **_WRITE)
    return table.num_rows


def _parts(folder: Path) -> dict[int, Path]:
    if not folder.is_dir():
        return {}
    found = {}
    for entry in folder.iterdir():
        match = _PART.match(entry.name)
        if match:
            found[int(match.group(1))] = entry
    return dict(sorted(found.items()))


def _key(path: Path) -> str:
    """A part's name in the manifest's records: ``runs/part-00000.parquet``."""
    return f"{path.parent.name}/{path.name}"


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


# ----------------------------------------------------------------- verification


class PartDamaged(UserError):
    """A part file that is not what was written: its bytes differ from the digest the
    manifest recorded, or (a part with no record) it is not a readable part of this sweep."""

    def __init__(self, path: Path, reason: str, number: int = -1):
        self.path, self.reason, self.number = path, reason, number
        super().__init__(
            f"{path}: damaged part file ({reason}); --resume of the command that wrote "
            f"{path.parent.parent} moves it to {DAMAGED}/ and runs its runs again"
        )


class RepeatedRunsWarning(UserWarning):
    """Runs found in two parts with identical results (read once)."""


def _records(manifest: dict[str, Any]) -> dict[str, Any]:
    """The manifest's part records ({} for a folder written before they were kept)."""
    records = manifest.get(RECORDS)
    return records if isinstance(records, dict) else {}


def _record_for(records: dict[str, Any], path: Path) -> dict[str, Any] | None:
    record = records.get(_key(path))
    if isinstance(record, dict) and isinstance(record.get("sha256"), str):
        return record
    return None


def _record(data: bytes, rows: int) -> dict[str, Any]:
    return {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data), "rows": rows}


def _checked_bytes(path: Path, record: dict[str, Any] | None) -> tuple[bytes, dict[str, Any]]:
    """A part file's bytes, checked against the manifest's record of them, and the record
    they match (the record, or the ``previous`` one of a rewrite that did not land; for a
    part without a record, a new one with ``rows`` unknown). FileNotFoundError passes: a
    compaction may have removed the file meanwhile (readers read the folder again)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise PartDamaged(path, f"cannot be read: {exc.strerror or exc}") from None
    digest = hashlib.sha256(data).hexdigest()
    if record is None:
        return data, {"sha256": digest, "bytes": len(data), "rows": None}
    for candidate in (record, record.get("previous")):
        if isinstance(candidate, dict) and candidate.get("sha256") == digest:
            return data, {k: v for k, v in candidate.items() if k != "previous"}
    written = record.get("bytes")
    then = f"{written:,}" if isinstance(written, int) else "?"
    raise PartDamaged(
        path,
        f"its SHA-256 is not the one recorded when it was written: {len(data):,} bytes now, "
        f"{then} then",
    )


_PANDAS_INDEX = re.compile(r"^__index_level_\d+__$")  # a part saved by pandas with its index


def _parse(path: Path, data: bytes, columns: list[str] | None = None) -> pa.Table:
    """A part's table (``columns``: those of them it has), with Parquet's page checksums
    checked; PartDamaged if unreadable. A pandas index saved with it
    (``__index_level_0__``) is not data: it is dropped."""
    try:
        # one file (the dataset reader that read_table uses costs ~3x more a small part)
        file = pq.ParquetFile(pa.BufferReader(data), page_checksum_verification=True)
        if columns is not None:
            columns = [c for c in columns if c in file.schema_arrow.names]
        table = file.read(columns=columns)
        index = [c for c in table.column_names if _PANDAS_INDEX.match(c)]
        return table.drop_columns(index).replace_schema_metadata(None) if index else table
    except (pa.ArrowException, OSError, ValueError, IndexError) as exc:
        text = one_line(str(exc)).split(". ")[0][:160]
        raise PartDamaged(path, f"not a readable Parquet file: {text}") from None


def _ids(path: Path, table: pa.Table, total: Any = None) -> np.ndarray:
    """The run ids of a part's table: integers, in 0..total-1 (if given)."""
    if "run_id" not in table.column_names:
        raise PartDamaged(path, "it has no run_id column")
    column = table.column("run_id")
    if not pa.types.is_integer(column.type) or column.null_count:
        raise PartDamaged(path, "its run_id column is not whole numbers")
    ids = column.to_numpy().astype(np.int64)
    high = total if isinstance(total, int) else None
    if len(ids) and (ids.min() < 0 or (high is not None and ids.max() >= high)):
        raise PartDamaged(path, f"it holds run ids outside 0 to {high - 1 if high else '?'}")
    return ids


def _check_names(path: Path, table: pa.Table, allowed: list[str] | None) -> None:
    """A part without a record: its columns must be the sweep's (a flipped byte in a
    column name is found here)."""
    if allowed is None:
        return
    extra = sorted(set(table.column_names) - set(allowed))
    if extra:
        raise PartDamaged(path, f"columns this sweep does not have: {', '.join(extra)[:120]}")


def _allowed_names(manifest: dict[str, Any], folder: str) -> list[str] | None:
    columns = manifest.get("columns")
    if not isinstance(columns, dict):
        return None
    if folder == SERIES:
        series = columns.get("series")
        return ["run_id", "step", *series] if isinstance(series, list) else None
    if not isinstance(columns.get("metrics"), list):
        return None
    fixed = [*ID_COLUMNS, *STATUS_COLUMNS, *TAIL_COLUMNS]
    groups = ("ids", "parameters", "status", "metrics", "wall_clock")
    return fixed + [str(name) for group in groups for name in columns.get(group) or []]


@dataclass
class _Part:
    """A live runs part, verified, with its series part (if any)."""

    number: int
    path: Path
    rows: pa.Table  # all of it, read once from its checked bytes
    run_ids: np.ndarray
    record: dict[str, Any]  # what the manifest should record for it
    series: Path | None
    series_record: dict[str, Any] | None = None  # (when the series part was checked)
    repeated: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))

    def table(self, columns: list[str] | None = None) -> pa.Table:
        """Its rows (``columns``: those of them it has), without those whose kept copy is
        in another part."""
        table = self.rows
        if len(self.repeated):
            table = table.filter(
                pc.invert(pc.is_in(table.column("run_id"), pa.array(self.repeated)))
            )
        return (
            table
            if columns is None
            else table.select([c for c in columns if c in table.column_names])
        )

    def kept_ids(self) -> np.ndarray:
        return np.setdiff1d(self.run_ids, self.repeated) if len(self.repeated) else self.run_ids


def _series_table(
    part: _Part, manifest: dict[str, Any], columns: list[str] | None = None
) -> pa.Table:
    """The series rows of ``part``'s kept runs, their part checked (digest, or for a part
    without a record: readable, the sweep's columns, and only runs its runs part holds)."""
    assert part.series is not None
    record = _record_for(_records(manifest), part.series)
    data, settled = _checked_bytes(part.series, record)
    recorded = record is not None
    table = _parse(part.series, data, columns if recorded else None)
    if not recorded:
        _check_names(part.series, table, _allowed_names(manifest, SERIES))
        ids = _ids(part.series, table)
        if not np.isin(ids, part.run_ids).all():
            raise PartDamaged(part.series, "it holds series of runs its runs part does not hold")
        settled["rows"] = table.num_rows
    part.series_record = settled
    if len(part.repeated):
        table = table.filter(pc.is_in(table.column("run_id"), pa.array(part.kept_ids())))
    return (
        table if columns is None else table.select([c for c in columns if c in table.column_names])
    )


def _scan(
    root: Path, manifest: dict[str, Any], check_series: bool = False
) -> tuple[list[_Part], list[PartDamaged], list[str]]:
    """The live runs parts of a folder, each checked (its digest, or for a part without a
    record: a whole read with page checksums, its columns and run ids); the damaged ones;
    and notes on runs found in two parts with identical results (read once from then on).
    ``check_series`` reads each series part too. UserError if two copies differ."""
    records = _records(manifest)
    runs, series = _live_parts(root, manifest)
    total = manifest.get("runs_total")
    allowed = _allowed_names(manifest, RUNS)
    parts: list[_Part] = []
    damaged: list[PartDamaged] = []
    for number, path in runs.items():
        try:
            record = _record_for(records, path)
            data, settled = _checked_bytes(path, record)
            table = _parse(path, data)
            if record is None:
                _check_names(path, table, allowed)
                settled["rows"] = table.num_rows
            ids = _ids(path, table, total)
            if len(np.unique(ids)) != len(ids):
                raise PartDamaged(path, "it holds a run twice")
            part = _Part(number, path, table, ids, settled, series.get(number))
            expected = root / SERIES / path.name
            if part.series is None and _record_for(records, expected) is not None:
                raise PartDamaged(expected, "missing: the manifest records it")
            if check_series and part.series is not None:
                _series_table(part, manifest, ["run_id"])
            parts.append(part)
        except PartDamaged as exc:
            exc.number = number
            damaged.append(exc)
    return parts, damaged, _settle_repeats(parts, manifest)


def _frame(table: pa.Table, keys: list[str]) -> pd.DataFrame:
    frame = table.to_pandas()
    frame = frame[sorted(frame.columns)]
    return frame.sort_values(keys, kind="stable").reset_index(drop=True)


def _settle_repeats(parts: list[_Part], manifest: dict[str, Any]) -> list[str]:
    """Mark runs held by two parts: each is kept in one part (the first that has its
    series, else the first), the others' copies are dropped. Copies must hold the same
    results (wall-clock columns aside) and series; UserError naming both files if not."""
    if len(parts) < 2:
        return []
    ids = np.concatenate([p.run_ids for p in parts])
    owner = np.repeat(np.arange(len(parts)), [len(p.run_ids) for p in parts])
    values, counts = np.unique(ids, return_counts=True)
    twice = values[counts > 1]
    if not len(twice):
        return []
    involved = sorted(set(owner[np.isin(ids, twice)].tolist()))
    with_series = {
        i: set(_series_table(parts[i], manifest, ["run_id"]).column("run_id").to_pylist())
        if parts[i].series is not None
        else set()
        for i in involved
    }
    pairs: dict[tuple[int, int], list[int]] = {}
    order = np.argsort(ids, kind="stable")
    for run_id, holders in zip(*_groups(ids[order], owner[order], twice), strict=True):
        keeper = next((i for i in holders if run_id in with_series[i]), holders[0])
        for other in holders:
            if other != keeper:
                pairs.setdefault((keeper, other), []).append(run_id)
    for (keeper, other), run_ids in pairs.items():
        _same_results(parts[keeper], parts[other], run_ids, manifest)
    notes: dict[int, list[str]] = {}
    for (keeper, other), run_ids in pairs.items():
        parts[other].repeated = np.union1d(parts[other].repeated, run_ids)
        notes.setdefault(other, []).append(str(parts[keeper].path))
    return [
        f"{parts[o].path}: its {len(parts[o].repeated)} runs repeat runs of "
        f"{', '.join(keepers)} with identical results; one copy of each is kept"
        for o, keepers in notes.items()
    ]


def _groups(ids: np.ndarray, owner: np.ndarray, twice: np.ndarray) -> tuple[list, list]:
    """For each run id in ``twice``: the parts holding it, in part order (ids sorted)."""
    keep = np.isin(ids, twice)
    ids, owner = ids[keep], owner[keep]
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
    holders = [sorted(group.tolist()) for group in np.split(owner, starts[1:])]
    return ids[starts].tolist(), holders


def _same_results(a: _Part, b: _Part, run_ids: list[int], manifest: dict[str, Any]) -> None:
    """UserError naming both files unless ``a`` and ``b`` hold the same ``run_ids`` alike."""
    wanted = pa.array(run_ids, pa.int64())

    def rows(part: _Part) -> pd.DataFrame:
        table = part.rows.filter(pc.is_in(part.rows.column("run_id"), wanted))
        return _frame(
            table.drop_columns([c for c in TAIL_COLUMNS if c in table.column_names]), ["run_id"]
        )

    def series(part: _Part) -> pd.DataFrame:
        table = _series_table(part, manifest)
        return _frame(table.filter(pc.is_in(table.column("run_id"), wanted)), ["run_id", "step"])

    same = rows(a).equals(rows(b))
    if same and a.series is not None and b.series is not None:
        sa, sb = series(a), series(b)
        both = sorted(set(sa["run_id"]) & set(sb["run_id"]))
        same = (
            sa[sa["run_id"].isin(both)]
            .reset_index(drop=True)
            .equals(sb[sb["run_id"].isin(both)].reset_index(drop=True))
        )
    if not same:
        more = f" (and {len(run_ids) - 1} more)" if len(run_ids) > 1 else ""
        raise UserError(
            f"{a.path} and {b.path} both hold run {run_ids[0]}{more} with different results; "
            f"keep the file with the right ones (move the other out of {a.path.parent}), then "
            "run the command again"
        )


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
        self.notes: list[str] = []  # what opening or compacting the folder repaired
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
        except BaseException as exc:
            store.close("failed", str(exc)[:500] if isinstance(exc, UserError) else None)
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
            RECORDS: {},  # every part file's size, rows and SHA-256 (see the module doc)
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
        """Make the folder whole before runs are added: finish or undo an interrupted
        compaction; drop temp files, orphaned series parts and records of parts that never
        landed; move damaged parts aside (their runs run again); keep one copy of runs found
        in two parts; record parts without a record; drop failed runs to retry them (if
        asked); and mark the runs recorded."""
        self._settle_compaction()
        self._drop_leftovers()
        parts, damaged, notes = _scan(self.root, self.manifest, check_series=True)
        for damage in damaged:
            self._set_aside(damage)
        self._say(notes)
        for part in parts:
            self._settle_part(part)
        _write_json(self.root / MANIFEST, self.manifest)
        runs = _parts(self.root / RUNS)
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

    def _drop_leftovers(self) -> None:
        """Temp files, series parts without their runs part, and records of parts that never
        landed (the manifest records a part before it lands: see the module doc)."""
        for folder in (self.root, self.root / RUNS, self.root / SERIES):
            if folder.is_dir():
                for entry in folder.iterdir():
                    if entry.name.startswith(".") and entry.name.endswith(".tmp"):
                        entry.unlink(missing_ok=True)
        runs = _parts(self.root / RUNS)
        for number, path in _parts(self.root / SERIES).items():
            if number not in runs:
                path.unlink()
        if not isinstance(self.manifest.get(RECORDS), dict):
            self.manifest[RECORDS] = {}  # a folder from before records were kept gets them now
        records = self.manifest[RECORDS]
        for key in list(records):
            if not (self.root / RUNS / key.rpartition("/")[2]).is_file():
                del records[key]

    def _say(self, notes: list[str]) -> None:
        """Tell the user, one line each, what was repaired (stderr, like the progress)."""
        for note in notes:
            self.notes.append(note)
            print(f"abm: note: {one_line(note)}", file=sys.stderr, flush=True)

    def _set_aside(self, damage: PartDamaged) -> None:
        """Move a damaged part and its partner (runs or series) to ``damaged/``, so that
        their runs run again; nothing is deleted."""
        name = f"part-{damage.number:05d}.parquet"
        records = self.manifest[RECORDS]
        rows = (records.get(f"{RUNS}/{name}") or {}).get("rows")
        aside = self.root / DAMAGED
        aside.mkdir(exist_ok=True)
        for folder in (RUNS, SERIES):  # runs first: a series part alone is ignored
            path = self.root / folder / name
            if path.exists():
                os.replace(path, _free_name(aside / f"{folder}-{name}"))
            records.pop(f"{folder}/{name}", None)
        count = f"its {rows} runs" if isinstance(rows, int) else "its runs"
        self._say(
            [f"{damage.path}: damaged ({damage.reason}); moved to {aside}/; {count} run again"]
        )

    def _settle_part(self, part: _Part) -> None:
        """Record a checked part as it is now, and remove its runs that another part holds."""
        records = self.manifest[RECORDS]
        records[_key(part.path)] = part.record
        if part.series is not None and part.series_record is not None:
            records[_key(part.series)] = part.series_record
        if not len(part.repeated):
            return
        if len(part.repeated) == len(part.run_ids):  # a whole copy: remove it
            for path in (part.path, part.series):  # runs first: a series part alone is ignored
                if path is not None:
                    path.unlink()
                    records.pop(_key(path), None)
            return
        items: list[tuple[Path, Callable[[Path], int]]] = []
        if part.series is not None:
            series = _series_table(part, self.manifest)
            items.append((part.series, partial(_write_part, series)))
        runs = part.table()
        items.append((part.path, partial(_write_part, runs)))
        self._publish(items)

    def _publish(
        self, items: list[tuple[Path, Callable[[Path], int]]], counted: bool = False
    ) -> None:
        """Write part files (each ``(path, write)``; ``write`` returns the rows written) so
        that the manifest records each one's digest before it lands, in the given order:
        one manifest write, as the folder will be once they landed (``counted``: with the
        counts of done runs, which the caller updated before; a kill before they land
        leaves records of missing files, dropped on resume, which counts again).

        A part replaced keeps its old record as ``previous`` (until the next manifest
        write): a kill in between leaves either file matching its record. Nothing is
        recorded if a write fails (a full disk); the temp files are removed."""
        staged: list[tuple[Path, Path, int]] = []
        try:
            for path, write in items:
                path.parent.mkdir(exist_ok=True)
                tmp, rows = _stage(path, write)
                staged.append((path, tmp, rows))
        except BaseException:
            for _, tmp, _ in staged:
                tmp.unlink(missing_ok=True)
            raise
        records = self.manifest.setdefault(RECORDS, {})
        before = {_key(path): records.get(_key(path)) for path, _, _ in staged}
        for path, tmp, rows in staged:
            new = _record(tmp.read_bytes(), rows)
            old = before[_key(path)]
            if isinstance(old, dict) and path.exists():
                new["previous"] = {k: v for k, v in old.items() if k != "previous"}
            records[_key(path)] = new
        try:
            if counted:
                self._save_manifest()
            else:
                _write_json(self.root / MANIFEST, self.manifest)
        except BaseException:
            for key, old in before.items():
                if old is None:
                    records.pop(key, None)
                else:
                    records[key] = old
            for _, tmp, _ in staged:
                tmp.unlink(missing_ok=True)
            raise
        for path, tmp, _ in staged:
            _land(tmp, path)
            records[_key(path)].pop("previous", None)

    def _drop_failed(self, runs: dict[int, Path]) -> None:
        """Rewrite each runs part without its failed rows (each part atomically)."""
        for path in runs.values():
            table = pq.read_table(path)
            ok = pc.equal(table.column("status"), "ok")
            kept = table.filter(ok)
            if kept.num_rows == table.num_rows:
                continue
            self.retried += table.num_rows - kept.num_rows
            items: list[tuple[Path, Callable[[Path], int]]] = []
            series = self.root / SERIES / path.name
            if series.exists():  # (failed runs keep no series; a series of one would go too)
                rows = pq.read_table(series)
                keep = pc.is_in(rows.column("run_id"), kept.column("run_id"))
                if not pc.all(keep).as_py():
                    items.append((series, partial(_write_part, rows.filter(keep))))
            # an empty part stays (with its schema), so part numbers keep pairing with series
            items.append((path, partial(_write_part, kept)))
            self._publish(items)
        _write_json(self.root / MANIFEST, self.manifest)

    def _settle_compaction(self) -> None:
        """Finish a compaction that reached its commit point; undo one that did not."""
        pending = self.manifest.get("compaction")
        if not isinstance(pending, dict):
            return
        into = pending.get("into")
        name = f"part-{into:05d}.parquet"
        records = self.manifest.get(RECORDS)
        records = records if isinstance(records, dict) else {}
        if (self.root / RUNS / name).is_file():
            for number in pending.get("parts", ()):
                if number != into:
                    for folder in (RUNS, SERIES):  # runs first: series alone is ignored
                        (self.root / folder / f"part-{number:05d}.parquet").unlink(missing_ok=True)
                        records.pop(f"{folder}/part-{number:05d}.parquet", None)
        else:
            (self.root / SERIES / name).unlink(missing_ok=True)
            for folder in (RUNS, SERIES):
                records.pop(f"{folder}/{name}", None)
        del self.manifest["compaction"]
        _write_json(self.root / MANIFEST, self.manifest)

    def compact(self) -> int:
        """Merge every part into one runs and one series part; how many parts were merged.

        Each part is checked as it is read (PartDamaged names a damaged one, and nothing
        changes); a run held by two parts is written once."""
        self.flush()
        parts, damaged, notes = _scan(self.root, self.manifest)
        if damaged:
            raise damaged[0]
        if len(parts) <= 1 and not notes:
            self._record_parts(parts)
            return 0
        self._say(notes)
        name = f"part-{self._next_part:05d}.parquet"
        items: list[tuple[Path, Callable[[Path], int]]] = []
        with_series = [p for p in parts if p.series is not None]
        if with_series:
            manifest = self.manifest
            items.append((self.root / SERIES / name, partial(_merge_series, with_series, manifest)))
        items.append((self.root / RUNS / name, partial(_merge_runs, parts)))
        self.manifest["compaction"] = {"into": self._next_part, "parts": [p.number for p in parts]}
        try:
            self._publish(items)  # saves the journal with the records, then lands the parts
        except BaseException:
            if not (self.root / RUNS / name).is_file():  # not committed: nothing changed
                self._settle_compaction()
            raise
        self._next_part += 1
        self._settle_compaction()  # past the commit point: delete the old parts
        return len(parts)

    def _record_parts(self, parts: list[_Part]) -> None:
        """Check the series parts too (a compaction with nothing to merge reads no other
        way) and record every part as it is (a folder written before records were kept)."""
        records = self.manifest.setdefault(RECORDS, {})
        before = json.dumps(records, sort_keys=True)
        for part in parts:
            records[_key(part.path)] = part.record
            if part.series is not None:
                _series_table(part, self.manifest, ["run_id"])
                records[_key(part.series)] = part.series_record
        if json.dumps(records, sort_keys=True) != before:
            _write_json(self.root / MANIFEST, self.manifest)

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
        items: list[tuple[Path, Callable[[Path], int]]] = []
        if self._series:
            series = self._series_table()
            items.append((self.root / SERIES / name, partial(_write_part, series)))
        runs = pa.Table.from_pylist(self._rows, schema=self.runs_schema)
        items.append((self.root / RUNS / name, partial(_write_part, runs)))
        ids = [row["run_id"] for row in self._rows]
        statuses = Counter(row["status"] for row in self._rows)
        self.done[ids] = True  # counted before the manifest is written (once, with the records)
        self.counts.update(statuses)
        try:
            self._publish(items, counted=True)
        except BaseException:
            if not (self.root / RUNS / name).exists():  # not written: not done
                self.done[ids] = False
                self.counts.subtract(statuses)
            raise
        self._next_part += 1
        self._rows, self._series, self._series_rows = [], [], 0

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
        damage: UserError | None = None
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
                    try:
                        self.compact()
                    except OSError:
                        pass  # the parts stay as they are
                    except UserError as exc:  # a part damaged since it was written
                        damage, state, error = exc, "failed", str(exc)[:500]
                self.manifest["state"] = state
                if error:
                    self.manifest["error"] = error
                with contextlib.suppress(OSError):  # read-only now: the parts are the record
                    self._save_manifest()
        finally:
            if self._lock_file is not None:
                self._lock_file.close()
                self._lock_file = None
        if damage is not None:
            raise damage
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


def _free_name(path: Path) -> Path:
    """``path``, or ``path.1``, ``path.2``... whichever does not exist yet."""
    candidate, n = path, 0
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.name}.{n}")
    return candidate


def _unified(tables: list[pa.Table]) -> list[pa.Table]:
    """Tables cast to one schema: parts written by different pandas/pyarrow paths may type
    text as string or large_string (or a column as null where a part had no values)."""
    schema = pa.unify_schemas([t.schema for t in tables], promote_options="permissive")
    return [t.cast(schema) for t in tables]


def _merge_runs(parts: list[_Part], out: Path) -> int:
    """Write the runs of ``parts`` (one row per run) into one file sorted by run_id."""
    table = pa.concat_tables(_unified([p.table() for p in parts])).sort_by("run_id")
    return _write_part(table, out)


def _conform(part: _Part, table: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table`` (a checked series part) with ``schema``'s columns and types; a column it
    lacks is null."""
    try:
        columns = [
            table.column(f.name).cast(f.type)
            if f.name in table.column_names
            else pa.nulls(table.num_rows, f.type)
            for f in schema
        ]
    except (pa.ArrowException, ValueError):
        raise PartDamaged(
            part.series or part.path, "column types this sweep does not have"
        ) from None
    return pa.Table.from_arrays(columns, schema=schema)


def _merge_series(parts: list[_Part], manifest: dict[str, Any], out: Path) -> int:
    """Write the series of ``parts`` into one file, streamed part by part (a large series
    needs little memory), each part checked as it is read. Their common schema is the
    sweep's (from the manifest), not one read from the parts' footers before they are
    checked: a damaged footer must not shape the merged file."""
    names = (manifest.get("columns") or {}).get("series")
    if isinstance(names, list):
        schema = series_schema([str(n) for n in names])
    else:  # a folder from before the manifest listed its columns
        schema = pa.unify_schemas(
            [_series_table(p, manifest).schema for p in parts], promote_options="permissive"
        )
    rows = 0
    with pq.ParquetWriter(out, schema, **_WRITE) as writer:
        for part in parts:
            table = _conform(part, _series_table(part, manifest), schema)
            writer.write_table(table)
            rows += table.num_rows
    return rows


def compact_folder(root: str | Path) -> tuple[int, int]:
    """Merge the parts of a sweep folder (e.g. an interrupted one): (parts merged, runs).

    Takes the folder's lock, so it refuses a folder a sweep is writing to. A damaged part,
    or two parts holding one run with different results, is refused (UserError naming the
    files) and nothing changes."""
    root = Path(root)
    manifest = read_manifest(root)
    if manifest is None:
        raise UserError(f"{root}: not a sweep folder (no {MANIFEST})")
    store = SweepStore(root, None, None, manifest)  # type: ignore[arg-type]
    store._lock()
    try:
        store._settle_compaction()
        store._drop_leftovers()
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


def damaged_parts(root: str | Path) -> list[PartDamaged]:
    """The damaged parts of a sweep folder, its runs and series parts all read ([] for an
    intact folder, or none). For callers that skip a finished sweep: if any, run it again
    with ``resume``, which moves them aside and runs their runs again."""
    root = Path(root)
    manifest = read_manifest(root)
    return [] if manifest is None else _scan(root, manifest, check_series=True)[1]


def _open(root: Path) -> tuple[dict[str, Any], list[_Part], list[str]]:
    """A folder's manifest, its live runs parts checked, and notes on repeated runs; read
    again if a sweep changed the folder meanwhile (a compaction removes parts)."""
    for attempt in range(5):
        manifest = read_manifest(root)
        if manifest is None:
            raise UserError(f"{root}: not a sweep folder (no {MANIFEST})")
        try:
            parts, damaged, notes = _scan(root, manifest)
        except FileNotFoundError:
            if attempt == 4:
                raise
            continue
        if damaged:
            raise damaged[0]
        return manifest, parts, notes
    raise AssertionError("unreachable")


def _tell(found: list[str], notes: list[str] | None) -> None:
    """Notes go to the caller's list, else out as warnings (a library's way to say so)."""
    if notes is not None:
        notes.extend(found)
    else:
        for note in found:
            warnings.warn(one_line(note), RepeatedRunsWarning, stacklevel=3)


def load_results(
    root: str | Path, columns: list[str] | None = None, notes: list[str] | None = None
) -> pd.DataFrame:
    """All recorded runs of a sweep folder, one row per run, sorted by ``run_id``.

    Each part is checked (see the module doc): a damaged one raises :class:`PartDamaged`
    naming it. Runs held by two parts with identical results are read once, with a note
    (appended to ``notes`` if given, else a :class:`RepeatedRunsWarning`)."""
    root = Path(root)
    manifest, parts, found = _open(root)
    _tell(found, notes)
    if not parts:
        names = ["run_id", *(manifest.get("columns") or {}).get("parameters", [])]
        return pd.DataFrame(columns=columns or names)
    frame = pa.concat_tables(_unified([p.table(columns) for p in parts])).to_pandas()
    return frame.sort_values("run_id", kind="stable").reset_index(drop=True)


def load_series(
    root: str | Path, columns: list[str] | None = None, notes: list[str] | None = None
) -> pd.DataFrame:
    """Per-step series of the recorded runs, sorted by ``run_id`` then ``step`` (checked as
    :func:`load_results` checks the runs)."""
    root = Path(root)
    manifest, parts, found = _open(root)
    _tell(found, notes)
    wanted = None if columns is None else ["run_id", "step", *columns]
    tables = []
    for part in parts:
        if part.series is not None:
            tables.append(_series_table(part, manifest, wanted))
    if not tables:
        return pd.DataFrame(columns=["run_id", "step", *(columns or [])])
    frame = pa.concat_tables(_unified(tables)).to_pandas()
    return frame.sort_values(["run_id", "step"], kind="stable").reset_index(drop=True)

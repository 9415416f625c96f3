"""Run a scenario to the end; write its results folder atomically.

A results folder holds ``model.parquet``, ``regions.parquet``, ``districts.parquet``,
``summary.json`` and ``scenario.toml`` (the fully resolved scenario: every field after
``inherit`` and overrides, defaults included, with the run's seed), so
``abm run DIR/scenario.toml`` reproduces the folder byte for byte.

The folder is written whole or not at all: the files go into a hidden staging
folder beside it (``.NAME.abm-PID-XXXX``), are synced to disk, and the staging folder
is then swapped with the old one in one ``renameat2(RENAME_EXCHANGE)`` call (or renamed
into place when there is none). A killed run therefore leaves either the old complete
results or the new ones; its staging folder is removed by the next run into the same
place. If the results cannot be written, the finished run is saved in a rescue folder
under the system's temporary folder, and the error says where. Ctrl-C and SIGTERM (which
``abm run`` treats alike) wait while the folder is swapped into place, so an interrupted
run leaves the old results or the new ones, never a folder moved aside.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import errno
import hashlib
import json
import math
import os
import re
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from abm import __version__
from abm.errors import UsageError, UserError
from abm.model import RegionalModel
from abm.scenario import Scenario

OUTPUT_FILES = (
    "model.parquet",
    "regions.parquet",
    "districts.parquet",
    "summary.json",
    "scenario.toml",
)
_STAGING = re.compile(r"^\.(?P<name>.+)\.abm-(?P<pid>\d+)-[A-Za-z0-9_]+$")


@dataclass
class RunResult:
    """Everything one run produced: per-step tables and a final summary."""

    model: pd.DataFrame
    regions: pd.DataFrame
    summary: dict[str, Any]
    scenario: Scenario | None = None  # the resolved scenario the run used, with its seed
    districts: pd.DataFrame | None = None  # one row per month and district


def run_scenario(
    scenario: Scenario,
    seed: int | None = None,
    steps: int | None = None,
    outputs: Iterable[str] | None = None,
) -> RunResult:
    """Build the model, step it ``steps`` months (default: the scenario's) and collect results.

    ``outputs``: the names of the outputs the caller reads (a batch's series, objectives or
    targets); only those are computed and recorded (:func:`abm.outputs.kept`). None, as
    ``abm run`` passes, records every output."""
    if steps is not None and steps != scenario.steps:
        scenario = scenario.with_overrides({"scenario.steps": steps})
    seed = scenario.seed if seed is None else seed
    model = RegionalModel(scenario, rng=seed, outputs=outputs)
    for _ in range(scenario.steps):
        model.step()
    return result_of(model, scenario, seed)


def result_of(model: RegionalModel, scenario: Scenario, seed: int) -> RunResult:
    """The results of a finished run of ``scenario`` (also one continued from a shared
    history: :mod:`abm.branching`)."""
    model_df, regions_df = model.history()
    used = dataclasses.replace(scenario, scenario=dataclasses.replace(scenario.scenario, seed=seed))
    return RunResult(model_df, regions_df, summarise(model, seed), used, model.district_history())


def summarise(model: RegionalModel, seed: int) -> dict[str, Any]:
    """The final state as plain JSON-ready data."""
    scenario = model.config
    final = model.model_record()
    regions = model.region_records()
    return _clean(
        {
            "scenario": scenario.name,
            # the file it came from, named the same whatever the working folder (origin_of)
            # and carried through scenario.toml, so a reproduction writes the same line
            "source": scenario.origin or scenario.source,
            "resolved_scenario": "scenario.toml",
            "seed": int(seed),
            "steps": int(model.steps),
            "start": scenario.scenario.start,
            "end": final["date"].strftime("%Y-%m"),
            "firms_per_agent": 1.0 / scenario.scale if scenario.scale > 0 else None,
            # (a run that records only some outputs may lack it)
            "firm_share": {r["region"]: r["firm_share"] for r in regions if "firm_share" in r},
            "regions": {
                rid: {"name": scenario.regions[rid].name, "name_ko": scenario.regions[rid].name_ko}
                for rid in model.region_ids
            },
            "final": {k: v for k, v in final.items() if k != "date"},
            "final_regions": {
                r["region"]: {k: v for k, v in r.items() if k not in ("region", "date", "step")}
                for r in regions
            },
            "relocations": {f"{a}->{b}": n for (a, b), n in model.relocations_matrix().items()},
            "version": __version__,
        }
    )


def _clean(value: Any) -> Any:
    """NaN and infinities become null; numpy scalars become Python numbers."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


# --------------------------------------------------------------------- the results folder


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _stem(out: Path) -> str:
    """The folder's name as staging names carry it (cut so that they fit NAME_MAX)."""
    return out.name[:100]


def _new_staging(out: Path) -> Path:
    """A new staging folder beside ``out``, with the permissions mkdir would give it."""
    folder = Path(tempfile.mkdtemp(prefix=f".{_stem(out)}.abm-{os.getpid()}-", dir=out.parent))
    mask = os.umask(0o022)
    os.umask(mask)
    os.chmod(folder, 0o777 & ~mask)
    return folder


def clean_stale(out: Path) -> None:
    """Remove staging folders of killed runs into ``out`` (their process is gone)."""
    parent = out.parent
    if not parent.is_dir():
        return
    with contextlib.suppress(OSError):
        for entry in parent.iterdir():
            match = _STAGING.match(entry.name)
            if match and match["name"] == _stem(out) and not _pid_alive(int(match["pid"])):
                shutil.rmtree(entry, ignore_errors=True)


def check_out(out: Path, overwrite: bool) -> None:
    """Refuse an output folder that is not ours to replace (before any run)."""
    try:
        if out.exists() and not out.is_dir():
            raise UsageError(f"--out: {out} exists and is not a folder")
        entries = sorted(p.name for p in out.iterdir()) if out.is_dir() else []
    except OSError as exc:
        raise UsageError(f"--out: {out}: {exc.strerror or exc}") from None
    foreign = [n for n in entries if n not in OUTPUT_FILES]
    if foreign:
        raise UsageError(
            f"--out: {out} holds other files ({', '.join(foreign[:3])}"
            f"{', ...' if len(foreign) > 3 else ''}); a run replaces its whole folder, "
            "so choose a new or empty folder"
        )
    if entries and not overwrite:
        raise UsageError(
            f"--out: {out} already holds results ({', '.join(entries)}); "
            "choose another folder or pass --overwrite"
        )


def open_staging(out: Path) -> Path:
    """Create the hidden staging folder beside ``out`` (and ``out``'s parents): a path that
    cannot take the results fails here, before the run, not after it."""
    clean_stale(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        return _new_staging(out)
    except OSError as exc:
        raise UsageError(f"--out: cannot write in {out.parent}: {exc.strerror or exc}") from None


def _districts(result: RunResult) -> pd.DataFrame:
    """The district rows (the declared columns, also for a run without districts)."""
    if result.districts is not None:
        return result.districts
    from abm import outputs

    return pd.DataFrame(columns=outputs.names(outputs.DISTRICT))


def _write_files(result: RunResult, folder: Path) -> None:
    """The output files into ``folder``, each synced to disk (then the folder itself)."""
    resolved = result.scenario.to_toml() if result.scenario is not None else ""
    record = dict(result.summary)
    if resolved:
        record["scenario_sha256"] = hashlib.sha256(resolved.encode()).hexdigest()
    summary = json.dumps(record, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    writers = {
        "model.parquet": lambda p: result.model.to_parquet(p, index=False),
        "regions.parquet": lambda p: result.regions.to_parquet(p, index=False),
        "districts.parquet": lambda p: _districts(result).to_parquet(p, index=False),
        "summary.json": lambda p: p.write_text(summary, encoding="utf-8"),
    }
    if resolved:
        writers["scenario.toml"] = lambda p: p.write_text(resolved, encoding="utf-8")
    for name, write in writers.items():
        path = folder / name
        write(path)
        with open(path, "rb") as fh:
            os.fsync(fh.fileno())
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2); False where the system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    code = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if code == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM until the block ends (they arrive then, as usual).

    Python handlers, not a signal mask: a mask holds a signal for the thread that sets it,
    and the kernel then hands it to another thread (numpy's, a pool's), whose Python
    handler still runs in the main thread at once. Handlers can be set only there, and
    only the main thread is interrupted, so elsewhere nothing needs holding."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    before = {s: signal.signal(s, lambda signum, _frame: caught.append(signum)) for s in _HELD}
    try:
        yield
    finally:
        for s, handler in before.items():
            signal.signal(s, handler)
        if caught:  # delivered now, to the handler there was before
            signal.raise_signal(caught[0])


_HELD = (signal.SIGINT, signal.SIGTERM)


def publish(staging: Path, out: Path) -> None:
    """Put the finished staging folder at ``out`` in one step; the old folder is deleted.

    Ctrl-C and SIGTERM wait until it is done: where there is no atomic swap, the old
    folder is moved aside for a moment, and an interrupt then would leave no results."""
    with _signals_held():
        _publish(staging, out)


def _publish(staging: Path, out: Path) -> None:
    if out.is_dir():
        if not _exchange(staging, out):
            # no atomic swap here: move the old folder aside under a staging name (the next
            # run removes it if we die between the two renames), then rename into place
            aside = _new_staging(out)
            os.replace(out, aside)
            os.replace(staging, out)
            staging = aside
        shutil.rmtree(staging, ignore_errors=True)  # the old results
    else:
        os.replace(staging, out)
    _fsync_dir(out.parent)


def rescue(result: RunResult, out: Path) -> Path:
    """Save a finished run whose folder could not be written; where it went."""
    folder = Path(tempfile.mkdtemp(prefix=f"abm-rescue-{out.name[:60]}-"))
    _write_files(result, folder)
    return folder


def write_outputs(
    result: RunResult, out_dir: str | Path, staging: Path | None = None
) -> list[Path]:
    """Write the results folder ``out_dir`` atomically (see the module doc).

    Raises :class:`UserError` if it cannot; the finished run is then in a rescue folder
    that the message names.
    """
    out = Path(out_dir)
    if staging is None:
        staging = open_staging(out)
    try:
        _write_files(result, staging)
        publish(staging, out)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        reason = exc.strerror or str(exc)
        try:
            saved = rescue(result, out)
        except OSError as again:
            raise UserError(
                f"--out: cannot write results to {out} ({reason}), nor a rescue copy in "
                f"{tempfile.gettempdir()} ({again.strerror or again}); the run is lost"
            ) from None
        raise UserError(
            f"--out: cannot write results to {out} ({reason}); the finished run is saved "
            f"in {saved}: move that folder where you want it"
        ) from None
    return [out / name for name in OUTPUT_FILES]

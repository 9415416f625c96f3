"""A decision's runs as EMA Workbench results, so analysts can use their own tools on them.

EMA Workbench's ``perform_experiments`` returns ``(experiments, outcomes)``: a DataFrame
with one row per run, one column per uncertainty and per lever, and the columns
``scenario``, ``policy`` and ``model`` (categorical); and a dict of outcome name -> numpy
array with one value per run (a scalar outcome). Its ``save_results`` stores the pair as
a ``.tar.gz`` holding ``experiments.csv``, one headerless CSV per outcome
(``NAME.cls`` for a scalar outcome) and ``metadata.json`` (the outcomes' kinds and file
names, the experiments' dtypes), which ``ema_workbench.load_results`` reads back. This
module writes the same pair and the same file (EMA Workbench 3.0's documented format),
without importing EMA Workbench:

* a *run* (one option in one future) is an experiment;
* the uncertainties are the decision's uncertain parameters (posterior columns and
  deep-uncertainty ranges), by their dotted names;
* ``policy`` is the option's name (options are scenario files or overrides, so there are
  no lever columns: the policy names them), ``scenario`` the future's number (its seed
  and parameters are in ``futures.parquet``), ``model`` the decision's model;
* each objective is a scalar outcome, NaN where the run failed.

    from abm.decide.ema import read_ema
    experiments, outcomes = read_ema("results/decide_sites/ema_results.tar.gz")
    # or, with EMA Workbench installed: ema_workbench.load_results(the same path)
"""

from __future__ import annotations

import io
import json
import sys
import tarfile
from pathlib import Path

import numpy as np
import pandas as pd

EMA_FILE = "ema_results.tar.gz"
SCALAR = "ScalarOutcome"  # EMA Workbench's class name for one number per experiment
_COLUMNS = ("scenario", "policy", "model")


def to_ema(
    runs: pd.DataFrame,
    futures: pd.DataFrame,
    options: list[str],
    objectives: list[str],
    parameters: list[str],
    model: str,
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """The (experiments, outcomes) pair: one experiment per option and future, options in
    the spec's order, futures in order within each. ``runs`` has ``option`` and
    ``future`` columns (missing runs become NaN outcomes)."""
    futures = futures.sort_values("future").reset_index(drop=True)
    n = len(futures)
    rows = pd.DataFrame(
        {
            "option": np.repeat(options, n),
            "future": np.tile(futures["future"].to_numpy(), len(options)),
        }
    )
    ok = runs[runs["status"] == "ok"][["option", "future", *objectives]]
    merged = rows.merge(ok, on=["option", "future"], how="left", validate="one_to_one")
    experiments = pd.concat(
        [futures[list(parameters)]] * len(options), ignore_index=True
    ).reset_index(drop=True)
    for column in parameters:
        if not pd.api.types.is_numeric_dtype(experiments[column]):
            experiments[column] = experiments[column].astype("category")
    experiments["scenario"] = pd.Categorical(merged["future"].to_numpy())
    experiments["policy"] = pd.Categorical(merged["option"], categories=options)
    experiments["model"] = pd.Categorical([model] * len(merged))
    outcomes = {name: merged[name].to_numpy(dtype=np.float64) for name in objectives}
    return experiments, outcomes


def _add(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = 0  # the same bytes for the same decision
    archive.addfile(info, io.BytesIO(data))


def write_ema(path: Path, experiments: pd.DataFrame, outcomes: dict[str, np.ndarray]) -> None:
    """Write the pair as EMA Workbench's ``save_results`` does (see the module's doc)."""
    import gzip

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        _add(archive, "experiments.csv", experiments.to_csv(index=False).encode("utf-8"))
        meta = []
        for name, values in outcomes.items():
            csv = pd.DataFrame(values).to_csv(header=False, index=False).encode("utf-8")
            _add(archive, f"{name}.cls", csv)
            meta.append([SCALAR, name, f"{name}.cls"])
        metadata = {
            "version": 0.1,
            "outcomes": meta,
            "experiments": {k: v.name for k, v in experiments.dtypes.to_dict().items()},
        }
        _add(archive, "metadata.json", json.dumps(metadata).encode("utf-8"))
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as raw, gzip.GzipFile("", "wb", fileobj=raw, mtime=0) as gz:
        gz.write(buffer.getvalue())
    tmp.replace(path)


def read_ema(path: str | Path) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Read a file written by :func:`write_ema` (or EMA Workbench's ``save_results``, for
    scalar outcomes) into the pair, dtypes restored as ``ema_workbench.load_results``
    restores them."""
    with tarfile.open(path, "r:gz") as archive:
        metadata = json.loads(_member(archive, "metadata.json").decode("utf-8"))
        experiments = pd.read_csv(io.BytesIO(_member(archive, "experiments.csv")))
        for name, dtype in metadata["experiments"].items():
            experiments[name] = experiments[name].astype(dtype)
        outcomes = {}
        for kind, name, filename in metadata["outcomes"]:
            if kind != SCALAR:
                raise ValueError(f"{path}: outcome {name!r} is a {kind}; only scalars are read")
            frame = pd.read_csv(io.BytesIO(_member(archive, filename)), header=None)
            outcomes[name] = frame.to_numpy(dtype=np.float64).reshape(-1)
    return experiments, outcomes


def _member(archive: tarfile.TarFile, name: str) -> bytes:
    f = archive.extractfile(name)
    if f is None:
        raise ValueError(f"{name}: not a file in the archive")
    return f.read()


def export(folder: str | Path) -> Path:
    """Write ``FOLDER/ema_results.tar.gz`` from a decision folder; returns its path."""
    from abm.decide.run import load_folder_runs, read_decision

    folder = Path(folder)
    decision = read_decision(folder)
    runs, futures = load_folder_runs(folder, decision)
    experiments, outcomes = to_ema(
        runs,
        futures,
        [o["name"] for o in decision["options"]],
        [o["name"] for o in decision["objectives"]],
        list(decision["futures"]["parameters"]),
        decision["model"],
    )
    path = folder / EMA_FILE
    write_ema(path, experiments, outcomes)
    return path


def main(argv: list[str] | None = None) -> int:
    """``python -m abm.decide.ema DIR``: (re)write DIR/ema_results.tar.gz."""
    import argparse

    from abm.errors import UserError

    parser = argparse.ArgumentParser(description="Export a decision as EMA Workbench results.")
    parser.add_argument("dir", type=Path, help="a decision folder (the --out of abm decide)")
    args = parser.parse_args(argv)
    try:
        print(export(args.dir))
    except UserError as exc:
        print(f"abm: error: {exc}", file=sys.stderr)
        return 2
    return 0


def columns(parameters: list[str]) -> list[str]:
    """The experiments' columns, in order: the uncertainties, then EMA's three."""
    return [*parameters, *_COLUMNS]


if __name__ == "__main__":
    sys.exit(main())

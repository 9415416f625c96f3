"""Mutation score of the fast tests over the model's rules (mutmut; docs/mutation.md).

A mechanism is real only if a fast test fails when it is removed. mutmut removes and alters
the code one small change (a mutant) at a time and runs the fast tests that cover it: a
mutant the tests notice is killed, one they do not survived.

    .venv/bin/python scripts/mutation.py [--children 2] [--write]
    .venv/bin/python scripts/mutation.py --ci

The first runs mutmut as ``[tool.mutmut]`` of pyproject.toml configures it (the rules, the
location choice and the compute market against a selection of fast tests; ``make mutation``)
in ``mutants/``, then prints the share killed per file; ``--write`` puts that table between
the ``mutation`` markers of docs/mutation.md (the survivors judged harmless are written by
hand below it). ``--ci`` mutates one small module (:data:`CI_MODULE`) against the same
tests in a temporary copy of the repository and exits 1 if fewer are killed than the share
docs/mutation.md commits to (its ``ci-floor`` line): the version CI runs, in a few minutes.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from _doc_tables import write_block

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "mutation.md"
COMMAND = "scripts/mutation.py"
BLOCK = "mutation"  # the markers of docs/mutation.md its table goes between
FLOOR = re.compile(r"ci-floor: ([0-9.]+)")
CI_MODULE = "abm/rules/innovation.py"
# what the CI copy needs besides abm/ and tests/: [tool.mutmut]'s also_copy
CI_COPY = ("scenarios", "calibration", "examples", "viz", "scripts", "docs")
# mutmut's statuses (mutmut.stats.status_by_exit_code): a timeout or a crash is a kill
KILLED = {1: "killed", 3: "killed", 36: "killed", 24: "killed", -24: "killed", 152: "killed"}
KILLED |= {255: "killed", -11: "killed", -9: "killed"}
SURVIVED = {0: "survived", 5: "no tests", 33: "no tests"}


def run_mutmut(root: Path, children: int) -> None:
    """``mutmut run`` in ``root`` (its pyproject.toml's ``[tool.mutmut]``)."""
    cmd = [sys.executable, "-m", "mutmut", "run", "--max-children", str(children)]
    subprocess.run(cmd, cwd=root, check=True, stdout=subprocess.DEVNULL)


def outcomes(root: Path) -> dict[str, Counter]:
    """Per mutated file: how many mutants were killed, survived, had no covering test, or
    were not checked (mutmut's ``.meta`` files)."""
    out: dict[str, Counter] = {}
    for meta in sorted((root / "mutants").rglob("*.py.meta")):
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        if not codes:
            continue
        name = str(meta.relative_to(root / "mutants")).removesuffix(".meta")
        out[name] = Counter(
            KILLED.get(c) or SURVIVED.get(c) or ("not checked" if c is None else "other")
            for c in codes.values()
        )
    return out


def survivors(root: Path) -> list[str]:
    """Names of the mutants that survived (``mutmut show NAME`` prints each one's diff)."""
    names = []
    for meta in sorted((root / "mutants").rglob("*.py.meta")):
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        names += [k for k, c in codes.items() if c in SURVIVED]
    return names


def score(counts: Counter) -> float:
    """Share of the checked mutants killed (a mutant no selected test covers counts as a
    survivor: nothing would notice it)."""
    checked = sum(counts.values()) - counts["not checked"]
    return counts["killed"] / checked if checked else float("nan")


def table(results: dict[str, Counter]) -> str:
    """The Markdown table of docs/mutation.md: mutants and the share killed per file."""
    lines = [
        "| file | mutants | checked | killed | survived | no test covers | killed share |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    total: Counter = Counter()
    for name, counts in results.items():
        total += counts
        lines.append(_row(f"`{name}`", counts))
    lines.append(_row("**all**", total))
    return "\n".join(lines)


def _row(label: str, c: Counter) -> str:
    n = sum(c.values())
    checked = n - c["not checked"]
    share = f"{score(c):.1%}" if checked else "not reached"
    return (
        f"| {label} | {n} | {checked} | {c['killed']} | {c['survived']} | {c['no tests']} "
        f"| {share} |"
    )


def write(results: dict[str, Counter], stamp: str) -> None:
    """Replace the table between the markers of docs/mutation.md."""
    write_block(DOC, BLOCK, COMMAND, f"{stamp}\n\n{table(results)}")


def ci_copy(dest: Path) -> None:
    """The repository's code, tests and inputs in ``dest``, its ``[tool.mutmut]`` (the same
    test selection as the full run) narrowed to mutants of :data:`CI_MODULE`."""
    for part in ("abm", "tests", *CI_COPY):
        shutil.copytree(ROOT / part, dest / part, ignore=shutil.ignore_patterns("__pycache__"))
    text = (ROOT / "pyproject.toml").read_text()
    narrowed, n = re.subn(
        r"(?m)^only_mutate = .*$", f"only_mutate = {json.dumps([CI_MODULE])}", text
    )
    assert n == 1, "pyproject.toml: [tool.mutmut] has no one-line only_mutate"
    (dest / "pyproject.toml").write_text(narrowed)


def committed_floor() -> float:
    """The share of :data:`CI_MODULE`'s mutants that docs/mutation.md commits CI to kill."""
    found = FLOOR.search(DOC.read_text())
    if found is None:
        raise SystemExit(f"{DOC}: no 'ci-floor: <share>' line")
    return float(found.group(1))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--children", type=int, default=2, help="mutants tested at once")
    ap.add_argument("--write", action="store_true", help="update docs/mutation.md's table")
    ap.add_argument("--ci", action="store_true", help=f"only {CI_MODULE}, against the floor")
    ap.add_argument("--no-run", action="store_true", help="report the last run of mutants/")
    ap.add_argument("--note", default="", help="a sentence added to the table's stamp")
    args = ap.parse_args(argv)
    if args.ci:
        floor = committed_floor()
        with tempfile.TemporaryDirectory(prefix="abm-mutation-") as tmp:
            ci_copy(Path(tmp))
            run_mutmut(Path(tmp), args.children)
            counts = outcomes(Path(tmp)).get(CI_MODULE, Counter())
        got = score(counts)
        print(
            f"{CI_MODULE}: {counts['killed']} of {sum(counts.values())} mutants killed "
            f"({got:.1%}); committed floor {floor:.1%}"
        )
        return 0 if got >= floor else 1
    if not args.no_run:
        run_mutmut(ROOT, args.children)
    results = outcomes(ROOT)
    print(table(results))
    if args.write:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        date = subprocess.run(["date", "-u", "+%Y-%m-%d"], capture_output=True, text=True)
        stamp = f"Made by `make mutation` on {date.stdout.strip()} at commit {commit}."
        write(results, f"{stamp} {args.note}".strip())
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Count the lines of input-validation code, at the working tree or at any git revision.

Issue 19 measured "about 2,700 lines of validation": the physical lines of the scenario
reader and the three spec front ends with the helpers they share (abm/scenario.py,
abm/sweep/spec.py, abm/decide/spec.py, abm/calibrate/spec.py, abm/specutil.py: 2,709 at
c3a634b). This script counts the same files, plus the declarative layer they have read
since (abm/inputs.py), so that moving checks into the layer does not hide them, and
separately the readers of the calibration's targets and priors (files that also hold
non-validation code: a target's statistic, a prior's distribution).

For each file it prints the physical lines and the code lines (neither blank, nor a
comment, nor a docstring). A file a revision lacks counts 0.

    python scripts/validation_lines.py            # the working tree
    python scripts/validation_lines.py c3a634b    # a revision (read with git show)
"""

from __future__ import annotations

import io
import subprocess
import sys
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ISSUE = (
    "abm/scenario.py",
    "abm/sweep/spec.py",
    "abm/decide/spec.py",
    "abm/calibrate/spec.py",
    "abm/specutil.py",
)
LAYER = ("abm/inputs.py",)
ALSO = ("abm/calibrate/targets.py", "abm/calibrate/priors.py")


def text_of(path: str, rev: str | None) -> str:
    if rev is None:
        file = ROOT / path
        return file.read_text() if file.exists() else ""
    run = subprocess.run(["git", "show", f"{rev}:{path}"], cwd=ROOT, capture_output=True, text=True)
    return run.stdout if run.returncode == 0 else ""


def code_lines(text: str) -> int:
    """Lines holding a token other than a comment, a docstring or layout."""
    lines: set[int] = set()
    previous = tokenize.NEWLINE
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        layout = (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT)
        if tok.type in (tokenize.COMMENT, *layout, tokenize.ENDMARKER):
            pass
        elif tok.type == tokenize.STRING and previous in (tokenize.NEWLINE, tokenize.INDENT):
            pass  # a string standing alone as a statement: a docstring
        else:
            lines.update(range(tok.start[0], tok.end[0] + 1))
        if tok.type not in (tokenize.NL, tokenize.COMMENT):
            previous = tok.type
    return len(lines)


def main(argv: list[str]) -> int:
    rev = argv[0] if argv else None
    print(f"validation lines at {rev or 'the working tree'}")
    print(f"{'file':<28} {'lines':>6} {'code':>6}")
    for title, files in (("issue 19's files", ISSUE + LAYER), ("targets, priors", ALSO)):
        total = [0, 0]
        for path in files:
            text = text_of(path, rev)
            row = [len(text.splitlines()), code_lines(text) if text else 0]
            total = [a + b for a, b in zip(total, row, strict=True)]
            print(f"{path:<28} {row[0]:>6} {row[1]:>6}")
        print(f"{'= ' + title:<28} {total[0]:>6} {total[1]:>6}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Errors that reach users as one clear line, never as a traceback.

The CLI maps every subclass of :class:`UserError` to exit status 2 and prints
``abm: error: <message>``. Library callers (the app, the sweep runner) catch the
same classes and show the message next to the control or spec field at fault.
"""

from __future__ import annotations

from dataclasses import dataclass


class UserError(Exception):
    """Bad input from a user: a file, flag, control value or spec field."""


class UsageError(UserError):
    """A command-line usage error (bad flag, missing file, bad value)."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where it is, which field, and what is allowed."""

    source: str
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.source}: " if self.source else ""
        field = f"{self.field}: " if self.field else ""
        return f"{where}{field}{self.message}"


class ScenarioError(UserError):
    """A scenario (file, inheritance chain or override) that does not validate.

    Carries every problem found, not just the first, so ``abm validate`` can
    report them all at once.
    """

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems))

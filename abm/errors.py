"""Errors that reach users as one clear line, never as a traceback.

The CLI maps every subclass of :class:`UserError` to exit status 2 and prints
``abm: error: <message>``. Library callers (the app, the sweep runner) catch the
same classes and show the message next to the control or spec field at fault.
"""

from __future__ import annotations

import os
import stat
import tomllib
from dataclasses import dataclass
from typing import Any


class UserError(Exception):
    """Bad input from a user: a file, flag, control value or spec field."""


class UsageError(UserError):
    """A command-line usage error (bad flag, missing file, bad value)."""


_CONTROL = {c: f"\\x{c:02x}" for c in [*range(32), 127]} | {10: "\\n", 13: "\\r", 9: "\\t"}


def one_line(text: str) -> str:
    """A message as one printable line: control characters (a newline in a file name or a
    value) are shown escaped, so every problem stays one line on the terminal."""
    return text.translate(_CONTROL)


def _cut(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where it is, which field, and what is allowed."""

    source: str
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{_cut(self.source)}: " if self.source else ""
        field = f"{_cut(self.field)}: " if self.field else ""
        return one_line(f"{where}{field}{self.message}")


class ScenarioError(UserError):
    """A scenario (file, inheritance chain or override) that does not validate.

    Carries every problem found, not just the first, so ``abm validate`` can
    report them all at once.
    """

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems))

    def __reduce__(self) -> tuple[type[ScenarioError], tuple[list[Problem]]]:
        """Pickle by the problems, not the joined message, so an error raised in a worker
        process (a sweep, a decision, a script's pool) reaches the parent unchanged."""
        return (type(self), (self.problems,))


# ----------------------------------------------------------------------- input files

MAX_INPUT_BYTES = 4 * 1024 * 1024  # scenario files and specs are a few kB; 4 MiB is generous
MAX_PATH_CHARS = 4096  # PATH_MAX on Linux
MAX_NESTING = 32  # tables and arrays inside each other; real files use 4 or 5


class InputError(UserError):
    """An input file that cannot be used; the message is the reason, without the path,
    so the caller can say which file (and which field pointing to it) is at fault."""


def check_path_text(text: str) -> None:
    """Refuse path strings that no file system call can take (NUL bytes, absurd lengths)."""
    if "\0" in text:
        raise InputError("the path contains a NUL byte")
    if len(text) > MAX_PATH_CHARS:
        raise InputError(f"the path is {len(text):,} characters; at most {MAX_PATH_CHARS:,}")


def read_input_text(path: str | os.PathLike, max_bytes: int = MAX_INPUT_BYTES) -> str:
    """The UTF-8 text of a regular file of at most ``max_bytes``.

    Stats before opening, so a FIFO (which would block the open forever), a device
    (``/dev/zero`` never ends) or a socket is refused without touching it.
    """
    check_path_text(os.fspath(path))
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise InputError("file not found") from None
    except NotADirectoryError:
        raise InputError("a folder in the path is a file") from None
    except PermissionError:
        raise InputError("permission denied") from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError("is a directory, not a TOML file")
    if not stat.S_ISREG(info.st_mode):
        raise InputError("is not a regular file (a FIFO, device or socket); give a TOML file")
    if info.st_size > max_bytes:
        raise InputError(f"is {info.st_size:,} bytes; input files are at most {max_bytes:,}")
    try:
        with open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except PermissionError:
        raise InputError("permission denied") from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}") from None
    if len(data) > max_bytes:  # it grew since the stat
        raise InputError(f"is over {max_bytes:,} bytes; input files are at most {max_bytes:,}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"is not UTF-8 text (utf-8: {exc.reason} at byte {exc.start})") from None


def parse_toml_text(text: str) -> dict[str, Any]:
    """Parse TOML; nesting beyond :data:`MAX_NESTING` levels is refused (the parser recurses)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"invalid TOML: {exc}") from None
    except RecursionError:
        raise InputError(f"nested too deeply (at most {MAX_NESTING} levels)") from None
    check_nesting(data)
    return data


def check_nesting(value: Any, limit: int = MAX_NESTING) -> None:
    """Refuse data nested deeper than ``limit`` (checked without recursion)."""
    stack = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            raise InputError(f"nested too deeply (at most {limit} levels)")
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)


def read_toml_file(path: str | os.PathLike, max_bytes: int = MAX_INPUT_BYTES) -> dict[str, Any]:
    """A TOML input file as data; every failure is an :class:`InputError` with the reason."""
    return parse_toml_text(read_input_text(path, max_bytes))

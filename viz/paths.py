"""Which files the page may open: scenario files and sweep result folders under allowed roots.

Why: the app is a web server, so a path typed into the page must never reach the file
system. The page only offers choices from the lists built here, and looks a choice up by
its key; the roots are the project plus any ``--root DIR`` given to ``abm app`` (passed
to the server process in ``ABM_APP_ROOTS``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ROOTS_ENV = "ABM_APP_ROOTS"
CACHE_ENV = "ABM_ASSET_CACHE"
_SKIP_DIRS = {".git", ".venv", "node_modules", ".cache", "__pycache__", ".pytest_cache"}
_RESULT_DEPTH = 4
_NOTED: set[Path] = set()  # links already reported (the lists are built at every render)


@dataclass(frozen=True)
class Choice:
    """One file or folder the page may open: ``key`` is what the page sends back."""

    key: str
    label: str
    path: Path
    description: str = ""
    description_ko: str = ""


def asset_cache_dir() -> Path:
    """Where Solara's front-end assets are cached (filled by scripts/setup_browser.sh)."""
    return Path(os.environ.get(CACHE_ENV) or PROJECT_ROOT / ".cache" / "solara-assets")


def allowed_roots() -> list[Path]:
    """The project root, then every folder named with ``--root`` (deduplicated)."""
    roots = [PROJECT_ROOT]
    for item in os.environ.get(ROOTS_ENV, "").split(os.pathsep):
        if item and (path := Path(item).resolve()).is_dir() and path not in roots:
            roots.append(path)
    return roots


def label(path: Path, root: Path) -> str:
    """How a file or folder under ``root`` is shown: relative to the project, else under
    the root's name."""
    rel = path.relative_to(root)
    return str(rel) if root == PROJECT_ROOT else f"{root.name}/{rel}"


def _korean(path: Path) -> str:
    """The file's own ``scenario.description_ko`` (as the picker shows its own description)."""
    from abm.scenario import load_raw

    try:
        meta = load_raw(path).get("scenario", {})
    except Exception:  # an invalid file says so in its English description
        return ""
    text = meta.get("description_ko", "") if isinstance(meta, dict) else ""
    return text if isinstance(text, str) else ""


def scenario_choices() -> list[Choice]:
    """Scenario files: ``scenarios/*.toml`` of each root, plus ``*.toml`` directly in a --root."""
    from abm.scenario import list_scenarios

    found: list[Choice] = []
    seen: set[Path] = set()
    for root in allowed_roots():
        folders = [root / "scenarios"] + ([root] if root != PROJECT_ROOT else [])
        for folder in folders:
            if not folder.is_dir():
                continue
            for link, description in list_scenarios(folder):
                path = link.resolve()
                home = _root_of(link, path, root)
                if path in seen or home is None:
                    continue
                seen.add(path)
                found.append(Choice(label(path, home), path.stem, path, description, _korean(path)))
    return found


def _root_of(link: Path, path: Path, root: Path) -> Path | None:
    """The allowed root that holds ``path`` (``link``, found under ``root``, resolved): that
    root if it does; None for a symlink to a file outside every root: it is not offered,
    and said once on the server's log."""
    roots = [root, *allowed_roots()]
    home = next((r for r in roots if path.is_relative_to(r)), None)
    if home is None and link not in _NOTED:
        _NOTED.add(link)
        print(
            f"abm app: skipped {link}: a link to {path}, outside the allowed roots",
            file=sys.stderr,
            flush=True,
        )
    return home


def result_choices() -> list[Choice]:
    """Sweep results folders (with a manifest and runs) under the allowed roots."""
    return folder_choices(lambda f: (f / "manifest.json").is_file() and (f / "runs").is_dir())


def folder_choices(
    holds: Callable[[Path], bool], skip: frozenset[str] = frozenset()
) -> list[Choice]:
    """The folders under the allowed roots (to ``_RESULT_DEPTH`` levels, not inside folders
    named in ``skip``) for which ``holds`` is true, each once, by label."""
    found, seen = [], set()
    for root in allowed_roots():
        for folder in _walk(root, _RESULT_DEPTH, skip):
            if folder not in seen and holds(folder):
                seen.add(folder)
                found.append(Choice(label(folder, root), folder.name, folder))
    return sorted(found, key=lambda c: c.key)


def _walk(root: Path, depth: int, skip: frozenset[str] = frozenset()):
    """Folders under ``root`` to ``depth`` levels, skipping tool folders, ``skip`` and
    symlinks."""
    yield root
    if depth == 0:
        return
    try:
        children = sorted(p for p in root.iterdir() if p.is_dir() and not p.is_symlink())
    except OSError:
        return
    for child in children:
        if child.name in _SKIP_DIRS or child.name in skip or child.name.startswith("."):
            continue
        yield from _walk(child, depth - 1, skip)


def lookup(choices: list[Choice], key: str | None) -> Choice | None:
    """The choice with ``key``; None for anything not offered (never a raw path)."""
    return next((c for c in choices if c.key == key), None)

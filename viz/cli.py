"""``abm app``: start the browser app (a Solara server on viz/app.py), offline.

``abm/cli.py`` calls :func:`register` with its subparsers. The command replaces itself
with ``python -m solara run viz.app`` (so a signal sent to its pid reaches the server),
with the flags and environment that keep Solara off the network: assets from the local
cache, no version check, no telemetry, production mode.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import webbrowser
from pathlib import Path

from abm.errors import UsageError
from viz.assets import SETUP_SCRIPT, missing_packages
from viz.paths import CACHE_ENV, PROJECT_ROOT, ROOTS_ENV, asset_cache_dir

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``app`` subcommand to the ``abm`` command line."""
    parser = subparsers.add_parser(
        "app",
        help="run the browser app",
        description="Explore the regional AI economy in the browser (offline Solara server).",
    )
    add_arguments(parser)
    parser.set_defaults(func=run)
    return parser


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host", default=DEFAULT_HOST, help=f"address to bind (default {DEFAULT_HOST})"
    )
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})"
    )
    parser.add_argument(
        "--root",
        action="append",
        default=[],
        metavar="DIR",
        help="also offer scenario files and sweep results under DIR (repeatable)",
    )
    parser.add_argument(
        "--open", action="store_true", help="open the default web browser once the server runs"
    )


def server_command(host: str, port: int, roots: list[Path]) -> tuple[list[str], dict[str, str]]:
    """The argv and environment of the Solara server; raises UsageError for bad flags."""
    if not host.strip():
        raise UsageError("--host must not be empty")
    if not 1 <= port <= 65535:
        raise UsageError(f"--port must be in 1..65535, got {port}")
    for root in roots:
        if not root.is_dir():
            raise UsageError(f"--root {root}: not a directory")
    cache = asset_cache_dir()
    if missing := missing_packages(cache):
        raise UsageError(
            f"Solara's front-end assets are missing from {cache} ({', '.join(missing[:3])}"
            f"{', ...' if len(missing) > 3 else ''}): run {SETUP_SCRIPT} --no-browser"
        )
    _check_port_free(host, port)
    env = dict(os.environ)
    env.update(
        {
            "SOLARA_ASSETS_PROXY_CACHE_DIR": str(cache),
            "SOLARA_ASSETS_PROXY": "True",
            "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false",
            # nothing leaves the machine: an uncached asset is refused (viz/offline.py),
            # and even a fetch Solara made some other way would hit a dead loopback port
            "SOLARA_ASSETS_CDN": "http://127.0.0.1:9/offline-cdn/",
            # a closed tab's kernel (and its model) is freed this long after it went away
            # (Solara's default keeps it 24 h, for a reconnect)
            "SOLARA_KERNEL_CULL_TIMEOUT": env.get("SOLARA_KERNEL_CULL_TIMEOUT", "20s"),
            CACHE_ENV: str(cache),
            ROOTS_ENV: os.pathsep.join(str(r.resolve()) for r in roots),
            "PYTHONPATH": os.pathsep.join(
                p for p in (str(PROJECT_ROOT), env.get("PYTHONPATH", "")) if p
            ),
        }
    )
    argv = [
        sys.executable,
        "-m",
        "solara",
        "run",
        "viz.app",
        "--host",
        host,
        "--port",
        str(port),
        "--no-open",
        "--no-check-version",
        "--production",
        "--log-level",
        "warning",
    ]
    return argv, env


def _check_port_free(host: str, port: int) -> None:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise UsageError(f"--host {host}: {exc.strerror}") from None
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError as exc:
            raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def _is_loopback(host: str) -> bool:
    """Whether ``host`` names only this machine (127.0.0.0/8, ::1, localhost)."""
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def run(args: argparse.Namespace) -> int:
    """Start the server in place of this process; returns only on failure to start."""
    roots = [Path(r).expanduser() for r in args.root]
    argv, env = server_command(args.host, args.port, roots)
    url = f"http://{args.host}:{args.port}/"
    if not _is_loopback(args.host):
        print(
            f"abm app: warning: --host {args.host} is reachable from other machines; the app "
            "has no login, so anyone who reaches it can run models and read result folders",
            file=sys.stderr,
        )
    print(f"abm app: serving on {url} (Ctrl-C stops it)", file=sys.stderr, flush=True)
    if args.open:
        _open_when_ready(url)
    os.chdir(PROJECT_ROOT)
    os.execvpe(argv[0], argv, env)
    return 1  # pragma: no cover - execvpe does not return


def _open_when_ready(url: str) -> None:
    """Open the browser from a detached child once the server answers /readyz."""
    if os.fork() != 0:
        return
    import time
    import urllib.request

    for _ in range(120):
        try:
            with urllib.request.urlopen(url + "readyz", timeout=1):
                break
        except OSError:
            time.sleep(0.5)
    webbrowser.open(url)
    os._exit(0)


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry (``python -m viz.cli``) for when abm/cli.py is not wired yet."""
    parser = argparse.ArgumentParser(prog="abm app", description="Run the browser app.")
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return run(args)
    except UsageError as exc:
        print(f"abm: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
